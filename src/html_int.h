/* html_int.h - private to the saved-page reader: read_html.c (driver:
 * bytes, charset, libxml2 parse, positions, text), html_score.c (per
 * element facts and content scoring), html_meta.c (title, og:*, JSON-LD,
 * datelines, bylines) and html_body.c (the article's blocks). One module,
 * one state (`hx`) that lives for one page. Nothing outside these files
 * includes this header. */
#ifndef BT_HTML_INT_H
#define BT_HTML_INT_H

#include <string.h>
#include <libxml/tree.h>
#include "bantin.h"
#include "diag.h"
#include "xmlin.h"

/* Facts about one element, hung on node->_private (html_score.c). */
typedef struct info {
    size_t text;     /* characters of visible text (not bytes) */
    size_t links;    /* of which inside <a> */
    size_t commas;   /* ',' in that text */
    double score;    /* content score (Readability-style) */
    int scored;      /* score initialised */
    int junk;        /* dropped with everything inside */
    const char *cls; /* lower-cased class + " " + id + " " (cached) */
} info;

/* State for one page: the parse, every info, and the metadata found. */
typedef struct hx {
    bt_ctx *ctx;
    uint16_t file;
    const char *data; /* page bytes as read */
    size_t len;
    const char *dir; /* the page's folder, for NAME_files/ images */
    size_t *lines;   /* byte offset of each line start (1-based index) */
    size_t nlines;
    info *infos; /* one per element, via node->_private */
    size_t ninfos, capinfos;
    xmlDocPtr doc;
    /* metadata found (borrowed from the parse, or arena copies) */
    bt_str page_title; /* the <title>, cleaned */
    const char *title, *og_title, *site, *url, *date, *section, *lang;
    const char *authors[8];
    int nauthors;
    xmlNodePtr lead_node, h1, byline_node;
    xmlNodePtr dateline_node;
    int ndropped_images;
    int title_made; /* the title is the first words of the text */
    bt_pos title_pos;
    xmlNodePtr *metas; /* every <meta>, in order */
    size_t nmetas, capmetas;
    int nh1;
    const char *drop_src[3];
    bt_pos drop_pos[3];
    int strict;       /* class/id hints may drop elements (first pass) */
    const char *fail; /* why build_article found nothing */
} hx;

/* The body being built (html_body.c). */
typedef struct em {
    hx *h;
    bt_xel *body;
    bt_xel *para; /* open paragraph for loose inline content */
    int depth;    /* inline element depth */
    bt_str title; /* to skip the headline inside the body */
} em;

/* Elements inside dropped ones were never measured: they read as junk. */
extern info bt_html_unmeasured;

static inline info *inf(xmlNodePtr n)
{
    return n->_private ? (info *)n->_private : &bt_html_unmeasured;
}

static inline int is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

const char *bt_html_attr(xmlNodePtr n, const char *name);

static inline int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (s[0] == (*list)[0] && strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static inline int is_heading(xmlNodePtr n)
{
    const char *s = (const char *)n->name;
    return n->type == XML_ELEMENT_NODE && s[0] == 'h' && s[1] >= '1' &&
           s[1] <= '6' && !s[2];
}

/* ---- read_html.c: positions and text ---- */
bt_pos bt_html_pos(hx *h, xmlNodePtr n);
/* valid, NFC, collapsed UTF-8 in the arena (U+FFFD for bad bytes) */
bt_str bt_html_clean(hx *h, const char *s, size_t n);
bt_str bt_html_clean_c(hx *h, const char *s);  /* cleaned and trimmed */
const char *bt_html_cstr(hx *h, bt_str s);     /* arena C string */
bt_str bt_html_node_text(hx *h, xmlNodePtr n); /* all text inside n */

/* ---- html_score.c: tag classes, hints, facts, scoring ---- */
extern const char *const bt_html_hint_bad[];
extern const char *const bt_html_hint_good[];
extern const char *const bt_html_hint_lead[];
int bt_html_is_block(xmlNodePtr n);
/* 1 when a word of `list` is a substring of n's lower-cased class/id */
int bt_html_hint_match(xmlNodePtr n, const char *const *list);
/* sizes h->infos for the tree under root (call once per page) */
void bt_html_alloc_infos(hx *h, xmlNodePtr root);
/* gives every element an info: text, links, commas; marks junk */
void bt_html_measure(hx *h, xmlNodePtr root);
double bt_html_link_density(xmlNodePtr n);
/* the element holding the article text (NULL: none), its score in *out */
xmlNodePtr bt_html_pick_article(hx *h, xmlNodePtr root, double *out);
/* 1 when a sibling of the article is good enough to join it */
int bt_html_joins_article(xmlNodePtr k, xmlNodePtr article, double top);

/* ---- html_meta.c: page metadata ---- */
/* og:*, article:*, JSON-LD, canonical url, h1, <time>, byline, dateline
 * and sapo elements -> h; returns the date as "YYYY-MM-DD" or NULL */
const char *bt_html_read_meta(hx *h, xmlNodePtr root);
/* the headline, chosen among metadata, <title> and the h1 */
bt_str bt_html_choose_title(hx *h, xmlNodePtr article);
void bt_html_add_author(hx *h, const char *name);
/* authors from the byline element when none was found elsewhere */
void bt_html_byline_authors(hx *h);
/* title, source, date, authors, credit, section into <meta> */
void bt_html_write_meta(hx *h, bt_xel *meta, bt_str title, bt_pos tpos,
                        const char *date, bt_xel *credit);

/* ---- html_body.c: the article's blocks ---- */
bt_xel *bt_html_el_new(hx *h, bt_xel *parent, const char *name, bt_pos pos);
void bt_html_el_attr(hx *h, bt_xel *e, const char *name, const char *value);
void bt_html_el_text(hx *h, bt_xel *parent, bt_str s, bt_pos pos);
void bt_html_el_append(bt_xel *parent, bt_xel *e); /* e has no parent */
int bt_html_link_url_ok(const char *href);
bt_str bt_html_block_plain(hx *h, const bt_xel *e);
/* the article element and the siblings that join it, as blocks in body */
void bt_html_emit_article(em *m, xmlNodePtr article, double top);
/* a last "Theo ..." line -> <credit> (returned), a bold short one -> an
 * author */
bt_xel *bt_html_take_tail(hx *h, bt_xel *body);
/* the sapo element, else a first all-bold paragraph, as <lead> */
bt_xel *bt_html_take_lead(em *m);

#endif
