/* import.h - `bantin import PAGE.html [-o ARTICLE.xml]`: a saved web page
 * -> article XML (FORMATS.md §1), checked by bt_read_article before
 * anything is written; stdout without -o. */
#ifndef BT_IMPORT_H
#define BT_IMPORT_H

#include "diag.h"

/* 0 written, -1 errors reported (nothing written). */
int bt_import_run(bt_ctx *ctx, const char *page, const char *out_path);

#endif
