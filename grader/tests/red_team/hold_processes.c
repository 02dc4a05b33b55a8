/* ex1, hostile: on each run, holds HOLD processes (500, under the 512 a run may have) for
 * SECONDS (3) and then behaves as ex1 should (tests/foreign/ex1.c). Harmless where each check
 * has a user of its own; where runs share a uid, the processes count against the process limit
 * (RLIMIT_NPROC) of every run of that uid, a neighbour's and the grader's own tools' included:
 * their fork (and, after setuid, their exec) fails with EAGAIN.
 *
 *   cc -O2 -o hold_processes hold_processes.c
 */
#define _GNU_SOURCE
#include <signal.h>
#include <time.h>
#define main honest_main
#include "../foreign/ex1.c"
#undef main

#ifndef HOLD
#define HOLD 500
#endif
#ifndef SECONDS
#define SECONDS 3
#endif

int main(int argc, char **argv)
{
    int held = 0;
    for (int i = 0; i < HOLD; i++) {
        pid_t child = fork();
        if (child == 0) {
            sleep(SECONDS + 1);
            _exit(0);
        }
        if (child < 0)
            break;
        held++;
    }
    sleep(SECONDS);
    if (argc > 1 && strcmp(argv[1], "bump") == 0) {
        fprintf(stderr, "HOLD held %d processes as uid %d\n", held, (int)getuid());
        return 1;
    }
    return honest_main(argc, argv);
}
