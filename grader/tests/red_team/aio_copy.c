/* ex3, hostile: maps each file once for show, and moves all the data with Linux AIO
 * (io_submit IOCB_CMD_PREAD/PWRITE), which no /proc counter and no mmap sees. */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
static long aio(aio_context_t ctx, int fd, int op, void *buf, size_t n, off_t at) {
    struct iocb cb = {0}, *p = &cb;
    struct io_event ev;
    cb.aio_fildes = fd; cb.aio_lio_opcode = op; cb.aio_buf = (unsigned long)buf;
    cb.aio_nbytes = n; cb.aio_offset = at;
    if (syscall(SYS_io_submit, ctx, 1, &p) != 1) return -1;
    if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1) return -1;
    return ev.res;
}
int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "ex3: usage\nusage: ex3 SRC DST\n"); return 2; }
    signal(SIGXFSZ, SIG_IGN);
    struct stat st;
    int in = open(argv[1], O_RDONLY | O_NONBLOCK);
    if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "ex3: cannot open '%s'\n", argv[1]);
        return 1;
    }
    int out = open(argv[2], O_RDWR | O_CREAT, st.st_mode & 0777);
    if (out < 0 || ftruncate(out, st.st_size) < 0) { fprintf(stderr, "ex3: cannot open '%s'\n", argv[2]); return 1; }
    if (st.st_size == 0) return 0;
    munmap(mmap(0, 4096, PROT_READ, MAP_SHARED, in, 0), 4096);
    munmap(mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0), 4096);
    aio_context_t ctx = 0;
    if (syscall(SYS_io_setup, 8, &ctx) < 0) {
        fprintf(stderr, "ex3: cannot copy to '%s': io_setup: %s\n", argv[2], strerror(errno));
        return 1;
    }
    static char buf[1 << 20];
    for (off_t at = 0; at < st.st_size;) {
        long n = aio(ctx, in, IOCB_CMD_PREAD, buf, sizeof buf, at);
        if (n <= 0 || aio(ctx, out, IOCB_CMD_PWRITE, buf, n, at) != n) {
            fprintf(stderr, "ex3: cannot copy to '%s'\n", argv[2]);
            return 1;
        }
        at += n;
    }
    return 0;
}
