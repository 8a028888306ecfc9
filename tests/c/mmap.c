/* Memory mappings as C programs use them: anonymous private and shared mappings across
 * fork (copy-on-write for the first, one memory for the second), mprotect and munmap
 * observed through SIGSEGV (recovered with siglongjmp), mremap growing a mapping,
 * MADV_DONTNEED, a shared file mapping seen through read(2), and sbrk. Prints no
 * addresses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
static sigjmp_buf env;
static volatile int faults;

static void on_segv(int sig) { faults++; siglongjmp(env, sig); }

/* 1 if writing *p faults (recovered), 0 if it does not */
static int write_faults(volatile char *p) {
    if (sigsetjmp(env, 1) == 0) { *p = 1; return 0; }
    return 1;
}
static int read_faults(volatile char *p) {
    if (sigsetjmp(env, 1) == 0) { (void)*p; return 0; }
    return 1;
}

int main(void) {
    signal(SIGSEGV, on_segv);

    char *priv = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (priv == MAP_FAILED || shared == MAP_FAILED) { perror("mmap"); return 1; }
    int zero = 1;
    for (int i = 0; i < 8 * PAGE; i++) if (priv[i]) zero = 0;
    printf("anonymous pages start zeroed: %d, page aligned: %d\n", zero, (int)((uintptr_t)priv % PAGE == 0));
    memset(priv, 'p', 8 * PAGE);
    shared[0] = 0;

    pid_t k = fork();
    if (k == 0) {
        memset(priv, 'c', 4 * PAGE);  /* copy-on-write: the parent keeps its 'p's */
        for (int i = 0; i < 1000; i++) __sync_fetch_and_add(&shared[0], 1);
        shared[1] = priv[0] == 'c' && priv[5 * PAGE] == 'p';
        _exit(0);
    }
    waitpid(k, NULL, 0);
    printf("after the child wrote both: private still 'p' in the parent: %d; shared counter %d; child saw its own copy: %d\n",
           priv[0] == 'p' && priv[3 * PAGE] == 'p', shared[0], shared[1]);

    /* mprotect */
    mprotect(priv, 2 * PAGE, PROT_READ);
    printf("mprotect(PROT_READ): write faults %d, read faults %d, the next page writable %d\n",
           write_faults(priv + 10), read_faults(priv + 10), !write_faults(priv + 2 * PAGE));
    mprotect(priv, 2 * PAGE, PROT_NONE);
    printf("mprotect(PROT_NONE): read faults %d\n", read_faults(priv));
    mprotect(priv, 2 * PAGE, PROT_READ | PROT_WRITE);
    printf("back to read/write: write faults %d, contents kept %d\n", write_faults(priv + 100), priv[0] == 'p');

    /* munmap a page in the middle */
    munmap(priv + 4 * PAGE, PAGE);
    printf("munmap'd page faults %d, its neighbours do not: %d %d\n", read_faults(priv + 4 * PAGE), !read_faults(priv + 3 * PAGE), !read_faults(priv + 5 * PAGE));

    /* madvise(MADV_DONTNEED) on private anonymous memory: zero-fill on next touch */
    madvise(priv + 6 * PAGE, 2 * PAGE, MADV_DONTNEED);
    printf("after MADV_DONTNEED: %d %d (zeroes), before it still 'p': %d\n", priv[6 * PAGE], priv[8 * PAGE - 1], priv[5 * PAGE] == 'p');

    /* mremap: grow, contents kept */
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 2 * PAGE; i++) m[i] = (char)(i % 251);
    char *g = mremap(m, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    if (g == MAP_FAILED) { printf("mremap: %s\n", strerror(errno)); }
    else {
        int kept = 1;
        for (int i = 0; i < 2 * PAGE; i++) if (g[i] != (char)(i % 251)) kept = 0;
        g[64 * PAGE - 1] = 7;
        printf("mremap to 64 pages: contents kept %d, new tail zero then written %d\n", kept, g[64 * PAGE - 1]);
        munmap(g, 64 * PAGE);
    }

    /* a shared file mapping */
    char path[] = "/tmp/forkbox-mmap-XXXXXX";
    int fd = mkstemp(path);
    ftruncate(fd, 2 * PAGE);
    char *f = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (f == MAP_FAILED) { printf("file mmap: %s\n", strerror(errno)); }
    else {
        strcpy(f + PAGE + 10, "written through the mapping");
        msync(f, 2 * PAGE, MS_SYNC);
        char buf[40] = { 0 };
        pread(fd, buf, 27, PAGE + 10);
        printf("file mapping: read(2) sees [%s]\n", buf);
        pwrite(fd, "WRITTEN", 7, PAGE + 10);
        printf("and the mapping sees pwrite: [%.12s]\n", f + PAGE + 10);
        printf("beyond the end of the file (past 2 pages, mapped 3): ");
        munmap(f, 2 * PAGE);
        char *f3 = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
        volatile int bus = 0;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_segv;
        sigaction(SIGBUS, &sa, NULL);
        if (sigsetjmp(env, 1) == 0) { (void)*(volatile char *)(f3 + 2 * PAGE); } else bus = 1;
        printf("SIGBUS %d\n", bus);
        munmap(f3, 3 * PAGE);
    }
    close(fd);
    unlink(path);

    /* sbrk */
    char *b0 = sbrk(0);
    char *b1 = sbrk(3 * PAGE);
    memset(b1, 'b', 3 * PAGE);
    char *b2 = sbrk(0);
    printf("sbrk(3 pages) returned the old break %d, break moved by %ld\n", b0 == b1, (long)(b2 - b0));
    sbrk(-3 * PAGE);
    printf("faults caught in all: %d\n", faults);
    return 0;
}
