/* xmlin.h - the only libxml2 *parser* glue. Parses an XML file from memory
 * with SAX2 into a small tree of bt_xel (elements, attributes, text), with
 * a line:col on every element. Any DOCTYPE is an error at its position and
 * stops the parse; no entities beyond the predefined five and character
 * references, no network, no XInclude. libxml2's own errors are reported
 * with their line:col. The readers check bt_xel in plain C. */
#ifndef BT_XMLIN_H
#define BT_XMLIN_H

#include "bantin.h"
#include "diag.h"

typedef struct bt_xattr {
    const char *name;  /* cstr, with prefix for xml:lang ("xml:lang") */
    const char *value; /* cstr, raw (not normalised) */
    bt_pos pos;        /* of the element that carries it */
    struct bt_xattr *next;
} bt_xattr;

typedef struct bt_xel {
    const char *name; /* element name (cstr); NULL for a text node */
    bt_str text;      /* text node: the characters, raw UTF-8 */
    bt_pos pos;       /* element: its '<'; text: its first character */
    bt_xattr *attrs;
    struct bt_xel *kids, *last, *next;
    struct bt_xel *parent;
} bt_xel;

/* Parses `data` (already checked by bt_text_check_input). Returns the root
 * element, or NULL after reporting errors. The tree is in ctx->arena. */
bt_xel *bt_xml_parse(bt_ctx *ctx, uint16_t file, const char *data, size_t len);

/* Checks the XML declaration only: an encoding= other than UTF-8 is an
 * error at 1:1 (returns -1). Callers run it before the byte checks so a
 * Latin-1 file gets this message rather than "invalid UTF-8" somewhere in
 * the middle; bt_xml_parse checks it again. */
int bt_xml_check_encoding(bt_ctx *ctx, uint16_t file, const char *data,
                          size_t len);

/* Attribute value or NULL. */
const char *bt_xel_attr(const bt_xel *el, const char *name);

#endif
