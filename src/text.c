/* text.c - UTF-8 input checks, NFC normalisation and whitespace collapse
 * (see text.h). Every reader passes its text through here on the way into
 * the model, so everything downstream sees NFC with single spaces. This is
 * the only file that includes utf8proc; all loops are linear in the input
 * (inputs reach 64 MiB, see limits.h). */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "text.h"
#include "timing.h"

/* ---- UTF-8 primitives ---------------------------------------------------- */

uint32_t bt_utf8_next(const char **p, const char *end)
{
    const unsigned char *s = (const unsigned char *)*p;
    const unsigned char *e = (const unsigned char *)end;
    uint32_t c = s[0];
    int n;
    if (c < 0x80) {
        *p += 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
    } else {
        *p += 1; /* not a lead byte: never read past it */
        return 0xFFFD;
    }
    if (e - s < n) {
        *p += 1;
        return 0xFFFD;
    }
    for (int k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            *p += 1;
            return 0xFFFD;
        }
        c = (c << 6) | (s[k] & 0x3F);
    }
    *p += n;
    return c;
}

size_t bt_utf8_count(bt_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
    return n;
}

int bt_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int is_bom(const unsigned char *s, size_t len)
{
    return len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF;
}

/* ---- input check --------------------------------------------------------- */

int bt_text_check_input(bt_ctx *ctx, uint16_t file, const char *data,
                        size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    bt_pos pos = {file, 1, 1};
    size_t i = 0;

    if (len >= 4 &&
        ((s[0] == 0xFF && s[1] == 0xFE && s[2] == 0 && s[3] == 0) ||
         (s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF))) {
        bt_error(ctx, pos, "not UTF-8 (UTF-32 byte-order mark)");
        return -1;
    }
    if (len >= 2 &&
        ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
        bt_error(ctx, pos, "not UTF-8 (UTF-16 byte-order mark)");
        return -1;
    }
    if (is_bom(s, len))
        i = 3; /* the BOM is not a character: columns start after it */
    if (i == len) {
        bt_error(ctx, pos, "empty file");
        return -1;
    }

    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == '\n' || c == '\r') {
                i += (c == '\r' && i + 1 < len && s[i + 1] == '\n') ? 2 : 1;
                pos.line++;
                pos.col = 1;
                continue;
            }
            if (c == 0) {
                bt_error(ctx, pos, "NUL byte not allowed");
                return -1;
            }
            if (c < 0x20 && c != '\t') {
                bt_error(ctx, pos, "control character U+%04X not allowed", c);
                return -1;
            }
            i++;
            pos.col++;
            continue;
        }
        int n;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c < 0xC0) {
            bt_error(ctx, pos,
                     "invalid UTF-8 (unexpected continuation byte 0x%02X)", c);
            return -1;
        } else if (c < 0xC2) {
            bt_error(ctx, pos, "invalid UTF-8 (overlong encoding)");
            return -1;
        } else if (c < 0xE0) {
            n = 2;
        } else if (c < 0xF0) {
            n = 3;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c < 0xF5) {
            n = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            bt_error(ctx, pos,
                     "invalid UTF-8 (byte 0x%02X cannot start a character)", c);
            return -1;
        }
        for (int k = 1; k < n; k++) {
            if (i + (size_t)k >= len) {
                bt_error(ctx, pos,
                         "invalid UTF-8 (sequence cut off at end of "
                         "file)");
                return -1;
            }
            unsigned b = s[i + (size_t)k];
            if ((b & 0xC0) != 0x80) {
                if (k == 1)
                    bt_error(ctx, pos,
                             "invalid UTF-8 (byte 0x%02X not followed by a "
                             "continuation byte)",
                             c);
                else
                    bt_error(ctx, pos,
                             "invalid UTF-8 (incomplete sequence starting with "
                             "byte 0x%02X)",
                             c);
                return -1;
            }
            if (k == 1 && (b < lo || b > hi)) {
                if (c == 0xED)
                    bt_error(ctx, pos,
                             "invalid UTF-8 (encoded surrogate U+%04X)",
                             0xD000u | ((b & 0x3Fu) << 6) |
                                 (i + 2 < len ? s[i + 2] & 0x3Fu : 0));
                else if (c == 0xF4)
                    bt_error(ctx, pos,
                             "invalid UTF-8 (code point above U+10FFFF)");
                else
                    bt_error(ctx, pos, "invalid UTF-8 (overlong encoding)");
                return -1;
            }
        }
        i += (size_t)n;
        pos.col++;
    }
    return 0;
}

void bt_linecol_init(bt_linecol *lc, const char *data, size_t len)
{
    lc->data = data;
    lc->len = len;
    lc->start = is_bom((const unsigned char *)data, len) ? 3 : 0;
    lc->at = lc->start;
    lc->line = lc->col = 1;
}

void bt_linecol_seek(bt_linecol *lc, size_t off)
{
    if (off > lc->len)
        off = lc->len;
    if (off < lc->at) {
        lc->at = lc->start;
        lc->line = lc->col = 1;
    }
    const unsigned char *p = (const unsigned char *)lc->data;
    uint32_t line = lc->line, col = lc->col;
    for (size_t i = lc->at; i < off; i++) {
        if (p[i] == '\n' ||
            (p[i] == '\r' && !(i + 1 < lc->len && p[i + 1] == '\n'))) {
            line++;
            col = 1;
        } else if (p[i] == '\r') {
            /* CR LF is one line end, counted at the LF */
        } else if ((p[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    lc->at = off;
    lc->line = line;
    lc->col = col;
}

void bt_text_linecol(const char *data, size_t off, uint32_t *line,
                     uint32_t *col)
{
    /* a cursor that ends at off: a CR just before off is a line end, so an
     * offset on the LF of a CR LF lands at the start of the next line */
    bt_linecol lc;
    bt_linecol_init(&lc, data, off);
    bt_linecol_seek(&lc, off);
    *line = lc.line;
    *col = lc.col;
}

/* ---- normalisation ------------------------------------------------------- */

/* Output buffer (heap while building, copied into the arena at the end). */
typedef struct obuf {
    char *p;
    size_t len, cap;
} obuf;

static void ob_reserve(obuf *o, size_t extra)
{
    if (o->cap - o->len >= extra)
        return;
    size_t cap = o->cap ? o->cap : 64;
    while (cap - o->len < extra) {
        BT_ASSERT(cap <= SIZE_MAX / 2);
        cap *= 2;
    }
    o->p = bt_xrealloc(o->p, cap);
    o->cap = cap;
}

/* UTF-32 scratch for utf8proc, reused across segments of one call. */
typedef struct scratch {
    utf8proc_int32_t *v;
    utf8proc_ssize_t cap; /* entries */
    int heap;             /* v was malloc'd (else it is a caller's array) */
} scratch;

#define NFC_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPOSE)

/* NFC of one segment (see normalize below for why segments are
 * independent), appended to o. */
static void nfc_segment(obuf *o, scratch *sc, const char *s, size_t n)
{
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t need;
    for (;;) {
        need = utf8proc_decompose(u, (utf8proc_ssize_t)n, sc->v, sc->cap,
                                  NFC_OPTS);
        if (need < 0)
            break;
        /* reencode needs one spare byte beyond 4 per code point */
        if (need + 1 <= sc->cap)
            break;
        sc->cap = need + 1 > 2 * sc->cap ? need + 1 : 2 * sc->cap;
        if (sc->heap)
            free(sc->v);
        sc->v = bt_xmalloc((size_t)sc->cap * sizeof *sc->v);
        sc->heap = 1;
    }
    if (need >= 0)
        need = utf8proc_reencode(sc->v, need, NFC_OPTS);
    if (need < 0) { /* invalid input (caller's bug): keep the bytes */
        ob_reserve(o, n);
        memcpy(o->p + o->len, s, n);
        o->len += n;
        return;
    }
    ob_reserve(o, (size_t)need);
    memcpy(o->p + o->len, sc->v, (size_t)need);
    o->len += (size_t)need;
}

/* Code points before which a segment may safely end early: canonical
 * combining class 0 (checked by the caller) and never the second half of a
 * canonical composition. Only well-known letter blocks are listed; any
 * other code point merely makes the segment longer. */
static int safe_cut(uint32_t cp)
{
    return (cp >= 0x00A0 && cp <= 0x02FF) || (cp >= 0x0370 && cp <= 0x04FF) ||
           (cp >= 0x1E00 && cp <= 0x1FFF) || (cp >= 0x2000 && cp <= 0x2FFF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3);
}

int bt_text_nfc_inert(uint32_t cp)
{
    return (cp >= 0x00A0 && cp <= 0x024F) || (cp >= 0x1E00 && cp <= 0x1EFF) ||
           (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) ||
           cp == 0x20AB || cp == 0x20AC;
}

#define SEG_SOFT  1024        /* bytes: end a segment at the next safe cut */
#define SEG_HARD  (64 * 1024) /* bytes: end it at the next starter */
#define SEG_MARKS 30          /* UAX #15 stream-safe: non-starters in a row */

static int is_ws(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* NFC is computed segment by segment. A segment starts at an ASCII
 * character (or where the previous one ended) and runs over the following
 * non-ASCII characters. ASCII characters have combining class 0 and are
 * never the second half of a composition, so nothing before one can
 * reorder or compose across it: the NFC of the text is the concatenation
 * of the NFC of its segments. Long segments are cut early (SEG_*) so the
 * scratch stays small and utf8proc's canonical reordering, which is a
 * bubble sort, stays linear: a run of more than SEG_MARKS combining marks
 * is split as the Stream-Safe Text Format of UAX #15 does, and only such
 * pathological input can differ from a strict NFC. */
static bt_str normalize(bt_arena *a, bt_str s, unsigned flags)
{
    const unsigned char *u = (const unsigned char *)s.ptr;
    const char *end = s.ptr + s.len;
    int nbsp = (flags & BT_TEXT_NBSP_SPACE) != 0;
    obuf o = {NULL, 0, 0};
    utf8proc_int32_t local[256];
    scratch sc = {local, 256, 0};
    int in_ws = 0;
    size_t i = 0;

    ob_reserve(&o, s.len + 1);
    while (i < s.len) {
        unsigned c = u[i];
        if (is_ws(c) ||
            (nbsp && c == 0xC2 && i + 1 < s.len && u[i + 1] == 0xA0)) {
            if (!in_ws) {
                ob_reserve(&o, 1);
                o.p[o.len++] = ' ';
                in_ws = 1;
            }
            i += c == 0xC2 ? 2 : 1;
            continue;
        }
        in_ws = 0;
        if (c < 0x80 && (i + 1 == s.len || u[i + 1] < 0x80)) {
            ob_reserve(&o, 1); /* fast path: ASCII followed by ASCII */
            o.p[o.len++] = (char)c;
            i++;
            continue;
        }
        size_t start = i;
        int marks = 0, inert = 1;
        if (c < 0x80)
            i++;
        while (i < s.len && u[i] >= 0x80) {
            if (nbsp && u[i] == 0xC2 && i + 1 < s.len && u[i + 1] == 0xA0)
                break;
            const char *p = s.ptr + i;
            uint32_t cp = bt_utf8_next(&p, end);
            int inert_cp = bt_text_nfc_inert(cp);
            inert &= inert_cp;
            if (!inert_cp &&
                utf8proc_get_property((utf8proc_int32_t)cp)->combining_class) {
                if (++marks > SEG_MARKS && i > start)
                    break;
            } else {
                marks = 0;
                if (i > start && i - start >= SEG_SOFT &&
                    (safe_cut(cp) || i - start >= SEG_HARD))
                    break;
            }
            i = (size_t)(p - s.ptr);
        }
        if (inert) { /* already NFC: no utf8proc round trip */
            ob_reserve(&o, i - start);
            memcpy(o.p + o.len, s.ptr + start, i - start);
            o.len += i - start;
        } else {
            nfc_segment(&o, &sc, s.ptr + start, i - start);
        }
    }
    if (sc.heap)
        free(sc.v);
    bt_str r;
    r.ptr = bt_arena_strndup(a, o.p ? o.p : "", o.len);
    r.len = o.len;
    free(o.p);
    return r;
}

bt_str bt_text_normalize(bt_arena *a, bt_str s, unsigned flags)
{
    if (!bt_timing_on)
        return normalize(a, s, flags);
    uint64_t t0 = bt_time_ns();
    bt_str r = normalize(a, s, flags);
    bt_timing_add(BT_T_NORMALISE, bt_time_ns() - t0);
    return r;
}

bt_str bt_text_trim(bt_str s)
{
    while (s.len && s.ptr[0] == ' ') {
        s.ptr++;
        s.len--;
    }
    while (s.len && s.ptr[s.len - 1] == ' ')
        s.len--;
    return s;
}

int bt_text_words(bt_str s)
{
    int n = 0, in_word = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (is_ws((unsigned char)s.ptr[i])) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            n++;
        }
    }
    return n;
}
