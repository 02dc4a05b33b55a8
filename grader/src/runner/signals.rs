//! Deaths by a signal, in words a student can act on.

/// The signal's name and its most likely cause in a program of this kit.
pub fn describe_signal(signal: i32) -> String {
    let (name, cause) = match signal {
        libc::SIGBUS => (
            "SIGBUS",
            "was the mapping touched past the end of the file, or did the disk fill up \
             (posix_fallocate reserves the space first)?",
        ),
        libc::SIGSEGV => (
            "SIGSEGV",
            "was memory used after munmap, written through a read-only mapping, or accessed past \
             the end of a mapping?",
        ),
        libc::SIGXFSZ => ("SIGXFSZ", "the file-size limit (RLIMIT_FSIZE) was passed"),
        libc::SIGABRT => ("SIGABRT", "abort() was called, or a panic while panicking"),
        libc::SIGKILL => (
            "SIGKILL",
            "killed by the grader when the time ran out, or by the OOM killer",
        ),
        libc::SIGPIPE => ("SIGPIPE", "it wrote to a pipe that nobody reads"),
        libc::SIGILL => (
            "SIGILL",
            "an illegal instruction, such as an overflow check failing",
        ),
        libc::SIGFPE => ("SIGFPE", "a division by zero"),
        libc::SIGSYS => (
            "SIGSYS",
            "a system call that the grader does not allow here",
        ),
        _ => ("an unusual signal", "see signal(7)"),
    };
    format!("killed by {name} (signal {signal}): {cause}")
}
