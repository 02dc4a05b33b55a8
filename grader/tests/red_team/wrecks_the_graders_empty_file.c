/* ex2, hostile: patches honestly (the C version of tests/foreign), but first, when it patches
 * data.bin, turns empty.bin, the file the grader patches next, into a folder. The program's
 * failure, never a grading error. */
#define main honest_main
#include "../foreign/ex2.c"
#undef main

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[2], "data.bin") == 0) {
        unlink("empty.bin");
        mkdir("empty.bin", 0755);
    }
    return honest_main(argc, argv);
}
