/* harness.h - a tiny unit-test harness (cmark api_test/harness.h, redis
 * testhelp.h). A test file defines cases `static void test_<mod>__<case>(void)`
 * and lists them in TESTS; `build/x/test_mod [case]` runs all or one.
 * Prints "test_mod: N passed, M failed, K skipped" and exits non-zero on
 * failure.
 *
 * A case that cannot run calls SKIP_REQUIRED(why) or SKIP_OPTIONAL(why)
 * (both return from the case) or bt_t_skip() from a helper. A skipped case
 * is neither passed nor failed; it prints one line
 *   SKIP (required) <case>: <why>   something `make deps` installs is missing
 *   SKIP (optional) <case>: <why>   something outside the repository's deps
 * and tests/run.sh fails `make test` on a required skip. A case that failed
 * a CHECK before skipping counts as failed. */
#ifndef BT_HARNESS_H
#define BT_HARNESS_H

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

static int bt_t_checks, bt_t_failed_checks, bt_t_case_failed;
static int bt_t_case_skipped; /* 0, 1 = optional, 2 = required */
static const char *bt_t_case_name;

/* Marks the running case skipped; required = 1 when the missing piece is one
 * `make deps` installs. Call at most once per case, then return. */
static inline void bt_t_skip(int required, const char *why)
{
    if (!bt_t_case_skipped)
        printf("SKIP (%s) %s: %s\n", required ? "required" : "optional",
               bt_t_case_name ? bt_t_case_name : "?", why);
    if (bt_t_case_skipped < (required ? 2 : 1))
        bt_t_case_skipped = required ? 2 : 1;
}

#define SKIP_REQUIRED(why)                                                     \
    do {                                                                       \
        bt_t_skip(1, why);                                                     \
        return;                                                                \
    } while (0)

#define SKIP_OPTIONAL(why)                                                     \
    do {                                                                       \
        bt_t_skip(0, why);                                                     \
        return;                                                                \
    } while (0)

#define CHECK(c)                                                               \
    do {                                                                       \
        bt_t_checks++;                                                         \
        if (!(c)) {                                                            \
            bt_t_failed_checks++;                                              \
            bt_t_case_failed = 1;                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #c);                                                       \
        }                                                                      \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long bt_t_a = (long long)(a), bt_t_b = (long long)(b);            \
        bt_t_checks++;                                                         \
        if (bt_t_a != bt_t_b) {                                                \
            bt_t_failed_checks++;                                              \
            bt_t_case_failed = 1;                                              \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__,    \
                    __LINE__, #a, bt_t_a, bt_t_b);                             \
        }                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *bt_t_a = (a), *bt_t_b = (b);                               \
        bt_t_checks++;                                                         \
        if (!bt_t_a || !bt_t_b || strcmp(bt_t_a, bt_t_b) != 0) {               \
            bt_t_failed_checks++;                                              \
            bt_t_case_failed = 1;                                              \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",          \
                    __FILE__, __LINE__, #a, bt_t_a ? bt_t_a : "(null)",        \
                    bt_t_b ? bt_t_b : "(null)");                               \
        }                                                                      \
    } while (0)

/* Compare a bt_str with a C string. */
#define CHECK_BSTR(s, cstr)                                                    \
    do {                                                                       \
        bt_str bt_t_s = (s);                                                   \
        const char *bt_t_c = (cstr);                                           \
        bt_t_checks++;                                                         \
        if (bt_t_s.len != strlen(bt_t_c) ||                                    \
            (bt_t_s.len && memcmp(bt_t_s.ptr, bt_t_c, bt_t_s.len) != 0)) {     \
            bt_t_failed_checks++;                                              \
            bt_t_case_failed = 1;                                              \
            fprintf(stderr, "%s:%d: %s == \"%.*s\", expected \"%s\"\n",        \
                    __FILE__, __LINE__, #s, (int)bt_t_s.len,                   \
                    bt_t_s.ptr ? bt_t_s.ptr : "", bt_t_c);                     \
        }                                                                      \
    } while (0)

typedef struct {
    const char *name;
    void (*fn)(void);
} bt_t_case;

#define TEST(fn)                                                               \
    {                                                                          \
#fn, fn                                                                \
    }

/* Runs the cases whose name contains argv[1] (all without an argument). */
static inline int bt_t_main(const char *suite, const bt_t_case *cases, int n,
                            int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    for (int i = 0; i < n; i++) {
        if (argc > 1 && !strstr(cases[i].name, argv[1]))
            continue;
        bt_t_case_failed = 0;
        bt_t_case_skipped = 0;
        bt_t_case_name = cases[i].name;
        cases[i].fn();
        if (bt_t_case_failed) {
            failed++;
            fprintf(stderr, "FAIL %s\n", cases[i].name);
        } else if (bt_t_case_skipped) {
            skipped++;
        } else {
            passed++;
        }
    }
    bt_t_case_name = NULL;
    printf("%s: %d passed, %d failed, %d skipped\n", suite, passed, failed,
           skipped);
    return failed ? 1 : 0;
}

#define TEST_MAIN(suite, cases)                                                \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        return bt_t_main(suite, cases, (int)(sizeof cases / sizeof *cases),    \
                         argc, argv);                                          \
    }

/* The PNG row filter's predictor (PNG spec 9.2-9.4) for filter type f,
 * from the byte to the left (a), above (b) and above-left (c): the tests
 * that filter rows (test_pdf_out) and unfilter them (test_image) share it. */
static inline int bt_t_png_pred(int f, int a, int b, int c)
{
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    return f == 0                 ? 0
           : f == 1               ? a
           : f == 2               ? b
           : f == 3               ? (a + b) / 2
           : pa <= pb && pa <= pc ? a
           : pb <= pc             ? b
                                  : c;
}

#endif
