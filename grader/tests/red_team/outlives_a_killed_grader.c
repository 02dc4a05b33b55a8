/* ex1, hostile (red team 10): each run leaves SLEEPERS grandchildren behind it, then behaves as
 * ex1 should, so that it loses nothing while the grader lives (the grader kills and reaps what
 * a run leaves, at its end). A sleeper waits for the grader, its parent once the child that made
 * it has exited (the grader is a subreaper), to go: then it touches MIB MiB and sleeps an hour.
 * A grader killed by SIGKILL (a cancelled CI job, the OOM killer) can kill nothing, so the
 * sleepers lived on, as root and as an ordinary user, memory and all (red team 10: 8 of 200 MiB
 * each), and the next grader left them. Now the next grader kills them: the grader writes down
 * each live run's process group in its folder.
 *   cc -O2 [-DSLEEPERS=2] [-DMIB=4] -o outlives_a_killed_grader outlives_a_killed_grader.c */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define main honest_main
#include "../foreign/ex1.c"
#undef main

#ifndef SLEEPERS
#define SLEEPERS 2
#endif
#ifndef MIB
#define MIB 4
#endif

static void sleeper(void)
{
    size_t size = (size_t)MIB << 20;
    volatile char *area =
        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        _exit(1);
    /* Until the child that made it has exited, its parent is that child. */
    pid_t maker = getppid();
    while (getppid() == maker)
        usleep(10000);
    pid_t grader = getppid();
    while (getppid() == grader)
        usleep(50000);
    for (size_t at = 0; at < size; at += 4096)
        area[at] = 1;
    sleep(3600);
    _exit(0);
}

int main(int argc, char **argv)
{
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < SLEEPERS; i++)
            if (fork() == 0)
                sleeper();
        _exit(0);
    }
    waitpid(child, NULL, 0);
    /* A second of each run with the sleepers there, for the grader to be killed in. */
    sleep(1);
    return honest_main(argc, argv);
}
