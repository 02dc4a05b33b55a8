//! Attacks a red team found on the grader, each a small C program (`red_team/`) graded through
//! `--bin`: each must be harmless, and must not score what it tried to steal.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Compiles `red_team/{name}.c` into `dir`; `None` where there is no C compiler.
fn compile(name: &str, dir: &Path, defines: &[String]) -> Option<PathBuf> {
    compile_source(&format!("red_team/{name}"), dir, defines)
}

/// Compiles `grader/tests/{source}.c` into `dir`, named as its file; `None` where there is no C
/// compiler.
fn compile_source(source: &str, dir: &Path, defines: &[String]) -> Option<PathBuf> {
    let source = support::kit_root().join(format!("grader/tests/{source}.c"));
    let name = source.file_stem().unwrap().to_str().unwrap().to_owned();
    let binary = dir.join(&name);
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

/// Grades `red_team/{name}.c` as `exercise` and checks that its rubric test `test` failed, naming
/// the refused `call` (as `io_setup(2)`).
fn refused_and_named(name: &str, exercise: &str, test: &str, call: &str) {
    let Some((entry, _)) = fails(name, &[], exercise, test, &mut grader()) else {
        return;
    };
    assert!(
        entry["output"].as_str().unwrap().contains(call),
        "the refused call is named: {entry:#}"
    );
}

#[test]
fn data_moved_by_linux_aio_is_refused() {
    refused_and_named("aio_copy", "ex3", "uses_mappings", "io_setup(2)");
}

/// Red team 10: syslog(2) reads the kernel's log without a capability where
/// kernel.dmesg_restrict is 0. Refused, and named (the kernel's own refusal, where the setting
/// is 1, is not).
#[test]
fn the_kernels_log_is_refused() {
    refused_and_named(
        "reads_the_kernel_log",
        "ex1",
        "peek_empty_file",
        "syslog(2)",
    );
}

/// Red team 11: a run that writes for its whole time limit has the grader read it all, its own
/// CPU (2.5 s in one test). Past what it keeps and `DRAIN_CAP` more (for the whole check: red
/// team 12) the grader closes the pipe: the program's writes fail with EPIPE.
#[test]
fn the_grader_reads_a_bounded_flood_of_output() {
    let Some((peek, _)) = fails(
        "floods_its_output",
        &[],
        "ex1",
        "peek_empty_file",
        &mut grader(),
    ) else {
        return;
    };
    let said = peek["output"].as_str().unwrap();
    assert!(said.contains("then EPIPE"), "{said}");
    let wrote = support::count_after(said, "FLOOD ");
    // What the grader kept and drained, and what the pipe held when it closed.
    let read = grader::runner::DRAIN_CAP + grader::runner::OUTPUT_CAP as u64;
    let bound = (read >> 20) + 1;
    assert!(wrote <= bound, "{wrote} MiB written, bound {bound}: {said}");
}

/// Workers that count in slots of their own move different words when each runs alone; so do
/// they when the parent stores a word that looks like a counter on its way (red team 10), or one
/// worker moves such a word as it counts (red team 11). Workers that resume each other, or an
/// orphan of the run's, while one should run alone are seen to; workers that count privately
/// and add their counts at the end never count alone (red team 13).
#[test]
fn workers_counting_in_slots_of_their_own_do_not_share_a_counter() {
    let test = "count_forks_workers_sharing_memory";
    for defines in [&[][..], &["-DFORGE".to_owned()], &["-DMOVING".to_owned()]] {
        fails("count_in_slots", defines, "ex4", test, &mut grader());
    }
    for define in ["-DRESUMES", "-DPROXY"] {
        let defines = [define.to_owned()];
        let Some((sharing, _)) = fails("count_in_slots", &defines, "ex4", test, &mut grader())
        else {
            return;
        };
        // Seen running while one worker should have run alone, never all stopped at once, or
        // let go to its end (the run resumed) before two workers were seen alone.
        let said = sharing["output"].as_str().unwrap();
        let seen = [
            "the others ran too",
            "did not stop",
            "never saw two of its workers",
        ];
        assert!(seen.iter().any(|s| said.contains(s)), "{define}: {said}");
    }
    let at_end = ["-DAT_END".to_owned()];
    let (sharing, _) = fails("count_in_slots", &at_end, "ex4", test, &mut grader()).unwrap();
    let said = sharing["output"].as_str().unwrap();
    assert!(said.contains("a little at a time"), "{said}");
}

/// Workers that take turns with a non-atomic counter lose nothing however they are jostled (red
/// team 11 had the count tests' points so); run alone, a worker waiting for its turn does not
/// count.
#[test]
fn workers_taking_turns_do_not_count_atomically() {
    let Some((atomic, output)) = fails("takes_turns", &[], "ex4", "count_is_atomic", &mut grader())
    else {
        return;
    };
    let said = atomic["output"].as_str().unwrap();
    assert!(said.contains("ran alone"), "{said}");
    let sharing = grader::rubric::tests_of("ex4")
        .find(|t| t.name == "count_forks_workers_sharing_memory")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{}: FAIL", sharing.title)),
        "{stdout}"
    );
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

/// A whole-file copy made by a child that the program never waits for shows in no rusage of
/// the program's; the grader reaps the child, and its peak is the run's.
#[test]
fn a_copy_by_a_child_never_waited_for_counts() {
    let test = "memory_stays_bounded";
    let Some((memory, _)) = fails("unreaped_copier", &[], "ex3", test, &mut grader()) else {
        return;
    };
    let said = memory["output"].as_str().unwrap();
    assert!(said.contains("MiB of memory at its peak"), "{said}");
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

/// Eight processes that call madvise(2) in a loop (`watched_call_loop.c`): each call waits for
/// the grader's answering thread, whose CPU is outside the run's quota (red team 4: 11 s of the
/// grader's CPU in one test, until the time limit). Past `MAX_WATCHED_CALLS`, or past
/// `MAX_ANSWERING_CPU` of the grader's time, the run's processes are killed at their next call,
/// and the student is told why.
#[test]
fn a_run_s_watched_calls_are_bounded() {
    if !grader::runner::tracing_works() {
        println!("skipped: this machine does not let the grader watch system calls");
        return;
    }
    let mut command = grader();
    command.env("GRADER_TIMEOUT", "60");
    let test = "peek_empty_file";
    let Some((entry, _)) = fails("watched_call_loop", &[], "ex1", test, &mut command) else {
        return;
    };
    let said = entry["output"].as_str().unwrap();
    assert!(
        said.contains("was killed: it made so many watched system calls"),
        "{said}"
    );
    // Killed at its budget, long before its time limit.
    assert!(!said.contains("did not finish within its time"), "{said}");
}

/// fallocate's FALLOC_FL_KEEP_SIZE by ioctl (FS_IOC_RESVSP64, `reserve_by_ioctl.c`, red team 5):
/// 1 GiB of disk for an empty file in each run, the whole of TMPDIR with more. A run may make
/// only a few ioctl requests (is it a terminal, non-blocking, ...); this one is refused, and named.
#[test]
fn disk_reserved_by_ioctl_is_refused() {
    let test = "bump_defaults";
    let Some((entry, _)) = fails("reserve_by_ioctl", &[], "ex1", test, &mut grader()) else {
        return;
    };
    let said = entry["output"].as_str().unwrap();
    assert!(!said.contains("RESERVED"), "{said}");
    assert!(
        said.contains("cannot reserve: Operation not permitted"),
        "{said}"
    );
    if grader::runner::tracing_works() {
        assert!(
            said.contains("it called ioctl(2), which graded runs refuse"),
            "{said}"
        );
    }
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

/// The process ids of this machine.
fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
}

/// Field `field` (counted from 1, as in proc(5)) of /proc/PID/stat, from the state on.
fn stat_field(pid: u32, field: usize) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command's name, in parentheses (which may hold spaces and parentheses itself).
    let (_, after) = stat.rsplit_once(')')?;
    after
        .split_whitespace()
        .nth(field.checked_sub(3)?)?
        .parse()
        .ok()
}

/// The parent of process `pid`.
fn parent_of(pid: u32) -> Option<u32> {
    stat_field(pid, 4)
}

/// The file process `pid` runs, by device and inode, if its name is `program`'s. Found through
/// /proc/PID/exe, which reaches the file even once it is deleted (the link then reads
/// "... (deleted)", which a match on the name alone misses: the grader deletes the copy it ran).
fn runs(pid: u32, program: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let exe = format!("/proc/{pid}/exe");
    let link = std::fs::read_link(&exe).ok()?;
    let link = link.to_str()?;
    let name = link.strip_suffix(" (deleted)").unwrap_or(link);
    if Path::new(name).file_name() != program.file_name() {
        return None;
    }
    let file = std::fs::metadata(&exe).ok()?;
    Some((file.dev(), file.ino()))
}

/// The descendants of process `root` that run `program` (or a copy of it, named as it is), with
/// the file each runs.
fn descendants_running(root: u32, program: &Path) -> Vec<(u32, (u64, u64))> {
    let parents: Vec<(u32, u32)> = pids()
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut tree = vec![root];
    let mut found = Vec::new();
    while let Some(parent) = tree.pop() {
        for &(pid, _) in parents.iter().filter(|(_, p)| *p == parent) {
            tree.push(pid);
            if let Some(file) = runs(pid, program) {
                found.push((pid, file));
            }
        }
    }
    found
}

/// Every process of the machine that runs one of `files` (device and inode, see `runs`),
/// wherever it is now: a leftover has the init process for its parent once its grader is gone.
fn still_running(files: &[(u64, u64)], program: &Path) -> Vec<u32> {
    pids()
        .filter(|&pid| runs(pid, program).is_some_and(|file| files.contains(&file)))
        .collect()
}

/// A grader stopped by Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT) or by `kill` (SIGTERM) while a program
/// runs that never ends, with a child that tries to leave its process group: the programs run in groups of their own,
/// which the terminal's signal does not reach, so without `runner::interrupt` both ran on after
/// the grader, with the check's folder. Now both are stopped, the folder is gone, and the grader
/// exits with 128 + the signal's number.
#[test]
fn an_interrupted_grader_leaves_nothing_running() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGQUIT] {
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
                for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                    libc::signal(signal, libc::SIG_DFL);
                }
                Ok(())
            })
        };
        let mut child = command.spawn().unwrap();
        // Both processes of a run are there: the program and its child (which tried to leave
        // the program's process group with setsid, refused in graded runs). What they run (the
        // grader's copy of the program) is how they are known after the grader, when they are no
        // longer its descendants and the copy is deleted.
        let started = std::time::Instant::now();
        let (files, folders) = loop {
            let pids = descendants_running(child.id(), &program);
            if pids.len() >= 2 {
                let folders: Vec<PathBuf> = pids
                    .iter()
                    .filter_map(|(pid, _)| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
                    .collect();
                let files: Vec<(u64, u64)> = pids.iter().map(|(_, file)| *file).collect();
                break (files, folders);
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
        let left = still_running(&files, &program);
        // Each as /proc shows it (its parent, group, session...), before it is killed.
        let shown: Vec<String> = left
            .iter()
            .map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
            .collect();
        for &pid in &left {
            // SAFETY: only sends a signal, to a process of the test's program.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        assert!(
            left.is_empty(),
            "still running after the grader (signal {signal}): {shown:#?}"
        );
        let status = status.unwrap_or_else(|| panic!("the grader did not stop: {said}"));
        assert_eq!(status.code(), Some(128 + signal), "{said}");
        assert!(said.contains("interrupted"), "{said}");
        for folder in folders {
            assert!(!folder.exists(), "{} was left", folder.display());
        }
    }
}

/// The grader, run by this test's user and, under root, by an ordinary user. The results go in
/// `dir`, where an ordinary user's grader may write too; its copy of the grader is there, where
/// that user may run it.
fn graders(dir: &Path) -> Vec<Command> {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let copy = dir.join("grader");
    std::fs::copy(support::grader_bin(), &copy).unwrap();
    let mut graders = vec![grader()];
    // SAFETY: geteuid only reads this process's credentials.
    if unsafe { libc::geteuid() } == 0 {
        graders.push(support::as_unprivileged(&copy));
    }
    graders
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
    let mut results = Vec::new();
    for mut command in graders(dir.path()) {
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

/// Red team 3: socket(2) was refused, but socketpair(2) made datagram sockets, and one of them
/// connected to (or sent to) any datagram socket by path, outside the run (syslog's /dev/log, a
/// journal, anyone's in /tmp), as root's runs and an ordinary user's. Here a datagram socket of
/// the test's, mode 0777, in a folder every user may pass: with the defence, no datagram reaches
/// it, and the refused call is named.
#[test]
fn a_run_reaches_no_datagram_socket_outside_it() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("neighbour.sock");
    let neighbour = UnixDatagram::bind(&path).unwrap();
    neighbour.set_nonblocking(true).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    let define = format!("-DSOCK=\"{}\"", path.display());
    let Some(program) = compile("dgram_send", dir.path(), &[define]) else {
        return;
    };
    for mut command in graders(dir.path()) {
        let _ = std::fs::remove_file(dir.path().join("results.json"));
        let (output, json) = grade("ex1", &program, dir.path(), &mut command);
        let mut reached = Vec::new();
        let mut datagram = [0u8; 256];
        while let Ok(n) = neighbour.recv(&mut datagram) {
            reached.push(String::from_utf8_lossy(&datagram[..n]).into_owned());
        }
        assert!(
            reached.is_empty(),
            "{} datagrams reached the neighbour, the first: {:?}\n{output:?}",
            reached.len(),
            reached.first()
        );
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let bump = test_named(&json, "bump_defaults");
        let said = bump["output"].as_str().unwrap();
        assert!(
            said.contains("socketpair(2), which graded runs refuse")
                && said.contains("datagram pair: socketpair: Operation not permitted"),
            "{said}"
        );
    }
}

/// Red team 3: RLIMIT_FSIZE bounds a file's size, but fallocate(2) with FALLOC_FL_KEEP_SIZE
/// reserves blocks past the end without changing it: on ext4, 1 GiB of disk for a file of 0
/// bytes (and, repeated, a full disk: the grading errors of a neighbour, or of the program's own
/// other tests). With the defence the call is refused and named, and the file holds no more
/// than a file may (st_blocks, as the program reports it).
#[test]
fn fallocate_keeping_the_size_takes_no_disk() {
    let dir = tempfile::tempdir().unwrap();
    let Some(program) = compile("keep_size", dir.path(), &[]) else {
        return;
    };
    for mut command in graders(dir.path()) {
        let _ = std::fs::remove_file(dir.path().join("results.json"));
        let (output, json) = grade("ex1", &program, dir.path(), &mut command);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let bump = test_named(&json, "bump_defaults");
        let said = bump["output"].as_str().unwrap();
        let disk: u64 = said
            .split_once("size 0, disk ")
            .and_then(|(_, rest)| rest.split_once(" MiB"))
            .and_then(|(mib, _)| mib.parse().ok())
            .unwrap_or_else(|| panic!("no report of the file's disk: {said}"));
        // The bound of a file, as the grader's report of its sandbox states it.
        let stdout = String::from_utf8_lossy(&output.stdout);
        let bound: u64 = stdout
            .split_once("each file at most ")
            .and_then(|(_, rest)| rest.split_once(" MiB"))
            .and_then(|(mib, _)| mib.parse().ok())
            .unwrap_or_else(|| panic!("no bound of a file in the report: {stdout}"));
        assert!(
            disk <= bound,
            "{disk} MiB of disk for an empty file: {said}"
        );
        assert!(
            said.contains("fallocate(2), which graded runs refuse"),
            "{said}"
        );
    }
}

/// Red team 3: a run inherited the grader's RLIMIT_RTPRIO and RLIMIT_NICE (an ordinary user's
/// from limits.d): with them, it may make itself SCHED_FIFO and spin, starving the machine (a
/// cgroup's cpu.max does not bound real-time tasks), or raise its priority over the grader's.
/// Here the grader is given both limits (where this test may raise them: CAP_SYS_RESOURCE) and
/// runs at nice -5 (where it may: CAP_SYS_NICE, which root has where it lacks the other): its
/// runs get neither limit, SCHED_FIFO and nice -20 fail, and they run at nice 0 or more.
#[test]
fn a_run_gets_no_real_time_priority_from_the_graders_limits() {
    let mut command = grader();
    // SAFETY: runs in the child before exec, and makes only setrlimit(2) and setpriority(2)
    // calls, on the grader-to-be itself.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            let high = libc::rlimit {
                rlim_cur: 99,
                rlim_max: 99,
            };
            // Each fails without its capability: the run's value is then the default anyway.
            libc::setrlimit(libc::RLIMIT_RTPRIO, &high);
            libc::setrlimit(libc::RLIMIT_NICE, &high);
            libc::setpriority(libc::PRIO_PROCESS, 0, -5);
            Ok(())
        })
    };
    let Some((bump, _)) = fails("realtime", &[], "ex1", "bump_defaults", &mut command) else {
        return;
    };
    let said = bump["output"].as_str().unwrap();
    assert!(
        said.contains("rlimit_rtprio=0 rlimit_nice=0")
            && said.contains("SCHED_FIFO:Operation not permitted policy now 0")
            && said.contains("nice -20:Permission denied"),
        "{said}"
    );
    let nice: i32 = said
        .split_once("nice now ")
        .and_then(|(_, rest)| rest.split(|c: char| c != '-' && !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no report of the run's nice value: {said}"));
    assert!(nice >= 0, "the run ran at nice {nice}: {said}");
}

/// Red team 3: root graders that do not share /tmp (two containers, two CI jobs on one host)
/// leased the same uids (a pool from a fixed base, locked in /tmp), and a folder of leases that
/// another user made first had every check of every grader run as one shared uid; with a
/// process limit (RLIMIT_NPROC) of 512 a uid, a hostile ex1 that holds 511 processes made an
/// honest grader's runs fail to start: `Score: none`. Here two such "containers" (private /tmp
/// and /run, the folder made first by `nobody` in each), the hostile one holding its processes
/// while the honest one grades: the honest one gets full marks. Once with cgroups (a run's pids
/// group bounds it, and no RLIMIT_NPROC is set), once with /sys/fs/cgroup hidden (then each run
/// has RLIMIT_NPROC, and only uids of their own keep the graders apart).
#[test]
fn graders_in_two_containers_share_no_process_limit() {
    // SAFETY: geteuid only reads this process's credentials.
    if unsafe { libc::geteuid() } != 0 {
        println!("skipped: only root leases uids (and may make a container)");
        return;
    }
    // Outside /tmp, which each container replaces.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let defines = ["-DHOLD=511".to_owned(), "-DSECONDS=3".to_owned()];
    let Some(hostile) = compile("hold_processes", dir.path(), &defines) else {
        return;
    };
    let honest = compile_source("foreign/ex1", dir.path(), &[]).unwrap();
    for hide_cgroups in ["", "mount -t tmpfs tmpfs /sys/fs/cgroup && "] {
        let contained = |program: &Path, json: &str| {
            let tmp = "mount -t tmpfs tmpfs /tmp && chmod 1777 /tmp && \
                       setpriv --reuid=65534 --regid=65534 --clear-groups -- \
                       mkdir -m 755 /tmp/mmap-lab-grader-uids";
            let mut command = in_a_container(hide_cgroups, tmp, dir.path());
            command
                .arg(support::grader_bin())
                .args(["ex1", "--bin"])
                .arg(format!("ex1={}", program.display()))
                .arg("--json")
                .arg(dir.path().join(json))
                .env("GRADER_TIMEOUT", "8")
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            command
        };
        let mut hostile_grader = contained(&hostile, "hostile.json").spawn().unwrap();
        while running(&hostile).len() < 400 {
            if hostile_grader.try_wait().unwrap().is_some() {
                let out = hostile_grader.wait_with_output().unwrap();
                if String::from_utf8_lossy(&out.stderr).contains("mount") {
                    println!("skipped: no private mounts here: {out:?}");
                    return;
                }
                panic!("the hostile program never held its processes: {out:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let output = contained(&honest, "honest.json").output().unwrap();
        // The hostile grader has shown what it can do: it stops (SIGTERM: it ends its runs)
        // rather than grade on. (`unshare` and `sh` exec the grader: it has the child's pid.)
        // SAFETY: only sends a signal, to our own child (not yet waited for).
        unsafe { libc::kill(hostile_grader.id() as libc::pid_t, libc::SIGTERM) };
        let hostile_output = hostile_grader.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{stdout}\nthe hostile grader's: {}",
            String::from_utf8_lossy(&hostile_output.stdout)
        );
        let hidden = !hide_cgroups.is_empty();
        assert_eq!(stdout.contains("cgroups: none"), hidden, "{stdout}");
        let json = std::fs::read_to_string(dir.path().join("honest.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let max = u64::from(grader::rubric::points_of("ex1"));
        assert_eq!(json["score"].as_u64(), Some(max), "{stdout}");
    }
}

/// A command that runs the program given after it (`.arg(program).args(..)`) in a container of
/// its own, as root: a private mount namespace where `setup` ran first (`""`, or commands ending
/// in `&&`), then `mount_tmp` put a new file system on /tmp (mode 1777 after it). The kit, the
/// grader and `dir` may themselves be under /tmp (a clone in a temporary folder): each is bound
/// again at its path in the new /tmp.
fn in_a_container(setup: &str, mount_tmp: &str, dir: &Path) -> Command {
    let mut command = Command::new("unshare");
    command
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "{setup}mount -t tmpfs tmpfs /run && chmod 755 /run && \
             for k in 0 1 2; do eval p=\\$KEEP$k; mkdir /run/keep$k && \
             mount --bind \"$p\" /run/keep$k || exit 1; done && \
             {mount_tmp} && chmod 1777 /tmp && \
             for k in 0 1 2; do eval p=\\$KEEP$k; mkdir -p \"$p\" && \
             mount --bind /run/keep$k \"$p\" || exit 1; done && exec \"$@\""
        ))
        .env("KEEP0", support::kit_root())
        .env("KEEP1", support::grader_bin().parent().unwrap())
        .env("KEEP2", dir)
        .arg("sh");
    command
}

/// Red team 5: on a TMPDIR smaller than what tests side by side may keep (16 files of 256 MiB
/// each), a run that filled it within the bounds made the grader's next fixture fail to be
/// written: `Score: none` at will (a grading error in the student's own grading), and in a batch,
/// another student's program failing. Now each test holds its worst case of TMPDIR's free space,
/// tests run one at a time where it is small, and a grader's step that finds the file system full
/// after the test's program ran is that program's failure. `fills_a_small_tmpdir.c` copies
/// honestly and then fills its folder, on a /tmp of its own of 2 GiB (an ext4 with no blocks
/// kept for root, as a tmpfs keeps none), graded by root and by an ordinary user: a grade, with
/// the test whose fixture it made impossible failed; the honest program beside it, full marks.
#[test]
fn a_run_that_fills_a_small_tmpdir_only_fails() {
    // SAFETY: geteuid only reads this process's credentials.
    if unsafe { libc::geteuid() } != 0 {
        println!("skipped: only root may mount a small file system on /tmp");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(hostile) = compile("fills_a_small_tmpdir", dir.path(), &[]) else {
        return;
    };
    let honest = compile_source("foreign/ex3", dir.path(), &[]).unwrap();
    let image = tempfile::NamedTempFile::new_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    image.as_file().set_len(2 << 30).unwrap();
    let made = Command::new("mkfs.ext4")
        .args(["-q", "-F", "-m", "0"])
        .arg(image.path())
        .output();
    if !made.as_ref().is_ok_and(|out| out.status.success()) {
        println!("skipped: no mkfs.ext4 here to make a small file system: {made:?}");
        return;
    }
    let max = u64::from(grader::rubric::points_of("ex3"));
    for grader in graders(dir.path()) {
        for (program, hostile) in [(&hostile, true), (&honest, false)] {
            let json = dir.path().join("results.json");
            let _ = std::fs::remove_file(&json);
            let mount = format!("mount -o loop '{}' /tmp", image.path().display());
            let output = in_a_container("", &mount, dir.path())
                .arg(grader.get_program())
                .args(grader.get_args())
                .args(["ex3", "--bin"])
                .arg(format!("ex3={}", program.display()))
                .arg("--json")
                .arg(&json)
                .env("GRADER_TIMEOUT", "10")
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            if String::from_utf8_lossy(&output.stderr).contains("mount") {
                println!("skipped: no loop device or private mounts here: {output:?}");
                return;
            }
            assert!(stdout.contains("tests run one at a time"), "{output:?}");
            let results = std::fs::read_to_string(&json).unwrap_or_default();
            if hostile {
                assert_eq!(output.status.code(), Some(1), "{output:?}");
                assert!(
                    test_named(&results, "copies_odd_sizes")["output"]
                        .as_str()
                        .unwrap()
                        .contains("the program's files filled TMPDIR's file system"),
                    "{stdout}"
                );
            } else {
                assert_eq!(output.status.code(), Some(0), "{output:?}");
                let results: serde_json::Value = serde_json::from_str(&results).unwrap();
                assert_eq!(results["score"].as_u64(), Some(max), "{stdout}");
            }
        }
    }
}

/// Red team 4: the ledger of a test's files counted the files that were new in a run's folders by
/// inode only, and the grader's fixtures were made before the run: ex3 linked (or renamed) the
/// grader's src.bin to a name of its own, wrote into it, and the grader made a new src.bin for
/// its next run, the old one kept uncounted: 20 files (21 by rename) in copies_odd_sizes' folder,
/// past the bound of 16 (`hoard_fixtures.c`, which counts them at its last run). Now a file under
/// a name the grader did not give it is the run's, and a rename is a new name, as a link is.
#[test]
fn a_run_keeps_no_fixture_of_the_graders_past_the_bound() {
    let variants = [
        ["-DMIB=1", "-DOWN=14", ""],
        ["-DMIB=1", "-DOWN=15", "-DRENAME -DEVERY"],
    ];
    for defines in variants {
        let defines: Vec<String> = defines
            .iter()
            .flat_map(|d| d.split_whitespace())
            .map(str::to_owned)
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let Some(program) = compile("hoard_fixtures", dir.path(), &defines) else {
            return;
        };
        for mut command in graders(dir.path()) {
            let _ = std::fs::remove_file(dir.path().join("results.json"));
            let (output, json) = grade("ex3", &program, dir.path(), &mut command);
            assert_eq!(output.status.code(), Some(1), "{output:?}");
            let odd = test_named(&json, "copies_odd_sizes");
            let said = odd["output"].as_str().unwrap();
            let kept = support::count_after(said, "HOARD ");
            let bound = grader::runner::trace::MAX_NEW_FILES as u64;
            assert!(
                kept <= bound,
                "{defines:?}: {kept} files kept in one test, bound {bound}: {said}"
            );
        }
    }
}

/// The grader as an ordinary user (`nobody` under root, this test's user otherwise), in `dir`.
fn unprivileged(dir: &Path) -> Command {
    graders(dir).pop().unwrap()
}

/// Whether the grader's report (its stdout) says its runs have no cgroup.
fn without_cgroups(output: &Output) -> bool {
    String::from_utf8_lossy(&output.stdout).contains("cgroups: none")
}

/// Red team 4: as an ordinary user without a cgroup, a run's RLIMIT_NPROC was the user's
/// process count plus 512, whatever the grader's own soft limit: with `ulimit -Su 300`, ex1
/// forking until fork failed (`hold_user_processes.c`) left the grader (the same user, whose
/// threads count in the same limit) unable to make a thread: 5 grading errors, `Score: none`,
/// exit 3. Now a run stays below the grader's soft limit, less a reserve for the grader: a grade.
/// (One test with `the_users_threads_elsewhere_cost_an_honest_program_nothing`: both load the
/// ordinary user's one process limit, and must not overlap.)
#[test]
fn an_ordinary_users_process_limit_is_shared_fairly() {
    a_run_leaves_its_grader_room_under_the_users_process_limit();
    the_users_threads_elsewhere_cost_an_honest_program_nothing();
}

fn a_run_leaves_its_grader_room_under_the_users_process_limit() {
    // The soft limit of many an ordinary user's (with a desktop's threads held already).
    const LIMIT: u64 = 300;
    let dir = tempfile::tempdir().unwrap();
    let hold = ["-DHOLD=2".to_owned()];
    let Some(program) = compile("hold_user_processes", dir.path(), &hold) else {
        return;
    };
    let mut command = unprivileged(dir.path());
    // SAFETY: runs in the child before exec, and makes only getrlimit(2) and setrlimit(2) calls,
    // lowering its own soft limit (as `ulimit -Su 300` does).
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_NPROC, &mut limit);
            limit.rlim_cur = LIMIT.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NPROC, &limit);
            Ok(())
        })
    };
    let (output, json) = grade("ex1", &program, dir.path(), &mut command);
    if !without_cgroups(&output) {
        println!("skipped: the ordinary user's runs have a cgroup here (no RLIMIT_NPROC)");
        return;
    }
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let peek = test_named(&json, "peek_empty_file");
    let said = peek["output"].as_str().unwrap();
    let forked: u64 = said
        .split_once("FORKED ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of its processes: {said}"));
    assert!(
        forked < LIMIT,
        "{forked} processes, past the user's {LIMIT}"
    );
}

/// Red team 4: RLIMIT_NPROC counts a user's threads, but the grader counted its processes: with
/// 1000 threads held elsewhere by the same ordinary user (a browser; `many_threads.c`), the honest
/// ex2 and ex4 (the C versions) lost points, each failure "cannot fork", booked as the student's
/// (ex2 17/25, ex4 12/25). Now the grader counts tasks, for each run: full marks.
fn the_users_threads_elsewhere_cost_an_honest_program_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(threads) = compile("many_threads", dir.path(), &["-pthread".to_owned()]) else {
        return;
    };
    let honest: Vec<PathBuf> = ["ex2", "ex4"]
        .iter()
        .map(|exercise| compile_source(&format!("foreign/{exercise}"), dir.path(), &[]).unwrap())
        .collect();
    let mut holder = support::as_unprivileged(&threads)
        .args(["1000", "120"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It says how many threads it made once it holds them.
    let mut said = String::new();
    let mut stderr = std::io::BufReader::new(holder.stderr.take().unwrap());
    std::io::BufRead::read_line(&mut stderr, &mut said).unwrap();
    for (exercise, honest) in ["ex2", "ex4"].into_iter().zip(&honest) {
        let _ = std::fs::remove_file(dir.path().join("results.json"));
        // After the compiling: it opens `dir` to the ordinary user, for its results.
        let mut command = unprivileged(dir.path());
        let (output, json) = grade(exercise, honest, dir.path(), &mut command);
        if !without_cgroups(&output) {
            println!("skipped: the ordinary user's runs have a cgroup here (no RLIMIT_NPROC)");
            break;
        }
        let json: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let max = u64::from(grader::rubric::points_of(exercise));
        assert_eq!(
            json["score"].as_u64(),
            Some(max),
            "beside {said}{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let _ = holder.kill();
    let _ = holder.wait();
    assert!(said.starts_with("1000 threads"), "{said}");
}

/// Red team 4: without a cgroup, a run's memory is bounded per process only (`memory_fan.c`: 2 GiB
/// for one run of 3 processes, as an ordinary user), and the OOM killer chose by size among all
/// of the user's processes. Each run now asks to be its first choice: the score of `oom_score.c`'s
/// `bump` runs, read while they wait, as root's runs and an ordinary user's.
#[test]
fn a_run_is_the_oom_killers_first_choice() {
    let dir = tempfile::tempdir().unwrap();
    let Some(program) = compile("oom_score", dir.path(), &[]) else {
        return;
    };
    for mut command in graders(dir.path()) {
        let mut grading = command
            .args(["ex1", "--bin"])
            .arg(format!("ex1={}", program.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let scores = loop {
            let scores: Vec<String> = running(&program)
                .iter()
                .filter_map(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj")).ok()
                })
                .map(|score| score.trim().to_owned())
                .collect();
            if !scores.is_empty() || started.elapsed() > std::time::Duration::from_secs(60) {
                break scores;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let _ = grading.wait();
        assert!(!scores.is_empty(), "no run of bump seen");
        assert!(scores.iter().all(|s| s == "1000"), "{scores:?}");
    }
}

/// Red team 10: a grader killed by SIGKILL (a cancelled CI job, the OOM killer) kills none of its
/// runs, and their processes lived on, as root and as an ordinary user; the next grader removed
/// the dead one's folders and left them. `outlives_a_killed_grader.c` leaves two sleepers in each
/// run, which wake when the grader is gone; the next grader of the same user (here only asked
/// for its usage, as every start of the grader cleans up) kills them.
#[test]
fn a_killed_graders_runs_die_when_the_next_grader_starts() {
    let dir = tempfile::tempdir().unwrap();
    let Some(program) = compile("outlives_a_killed_grader", dir.path(), &[]) else {
        return;
    };
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    for (mut killed, mut next) in graders(dir.path()).into_iter().zip(graders(dir.path())) {
        let mut grading = killed
            .args(["ex1", "--bin"])
            .arg(format!("ex1={}", program.display()))
            .env("TMPDIR", &tmp)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // A run's program and at least one of its sleepers.
        let started = std::time::Instant::now();
        let files: Vec<(u64, u64)> = loop {
            let running = descendants_running(grading.id(), &program);
            if running.len() >= 2 {
                break running.iter().map(|(_, file)| *file).collect();
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(120),
                "the program never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        grading.kill().unwrap();
        grading.wait().unwrap();
        let left = still_running(&files, &program);
        assert!(!left.is_empty(), "no run outlived the grader");
        let next = next.arg("--help").env("TMPDIR", &tmp).output().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut still = still_running(&files, &program);
        while !still.is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            still = still_running(&files, &program);
        }
        for &pid in &still {
            // SAFETY: only sends a signal, to a process of the test's program.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        assert!(
            still.is_empty(),
            "{} of the killed grader's {} leftovers lived past the next grader's start: {next:?}",
            still.len(),
            left.len()
        );
    }
}
