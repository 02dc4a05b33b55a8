/* ex1, hostile: leaves a System V shared memory segment of 64 MiB behind (key KEY), which would
 * outlive the run, its user and the grader, holding memory that no cgroup of the run accounts
 * for (and could carry state from one run to the next). It does the work (correctly: the C
 * version of the lab) only if it got the segment. */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#define main lab_main
#include "../foreign/ex1.c"
#undef main
int main(int argc, char **argv) {
    int id = shmget(KEY, 64 << 20, IPC_CREAT | 0666);
    char *p = id < 0 ? (char *)-1 : shmat(id, 0, 0);
    if (p == (char *)-1) {
        perror("ex1: shm");
        return 1;
    }
    memset(p, 1, 64 << 20);
    return lab_main(argc, argv);
}
