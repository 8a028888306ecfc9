/* Integer work: 64-bit division and remainder (libgcc's __divdi3, __udivdi3, __moddi3,
 * __umoddi3 on i386), 64-bit multiply and shifts, bit operations, qsort and bsearch,
 * the string functions, sprintf/sscanf/strtol and friends (bases, overflow, endptr). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd64(void) { /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
}

static void division(void) {
    uint64_t h = 0;
    for (int i = 0; i < 3000; i++) {
        uint64_t a = rnd64(), b = rnd64() >> (rnd64() % 64);
        if (b == 0) b = 1;
        int64_t sa = (int64_t)a >> (i % 40), sb = (int64_t)b >> (i % 23);
        if (sb == 0) sb = -3;
        if (i & 1) sb = -sb;
        uint64_t q = a / b, r = a % b;
        int64_t sq = sa / sb, sr = sa % sb;
        if (q * b + r != a || r >= b) printf("unsigned identity fails at %d\n", i);
        if (sq * sb + sr != sa) printf("signed identity fails at %d\n", i);
        h = h * 1000003 ^ q ^ (r << 1) ^ (uint64_t)sq ^ ((uint64_t)sr << 3);
        if (i < 4) printf("%" PRIu64 " / %" PRIu64 " = %" PRIu64 " rem %" PRIu64 "; %" PRId64 " / %" PRId64 " = %" PRId64 " rem %" PRId64 "\n", a, b, q, r, sa, sb, sq, sr);
    }
    printf("3000 64-bit divisions: hash %016" PRIx64 "\n", h);
    volatile int64_t m = INT64_MIN, n1 = -1, seven = 7;
    printf("INT64_MIN / 7 = %" PRId64 ", INT64_MIN %% 7 = %" PRId64 ", INT64_MIN %% -1 = %" PRId64 "\n", m / seven, m % seven, m % n1);
    volatile int32_t a32 = -7, b32 = 2;
    printf("32-bit: -7 / 2 = %d, -7 %% 2 = %d, -7 >> 1 = %d, (unsigned)-7 / 2 = %u\n", a32 / b32, a32 % b32, a32 >> 1, (unsigned)a32 / (unsigned)b32);
    ldiv_t ld = ldiv(-17, 5);
    lldiv_t lld = lldiv(-17000000000LL, 7);
    printf("ldiv(-17, 5) = %ld r %ld; lldiv = %lld r %lld; abs %d labs %ld llabs %lld\n", ld.quot, ld.rem, lld.quot, lld.rem, abs(-5), labs(-6L), llabs(-7000000000LL));
}

static void multiply_and_shift(void) {
    uint64_t h = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t a = rnd64(), b = rnd64();
        unsigned s = (unsigned)(rnd64() % 64);
        int64_t sa = (int64_t)a;
        h = (h ^ (a * b)) * 31 + (a << s) + (a >> s) + (uint64_t)(sa >> s);
        uint32_t x = (uint32_t)a, y = (uint32_t)b;
        h += (uint64_t)x * y + (uint64_t)((int64_t)(int32_t)x * (int32_t)y);
    }
    printf("64-bit multiplies and shifts: hash %016" PRIx64 "\n", h);
}

static void bits(void) {
    volatile uint32_t v = 0x00f0a001u;
    volatile uint64_t w = 0x0000100000000000ULL;
    printf("popcount %d clz %d ctz %d parity %d ffs %d\n", __builtin_popcount(v), __builtin_clz(v), __builtin_ctz(v), __builtin_parity(v), ffs((int)v));
    printf("64-bit: popcount %d clz %d ctz %d\n", __builtin_popcountll(w | 5), __builtin_clzll(w), __builtin_ctzll(w));
    printf("bswap32 %08x bswap64 %016llx bswap16 %04x\n", __builtin_bswap32(v), (unsigned long long)__builtin_bswap64(w | 0x1234), __builtin_bswap16((uint16_t)v));
    uint32_t r = v;
    for (int i = 0; i < 5; i++) r = (r << 7) | (r >> 25);
    printf("rotl by 7, five times: %08x; rotr by 3: %08x\n", r, (v >> 3) | (v << 29));
    uint8_t b = 0x96;
    printf("signed char %d, sign-extended %08x, zero-extended %08x\n", (int8_t)b, (uint32_t)(int32_t)(int8_t)b, (uint32_t)b);
    int16_t s16 = -1234;
    printf("short * short: %d, ushort overflow %u\n", s16 * s16, (uint16_t)(60000 + 10000));
    printf("and %x or %x xor %x not %x\n", v & 0xff00ff, v | 0x0f, v ^ 0xffff, ~v);
    unsigned long long big = 0;
    for (int i = 0; i < 64; i += 3) big |= 1ULL << i;
    printf("bits every 3rd: %llx, >> 61 = %llx, (signed) >> 63 = %lld\n", big, big >> 61, (long long)big >> 63);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void sorting(void) {
    enum { N = 3000 };
    static int a[N];
    for (int i = 0; i < N; i++) a[i] = (int)(rnd64() % 100000) - 50000;
    qsort(a, N, sizeof a[0], cmp_int);
    int sorted = 1;
    long long sum = 0;
    for (int i = 0; i < N; i++) { if (i && a[i - 1] > a[i]) sorted = 0; sum += a[i]; }
    printf("qsort %d ints: sorted %d, min %d, median %d, max %d, sum %lld\n", N, sorted, a[0], a[N / 2], a[N - 1], sum);
    int key = a[1234];
    int *found = bsearch(&key, a, N, sizeof a[0], cmp_int);
    printf("bsearch finds %d: %d\n", key, found && *found == key);
    char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape", "apricot", "kiwi" };
    qsort(words, 10, sizeof words[0], cmp_str);
    for (int i = 0; i < 10; i++) printf("%s%c", words[i], i == 9 ? '\n' : ' ');
}

static void strings(void) {
    char buf[128];
    strcpy(buf, "Hello");
    strcat(buf, ", world");
    strncat(buf, "!!!???", 3);
    printf("[%s] strlen %zu\n", buf, strlen(buf));
    printf("strcmp %d %d %d, strncmp %d, strcasecmp %d, memcmp %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, strcmp("same", "same"),
           strncmp("abcdef", "abcxyz", 3), strcasecmp("HeLLo", "hello"), memcmp("\x01\x02", "\x01\x03", 2) < 0);
    printf("strchr %s, strrchr %s, strstr %s, strpbrk %s\n", strchr(buf, 'o'), strrchr(buf, 'o'), strstr(buf, "wor"), strpbrk(buf, ",!"));
    printf("strspn %zu strcspn %zu\n", strspn("aaabbbccc", "ab"), strcspn("hello world", " "));
    char tok[] = "one, two,,three ,four";
    char *save, *t = strtok_r(tok, " ,", &save);
    while (t) { printf("<%s>", t); t = strtok_r(NULL, " ,", &save); }
    printf("\n");
    char mv[] = "0123456789";
    memmove(mv + 2, mv, 6);
    printf("memmove overlap: %s\n", mv);
    memset(buf, 'x', 10);
    buf[10] = 0;
    printf("memset %s, memchr %s\n", buf, (char *)memchr("find the needle", 'n', 15));
    char big[3000], copy[3000];
    for (int i = 0; i < 3000; i++) big[i] = (char)('a' + i % 26);
    for (int off = 0; off < 8; off++) {
        memcpy(copy + off, big + (7 - off), 2000 + off);
        if (memcmp(copy + off, big + (7 - off), 2000 + off) != 0) printf("memcpy at offset %d differs\n", off);
    }
    printf("unaligned memcpy/memcmp: done\n");
    char up[] = "MiXeD 123";
    for (char *p = up; *p; p++) *p = (char)toupper((unsigned char)*p);
    printf("%s isdigit %d isalpha %d isspace %d\n", up, isdigit('7') != 0, isalpha('7') != 0, isspace('\t') != 0);
    char nul[5] = "ab";
    strncpy(nul, "xyz", 5);
    printf("strncpy pads: %d %d\n", nul[3], nul[4]);
}

static void conversions(void) {
    char buf[100];
    int n = sprintf(buf, "%d|%x|%o|%lld|%s|%c", -123, 0xdead, 0777, -9000000000LL, "s", 'q');
    printf("sprintf: %d [%s]\n", n, buf);
    int a, b;
    unsigned x;
    long long ll;
    char word[20];
    int got = sscanf("  42 -17 ff 12345678901 token rest", "%d %d %x %lld %19s", &a, &b, &x, &ll, word);
    printf("sscanf: %d fields: %d %d %u %lld %s\n", got, a, b, x, ll, word);
    got = sscanf("12abc", "%d%d", &a, &b);
    printf("sscanf stops at a bad field: %d\n", got);
    char *end;
    printf("strtol: %ld %ld %ld %ld %ld\n", strtol("0x1f", NULL, 0), strtol("0755", NULL, 0), strtol("-101", NULL, 2), strtol("zz", NULL, 36), strtol("  +99", NULL, 10));
    long v = strtol("123abc", &end, 10);
    printf("strtol(\"123abc\"): %ld, rest [%s]\n", v, end);
    errno = 0;
    v = strtol("99999999999999", &end, 10);
    printf("overflow: %ld errno %s\n", v, errno == ERANGE ? "ERANGE" : "none");
    errno = 0;
    unsigned long uv = strtoul("-1", NULL, 10);
    printf("strtoul(\"-1\"): %lu errno %d\n", uv, errno);
    errno = 0;
    long long sll = strtoll("-9223372036854775809", NULL, 10);
    printf("strtoll underflow: %lld errno %s\n", sll, errno == ERANGE ? "ERANGE" : "none");
    printf("strtoull: %llu, atoi %d, atol %ld, atoll %lld\n", strtoull("18446744073709551615", NULL, 10), atoi("-77x"), atol("2147483647"), atoll("-1234567890123"));
    v = strtol("xyz", &end, 10);
    printf("no digits: %ld, endptr at start %d\n", v, end[0] == 'x');
}

int main(void) {
    division();
    multiply_and_shift();
    bits();
    sorting();
    strings();
    conversions();
    return 0;
}
