/* layout_order.c - reading order of a page's boxes. Every piece of text
 * (a paragraph with its list marker, a heading, a caption) and every image
 * has a reading-order number (bt_box.seq, given in document order by the
 * line setter and the figure). The column flow places boxes column by
 * column, which is reading order, except where a figure floats into a
 * paragraph: the paragraph's first lines, then the figure at the top of the
 * next column (or page), then the paragraph's last lines. A reader that
 * follows the content stream would meet the caption in the middle of the
 * sentence, so the lines after the figure are moved up to join the lines
 * before it. Only the order of boxes changes, never a position. */
#include <stdlib.h>
#include <string.h>
#include "layout_int.h"

/* A maximal range of boxes [from, to) of one piece; boxes with seq 0
 * (rules) belong to the range they follow. */
typedef struct piece {
    int from, to;
    uint32_t seq;
} piece;

/* Reorders one page's boxes; `carry` is the piece the page before ended
 * with (0: none), read first when it goes on here. */
static void page_order(bt_vec *boxes, uint32_t carry)
{
    bt_box *b = boxes->p;
    int n = boxes->n;
    if (n < 2)
        return;
    piece *pc = bt_xmalloc(sizeof(piece) * (size_t)n);
    int np = 0;
    for (int i = 0; i < n; i++) {
        if (np && (b[i].seq == 0 || b[i].seq == pc[np - 1].seq)) {
            pc[np - 1].to = i + 1;
            continue;
        }
        pc[np++] = (piece){i, i + 1, b[i].seq};
    }
    int *ord = bt_xmalloc(sizeof(int) * (size_t)np);
    char *used = bt_xcalloc((size_t)np, 1);
    int no = 0, moved = 0;
    for (int i = -1; i < np; i++) {
        uint32_t s = i < 0 ? carry : pc[i].seq;
        if (i >= 0) {
            if (used[i])
                continue;
            used[i] = 1;
            ord[no++] = i;
        }
        if (s == 0)
            continue;
        /* the rest of this piece, wherever the flow put it on the page */
        for (int k = i + 1; k < np; k++)
            if (!used[k] && pc[k].seq == s) {
                used[k] = 1;
                moved |= k != no;
                ord[no++] = k;
            }
    }
    if (moved) {
        bt_box *cp = bt_xmalloc(sizeof(bt_box) * (size_t)n);
        int at = 0;
        for (int k = 0; k < np; k++) {
            const piece *p = &pc[ord[k]];
            memcpy(cp + at, b + p->from,
                   sizeof(bt_box) * (size_t)(p->to - p->from));
            at += p->to - p->from;
        }
        memcpy(b, cp, sizeof(bt_box) * (size_t)n);
        free(cp);
    }
    free(used);
    free(ord);
    free(pc);
}

uint32_t bt_layout_page_order(engine *e, int p, uint32_t carry)
{
    bt_vec *boxes = &((page_acc *)e->pages.p)[p].boxes;
    page_order(boxes, carry);
    const bt_box *b = boxes->p;
    for (int i = boxes->n - 1; i >= 0; i--)
        if (b[i].seq)
            return b[i].seq;
    return carry;
}

void bt_layout_reading_order(engine *e)
{
    uint32_t carry = 0;
    for (int p = 0; p < e->pages.n; p++)
        carry = bt_layout_page_order(e, p, carry);
}
