/* Files and directories: a fresh directory from mkdtemp, open with O_CREAT|O_EXCL,
 * O_APPEND, lseek past the end (a hole reads as zeroes), ftruncate, fstat/stat sizes,
 * dup/dup2/fcntl sharing the file offset, rename, link counts, readdir (sorted before
 * printing), chdir/getcwd relative paths, unlink of an open file, rmdir. Prints no
 * paths that differ between systems. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *err(int e) {
    switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    default: return strerror(e);
    }
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    char dir[] = "/tmp/forkbox-files-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char home[4096];
    getcwd(home, sizeof home);
    if (chdir(dir) < 0) { perror("chdir"); return 1; }
    char cwd[4096];
    printf("chdir into the new directory; getcwd agrees: %d\n", getcwd(cwd, sizeof cwd) && strcmp(cwd, dir) == 0);

    int fd = open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
    errno = 0;
    int again = open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
    printf("O_EXCL on an existing file: %d %s\n", again, err(errno));
    write(fd, "hello", 5);
    off_t end = lseek(fd, 10000, SEEK_SET);
    write(fd, "X", 1);
    struct stat st;
    fstat(fd, &st);
    printf("lseek to 10000 and write: offset %ld, size %ld, regular %d\n", (long)end, (long)st.st_size, S_ISREG(st.st_mode));
    char buf[32];
    pread(fd, buf, 8, 3);
    printf("the hole reads as zeroes: %c%c %d %d %d\n", buf[0], buf[1], buf[2], buf[5], buf[7]);
    ftruncate(fd, 3);
    fstat(fd, &st);
    printf("ftruncate to 3: size %ld; read at the old offset: %d\n", (long)st.st_size, (int)read(fd, buf, 4));

    int d = dup(fd);
    lseek(fd, 1, SEEK_SET);
    printf("dup shares the offset: %ld; FD_CLOEXEC on the dup: %d\n", (long)lseek(d, 0, SEEK_CUR), fcntl(d, F_GETFD) & FD_CLOEXEC);
    int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 20);
    printf("F_DUPFD_CLOEXEC from 20: fd %d, close-on-exec %d\n", d2, (fcntl(d2, F_GETFD) & FD_CLOEXEC) != 0);
    dup2(fd, 9);
    printf("dup2 to 9: offset %ld\n", (long)lseek(9, 0, SEEK_CUR));
    close(9);
    close(d2);
    close(d);
    errno = 0;
    int w = (int)write(d, "x", 1);
    printf("write to a closed fd: %d %s\n", w, err(errno));
    close(fd);

    int ap = open("log", O_CREAT | O_WRONLY | O_APPEND, 0600);
    write(ap, "one\n", 4);
    lseek(ap, 0, SEEK_SET);
    write(ap, "two\n", 4);
    close(ap);
    int rd = open("log", O_RDONLY);
    int n = read(rd, buf, sizeof buf - 1);
    buf[n] = 0;
    close(rd);
    buf[3] = '|';
    buf[7] = 0;
    printf("O_APPEND writes at the end whatever the offset: [%s]\n", buf);

    mkdir("sub", 0755);
    errno = 0;
    int r = mkdir("sub", 0755);
    printf("mkdir of an existing directory: %d %s\n", r, err(errno));
    int f2 = open("sub/inner", O_CREAT | O_WRONLY, 0644);
    write(f2, "inner file", 10);
    close(f2);
    r = rename("a.txt", "b.txt");
    printf("rename a.txt -> b.txt: %d; stat a.txt: %s\n", r, stat("a.txt", &st) < 0 ? err(errno) : "exists");
    link("b.txt", "c.txt");
    stat("b.txt", &st);
    printf("after link: %lu links, size %ld\n", (unsigned long)st.st_nlink, (long)st.st_size);
    stat("sub/inner", &st);
    printf("stat sub/inner through a relative path: size %ld\n", (long)st.st_size);
    errno = 0;
    r = open("sub", O_WRONLY);
    printf("open a directory for writing: %d %s; a file as a directory: ", r, err(errno));
    errno = 0;
    r = open("b.txt/x", O_RDONLY);
    printf("%d %s\n", r, err(errno));

    DIR *dp = opendir(".");
    char *names[16];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dp)) && count < 16) names[count++] = strdup(e->d_name);
    closedir(dp);
    qsort(names, count, sizeof names[0], cmp);
    printf("readdir:");
    for (int i = 0; i < count; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");

    int open_fd = open("c.txt", O_RDONLY);
    unlink("c.txt");
    unlink("b.txt");
    n = read(open_fd, buf, 3);
    printf("an unlinked file stays readable while open: %d bytes [%.3s]\n", n, buf);
    close(open_fd);
    errno = 0;
    r = rmdir("sub");
    printf("rmdir of a non-empty directory: %d %s\n", r, err(errno));
    unlink("sub/inner");
    unlink("log");
    printf("rmdir sub: %d\n", rmdir("sub"));
    chdir(home);
    r = rmdir(dir);
    printf("rmdir of the directory: %d; stat afterwards: %s\n", r, stat(dir, &st) < 0 ? err(errno) : "exists");
    r = access("/tmp", W_OK);
    printf("access(\"/tmp\", W_OK): %d; access of a missing file: %d\n", r, access("/no/such/file", F_OK));
    return 0;
}
