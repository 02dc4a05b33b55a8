/* ex1, hostile, for an ordinary user's grader (no cgroup): a run's processes count against the
 * user's RLIMIT_NPROC, which the grader shares. Only in the test `peek empty.bin`, the run forks
 * until fork fails and holds its processes HOLD seconds (5); the other checks, graded beside it,
 * need processes (the grader's threads, its forks of their runs) of the same user meanwhile.
 * Matters when the user's own limit (ulimit -u) is near what the grader gives the run (red team 4:
 * with ulimit -Su 300, "Score: none"; grader/tests/red_team.rs grades it so).
 *
 *   cc -O2 -o hold_user_processes hold_user_processes.c
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef HOLD
#define HOLD 5
#endif

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    int n = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            sleep(HOLD);
            _exit(0);
        }
        n++;
    }
    printf("FORKED %d\n", n);
    sleep(HOLD);
    return 0;
}
