/* Floating point on the x87 (gcc -m32 uses it for float, double and long double):
 * arithmetic, comparisons, conversions to and from integers (truncation through the
 * control word), printf %f %e %g %a, strtod, the libm functions glibc implements with
 * x87 instructions (sqrt, sin, cos, exp, log, pow, atan2, fmod, ...), rounding functions
 * under each fesetround mode, NaN and infinity.
 *
 * Exactness: results that are exact in double are printed exactly (%a, %.17g), and so is
 * arithmetic with the precision control set to double. The issue allows an FPU that
 * computes in double precision internally (forkbox's does: src/cpu/fpu.ts), so nothing
 * printed depends on the 11 extra bits of the x87's registers: sums are stored to double
 * before they are compared; results of the functions glibc computes with f2xm1, fyl2x,
 * fpatan … in extended precision are printed to 12 significant digits; long double only
 * where its value is exact in double or to 15 digits. Operands are volatile so that gcc
 * cannot fold the arithmetic at compile time. */
#include <fenv.h>
#include <fpu_control.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile double d1 = 1.0, d3 = 3.0, d10 = 10.0, dm = -2.5, dtiny = 1e-300, dbig = 1e300;
static volatile float f1 = 1.0f, f3 = 3.0f, f7 = 7.25f;
static volatile long double l1 = 1.0L, l3 = 3.0L;

static void arithmetic(void) {
    double third = d1 / d3;
    printf("1/3 = %.17g = %a\n", third, third);
    printf("0.1 + 0.2 = %.17g, == 0.3: %d\n", 0.1 * d1 + 0.2 * d1, 0.1 * d1 + 0.2 * d1 == 0.3);
    printf("(-2.5) * 10 - 1 = %g, -2.5 / 10 = %g, -(-2.5) = %g\n", dm * d10 - d1, dm / d10, -dm);
    float ft = f1 / f3;
    printf("float 1/3 = %.9g = %a, 7.25f * 3 = %g\n", ft, ft, f7 * f3);
    long double lsum = l1 + l3 * 0.5L;
    printf("long double 1 + 3 * 0.5 = %Lg, 1/3 = %.15Lg, sizeof %zu\n", lsum, l1 / l3, sizeof(long double));
    printf("1e300 * 1e-300 = %g, tiny * tiny = %g, big * big = %g, -big * big = %g\n", dbig * dtiny, (double)(dtiny * dtiny), (double)(dbig * dbig), (double)(-dbig * dbig));
    volatile double acc = 0; /* stored to double at each step */
    for (int i = 1; i <= 1000; i++) acc += d1 / i;
    printf("harmonic(1000) = %.13g\n", acc);
    double x = 1.0;
    int steps = 0;
    for (;;) {
        volatile double sum = x * d1 + 1.0;
        if (sum == 1.0 || steps >= 200) break;
        x /= 2;
        steps++;
    }
    printf("halvings until 1 + x == 1 (stored to double each time): %d\n", steps);
    printf("comparisons: %d %d %d %d %d\n", d1 < d3, d3 <= d3, dm > d1, d10 >= d3, d1 != d3);
    printf("DBL_EPSILON %a, FLT_MAX %a, DBL_MIN %a, DBL_TRUE_MIN %a\n", DBL_EPSILON, FLT_MAX, DBL_MIN, 4.9406564584124654e-324);
}

static void conversions(void) {
    static volatile double v[] = { 2.5, -2.5, 3.7, -3.7, 0.49999999999999994, 1e10, -1e10, 2147483647.9, -2147483648.5, 123456789.0 };
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        double d = v[i];
        printf("%.17g: (int) %d, (long long) %lld, (unsigned) %u, lrint %ld, llround %lld\n", d, (int)d, (long long)d, d >= 0 && d < 4294967296.0 ? (unsigned)d : 0u,
               fabs(d) < 2147483647.0 ? lrint(d) : 0L, llround(d));
    }
    volatile int iv = -123456789;
    volatile long long lv = 9007199254740993LL; /* 2^53 + 1: not exact in double */
    volatile unsigned uv = 4000000000u;
    printf("int -> double %.17g, long long 2^53+1 -> double %.17g, unsigned 4e9 -> double %.17g\n", (double)iv, (double)lv, (double)uv);
    printf("int -> float %.9g, long long -> long double %.21Lg\n", (float)iv, (long double)(lv - 1));
    volatile float fv = 16777217.0f;
    printf("16777217 as float: %.9g, float -> double %.17g\n", (double)fv, (double)(f1 / f3));
    printf("(int)1e10 = %d (the x87's integer indefinite), (short)(int)-1e5 = %d\n", (int)(v[5]), (short)(int)(-v[5] / 1e5));
}

static void formats(void) {
    static volatile double v[] = { 0.0, -0.0, 1.0, 0.1, 123.456, 1e-5, 1e21, 6.02214076e23, 1.0 / 3, 2.5, 3.5, 1e-310 };
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        double d = v[i];
        printf("%%f %f | %%.2f %.2f | %%e %e | %%g %g | %%.3g %.3g | %%a %a | %%.0f %.0f\n", d, d, d, d, d, d, d);
    }
    printf("[%10.3f] [%-10.2e] [%+.1f] [%#.0f] [%08.2f] [%G] [%E]\n", 3.14159, 31415.9, 2.0, 3.0, -1.5, 1e-10, 12345.678);
    printf("long double: %Lf %Le %La\n", (long double)0.75, (long double)1.5e10, (long double)0.5);
    printf("float via %%f: %f %f\n", (double)f7, (double)(f1 / 8));
}

static void parsing(void) {
    const char *s[] = { "3.14159", "-0.0", "1e-320", "0x1.8p3", "inf", "-Infinity", "nan", "1e400", "  42abc", "2.2250738585072014e-308", "0.1", "123456789012345678901234567890" };
    for (unsigned i = 0; i < sizeof s / sizeof s[0]; i++) {
        char *end;
        double d = strtod(s[i], &end);
        printf("strtod(\"%s\") = %.17g (%a), rest [%s]\n", s[i], d, d, end);
    }
    printf("strtof(\"0.1\") = %a, strtold(\"0.5\") = %La, atof(\"2.5e2\") = %g\n", (double)strtof("0.1", NULL), strtold("0.5", NULL), atof("2.5e2"));
    double a;
    float b;
    int n = sscanf("1.25 -7.5e-1", "%lf %f", &a, &b);
    printf("sscanf: %d %g %g\n", n, a, b);
}

static void functions(void) {
    volatile double x = 2.0, y = 0.5, z = -1.75, big = 1e6;
    printf("sqrt(2) = %.17g, sqrt(16) = %.17g, sqrt(-1) = %f\n", sqrt(x), sqrt(x * 8 * x), sqrt(-y * 2));
    printf("sin(0.5) = %.12g, cos(0.5) = %.12g, tan(0.5) = %.12g\n", sin(y), cos(y), tan(y));
    printf("sin(1e6) = %.12g, cos(-1.75) = %.12g\n", sin(big), cos(z));
    printf("exp(1) = %.12g, exp(-1.75) = %.12g, exp2(10) = %.12g, expm1(1e-10) = %.12g\n", exp(y * 2), exp(z), exp2(x * 5), expm1(1e-10 * x / 2));
    printf("log(2) = %.12g, log10(1000) = %.12g, log2(1024) = %.12g, log1p(0.5) = %.12g\n", log(x), log10(big / 1000), log2(x * 512), log1p(y));
    printf("pow(2, 10) = %.12g, pow(2, 0.5) = %.12g, pow(-2, 3) = %.12g, pow(10, -2) = %.12g, cbrt(27) = %.12g\n", pow(x, 10), pow(x, y), pow(-x, 3), pow(10, -x), cbrt(27 * y * 2));
    printf("atan2(1, 1) = %.12g, atan2(-1, -1) = %.12g, atan(2) = %.12g, asin(0.5) = %.12g, acos(0.5) = %.12g\n", atan2(y, y), atan2(-y, -y), atan(x), asin(y), acos(y));
    printf("fmod(7.5, 2) = %.17g, fmod(-7.5, 2) = %.17g, remainder(7.5, 2) = %.17g, fmod(1e6, 0.5) = %.17g\n", fmod(7.5 * y * 2, x), fmod(-7.5, x), remainder(7.5, x), fmod(big, y));
    printf("hypot(3, 4) = %.17g, ldexp(0.75, 10) = %.17g, frexp: ", hypot(3 * y * 2, 4), ldexp(0.75, 10));
    int e;
    double m = frexp(big, &e);
    printf("%.17g * 2^%d, modf: ", m, e);
    double ip;
    double fp = modf(z, &ip);
    printf("%.17g + %.17g\n", ip, fp);
    printf("sinh(1) = %.12g, cosh(1) = %.12g, tanh(0.5) = %.12g, erf(0.5) = %.12g, tgamma(5) = %.12g\n", sinh(y * 2), cosh(y * 2), tanh(y), erf(y), tgamma(5 * y * 2));
    printf("float: sqrtf(2) = %.9g, sinf(0.5) = %.6g, expf(1) = %.6g, powf(2, 10) = %.6g\n", sqrtf((float)x), sinf((float)y), expf((float)(y * 2)), powf((float)x, 10.0f));
    printf("long double: sqrtl(4) = %Lg, sqrtl(2) = %.15Lg, expl(0) = %Lg\n", sqrtl(4.0L * l1), sqrtl(2.0L * l1), expl(0.0L * l1));
    printf("copysign %g, fabs %g, fmin %g, fmax %g, fdim %g, fma %.17g\n", copysign(3, -0.0), fabs(z), fmin(x, z), fmax(x, z), fdim(x, z), fma(x, y, z));
}

static void rounding(void) {
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    static const char *names[] = { "to nearest", "downward", "upward", "toward zero" };
    static volatile double v[] = { 2.5, 3.5, -2.5, -0.5, 1.4999, -1.6, 7.0 };
    for (int m = 0; m < 4; m++) {
        int r = fesetround(modes[m]);
        printf("%s (fesetround %d, fegetround ok %d):\n", names[m], r, fegetround() == modes[m]);
        for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
            double d = v[i];
            printf("  %5.4g: floor %g ceil %g round %g trunc %g rint %g nearbyint %g lrint %ld\n", d, floor(d), ceil(d), round(d), trunc(d), rint(d), nearbyint(d), lrint(d));
        }
        printf("  1/3 = %a, -1/3 = %a, 2/3 as float = %a, (int)-2.7 = %d\n", d1 / d3, -d1 / d3, (double)(float)(2 * f1 / f3), (int)(dm - 0.2));
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double zero = 0.0, r = d1 / zero;
    printf("1/0 = %g, FE_DIVBYZERO raised %d\n", r, fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = d1 / d3;
    printf("1/3 raises FE_INEXACT %d, not FE_INVALID %d\n", fetestexcept(FE_INEXACT) != 0, fetestexcept(FE_INVALID) == 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = sqrt(-d1);
    printf("sqrt(-1) raises FE_INVALID %d\n", fetestexcept(FE_INVALID) != 0);
}

static void specials(void) {
    volatile double zero = 0.0;
    double inf = 1.0 / zero, nan0 = zero / zero, qnan = NAN;
    printf("inf %f %e %g %a, -inf %f\n", inf, inf, inf, inf, -inf);
    printf("0/0 %f (the x87 default NaN has the sign bit set), NAN %f, -NAN %f, %e %g\n", nan0, qnan, -qnan, qnan, qnan);
    printf("isnan %d %d isinf %d %d isfinite %d signbit(-0.0) %d\n", isnan(nan0), isnan(inf), isinf(inf), isinf(-inf), isfinite(dbig), signbit(-zero));
    printf("NaN comparisons: == %d != %d < %d > %d, inf > big %d, -inf < -big %d\n", nan0 == nan0, nan0 != nan0, nan0 < d1, nan0 > d1, inf > dbig, -inf < -dbig);
    printf("inf - inf %f, inf * 0 %f, nan + 1 %f, fmax(nan, 1) %g\n", inf - inf, inf * zero, qnan + 1, fmax(qnan, 1));
    printf("fpclassify: %d %d %d %d %d (NAN INFINITE ZERO SUBNORMAL NORMAL = %d %d %d %d %d)\n", fpclassify(qnan), fpclassify(inf), fpclassify(zero), fpclassify(1e-310 * d1), fpclassify(d1),
           FP_NAN, FP_INFINITE, FP_ZERO, FP_SUBNORMAL, FP_NORMAL);
    union { double d; uint64_t u; } bits = { .d = nan0 };
    printf("0/0 bits: %016llx\n", (unsigned long long)bits.u);
    float fnan = (float)(zero / zero), finf = (float)inf;
    printf("float nan %f inf %f, (float)1e40 = %f\n", fnan, finf, (double)(float)(dbig * 1e-260));
}

/* With the precision control set to double (53 bits), x87 arithmetic is IEEE double
 * arithmetic: every result, kept in registers or not, is exact to the bit. */
static void double_precision(void) {
    fpu_control_t cw, saved;
    _FPU_GETCW(saved);
    cw = (saved & ~_FPU_EXTENDED) | _FPU_DOUBLE;
    _FPU_SETCW(cw);
    double acc = 0, prod = 1;
    for (int i = 1; i <= 1000; i++) {
        acc += d1 / i;
        prod *= 1.0 + d1 / (i * 7.0);
    }
    printf("PC=double: harmonic(1000) = %a, product = %a\n", acc, prod);
    double x = 1.0;
    int steps = 0;
    while (x * d1 + 1.0 != 1.0 && steps < 200) { x /= 2; steps++; }
    printf("PC=double: halvings until 1 + x == 1 in registers: %d\n", steps);
    double a = d1 / d3, b = d10 / d3, c = a * b - d1 / 9 * d10, e = sqrt(a) * sqrt(b) / (a + b);
    printf("PC=double: %a %a %a %a\n", a, b, c, e);
    _FPU_GETCW(cw);
    printf("control word: precision bits %#x, restored to %#x\n", (unsigned)(cw & _FPU_EXTENDED), (unsigned)saved);
    _FPU_SETCW(saved);
}

/* Random arithmetic with the precision control set to double, where the x87 is IEEE
 * double arithmetic bit for bit, in each rounding mode: add, sub, mul, div, sqrt, fmod,
 * conversions to and from integers, float stores and comparisons, on operands whose
 * results stay in double's normal range (the x87's registers have a wider exponent
 * range, so results near the edges round differently; see the header), plus zeros,
 * infinities and NaNs with payloads. Each class of operation is summarised as a hash of
 * the results' bits, so a difference names the operation. */
static uint64_t fp_state = 0x243f6a8885a308d3ULL;
static uint64_t fp_rnd(void) {
    fp_state ^= fp_state << 13;
    fp_state ^= fp_state >> 7;
    fp_state ^= fp_state << 17;
    return fp_state;
}
static double fp_operand(void) {
    uint64_t r = fp_rnd();
    union { uint64_t u; double d; } v;
    switch (r % 16) {
    case 0: return (r >> 8) & 1 ? 0.0 : -0.0;
    case 1: return (r >> 8) & 1 ? INFINITY : -INFINITY;
    case 2: v.u = 0x7ff8000000000000ULL | (fp_rnd() & 0x0007ffffffffffffULL) | ((r >> 9) & 1ULL) << 63; return v.d; /* quiet NaN */
    case 3: return (double)(int32_t)(fp_rnd() >> 40); /* a small integer */
    default: /* exponent in [-200, 200], random mantissa and sign */
        v.u = (fp_rnd() & 0x800fffffffffffffULL) | (uint64_t)(1023 - 200 + (int)((r >> 8) % 401)) << 52;
        return v.d;
    }
}
static uint64_t hash_bits(uint64_t h, double d) {
    union { double d; uint64_t u; } v = { .d = d };
    h = (h ^ v.u) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

static void fp_stress(void) {
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    static const char *names[] = { "nearest", "down", "up", "zero" };
    fpu_control_t saved, cw;
    _FPU_GETCW(saved);
    cw = (saved & ~_FPU_EXTENDED) | _FPU_DOUBLE;
    _FPU_SETCW(cw);
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        uint64_t h[9] = { 0 };
        for (int i = 0; i < 2500; i++) {
            volatile double a = fp_operand(), b = fp_operand();
            h[0] = hash_bits(h[0], a + b);
            h[1] = hash_bits(h[1], a - b);
            h[2] = hash_bits(h[2], a * b);
            h[3] = hash_bits(h[3], a / b);
            h[4] = hash_bits(h[4], sqrt(fabs(a)));
            h[4] = hash_bits(h[4], sqrt(a)); /* NaN for a < 0 */
            if (isfinite(a) && isfinite(b) && b != 0 && fabs(a / b) < 1e30) h[5] = hash_bits(h[5], fmod(a, b));
            int64_t k = (int64_t)(fp_rnd() >> (fp_rnd() % 64));
            h[6] = hash_bits(h[6], (double)k);
            h[6] = hash_bits(h[6], (double)(int32_t)k);
            if (fabs(a) < 9e18) h[6] = hash_bits(h[6], (double)((long long)a + llrint(a) + (int)(a * 1e-10)));
            volatile float fa = (float)a, fb = (float)b;
            h[7] = hash_bits(h[7], fa);
            h[7] = hash_bits(h[7], (float)(fa * fb) + (double)(float)(fa / fb));
            h[8] = hash_bits(h[8], (a < b) * 1 + (a <= b) * 2 + (a == b) * 4 + (a != b) * 8 + (a > b) * 16 + isless(a, b) * 32 + isunordered(a, b) * 64);
        }
        printf("random doubles, rounding %-7s: add %016llx sub %016llx mul %016llx div %016llx\n", names[m],
               (unsigned long long)h[0], (unsigned long long)h[1], (unsigned long long)h[2], (unsigned long long)h[3]);
        printf("  sqrt %016llx fmod %016llx int<->double %016llx float %016llx compare %016llx\n",
               (unsigned long long)h[4], (unsigned long long)h[5], (unsigned long long)h[6], (unsigned long long)h[7], (unsigned long long)h[8]);
    }
    fesetround(FE_TONEAREST);
    _FPU_SETCW(saved);
}

int main(void) {
    arithmetic();
    double_precision();
    conversions();
    formats();
    parsing();
    functions();
    rounding();
    specials();
    fp_stress();
    return 0;
}
