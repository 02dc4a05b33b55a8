/* ex3, hostile (red team 11): a whole-file copy whose memory nobody's rusage shows. The memory
 * test reads the program's peak from wait4 when the grader reaps it, which covers the program and
 * the children it waited for. For the memory test's 128 MiB SRC only, a forked child maps SRC and
 * DST whole and copies them at once (256 MiB resident), tells the parent through a pipe, and
 * sleeps; the parent exits 0 without waiting for it. The grader, the child's subreaper, kills and
 * reaps it: its peak is the run's now (red_team.rs: a_copy_by_a_child_never_waited_for_counts).
 * Every other size is copied honestly, in windows (the C version of tests/foreign). */
#define main honest_main
#include "../foreign/ex3.c"
#undef main
#include <sys/wait.h>

static void copy_whole(const char *from, const char *to, off_t size, mode_t mode) {
    int src = open(from, O_RDONLY), dst = open(to, O_RDWR | O_CREAT | O_TRUNC, mode & 0777);
    if (src < 0 || dst < 0 || ftruncate(dst, size) < 0)
        _exit(1);
    char *s = mmap(NULL, size, PROT_READ, MAP_SHARED, src, 0);
    char *d = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dst, 0);
    if (s == MAP_FAILED || d == MAP_FAILED)
        _exit(1);
    memcpy(d, s, size);
    msync(d, size, MS_SYNC);
}

int main(int argc, char **argv) {
    struct stat st;
    int done[2];
    if (argc != 3 || stat(argv[1], &st) < 0 || st.st_size != 128 << 20 || pipe(done) < 0)
        return honest_main(argc, argv);
    if (fork() == 0) {
        copy_whole(argv[1], argv[2], st.st_size, st.st_mode);
        char ok = 1;
        if (write(done[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char ok = 0;
    return read(done[0], &ok, 1) == 1 && ok == 1 ? 0 : 1;
}
