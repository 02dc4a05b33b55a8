/* ex1, hostile: before each command, acts on every process it can name but itself: all of its
 * user's and its process group's (setpriority), the grader (its parent) and the pids around it,
 * where a neighbour (another grader, a shell of the same user) may be: their CPU time and file
 * size limits (the kernel kills a process past them), priority, CPUs, scheduling and I/O
 * priority. Then `peek` works as it should (the C version of tests/foreign), and `bump` fails,
 * so that the grader's report of its failure shows which call was refused. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#define main honest_main
#include "../foreign/ex1.c"
#undef main

/* How far from its parent's pid it looks for neighbours. */
#define NEAR 64

static void reach(pid_t pid)
{
    struct rlimit cpu = {1, 1}, fsize = {4096, 4096};
    prlimit(pid, RLIMIT_CPU, &cpu, NULL);
    prlimit(pid, RLIMIT_FSIZE, &fsize, NULL);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(pid, sizeof one, &one);
    setpriority(PRIO_PROCESS, (id_t)pid, 19);
    struct sched_param idle = {0};
    sched_setscheduler(pid, SCHED_IDLE, &idle);
    /* IOPRIO_WHO_PROCESS, the idle class. */
    syscall(SYS_ioprio_set, 1, pid, 3 << 13);
}

int main(int argc, char **argv)
{
    setpriority(PRIO_USER, getuid(), 19);
    setpriority(PRIO_PGRP, 0, 19);
    pid_t parent = getppid();
    reach(parent);
    for (pid_t pid = parent - NEAR; pid <= parent + NEAR; pid++)
        if (pid > 1 && pid != parent && pid != getpid())
            reach(pid);
    if (argc > 1 && strcmp(argv[1], "bump") == 0) {
        fprintf(stderr, "ex1: bump: not done\n");
        return 1;
    }
    return honest_main(argc, argv);
}
