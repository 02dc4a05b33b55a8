/* ex1, hostile: RLIMIT_FSIZE (256 MiB a file) bounds a file's size, but the kernel checks it
 * only where fallocate(2) would change the size: with FALLOC_FL_KEEP_SIZE, the blocks past the
 * end of the file are reserved (real disk) while its size stays 0. `bump` reserves GIB GiB (1,
 * four times the limit) for one new file of its folder, reports on stderr how much disk the
 * file then holds (st_blocks), and fails. A larger GIB fills the disk of TMPDIR (the machine's,
 * for every other process) for as long as the check lasts. Otherwise behaves as ex1 should.
 *
 *   cc -O2 -o keep_size keep_size.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/falloc.h>
#define main honest_main
#include "../foreign/ex1.c"
#undef main

#ifndef GIB
#define GIB 1
#endif
/* With FILL defined, `bump` reserves 64 MiB at a time until the file system is full (at most
 * GIB GiB), and holds it for HOLD seconds (2): the grader's own files, in this check, in the
 * checks running beside it and in every other program on that file system, then fail with
 * ENOSPC. (A failing fallocate may give back what it reserved: hence the small steps.) */
#ifndef HOLD
#define HOLD 2
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bump") == 0) {
        int fd = open("reserve", O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            fprintf(stderr, "KEEP open: %s\n", strerror(errno));
            return 1;
        }
#ifdef FILL
        off_t at = 0;
        int r = 0;
        while (at < ((off_t)GIB << 30) && (r = fallocate(fd, FALLOC_FL_KEEP_SIZE, at, 64 << 20)) == 0)
            at += 64 << 20;
        int e = errno;
        sleep(HOLD);
#else
        int r = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)GIB << 30);
        int e = errno;
#endif
        struct stat st;
        fstat(fd, &st);
        fprintf(stderr, "KEEP fallocate(KEEP_SIZE, %d GiB): %s; size %lld, disk %lld MiB\n", GIB,
                r == 0 ? "ok" : strerror(e), (long long)st.st_size,
                (long long)st.st_blocks * 512 >> 20);
        return 1;
    }
    return honest_main(argc, argv);
}
