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

/* For the tests: 0 leaves every entry to libzip's deflate at the end
 * instead of deflating each document as it is written (the EPUB must be
 * the same); bt_epub_predeflated counts the entries deflated ahead since
 * the program started. Not for use beside a running writer. */
extern int bt_epub_predeflate;
extern long bt_epub_predeflated;

#endif
