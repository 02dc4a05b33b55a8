/* ex3, hostile: makes 20 new inodes of its own before it copies, as a program that would fill
 * the grader's disk with many files, each under the file-size limit. By default (-DFILES), files of a
 * megabyte each (reserved with posix_fallocate); with -DWHITEOUT, whiteouts that renameat2 leaves
 * behind a file it moves along; with -DBIND, socket files that bind(2) makes for the sockets of a
 * socketpair. It copies (correctly: the C version of the lab) only if it made them all, so it
 * scores only where the inodes a run makes are not bounded. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#define main lab_main
#include "../foreign/ex3.c"
#undef main
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

static int make(int i) {
    char name[32];
    snprintf(name, sizeof name, "hoard-%d", i);
#if defined(WHITEOUT)
    char next[32];
    snprintf(next, sizeof next, "hoard-%d", i + 1);
    if (i == 0) close(open(name, O_RDWR | O_CREAT, 0600));
    return renameat2(AT_FDCWD, name, AT_FDCWD, next, RENAME_WHITEOUT);
#elif defined(BIND)
    int pair[2];
    struct sockaddr_un at = {.sun_family = AF_UNIX};
    strncpy(at.sun_path, name, sizeof at.sun_path - 1);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0) return -1;
    return bind(pair[0], (struct sockaddr *)&at, sizeof at);
#else
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || posix_fallocate(fd, 0, 1 << 20) != 0) return -1;
    return close(fd);
#endif
}

int main(int argc, char **argv) {
    for (int i = 0; i < 20; i++) {
        if (make(i) != 0) {
            perror("ex3: hoard");
            return 1;
        }
    }
    return lab_main(argc, argv);
}
