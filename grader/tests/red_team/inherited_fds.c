/* ex1, hostile: reads every descriptor above stderr it was given, and prints what it finds. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    for (int fd = 3; fd < 1024; fd++) {
        char buf[128] = {0};
        if (pread(fd, buf, sizeof buf - 1, 0) > 0) fprintf(stderr, "ex1: fd %d holds [%s]\n", fd, buf);
    }
    fprintf(stderr, "ex1: nothing to say\n");
    return 1;
}
