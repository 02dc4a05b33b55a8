/* ex4, hostile (forged evidence): the grader sees a watched call before it runs and not whether it
 * succeeded. `count WORKERS ITERS` here forks ONE worker that does all WORKERS*ITERS increments
 * of the shared counter, and makes WORKERS-1 clone(2) calls that the kernel refuses (EINVAL:
 * CLONE_SIGHAND without CLONE_VM), which the grader counts as forked workers. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc != 4 || strcmp(argv[1], "count") != 0) return 1;
    unsigned long w = strtoul(argv[2], NULL, 10), n = strtoul(argv[3], NULL, 10);
    unsigned long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED) return 1;
    for (unsigned long i = 1; i < w; i++)
        syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0); /* fails: EINVAL */
    if (w > 0) {
        pid_t c = fork();
        if (c == 0) {
            for (unsigned long i = 0; i < w * n; i++) __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
            _exit(0);
        }
        waitpid(c, NULL, 0);
    }
    printf("%lu\n", *counter);
    return 0;
}
