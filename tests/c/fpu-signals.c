// The FPU across signals, fork and x87 exceptions (src/guest/fpu.ts): a handler starts
// with a fresh FPU (round to nearest) and finds the interrupted state in its ucontext;
// the interrupted code's rounding mode comes back after the handler; a forked child has
// its parent's FPU state; an unmasked x87 exception is SIGFPE with its FPE_* code.
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static int in_handler_round;
static unsigned cw_in_frame;
static int fpregs_nonnull;

static void usr1(int s, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  (void)s;
  (void)si;
  in_handler_round = fegetround();
  fpregs_nonnull = uc->uc_mcontext.fpregs != 0;
  if (uc->uc_mcontext.fpregs) cw_in_frame = uc->uc_mcontext.fpregs->cw & 0xffff;
  fesetround(FE_TOWARDZERO); /* must not leak into the interrupted code */
}

static void fpe(int s, siginfo_t *si, void *uc) {
  (void)s;
  (void)uc;
  printf("SIGFPE si_code=%d (%s)\n", si->si_code,
         si->si_code == FPE_FLTDIV ? "FPE_FLTDIV" : si->si_code == FPE_FLTINV ? "FPE_FLTINV" : "other");
  fflush(stdout);
  _exit(3);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, 0);
  fesetround(FE_UPWARD);
  raise(SIGUSR1);
  int after = fegetround();
  printf("handler: round to nearest %d, fpregs %d, frame cw %#x; after: upward %d\n",
         in_handler_round == FE_TONEAREST, fpregs_nonnull, cw_in_frame, after == FE_UPWARD);
  volatile double one = 1.0, three = 3.0;
  volatile double up = one / three;
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    volatile double child = one / three; /* the parent's rounding mode */
    printf("child: rounds upward %d, same as parent %d\n", fegetround() == FE_UPWARD, child == up);
    return 0;
  }
  waitpid(p, 0, 0);
  fesetround(FE_TONEAREST);
  volatile double near = one / three;
  printf("parent: upward result > nearest %d\n", up > near);
  sa.sa_sigaction = fpe;
  sigaction(SIGFPE, &sa, 0);
  feenableexcept(FE_DIVBYZERO);
  volatile double z = 0.0;
  volatile double q = one / z;
  printf("not reached %f\n", q);
  return 0;
}
