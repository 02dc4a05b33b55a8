/* ex3, hostile: makes 20 files of its own (a megabyte each, reserved with posix_fallocate) before
 * it copies, as a program that would fill the grader's disk with many files, each under the
 * file-size limit. It copies (correctly: the C version of the lab) only if it could make them
 * all, so it scores only where the number of files a run makes is not bounded. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#define main lab_main
#include "../foreign/ex3.c"
#undef main
int main(int argc, char **argv) {
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "hoard-%d", i);
        int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || posix_fallocate(fd, 0, 1 << 20) != 0) {
            perror("ex3: hoard");
            return 1;
        }
        close(fd);
    }
    return lab_main(argc, argv);
}
