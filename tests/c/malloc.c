/* malloc: many block sizes written and checked, realloc growing a block while keeping its
 * contents, calloc's zeroes, blocks big enough that glibc mmaps them (above its 128 KiB
 * threshold: mmap/munmap), posix_memalign, a linked list of 20000 nodes, and the stack
 * growing to about 3 MiB under deep recursion and alloca. Prints sums and checks, never
 * addresses. */
#include <alloca.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t seed = 12345;
static uint32_t rnd(void) { seed = seed * 1103515245u + 12345u; return seed >> 8; }

struct node { struct node *next; int value; char pad[20]; };

static void sizes(void) {
    enum { N = 600 };
    static unsigned char *blocks[N];
    static size_t len[N];
    unsigned long sum = 0;
    int misaligned = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            len[i] = (i % 7 == 0) ? rnd() % 9000 : 1 + rnd() % 300;
            blocks[i] = malloc(len[i]);
            if (!blocks[i]) { printf("malloc(%zu) failed\n", len[i]); exit(1); }
            if ((uintptr_t)blocks[i] % 8) misaligned++;
            memset(blocks[i], (unsigned char)(i + round), len[i]);
        }
        /* free every other block, then check and free the rest */
        for (int i = 0; i < N; i += 2) free(blocks[i]);
        for (int i = 1; i < N; i += 2) {
            for (size_t k = 0; k < len[i]; k++) {
                if (blocks[i][k] != (unsigned char)(i + round)) { printf("block %d corrupted at %zu\n", i, k); exit(1); }
                sum += blocks[i][k];
            }
            free(blocks[i]);
        }
    }
    printf("sizes: %d blocks, byte sum %lu, misaligned %d\n", 3 * N, sum, misaligned);
}

static void growth(void) {
    size_t n = 1;
    unsigned char *p = malloc(n);
    p[0] = 0;
    int moves = 0, bad = 0;
    while (n < (1u << 18)) {
        size_t m = n * 2 + 3;
        unsigned char *q = realloc(p, m);
        if (!q) { printf("realloc(%zu) failed\n", m); exit(1); }
        if (q != p) moves++;
        for (size_t k = 0; k < n; k++) if (q[k] != (unsigned char)(k * 7)) bad++;
        for (size_t k = n; k < m; k++) q[k] = (unsigned char)(k * 7);
        p = q;
        n = m;
    }
    p = realloc(p, 100); /* shrink */
    for (size_t k = 0; k < 100; k++) if (p[k] != (unsigned char)(k * 7)) bad++;
    free(p);
    printf("realloc: grew to %zu bytes, contents kept: %s, moved at least once: %s\n", n, bad ? "NO" : "yes", moves ? "yes" : "no");
}

static void zeroes(void) {
    int nonzero = 0;
    for (int i = 0; i < 50; i++) {
        /* dirty the heap first so that calloc must really clear reused memory */
        char *d = malloc(1000 + i * 37);
        memset(d, 0xa5, 1000 + i * 37);
        free(d);
        unsigned char *z = calloc(250 + i * 9, 4);
        for (int k = 0; k < (250 + i * 9) * 4; k++) nonzero += z[k] != 0;
        free(z);
    }
    unsigned char *big = calloc(1, 1 << 20); /* mmapped: zero pages from the kernel */
    for (int k = 0; k < (1 << 20); k += 64) nonzero += big[k] != 0;
    free(big);
    printf("calloc: nonzero bytes %d\n", nonzero);
}

static void large(void) {
    static const size_t sz[] = { 100 << 10, 200 << 10, 1 << 20, 5 << 20, 16 << 20 };
    for (unsigned i = 0; i < sizeof sz / sizeof sz[0]; i++) {
        unsigned char *p = malloc(sz[i]);
        if (!p) { printf("malloc(%zu) failed\n", sz[i]); continue; }
        unsigned long sum = 0;
        for (size_t k = 0; k < sz[i]; k += 4096) p[k] = (unsigned char)(k >> 12);
        p[sz[i] - 1] = 0x5a;
        for (size_t k = 0; k < sz[i]; k += 4096) sum += p[k];
        printf("large block %zu KiB: aligned %d, page sum %lu, last byte %#x\n", sz[i] >> 10, (int)((uintptr_t)p % 8 == 0), sum, p[sz[i] - 1]);
        free(p);
    }
    void *a = NULL;
    int r = posix_memalign(&a, 4096, 10000);
    printf("posix_memalign(4096): %d, page aligned %d\n", r, (int)((uintptr_t)a % 4096 == 0));
    free(a);
    volatile size_t three_gib = (size_t)3 << 30;
    void *huge = malloc(three_gib);
    printf("malloc(3 GiB): %s\n", huge ? "succeeded" : "NULL");
    free(huge);
}

static void list(void) {
    struct node *head = NULL;
    for (int i = 0; i < 20000; i++) {
        struct node *n = malloc(sizeof *n);
        n->value = i * 3 - 7;
        n->next = head;
        head = n;
    }
    struct node *rev = NULL;
    while (head) { struct node *n = head->next; head->next = rev; rev = head; head = n; }
    long long sum = 0;
    int count = 0, ordered = 1, prev = -1000;
    for (struct node *n = rev; n; n = n->next) { sum += n->value; count++; if (n->value < prev) ordered = 0; prev = n->value; }
    while (rev) { struct node *n = rev->next; free(rev); rev = n; }
    printf("list: %d nodes, sum %lld, ascending after reversal %d\n", count, sum, ordered);
}

/* 96 bytes of locals a frame, and the frame pointer and return address */
static long deep(int depth) {
    volatile char pad[96];
    pad[depth % 96] = (char)depth;
    if (depth == 0) return 0;
    return deep(depth - 1) + pad[depth % 96] % 7;
}

static void stack(void) {
    long r = deep(25000);
    char *big = alloca(512 * 1024);
    memset(big, 3, 512 * 1024);
    long sum = 0;
    for (int i = 0; i < 512 * 1024; i += 512) sum += big[i];
    printf("stack: recursion 25000 deep gives %ld; 512 KiB alloca sum %ld\n", r, sum);
}

int main(void) {
    stack();
    sizes();
    growth();
    zeroes();
    large();
    list();
    char *s = strdup("strdup'd string");
    printf("%s\n", s);
    free(s);
    return 0;
}
