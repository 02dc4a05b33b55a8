//! Assertions about one run, with predicates, that explain a failure in words a
//! student can act on: what was run, what was expected, what happened.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Output;

use assert_cmd::assert::{Assert, AssertError, AssertResult, OutputAssertExt};
use predicates::prelude::*;

use crate::diff::{Compared, difference, first_difference};
use crate::fail;
use crate::outcome::{Problem, Reword, Verdict};
use crate::runner::{OUTPUT_CAP, Run, describe_signal};
use crate::safe_fs;

/// How a run ended, in a sentence, with what it printed on stderr.
pub fn explain(run: &Run) -> String {
    if let Some(why) = &run.start_error {
        return why.clone();
    }
    let stderr = String::from_utf8_lossy(&run.output().stderr);
    // Out of memory first: a worker killed for it can leave its parent waiting, or failing.
    let ending = if run.out_of_memory {
        format!(
            "ran out of memory: it was killed when its processes, together, used all the memory \
             a run may have ({} MiB; where TMPDIR is a tmpfs, the files in its folder are memory \
             and count too, and without a memory cgroup, a process may have only a few hundred \
             areas in its memory map); map files in windows rather than copying them into memory",
            crate::runner::MAX_RUN_MEMORY >> 20
        )
    } else if run.timed_out {
        format!(
            "did not finish within its time ({:.1}s) and was killed",
            run.elapsed.as_secs_f64()
        )
    } else if run.trace.as_ref().is_some_and(|t| t.made_too_many_calls()) {
        format!(
            "was killed: it made so many watched system calls (mmap, munmap, msync, madvise, \
             clone, ...), each of which waits for the grader's answer, that they passed what a \
             run may have the grader spend ({} calls, or {} ms of its CPU). A program of this kit \
             makes a few hundred (map large windows, not a page at a time)",
            crate::runner::trace::MAX_WATCHED_CALLS,
            crate::runner::trace::MAX_ANSWERING_CPU.as_millis()
        )
    } else if let Some(signal) = run.output().status.signal() {
        describe_signal(signal)
    } else if let Some(message) = panic_message(&stderr) {
        panicked(&stderr, &message)
    } else {
        format!(
            "exited with status {}",
            run.output().status.code().unwrap_or(-1)
        )
    };
    let mut text = format!("`{}` {ending}", run.command);
    let refused = run.trace.as_ref().map(|t| t.refused());
    if let Some(call) = refused.and_then(|mut calls| calls.find(|c| !c.makes_thread())) {
        text.push_str(&format!(
            "\nit called {}(2), which graded runs refuse (EPERM): in this kit, file data moves \
             only through mappings, and a program reaches nothing outside its own run",
            call.name
        ));
    }
    if made_a_thread(run, &stderr) {
        text.push_str(
            "\ngraded runs make no threads: it called clone(2) with CLONE_THREAD, which graded runs \
             refuse (EAGAIN); do the work on the main thread (or fall back to it when a spawn fails)",
        );
    }
    if run.trace.as_ref().is_some_and(|t| t.made_too_many_files()) {
        text.push_str(&format!(
            "\nit made more than {} files, folders or links, the most the runs of a test may \
             keep (the others failed with EDQUOT)",
            crate::runner::trace::MAX_NEW_FILES
        ));
    }
    let excerpt = excerpt(&stderr);
    if !excerpt.is_empty() && panic_message(&stderr).is_none() {
        text.push_str(&format!("\nstderr: {excerpt}"));
    }
    text
}

/// Whether every run's stderr is shown as it ends (`cargo test -p exN -- --nocapture`).
static SHOW_OUTPUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, every run of the program shows what it printed on stderr (see `show_output`).
pub fn show_every_output() {
    SHOW_OUTPUT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Prints the run's command and stderr (cleaned and bounded as a failure's are) on the grader's
/// stderr, when `show_every_output` was asked for: a passing run's debugging output is seen too.
pub fn show_output(run: &Run) {
    if SHOW_OUTPUT.load(std::sync::atomic::Ordering::Relaxed) {
        let stderr = stderr_line(run);
        let shown = match stderr.is_empty() {
            true => "\nstderr: (nothing)",
            false => stderr.as_str(),
        };
        let text = format!("`{}`{shown}", run.command);
        eprintln!("{}", crate::clean::Clean::new(&text));
    }
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

/// How a panic ended a run: `panicked at src/exercise.rs:12:5: attempt to add with overflow`,
/// with the line it names, which is where to look; a `todo!()`'s message names the README step
/// instead, and is shown alone.
fn panicked(stderr: &str, message: &str) -> String {
    let place = stderr
        .lines()
        .find_map(|l| l.split_once("panicked at ").map(|(_, place)| place.trim()))
        .filter(|_| !message.starts_with("not yet implemented"));
    match place {
        Some(place) => format!("panicked at {} {message}", shorten(place, 200)),
        None => format!("panicked: {message}"),
    }
}

/// Whether the program tried to start a thread, which the sandbox refuses: a clone(2) with
/// CLONE_THREAD that the grader refused, whatever the program did about it. Where the grader saw
/// no call (a run not watched, or a check's own filter that refuses every clone first), Rust's
/// own panic message for a spawn that failed is the evidence.
fn made_a_thread(run: &Run, stderr: &str) -> bool {
    run.trace
        .as_ref()
        .is_some_and(|t| t.refused().any(|c| c.makes_thread()))
        || stderr.contains("failed to spawn thread")
}

/// The program's stderr, for a failure that does not already quote it: a line of its own, cut to
/// the excerpt's bounds, or nothing when it printed nothing there.
fn stderr_line(run: &Run) -> String {
    let excerpt = excerpt(&String::from_utf8_lossy(&run.output().stderr));
    match excerpt.is_empty() {
        true => String::new(),
        false => format!("\nstderr: {excerpt}"),
    }
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

/// What assert_cmd says of an assertion that failed: its reason and the predicate's case tree
/// (which part failed, with what), on lines of their own after the grader's words. The dump of the
/// whole output that assert_cmd adds after them is left out (the grader quotes the output its own
/// way), and so is anything past a few hundred characters: the text is written into a bounded
/// buffer, so a run's 16 MiB of output is never formatted whole.
fn assertion(error: &AssertError) -> String {
    /// A `fmt::Write` that stops the formatting once it holds `cap` bytes.
    struct Capped(String, usize);
    impl std::fmt::Write for Capped {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let room = self.1.saturating_sub(self.0.len());
            let mut cut = s.len().min(room);
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.0.push_str(&s[..cut]);
            if cut < s.len() {
                Err(std::fmt::Error)
            } else {
                Ok(())
            }
        }
    }
    let mut text = Capped(String::new(), 2000);
    let _ = std::fmt::write(&mut text, format_args!("{error}"));
    // The output's dump starts with a line of its own, `code=...` (a value in the case tree is
    // quoted with its newlines escaped, so it cannot start a line).
    let reason = text
        .0
        .split("\ncode=")
        .next()
        .unwrap_or_default()
        .trim_end();
    format!("\nassert_cmd: {}", shorten(reason, 600))
}

/// The predicate "exactly these bytes", for a run's stdout. Its case tree says how many bytes
/// came and where they first differ, not the bytes themselves (the grader's diff shows those, in
/// hex or as text, and a large output is not copied into the explanation).
struct SameBytes<'a>(&'a [u8]);

impl std::fmt::Display for SameBytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "var is the {} bytes expected", self.0.len())
    }
}

impl predicates::reflection::PredicateReflection for SameBytes<'_> {}

impl Predicate<[u8]> for SameBytes<'_> {
    fn eval(&self, got: &[u8]) -> bool {
        got == self.0
    }

    fn find_case<'a>(
        &'a self,
        expected: bool,
        got: &[u8],
    ) -> Option<predicates::reflection::Case<'a>> {
        use predicates::reflection::{Case, Product};
        let result = self.eval(got);
        if result != expected {
            return None;
        }
        let mut case = Case::new(Some(self), result)
            .add_product(Product::new("var", format!("{} bytes", got.len())));
        if let Some(at) = first_difference(got, self.0) {
            case = case.add_product(Product::new("first difference", format!("at byte {at}")));
        }
        Some(case)
    }
}

/// A predicate on a run's stdout or stderr, written as a function with a name for its case tree.
fn named<F: Fn(&T) -> bool, T: ?Sized>(name: &'static str, f: F) -> impl Predicate<T> {
    predicate::function(f).fn_name(name)
}

// assert_cmd's `AssertResult` carries the `Assert` back in its error: large, and consumed at once.
#[allow(clippy::result_large_err)]
impl Run {
    /// How the program ended and what it printed.
    pub fn output(&self) -> &Output {
        self.assert.get_output()
    }

    /// Runs one of assert_cmd's `try_*` assertions on the run's `Assert`, which it takes and
    /// gives back (the output is never copied): `Err` holds assert_cmd's explanation.
    fn assert_that(&mut self, f: impl FnOnce(Assert) -> AssertResult) -> Result<(), String> {
        let placeholder = Output {
            status: Default::default(),
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
        .assert();
        match f(std::mem::replace(&mut self.assert, placeholder)) {
            Ok(assert) => {
                self.assert = assert;
                Ok(())
            }
            Err(error) => {
                let why = assertion(&error);
                self.assert = error.assert();
                Err(why)
            }
        }
    }

    /// The run exited with status 0.
    pub fn succeeded(&mut self) -> Verdict {
        started(self)?;
        let code = self.assert_that(|a| a.try_code(0));
        if self.timed_out || self.output().status.signal().is_some() || self.panicked() {
            // The ending speaks for itself.
            return fail!("{}{}", explain(self), code.err().unwrap_or_default());
        }
        code.map_err(|assertion| {
            Problem::Fail(format!(
                "{}; expected success (status 0){assertion}",
                explain(self)
            ))
        })
    }

    fn panicked(&self) -> bool {
        panic_message(&self.stderr()).is_some()
    }

    /// The run failed cleanly with `code`: nothing on stdout, and a message on stderr that starts
    /// with the exercise's name (`ex3: `).
    pub fn failed_with(&mut self, code: i32, exercise: &str) -> Verdict {
        self.failed_printing(
            code,
            exercise,
            named("is_empty", |out: &[u8]| out.is_empty()),
        )
    }

    /// Like `failed_with`, but what it may have printed on stdout before failing is `stdout`'s to
    /// judge (a line printed before a fork that then failed, say).
    pub fn failed_printing(
        &mut self,
        code: i32,
        exercise: &str,
        stdout: impl Predicate<[u8]>,
    ) -> Verdict {
        started(self)?;
        let what = if code == 2 {
            "a usage error (status 2)"
        } else {
            "a clean failure (status 1)"
        };
        let ended = self.assert_that(|a| a.try_code(code));
        if self.timed_out || ended.is_err() {
            let assertion = ended.err().unwrap_or_default();
            return fail!("{}; expected {what}{assertion}", explain(self));
        }
        if let Err(assertion) = self.assert_that(|a| a.try_stdout(stdout)) {
            return fail!(
                "`{}` failed as expected but printed on stdout; a failing run prints nothing \
                 there{assertion}{}",
                self.command,
                stderr_line(self)
            );
        }
        // Judged on the whole of stderr; shown, when it fails, on its first lines.
        let prefix = format!("{exercise}: ");
        let named_first = predicate::str::starts_with(prefix.as_str());
        if let Err(assertion) = self.assert_that(|a| a.try_stderr(named_first)) {
            return fail!(
                "`{}` failed as expected, but its message should start with '{prefix}':\n{}{assertion}",
                self.command,
                excerpt(&self.stderr())
            );
        }
        let usage = named("mentions_usage", |err: &str| {
            err.to_lowercase().contains("usage")
        });
        if code == 2
            && let Err(assertion) = self.assert_that(|a| a.try_stderr(usage))
        {
            return fail!(
                "`{}`: a usage error should show the usage line on stderr:\n{}{assertion}",
                self.command,
                excerpt(&self.stderr())
            );
        }
        Ok(())
    }

    /// Like `failed_with(1, ..)`, and the message names `path`.
    pub fn failed_naming(&mut self, exercise: &str, path: &str) -> Verdict {
        self.failed_with(1, exercise)?;
        let names = predicate::str::contains(path);
        if let Err(assertion) = self.assert_that(|a| a.try_stderr(names)) {
            return fail!(
                "`{}`: the error message should name '{path}':\n{}{assertion}",
                self.command,
                excerpt(&self.stderr())
            );
        }
        Ok(())
    }

    /// The run succeeded and printed exactly `expected` on stdout.
    pub fn printed(&mut self, expected: &[u8]) -> Verdict {
        self.printed_or_hint(expected, |_| None)
    }

    /// Like `printed`; when the run succeeded but printed something else, `hint` (given what it
    /// printed) may name the likely mistake, which follows the difference. A run that failed
    /// speaks for itself (a panic, a signal, an error message).
    pub fn printed_or_hint(
        &mut self,
        expected: &[u8],
        hint: impl FnOnce(&[u8]) -> Option<String>,
    ) -> Verdict {
        self.succeeded()?;
        let Err(assertion) = self.assert_that(|a| a.try_stdout(SameBytes(expected))) else {
            return Ok(());
        };
        let stdout = &self.output().stdout;
        let how = difference(stdout, expected).unwrap_or_default();
        let cut = match self.stdout_truncated {
            true => format!(
                " (its output went on past {} MiB and was cut there)",
                OUTPUT_CAP >> 20
            ),
            false => String::new(),
        };
        let hint = hint(stdout).map(|h| format!("\n{h}")).unwrap_or_default();
        let stderr = stderr_line(self);
        fail!(
            "`{}`: stdout {how}{cut}{assertion}{stderr}{hint}",
            self.command
        )
    }

    /// `verdict`, a judgement of what the run left behind (a file's bytes, say), made after the
    /// run succeeded: a failure quotes what the program printed on stderr, as a failure of the run
    /// itself does, so that a student's debugging output shows whatever failed.
    pub fn with_stderr(&self, verdict: Verdict) -> Verdict {
        verdict.reword(|why| format!("{why}{}", stderr_line(self)))
    }

    /// What the run printed on stderr, as text.
    pub fn stderr(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.output().stderr)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_shown_with_its_line_and_a_todo_with_its_step() {
        let overflow = "\nthread 'main' panicked at src/exercise.rs:12:5:\nattempt to add with \
                        overflow\nnote: run with `RUST_BACKTRACE=1`\n";
        let message = panic_message(overflow).unwrap();
        assert_eq!(
            panicked(overflow, &message),
            "panicked at src/exercise.rs:12:5: attempt to add with overflow"
        );
        let todo = "thread 'main' panicked at src/exercise.rs:3:5:\nnot yet implemented: step 1\n";
        let message = panic_message(todo).unwrap();
        assert_eq!(
            panicked(todo, &message),
            "panicked: not yet implemented: step 1"
        );
    }

    /// A run that exited with status 1 having printed `stderr`, with the calls `trace` (`None`:
    /// not watched).
    fn ended(stderr: &str, trace: Option<crate::runner::Trace>) -> Run {
        use std::os::unix::process::ExitStatusExt;
        Run {
            command: "ex3 src.bin dst.bin".into(),
            assert: Output {
                status: std::process::ExitStatus::from_raw(1 << 8),
                stdout: Vec::new(),
                stderr: stderr.into(),
            }
            .assert(),
            cpu_times: None,
            timed_out: false,
            stdout_truncated: false,
            elapsed: std::time::Duration::ZERO,
            max_rss: 0,
            rss_at_spawn: 0,
            cpu: std::time::Duration::ZERO,
            trace,
            start_error: None,
            out_of_memory: false,
        }
    }

    /// A clone(2) the program made, with `flags`, refused or not by the grader.
    fn clone_call(flags: i32, refused: bool) -> crate::runner::trace::Call {
        let nr = libc::SYS_clone;
        crate::runner::trace::Call {
            pid: 7,
            nr,
            name: "clone",
            args: [flags as u64, 0, 0, 0, 0, 0],
            file: None,
            region: None,
            refused,
        }
    }

    const THREADS: &str = "graded runs make no threads: it called clone(2) with CLONE_THREAD";

    /// The refused call names the thread, whatever the program printed or did about it: a
    /// program that handles the error (or a C program) prints no panic.
    #[test]
    fn a_refused_thread_is_named_from_the_call_itself() {
        let thread = libc::CLONE_VM | libc::CLONE_THREAD | libc::CLONE_SIGHAND;
        let trace = |calls| crate::runner::Trace {
            calls,
            active: true,
            ..Default::default()
        };
        let handled = "ex3: cannot start a helper: Resource temporarily unavailable\n";
        let text = explain(&ended(handled, Some(trace(vec![clone_call(thread, true)]))));
        assert!(text.contains(THREADS), "{text}");
        assert!(!text.contains("which graded runs refuse (EPERM)"), "{text}");
        // A fork that went through is no thread.
        let text = explain(&ended(
            handled,
            Some(trace(vec![clone_call(libc::SIGCHLD, false)])),
        ));
        assert!(!text.contains(THREADS), "{text}");
    }

    #[test]
    fn a_refused_thread_is_recognised_by_rusts_message_in_an_unwatched_run() {
        let refused = "thread 'main' panicked at library/std/src/thread/mod.rs:729:29:\nfailed \
                       to spawn thread: Os { code: 11, kind: WouldBlock, message: \"Resource \
                       temporarily unavailable\" }\n";
        assert!(explain(&ended(refused, None)).contains(THREADS));
        let other = "ex3: cannot open 'thread.bin'\n";
        assert!(!explain(&ended(other, None)).contains(THREADS));
    }
}
