/* signals: sigaction handlers with siginfo (kill to self: SI_USER, raise: SI_TKILL), a
 * signal to a child that waits for it in sigsuspend(), SIGCHLD, alarm, sigprocmask
 * holding a signal pending until it is unblocked, a handler interrupting a blocking read
 * (EINTR without SA_RESTART, the read resumed with it), SIGSEGV and SIGFPE recovered from
 * with siglongjmp, and the program ending by its own SIGTERM (exit status 128 + 15). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, last_code, chld, alarms;
static sigjmp_buf env;
static volatile void *fault_addr;

static void on_info(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
}
static void on_chld(int sig) { (void)sig; chld++; }
static void on_alarm(int sig) { (void)sig; alarms++; }
static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    last_code = si->si_code;
    fault_addr = si->si_addr;
    siglongjmp(env, sig);
}

static const char *code_name(int c) {
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_KERNEL: return "SI_KERNEL";
    case SEGV_MAPERR: return "SEGV_MAPERR or FPE_INTDIV"; /* both 1 */
    case SEGV_ACCERR: return "SEGV_ACCERR";
    default: return "other";
    }
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0) perror("sigaction");
}

static void self_signals(void) {
    install(SIGUSR1, on_info, 0);
    kill(getpid(), SIGUSR1);
    printf("kill(self, SIGUSR1): handler ran %d time(s), signal %d, code %s\n", hits, last_sig, code_name(last_code));
    raise(SIGUSR1);
    printf("raise(SIGUSR1): handler ran %d time(s), code %s\n", hits, code_name(last_code));
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    printf("sigaction reads back SA_SIGINFO: %d\n", (old.sa_flags & SA_SIGINFO) != 0);
}

static void masks(void) {
    sigset_t block, old, pend;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    int before = hits;
    raise(SIGUSR1);
    raise(SIGUSR1); /* a standard signal is pending at most once */
    sigpending(&pend);
    printf("blocked: handler ran %d times, SIGUSR1 pending %d\n", hits - before, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: handler ran %d time(s)\n", hits - before);
    sigprocmask(SIG_BLOCK, NULL, &old);
    printf("mask restored, SIGUSR1 blocked %d\n", sigismember(&old, SIGUSR1));
}

static void child_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    int ready[2];
    pipe(ready);
    pid_t k = fork();
    if (k == 0) {
        sigset_t usr2, orig;
        sigemptyset(&usr2);
        sigaddset(&usr2, SIGUSR2);
        sigprocmask(SIG_BLOCK, &usr2, &orig); /* no lost wake-up between the test and the wait */
        hits = 0;
        install(SIGUSR2, on_info, 0);
        write(ready[1], "r", 1);
        while (hits == 0) sigsuspend(&orig);
        _exit(last_sig == SIGUSR2 && last_code == SI_USER ? 20 : 21);
    }
    char c;
    read(ready[0], &c, 1); /* the child's handler is installed */
    kill(k, SIGUSR2);
    int status;
    while (waitpid(k, &status, 0) < 0 && errno == EINTR) {}
    printf("child woken from sigsuspend() by SIGUSR2: exit %d; SIGCHLD caught %d\n", WEXITSTATUS(status), chld);

    k = fork();
    if (k == 0) { for (;;) pause(); }
    kill(k, SIGTERM);
    while (waitpid(k, &status, 0) < 0 && errno == EINTR) {}
    printf("child killed with SIGTERM: signaled %d, signal %d; SIGCHLD caught %d\n", WIFSIGNALED(status), WTERMSIG(status), chld);
    close(ready[0]);
    close(ready[1]);
    signal(SIGCHLD, SIG_DFL);
}

static void alarm_and_eintr(void) {
    signal(SIGALRM, on_alarm);
    printf("alarm(5) then alarm(0): %u seconds were left\n", (alarm(5), alarm(0)));
    sigset_t alrm, orig;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, &orig); /* however late pause comes, it cannot miss it */
    alarm(1);
    sigsuspend(&orig);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    printf("alarm(1) + sigsuspend(): SIGALRM caught %d\n", alarms);

    int p[2];
    pipe(p);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    char c;
    errno = 0;
    ssize_t n = read(p[0], &c, 1);
    printf("read interrupted by a 20 ms itimer: %d, errno %s, alarms %d\n", (int)n, errno == EINTR ? "EINTR" : strerror(errno), alarms);

    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    if (fork() == 0) {
        usleep(300000); /* well after the parent's 20 ms timer */
        write(p[1], "z", 1);
        _exit(0);
    }
    setitimer(ITIMER_REAL, &it, NULL);
    n = read(p[0], &c, 1);
    printf("with SA_RESTART the read goes on: %d ('%c'), alarms %d\n", (int)n, n == 1 ? c : '?', alarms);
    wait(NULL);
    close(p[0]);
    close(p[1]);
}

static void faults(void) {
    install(SIGSEGV, on_fault, SA_NODEFER);
    install(SIGFPE, on_fault, SA_NODEFER);
    int recovered = 0;
    for (int round = 0; round < 3; round++) {
        int sig = sigsetjmp(env, 1);
        if (sig == 0) {
            *(volatile int *)16 = 1;
            printf("no fault?\n");
        } else {
            recovered++;
            printf("round %d: recovered from signal %d (%s), code %s, si_addr %p\n", round, sig, strsignal(sig), code_name(last_code), (void *)fault_addr);
        }
    }
    static const char text[] = "read-only";
    if (sigsetjmp(env, 1) == 0) {
        *(volatile char *)text = 'R';
        printf("no fault?\n");
    } else {
        printf("write to .rodata: code %s, address is the string's %d\n", code_name(last_code), fault_addr == (void *)text);
    }
    volatile int zero = 0, num = 7;
    if (sigsetjmp(env, 1) == 0) {
        printf("7 / 0 = %d?\n", num / zero);
    } else {
        printf("integer division by zero: code %s\n", code_name(last_code));
    }
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("after siglongjmp: SIGSEGV blocked %d, SIGFPE blocked %d\n", sigismember(&now, SIGSEGV), sigismember(&now, SIGFPE));
}

int main(void) {
    self_signals();
    masks();
    child_signals();
    alarm_and_eintr();
    faults();
    printf("and now the program kills itself with SIGTERM\n");
    fflush(stdout);
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
