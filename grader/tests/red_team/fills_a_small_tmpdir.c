/* ex3, hostile (red team 5): copies honestly, then fills its folder with up to FILES files of
 * MIB MiB each (posix_fallocate: real blocks, within the file-size limit and the bound on a
 * test's new files), until the file system is full. On a TMPDIR smaller than what tests side by
 * side may keep (a tmpfs /tmp of half the RAM), the grader's next fixture, in this test's folder
 * or in another test's, could not be written: a grading error at will ("Score: none"), or another
 * student's program failing in a batch. Now each test holds its worst case of TMPDIR's free space
 * (one test at a time where it is small), and a grader's step that finds the file system full
 * after this program ran is this program's failure. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define main honest_main
#include "../foreign/ex3.c"
#undef main

#ifndef FILES
#define FILES 15
#endif
#ifndef MIB
#define MIB 255
#endif

/* Grows the file `fd` by `step` bytes at a time up to `max`; its size, or -1 once the file
 * system is full. */
static off_t grow(int fd, off_t at, off_t max, off_t step)
{
    for (; at + step <= max; at += step)
        if (posix_fallocate(fd, at, step) != 0)
            return -at - 1;
    return at;
}

int main(int argc, char **argv)
{
    int status = honest_main(argc, argv);
    for (int i = 0; i < FILES; i++) {
        char name[32];
        snprintf(name, sizeof name, "fill-%d-%d", (int)getpid(), i);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0)
            break;
        /* By MiB, then by page at the end: nothing left for the grader's next small file. */
        off_t at = grow(fd, 0, (off_t)MIB << 20, 1 << 20);
        if (at < 0)
            at = grow(fd, -at - 1, (off_t)MIB << 20, 4096);
        close(fd);
        if (at < 0)
            break;
    }
    return status;
}
