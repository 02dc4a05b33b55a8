//! Assertions about one run, with predicates, that explain a failure in words a
//! student can act on: what was run, what was expected, what happened.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use predicates::prelude::*;

use crate::diff::{Compared, difference, first_difference};
use crate::fail;
use crate::outcome::{Problem, Reword, Verdict, ensure};
use crate::runner::{OUTPUT_CAP, Run, describe_signal};
use crate::safe_fs;

/// How a run ended, in a sentence, with what it printed on stderr.
pub fn explain(run: &Run) -> String {
    if let Some(why) = &run.start_error {
        return why.clone();
    }
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    // Out of memory first: a worker killed for it can leave its parent waiting, or failing.
    let ending = if run.out_of_memory {
        format!(
            "ran out of memory: the kernel killed one of its processes when, together, they used \
             all the memory a run may have ({} MiB); map files in windows rather than copying \
             them into memory",
            crate::runner::MAX_RUN_MEMORY >> 20
        )
    } else if run.timed_out {
        format!(
            "did not finish within its time ({:.1}s) and was killed",
            run.elapsed.as_secs_f64()
        )
    } else if let Some(signal) = run.output.status.signal() {
        describe_signal(signal)
    } else if let Some(message) = panic_message(&stderr) {
        format!("panicked: {message}")
    } else {
        format!(
            "exited with status {}",
            run.output.status.code().unwrap_or(-1)
        )
    };
    let mut text = format!("`{}` {ending}", run.command);
    if let Some(call) = run.trace.as_ref().and_then(|t| t.refused().next()) {
        text.push_str(&format!(
            "\nit called {}(2), which graded runs refuse (EPERM): in this kit, file data moves \
             only through mappings, and a program reaches nothing outside its own run",
            call.name
        ));
    }
    if run.trace.as_ref().is_some_and(|t| t.made_too_many_files()) {
        text.push_str(&format!(
            "\nit made more than {} files, folders or links, the most a graded run may make \
             (the others failed with EDQUOT)",
            crate::runner::trace::MAX_NEW_FILES
        ));
    }
    let excerpt = excerpt(&stderr);
    if !excerpt.is_empty() && panic_message(&stderr).is_none() {
        text.push_str(&format!("\nstderr: {excerpt}"));
    }
    text
}

/// What went wrong with a run that should have gone otherwise: the program's failure, or the
/// grader's when it could not even start it.
pub fn problem_of(run: &Run) -> Problem {
    match &run.start_error {
        Some(why) => Problem::GraderError(why.clone()),
        None => Problem::Fail(explain(run)),
    }
}

/// Fails with the grader's error if the run could not be started: nothing else can be judged.
fn started(run: &Run) -> Verdict {
    match &run.start_error {
        Some(why) => Err(Problem::GraderError(why.clone())),
        None => Ok(()),
    }
}

/// `Running::wait_until`'s failure: what the grader waited for, and how the run ended instead.
pub fn waited_for(what: &str) -> impl FnOnce(Box<Run>) -> Problem + '_ {
    move |run| match problem_of(&run) {
        Problem::Fail(why) => Problem::Fail(format!("{what}, but {why}")),
        other => other,
    }
}

/// The message of a Rust panic (`todo!()` included), if stderr shows one.
fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines().skip_while(|l| !l.contains("panicked at"));
    lines.next()?;
    let message: Vec<&str> = lines
        .take_while(|l| !l.starts_with("note: "))
        .take(4)
        .collect();
    Some(shorten(message.join(" ").trim(), 1000))
}

/// The first lines of some output, shortened, on one line.
fn excerpt(text: &str) -> String {
    let lines: Vec<&str> = text.lines().take(4).collect();
    shorten(&lines.join(" | "), 300)
}

/// At most `max` characters of `text`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        format!("{}...", text.chars().take(max).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// What a predicate says of a value it rejects (its own case tree: which part failed, with what),
/// shortened for a report.
fn why_not<P: Predicate<str> + ?Sized>(predicate: &P, value: &str) -> String {
    use predicates_tree::CaseTreeExt;
    predicate
        .find_case(false, value)
        .map(|case| shorten(&case.tree().to_string(), 600))
        .unwrap_or_default()
}

impl Run {
    /// The run exited with status 0.
    pub fn succeeded(&self) -> Verdict {
        started(self)?;
        if self.timed_out || self.output.status.signal().is_some() || self.panicked() {
            return Err(explain(self).into()); // The ending speaks for itself.
        }
        ensure(self.output.status.success(), || {
            format!("{}; expected success (status 0)", explain(self))
        })
    }

    fn panicked(&self) -> bool {
        panic_message(&String::from_utf8_lossy(&self.output.stderr)).is_some()
    }

    /// The run failed cleanly with `code`: nothing on stdout, and a message on stderr that starts
    /// with the exercise's name (`ex3: `).
    pub fn failed_with(&self, code: i32, exercise: &str) -> Verdict {
        started(self)?;
        let what = if code == 2 {
            "a usage error (status 2)"
        } else {
            "a clean failure (status 1)"
        };
        if self.timed_out || self.output.status.code() != Some(code) {
            return fail!("{}; expected {what}", explain(self));
        }
        if !self.output.stdout.is_empty() {
            return fail!(
                "`{}` failed as expected but printed on stdout; a failing run prints nothing there",
                self.command
            );
        }
        let prefix = format!("{exercise}: ");
        // Judged on the whole of stderr; shown, when it fails, on its first lines.
        let stderr = String::from_utf8_lossy(&self.output.stderr);
        let named = predicate::str::starts_with(prefix.as_str());
        if !named.eval(&stderr) {
            return fail!(
                "`{}` failed as expected, but its message should start with '{prefix}':\n{}",
                self.command,
                why_not(&named, &excerpt(&stderr))
            );
        }
        let usage = predicate::str::contains("usage");
        if code == 2 && !usage.eval(&stderr.to_lowercase()) {
            return fail!(
                "`{}`: a usage error should show the usage line on stderr:\n{}",
                self.command,
                why_not(&usage, &excerpt(&stderr).to_lowercase())
            );
        }
        Ok(())
    }

    /// Like `failed_with(1, ..)`, and the message names `path`.
    pub fn failed_naming(&self, exercise: &str, path: &str) -> Verdict {
        self.failed_with(1, exercise)?;
        let stderr = String::from_utf8_lossy(&self.output.stderr);
        let names = predicate::str::contains(path);
        if !names.eval(&stderr) {
            return fail!(
                "`{}`: the error message should name '{path}':\n{}",
                self.command,
                why_not(&names, &excerpt(&stderr))
            );
        }
        Ok(())
    }

    /// The run succeeded and printed exactly `expected` on stdout.
    pub fn printed(&self, expected: &[u8]) -> Verdict {
        self.succeeded()?;
        let cut = match self.stdout_truncated {
            true => format!(
                " (its output went on past {} MiB and was cut there)",
                OUTPUT_CAP >> 20
            ),
            false => String::new(),
        };
        same_bytes("stdout", &self.output.stdout, expected)
            .reword(|why| format!("`{}`: {why}{cut}", self.command))
    }

    /// Like `printed`; when the run succeeded but printed something else, `hint` (given what it
    /// printed) may name the likely mistake, which follows the difference. A run that failed
    /// speaks for itself (a panic, a signal, an error message).
    pub fn printed_or_hint(
        &self,
        expected: &[u8],
        hint: impl FnOnce(&[u8]) -> Option<String>,
    ) -> Verdict {
        let succeeded = self.succeeded().is_ok();
        self.printed(expected).reword(
            |why| match hint(&self.output.stdout).filter(|_| succeeded) {
                Some(hint) => format!("{why}\n{hint}"),
                None => why,
            },
        )
    }

    /// What the run printed on stderr, as text.
    pub fn stderr(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.output.stderr)
    }
}

/// Compares two byte strings; on a difference, says where and how (see `diff.rs`).
pub fn same_bytes(what: &str, actual: &[u8], expected: &[u8]) -> Verdict {
    match difference(actual, expected) {
        None => Ok(()),
        Some(how) => fail!("{what} {how}"),
    }
}

/// The last part of a path, for messages.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file at `path` holds exactly `expected`. (Read without following links and no further
/// than needed: the program may have left anything there.)
pub fn file_holds(path: &Path, expected: &[u8]) -> Verdict {
    let name = file_name(path);
    match safe_fs::read_at_most(path, expected.len() + 1) {
        Ok((actual, size)) => {
            let compared = Compared {
                got_size: size,
                ..Compared::whole(&actual, expected)
            };
            match compared.describe() {
                None => Ok(()),
                Some(how) => fail!("file '{name}' {how}"),
            }
        }
        Err(e) => fail!("cannot read file '{name}' after the run: {e}"),
    }
}

/// The files at `actual` and `expected` hold the same bytes (compared a chunk at a time).
pub fn same_files(actual: &Path, expected: &Path) -> Verdict {
    use std::io::Read;
    let open = |p: &Path| {
        let file =
            safe_fs::open_regular(p).map_err(|e| format!("cannot read '{}': {e}", p.display()))?;
        let size = file.metadata().map_err(|e| e.to_string())?.len();
        Ok::<_, String>((std::io::BufReader::new(file), size))
    };
    // Reads until `buf` is full or the file ends.
    let fill = |file: &mut std::io::BufReader<std::fs::File>, buf: &mut [u8]| {
        let mut n = 0;
        while n < buf.len() {
            match file.read(&mut buf[n..]).map_err(|e| e.to_string())? {
                0 => break,
                more => n += more,
            }
        }
        Ok::<usize, String>(n)
    };
    let ((mut a, got_size), (mut b, want_size)) = (open(actual)?, open(expected)?);
    let (mut x, mut y) = (vec![0; 1 << 20], vec![0; 1 << 20]);
    let mut offset = 0;
    loop {
        let (n, m) = (fill(&mut a, &mut x)?, fill(&mut b, &mut y)?);
        if first_difference(&x[..n], &y[..m]).is_some() {
            let compared = Compared {
                got: &x[..n],
                want: &y[..m],
                offset,
                got_size,
                want_size,
            };
            let how = compared.describe().unwrap_or_default();
            return fail!("file '{}' {how}", file_name(actual));
        }
        if n == 0 {
            return Ok(());
        }
        offset += n as u64;
    }
}

/// Nothing exists at `path`.
pub fn missing(path: &Path) -> Verdict {
    if std::fs::symlink_metadata(path).is_err() {
        Ok(())
    } else {
        fail!(
            "'{}' should not have been created",
            path.file_name().unwrap_or_default().to_string_lossy()
        )
    }
}
