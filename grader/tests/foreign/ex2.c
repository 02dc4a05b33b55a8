/*
 * ex2 in C: copy-on-write. A foreign implementation of the kit's contract
 * (shared/spec/exercises.md), used by grader/tests/foreign.rs.
 *
 *   ex2 patch FILE OFFSET TEXT  print FILE with TEXT written at OFFSET; the file stays unchanged
 *   ex2 fork TEXT               show that a private mapping is copied on write across fork(2)
 *
 * Build: cc -O2 -Wall -Wextra -o ex2 ex2.c
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
#include <sys/wait.h>
#include <unistd.h>

static const char NAME[] = "ex2";
static const char USAGE[] =
    "usage: ex2 patch FILE OFFSET TEXT\n"
    "       ex2 fork TEXT";

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

/* ---- Files and output ---- */

/* Opens `path` and checks that it is a regular file; O_NONBLOCK so that a FIFO cannot block. */
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

/* Writes all of `buf` to stdout; 0, or -1 with errno set. */
static int write_all(const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Prints `label`, `len` bytes of `text` and a newline with write(2): nothing stays in a buffer
 * that fork(2) would copy into the child. Returns 0, or -1 with errno set. */
static int say(const char *label, const char *text, size_t len)
{
    size_t label_len = strlen(label);
    char *line = malloc(label_len + len + 1);
    if (line == NULL)
        return -1;
    memcpy(line, label, label_len);
    memcpy(line + label_len, text, len);
    line[label_len + len] = '\n';
    int status = write_all(line, label_len + len + 1);
    int err = errno;
    free(line);
    errno = err;
    return status;
}

/* Touching a page that the file no longer backs raises SIGBUS; guarded() makes it an error. */
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

/* ---- patch ---- */

struct copy_job {
    char *to;
    const char *from;
    size_t len;
};

static void copy_bytes(void *arg)
{
    const struct copy_job *job = arg;
    memcpy(job->to, job->from, job->len);
}

static void patch(const char *path, uint64_t offset, const char *text)
{
    struct stat st;
    /* Read-only is enough: the writes go to private copies of the pages, never to the file. */
    int fd = open_regular(path, O_RDONLY, &st);
    uint64_t size = (uint64_t)st.st_size;
    size_t len = strlen(text);
    if (offset > size || (uint64_t)len > size - offset)
        fail("cannot patch '%s': %zu byte(s) at offset %" PRIu64 " go past its end (%" PRIu64
             " bytes)",
             path, len, offset, size);
    if (size == 0) {
        close(fd); /* Nothing to map (length 0 is invalid) and nothing to print. */
        return;
    }
    size_t map_len = (size_t)size;
    if ((uint64_t)map_len != size)
        fail("cannot map '%s': %s", path, strerror(EFBIG));
    /* MAP_PRIVATE with PROT_WRITE: copy-on-write. The first store to a page gives this process
     * its own copy; the page cache, and so the file, never sees it. */
    char *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        fail_path("cannot map", path, errno);
    close(fd);
    struct copy_job job = {map + offset, text, len};
    if (guarded(copy_bytes, &job) < 0)
        fail("cannot patch '%s': %s (it shrank while mapped)", path, strerror(EIO));
    if (write_all(map, map_len) < 0)
        fail("cannot write to stdout: %s", strerror(errno));
    munmap(map, map_len);
}

/* ---- fork ---- */

static void fork_demo(const char *text)
{
    size_t len = strlen(text);
    /* A private anonymous mapping; one byte at least, since a zero-length mapping is invalid. */
    char *map = mmap(NULL, len > 0 ? len : 1, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        fail("cannot map anonymous memory: %s", strerror(errno));
    memcpy(map, text, len);

    if (say("before fork: ", map, len) < 0)
        fail("cannot write to stdout: %s", strerror(errno));

    pid_t child = fork();
    if (child < 0)
        fail("cannot fork: %s", strerror(errno));
    if (child == 0) {
        /* The child's first store copies the page; the parent's stays as it was. */
        for (size_t i = 0; i < len; i++)
            if (map[i] >= 'a' && map[i] <= 'z')
                map[i] = (char)(map[i] - 'a' + 'A');
        if (say("child sees: ", map, len) < 0) {
            fprintf(stderr, "%s: cannot write to stdout: %s\n", NAME, strerror(errno));
            _exit(1);
        }
        _exit(0);
    }

    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            fail("cannot wait for the child: %s", strerror(errno));
    if (WIFSIGNALED(status))
        fail("the child was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("the child failed with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    if (say("parent sees: ", map, len) < 0)
        fail("cannot write to stdout: %s", strerror(errno));
    munmap(map, len > 0 ? len : 1);
}

int main(int argc, char **argv)
{
    /* A closed stdout is an EPIPE error to report, not a death by SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    if (argc == 5 && strcmp(argv[1], "patch") == 0) {
        uint64_t offset = number("OFFSET", argv[3]);
        patch(argv[2], offset, argv[4]);
    } else if (argc == 3 && strcmp(argv[1], "fork") == 0) {
        fork_demo(argv[2]);
    } else {
        usage_error("expected `patch FILE OFFSET TEXT` or `fork TEXT`");
    }
    return 0;
}
