//! The README's "Dependencies" table holds: every crate a package of the kit declares has a row;
//! every package a row names declares the crate and uses it in its code; no package (a stub
//! aside: its crates are declared for the student) declares a crate it never uses; and the
//! crates of the kit's design (memmap2, nix, assert_cmd, predicates, tempfile) are all there,
//! each once in `Cargo.lock`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use support::kit_root;

/// The crates the kit's design names: none may go missing, and each is used where it belongs.
const DESIGN: [&str; 5] = ["memmap2", "nix", "assert_cmd", "predicates", "tempfile"];

/// The README's table: crate → the packages (folders) that its row says use it.
fn readme_rows(readme: &str) -> BTreeMap<String, BTreeSet<String>> {
    let section = readme
        .split("### Dependencies")
        .nth(1)
        .expect("the README has a Dependencies section");
    let mut rows = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        let Some(row) = line.strip_prefix('|') else {
            break;
        };
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let ticked = |cell: &str| -> Vec<String> {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect()
        };
        if cells.len() < 3 || cells[0] == "crate" || cells[0].starts_with("---") {
            continue;
        }
        let users: BTreeSet<String> = ticked(cells[1]).into_iter().collect();
        for name in ticked(cells[0]) {
            rows.insert(name, users.clone());
        }
    }
    rows
}

/// The kit's packages, by folder: the workspace's members that exist here.
fn packages(kit: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for group in ["exercises", "solutions"] {
        for entry in std::fs::read_dir(kit.join(group)).unwrap().flatten() {
            if entry.path().join("Cargo.toml").exists() {
                found.push(format!("{group}/{}", entry.file_name().to_string_lossy()));
            }
        }
    }
    found.extend(["grader".to_owned(), "instructor".to_owned()]);
    found.sort();
    found
}

/// The crates a package's manifest declares (dependencies of every kind), the kit's own aside.
fn declared(manifest: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.ends_with("dependencies]");
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if in_dependencies && !name.is_empty() && !line.contains("path =") {
            names.insert(name);
        }
    }
    // The kit's own crates (paths, through the workspace).
    names.remove("grader");
    names.remove("cli-support");
    names
}

/// The Rust files Cargo compiles in a package: `src/` whole, and the top-level files of the
/// package, `benches/` and `tests/` with their module folders' `mod.rs` (the sources of
/// submissions kept as test data under `tests/` are not the package's code), and the files these
/// take in from elsewhere with `#[path]` (the instructor's tests, the grader's test support).
fn compiled_sources(dir: &Path) -> Vec<std::path::PathBuf> {
    let rust = |path: &Path| path.extension().is_some_and(|e| e == "rs");
    let files_in = |dir: &Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let mut found: Vec<_> = [dir.to_path_buf(), dir.join("benches"), dir.join("tests")]
        .iter()
        .flat_map(|d| files_in(d))
        .flat_map(|p| {
            if p.is_dir() {
                vec![p.join("mod.rs")]
            } else {
                vec![p]
            }
        })
        .filter(|p| rust(p) && p.is_file())
        .collect();
    let mut folders = vec![dir.join("src")];
    while let Some(folder) = folders.pop() {
        for path in files_in(&folder) {
            if path.is_dir() {
                folders.push(path);
            } else if rust(&path) {
                found.push(path);
            }
        }
    }
    let mut i = 0;
    while let Some(file) = found.get(i).cloned() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let taken_in = text.lines().filter_map(|l| {
            let path = l.trim().strip_prefix("#[path = \"")?.strip_suffix("\"]")?;
            Some(file.parent()?.join(path))
        });
        for path in taken_in {
            if path.is_file() && !found.contains(&path) {
                found.push(path);
            }
        }
        i += 1;
    }
    found
}

/// Whether the Rust code of the package in `dir` (comments aside) names the crate `name`.
fn uses(dir: &Path, name: &str) -> bool {
    let ident = name.replace('-', "_");
    let needles = [format!("{ident}::"), format!("use {ident}")];
    compiled_sources(dir).iter().any(|path| {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .any(|l| needles.iter().any(|n| l.contains(n.as_str())))
    })
}

#[test]
fn the_readme_dependencies_table_matches_the_manifests_the_lock_and_the_code() {
    let kit = kit_root();
    let rows = readme_rows(&std::fs::read_to_string(kit.join("README.md")).unwrap());
    let lock = std::fs::read_to_string(kit.join("Cargo.lock")).unwrap();
    let mut problems = Vec::new();
    for name in DESIGN {
        if !rows.contains_key(name) {
            problems.push(format!("{name}: a crate of the design has no row"));
        }
    }
    for (name, users) in &rows {
        let locked = lock
            .lines()
            .filter(|l| *l == format!("name = \"{name}\""))
            .count();
        if locked != 1 {
            problems.push(format!("{name}: {locked} entries in Cargo.lock, not 1"));
        }
        if users.is_empty() {
            problems.push(format!("{name}: its row names no package"));
        }
        for package in users {
            let dir = kit.join(package);
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
            if !declared(&manifest).contains(name) {
                problems.push(format!("{name}: {package} does not declare it"));
            } else if !uses(&dir, name) {
                problems.push(format!(
                    "{name}: {package} declares it but its code never uses it"
                ));
            }
        }
    }
    for package in packages(&kit) {
        let dir = kit.join(&package);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        for name in declared(&manifest) {
            if !rows.contains_key(&name) {
                problems.push(format!("{name}: declared by {package}, but no README row"));
            }
            // A stub's crates are the student's to use.
            let stub = package.starts_with("exercises/ex");
            if !stub && !uses(&dir, &name) {
                problems.push(format!(
                    "{name}: declared by {package}, which never uses it"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
