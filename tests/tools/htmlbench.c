/* htmlbench.c - CPU time of bt_html_extract on saved pages, without the
 * process start-up that `bantin import` also pays (dynamic linking, page
 * faults). Not a test (no timing is ever asserted): a measuring tool.
 *   build/release/htmlbench [-n RUNS] PAGE.html...
 * For each page: the best of RUNS (default 10) extractions, each with a
 * fresh context, as process CPU time; prints bytes, ms and ms per MiB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "read_html.h"

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    int runs = 10, a = 1;
    if (argc > 2 && !strcmp(argv[1], "-n")) {
        runs = atoi(argv[2]);
        a = 3;
    }
    if (a >= argc || runs < 1) {
        fprintf(stderr, "usage: htmlbench [-n RUNS] PAGE.html...\n");
        return 2;
    }
    for (; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            perror(argv[a]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *d = malloc(n > 0 ? (size_t)n : 1);
        if (!d || fread(d, 1, (size_t)n, f) != (size_t)n) {
            fprintf(stderr, "%s: cannot read\n", argv[a]);
            return 1;
        }
        fclose(f);
        double best = 1e30;
        int ok = 1;
        for (int r = 0; r < runs; r++) {
            bt_ctx ctx;
            bt_ctx_init(&ctx);
            uint16_t fi = bt_ctx_file(&ctx, argv[a], NULL);
            double t0 = cpu_ms();
            ok = bt_html_extract(&ctx, fi, d, (size_t)n, NULL) != NULL;
            double t = cpu_ms() - t0;
            bt_ctx_free(&ctx);
            if (t < best)
                best = t;
        }
        printf("%-50s %9ld bytes %8.2f ms %8.2f ms/MiB%s\n", argv[a], n, best,
               best / ((double)n / 1048576.0), ok ? "" : "  (no article)");
        free(d);
    }
    return 0;
}
