/* ex4 `count`, hostile: no shared counter and no atomic read-modify-write. Each forked worker
 * counts with plain stores in a slot of its own of a MAP_SHARED|MAP_ANONYMOUS page (a value "on
 * its way" for the grader to see), and the parent prints WORKERS * ITERS. With -DFORGE, the
 * parent also stores, once, a word that looks like a shared counter on its way (above ITERS, not
 * a multiple of it), and red team 10 passed the test that looks for one so: now the grader needs
 * to see the counter move. With -DMOVING, worker 0 also moves such a word as it counts (red team
 * 11 passed so): now the grader lets each worker run alone, and the same word must move under
 * each. With -DRESUMES, a worker resumed by SIGCONT resumes its whole group (one worker at a
 * time), so that while one runs "alone" all the others move their slots too: the grader
 * sees the others' CPU time grow, and such a lone run proves nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
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
    volatile uint64_t *slot = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
#ifdef FORGE
    slot[511] = iters + 1;
#endif
    for (uint64_t k = 0; k < workers; k++)
        if (fork() == 0) {
#ifdef RESUMES
            last_resumed = (volatile int64_t *)&slot[500];
            signal(SIGCONT, resume_all);
#endif
            for (uint64_t i = 0; i < iters; i++) {
                slot[k] = i + 1;
#ifdef MOVING
                if (k == 0) slot[511] = iters + 1 + i;
#endif
#ifdef RESUMES
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
