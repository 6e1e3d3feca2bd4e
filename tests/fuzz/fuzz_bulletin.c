/* fuzz_bulletin.c - libFuzzer target: the input is a manifest. It is
 * written as bulletin.xml into a temp folder made once (holding nothing
 * else) and read with bt_read_inputs, so every href meets the real path
 * rules: missing files, the manifest itself, leaving the folder, twice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "read.h"

static char dir[256], file[300];

static void cleanup(void)
{
    if (file[0])
        unlink(file);
    if (dir[0])
        rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        char tmpl[] = "/tmp/bantin-fuzz-bulletin-XXXXXX";
        if (!mkdtemp(tmpl))
            abort();
        snprintf(dir, sizeof dir, "%s", tmpl);
        snprintf(file, sizeof file, "%s/bulletin.xml", dir);
        atexit(cleanup);
    }
    FILE *f = fopen(file, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    char *paths[1] = {file};
    bt_doc *doc = bt_read_inputs(&ctx, paths, 1, 0);
    BT_ASSERT(doc != NULL);
    if (doc->has_manifest) {
        /* only bulletin.xml exists and it is never its own article, so a
         * manifest always ends with an error ("lists no article" at least) */
        BT_ASSERT(doc->narticles == 0);
        BT_ASSERT(ctx.nerrors > 0);
    } else {
        BT_ASSERT(doc->narticles <= 1); /* read as one direct article */
    }
    if (ctx.nerrors == 0)
        bt_doc_check(doc);
    bt_ctx_free(&ctx);
    return 0;
}
