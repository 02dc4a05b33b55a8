//! Exercise 4: sharing memory among processes (`ex4 count`, `ex4 send`, `ex4 recv`).

use std::path::Path;
use std::time::Duration;

use std::os::unix::fs::FileExt;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::checks::usage_errors;
use crate::checks::watched;
use crate::expect::waited_for;
use crate::check_api::{Ctx, Verdict, ensure};
use crate::outcome::Reword;
use crate::runner::trace::regions;
use crate::runner::{FileId, Region, Run, Running, maps_of, read_memory};
use crate::table::{Exercise, alone, test};

/// The rubric rows of ex4: each test's name, points, title, check and hint.
pub const EXERCISE: Exercise = Exercise {
    name: "ex4",
    weight: 25,
    tests: &[
        test(
            "count_total",
            3,
            "count prints WORKERS * ITERS",
            count_total,
            "the counter lives in a MAP_SHARED | MAP_ANONYMOUS mapping made before the fork, so \
             that every worker adds to the same one; wait for all of them before printing",
        ),
        test(
            "count_edge_cases",
            2,
            "count with 0 iterations or 64 workers; bad numbers are usage errors",
            count_edge_cases,
            "0 iterations print 0; WORKERS must be 1..=64 and WORKERS * ITERS must fit in 64 bits \
             (checked_mul), else a usage error",
        ),
        alone(test(
            "count_is_atomic",
            4,
            "count loses no increment under contention",
            count_is_atomic,
            "each increment is one atomic read-modify-write (fetch_add on an AtomicU64 in the \
             shared mapping), not a load then a store",
        )),
        test(
            "count_forks_workers_sharing_memory",
            3,
            "count's workers are forked children sharing a mapping",
            count_forks_workers_sharing_memory,
            "fork the workers (processes, not threads) after mapping the counter shared, and wait \
             for each",
        ),
        test(
            "count_worker_fails",
            1,
            "count exits 1 when a worker dies",
            count_worker_fails,
            "wait for every worker (waitpid) and look at how each ended: one that did not exit 0 \
             (killed by a signal, say) makes the total wrong, so report it on stderr and exit 1 \
             instead of printing a number",
        ),
        test(
            "send_first",
            3,
            "send posts through a shared mapping when it starts first",
            send_first,
            "send maps the file's first 4096 bytes shared (creating and extending it), writes the \
             message and len, then stores state = 1 with Release",
        ),
        test(
            "recv_first",
            3,
            "recv waits for a message when it starts first",
            recv_first,
            "recv waits (short sleeps or a futex) until state is 1 (Acquire), prints the message \
             and a newline, then stores state = 2 (Release)",
        ),
        test(
            "both_sides",
            3,
            "send and recv talk to each other, either starting first",
            both_sides,
            "either side may start first: neither resets a mailbox the other has already written, \
             and send waits for state 2 before exiting",
        ),
        test(
            "long_and_empty_messages",
            2,
            "4088-byte and empty messages pass, 4089 bytes is a usage error",
            long_and_empty_messages,
            "the message takes 0 to 4088 bytes (4096 less the 8-byte header); a longer MESSAGE is \
             a usage error (status 2)",
        ),
        test(
            "mailbox_errors",
            1,
            "mailbox errors are clean",
            mailbox_errors,
            "a FILE that cannot be opened or extended is a runtime error (status 1, `ex4: ` with \
             the path and reason), never a hang",
        ),
    ],
};

// The hints that name a likely mistake, written once: the mutants that must show them
// (tests/mutants/ex4.rs) refer to them by name.

/// `ex4 count` printed 0: the counter was not shared.
pub const PARENT_READ_ZERO: &str = "the parent read 0: the workers' increments never reached it. \
     Memory is copied at fork: only a mapping made MAP_SHARED | MAP_ANONYMOUS before the fork is \
     shared with the children (a MAP_PRIVATE one, or a variable, is not)";

/// `ex4 count` printed less than the total (after how many were lost).
pub const INCREMENTS_LOST: &str = "increments were lost: two workers that read the counter, add \
     one and write it back overwrite each other; update it with one atomic read-modify-write \
     (fetch_add) on an AtomicU64 in the shared mapping";

/// `ex4 count` printed the right total without spending the time of counting.
pub const NOBODY_COUNTED: &str = "either nobody counted (a total computed instead), or the \
     compiler folded each worker's loop into one addition, which it may do with a plain load and \
     store of the counter, not one atomic read-modify-write (and which loses increments whenever \
     workers overlap): each forked worker adds 1, ITERS times, with fetch_add";

/// A mailbox still empty though a sender had started.
pub const RECV_RESET_THE_MAILBOX: &str = "though a sender had started: `recv` was waiting for a \
     message that never showed. Did `recv` reset the mailbox when it started (grow a file shorter \
     than a page, but never wipe one that may already hold a message)?";

/// A mailbox still full at the end.
pub const NOBODY_TOOK_IT: &str = "nobody took it. Does `recv` wait for state 1, re-reading it \
     (Acquire) in its loop, and mark the mailbox taken (state 2) once it has printed the message?";

/// A side read or wrote the mailbox file with a system call.
pub const ONLY_THROUGH_THE_MAPPING: &str = "the two sides talk only through the shared mapping, \
     never with read/write-style calls on the file";

/// What a differing message is called in its failure.
pub const MAILBOX_MESSAGE: &str = "the message in the mailbox";

/// `ex4 count WORKERS ITERS` printed WORKERS * ITERS, or else the likely mistake is named.
fn counted(run: &mut Run, workers: u64, iters: u64) -> Verdict {
    let total = workers * iters;
    run.printed_or_hint(format!("{total}\n").as_bytes(), |got| {
        let Some(got) = std::str::from_utf8(got)
            .ok()
            .and_then(|g| g.strip_suffix('\n')?.parse::<u64>().ok())
        else {
            return Some("print the total alone, in decimal, and a newline".into());
        };
        Some(if got == 0 && total > 0 {
            PARENT_READ_ZERO.into()
        } else if got < total {
            format!("{} of {total} {INCREMENTS_LOST}", total - got)
        } else {
            "more than WORKERS * ITERS: each of WORKERS children adds 1 to the one shared \
             counter ITERS times, and the parent prints it after waiting for all of them"
                .into()
        })
    })
}

pub fn count_total(t: &mut Ctx) -> Verdict {
    for _ in 0..2 {
        let (workers, iters) = (t.between(2, 8), t.between(1_000, 30_000));
        let mut run = t.run(["count", &workers.to_string(), &iters.to_string()]);
        counted(&mut run, workers, iters)?;
    }
    Ok(())
}

pub fn count_edge_cases(t: &mut Ctx) -> Verdict {
    counted(&mut t.run(["count", "1", "0"]), 1, 0)?;
    let iters = t.between(1, 100);
    counted(&mut t.run(["count", "64", &iters.to_string()]), 64, iters)?;
    count_usage(t)
}

pub fn count_worker_fails(t: &mut Ctx) -> Verdict {
    // Workers that would count for hours: the grader kills every one of them once they are all
    // there (a worker can also die of the OOM killer or a stray signal), so the count can never
    // be complete. The parent must see it in the workers' status and fail, not print a total.
    let workers = 2;
    let iters = (1u64 << 40) + t.below(1000);
    let waiting = format!("the grader waited for its {workers} workers, each counting for hours");
    let running = t
        .start(["count", &workers.to_string(), &iters.to_string()])?
        .wait_until(|r| r.children().len() >= workers)
        .map_err(waited_for(&waiting))?;
    for child in running.children() {
        // A child of the program's cannot have been reaped and its pid reused: the program has
        // not exited, and it reaps its workers only when they end.
        let _ = kill(Pid::from_raw(child as i32), Signal::SIGKILL);
    }
    let mut run = running.finish();
    run.failed_with(1, "ex4").reword(|r| {
        format!("{r}\nthe grader had killed its {workers} workers (SIGKILL) while they counted")
    })
}

/// Runs of the contention test; one wrong total is enough to fail.
const CONTENTION_RUNS: usize = 8;

pub fn count_is_atomic(t: &mut Ctx) -> Verdict {
    // A load followed by a store loses increments whenever another worker's update lands between
    // the two. That needs the workers to overlap: each runs for milliseconds, the grader pauses and
    // resumes them at random moments (`jostle`), the test runs alone, and it is repeated, so
    // that a non-atomic counter is caught on a machine with one core as surely as on many. An
    // atomic read-modify-write loses nothing, ever. Workers that take turns never overlap and
    // lose nothing either: letting each worker run alone first catches them (one that waits for
    // another's turn does not count), and each lone run leaves the others stopped wherever they
    // were, in the middle of an update maybe, as another worker's updates land.
    for _ in 0..CONTENTION_RUNS {
        let (workers, iters) = (4, 5_000_000 + t.below(1000));
        let Counting { mut run, alone, .. } = count_each_alone(t, workers, iters, |running| {
            running.jostle(Duration::from_micros(300))
        })?;
        counted(&mut run, workers, iters)?;
        counted_by_children(&run)?;
        alone?;
    }
    Ok(())
}

pub fn count_forks_workers_sharing_memory(t: &mut Ctx) -> Verdict {
    let (workers, iters) = (3, 10_000_000 + t.below(1000));
    let Counting {
        mut run,
        parent,
        alone,
    } = count_each_alone(t, workers, iters, Running::finish)?;
    counted(&mut run, workers, iters)?;
    let trace = watched(&run)?;
    let mapped = trace
        .named("mmap")
        .find(|c| c.pid == parent && c.mmap_shared() && c.mmap_anonymous());
    ensure(mapped.is_some(), || {
        format!(
            "`{}` printed the right total, but it never made a shared anonymous mapping \
             (mmap with MAP_SHARED | MAP_ANONYMOUS) for the counter",
            run.command
        )
    })?;
    // Calls to fork that the parent made, and processes that really ran (a call can fail).
    let calls = trace
        .process_creations()
        .filter(|c| c.pid == parent)
        .count();
    let forks = calls.min(trace.processes_besides(parent)) as u64;
    ensure(forks >= workers, || {
        format!(
            "`{}` printed the right total, but it forked {forks} process(es) for {workers} \
             workers: each worker is a child made with fork(2)",
            run.command
        )
    })?;
    counted_by_children(&run)?;
    alone
}

/// A run of `ex4 count` whose workers were each let run alone.
struct Counting {
    run: Run,
    /// The program's pid.
    parent: u32,
    /// What the lone runs showed, judged after the run's other evidence (a program that fails
    /// sooner, a total computed, say, is told so first).
    alone: Verdict,
}

/// Runs `ex4 count WORKERS ITERS`; once every worker is there and counting, lets each one run
/// alone (`each_worker_adds_alone`), then lets the run go on with `then` to its end.
fn count_each_alone(
    t: &mut Ctx,
    workers: u64,
    iters: u64,
    then: impl Fn(Running) -> Run,
) -> Result<Counting, crate::check_api::Problem> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let running = t.start(["count", &workers.to_string(), &iters.to_string()])?;
        let parent = running.pid();
        // Past any count a start barrier of the workers' may keep: the counting is under way.
        let counting = running
            .wait_until(|_| shared_words(parent).iter().any(|&(_, v)| v > workers));
        let (run, alone) = match counting {
            Ok(running) => match each_worker_adds_alone(&running, workers, iters) {
                // Run again: an ordinary user's watchdog, in a pass begun before the run was
                // held, may have let it go to its end; on a busy machine, workers may have
                // ended before the last was forked.
                Err(Raced) if attempts < ALONE_ATTEMPTS => continue,
                Err(Raced) => {
                    let raced = crate::outcome::Problem::Fail(format!(
                        "in {attempts} runs, the grader never saw two of its workers, each \
                         running alone, add to the counter a little at a time: they had ended \
                         (a count kept elsewhere and added at the end grows it once, by ITERS), \
                         or the program did while they were held. {NOT_ONE_COUNTER}"
                    ));
                    (then(running), Err(raced))
                }
                Ok(alone) => (then(running), alone),
            },
            // On a busy machine, the grader may have looked too late.
            Err(run) if attempts < ALONE_ATTEMPTS && !run.timed_out => continue,
            Err(run) => {
                let never = crate::outcome::Problem::Fail(format!(
                    "`{}` ended before the grader saw its {workers} workers counting in a \
                     shared mapping (a word of it past {workers}), {attempts} times over: \
                     {NOT_ONE_COUNTER}",
                    run.command
                ));
                (*run, Err(never))
            }
        };
        return Ok(Counting { run, parent, alone });
    }
}

/// The lone runs showed too little to judge: the program ended while its workers were held
/// (it may have been let go), or too few workers were still at work.
struct Raced;

/// How many times `ex4 count` is run when it ends while its workers are held.
const ALONE_ATTEMPTS: u32 = 3;

/// How one counter shared by all the workers shows, and how it is told apart from workers that
/// count each in a place of their own, or that wait for each other.
const NOT_ONE_COUNTER: &str = "all the workers add to one counter in the shared mapping with an \
     atomic fetch_add, each whenever it runs, never waiting for another worker's turn and never \
     counting in a place of its own";

/// The longest a worker is let run alone for the counter to move.
const ALONE_LIMIT: Duration = Duration::from_secs(2);

/// How many times a worker is let run alone when the others ran too meanwhile.
const ALONE_TRIES: u32 = 5;

/// Lets each worker of a running `ex4 count` run alone, the parent and the other workers stopped,
/// until a word of the parent's shared anonymous mapping is seen counting (`Climbs`): the same
/// word must count under every worker found at work. Workers that count in slots of their own
/// count in different words; a worker that only writes a word that looks like a counter (red
/// team 11) moves it alone; workers that wait for each other's turn (red team 11) count nothing
/// alone; a count kept elsewhere and added at the end (red team 13) jumps once.
///
/// Two workers (all of them if fewer) must be seen counting in one round: workers that take
/// turns have one counting at a time, and across rounds, the one whose turn it is now.
///
/// `Raced` when the program ended before two workers (all of them if fewer) were seen alone: on
/// a busy machine, the grader may look too late, and the first workers may be done before the
/// last is forked (a worker that ends in its lone run without moving the counter had counted
/// its share).
fn each_worker_adds_alone(running: &Running, workers: u64, iters: u64) -> Result<Verdict, Raced> {
    let parent = running.pid();
    let mut alone = LoneRuns { iters, common: None };
    // Rounds: each holds the run and lets each worker at work run alone; a worker forked after a
    // round is seen in the next.
    loop {
        if running.has_exited() {
            return Err(Raced);
        }
        if running.out_of_time() {
            return Ok(crate::fail!(
                "the program's time ran out before two of its workers were seen adding to the \
                 counter alone"
            ));
        }
        let stopped = match running.stop_all() {
            Ok(stopped) => stopped,
            Err(why) => return Ok(Err(crate::outcome::Problem::Fail(why))),
        };
        let mut counting = 0;
        for worker in stopped.live_children() {
            match alone.run(running, &stopped, parent, worker)? {
                Ok(true) => counting += 1,
                Ok(false) => {}
                Err(problem) => return Ok(Err(problem)),
            }
        }
        if counting >= workers.min(2) {
            return Ok(Ok(()));
        }
        drop(stopped);
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// What the lone runs of one `ex4 count` have shown so far.
struct LoneRuns {
    /// ITERS: what one worker adds in all.
    iters: u64,
    /// The words seen counting under each of them.
    common: Option<std::collections::BTreeSet<u64>>,
}

impl LoneRuns {
    /// Lets `worker` run alone (the run is `stopped`) until a word of the parent's shared
    /// mapping is seen counting (`Ok(true)`), or it ends (`Ok(false)`).
    fn run(
        &mut self,
        running: &Running,
        stopped: &crate::runner::Stopped,
        parent: u32,
        worker: u32,
    ) -> Result<Result<bool, crate::outcome::Problem>, Raced> {
        let mut tries = 0;
        let (alone, moved) = loop {
            if running.has_exited() {
                return Err(Raced);
            }
            let mut climbs = Climbs::from(&shared_words(parent), self.iters);
            let alone = stopped.run_alone(worker, ALONE_LIMIT, || {
                climbs.look(&shared_words(parent));
                stopped.has_ended(worker) || !climbs.counting().is_empty()
            });
            let alone = match alone {
                Ok(alone) => alone,
                Err(why) => return Ok(Err(crate::outcome::Problem::Fail(why))),
            };
            climbs.look(&shared_words(parent));
            let moved = climbs.counting();
            // Something resumed the others meanwhile (an ordinary user's watchdog does, as it
            // looks; so can the program itself): what moved may be theirs. Again, a few times
            // and within the run's time.
            tries += 1;
            if !alone.others_ran || tries == ALONE_TRIES || running.out_of_time() {
                break (alone, moved);
            }
        };
        if alone.others_ran {
            return Ok(Err(crate::outcome::Problem::Fail(format!(
                "the grader could not let one of its workers run alone: the others ran too, \
                 {tries} times over (a process of the run resumed them?)"
            ))));
        }
        if moved.is_empty() {
            // A worker that ended without moving the counter had counted its share.
            return Ok(ensure(stopped.has_ended(worker), || {
                format!(
                    "while one of its workers (pid {worker}) ran alone for {} ms, using {} ms \
                     of CPU time, the parent and the other workers stopped by the grader, no \
                     word of the shared mapping was seen counting (growing a little at a time, \
                     {CLIMBS} times): {NOT_ONE_COUNTER}",
                    alone.wall.as_millis(),
                    alone.cpu.as_millis()
                )
            })
            .map(|()| false));
        }
        let common = self.common.get_or_insert_with(|| moved.clone());
        common.retain(|at| moved.contains(at));
        Ok(ensure(!common.is_empty(), || {
            format!(
                "its workers, each running alone, moved different words of the shared \
                 mapping: {NOT_ONE_COUNTER}"
            )
        })
        .map(|()| true))
    }
}

/// The 64-bit words of the first page of each of the parent's shared anonymous areas (a few:
/// the program has one counter; the others would be the grader's CPU, every millisecond, in a
/// map of thousands of areas: red team 7), by address.
fn shared_words(parent: u32) -> Vec<(u64, u64)> {
    let mut words = Vec::new();
    for region in regions(parent)
        .into_iter()
        .filter(is_shared_anonymous)
        .take(MAX_SHARED_AREAS)
    {
        let len = (region.end - region.start).min(4096) as usize;
        let Ok(bytes) = read_memory(parent, region.start, len) else {
            continue;
        };
        let values = bytes
            .chunks_exact(8)
            .map(|word| u64::from_ne_bytes(word.try_into().expect("8 bytes")));
        words.extend((region.start..).step_by(8).zip(values));
    }
    words
}

/// How many times a word must be seen to grow a little while a worker runs alone.
const CLIMBS: u32 = 3;

/// The words of the parent's shared mapping, followed through a lone run: a counter that one
/// worker adds 1 to, ITERS times, is seen to grow a little at a time, look after look. A count
/// kept elsewhere and added at the end (red team 13) grows once, by ITERS.
struct Climbs {
    iters: u64,
    /// By address: the last value seen, how many times it grew by less than ITERS, and whether
    /// it ever grew by ITERS or more at once.
    words: std::collections::HashMap<u64, (u64, u32, bool)>,
}

impl Climbs {
    fn from(before: &[(u64, u64)], iters: u64) -> Climbs {
        let words = before.iter().map(|&(at, v)| (at, (v, 0, false))).collect();
        Climbs { iters, words }
    }

    fn look(&mut self, now: &[(u64, u64)]) {
        for (at, v) in now {
            if let Some((last, climbs, jumped)) = self.words.get_mut(at)
                && v > last
            {
                match v - *last < self.iters {
                    true => *climbs += 1,
                    false => *jumped = true,
                }
                *last = *v;
            }
        }
    }

    /// The words seen counting.
    fn counting(&self) -> std::collections::BTreeSet<u64> {
        self.words
            .iter()
            .filter(|&(_, &(_, climbs, jumped))| climbs >= CLIMBS && !jumped)
            .map(|(&at, _)| at)
            .collect()
    }
}

/// The counting must happen in forked workers: their CPU time is added to the parent's
/// "children" time when it waits for them. A parent that counts itself, in threads, or prints
/// a computed total shows none.
fn counted_by_children(run: &crate::runner::Run) -> Verdict {
    let cpu = run.cpu_times.unwrap_or_default();
    let least = Duration::from_millis(10);
    ensure(cpu.children >= least || cpu.own >= least, || {
        format!(
            "`{}` printed the right total, but counting took no measurable CPU time (its \
             children {} ms, itself {} ms): {NOBODY_COUNTED}",
            run.command,
            cpu.children.as_millis(),
            cpu.own.as_millis()
        )
    })?;
    ensure(
        cpu.children >= cpu.own && cpu.children >= Duration::from_millis(10),
        || {
            format!(
                "`{}` printed the right total, but its children used {} ms of CPU time and it used {} ms \
             itself: the workers should be forked child processes that do the counting",
                run.command,
                cpu.children.as_millis(),
                cpu.own.as_millis()
            )
        },
    )
}

fn is_shared_anonymous(region: &Region) -> bool {
    region.shared() && region.writable() && region.path.starts_with("/dev/zero")
}

fn count_usage(t: &Ctx) -> Verdict {
    usage_errors(
        t,
        &[
            &["count"],
            &["count", "0", "10"],
            &["count", "65", "10"],
            &["count", "four", "10"],
            &["count", "2", "-5"],
            &["count", "2", "18446744073709551615"],
        ],
    )
}

/// The grader's own end of the mailbox: the same layout, reached with pread/pwrite on the file,
/// which go through the same page cache as the program's shared mapping. (Not a mapping of the
/// grader's own: the program could truncate the file under it, and the grader would die by
/// SIGBUS.) Each call is a full barrier, so the state is read after, and written after, the
/// message, as acquire and release would order it.
struct Mailbox {
    file: std::fs::File,
}

const EMPTY: u32 = 0;
const FULL: u32 = 1;
const TAKEN: u32 = 2;
const CAPACITY: usize = 4088;

impl Mailbox {
    /// Opens the mailbox at `path`, which the program made.
    fn open(path: &Path) -> Result<Mailbox, String> {
        // The program made the file: it may be a link to anywhere, or a FIFO.
        let file = crate::safe_fs::open(path, libc::O_RDWR | libc::O_NONBLOCK, 0)
            .map_err(|e| format!("cannot open the mailbox '{}': {e}", path.display()))?;
        if !file.metadata().map_err(|e| e.to_string())?.is_file() {
            return Err(format!(
                "the mailbox '{}' is not a regular file",
                path.display()
            ));
        }
        Ok(Mailbox { file })
    }

    fn word(&self, at: u64) -> Result<u32, String> {
        let mut bytes = [0; 4];
        self.file
            .read_exact_at(&mut bytes, at)
            .map_err(|e| format!("the mailbox cannot be read (was it truncated?): {e}"))?;
        Ok(u32::from_ne_bytes(bytes))
    }

    fn state(&self) -> Result<u32, String> {
        self.word(0)
    }

    fn set_state(&self, state: u32) -> Result<(), String> {
        self.file
            .write_all_at(&state.to_ne_bytes(), 0)
            .map_err(|e| format!("the mailbox cannot be written: {e}"))
    }

    fn post(&self, message: &[u8]) -> Result<(), String> {
        let mut bytes = (message.len() as u32).to_ne_bytes().to_vec();
        bytes.extend_from_slice(message);
        self.file
            .write_all_at(&bytes, 4)
            .map_err(|e| format!("the mailbox cannot be written: {e}"))?;
        self.set_state(FULL)
    }

    fn take(&self) -> Result<Vec<u8>, String> {
        let len = self.word(4)? as usize;
        if len > CAPACITY {
            return Err(format!(
                "the mailbox's len field says {len}, more than {CAPACITY}"
            ));
        }
        let mut message = vec![0; len];
        self.file
            .read_exact_at(&mut message, 8)
            .map_err(|e| format!("the mailbox cannot be read (was it truncated?): {e}"))?;
        self.set_state(TAKEN)?;
        Ok(message)
    }
}

/// Who ran the program's side of a mailbox: `send`, `recv`, or both (the grader plays the other
/// side when only one is the program's).
#[derive(Clone, Copy, PartialEq)]
enum Sides {
    Send,
    Recv,
    Both,
}

/// What the mailbox at `path` held when a side ran out of time, and so what that side was
/// probably waiting for.
fn mailbox_story(path: &Path, sides: Sides) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let state = match crate::safe_fs::read_at_most(path, 4) {
        Err(_) => {
            return format!(
                "the mailbox '{name}' was never made: the side that starts first creates the \
                 file, a page long, and maps it shared"
            );
        }
        Ok((bytes, size)) if bytes.len() < 4 || size < 8 => {
            return format!(
                "the mailbox '{name}' is only {size} bytes long: the side that starts first makes \
                 it a page (4096 bytes) long before mapping it"
            );
        }
        Ok((bytes, _)) => u32::from_ne_bytes(bytes[..4].try_into().expect("4 bytes")),
    };
    let unmarked = "`send` marks the mailbox full (state 1) with a Release store, after writing \
                    the message and its length";
    match state {
        EMPTY if sides == Sides::Send => format!(
            "the mailbox '{name}' was still empty (state 0) when the time ran out: {unmarked}"
        ),
        EMPTY => format!(
            "the mailbox '{name}' was still empty (state 0) when the time ran out, \
             {RECV_RESET_THE_MAILBOX} ({unmarked}.)"
        ),
        FULL => format!(
            "the mailbox '{name}' still held a message (state 1) when the time ran out: \
             {NOBODY_TOOK_IT}"
        ),
        TAKEN => format!(
            "the message in '{name}' was taken (state 2), but `send` did not notice: does it \
             wait for state 2, re-reading the state (Acquire) in its loop, and then exit?"
        ),
        other => format!(
            "the mailbox '{name}' holds state {other}, which is none of 0 (empty), 1 (full) and \
             2 (taken)"
        ),
    }
}

/// A side of the mailbox printed `expected`, as `Run::printed` judges it; when it ran out of
/// time, the mailbox's state says what it was probably waiting for.
fn side_printed(run: &mut Run, expected: &[u8], path: &Path, sides: Sides) -> Verdict {
    run.printed(expected).reword(|why| match run.timed_out {
        true => format!("{why}\n{}", mailbox_story(path, sides)),
        false => why,
    })
}

/// The most shared anonymous areas of count's parent the grader reads the counter in.
const MAX_SHARED_AREAS: usize = 16;

/// The line of the program's memory map that maps `path` shared, if any.
fn maps_shared(running: &Running, path: &Path) -> bool {
    let path = path.to_string_lossy();
    maps_of(running.pid()).lines().any(|l| {
        l.split_whitespace()
            .nth(1)
            .is_some_and(|perms| perms.ends_with('s'))
            && l.ends_with(path.as_ref())
    })
}

/// The mailbox's data passed through the shared mapping: no read/write-style call on the file.
fn only_through_the_mapping(run: &Run, path: &Path) -> Verdict {
    let trace = watched(run)?;
    match trace.data_calls_on(&FileId::at(path)).next() {
        Some(call) => Err(format!(
            "`{}` made `{call}`: {ONLY_THROUGH_THE_MAPPING}",
            run.command
        )
        .into()),
        None => Ok(()),
    }
}

pub fn send_first(t: &mut Ctx) -> Verdict {
    let message = t.text(t.between(1, 300) as usize);
    let path = t.path("mailbox");
    let sender = t.start(["send", "mailbox", &message])?;
    // The sender posts the message and then waits for it to be taken. Meanwhile its memory map
    // must show the mailbox file mapped shared.
    let mut mailbox = None;
    let waiting_for = "the grader waited for `ex4 send` to mark the mailbox full (state 1)";
    let sender = sender
        .wait_until(|_| {
            mailbox = mailbox
                .take()
                .or_else(|| Mailbox::open(&path).ok().filter(|m| m.state() == Ok(FULL)));
            mailbox.is_some()
        })
        .map_err(|run| {
            let story = run.timed_out.then(|| mailbox_story(&path, Sides::Send));
            waited_for(waiting_for)(run).map_reason(|why| {
                [Some(why), story]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        })?;
    let mailbox = mailbox.expect("found above");
    let shared = maps_shared(&sender, &path);
    let got = mailbox.take()?;
    let mut run = sender.finish();
    run.printed(b"")?;
    only_through_the_mapping(&run, &path)?;
    ensure(shared, || {
        "while `ex4 send` waited, its memory map showed no shared mapping of the mailbox file"
            .into()
    })?;
    run.with_stderr(crate::expect::same_bytes(
        MAILBOX_MESSAGE,
        &got,
        message.as_bytes(),
    ))
}

pub fn recv_first(t: &mut Ctx) -> Verdict {
    let message = t.text(t.between(1, 300) as usize);
    let path = t.path("mailbox");
    let receiver = t.start(["recv", "mailbox"])?;
    // Wait until the receiver has made and mapped the mailbox, then post.
    let receiver = receiver
        .wait_until(|r| maps_shared(r, &path))
        .map_err(waited_for(
            "the grader waited for `ex4 recv` to map the mailbox file shared",
        ))?;
    std::thread::sleep(Duration::from_millis(20));
    let mailbox = Mailbox::open(&path)?;
    ensure(mailbox.state()? == EMPTY, || {
        "`ex4 recv` changed the state of an empty mailbox before any message came".into()
    })?;
    mailbox.post(message.as_bytes())?;
    let mut run = receiver.finish();
    side_printed(
        &mut run,
        format!("{message}\n").as_bytes(),
        &path,
        Sides::Recv,
    )?;
    only_through_the_mapping(&run, &path)?;
    ensure(mailbox.state()? == TAKEN, || {
        "after printing the message, `ex4 recv` should have marked the mailbox taken (state 2)"
            .into()
    })
}

pub fn both_sides(t: &mut Ctx) -> Verdict {
    // The program plays both sides, each starting first once.
    for recv_first in [true, false] {
        let name = format!("mailbox-{recv_first}");
        let message = t.text(t.between(1, 200) as usize);
        let (first, second): (Vec<&str>, Vec<&str>) = if recv_first {
            (vec!["recv", &name], vec!["send", &name, &message])
        } else {
            (vec!["send", &name, &message], vec!["recv", &name])
        };
        let first = t.start(first)?;
        std::thread::sleep(Duration::from_millis(30));
        let second = t.start(second)?;
        let (first, second) = (first.finish(), second.finish());
        let (mut sent, mut received) = if recv_first {
            (second, first)
        } else {
            (first, second)
        };
        let path = t.path(&name);
        side_printed(&mut sent, b"", &path, Sides::Both)?;
        side_printed(
            &mut received,
            format!("{message}\n").as_bytes(),
            &path,
            Sides::Both,
        )?;
    }
    Ok(())
}

pub fn long_and_empty_messages(t: &mut Ctx) -> Verdict {
    for len in [CAPACITY, 0] {
        let message = t.text(len);
        let receiver = t.start(["recv", "mailbox"])?;
        let sender = t.start(["send", "mailbox", &message])?;
        let path = t.path("mailbox");
        side_printed(&mut sender.finish(), b"", &path, Sides::Both)?;
        side_printed(
            &mut receiver.finish(),
            format!("{message}\n").as_bytes(),
            &path,
            Sides::Both,
        )?;
        std::fs::remove_file(t.path("mailbox")).map_err(|e| e.to_string())?;
    }
    let too_long = t.text(CAPACITY + 1);
    t.run(["send", "mailbox", &too_long]).failed_with(2, "ex4")
}

pub fn mailbox_errors(t: &mut Ctx) -> Verdict {
    std::fs::create_dir(t.path("dir")).map_err(|e| e.to_string())?;
    t.run(["send", "no/such/dir/mailbox", "hi"])
        .failed_naming("ex4", "no/such/dir/mailbox")?;
    t.run(["recv", "dir"]).failed_naming("ex4", "dir")?;
    usage_errors(
        t,
        &[
            &["send", "mailbox"],
            &["recv"],
            &["recv", "a", "b"],
            &["mail", "x"],
        ],
    )
}
