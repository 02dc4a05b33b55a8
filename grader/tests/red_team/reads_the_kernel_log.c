/* ex1, hostile (red team 10): reads the kernel's log with syslog(2), which needs no capability
 * where kernel.dmesg_restrict is 0: other processes' and users' messages (the OOM killer's
 * reports name them). Only in `peek empty.bin`, then it prints how much it read and exits 0. Now
 * the call is refused, and named in the failure (where dmesg_restrict is 1, the kernel refused it
 * too, but unnamed). */
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    static char log[1 << 16];
    int read = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof log);
    if (read < 0) {
        perror("syslog");
        return 1;
    }
    printf("KERNEL LOG %d bytes\n", read);
    return 0;
}
