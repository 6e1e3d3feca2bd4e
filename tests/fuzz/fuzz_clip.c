/* fuzz_clip.c - libFuzzer target: bytes -> bt_text_check_input ->
 * bt_read_clip, as for a .txt clipping, with a fresh context per input.
 * Checks what the rest of the pipeline relies on: an article has a title,
 * every block is a paragraph or a photo caption with non-empty, single-
 * spaced, trimmed text, and every position lies inside the input. Seeds:
 * tests/fuzz/corpus/clip/ (samples/clips and the clipping error cases). */
#include <stdint.h>
#include <string.h>
#include "read.h"
#include "text.h"
#include "bt_limits.h"

static uint32_t nlines; /* lines of the current input */

static void check_pos(bt_pos p)
{
    BT_ASSERT(p.file == 1);
    BT_ASSERT(p.line >= 1 && p.line <= nlines);
    BT_ASSERT(p.col >= 1);
}

/* Normalised text: no C0 control characters, no doubled or edge spaces
 * (the clipping rule collapses U+00A0 too). */
static void check_text(bt_str s)
{
    BT_ASSERT(s.len > 0 && s.ptr != NULL);
    BT_ASSERT(s.ptr[0] != ' ' && s.ptr[s.len - 1] != ' ');
    const char *p = s.ptr, *end = s.ptr + s.len;
    uint32_t prev = 0;
    while (p < end) {
        uint32_t c = bt_utf8_next(&p, end);
        BT_ASSERT(c >= 0x20); /* tab, CR, LF became spaces */
        BT_ASSERT(c != 0xA0);
        BT_ASSERT(!(c == ' ' && prev == ' '));
        prev = c;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > BT_MAX_INPUT_BYTES)
        return 0;
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    uint16_t f = bt_ctx_file(&ctx, "fuzz.txt", NULL);
    const char *s = (const char *)data;
    nlines = 1;
    for (size_t i = 0; i < size; i++)
        if (s[i] == '\n' ||
            (s[i] == '\r' && !(i + 1 < size && s[i + 1] == '\n')))
            nlines++;
    if (bt_text_check_input(&ctx, f, s, size) == 0) {
        BT_ASSERT(ctx.nerrors == 0);
        bt_article *art = bt_read_clip(&ctx, f, s, size);
        if (art) {
            BT_ASSERT(ctx.nerrors == 0);
            check_text(art->title.text);
            check_pos(art->title.pos);
            if (art->source.text.len) {
                check_text(art->source.text);
                check_pos(art->source.pos);
            }
            if (art->credit.text.len) {
                check_text(art->credit.text);
                check_pos(art->credit.pos);
            }
            for (const bt_author *au = art->authors; au; au = au->next) {
                check_text(au->name.text);
                check_pos(au->name.pos);
            }
            for (const bt_run *r = art->lead.first; r; r = r->next) {
                check_text(r->text);
                check_pos(r->pos);
            }
            for (const bt_block *b = art->blocks; b; b = b->next) {
                BT_ASSERT(b->kind == BT_BLOCK_PARA ||
                          b->kind == BT_BLOCK_PHOTO);
                check_pos(b->pos);
                BT_ASSERT(b->runs.first != NULL);
                for (const bt_run *r = b->runs.first; r; r = r->next) {
                    BT_ASSERT(r->kind == BT_RUN_TEXT);
                    check_text(r->text);
                    check_pos(r->pos);
                }
            }
        } else {
            BT_ASSERT(ctx.nerrors > 0);
        }
    } else {
        BT_ASSERT(ctx.nerrors == 1);
    }
    bt_ctx_free(&ctx);
    return 0;
}
