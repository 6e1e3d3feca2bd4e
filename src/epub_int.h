/* epub_int.h - private to the EPUB writer (epub_*.c): the writer's state
 * and the helpers its files share. Only epub_out.c includes libxml2 and
 * libzip; the other files reach them through the ep_* helpers below, so
 * this header names library types only as opaque structs.
 *
 *   epub_out.c    entry point, XML writing (libxml2), zip container (libzip)
 *   epub_xhtml.c  page map, article documents, the cover
 *   epub_nav.c    the table of contents builder, nav.xhtml, toc.ncx
 *   epub_opf.c    package.opf, container.xml, identifiers
 *   epub_css.c    faces and code points, font files and subsets, the CSS
 */
#ifndef BT_EPUB_INT_H
#define BT_EPUB_INT_H

#include "epub_out.h"
#include "buf.h"
#include "image.h"
#include "labels.h"

struct _xmlBuffer;     /* libxml2's xmlBuffer */
struct _xmlTextWriter; /* libxml2's xmlTextWriter */

enum { /* entry ranks: the zip order */
       R_MIMETYPE,
       R_CONTAINER,
       R_OPF,
       R_NAV,
       R_NCX,
       R_COVER,
       R_CSS,
       R_FONT,
       R_IMAGE,
       R_TEXT
};

typedef struct entry {
    const char *name; /* zip path */
    const void *data; /* arena (or the image's bytes) */
    size_t len;
    int rank, seq;
    int pre;           /* 1: data is already deflated (raw deflate), on
                          the heap; freed once libzip copied it */
    size_t size;       /* pre: the bytes before deflate */
    unsigned long crc; /* pre: their CRC-32 */
} entry;

#define CPSET_BYTES (0x110000 / 8)

typedef struct family {
    const char *name;    /* layout (fontconfig) family */
    const char *css;     /* "Bantin Serif" */
    const char *generic; /* serif, sans-serif, monospace */
} family;

typedef struct face { /* one @font-face rule */
    int fam;
    int bold, italic;   /* CSS descriptors */
    uint32_t font;      /* font id */
    int fallback;       /* 1: covers only its unicode-range */
    unsigned char *set; /* code points it renders (heap bitset) */
} face;

typedef struct ffile { /* one embedded font file */
    uint32_t font;
    const char *href; /* "fonts/NotoSerif-Regular.ttf" */
    const char *id;
} ffile;

typedef struct imgent {
    const char *key; /* resolved path (or src) */
    const bt_image *img;
    const char *href; /* "images/img-1-1.png" */
    const char *id;
} imgent;

typedef struct ptarget {
    const bt_article *art; /* NULL: the cover */
    const bt_block *block; /* NULL: the article head */
} ptarget;

/* One line of the table of contents. Level 0 opens a section's group (its
 * title may be empty: an untitled section still groups its articles) and
 * targets the section's first article; level 1 is an article. Nav, NCX
 * and the cover's contents list all walk this one list. */
typedef struct toc_entry {
    int level;             /* 0 section, 1 article */
    bt_str title;          /* as in the document (may be empty at level 0) */
    const char *href;      /* "text/<id>.xhtml" */
    const char *lang;      /* the article's own language, or NULL */
    const bt_article *art; /* the target (a section's first article) */
    int page;              /* first printed page of the target; 0 unknown */
} toc_entry;

typedef struct ep {
    bt_ctx *ctx;
    const bt_doc *doc;
    const bt_pages *pages;
    const bt_layout *lay;
    bt_fonts *fonts;
    bt_shaper shaper;
    bt_arena *a;
    enum bt_label_lang lang; /* labels' language: the bulletin's */

    bt_vec ents; /* entry: what goes into the zip */

    family fams[BT_ROLE_COUNT];
    int nfams, role_fam[BT_ROLE_COUNT];
    bt_vec faces; /* face */
    ffile *files;
    int nfiles;

    bt_vec imgs; /* imgent */
    int nfigs, all_alt;
    int art_imgs; /* images stored for the current article */

    const bt_article **arts; /* [index] */
    int narts;
    ptarget *pt; /* [page - 1] */
    int npages;
    int *bucket_off; /* [narts + 2]: pages per cover/article */
    int *bucket;     /* page numbers, grouped */
    bt_vec toc;      /* toc_entry, in reading order */

    char ident[48];     /* "urn:uuid:..." */
    char source_id[48]; /* the PDF edition */

    /* the document being written */
    struct _xmlBuffer *xb;
    struct _xmlTextWriter *w;
    int fail; /* sticky: a libxml2 call failed */
    int role; /* role of the text written now, -1 hidden */
    int em, strong;
    bt_buf tmp;
    int plan; /* only the fonts' code points are worked out (ahead) */
    bt_epub_fonts *ahead; /* font files made ahead, or NULL */
    struct bt_pipe *ez;   /* entries deflated beside, or NULL (epub_out.c) */
} ep;

#define LBL(x, name)  bt_label((x)->lang, BT_L_##name)
#define EP_FACE(x, k) (&((face *)(x)->faces.p)[k])
#define EP_IMG(x, k)  (&((imgent *)(x)->imgs.p)[k])
#define EP_TOC(x, k)  (&((toc_entry *)(x)->toc.p)[k])

/* ---- epub_out.c: small helpers ---- */
const char *ep_cstr(ep *x, bt_str s); /* arena copy, NUL-terminated */
/* Adds a zip entry; data must outlive the write (arena or image). */
void ep_add_entry(ep *x, const char *name, const void *data, size_t len,
                  int rank);
int ep_is_web_url(const char *u);
int ep_same_lang(const char *a, const char *b);

/* ---- epub_out.c: XML writing, every call checked, errors sticky ---- */
void ep_doc_begin(ep *x);
void ep_doc_end(ep *x, const char *name, int rank); /* stores entry name */
void ep_el(ep *x, const char *name);
void ep_attr(ep *x, const char *name, const char *value);
void ep_attri(ep *x, const char *name, int v);
void ep_end(ep *x);  /* non-void element: always <x ...></x> (notes §4) */
void ep_endv(ep *x); /* void element (br, img, meta, link), XML-only docs */
void ep_nl(ep *x);   /* whitespace between blocks, for people reading */
/* Text no reader renders with our fonts (metadata, titles): escaped only. */
void ep_put_raw(ep *x, const char *s, size_t len);
/* Rendered text: recorded for the font subsets in the current role, then
 * written escaped. */
void ep_put_text(ep *x, const char *s, size_t len);
void ep_put_cstr(ep *x, const char *s);
void ep_put_str(ep *x, bt_str s);
/* Text rendered in `role`: the role holds for this text only. */
void ep_put_role(ep *x, int role, bt_str s);
void ep_put_role_cstr(ep *x, int role, const char *s);
/* <name class=cls>text in role</name> and a newline. */
void ep_text_el(ep *x, const char *name, const char *cls, int role, bt_str s);
void ep_xhtml_begin(ep *x, const char *lang, const char *title,
                    const char *css_href);
void ep_xhtml_end(ep *x, const char *name, int rank); /* </body></html> */

/* ---- epub_out.c: the zip container ---- */
int ep_write_zip(ep *x, const char *path);

/* ---- epub_css.c ---- */
void ep_plan_families(ep *x);
void ep_use_text(ep *x, const char *s, size_t len);
void ep_plan_files(ep *x);
int ep_subset_files(ep *x);

/* The EPUB's font files made ahead (bt_epub_fonts_make): one per font of
 * the layout's styles, subset to the code points the writer's text needs
 * without the page map. */
typedef struct ahead_font {
    uint32_t id; /* font id in the build's bt_fonts */
    char *path;  /* heap: its file and face index */
    int index;
    bt_fontfile *ff;      /* opened in the working thread, or NULL */
    unsigned char *cover; /* heap, 2 bits per BMP code point: 0 not asked
                             yet, 1 lacking, 2 covered */
    uint32_t *cps;        /* heap, ascending: the code points of the subset */
    int ncps;
    int made;  /* 1: ent holds the subset, deflated when smaller */
    entry ent; /* its data on the heap, deflated (pre) or not */
} ahead_font;

struct bt_epub_fonts {
    const bt_doc *doc;
    const bt_layout *lay;
    ahead_font *f;
    int n;
};

/* Adds the font file `name` of font `font` with the code points cps[0..n)
 * from x->ahead when it was made with those very code points: 1, else 0
 * (nothing added). */
int ep_take_ahead(ep *x, uint32_t font, const uint32_t *cps, int n,
                  const char *name);
void ep_write_css(ep *x);
void ep_faces_free(ep *x);

/* ---- epub_xhtml.c ---- */
void ep_plan_pages(ep *x);
const char *ep_page_href(ep *x, int page);
const char *ep_doc_title(ep *x);
void ep_lang_attrs_if_other(ep *x, const char *lang);
void ep_write_article(ep *x, const bt_section *sec, const bt_article *art);
void ep_write_cover(ep *x);

/* ---- epub_nav.c ---- */
void ep_plan_toc(ep *x);
void ep_toc_link(ep *x, const toc_entry *e);
void ep_write_nav(ep *x);
void ep_write_ncx(ep *x);

/* ---- epub_opf.c ---- */
void ep_write_opf(ep *x);
void ep_write_container(ep *x);
void ep_make_ids(ep *x);

#endif
