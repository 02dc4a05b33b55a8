/* ex1, hostile (red team 9): starves an ordinary user's memory watchdog of the CPU, then takes
 * memory past the run's bound. Only in `peek empty.bin`: KIDS children spin (no system call) for
 * SPIN_MS, so that the watchdog, one thread against KIDS busy processes, gets a sliver of the CPU
 * and a pass of it takes a second; then each touches MIB MiB (KIDS x MIB, 800 MiB, past the 512
 * MiB a run may hold) and holds it HOLD_MS. Red team 9 held 2 GiB so (400 children): the watchdog rested
 * nine times a pass's wall time, and missed 9 tests of 13. The parent says on stderr how many
 * children held their memory, and exits 1. Now a starved watchdog stops the run while it looks:
 * the run is killed, and the student told it ran out of memory. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KIDS 400
#define MIB 2
#define SPIN_MS 1500
/* Longer than the longest rest the watchdog draws (five times its mean, about 1.4 s here): a
 * hold that fits between two looks is missed by chance, not by a fault. */
#define HOLD_MS 2500

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t); /* the vDSO: no system call */
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void hoard(long start)
{
    volatile unsigned long spin = 0;
    while (now_ms() - start < SPIN_MS)
        spin++;
    size_t size = (size_t)MIB << 20;
    char *area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        _exit(1);
    memset(area, 1, size);
    struct timespec hold = {HOLD_MS / 1000, (HOLD_MS % 1000) * 1000000L};
    nanosleep(&hold, NULL);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    long start = now_ms();
    for (int i = 0; i < KIDS; i++)
        if (fork() == 0)
            hoard(start);
    int held = 0, status;
    while (wait(&status) > 0)
        held += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    fprintf(stderr, "STARVED %d children held %d MiB each\n", held, MIB);
    return 1;
}
