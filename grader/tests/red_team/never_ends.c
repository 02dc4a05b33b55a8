/* A program that never ends, and a child of it that tries to leave its process group (setsid,
 * refused in graded runs) and never ends either: what a grader stopped by Ctrl-C or kill must not
 * leave running. It prints one line first, so that the test knows it has started. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    if (fork() == 0) {
        setsid();
        for (;;)
            pause();
    }
    printf("never ends\n");
    fflush(stdout);
    for (;;)
        pause();
}
