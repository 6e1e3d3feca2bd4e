/* epub_css.c - the EPUB's fonts and stylesheet: which face (family,
 * weight, style, font file) renders each code point the documents write,
 * one subset font file per font used, and css/bantin.css with an
 * @font-face rule per face and the reading-system rules per role. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "epub_int.h"
#include "text.h"

/* ------------------------------------------------------------------ */
/* Faces and code points                                               */
/* ------------------------------------------------------------------ */

void ep_plan_families(ep *x)
{
    for (int r = 0; r < BT_ROLE_COUNT; r++) {
        const char *name = x->lay->style[r].family;
        if (!name || !*name)
            name = "serif";
        int f;
        for (f = 0; f < x->nfams; f++)
            if (strcmp(x->fams[f].name, name) == 0)
                break;
        if (f == x->nfams) {
            const char *kind = strstr(name, "Mono")   ? "Mono"
                               : strstr(name, "Sans") ? "Sans"
                               : strstr(name, "sans") ? "Sans"
                                                      : "Serif";
            const char *css = bt_arena_printf(x->a, "Bantin %s", kind);
            for (int k = 2;; k++) {
                int clash = 0;
                for (int g = 0; g < x->nfams; g++)
                    clash |= strcmp(x->fams[g].css, css) == 0;
                if (!clash)
                    break;
                css = bt_arena_printf(x->a, "Bantin %s %d", kind, k);
            }
            x->fams[f].name = name;
            x->fams[f].css = css;
            x->fams[f].generic = strcmp(kind, "Mono") == 0   ? "monospace"
                                 : strcmp(kind, "Sans") == 0 ? "sans-serif"
                                                             : "serif";
            x->nfams++;
        }
        x->role_fam[r] = f;
    }
}

/* The font id the stylesheet's (role, bold, italic) renders with. */
static uint32_t role_font(const bt_style *st, int b, int i)
{
    uint32_t f;
    if (b == !!st->bold && i == !!st->italic)
        f = st->font;
    else if (b && i)
        f = st->font_bold_italic;
    else if (b)
        f = st->font_bold;
    else if (i)
        f = st->font_italic;
    else
        f = st->font;
    return f == BT_FONT_NONE ? st->font : f;
}

static void set_cp(unsigned char *set, uint32_t cp)
{
    if (cp < 0x110000)
        set[cp >> 3] |= (unsigned char)(1u << (cp & 7));
}

static int has_cp(const unsigned char *set, uint32_t cp)
{
    return cp < 0x110000 && (set[cp >> 3] >> (cp & 7) & 1);
}

static face *get_face(ep *x, int fam, int b, int i, uint32_t font, int fb)
{
    for (int k = 0; k < x->faces.n; k++) {
        face *f = EP_FACE(x, k);
        if (f->fam == fam && f->bold == b && f->italic == i &&
            f->font == font && f->fallback == fb)
            return f;
    }
    face *f = bt_vec_push(&x->faces);
    f->fam = fam;
    f->bold = b;
    f->italic = i;
    f->font = font;
    f->fallback = fb;
    f->set = bt_xcalloc(1, CPSET_BYTES);
    if (!fb) {
        set_cp(f->set, 0x20);
        set_cp(f->set, 0xA0);
    }
    return f;
}

/* The face that text in the current role and em/strong state is set in,
 * with its font in *font, or NULL when the role has none. */
static face *role_face(ep *x, uint32_t *font)
{
    if (x->role < 0 || (!x->fonts && !x->plan))
        return NULL;
    const bt_style *st = &x->lay->style[x->role];
    int b = st->bold || x->strong, i = st->italic || x->em;
    *font = role_font(st, b, i);
    if (*font == BT_FONT_NONE)
        return NULL;
    return get_face(x, x->role_fam[x->role], b, i, *font, 0);
}

/* Records that cp is rendered in face f (font `font`), or in the fallback
 * face of the same style when the font lacks it. */
static void use_cp(ep *x, face *f, uint32_t font, uint32_t cp)
{
    if (cp != 0x20 && cp != 0xA0 && x->shaper.covers &&
        !x->shaper.covers(x->shaper.payload, font, cp) && x->shaper.fallback) {
        uint32_t other = x->shaper.fallback(x->shaper.payload, font, cp);
        if (other != BT_FONT_NONE && other != font)
            f = get_face(x, f->fam, f->bold, f->italic, other, 1);
    }
    set_cp(f->set, cp);
}

/* Records the characters of s (one role and em/strong state). The face is
 * looked up once, at the first character that needs it, and a character
 * already in it needs no coverage query (the fonts' lock, when shared). */
void ep_use_text(ep *x, const char *s, size_t len)
{
    const char *end = s + len;
    face *f = NULL;
    uint32_t font = BT_FONT_NONE;
    int looked = 0;
    while (s < end) {
        uint32_t cp = bt_utf8_next(&s, end);
        if (cp == '\n' || cp == '\t' || cp == '\r')
            continue;
        if (!looked) {
            f = role_face(x, &font);
            looked = 1;
        }
        if (!f)
            return;
        if (!has_cp(f->set, cp)) {
            int k = (int)(f - EP_FACE(x, 0));
            use_cp(x, f, font, cp);
            f = EP_FACE(x, k); /* a new fallback face may have moved it */
        }
    }
}

/* ------------------------------------------------------------------ */
/* Fonts and stylesheet                                                */
/* ------------------------------------------------------------------ */

static int face_cmp(const void *pa, const void *pb)
{
    const face *a = pa, *b = pb;
    if (a->fam != b->fam)
        return a->fam - b->fam;
    if (a->fallback != b->fallback)
        return a->fallback - b->fallback;
    if (a->bold != b->bold)
        return a->bold - b->bold;
    if (a->italic != b->italic)
        return a->italic - b->italic;
    return a->font < b->font ? -1 : a->font > b->font;
}

static int file_of(ep *x, uint32_t font)
{
    for (int i = 0; i < x->nfiles; i++)
        if (x->files[i].font == font)
            return i;
    return -1;
}

/* One file per font id the faces use, named after the real face. */
void ep_plan_files(ep *x)
{
    if (x->faces.n > 1)
        qsort(x->faces.p, (size_t)x->faces.n, sizeof(face), face_cmp);
    x->files =
        bt_arena_alloc(x->a, sizeof *x->files * (size_t)(x->faces.n + 1));
    for (int k = 0; k < x->faces.n; k++) {
        uint32_t font = EP_FACE(x, k)->font;
        if (file_of(x, font) >= 0)
            continue;
        const char *fam = bt_fonts_family(x->fonts, font);
        char base[64];
        size_t n = 0;
        for (const char *c = fam ? fam : "Font"; *c && n < 40; c++)
            if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                (*c >= '0' && *c <= '9'))
                base[n++] = *c;
        if (!n)
            base[n++] = 'F';
        base[n] = 0;
        int b = bt_fonts_bold(x->fonts, font),
            i = bt_fonts_italic(x->fonts, font);
        const char *style = b && i ? "BoldItalic"
                            : b    ? "Bold"
                            : i    ? "Italic"
                                   : "Regular";
        const char *href =
            bt_arena_printf(x->a, "fonts/%s-%s.ttf", base, style);
        for (int v = 2; v < 1000; v++) {
            int clash = 0;
            for (int f = 0; f < x->nfiles; f++)
                clash |= strcmp(x->files[f].href, href) == 0;
            if (!clash)
                break;
            href = bt_arena_printf(x->a, "fonts/%s-%s-%d.ttf", base, style, v);
        }
        ffile *f = &x->files[x->nfiles];
        f->font = font;
        f->href = href;
        f->id = bt_arena_printf(x->a, "font-%d", x->nfiles + 1);
        x->nfiles++;
    }
}

/* Subsets every file to the union of its faces' code points. */
int ep_subset_files(ep *x)
{
    bt_vec cps = {NULL, 0, 0, sizeof(uint32_t)};
    int rc = 0;
    unsigned char *all = bt_xmalloc(CPSET_BYTES);
    for (int f = 0; f < x->nfiles && !rc; f++) {
        cps.n = 0;
        memset(all, 0, CPSET_BYTES);
        /* 64 code points a step: the sets are 139 KB and mostly empty */
        for (int k = 0; k < x->faces.n; k++) {
            const unsigned char *set = EP_FACE(x, k)->set;
            if (EP_FACE(x, k)->font != x->files[f].font)
                continue;
            for (size_t i = 0; i < CPSET_BYTES; i += 8) {
                uint64_t a, b;
                memcpy(&a, all + i, 8);
                memcpy(&b, set + i, 8);
                a |= b;
                memcpy(all + i, &a, 8);
            }
        }
        for (size_t i = 0; i < CPSET_BYTES; i += 8) {
            uint64_t word;
            memcpy(&word, all + i, 8);
            if (!word)
                continue;
            for (size_t j = i; j < i + 8; j++)
                for (unsigned bit = 0; all[j] >> bit; bit++)
                    if (all[j] >> bit & 1)
                        *(uint32_t *)bt_vec_push(&cps) =
                            (uint32_t)(j * 8 + bit);
        }
        const char *name = bt_arena_printf(x->a, "EPUB/%s", x->files[f].href);
        if (x->ahead && ep_take_ahead(x, x->files[f].font, cps.p, cps.n, name))
            continue;
        bt_buf out = BT_BUF_INIT;
        if (bt_fonts_subset(x->fonts, x->files[f].font, cps.p, cps.n, &out) !=
                0 ||
            out.len == 0) {
            const char *p = bt_fonts_path(x->fonts, x->files[f].font);
            bt_error(x->ctx, bt_pos_file(x->doc->file),
                     "cannot subset font '%s' for the EPUB", p ? p : "?");
            rc = -1;
        } else {
            ep_add_entry(x, name, bt_arena_memdup(x->a, out.data, out.len),
                         out.len, R_FONT);
        }
        bt_buf_free(&out);
    }
    bt_vec_free(&cps);
    free(all);
    return rc;
}

/* v/1000 as a short decimal: 1500 -> "1.5" (no locale, no floats). */
static void css_dec(bt_buf *b, long v)
{
    char frac[8];
    snprintf(frac, sizeof frac, "%03ld", (v < 0 ? -v : v) % 1000);
    for (int i = 2; i >= 0 && frac[i] == '0'; i--)
        frac[i] = 0;
    bt_buf_printf(b, "%s%ld%s%s", v < 0 ? "-" : "", (v < 0 ? -v : v) / 1000,
                  frac[0] ? "." : "", frac);
}

static long clampl(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Relative size of a role on a phone: the layout's size over the body's,
 * with display sizes pulled towards the body size (a 1.9x headline over
 * 9.5 pt print body is 30 px on a 390 px screen: four words a line). The
 * order of the sizes is kept; small print stays readable (>= 0.8em). */
static long phone_size(long ratio)
{
    if (ratio > 1000)
        ratio = 1000 + (ratio - 1000) * 3 / 4;
    return clampl(ratio, 800, 2200);
}

static void css_role(ep *x, bt_buf *b, const char *sel, int role, int sized)
{
    const bt_style *st = &x->lay->style[role];
    const bt_style *body = &x->lay->style[BT_ROLE_BODY];
    const family *f = &x->fams[x->role_fam[role]];
    bt_buf_printf(b, "%s{font-family:\"%s\",%s;font-weight:%d;font-style:%s",
                  sel, f->css, f->generic, st->bold ? 700 : 400,
                  st->italic ? "italic" : "normal");
    long size = 1000;
    if (sized && st->size > 0 && body->size > 0) {
        size = phone_size((long)st->size * 1000 / body->size);
        bt_buf_puts(b, ";font-size:");
        css_dec(b, size);
        bt_buf_puts(b, "em");
    }
    if (sized && st->size > 0 && st->leading > 0) {
        /* the layout's leading, but text sizes get at least 1.4 on a
         * small screen and display sizes stay tight */
        long lh = (long)st->leading * 1000 / st->size;
        lh = size > 1200 ? clampl(lh, 1150, 1300) : clampl(lh, 1400, 1600);
        bt_buf_puts(b, ";line-height:");
        css_dec(b, lh);
    }
    uint32_t color = st->color;
    if ((role == BT_ROLE_KICKER || role == BT_ROLE_SECTION) &&
        x->lay->accent_color)
        color = x->lay->accent_color;
    if (color)
        bt_buf_printf(b, ";color:#%06x", (unsigned)(color & 0xFFFFFF));
    bt_buf_puts(b, "}\n");
}

void ep_write_css(ep *x)
{
    bt_buf b = BT_BUF_INIT;
    bt_buf_puts(&b, "@charset \"UTF-8\";\n/* bantin " BT_VERSION " */\n");
    for (int k = 0; k < x->faces.n; k++) {
        const face *f = EP_FACE(x, k);
        int file = file_of(x, f->font);
        bt_buf_printf(&b,
                      "@font-face{font-family:\"%s\";font-style:%s;"
                      "font-weight:%d;src:url(\"../%s\") format(\"truetype\")",
                      x->fams[f->fam].css, f->italic ? "italic" : "normal",
                      f->bold ? 700 : 400, x->files[file].href);
        if (f->fallback) {
            /* only where the primary face has no glyph (CSS Fonts §4.5) */
            const char *sep = ";unicode-range:";
            for (uint32_t cp = 0; cp < 0x110000; cp++) {
                if (!has_cp(f->set, cp))
                    continue;
                uint32_t last = cp;
                while (last + 1 < 0x110000 && has_cp(f->set, last + 1))
                    last++;
                if (last == cp)
                    bt_buf_printf(&b, "%sU+%04X", sep, (unsigned)cp);
                else
                    bt_buf_printf(&b, "%sU+%04X-%04X", sep, (unsigned)cp,
                                  (unsigned)last);
                sep = ",";
                cp = last;
            }
        }
        bt_buf_puts(&b, "}\n");
    }
    /* EPUB 2-era engines (notes §4) */
    bt_buf_puts(&b, "section,header,footer,figure,figcaption,nav,article,aside"
                    "{display:block}\n[hidden]{display:none}\n");
    css_role(x, &b, "body", BT_ROLE_BODY, 0);
    /* Reading on a phone: ragged right (no justification: without
     * hyphenation, and Vietnamese is never hyphenated inside a syllable,
     * justified 35-character lines open rivers), hyphens only where the
     * text has them, paragraphs spaced rather than indented, no widows.
     * A URL, path or formula longer than the screen is wide wraps rather
     * than make the reader scroll sideways: break-word (and its old name
     * word-wrap) for engines of the EPUB 2 era, then anywhere, which also
     * lets the word shrink a box's minimum width (CSS Text 3 §5.5). */
    bt_buf_puts(&b, "body{font-size:1em;line-height:1.5;margin:0 3%;padding:0;"
                    "max-width:none;text-align:left;"
                    "-webkit-hyphens:manual;hyphens:manual;"
                    "adobe-hyphenate:none;word-wrap:break-word;"
                    "overflow-wrap:break-word;overflow-wrap:anywhere}\n"
                    "em{font-style:italic}\nstrong{font-weight:700}\n"
                    "p{margin:0 0 0.7em;text-indent:0;orphans:2;widows:2}\n"
                    "h1,h2,h3{margin:1.2em 0 0.4em;page-break-after:avoid;"
                    "break-after:avoid}\n"
                    "header{margin:0 0 1.2em}\n"
                    "p.section,p.kicker{margin:0 0 0.25em}\n"
                    "h1.headline{margin:0.1em 0 0.35em}\n"
                    "p.subtitle{margin:0 0 0.5em}\n"
                    "p.byline{margin:0.5em 0 0;padding-top:0.4em}\n"
                    "p.lead{margin:0 0 1em}\n"
                    "ul,ol{margin:0 0 0.7em;padding-left:1.5em}\n"
                    "li{margin:0 0 0.3em}\n"
                    "figure{margin:1.2em 0;page-break-inside:avoid;"
                    "break-inside:avoid}\n"
                    "img{max-width:100%;height:auto}\n"
                    "figure img{display:block;margin:0 auto}\n"
                    "figcaption{margin:0.4em 0 0}\n"
                    "p.photo-note{margin:0.4em 0 1em}\n"
                    "p.credit{text-align:right;margin-top:1em}\n"
                    "header.masthead{text-align:center;margin:1em 0 1.5em;"
                    "padding-bottom:0.8em}\n"
                    "h1.masthead{margin:0.2em 0 0.3em}\n"
                    "p.mastsub,p.issue,p.publisher{margin:0 0 0.3em}\n"
                    "ul.toc,nav ol{list-style:none;padding-left:0}\n"
                    "nav ol ol{padding-left:1em}\n"
                    "ul.toc li,nav li{margin:0 0 0.55em}\n"
                    "ul.toc a,nav a{text-decoration:none}\n"
                    "h3.toc-section,nav#toc span{display:block;"
                    "margin:1em 0 0.4em}\n");
    uint32_t rule = x->lay->rule_color, accent = x->lay->accent_color;
    bt_buf_printf(&b,
                  "header.masthead{border-bottom:0.1em solid #%06x}\n"
                  "p.byline{border-top:1px solid #%06x}\n"
                  "blockquote{margin:1em 0 1em 0.2em;padding-left:0.8em;"
                  "border-left:0.2em solid #%06x}\n"
                  "a{color:#%06x;overflow-wrap:anywhere}\n",
                  (unsigned)(rule & 0xFFFFFF), (unsigned)(rule & 0xFFFFFF),
                  (unsigned)((accent ? accent : rule) & 0xFFFFFF),
                  (unsigned)((accent ? accent : 0x111111) & 0xFFFFFF));
    css_role(x, &b, "p.lead", BT_ROLE_LEAD, 1);
    css_role(x, &b, "h1.headline", BT_ROLE_HEADLINE, 1);
    css_role(x, &b, "p.subtitle", BT_ROLE_SUBTITLE, 1);
    css_role(x, &b, "p.kicker", BT_ROLE_KICKER, 1);
    css_role(x, &b, "p.byline", BT_ROLE_BYLINE, 1);
    css_role(x, &b, "h2", BT_ROLE_SUBHEAD, 1);
    css_role(x, &b, "blockquote p", BT_ROLE_QUOTE, 1);
    css_role(x, &b, "figcaption,p.photo-note,p.credit", BT_ROLE_CAPTION, 1);
    css_role(x, &b, "h1.masthead", BT_ROLE_MASTHEAD, 1);
    css_role(x, &b, "p.mastsub,p.issue,p.publisher", BT_ROLE_MASTSUB, 1);
    css_role(x, &b,
             "p.section,h1.toc-title,h2.contents-title,h2.nav-title,"
             "h3.toc-section,nav#toc span",
             BT_ROLE_SECTION, 1);
    css_role(x, &b, "ul.toc a,nav a", BT_ROLE_TOC, 1);
    bt_buf_puts(&b, "h1.toc-title{font-size:1.4em;margin-top:0.5em}\n");
    ep_add_entry(x, "EPUB/css/bantin.css", bt_arena_memdup(x->a, b.data, b.len),
                 b.len, R_CSS);
    bt_buf_free(&b);
}

void ep_faces_free(ep *x)
{
    for (int k = 0; k < x->faces.n; k++)
        free(EP_FACE(x, k)->set);
    bt_vec_free(&x->faces);
}
