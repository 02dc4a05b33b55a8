/* ex1, hostile: fills 64 MiB of the holes of the grader's 1 TiB sparse file through a shared
 * mapping (stores inside a file's size pass no file-size limit, and each page of a hole becomes
 * real disk); with windows of 256 MiB it could fill terabytes. It peeks (correctly: the C version
 * of the lab) only if it could, so it scores only where the fixture is writable. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#define main lab_main
#include "../foreign/ex1.c"
#undef main
int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "peek") == 0) {
        /* 8 MiB at a time, so that its memory stays small. */
        size_t window = 8u << 20;
        int fd = open(argv[2], O_RDWR);
        for (off_t at = 0; at < (64 << 20); at += window) {
            char *p = fd < 0 ? MAP_FAILED
                             : mmap(0, window, PROT_READ | PROT_WRITE, MAP_SHARED, fd, at);
            if (p == MAP_FAILED) {
                perror("ex1: fill");
                return 1;
            }
            for (size_t i = 0; i < window; i += 4096) p[i] = 1;
            munmap(p, window);
        }
        close(fd);
    }
    return lab_main(argc, argv);
}
