/*
 * Helpers shared by the four foreign exercises (ex1.c .. ex4.c), kept in one place so that their
 * error reporting and file checks cannot drift apart.
 *
 * Include it first, after defining the two strings it reports with:
 *   NAME   the program's name, the prefix of every error line ("ex1")
 *   USAGE  the text printed after a usage error
 *
 * Everything is static: each program is one translation unit, built with a single cc call.
 */
#ifndef FOREIGN_COMMON_H
#define FOREIGN_COMMON_H

#if !defined(NAME) || !defined(USAGE)
#error "define NAME and USAGE before including common.h"
#endif

/* Before any system header, which read them: GNU extras (MAP_POPULATE, strsignal, ...), and a
 * 64-bit off_t even on 32-bit machines. */
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
#include <sys/stat.h>
#include <unistd.h>

/* Not every program uses every helper; this keeps -Wunused-function quiet about the rest. */
#define MAYBE_UNUSED __attribute__((unused))

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

/* Not strtoull: it accepts leading spaces and a sign, and turns "-1" into 2^64 - 1. */
MAYBE_UNUSED static uint64_t number(const char *name, const char *arg)
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

/*
 * Opens `path` (`mode` matters only with O_CREAT) and makes sure it is a regular file.
 * O_NONBLOCK keeps open(2) from waiting for a writer when the path is a FIFO, which is then
 * refused here; on a regular file it changes nothing.
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

/* A mapping length as size_t, or a clean error where it does not fit (32-bit machines). */
MAYBE_UNUSED static size_t map_length(const char *path, uint64_t len)
{
    if ((uint64_t)(size_t)len != len)
        fail("cannot map '%s': %s", path, strerror(EFBIG));
    return (size_t)len;
}

/* Writes all of `buf` to stdout with write(2), retrying short writes and EINTR; 0, or -1 with
 * errno set. Unbuffered, so a forked child inherits nothing half-written. */
MAYBE_UNUSED static int write_all(const void *buf, size_t len)
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

/* write_all, failing on error (EPIPE included: the programs ignore SIGPIPE to report it). */
MAYBE_UNUSED static void write_stdout(const void *buf, size_t len)
{
    if (write_all(buf, len) < 0)
        fail("cannot write to stdout: %s", strerror(errno));
}

/* ---- SIGBUS from file mappings ---- */

/*
 * Touching a page of a file mapping that the file no longer backs (another process shrank the
 * file, or the file system has no room for a store) raises SIGBUS. guarded() runs `work` so that
 * this becomes an error return (-1), not a death.
 */
static sigjmp_buf bus_jump;

MAYBE_UNUSED static void on_sigbus(int sig)
{
    (void)sig;
    siglongjmp(bus_jump, 1);
}

MAYBE_UNUSED static int guarded(void (*work)(void *), void *arg)
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

MAYBE_UNUSED static void copy_bytes(void *arg)
{
    const struct copy_job *job = arg;
    memcpy(job->to, job->from, job->len);
}

/* memcpy under guarded(): 0, or -1 if a page of either side raised SIGBUS. */
MAYBE_UNUSED static int guarded_copy(void *to, const void *from, size_t len)
{
    struct copy_job job = {to, from, len};
    return guarded(copy_bytes, &job);
}

#endif /* FOREIGN_COMMON_H */
