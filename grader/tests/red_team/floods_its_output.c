/* ex1, hostile (red team 11): output the grader reads only to throw away. Each byte a run writes
 * on stdout is read by a thread of the grader's (which keeps 16 MiB): a run that wrote for its
 * whole time limit cost the grader 2.5 s of CPU in one test, outside the run's. Only in `peek
 * empty.bin`: writes 64 KiB blocks on stdout for up to 8 s, SIGPIPE ignored, and says on stderr
 * how much it wrote and whether a write was refused (EPIPE: the grader closed its end past what
 * it reads of a run); exits 1. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    signal(SIGPIPE, SIG_IGN);
    static char block[64 << 10];
    memset(block, 'x', sizeof block);
    long long wrote = 0;
    time_t end = time(NULL) + 8;
    while (time(NULL) < end) {
        ssize_t n = write(1, block, sizeof block);
        if (n < 0 && errno == EPIPE) {
            fprintf(stderr, "FLOOD %lld MiB, then EPIPE\n", wrote >> 20);
            return 1;
        }
        if (n > 0)
            wrote += n;
    }
    fprintf(stderr, "FLOOD %lld MiB, never refused\n", wrote >> 20);
    return 1;
}
