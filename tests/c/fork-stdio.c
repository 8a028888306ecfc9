// stdout into a pipe is fully buffered, as natively (the console is a terminal only
// where the host's stream is one): the text printed before fork() comes out twice.
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void) {
  printf("before fork (buffered unless a tty)\n");
  pid_t p = fork();
  if (p == 0) { printf("child\n"); return 0; }
  wait(0);
  printf("parent\n");
  return 0;
}
