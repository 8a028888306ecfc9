// pthreads beyond the basics (issue 8): TLS (__thread), pthread_exit, a small stack with a
// guard area, a detached thread, cond_timedwait and sem_timedwait with absolute
// CLOCK_REALTIME timeouts (futex), a robust mutex.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <semaphore.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
static __thread int tls = 7;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static void *f(void *a) { tls += (int)(long)a; return (void *)(long)tls; }
static void *ex(void *a) { (void)a; pthread_exit((void *)42); }
static void *deep(void *a) { volatile char buf[100000]; memset((char *)buf, 1, sizeof buf); return (void *)(long)buf[99999]; }
static volatile int detached_done;
static void *det(void *a) { (void)a; detached_done = 1; return 0; }
int main(void) {
  pthread_t t[16]; void *r;
  for (int i = 0; i < 16; i++) pthread_create(&t[i], 0, f, (void *)(long)i);
  long s = 0; for (int i = 0; i < 16; i++) { pthread_join(t[i], &r); s += (long)r; }
  printf("tls sum %ld main tls %d\n", s, tls);
  pthread_create(&t[0], 0, ex, 0); pthread_join(t[0], &r); printf("pthread_exit %ld\n", (long)r);
  pthread_attr_t at; pthread_attr_init(&at); pthread_attr_setstacksize(&at, 256 * 1024); pthread_attr_setguardsize(&at, 8192);
  pthread_create(&t[0], &at, deep, 0); pthread_join(t[0], &r); printf("deep %ld\n", (long)r);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  pthread_create(&t[0], &at, det, 0);
  while (!detached_done) sched_yield();
  printf("detached ran\n");
  struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 50000000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  pthread_mutex_lock(&m);
  int e = pthread_cond_timedwait(&c, &m, &ts);
  pthread_mutex_unlock(&m);
  printf("cond_timedwait: %s\n", e == ETIMEDOUT ? "ETIMEDOUT" : strerror(e));
  sem_init(&sem, 0, 0);
  clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 20000000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  int rr = sem_timedwait(&sem, &ts); printf("sem_timedwait %d %s\n", rr, strerror(errno));
  pthread_mutex_t mm; pthread_mutexattr_t ma; pthread_mutexattr_init(&ma); pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST); pthread_mutex_init(&mm, &ma);
  printf("robust lock %d\n", pthread_mutex_lock(&mm)); pthread_mutex_unlock(&mm);
  printf("gettid==getpid in main: %d\n", (int)syscall(SYS_gettid) == getpid());
  return 0;
}
