/* Stack overflow caught on an alternate signal stack (sigaltstack + SA_ONSTACK), as
 * language runtimes do: unbounded recursion hits the end of the stack (RLIMIT_STACK),
 * the SIGSEGV handler runs on the alternate stack (SS_ONSTACK is set there) and
 * siglongjmps out; afterwards the stack works again, and a second overflow is caught
 * the same way. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static sigjmp_buf env;
static volatile int on_alt, in_range;
static char *alt;
#define ALT_SIZE (64 * 1024)

static void on_segv(int sig) {
    stack_t now;
    sigaltstack(NULL, &now);
    on_alt = (now.ss_flags & SS_ONSTACK) != 0;
    char here;
    in_range = &here > alt && &here < alt + ALT_SIZE;
    siglongjmp(env, sig);
}

static volatile long depth;
static long recurse(long n) {
    volatile char frame[256];
    frame[n % 256] = (char)n;
    depth = n;
    return recurse(n + 1) + frame[n % 256];
}

int main(void) {
    struct rlimit rl = { 4 << 20, 4 << 20 };
    setrlimit(RLIMIT_STACK, &rl); /* the same limit everywhere: 4 MiB */
    alt = malloc(ALT_SIZE);
    stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0 };
    printf("sigaltstack: %d\n", sigaltstack(&ss, NULL));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    for (int round = 1; round <= 2; round++) {
        int sig = sigsetjmp(env, 1);
        if (sig == 0) {
            recurse(0);
        } else {
            printf("round %d: SIGSEGV %d after more than 10000 frames: %d; the handler ran on the alternate stack: %d %d\n",
                   round, sig == SIGSEGV, depth > 10000, on_alt, in_range);
        }
    }
    stack_t now;
    sigaltstack(NULL, &now);
    printf("outside the handler: SS_ONSTACK %d, SS_DISABLE %d, size %zu\n", (now.ss_flags & SS_ONSTACK) != 0, (now.ss_flags & SS_DISABLE) != 0, now.ss_size);
    return 0;
}
