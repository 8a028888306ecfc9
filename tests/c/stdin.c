/* Reading standard input (the test feeds it a fixed text, then EOF): scanf of numbers and
 * words, fgets of lines (one longer than the buffer), getchar to the end, then EOF from
 * every interface and from read(2). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    int a, b;
    char word[16];
    double d;
    int n = scanf("%d %d %15s %lf", &a, &b, word, &d);
    printf("scanf: %d fields: %d %d %s %g\n", n, a, b, word, d);
    int c = getchar(); /* the newline after the numbers */
    printf("then getchar: %d\n", c);
    char line[16];
    int lines = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        int whole = len > 0 && line[len - 1] == '\n';
        if (whole) line[--len] = 0;
        printf("fgets %d: [%s]%s\n", ++lines, line, whole ? "" : " (no newline: the line goes on, or input ended)");
        if (strcmp(line, "STOP") == 0) break;
    }
    long sum = 0;
    int count = 0;
    while ((c = getchar()) != EOF) { sum += c; count++; }
    printf("getchar to EOF: %d characters, sum %ld; feof %d\n", count, sum, feof(stdin) != 0);
    printf("after EOF: getchar %d, fgets %s, scanf %d\n", getchar(), fgets(line, sizeof line, stdin) ? "a line" : "NULL", scanf("%d", &a));
    char raw[8];
    printf("read(2) on fd 0 after EOF: %d\n", (int)read(0, raw, sizeof raw));
    return 0;
}
