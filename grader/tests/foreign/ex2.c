/*
 * ex2 in C: copy-on-write. A foreign implementation of the kit's contract
 * (shared/spec/exercises.md), used by grader/tests/foreign.rs.
 *
 *   ex2 patch FILE OFFSET TEXT  print FILE with TEXT written at OFFSET; the file stays unchanged
 *   ex2 fork TEXT               show that a private mapping is copied on write across fork(2)
 *
 * Build: cc -O2 -Wall -Wextra -o ex2 ex2.c
 */
#define NAME "ex2"
#define USAGE                             \
    "usage: ex2 patch FILE OFFSET TEXT\n" \
    "       ex2 fork TEXT"
#include "common.h"

#include <inttypes.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* ---- Output ---- */

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

/* ---- patch ---- */

static void patch(const char *path, uint64_t offset, const char *text)
{
    struct stat st;
    /* Read-only is enough: the writes go to private copies of the pages, never to the file. */
    int fd = open_regular(path, O_RDONLY, 0, &st);
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
    size_t map_len = map_length(path, size);
    /* MAP_PRIVATE with PROT_WRITE: copy-on-write. The first store to a page gives this process
     * its own copy; the page cache, and so the file, never sees it. */
    char *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        fail_path("cannot map", path, errno);
    close(fd);
    if (guarded_copy(map + offset, text, len) < 0)
        fail("cannot patch '%s': %s (it shrank while mapped)", path, strerror(EIO));
    write_stdout(map, map_len);
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
