/* pipes: 200 KiB from parent to child (more than a pipe holds, so the writer blocks until
 * the reader drains it), read until EOF in small pieces; the child's answer back through
 * a second pipe; dup2 of a pipe onto the child's stdout; EOF only once every write end is
 * closed; EPIPE (and SIGPIPE) on a pipe without readers; a pipeline of three processes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOTAL (200 * 1024)

static void big_transfer(void) {
    int down[2], up[2];
    pipe(down);
    pipe(up);
    pid_t k = fork();
    if (k == 0) {
        close(down[1]);
        close(up[0]);
        char buf[333];
        unsigned long sum = 0, bytes = 0, reads = 0;
        ssize_t n;
        while ((n = read(down[0], buf, sizeof buf)) > 0) {
            for (ssize_t i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
            bytes += n;
            reads++;
        }
        char msg[100];
        int len = snprintf(msg, sizeof msg, "child read %lu bytes (at least %d reads: %s), hash %lu, then EOF (read returned %d)\n",
                           bytes, TOTAL / 333, reads >= TOTAL / 333 ? "yes" : "no", sum, (int)n);
        write(up[1], msg, len);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    static char data[TOTAL];
    for (int i = 0; i < TOTAL; i++) data[i] = (char)(i * 13 + (i >> 9));
    unsigned long expect = 0;
    for (int i = 0; i < TOTAL; i++) expect = expect * 31 + (unsigned char)data[i];
    ssize_t w = write(down[1], data, TOTAL);
    printf("parent: one write of %d bytes returned %d\n", TOTAL, (int)w);
    close(down[1]);
    char answer[200];
    int got = 0;
    ssize_t n;
    while ((n = read(up[0], answer + got, sizeof answer - 1 - got)) > 0) got += n;
    answer[got] = 0;
    fputs(answer, stdout);
    printf("expected hash %lu\n", expect);
    close(up[0]);
    int status;
    waitpid(k, &status, 0);
    printf("child exit %d\n", WEXITSTATUS(status));
}

static void dup2_stdout(void) {
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t k = fork();
    if (k == 0) {
        close(p[0]);
        if (dup2(p[1], 1) != 1) _exit(3);
        close(p[1]);
        printf("line %d written by the child to its stdout\n", 1);
        printf("line %d written by the child to its stdout\n", 2);
        exit(0); /* flushes into the pipe */
    }
    close(p[1]);
    char buf[7];
    int lines = 0;
    ssize_t n;
    printf("parent reads the child's stdout: [");
    while ((n = read(p[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) { if (buf[i] == '\n') { lines++; putchar('|'); } else putchar(buf[i]); }
    }
    printf("] %d lines\n", lines);
    close(p[0]);
    wait(NULL);
}

static void eof_needs_all_writers(void) {
    int p[2];
    pipe(p);
    int extra = dup(p[1]);
    close(p[1]);
    write(extra, "x", 1);
    char c;
    printf("with a dup'd write end open: read %d\n", (int)read(p[0], &c, 1));
    close(extra);
    printf("after closing it: read %d (EOF)\n", (int)read(p[0], &c, 1));
    close(p[0]);
}

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int sig) { got_sigpipe = sig; }

static void broken_pipe(void) {
    int p[2];
    pipe(p);
    close(p[0]);
    signal(SIGPIPE, on_sigpipe);
    errno = 0;
    ssize_t n = write(p[1], "abc", 3);
    printf("write with no reader: %d, errno %s, SIGPIPE caught %d\n", (int)n, errno == EPIPE ? "EPIPE" : strerror(errno), got_sigpipe == SIGPIPE);
    close(p[1]);
    /* and with the default action, the writer dies of SIGPIPE */
    pipe(p);
    close(p[0]); /* before the fork: no process holds a read end */
    pid_t k = fork();
    if (k == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(p[1], "abc", 3);
        _exit(0);
    }
    close(p[1]);
    int status;
    waitpid(k, &status, 0);
    printf("child writing to a pipe without readers: killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* generator | doubler | summer, each a process */
static void pipeline(void) {
    int a[2], b[2];
    pipe(a);
    if (fork() == 0) {
        close(a[0]);
        for (int i = 1; i <= 1000; i++) write(a[1], &i, sizeof i);
        _exit(0);
    }
    close(a[1]);
    pipe(b);
    if (fork() == 0) {
        close(b[0]);
        int v;
        while (read(a[0], &v, sizeof v) == sizeof v) { v *= 2; write(b[1], &v, sizeof v); }
        _exit(0);
    }
    close(a[0]);
    close(b[1]);
    long sum = 0;
    int v, count = 0;
    while (read(b[0], &v, sizeof v) == sizeof v) { sum += v; count++; }
    close(b[0]);
    while (wait(NULL) > 0) {}
    printf("pipeline: %d numbers, doubled sum %ld\n", count, sum);
}

int main(void) {
    big_transfer();
    dup2_stdout();
    eof_needs_all_writers();
    broken_pipe();
    pipeline();
    return 0;
}
