/* fork + wait: children exiting with different codes, reaped in order and with wait(-1);
 * a child killed by a signal; WNOHANG on a live child; getppid in the child; stdio
 * buffers duplicated by fork (exit flushes the child's copy, _exit does not); copy-on-
 * write of the parent's data; a grandchild reaped by its own parent; ECHILD at the end;
 * the program's own exit code. Pids are printed as pid=N (the test numbers them). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int data[1024] = { 1 };

static void describe(int status) {
    if (WIFEXITED(status)) printf("exited with %d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) printf("killed by signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else printf("status %#x\n", status);
}

int main(void) {
    pid_t self = getpid();
    printf("parent pid=%d\n", self);
    fflush(stdout);

    pid_t kids[5];
    for (int i = 0; i < 5; i++) {
        kids[i] = fork();
        if (kids[i] < 0) { perror("fork"); return 1; }
        if (kids[i] == 0) {
            data[0] = 100 + i; /* copy-on-write: the parent's copy stays 1 */
            if (getppid() != self) _exit(99);
            _exit(i * 3 + (data[0] - 100));
        }
    }
    for (int i = 4; i >= 0; i--) {
        int status;
        pid_t r = waitpid(kids[i], &status, 0);
        printf("child %d (pid=%d): waitpid returned its pid %d, ", i, kids[i], r == kids[i]);
        describe(status);
    }
    printf("parent's data[0] is still %d\n", data[0]);

    /* killed by a signal */
    pid_t k = fork();
    if (k == 0) { kill(getpid(), SIGKILL); _exit(1); }
    int status;
    waitpid(k, &status, 0);
    printf("self-killed child: ");
    describe(status);
    k = fork();
    if (k == 0) { signal(SIGTERM, SIG_DFL); raise(SIGTERM); _exit(1); }
    wait(&status);
    printf("raise(SIGTERM) child: ");
    describe(status);

    /* WNOHANG while the child is blocked reading a pipe */
    int p[2];
    pipe(p);
    k = fork();
    if (k == 0) {
        char c;
        close(p[1]);
        ssize_t n = read(p[0], &c, 1);
        _exit(n == 1 ? c - '0' : 50);
    }
    close(p[0]);
    printf("WNOHANG on a blocked child: %d\n", (int)waitpid(k, &status, WNOHANG));
    write(p[1], "7", 1);
    close(p[1]);
    printf("after the write, waitpid returns the child: %d, ", waitpid(k, &status, 0) == k);
    describe(status);

    /* stdio buffers are copied by fork */
    fflush(stdout);
    printf("buffered before fork (exit in child: printed twice)\n");
    k = fork();
    if (k == 0) exit(0);
    waitpid(k, &status, 0);
    fflush(stdout);
    printf("buffered before fork (_exit in child: printed once)\n");
    k = fork();
    if (k == 0) _exit(0);
    waitpid(k, &status, 0);
    fflush(stdout);

    /* a grandchild, reaped by the child */
    k = fork();
    if (k == 0) {
        pid_t g = fork();
        if (g == 0) _exit(5);
        int s;
        waitpid(g, &s, 0);
        _exit(WEXITSTATUS(s) + 10);
    }
    waitpid(k, &status, 0);
    printf("child that reaped its own child: ");
    describe(status);

    /* many children, reaped with wait() in any order: only the sum is printed */
    int sum = 0;
    for (int i = 1; i <= 20; i++) if (fork() == 0) _exit(i);
    for (int i = 0; i < 20; i++) { wait(&status); sum += WEXITSTATUS(status); }
    printf("20 children reaped with wait(): exit codes sum to %d\n", sum);

    errno = 0;
    pid_t r = wait(&status);
    printf("wait() with no children: %d, errno %s\n", (int)r, errno == ECHILD ? "ECHILD" : strerror(errno));
    return 42;
}
