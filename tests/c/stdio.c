/* stdio: printf's integer and string conversions, puts/fputs/putchar, stderr, and how
 * stdio buffers: full, line and no buffering (setvbuf) observed through a pipe whose
 * read end is non-blocking, fflush, stdout's own buffering against write(2), snprintf,
 * fmemopen/open_memstream, a file in /tmp, EOF on stdin. No floating point (float.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rd; /* the pipe's non-blocking read end */

/* Bytes that have reached the pipe so far (drained). */
static int pending(void) {
    char buf[4096];
    int total = 0;
    for (;;) {
        ssize_t n = read(rd, buf, sizeof buf);
        if (n > 0) { total += n; continue; }
        if (n < 0 && errno != EAGAIN) { printf("read: errno %d\n", errno); }
        return total;
    }
}

static void formats(void) {
    int n = 0;
    printf("[%d] [%i] [%u] [%x] [%X] [%o] [%c] [%s]\n", -42, 42, 3000000000u, 0xbeef, 0xbeef, 8, 'z', "str");
    printf("[%5d] [%-5d] [%05d] [%+d] [% d] [%+d]\n", 42, 42, 42, 42, 42, -42);
    printf("[%ld] [%lu] [%lld] [%llu] [%llx]\n", LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX, 0x123456789abcdefULL);
    printf("[%hhd] [%hhu] [%hd] [%hu] [%zu] [%zd] [%jd] [%td]\n", (char)200, (unsigned char)200, (short)40000, (unsigned short)70000, sizeof(long long), (ssize_t)-1, (intmax_t)INT64_MAX, (ptrdiff_t)-5);
    printf("[%#x] [%#o] [%#X] [%#x]\n", 255, 8, 255, 0);
    printf("[%.3s] [%10.2s] [%-10s] [%*d] [%-*d] [%.*d]\n", "abcdef", "xyz", "left", 6, 7, 6, 7, 5, 42);
    printf("[%%] [%c%c%c] [%s]%n\n", 'a', 0x42, '!', "", &n);
    printf("n=%d (chars before %%n)\n", n);
    printf("[%p] [%5s] [%.0d] [%8.3d]\n", (void *)0, "(nil)", 0, 7);
    printf("[%1$d %2$s %1$x]\n", 255, "positional");
}

static void buffering(void) {
    int p[2];
    if (pipe(p) < 0) { perror("pipe"); exit(1); }
    rd = p[0];
    if (fcntl(rd, F_SETFL, fcntl(rd, F_GETFL) | O_NONBLOCK) < 0) perror("fcntl");
    FILE *w = fdopen(p[1], "w");
    if (!w) { perror("fdopen"); exit(1); }

    static char buf[64];
    setvbuf(w, buf, _IOFBF, sizeof buf);
    fputs("hello", w); /* glibc writes a stream's first output through at once */
    printf("full buffering (64 bytes): the first fputs of 5 bytes: %d in the pipe\n", pending());
    fputs("world", w);
    printf("the second fputs of 5 bytes: %d in the pipe\n", pending());
    fflush(w);
    printf("after fflush: %d\n", pending());
    for (int i = 0; i < 10; i++) fputs("0123456789", w);
    printf("after 100 bytes into a 64-byte buffer: %d in the pipe\n", pending());
    fflush(w);
    printf("after fflush: %d more\n", pending());

    setvbuf(w, NULL, _IOLBF, 0);
    fputs("ab", w);
    printf("line buffering: \"ab\" gives %d\n", pending());
    fputs("c\nd", w);
    printf("then \"c\\nd\" gives %d\n", pending());
    fflush(w);
    printf("after fflush: %d\n", pending());

    setvbuf(w, NULL, _IONBF, 0);
    fputc('x', w);
    printf("unbuffered: fputc gives %d\n", pending());
    fprintf(w, "%d-%d", 12, 34);
    printf("unbuffered: fprintf of 5 chars gives %d\n", pending());
    fclose(w);
    char c;
    printf("after fclose: read returns %d\n", (int)read(rd, &c, 1));
    close(rd);
}

static void stdout_order(void) {
    printf("this printf line is buffered, so the write(2) below comes out first\n");
    write(1, "[write(2) on fd 1]\n", 19);
    fflush(stdout);
    printf("after fflush(stdout) ");
    fflush(stdout);
    write(1, "the write(2) comes after\n", 25);
}

static void memstreams(void) {
    char mem[32];
    FILE *f = fmemopen(mem, sizeof mem, "w");
    fprintf(f, "fmemopen %d", 99);
    fclose(f);
    printf("[%s]\n", mem);
    char *p = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&p, &len);
    for (int i = 0; i < 100; i++) fprintf(m, "%d,", i);
    fclose(m);
    printf("open_memstream: %zu bytes, ends with [%s]\n", len, p + len - 6);
    free(p);
    char s[8];
    const char *word = getenv("NO_SUCH_VARIABLE") ? "" : "truncated";
    int r = snprintf(s, sizeof s, "%s-%d", word, 12345);
    printf("snprintf: returns %d, keeps [%s]\n", r, s);
    r = snprintf(NULL, 0, "%08x", 0xabc);
    printf("snprintf(NULL, 0): %d\n", r);
}

/* A real file: mkstemp in /tmp, fwrite/fseek/ftell/fread/fgets/ungetc, then unlink. */
static void files(void) {
    char path[] = "/tmp/forkbox-ctest-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); return; }
    FILE *f = fdopen(fd, "w+");
    for (int i = 0; i < 200; i++) fprintf(f, "line %03d of the file\n", i);
    printf("file: ftell after writing %ld\n", ftell(f));
    fseek(f, 21 * 100, SEEK_SET); /* 21 bytes a line */
    char line[64];
    fgets(line, sizeof line, f);
    printf("file: line at offset 2100: %s", line);
    int c = fgetc(f);
    ungetc('L', f);
    fgets(line, sizeof line, f);
    printf("file: after ungetc of '%c' over '%c': %s", 'L', c, line);
    rewind(f);
    size_t n = fread(line, 1, 10, f);
    line[n] = 0;
    printf("file: fread %zu [%s]\n", n, line);
    fseek(f, -5, SEEK_END);
    n = fread(line, 1, sizeof line, f);
    printf("file: last %zu bytes, feof %d\n", n, feof(f) != 0);
    fclose(f);
    FILE *a = fopen(path, "a");
    fputs("appended\n", a);
    fclose(a);
    FILE *r = fopen(path, "r");
    int lines = 0;
    while (fgets(line, sizeof line, r)) lines++;
    printf("file: %d lines after appending, last [%.8s]\n", lines, line);
    fclose(r);
    int u = unlink(path);
    FILE *gone = fopen(path, "r");
    printf("unlink: %d, then fopen: %s\n", u, gone ? "opened" : strerror(errno));
}

static void at_exit_1(void) { printf("atexit handler registered first runs last\n"); }
static void at_exit_2(void) { printf("atexit handler registered second runs first\n"); }

int main(void) {
    atexit(at_exit_1);
    atexit(at_exit_2);
    formats();
    puts("puts adds a newline");
    fputs("fputs does not, ", stdout);
    putchar('!');
    putchar('\n');
    fputs("to stderr with fputs\n", stderr);
    fprintf(stderr, "to stderr with fprintf: %d\n", 7);
    perror("perror with errno 0");
    errno = ENOENT;
    perror("perror with ENOENT");
    buffering();
    stdout_order();
    memstreams();
    files();
    int c = getchar();
    printf("stdin: %s, feof %d\n", c == EOF ? "EOF" : "a character", feof(stdin) != 0);
    printf("fileno: %d %d %d\n", fileno(stdin), fileno(stdout), fileno(stderr));
    return 0;
}
