/* The seed's fork() example (seeds/001, "1、函数fork()"), copied unchanged: parent and child
 * print their pid and the address of `count` (the same virtual address in both). The
 * parent does not wait, so the two lines may come in either order: the test compares
 * them as a set, pids and addresses normalised. */
#include<sys/types.h>
#include<unistd.h>
#include<stdio.h>
 
int main()
{
    int count = 0;
    pid_t pid;
    pid = fork();
    if(pid < 0)
        printf("error in fork!\n");
    else if(pid == 0)
        printf("I am the child process,ID is %d,count is %d(%p)\n",
               getpid(),count,&count);
    else 
        printf("I am the parent process,ID is %d,count is %d(%p)\n",
               getpid(),count,&count);
    return 0;
}
