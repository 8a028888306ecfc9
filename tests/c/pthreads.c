/* pthreads: N threads created and joined with their return values; a mutex-protected
 * counter; a producer/consumer queue on two condition variables; __thread variables
 * (each thread its own copy, initialised from the TLS image); pthread_once, keys with
 * destructors, a barrier, gettid. Only the main thread prints, after the joins. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 8
#define INCREMENTS 5000
#define ITEMS 2000
#define QSIZE 4

static __thread int tls_value = 1234;
static __thread char tls_name[16] = "main";
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pid_t tids[NTHREADS];
static int tls_seen[NTHREADS];
static int tls_after[NTHREADS];

struct result { int index; long long sum; };

static void *worker(void *arg) {
    int index = (int)(intptr_t)arg;
    tls_seen[index] = tls_value; /* the initial value, not main's */
    tls_value = index * 100;
    snprintf(tls_name, sizeof tls_name, "thread %d", index);
    tids[index] = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    struct result *r = malloc(sizeof *r);
    r->index = index;
    r->sum = 0;
    for (int i = 0; i <= index * 1000; i++) r->sum += i;
    sched_yield();
    tls_after[index] = tls_value + (tls_name[7] - '0');
    return r;
}

/* bounded queue */
static int queue[QSIZE], head, tail, count;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static int producer_waits, consumer_waits;

static void *producer(void *arg) {
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == QSIZE) { producer_waits++; pthread_cond_wait(&not_full, &lock); }
        queue[tail] = i;
        tail = (tail + 1) % QSIZE;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    while (count == QSIZE) pthread_cond_wait(&not_full, &lock);
    queue[tail] = -1; /* end marker */
    tail = (tail + 1) % QSIZE;
    count++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *consumer(void *arg) {
    long long *sum = arg;
    int got = 0, in_order = 1, last = 0;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (count == 0) { consumer_waits++; pthread_cond_wait(&not_empty, &lock); }
        int v = queue[head];
        head = (head + 1) % QSIZE;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
        if (v < 0) break;
        if (v != last + 1) in_order = 0;
        last = v;
        *sum += v;
        got++;
    }
    return (void *)(intptr_t)(got * 2 + in_order);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void once_fn(void) { once_runs++; }
static pthread_key_t key;
static int destructor_runs;
static void destructor(void *p) { destructor_runs++; free(p); }
static pthread_barrier_t barrier;
static int serial_threads;

static void *misc(void *arg) {
    (void)arg;
    pthread_once(&once, once_fn);
    pthread_setspecific(key, malloc(8));
    if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
        pthread_mutex_lock(&lock);
        serial_threads++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void) {
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        int e = pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
        if (e) { printf("pthread_create: %d\n", e); return 1; }
    }
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        struct result *r = ret;
        printf("thread %d: returned index %d, sum %lld, saw tls_value %d, its own tls afterwards %d\n",
               i, r->index, r->sum, tls_seen[i], tls_after[i]);
        free(r);
    }
    printf("mutex counter: %ld (expected %d)\n", counter, NTHREADS * INCREMENTS);
    printf("main's __thread variables unchanged: %d \"%s\"\n", tls_value, tls_name);
    pid_t me = getpid();
    int distinct = 1;
    for (int i = 0; i < NTHREADS; i++) {
        if (tids[i] == me || tids[i] <= 0) distinct = 0;
        for (int j = 0; j < i; j++) if (tids[i] == tids[j]) distinct = 0;
    }
    printf("every thread had its own tid, none the process's pid: %d\n", distinct);

    long long sum = 0;
    pthread_t p, c;
    pthread_create(&c, NULL, consumer, &sum);
    pthread_create(&p, NULL, producer, NULL);
    void *cret;
    pthread_join(p, NULL);
    pthread_join(c, &cret);
    int crv = (int)(intptr_t)cret;
    printf("producer/consumer: %d items, in order %d, sum %lld (expected %d)\n", crv / 2, crv % 2, sum, ITEMS * (ITEMS + 1) / 2);
    printf("the queue was full or empty at times: %s\n", producer_waits + consumer_waits > 0 ? "yes" : "no");

    pthread_key_create(&key, destructor);
    pthread_barrier_init(&barrier, NULL, 5);
    pthread_t m[5];
    for (int i = 0; i < 5; i++) pthread_create(&m[i], NULL, misc, NULL);
    for (int i = 0; i < 5; i++) pthread_join(m[i], NULL);
    printf("pthread_once ran %d time(s); key destructors ran %d times; barrier serial threads %d\n", once_runs, destructor_runs, serial_threads);

    pthread_t d;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    pthread_create(&d, &attr, worker, (void *)(intptr_t)0);
    void *ret;
    int e = pthread_join(d, &ret);
    printf("thread with a 1 MiB stack: join %d, sum %lld\n", e, ((struct result *)ret)->sum);
    free(ret);
    return 0;
}
