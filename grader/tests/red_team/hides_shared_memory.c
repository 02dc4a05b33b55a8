/* ex1, hostile (red team 11): memory in files that no process's resident memory shows. A shared
 * anonymous mapping is a file of the kernel's own tmpfs; madvise(MADV_DONTNEED) takes its pages
 * out of the process's page tables (RssShmem falls to 0) but leaves them in the file, for as long
 * as the mapping lasts. Only in `peek empty.bin`: PROCS processes each fill MIB MiB so, CHUNK MiB
 * at a time, hold it HOLD seconds, check that it is still there, and say how much on stderr; the
 * run exits 1. Red team 11 held 2 GiB so past an ordinary user's watchdog. With -DIN_A_FILE, the
 * same in a file of the run's folder (a tmpfs TMPDIR) that it unlinks and closes once mapped: in
 * no folder, held by no descriptor. Now the watchdog counts every such file a run maps. With
 * -DTAKEN_BACK (red team 12), each process then asks for a shared anonymous mapping of 2^64 - MIB
 * MiB, which the kernel refuses but which took MIB MiB off a count that wrapped around. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCS 3
#define MIB 256
#define CHUNK 32
#define HOLD 2

static int hold(int who)
{
    size_t len = (size_t)MIB << 20, chunk = (size_t)CHUNK << 20;
    int flags = MAP_SHARED | MAP_ANONYMOUS, fd = -1;
#ifdef IN_A_FILE
    char name[32];
    snprintf(name, sizeof name, "held%d", who);
    fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, len) != 0)
        return 1;
    flags = MAP_SHARED;
#endif
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (p == MAP_FAILED)
        return 1;
#ifdef TAKEN_BACK
    if (mmap(NULL, (size_t)0 - len, PROT_READ | PROT_WRITE, flags, fd, 0) != MAP_FAILED)
        return 1;
#endif
#ifdef IN_A_FILE
    unlink(name);
    close(fd);
#endif
    for (size_t at = 0; at < len; at += chunk) {
        memset(p + at, who + 1, chunk);
        madvise(p + at, chunk, MADV_DONTNEED);
    }
    sleep(HOLD);
    for (size_t at = 0; at < len; at += chunk)
        if (p[at] != who + 1)
            return 2;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    for (int i = 0; i < PROCS; i++)
        if (fork() == 0)
            _exit(hold(i));
    int held = 0, status;
    while (wait(&status) > 0)
        held += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    fprintf(stderr, "HIDDEN %d MiB in %d processes, none resident\n", held * MIB, held);
    return 1;
}
