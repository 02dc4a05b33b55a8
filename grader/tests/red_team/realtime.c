/* ex1, hostile: the grader does not reset RLIMIT_RTPRIO and RLIMIT_NICE, so a run inherits the
 * grader's (an ordinary user in the `audio` group often has `rtprio 95` from
 * /etc/security/limits.d; a root grader may have any). With them, a run may make itself
 * SCHED_FIFO (the filter allows sched_setscheduler on pid 0): a real-time process that spins
 * starves every ordinary process of the machine, the grader and its neighbours included, and is
 * not bound by a cgroup's cpu.max (which applies to ordinary scheduling only). Or raise its own
 * priority (nice -20) over the grader's. `bump` reports what it got on stderr and fails; SPIN
 * (ms, default 0) spins that long in real time to show the effect. Otherwise behaves as ex1
 * should (tests/foreign/ex1.c).
 *
 *   cc -O2 -o realtime realtime.c
 *   prlimit --rtprio=50:50 --nice=40:40 grader ex1 --bin ex1=./realtime | grep RT
 */
#define _GNU_SOURCE
#include <sched.h>
#include <time.h>
#include <sys/resource.h>
#define main honest_main
#include "../foreign/ex1.c"
#undef main

#ifndef SPIN
#define SPIN 0
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bump") == 0) {
        struct rlimit rt, ni;
        getrlimit(RLIMIT_RTPRIO, &rt);
        getrlimit(RLIMIT_NICE, &ni);
        struct sched_param p = {.sched_priority = 1};
        int fifo = sched_setscheduler(0, SCHED_FIFO, &p);
        int fifo_errno = errno;
        int nice = setpriority(PRIO_PROCESS, 0, -20);
        int nice_errno = errno;
        fprintf(stderr, "RT rlimit_rtprio=%ld rlimit_nice=%ld SCHED_FIFO:%s policy now %d, "
                "nice -20:%s nice now %d\n", (long)rt.rlim_cur, (long)ni.rlim_cur,
                fifo == 0 ? "ok" : strerror(fifo_errno), sched_getscheduler(0),
                nice == 0 ? "ok" : strerror(nice_errno), getpriority(PRIO_PROCESS, 0));
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        do
            clock_gettime(CLOCK_MONOTONIC, &now);
        while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < SPIN);
        return 1;
    }
    return honest_main(argc, argv);
}
