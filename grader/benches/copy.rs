//! `make bench`: how fast is the reference ex3 next to the usual ways of copying a file?
//!
//! Copies files of 1 MiB, 64 MiB and 1 GiB (and 4 GiB with `--4g`) with the reference ex3 (on
//! one CPU, so with one thread, and on all of them, with a thread per CPU up to 4), cp(1), a
//! read/write loop with a 128 KiB buffer, and copy_file_range(2), each method in a process of its
//! own. The methods take turns within each round (interleaved, in a rotating order), several
//! rounds per size; the table shows each method's median wall time, median CPU time (user +
//! system, all threads: a parallel copy spends more CPU to finish sooner), peak resident memory,
//! and its wall-time ratio to cp measured in the same rounds.
//!
//! The programs here are the kit's own and the system's, so they run outside the grader's
//! sandbox (which refuses threads and copy_file_range, and bounds file sizes).
//!
//! ```text
//! cargo bench -p grader --bench copy [-- [--4g] [--rounds N]]
//! ```

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use grader::compile::build;
use grader::kit;

const MIB: u64 = 1 << 20;

/// One way of copying a file: a program and the arguments before SRC and DST.
struct Method {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    /// Run on the first CPU only (sched_setaffinity), so that the reference sees one CPU and
    /// copies with one thread.
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
    let large = args.iter().any(|a| a == "--4g");
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(5);
    let reference = match kit::find(None)
        .and_then(|kit| build(&kit, "ex3-solution").map_err(|e| e.to_string()))
    {
        Ok(path) => path,
        Err(why) => {
            eprintln!("bench: ex3-solution {why}");
            return ExitCode::FAILURE;
        }
    };
    let me = std::env::current_exe().expect("the bench knows where it is");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let methods = [
        Method::new("cp", "cp", &["--reflink=never"]),
        Method {
            one_cpu: true,
            ..Method::new("ex3 (reference), 1 thread", &reference, &[])
        },
        Method::new(
            format!("ex3 (reference), {} threads", cores.min(4)),
            &reference,
            &[],
        ),
        Method::new("read/write 128 KiB", &me, &["--read-write"]),
        Method::new("copy_file_range", &me, &["--copy-file-range"]),
    ];
    let mut sizes = vec![MIB, 64 * MIB, 1024 * MIB];
    if large {
        sizes.push(4096 * MIB);
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    print_machine(dir.path());
    println!("{rounds} interleaved rounds per size; medians. Ratio: wall time / cp's wall time.\n");
    println!("| file | method | wall | CPU | peak RSS | ratio to cp |");
    println!("|---|---|---:|---:|---:|---:|");
    for size in sizes {
        let src = dir.path().join("src.bin");
        make_file(&src, size);
        let mut runs: Vec<Vec<Measured>> = methods.iter().map(|_| Vec::new()).collect();
        for round in 0..rounds {
            for k in 0..methods.len() {
                let i = (k + round) % methods.len(); // A different method goes first each round.
                let dst = dir.path().join("dst.bin");
                let run = match measure(&methods[i], &src, &dst) {
                    Ok(run) => run,
                    Err(why) => {
                        eprintln!("{} failed: {why}", methods[i].name);
                        return ExitCode::FAILURE;
                    }
                };
                // Removing the copy drops its dirty pages: the next run starts from the same state.
                std::fs::remove_file(&dst).expect("the copy exists");
                runs[i].push(run);
            }
        }
        let cp_wall = median(runs[0].iter().map(|r| r.elapsed));
        for (method, runs) in methods.iter().zip(&runs) {
            let wall = median(runs.iter().map(|r| r.elapsed));
            let cpu = median(runs.iter().map(|r| r.cpu));
            let rss = runs.iter().map(|r| r.max_rss).max().unwrap_or(0);
            println!(
                "| {} | {} | {:.1} ms | {:.1} ms | {:.1} MiB | {:.2} |",
                human(size),
                method.name,
                ms(wall),
                ms(cpu),
                rss as f64 / MIB as f64,
                wall.as_secs_f64() / cp_wall.as_secs_f64()
            );
        }
    }
    ExitCode::SUCCESS
}

/// Copies `src` to `dst` with `method`, in a process of its own, and measures it.
fn measure(method: &Method, src: &Path, dst: &Path) -> Result<Measured, String> {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let mut command = std::process::Command::new(&method.program);
    command
        .args(&method.args)
        .args([src, dst])
        .stdin(std::process::Stdio::null());
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
    let child = command.spawn().map_err(|e| e.to_string())?;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child, which it also reaps.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, spawned above and not waited for elsewhere.
    if unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) } < 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    let elapsed = started.elapsed();
    let status = std::process::ExitStatus::from_raw(status);
    if !status.success() {
        return Err(format!("{status}"));
    }
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Measured {
        elapsed,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss: usage.ru_maxrss as u64 * 1024,
    })
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

/// A file of `size` bytes of varied data, written a MiB at a time, and read once so that it is
/// in the page cache.
fn make_file(path: &Path, size: u64) {
    let file = File::create(path).expect("cannot create the source file");
    let mut chunk: Vec<u8> = (0..MIB).map(|i| (i * 7 + i / 4096) as u8).collect();
    let mut at = 0;
    while at < size {
        chunk[0] = (at / MIB) as u8;
        file.write_all_at(&chunk[..(size - at).min(MIB) as usize], at)
            .expect("cannot write the source file");
        at += MIB;
    }
    let mut sink = vec![0; MIB as usize];
    let mut reader = File::open(path).expect("cannot read the source file");
    while reader.read(&mut sink).expect("cannot read the source file") > 0 {}
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
    } else {
        format!("{} MiB", size / MIB)
    }
}
