/* impose.h - imposition plan: which laid-out page goes where on which side
 * of which printed sheet (booklet, 2-up, 4-up). Pure engine code like
 * layout.c: no library header, integer mpt, y downward from the top-left
 * corner of the sheet. pdf_out.c draws the plan; it decides nothing. */
#ifndef BT_IMPOSE_H
#define BT_IMPOSE_H

#include "bantin.h"
#include "layout.h"

enum bt_impose_mode {
    BT_IMPOSE_NONE,
    BT_IMPOSE_BOOKLET, /* saddle stitch, 2 pages per A4 landscape side */
    BT_IMPOSE_2UP,     /* 2 consecutive pages per A4 landscape side */
    BT_IMPOSE_4UP      /* 4 consecutive pages per A4 portrait side, 2x2 */
};

enum bt_duplex {
    BT_DUPLEX_DEFAULT, /* the sheet's natural edge: short for landscape */
    BT_DUPLEX_SHORT,   /* printer flips on the short edge */
    BT_DUPLEX_LONG     /* printer flips on the long edge */
};

typedef struct bt_impose_opts {
    int mode;       /* BT_IMPOSE_* */
    int duplex;     /* BT_DUPLEX_*; the plan resolves DEFAULT */
    int32_t creep;  /* booklet: sheet k moves creep*k/2 mpt to the spine */
    int marks;      /* 1: crop marks (+ fold marks for a booklet) */
    int32_t bleed;  /* mpt; > 0 also sets the PDF's BleedBox */
    int blank_note; /* 1: inner padding pages carry "Trang để trống" */
} bt_impose_opts;

/* One page placed on a sheet side. Page point (px, py) (mpt, y down from
 * the page's top-left) lands on the sheet at
 *   rot 0:   (x + px*s, y + py*s)      rot 180: (x - px*s, y - py*s)
 * with s = scale / 1e6. Drawing is clipped to clip_*. */
typedef struct bt_cell {
    int page;      /* 0-based index into bt_pages, or -1: padding */
    int note;      /* padding that carries the blank-page note */
    int32_t x, y;  /* where the page's top-left corner lands, mpt */
    int32_t scale; /* 1/1000000 */
    int rot;       /* 0 or 180 */
    int32_t clip_x0, clip_y0, clip_x1, clip_y1; /* sheet mpt */
    int32_t shift; /* creep: mpt moved toward the spine (booklet) */
} bt_cell;

typedef struct bt_side {
    int sheet; /* 0-based physical sheet */
    int back;  /* 0 front, 1 back */
    int rot;   /* 180 when this side is printed upside down */
    bt_cell cell[4];
    int ncells;
    bt_box *marks; /* crop/fold marks as rules, sheet mpt */
    int nmarks;
} bt_side;

typedef struct bt_plan {
    int mode, duplex; /* duplex resolved: SHORT or LONG */
    int32_t sheet_w, sheet_h;
    int npositions; /* P: booklet pages incl. padding */
    bt_side *sides; /* one per PDF page, front and back alternate */
    int nsides;
    int32_t scale; /* 1/1000000, the same for every cell */
    int has_boxes; /* write TrimBox/BleedBox */
    int32_t trim_x0, trim_y0, trim_x1, trim_y1; /* union of cells, sheet mpt */
    int32_t bleed;
    int *page_side; /* [npages]: side index holding page i */
    int *page_cell; /* [npages]: its cell in that side */
} bt_plan;

/* Builds the plan for npages pages of page_w x page_h (mpt). Never fails
 * for valid options (npages >= 1, page size > 0). Memory in `a`. */
bt_plan *bt_impose_plan(bt_arena *a, int npages, int32_t page_w, int32_t page_h,
                        const bt_impose_opts *opt);

/* Maps a page point (mpt, y down) through a cell to the sheet. */
void bt_impose_map(const bt_cell *c, int32_t px, int32_t py, int32_t *sx,
                   int32_t *sy);

/* "booklet", "2up", "4up" -> BT_IMPOSE_*, or -1. */
int bt_impose_mode_parse(const char *s);
const char *bt_impose_mode_name(int mode);

/* A page with the discreet "Trang để trống" / "This page is intentionally
 * left blank" note, set in `style` at the page's centre. Returns 0, or -1
 * when the font lacks a character (the padding then stays white). */
int bt_impose_note_page(bt_arena *a, const bt_shaper *sh, const bt_style *st,
                        int vi, int32_t page_w, int32_t page_h, bt_page *out);

/* The pages of the duplex test sheet: four pages (eight for 4up), each with
 * a big arrow pointing up, its number and "mặt trước"/"mặt sau", set in
 * `big` and `small`. Returns 0 or -1 (a character the font lacks). */
int bt_impose_test_pages(bt_arena *a, const bt_shaper *sh, const bt_style *big,
                         const bt_style *small, int mode, int32_t page_w,
                         int32_t page_h, bt_pages **out);

#endif
