/*
 * ex1 in C: access a file through a mapping. A foreign implementation of the kit's contract
 * (shared/spec/exercises.md), used by grader/tests/foreign.rs to show that the grader judges
 * behaviour, not the language.
 *
 *   ex1 peek FILE OFFSET LEN        print bytes [OFFSET, min(OFFSET+LEN, size)) of FILE
 *   ex1 bump FILE [STRIDE [DELTA]]  add DELTA (mod 256) to every STRIDE-th byte, in place
 *
 * Build: cc -O2 -Wall -Wextra -o ex1 ex1.c
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

static const char NAME[] = "ex1";
static const char USAGE[] =
    "usage: ex1 peek FILE OFFSET LEN\n"
    "       ex1 bump FILE [STRIDE [DELTA]]";

#define DEFAULT_STRIDE 20000
#define DEFAULT_DELTA 10

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

/* `action 'path': reason`, e.g. `cannot open 'nope.bin': No such file or directory`. */
__attribute__((noreturn)) static void fail_path(const char *action, const char *path, int err)
{
    fail("%s '%s': %s", action, path, strerror(err));
}

/* ---- Command-line numbers: unsigned decimal, digits only, below 2^64. ---- */

static uint64_t number(const char *name, const char *arg)
{
    uint64_t n = 0;
    const char *s = arg;
    if (*s == '\0')
        goto bad;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            goto bad;
        unsigned digit = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - digit) / 10)
            goto bad;
        n = n * 10 + digit;
    }
    return n;
bad:
    usage_error("%s must be an unsigned decimal integer below 2^64, not '%s'", name, arg);
}

/* ---- Files ---- */

/*
 * Opens `path` and makes sure it is a regular file. O_NONBLOCK keeps open(2) from waiting for a
 * writer when the path is a FIFO; on a regular file it changes nothing.
 */
static int open_regular(const char *path, int flags, struct stat *st)
{
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
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

/* A mapping length as size_t, or a clean error where it does not fit (32-bit machines). */
static size_t map_length(const char *path, uint64_t len)
{
    if ((uint64_t)(size_t)len != len)
        fail("cannot map '%s': %s", path, strerror(EFBIG));
    return (size_t)len;
}

static uint64_t page_size(void)
{
    long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? (uint64_t)size : 4096;
}

static void write_stdout(const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("cannot write to stdout: %s", strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
}

/*
 * Touching a page of a file mapping that the file no longer backs (another process shrank the
 * file) raises SIGBUS. guarded() runs `work` so that this becomes an error return, not a death.
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

/* ---- peek ---- */

static void peek(const char *path, uint64_t offset, uint64_t len)
{
    struct stat st;
    int fd = open_regular(path, O_RDONLY, &st);
    uint64_t size = (uint64_t)st.st_size;
    uint64_t end = len > UINT64_MAX - offset ? UINT64_MAX : offset + len;
    if (end > size)
        end = size;
    if (offset >= end) {
        close(fd); /* LEN 0, or OFFSET at or past the end: nothing to print. */
        return;
    }
    /* mmap(2) wants a page-aligned offset: start at the page that holds OFFSET, skip the rest.
     * Only the pages covering the range are mapped, so a 1 TiB sparse file costs a page or two. */
    uint64_t start = offset - offset % page_size();
    size_t map_len = map_length(path, end - start);
    char *map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, fd, (off_t)start);
    if (map == MAP_FAILED)
        fail_path("cannot map", path, errno);
    close(fd); /* The mapping keeps its own reference to the file. */
    write_stdout(map + (offset - start), (size_t)(end - offset));
    munmap(map, map_len);
}

/* ---- bump ---- */

struct bump_job {
    unsigned char *bytes;
    size_t len; /* > 0 */
    uint64_t stride; /* > 0 */
    unsigned char delta;
};

static void bump_bytes(void *arg)
{
    const struct bump_job *job = arg;
    size_t k = 0;
    for (;;) {
        job->bytes[k] = (unsigned char)(job->bytes[k] + job->delta); /* wraps mod 256 */
        if ((uint64_t)(job->len - 1 - k) < job->stride)
            break; /* the next offset would be at or past the end (and k never overflows) */
        k += (size_t)job->stride;
    }
}

static void bump(const char *path, uint64_t stride, unsigned char delta)
{
    struct stat st;
    int fd = open_regular(path, O_RDWR, &st); /* a shared writable mapping needs both */
    if (st.st_size == 0) {
        close(fd); /* Nothing to change, and a zero-length mapping would be refused. */
        return;
    }
    size_t len = map_length(path, (uint64_t)st.st_size);
    /* MAP_SHARED: the stores land in the page cache, and so in the file. */
    unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        fail_path("cannot map", path, errno);
    close(fd);
    struct bump_job job = {map, len, stride, delta};
    if (guarded(bump_bytes, &job) < 0)
        fail("cannot change '%s': %s (it shrank while mapped)", path, strerror(EIO));
    if (msync(map, len, MS_SYNC) < 0)
        fail_path("cannot msync", path, errno);
    munmap(map, len);
}

int main(int argc, char **argv)
{
    /* A closed stdout is an EPIPE error to report, not a death by SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    if (argc == 5 && strcmp(argv[1], "peek") == 0) {
        uint64_t offset = number("OFFSET", argv[3]);
        uint64_t len = number("LEN", argv[4]);
        peek(argv[2], offset, len);
    } else if (argc >= 3 && argc <= 5 && strcmp(argv[1], "bump") == 0) {
        uint64_t stride = DEFAULT_STRIDE, delta = DEFAULT_DELTA;
        if (argc >= 4) {
            stride = number("STRIDE", argv[3]);
            if (stride == 0)
                usage_error("STRIDE must be 1 or more");
        }
        if (argc == 5) {
            delta = number("DELTA", argv[4]);
            if (delta > 255)
                usage_error("DELTA must be in 0..=255");
        }
        bump(argv[2], stride, (unsigned char)delta);
    } else {
        usage_error("expected `peek FILE OFFSET LEN` or `bump FILE [STRIDE [DELTA]]`");
    }
    return 0;
}
