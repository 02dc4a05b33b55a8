//! `grader hint EXERCISE [TOPIC] [N]` (`make hint EX=ex3 T=window`): an exercise's hints one at a
//! time, by topic, in a terminal, where the README's folded `<details>` blocks would all show at
//! once. The README is the one source of truth: its `## Hints` section has a `### topic` per
//! subject, each with `<details><summary>Hint N</summary> ... </details>` blocks, and a marker
//! line under its title, `<!-- topic KEY: TEST TEST ... -->`, that gives the key to ask for it by
//! and the tests it helps with (so that a failing test can name its topic's command). Which
//! hints a student opened is kept in a small file at the top of the kit (`.hints`, which git
//! ignores), a level per topic, so that the next call shows that topic's next hint.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file, at the top of the kit, that remembers the levels opened: `ex3 2` per line.
pub const STATE_FILE: &str = ".hints";

/// One subject's hints, from the least to the most telling.
#[derive(Debug, PartialEq)]
pub struct Topic {
    /// What `make hint EX=exN T=KEY` asks for: the marker's key, or the title's first word.
    pub key: String,
    pub title: String,
    /// The tests it helps with, as the marker names them.
    pub tests: Vec<String>,
    /// Hint 1, hint 2, ...: the text of each, without the HTML around it.
    pub levels: Vec<String>,
}

/// The topics of a README's `## Hints` section.
pub fn parse(readme: &str) -> Vec<Topic> {
    let mut topics: Vec<Topic> = Vec::new();
    let mut open: Option<String> = None;
    let section = readme
        .lines()
        .skip_while(|l| l.trim() != "## Hints")
        .skip(1)
        .take_while(|l| !l.starts_with("## "));
    for line in section {
        if let Some(title) = line.strip_prefix("### ") {
            let key = title.split_whitespace().next().unwrap_or_default();
            topics.push(Topic {
                key: key.to_lowercase(),
                title: title.trim().to_owned(),
                tests: Vec::new(),
                levels: Vec::new(),
            });
        } else if let Some((key, tests)) = marker(line) {
            if let Some(topic) = topics.last_mut() {
                topic.key = key.to_owned();
                topic.tests = tests.split_whitespace().map(str::to_owned).collect();
            }
        } else if line.trim_start().starts_with("<details>") {
            open = Some(String::new());
        } else if line.trim() == "</details>" {
            let text = open.take().unwrap_or_default();
            if let Some(topic) = topics.last_mut() {
                topic.levels.push(text.trim().to_owned());
            }
        } else if let Some(text) = open.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    topics.retain(|t| !t.levels.is_empty());
    topics
}

/// A topic's marker line, `<!-- topic KEY: TEST TEST ... -->`: its key, and its tests.
fn marker(line: &str) -> Option<(&str, &str)> {
    let inside = line
        .trim()
        .strip_prefix("<!-- topic ")?
        .strip_suffix("-->")?;
    let (key, tests) = inside.split_once(':')?;
    Some((key.trim(), tests))
}

/// The hint topics of `exercise` that help with each of its tests, by test name, from its README
/// in `kit` (none when it cannot be read: a failure then names no command).
pub fn topics_by_test(kit: &Path, exercise: &str) -> BTreeMap<String, Vec<String>> {
    let readme = kit.join("exercises").join(exercise).join("README.md");
    let mut by_test: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for topic in parse(&std::fs::read_to_string(readme).unwrap_or_default()) {
        for test in topic.tests {
            by_test.entry(test).or_default().push(topic.key.clone());
        }
    }
    by_test
}

/// The command that opens the next hint of a topic, as a failing test shows it.
pub fn command(exercise: &str, key: &str) -> String {
    format!("make hint EX={exercise} T={key}")
}

/// The number of levels: the most hints any topic has.
pub fn levels(topics: &[Topic]) -> usize {
    topics.iter().map(|t| t.levels.len()).max().unwrap_or(0)
}

/// Level `level` (from 1) of the hints, every topic's hint of that rank, as text for a terminal.
pub fn render(exercise: &str, topics: &[Topic], level: usize) -> String {
    let total = levels(topics);
    let mut text = format!(
        "{exercise} hints, level {level} of {total} (from exercises/{exercise}/README.md):\n"
    );
    for topic in topics {
        if let Some(hint) = topic.levels.get(level - 1) {
            text.push_str(&format!("\n## {}\n\n", topic.title));
            for line in hint.lines() {
                text.push_str(&format!("    {line}\n").replace("    \n", "\n"));
            }
        }
    }
    text.push('\n');
    text.push_str(&if level < total {
        format!(
            "`make hint EX={exercise} N={}` shows level {} next; `make hint EX={exercise} \
             T=TOPIC` shows one topic's next hint.\n",
            level + 1,
            level + 1
        )
    } else {
        format!("That was the last level; `make hint EX={exercise} N=1` starts again.\n")
    });
    text
}

/// One topic's hint of rank `level` (from 1), as text for a terminal.
pub fn render_topic(exercise: &str, topic: &Topic, level: usize) -> String {
    let total = topic.levels.len();
    let mut text = format!(
        "{exercise} hint {level} of {total} on \"{}\" (from exercises/{exercise}/README.md):\n\n",
        topic.title
    );
    for line in topic.levels[level - 1].lines() {
        text.push_str(&format!("    {line}\n").replace("    \n", "\n"));
    }
    text.push('\n');
    let again = format!("{} N={level}", command(exercise, &topic.key));
    text.push_str(&if level < total {
        format!(
            "`{}` shows hint {} next; `{again}` shows this one again.\n",
            command(exercise, &topic.key),
            level + 1
        )
    } else {
        format!("That was this topic's last hint; `{again}` shows it again.\n")
    });
    text
}

/// The topics, their keys, what they help with and how many of their hints are open.
pub fn render_index(exercise: &str, topics: &[Topic], opened: &BTreeMap<String, usize>) -> String {
    let mut text = format!(
        "{exercise} hints, by topic (from exercises/{exercise}/README.md); a failing test names \
         its topic's command:\n\n"
    );
    for topic in topics {
        let open = opened.get(&format!("{exercise} {}", topic.key)).copied();
        text.push_str(&format!(
            "  {}\n      {} ({} of {} hints opened){}\n",
            command(exercise, &topic.key),
            topic.title,
            open.unwrap_or(0),
            topic.levels.len(),
            match topic.tests.is_empty() {
                true => String::new(),
                false => format!("; for {}", topic.tests.join(", ")),
            }
        ));
    }
    text.push_str(&format!(
        "\n`make hint EX={exercise} N=1` shows every topic's first hint at once.\n"
    ));
    text
}

/// The hints opened so far, as the state file at the top of `kit` says: a level by exercise
/// (`ex3`, for `N=`) and by topic (`ex3 window`). A file that is missing or garbled opens nothing.
pub fn opened(kit: &Path) -> BTreeMap<String, usize> {
    std::fs::read_to_string(kit.join(STATE_FILE))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (what, level) = line.rsplit_once(' ')?;
            Some((what.to_owned(), level.trim().parse().ok()?))
        })
        .collect()
}

fn remember(kit: &Path, opened: &BTreeMap<String, usize>) -> Result<(), String> {
    let text: String = opened
        .iter()
        .map(|(exercise, level)| format!("{exercise} {level}\n"))
        .collect();
    let path: PathBuf = kit.join(STATE_FILE);
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `grader hint EXERCISE [TOPIC] [N]`: with a topic, its hint `N`, or the one after the last of
/// it opened (the last again once all are open); without one, level `N` of every topic; with
/// neither, the list of topics, which opens nothing. What is shown is remembered as opened.
pub fn show(
    kit: &Path,
    exercise: &str,
    topic: Option<&str>,
    asked: Option<usize>,
) -> Result<String, String> {
    let readme = kit.join("exercises").join(exercise).join("README.md");
    let text = std::fs::read_to_string(&readme)
        .map_err(|e| format!("cannot read {}: {e}", readme.display()))?;
    let topics = parse(&text);
    if topics.is_empty() {
        return Err(format!(
            "{} has no hints (a `## Hints` section with <details> blocks)",
            readme.display()
        ));
    }
    let mut opened = opened(kit);
    let (key, levels) = match topic {
        None if asked.is_none() => return Ok(render_index(exercise, &topics, &opened)),
        None => (exercise.to_owned(), levels(&topics)),
        Some(key) => {
            let topic = topics.iter().find(|t| t.key == key).ok_or_else(|| {
                let keys: Vec<&str> = topics.iter().map(|t| t.key.as_str()).collect();
                format!(
                    "{exercise} has no hint topic '{key}' (its topics: {})",
                    keys.join(", ")
                )
            })?;
            (format!("{exercise} {key}"), topic.levels.len())
        }
    };
    let before = opened.get(&key).copied().unwrap_or(0);
    let level = match asked {
        Some(n) if (1..=levels).contains(&n) => n,
        Some(n) => {
            let what = topic.map_or(String::new(), |t| format!(" on '{t}'"));
            return Err(format!(
                "{exercise} has hint levels 1 to {levels}{what}, not {n}"
            ));
        }
        None => (before + 1).min(levels),
    };
    opened.insert(key, before.max(level));
    remember(kit, &opened)?;
    Ok(
        match topic.and_then(|key| topics.iter().find(|t| t.key == key)) {
            Some(topic) => render_topic(exercise, topic, level),
            None => render(exercise, &topics, level),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# Ex\n\n## Steps\n\n<details><summary>Hint 1</summary>\nnot a hint\n</details>\n\n\
        ## Hints\n\n### Aligning\n<!-- topic align: peek_range peek_sparse -->\n\n<details><summary>Hint 1</summary>\n\nRound down.\n\n</details>\n\n\
        <details><summary>Hint 2</summary>\n\n`start = offset - offset % page`\n\n```rust\nlet x = 1;\n```\n\n</details>\n\n\
        ### Flushing\n\n<details><summary>Hint 1</summary>\n\nmsync.\n\n</details>\n\n## After\n";

    #[test]
    fn the_hints_are_read_from_the_readme_by_topic_and_level() {
        let topics = parse(README);
        assert_eq!(
            topics,
            vec![
                Topic {
                    key: "align".into(),
                    title: "Aligning".into(),
                    tests: vec!["peek_range".into(), "peek_sparse".into()],
                    levels: vec![
                        "Round down.".into(),
                        "`start = offset - offset % page`\n\n```rust\nlet x = 1;\n```".into()
                    ],
                },
                Topic {
                    key: "flushing".into(),
                    title: "Flushing".into(),
                    tests: vec![],
                    levels: vec!["msync.".into()],
                },
            ]
        );
        assert_eq!(levels(&topics), 2);
        let one = render("ex1", &topics, 1);
        assert!(
            one.starts_with("ex1 hints, level 1 of 2")
                && one.contains("## Aligning\n\n    Round down.\n")
                && one.contains("## Flushing\n\n    msync.\n")
                && !one.contains("start = offset")
                && !one.contains("<details>")
                && one.contains("shows level 2 next"),
            "{one}"
        );
        let two = render("ex1", &topics, 2);
        assert!(
            two.contains("    ```rust\n    let x = 1;\n") && !two.contains("Flushing"),
            "{two}"
        );
    }

    #[test]
    fn each_call_opens_its_topics_next_hint_and_remembers_it() {
        let kit = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(kit.path().join("exercises/ex1")).unwrap();
        std::fs::write(kit.path().join("exercises/ex1/README.md"), README).unwrap();
        let shown = |topic, asked| show(kit.path(), "ex1", topic, asked);
        let index = shown(None, None).unwrap();
        assert!(
            index.contains("make hint EX=ex1 T=align\n      Aligning (0 of 2 hints opened); for peek_range, peek_sparse")
                && index.contains("make hint EX=ex1 T=flushing\n"),
            "{index}"
        );
        let align = |asked| shown(Some("align"), asked).unwrap();
        assert!(align(None).starts_with("ex1 hint 1 of 2 on \"Aligning\""));
        assert!(align(None).starts_with("ex1 hint 2 of 2"));
        assert!(
            align(None).starts_with("ex1 hint 2 of 2"),
            "the last, again"
        );
        assert!(align(Some(1)).starts_with("ex1 hint 1 of 2"));
        // Another topic's hints stay closed.
        let flushing = shown(Some("flushing"), None).unwrap();
        assert!(
            flushing.starts_with("ex1 hint 1 of 1 on \"Flushing\""),
            "{flushing}"
        );
        assert!(!flushing.contains("Round down") && !align(Some(1)).contains("msync"));
        assert_eq!(
            opened(kit.path())["ex1 align"],
            2,
            "asking for an earlier one forgets nothing"
        );
        assert_eq!(opened(kit.path())["ex1 flushing"], 1);
        assert!(
            shown(None, None)
                .unwrap()
                .contains("Aligning (2 of 2 hints opened)")
        );
        // Level N of every topic, as before.
        assert!(
            shown(None, Some(1))
                .unwrap()
                .starts_with("ex1 hints, level 1 of 2")
        );
        assert!(
            shown(None, Some(3))
                .unwrap_err()
                .contains("levels 1 to 2, not 3")
        );
        assert!(
            shown(Some("nope"), None)
                .unwrap_err()
                .contains("no hint topic 'nope' (its topics: align, flushing)")
        );
        std::fs::write(kit.path().join(STATE_FILE), "garbage\nex1 align x\n").unwrap();
        assert!(
            align(None).starts_with("ex1 hint 1 of 2"),
            "a garbled state file opens nothing"
        );
        assert_eq!(
            topics_by_test(kit.path(), "ex1")["peek_range"],
            vec!["align".to_owned()]
        );
    }
}
