// What glibc's start-up and ordinary programs ask the kernel for (issue 8): getrandom,
// resource limits (and their inheritance at fork), realloc of big blocks (mremap), madvise,
// sched_getaffinity, readlink("/proc/self/exe"), clock_nanosleep, clock_getres, isatty,
// fstat (statx), uname, the ids, sched_yield.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/utsname.h>
int main(int argc, char **argv) {
  unsigned char buf[64];
  ssize_t n = getrandom(buf, sizeof buf, 0);
  printf("getrandom: %zd\n", n);
  n = getrandom(buf, 16, GRND_NONBLOCK | GRND_RANDOM);
  printf("getrandom nonblock|random: %zd\n", n);
  errno = 0; n = getrandom(buf, 16, 0x40);
  printf("getrandom bad flags: %zd %s\n", n, strerror(errno));
  struct rlimit r;
  /* The host's own limits vary (ulimit, capabilities): only what holds everywhere. */
  printf("stack soft > 64 KiB: %d\n", getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur > 65536);
  r.rlim_cur = 0; r.rlim_max = 0;
  printf("setrlimit core 0/0: %d\n", setrlimit(RLIMIT_CORE, &r));
  getrlimit(RLIMIT_CORE, &r); printf("core now %lu %lu\n", (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
  r.rlim_cur = 1; r.rlim_max = 0; errno = 0;
  printf("cur>max: %d %s\n", setrlimit(RLIMIT_CORE, &r), strerror(errno));
  errno = 0; printf("bad resource: %d %s\n", getrlimit(99, &r), strerror(errno));
  pid_t p = fork();
  if (p == 0) { getrlimit(RLIMIT_CORE, &r); printf("child core %lu %lu\n", (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max); fflush(stdout); _exit(0); }
  waitpid(p, 0, 0);
  /* realloc big: mremap */
  size_t sz = 1 << 20;
  char *m = malloc(sz); memset(m, 'a', sz);
  for (int i = 0; i < 5; i++) { sz *= 2; m = realloc(m, sz); memset(m + sz / 2, 'b' + i, sz / 2); }
  long sum = 0; for (size_t i = 0; i < sz; i += 4096) sum += m[i];
  printf("realloc sum %ld size %zu\n", sum, sz);
  m = realloc(m, 200000); printf("shrunk first byte %c\n", m[0]);
  free(m);
  char *a = mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  a[0] = 'x'; a[4096] = 'y';
  printf("madvise dontneed: %d\n", madvise(a, 8192, MADV_DONTNEED));
  printf("after: %d %d\n", a[0], a[4096]);
  errno = 0; printf("madvise bad: %d %s\n", madvise(a + 1, 10, MADV_DONTNEED), strerror(errno));
  char *b2 = mremap(a, 8192, 3 * 4096 * 256, MREMAP_MAYMOVE);
  printf("mremap ok: %d\n", b2 != MAP_FAILED);
  b2[3*4096*256-1] = 1;
  errno = 0; printf("mremap bad: %d %s\n", mremap(b2 + 1, 10, 20, 0) == MAP_FAILED, strerror(errno));
  cpu_set_t cs; CPU_ZERO(&cs);
  printf("affinity: %d count %d cpu0 %d\n", sched_getaffinity(0, sizeof cs, &cs), CPU_COUNT(&cs), CPU_ISSET(0, &cs));
  printf("nprocs >= 1: %d\n", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
  char path[256]; ssize_t l = readlink("/proc/self/exe", path, sizeof path - 1);
  if (l > 0) { path[l] = 0; printf("exe absolute: %d\n", path[0] == '/'); }
  struct timespec t0, t1, req = {0, 30000000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  printf("clock_nanosleep: %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("slept >= 30ms: %d\n", ms >= 30);
  struct timespec abs; clock_gettime(CLOCK_REALTIME, &abs); abs.tv_nsec += 20000000; if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
  printf("abstime sleep: %d\n", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL));
  struct timespec res; clock_getres(CLOCK_MONOTONIC, &res); printf("res ok %d\n", res.tv_sec == 0 && res.tv_nsec > 0);
  printf("isatty(1)=%d isatty(0)=%d\n", isatty(1), isatty(0));
  struct stat st; printf("fstat stdout: %d\n", fstat(1, &st));
  struct utsname u; uname(&u); printf("uname %s\n", u.sysname);
  printf("uid == euid %d, gid == egid %d\n", getuid() == geteuid(), getgid() == getegid());
  printf("yield %d\n", sched_yield());
  return 0;
}
