/* article_out.h - writes an article tree (bt_xel in the shape of
 * FORMATS.md §1, as bt_html_extract makes it) as article XML text, for
 * `bantin import`. Escapes &, <, > and quotes; one meta field, block or
 * list item per line. */
#ifndef BT_ARTICLE_OUT_H
#define BT_ARTICLE_OUT_H

#include "buf.h"
#include "xmlin.h"

void bt_article_xml(bt_buf *out, const bt_xel *article);

#endif
