/* The x87 state belongs to each thread and survives everything that interrupts it:
 * threads computing at once (preempted by the timer in mid-computation) each in its own
 * rounding mode, a signal handler that computes and changes the rounding mode while the
 * interrupted code is in the middle of a loop (sigreturn restores the FPU state), and
 * fork. Every result must equal the same computation run alone. The precision control is
 * set to double first (threads and children inherit it), so that the printed results do
 * not depend on the x87's extended precision (see float.c). */
#include <fenv.h>
#include <fpu_control.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEPS 3000 /* about 25 ms of guest time each at -O0: several time slices */

static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };

/* A computation that keeps values on the x87 stack across iterations and whose result
 * depends on the rounding mode. */
static double series(int seed, int steps) {
    double x = 1.0 + seed / 7.0, acc = 0.0, prod = 1.0;
    for (int i = 1; i <= steps; i++) {
        acc += x / i - sqrt(x * i) / (i + 3.0);
        prod = prod * (1.0 + 1.0 / (i + seed)) / (1.0 + 1.0 / (i + seed + 1.0));
        x = x * 1.0000001 + 1e-9 * i;
    }
    return acc * prod;
}

static uint64_t bits(double d) { union { double d; uint64_t u; } v = { .d = d }; return v.u; }

struct job { int index; double result; int mode_kept; };

static void *worker(void *arg) {
    struct job *j = arg;
    fesetround(modes[j->index % 4]);
    j->result = series(j->index, STEPS);
    fpu_control_t cw;
    _FPU_GETCW(cw);
    j->mode_kept = fegetround() == modes[j->index % 4] && (cw & _FPU_EXTENDED) == _FPU_DOUBLE;
    return NULL;
}

static volatile sig_atomic_t ticks;
static volatile double handler_sink;
static void on_tick(int sig) {
    (void)sig;
    /* use the FPU and change its control word inside the handler */
    fesetround(FE_UPWARD);
    handler_sink = series(ticks, 50) + sqrt(2.0 + ticks);
    ticks++;
}

int main(void) {
    enum { N = 4 };
    double alone[N];
    fpu_control_t cw;
    _FPU_GETCW(cw);
    cw = (cw & ~_FPU_EXTENDED) | _FPU_DOUBLE;
    _FPU_SETCW(cw);
    for (int i = 0; i < N; i++) {
        fesetround(modes[i % 4]);
        alone[i] = series(i, STEPS);
    }
    fesetround(FE_TONEAREST);
    double nearest3 = series(3, STEPS);

    struct job jobs[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        jobs[i].index = i;
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    int same = 0, kept = 0;
    for (int i = 0; i < N; i++) {
        same += bits(jobs[i].result) == bits(alone[i]);
        kept += jobs[i].mode_kept;
    }
    printf("%d threads at once, each in its own rounding mode: %d results equal to the serial ones, %d kept their mode and inherited precision\n", N, same, kept);
    _FPU_GETCW(cw);
    printf("main thread's rounding mode untouched: %d, precision control double: %d\n", fegetround() == FE_TONEAREST, (cw & _FPU_EXTENDED) == _FPU_DOUBLE);
    for (int i = 0; i < 4; i++) printf("  mode %d: %.17g\n", i, alone[i]);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 1000 }, { 0, 1000 } }; /* every millisecond */
    setitimer(ITIMER_REAL, &it, NULL);
    double r = 0;
    int rounds = 0;
    while (ticks < 5 || rounds < 2) { r = series(3, STEPS); rounds++; }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    printf("computing while a signal handler computed in another rounding mode: equal %d, mode still nearest %d\n",
           bits(r) == bits(nearest3), fegetround() == FE_TONEAREST);

    fesetround(FE_DOWNWARD);
    fflush(stdout);
    pid_t k = fork();
    if (k == 0) {
        double c = series(1, STEPS);
        _exit(bits(c) == bits(alone[1]) && fegetround() == FE_DOWNWARD ? 0 : 1);
    }
    double p = series(1, STEPS);
    int status;
    waitpid(k, &status, 0);
    printf("after fork, in rounding mode downward: child equal %d, parent equal %d\n", WEXITSTATUS(status) == 0, bits(p) == bits(alone[1]));
    return 0;
}
