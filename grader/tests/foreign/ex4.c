/*
 * ex4 in C: sharing memory among processes. A foreign implementation of the kit's contract
 * (shared/spec/exercises.md), used by grader/tests/foreign.rs.
 *
 *   ex4 count WORKERS ITERS   WORKERS forked children add 1 to a shared counter ITERS times each
 *   ex4 send FILE MESSAGE     post MESSAGE in the mailbox FILE and wait until it is taken
 *   ex4 recv FILE             wait for a message in the mailbox FILE and print it
 *
 * Mailbox layout (the first 4096 bytes of FILE, native byte order):
 *   0..4 state (0 empty, 1 full, 2 taken), 4..8 len (0..=4088), 8..8+len message bytes.
 *
 * Build: cc -O2 -Wall -Wextra -o ex4 ex4.c
 */
#define NAME "ex4"
#define USAGE                           \
    "usage: ex4 count WORKERS ITERS\n"  \
    "       ex4 send FILE MESSAGE\n"    \
    "       ex4 recv FILE"
#include "common.h"

#include <inttypes.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_WORKERS 64
#define PAGE 4096
#define HEADER 8
#define MAX_MESSAGE (PAGE - HEADER) /* 4088 */

enum { EMPTY = 0, FULL = 1, TAKEN = 2 };

/* ---- count ---- */

/* Waits for `child`; returns 0 if it exited with status 0, otherwise -1 with `why` filled in. */
static int wait_ok(pid_t child, char *why, size_t size)
{
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, size, "cannot wait for a worker: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        snprintf(why, size, "a worker was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, size, "a worker failed with status %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return -1;
}

static void count(unsigned workers, uint64_t iters)
{
    /* MAP_SHARED | MAP_ANONYMOUS: memory backed by no file that stays shared with every child
     * forked after it is made (a private mapping would be copied on the children's first write).
     * It comes zero-filled and page-aligned. */
    uint64_t *counter = mmap(NULL, sizeof *counter, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED)
        fail("cannot map shared memory: %s", strerror(errno));

    pid_t children[MAX_WORKERS];
    unsigned started = 0;
    char why[512] = "";
    int failed = 0;
    for (unsigned i = 0; i < workers; i++) {
        pid_t child = fork();
        if (child < 0) {
            snprintf(why, sizeof why, "cannot fork: %s", strerror(errno));
            failed = 1;
            break;
        }
        if (child == 0) {
            /* One indivisible read-modify-write per increment, so none is lost. Relaxed is
             * enough: only the total matters, and waitpid orders it before the parent's load. */
            for (uint64_t k = 0; k < iters; k++)
                __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
            _exit(0);
        }
        children[started++] = child;
    }
    /* Wait for every child that was started, even after a failure, so none is left behind. */
    for (unsigned i = 0; i < started; i++) {
        char reason[512];
        if (wait_ok(children[i], reason, sizeof reason) < 0 && !failed) {
            memcpy(why, reason, sizeof why);
            failed = 1;
        }
    }
    if (failed)
        fail("%s", why);

    char line[32];
    int n = snprintf(line, sizeof line, "%" PRIu64 "\n", __atomic_load_n(counter, __ATOMIC_RELAXED));
    munmap(counter, sizeof *counter);
    write_stdout(line, (size_t)n);
}

/* ---- the mailbox ---- */

/* Opens (creating it if missing, extending it to a page if shorter) and maps the mailbox. */
static unsigned char *open_mailbox(const char *path)
{
    struct stat st;
    int fd = open_regular(path, O_RDWR | O_CREAT, 0666, &st);
    /* Either side may come first, so both make sure the page exists. Growing zero-fills (state 0,
     * empty); a file already long enough is left alone, so a posted message survives. */
    if (st.st_size < PAGE && ftruncate(fd, PAGE) < 0)
        fail_path("cannot resize", path, errno);
    unsigned char *box = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (box == MAP_FAILED)
        fail_path("cannot map", path, errno);
    close(fd);
    return box;
}

/* The state word: the first 4 bytes of the page-aligned mapping, so an aligned uint32_t. */
static uint32_t *state_of(unsigned char *box)
{
    return (uint32_t *)(void *)box;
}

/* Polls until the state is `wanted`. The acquire load makes everything the other process wrote
 * before its release store visible here. */
static void wait_for(unsigned char *box, uint32_t wanted)
{
    const struct timespec nap = {0, 200 * 1000}; /* 0.2 ms */
    while (__atomic_load_n(state_of(box), __ATOMIC_ACQUIRE) != wanted)
        nanosleep(&nap, NULL);
}

/*
 * Another process shrinking the mailbox file while it is mapped would make our next access
 * raise SIGBUS; the handler turns that into a clean error.
 */
static const char *mailbox_path;

static void on_mailbox_sigbus(int sig)
{
    (void)sig;
    static const char prefix[] = "ex4: cannot use '";
    static const char suffix[] = "': the mailbox file shrank while mapped\n";
    /* Only async-signal-safe calls here. */
    ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
    ignored = write(STDERR_FILENO, mailbox_path, strlen(mailbox_path));
    ignored = write(STDERR_FILENO, suffix, sizeof suffix - 1);
    (void)ignored;
    _exit(1);
}

static void catch_sigbus(const char *path)
{
    mailbox_path = path;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_mailbox_sigbus;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) < 0)
        fail("cannot catch SIGBUS: %s", strerror(errno));
}

static void mailbox_send(const char *path, const char *message, size_t len)
{
    catch_sigbus(path);
    unsigned char *box = open_mailbox(path);
    uint32_t len32 = (uint32_t)len; /* len <= MAX_MESSAGE, checked by main */
    memcpy(box + 4, &len32, sizeof len32);
    memcpy(box + HEADER, message, len);
    /* Release: the message and its length are written before anyone can see the state change. */
    __atomic_store_n(state_of(box), FULL, __ATOMIC_RELEASE);
    wait_for(box, TAKEN);
    munmap(box, PAGE);
}

static void mailbox_recv(const char *path)
{
    catch_sigbus(path);
    unsigned char *box = open_mailbox(path);
    wait_for(box, FULL);
    uint32_t len;
    memcpy(&len, box + 4, sizeof len);
    if (len > MAX_MESSAGE)
        fail("cannot read '%s': the mailbox says the message is %" PRIu32
             " bytes, more than %d",
             path, len, MAX_MESSAGE);
    char line[MAX_MESSAGE + 1];
    memcpy(line, box + HEADER, len);
    line[len] = '\n';
    write_stdout(line, (size_t)len + 1);
    /* Release: we are done with the message before the sender may reuse the mailbox. */
    __atomic_store_n(state_of(box), TAKEN, __ATOMIC_RELEASE);
    munmap(box, PAGE);
}

int main(int argc, char **argv)
{
    /* A closed stdout is an EPIPE error to report, not a death by SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 && strcmp(argv[1], "count") == 0) {
        uint64_t workers = number("WORKERS", argv[2]);
        uint64_t iters = number("ITERS", argv[3]);
        if (workers < 1 || workers > MAX_WORKERS)
            usage_error("WORKERS must be in 1..=%d", MAX_WORKERS);
        if (iters > UINT64_MAX / workers)
            usage_error("WORKERS * ITERS must fit in 64 bits");
        count((unsigned)workers, iters);
    } else if (argc == 4 && strcmp(argv[1], "send") == 0) {
        size_t len = strlen(argv[3]);
        if (len > MAX_MESSAGE)
            usage_error("MESSAGE is %zu bytes; the mailbox holds at most %d", len, MAX_MESSAGE);
        mailbox_send(argv[2], argv[3], len);
    } else if (argc == 3 && strcmp(argv[1], "recv") == 0) {
        mailbox_recv(argv[2]);
    } else {
        usage_error("expected `count WORKERS ITERS`, `send FILE MESSAGE` or `recv FILE`");
    }
    return 0;
}
