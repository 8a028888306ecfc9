/* More of what threaded programs do: a signal sent to one thread (pthread_kill) runs the
 * handler on that thread; fork from a thread leaves one thread in the child; cancellation
 * of a thread blocked in a condition wait, with its cleanup handler; semaphores; timed
 * waits that time out (futex timeouts); recursive, error-checking and try locks; a
 * read-write lock; and the main thread leaving with pthread_exit, joined by another
 * thread that then ends the process with exit(5). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static volatile pid_t handler_tid;
static void on_usr1(int sig) { (void)sig; handler_tid = gettid_(); }

static sem_t ready, go;
static volatile pid_t target_tid;

static void *signal_target(void *arg) {
    (void)arg;
    target_tid = gettid_();
    sem_post(&ready);
    while (handler_tid == 0) sched_yield();
    return NULL;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int cleanups;
static void cleanup(void *arg) { cleanups += (int)(long)arg; pthread_mutex_unlock(&m); }

static void *cancel_me(void *arg) {
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_cleanup_push(cleanup, (void *)7);
    sem_post(&ready);
    for (;;) pthread_cond_wait(&never, &m);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *forker(void *arg) {
    (void)arg;
    pid_t k = fork();
    if (k == 0) {
        /* only this thread exists in the child */
        _exit(gettid_() == getpid() ? 11 : 12);
    }
    int status;
    waitpid(k, &status, 0);
    return (void *)(long)WEXITSTATUS(status);
}

static void *spinner(void *arg) {
    volatile long *n = arg;
    sem_post(&ready);
    sem_wait(&go);
    for (int i = 0; i < 100000; i++) (*n)++;
    return NULL;
}

static pthread_t main_thread;

static void *finisher(void *arg) {
    (void)arg;
    /* Wait until the main thread is gone (a thread may join the main thread): exit()
     * while it is still unwinding in pthread_exit could pull its unwind tables away. */
    int r = pthread_join(main_thread, NULL);
    printf("the last thread joined the main thread (%d) and exits the process with exit(5)\n", r);
    exit(5);
}

static struct timespec after_ms(int ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += ms * 1000000L;
    if (t.tv_nsec >= 1000000000L) { t.tv_nsec -= 1000000000L; t.tv_sec++; }
    return t;
}

int main(void) {
    sem_init(&ready, 0, 0);
    sem_init(&go, 0, 0);
    signal(SIGUSR1, on_usr1);

    pthread_t t;
    pthread_create(&t, NULL, signal_target, NULL);
    sem_wait(&ready);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    printf("pthread_kill: the handler ran on the target thread: %d (not on main: %d)\n", handler_tid == target_tid, handler_tid != gettid_());

    pthread_create(&t, NULL, cancel_me, NULL);
    sem_wait(&ready);
    pthread_mutex_lock(&m); /* the thread waits in pthread_cond_wait, the mutex released */
    pthread_mutex_unlock(&m);
    pthread_cancel(t);
    void *ret;
    pthread_join(t, &ret);
    printf("cancelled in pthread_cond_wait: PTHREAD_CANCELED %d, cleanup handler ran with %d\n", ret == PTHREAD_CANCELED, cleanups);

    volatile long counter = 0;
    pthread_t spin;
    pthread_create(&spin, NULL, spinner, (void *)&counter);
    sem_wait(&ready);
    pthread_create(&t, NULL, forker, NULL);
    sem_post(&go);
    pthread_join(t, &ret);
    pthread_join(spin, NULL);
    printf("fork from a thread while another runs: the child had one thread (exit %ld); spinner done: %ld\n", (long)ret, (long)counter);

    int r = pthread_mutex_lock(&m);
    struct timespec dl = after_ms(30);
    r = pthread_cond_timedwait(&never, &m, &dl);
    printf("pthread_cond_timedwait 30 ms: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
    pthread_mutex_unlock(&m);
    dl = after_ms(20);
    errno = 0;
    r = sem_timedwait(&go, &dl);
    printf("sem_timedwait on an empty semaphore: %d %s\n", r, errno == ETIMEDOUT ? "ETIMEDOUT" : strerror(errno));
    r = sem_trywait(&go);
    printf("sem_trywait: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : strerror(errno));

    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_t rec;
    pthread_mutex_init(&rec, &a);
    int r1 = pthread_mutex_lock(&rec), r2 = pthread_mutex_lock(&rec), r3 = pthread_mutex_unlock(&rec), r4 = pthread_mutex_unlock(&rec);
    printf("recursive mutex locked twice, unlocked twice: %d %d %d %d\n", r1, r2, r3, r4);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_t ec;
    pthread_mutex_init(&ec, &a);
    pthread_mutex_lock(&ec);
    r = pthread_mutex_lock(&ec);
    printf("error-checking mutex locked again: %s; ", r == EDEADLK ? "EDEADLK" : strerror(r));
    pthread_mutex_unlock(&ec);
    r = pthread_mutex_unlock(&ec);
    printf("unlocked when not owned: %s\n", r == EPERM ? "EPERM" : strerror(r));
    pthread_mutex_lock(&m);
    r = pthread_mutex_trylock(&m);
    printf("trylock of a locked mutex: %s\n", r == EBUSY ? "EBUSY" : strerror(r));
    dl = after_ms(20);
    r = pthread_mutex_timedlock(&m, &dl);
    printf("timedlock of a locked mutex: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
    pthread_mutex_unlock(&m);

    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    int a1 = pthread_rwlock_rdlock(&rw), a2 = pthread_rwlock_tryrdlock(&rw), a3 = pthread_rwlock_trywrlock(&rw);
    printf("rwlock: two readers %d %d, a writer meanwhile %s\n", a1, a2, a3 == EBUSY ? "EBUSY" : strerror(a3));
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_unlock(&rw);

    main_thread = pthread_self();
    printf("main calls pthread_exit\n");
    fflush(stdout);
    pthread_create(&t, NULL, finisher, NULL);
    pthread_exit(NULL);
}
