/* epub_out.c - the EPUB 3 digest (see epub_out.h and shared/notes/epub.md):
 * the entry point, the XML writing glue (the only libxml2 calls of the
 * writer) and the zip container (the only libzip calls). The documents
 * themselves are written by epub_xhtml.c, epub_nav.c, epub_opf.c and
 * epub_css.c through the helpers of epub_int.h.
 *
 * Everything is generated into memory first (XHTML, nav, NCX and OPF with
 * libxml2's xmlTextWriter, the stylesheet as plain text, font subsets via
 * font.c), each entry deflated as it is added (so the book is never held
 * uncompressed), then zipped with libzip in one fixed order with fixed
 * times and attributes, so the same input gives the same bytes. Every
 * piece of text that a reader renders goes through ep_put_text(), which
 * also records the code point in the face (family, weight, style) the
 * stylesheet renders it with; the embedded fonts are subset to exactly
 * those code points.
 *
 * Layout of the book:
 *   mimetype, META-INF/container.xml, EPUB/package.opf, EPUB/nav.xhtml,
 *   EPUB/toc.ncx, EPUB/cover.xhtml, EPUB/css/bantin.css, EPUB/fonts/...,
 *   EPUB/images/img-<article>-<n>.<ext>, EPUB/text/<article id>.xhtml
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/xmlwriter.h>
#include <zip.h>
#include <zlib.h>
#include "epub_int.h"
#include "fsout.h"
#include "jobpipe.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

const char *ep_cstr(ep *x, bt_str s)
{
    return bt_arena_strndup(x->a, s.ptr ? s.ptr : "", s.len);
}

static int is_packed(const char *name);

/* zlib level of the deflated entries. On 100 articles (--epub-only,
 * callgrind): level 9 1,076 M instructions, 6 1,065 M, 3 1,044 M, 1 1,042 M;
 * EPUB 384.7, 385.3, 394.9, 401.5 KB. 3 keeps most of the gain. */
#ifndef EPUB_DEFLATE_LEVEL
#define EPUB_DEFLATE_LEVEL 3
#endif

/* Deflates an entry as it is added, so the book is never held
 * uncompressed: with libzip's own parameters (raw deflate, memLevel 9,
 * default strategy), so the bytes are those libzip would write (zlib's
 * output does not depend on how the input is cut). Kept when it is
 * smaller, as libzip keeps it (otherwise libzip stores a small entry:
 * the entry is then left to libzip). Returns 1 when e is pre-deflated. */
int bt_epub_predeflate = 1;
long bt_epub_predeflated;
int bt_epub_threads = 1;
long bt_epub_piped;

/* 1 when entry e of len bytes is one to deflate ahead. */
static int deflates(const entry *e, size_t len)
{
    return bt_epub_predeflate && e->rank != R_MIMETYPE && !is_packed(e->name) &&
           len > 0 && len <= 0x7FFFFFFF;
}

/* Raw deflate of data at the writer's level into *out (heap, exact size)
 * with its CRC; 1 when it is smaller than the data (else nothing kept). */
static int deflate_raw(const void *data, size_t len, unsigned char **out,
                       size_t *zlen, unsigned long *crc)
{
    *out = NULL;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, EPUB_DEFLATE_LEVEL, Z_DEFLATED, -MAX_WBITS,
                     MAX_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    uLong cap = deflateBound(&z, (uLong)len);
    unsigned char *buf = bt_xmalloc(cap);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int ok = deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < len;
    *zlen = z.total_out;
    deflateEnd(&z);
    if (!ok) {
        free(buf);
        return 0;
    }
    unsigned char *fit = realloc(buf, *zlen ? *zlen : 1); /* exact size */
    *out = fit ? fit : buf;
    *crc = crc32(0L, (const Bytef *)data, (uInt)len);
    return 1;
}

static void set_deflated(entry *e, unsigned char *z, size_t zlen, size_t len,
                         unsigned long crc)
{
    e->data = z;
    e->len = zlen;
    e->size = len;
    e->crc = crc;
    e->pre = 1;
}

static int pre_deflate(entry *e, const void *data, size_t len)
{
    if (!deflates(e, len))
        return 0;
    unsigned char *z;
    size_t zlen;
    unsigned long crc;
    if (!deflate_raw(data, len, &z, &zlen, &crc))
        return 0;
    set_deflated(e, z, zlen, len, crc);
    return 1;
}

/* ---- entries deflated beside the writer ---- */

/* When the EPUB is written alone (bt_epub_write_with: after the PDF of a
 * streamed bulletin, or --epub-only), each entry's deflate runs in a
 * second thread (jobpipe.h) while the writer makes the next document; the
 * writer puts the results in the entries in order. Each job holds a copy
 * of its entry's bytes. The bytes of the EPUB are the same. */
typedef struct ezjob {
    int idx; /* entry */
    unsigned char *raw;
    size_t len;
    unsigned char *z; /* results */
    size_t zlen;
    unsigned long crc;
    int ok;
} ezjob;

static void ez_run(void *job)
{
    ezjob *j = job;
    j->ok = deflate_raw(j->raw, j->len, &j->z, &j->zlen, &j->crc);
}

/* Puts the oldest job's result in its entry (waiting for it when `wait`);
 * 0 when none was ready. */
static int ez_retire(ep *x, int wait)
{
    ezjob *j = bt_pipe_retire(x->ez, wait);
    if (!j)
        return 0;
    entry *e = &((entry *)x->ents.p)[j->idx];
    if (j->ok) {
        set_deflated(e, j->z, j->zlen, j->len, j->crc);
        bt_epub_predeflated++;
        bt_epub_piped++;
    } else { /* left to libzip, as pre_deflate leaves it */
        e->data = bt_arena_memdup(x->a, j->raw, j->len);
        e->len = j->len;
    }
    free(j->raw);
    free(j);
    return 1;
}

static void ez_queue(ep *x, int idx, const void *data, size_t len)
{
    if (bt_pipe_full(x->ez))
        ez_retire(x, 1);
    ezjob *j = bt_xcalloc(1, sizeof *j);
    j->idx = idx;
    j->raw = bt_xmalloc(len);
    memcpy(j->raw, data, len);
    j->len = len;
    bt_pipe_put(x->ez, j);
}

/* Every entry in flight put in place; the thread ended. */
static void ez_stop(ep *x)
{
    if (!x->ez)
        return;
    while (ez_retire(x, 1))
        ;
    bt_pipe_stop(x->ez);
    x->ez = NULL;
}

/* `copy`: data is the caller's scratch and is copied when it is kept as
 * it is. */
static void add_entry(ep *x, const char *name, const void *data, size_t len,
                      int rank, int copy)
{
    if (x->plan)
        return; /* only the code points are wanted */
    entry *e = bt_vec_push(&x->ents);
    memset(e, 0, sizeof *e);
    e->name = name;
    e->rank = rank;
    e->seq = x->ents.n - 1;
    if (x->ez && deflates(e, len)) {
        ez_queue(x, x->ents.n - 1, data, len);
        return;
    }
    if (pre_deflate(e, data, len)) {
        bt_epub_predeflated++;
        return;
    }
    e->data = copy ? bt_arena_memdup(x->a, data, len) : data;
    e->len = len;
}

void ep_add_entry(ep *x, const char *name, const void *data, size_t len,
                  int rank)
{
    add_entry(x, name, data, len, rank, 0);
}

int ep_is_web_url(const char *u)
{
    return u &&
           (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

int ep_same_lang(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ------------------------------------------------------------------ */
/* XML writing: every call checked, errors sticky                       */
/* ------------------------------------------------------------------ */

static void chk(ep *x, int rc)
{
    if (rc < 0)
        x->fail = 1;
}

void ep_doc_begin(ep *x)
{
    x->role = -1;
    x->em = x->strong = 0;
    if (x->plan)
        return; /* no XML: only the code points are wanted */
    x->xb = xmlBufferCreate();
    x->w = x->xb ? xmlNewTextWriterMemory(x->xb, 0) : NULL;
    if (!x->w) {
        x->fail = 1;
        return;
    }
    chk(x, xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL));
    x->role = -1;
    x->em = x->strong = 0;
}

/* Ends the document and stores it as entry `name`. */
void ep_doc_end(ep *x, const char *name, int rank)
{
    if (x->w) {
        chk(x, xmlTextWriterEndDocument(x->w));
        xmlFreeTextWriter(x->w); /* flushes into x->xb */
        x->w = NULL;
    }
    if (x->xb) {
        if (!x->fail)
            add_entry(x, name, xmlBufferContent(x->xb),
                      (size_t)xmlBufferLength(x->xb), rank, 1);
        xmlBufferFree(x->xb);
        x->xb = NULL;
    }
}

void ep_el(ep *x, const char *name)
{
    if (x->w)
        chk(x, xmlTextWriterStartElement(x->w, BAD_CAST name));
}

void ep_attr(ep *x, const char *name, const char *value)
{
    if (x->w)
        chk(x,
            xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

void ep_attri(ep *x, const char *name, int v)
{
    char b[24];
    snprintf(b, sizeof b, "%d", v);
    ep_attr(x, name, b);
}

/* Non-void element: always <x ...></x>, never self-closed (notes §4). */
void ep_end(ep *x)
{
    if (x->w)
        chk(x, xmlTextWriterFullEndElement(x->w));
}

/* Void element (br, img, meta, link) and XML-only documents. */
void ep_endv(ep *x)
{
    if (x->w)
        chk(x, xmlTextWriterEndElement(x->w));
}

/* Rendered text: recorded for the font subsets, then written escaped. */
void ep_put_raw(ep *x, const char *s, size_t len)
{
    bt_buf_clear(&x->tmp);
    bt_buf_put(&x->tmp, s, len);
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST x->tmp.data));
}

void ep_put_text(ep *x, const char *s, size_t len)
{
    if (!len)
        return;
    ep_use_text(x, s, len);
    ep_put_raw(x, s, len);
}

void ep_put_cstr(ep *x, const char *s)
{
    ep_put_text(x, s, strlen(s));
}

void ep_put_str(ep *x, bt_str s)
{
    ep_put_text(x, s.ptr, s.len);
}

void ep_put_role(ep *x, int role, bt_str s)
{
    x->role = role;
    ep_put_str(x, s);
    x->role = -1;
}

void ep_put_role_cstr(ep *x, int role, const char *s)
{
    ep_put_role(x, role, (bt_str){s, strlen(s)});
}

/* Whitespace between blocks, for people reading the source. */
void ep_nl(ep *x)
{
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST "\n"));
}

/* A simple element with role-tagged text: <name class=..>text</name>. */
void ep_text_el(ep *x, const char *name, const char *cls, int role, bt_str s)
{
    ep_el(x, name);
    if (cls)
        ep_attr(x, "class", cls);
    ep_put_role(x, role, s);
    ep_end(x);
    ep_nl(x);
}

void ep_xhtml_begin(ep *x, const char *lang, const char *title,
                    const char *css_href)
{
    ep_doc_begin(x);
    if (x->w)
        chk(x, xmlTextWriterWriteDTD(x->w, BAD_CAST "html", NULL, NULL, NULL));
    ep_nl(x);
    ep_el(x, "html");
    ep_attr(x, "xmlns", "http://www.w3.org/1999/xhtml");
    ep_attr(x, "xmlns:epub", "http://www.idpf.org/2007/ops");
    ep_attr(x, "lang", lang);
    ep_attr(x, "xml:lang", lang);
    ep_nl(x);
    ep_el(x, "head");
    ep_el(x, "meta");
    ep_attr(x, "charset", "utf-8");
    ep_endv(x);
    ep_el(x, "title");
    ep_put_raw(x, title, strlen(title));
    ep_end(x);
    ep_el(x, "link");
    ep_attr(x, "rel", "stylesheet");
    ep_attr(x, "type", "text/css");
    ep_attr(x, "href", css_href);
    ep_endv(x);
    ep_end(x); /* head */
    ep_nl(x);
}

/* Closes <body> and <html> and stores the document as entry `name`. */
void ep_xhtml_end(ep *x, const char *name, int rank)
{
    ep_end(x); /* body */
    ep_nl(x);
    ep_end(x); /* html */
    ep_doc_end(x, name, rank);
}

/* ------------------------------------------------------------------ */
/* Zip                                                                 */
/* ------------------------------------------------------------------ */

static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    return a->seq - b->seq;
}

/* JPEG and PNG are compressed already: deflating them again costs time
 * and gains nothing, so they are stored. */
static int is_packed(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 &&
            (!strcmp(name + n - 4, ".jpg") || !strcmp(name + n - 4, ".png"))) ||
           (n > 5 && !strcmp(name + n - 5, ".jpeg"));
}

/* A pre-deflated entry as a libzip source: its stat says deflate, with
 * size and CRC, so zip_close copies the bytes as they are; its attributes
 * are those libzip's deflate layer gives (version 2.0 needed, the
 * compression option bits of the level). */
typedef struct pre_src {
    entry *e;
    zip_uint64_t off;
    zip_error_t err;
} pre_src;

static zip_int64_t pre_cb(void *ud, void *data, zip_uint64_t len,
                          zip_source_cmd_t cmd)
{
    pre_src *p = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        if (!p->e->data) /* freed after a complete read: never twice */
            break;
        p->off = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        zip_uint64_t n = p->e->len - p->off;
        if (n > len)
            n = len;
        memcpy(data, (const char *)p->e->data + p->off, (size_t)n);
        p->off += n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
        /* zip_close reads an entry once, when it writes it: the bytes are
         * in the archive now, so the book is not held twice */
        if (p->off == p->e->len) {
            free((void *)p->e->data);
            p->e->data = NULL;
        }
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        if (len < sizeof *st)
            break;
        zip_stat_init(st);
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC |
                    ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
        st->size = p->e->size;
        st->comp_size = p->e->len;
        st->crc = (zip_uint32_t)p->e->crc;
        st->comp_method = ZIP_CM_DEFLATE;
        st->encryption_method = ZIP_EM_NONE;
        return sizeof *st;
    }
    case ZIP_SOURCE_GET_FILE_ATTRIBUTES: {
        zip_file_attributes_t *a = data;
        if (len < sizeof *a)
            break;
        a->valid |= ZIP_FILE_ATTRIBUTES_VERSION_NEEDED |
                    ZIP_FILE_ATTRIBUTES_GENERAL_PURPOSE_BIT_FLAGS;
        a->version_needed = 20;
        a->general_purpose_bit_mask = 0x0836; /* libzip's allowed mask */
        a->general_purpose_bit_flags = EPUB_DEFLATE_LEVEL < 3   ? 2 << 1
                                       : EPUB_DEFLATE_LEVEL > 7 ? 1 << 1
                                                                : 0;
        return sizeof *a;
    }
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&p->err, data, len);
    case ZIP_SOURCE_FREE:
        zip_error_fini(&p->err);
        free(p);
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
            ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_GET_FILE_ATTRIBUTES,
            -1);
    default:
        break;
    }
    zip_error_set(&p->err, ZIP_ER_INVAL, 0);
    return -1;
}

static zip_source_t *pre_source(zip_t *za, entry *e)
{
    pre_src *p = bt_xcalloc(1, sizeof *p);
    p->e = e;
    zip_error_init(&p->err);
    zip_source_t *src = zip_source_function(za, pre_cb, p);
    if (!src) {
        zip_error_fini(&p->err);
        free(p);
    }
    return src;
}

/* The finished archive read back from libzip's in-memory source in pieces
 * (bt_fsout_write_from), so its bytes are not held twice. */
static long zip_fill(void *payload, void *buf, size_t cap)
{
    zip_int64_t n = zip_source_read(payload, buf, (zip_uint64_t)cap);
    return n < 0 ? -1 : (long)n;
}

/* Builds the zip in memory (libzip writes no file and no temp of its own)
 * and hands the bytes to bt_fsout_write_from, whose writes, fsync and
 * close are checked. libzip turns entry times into DOS time with localtime() at
 * zip_close, so TZ is UTC while the archive is open; the caller's TZ comes
 * back after. */
int ep_write_zip(ep *x, const char *path)
{
    int rc = -1;
    const char *name = bt_fsout_name(path);
    const char *old = getenv("TZ");
    char *saved = old ? bt_xstrdup(old) : NULL;
    setenv("TZ", "UTC", 1);
    tzset();

    qsort(x->ents.p, (size_t)x->ents.n, sizeof(entry), entry_cmp);
    time_t mt = (time_t)x->doc->stamp.epoch;
    if (mt < 315532800) /* DOS time starts at 1980-01-01 */
        mt = 315532800;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    if (!za) {
        bt_error(x->ctx, bt_pos_file(0), "cannot write '%s': %s", name,
                 zip_error_strerror(&ze));
        if (mem)
            zip_source_free(mem);
        zip_error_fini(&ze);
        goto out;
    }
    zip_error_fini(&ze);
    zip_source_keep(mem); /* outlives the archive: its bytes are read after */
    for (int k = 0; k < x->ents.n; k++) {
        entry *e = &((entry *)x->ents.p)[k];
        int store = e->rank == R_MIMETYPE || is_packed(e->name);
        zip_source_t *src = e->pre ? pre_source(za, e)
                                   : zip_source_buffer(za, e->data, e->len, 0);
        if (!src)
            goto fail;
        zip_int64_t i = zip_file_add(za, e->name, src, ZIP_FL_ENC_UTF_8);
        if (i < 0) {
            zip_source_free(src);
            goto fail;
        }
        zip_uint64_t u = (zip_uint64_t)i;
        if (zip_set_file_compression(za, u,
                                     store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                     store ? 0 : EPUB_DEFLATE_LEVEL) < 0 ||
            zip_file_set_mtime(za, u, mt, 0) < 0 ||
            zip_file_set_external_attributes(za, u, 0, ZIP_OPSYS_UNIX,
                                             0100644u << 16) < 0)
            goto fail;
    }
    if (zip_close(za) < 0)
        goto fail;
    int wrc = zip_source_open(mem) < 0
                  ? -2
                  : bt_fsout_write_from(x->ctx, path, zip_fill, mem);
    if (wrc == -2)
        bt_error(x->ctx, bt_pos_file(0), "cannot write '%s': %s", name,
                 zip_error_strerror(zip_source_error(mem)));
    else if (wrc == 0)
        rc = 0;
    zip_source_close(mem);
    zip_source_free(mem);
    goto out;
fail:
    bt_error(x->ctx, bt_pos_file(0), "cannot write '%s': %s", name,
             zip_error_strerror(zip_get_error(za)));
    zip_discard(za);
    zip_source_free(mem);
out:
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    return rc;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

/* What the writer and the fonts made ahead share: the state, and every
 * document from the mimetype to the NCX (where the code points are met). */
static void ep_init(ep *x, bt_ctx *ctx, const bt_doc *doc,
                    const bt_pages *pages, const bt_layout *lay)
{
    memset(x, 0, sizeof *x);
    x->ctx = ctx;
    x->doc = doc;
    x->pages = pages;
    x->lay = lay;
    x->a = &ctx->arena;
    x->all_alt = 1;
    x->role = -1;
    x->lang = bt_label_lang(doc->lang);
    x->ents.size = sizeof(entry);
    x->faces.size = sizeof(face);
    x->imgs.size = sizeof(imgent);
    x->toc.size = sizeof(toc_entry);
}

static void write_docs(ep *x)
{
    const bt_doc *doc = x->doc;
    const bt_section *s;
    const bt_article *art;
    x->arts =
        bt_arena_alloc(x->a, sizeof *x->arts * (size_t)(doc->narticles + 1));
    bt_section_foreach(doc, s) {
        bt_article_foreach(s, art) {
            BT_ASSERT(art->index == x->narts && x->narts < doc->narticles);
            x->arts[x->narts++] = art;
        }
    }
    ep_plan_families(x);
    ep_plan_pages(x);
    ep_plan_toc(x);
    ep_make_ids(x);

    ep_add_entry(x, "mimetype", "application/epub+zip", 20, R_MIMETYPE);
    ep_write_container(x);
    bt_section_foreach(doc, s) {
        bt_article_foreach(s, art)
            ep_write_article(x, s, art);
    }
    ep_write_cover(x);
    ep_write_nav(x);
    ep_write_ncx(x);
}

struct bt_epub_made {
    ep x;
    int rc;
};

static bt_epub_made *make(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                          const bt_layout *lay, bt_fonts *fonts,
                          bt_epub_fonts *ef, int piped)
{
    bt_epub_made *m = bt_xcalloc(1, sizeof *m);
    ep *x = &m->x;
    ep_init(x, ctx, doc, pages, lay);
    x->fonts = fonts;
    x->ahead = ef;
    if (piped && bt_epub_threads && bt_epub_predeflate)
        x->ez = bt_pipe_start(ez_run);
    if (fonts)
        x->shaper = bt_fonts_shaper(fonts);
    write_docs(x);
    if (fonts) {
        ep_plan_files(x);
        m->rc = ep_subset_files(x);
    }
    ep_write_css(x);
    ep_write_opf(x);
    ez_stop(x);
    return m;
}

bt_epub_made *bt_epub_make(bt_ctx *ctx, const bt_doc *doc,
                           const bt_pages *pages, const bt_layout *lay,
                           bt_fonts *fonts, bt_epub_fonts *ef)
{
    return make(ctx, doc, pages, lay, fonts, ef, 0);
}

int bt_epub_save(bt_epub_made *m, const char *path)
{
    ep *x = &m->x;
    int rc = m->rc;
    if (x->fail) {
        bt_error(x->ctx, bt_pos_file(x->doc->file),
                 "cannot write '%s': XML writer failed", path);
        rc = -1;
    }
    if (rc == 0)
        rc = ep_write_zip(x, path);
    return rc;
}

void bt_epub_made_free(bt_epub_made *m)
{
    if (!m)
        return;
    ep *x = &m->x;
    ep_faces_free(x);
    bt_vec_free(&x->imgs);
    for (int k = 0; k < x->ents.n; k++) {
        entry *e = &((entry *)x->ents.p)[k];
        if (e->pre)
            free((void *)e->data);
    }
    bt_vec_free(&x->ents);
    bt_vec_free(&x->toc);
    bt_buf_free(&x->tmp);
    free(m);
}

int bt_epub_write_with(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                       const bt_layout *lay, bt_fonts *fonts, bt_epub_fonts *ef,
                       const char *path)
{
    bt_epub_made *m = make(ctx, doc, pages, lay, fonts, ef, 1);
    int rc = bt_epub_save(m, path);
    bt_epub_made_free(m);
    return rc;
}

int bt_epub_write(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                  const bt_layout *lay, bt_fonts *fonts, const char *path)
{
    return bt_epub_write_with(ctx, doc, pages, lay, fonts, NULL, path);
}

/* ------------------------------------------------------------------ */
/* Font files made ahead                                              */
/* ------------------------------------------------------------------ */

long bt_epub_fonts_taken;

bt_epub_fonts *bt_epub_fonts_new(const bt_doc *doc, const bt_layout *lay,
                                 const bt_fonts *fonts)
{
    if (!fonts)
        return NULL;
    bt_epub_fonts *ef = bt_xcalloc(1, sizeof *ef);
    ef->doc = doc;
    ef->lay = lay;
    ef->f = bt_xcalloc(4 * BT_ROLE_COUNT, sizeof *ef->f);
    for (int r = 0; r < BT_ROLE_COUNT; r++) {
        const bt_style *st = &lay->style[r];
        uint32_t ids[4] = {st->font, st->font_bold, st->font_italic,
                           st->font_bold_italic};
        for (int k = 0; k < 4; k++) {
            int seen = ids[k] == BT_FONT_NONE;
            for (int i = 0; i < ef->n && !seen; i++)
                seen = ef->f[i].id == ids[k];
            if (seen)
                continue;
            ahead_font *af = &ef->f[ef->n++];
            af->id = ids[k];
            const char *p = bt_fonts_path(fonts, ids[k]);
            af->path = bt_xstrdup(p ? p : "");
            af->index = bt_fonts_face_index(fonts, ids[k]);
        }
    }
    return ef;
}

/* The writer's shaper while working ahead: coverage from the font files
 * opened here; a character a font lacks goes to "another font" (the
 * writer's fallback face, which is not made ahead), so each font's code
 * points are those the writer gives it. */
#define AHEAD_OTHER (BT_FONT_NONE - 1)

static int A_covers(void *payload, uint32_t font, uint32_t cp)
{
    bt_epub_fonts *ef = payload;
    ahead_font *af = NULL;
    for (int i = 0; i < ef->n && !af; i++)
        if (ef->f[i].id == font)
            af = &ef->f[i];
    if (!af || !af->ff)
        return 1;
    if (cp > 0xFFFF)
        return bt_fontfile_covers(af->ff, cp);
    if (!af->cover)
        af->cover = bt_xcalloc(65536 / 4, 1);
    unsigned shift = (cp & 3) * 2;
    unsigned v = af->cover[cp >> 2] >> shift & 3;
    if (!v) {
        v = bt_fontfile_covers(af->ff, cp) ? 2 : 1;
        af->cover[cp >> 2] |= (unsigned char)(v << shift);
    }
    return v == 2;
}

static uint32_t A_fallback(void *payload, uint32_t font, uint32_t cp)
{
    (void)payload;
    (void)font;
    (void)cp;
    return AHEAD_OTHER;
}

void bt_epub_fonts_make(bt_epub_fonts *ef)
{
    if (!ef)
        return;
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    ep x;
    ep_init(&x, &ctx, ef->doc, NULL, ef->lay);
    x.plan = 1;
    x.shaper.covers = A_covers;
    x.shaper.fallback = A_fallback;
    x.shaper.payload = ef;
    for (int i = 0; i < ef->n; i++)
        ef->f[i].ff = bt_fontfile_open(ef->f[i].path, ef->f[i].index);
    write_docs(&x);
    unsigned char *all = bt_xmalloc(CPSET_BYTES);
    bt_vec cps = {NULL, 0, 0, sizeof(uint32_t)};
    for (int i = 0; i < ef->n && !x.fail; i++) {
        ahead_font *af = &ef->f[i];
        if (!af->ff)
            continue;
        memset(all, 0, CPSET_BYTES);
        int used = 0;
        for (int k = 0; k < x.faces.n; k++) {
            const face *fc = EP_FACE(&x, k);
            if (fc->font != af->id || fc->fallback)
                continue;
            used = 1;
            for (size_t j = 0; j < CPSET_BYTES; j += 8) {
                uint64_t a, b;
                memcpy(&a, all + j, 8);
                memcpy(&b, fc->set + j, 8);
                a |= b;
                memcpy(all + j, &a, 8);
            }
        }
        if (!used)
            continue;
        cps.n = 0;
        for (size_t j = 0; j < CPSET_BYTES; j += 8) {
            uint64_t word;
            memcpy(&word, all + j, 8);
            if (!word)
                continue;
            for (size_t k = j; k < j + 8; k++)
                for (unsigned bit = 0; all[k] >> bit; bit++)
                    if (all[k] >> bit & 1)
                        *(uint32_t *)bt_vec_push(&cps) =
                            (uint32_t)(k * 8 + bit);
        }
        bt_buf out = BT_BUF_INIT;
        if (bt_fontfile_subset(af->ff, cps.p, cps.n, &out) == 0 &&
            out.len > 0) {
            af->cps = bt_xmalloc(sizeof *af->cps * (size_t)(cps.n + 1));
            memcpy(af->cps, cps.p, sizeof *af->cps * (size_t)cps.n);
            af->ncps = cps.n;
            af->ent.name = "EPUB/fonts/ahead.ttf"; /* the writer names it */
            af->ent.rank = R_FONT;
            if (!pre_deflate(&af->ent, out.data, out.len)) {
                af->ent.data = bt_xmalloc(out.len);
                memcpy((void *)af->ent.data, out.data, out.len);
                af->ent.len = out.len;
            }
            af->made = 1;
        }
        bt_buf_free(&out);
    }
    bt_vec_free(&cps);
    free(all);
    for (int i = 0; i < ef->n; i++) {
        bt_fontfile_free(ef->f[i].ff);
        ef->f[i].ff = NULL;
        free(ef->f[i].cover);
        ef->f[i].cover = NULL;
    }
    ep_faces_free(&x);
    bt_vec_free(&x.imgs);
    bt_vec_free(&x.ents);
    bt_vec_free(&x.toc);
    bt_buf_free(&x.tmp);
    bt_ctx_free(&ctx);
}

void bt_epub_fonts_free(bt_epub_fonts *ef)
{
    if (!ef)
        return;
    for (int i = 0; i < ef->n; i++) {
        free(ef->f[i].path);
        free(ef->f[i].cps);
        free((void *)ef->f[i].ent.data);
    }
    free(ef->f);
    free(ef);
}

int ep_take_ahead(ep *x, uint32_t font, const uint32_t *cps, int n,
                  const char *name)
{
    const char *path = bt_fonts_path(x->fonts, font);
    int index = bt_fonts_face_index(x->fonts, font);
    for (int i = 0; i < x->ahead->n; i++) {
        ahead_font *af = &x->ahead->f[i];
        if (!af->made || !path || strcmp(af->path, path) != 0 ||
            af->index != index || af->ncps != n ||
            memcmp(af->cps, cps, sizeof *cps * (size_t)n) != 0)
            continue;
        entry *e = bt_vec_push(&x->ents);
        *e = af->ent;
        e->name = name;
        e->rank = R_FONT;
        e->seq = x->ents.n - 1;
        if (e->pre) {
            bt_epub_predeflated++;
        } else {
            e->data = bt_arena_memdup(x->a, af->ent.data, af->ent.len);
            free((void *)af->ent.data);
        }
        memset(&af->ent, 0, sizeof af->ent);
        af->made = 0; /* its bytes are the writer's now */
        bt_epub_fonts_taken++;
        return 1;
    }
    return 0;
}
