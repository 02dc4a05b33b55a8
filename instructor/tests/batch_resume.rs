//! A batch loses nothing when the grader dies: a batch killed with SIGKILL once its first student
//! is graded, then run again with the same command, grades only the students it had not graded,
//! with the seed it had, and ends with the gradebook of an uninterrupted batch; and nothing the
//! dead grader made in TMPDIR (kit copies, checks' folders) is left once the next one has run.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A class of three, graded one at a time in name order (the first is graded when the grader is
/// killed, the second is being graded).
fn class(dir: &Path) -> PathBuf {
    let class = dir.join("class");
    support::perfect_submission(&class.join("a-perfect"));
    support::broken_submission(&class.join("b-broken"));
    support::stub_submission(&class.join("c-untouched"));
    class
}

/// A TMPDIR of the test's own, that a run's user may pass through under root (as /tmp), so
/// that the grader makes everything of its in it.
fn own_tmpdir(dir: &Path) -> PathBuf {
    let tmp = dir.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o711)).unwrap();
    tmp
}

fn batch(class: &Path, out: &Path, tmp: &Path, options: &[&str]) -> Command {
    let mut options = options.to_vec();
    options.extend(["--jobs", "1"]);
    let mut command = support::batch_command(class, out, &options);
    command.env("TMPDIR", tmp);
    command
}

/// Everything under `dir`, two levels deep: the grader's own folder and what is in it.
fn entries(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            for inner in std::fs::read_dir(entry.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                found.push(format!("{name}/{}", inner.file_name().to_string_lossy()));
            }
        }
        found.push(name);
    }
    found
}

/// The seed the batch announced (`seed N: --seed N repeats it`).
fn seed_of(stderr: &str) -> String {
    let at = stderr.find("(seed ").expect("the batch names its seed") + "(seed ".len();
    stderr[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .to_owned()
}

/// When the file was last changed, and which file it is.
fn identity(path: &Path) -> (u64, i64, i64) {
    let meta = std::fs::metadata(path).unwrap();
    (meta.ino(), meta.mtime(), meta.mtime_nsec())
}

#[test]
fn a_batch_killed_half_way_resumes_where_it_stopped() {
    // The dead grader's runs come to this test (not to init) and are reaped by it.
    // SAFETY: sets an attribute of this test process only.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let dir = tempfile::tempdir().unwrap();
    let class = class(dir.path());
    let tmp = own_tmpdir(dir.path());
    let out = dir.path().join("out");
    let log = dir.path().join("killed.log");

    // Killed once the first student is graded and the second is being graded.
    let mut killed = batch(&class, &out, &tmp, &[])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let first = out.join("a-perfect");
    let started = Instant::now();
    // The second student's kit copy is made, and one of its checks' folders (the checks of its
    // three perfect exercises last seconds).
    let grading_second = || {
        let made = entries(&tmp);
        first.join("graded-with.txt").exists()
            && made.iter().any(|e| e.contains("kit-"))
            && made.iter().any(|e| e.contains("grade-ex"))
    };
    while !grading_second() {
        assert!(
            killed.try_wait().unwrap().is_none(),
            "the batch ended before it could be killed: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no student graded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    killed.kill().unwrap();
    killed.wait().unwrap();
    let seed = seed_of(&std::fs::read_to_string(&log).unwrap());
    assert!(
        !out.join("grades.csv").exists(),
        "killed after its gradebook"
    );
    assert!(
        !out.join("b-broken/graded-with.txt").exists(),
        "killed after the second student was graded"
    );
    let left = entries(&tmp);
    assert!(
        left.iter().any(|e| e.contains("kit-")) && left.iter().any(|e| e.contains("grade-ex")),
        "the killed grader left nothing to remove: {left:?}"
    );
    let graded_before = [
        identity(&first.join("report.txt")),
        identity(&first.join("graded-with.txt")),
    ];

    // The same command again: resumes, with the same seed, grading the two others only.
    let resumed = batch(&class, &out, &tmp, &[]).output().unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(stderr.contains("resuming the unfinished batch"), "{stderr}");
    assert_eq!(seed_of(&stderr), seed, "{stderr}");
    assert_eq!(
        [
            identity(&first.join("report.txt")),
            identity(&first.join("graded-with.txt")),
        ],
        graded_before,
        "the student graded before the kill was graded again"
    );
    assert_eq!(
        entries(&tmp),
        Vec::<String>::new(),
        "left in TMPDIR after the batch resumed"
    );

    // The same class, uninterrupted, with that seed: the same gradebook.
    let whole = dir.path().join("whole");
    let tmp_whole = dir.path().join("tmp").join("whole");
    std::fs::create_dir(&tmp_whole).unwrap();
    let uninterrupted = batch(&class, &whole, &tmp_whole, &["--seed", &seed])
        .output()
        .unwrap();
    assert!(
        uninterrupted.status.success(),
        "{}",
        String::from_utf8_lossy(&uninterrupted.stderr)
    );
    for file in ["grades.csv", "tests.csv", "seeds.csv", "class.html"] {
        assert_eq!(
            std::fs::read_to_string(out.join(file)).unwrap(),
            std::fs::read_to_string(whole.join(file)).unwrap(),
            "{file} of the resumed batch"
        );
    }
    let book = support::gradebook(&out.join("grades.csv"));
    let (points, total) = (grader::rubric::points_of, grader::rubric::total_points());
    assert_eq!(book["a-perfect"]["total"], total.to_string(), "{book:#?}");
    assert_eq!(
        book["b-broken"]["total"],
        (total - points("ex2")).to_string(),
        "{book:#?}"
    );
    assert!(
        book.values().all(|row| row["status"].starts_with("graded")),
        "{book:#?}"
    );
    // Finished: the next run is a new batch, in which nothing changed.
    let again = batch(&class, &out, &tmp, &[]).output().unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!stderr.contains("resuming"), "{stderr}");
    let book = support::gradebook(&out.join("grades.csv"));
    assert!(
        book.values()
            .all(|row| row["status"] == "unchanged since last graded"),
        "{book:#?}"
    );
}
