/* The seed's vfork() example (seeds/001, "3、vfork函数"), copied unchanged: the child runs
 * in the parent's address space until _exit, so the parent sees cnt=1 and prints cnt=2;
 * stdout is not a terminal, so the child's printf output stays in the (shared) stdio
 * buffer and the parent writes it at exit. */
#include<sys/types.h>
#include<unistd.h>
#include<stdio.h>

int main()
{
    pid_t pid;
    int cnt = 0;
    pid = vfork();
    if(pid<0)
        printf("error in fork!\n");
    else if(pid == 0)
    {
        cnt++;
        printf("cnt=%d\n",cnt);
        printf("I am the child process,ID is %d\n",getpid());
        _exit(0); // _exit(0);
    }
    else if(pid > 0)
    {
        cnt++;
        printf("cnt=%d\n",cnt);
        printf("I am the parent process,ID is %d\n",getpid());
    }
    return 0;
}
