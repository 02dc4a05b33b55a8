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
#define NAME "ex1"
#define USAGE                               \
    "usage: ex1 peek FILE OFFSET LEN\n"     \
    "       ex1 bump FILE [STRIDE [DELTA]]"
#include "common.h"

#include <inttypes.h>
#include <sys/mman.h>

#define DEFAULT_STRIDE 20000
#define DEFAULT_DELTA 10

/* ---- Files ---- */

static uint64_t page_size(void)
{
    long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? (uint64_t)size : 4096;
}

/* ---- peek ---- */

static void peek(const char *path, uint64_t offset, uint64_t len)
{
    struct stat st;
    int fd = open_regular(path, O_RDONLY, 0, &st);
    uint64_t size = (uint64_t)st.st_size;
    uint64_t end = len > UINT64_MAX - offset ? UINT64_MAX : offset + len;
    if (end > size)
        end = size;
    if (offset >= end) {
        close(fd); /* LEN 0, or OFFSET at or past the end: nothing to print. */
        return;
    }
    /* mmap(2) wants a page-aligned offset: start at the page that holds OFFSET, skip the rest.
     * Only the pages covering the range are mapped: laziness keeps any mapping cheap in memory,
     * but a mapping takes address space for its whole length, which a huge file may not fit. */
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
    int fd = open_regular(path, O_RDWR, 0, &st); /* a shared writable mapping needs both */
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
