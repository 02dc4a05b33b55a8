/* ex1, hostile: makes the grader work for it. Every mmap, munmap, madvise... of a run waits for
 * the grader's answer (seccomp user notification), and the grader's thread that answers is in no
 * cgroup of the run's: its CPU is outside the run's quota. Only in `peek empty.bin`, 8 processes
 * call madvise(MADV_NORMAL) on one page in a loop until they are stopped (red team 4: 11 s of
 * the grader's CPU in one test, while the run's time limit ran out). */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    for (int i = 1; i < 8; i++)
        if (fork() == 0)
            break;
    static char page[4096] __attribute__((aligned(4096)));
    for (;;)
        madvise(page, sizeof page, MADV_NORMAL);
}
