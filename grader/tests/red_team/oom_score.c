/* ex1, probe (red team 4, memory_fan.c's cause): without a cgroup, a run's memory is bounded
 * per process only, and the machine's OOM killer chose among everything of the user by size
 * (the instructor's browser, editor, or the grader). `bump` waits 3 s and fails, so that the test
 * can read its oom_score_adj from outside (a run cannot read /proc: Landlock); with the defence it
 * is 1000 (the run is killed first). Otherwise behaves as ex1 should (tests/foreign/ex1.c).
 *
 *   cc -O2 -o oom_score oom_score.c
 */
#define main honest_main
#include "../foreign/ex1.c"
#undef main

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bump") == 0) {
        sleep(3);
        return 1;
    }
    return honest_main(argc, argv);
}
