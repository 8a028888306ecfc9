/* exec: the program runs itself again (its path from readlink("/proc/self/exe")) after
 * fork, after vfork and through posix_spawn (glibc: clone with CLONE_VM|CLONE_VFORK), with
 * arguments and an environment of its choosing; close-on-exec descriptors are gone in the
 * new image and the others stay; an exec that fails returns ENOENT/EACCES; exit codes
 * come back through wait. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char self[4096];

/* The exec'd image: report what it was given. */
static int child(int argc, char **argv) {
    printf("  exec'd image: argc %d, argv[1..]:", argc);
    for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
    int envc = 0;
    for (char **e = environ; *e; e++) envc++;
    const char *v = getenv("FORKBOX_CTEST_VAR");
    printf("; %d environment variables, FORKBOX_CTEST_VAR=%s\n", envc, v ? v : "(unset)");
    if (argc > 3) { /* descriptors to check: argv[3] kept, argv[4] close-on-exec */
        int kept = atoi(argv[3]), gone = atoi(argv[4]);
        printf("  fd kept across exec open: %d, close-on-exec fd open: %d\n", fcntl(kept, F_GETFD) != -1, fcntl(gone, F_GETFD) != -1);
        write(kept, "via the inherited pipe\n", 23);
    }
    return atoi(argv[2]);
}

static void report(const char *what, int status) {
    if (WIFEXITED(status)) printf("%s: exit %d\n", what, WEXITSTATUS(status));
    else printf("%s: signal %d\n", what, WTERMSIG(status));
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) return child(argc, argv);
    int status;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) { perror("readlink /proc/self/exe"); return 1; }
    self[n] = 0;

    fflush(stdout);
    pid_t k = fork();
    if (k == 0) {
        char *args[] = { "exec", "child", "42", NULL };
        char *env[] = { "FORKBOX_CTEST_VAR=from execve", "OTHER=1", NULL };
        execve(self, args, env);
        _exit(127);
    }
    waitpid(k, &status, 0);
    report("fork + execve", status);

    int p[2];
    pipe(p);
    int cloexec = open(self, O_RDONLY | O_CLOEXEC);
    char kept[16], gone[16];
    snprintf(kept, sizeof kept, "%d", p[1]);
    snprintf(gone, sizeof gone, "%d", cloexec);
    fflush(stdout);
    k = vfork();
    if (k == 0) {
        char *args[] = { "exec", "child", "7", kept, gone, NULL };
        char *env[] = { NULL };
        execve(self, args, env);
        _exit(127);
    }
    close(p[1]);
    waitpid(k, &status, 0);
    report("vfork + execve", status);
    char buf[64] = { 0 };
    read(p[0], buf, sizeof buf - 1);
    printf("parent read from the pipe: %s", buf);
    close(p[0]);
    close(cloexec);

    pid_t sp;
    char *sargs[] = { "exec", "child", "9", NULL };
    char *senv[] = { "FORKBOX_CTEST_VAR=posix_spawn", NULL };
    fflush(stdout);
    int e = posix_spawn(&sp, self, NULL, NULL, sargs, senv);
    waitpid(sp, &status, 0); /* before printing: the child runs alongside once it has exec'd */
    printf("posix_spawn returned %d; ", e);
    report("posix_spawn", status);

    errno = 0;
    char *none[] = { "nothing", NULL };
    int r = execve("/no/such/program", none, environ);
    printf("execve of a missing file: %d, errno %s\n", r, errno == ENOENT ? "ENOENT" : strerror(errno));
    r = execve("/tmp", none, environ);
    printf("execve of a directory: %d, errno %s\n", r, errno == EACCES ? "EACCES" : strerror(errno));
    e = posix_spawn(&sp, "/no/such/program", NULL, NULL, none, environ);
    printf("posix_spawn of a missing file: %s\n", e == ENOENT ? "ENOENT" : strerror(e));
    if (e == 0) waitpid(sp, &status, 0);
    return 3;
}
