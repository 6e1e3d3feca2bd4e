/* model.c - building and checking the document tree (see model.h). The
 * readers append nodes in document order; bt_doc_finish numbers articles
 * and makes their ids unique (they name EPUB files and PDF anchors). */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include "model.h"
#include "buf.h"

bt_doc *bt_doc_new(bt_arena *a)
{
    bt_doc *d = bt_arena_alloc(a, sizeof *d);
    d->lang = "vi";
    return d;
}

bt_section *bt_doc_add_section(bt_arena *a, bt_doc *doc)
{
    bt_section *s = bt_arena_alloc(a, sizeof *s);
    if (doc->sections_tail)
        doc->sections_tail->next = s;
    else
        doc->sections = s;
    doc->sections_tail = s;
    doc->nsections++;
    return s;
}

void bt_section_add_article(bt_section *s, bt_article *art)
{
    if (s->articles_tail)
        s->articles_tail->next = art;
    else
        s->articles = art;
    s->articles_tail = art;
    s->narticles++;
}

bt_article *bt_article_new(bt_arena *a, uint16_t file)
{
    bt_article *art = bt_arena_alloc(a, sizeof *art);
    art->file = file;
    art->pos.file = file;
    art->pos.line = 1;
    art->pos.col = 1;
    return art;
}

bt_block *bt_article_add_block(bt_arena *a, bt_article *art,
                               enum bt_block_kind kind, bt_pos pos)
{
    bt_block *b = bt_arena_alloc(a, sizeof *b);
    b->kind = kind;
    b->pos = pos;
    if (art->blocks_tail)
        art->blocks_tail->next = b;
    else
        art->blocks = b;
    art->blocks_tail = b;
    art->nblocks++;
    return b;
}

bt_run *bt_runs_add(bt_arena *a, bt_runs *runs, enum bt_run_kind kind,
                    unsigned style, bt_str text, bt_pos pos)
{
    bt_run *r = bt_arena_alloc(a, sizeof *r);
    r->kind = kind;
    r->style = style;
    r->text = text;
    r->pos = pos;
    if (runs->last)
        runs->last->next = r;
    else
        runs->first = r;
    runs->last = r;
    runs->count++;
    return r;
}

void bt_article_add_author(bt_arena *a, bt_article *art, bt_field name)
{
    bt_author *au = bt_arena_alloc(a, sizeof *au);
    au->name = name;
    if (art->authors_tail)
        art->authors_tail->next = au;
    else
        art->authors = au;
    art->authors_tail = au;
    art->nauthors++;
}

void bt_doc_finish(bt_arena *a, bt_doc *doc)
{
    int index = 0;
    bt_strset seen = {0};
    bt_section *s;
    bt_article *art;
    doc->narticles = 0;
    bt_section_foreach(doc, s)
        doc->narticles += s->narticles;
    bt_section_foreach(doc, s) {
        bt_article_foreach(s, art) {
            art->index = index;
            if (!art->lang)
                art->lang = doc->lang;
            const char *id =
                art->id ? art->id : bt_arena_printf(a, "a%03d", index + 1);
            /* ids must be XML NCNames and unique */
            if (!((id[0] >= 'a' && id[0] <= 'z') ||
                  (id[0] >= 'A' && id[0] <= 'Z')))
                id = bt_arena_printf(a, "a-%s", id);
            while (bt_strset_find(&seen, id) >= 0)
                id = bt_arena_printf(a, "%s-%d", id, index + 1);
            art->id = id;
            bt_strset_put(&seen, id, index);
            index++;
        }
    }
    bt_strset_free(&seen);
}

bt_str bt_runs_text(bt_arena *a, const bt_runs *runs)
{
    size_t n = 0;
    for (const bt_run *r = runs->first; r; r = r->next)
        n += r->kind == BT_RUN_BREAK ? 1 : r->text.len;
    char *p = bt_arena_alloc(a, n + 1);
    size_t at = 0;
    for (const bt_run *r = runs->first; r; r = r->next) {
        if (r->kind == BT_RUN_BREAK) {
            p[at++] = '\n';
        } else if (r->text.len) {
            memcpy(p + at, r->text.ptr, r->text.len);
            at += r->text.len;
        }
    }
    p[at] = 0;
    bt_str s = {p, at};
    return s;
}

static size_t runs_bytes(const bt_runs *r)
{
    size_t n = 0;
    for (const bt_run *u = r->first; u; u = u->next)
        n += u->text.len;
    return n;
}

size_t bt_doc_text_bytes(const bt_doc *doc)
{
    size_t n = doc->title.text.len + doc->subtitle.text.len;
    const bt_section *s;
    bt_section_foreach(doc, s) {
        n += s->title.text.len;
        for (const bt_article *a = s->articles; a; a = a->next) {
            n += a->kicker.text.len + a->title.text.len + a->subtitle.text.len +
                 runs_bytes(&a->lead);
            for (const bt_block *b = a->blocks; b; b = b->next)
                n += runs_bytes(&b->runs);
        }
    }
    return n;
}

void bt_doc_check(const bt_doc *doc)
{
    int n = 0;
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(doc, s) {
        int k = 0;
        bt_article_foreach(s, art) {
            BT_ASSERT(art->title.text.len > 0);
            BT_ASSERT(art->id != NULL);
            int nb = 0;
            for (const bt_block *b = art->blocks; b; b = b->next) {
                nb++;
                BT_ASSERT(b->kind != BT_BLOCK_FIGURE || b->path);
                for (const bt_run *r = b->runs.first; r; r = r->next)
                    BT_ASSERT(r->kind == BT_RUN_BREAK || r->text.ptr);
            }
            BT_ASSERT(nb == art->nblocks);
            k++;
        }
        BT_ASSERT(k == s->narticles);
        n += k;
    }
    BT_ASSERT(n == doc->narticles);
}

/* ---- dates of the document (date.h has the calendar) ---- */

bt_date bt_date_latest(const bt_doc *doc)
{
    bt_date best = {0, 0, 0};
    const bt_section *s;
    const bt_article *a;
    bt_section_foreach(doc, s) {
        bt_article_foreach(s, a) {
            if (bt_date_after(a->date, best))
                best = a->date;
        }
    }
    return best;
}

int bt_date_output(bt_ctx *ctx, bt_doc *doc)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    int64_t t;
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        /* zip times start in 1980 and PDF dates end in 9999 */
        if (*end || errno || v < 315532800LL || v > 253402300799LL) {
            bt_error(ctx, bt_pos_file(0),
                     "SOURCE_DATE_EPOCH '%s' is not a number of seconds "
                     "between 1980 and 9999",
                     sde);
            return -1;
        }
        t = v;
    } else if (doc->date.y) {
        t = bt_date_days(doc->date.y, doc->date.m, doc->date.d) * 86400;
    } else {
        bt_date best = bt_date_latest(doc);
        if (!best.y)
            best = (bt_date){1980, 1, 1};
        t = bt_date_days(best.y, best.m, best.d) * 86400;
    }
    if (t < 315532800LL)
        t = 315532800LL; /* zip cannot store earlier times */
    bt_time_from_epoch(t, &doc->stamp);
    return 0;
}
