/* ex4 `count`, hostile: no shared counter and no atomic read-modify-write. Each forked worker
 * counts with plain stores in a slot of its own of a MAP_SHARED|MAP_ANONYMOUS page (a value "on
 * its way" for the grader to see), and the parent prints WORKERS * ITERS. With -DFORGE, the
 * parent also stores, once, a word that looks like a shared counter on its way (above ITERS, not
 * a multiple of it), and red team 10 passed the test that looks for one so: now the grader needs
 * to see the counter move. With -DMOVING, worker 0 also moves such a word as it counts (red team
 * 11 passed so): now the grader lets each worker run alone, and the same word must move under
 * each. With -DRESUMES, a worker resumed by SIGCONT resumes its whole group (one worker at a
 * time), so that while one runs "alone" all the others move their slots too: the grader
 * sees the others' CPU time grow, and such a lone run proves nothing. With -DPROXY (red team 13),
 * the same through an orphan the program left to the grader, which counts in a word of its own
 * and which each worker resumes (their slots are in a page the grader does not read): the grader watches every process of the run's group, orphans
 * too. With -DAT_END (red team 13), each worker counts in private memory and adds its count to
 * the shared word once, at the end: alone, the word jumps by ITERS once, never counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#ifdef PROXY
static volatile pid_t *proxy;

static void resume_proxy(int signal) {
    kill(*proxy, signal);
}
#endif
#ifdef RESUMES
/* The last time a worker resumed the group, in the shared page: one at a time resumes it. */
static volatile int64_t *last_resumed;

static void resume_all(int signal) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns = now.tv_sec * 1000000000L + now.tv_nsec;
    if (ns - *last_resumed < 200000)
        return;
    *last_resumed = ns;
    kill(0, signal);
}
#endif

int main(int argc, char **argv) {
    if (argc != 4 || strcmp(argv[1], "count")) {
        fprintf(stderr, "ex4: usage\nusage: ex4 count WORKERS ITERS\n");
        return 2;
    }
    uint64_t workers = strtoull(argv[2], 0, 10), iters = strtoull(argv[3], 0, 10);
    if (workers < 1 || workers > 64) { fprintf(stderr, "ex4: usage\nusage: ex4 count\n"); return 2; }
    volatile uint64_t *slot = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile uint64_t *counts = slot;
#ifdef FORGE
    slot[511] = iters + 1;
#endif
#ifdef PROXY
    counts = slot + 512; /* in the second page, which the grader does not read */
    proxy = (volatile pid_t *)&slot[400];
    if (fork() == 0) {
        if (fork() == 0) {
            *proxy = getpid();
            for (;;) {
                __atomic_fetch_add(&slot[300], 1, __ATOMIC_RELAXED);
                for (volatile int slow = 0; slow < 100; slow++)
                    ;
            }
        }
        _exit(0);
    }
    wait(NULL);
    while (!*proxy)
        ;
#endif
    for (uint64_t k = 0; k < workers; k++)
        if (fork() == 0) {
#ifdef RESUMES
            last_resumed = (volatile int64_t *)&slot[500];
            signal(SIGCONT, resume_all);
#endif
#ifdef PROXY
            signal(SIGCONT, resume_proxy);
#endif
#ifdef AT_END
            volatile uint64_t mine = 0;
            for (uint64_t i = 0; i < iters; i++)
                mine++;
            __atomic_fetch_add(&slot[0], mine, __ATOMIC_RELAXED);
            _exit(0);
#endif
            for (uint64_t i = 0; i < iters; i++) {
                counts[k] = i + 1;
#ifdef MOVING
                if (k == 0) slot[511] = iters + 1 + i;
#endif
#if defined(RESUMES) || defined(PROXY)
                for (volatile int slow = 0; slow < 8; slow++) /* lasts while the grader looks */
                    ;
#endif
            }
            _exit(0);
        }
    int status, bad = 0;
    while (wait(&status) > 0) bad |= !WIFEXITED(status) || WEXITSTATUS(status);
    if (bad) return 1;
    printf("%llu\n", (unsigned long long)(workers * iters));
    return 0;
}
