/* ex1, hostile (red team 6): memory that is no process's resident memory, held by a run where no
 * cgroup bounds it (an ordinary user's grader, "cgroups: none"), whose watchdog adds up the run's
 * processes' RssAnon and RssShmem. Only in `peek empty.bin`: MIB MiB written into in-memory files
 * (memfd_create; -DMEMFD, the default) kept open, or, with -DSOCKETS, queued in Unix stream
 * socket pairs that nobody reads; then the program says how much it held and exits 0 (1 if it
 * could not hold it all). Red team 6 held 1.9 GiB with memfds and 1 GiB in socket buffers in one
 * run, unseen. Now both calls are refused (no program of the kit makes either), and named. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MIB 768

static char block[1 << 20];

/* Writes what `sink` takes of a block: a socket's buffer until it is full (then 0), an in-memory
 * file up to 128 MiB (under the file-size limit). */
static ssize_t put(int sink, long in_sink)
{
#ifdef SOCKETS
    (void)in_sink;
    ssize_t n = send(sink, block, sizeof block, MSG_DONTWAIT);
    return n < 0 ? 0 : n;
#else
    return in_sink < (128L << 20) ? write(sink, block, sizeof block) : 0;
#endif
}

/* One more place for data: a descriptor to write to, or -1. */
static int next_sink(void)
{
#ifdef SOCKETS
    /* A pair holds a few hundred KiB: as many descriptors as the hard limit lets it have. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    int pair[2];
    return socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0 ? pair[0] : -1;
#else
    return memfd_create("held", 0);
#endif
}

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    memset(block, 0x5a, sizeof block);
    long held = 0, in_sink = 0;
    int sink = -1;
    while (held < (long)MIB << 20) {
        if (sink < 0) {
            if ((sink = next_sink()) < 0) {
                perror("cannot hold memory");
                break;
            }
            in_sink = 0;
        }
        ssize_t n = put(sink, in_sink);
        if (n <= 0) {
            sink = -1; /* full: the next one (kept open) */
        } else {
            held += n;
            in_sink += n;
        }
    }
    if (held < (long)MIB << 20)
        return 1;
    printf("HELD %ld MiB\n", held >> 20);
    return 0;
}
