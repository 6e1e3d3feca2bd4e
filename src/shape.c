/* shape.c - styled runs -> Knuth-Plass items (box/glue/penalty). Splits
 * text into words at U+0020 (U+00A0 never breaks), picks the font of each
 * character (style, then a fallback font for characters the style's font
 * lacks), shapes each same-font piece through the bt_shaper, and encodes
 * the rules that belong to breaking: no break inside a Vietnamese
 * syllable, none after "Tp." and similar abbreviations or after a lone
 * dash; inside a word, a break after an explicit hyphen (never before a
 * digit: "COVID-19"), at the punctuation of URLs, e-mail addresses, paths
 * and formulas (no hyphen added), and a hyphen in a foreign word (not a
 * Vietnamese syllable, syllable.h) at its hyphenator's points, each as a
 * penalised break. Breaks that text extraction (poppler, pdf.js, MuPDF,
 * copy-paste) reads back wrong are left out: before a word that reads as
 * a list marker, before a paragraph's last word that alone reads as a
 * marker or a page number, after a word ending in a hyphen, after an
 * explicit hyphen in a paragraph with added ones; a formula a little wider
 * than the column is set smaller instead of broken after ; = & ?, and a
 * non-word token with no break point left smaller instead of cut between
 * letters. Pure:
 * no library headers, no I/O. */
#include <stdlib.h>
#include <string.h>
#include "bt_limits.h"
#include "buf.h"
#include "shape.h"
#include "syllable.h"
#include "text.h"

/* Penalties and glue shape, in one place. */
#define HYPHEN_PENALTY 1000 /* break after "apt-" */
/* Inside a URL, e-mail address, path or formula (the Chicago Manual of
 * Style's rules for URLs; LaTeX's url package): after / @ _ and before .
 * or /, which text extraction joins back without a space (URL_PENALTY);
 * after = ; & ? and \ (copy-paste and extraction put a space there), only
 * in a token wider than the column, where the other choice is breaking
 * between letters, and dearer. Never within URL_MIN_SIDE characters of
 * the token's ends. */
#define URL_PENALTY       300
#define URL_HARD_PENALTY  1500
#define URL_MIN_SIDE      3
#define HARD_WIDE_NUM     1 /* "wider than the column": width > NUM/DEN */
#define HARD_WIDE_DEN     1
#define HYPHENATE_PENALTY 300 /* a hyphen added to a foreign word */
#define HYPHENATE_MIN     6   /* letters a word needs to be hyphenated */
#define HYPHEN_LEFT       2   /* letters kept before an added hyphen (TeX) */
#define HYPHEN_RIGHT      3   /* and after it */
#define STRETCH_NUM       3   /* interword stretch = 3/5 space */
#define STRETCH_DEN       5
#define SHRINK_NUM        3 /* interword shrink = 3/10 space */
#define SHRINK_DEN        10
#define RAGGED_EMS        3 /* ragged lines may fall short by 3 em */
#define FILL_STRETCH      (1 << 28)
/* Letter-spacing a justified line may add between the letters of a word,
 * 1/1000 em per gap: a small share of the slack, so word gaps stay closer
 * to the natural space (micro-typography; the breaker sees it as the box's
 * own stretch). */
#define TRACK_STRETCH 25
/* Kinds of break inside a word, after a given character. */
enum { BRK_NONE, BRK_EXPLICIT, BRK_URL, BRK_URL_HARD, BRK_HYPHENATE };

/* One paragraph being built; its arrays grow on the heap and are copied
 * into the arena when it is done. */
typedef struct state {
    bt_ctx *ctx;
    const bt_shaper *sh;
    const bt_textstyle *st;
    bt_vec items, words, segs, glyphs;
    /* the word being collected */
    bt_vec wcp;   /* uint32_t */
    bt_vec wfont; /* uint32_t */
    bt_vec wrun;  /* const bt_run * */
    bt_vec wcol;  /* uint32_t: character index in its run, for positions */
    bt_vec adv;   /* int32_t per character, mpt */
    bt_vec off;   /* int32_t pairs (dx, dy) per character, mpt */
    bt_vec brk;   /* uint8_t per character: BRK_* after it */
    bt_vec pts;   /* uint8_t: the hyphenator's answer */
    int32_t space;
    int32_t track;    /* letter-spacing stretch per gap, 1/1000 em */
    int pending_glue; /* a space was seen after the last word */
    int nobreak;      /* the next glue must not break */
    int warned_wide;  /* the wide-word warning was given (once a paragraph) */
    int word_chars;   /* characters of the whole word so far: a word over
                       * BT_MAX_WORD_CHARS is shaped in several pieces */
    int word_wide;    /* a piece of this word was wider than the column */
    int32_t wsize;    /* the size the word is set in, mpt (a formula may be
                       * smaller than the text) */
    int glue_at;      /* first item of the glue before the last word, or -1 */
    int glue_tied;    /* that glue cannot break */
    int last_lone;    /* the last word alone on a line would read as a page
                       * number or a list marker */
    bt_vec expl;      /* int: items of the breaks after explicit hyphens */
    int nhyph;        /* breaks with an added hyphen */
    bt_pos word_pos;  /* first character of the whole word */
    int rc;
} state;

static bt_item *add_item(state *s, enum bt_item_kind kind, int32_t w,
                         int32_t stretch, int32_t shrink, int32_t penalty)
{
    bt_item *it = bt_vec_push(&s->items);
    it->kind = kind;
    it->width = w;
    it->stretch = stretch;
    it->shrink = shrink;
    it->penalty = penalty;
    it->ref = UINT32_MAX;
    return it;
}

static uint32_t run_font(const bt_textstyle *st, const bt_run *r)
{
    int b = (r->style & BT_STYLE_STRONG) != 0;
    int i = (r->style & BT_STYLE_EM) != 0;
    return b && i ? st->font_bold_italic
           : b    ? st->font_bold
           : i    ? st->font_italic
                  : st->font;
}

static int32_t to_mpt(int32_t em1000, int32_t size)
{
    int64_t v = (int64_t)em1000 * size;
    return (int32_t)(v >= 0 ? (v + 500) / 1000 : (v - 500) / 1000);
}

/* Abbreviations that stay with the following word (typography.md rule 4).
 * Each is 2 to 4 characters ending in '.': the quick reject relies on it. */
static int ties_forward(const uint32_t *cp, int n)
{
    static const char *abbr[] = {"Tp.", "TP.", "TS.", "ThS.", "PGS.",
                                 "GS.", "BS.", "KS.", "Q.",   "P.",
                                 "TX.", "Th.", "Mr.", "Dr.",  "St."};
    if (n == 1 && (cp[0] == 0x2013 || cp[0] == 0x2014 || cp[0] == '-'))
        return 1; /* never end a line on a lone dash */
    /* "-entire sheet- to": at a line end, extraction takes "sheet-" for
     * a word broken at its hyphen and joins "sheet-to" */
    if (n >= 2 && (cp[n - 1] == '-' || cp[n - 1] == 0x2010) &&
        cp[n - 2] != '-' && cp[n - 2] != 0x2010)
        return 1;
    /* quick reject: every abbreviation is 2 to 4 characters ending in '.'
     * (nearly every word is rejected here, before any strlen) */
    if (n < 2 || n > 4 || cp[n - 1] != '.')
        return 0;
    for (size_t k = 0; k < sizeof abbr / sizeof *abbr; k++) {
        const char *a = abbr[k];
        int len = (int)strlen(a);
        if (len != n)
            continue;
        int eq = 1;
        for (int i = 0; i < n && eq; i++)
            eq = cp[i] == (uint32_t)(unsigned char)a[i];
        if (eq)
            return 1;
    }
    return 0;
}

static int is_letter_or_digit(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c != 0xD7 && c != 0xF7 && c < 0x2000);
}

static int is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static int is_letter(uint32_t c)
{
    return is_letter_or_digit(c) && !is_digit(c);
}

static int is_hyphen(uint32_t c)
{
    return c == '-' || c == 0x2010;
}

/* Classes of ASCII punctuation and letters the word rules test, one bit
 * each, looked up in a table (a strchr call per character, as these tests
 * once were, was 3 % of a build). */
enum {
    A_OPEN = 1 << 0,        /* ( [ { " '   may open a plain word */
    A_CLOSE = 1 << 1,       /* ) ] } " ' . , ; : ! ?   may close one */
    A_MARK_END = 1 << 2,    /* . )   ends a list marker ("3." "b)") */
    A_ROMAN = 1 << 3,       /* i v x I V X   a roman list number */
    A_ROMAN_ALL = 1 << 4,   /* and l c L C: a roman page number */
    A_DASH = 1 << 5,        /* - *   a dash-like marker */
    A_CODE = 1 << 6,        /* / @ _ = \   makes a token code-like */
    A_BREAK_AFTER = 1 << 7, /* / @ _ = ; & ? \   a break may follow */
    A_URL = 1 << 8,         /* / @ _   ... without a penalty for formulas */
    A_BREAK_BEFORE = 1 << 9 /* . /   a break may come before */
};
#define A_ROMANS  (A_ROMAN | A_ROMAN_ALL)
#define A_LINKISH (A_CODE | A_BREAK_AFTER | A_URL)

static const uint16_t ascii_class[128] = {
    ['('] = A_OPEN,
    ['['] = A_OPEN,
    ['{'] = A_OPEN,
    ['"'] = A_OPEN | A_CLOSE,
    ['\''] = A_OPEN | A_CLOSE,
    [')'] = A_CLOSE | A_MARK_END,
    [']'] = A_CLOSE,
    ['}'] = A_CLOSE,
    ['.'] = A_CLOSE | A_MARK_END | A_BREAK_BEFORE,
    [','] = A_CLOSE,
    [';'] = A_CLOSE | A_BREAK_AFTER,
    [':'] = A_CLOSE,
    ['!'] = A_CLOSE,
    ['?'] = A_CLOSE | A_BREAK_AFTER,
    ['i'] = A_ROMANS,
    ['v'] = A_ROMANS,
    ['x'] = A_ROMANS,
    ['I'] = A_ROMANS,
    ['V'] = A_ROMANS,
    ['X'] = A_ROMANS,
    ['l'] = A_ROMAN_ALL,
    ['c'] = A_ROMAN_ALL,
    ['L'] = A_ROMAN_ALL,
    ['C'] = A_ROMAN_ALL,
    ['-'] = A_DASH,
    ['*'] = A_DASH,
    ['/'] = A_LINKISH | A_BREAK_BEFORE,
    ['@'] = A_LINKISH,
    ['_'] = A_LINKISH,
    ['='] = A_CODE | A_BREAK_AFTER,
    ['\\'] = A_CODE | A_BREAK_AFTER,
    ['&'] = A_BREAK_AFTER,
};

static int in_ascii(uint32_t c, unsigned cls)
{
    return c < 0x80 && (ascii_class[c] & cls) != 0;
}

/* Punctuation that may open or close a plain word: "(word)," etc. */
static int is_opening(uint32_t c)
{
    return in_ascii(c, A_OPEN) || c == 0x201C || c == 0x2018 || c == 0x00AB;
}

static int is_closing(uint32_t c)
{
    return in_ascii(c, A_CLOSE) || c == 0x201D || c == 0x2019 || c == 0x00BB ||
           c == 0x2026;
}

static int is_bullet(uint32_t c)
{
    return c == 0x2022 || c == 0x25E6 || c == 0x25AA || c == 0x25AB ||
           c == 0x25A0 || c == 0x25A1 || c == 0x25CF || c == 0x25CB ||
           c == 0x2023 || c == 0x2043 || c == 0x2219 || c == 0x00B7;
}

/* A word that text extraction takes for a list marker when it opens a
 * line: "3." "12)" "b)" "iv." or a bullet. A reader (typo-metrics) joins
 * it to the next word without the space ("0)returns"), so no line starts
 * with it. */
static int reads_as_marker(const uint32_t *cp, int n)
{
    if (n == 1)
        return is_bullet(cp[0]);
    if (n < 2 || !in_ascii(cp[n - 1], A_MARK_END))
        return 0;
    int m = n - 1, dig = 1, rom = 1;
    for (int i = 0; i < m; i++) {
        dig &= is_digit(cp[i]);
        rom &= in_ascii(cp[i], A_ROMAN);
    }
    return (dig && m <= 3) || (rom && m <= 4) ||
           (m == 1 && cp[0] < 0x80 && is_letter(cp[0]));
}

/* A word that, alone on a line, text extraction drops: a list marker
 * ("1." "–" "•"), or what reads as a page number at a page's top or foot
 * (up to 12 characters, no letters but roman digits, and a digit or only
 * roman digits: "2026." "15/7/2022" "(ii)"). A paragraph's last word of
 * this kind stays with the word before it. */
static int reads_as_lone(const uint32_t *cp, int n)
{
    if (reads_as_marker(cp, n))
        return 1;
    if (n > 12)
        return 0;
    int dig = 0, rom = 1, dash = n <= 3;
    for (int i = 0; i < n; i++) {
        uint32_t c = cp[i];
        int r = in_ascii(c, A_ROMAN_ALL);
        if (is_letter(c) && !r)
            return 0;
        dig |= is_digit(c);
        rom &= r;
        dash &= in_ascii(c, A_DASH) || c == 0x2013 || c == 0x2014 ||
                is_bullet(c) || c == 0x25A1 || c == 0x25CB;
    }
    return dig || rom || dash;
}

/* A URL, e-mail address, path, identifier or formula: its explicit
 * hyphens are part of the name (no break after them, no hyphenation). */
static int is_code(const uint32_t *cp, int n)
{
    for (int i = 0; i < n; i++)
        if (in_ascii(cp[i], A_CODE) ||
            (cp[i] == ':' && i + 2 < n && cp[i + 1] == '/' && cp[i + 2] == '/'))
            return 1;
    return 0;
}

/* A character punct_breaks may break at or next to: / @ _ = ; & ? \ .
 * or a hyphen. */
static int is_break_punct(uint32_t c)
{
    switch (c) {
    case '/':
    case '@':
    case '_':
    case '=':
    case ';':
    case '&':
    case '?':
    case '\\':
    case '.':
    case '-':
    case 0x2010:
        return 1;
    default:
        return 0;
    }
}

/* Break points after / @ _ = ; & ? and before . or / (see URL_PENALTY),
 * after an explicit hyphen followed by a letter, into brk[0..n). */
static void punct_breaks(const uint32_t *cp, int n, int code, int hard_ok,
                         uint8_t *brk)
{
    int end = n; /* the token without its closing punctuation */
    while (end > 0 && is_closing(cp[end - 1]))
        end--;
    /* quick reject: most words hold none of those characters */
    int any = 0;
    for (int i = 0; i < end && !any; i++)
        any = is_break_punct(cp[i]);
    if (!any)
        return;
    /* a date or a fraction ("24/11/2026", "1/2") keeps its slashes, a
     * path's numbered parts do not ("shared/02/0114.xhp"); a decimal
     * point stays everywhere */
    int letters = 0;
    for (int i = 0; i < n; i++)
        letters |= is_letter(cp[i]);
    for (int i = 1; i < end; i++) {
        uint32_t a = cp[i - 1], b = cp[i];
        int kind = BRK_NONE;
        if (in_ascii(a, A_BREAK_AFTER) &&
            (is_letter_or_digit(b) || is_opening(b))) {
            if (letters ||
                !(a == '/' && i >= 2 && is_digit(cp[i - 2]) && is_digit(b)))
                kind = in_ascii(a, A_URL) ? BRK_URL
                       : hard_ok          ? BRK_URL_HARD
                                          : BRK_NONE;
        } else if (in_ascii(b, A_BREAK_BEFORE) && i + 1 < end &&
                   is_letter_or_digit(a) && is_letter_or_digit(cp[i + 1]) &&
                   !(is_digit(a) && is_digit(cp[i + 1]) &&
                     (b == '.' || !letters))) {
            kind = BRK_URL;
        }
        if (kind != BRK_NONE && i >= URL_MIN_SIDE && end - i >= URL_MIN_SIDE)
            brk[i - 1] = (uint8_t)kind;
        /* "Debian-based", never "COVID-19" or "mypackage-1.0": copy-paste
         * and extraction would lose the hyphen before the digit; nor
         * "e-mail" (one letter left behind), nor "3-way" (extraction
         * rejoins a line-end hyphen only after a letter) */
        if (!code && is_hyphen(a) && i >= 3 && end - i >= 2 &&
            is_letter(cp[i - 2]) && is_letter(b))
            brk[i - 1] = BRK_EXPLICIT;
    }
}

/* A plain word: the token, without its opening and closing punctuation,
 * is letters (compounds joined by explicit hyphens). Sets [*a, *b) to
 * that core and returns 1, or returns 0. */
static int plain_word(const uint32_t *cp, int n, int *a, int *b)
{
    int x = 0, y = n;
    while (x < y && is_opening(cp[x]))
        x++;
    while (y > x && is_closing(cp[y - 1]))
        y--;
    for (int i = x; i < y; i++)
        if (!is_letter(cp[i]) &&
            !(is_hyphen(cp[i]) && i > x && i + 1 < y && is_letter(cp[i - 1]) &&
              is_letter(cp[i + 1])))
            return 0;
    *a = x;
    *b = y;
    return 1;
}

/* The end of the part of a plain word's core [r0, b) that starts at r0
 * (its letters up to an explicit hyphen), and whether the hyphenator is
 * asked about it: HYPHENATE_MIN letters or more, not a Vietnamese
 * syllable, not an identifier (capitals after the first letter: "UBND",
 * "UploadQueue"). */
static int word_part(const uint32_t *cp, int r0, int b, int *asks)
{
    int r1 = r0, caps = 0;
    for (; r1 < b && is_letter(cp[r1]); r1++)
        caps += r1 > r0 && cp[r1] >= 'A' && cp[r1] <= 'Z';
    *asks = r1 - r0 >= HYPHENATE_MIN && !caps &&
            !bt_syllable_is_vietnamese(cp + r0, r1 - r0);
    return r1;
}

/* Hyphenation points of a plain word: each part the hyphenator is asked
 * about (word_part) gets its points. */
static void hyphen_breaks(const bt_hyphenator *hy, const uint32_t *cp, int n,
                          uint8_t *brk, bt_vec *pts)
{
    int a, b, asks;
    if (!plain_word(cp, n, &a, &b))
        return;
    for (int r0 = a; r0 < b;) {
        int r1 = word_part(cp, r0, b, &asks), len = r1 - r0;
        if (asks) {
            pts->n = 0;
            for (int i = 0; i < len; i++)
                bt_vec_push(pts);
            uint8_t *o = pts->p;
            if (hy->points(hy->payload, cp + r0, len, o) > 0)
                for (int i = HYPHEN_LEFT - 1; i + HYPHEN_RIGHT < len; i++)
                    if (o[i] && brk[r0 + i] == BRK_NONE)
                        brk[r0 + i] = BRK_HYPHENATE;
        }
        r0 = r1 + 1; /* past the explicit hyphen */
    }
}

/* 1 when hyphen_breaks asks the hyphenator about a part of the word
 * cp[0..n) that needs the patterns (hyph.c reads them only for a part of
 * ASCII letters). */
static int word_asks(const uint32_t *cp, int n)
{
    int a, b, asks;
    if (!plain_word(cp, n, &a, &b))
        return 0;
    for (int r0 = a; r0 < b;) {
        int r1 = word_part(cp, r0, b, &asks), ascii = 1;
        for (int i = r0; i < r1; i++)
            ascii &= cp[i] < 0x80;
        if (asks && ascii)
            return 1;
        r0 = r1 + 1;
    }
    return 0;
}

/* 1 when a word of `t` (between spaces) asks (word_asks). */
static int text_may_hyphenate(bt_str t)
{
    enum { MAXW = 128 }; /* longer: a URL or a formula, never asks */
    uint32_t cp[MAXW];
    if (!t.len) /* an empty field may have no pointer */
        return 0;
    const char *p = t.ptr, *end = t.ptr + t.len;
    int n = 0, over = 0;
    while (p < end) {
        uint32_t c = bt_utf8_next(&p, end);
        if (c == ' ' || c == '\t' || c == '\n' || c == 0xA0) {
            if (n && !over && word_asks(cp, n))
                return 1;
            n = over = 0;
        } else if (n < MAXW) {
            cp[n++] = c;
        } else {
            over = 1;
        }
    }
    return n && !over && word_asks(cp, n);
}

static int runs_may_hyphenate(const bt_runs *r)
{
    for (const bt_run *x = r->first; x; x = x->next)
        if (x->kind == BT_RUN_TEXT && text_may_hyphenate(x->text))
            return 1;
    return 0;
}

int bt_shape_may_hyphenate(const bt_doc *doc)
{
    if (text_may_hyphenate(doc->title.text) ||
        text_may_hyphenate(doc->subtitle.text))
        return 1;
    const bt_section *s;
    bt_section_foreach(doc, s) {
        if (text_may_hyphenate(s->title.text))
            return 1;
        for (const bt_article *a = s->articles; a; a = a->next) {
            if (text_may_hyphenate(a->kicker.text) ||
                text_may_hyphenate(a->title.text) ||
                text_may_hyphenate(a->subtitle.text) ||
                text_may_hyphenate(a->credit.text) ||
                runs_may_hyphenate(&a->lead))
                return 1;
            for (const bt_block *b = a->blocks; b; b = b->next)
                if (runs_may_hyphenate(&b->runs))
                    return 1;
        }
    }
    return 0;
}

/* Emits characters [a, b) of the collected word as one word box. */
static void emit_chunk(state *s, int a, int b)
{
    const uint32_t *cp = s->wcp.p, *font = s->wfont.p;
    const bt_run *const *run = s->wrun.p;
    const int32_t *adv = s->adv.p, *off = s->off.p;
    bt_word *w = bt_vec_push(&s->words);
    w->s0 = s->segs.n;
    int32_t x = 0;
    for (int i = a; i < b;) {
        int j = i;
        while (j < b && font[j] == font[i] && run[j] == run[i])
            j++;
        bt_seg *sg = bt_vec_push(&s->segs);
        const bt_run *r = run[i];
        sg->font = font[i];
        sg->size = s->wsize;
        sg->color =
            (r->style & BT_STYLE_LINK) ? s->st->link_color : s->st->color;
        sg->href = (r->style & BT_STYLE_LINK) ? r->href : NULL;
        sg->pos = r->pos;
        sg->x = x;
        sg->g0 = s->glyphs.n;
        int32_t pen = 0;
        /* the segment's glyphs in one step: every field is set below, so
         * no push (and its zeroing) per glyph */
        while (s->glyphs.cap - s->glyphs.n < j - i)
            bt_vec_grow(&s->glyphs);
        bt_glyph *g = (bt_glyph *)s->glyphs.p + s->glyphs.n;
        s->glyphs.n += j - i;
        for (int k = i; k < j; k++, g++) {
            g->cp = cp[k];
            g->x = pen + off[2 * k];
            g->y = off[2 * k + 1];
            pen += adv[k];
        }
        sg->ng = j - i;
        sg->w = pen;
        x += pen;
        i = j;
    }
    w->ns = s->segs.n - w->s0;
    w->w = x;
    int32_t track = 0;
    if (!s->st->ragged && b - a >= 2)
        track = (b - a - 1) * to_mpt(s->track, s->st->size);
    bt_item *it = add_item(s, BT_ITEM_BOX, x, track, 0, 0);
    it->ref = (uint32_t)(s->words.n - 1);
}

int bt_shape_break_joins(const bt_item *it)
{
    /* break_item() gives no other unflagged penalty this value */
    return it->kind == BT_ITEM_PENALTY && !it->flagged &&
           it->penalty == URL_PENALTY;
}

/* What character i's advance lost to kerning with the next one: a line
 * broken between them ends with the glyph's own advance (the penalty's
 * width adds it back). mpt, usually >= 0. */
static int32_t kern_undone(state *s, int i)
{
    const bt_shaper *sh = s->sh;
    uint32_t font = ((const uint32_t *)s->wfont.p)[i];
    uint32_t c = ((const uint32_t *)s->wcp.p)[i];
    const bt_glyphpos *g = NULL;
    if (sh->shape(sh->payload, font, &c, 1, &g) != 1)
        return 0;
    return to_mpt(g[0].advance, s->wsize) - ((const int32_t *)s->adv.p)[i];
}

/* The penalty of a break of `kind` after character i of the word. A
 * hyphenation point carries the hyphen the line then ends with: a word of
 * its own (one glyph in character i's font, after i's unkerned advance),
 * referenced by the penalty's ref; none when that font has no hyphen. */
static void break_item(state *s, int kind, int i)
{
    int32_t kern = kern_undone(s, i);
    if (kind == BRK_URL || kind == BRK_URL_HARD) {
        add_item(s, BT_ITEM_PENALTY, kern, 0, 0,
                 kind == BRK_URL ? URL_PENALTY : URL_HARD_PENALTY);
        return;
    }
    if (kind == BRK_EXPLICIT) {
        *(int *)bt_vec_push(&s->expl) = s->items.n;
        add_item(s, BT_ITEM_PENALTY, kern, 0, 0, HYPHEN_PENALTY)->flagged = 1;
        return;
    }
    const bt_shaper *sh = s->sh;
    uint32_t font = ((const uint32_t *)s->wfont.p)[i];
    const bt_run *r = ((const bt_run *const *)s->wrun.p)[i];
    uint32_t hy = '-';
    const bt_glyphpos *g = NULL;
    if (!sh->covers(sh->payload, font, hy) ||
        sh->shape(sh->payload, font, &hy, 1, &g) != 1)
        return;
    /* U+002D, not U+00AD: PDF 1.7 (10.7) asks for a soft hyphen, but
     * pdf.js (Firefox) drops it or shows a bullet and then joins the lines
     * with a space ("com pleted"); with a hyphen-minus every extractor
     * tried rejoins the word */
    int32_t w = to_mpt(g[0].advance, s->st->size);
    bt_word *wd = bt_vec_push(&s->words);
    wd->s0 = s->segs.n;
    wd->ns = 1;
    wd->w = kern + w;
    bt_seg *sg = bt_vec_push(&s->segs);
    sg->font = font;
    sg->size = s->st->size;
    sg->color = (r->style & BT_STYLE_LINK) ? s->st->link_color : s->st->color;
    sg->href = (r->style & BT_STYLE_LINK) ? r->href : NULL;
    sg->pos = r->pos;
    sg->x = kern;
    sg->w = w;
    sg->g0 = s->glyphs.n;
    sg->ng = 1;
    bt_glyph *gl = bt_vec_push(&s->glyphs);
    gl->cp = hy;
    gl->x = to_mpt(g[0].dx, s->st->size);
    gl->y = -to_mpt(g[0].dy, s->st->size);
    s->nhyph++;
    bt_item *p =
        add_item(s, BT_ITEM_PENALTY, kern + w, 0, 0, HYPHENATE_PENALTY);
    p->flagged = 1;
    p->ref = (uint32_t)(s->words.n - 1);
}

static bt_pos char_pos(const state *s, int i)
{
    const bt_run *const *run = s->wrun.p;
    const uint32_t *col = s->wcol.p;
    bt_pos p = run[i]->pos;
    p.col += col[i];
    return p;
}

/* Sets the collected word at `size` instead of s->wsize: its advances
 * and offsets scaled. */
static void scale_word(state *s, int32_t size)
{
    int32_t *adv = s->adv.p, *off = s->off.p;
    int32_t from = s->wsize;
    for (int i = 0; i < s->wcp.n; i++) {
        adv[i] = (int32_t)((int64_t)adv[i] * size / from);
        off[2 * i] = (int32_t)((int64_t)off[2 * i] * size / from);
        off[2 * i + 1] = (int32_t)((int64_t)off[2 * i + 1] * size / from);
    }
    s->wsize = size;
}

/* A formula wider than the column that would break after ; = & ? \\
 * goes without those breaks when it can: set smaller to fit a line of its
 * own (first-line indent included), if that takes no more than BT_SHRINK_MIN;
 * else, if its pieces between the points extraction rejoins (after / @ _,
 * before . /) fit a line, as they are or that much smaller, broken only
 * there. Scales the advances and offsets and sets s->wsize; returns 1 if
 * the dear points are to go. */
static int shrink_to_fit(state *s, int64_t wtok)
{
    const uint8_t *brk = s->brk.p;
    const int32_t *a = s->adv.p;
    int n = s->wcp.n, hard = 0;
    int64_t piece = 0, wmax = 0;
    for (int i = 0; i < n; i++) {
        hard |= brk[i] == BRK_URL_HARD;
        piece += a[i];
        if (piece > wmax)
            wmax = piece;
        if (brk[i] == BRK_URL)
            piece = 0;
    }
    int64_t fit = s->st->width - (s->st->indent > 0 ? s->st->indent : 0);
    if (!hard || wtok <= 0 || fit <= 0)
        return 0;
    int64_t w = wtok; /* the width to bring down to fit */
    if (fit * BT_SHRINK_MIN_DEN < wtok * BT_SHRINK_MIN_NUM)
        w = wmax;
    if (w <= fit)
        return 1;
    if (fit * BT_SHRINK_MIN_DEN < w * BT_SHRINK_MIN_NUM)
        return 0;
    scale_word(s, (int32_t)(s->st->size * fit / w));
    return 1;
}

/* A non-word token (something other than letters and hyphens between its
 * opening and closing punctuation: a formula, a declaration, a code)
 * whose widest piece between the break points left is wider than a line
 * (first-line indent included) is set smaller, down to BT_SHRINK_MIN of its
 * size, so that piece fits: cut between letters, it would be read by
 * extraction and copy-paste as two words. A plain word, or a token that
 * would need more, is still cut (and warned about). */
static void shrink_pieces(state *s)
{
    const uint32_t *cp = s->wcp.p;
    const uint8_t *brk = s->brk.p;
    const int32_t *a = s->adv.p;
    int n = s->wcp.n, lo = 0, hi = n, plain = 1;
    while (lo < n && is_opening(cp[lo]))
        lo++;
    while (hi > lo && is_closing(cp[hi - 1]))
        hi--;
    for (int i = lo; i < hi && plain; i++)
        plain = is_letter(cp[i]) || is_hyphen(cp[i]);
    int64_t fit = s->st->width - (s->st->indent > 0 ? s->st->indent : 0);
    if (plain || fit <= 0)
        return;
    int64_t piece = 0, wmax = 0;
    for (int i = 0; i < n; i++) {
        piece += a[i];
        if (piece > wmax)
            wmax = piece;
        if (brk[i] != BRK_NONE)
            piece = 0;
    }
    if (wmax <= fit || fit * BT_SHRINK_MIN_DEN < wmax * BT_SHRINK_MIN_NUM)
        return;
    scale_word(s, (int32_t)(s->wsize * fit / wmax));
}

/* Finishes the collected word: fonts, shaping, break points, items.
 * `partial`: the word goes on (it reached BT_MAX_WORD_CHARS); its last
 * chunk is not emitted but kept as the start of the next piece, so the
 * pieces join without a short line or an unbreakable seam between them. */
/* ---- the memos' tables (bt_wordmemo, bt_shapememo) ---- */

/* Byte keys and their values, both in the memo's pool, by open
 * addressing; never more than half full. */
typedef struct key_slot {
    uint64_t hash;
    const void *key; /* NULL: an empty slot */
    size_t keylen;
    const void *val;
} key_slot;

typedef struct key_table {
    key_slot *slots; /* heap */
    size_t cap, n;   /* cap is a power of two or 0 */
} key_table;

/* 64-bit FNV-1a over 8-byte words (the key is built from them) */
static uint64_t key_hash(const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        h = (h ^ v) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 32);
}

/* Room for one more key: 1, growing the table when needed, unless it has
 * max_cap slots (0: no limit); then 0 (it can still be searched). */
static int key_room(key_table *t, size_t max_cap)
{
    if ((t->n + 1) * 2 <= t->cap)
        return 1;
    if (max_cap && t->cap >= max_cap)
        return 0;
    key_slot *old = t->slots;
    size_t oldcap = t->cap;
    t->cap = oldcap ? oldcap * 2 : 256;
    t->slots = bt_xcalloc(t->cap, sizeof *t->slots);
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].key)
            continue;
        size_t j = old[i].hash & (t->cap - 1);
        while (t->slots[j].key)
            j = (j + 1) & (t->cap - 1);
        t->slots[j] = old[i];
    }
    free(old);
    return 1;
}

/* The slot of `key` (hash h) in a table with slots: its entry, or the
 * empty slot where key_put puts it. */
static key_slot *key_find(key_table *t, uint64_t h, const void *key,
                          size_t len)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        key_slot *e = &t->slots[i];
        if (!e->key || (e->hash == h && e->keylen == len &&
                        !memcmp(e->key, key, len)))
            return e;
    }
}

/* Fills the empty slot e (from key_find, with room) with copies in pool. */
static void key_put(key_table *t, key_slot *e, bt_arena *pool, uint64_t h,
                    const void *key, size_t len, const void *val,
                    size_t vlen)
{
    e->hash = h;
    e->key = bt_arena_memdup(pool, key, len);
    e->keylen = len;
    e->val = bt_arena_memdup(pool, val, vlen);
    t->n++;
}

/* ---- words measured before (bt_wordmemo) ---- */

/* A word whose code points, fonts, size and raggedness were seen before
 * ends with the same fonts (none fell back), advances, offsets and break
 * points inside it (punctuation and hyphenation): its coverage checks,
 * shaping-cache lookups and break rules are not run again. Only whole
 * words up to WM_MAXLEN characters that were not wider than their measure
 * and needed no fallback font are kept. */
#define WM_MAXLEN 24
#define WM_MAX_WORDS 8192 /* the table never grows past 2 x this */

typedef struct wm_val {
    int64_t wtok;       /* the advances' sum */
    const int32_t *adv; /* pool: n, then 2n offsets */
    const uint8_t *brk; /* pool: n */
} wm_val;

struct bt_wordmemo {
    key_table tab;
    bt_arena pool;
    uint32_t key[3 + 2 * WM_MAXLEN];
};

bt_wordmemo *bt_wordmemo_new(void)
{
    bt_wordmemo *m = bt_xcalloc(1, sizeof *m);
    bt_arena_init(&m->pool);
    return m;
}

void bt_wordmemo_free(bt_wordmemo *m)
{
    if (!m)
        return;
    free(m->tab.slots);
    bt_arena_free(&m->pool);
    free(m);
}

/* The key of the word in state s (in m->key); returns its bytes. */
static size_t wm_key(bt_wordmemo *m, const state *s, const uint32_t *cp,
                     const uint32_t *font, int n)
{
    uint32_t *k = m->key;
    k[0] = (uint32_t)s->st->size;
    k[1] = (uint32_t)s->st->ragged;
    k[2] = (uint32_t)n;
    memcpy(k + 3, cp, (size_t)n * sizeof *cp);
    memcpy(k + 3 + n, font, (size_t)n * sizeof *font);
    return (size_t)(3 + 2 * n) * sizeof *k;
}

/* v holds n zeroed elements (the word's scratch arrays, reused). */
static void vec_zeroed(bt_vec *v, int n)
{
    while (v->cap < n)
        bt_vec_grow(v);
    v->n = n;
    memset(v->p, 0, (size_t)n * v->size);
}

static void end_word(state *s, int partial)
{
    int n = s->wcp.n;
    if (n == 0)
        return;
    uint32_t *cp = s->wcp.p, *font = s->wfont.p;
    const bt_shaper *sh = s->sh;

    /* glue before the word; none before a word that would open a line as
     * a list marker */
    s->wsize = s->st->size;
    if (s->word_chars == n)
        s->glue_at = -1;
    if (s->pending_glue && s->items.n > 0) {
        int tie = s->nobreak || reads_as_marker(cp, n);
        s->glue_at = s->items.n;
        s->glue_tied = tie;
        if (tie)
            add_item(s, BT_ITEM_PENALTY, 0, 0, 0, BT_PENALTY_INF);
        if (s->st->ragged && tie) {
            add_item(s, BT_ITEM_GLUE, s->space, 0, 0, 0);
        } else if (s->st->ragged) {
            int32_t r = RAGGED_EMS * s->st->size;
            add_item(s, BT_ITEM_GLUE, 0, r, 0, 0);
            add_item(s, BT_ITEM_PENALTY, 0, 0, 0, 0);
            add_item(s, BT_ITEM_GLUE, s->space, -r, 0, 0);
        } else {
            add_item(s, BT_ITEM_GLUE, s->space,
                     s->space * STRETCH_NUM / STRETCH_DEN,
                     s->space * SHRINK_NUM / SHRINK_DEN, 0);
        }
    }
    s->pending_glue = 0;
    s->nobreak = ties_forward(cp, n);
    s->last_lone = !partial && s->word_chars == n && reads_as_lone(cp, n);

    int whole = !partial && s->word_chars == n;
    int32_t limit = s->st->width > 0 ? s->st->width : INT32_MAX;
    bt_wordmemo *wm = whole && n <= WM_MAXLEN ? sh->words : NULL;
    key_slot *we = NULL;
    size_t wlen = 0;
    uint64_t wh = 0;
    if (wm) {
        wlen = wm_key(wm, s, cp, font, n);
        wh = key_hash(wm->key, wlen);
        int room = key_room(&wm->tab, 2 * WM_MAX_WORDS) &&
                   wm->pool.total < BT_WORD_MEMO_BYTES;
        we = key_find(&wm->tab, wh, wm->key, wlen);
        const wm_val *v = we->val;
        if (we->key &&
            v->wtok * HARD_WIDE_DEN <= (int64_t)limit * HARD_WIDE_NUM) {
            vec_zeroed(&s->adv, n);
            vec_zeroed(&s->off, 2 * n);
            vec_zeroed(&s->brk, n);
            memcpy(s->adv.p, v->adv, (size_t)n * sizeof(int32_t));
            memcpy(s->off.p, v->adv + n, (size_t)2 * n * sizeof(int32_t));
            memcpy(s->brk.p, v->brk, (size_t)n);
            goto measured;
        }
        if (we->key || !room)
            we = NULL; /* kept already (too wide here), or full */
    }

    /* fonts: the style's, else a fallback that covers the character */
    for (int i = 0; i < n; i++) {
        if (sh->covers(sh->payload, font[i], cp[i]))
            continue;
        we = NULL; /* a word with a fallback font is not kept */
        uint32_t f = cp[i] > 0xFFFF ? BT_FONT_NONE
                                    : sh->fallback(sh->payload, font[i], cp[i]);
        if (f == BT_FONT_NONE) {
            if (cp[i] > 0xFFFF)
                bt_error(s->ctx, char_pos(s, i),
                         "character U+%04X is outside the Basic Multilingual "
                         "Plane, which PDF fonts here cannot show",
                         (unsigned)cp[i]);
            else
                bt_error(s->ctx, char_pos(s, i),
                         "character U+%04X is not in any installed font",
                         (unsigned)cp[i]);
            s->rc = -1;
            font[i] = font[0];
            cp[i] = '?';
            continue;
        }
        font[i] = f;
    }
    /* shape each same-font piece */
    vec_zeroed(&s->adv, n);
    vec_zeroed(&s->off, 2 * n);
    int32_t *adv = s->adv.p, *off = s->off.p;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && font[j] == font[i])
            j++;
        const bt_glyphpos *g = NULL;
        int ng = sh->shape(sh->payload, font[i], cp + i, j - i, &g);
        BT_ASSERT(ng == j - i);
        for (int k = 0; k < ng; k++) {
            adv[i + k] = to_mpt(g[k].advance, s->st->size);
            off[2 * (i + k)] = to_mpt(g[k].dx, s->st->size);
            off[2 * (i + k) + 1] = -to_mpt(g[k].dy, s->st->size);
        }
        i = j;
    }
    /* break points inside the word (a piece of a giant word gets only
     * those of its punctuation) */
    vec_zeroed(&s->brk, n); /* BRK_NONE is 0 */
    uint8_t *brk = s->brk.p;
    int code = is_code(cp, n);
    int64_t wtok = 0;
    for (int i = 0; i < n; i++)
        wtok += adv[i];
    int hard = wtok * HARD_WIDE_DEN > (int64_t)limit * HARD_WIDE_NUM;
    punct_breaks(cp, n, code, hard, brk);
    if (hard && whole && shrink_to_fit(s, wtok)) {
        memset(brk, BRK_NONE, (size_t)n);
        punct_breaks(cp, n, code, 0, brk);
    }
    if (!code && whole && !s->st->ragged && sh->hyph)
        hyphen_breaks(sh->hyph, cp, n, brk, &s->pts);
    if (we && !hard) {
        int32_t *a = bt_arena_alloc(&wm->pool, (size_t)3 * n * sizeof *a);
        memcpy(a, adv, (size_t)n * sizeof *a);
        memcpy(a + n, off, (size_t)2 * n * sizeof *a);
        wm_val v = {wtok, a, bt_arena_memdup(&wm->pool, brk, (size_t)n)};
        key_put(&wm->tab, we, &wm->pool, wh, wm->key, wlen, &v, sizeof v);
    }
measured:
    adv = s->adv.p;
    brk = s->brk.p;
    if (whole)
        shrink_pieces(s);
    /* chunks: at those points (penalised), and between letters of a piece
     * wider than the line */
    int a = 0, keep = n;
    for (int i = 0; i <= n; i++) {
        if (i < n && (i == n - 1 || brk[i] == BRK_NONE))
            continue;
        int b = i < n ? i + 1 : n;
        /* [a, b) is a piece; split it if too wide */
        int64_t wsum = 0;
        for (int k = a; k < b; k++)
            wsum += adv[k];
        if (wsum > limit) {
            s->word_wide = 1; /* warned when the whole word has ended */
            int c0 = a;
            int64_t acc = 0;
            for (int k = a; k < b; k++) {
                if (k > c0 && acc + adv[k] > limit) {
                    emit_chunk(s, c0, k);
                    add_item(s, BT_ITEM_PENALTY, 0, 0, 0, 0);
                    c0 = k;
                    acc = 0;
                }
                acc += adv[k];
            }
            if (partial && b == n && c0 > 0)
                keep = c0; /* a break (penalty 0) is already before it */
            else
                emit_chunk(s, c0, b);
        } else if (partial && b == n && a > 0) {
            keep = a; /* after a piece and its penalty */
        } else {
            emit_chunk(s, a, b);
        }
        if (b < n)
            break_item(s, brk[b - 1], b - 1);
        a = b;
    }
    bt_vec *w[] = {&s->wcp, &s->wfont, &s->wrun, &s->wcol};
    for (size_t k = 0; k < sizeof w / sizeof *w; k++) {
        if (keep < n)
            memmove(w[k]->p, (char *)w[k]->p + (size_t)keep * w[k]->size,
                    (size_t)(n - keep) * w[k]->size);
        w[k]->n = n - keep;
    }
}

/* Ends the word for good (a space, a break or the paragraph's end): the
 * wide-word warning names the whole word, not one of its pieces. */
static void finish_word(state *s)
{
    end_word(s, 0);
    if (s->word_wide && !s->warned_wide) {
        bt_warning(s->ctx, s->word_pos,
                   "word of %d characters is wider than the column; "
                   "broken between letters",
                   s->word_chars);
        s->warned_wide = 1;
    }
    s->word_chars = 0;
    s->word_wide = 0;
}

static void add_char(state *s, uint32_t cp, const bt_run *r, uint32_t col)
{
    if (s->wcp.n >= BT_MAX_WORD_CHARS)
        end_word(s, 1); /* a giant "word": shaped in pieces */
    if (s->word_chars++ == 0) {
        s->word_pos = r->pos;
        s->word_pos.col += col;
    }
    *(uint32_t *)bt_vec_push(&s->wcp) = cp;
    *(uint32_t *)bt_vec_push(&s->wfont) = run_font(s->st, r);
    *(const bt_run **)bt_vec_push(&s->wrun) = r;
    *(uint32_t *)bt_vec_push(&s->wcol) = col;
}

/* Makes the glue whose first item is items[at] unbreakable. */
static void tie_glue(state *s, int at)
{
    bt_item *it = s->items.p;
    if (s->st->ragged) { /* glue(0, r), penalty 0, glue(space, -r) */
        it[at] = (bt_item){.kind = BT_ITEM_PENALTY,
                           .penalty = BT_PENALTY_INF,
                           .ref = UINT32_MAX};
        it[at + 1] = (bt_item){
            .kind = BT_ITEM_GLUE, .width = s->space, .ref = UINT32_MAX};
        it[at + 2] = (bt_item){.kind = BT_ITEM_GLUE, .ref = UINT32_MAX};
        return;
    }
    bt_vec_push(&s->items);
    it = s->items.p;
    memmove(it + at + 1, it + at, (size_t)(s->items.n - 1 - at) * sizeof *it);
    it[at] = (bt_item){
        .kind = BT_ITEM_PENALTY, .penalty = BT_PENALTY_INF, .ref = UINT32_MAX};
}

static void forced_break(state *s)
{
    add_item(s, BT_ITEM_GLUE, 0, FILL_STRETCH, 0, 0);
    add_item(s, BT_ITEM_PENALTY, 0, 0, 0, -BT_PENALTY_INF);
}

int32_t bt_shape_width(const bt_shaper *sh, uint32_t font, int32_t size,
                       bt_str text)
{
    int64_t w = 0;
    const char *p = text.ptr, *end = text.ptr + text.len;
    uint32_t buf[256];
    while (p < end) {
        int n = 0;
        while (p < end && n < 256)
            buf[n++] = bt_utf8_next(&p, end);
        const bt_glyphpos *g;
        int ng = sh->shape(sh->payload, font, buf, n, &g);
        for (int i = 0; i < ng; i++)
            w += to_mpt(g[i].advance, size);
    }
    return (int32_t)w;
}

/* Shapes into `out`, its arrays allocated in `dst`. */
static int shape_para(bt_ctx *ctx, const bt_shaper *sh, const bt_textstyle *st,
                      const bt_runs *runs, bt_para *out, bt_arena *dst)
{
    state s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.sh = sh;
    s.st = st;
    s.items.size = sizeof(bt_item);
    s.words.size = sizeof(bt_word);
    s.segs.size = sizeof(bt_seg);
    s.glyphs.size = sizeof(bt_glyph);
    s.wcp.size = s.wfont.size = s.wcol.size = sizeof(uint32_t);
    s.wrun.size = sizeof(const bt_run *);
    s.adv.size = s.off.size = sizeof(int32_t);
    s.brk.size = s.pts.size = sizeof(uint8_t);
    s.expl.size = sizeof(int);
    s.glue_at = -1;
    s.wsize = st->size;
    uint32_t sp = ' ';
    const bt_glyphpos *g;
    if (sh->shape(sh->payload, st->font, &sp, 1, &g) == 1)
        s.space = to_mpt(g[0].advance, st->size);
    if (s.space <= 0)
        s.space = st->size / 4;
    s.track = TRACK_STRETCH;

    if (st->indent > 0)
        add_item(&s, BT_ITEM_BOX, st->indent, 0, 0, 0);
    for (const bt_run *r = runs->first; r; r = r->next) {
        if (r->kind == BT_RUN_BREAK) {
            finish_word(&s);
            s.pending_glue = 0;
            s.nobreak = 0;
            forced_break(&s);
            continue;
        }
        const char *p = r->text.ptr, *end = p + r->text.len;
        uint32_t col = 0;
        while (p < end) {
            uint32_t c = bt_utf8_next(&p, end);
            if (c == ' ' || c == '\n' || c == '\t') {
                finish_word(&s);
                s.pending_glue = 1;
            } else {
                add_char(&s, c, r, col);
            }
            col++;
        }
    }
    finish_word(&s);
    /* a line-end hyphen reads back as a hyphen to keep or one to drop, for
     * a whole paragraph: its explicit hyphens do not break where hyphens
     * are added */
    if (s.nhyph > 0)
        for (int k = 0; k < s.expl.n; k++) {
            bt_item *it = (bt_item *)s.items.p + ((int *)s.expl.p)[k];
            it->penalty = BT_PENALTY_INF;
            it->flagged = 0;
        }
    /* (after that: tie_glue() moves the items after it) */
    if (s.last_lone && s.glue_at >= 0 && !s.glue_tied)
        tie_glue(&s, s.glue_at);
    /* finishing glue + forced break; TeX's \parfillskip */
    if (s.items.n == 0 ||
        ((bt_item *)s.items.p)[s.items.n - 1].penalty != -BT_PENALTY_INF)
        forced_break(&s);

    bt_arena *a = dst;
    out->nitems = s.items.n;
    out->items =
        bt_arena_memdup(a, s.items.p, (size_t)s.items.n * sizeof(bt_item));
    out->nwords = s.words.n;
    out->words =
        bt_arena_memdup(a, s.words.p, (size_t)s.words.n * sizeof(bt_word));
    out->nsegs = s.segs.n;
    out->segs = bt_arena_memdup(a, s.segs.p, (size_t)s.segs.n * sizeof(bt_seg));
    out->nglyphs = s.glyphs.n;
    out->glyphs =
        bt_arena_memdup(a, s.glyphs.p, (size_t)s.glyphs.n * sizeof(bt_glyph));
    bt_vec *all[] = {&s.items, &s.words, &s.segs, &s.glyphs, &s.wcp,
                     &s.wfont, &s.wrun,  &s.wcol, &s.adv,    &s.off,
                     &s.brk,   &s.pts,   &s.expl};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]->p);
    return s.rc;
}

/* ------------------------------------------------------------------ */
/* Paragraph memo                                                     */
/* ------------------------------------------------------------------ */

/* The layout sets most paragraphs more than once: every pass sets the
 * whole bulletin again (the table of contents, a retry for a short
 * tail), and an article's start is measured before it is placed. The
 * memo keys a paragraph by everything bt_shape_para reads besides the
 * fonts: the style, the hyphenator, and each run's kind, style, link,
 * position and text; the value is the finished arrays. Only paragraphs
 * shaped without a diagnostic are kept, so a hit is exactly what shaping
 * again would give, diagnostics included (none). The memo's words,
 * segments and glyphs are handed out shared (the layout only reads them),
 * the items as a copy. Memory is bounded: paragraphs are shaped into the
 * memo until it holds its budget (bt_shapememo_plan), into the caller's
 * arena after. */

struct bt_shapememo {
    key_table tab;  /* values: bt_para, its arrays in the pool */
    bt_arena pool;  /* keys and arrays */
    bt_buf key;        /* scratch: the key being looked up */
    size_t budget;     /* bytes the pool may grow to */
    unsigned long hits, misses;
};

bt_shapememo *bt_shapememo_new(void)
{
    bt_shapememo *m = bt_xcalloc(1, sizeof *m);
    bt_arena_init(&m->pool);
    m->budget = BT_SHAPE_MEMO_BYTES;
    return m;
}

void bt_shapememo_budget(bt_shapememo *m, size_t bytes)
{
    m->budget = bytes;
}

size_t bt_shapememo_plan(bt_shapememo *m, size_t text_bytes)
{
    int whole =
        text_bytes <= BT_SHAPE_MEMO_WHOLE_BYTES / BT_SHAPE_MEMO_PER_TEXT_BYTE;
    m->budget = whole ? BT_SHAPE_MEMO_WHOLE_BYTES : BT_SHAPE_MEMO_BYTES;
    return m->budget;
}

void bt_shapememo_free(bt_shapememo *m)
{
    if (!m)
        return;
    free(m->tab.slots);
    bt_arena_free(&m->pool);
    bt_buf_free(&m->key);
    free(m);
}

void bt_shapememo_stats(const bt_shapememo *m, unsigned long *hits,
                        unsigned long *misses, size_t *bytes)
{
    *hits = m ? m->hits : 0;
    *misses = m ? m->misses : 0;
    *bytes = m ? m->pool.total : 0;
}

static void memo_key(bt_buf *b, const bt_shaper *sh, const bt_textstyle *st,
                     const bt_runs *runs)
{
    bt_buf_clear(b);
    const uint64_t head[] = {st->font,
                             st->font_bold,
                             st->font_italic,
                             st->font_bold_italic,
                             (uint32_t)st->size,
                             st->color,
                             st->link_color,
                             (uint64_t)st->ragged,
                             (uint32_t)st->indent,
                             (uint32_t)st->width,
                             (uint64_t)(uintptr_t)sh->hyph};
    bt_buf_put(b, head, sizeof head);
    for (const bt_run *r = runs->first; r; r = r->next) {
        const uint64_t run[] = {(uint64_t)r->kind,
                                r->style,
                                (uint64_t)(uintptr_t)r->href,
                                r->pos.file,
                                ((uint64_t)r->pos.line << 32) | r->pos.col,
                                r->text.len};
        bt_buf_put(b, run, sizeof run);
        if (r->text.len)
            bt_buf_put(b, r->text.ptr, r->text.len);
    }
}


/* The memo's paragraph for a caller: the items copied into `a` (the
 * layout changes them: no_tracking), the words, segments and glyphs shared
 * (read only; glyph boxes point into them, so the memo lives as long as
 * the pages). */
static void para_serve(bt_arena *a, const bt_para *from, bt_para *to)
{
    *to = *from;
    to->items =
        bt_arena_memdup(a, from->items, (size_t)from->nitems * sizeof(bt_item));
}

int bt_shape_para(bt_ctx *ctx, const bt_shaper *sh, const bt_textstyle *st,
                  const bt_runs *runs, bt_para *out)
{
    bt_shapememo *m = sh->memo;
    if (!m)
        return shape_para(ctx, sh, st, runs, out, &ctx->arena);
    memo_key(&m->key, sh, st, runs);
    uint64_t h = key_hash(m->key.data, m->key.len);
    key_room(&m->tab, 0);
    key_slot *e = key_find(&m->tab, h, m->key.data, m->key.len);
    if (e->key) {
        m->hits++;
        para_serve(&ctx->arena, e->val, out);
        return 0;
    }
    m->misses++;
    /* full: what it holds is still served (the start of every later
     * pass), the rest is shaped each time */
    if (m->pool.total >= m->budget)
        return shape_para(ctx, sh, st, runs, out, &ctx->arena);
    int ndiags = ctx->ndiags, nerrors = ctx->nerrors,
        nwarnings = ctx->nwarnings;
    bt_para p;
    int rc = shape_para(ctx, sh, st, runs, &p, &m->pool);
    if (rc == 0 && ctx->ndiags == ndiags && ctx->nerrors == nerrors &&
        ctx->nwarnings == nwarnings) {
        key_put(&m->tab, e, &m->pool, h, m->key.data, m->key.len, &p,
                sizeof p);
    }
    para_serve(&ctx->arena, &p, out);
    return rc;
}
