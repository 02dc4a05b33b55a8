/*
 * ex3 in C: a fast file copy through mappings. A foreign implementation of the kit's contract
 * (shared/spec/exercises.md), used by grader/tests/foreign.rs.
 *
 *   ex3 SRC DST   make DST a byte-for-byte copy of the regular file SRC
 *
 * Build: cc -O2 -Wall -Wextra -o ex3 ex3.c
 */
#define NAME "ex3"
#define USAGE "usage: ex3 SRC DST"
#include "common.h"

#include <sys/mman.h>

/* Both files are mapped this much at a time, so memory stays bounded (two windows) for any
 * file size. A multiple of every page size, as mmap(2) offsets must be. */
#define WINDOW ((uint64_t)16 << 20)

/* Copies `len` bytes at `offset` from SRC to DST through one mapping of each. */
static void copy_window(int src, int dst, uint64_t offset, size_t len, const char *src_path,
                        const char *dst_path)
{
    /* MAP_POPULATE reads the window in at once rather than a fault at a time. */
    void *from = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, src, (off_t)offset);
    if (from == MAP_FAILED)
        fail_path("cannot map", src_path, errno);
    void *to = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dst, (off_t)offset);
    if (to == MAP_FAILED)
        fail_path("cannot map", dst_path, errno);
    /* Advice only: read ahead eagerly, drop pages behind. */
    madvise(from, len, MADV_SEQUENTIAL);
    madvise(to, len, MADV_SEQUENTIAL);
    /* SIGBUS: no space left where nothing could be reserved, or SRC shrank meanwhile. */
    if (guarded_copy(to, from, len) < 0)
        fail("cannot copy '%s' to '%s': %s (a page could not be read or written)", src_path,
             dst_path, strerror(EIO));
    munmap(from, len);
    munmap(to, len);
}

static void copy(const char *src_path, const char *dst_path)
{
    /* SRC first: if it is missing or not a regular file, DST must not be created. */
    struct stat src_st, dst_st;
    int src = open_regular(src_path, O_RDONLY, 0, &src_st);

    /* DST read-write (a shared writable mapping needs both), created with SRC's permission bits
     * less the umask, as cp(1) does. No O_TRUNC: if DST is SRC itself, that would destroy it. */
    int dst = open_regular(dst_path, O_RDWR | O_CREAT, src_st.st_mode & 0777, &dst_st);
    if (src_st.st_dev == dst_st.st_dev && src_st.st_ino == dst_st.st_ino)
        fail("'%s' and '%s' are the same file", src_path, dst_path);

    uint64_t size = (uint64_t)src_st.st_size;
    /* Exactly SRC's length, whether DST was shorter or longer. */
    if (ftruncate(dst, src_st.st_size) < 0)
        fail_path("cannot resize", dst_path, errno);
    if (size > 0) {
        /* Allocate DST's blocks now: a full disk is then ENOSPC here, not SIGBUS later.
         * A file system that cannot preallocate copies anyway, as cp(1) would. */
        int err = posix_fallocate(dst, 0, src_st.st_size);
        if (err != 0 && err != EOPNOTSUPP)
            fail_path("cannot reserve space for", dst_path, err);
        for (uint64_t offset = 0; offset < size; offset += WINDOW) {
            uint64_t left = size - offset;
            size_t len = (size_t)(left < WINDOW ? left : WINDOW);
            copy_window(src, dst, offset, len, src_path, dst_path);
        }
    }
    close(src);
    /* A late write-back error (say, on a network file system) shows up here. */
    if (close(dst) < 0)
        fail_path("cannot close", dst_path, errno);
}

int main(int argc, char **argv)
{
    /* Past RLIMIT_FSIZE the kernel sends SIGXFSZ, which kills by default. Ignored, it becomes an
     * EFBIG error from ftruncate or posix_fallocate, which is reported. */
    if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
        fail("cannot ignore SIGXFSZ: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    if (argc != 3)
        usage_error("expected two paths, SRC and DST");
    copy(argv[1], argv[2]);
    return 0;
}
