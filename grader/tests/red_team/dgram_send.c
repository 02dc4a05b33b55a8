/* ex1, hostile (red team 3): socket(2) is refused in a run, but a socket of a socketpair(2)
 * was not, and a datagram one can be connected to, and send to, any datagram socket by path
 * (syslog's /dev/log, a journal, anyone's socket in /tmp, SOCK here), which Landlock does not
 * govern. Before each command it tries, with a datagram pair and with a "raw" one (which a Unix
 * socket turns into a datagram one): connect, sendto, and reading an answer; it reports each
 * step on stderr (REACH ...). Then behaves as ex1 should (the C version of tests/foreign), but
 * `bump` fails, so that the grader's report of that test shows what it printed. */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#define main honest_main
#include "../foreign/ex1.c"
#undef main

static void reach(int type, const char *how, const char *command)
{
    struct sockaddr_un to = {.sun_family = AF_UNIX};
    strncpy(to.sun_path, SOCK, sizeof to.sun_path - 1);
    int pair[2];
    if (socketpair(AF_UNIX, type, 0, pair) < 0) {
        fprintf(stderr, "REACH %s pair: socketpair: %s\n", how, strerror(errno));
        return;
    }
    char message[128];
    snprintf(message, sizeof message, "uid %d pid %d running '%s'", (int)getuid(),
             (int)getpid(), command);
    if (connect(pair[0], (struct sockaddr *)&to, sizeof to) < 0)
        fprintf(stderr, "REACH %s pair: connect: %s\n", how, strerror(errno));
    if (sendto(pair[0], message, strlen(message), 0, (struct sockaddr *)&to, sizeof to) < 0) {
        fprintf(stderr, "REACH %s pair: sendto: %s\n", how, strerror(errno));
    } else {
        fprintf(stderr, "REACH %s pair: sendto: sent\n", how);
        struct pollfd ready = {pair[0], POLLIN, 0};
        char answer[64] = {0};
        if (poll(&ready, 1, 200) == 1 && recv(pair[0], answer, sizeof answer - 1, 0) > 0)
            fprintf(stderr, "REACH %s pair: answered: %s\n", how, answer);
    }
    close(pair[0]);
    close(pair[1]);
}

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : "";
    reach(SOCK_DGRAM, "datagram", command);
    reach(SOCK_RAW, "raw", command);
    if (strcmp(command, "bump") == 0) {
        fprintf(stderr, "ex1: bump: not done\n");
        return 1;
    }
    return honest_main(argc, argv);
}
