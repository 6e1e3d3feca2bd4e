/* epub_opf.c - the EPUB's package: package.opf (metadata with dates,
 * creators and the accessibility claims, manifest, spine, guide),
 * META-INF/container.xml, and the two stable identifiers (the book's and
 * its printed edition's). */
#include <stdio.h>
#include <string.h>
#include "date.h"
#include "epub_int.h"
#include "sha1.h"

/* ------------------------------------------------------------------ */
/* Package document and container                                      */
/* ------------------------------------------------------------------ */

static void opf_meta(ep *x, const char *prop, const char *value,
                     const char *refines)
{
    ep_el(x, "meta");
    if (refines)
        ep_attr(x, "refines", refines);
    ep_attr(x, "property", prop);
    ep_put_raw(x, value, strlen(value));
    ep_endv(x);
    ep_nl(x);
}

static void opf_dc(ep *x, const char *name, const char *id, const char *value)
{
    ep_el(x, name);
    if (id)
        ep_attr(x, "id", id);
    ep_put_raw(x, value, strlen(value));
    ep_endv(x);
    ep_nl(x);
}

static void opf_item(ep *x, const char *id, const char *href, const char *type,
                     const char *props)
{
    ep_el(x, "item");
    ep_attr(x, "id", id);
    ep_attr(x, "href", href);
    ep_attr(x, "media-type", type);
    if (props)
        ep_attr(x, "properties", props);
    ep_endv(x);
    ep_nl(x);
}

static void opf_role(ep *x, const char *id, const char *role)
{
    ep_el(x, "meta");
    ep_attr(x, "refines", bt_arena_printf(x->a, "#%s", id));
    ep_attr(x, "property", "role");
    ep_attr(x, "scheme", "marc:relators");
    ep_put_raw(x, role, strlen(role));
    ep_endv(x);
    ep_nl(x);
}

/* Who made the book. A single article (or articles by one set of people)
 * is theirs: dc:creator per author, role aut. A digest of several
 * articles by different people is compiled by its publisher: dc:creator
 * the publisher, role com (compiler), and each distinct article author a
 * dc:contributor, role aut, so that shelves show the office that issued
 * the bulletin rather than whoever wrote its first article. Without a
 * publisher the authors are the creators. Names are NFC (the readers
 * normalised them), compared exactly, listed in reading order. */
static void write_creators(ep *x)
{
    const bt_doc *d = x->doc;
    const char **names =
        bt_arena_alloc(x->a, sizeof *names * (size_t)(x->narts * 8 + 1));
    int n = 0, cap = x->narts * 8, same = 1;
    const bt_author *first = x->narts ? x->arts[0]->authors : NULL;
    for (int k = 0; k < x->narts; k++) {
        const bt_author *au = x->arts[k]->authors, *fa = first;
        for (; au && fa; au = au->next, fa = fa->next)
            same &= au->name.text.len == fa->name.text.len &&
                    memcmp(au->name.text.ptr, fa->name.text.ptr,
                           au->name.text.len) == 0;
        same &= !au && !fa;
        for (au = x->arts[k]->authors; au; au = au->next) {
            const char *name = ep_cstr(x, au->name.text);
            int dup = !*name;
            for (int i = 0; i < n && !dup; i++)
                dup = strcmp(names[i], name) == 0;
            if (dup)
                continue;
            if (n == cap) {
                const char **more =
                    bt_arena_alloc(x->a, sizeof *more * (size_t)(2 * cap + 1));
                memcpy(more, names, sizeof *names * (size_t)n);
                names = more;
                cap = 2 * cap + 1;
            }
            names[n++] = name;
        }
    }
    int compiled = d->publisher.text.len && (!n || (x->narts > 1 && !same));
    if (compiled) {
        opf_dc(x, "dc:creator", "creator", ep_cstr(x, d->publisher.text));
        opf_role(x, "creator", "com");
    }
    for (int i = 0; i < n; i++) {
        const char *id = bt_arena_printf(
            x->a, compiled ? "contributor-%d" : "creator-%d", i + 1);
        opf_dc(x, compiled ? "dc:contributor" : "dc:creator", id, names[i]);
        opf_role(x, id, "aut");
    }
}

/* The accessibility metadata (notes §6). */
static void write_a11y(ep *x)
{
    const bt_doc *d = x->doc;
    opf_meta(x, "schema:accessMode", "textual", NULL);
    if (x->nfigs)
        opf_meta(x, "schema:accessMode", "visual", NULL);
    if (!x->nfigs || x->all_alt)
        opf_meta(x, "schema:accessModeSufficient", "textual", NULL);
    if (x->nfigs)
        opf_meta(x, "schema:accessModeSufficient", "textual,visual", NULL);
    static const char *features[] = {"structuralNavigation", "tableOfContents",
                                     "readingOrder", "displayTransformability"};
    for (int i = 0; i < 4; i++)
        opf_meta(x, "schema:accessibilityFeature", features[i], NULL);
    if (x->nfigs && x->all_alt)
        opf_meta(x, "schema:accessibilityFeature", "alternativeText", NULL);
    if (x->npages) {
        opf_meta(x, "schema:accessibilityFeature", "pageNavigation", NULL);
        opf_meta(x, "schema:accessibilityFeature", "pageBreakMarkers", NULL);
    }
    opf_meta(x, "schema:accessibilityHazard", "none", NULL);
    /* the conformance claim (EPUB Accessibility 1.1 §5): what tests/ace.sh,
     * epubcheck and epub-shot check on every build; the evaluator is the
     * issuing office when the bulletin names one */
    opf_meta(x, "dcterms:conformsTo",
             "EPUB Accessibility 1.1 - WCAG 2.1 Level AA", NULL);
    if (d->publisher.text.len)
        opf_meta(x, "a11y:certifiedBy", ep_cstr(x, d->publisher.text), NULL);
    opf_meta(x, "schema:accessibilitySummary",
             x->nfigs && x->all_alt
                 ? bt_arena_printf(x->a, "%s%s", LBL(x, SUMMARY),
                                   LBL(x, SUMMARY_ALT))
                 : LBL(x, SUMMARY),
             NULL);
}

void ep_write_opf(ep *x)
{
    const bt_doc *d = x->doc;
    char buf[64];
    ep_doc_begin(x);
    ep_el(x, "package");
    ep_attr(x, "xmlns", "http://www.idpf.org/2007/opf");
    ep_attr(x, "version", "3.0");
    ep_attr(x, "unique-identifier", "pub-id");
    ep_attr(x, "xml:lang", d->lang);
    ep_attr(x, "dir", "ltr");
    ep_nl(x);
    ep_el(x, "metadata");
    ep_attr(x, "xmlns:dc", "http://purl.org/dc/elements/1.1/");
    ep_nl(x);
    opf_dc(x, "dc:identifier", "pub-id", x->ident);
    const char *title = ep_doc_title(x);
    if (d->number.text.len)
        title = bt_arena_printf(x->a, "%s \xE2\x80\x93 %s %.*s", title,
                                LBL(x, NUMBER), (int)d->number.text.len,
                                d->number.text.ptr);
    opf_dc(x, "dc:title", "title", title);
    opf_dc(x, "dc:language", NULL, d->lang);
    /* dc:date is the publication date: the bulletin's, else the latest
     * article's, as precise as it is known; none when there is no date
     * (the 1980 fallback of the date rule is no publication date) */
    bt_date pub = d->date.y ? d->date : bt_date_latest(d);
    if (*bt_date_format(buf, sizeof buf, pub, BT_DATE_ISO_KNOWN, x->lang))
        opf_dc(x, "dc:date", NULL, buf);
    bt_time_iso(buf, sizeof buf, &d->stamp);
    opf_meta(x, "dcterms:modified", buf, NULL);
    if (d->publisher.text.len)
        opf_dc(x, "dc:publisher", NULL, ep_cstr(x, d->publisher.text));
    write_creators(x);
    if (x->npages) {
        opf_dc(x, "dc:source", "print-source", x->source_id);
        opf_meta(x, "source-of", "pagination", "#print-source");
    }
    write_a11y(x);
    ep_end(x); /* metadata */
    ep_nl(x);

    ep_el(x, "manifest");
    ep_nl(x);
    opf_item(x, "nav", "nav.xhtml", "application/xhtml+xml", "nav");
    opf_item(x, "ncx", "toc.ncx", "application/x-dtbncx+xml", NULL);
    opf_item(x, "cover", "cover.xhtml", "application/xhtml+xml", NULL);
    opf_item(x, "css", "css/bantin.css", "text/css", NULL);
    for (int f = 0; f < x->nfiles; f++)
        opf_item(x, x->files[f].id, x->files[f].href, "font/ttf", NULL);
    for (int i = 0; i < x->imgs.n; i++)
        opf_item(x, EP_IMG(x, i)->id, EP_IMG(x, i)->href,
                 EP_IMG(x, i)->img->media_type, NULL);
    for (int i = 0; i < x->narts; i++)
        opf_item(x, bt_arena_printf(x->a, "t-%s", x->arts[i]->id),
                 bt_arena_printf(x->a, "text/%s.xhtml", x->arts[i]->id),
                 "application/xhtml+xml", NULL);
    ep_end(x);
    ep_nl(x);

    ep_el(x, "spine");
    ep_attr(x, "toc", "ncx");
    ep_nl(x);
    static const char *front[] = {"cover", "nav"};
    for (int i = 0; i < 2; i++) {
        ep_el(x, "itemref");
        ep_attr(x, "idref", front[i]);
        ep_endv(x);
        ep_nl(x);
    }
    for (int i = 0; i < x->narts; i++) {
        ep_el(x, "itemref");
        ep_attr(x, "idref", bt_arena_printf(x->a, "t-%s", x->arts[i]->id));
        ep_endv(x);
        ep_nl(x);
    }
    ep_end(x);
    ep_nl(x);

    ep_el(x, "guide");
    ep_nl(x);
    const char *refs[3][3] = {{"cover", LBL(x, COVER), "cover.xhtml"},
                              {"toc", LBL(x, TOC), "nav.xhtml"},
                              {"text", LBL(x, START), NULL}};
    if (x->narts)
        refs[2][2] = bt_arena_printf(x->a, "text/%s.xhtml", x->arts[0]->id);
    for (int i = 0; i < 3; i++) {
        if (!refs[i][2])
            continue;
        ep_el(x, "reference");
        ep_attr(x, "type", refs[i][0]);
        ep_attr(x, "title", refs[i][1]);
        ep_attr(x, "href", refs[i][2]);
        ep_endv(x);
        ep_nl(x);
    }
    ep_end(x);
    ep_nl(x);
    ep_end(x); /* package */
    ep_doc_end(x, "EPUB/package.opf", R_OPF);
}

void ep_write_container(ep *x)
{
    ep_doc_begin(x);
    ep_el(x, "container");
    ep_attr(x, "version", "1.0");
    ep_attr(x, "xmlns", "urn:oasis:names:tc:opendocument:xmlns:container");
    ep_el(x, "rootfiles");
    ep_el(x, "rootfile");
    ep_attr(x, "full-path", "EPUB/package.opf");
    ep_attr(x, "media-type", "application/oebps-package+xml");
    ep_endv(x);
    ep_endv(x);
    ep_endv(x);
    ep_doc_end(x, "META-INF/container.xml", R_CONTAINER);
}

/* The bulletin's identity: title, number and date, never the content,
 * so a typo fix or a new layout does not make a new book on readers'
 * shelves. A parsed date is written as ISO 8601 (the same issue dated
 * "27/11/2026" or "2026-11-27" is one book); otherwise its text. */
static void identity(ep *x, bt_buf *name)
{
    const bt_doc *d = x->doc;
    bt_buf_put(name, d->title.text.ptr, d->title.text.len);
    bt_buf_putc(name, '|');
    bt_buf_put(name, d->number.text.ptr, d->number.text.len);
    bt_buf_putc(name, '|');
    char iso[64];
    if (d->date.y)
        bt_buf_puts(name, bt_date_format(iso, sizeof iso, d->date, BT_DATE_ISO,
                                         x->lang));
    else
        bt_buf_put(name, d->date_text.text.ptr, d->date_text.text.len);
}

/* dc:identifier: urn:uuid: UUIDv5 (URL namespace) of "bantin:" + identity.
 *
 * dc:source (print-source, the origin of the page-list's numbers): the
 * printed edition, named by a second UUIDv5 of "bantin-pdf:" + identity.
 * Decision: this is deliberately not the PDF's trailer /ID. pdf_out.c
 * makes that an MD5 of title, number and the output stamp, so it moves
 * with SOURCE_DATE_EPOCH, is 16 raw bytes rather than a URN, and by the
 * PDF spec identifies a file, not an edition; and the EPUB writer takes
 * nothing from the PDF writer but the page map. The URN here is stable
 * (same inputs as the identifier, no date stamp, no content), and names
 * exactly one printed edition, which is what the source-of="pagination"
 * refinement asks for (like the ISBN of a print book). Nothing in the PDF
 * carries it; a reader matches the paper copy by title, number and date,
 * which the cover and the PDF both print. */
void ep_make_ids(ep *x)
{
    static const unsigned char ns_url[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad,
                                             0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                                             0x4f, 0xd4, 0x30, 0xc8};
    char uuid[37];
    for (int k = 0; k < 2; k++) {
        bt_buf name = BT_BUF_INIT;
        bt_buf_puts(&name, k ? "bantin-pdf:" : "bantin:");
        identity(x, &name);
        bt_uuid5(ns_url, name.data, name.len, uuid);
        snprintf(k ? x->source_id : x->ident, sizeof x->ident, "urn:uuid:%s",
                 uuid);
        bt_buf_free(&name);
    }
}
