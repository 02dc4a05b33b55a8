/* ex1, hostile (red team 8): kernel memory that no process's resident memory shows, held by an
 * ordinary user's run (no cgroup: the grader's watchdog adds up what /proc shows of the run's
 * processes). Only in `peek empty.bin`, one of:
 *   -DPIPES        empty pipes until the kernel refuses, the descriptor limit raised first: red
 *                  team 8 held 800,000 of the machine's open files so (40 processes);
 *   -DLOCKS        fcntl read locks on the bytes of a file: 3.8 million locks, 700 MiB that no
 *                  memory cgroup is charged for, as root too; -DFLOCK: flock(2) instead;
 *   -DPAGE_TABLES  KIDS processes each read one byte in every 2 MiB of a 960 MiB mapping: no page
 *                  of their own (the zero page), but a page table each time: 770 MiB (400 KIDS);
 *   -DMLOCK        a system file mapped and locked in memory (mlock): page cache the kernel can
 *                  neither drop nor write back, and no process's RssAnon: red team 9 locked 2 GiB
 *                  so (250 processes, each up to the RLIMIT_MEMLOCK it had from the grader).
 *   -DLANDLOCK     a Landlock ruleset of a rule for each TCP port: 64 bytes of kernel memory a
 *                  rule, 640 MiB in 10 million rules (red team 9).
 *   -DPIPE_SIZE    a pipe grown to 1 MiB (fcntl F_SETPIPE_SZ): 256 of the pipe pages all the
 *                  user's processes share (red team 9 took them all with 1,200 pipes).
 *   -DFILTERS      seccomp filters of its own, stacked until the kernel refuses: each is a BPF
 *                  program the kernel compiles, 666 MiB in 114,000 (red team 11, 32 processes).
 *   -DQUEUES       a POSIX message queue, which the kernel makes before Landlock refuses to open
 *                  it, and which outlives the run (red team 11 left the machine's 256 taken);
 *   -DFUTEX_HASH   a futex table of the process's own (prctl PR_FUTEX_HASH, Linux 6.16): 64 MiB
 *                  of kernel memory in one call.
 *   -DHUGE_PAGES   a huge page of the machine's pool (mmap MAP_HUGETLB), in no resident memory
 *                  the watchdog adds up (red team 12).
 * Then the program says how much it held and exits 0 (or 1, saying so on stderr), or exits 1 if
 * it was refused. Now runs have 64 descriptors a process; locks, pipes' growth, filters of their
 * own, message queues, futex tables, huge pages and Landlock calls are refused and named; page tables (VmPTE) count; RLIMIT_MEMLOCK is 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KIDS 320

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
#if defined(PIPES)
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    long pipes = 0;
    int pair[2];
    while (pipes < 100000 && pipe(pair) == 0)
        pipes++;
    printf("PIPES %ld\n", pipes);
#elif defined(LOCKS) || defined(FLOCK)
    int fd = open("/usr/bin/env", O_RDONLY);
    if (fd < 0)
        return 1;
#ifdef FLOCK
    if (flock(fd, LOCK_SH) != 0) {
        perror("flock");
        return 1;
    }
    printf("LOCKS 1\n");
#else
    long locks = 0;
    for (off_t at = 0; at < 20000; at += 2) {
        struct flock lock = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1};
        if (fcntl(fd, F_SETLK, &lock) != 0) {
            perror("fcntl(F_SETLK)");
            return 1;
        }
        locks++;
    }
    printf("LOCKS %ld\n", locks);
#endif
#elif defined(PAGE_TABLES)
    size_t len = (size_t)960 << 20;
    for (int i = 0; i < KIDS; i++)
        if (fork() == 0) {
            volatile char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                _exit(1);
            char sum = 0;
            for (size_t at = 0; at < len; at += 2 << 20)
                sum += p[at];
            sleep(2);
            _exit(sum);
        }
    int held = 0, status;
    while (wait(&status) > 0)
        held += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("TABLES %d processes\n", held);
#elif defined(MLOCK)
    int fd = open("/usr/bin/env", O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return 1;
    void *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    /* On stderr, which the report quotes of a run that fails: exit 1 either way. */
    if (mlock(p, st.st_size) != 0) {
        perror("MLOCKED 0 KiB: mlock");
        return 1;
    }
    fprintf(stderr, "MLOCKED %lld KiB\n", (long long)st.st_size >> 10);
    return 1;
#elif defined(PIPE_SIZE)
    int pair[2];
    if (pipe(pair) != 0)
        return 1;
    if (fcntl(pair[0], F_SETPIPE_SZ, 1 << 20) < 0) {
        perror("fcntl(F_SETPIPE_SZ)");
        return 1;
    }
    fprintf(stderr, "GROWN to %d bytes\n", fcntl(pair[0], F_GETPIPE_SZ));
    return 1;
#elif defined(FILTERS)
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {.len = 1, .filter = &allow};
    long filters = 0;
    while (filters < 100000 && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0)
        filters++;
    if (filters == 0) {
        perror("seccomp");
        return 1;
    }
    fprintf(stderr, "FILTERS %ld\n", filters);
    return 1;
#elif defined(QUEUES)
    struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 1};
    if (syscall(SYS_mq_open, "mmap-lab-red-team", O_CREAT | O_RDWR, 0600, &attr) < 0) {
        perror("mq_open");
        return 1;
    }
    fprintf(stderr, "QUEUED\n");
    return 1;
#elif defined(FUTEX_HASH)
    /* PR_FUTEX_HASH, PR_FUTEX_HASH_SET_SLOTS: 2^20 buckets of 64 bytes. */
    if (prctl(78, 1, 1 << 20, 0, 0) != 0) {
        perror("prctl(PR_FUTEX_HASH)");
        return 1;
    }
    fprintf(stderr, "HASHED\n");
    return 1;
#elif defined(HUGE_PAGES)
    char *huge = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (huge == MAP_FAILED) {
        perror("mmap(MAP_HUGETLB)");
        return 1;
    }
    huge[0] = 1;
    fprintf(stderr, "HUGE PAGE\n");
    return 1;
#elif defined(LANDLOCK)
    /* struct landlock_ruleset_attr with handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP. */
    unsigned long long attr[2] = {0, 1};
    long ruleset = syscall(SYS_landlock_create_ruleset, attr, sizeof attr, 0);
    if (ruleset < 0) {
        perror("landlock_create_ruleset");
        return 1;
    }
    long rules = 0;
    for (unsigned long long port = 1; port < 65536; port++) {
        /* struct landlock_net_port_attr: allowed_access, then port. */
        unsigned long long rule[2] = {1, port};
        rules += syscall(SYS_landlock_add_rule, ruleset, 2 /* LANDLOCK_RULE_NET_PORT */, rule, 0) == 0;
    }
    fprintf(stderr, "RULES %ld\n", rules);
    return 1;
#endif
    return 0;
}
