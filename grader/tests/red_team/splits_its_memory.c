/* ex1, hostile (red team 7): each area of a process's memory map is kernel memory that no
 * process's resident memory shows. Only in `peek empty.bin`: one mapping of AREAS pages, not
 * touched, every other page mprotected (mprotect is not a watched call), makes AREAS areas; then
 * the program says so and exits 0. Red team 7 split 65,000 areas in each of 150 forked processes:
 * 1.4 GiB of the kernel's, past an ordinary user's watchdog. Now a process whose map is longer
 * than the grader reads (some 400 areas; a program of the kit has under a hundred) puts its run
 * past its bound. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define AREAS 2000

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    size_t page = 4096;
    char *p = mmap(NULL, AREAS * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    for (int i = 0; i < AREAS; i += 2)
        mprotect(p + i * page, page, PROT_READ | PROT_WRITE);
    printf("AREAS %d\n", AREAS);
    fflush(stdout);
    sleep(1); /* long enough for the watchdog to look */
    return 0;
}
