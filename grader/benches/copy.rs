//! `make bench`: how fast is an ex3 next to the usual ways of copying a file?
//!
//! Copies files of 1 MiB, 64 MiB and 1 GiB (and 4 GiB with `--4g`) with an ex3, cp(1), a
//! read/write loop with a 128 KiB buffer, and copy_file_range(2), each copy in a process of its
//! own. The ex3 is the reference where the kit has one (an instructor's kit), else the student's
//! own; `--ex3 NAME=PATH` adds any other program that copies `PATH SRC DST` (the student's binary
//! in an instructor's kit, an older build of the reference). Each ex3 runs twice: on the first
//! CPU only (sched_setaffinity: it sees one CPU, so a parallel copy uses one thread) and free.
//!
//! Every ex3 must first copy a 1 MiB file correctly, and every method's first copy of each size
//! is compared with its source: speed counts only for a correct copy.
//!
//! The methods take turns within each round (interleaved, in a rotating order), several rounds
//! per size; the table shows each method's median wall time and the range of its wall times,
//! its median CPU time (user + system, all threads: a parallel copy spends more CPU to finish
//! sooner), its peak resident memory, and its median wall time over cp's, measured in the same
//! rounds.
//!
//! The programs run outside the grader's sandbox (which refuses threads and copy_file_range, and
//! bounds file sizes).
//!
//! ```text
//! cargo bench -p grader --bench copy [-- [--4g] [--rounds N] [--ex3 NAME=PATH]...]
//! ```

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use grader::compile::{build, package};
use grader::kit;

const MIB: u64 = 1 << 20;
/// The student's ex3, in a student's kit.
const YOURS: &str = "your ex3";
/// How long the check of an ex3 (a copy of about a MiB) may take.
const CHECK_LIMIT: Duration = Duration::from_secs(30);
/// The rounds per size unless `--rounds N`: the noisier the machine, the more a median needs.
const ROUNDS: usize = 7;

/// One way of copying a file: a program and the arguments before SRC and DST.
struct Method {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    /// Run on the first CPU only (sched_setaffinity), so that an ex3 that copies on a thread per
    /// CPU copies with one.
    one_cpu: bool,
}

impl Method {
    fn new(name: impl Into<String>, program: impl Into<PathBuf>, args: &[&str]) -> Method {
        Method {
            name: name.into(),
            program: program.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            one_cpu: false,
        }
    }
}

/// What one copy took.
struct Measured {
    elapsed: Duration,
    /// User plus system time of the process and all its threads.
    cpu: Duration,
    max_rss: u64,
}

/// What the command line asks for.
struct Options {
    rounds: usize,
    large: bool,
    /// `--ex3 NAME=PATH`, in the order given; PATH relative to the kit.
    extra: Vec<(String, PathBuf)>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The bench re-runs itself to copy with the two methods that have no program of their own.
    if let [mode, src, dst] = &args[..]
        && let Some(result) = copy_in_process(mode, Path::new(src), Path::new(dst))
    {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench {mode}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match options(&args).and_then(|options| bench(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("bench: {why}");
            ExitCode::FAILURE
        }
    }
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        rounds: ROUNDS,
        large: false,
        extra: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--4g" => options.large = true,
            "--rounds" => {
                options.rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--rounds takes a number of rounds, 1 or more")?
            }
            "--ex3" => {
                let (name, path) = args
                    .next()
                    .and_then(|a| a.split_once('='))
                    .ok_or("--ex3 takes NAME=PATH, e.g. --ex3 mine=target/release/ex3")?;
                options.extra.push((name.to_owned(), PathBuf::from(path)));
            }
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => {
                return Err(format!(
                    "unknown argument {other} (usage: [--4g] [--rounds N] [--ex3 NAME=PATH]...)"
                ));
            }
        }
    }
    Ok(options)
}

fn bench(options: &Options) -> Result<(), String> {
    let kit = kit::find(None)?;
    // An instructor's kit times its reference; a student's kit, the student's own ex3.
    let (name, package) = if kit.join("solutions/ex3").is_dir() {
        ("ex3 (reference)", package("ex3", true))
    } else {
        (YOURS, package("ex3", false))
    };
    let built = build(&kit, &package).map_err(|e| format!("{package} {e}"))?;
    let mut programs = vec![(name.to_owned(), built)];
    // Relative to the kit, where `make bench` runs (Cargo runs a bench in its package's folder).
    programs.extend(
        options
            .extra
            .iter()
            .map(|(name, path)| (name.clone(), kit.join(path))),
    );

    let me = std::env::current_exe().map_err(|e| format!("cannot tell where I am: {e}"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut methods = vec![Method::new("cp", "cp", &["--reflink=never"])];
    for (name, program) in &programs {
        methods.push(Method {
            one_cpu: true,
            ..Method::new(format!("{name}, 1 CPU"), program, &[])
        });
        if cores > 1 {
            methods.push(Method::new(format!("{name}, {cores} CPUs"), program, &[]));
        }
    }
    methods.push(Method::new("read/write 128 KiB", &me, &["--read-write"]));
    methods.push(Method::new("copy_file_range", &me, &["--copy-file-range"]));

    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    correct_first(&programs, dir.path())?;
    print_machine(dir.path());

    let mut sizes = vec![MIB, 64 * MIB, 1024 * MIB];
    if options.large {
        sizes.push(4096 * MIB);
    }
    println!(
        "{} interleaved rounds per size. Wall and CPU: medians; range: the fastest and slowest \
         wall times; ratio: median wall time / cp's.\n",
        options.rounds
    );
    println!("| file | method | wall | range | CPU | peak RSS | ratio to cp |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for size in sizes {
        let src = dir.path().join("src.bin");
        make_file(&src, size)?;
        let mut runs: Vec<Vec<Measured>> = methods.iter().map(|_| Vec::new()).collect();
        for round in 0..options.rounds {
            for k in 0..methods.len() {
                let i = (k + round) % methods.len(); // A different method goes first each round.
                let dst = dir.path().join("dst.bin");
                let run = measure(
                    &methods[i],
                    &src,
                    &dst,
                    std::process::Stdio::inherit(),
                    None,
                )
                .map_err(|why| format!("{} failed on {}: {why}", methods[i].name, human(size)))?;
                if round == 0 {
                    same_contents(&src, &dst).map_err(|why| {
                        format!("{}'s copy of {}: {why}", methods[i].name, human(size))
                    })?;
                }
                // Removing the copy drops its dirty pages: the next run starts from the same state.
                std::fs::remove_file(&dst).map_err(|e| format!("cannot remove the copy: {e}"))?;
                runs[i].push(run);
            }
        }
        let cp_wall = median(runs[0].iter().map(|r| r.elapsed));
        for (method, runs) in methods.iter().zip(&runs) {
            let wall = median(runs.iter().map(|r| r.elapsed));
            let fastest = runs.iter().map(|r| r.elapsed).min().unwrap_or_default();
            let slowest = runs.iter().map(|r| r.elapsed).max().unwrap_or_default();
            let cpu = median(runs.iter().map(|r| r.cpu));
            let rss = runs.iter().map(|r| r.max_rss).max().unwrap_or(0);
            println!(
                "| {} | {} | {:.1} ms | {:.1}–{:.1} ms | {:.1} ms | {:.1} MiB | {:.2} |",
                human(size),
                method.name,
                ms(wall),
                ms(fastest),
                ms(slowest),
                ms(cpu),
                rss as f64 / MIB as f64,
                wall.as_secs_f64() / cp_wall.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// Speed counts only for a correct copy: each ex3 copies a small file once, checked, before
/// anything is timed, so that an unfinished one is told at once, not after minutes of copies.
/// (The other methods' copies are checked in the first round.)
fn correct_first(programs: &[(String, PathBuf)], dir: &Path) -> Result<(), String> {
    let src = dir.join("check.bin");
    let dst = dir.join("check.copy");
    let said = dir.join("check.stderr");
    make_file(&src, MIB + 123)?;
    for (name, program) in programs {
        let stderr =
            File::create(&said).map_err(|e| format!("cannot make {}: {e}", said.display()))?;
        let checked = measure(
            &Method::new(name, program, &[]),
            &src,
            &dst,
            stderr.into(),
            Some(CHECK_LIMIT),
        )
        .and_then(|_| same_contents(&src, &dst));
        let _ = std::fs::remove_file(&dst);
        checked.map_err(|why| {
            // What it said, in short: a panic's message, not its backtrace.
            let mut text = String::new();
            if let Ok(file) = File::open(&said) {
                let _ = file.take(64 << 10).read_to_string(&mut text);
            }
            let said = text;
            let said: Vec<&str> = said
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(2)
                .collect();
            let hint = if name == YOURS {
                "\n`make grade` says what is missing."
            } else {
                ""
            };
            format!(
                "{name} does not copy a file of 1 MiB and 123 bytes: {why}{}{hint}",
                said.iter().map(|l| format!("\n  {l}")).collect::<String>()
            )
        })?;
    }
    std::fs::remove_file(&src).map_err(|e| format!("cannot remove {}: {e}", src.display()))
}

/// Copies `src` to `dst` with `method`, in a process of its own, and measures it.
fn measure(
    method: &Method,
    src: &Path,
    dst: &Path,
    stderr: std::process::Stdio,
    limit: Option<Duration>,
) -> Result<Measured, String> {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let mut command = std::process::Command::new(&method.program);
    command
        .args(&method.args)
        .args([src, dst])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr);
    if method.one_cpu {
        // SAFETY: runs in the child before exec; sched_setaffinity only changes the child's own
        // CPU mask, from a set on the stack.
        unsafe {
            command.pre_exec(|| {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(0, &mut set);
                if libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            })
        };
    }
    let started = std::time::Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", method.program.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child, which it also reaps.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // A timed copy is waited for (polling would blur its time); a check is polled, so that a
    // program that hangs is stopped. The child is not reaped before it is killed, so the pid
    // still names it.
    let flags = if limit.is_some() { libc::WNOHANG } else { 0 };
    loop {
        // SAFETY: waits for our own child, spawned above and not waited for elsewhere.
        match unsafe { libc::wait4(pid, &mut status, flags, &mut usage) } {
            n if n < 0 => return Err(std::io::Error::last_os_error().to_string()),
            0 if limit.is_some_and(|limit| started.elapsed() > limit) => {
                // SAFETY: kill only sends a signal, to our own unreaped child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                // SAFETY: as above; reaps the child just killed.
                unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
                let limit = limit.unwrap_or_default().as_secs();
                return Err(format!("it was still running after {limit} s"));
            }
            0 => std::thread::sleep(Duration::from_millis(5)),
            _ => break,
        }
    }
    let elapsed = started.elapsed();
    let status = std::process::ExitStatus::from_raw(status);
    if !status.success() {
        return Err(format!("it ended with {status}"));
    }
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Measured {
        elapsed,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss: usage.ru_maxrss as u64 * 1024,
    })
}

/// Whether `copy` holds exactly the bytes of `original`; if not, where they first differ.
fn same_contents(original: &Path, copy: &Path) -> Result<(), String> {
    let a = File::open(original).map_err(|e| format!("cannot open the source: {e}"))?;
    let b = File::open(copy).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "it made no copy".to_owned(),
        _ => format!("cannot open the copy: {e}"),
    })?;
    let (len, copy_len) = (
        a.metadata().map_or(0, |m| m.len()),
        b.metadata().map_or(0, |m| m.len()),
    );
    if len != copy_len {
        return Err(format!("the copy has {copy_len} bytes, the source {len}"));
    }
    let (mut x, mut y) = (vec![0; MIB as usize], vec![0; MIB as usize]);
    let mut at = 0;
    while at < len {
        let n = (len - at).min(MIB) as usize;
        let read = |file: &File, buf: &mut [u8]| {
            file.read_exact_at(buf, at)
                .map_err(|e| format!("cannot read at byte {at}: {e}"))
        };
        read(&a, &mut x[..n])?;
        read(&b, &mut y[..n])?;
        if let Some(i) = x[..n].iter().zip(&y[..n]).position(|(p, q)| p != q) {
            return Err(format!(
                "it differs from the source at byte {}",
                at + i as u64
            ));
        }
        at += n as u64;
    }
    Ok(())
}

/// The copy methods that the bench performs in a process of its own.
fn copy_in_process(mode: &str, src: &Path, dst: &Path) -> Option<std::io::Result<()>> {
    let copy = |f: fn(&File, &File, u64) -> std::io::Result<()>| {
        let from = File::open(src)?;
        let to = File::create(dst)?;
        f(&from, &to, from.metadata()?.len())
    };
    match mode {
        "--read-write" => Some(copy(read_write)),
        "--copy-file-range" => Some(copy(copy_file_range)),
        _ => None,
    }
}

fn read_write(mut from: &File, mut to: &File, _len: u64) -> std::io::Result<()> {
    let mut buf = vec![0; 128 << 10];
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        to.write_all(&buf[..n])?;
    }
}

fn copy_file_range(from: &File, to: &File, len: u64) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let mut left = len;
    while left > 0 {
        // SAFETY: both descriptors are open for the whole call; null offsets use the files' own.
        let n = unsafe {
            libc::copy_file_range(
                from.as_raw_fd(),
                std::ptr::null_mut(),
                to.as_raw_fd(),
                std::ptr::null_mut(),
                left as usize,
                0,
            )
        };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if n == 0 {
            break;
        }
        left -= n as u64;
    }
    Ok(())
}

/// A file of `size` bytes of varied data, written a MiB at a time, written back to the disk (so
/// that no writeback of it runs during the copies), and read once so that it is in the page cache.
fn make_file(path: &Path, size: u64) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot make {}: {e}", path.display());
    let file = File::create(path).map_err(fail)?;
    let mut chunk: Vec<u8> = (0..MIB).map(|i| (i * 7 + i / 4096) as u8).collect();
    let mut at = 0;
    while at < size {
        chunk[0] = (at / MIB) as u8;
        file.write_all_at(&chunk[..(size - at).min(MIB) as usize], at)
            .map_err(fail)?;
        at += MIB;
    }
    file.sync_all().map_err(fail)?;
    let mut sink = vec![0; MIB as usize];
    let mut reader = File::open(path).map_err(fail)?;
    while reader.read(&mut sink).map_err(fail)? > 0 {}
    Ok(())
}

fn print_machine(dir: &Path) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let fs = std::process::Command::new("stat")
        .args(["-f", "-c", "%T", "."])
        .current_dir(dir)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!(
        "Machine: {cpu}, {cores} cores, Linux {}, temporary files on {fs}\n",
        kernel.trim()
    );
}

fn median(times: impl Iterator<Item = Duration>) -> Duration {
    let mut times: Vec<Duration> = times.collect();
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn human(size: u64) -> String {
    if size >= 1024 * MIB {
        format!("{} GiB", size / (1024 * MIB))
    } else if size >= MIB {
        format!("{} MiB", size / MIB)
    } else {
        format!("{size} bytes")
    }
}
