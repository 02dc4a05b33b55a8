/* ex4 `count`, hostile (red team 11): one counter in a shared anonymous mapping, updated with a
 * plain load and store (not atomic), and workers that never overlap. The parent forks them all at
 * once; each polls a turn word beside the counter until the worker before it is done, counts, and
 * passes the turn on. Jostling them loses nothing, since no two ever count at once, and the
 * counter moves as a shared one does. Letting each worker run alone catches it: a worker waiting
 * for its turn moves nothing (red_team.rs: workers_taking_turns_do_not_count_atomically). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int number(const char *s, uint64_t *out) {
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return 0;
    errno = 0;
    *out = strtoull(s, 0, 10);
    return errno == 0;
}

int main(int argc, char **argv) {
    uint64_t workers, iters;
    if (argc != 4 || strcmp(argv[1], "count") || !number(argv[2], &workers) ||
        !number(argv[3], &iters) || workers < 1 || workers > 64 ||
        (iters && workers > UINT64_MAX / iters)) {
        fprintf(stderr, "ex4: usage: ex4 count WORKERS ITERS\n");
        return 2;
    }
    volatile uint64_t *counter =
        mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED)
        return 1;
    volatile uint64_t *turn = counter + 1;
    for (uint64_t k = 0; k < workers; k++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            while (*turn != k)
                usleep(100);
            for (uint64_t i = 0; i < iters; i++) {
                *counter = *counter + 1;
                for (volatile int slow = 0; slow < 8; slow++) /* as slow as an atomic add */
                    ;
            }
            *turn = k + 1;
            _exit(0);
        }
    }
    int status, bad = 0;
    while (wait(&status) > 0)
        bad |= !WIFEXITED(status) || WEXITSTATUS(status);
    if (bad) {
        fprintf(stderr, "ex4: a worker failed\n");
        return 1;
    }
    printf("%llu\n", (unsigned long long)*counter);
    return 0;
}
