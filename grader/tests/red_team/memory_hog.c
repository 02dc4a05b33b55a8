/* ex2, hostile: takes 1.5 GiB of memory (touching every page) before it does its work, as a
 * program that copies whole files into memory would, or one that wants to starve the other runs
 * of a class. It does the work (correctly: the C version of the lab) only if it got the memory, so
 * it scores only where a run's memory is not bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define main lab_main
#include "../foreign/ex2.c"
#undef main
int main(int argc, char **argv) {
    size_t chunk = 64u << 20;
    for (int i = 0; i < 24; i++) {
        char *p = malloc(chunk);
        if (!p) { fprintf(stderr, "ex2: no memory to hoard\n"); return 1; }
        memset(p, 1, chunk);
    }
    return lab_main(argc, argv);
}
