/*
 * ex3 in C: a fast file copy through mappings. A foreign implementation of the kit's contract
 * (shared/spec/exercises.md), used by grader/tests/foreign.rs.
 *
 *   ex3 SRC DST   make DST a byte-for-byte copy of the regular file SRC
 *
 * Build: cc -O2 -Wall -Wextra -o ex3 ex3.c
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char NAME[] = "ex3";
static const char USAGE[] = "usage: ex3 SRC DST";

/* Both files are mapped this much at a time, so memory stays bounded (two windows) for any
 * file size. A multiple of every page size, as mmap(2) offsets must be. */
#define WINDOW ((uint64_t)16 << 20)

/* ---- Reporting failures: one line on stderr, then exit 1 (runtime) or 2 (usage). ---- */

static void report(const char *fmt, va_list ap)
{
    char line[8192];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s: %s\n", NAME, line);
}

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    exit(1);
}

__attribute__((noreturn, format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", USAGE);
    exit(2);
}

__attribute__((noreturn)) static void fail_path(const char *action, const char *path, int err)
{
    fail("%s '%s': %s", action, path, strerror(err));
}

/*
 * Opens `path` and checks that it is a regular file. O_NONBLOCK: opening a FIFO for reading
 * would otherwise wait for a writer; on a regular file it changes nothing.
 */
static int open_regular(const char *path, int flags, mode_t mode, struct stat *st)
{
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, mode);
    if (fd < 0)
        fail_path("cannot open", path, errno);
    if (fstat(fd, st) < 0)
        fail_path("cannot stat", path, errno);
    if (!S_ISREG(st->st_mode)) {
        const char *what = S_ISDIR(st->st_mode)                              ? "a directory"
                           : S_ISFIFO(st->st_mode)                           ? "a FIFO"
                           : S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? "a device"
                                                                             : "something else";
        fail("cannot use '%s': it is %s, not a regular file", path, what);
    }
    return fd;
}

/*
 * A store to a page that the file system cannot back (no space left where nothing could be
 * reserved), or a load past the end of a SRC that another process shrank, raises SIGBUS.
 * guarded() runs `work` so that this becomes an error return instead of a death.
 */
static sigjmp_buf bus_jump;

static void on_sigbus(int sig)
{
    (void)sig;
    siglongjmp(bus_jump, 1);
}

static int guarded(void (*work)(void *), void *arg)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &old) < 0)
        fail("cannot catch SIGBUS: %s", strerror(errno));
    int status = 0;
    if (sigsetjmp(bus_jump, 1) == 0)
        work(arg);
    else
        status = -1;
    sigaction(SIGBUS, &old, NULL);
    return status;
}

struct copy_job {
    void *to;
    const void *from;
    size_t len;
};

static void copy_bytes(void *arg)
{
    const struct copy_job *job = arg;
    memcpy(job->to, job->from, job->len);
}

/* Copies `len` bytes at `offset` from SRC to DST through one mapping of each. */
static void copy_window(int src, int dst, uint64_t offset, size_t len, const char *src_path,
                        const char *dst_path)
{
    /* MAP_POPULATE reads the window in at once rather than a fault at a time. */
    void *from = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, src, (off_t)offset);
    if (from == MAP_FAILED)
        fail_path("cannot map", src_path, errno);
    void *to = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dst, (off_t)offset);
    if (to == MAP_FAILED)
        fail_path("cannot map", dst_path, errno);
    /* Advice only: read ahead eagerly, drop pages behind. */
    madvise(from, len, MADV_SEQUENTIAL);
    madvise(to, len, MADV_SEQUENTIAL);
    struct copy_job job = {to, from, len};
    if (guarded(copy_bytes, &job) < 0)
        fail("cannot copy '%s' to '%s': %s (a page could not be read or written)", src_path,
             dst_path, strerror(EIO));
    munmap(from, len);
    munmap(to, len);
}

static void copy(const char *src_path, const char *dst_path)
{
    /* SRC first: if it is missing or not a regular file, DST must not be created. */
    struct stat src_st, dst_st;
    int src = open_regular(src_path, O_RDONLY, 0, &src_st);

    /* DST read-write (a shared writable mapping needs both), created with SRC's permission bits
     * less the umask, as cp(1) does. No O_TRUNC: if DST is SRC itself, that would destroy it. */
    int dst = open_regular(dst_path, O_RDWR | O_CREAT, src_st.st_mode & 0777, &dst_st);
    if (src_st.st_dev == dst_st.st_dev && src_st.st_ino == dst_st.st_ino)
        fail("'%s' and '%s' are the same file", src_path, dst_path);

    uint64_t size = (uint64_t)src_st.st_size;
    /* Exactly SRC's length, whether DST was shorter or longer. */
    if (ftruncate(dst, src_st.st_size) < 0)
        fail_path("cannot resize", dst_path, errno);
    if (size > 0) {
        /* Allocate DST's blocks now: a full disk is then ENOSPC here, not SIGBUS later.
         * A file system that cannot preallocate copies anyway, as cp(1) would. */
        int err = posix_fallocate(dst, 0, src_st.st_size);
        if (err != 0 && err != EOPNOTSUPP)
            fail_path("cannot reserve space for", dst_path, err);
        for (uint64_t offset = 0; offset < size; offset += WINDOW) {
            uint64_t left = size - offset;
            size_t len = (size_t)(left < WINDOW ? left : WINDOW);
            copy_window(src, dst, offset, len, src_path, dst_path);
        }
    }
    close(src);
    /* A late write-back error (say, on a network file system) shows up here. */
    if (close(dst) < 0)
        fail_path("cannot close", dst_path, errno);
}

int main(int argc, char **argv)
{
    /* Past RLIMIT_FSIZE the kernel sends SIGXFSZ, which kills by default. Ignored, it becomes an
     * EFBIG error from ftruncate or posix_fallocate, which is reported. */
    if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
        fail("cannot ignore SIGXFSZ: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    if (argc != 3)
        usage_error("expected two paths, SRC and DST");
    copy(argv[1], argv[2]);
    return 0;
}
