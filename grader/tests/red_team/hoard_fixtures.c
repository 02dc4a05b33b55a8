/* ex3, hostile (red team 4): beat the per-check file ledger (runner/kept.rs) with the grader's
 * own files, before the ledger counted a file by its names (the defence: a fixture under a name the
 * grader did not give it is the run's, and a rename is counted as a link is).
 *
 * The ledger kept only the inodes that are new in a run's folders (after minus before); a file
 * the grader made before the run (src.bin, made afresh by `Ctx::create` for every run, handed to
 * the run's uid, mode 0644, so writable by the run) is in `before`, so a new name for it is never
 * kept. The grader's next `create` unlinks src.bin and makes a new inode: the old one lives on
 * under the run's name, with whatever the run wrote into it, counted nowhere.
 *
 * Each run copies honestly, then links src.bin to keep-<pid> (a link: one call of 16, but not in
 * the ledger) and appends MIB MiB to it. The first run also makes OWN files of its own (counted,
 * kept in the ledger). copies_odd_sizes runs the program 6 times in one check: at its last run
 * (SRC larger than 16 pages) the check's folder holds OWN + 6 files, more than MAX_NEW_FILES
 * (16), which the program prints (so that test fails and the report shows it).
 *
 *   cc -O2 -o hoard_fixtures hoard_fixtures.c          (-DMIB=255 -DOWN=14 for the full bound)
 *   cc -O2 -DRENAME -DOWN=15 -o hoard_fixtures hoard_fixtures.c   (rename instead of link)
 * (grader/tests/red_team.rs builds both with -DMIB=1, the rename with -DEVERY: it counts at every
 * run, since past the bound the next run's own copy fails to make dst.bin.)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#define main honest_main
#include "../foreign/ex3.c"
#undef main

#ifndef MIB
#define MIB 8
#endif
#ifndef OWN
#define OWN 14
#endif

static void append(int fd, int mib)
{
    static char chunk[1 << 20];
    memset(chunk, 'H', sizeof chunk);
    off_t end = lseek(fd, 0, SEEK_END);
    for (int i = 0; i < mib; i++)
        if (pwrite(fd, chunk, sizeof chunk, end + ((off_t)i << 20)) != (ssize_t)sizeof chunk)
            break;
}

int main(int argc, char **argv)
{
    int status = honest_main(argc, argv);
    if (argc != 3)
        return status;
    struct stat src;
    if (stat(argv[1], &src) != 0)
        return status;
    int last = src.st_size > 16 * 4096;
#ifdef EVERY
    /* Counts at every run: the first already keeps OWN + dst.bin + the renamed fixture. */
    last = 1;
#endif
    /* The first run of the check: no own- file yet. */
    if (access("own-0", F_OK) != 0)
        for (int i = 0; i < OWN; i++) {
            char name[32];
            snprintf(name, sizeof name, "own-%d", i);
            int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (fd >= 0) {
                append(fd, MIB);
                close(fd);
            }
        }
    char keep[32];
    snprintf(keep, sizeof keep, "keep-%d", (int)getpid());
#ifdef RENAME
    /* A rename is no new name for the count of calls: it costs nothing of the 16. */
    if (rename(argv[1], keep) == 0) {
#else
    if (link(argv[1], keep) == 0) {
#endif
        int fd = open(keep, O_WRONLY);
        if (fd >= 0) {
            append(fd, MIB);
            close(fd);
        }
    }
    if (last) {
        /* Count what this check's folder holds now, besides the grader's SRC (DST is the run's). */
        int files = 0;
        long long blocks = 0;
        DIR *dir = opendir(".");
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            if (e->d_name[0] == '.' || !strcmp(e->d_name, argv[1]))
                continue;
            struct stat st;
            if (lstat(e->d_name, &st) == 0) {
                files++;
                blocks += st.st_blocks;
            }
        }
        printf("HOARD %d files kept by this check's runs (bound 16), %lld MiB on disk\n", files,
               blocks / 2048);
    }
    return status;
}
