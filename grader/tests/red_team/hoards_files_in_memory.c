/* ex1, hostile (red team 6): where TMPDIR is a tmpfs (Debian 13, Fedora and Arch's /tmp), the
 * files a run writes into its folder are memory that no process holds, and they stay until the
 * test ends. Only in `peek empty.bin`: FILES files of MIB MiB written with write(2) and closed
 * (within the bounds on a test's files: 16, of 256 MiB each), then the program says how much it
 * kept and exits 0. Red team 6 kept 2.4 GiB so, graded by an ordinary user, past the run's
 * 512 MiB, and the kernel's OOM killer took a bystander. Now the files in a run's folders on a
 * tmpfs count with its processes' memory: the run is killed past the bound. With -DUNLINKED,
 * each file is unlinked and kept open instead, in no folder (red team 7: 2 GiB so): the files a
 * run's processes hold open on the tmpfs count too. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FILES 6
#define MIB 120

static char block[1 << 20];

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    memset(block, 0x5a, sizeof block);
    long kept = 0;
    for (int i = 0; i < FILES; i++) {
        char name[32];
        snprintf(name, sizeof name, "kept-%d", i);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return 1;
#ifdef UNLINKED
        unlink(name);
#endif
        for (int m = 0; m < MIB; m++)
            if (write(fd, block, sizeof block) == (ssize_t)sizeof block)
                kept += sizeof block;
#ifndef UNLINKED
        close(fd);
#endif
    }
    printf("KEPT %ld MiB\n", kept >> 20);
    return 0;
}
