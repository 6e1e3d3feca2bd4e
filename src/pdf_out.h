/* pdf_out.h - the only libharu file: draws bt_pages into a PDF. Never
 * measures or decides what fits; embeds the TTF files font.c measured. */
#ifndef BT_PDF_OUT_H
#define BT_PDF_OUT_H

#include "diag.h"
#include "font.h"
#include "impose.h"
#include "layout.h"
#include "model.h"

/* Decoded image pixels deflated ahead of the writer: the document's
 * images are known once they are decoded, so their pixels (the biggest
 * streams of a bulletin) can be deflated in a thread while the layout
 * runs. bt_pdf_images_start starts that thread (NULL when there is nothing
 * to deflate or no thread); the writers take the result; free joins it.
 * The PDF is the same with or without it. */
typedef struct bt_pdf_images bt_pdf_images;
bt_pdf_images *bt_pdf_images_start(const bt_doc *doc);
void bt_pdf_images_free(bt_pdf_images *pre);

/* Writes the PDF to `path` (a temp file chosen by fsout). Returns 0, or -1
 * after reporting the error (libharu's code and message). */
int bt_pdf_write(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                 const bt_fonts *fonts, const char *path);
/* Same, with the pixels `pre` deflated (or NULL). */
int bt_pdf_write_pre(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                     const bt_fonts *fonts, bt_pdf_images *pre,
                     const char *path);

/* The same pages drawn onto the sheet sides of an imposition plan; `note`
 * (or NULL) is drawn on the padding cells marked for the blank-page note.
 * Bookmarks, links and labels point to the sheet holding each page. */
int bt_pdf_write_imposed(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                         const bt_fonts *fonts, const bt_plan *plan,
                         const bt_page *note, bt_pdf_images *pre,
                         const char *path);

/* Streamed output: a receiver of the layout's pages (bt_layout_stream)
 * that draws each page into the PDF as soon as it is final and keeps only
 * its compressed content. The bytes are those bt_pdf_write gives for the
 * same pages. Plain pages only (imposition reorders them). */
typedef struct bt_pdf_sink bt_pdf_sink;
bt_pdf_sink *bt_pdf_sink_new(const bt_doc *doc, const bt_fonts *fonts,
                             bt_pdf_images *pre, int32_t width, int32_t height);
bt_page_sink bt_pdf_sink_pages(bt_pdf_sink *s);
/* After bt_layout_stream succeeded with `pages` (no boxes): outline,
 * labels, info, save to `path`. Returns 0, or -1 after reporting into ctx
 * (the drawing's diagnostics come first). */
int bt_pdf_sink_finish(bt_pdf_sink *s, bt_ctx *ctx, const bt_pages *pages,
                       const char *path);
/* Lets the sink keep its drawn pages' deflated contents in a scratch file
 * in `dir` (unlinked; see bt_fsout_scratch) instead of memory until the
 * save; the PDF is the same. Without it, or when the file cannot be made
 * or written, they stay in memory. */
void bt_pdf_sink_spool(bt_pdf_sink *s, const char *dir);
/* 1 when the pass under way is drawn: a page handed to the sink now is
 * drawn at once, images included (a pass only learns the page count and
 * characters when nothing before it did). */
int bt_pdf_sink_draws(const bt_pdf_sink *s);
/* The image streams deflated ahead, given once the images are decoded
 * (the images a drawn page shows must be decoded before it is handed
 * over); the same as passing them to bt_pdf_sink_new. */
void bt_pdf_sink_images(bt_pdf_sink *s, bt_pdf_images *pre);
void bt_pdf_sink_free(bt_pdf_sink *s);

/* For the tests: 0 keeps every libharu object to the save instead of
 * parking finished link annotations, pages and outline items as their
 * bytes (the output must be the same); bt_pdf_parked counts the objects
 * parked since the program started. Not for use beside a running writer. */
extern int bt_pdf_park;
extern long bt_pdf_parked;
/* Pages whose contents went to a sink's scratch file, since the program
 * started, and how many bytes of contents a sink keeps in memory first
 * (BT_PDF_SPOOL_AFTER; the tests set 0). */
extern long bt_pdf_spooled;
extern unsigned long bt_pdf_spool_after;
/* Streamed pages whose contents were deflated in the sink's second thread
 * (drawn, handed over, put back in page order), since the program
 * started. */
extern long bt_pdf_piped;
/* Fonts font_embed took from the thread that made them while the pages
 * were drawn (a replayed bulletin), for tests. */
extern long bt_pdf_fonts_ahead;
/* 0: the writer starts no thread of its own (deflating pages, images and
 * fonts in the calling thread); the bytes are the same. build.c sets it
 * from BANTIN_THREADS. */
extern int bt_pdf_threads;

#endif
