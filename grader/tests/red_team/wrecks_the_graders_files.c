/* ex3, hostile: copies honestly (the C version of tests/foreign), then wrecks, in its folder,
 * what the grader does next there: in the speed test (a 16 MiB SRC) it makes folders
 * cp.bin/src.bin where the grader's cp copied; after copying a 1-byte SRC it turns SRC into a
 * folder, where the grader makes the next SRC; after copying an empty SRC to dst.bin it turns
 * full.bin, the next DST, into a folder. Each is the program's failure, never a grading error. */
#define main honest_main
#include "../foreign/ex3.c"
#undef main

int main(int argc, char **argv)
{
    int status = honest_main(argc, argv);
    struct stat st;
    if (argc != 3 || stat(argv[1], &st) < 0)
        return status;
    if (st.st_size == 16 << 20) {
        unlink("cp.bin");
        mkdir("cp.bin", 0755);
        mkdir("cp.bin/src.bin", 0755);
    } else if (st.st_size == 1) {
        unlink(argv[1]);
        mkdir(argv[1], 0755);
    } else if (st.st_size == 0 && strcmp(argv[2], "dst.bin") == 0) {
        unlink("full.bin");
        mkdir("full.bin", 0755);
    }
    return status;
}
