/* poll and select on a pipe: a timeout with nothing to read, readiness for reading and
 * writing, a sleeping poll woken by another process's write, POLLHUP once the last
 * writer is gone. */
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int p[2];
    pipe(p);
    struct pollfd fds[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
    int n = poll(fds, 1, 30);
    printf("poll on an empty pipe, 30 ms timeout: %d\n", n);
    n = poll(fds, 2, -1);
    printf("poll for reading and writing: %d ready, read end %#x, write end %#x\n", n, fds[0].revents, fds[1].revents);
    write(p[1], "data", 4);
    n = poll(fds, 1, 0);
    printf("after a write: %d ready, revents %#x\n", n, fds[0].revents);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = { 0, 0 };
    n = select(p[0] + 1, &rs, NULL, NULL, &tv);
    printf("select: %d, readable %d\n", n, FD_ISSET(p[0], &rs) != 0);
    char buf[8];
    read(p[0], buf, sizeof buf);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    tv.tv_usec = 20000;
    n = select(p[0] + 1, &rs, NULL, NULL, &tv);
    printf("select on the drained pipe, 20 ms: %d\n", n);
    /* a child writes after 50 ms: poll with no timeout wakes for it */
    fflush(stdout);
    pid_t k = fork();
    if (k == 0) { usleep(50000); write(p[1], "late", 4); _exit(0); }
    n = poll(fds, 1, 5000);
    printf("poll woken by the child's write: %d, revents %#x\n", n, fds[0].revents);
    read(p[0], buf, sizeof buf);
    waitpid(k, NULL, 0);
    close(p[1]);
    n = poll(fds, 1, 0);
    printf("after the last writer closed: %d, revents %#x (POLLHUP %#x)\n", n, fds[0].revents, POLLHUP);
    close(p[0]);
    return 0;
}
