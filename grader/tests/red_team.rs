//! Attacks a red team found on the grader, each a small C program (`red_team/`) graded through
//! `--bin`: each must be harmless, and must not score what it tried to steal.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Compiles `red_team/{name}.c` into `dir`; `None` where there is no C compiler.
fn compile(name: &str, dir: &Path, defines: &[String]) -> Option<PathBuf> {
    let source = support::kit_root().join(format!("grader/tests/red_team/{name}.c"));
    let binary = dir.join(name);
    let compiled = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&binary)
        .args(defines)
        .arg(&source)
        .output();
    match compiled {
        Ok(out) => assert!(
            out.status.success(),
            "{name}.c: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => {
            println!("skipped: no C compiler (`cc`) to build {name}.c");
            return None;
        }
    }
    // Where a test user can run it, under root (the grader stages it otherwise anyway).
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    Some(binary)
}

/// Grades `program` as `exercise`; the grader's output and its results.json, if written.
fn grade(exercise: &str, program: &Path, dir: &Path, command: &mut Command) -> (Output, String) {
    let json = dir.join("results.json");
    if !command.get_envs().any(|(k, _)| k == "GRADER_TIMEOUT") {
        command.env("GRADER_TIMEOUT", "5");
    }
    let output = command
        .arg(exercise)
        .arg("--bin")
        .arg(format!("{exercise}={}", program.display()))
        .arg("--json")
        .arg(&json)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run the grader");
    (output, std::fs::read_to_string(&json).unwrap_or_default())
}

/// The entry of results.json (`json`, as text) for the rubric test `name`.
fn test_named(json: &str, name: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(json).unwrap();
    json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            let id = t["extra_data"]["id"].as_str().unwrap();
            id.ends_with(&format!(".{name}"))
        })
        .unwrap_or_else(|| panic!("no test {name} in {json:#}"))
        .clone()
}

/// Compiles `red_team/{name}.c` (with `defines`), grades it as `exercise` with `command`, and
/// checks that it failed the rubric test `test`: that test's entry in results.json, and the
/// grader's output. `None` where there is no C compiler.
fn fails(
    name: &str,
    defines: &[String],
    exercise: &str,
    test: &str,
    command: &mut Command,
) -> Option<(serde_json::Value, Output)> {
    let dir = tempfile::tempdir().unwrap();
    let program = compile(name, dir.path(), defines)?;
    let (output, json) = grade(exercise, &program, dir.path(), command);
    let entry = test_named(&json, test);
    assert_eq!(entry["status"], "failed", "{name}: {output:?}");
    Some((entry, output))
}

fn grader() -> Command {
    Command::new(support::grader_bin())
}

/// A file of the grader's user, outside every check's folder, with a mode a program must not
/// get the grader to change.
fn decoy(dir: &Path) -> PathBuf {
    let decoy = dir.join("decoy");
    std::fs::write(&decoy, "the grader's own file").unwrap();
    std::fs::set_permissions(&decoy, std::fs::Permissions::from_mode(0o600)).unwrap();
    decoy
}

#[test]
fn the_grader_changes_no_mode_through_a_link_a_program_planted() {
    let dir = tempfile::tempdir().unwrap();
    let decoy = decoy(dir.path());
    let define = format!("-DDECOY=\"{}\"", decoy.display());
    let Some(program) = compile("links_chmod", dir.path(), &[define]) else {
        return;
    };
    let (output, _) = grade("ex3", &program, dir.path(), &mut grader());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let mode = std::fs::metadata(&decoy).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "the grader changed a mode through a planted link"
    );
    assert_eq!(
        std::fs::read_to_string(&decoy).unwrap(),
        "the grader's own file"
    );
}

#[test]
fn a_mailbox_truncated_under_the_grader_does_not_kill_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some(program) = compile("mailbox_truncate", dir.path(), &[]) else {
        return;
    };
    let (output, json) = grade("ex4", &program, dir.path(), &mut grader());
    // Graded to the end (below full marks), not killed by SIGBUS.
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let max = grader::rubric::points_of("ex4");
    assert!(json["score"].as_u64().unwrap() < u64::from(max), "{json:#}");
}

#[test]
fn a_program_gets_no_descriptor_of_the_graders() {
    let dir = tempfile::tempdir().unwrap();
    let Some(program) = compile("inherited_fds", dir.path(), &[]) else {
        return;
    };
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "a secret the grader holds open").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The grader inherits a descriptor on the secret, without close-on-exec (as a shell's
    // redirection would leave it).
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("exec 9<\"$0\"; exec \"$@\"")
        .arg(&secret)
        .arg(support::grader_bin());
    let (output, json) = grade("ex1", &program, dir.path(), &mut command);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("nothing to say"), "{stdout}");
    assert!(
        !stdout.contains("a secret") && !json.contains("a secret"),
        "a program read a descriptor of the grader's:\n{stdout}"
    );
}

#[test]
fn data_moved_by_linux_aio_is_refused() {
    let Some((uses, _)) = fails("aio_copy", &[], "ex3", "uses_mappings", &mut grader()) else {
        return;
    };
    assert!(
        uses["output"].as_str().unwrap().contains("io_setup(2)"),
        "the refused call is named: {uses:#}"
    );
}

#[test]
fn workers_counting_in_slots_of_their_own_do_not_share_a_counter() {
    let test = "count_forks_workers_sharing_memory";
    fails("count_in_slots", &[], "ex4", test, &mut grader());
}

#[test]
fn a_hard_link_is_no_copy() {
    let Some((copies, _)) = fails("hardlink_copy", &[], "ex3", "copies_exactly", &mut grader())
    else {
        return;
    };
    assert!(
        copies["output"].as_str().unwrap().contains("not a copy"),
        "{copies:#}"
    );
}

/// A slow copy (a second of sleep) that keeps a hard link to its first copy aside and renames it
/// into place in the later timed runs (`speed_stash.c`) passed the speed test at 0.53 times cp's
/// time while the runs shared one folder; each timed run has a new one now.
#[test]
fn a_copy_kept_aside_is_not_timed() {
    // A second of sleep a copy: over 8 times cp's time unless cp takes 125 ms (a busy machine).
    let slow = ["-DSLOW_MS=1000".to_owned()];
    let Some((speed, _)) = fails("speed_stash", &slow, "ex3", "as_fast_as_cp", &mut grader())
    else {
        return;
    };
    let said = speed["output"].as_str().unwrap();
    assert!(said.contains("times cp's time"), "{said}");
}

#[test]
fn a_flood_of_calls_hides_nothing() {
    fails("flood_copy", &[], "ex3", "uses_mappings", &mut grader());
}

#[test]
fn a_run_gets_bounded_memory() {
    // Time enough to take the memory where nothing bounds it (a few seconds on a slow machine).
    let mut command = grader();
    command.env("GRADER_TIMEOUT", "30");
    let test = "patch_prints_patched";
    let Some((patch, output)) = fails("memory_hog", &[], "ex2", test, &mut command) else {
        return;
    };
    // Where the run has a memory cgroup, the kernel kills it at the run's limit, and the student
    // is told so; elsewhere the address-space limit makes the allocation fail.
    let cgroup = String::from_utf8_lossy(&output.stdout).contains("MiB of memory, at most");
    let said = patch["output"].as_str().unwrap();
    assert!(!cgroup || said.contains("ran out of memory"), "{said}");
}

#[test]
fn a_run_dumps_no_core() {
    // Core files are written by the kernel, not counted among a run's new files: a program that
    // raises RLIMIT_CORE and aborts children would fill the disk with them (red team).
    let defines = ["-DCORES=4".to_owned(), "-DCORE_MIB=4".to_owned()];
    let Some((peek, _)) = fails("core_dumps", &defines, "ex1", "peek_range", &mut grader()) else {
        return;
    };
    let said = peek["output"].as_str().unwrap();
    assert!(
        said.contains("red team: 0 core files") && said.contains("rlimit_core max 0"),
        "{said}"
    );
}

#[test]
fn a_run_makes_a_bounded_number_of_files() {
    // New files, whiteouts left by renameat2, socket files made by bind.
    for define in ["-DFILES", "-DWHITEOUT", "-DBIND"] {
        let defines = [define.to_owned()];
        let Some((copies, _)) = fails("file_hog", &defines, "ex3", "copies_exactly", &mut grader())
        else {
            return;
        };
        if define == "-DFILES" {
            let said = copies["output"].as_str().unwrap();
            assert!(said.contains("made more than 16 files"), "{said}");
        }
    }
}

/// A test's runs share one bound on new files: 15 files in each of peek_range's 5 runs kept 75
/// files of 8 MiB (961 MiB at the peak) in its folder while the bound was a run's (red team).
/// Each run of `disk_per_check.c` says whether it found more than 16 hog files, or had one
/// refused (EDQUOT).
#[test]
fn a_test_s_runs_keep_a_bounded_number_of_files() {
    let Some((peek, _)) = fails("disk_per_check", &[], "ex1", "peek_range", &mut grader()) else {
        return;
    };
    let said = peek["output"].as_str().unwrap();
    assert!(
        said.contains("red team: refused (EDQUOT) with 16 files kept")
            && said.contains("more than 16 files"),
        "{said}"
    );
}

/// 200 busy processes a run (`cpu_hog.c`, graded as ex1) beside the reference ex3, graded with
/// the real time limit: the reference keeps full marks. With the runs' cgroups bounding only
/// memory and processes, the scheduler shared the CPU process by process, and the reference
/// timed out (24/25, red team); each run's group now has one CPU's time at most, and one share.
#[test]
fn a_run_s_busy_processes_leave_the_runs_beside_it_their_share() {
    if !grader::runner::runs_bound_cpu() {
        println!("skipped: no cpu controller for the runs' groups here (the report says so)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spin = ["-DSPIN_SECONDS=600".to_owned()];
    let Some(hog) = compile("cpu_hog", dir.path(), &spin) else {
        return;
    };
    let reference = grader::compile::build(&support::kit_root(), "ex3-solution").unwrap();
    let mut hogging = grader()
        .args(["ex1", "--bin"])
        .arg(format!("ex1={}", hog.display()))
        .env("GRADER_TIMEOUT", "600")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while running(&hog).len() < 100 && started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let busy = running(&hog).len();
    let mut honest = grader();
    honest.env("GRADER_TIMEOUT", "10");
    let (output, json) = grade("ex3", &reference, dir.path(), &mut honest);
    // SAFETY: only sends a signal, to our own child (not yet waited for).
    unsafe { libc::kill(hogging.id() as libc::pid_t, libc::SIGTERM) };
    let _ = hogging.wait();
    assert!(busy >= 100, "the hog never got going: {busy} processes");
    assert!(running(&hog).is_empty(), "the hog outlived its grader");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(
        json["score"].as_u64(),
        Some(u64::from(grader::rubric::points_of("ex3"))),
        "beside {busy} busy processes: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn no_system_v_segment_outlives_a_run() {
    let dir = tempfile::tempdir().unwrap();
    // A key of this test's own, so that two runs of the suite cannot see each other's.
    let key = 0x6d6d_0000 | (std::process::id() & 0xffff) as i32;
    let Some(program) = compile("shm_hog", dir.path(), &[format!("-DKEY={key}")]) else {
        return;
    };
    let (output, json) = grade("ex1", &program, dir.path(), &mut grader());
    // SAFETY: shmget only looks the key up (no IPC_CREAT).
    let left = unsafe { libc::shmget(key, 0, 0) };
    if left >= 0 {
        // SAFETY: removes the segment the program left, so that the test leaves nothing behind.
        unsafe { libc::shmctl(left, libc::IPC_RMID, std::ptr::null_mut()) };
    }
    assert!(
        left < 0,
        "a segment of the run's is still there: {output:?}"
    );
    assert_eq!(test_named(&json, "peek_range")["status"], "failed");
}

#[test]
fn the_huge_sparse_file_cannot_be_filled() {
    fails("sparse_fill", &[], "ex1", "peek_sparse_tib", &mut grader());
}

#[test]
fn failed_forks_are_no_workers() {
    let test = "count_forks_workers_sharing_memory";
    fails("fake_forks", &[], "ex4", test, &mut grader());
}

/// The processes whose program is `program` (by the name of the file they run: the grader may
/// run a staged copy of it).
fn running(program: &Path) -> Vec<u32> {
    let name = program.file_name().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|exe| exe.file_name() == Some(name))
        })
        .collect()
}

/// A grader stopped by Ctrl-C (SIGINT) or by `kill` (SIGTERM) while a program runs that never
/// ends, with a child that left its process group: the programs run in groups of their own,
/// which the terminal's signal does not reach, so without `runner::interrupt` both ran on after
/// the grader, with the check's folder. Now both are stopped, the folder is gone, and the grader
/// exits with 128 + the signal's number.
#[test]
fn an_interrupted_grader_leaves_nothing_running() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let dir = tempfile::tempdir().unwrap();
        let Some(program) = compile("never_ends", dir.path(), &[]) else {
            return;
        };
        let mut command = grader();
        command
            .args(["ex2", "--bin"])
            .arg(format!("ex2={}", program.display()))
            .env("GRADER_TIMEOUT", "60")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        // As a terminal starts it, with the signals at their defaults, whatever this test
        // inherited (a script's background job ignores SIGINT; `nohup`, SIGHUP).
        // SAFETY: runs in the child before exec, and makes only signal(2) calls.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                    libc::signal(signal, libc::SIG_DFL);
                }
                Ok(())
            })
        };
        let mut child = command.spawn().unwrap();
        // Both processes of a run are there: the program and its detached child.
        let started = std::time::Instant::now();
        let folders = loop {
            let pids = running(&program);
            if pids.len() >= 2 {
                let folders: Vec<PathBuf> = pids
                    .iter()
                    .filter_map(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
                    .collect();
                break folders;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the program never started: {pids:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        // SAFETY: only sends a signal, to our own child (not yet waited for).
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        // The grader must end at once; one that does not is killed, and the test fails.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut said = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
        let left = running(&program);
        for &pid in &left {
            // SAFETY: only sends a signal, to a process of the test's program.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        assert!(left.is_empty(), "still running after the grader: {left:?}");
        let status = status.unwrap_or_else(|| panic!("the grader did not stop: {said}"));
        assert_eq!(status.code(), Some(128 + signal), "{said}");
        assert!(said.contains("interrupted"), "{said}");
        for folder in folders {
            assert!(!folder.exists(), "{} was left", folder.display());
        }
    }
}

/// Compiles `red_team/{name}.c` and grades it as `exercise`, by the grader's user and, under
/// root, by an ordinary user: each time the grading ends with a grade (status 1, results written:
/// a grading error writes none), and each rubric test of `wrecked` fails, its output showing the
/// text given. Returns the results of each grading.
fn only_fails(name: &str, exercise: &str, wrecked: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let Some(program) = compile(name, dir.path(), &[]) else {
        return Vec::new();
    };
    // The results go in `dir`, where an ordinary user's grader may write too; its copy of the
    // grader is there, where that user may run it.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let copy = dir.path().join("grader");
    std::fs::copy(support::grader_bin(), &copy).unwrap();
    let mut graders = vec![grader()];
    // SAFETY: geteuid only reads this process's credentials.
    if unsafe { libc::geteuid() } == 0 {
        graders.push(support::as_unprivileged(&copy));
    }
    let mut results = Vec::new();
    for mut command in graders {
        // The last grader's, which the next may not overwrite.
        let _ = std::fs::remove_file(dir.path().join("results.json"));
        let (output, json) = grade(exercise, &program, dir.path(), &mut command);
        assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
        for (test, shows) in wrecked {
            let entry = test_named(&json, test);
            assert_eq!(entry["status"], "failed", "{name}: {entry:#}");
            assert!(
                entry["output"].as_str().unwrap().contains(shows),
                "{name}: {entry:#}"
            );
        }
        results.push(json);
    }
    results
}

/// ex3 copies honestly, then wrecks, in its folder, what the grader does next there
/// (`wrecks_the_graders_files.c`: folders where the grader's cp copied in the speed test, where
/// it makes the next SRC, and the next DST): it fails the tests whose files it wrecked, and the
/// speed test measures it against a cp the program cannot reach.
#[test]
fn a_program_that_wrecks_the_graders_files_only_fails() {
    let wrecked = [
        (
            "copies_odd_sizes",
            "replaced 'src.bin', a file of the grader's, with a folder",
        ),
        (
            "copies_empty_file",
            "cannot open 'full.bin': Is a directory",
        ),
    ];
    for json in only_fails("wrecks_the_graders_files", "ex3", &wrecked) {
        // Measured against cp (on a busy machine it may be too slow, but it is measured).
        let speed = test_named(&json, "as_fast_as_cp");
        assert!(
            speed["status"] == "passed"
                || speed["output"]
                    .as_str()
                    .unwrap()
                    .contains("times cp's time"),
            "{speed:#}"
        );
    }
}

/// ex2 patches honestly, but turns the grader's next file, empty.bin, into a folder first
/// (`wrecks_the_graders_empty_file.c`): the test that patches it fails. (In `patch_past_end`
/// that patch must fail anyway: it is graded too, with no grading error.)
#[test]
fn a_program_that_takes_the_name_of_the_graders_next_file_only_fails() {
    let wrecked = [("patch_empty_text", "'empty.bin'")];
    only_fails("wrecks_the_graders_empty_file", "ex2", &wrecked);
}
