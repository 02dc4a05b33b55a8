/* ex4 `count`, hostile: no shared counter and no atomic read-modify-write. Each forked worker
 * counts with plain stores in a slot of its own of a MAP_SHARED|MAP_ANONYMOUS page (a value "on
 * its way" for the grader to see), and the parent prints WORKERS * ITERS. With -DFORGE, the
 * parent also stores, once, a word that looks like a shared counter on its way (above ITERS, not
 * a multiple of it), and red team 10 passed the test that looks for one so: now the grader needs
 * to see the counter move. With -DMOVING, worker 0 also moves such a word as it counts (red team
 * 11 passed so): now the grader lets each worker run alone, and the same word must move under
 * each. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
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
            for (uint64_t i = 0; i < iters; i++) {
                slot[k] = i + 1;
#ifdef MOVING
                if (k == 0) slot[511] = iters + 1 + i;
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
