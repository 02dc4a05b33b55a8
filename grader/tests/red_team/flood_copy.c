/* ex3, hostile: makes tens of thousands of harmless watched calls first (on no file, then each on
 * a pipe of its own, so that not even a record of the first call on each file has room left),
 * hoping the grader stops keeping them; then copies with read(2) and write(2), after one mapping
 * of each file, made first, for show. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "ex3: usage\nusage: ex3 SRC DST\n"); return 2; }
    struct stat st;
    int in = open(argv[1], O_RDONLY), out = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || fstat(in, &st) < 0) { fprintf(stderr, "ex3: cannot open '%s'\n", argv[1]); return 1; }
    munmap(mmap(0, 4096, PROT_READ, MAP_SHARED, in, 0), 4096);
    ftruncate(out, st.st_size);
    munmap(mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0), 4096);
    for (int i = 0; i < 20001; i++) read(-1, 0, 0);
    for (int i = 0; i < 10050; i++) {
        int p[2];
        if (pipe(p) < 0) break;
        read(p[0], 0, 0);
        close(p[0]);
        close(p[1]);
    }
    char buf[65536];
    for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;) write(out, buf, n);
    return 0;
}
