/* Not a submission: an ordinary user's other work (a browser, an IDE), as threads. Holds N
 * threads (1000) for S seconds (120). RLIMIT_NPROC counts threads; the grader counts the user's
 * processes in /proc (confine::processes_of) to set a run's RLIMIT_NPROC.
 *
 *   cc -O2 -pthread -o many_threads many_threads.c; ./many_threads 1000 120 &
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned hold;

static void *sleeper(void *arg)
{
    (void)arg;
    sleep(hold);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    hold = argc > 2 ? (unsigned)atoi(argv[2]) : 120;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 << 10);
    int made = 0;
    for (; made < n; made++) {
        pthread_t t;
        if (pthread_create(&t, &attr, sleeper, NULL) != 0)
            break;
    }
    fprintf(stderr, "%d threads\n", made);
    sleep(hold);
    return 0;
}
