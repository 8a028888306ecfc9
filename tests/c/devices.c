/* The device files programs rely on: /dev/null swallows writes and reads as EOF,
 * /dev/zero reads as zeroes (and can be mapped), /dev/urandom and getrandom give the
 * bytes asked for (their values are not printed), isatty is false on a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

int main(void) {
    int null = open("/dev/null", O_RDWR);
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    printf("/dev/null: write %d, read %d\n", (int)write(null, buf, sizeof buf), (int)read(null, buf, sizeof buf));
    close(null);

    int zero = open("/dev/zero", O_RDONLY);
    int n = (int)read(zero, buf, sizeof buf);
    int nonzero = 0;
    for (int i = 0; i < n; i++) nonzero += buf[i] != 0;
    printf("/dev/zero: read %d, nonzero bytes %d\n", n, nonzero);
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
    if (m == MAP_FAILED) printf("mmap of /dev/zero: %s\n", strerror(errno));
    else { m[5000] = 1; printf("mmap of /dev/zero: zero %d, writable %d\n", m[0] == 0 && m[8191] == 0, m[5000]); munmap(m, 8192); }
    close(zero);

    int ur = open("/dev/urandom", O_RDONLY);
    n = (int)read(ur, buf, 64);
    printf("/dev/urandom: read %d\n", n);
    close(ur);
    n = (int)getrandom(buf, 100, 0);
    printf("getrandom: %d\n", n);

    int p[2];
    pipe(p);
    errno = 0;
    int t = isatty(p[0]);
    printf("isatty on a pipe: %d (%s)\n", t, errno == ENOTTY ? "ENOTTY" : errno == EINVAL ? "EINVAL" : strerror(errno));
    return 0;
}
