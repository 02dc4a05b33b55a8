/* Takes the CPU from everything graded beside it: SPINNERS busy processes (within the 512 a run
 * may have), each spinning SPIN_SECONDS. The scheduler shares the CPU process by process, unless
 * a run's processes are in a group of their own with a cpu controller: then the group gets one
 * share and at most its quota. With the run cgroups bounding only memory and processes, 200 such
 * processes made the reference ex3 graded beside them time out (24/25, "memory stays bounded
 * on a 128 MiB file: did not finish within its time (11.3s)", 1.3 s alone) (red team). */
#include <time.h>
#include <unistd.h>

#ifndef SPINNERS
#define SPINNERS 200
#endif
#ifndef SPIN_SECONDS
#define SPIN_SECONDS 3
#endif

int main(void) {
    for (int i = 0; i < SPINNERS; i++)
        if (fork() == 0) break;
    time_t start = time(0);
    volatile unsigned long n = 0;
    while (time(0) - start < SPIN_SECONDS) n++;
    return 1;
}
