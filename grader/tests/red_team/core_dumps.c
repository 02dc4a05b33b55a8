/* Disk past the per-run bound (16 new files of at most 256 MiB), through core dumps: the grader
 * leaves RLIMIT_CORE's hard limit unlimited, and with core_pattern "core" the kernel writes the
 * dump into the check folder. The kernel makes that file, not a system call of the program's, so
 * it is not counted among the run's new files, and RLIMIT_FSIZE does not bound it (RLIMIT_CORE
 * does). The kernel will not overwrite "core" (O_EXCL), but a rename is no new file: each child
 * fills CORE_MIB of memory and aborts, the parent renames its core aside and starts another.
 * Prints on stderr how many cores it made and their size. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CORE_MIB
#define CORE_MIB 16
#endif
#ifndef CORES
#define CORES 8
#endif

int main(void) {
    struct rlimit r;
    getrlimit(RLIMIT_CORE, &r);
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_CORE, &r);
    int made = 0;
    long long bytes = 0;
    for (int i = 0; i < CORES; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            size_t n = (size_t)CORE_MIB << 20;
            /* volatile: the stores must happen, though abort() follows. */
            volatile char *p = malloc(n);
            for (size_t j = 0; p && j < n; j += 512) p[j] = 0x5a;
            abort();
        }
        int status;
        waitpid(pid, &status, 0);
        char name[32];
        snprintf(name, sizeof name, "c%d", i);
        struct stat st;
        if (stat("core", &st) == 0 && rename("core", name) == 0) {
            made++;
            bytes += st.st_blocks * 512LL;
        }
    }
    fprintf(stderr, "red team: %d core files, %lld MiB on disk, rlimit_core max %lld\n", made,
            bytes >> 20, (long long)r.rlim_max);
    return 1;
}
