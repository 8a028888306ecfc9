/* sleep and clocks: nanosleep, usleep, sleep, clock_nanosleep (relative and TIMER_ABSTIME)
 * measured with CLOCK_MONOTONIC; a nanosleep cut short by a signal reports the time left;
 * EINVAL for a bad timespec; clocks that never go backwards. Only orderings and "ok" are
 * printed, never a time (they differ from run to run). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t c) {
    struct timespec ts;
    if (clock_gettime(c, &ts) < 0) { perror("clock_gettime"); return -1; }
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *at_least(long long elapsed, long long want) {
    return elapsed >= want ? "ok" : "TOO SHORT";
}

static void on_alarm(int sig) { (void)sig; }

int main(void) {
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec req = { 0, 20 * 1000000 }, rem;
    int r = nanosleep(&req, &rem);
    long long t1 = now_ns(CLOCK_MONOTONIC);
    printf("nanosleep(20 ms): returned %d, slept long enough: %s\n", r, at_least(t1 - t0, 20000000));

    r = usleep(30000);
    long long t2 = now_ns(CLOCK_MONOTONIC);
    printf("usleep(30 ms): returned %d, slept long enough: %s\n", r, at_least(t2 - t1, 30000000));

    unsigned left = sleep(1);
    long long t3 = now_ns(CLOCK_MONOTONIC);
    printf("sleep(1): returned %u, slept long enough: %s\n", left, at_least(t3 - t2, 1000000000));
    printf("sleep(0): returned %u\n", sleep(0));

    req.tv_nsec = 15 * 1000000;
    r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
    long long t4 = now_ns(CLOCK_MONOTONIC);
    printf("clock_nanosleep(MONOTONIC, relative 15 ms): %d, %s\n", r, at_least(t4 - t3, 15000000));

    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 25 * 1000000;
    if (until.tv_nsec >= 1000000000) { until.tv_nsec -= 1000000000; until.tv_sec++; }
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    long long t5 = now_ns(CLOCK_MONOTONIC);
    printf("clock_nanosleep(MONOTONIC, TIMER_ABSTIME +25 ms): %d, woke after the deadline: %s\n", r,
           at_least(t5, until.tv_sec * 1000000000LL + until.tv_nsec));
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL); /* already past */
    printf("clock_nanosleep to a past deadline: %d\n", r);

    /* a nanosleep interrupted by a signal: EINTR, and rem holds the time left */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    req.tv_sec = 2;
    req.tv_nsec = 0;
    long long t6 = now_ns(CLOCK_MONOTONIC);
    errno = 0;
    r = nanosleep(&req, &rem);
    long long t7 = now_ns(CLOCK_MONOTONIC);
    long long rem_ns = rem.tv_sec * 1000000000LL + rem.tv_nsec;
    printf("nanosleep(2 s) interrupted by a 30 ms timer: %d, errno %s, woke early: %s, rem plausible: %s\n", r,
           errno == EINTR ? "EINTR" : strerror(errno), t7 - t6 < 1500000000 ? "ok" : "NO",
           rem_ns > 500000000 && rem_ns < 2000000000 ? "ok" : "NO");

    req.tv_sec = 0;
    req.tv_nsec = 1000000000;
    errno = 0;
    r = nanosleep(&req, NULL);
    printf("nanosleep with tv_nsec = 1e9: %d, errno %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));

    /* monotonic clocks do not go backwards; gettimeofday and time agree with REALTIME */
    int backwards = 0;
    long long prev = now_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 1000; i++) {
        long long t = now_ns(CLOCK_MONOTONIC);
        if (t < prev) backwards++;
        prev = t;
    }
    printf("1000 CLOCK_MONOTONIC reads, backwards steps: %d\n", backwards);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    long long rt = now_ns(CLOCK_REALTIME);
    printf("gettimeofday, time and CLOCK_REALTIME agree to a second: %s\n",
           (t - tv.tv_sec) <= 1 && (rt / 1000000000 - t) <= 1 && tv.tv_sec > 1600000000 ? "ok" : "NO");
    struct timespec res;
    r = clock_getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(MONOTONIC): %d, resolution at most 10 ms: %s\n", r,
           res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000 ? "ok" : "NO");
    long long c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned spin = 0;
    for (int i = 0; i < 200000; i++) spin += i;
    long long c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    printf("CLOCK_PROCESS_CPUTIME_ID does not go backwards: %s\n", c1 >= c0 && c0 >= 0 ? "ok" : "NO");
    return 0;
}
