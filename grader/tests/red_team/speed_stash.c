/* Passes ex3's speed test without being fast. The speed test runs the program five times in one
 * check folder and checks only DST's bytes (and that DST is not SRC itself): no trace of how
 * they got there. The first run copies (slowly here: SLOW_MS of sleep stands for a
 * pathological copy) and keeps a hard link to its DST as `stash.bin`; the grader removes DST
 * before each run, but not the stash: every later run renames the stash to DST and links it
 * again, in microseconds. The median of five is then one of the instant runs.
 * Build with -DNO_STASH for the same program without the trick (it fails the speed test).
 * Each timed run now has a folder of its own, new (red_team.rs: a_copy_kept_aside_is_not_timed). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SLOW_MS
#define SLOW_MS 300
#endif

static int copy(const char *src, const char *dst) {
    int in = open(src, O_RDONLY);
    if (in < 0) return 1;
    struct stat st;
    fstat(in, &st);
    int out = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (out < 0) return 1;
    if (st.st_size == 0) return 0;
    if (ftruncate(out, st.st_size)) return 1;
    char *s = mmap(0, st.st_size, PROT_READ, MAP_PRIVATE, in, 0);
    char *d = mmap(0, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0);
    if (s == MAP_FAILED || d == MAP_FAILED) return 1;
    for (off_t i = 0; i < st.st_size; i++) d[i] = s[i];
    usleep(SLOW_MS * 1000);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
#ifndef NO_STASH
    if (rename("stash.bin", argv[2]) == 0) {
        link(argv[2], "stash.bin");
        return 0;
    }
#endif
    int r = copy(argv[1], argv[2]);
#ifndef NO_STASH
    struct stat st;
    if (r == 0 && stat(argv[1], &st) == 0 && st.st_size == 16 << 20) link(argv[2], "stash.bin");
#endif
    return r;
}
