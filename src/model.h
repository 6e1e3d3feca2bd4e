/* model.h - the document tree every reader builds and every later stage
 * reads: bulletin > sections > articles > blocks > inline runs (cmark's
 * node.h, but with fixed levels). All nodes and strings live in the build
 * arena; every node keeps the bt_pos it came from. Text is NFC, with
 * whitespace collapsed as in HTML (no leading/trailing space in a block).
 * Lists are singly linked in document order (first/next). */
#ifndef BT_MODEL_H
#define BT_MODEL_H

#include "bantin.h"
#include "date.h"
#include "diag.h"
#include "arena.h"

/* Inline runs are flat: nesting of em/strong/a is folded into flags. */
enum bt_run_kind { BT_RUN_TEXT, BT_RUN_BREAK };
enum {
    BT_STYLE_EM = 1,     /* <em> */
    BT_STYLE_STRONG = 2, /* <strong> */
    BT_STYLE_LINK = 4    /* inside <a href> with an accepted URL */
};

typedef struct bt_run {
    enum bt_run_kind kind;
    unsigned style;   /* BT_STYLE_* */
    bt_str text;      /* NFC; may contain U+00A0 (never breaks) */
    const char *href; /* cstr when style has BT_STYLE_LINK */
    bt_pos pos;
    struct bt_run *next;
} bt_run;

typedef struct bt_runs {
    bt_run *first, *last;
    int count;
} bt_runs;

enum bt_block_kind {
    BT_BLOCK_PARA,    /* <p> */
    BT_BLOCK_HEADING, /* <h2> */
    BT_BLOCK_QUOTE,   /* one <p> of a <blockquote> */
    BT_BLOCK_ITEM,    /* one <li> of <ul>/<ol> */
    BT_BLOCK_FIGURE,  /* <figure> with <img>, optional caption */
    BT_BLOCK_PHOTO    /* clipping's "Ảnh: ..." note: caption without image */
};

typedef struct bt_image bt_image; /* image.h: decoded and checked pixels */

typedef struct bt_block {
    enum bt_block_kind kind;
    bt_pos pos;
    bt_runs runs;     /* text; for FIGURE/PHOTO the caption */
    int group_start;  /* 1 on the first QUOTE of a blockquote, first ITEM of a
                         list */
    int ordered;      /* ITEM: 1 in <ol> */
    int number;       /* ITEM in <ol>: 1, 2, ... */
    const char *src;  /* FIGURE: src as written (cstr) */
    const char *path; /* FIGURE: resolved path to open (cstr) */
    bt_pos src_pos;   /* FIGURE: position of the <img> */
    bt_str alt;       /* FIGURE: alt text (may be empty) */
    const bt_image *image; /* FIGURE: set by the image stage */
    struct bt_block *next;
} bt_block;

/* The date written into outputs (PDF info, EPUB metadata, zip times), by
 * the rule of FORMATS.md "Outputs": SOURCE_DATE_EPOCH, the bulletin date,
 * the latest article date, 1980-01-01. Always UTC. */

typedef struct bt_field {
    bt_str text; /* NFC, collapsed; len 0 when absent */
    bt_pos pos;
} bt_field;

typedef struct bt_author {
    bt_field name;
    struct bt_author *next;
} bt_author;

typedef struct bt_article {
    uint16_t file;    /* ctx->files index of the article file */
    bt_pos pos;       /* the root element / first line */
    const char *id;   /* slug, unique in the bulletin (cstr) */
    const char *lang; /* xml:lang or the bulletin's (cstr) */
    bt_field kicker, title, subtitle, source, credit, section;
    const char *source_url; /* cstr or NULL */
    bt_field date_text;
    bt_date date;
    bt_author *authors; /* 0..n in order */
    bt_author *authors_tail;
    int nauthors;
    bt_runs lead; /* empty when absent */
    bt_pos lead_pos;
    bt_block *blocks; /* body in order */
    bt_block *blocks_tail;
    int nblocks;
    int index; /* 0-based position in the whole bulletin */
    struct bt_article *next;
} bt_article;

typedef struct bt_section {
    bt_field title; /* may be empty for the one implicit section */
    bt_article *articles;
    bt_article *articles_tail;
    int narticles;
    int reorder; /* 1: the layout may place a later article of the section
                    first to fill a page (manifest reorder="yes") */
    struct bt_section *next;
} bt_section;

typedef struct bt_doc {
    uint16_t file; /* manifest file, or first article */
    bt_field title, subtitle, number, publisher, layout;
    bt_field date_text;
    bt_date date;
    const char *lang; /* cstr, "vi" by default */
    const char *root; /* real path of the root folder (cstr) */
    int has_manifest;
    bt_time stamp; /* output date (set by build.c) */
    bt_section *sections;
    bt_section *sections_tail;
    int nsections, narticles;
} bt_doc;

/* Construction helpers (arena-allocated, appended in order). */
bt_doc *bt_doc_new(bt_arena *a);
bt_section *bt_doc_add_section(bt_arena *a, bt_doc *doc);
void bt_section_add_article(bt_section *s, bt_article *art);
bt_article *bt_article_new(bt_arena *a, uint16_t file);
bt_block *bt_article_add_block(bt_arena *a, bt_article *art,
                               enum bt_block_kind kind, bt_pos pos);
bt_run *bt_runs_add(bt_arena *a, bt_runs *runs, enum bt_run_kind kind,
                    unsigned style, bt_str text, bt_pos pos);
void bt_article_add_author(bt_arena *a, bt_article *art, bt_field name);

/* Numbers articles (index), makes ids unique; called once reading is done. */
void bt_doc_finish(bt_arena *a, bt_doc *doc);
/* Bytes of text in the bulletin: article heads, leads, bodies, captions
 * (what the layout shapes; for sizing its memo). */
size_t bt_doc_text_bytes(const bt_doc *doc);
/* Concatenated text of runs (breaks as "\n"), in the arena. */
bt_str bt_runs_text(bt_arena *a, const bt_runs *runs);
/* Checks invariants (debug builds call it after reading); asserts. */
void bt_doc_check(const bt_doc *doc);

#define bt_section_foreach(doc, s) for (s = (doc)->sections; s; s = s->next)
#define bt_article_foreach(sec, a) for (a = (sec)->articles; a; a = a->next)
#define bt_block_foreach(art, b)   for (b = (art)->blocks; b; b = b->next)

/* The latest article date of doc; all zero when no article has one. */
bt_date bt_date_latest(const bt_doc *doc);

/* Sets doc->stamp by the rule of FORMATS.md "Outputs": SOURCE_DATE_EPOCH,
 * else the bulletin date, else the latest article date, else 1980-01-01;
 * never before 1980 (zip times). A bad SOURCE_DATE_EPOCH is an error
 * (returns -1). Reads the environment. */
int bt_date_output(bt_ctx *ctx, bt_doc *doc);

#endif
