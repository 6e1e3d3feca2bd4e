/* pdf_out.h - the only libharu file: draws bt_pages into a PDF. Never
 * measures or decides what fits; embeds the TTF files font.c measured. */
#ifndef BT_PDF_OUT_H
#define BT_PDF_OUT_H

#include "diag.h"
#include "font.h"
#include "layout.h"
#include "model.h"

/* Writes the PDF to `path` (a temp file chosen by fsout). Returns 0, or -1
 * after reporting the error (libharu's code and message). */
int bt_pdf_write(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                 const bt_fonts *fonts, const char *path);

#endif
