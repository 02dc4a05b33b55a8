//! The student kit (`make student-kit`, `instructor student-kit DIR`): the kit as a class gets it,
//! a tree ready to be pushed as a template repository. It is the kit without its answers (see
//! `kit::copy_without_answers`) and without the instructor's tools, with a Makefile, a README and
//! CI files for students. Each of those comes from one source in the full kit:
//!
//! - `Makefile`: the kit's own, up to the line that starts the instructors' targets;
//! - `README.md`: `student/README.md`, whose marker lines take in sections of the kit's README;
//! - everything else under `student/` (the CI files) as it is, and the kit's `.gitignore`.

use std::path::Path;

use grader::kit::{copy_tree, copy_without_answers};

/// Where the student kit's own files are kept in the full kit (laid over the copy).
pub const TEMPLATE: &str = "student";
/// The kit's files that the student kit holds as they are, besides the copy's.
const AS_THEY_ARE: [&str; 1] = [".gitignore"];
/// The instructors' tools, left out: packing the Gradescope bundle and this kit.
const INSTRUCTORS_ONLY: [&str; 2] = ["grader/gradescope", "grader/publish"];
/// The Makefile's line after which every target is the instructors'.
pub const MAKEFILE_CUT: &str = "# ---- Instructors' targets";
/// A line of `student/README.md` that stands for a section of the kit's README, by its heading:
/// `<!-- kit README: For students -->` is replaced by that section's text (without its heading).
const README_MARKER: (&str, &str) = ("<!-- kit README: ", " -->");

/// Writes the student kit of the kit at `kit` into `to`, which must not exist yet (or be empty):
/// a file left from an earlier kit could be anything.
pub fn write(kit: &Path, to: &Path) -> Result<(), String> {
    if std::fs::read_dir(to).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(format!(
            "{} is not empty: remove it first (the student kit is written afresh)",
            to.display()
        ));
    }
    copy_without_answers(kit, to)?;
    for part in INSTRUCTORS_ONLY {
        match std::fs::remove_dir_all(to.join(part)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("cannot leave out {part}: {e}"));
            }
            _ => {}
        }
    }
    for file in AS_THEY_ARE {
        std::fs::copy(kit.join(file), to.join(file))
            .map_err(|e| format!("cannot copy the kit's {file}: {e}"))?;
    }
    let read = |file: &str| {
        std::fs::read_to_string(kit.join(file))
            .map_err(|e| format!("cannot read the kit's {file}: {e}"))
    };
    let write = |file: &str, text: String| {
        std::fs::write(to.join(file), text).map_err(|e| format!("cannot write {file}: {e}"))
    };
    write("Makefile", students_makefile(&read("Makefile")?)?)?;
    copy_tree(&kit.join(TEMPLATE), to)
        .map_err(|e| format!("cannot copy the kit's {TEMPLATE}/: {e}"))?;
    let readme = format!("{TEMPLATE}/README.md");
    write(
        "README.md",
        with_sections(&read(&readme)?, &read("README.md")?)?,
    )
}

/// The Makefile's students' part: everything before `MAKEFILE_CUT`.
fn students_makefile(makefile: &str) -> Result<String, String> {
    let cut = makefile
        .lines()
        .position(|line| line.starts_with(MAKEFILE_CUT))
        .ok_or_else(|| format!("the kit's Makefile has no line `{MAKEFILE_CUT} ...`"))?;
    let lines: Vec<&str> = makefile.lines().take(cut).collect();
    Ok(lines.join("\n").trim_end().to_owned() + "\n")
}

/// `template` with each marker line replaced by the section of `readme` it names.
fn with_sections(template: &str, readme: &str) -> Result<String, String> {
    let (open, close) = README_MARKER;
    let mut text = String::new();
    for line in template.lines() {
        match line.strip_prefix(open).and_then(|l| l.strip_suffix(close)) {
            Some(heading) => text.push_str(section(readme, heading)?.trim_matches('\n')),
            None => text.push_str(line),
        }
        text.push('\n');
    }
    Ok(text)
}

/// The text of `readme`'s section headed `heading` (any level), up to the next heading of the same
/// level or above.
fn section<'a>(readme: &'a str, heading: &str) -> Result<&'a str, String> {
    let mut offset = 0;
    let mut start = None;
    // A `# comment` in a fenced code block is no heading.
    let mut in_code = false;
    for line in readme.split_inclusive('\n') {
        in_code ^= line.starts_with("```");
        let hashes = line.len() - line.trim_start_matches('#').len();
        let level = if !in_code && line[hashes..].starts_with(' ') {
            hashes
        } else {
            0
        };
        match start {
            None if level > 0 && line[level..].trim() == heading => {
                start = Some((offset + line.len(), level))
            }
            Some((from, of)) if level > 0 && level <= of => return Ok(&readme[from..offset]),
            _ => {}
        }
        offset += line.len();
    }
    start
        .map(|(from, _)| &readme[from..])
        .ok_or_else(|| format!("the kit's README.md has no section \"{heading}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_makefile_stops_at_the_instructors_targets() {
        let makefile = "grade:\n\tgo\n\n# ---- Instructors' targets: below\ntest:\n\tcargo test\n";
        assert_eq!(students_makefile(makefile).unwrap(), "grade:\n\tgo\n");
        assert!(students_makefile("grade:\n").is_err());
    }

    #[test]
    fn a_marker_takes_in_its_section_and_no_more() {
        let readme =
            "# Kit\n## One\nfirst\n```sh\n# a comment\n```\n### Sub\nsub\n## Two\nsecond\n";
        let template = "# Student\n<!-- kit README: One -->\nend\n";
        assert_eq!(
            with_sections(template, readme).unwrap(),
            "# Student\nfirst\n```sh\n# a comment\n```\n### Sub\nsub\nend\n"
        );
        let last = with_sections("<!-- kit README: Two -->", readme).unwrap();
        assert_eq!(last, "second\n");
        let missing = with_sections("<!-- kit README: Three -->", readme).unwrap_err();
        assert!(missing.contains("Three"), "{missing}");
    }
}
