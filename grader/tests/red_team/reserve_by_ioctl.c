/* ex1, hostile (red team 5): fallocate(2) with a mode is refused, but the old XFS preallocation
 * ioctl FS_IOC_RESVSP64, which the kernel serves for every file system with fallocate, is
 * fallocate(FALLOC_FL_KEEP_SIZE): disk past the end of an empty file, which RLIMIT_FSIZE does not
 * bound (1 GiB a run, or the whole TMPDIR). In `bump`, it reserves 1 GiB for a new file and says
 * how much disk the file holds on stdout (it should print nothing), then bumps as it should; where
 * the ioctl is refused, it fails with the error. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#define main honest_main
#include "../foreign/ex1.c"
#undef main

struct space_resv { /* linux/falloc.h */
    int16_t l_type, l_whence;
    int64_t l_start, l_len;
    int32_t l_sysid;
    uint32_t l_pid;
    int32_t l_pad[4];
};
#define FS_IOC_RESVSP64 _IOW('X', 42, struct space_resv)

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "bump") == 0) {
        int fd = open("reserve", O_RDWR | O_CREAT | O_EXCL, 0600);
        struct space_resv r = {.l_whence = SEEK_SET, .l_len = (int64_t)1 << 30};
        struct stat st;
        if (fd < 0 || ioctl(fd, FS_IOC_RESVSP64, &r) < 0 || fstat(fd, &st) < 0) {
            fprintf(stderr, "ex1: cannot reserve: %s\n", strerror(errno));
            return 1;
        }
        printf("RESERVED %lld MiB\n", (long long)st.st_blocks * 512 >> 20);
    }
    return honest_main(argc, argv);
}
