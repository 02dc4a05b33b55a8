//! `grader hint EXERCISE [N]` (`make hint EX=ex3`): an exercise's hints one level at a time, in a
//! terminal, where the README's folded `<details>` blocks would all show at once. The README is
//! the one source of truth: its `## Hints` section has a `### topic` per subject, each with
//! `<details><summary>Hint N</summary> ... </details>` blocks; level N is every topic's hint N.
//! Which levels a student opened is kept in a small file at the top of the kit (`.hints`, which
//! git ignores), so that the next call shows the next level.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file, at the top of the kit, that remembers the levels opened: `ex3 2` per line.
pub const STATE_FILE: &str = ".hints";

/// One subject's hints, from the least to the most telling.
#[derive(Debug, PartialEq)]
pub struct Topic {
    pub title: String,
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
            topics.push(Topic {
                title: title.trim().to_owned(),
                levels: Vec::new(),
            });
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
            "`make hint EX={exercise}` shows level {} next; `make hint EX={exercise} N={level}` \
             shows this one again.\n",
            level + 1
        )
    } else {
        format!("That was the last level; `make hint EX={exercise} N=1` starts again.\n")
    });
    text
}

/// The levels opened so far, by exercise, as the state file at the top of `kit` says. A file
/// that is missing or garbled opens nothing.
pub fn opened(kit: &Path) -> BTreeMap<String, usize> {
    std::fs::read_to_string(kit.join(STATE_FILE))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (exercise, level) = line.split_once(' ')?;
            Some((exercise.to_owned(), level.trim().parse().ok()?))
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

/// `grader hint EXERCISE [N]`: the text of level `asked` (or of the level after the last one
/// opened; the last again once all are open), remembered as opened.
pub fn show(kit: &Path, exercise: &str, asked: Option<usize>) -> Result<String, String> {
    let readme = kit.join("exercises").join(exercise).join("README.md");
    let text = std::fs::read_to_string(&readme)
        .map_err(|e| format!("cannot read {}: {e}", readme.display()))?;
    let topics = parse(&text);
    let total = levels(&topics);
    if total == 0 {
        return Err(format!(
            "{} has no hints (a `## Hints` section with <details> blocks)",
            readme.display()
        ));
    }
    let mut opened = opened(kit);
    let before = opened.get(exercise).copied().unwrap_or(0);
    let level = match asked {
        Some(n) if (1..=total).contains(&n) => n,
        Some(n) => {
            return Err(format!("{exercise} has hint levels 1 to {total}, not {n}"));
        }
        None => (before + 1).min(total),
    };
    opened.insert(exercise.to_owned(), before.max(level));
    remember(kit, &opened)?;
    Ok(render(exercise, &topics, level))
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# Ex\n\n## Steps\n\n<details><summary>Hint 1</summary>\nnot a hint\n</details>\n\n\
        ## Hints\n\n### Aligning\n\n<details><summary>Hint 1</summary>\n\nRound down.\n\n</details>\n\n\
        <details><summary>Hint 2</summary>\n\n`start = offset - offset % page`\n\n```rust\nlet x = 1;\n```\n\n</details>\n\n\
        ### Flushing\n\n<details><summary>Hint 1</summary>\n\nmsync.\n\n</details>\n\n## After\n";

    #[test]
    fn the_hints_are_read_from_the_readme_by_topic_and_level() {
        let topics = parse(README);
        assert_eq!(
            topics,
            vec![
                Topic {
                    title: "Aligning".into(),
                    levels: vec![
                        "Round down.".into(),
                        "`start = offset - offset % page`\n\n```rust\nlet x = 1;\n```".into()
                    ],
                },
                Topic {
                    title: "Flushing".into(),
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
    fn each_call_opens_the_next_level_and_remembers_it() {
        let kit = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(kit.path().join("exercises/ex1")).unwrap();
        std::fs::write(kit.path().join("exercises/ex1/README.md"), README).unwrap();
        let level = |asked| {
            let text = show(kit.path(), "ex1", asked).unwrap();
            text.split("level ").nth(1).unwrap()[..1].to_owned()
        };
        assert_eq!(level(None), "1");
        assert_eq!(level(None), "2");
        assert_eq!(level(None), "2", "the last level, again");
        assert_eq!(level(Some(1)), "1");
        assert_eq!(
            opened(kit.path())["ex1"],
            2,
            "asking for an earlier one forgets nothing"
        );
        assert!(
            show(kit.path(), "ex1", Some(3))
                .unwrap_err()
                .contains("levels 1 to 2")
        );
        std::fs::write(kit.path().join(STATE_FILE), "garbage\nex1 x\n").unwrap();
        assert_eq!(level(None), "1", "a garbled state file opens nothing");
    }
}
