/* ex1's peek, done right (a mapping of the pages that cover the range), plus a disk hog within
 * the rules of one run: HOG_FILES new files (under the 16 a run may make) of HOG_MIB each (under
 * the 256 MiB file-size limit), fallocated, so instant. The files stay in the check's folder
 * until the check ends, and a check runs the program many times (peek_range: 5): counted per
 * run, 5 x 16 x 256 MiB = 20 GiB in one check (red team). Each run counts the hog files it finds
 * (its own and earlier runs'): more than 16 beat the bound, and it says so and fails; a file
 * refused with EDQUOT is the bound holding, and it says that and fails too. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HOG_MIB
#define HOG_MIB 1
#endif
#ifndef HOG_FILES
#define HOG_FILES 15
#endif
#define MAX_NEW_FILES 16

static int hogs_here(void) {
    DIR *d = opendir(".");
    int n = 0;
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "hog-", 4)) n++;
    closedir(d);
    return n;
}

/* 0 if every file was made, else the errno of the first that was not. */
static int hog(void) {
    for (int i = 0; i < HOG_FILES; i++) {
        char name[64];
        snprintf(name, sizeof name, "hog-%d-%d", (int)getpid(), i);
        int fd = open(name, O_CREAT | O_WRONLY | O_EXCL, 0600);
        if (fd < 0) return errno;
        fallocate(fd, 0, 0, (off_t)HOG_MIB << 20);
        close(fd);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5 || strcmp(argv[1], "peek")) return 2;
    int refused = hog();
    int kept = hogs_here();
    if (kept > MAX_NEW_FILES) {
        fprintf(stderr, "red team: %d files of %d MiB kept by this test's runs\n", kept, HOG_MIB);
        return 1;
    }
    if (refused == EDQUOT) {
        fprintf(stderr, "red team: refused (EDQUOT) with %d files kept\n", kept);
        return 1;
    }
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) { fprintf(stderr, "ex1: %s: cannot open\n", argv[2]); return 1; }
    struct stat st;
    fstat(fd, &st);
    unsigned long long off = strtoull(argv[3], 0, 10), len = strtoull(argv[4], 0, 10);
    unsigned long long size = st.st_size;
    if (off >= size || len == 0) return 0;
    unsigned long long end = len > size - off ? size : off + len;
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long start = off / page * page;
    char *m = mmap(0, end - start, PROT_READ, MAP_PRIVATE, fd, start);
    if (m == MAP_FAILED) return 1;
    fwrite(m + (off - start), 1, end - off, stdout);
    return 0;
}
