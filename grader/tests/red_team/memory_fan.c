/* ex1, hostile: the memory of a run where no cgroup bounds it (an ordinary user's grader,
 * "cgroups: none"). RLIMIT_AS bounds each process (1 GiB), but a run may have many: only in
 * `peek empty.bin`, 4 processes each touch 400 MiB (1.6 GiB together, red team 4 took 2 GiB
 * with three), then the program says how much they touched and exits 0. Where the run's memory
 * is bounded (512 MiB), it is killed before it can say so. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAN 4
#define MIB 400

int main(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "peek") != 0 || strcmp(argv[2], "empty.bin") != 0)
        return 0;
    for (int i = 0; i < FAN; i++)
        if (fork() == 0) {
            size_t len = (size_t)MIB << 20;
            char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                _exit(1);
            memset(p, 1, len);
            sleep(2);
            _exit(0);
        }
    int touched = 0, status;
    while (wait(&status) > 0)
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            touched += MIB;
    printf("TOUCHED %d MiB\n", touched);
    return 0;
}
