//! The course content checks itself, in the spirit of rustlings' `dev check`: each exercise's stub
//! and solution manifests differ only in name and description; every `todo!` names README steps
//! that exist; every file a README points at exists; the grader's module docs (lib.rs) name real
//! files and every module. Each check is a function of the texts, shown to catch a broken sample
//! before it is run on the kit.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use grader::rubric::EXERCISES;
use support::kit_root;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The lines in which two manifests differ, other than their `name` and `description`.
fn manifest_differences(stub: &str, solution: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (stub.lines().collect(), solution.lines().collect());
    if a.len() != b.len() {
        return vec![format!("{} lines against {}", a.len(), b.len())];
    }
    let differs_freely =
        |line: &str| line.starts_with("name = ") || line.starts_with("description = ");
    a.iter()
        .zip(&b)
        .filter(|(x, y)| x != y && !(differs_freely(x) && differs_freely(y)))
        .map(|(x, y)| format!("{x:?} against {y:?}"))
        .collect()
}

#[test]
fn stub_and_solution_manifests_differ_only_in_name_and_description() {
    let stub = "[package]\nname = \"ex1\"\ndescription = \"a\"\n[dependencies]\nnix = \"1\"\n";
    let solution =
        "[package]\nname = \"ex1-solution\"\ndescription = \"b\"\n[dependencies]\nnix = \"1\"\n";
    assert_eq!(manifest_differences(stub, solution), Vec::<String>::new());
    let drifted = solution.replace("nix = \"1\"", "nix = \"2\"");
    assert_eq!(manifest_differences(stub, &drifted).len(), 1);
    assert_eq!(
        manifest_differences(stub, &format!("{solution}libc = \"0.2\"\n")).len(),
        1
    );

    for exercise in EXERCISES.iter().copied() {
        let stub = read(
            &kit_root()
                .join("exercises")
                .join(exercise)
                .join("Cargo.toml"),
        );
        let solution = read(
            &kit_root()
                .join("solutions")
                .join(exercise)
                .join("Cargo.toml"),
        );
        assert_eq!(
            manifest_differences(&stub, &solution),
            Vec::<String>::new(),
            "{exercise}: the stub's and the solution's manifests differ"
        );
    }
}

/// The message of every `todo!("...")` in some source.
fn todo_messages(source: &str) -> Vec<String> {
    source
        .split("todo!(")
        .skip(1)
        .map(|rest| {
            let literal = rest.split_once('"').map_or("", |(_, after)| after);
            literal
                .split_once('"')
                .map_or("", |(message, _)| message)
                .to_owned()
        })
        .collect()
}

/// The README steps a message names: `(README, steps 1 to 3)`, `steps 4 and 6`, `step 2`.
fn steps_named(message: &str) -> Option<Vec<u32>> {
    let spec = message.split_once("(README, step")?.1.split_once(')')?.0;
    let words: Vec<&str> = spec.split_whitespace().collect();
    let numbers: Vec<u32> = words.iter().filter_map(|w| w.parse().ok()).collect();
    match (words.contains(&"to"), numbers.as_slice()) {
        (true, [from, to]) => Some((*from..=*to).collect()),
        (false, [_, ..]) => Some(numbers),
        _ => None,
    }
}

/// The numbered steps of a README's `## Steps` section (`1. **Clip the range.** ...`).
fn readme_steps(readme: &str) -> BTreeSet<u32> {
    readme
        .lines()
        .skip_while(|l| *l != "## Steps")
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.split_once(". **")?.0.parse().ok())
        .collect()
}

#[test]
fn every_todo_names_readme_steps_that_exist() {
    let sample =
        r#"fn f() { todo!("ex9 f: do it (README, steps 2 to 4)") } fn g() { todo!("no step") }"#;
    let messages = todo_messages(sample);
    assert_eq!(messages.len(), 2);
    assert_eq!(steps_named(&messages[0]), Some(vec![2, 3, 4]));
    assert_eq!(steps_named(&messages[1]), None);
    assert_eq!(steps_named("x (README, steps 4 and 6)"), Some(vec![4, 6]));
    assert_eq!(steps_named("x (README, step 5)"), Some(vec![5]));
    let readme =
        "## Steps\n\n1. **One.** a\n2. **Two.** b\n   3. not a step\n## Hints\n3. **Three.**\n";
    assert_eq!(readme_steps(readme), BTreeSet::from([1, 2]));

    let mut todos = 0;
    for exercise in EXERCISES.iter().copied() {
        let crate_dir = kit_root().join("exercises").join(exercise);
        let steps = readme_steps(&read(&crate_dir.join("README.md")));
        assert!(!steps.is_empty(), "{exercise}: its README has no steps");
        for entry in std::fs::read_dir(crate_dir.join("src")).unwrap().flatten() {
            for message in todo_messages(&read(&entry.path())) {
                todos += 1;
                let named = steps_named(&message).unwrap_or_else(|| {
                    panic!(
                        "{}: a todo! that names no README step: {message:?}",
                        entry.path().display()
                    )
                });
                for step in named {
                    assert!(
                        steps.contains(&step),
                        "{exercise}: {message:?} names step {step}, which its README does not have ({steps:?})"
                    );
                }
            }
        }
    }
    assert!(todos >= EXERCISES.len(), "only {todos} todo!s found");
}

/// The files a markdown text points at: its links' targets, and the kit paths it quotes
/// (`grader/src/rubric.rs`, `src/cli.rs`). `exN` stands for each exercise; patterns (`*`, `..`)
/// and paths outside the kit (`/proc/PID/io`, `target/...`) are not files to look for.
fn references(markdown: &str) -> Vec<String> {
    let links = markdown.split("](").skip(1).filter_map(|rest| {
        let target = rest.split_once(')')?.0.split('#').next()?;
        let external = target.contains("://") || target.starts_with("mailto:");
        (!external && !target.is_empty()).then_some(target)
    });
    const KIT: [&str; 6] = [
        "exercises/",
        "solutions/",
        "grader/",
        ".ci/",
        "src/",
        "Cargo.",
    ];
    let quoted = markdown
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|q| KIT.iter().any(|k| q.starts_with(k)))
        .filter(|q| !q.contains(['*', ' ', '\n']) && !q.contains(".."));
    links.chain(quoted).flat_map(each_exercise).collect()
}

/// `exercises/exN/README.md`: the path for each exercise; any other path as it is.
fn each_exercise(path: &str) -> Vec<String> {
    if path.contains("exN") {
        EXERCISES.iter().map(|e| path.replace("exN", e)).collect()
    } else {
        vec![path.to_owned()]
    }
}

/// The paths of the root README's layout block (its first column: `grader/src/rubric.rs`).
fn layout(readme: &str) -> Vec<String> {
    readme
        .lines()
        .skip_while(|l| *l != "## Layout")
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .filter(|l| !l.starts_with(' '))
        .flat_map(|l| l.split("  ").next().unwrap_or_default().split(", "))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .flat_map(|p| each_exercise(&p))
        .collect()
}

/// Those of `paths` (relative to `base`, or to the kit for `exercises/...` and the like) that do
/// not exist.
fn missing(base: &Path, paths: &[String]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|p| {
            let from_kit = ["exercises/", "solutions/", "grader/", ".ci/"]
                .iter()
                .any(|k| p.starts_with(k));
            if from_kit {
                kit_root()
            } else {
                base.to_owned()
            }
            .join(p)
        })
        .filter(|p| !p.exists())
        .collect()
}

#[test]
fn every_file_a_readme_points_at_exists() {
    let sample = "See [the rubric](grader/src/rubric.rs#L3), [docs](https://x.org/a), \
                  `exercises/exN/README.md`, `src/cli.rs`, `/proc/PID/io`, `exercises/ex*/src/**`.";
    let found = references(sample);
    assert_eq!(found.len(), 2 + EXERCISES.len(), "{found:?}");
    assert_eq!(found[0], "grader/src/rubric.rs");
    assert!(found.contains(&"exercises/ex4/README.md".to_owned()));
    let base = kit_root().join("exercises/ex1");
    assert_eq!(missing(&base, &found), Vec::<PathBuf>::new());
    assert_eq!(
        missing(&base, &references("[gone](nowhere.md) `src/gone.rs`")).len(),
        2
    );
    let block = "## Layout\n\n```text\nCargo.toml, Makefile   the workspace\n                       more words\ngrader/src/exN.rs      one\n```\n";
    assert_eq!(layout(block).len(), 2 + EXERCISES.len());

    let root = read(&kit_root().join("README.md"));
    let mut readmes = vec![(kit_root(), references(&root)), (kit_root(), layout(&root))];
    for exercise in EXERCISES.iter().copied() {
        let dir = kit_root().join("exercises").join(exercise);
        readmes.push((dir.clone(), references(&read(&dir.join("README.md")))));
    }
    let hostile = kit_root().join("grader/tests/hostile");
    readmes.push((
        hostile.clone(),
        references(&read(&hostile.join("README.md"))),
    ));
    let checked: usize = readmes.iter().map(|(_, refs)| refs.len()).sum();
    assert!(checked > 40, "only {checked} references found");
    for (base, refs) in &readmes {
        assert_eq!(
            missing(base, refs),
            Vec::<PathBuf>::new(),
            "in {}",
            base.display()
        );
    }
}

#[test]
fn the_grader_module_docs_name_real_files_and_every_module() {
    let lib = read(&kit_root().join("grader/src/lib.rs"));
    let docs: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let named: Vec<String> = docs
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|q| q.ends_with(".rs") || q.ends_with(".md") || q.ends_with('/'))
        .map(str::to_owned)
        .collect();
    assert!(named.len() > 10, "{named:?}");
    let src = kit_root().join("grader/src");
    assert_eq!(missing(&src, &named), Vec::<PathBuf>::new());
    for module in lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
    {
        assert!(
            named.contains(&format!("{module}.rs")) || named.contains(&format!("{module}/")),
            "lib.rs's docs do not say what module `{module}` is"
        );
    }
}

/// The grader's modules (the files and folders of `src`), each with the modules it uses: every
/// `crate::NAME` in its code, comments left out.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    fn code_of(path: &Path, code: &mut String) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap().flatten() {
                code_of(&entry.path(), code);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            for line in read(path)
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
            {
                code.push_str(line);
                code.push('\n');
            }
        }
    }
    let modules: BTreeMap<String, PathBuf> = std::fs::read_dir(src)
        .unwrap()
        .flatten()
        .map(|e| {
            let name = e
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            (name, e.path())
        })
        .filter(|(name, _)| name != "lib" && name != "main")
        .collect();
    modules
        .iter()
        .map(|(name, path)| {
            let mut code = String::new();
            code_of(path, &mut code);
            let used = code
                .split("crate::")
                .skip(1)
                .map(|rest| {
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or_default()
                })
                .filter(|used| *used != name && modules.contains_key(*used))
                .map(str::to_owned)
                .collect();
            (name.clone(), used)
        })
        .collect()
}

/// A cycle of imports, if there is one: `[a, b, a]`.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            return Some([&path[start..], &[node.to_owned()]].concat());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_grader_modules_import_one_another_without_a_cycle() {
    let sample = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
        graph
    };
    assert_eq!(cycle(&sample(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
    assert_eq!(
        cycle(&sample(&[("a", "b"), ("b", "c"), ("c", "b")])),
        Some(vec!["b".into(), "c".into(), "b".into()])
    );

    let graph = module_graph(&kit_root().join("grader/src"));
    assert!(
        graph["checks"].contains("check_api") && graph["grade"].contains("events"),
        "{graph:?}"
    );
    // The runner knows nothing of assertions or the checks' API; assertions build on the runner.
    assert!(
        !graph["runner"].contains("expect") && !graph["runner"].contains("check_api"),
        "{graph:?}"
    );
    assert!(!graph["expect"].contains("check_api"), "{graph:?}");
    assert_eq!(cycle(&graph), None, "{graph:#?}");
}
