//! The grader run by an ordinary user (an instructor's laptop, a student's `make grade`), where
//! programs run as that same user: a program that signals every process it may (kill(-1)), its
//! parent (the grader) and the processes around it, or changes their limits, priority or CPUs,
//! must harm none of them. Run as root, this test runs the grader as `nobody` (setpriv); run as
//! an ordinary user, as that user.

mod support;

use support::{as_unprivileged, count_after};

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// `count` prints the right total without counting, after trying to kill everything it can.
const KILLER: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    pid_t parent = getppid();
    kill(-1, SIGKILL);
    kill(parent, SIGKILL);
    for (pid_t p = 2; p < 65536; p++) if (p != getpid()) kill(p, SIGSTOP);
    if (argc == 4 && strcmp(argv[1], "count") == 0) {
        printf("%llu\n", strtoull(argv[2], 0, 10) * strtoull(argv[3], 0, 10));
        return 0;
    }
    fprintf(stderr, "ex4: usage\n");
    return 2;
}
"#;

/// Compiles the C program `source` into `dir`/`name`; `None` where there is no C compiler.
fn compile(dir: &Path, name: &str, source: &str) -> Option<std::path::PathBuf> {
    let file = dir.join(format!("{name}.c"));
    std::fs::write(&file, source).unwrap();
    compile_file(dir, name, &file, &[])
}

/// Compiles the C file `file` into `dir`/`name`; `None` where there is no C compiler.
fn compile_file(
    dir: &Path,
    name: &str,
    file: &Path,
    defines: &[&str],
) -> Option<std::path::PathBuf> {
    let binary = dir.join(name);
    match Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&binary)
        .args(defines)
        .arg(file)
        .status()
    {
        Ok(status) => assert!(status.success(), "{name}.c does not compile"),
        Err(_) => {
            println!("skipped: no C compiler (`cc`) to build the hostile program");
            return None;
        }
    }
    Some(binary)
}

/// A copy of the grader in `dir`, and a folder `name` there that anybody may write in (the
/// unprivileged grader's output or work folder).
fn grader_and_folder(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let grader = dir.join("grader");
    std::fs::copy(support::grader_bin(), &grader).unwrap();
    let folder = dir.join(name);
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    (grader, folder)
}

#[test]
fn a_program_cannot_kill_the_grader_or_its_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(killer) = compile(dir.path(), "killer", KILLER) else {
        return;
    };
    if grader::runner::landlock::abi() < 6 {
        println!(
            "skipped: Landlock ABI {} has no signal scoping (ABI 6, Linux 6.12); as an ordinary \
             user, programs could signal the grader here (the report says so)",
            grader::runner::landlock::abi()
        );
        return;
    }
    let (grader, results) = grader_and_folder(dir.path(), "out");
    // A neighbour of the same user, which kill(-1) would reach without the sandbox.
    let mut neighbour = as_unprivileged(Path::new("/bin/sleep"))
        .arg("120")
        .spawn()
        .unwrap();

    let graded = as_unprivileged(&grader)
        .args(["ex4", "--bin"])
        .arg(format!("ex4={}", killer.display()))
        .arg("--json")
        .arg(results.join("results.json"))
        .env("GRADER_TIMEOUT", "5")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let alive = neighbour.try_wait().unwrap().is_none();
    let _ = neighbour.kill();
    let _ = neighbour.wait();
    let stdout = String::from_utf8_lossy(&graded.stdout);
    assert_eq!(
        graded.status.code(),
        Some(1),
        "the grader was not left to finish: {:?}\n{stdout}{}",
        graded.status,
        String::from_utf8_lossy(&graded.stderr)
    );
    assert!(
        alive,
        "the program killed a process of its user outside its run"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("results.json")).unwrap())
            .unwrap();
    let max = grader::rubric::points_of("ex4");
    assert!(json["score"].as_u64().unwrap() < u64::from(max), "{json:#}");
    assert!(
        stdout.lines().last().unwrap().starts_with("Score: "),
        "{stdout}"
    );
}

/// Makes folders its user may not list or enter, with a file inside, then fails.
const HIDER: &str = r#"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    mkdir("keep", 0300);
    mkdir("keep/inner", 0);
    close(open("keep/data", O_CREAT | O_WRONLY, 0600));
    return 1;
}
"#;

#[test]
fn a_folder_a_program_locks_is_still_removed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(hider) = compile(dir.path(), "hider", HIDER) else {
        return;
    };
    // The checks' folders go in `work`, where the test can see what is left.
    let (grader, work) = grader_and_folder(dir.path(), "work");
    let graded = as_unprivileged(&grader)
        .args(["ex1", "--bin"])
        .arg(format!("ex1={}", hider.display()))
        .env("TMPDIR", &work)
        .env("GRADER_TIMEOUT", "5")
        .output()
        .unwrap();
    assert_eq!(graded.status.code(), Some(1), "{graded:?}");
    let left: Vec<_> = std::fs::read_dir(&work).unwrap().flatten().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// What the kernel would let a process of the same user change in process `pid`: its nice value,
/// CPU time and file size limits, CPUs, scheduling policy and I/O priority, as /proc shows them.
fn reachable_state(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name (which may hold spaces): nice is the 19th field of the
    // line, the policy the 41st.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let mut state = vec![
        format!("nice {}", fields[16]),
        format!("policy {}", fields[38]),
    ];
    state.extend(
        limits
            .lines()
            .filter(|l| l.starts_with("Max cpu time") || l.starts_with("Max file size"))
            .map(String::from),
    );
    state.extend(
        status
            .lines()
            .filter(|l| l.starts_with("Cpus_allowed_list"))
            .map(String::from),
    );
    // SAFETY: ioprio_get(IOPRIO_WHO_PROCESS, pid) only reads.
    let ioprio = unsafe { libc::syscall(libc::SYS_ioprio_get, 1, pid) };
    state.push(format!("ioprio {ioprio}"));
    state
}

/// An ordinary user grades a hostile ex1 (`red_team/reaches_other_processes.c`: it tries to
/// renice, limit and pin every process of its user, the grader, and the pids around it) while
/// an honest submission (the C versions of `foreign/`) is graded beside it by the same user:
/// both gradings finish, the honest one with full marks, the hostile one's failures name the
/// refused call, no process is changed, and nothing is left in the work folder.
#[test]
fn a_program_cannot_renice_limit_or_pin_the_grader_or_its_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let sources = support::kit_root().join("grader/tests");
    let Some(hostile) = compile_file(
        dir.path(),
        "reaches",
        &sources.join("red_team/reaches_other_processes.c"),
        &[],
    ) else {
        return;
    };
    let honest: Vec<String> = grader::rubric::EXERCISES
        .iter()
        .map(|exercise| {
            let source = sources.join(format!("foreign/{exercise}.c"));
            let binary = compile_file(dir.path(), exercise, &source, &[]).unwrap();
            format!("{exercise}={}", binary.display())
        })
        .collect();
    let (grader, results) = grader_and_folder(dir.path(), "out");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o777)).unwrap();
    // A neighbour of the same user, its pid next to the graders'.
    let mut neighbour = as_unprivileged(Path::new("/bin/sleep"))
        .arg("300")
        .spawn()
        .unwrap();
    let before = (
        reachable_state(neighbour.id()),
        reachable_state(std::process::id()),
    );
    // Grades each `EXERCISE=PROGRAM` of `bins`, and only those.
    let grade = |bins: &[String], json: &str| {
        let mut command = as_unprivileged(&grader);
        for bin in bins {
            command
                .arg(bin.split('=').next().unwrap())
                .args(["--bin", bin]);
        }
        command
            .arg("--json")
            .arg(results.join(json))
            .env("TMPDIR", &work)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let fair = grade(&honest, "honest.json");
    let attacker = grade(&[format!("ex1={}", hostile.display())], "hostile.json");
    let (fair, attacker) = (
        fair.wait_with_output().unwrap(),
        attacker.wait_with_output().unwrap(),
    );
    let after = (
        reachable_state(neighbour.id()),
        reachable_state(std::process::id()),
    );
    let _ = neighbour.kill();
    let _ = neighbour.wait();

    let score = |json: &str| -> u64 {
        let text = std::fs::read_to_string(results.join(json)).unwrap_or_default();
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["score"].as_u64())
            .unwrap_or_else(|| panic!("no score in {json}: {text}"))
    };
    let stdout = String::from_utf8_lossy(&attacker.stdout);
    assert_eq!(
        attacker.status.code(),
        Some(1),
        "the hostile program's grader was not left to finish: {:?}\n{stdout}{}",
        attacker.status,
        String::from_utf8_lossy(&attacker.stderr)
    );
    assert_eq!(
        fair.status.code(),
        Some(0),
        "the honest submission's grader, beside it: {:?}\n{}{}",
        fair.status,
        String::from_utf8_lossy(&fair.stdout),
        String::from_utf8_lossy(&fair.stderr)
    );
    let full = grader::rubric::total_points();
    assert_eq!(score("honest.json"), u64::from(full));
    // peek works, bump fails: some of ex1's points, and the failures name the refused call.
    let ex1 = grader::rubric::points_of("ex1");
    let hostile = score("hostile.json");
    assert!(0 < hostile && hostile < u64::from(ex1), "{stdout}");
    assert!(
        stdout.contains("it called setpriority(2), which graded runs refuse"),
        "{stdout}"
    );
    assert_eq!(before, after, "a process of the user was changed");
    let left: Vec<_> = std::fs::read_dir(&work).unwrap().flatten().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A run of four processes that touch 400 MiB each (`red_team/memory_fan.c`), graded by an
/// ordinary user, who has no cgroup to bound a run's memory as a whole (RLIMIT_AS bounds each
/// process: red team 4 took 2 GiB with one run, and nothing stopped a few dozen processes): the
/// grader's watchdog kills the run past a run's bound, and the student is told so, before the
/// program can say how much it touched.
#[test]
fn an_ordinary_users_run_has_bounded_memory() {
    let Some(said) = peek_empty_file_as_an_ordinary_user("memory_fan", &[], None) else {
        return;
    };
    assert!(said.contains("ran out of memory"), "{said}");
    assert!(!said.contains("TOUCHED"), "{said}");
}

/// Red team 6: memory that is no process's resident memory escapes that watchdog: written into
/// in-memory files kept open (1.9 GiB in a run), or queued in socket pairs nobody reads (1 GiB).
/// `red_team/memory_outside_processes.c` tries to hold 768 MiB each way: both calls are refused,
/// and named.
#[test]
fn an_ordinary_users_run_holds_no_memory_outside_its_processes() {
    for (define, call) in [("-DMEMFD", "memfd_create"), ("-DSOCKETS", "socketpair")] {
        let Some(said) =
            peek_empty_file_as_an_ordinary_user("memory_outside_processes", &[define], None)
        else {
            return;
        };
        assert!(!said.contains("HELD"), "{said}");
        assert!(
            said.contains(&format!("it called {call}(2), which graded runs refuse")),
            "{said}"
        );
    }
}

/// Red team 6: where TMPDIR is a tmpfs, the files a run writes into its folder are memory no
/// process holds, and they stay until the test ends: an ordinary user's run kept 2.4 GiB there,
/// past its bound, and the kernel's OOM killer took a bystander. Now they count with the run's
/// processes' memory. `red_team/hoards_files_in_memory.c` writes 720 MiB into six files, graded
/// with TMPDIR in /dev/shm (a tmpfs here): killed past the bound, and told so; the same with
/// each file unlinked and kept open (red team 7: 2 GiB so, in no folder).
#[test]
fn an_ordinary_users_run_on_a_tmpfs_counts_its_files_as_memory() {
    let Some(shm) = roomy_shm() else {
        return;
    };
    for defines in [&[][..], &["-DUNLINKED"]] {
        let tmp = tempfile::tempdir_in(shm).unwrap();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let name = "hoards_files_in_memory";
        let Some(said) = peek_empty_file_as_an_ordinary_user(name, defines, Some(tmp.path()))
        else {
            return;
        };
        assert!(said.contains("ran out of memory"), "{defines:?}: {said}");
        assert!(!said.contains("KEPT"), "{defines:?}: {said}");
    }
}

/// Red team 11: a shared anonymous mapping is a file of the kernel's own tmpfs, and
/// madvise(MADV_DONTNEED) takes its pages out of the process's resident memory without freeing
/// them: an ordinary user's run held 2 GiB so. `red_team/hides_shared_memory.c` hides 768 MiB
/// so, and, with TMPDIR on a tmpfs, in files of its folder it unlinked and closed once mapped:
/// the watchdog counts each file a run maps, and kills it. Red team 12 took the count back with
/// refused mappings of 2^64 - L bytes, whose lengths the sum wrapped around for.
#[test]
fn an_ordinary_users_run_cannot_hide_memory_in_the_files_it_maps() {
    for defines in [&[][..], &["-DTAKEN_BACK"]] {
        let Some(said) = peek_empty_file_as_an_ordinary_user("hides_shared_memory", defines, None)
        else {
            return;
        };
        assert!(said.contains("ran out of memory"), "{defines:?}: {said}");
        assert!(!said.contains("HIDDEN"), "{defines:?}: {said}");
    }
    let Some(shm) = roomy_shm() else {
        return;
    };
    let tmp = tempfile::tempdir_in(shm).unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let said = peek_empty_file_as_an_ordinary_user(
        "hides_shared_memory",
        &["-DIN_A_FILE"],
        Some(tmp.path()),
    )
    .expect("compiled above");
    assert!(said.contains("ran out of memory"), "{said}");
    assert!(!said.contains("HIDDEN"), "{said}");
}

/// Red team 7: each area of a memory map is kernel memory no process's resident memory shows: one
/// mapping split by mprotect into 65,000 areas, in 150 forked processes, took 1.4 GiB of the
/// kernel's past an ordinary user's watchdog. `red_team/splits_its_memory.c` makes 2000 areas
/// in one process: past what the grader reads of a map, and so past the run's bound.
#[test]
fn an_ordinary_users_run_has_a_bounded_memory_map() {
    let Some(said) = peek_empty_file_as_an_ordinary_user("splits_its_memory", &[], None) else {
        return;
    };
    assert!(said.contains("ran out of memory"), "{said}");
}

/// Red team 8: kernel memory no process's resident memory shows, held by an ordinary user's run
/// (`red_team/holds_kernel_objects.c`): empty pipes past the descriptor limit a run had from the
/// grader (800,000 of the machine's open files); file locks (700 MiB, charged to no cgroup, as
/// root too); page tables of untouched memory (770 MiB). Red team 9: page cache locked in memory
/// (mlock: 2 GiB); Landlock rules (640 MiB); the user's pipe pages. Red team 11: seccomp filters
/// of the run's own (666 MiB), message queues left behind, futex tables (1 GiB); red team 12:
/// huge pages. Now a run's process has at most `MAX_OPEN_FILES` descriptors; locks, pipes'
/// growth, filters, message queues, futex tables, huge pages and Landlock calls are refused and
/// named; page tables count; and a run
/// may lock no memory (RLIMIT_MEMLOCK 0).
#[test]
fn an_ordinary_users_run_holds_few_kernel_objects() {
    let Some(said) =
        peek_empty_file_as_an_ordinary_user("holds_kernel_objects", &["-DPIPES"], None)
    else {
        return;
    };
    let pipes = count_after(&said, "PIPES ");
    let bound = grader::runner::MAX_OPEN_FILES / 2;
    assert!(pipes <= bound, "{pipes} pipes, bound {bound}: {said}");
    for (define, call) in [
        ("-DLOCKS", "fcntl"),
        ("-DFLOCK", "flock"),
        ("-DPIPE_SIZE", "fcntl"),
        ("-DFILTERS", "seccomp"),
        ("-DQUEUES", "mq_open"),
        ("-DFUTEX_HASH", "prctl"),
        ("-DHUGE_PAGES", "mmap"),
    ] {
        let said = peek_empty_file_as_an_ordinary_user("holds_kernel_objects", &[define], None)
            .expect("compiled above");
        assert!(
            said.contains(&format!("it called {call}(2), which graded runs refuse")),
            "{define}: {said}"
        );
        assert!(
            ["LOCKS", "GROWN", "FILTERS", "QUEUED", "HASHED", "HUGE PAGE"]
                .iter()
                .all(|held| !said.contains(held)),
            "{define}: {said}"
        );
    }
    let said =
        peek_empty_file_as_an_ordinary_user("holds_kernel_objects", &["-DPAGE_TABLES"], None)
            .expect("compiled above");
    assert!(said.contains("ran out of memory"), "{said}");
    // The queue was not made: none is left behind (the kernel made it before Landlock refused to
    // open it, red team 11).
    let name = std::ffi::CString::new("/mmap-lab-red-team").unwrap();
    // SAFETY: a NUL-terminated name that lives for the call.
    let removed = unsafe { libc::mq_unlink(name.as_ptr()) } == 0;
    assert!(!removed, "a run left a message queue behind");
    let said = peek_empty_file_as_an_ordinary_user("holds_kernel_objects", &["-DMLOCK"], None)
        .expect("compiled above");
    assert_eq!(count_after(&said, "MLOCKED "), 0, "{said}");
    let said = peek_empty_file_as_an_ordinary_user("holds_kernel_objects", &["-DLANDLOCK"], None)
        .expect("compiled above");
    assert!(
        said.contains("it called landlock_create_ruleset(2), which graded runs refuse"),
        "{said}"
    );
}

/// Red team 9: the watchdog is one thread against the run's processes for the CPU: 400 that spin
/// made a pass of it seconds long, and it rested nine times that, while the run held 2 GiB.
/// `red_team/starves_the_watchdog.c` spins 400 processes, then has them take 800 MiB and hold it:
/// the starved watchdog stops the run while it looks, and finds it past its bound.
#[test]
fn an_ordinary_users_run_cannot_starve_its_watchdog() {
    let Some(said) = peek_empty_file_as_an_ordinary_user("starves_the_watchdog", &[], None) else {
        return;
    };
    assert!(said.contains("ran out of memory"), "{said}");
}

/// Red team 7: queued signals and POSIX timers count against the user's RLIMIT_SIGPENDING, which
/// every process of the user shares: an ordinary user's run queued 70,160 signals to itself, and
/// the user's other programs' timer_create failed. `red_team/queues_signals.c` queues until the
/// kernel refuses: now at most a run's limit.
#[test]
fn an_ordinary_users_run_queues_few_signals() {
    let Some(said) = peek_empty_file_as_an_ordinary_user("queues_signals", &[], None) else {
        return;
    };
    let queued = count_after(&said, "QUEUED ");
    let bound = grader::runner::MAX_PENDING_SIGNALS;
    assert!(
        queued <= bound,
        "{queued} signals queued, bound {bound}: {said}"
    );
}

/// /dev/shm, a tmpfs to grade in, where it has 2 GiB free; `None` (saying so) where not.
fn roomy_shm() -> Option<&'static Path> {
    let shm = Path::new("/dev/shm");
    let roomy = grader::runner::disk::free_space(shm).is_some_and(|free| free > 2 << 30);
    if !roomy {
        println!("skipped: no /dev/shm with 2 GiB free to grade in (a tmpfs)");
    }
    roomy.then_some(shm)
}

/// Grades `red_team/{name}.c` (built with `defines`) as ex1 by an ordinary user, with TMPDIR
/// `tmp` (`None`: a folder beside the results), and returns what the report says of its
/// `peek empty.bin`, which failed. `None` where there is no C compiler.
fn peek_empty_file_as_an_ordinary_user(
    name: &str,
    defines: &[&str],
    tmp: Option<&Path>,
) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let source = support::kit_root().join(format!("grader/tests/red_team/{name}.c"));
    let hostile = compile_file(dir.path(), name, &source, defines)?;
    let (grader, results) = grader_and_folder(dir.path(), "out");
    let json_path = results.join(format!("{name}.json"));
    let output = as_unprivileged(&grader)
        .args(["ex1", "--bin"])
        .arg(format!("ex1={}", hostile.display()))
        .arg("--json")
        .arg(&json_path)
        .env("TMPDIR", tmp.unwrap_or(&results))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = std::fs::read_to_string(&json_path).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&json)
        .unwrap_or_else(|_| panic!("no results.json: {stdout}{:?}", output.stderr));
    let entry = json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["extra_data"]["id"]
                .as_str()
                .unwrap()
                .ends_with(".peek_empty_file")
        })
        .unwrap_or_else(|| panic!("no peek_empty_file in {json:#}"));
    let said = entry["output"].as_str().unwrap().to_owned();
    assert_eq!(entry["status"], "failed", "{said}");
    Some(said)
}
