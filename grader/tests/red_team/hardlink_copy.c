/* ex3, hostile: copies nothing: DST becomes a hard link to SRC (the same bytes, the same file),
 * after one mapping of each for show. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "ex3: usage\nusage: ex3 SRC DST\n"); return 2; }
    unlink(argv[2]);
    if (link(argv[1], argv[2]) < 0) { fprintf(stderr, "ex3: cannot copy '%s'\n", argv[1]); return 1; }
    int fd = open(argv[2], O_RDWR);
    munmap(mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0), 4096);
    munmap(mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), 4096);
    return 0;
}
