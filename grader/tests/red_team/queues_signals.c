/* ex1, hostile (red team 7): queued signals and POSIX timers count against the user's
 * RLIMIT_SIGPENDING, shared by every process of the user. Only in `peek empty.bin`: with SIGRTMIN
 * blocked, the program queues it to itself until the kernel refuses (EAGAIN), then says how many
 * it queued and exits 0. As an ordinary user with the grader's limit, red team 7 queued 70,160,
 * and the user's other programs' timer_create failed. Now a run's limit is 64. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    long queued = 0;
    union sigval value = {0};
    while (queued < 1000000 && sigqueue(getpid(), SIGRTMIN, value) == 0)
        queued++;
    printf("QUEUED %ld\n", queued);
    return 0;
}
