/* dump.c - bt_pages as stable text (see dump.h). Glyph runs print their
 * text (UTF-8) with the run's font id, size and colour; positions are
 * integers, so the dump is the same at -O0, -O2 and under sanitizers. */
#include "buf.h"
#include "dump.h"
#include "text.h"

void bt_dump_pages(FILE *f, const bt_pages *pages)
{
    bt_buf b = BT_BUF_INIT;
    fprintf(f, "pages %d size %d %d\n", pages->npages, (int)pages->width,
            (int)pages->height);
    for (int p = 0; p < pages->npages; p++) {
        const bt_page *pg = &pages->pages[p];
        fprintf(f, "page %d boxes %d\n", pg->number, pg->nboxes);
        for (int i = 0; i < pg->nboxes; i++) {
            const bt_box *x = &pg->boxes[i];
            switch (x->kind) {
            case BT_BOX_GLYPHS:
                bt_buf_clear(&b);
                for (int g = 0; g < x->u.run.n; g++) {
                    char u8[4];
                    bt_buf_put(
                        &b, u8,
                        (size_t)bt_utf8_encode(x->u.run.glyphs[g].cp, u8));
                }
                fprintf(f, "  text %d %d w%d f%u s%d #%06x", (int)x->x,
                        (int)x->y, (int)x->w, (unsigned)x->u.run.font,
                        (int)x->u.run.size, (unsigned)x->u.run.color);
                if (x->u.run.expand)
                    fprintf(f, " tz%+d", (int)x->u.run.expand);
                fprintf(f, " \"%s\"\n", b.data ? b.data : "");
                break;
            case BT_BOX_IMAGE:
                fprintf(f, "  image %d %d %d %d\n", (int)x->x, (int)x->y,
                        (int)x->w, (int)x->h);
                break;
            case BT_BOX_RULE:
                fprintf(f, "  rule %d %d %d %d #%06x\n", (int)x->x, (int)x->y,
                        (int)x->w, (int)x->h, (unsigned)x->u.rule.color);
                break;
            case BT_BOX_LINK:
                if (x->u.link.uri)
                    fprintf(f, "  link %d %d %d %d %s\n", (int)x->x, (int)x->y,
                            (int)x->w, (int)x->h, x->u.link.uri);
                else
                    fprintf(f, "  link %d %d %d %d page %d y %d\n", (int)x->x,
                            (int)x->y, (int)x->w, (int)x->h, x->u.link.page,
                            (int)x->u.link.y);
                break;
            }
        }
    }
    for (int i = 0; i < pages->noutline; i++)
        fprintf(f, "outline %d page %d y %d \"%.*s\"\n",
                pages->outline[i].level, pages->outline[i].page,
                (int)pages->outline[i].y, (int)pages->outline[i].title.len,
                pages->outline[i].title.ptr);
    for (int i = 0; i < pages->nmarks; i++)
        fprintf(f, "mark page %d article %d block %s\n", pages->marks[i].page,
                pages->marks[i].article ? pages->marks[i].article->index : -1,
                pages->marks[i].block ? "body" : "head");
    bt_buf_free(&b);
}
