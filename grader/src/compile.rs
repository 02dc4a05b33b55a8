//! Building the programs to grade, in release mode with overflow checks on. One Cargo invocation
//! builds all the exercises asked for (`--keep-going`), so that one that does not compile scores 0
//! with its first compiler error shown and the others are still built and graded.
//!
//! Submitted code is compiled here, so a build is bounded like a run: cargo gets a clean
//! environment (what a build could read with `option_env!` is only what cargo needs), a time
//! limit after which its whole process group is killed, a memory and a process bound (see
//! `runner::build`), and its output is read with a cap.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::rubric::EXERCISES;
use crate::runner::build::BuildSandbox;

/// The variables a build gets from the grader's environment, when they are set: where cargo,
/// rustup and the toolchain are. Nothing else (tokens, the grader's own settings, a
/// CARGO_TARGET_DIR or RUSTFLAGS) reaches cargo, rustc, or the code they compile.
const BUILD_ENV: [&str; 5] = [
    "PATH",
    "HOME",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
];

/// Most bytes kept of one line of cargo's JSON messages, and of its stderr: past that, the output
/// is read and dropped, so that an endless stream of compiler errors costs time, not memory.
const OUTPUT_CAP: usize = 8 << 20;

/// Most of a compiler error shown in a report.
const SHOWN_LINES: usize = 30;
const SHOWN_BYTES: usize = 16 << 10;

/// Why a program could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// Because of the submitted code: it does not compile, or its build ran out of time. The
    /// reason is written for the student.
    Student(String),
    /// Because of the grader: cargo could not be run, a file could not be copied, the disk is
    /// full. Not the student's fault.
    Grader(String),
}

impl BuildError {
    pub fn reason(&self) -> &str {
        match self {
            BuildError::Student(r) | BuildError::Grader(r) => r,
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// How long one build may take: `GRADER_BUILD_TIMEOUT` seconds, or 300.
pub fn build_timeout() -> Duration {
    let seconds = std::env::var("GRADER_BUILD_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok());
    Duration::from_secs_f64(seconds.filter(|s| *s > 0.0).unwrap_or(300.0))
}

/// The Cargo package of an exercise: the student's crate, or the reference solution.
pub fn package(exercise: &str, solutions: bool) -> String {
    if solutions {
        format!("{exercise}-solution")
    } else {
        exercise.to_owned()
    }
}

/// Builds `package` in the kit at `root`; returns the path of its binary, or why it failed.
///
/// An exercise's package (`ex3`, or `ex3-solution`) is built as `make grade` builds it: with the
/// other three of its kind, in one Cargo run. Cargo compiles a dependency once for each set of
/// features that the packages built together ask for; built alone, each exercise would have its
/// own build of nix.
pub fn build(root: &Path, package: &str) -> Result<PathBuf, BuildError> {
    let solutions = package.ends_with("-solution");
    let mut packages: Vec<String> = EXERCISES
        .iter()
        .map(|e| self::package(e, solutions))
        .collect();
    if !packages.iter().any(|p| p == package) {
        packages = vec![package.to_owned()];
    }
    let mut built = build_all(root, &packages, None);
    built
        .remove(package)
        .unwrap_or_else(|| Err(BuildError::Grader("was not built".into())))
}

/// Builds every package of `packages` in the kit at `root`, into `target`, or else into the
/// kit's own `target/`. A `target` given is for submitted code, whose dependencies the kit has
/// fetched before: that build is `--offline`, and confined (see `runner::build`). Returns each
/// package's binary, or why it was not built: the first compiler error that stopped it, the time
/// limit, or a fault of the grader's.
///
/// Not into the target directory that CARGO_TARGET_DIR or `build.target-dir` may name: shared by
/// two checkouts of the kit, it would hand one checkout the other's binaries. Cargo knows a
/// workspace's crates by their paths relative to it, and rebuilds one only when its files are
/// newer than its last build, wherever that build was made from.
///
/// The packages are built in one cargo run, under one memory bound. When that bound stopped
/// several of them, each is built again alone: a crate that needs too much memory (a huge
/// constant) must not cost another exercise its build by being compiled beside it.
pub fn build_all(
    root: &Path,
    packages: &[String],
    target: Option<&Path>,
) -> BTreeMap<String, Result<PathBuf, BuildError>> {
    if let Some(target) = target
        && let Err(e) = keep_only_dependencies(root, target)
    {
        return packages
            .iter()
            .map(|p| {
                let why = format!(
                    "was not built: the grader cannot clear {} of earlier builds: {e}",
                    target.display()
                );
                (p.clone(), Err(BuildError::Grader(why)))
            })
            .collect();
    }
    let mut results = build_together(root, packages, target);
    let stopped: Vec<String> = results
        .iter()
        .filter(|(_, result)| {
            matches!(result, Err(BuildError::Student(why)) if why.starts_with(Memory::STOPPED))
        })
        .map(|(package, _)| package.clone())
        .collect();
    if stopped.len() > 1 {
        for package in stopped {
            results.extend(build_together(root, std::slice::from_ref(&package), target));
        }
    }
    results
}

/// The owners whose Cargo configuration a build may read: the grader's user, and root.
fn trusted_owners() -> [u32; 2] {
    // SAFETY: geteuid only reads the grader's own credentials.
    [unsafe { libc::geteuid() }, 0]
}

/// The first Cargo configuration that cargo, run in `root`, would read from a folder at or above
/// it (`.cargo`, `.cargo/config`, `.cargo/config.toml`) and that belongs to none of `trusted`:
/// a kit copy is built in TMPDIR, often /tmp, where any user of the machine can make
/// `/tmp/.cargo/config.toml` (red team 10). (The user's own Cargo home is its own.)
fn foreign_cargo_config(root: &Path, trusted: &[u32]) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_owned());
    root.ancestors()
        .map(|folder| folder.join(".cargo"))
        .flat_map(|dot| [dot.join("config"), dot.join("config.toml"), dot])
        .find(|path| {
            std::fs::symlink_metadata(path).is_ok_and(|meta| !trusted.contains(&meta.uid()))
        })
}

/// `build_all`'s one cargo run for all of `packages`.
fn build_together(
    root: &Path,
    packages: &[String],
    target: Option<&Path>,
) -> BTreeMap<String, Result<PathBuf, BuildError>> {
    let every = |error: BuildError| {
        packages
            .iter()
            .map(|p| (p.clone(), Err(error.clone())))
            .collect()
    };
    let target_dir = target.map_or_else(|| root.join("target"), Path::to_owned);
    let target_dir = std::path::absolute(&target_dir).unwrap_or(target_dir);
    // The build's temporary files go to a folder of its own, in the grader's own folder in
    // TMPDIR, removed after the build: not in the target folder that builds share, where a
    // build could read what another left (`include_bytes!(concat!(env!("TMPDIR"), ...))`).
    let tmp = match tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(std::env::temp_dir())
    {
        Ok(tmp) => tmp,
        Err(e) => {
            return every(BuildError::Grader(format!(
                "was not built: the grader cannot make a temporary folder for the build in {}: {e}",
                std::env::temp_dir().display()
            )));
        }
    };
    if let Some(planted) = foreign_cargo_config(root, &trusted_owners()) {
        return every(BuildError::Grader(format!(
            "was not built: {} belongs to another user, and cargo reads the configuration of \
             every folder above the one it builds in (a `rustc-wrapper` there would run in the \
             build): the grader builds under no such folder. Remove it, or grade with TMPDIR \
             (or the kit) somewhere else",
            planted.display()
        )));
    }
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(root)
        .env_clear()
        .envs(
            BUILD_ENV
                .iter()
                .filter_map(|name| Some((name, std::env::var_os(name)?))),
        )
        .env("TMPDIR", tmp.path())
        .args([
            "build",
            "--release",
            "--keep-going",
            "--message-format=json",
        ])
        // Overflow checks stay on, as in a debug build: an `offset + len` that wraps is a panic
        // naming its line, not a wrong length that a check would blame on something else.
        .args(["--config", "profile.release.overflow-checks=true"])
        // On the command line: in CARGO_TARGET_DIR, rustc and the code it compiles would see it.
        .arg("--target-dir")
        .arg(&target_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own, so that cargo, rustc and the linker are killed together.
        .process_group(0);
    let mut bounds = None;
    if target.is_some() {
        cargo.arg("--offline");
        match BuildSandbox::new(root, &target_dir, tmp.path()) {
            Ok(sandbox) => bounds = Some(sandbox.confine(&mut cargo)),
            Err(e) => {
                return every(BuildError::Grader(format!(
                    "was not built: the grader cannot prepare the build's sandbox: {e}"
                )));
            }
        }
    }
    for package in packages {
        cargo.args(["-p", package]);
    }
    let timeout = build_timeout();
    let started = Instant::now();
    // Registered, so that an interrupted grader kills the build too (see `runner::interrupt`).
    let (mut child, _registered) = match crate::runner::interrupt::spawn_group(&mut cargo) {
        Ok(spawned) => spawned,
        Err(e) => {
            // Cargo runs in the kit: a kit folder that is gone fails the same way as no cargo.
            return every(BuildError::Grader(if root.is_dir() {
                format!("was not built: the grader could not run cargo: {e}")
            } else {
                format!("cannot build in {}: the folder is gone", root.display())
            }));
        }
    };
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let messages = std::thread::spawn(move || Messages::read(stdout));
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        for_each_line(stderr, |line| {
            if text.len() < OUTPUT_CAP {
                text.push_str(&String::from_utf8_lossy(line));
                text.push('\n');
            }
        });
        text
    });
    let timed_out = loop {
        match child.try_wait() {
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Ok(None) => break true,
            Ok(Some(_)) | Err(_) => break false,
        }
    };
    if timed_out {
        // SAFETY: killpg only sends a signal, to the group that cargo leads: cargo has not been
        // reaped, so the group's id cannot have been reused.
        unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) };
        if let Some(bounds) = &bounds {
            bounds.kill_all();
        }
    }
    let _ = child.wait();
    let out_of_memory = bounds.as_deref().map(|b| Memory {
        bound_mib: b.memory_mib(),
        killed: b.ran_out_of_memory(),
    });
    // The pipes close once every process of the group has exited.
    let Messages {
        mut binaries,
        mut errors,
    } = messages.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    packages
        .iter()
        .map(|package| {
            let result = match (binaries.remove(package), errors.remove(package)) {
                (Some(path), _) => Ok(path),
                (None, Some(error)) => Err(BuildError::Student(
                    match out_of_memory.filter(|_| Memory::exhausted_in(&error)) {
                        Some(memory) => format!("{}\n{error}", memory.reason()),
                        None => format!("does not compile:\n{error}"),
                    },
                )),
                (None, None) if timed_out => Err(BuildError::Student(format!(
                    "was not built: the build took longer than {} s",
                    timeout.as_secs_f64()
                ))),
                // rustc crashed or was killed on this package's code, which is the code's doing:
                // by the memory bound, if the kernel says so or rustc could not allocate.
                (None, None) if stderr.contains(&format!("could not compile `{package}`")) => {
                    Err(BuildError::Student(
                        match out_of_memory.filter(|m| m.killed || Memory::exhausted_in(&stderr)) {
                            Some(memory) => memory.reason(),
                            None => format!(
                                "was not built:\n{}",
                                first_lines(stderr.trim(), SHOWN_LINES)
                            ),
                        },
                    ))
                }
                // The kernel killed a process of the build for its group's memory: at times
                // cargo itself, which then says nothing of rustc (a class's batch saw it under
                // load with `hostile/memory-bomb`); no honest build comes near the bound.
                (None, None) if out_of_memory.is_some_and(|m| m.killed) => Err(
                    BuildError::Student(out_of_memory.map(Memory::reason).unwrap_or_default()),
                ),
                // Cargo stopped before compiling it (no toolchain, a dependency missing offline,
                // a full disk): nothing that a student file can cause.
                (None, None) => Err(BuildError::Grader(format!(
                    "was not built: cargo stopped before building it:\n{}",
                    first_lines(stderr.trim(), SHOWN_LINES)
                ))),
            };
            (package.clone(), result)
        })
        .collect()
}

/// Removes from `target`, the target folder that the builds of submissions share, everything
/// but what cargo built of the dependencies of the kit at `root` (nix, cli-support...), which
/// keeps those builds fast: the exercises' programs (`ex1`, `deps/ex1-<hash>`, a `libex1`), the
/// reference solutions' (Gradescope's setup builds them there), anything else an earlier build
/// or grader left, and the `tmp/` folder earlier graders gave builds as TMPDIR. A build of
/// submitted code can read the target folder (cargo writes there): what is left there is what
/// every build may embed with `include_bytes!`. Builds that share `target` take turns (the
/// caller's lock), so nothing is removed from under one.
pub fn keep_only_dependencies(root: &Path, target: &Path) -> std::io::Result<()> {
    let dependencies = dependencies_of(root);
    let kept = |name: &str| {
        crate_of(name).is_some_and(|c| {
            dependencies.contains(&c)
                || c.strip_prefix("lib")
                    .is_some_and(|c| dependencies.contains(c))
        })
    };
    remove_entries(target, |name| name == "tmp")?;
    let release = target.join("release");
    // Cargo's own layout in release/: its lock and its folders; the programs beside them go.
    const LAYOUT: [&str; 6] = [
        ".cargo-lock",
        "build",
        "deps",
        ".fingerprint",
        "incremental",
        "examples",
    ];
    remove_entries(&release, |name| !LAYOUT.contains(&name))?;
    for folder in LAYOUT.iter().skip(1) {
        remove_entries(&release.join(folder), |name| !kept(name))?;
    }
    Ok(())
}

/// The packages of the kit's Cargo.lock that are not the exercises (the students' or the
/// solutions') nor the grader: the dependencies, `-` read as `_` as in crate names. None where
/// the lock cannot be read: then nothing is kept.
fn dependencies_of(root: &Path) -> std::collections::BTreeSet<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let crate_name = |name: &str| name.replace('-', "_");
    let not_kept: Vec<String> = EXERCISES
        .iter()
        .flat_map(|e| [package(e, false), package(e, true)])
        .chain([env!("CARGO_PKG_NAME").to_owned()])
        .map(|p| crate_name(&p))
        .collect();
    lock.lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .map(crate_name)
        .filter(|name| !not_kept.contains(name))
        .collect()
}

/// The crate an entry of a target folder's deps/, .fingerprint/, build/ or incremental/ belongs
/// to: `libnix-<hash>.rlib`, `nix-<hash>.d`, `cli-support-<hash>` give `libnix`, `nix` and
/// `cli_support`. None for a name without a hash.
fn crate_of(name: &str) -> Option<String> {
    let stem = name.split('.').next()?;
    let (name, hash) = stem.rsplit_once('-')?;
    (!hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| name.replace('-', "_"))
}

/// Removes the entries of `folder` (if it exists) whose names `unwanted` picks, folders with
/// what they hold.
fn remove_entries(folder: &Path, unwanted: impl Fn(&str) -> bool) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if !unwanted(&entry.file_name().to_string_lossy()) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// What a build of submitted code learnt of its memory bound.
#[derive(Clone, Copy)]
struct Memory {
    bound_mib: u64,
    /// The kernel killed a process of the build for lack of memory in its group.
    killed: bool,
}

impl Memory {
    /// What rustc says when an allocation fails under RLIMIT_AS (where there is no group): its
    /// constant evaluator's error, or the allocator's message before it aborts.
    const EXHAUSTED: [&str; 2] = [
        "more memory than available to compiler",
        "memory allocation of ",
    ];

    fn exhausted_in(text: &str) -> bool {
        Memory::EXHAUSTED.iter().any(|m| text.contains(m))
    }

    /// How `reason` starts.
    const STOPPED: &str = "was not built: the build used more than ";

    fn reason(self) -> String {
        format!("{}{} MiB of memory", Memory::STOPPED, self.bound_mib)
    }
}

/// What cargo's JSON messages say about the targets built: each one's executable, and the first
/// error that stopped it.
#[derive(Default)]
struct Messages {
    binaries: BTreeMap<String, PathBuf>,
    errors: BTreeMap<String, String>,
}

impl Messages {
    /// Reads the messages as they come, keeping only what is needed of them.
    fn read(from: impl Read) -> Messages {
        let mut messages = Messages::default();
        for_each_line(from, |line| {
            // A line cut at the cap is no JSON: it is skipped.
            let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
                return;
            };
            let Some(target) = message["target"]["name"].as_str() else {
                return;
            };
            match message["reason"].as_str() {
                Some("compiler-artifact") => {
                    if let Some(path) = message["executable"].as_str() {
                        messages
                            .binaries
                            .insert(target.to_owned(), PathBuf::from(path));
                    }
                }
                Some("compiler-message") if message["message"]["level"] == "error" => {
                    let rendered = message["message"]["rendered"].as_str().unwrap_or_default();
                    messages
                        .errors
                        .entry(target.to_owned())
                        .or_insert_with(|| first_lines(rendered.trim_end(), SHOWN_LINES));
                }
                _ => {}
            }
        });
        messages
    }
}

/// Reads `from` to its end, handing each line (without its newline) to `line`. At most
/// `OUTPUT_CAP` bytes of a line are kept: a longer one is handed over cut, the rest of it read and
/// dropped.
fn for_each_line(from: impl Read, mut line: impl FnMut(&[u8])) {
    let mut from = BufReader::with_capacity(64 << 10, from);
    let mut current = Vec::new();
    loop {
        let chunk = match from.fill_buf() {
            Ok([]) => break,
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let (part, ends) = match chunk.iter().position(|&b| b == b'\n') {
            Some(end) => (&chunk[..end], true),
            None => (chunk, false),
        };
        let room = OUTPUT_CAP.saturating_sub(current.len());
        current.extend_from_slice(&part[..part.len().min(room)]);
        let used = part.len() + usize::from(ends);
        from.consume(used);
        if ends {
            line(&current);
            current.clear();
        }
    }
    if !current.is_empty() {
        line(&current);
    }
}

/// The start of a message, as much of it as a report shows: its first `n` lines, and at most
/// `SHOWN_BYTES` of them.
fn first_lines(text: &str, n: usize) -> String {
    let mut shown = text.lines().take(n).collect::<Vec<_>>().join("\n");
    if shown.len() > SHOWN_BYTES {
        let mut end = SHOWN_BYTES;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        shown.push_str("...");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Cargo configuration above the kit that the grader's user does not own stops the build;
    /// one of its own, or none, does not.
    #[test]
    fn a_cargo_configuration_of_another_user_above_the_kit_is_found() {
        use std::os::unix::fs::MetadataExt;
        let above = tempfile::tempdir().unwrap();
        let kit = above.path().join("grading/kit");
        std::fs::create_dir_all(&kit).unwrap();
        let own = std::fs::metadata(above.path()).unwrap().uid();
        assert_eq!(foreign_cargo_config(&kit, &[own]), None);
        let planted = above.path().join(".cargo/config.toml");
        std::fs::create_dir(planted.parent().unwrap()).unwrap();
        std::fs::write(&planted, "[build]\nrustc-wrapper = \"/tmp/w\"\n").unwrap();
        assert_eq!(foreign_cargo_config(&kit, &[own]), None);
        // As if another user owned it: the grader trusts only the owners it is given.
        assert_eq!(foreign_cargo_config(&kit, &[own + 1]), Some(planted));
    }

    /// Only the dependencies' artifacts stay in a shared target: not an exercise's, a
    /// solution's, or anything cargo's layout does not hold.
    #[test]
    fn a_shared_target_keeps_only_the_dependencies() {
        let kit = tempfile::tempdir().unwrap();
        let lock = "[[package]]\nname = \"cli-support\"\n\n[[package]]\nname = \"ex1\"\n\n\
                    [[package]]\nname = \"ex1-solution\"\n\n[[package]]\nname = \"libc\"\n";
        std::fs::write(kit.path().join("Cargo.lock"), lock).unwrap();
        let target = tempfile::tempdir().unwrap();
        let release = target.path().join("release");
        let kept = [
            "release/.cargo-lock",
            "release/deps/liblibc-0a1b.rlib",
            "release/deps/libc-0a1b.d",
            "release/deps/libcli_support-0a1b.rmeta",
            "release/.fingerprint/cli-support-0a1b/lib",
            "release/build/libc-0a1b/output",
        ];
        let removed = [
            "tmp/leftover",
            "release/ex1",
            "release/stash",
            "release/deps/ex1-0a1b",
            "release/deps/libex1_solution-0a1b.rlib",
            "release/deps/libstash-0a1b.rlib",
            "release/deps/no-hash",
            "release/.fingerprint/ex1-0a1b/bin",
            "release/elsewhere/file",
        ];
        for file in kept.iter().chain(&removed) {
            let path = target.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        keep_only_dependencies(kit.path(), target.path()).unwrap();
        for file in kept {
            assert!(target.path().join(file).exists(), "{file} was removed");
        }
        for file in removed {
            assert!(!target.path().join(file).exists(), "{file} was kept");
        }
        assert!(release.join("deps").is_dir());
    }

    #[test]
    fn a_line_past_the_output_cap_is_cut_and_the_rest_of_it_dropped() {
        let flood = vec![b'x'; OUTPUT_CAP + 100_000];
        let output = [&b"first\n"[..], &flood, b"\nlast"].concat();
        let mut lines = Vec::new();
        for_each_line(&output[..], |line| lines.push(line.to_vec()));
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], b"first");
        assert_eq!(lines[1], flood[..OUTPUT_CAP]);
        assert_eq!(lines[2], b"last");
    }

    #[test]
    fn a_report_shows_the_start_of_a_long_message() {
        let many = (0..100).map(|i| format!("line {i}\n")).collect::<String>();
        assert_eq!(first_lines(&many, 2), "line 0\nline 1");
        let wide = "é".repeat(SHOWN_BYTES);
        let shown = first_lines(&wide, 1);
        assert!(
            shown.ends_with("...") && shown.len() <= SHOWN_BYTES + 3,
            "{}",
            shown.len()
        );
    }
}
