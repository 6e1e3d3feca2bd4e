/* fuzz_xmlin.c - libFuzzer target: bytes -> bt_text_check_input ->
 * bt_xml_parse -> bt_read_article, as for an article file. Images resolve
 * against a root that does not exist, so nothing is ever opened. Checks
 * the tree's invariants (links, positions) on the way. */
#include <stdint.h>
#include <string.h>
#include "read.h"
#include "text.h"
#include "bt_limits.h"

static void walk(const bt_xel *el, int depth)
{
    BT_ASSERT(depth <= BT_MAX_XML_DEPTH);
    BT_ASSERT(el->pos.line >= 1 && el->pos.col >= 1);
    const bt_xel *last = NULL;
    for (const bt_xel *k = el->kids; k; k = k->next) {
        BT_ASSERT(k->parent == el);
        BT_ASSERT(k->name || k->text.ptr);
        /* positions never go backwards among siblings */
        if (last)
            BT_ASSERT(
                k->pos.line > last->pos.line ||
                (k->pos.line == last->pos.line && k->pos.col > last->pos.col));
        if (k->name)
            walk(k, depth + 1);
        last = k;
    }
    BT_ASSERT(el->last == last);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    uint16_t f = bt_ctx_file(&ctx, "fuzz.xml", NULL);
    const char *s = (const char *)data;
    if (bt_text_check_input(&ctx, f, s, size) == 0) {
        bt_xel *root = bt_xml_parse(&ctx, f, s, size);
        if (root) {
            BT_ASSERT(root->name != NULL);
            walk(root, 1);
            bt_article *art = bt_read_article(
                &ctx, root, f, "/nonexistent-root", "/nonexistent-root", 0);
            if (art) {
                BT_ASSERT(art->title.text.len > 0);
                for (const bt_block *b = art->blocks; b; b = b->next)
                    for (const bt_run *r = b->runs.first; r; r = r->next)
                        BT_ASSERT(r->kind == BT_RUN_BREAK ||
                                  (r->text.len > 0 && r->text.ptr));
            } else {
                BT_ASSERT(ctx.nerrors > 0);
            }
        } else {
            BT_ASSERT(ctx.nerrors > 0);
        }
    }
    bt_ctx_free(&ctx);
    return 0;
}
