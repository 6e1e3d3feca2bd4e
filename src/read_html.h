/* read_html.h - saved web pages (.html/.htm) as articles: libxml2's HTML
 * parser (recover mode, no network), then a Readability-style scoring
 * extractor and the page's metadata (og:*, JSON-LD, <time>, Vietnamese
 * datelines). The result is an article in the shape of FORMATS.md §1, as a
 * bt_xel tree, so bt_read_article checks and reads it with the same code
 * as an article XML file, and `bantin import` writes it (article_out.c).
 * Rules: doc/html-input.md. */
#ifndef BT_READ_HTML_H
#define BT_READ_HTML_H

#include "bantin.h"
#include "diag.h"
#include "xmlin.h"

/* `data` is the page as read (any charset, at most BT_MAX_INPUT_BYTES);
 * `dir` the real folder of the page (for local images in NAME_files/), or
 * NULL to keep no image. Returns the <article> element (positions point
 * into the page), or NULL after reporting an error (not HTML, empty, NUL
 * byte, nesting too deep, no article text). URL-only images are dropped
 * with a note. */
bt_xel *bt_html_extract(bt_ctx *ctx, uint16_t file, const char *data,
                        size_t len, const char *dir);

/* 1 when path ends in .html or .htm (any case). */
int bt_html_is_page(const char *path);

#endif
