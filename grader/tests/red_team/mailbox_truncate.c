/* ex4, hostile: a correct exchange, then recv truncates the mailbox to nothing: a grader that
 * still has the file mapped dies by SIGBUS on its next look at the state. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
static volatile uint32_t *box(const char *path, int *fd) {
    *fd = open(path, O_RDWR | O_CREAT | O_NONBLOCK, 0666);
    if (*fd < 0) { fprintf(stderr, "ex4: cannot open '%s'\n", path); exit(1); }
    struct stat st;
    fstat(*fd, &st);
    if (!S_ISREG(st.st_mode)) { fprintf(stderr, "ex4: cannot use '%s'\n", path); exit(1); }
    if (st.st_size < 4096) ftruncate(*fd, 4096);
    return mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
}
int main(int argc, char **argv) {
    int fd;
    if (argc == 3 && !strcmp(argv[1], "recv")) {
        volatile uint32_t *b = box(argv[2], &fd);
        while (__atomic_load_n(&b[0], __ATOMIC_ACQUIRE) != 1) usleep(200);
        fwrite((char *)b + 8, 1, b[1], stdout);
        fputc('\n', stdout);
        fflush(stdout);
        __atomic_store_n(&b[0], 2, __ATOMIC_RELEASE);
        ftruncate(fd, 0);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "send")) {
        volatile uint32_t *b = box(argv[2], &fd);
        b[1] = strlen(argv[3]);
        memcpy((char *)b + 8, argv[3], b[1]);
        __atomic_store_n(&b[0], 1, __ATOMIC_RELEASE);
        while (__atomic_load_n(&b[0], __ATOMIC_ACQUIRE) != 2) usleep(200);
        return 0;
    }
    fprintf(stderr, "ex4: usage\nusage: ex4 send|recv ...\n");
    return 2;
}
