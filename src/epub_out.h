/* epub_out.h - the only libzip file: writes the EPUB 3 digest from the
 * document tree plus layout's page map (for the page-list). */
#ifndef BT_EPUB_OUT_H
#define BT_EPUB_OUT_H

#include "diag.h"
#include "font.h"
#include "layout.h"
#include "model.h"

int bt_epub_write(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                  const bt_layout *lay, bt_fonts *fonts, const char *path);

/* The EPUB's font files made ahead, beside the layout: which code points
 * each font of the layout's styles renders depends on the document, not
 * on the layout, except for the page numbers of the page-list. */
typedef struct bt_epub_fonts bt_epub_fonts;

/* In the thread that owns `fonts`, once the layout's fonts are resolved:
 * notes the file of each font the styles name (nothing is read yet).
 * Borrows doc and lay, which must not change until it is freed. */
bt_epub_fonts *bt_epub_fonts_new(const bt_doc *doc, const bt_layout *lay,
                                 const bt_fonts *fonts);
/* In any thread, beside the layout: works out the code points as the
 * writer does, without the page map, and subsets and deflates each file.
 * Reads neither the fonts nor the images (their pixels may be decoding),
 * reports nothing. */
void bt_epub_fonts_make(bt_epub_fonts *ef);
void bt_epub_fonts_free(bt_epub_fonts *ef);

/* The EPUB made in memory, in two steps, so that it can be made while
 * the PDF's pages are drawn, from the final page map (bt_page_sink.map):
 * bt_epub_make does everything but write the file (diagnostics to ctx,
 * which must outlive the result, as must pages), bt_epub_save writes it
 * to path; free it with bt_epub_made_free. bt_epub_write_with is the two
 * in a row. */
typedef struct bt_epub_made bt_epub_made;
bt_epub_made *bt_epub_make(bt_ctx *ctx, const bt_doc *doc,
                           const bt_pages *pages, const bt_layout *lay,
                           bt_fonts *fonts, bt_epub_fonts *ef);
int bt_epub_save(bt_epub_made *m, const char *path);
void bt_epub_made_free(bt_epub_made *m);

/* bt_epub_write taking each font file from `ef` (made; NULL: none) when
 * the writer finds the code points it was made with; the EPUB is the
 * same. */
int bt_epub_write_with(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                       const bt_layout *lay, bt_fonts *fonts, bt_epub_fonts *ef,
                       const char *path);

/* For the tests: 0 leaves every entry to libzip's deflate at the end
 * instead of deflating each document as it is written (the EPUB must be
 * the same); bt_epub_predeflated counts the entries deflated ahead since
 * the program started. Not for use beside a running writer. */
extern int bt_epub_predeflate;
extern long bt_epub_predeflated;
/* 0: bt_epub_write_with deflates in the calling thread (BANTIN_THREADS=1);
 * the bytes are the same. bt_epub_piped counts the entries deflated in
 * its second thread (or by the writer while it waited), since the program
 * started. */
extern int bt_epub_threads;
extern long bt_epub_piped;
/* For the tests: font files the writer took from a bt_epub_fonts. */
extern long bt_epub_fonts_taken;

#endif
