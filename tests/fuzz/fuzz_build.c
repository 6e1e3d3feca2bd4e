/* fuzz_build.c - libFuzzer target for the whole pipeline (md4c's
 * fuzz-mdhtml.c): the input is one article file, run through bt_build_run
 * with a real PDF and EPUB written into a temp folder and deleted again.
 *
 * The first byte picks the file type: even -> article.xml, odd ->
 * article.txt; the rest is the file's content. The article folder is made
 * once per process and holds two small pictures, a.png (RGBA) and b.jpg
 * (CMYK), copied from tests/errors/img-variants/anh/, so inputs can reach
 * the image stage and both PDF image routes; seeds refer to them.
 *
 * Checks the Outputs contract of FORMATS.md: a build that fails leaves
 * nothing in the output folder and nothing new beside the input; one that
 * succeeds leaves exactly article.pdf and article.epub, and reports no
 * error.
 *
 * Data (layouts/, fonts/): $BANTIN_DATADIR, else found from the
 * executable's path (build/fuzz/fuzz_build and build/<v>/replay_fuzz_build
 * are two levels below the checkout), as bantin itself does. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "build.h"
#include "bt_limits.h"

static char indir[256], outdir[300], xmlpath[320], txtpath[320];
static char *datadir;

/* Files in `dir` (not counting . and ..). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    BT_ASSERT(d != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Removes every file in `dir` (the folders hold no subfolders). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[600];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static void cleanup(void)
{
    empty_dir(outdir);
    rmdir(outdir);
    empty_dir(indir);
    rmdir(indir);
    free(datadir);
}

static void copy_picture(const char *from, const char *to)
{
    char src[1024], dst[400];
    snprintf(src, sizeof src, "%s/tests/errors/img-variants/anh/%s", datadir,
             from);
    snprintf(dst, sizeof dst, "%s/%s", indir, to);
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    if (!out)
        abort();
    if (in) { /* an installed datadir has no tests: then no pictures */
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            if (fwrite(buf, 1, n, out) != n)
                abort();
        fclose(in);
    }
    fclose(out);
}

static void setup(void)
{
    char tmpl[] = "/tmp/bantin-fuzz-build-XXXXXX";
    if (!mkdtemp(tmpl))
        abort();
    snprintf(indir, sizeof indir, "%s", tmpl);
    snprintf(outdir, sizeof outdir, "%s.out", indir);
    snprintf(xmlpath, sizeof xmlpath, "%s/article.xml", indir);
    snprintf(txtpath, sizeof txtpath, "%s/article.txt", indir);
    datadir = bt_build_datadir(NULL);
    atexit(cleanup);
    copy_picture("rgba.png", "a.png");
    copy_picture("cmyk.jpg", "b.jpg");
    /* byte-identical outputs do not depend on it, but keep dates fixed */
    setenv("SOURCE_DATE_EPOCH", "1656633600", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > BT_MAX_INPUT_BYTES)
        return 0;
    if (!indir[0])
        setup();
    const char *path = (data[0] & 1) ? txtpath : xmlpath;
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1)
        abort();
    fclose(f);
    int before = count_files(indir);

    bt_ctx ctx;
    bt_ctx_init(&ctx);
    char *inputs[1] = {(char *)path};
    bt_options opt;
    memset(&opt, 0, sizeof opt);
    opt.inputs = inputs;
    opt.ninputs = 1;
    opt.outdir = outdir;
    opt.outputs = BT_OUT_PDF | BT_OUT_EPUB;
    opt.datadir = datadir;
    int rc = bt_build_run(&ctx, &opt);

    BT_ASSERT(count_files(indir) == before); /* nothing beside the input */
    if (rc == 0) {
        BT_ASSERT(ctx.nerrors == 0);
        BT_ASSERT(count_files(outdir) == 2); /* article.pdf, article.epub */
    } else {
        BT_ASSERT(ctx.nerrors > 0);
        /* the folder may not exist when the build stopped before -o */
        DIR *d = opendir(outdir);
        if (d) {
            closedir(d);
            BT_ASSERT(count_files(outdir) == 0);
        }
    }
    bt_ctx_free(&ctx);
    empty_dir(outdir);
    unlink(path);
    return 0;
}
