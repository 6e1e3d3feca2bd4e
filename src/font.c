/* font.c - fonts behind one file (see font.h). fontconfig finds faces
 * (TrueType outlines only: libharu cannot embed CFF), HarfBuzz shapes each
 * word once per font and the result is cached for the rest of the build
 * (Vietnamese syllables repeat constantly), HarfBuzz answers coverage and
 * hb-subset cuts fonts down for the EPUB. It sits beside the pipeline: shape
 * and layout see it only through the bt_shaper of shape.h, the writers ask
 * it for file paths. The only file that includes fontconfig or HarfBuzz. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bt_limits.h"
#include <fontconfig/fontconfig.h>
#include <hb.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include "font.h"

/* ------------------------------------------------------------------ */
/* Types                                                              */
/* ------------------------------------------------------------------ */

typedef struct face {
    char *path;       /* heap: font file */
    int index;        /* face index inside a TTC */
    char *family;     /* heap: fontconfig's first family name */
    int bold, italic; /* what the face really is, not what was asked */
    hb_blob_t *blob;  /* the mapped file */
    hb_face_t *hbface;
    hb_font_t *hbfont;      /* scale = upem: positions come out in font units */
    int upem;               /* font units per em */
    bt_fontmetrics metrics; /* 1/1000 em */
    unsigned char *cover;   /* heap, lazily: 2 bits per BMP code point,
                               0 = not asked yet, 1 = no glyph, 2 = glyph */
    int shapes_read;        /* its saved words were looked for (shapes_load) */
    unsigned long shapes_new; /* words shaped by HarfBuzz in this build */
    unsigned shapes_loaded;   /* words read back from its file */
    unsigned shapes_reused;   /* of those, asked for in this build */
    char *shapes_key;         /* heap or NULL: the face file's identity */
    char *shapes_file;        /* heap or NULL: where its words are saved */
} face;

typedef struct request {
    char *family; /* heap: as asked, for the find cache */
    int bold, italic;
    int ok; /* 0: nothing usable installed */
    uint32_t id;
} request;

/* One cached shaping result; the table is open addressing with linear
 * probing, an empty slot has cps == NULL. */
typedef struct shape_entry {
    uint64_t hash;       /* FNV-1a over font id and code points */
    uint16_t font;       /* < BT_MAX_FONTS */
    uint16_t used;       /* asked for in this build (not only read back) */
    int len;             /* code points */
    const uint32_t *cps; /* pool copy of the word */
    bt_glyphpos *pos;    /* pool, len entries */
} shape_entry;

/* uint64 -> uint32 map for fallback results; empty key is UINT64_MAX. */
typedef struct umap_entry {
    uint64_t key;
    uint32_t val;
} umap_entry;

typedef struct umap {
    umap_entry *slots; /* heap */
    size_t cap, count; /* cap is a power of two or 0 */
} umap;

typedef struct cached_find cached_find;

struct bt_fonts {
    FcConfig *fc;        /* our own configuration, not the global one */
    int fc_tried;        /* fc_of ran: fc is loaded, or NULL for good */
    char *app_dir;       /* heap or NULL: bt_fonts_new's folder */
    char *cache_path;    /* heap or NULL: the lookup cache (no cache) */
    char *cache_key;     /* heap or NULL: its key line now */
    cached_find *cached; /* heap: lookups from the cache, then new ones */
    int ncached, capcached;
    int cache_dirty;          /* fontconfig answered: rewrite the cache */
    face faces[BT_MAX_FONTS]; /* id = index */
    int nfaces;
    request *reqs; /* heap: find cache, in order asked */
    int nreqs, capreqs;
    shape_entry *shapes;      /* heap: shaping cache slots */
    size_t shapecap, nshapes; /* cap is a power of two */
    umap fallbacks;           /* (font, cp) and (font, block) -> font */
    bt_arena pool;            /* cached words and positions */
    hb_buffer_t *buf;         /* reused for every shaping call */
    void *scratch;            /* heap: shape_word's per-character sums */
    size_t scratch_cap;       /* characters it holds */
    hb_feature_t features[2]; /* liga=0, clig=0: libharu draws code points */
    hb_language_t vi;
    unsigned long nshaped, nhits; /* statistics */
    pthread_mutex_t *lock;        /* heap; taken only while shared */
    int shared; /* bt_fonts_share: the writers run in two threads */
};

/* While the PDF and EPUB writers run in parallel, every entry point that
 * reads or changes the faces, the caches or fontconfig holds the lock.
 * Outside that window (reading, layout) it costs one flag test. */
static void lock(const bt_fonts *f)
{
    if (f->shared)
        pthread_mutex_lock(f->lock);
}

static void unlock(const bt_fonts *f)
{
    if (f->shared)
        pthread_mutex_unlock(f->lock);
}

void bt_fonts_share(bt_fonts *f, int on)
{
    f->shared = on;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                      */
/* ------------------------------------------------------------------ */

#define TAG4(a, b, c, d)                                                       \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) |    \
     (uint32_t)(d))

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
        if (ca != cb)
            return ca - cb;
        if (!ca)
            return 0;
    }
}

/* font units -> 1/1000 em, rounded half away from zero */
static int32_t to_milli(int64_t v, int upem)
{
    int64_t n = v * 1000;
    if (n >= 0)
        return (int32_t)((n + upem / 2) / upem);
    return (int32_t)(-((-n + upem / 2) / upem));
}

static face *face_of(bt_fonts *f, uint32_t id)
{
    BT_ASSERT(id < (uint32_t)f->nfaces);
    return &f->faces[id];
}

/* ------------------------------------------------------------------ */
/* uint64 -> uint32 map                                               */
/* ------------------------------------------------------------------ */

static uint64_t mix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static int umap_get(const umap *m, uint64_t key, uint32_t *out)
{
    if (!m->cap)
        return 0;
    size_t mask = m->cap - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m->slots[i].key == key) {
            *out = m->slots[i].val;
            return 1;
        }
        if (m->slots[i].key == UINT64_MAX)
            return 0;
    }
}

static void umap_put(umap *m, uint64_t key, uint32_t val);

static void umap_grow(umap *m)
{
    umap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->count = 0;
    m->slots = bt_xmalloc(m->cap * sizeof *m->slots);
    for (size_t i = 0; i < m->cap; i++)
        m->slots[i].key = UINT64_MAX;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key != UINT64_MAX)
            umap_put(m, old.slots[i].key, old.slots[i].val);
    free(old.slots);
}

static void umap_put(umap *m, uint64_t key, uint32_t val)
{
    if ((m->count + 1) * 2 > m->cap)
        umap_grow(m);
    size_t mask = m->cap - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m->slots[i].key == key) {
            m->slots[i].val = val;
            return;
        }
        if (m->slots[i].key == UINT64_MAX) {
            m->slots[i].key = key;
            m->slots[i].val = val;
            m->count++;
            return;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Loading faces                                                      */
/* ------------------------------------------------------------------ */

/* 1 when the face at `index` of the file is TrueType-flavoured (sfnt
 * version 0x00010000 or 'true', not 'OTTO') and really has glyf outlines. */
static int is_glyf_face(hb_blob_t *blob, hb_face_t *hbface, unsigned index)
{
    unsigned len = 0;
    const unsigned char *d =
        (const unsigned char *)hb_blob_get_data(blob, &len);
    if (!d || len < 12)
        return 0;
    uint32_t tag = bt_be32(d);
    if (tag == TAG4('t', 't', 'c', 'f')) {
        uint32_t n = bt_be32(d + 8);
        if (index >= n || 12 + 4 * ((uint64_t)index + 1) > len)
            return 0;
        uint32_t off = bt_be32(d + 12 + 4 * index);
        if ((uint64_t)off + 4 > len)
            return 0;
        tag = bt_be32(d + off);
    } else if (index != 0) {
        return 0;
    }
    if (tag != 0x00010000u && tag != TAG4('t', 'r', 'u', 'e'))
        return 0;
    hb_blob_t *g = hb_face_reference_table(hbface, HB_TAG('g', 'l', 'y', 'f'));
    unsigned glen = hb_blob_get_length(g);
    hb_blob_destroy(g);
    return glen > 0 && hb_face_get_glyph_count(hbface) > 0;
}

static int32_t metric(hb_font_t *font, hb_ot_metrics_tag_t tag, int upem)
{
    hb_position_t v = 0;
    hb_ot_metrics_get_position_with_fallback(font, tag, &v);
    return to_milli(v, upem);
}

static int has_glyph(hb_font_t *font, uint32_t cp)
{
    hb_codepoint_t g = 0;
    return hb_font_get_nominal_glyph(font, cp, &g) && g != 0;
}

/* Returns the id of (path, index), loading it when new. -1 when the file
 * is not a usable TrueType face, lacks a glyph for need_cp (unless that is
 * BT_FONT_NONE), or BT_MAX_FONTS faces are loaded: nothing is kept then. */
static int load_face(bt_fonts *f, const char *path, int index,
                     const char *family, int bold, int italic, uint32_t need_cp,
                     uint32_t *out)
{
    for (int i = 0; i < f->nfaces; i++) {
        if (f->faces[i].index == index && !strcmp(f->faces[i].path, path)) {
            if (need_cp != BT_FONT_NONE &&
                !has_glyph(f->faces[i].hbfont, need_cp))
                return -1;
            *out = (uint32_t)i;
            return 0;
        }
    }
    if (f->nfaces >= BT_MAX_FONTS || index < 0 || index > 0xFFFF)
        return -1;
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
    if (!blob)
        return -1;
    hb_face_t *hbface = hb_face_create(blob, (unsigned)index);
    if (!is_glyf_face(blob, hbface, (unsigned)index)) {
        hb_face_destroy(hbface);
        hb_blob_destroy(blob);
        return -1;
    }
    hb_font_t *hbfont = hb_font_create(hbface);
    if (need_cp != BT_FONT_NONE && !has_glyph(hbfont, need_cp)) {
        hb_font_destroy(hbfont);
        hb_face_destroy(hbface);
        hb_blob_destroy(blob);
        return -1;
    }
    face *fc = &f->faces[f->nfaces];
    memset(fc, 0, sizeof *fc);
    fc->path = bt_xstrdup(path);
    fc->index = index;
    fc->family = bt_xstrdup(family);
    fc->bold = bold;
    fc->italic = italic;
    fc->blob = blob;
    fc->hbface = hbface;
    fc->upem = (int)hb_face_get_upem(hbface);
    if (fc->upem <= 0)
        fc->upem = 1000;
    fc->hbfont = hbfont;
    hb_font_set_scale(fc->hbfont, fc->upem, fc->upem);
    fc->metrics.ascent =
        metric(fc->hbfont, HB_OT_METRICS_TAG_HORIZONTAL_ASCENDER, fc->upem);
    fc->metrics.descent =
        -metric(fc->hbfont, HB_OT_METRICS_TAG_HORIZONTAL_DESCENDER, fc->upem);
    fc->metrics.capheight =
        metric(fc->hbfont, HB_OT_METRICS_TAG_CAP_HEIGHT, fc->upem);
    fc->metrics.xheight =
        metric(fc->hbfont, HB_OT_METRICS_TAG_X_HEIGHT, fc->upem);
    *out = (uint32_t)f->nfaces++;
    return 0;
}

/* Loads a fontconfig font pattern if it is a usable TrueType face. */
static int load_pattern(bt_fonts *f, FcPattern *p, uint32_t need_cp,
                        uint32_t *out)
{
    FcChar8 *file = NULL, *family = NULL, *format = NULL;
    int index = 0, weight = FC_WEIGHT_REGULAR, slant = FC_SLANT_ROMAN;
    FcBool variable = FcFalse;
    if (FcPatternGetString(p, FC_FILE, 0, &file) != FcResultMatch ||
        FcPatternGetString(p, FC_FAMILY, 0, &family) != FcResultMatch)
        return -1;
    if (FcPatternGetString(p, FC_FONTFORMAT, 0, &format) == FcResultMatch &&
        strcmp((const char *)format, "TrueType") != 0)
        return -1;
    /* variable fonts: libharu would embed only the default instance */
    if (FcPatternGetBool(p, FC_VARIABLE, 0, &variable) == FcResultMatch &&
        variable)
        return -1;
    FcPatternGetInteger(p, FC_INDEX, 0, &index);
    FcPatternGetInteger(p, FC_WEIGHT, 0, &weight);
    FcPatternGetInteger(p, FC_SLANT, 0, &slant);
    return load_face(f, (const char *)file, index, (const char *)family,
                     weight >= FC_WEIGHT_DEMIBOLD, slant != FC_SLANT_ROMAN,
                     need_cp, out);
}

/* A pattern asking for TrueType in the given style, substituted the way
 * fc-match does it. Caller destroys. */
static FcPattern *style_pattern(bt_fonts *f, const char *family, int bold,
                                int italic, FcCharSet *cs)
{
    FcPattern *pat = FcPatternCreate();
    if (family)
        FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddInteger(pat, FC_WEIGHT,
                        bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcPatternAddInteger(pat, FC_SLANT,
                        italic ? FC_SLANT_ITALIC : FC_SLANT_ROMAN);
    FcPatternAddString(pat, FC_FONTFORMAT, (const FcChar8 *)"TrueType");
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    if (cs)
        FcPatternAddCharSet(pat, FC_CHARSET, cs);
    FcConfigSubstitute(f->fc, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    return pat;
}

static int has_family(FcPattern *p, const char *family)
{
    FcChar8 *s;
    for (int i = 0; FcPatternGetString(p, FC_FAMILY, i, &s) == FcResultMatch;
         i++)
        if (!ascii_casecmp((const char *)s, family))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The lookup cache: fontconfig's answers kept between builds         */
/* ------------------------------------------------------------------ */

/* FcInitLoadConfigAndFonts parses every configuration file (~25 M
 * instructions) and each bt_fonts_find asks fontconfig again (~2 M): most
 * of a small build's fixed cost, for answers that change only when fonts
 * or the configuration do. So the answers of bt_fonts_find (found faces
 * only; a missing font always asks fontconfig, which gives its error) are
 * kept in a small text file, with what they depend on: the environment
 * fontconfig reads, its version, and the identity (mtime, ctime, size,
 * inode, or absence) of every configuration file and folder, every font
 * folder fontconfig knows and the folders a user adds fonts or settings
 * to. A build whose every request is in a cache that still matches needs
 * no fontconfig at all; anything else loads fontconfig as before (lazily,
 * also for fallback fonts) and rewrites the cache. The file is
 * $BANTIN_FONT_CACHE, else $XDG_CACHE_HOME/bantin/fonts.cache, else
 * ~/.cache/bantin/fonts.cache; BANTIN_FONT_CACHE= (empty) turns it off. A
 * cache that cannot be read or written is ignored. */

#define FCACHE_MAGIC "bantin-fonts 1"
#define FCACHE_MAX   ((size_t)1 << 20)

typedef struct cached_find {
    char *asked; /* heap: family as asked */
    int bold, italic;
    char *path; /* heap */
    int index;
    char *family; /* heap: the face's family */
    int fbold, fitalic;
} cached_find;

/* the environment fontconfig's configuration depends on */
static const char *const fcache_env[] = {"FONTCONFIG_FILE",
                                         "FONTCONFIG_PATH",
                                         "FONTCONFIG_SYSROOT",
                                         "HOME",
                                         "XDG_CONFIG_HOME",
                                         "XDG_DATA_HOME",
                                         "XDG_CACHE_HOME",
                                         "FC_LANG",
                                         "LANG",
                                         "LC_ALL",
                                         "LC_CTYPE"};

static int field_ok(const char *s)
{
    return s && !strpbrk(s, "\t\n");
}

static char *fcache_path(void)
{
    const char *e = getenv("BANTIN_FONT_CACHE");
    if (e)
        return *e ? bt_xstrdup(e) : NULL;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (xdg && *xdg == '/')
        snprintf(buf, sizeof buf, "%s/bantin/fonts.cache", xdg);
    else if (home && *home == '/')
        snprintf(buf, sizeof buf, "%s/.cache/bantin/fonts.cache", home);
    else
        return NULL;
    return bt_xstrdup(buf);
}

/* The "key" line: fontconfig's version, the application font folder and
 * the environment. NULL when a value cannot be written in one field. */
static char *fcache_key(const char *app_dir)
{
    bt_buf b = {0};
    char num[32];
    snprintf(num, sizeof num, "key\tfc=%d", FcGetVersion());
    bt_buf_puts(&b, num);
    bt_buf_puts(&b, "\tapp=");
    if (app_dir) {
        if (!field_ok(app_dir))
            goto bad;
        bt_buf_puts(&b, app_dir);
    }
    for (size_t i = 0; i < sizeof fcache_env / sizeof *fcache_env; i++) {
        const char *v = getenv(fcache_env[i]);
        if (v && !field_ok(v))
            goto bad;
        bt_buf_puts(&b, "\t");
        bt_buf_puts(&b, fcache_env[i]);
        bt_buf_puts(&b, v ? "=" : "-");
        if (v)
            bt_buf_puts(&b, v);
    }
    bt_buf_put(&b, "", 1);
    return (char *)b.data;
bad:
    bt_buf_free(&b);
    return NULL;
}

/* "stat\tPATH\tIDENTITY": the identity of path now, or "-" when absent */
static void stat_line(bt_buf *b, const char *path)
{
    struct stat st;
    char id[160] = "-";
    if (stat(path, &st) == 0)
        snprintf(id, sizeof id, "%lld.%09ld %lld.%09ld %lld %llu",
                 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
                 (long long)st.st_ctim.tv_sec, (long)st.st_ctim.tv_nsec,
                 (long long)st.st_size, (unsigned long long)st.st_ino);
    bt_buf_puts(b, "stat\t");
    bt_buf_puts(b, path);
    bt_buf_puts(b, "\t");
    bt_buf_puts(b, id);
    bt_buf_puts(b, "\n");
}

static void free_finds(cached_find *c, int n)
{
    for (int i = 0; i < n; i++) {
        free(c[i].asked);
        free(c[i].path);
        free(c[i].family);
    }
    free(c);
}

/* Reads the cache into f->cached when it still matches. */
static void fcache_load(bt_fonts *f)
{
    bt_buf b = {0};
    if (!f->cache_path || !f->cache_key ||
        bt_buf_read_file(&b, f->cache_path, FCACHE_MAX) != 0)
        goto out;
    bt_buf_put(&b, "", 1);
    char *save = NULL, *line = strtok_r((char *)b.data, "\n", &save);
    if (!line || strcmp(line, FCACHE_MAGIC) != 0)
        goto out;
    line = strtok_r(NULL, "\n", &save);
    if (!line || strcmp(line, f->cache_key) != 0)
        goto out;
    cached_find *c = NULL;
    int n = 0, cap = 0, ok = 1;
    bt_buf now = {0};
    while (ok && (line = strtok_r(NULL, "\n", &save))) {
        if (!strncmp(line, "stat\t", 5)) {
            char *tab = strchr(line + 5, '\t');
            if (!tab) {
                ok = 0;
                break;
            }
            *tab = 0;
            now.len = 0;
            stat_line(&now, line + 5);
            *tab = '\t';
            /* now = line + "\n" when nothing changed */
            ok = now.len == strlen(line) + 1 &&
                 !memcmp(now.data, line, now.len - 1);
        } else if (!strncmp(line, "font\t", 5)) {
            char *fld[9];
            int k = 0;
            char *s2 = NULL;
            for (char *t = strtok_r(line, "\t", &s2); t && k < 9;
                 t = strtok_r(NULL, "\t", &s2))
                fld[k++] = t;
            if (k != 9) {
                ok = 0;
                break;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                c = bt_xrealloc(c, (size_t)cap * sizeof *c);
            }
            c[n++] = (cached_find){bt_xstrdup(fld[1]), atoi(fld[2]),
                                   atoi(fld[3]),       bt_xstrdup(fld[4]),
                                   atoi(fld[5]),       bt_xstrdup(fld[6]),
                                   atoi(fld[7]),       atoi(fld[8])};
        } else {
            ok = 0;
        }
    }
    bt_buf_free(&now);
    if (ok) {
        f->cached = c;
        f->ncached = f->capcached = n;
    } else {
        free_finds(c, n);
    }
out:
    bt_buf_free(&b);
}

/* Replaces cache file `path` with `b` through PATH.PID.tmp and a rename,
 * so a reader never sees half a file; errors ignored (a cache that is not
 * written is looked up again next time). */
static void cache_replace(const char *path, const bt_buf *b)
{
    size_t tl = strlen(path) + 32;
    char *tmp = bt_xmalloc(tl);
    snprintf(tmp, tl, "%s.%ld.tmp", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    if (fp) {
        int ok = fwrite(b->data, 1, b->len, fp) == b->len;
        ok &= fclose(fp) == 0;
        if (!ok || rename(tmp, path) != 0)
            remove(tmp);
    }
    free(tmp);
}

/* Writes f->cached with the identities of what fontconfig read (f->fc
 * loaded); temp file + rename, errors ignored. */
static void fcache_save(bt_fonts *f)
{
    if (!f->cache_path || !f->cache_key || !f->fc || !f->ncached)
        return;
    bt_buf b = {0};
    bt_buf_puts(&b, FCACHE_MAGIC "\n");
    bt_buf_puts(&b, f->cache_key);
    bt_buf_puts(&b, "\n");
    FcStrList *lists[3] = {FcConfigGetConfigFiles(f->fc),
                           FcConfigGetConfigDirs(f->fc),
                           FcConfigGetFontDirs(f->fc)};
    int ok = 1;
    char *last = NULL; /* the folder of the configuration file before */
    for (int l = 0; l < 3; l++) {
        FcChar8 *s;
        while (lists[l] && (s = FcStrListNext(lists[l]))) {
            ok &= field_ok((const char *)s);
            stat_line(&b, (const char *)s);
            if (l > 0)
                continue;
            /* a configuration file's folder: files added to it */
            char *dir = bt_xstrdup((const char *)s), *sl = strrchr(dir, '/');
            if (sl && sl != dir)
                *sl = 0;
            if (sl && sl != dir && (!last || strcmp(last, dir) != 0)) {
                stat_line(&b, dir);
                free(last);
                last = dir;
            } else {
                free(dir);
            }
        }
        if (lists[l])
            FcStrListDone(lists[l]);
    }
    free(last);
    /* where a user adds settings or fonts, present or not */
    const char *home = getenv("HOME"), *xc = getenv("XDG_CONFIG_HOME"),
               *xd = getenv("XDG_DATA_HOME");
    char p[4096];
    if (xc && *xc == '/') {
        snprintf(p, sizeof p, "%s/fontconfig", xc);
        stat_line(&b, p);
    }
    if (xd && *xd == '/') {
        snprintf(p, sizeof p, "%s/fonts", xd);
        stat_line(&b, p);
    }
    if (home && *home == '/') {
        static const char *const rel[] = {"/.config/fontconfig", "/.fonts.conf",
                                          "/.fonts.conf.d", "/.fonts",
                                          "/.local/share/fonts"};
        for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
            snprintf(p, sizeof p, "%s%s", home, rel[i]);
            stat_line(&b, p);
        }
    }
    if (f->app_dir)
        stat_line(&b, f->app_dir);
    for (int i = 0; i < f->ncached && ok; i++) {
        const cached_find *c = &f->cached[i];
        if (!field_ok(c->asked) || !field_ok(c->path) || !field_ok(c->family)) {
            ok = 0;
            break;
        }
        char num[64];
        bt_buf_puts(&b, "font\t");
        bt_buf_puts(&b, c->asked);
        snprintf(num, sizeof num, "\t%d\t%d\t", c->bold, c->italic);
        bt_buf_puts(&b, num);
        bt_buf_puts(&b, c->path);
        snprintf(num, sizeof num, "\t%d\t", c->index);
        bt_buf_puts(&b, num);
        bt_buf_puts(&b, c->family);
        snprintf(num, sizeof num, "\t%d\t%d\n", c->fbold, c->fitalic);
        bt_buf_puts(&b, num);
    }
    if (ok) {
        /* the folder, and its parent (~/.cache) when missing */
        char *dir = bt_xstrdup(f->cache_path), *sl = strrchr(dir, '/');
        if (sl && sl != dir) {
            *sl = 0;
            char *up = strrchr(dir, '/');
            if (up && up != dir) {
                *up = 0;
                mkdir(dir, 0700);
                *up = '/';
            }
            mkdir(dir, 0700);
        }
        free(dir);
        cache_replace(f->cache_path, &b);
    }
    bt_buf_free(&b);
}

/* fontconfig, loaded on first need */
static FcConfig *fc_of(bt_fonts *f)
{
    if (!f->fc_tried) {
        f->fc_tried = 1;
        f->fc = FcInitLoadConfigAndFonts();
        struct stat st;
        if (f->fc && f->app_dir && stat(f->app_dir, &st) == 0 &&
            S_ISDIR(st.st_mode))
            FcConfigAppFontAddDir(f->fc, (const FcChar8 *)f->app_dir);
    }
    return f->fc;
}

/* ------------------------------------------------------------------ */
/* Public: lifetime and lookup                                        */
/* ------------------------------------------------------------------ */

static void shapes_save(bt_fonts *f, uint32_t font);
static int shapes_due(const face *fc);

bt_fonts *bt_fonts_new(const char *app_font_dir)
{
    bt_fonts *f = bt_xcalloc(1, sizeof *f);
    f->lock = bt_xmalloc(sizeof *f->lock);
    pthread_mutex_init(f->lock, NULL);
    f->app_dir = app_font_dir ? bt_xstrdup(app_font_dir) : NULL;
    f->cache_path = fcache_path();
    f->cache_key = fcache_key(app_font_dir);
    fcache_load(f);
    /* no usable cache: fontconfig now (bt_fonts_new may run in a thread
     * of its own while the inputs are read) rather than at the first find */
    if (!f->ncached)
        fc_of(f);
    bt_arena_init(&f->pool);
    f->buf = hb_buffer_create();
    hb_feature_from_string("liga=0", -1, &f->features[0]);
    hb_feature_from_string("clig=0", -1, &f->features[1]);
    f->vi = hb_language_from_string("vi", -1);
    return f;
}

void bt_fonts_free(bt_fonts *f)
{
    if (!f)
        return;
    if (f->cache_dirty)
        fcache_save(f);
    for (int i = 0; i < f->nfaces; i++)
        if (shapes_due(&f->faces[i]))
            shapes_save(f, (uint32_t)i);
    free_finds(f->cached, f->ncached);
    free(f->app_dir);
    free(f->cache_path);
    free(f->cache_key);
    for (int i = 0; i < f->nfaces; i++) {
        hb_font_destroy(f->faces[i].hbfont);
        hb_face_destroy(f->faces[i].hbface);
        hb_blob_destroy(f->faces[i].blob);
        free(f->faces[i].path);
        free(f->faces[i].family);
        free(f->faces[i].cover);
        free(f->faces[i].shapes_key);
        free(f->faces[i].shapes_file);
    }
    for (int i = 0; i < f->nreqs; i++)
        free(f->reqs[i].family);
    free(f->reqs);
    free(f->shapes);
    free(f->fallbacks.slots);
    bt_arena_free(&f->pool);
    free(f->scratch);
    hb_buffer_destroy(f->buf);
    if (f->fc)
        FcConfigDestroy(f->fc);
    pthread_mutex_destroy(f->lock);
    free(f->lock);
    free(f);
}

int bt_fonts_fontconfig_loaded(const bt_fonts *f)
{
    return f->fc != NULL;
}

int bt_fonts_find(bt_fonts *f, const char *family, int bold, int italic,
                  uint32_t *out_id)
{
    bold = !!bold;
    italic = !!italic;
    for (int i = 0; i < f->nreqs; i++) {
        request *r = &f->reqs[i];
        if (r->bold == bold && r->italic == italic &&
            !strcmp(r->family, family)) {
            if (!r->ok)
                return -1;
            *out_id = r->id;
            return 0;
        }
    }
    /* FcFontSort orders the whole family by closeness to the asked style:
     * the first TrueType face of the right family is the asked style when
     * installed, else the nearest one (the regular face for a missing
     * bold). Other families are fontconfig's substitutes: refused. */
    int ok = 0;
    uint32_t id = 0;
    cached_find *c = NULL;
    for (int i = 0; i < f->ncached && !c; i++)
        if (f->cached[i].bold == bold && f->cached[i].italic == italic &&
            !strcmp(f->cached[i].asked, family))
            c = &f->cached[i];
    if (c && load_face(f, c->path, c->index, c->family, c->fbold, c->fitalic,
                       BT_FONT_NONE, &id) == 0)
        ok = 1;
    if (!ok && fc_of(f)) {
        FcPattern *pat = style_pattern(f, family, bold, italic, NULL);
        /* Only the family's faces are sorted (FcFontList, then the same
         * ordering FcFontSort would give them): sorting every installed
         * font cost ~4 M instructions a request. */
        FcPattern *fam = FcPatternCreate();
        FcPatternAddString(fam, FC_FAMILY, (const FcChar8 *)family);
        FcFontSet *listed = FcFontList(f->fc, fam, NULL);
        FcPatternDestroy(fam);
        FcResult res;
        FcFontSet *fs =
            listed ? FcFontSetSort(f->fc, &listed, 1, pat, FcFalse, NULL, &res)
                   : NULL;
        if (listed)
            FcFontSetDestroy(listed);
        for (int i = 0; fs && i < fs->nfont && !ok; i++)
            if (has_family(fs->fonts[i], family) &&
                load_pattern(f, fs->fonts[i], BT_FONT_NONE, &id) == 0)
                ok = 1;
        if (fs)
            FcFontSetDestroy(fs);
        FcPatternDestroy(pat);
        if (ok) { /* remembered for the next build */
            if (!c) {
                if (f->ncached == f->capcached) {
                    f->capcached = f->capcached ? f->capcached * 2 : 8;
                    f->cached = bt_xrealloc(f->cached, (size_t)f->capcached *
                                                           sizeof *f->cached);
                }
                c = &f->cached[f->ncached++];
                c->asked = bt_xstrdup(family);
                c->bold = bold;
                c->italic = italic;
            } else {
                free(c->path);
                free(c->family);
            }
            const face *fc = &f->faces[id];
            c->path = bt_xstrdup(fc->path);
            c->index = fc->index;
            c->family = bt_xstrdup(fc->family);
            c->fbold = fc->bold;
            c->fitalic = fc->italic;
            f->cache_dirty = 1;
        }
    }
    if (f->nreqs == f->capreqs) {
        f->capreqs = f->capreqs ? f->capreqs * 2 : 8;
        f->reqs = bt_xrealloc(f->reqs, (size_t)f->capreqs * sizeof *f->reqs);
    }
    f->reqs[f->nreqs++] = (request){bt_xstrdup(family), bold, italic, ok, id};
    if (!ok)
        return -1;
    *out_id = id;
    return 0;
}

const char *bt_fonts_path(const bt_fonts *f, uint32_t id)
{
    lock(f);
    BT_ASSERT(id < (uint32_t)f->nfaces);
    const char *r = f->faces[id].path;
    unlock(f);
    return r;
}

int bt_fonts_face_index(const bt_fonts *f, uint32_t id)
{
    lock(f);
    BT_ASSERT(id < (uint32_t)f->nfaces);
    int r = f->faces[id].index;
    unlock(f);
    return r;
}

const char *bt_fonts_family(const bt_fonts *f, uint32_t id)
{
    lock(f);
    BT_ASSERT(id < (uint32_t)f->nfaces);
    const char *r = f->faces[id].family;
    unlock(f);
    return r;
}

int bt_fonts_bold(const bt_fonts *f, uint32_t id)
{
    lock(f);
    BT_ASSERT(id < (uint32_t)f->nfaces);
    int r = f->faces[id].bold;
    unlock(f);
    return r;
}

int bt_fonts_italic(const bt_fonts *f, uint32_t id)
{
    lock(f);
    BT_ASSERT(id < (uint32_t)f->nfaces);
    int r = f->faces[id].italic;
    unlock(f);
    return r;
}

int bt_fonts_count(const bt_fonts *f)
{
    lock(f);
    int n = f->nfaces;
    unlock(f);
    return n;
}

/* ------------------------------------------------------------------ */
/* Shaping with a per-(font, word) cache                              */
/* ------------------------------------------------------------------ */

/* FNV-1a over whole code points (a multiply each, not four), mixed at
 * the end so the low bits the table uses depend on every one. */
static uint64_t word_hash(uint32_t font, const uint32_t *cps, int len)
{
    uint64_t h = (0xcbf29ce484222325ULL ^ font) * 0x100000001b3ULL;
    for (int i = 0; i < len; i++)
        h = (h ^ cps[i]) * 0x100000001b3ULL;
    return mix64(h);
}

/* Rehashes the shaping cache into a table of at least `want` slots (at
 * least twice the old one). */
static void shapes_grow_to(bt_fonts *f, size_t want)
{
    size_t oldcap = f->shapecap;
    shape_entry *old = f->shapes;
    size_t cap = oldcap ? oldcap * 2 : 1024;
    while (cap < want)
        cap *= 2;
    f->shapecap = cap;
    f->shapes = bt_xcalloc(f->shapecap, sizeof *f->shapes);
    size_t mask = f->shapecap - 1;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].cps)
            continue;
        size_t j = old[i].hash & mask;
        while (f->shapes[j].cps)
            j = (j + 1) & mask;
        f->shapes[j] = old[i];
    }
    free(old);
}

static void shapes_grow(bt_fonts *f)
{
    shapes_grow_to(f, 0);
}

/* Runs HarfBuzz on the word and folds glyphs back onto code points. */
static void shape_word(bt_fonts *f, face *fc, const uint32_t *cps, int len,
                       bt_glyphpos *pos)
{
    hb_buffer_t *b = f->buf;
    hb_buffer_clear_contents(b);
    /* character-level clusters: a combining mark keeps its own cluster
     * and so its own offset, which the writer needs to place it */
    hb_buffer_set_cluster_level(b, HB_BUFFER_CLUSTER_LEVEL_MONOTONE_CHARACTERS);
    hb_buffer_add_codepoints(b, cps, len, 0, len);
    hb_buffer_set_direction(b, HB_DIRECTION_LTR);
    hb_buffer_guess_segment_properties(b);
    /* guess would take the language from the locale: pin it instead */
    hb_buffer_set_language(b, hb_buffer_get_script(b) == HB_SCRIPT_LATIN
                                  ? f->vi
                                  : HB_LANGUAGE_INVALID);
    hb_shape(fc->hbfont, b, f->features, 2);

    unsigned n = 0;
    hb_glyph_info_t *info = hb_buffer_get_glyph_infos(b, &n);
    hb_glyph_position_t *gp = hb_buffer_get_glyph_positions(b, &n);
    /* scratch reused from word to word, not allocated per word */
    if ((size_t)len > f->scratch_cap) {
        f->scratch_cap = (size_t)len * 2;
        free(f->scratch);
        f->scratch = bt_xmalloc(f->scratch_cap * (sizeof(int64_t) + 1));
    }
    int64_t *adv = f->scratch;
    unsigned char *seen = (unsigned char *)(adv + f->scratch_cap);
    memset(adv, 0, (size_t)len * sizeof *adv);
    memset(seen, 0, (size_t)len);
    for (int i = 0; i < len; i++)
        pos[i].cp = cps[i];
    for (unsigned i = 0; i < n; i++) {
        unsigned c = info[i].cluster;
        BT_ASSERT(c < (unsigned)len);
        adv[c] += gp[i].x_advance;
        if (!seen[c]) {
            seen[c] = 1;
            pos[c].dx = to_milli(gp[i].x_offset, fc->upem);
            pos[c].dy = to_milli(gp[i].y_offset, fc->upem);
        }
    }
    for (int i = 0; i < len; i++)
        pos[i].advance = to_milli(adv[i], fc->upem);
}

static int shape_cached(bt_fonts *f, uint32_t font, const uint32_t *cps,
                        int len, const bt_glyphpos **out);
static void shapes_load(bt_fonts *f, uint32_t font);

static int S_shape(void *payload, uint32_t font, const uint32_t *cps, int len,
                   const bt_glyphpos **out)
{
    bt_fonts *f = payload;
    lock(f);
    int r = shape_cached(f, font, cps, len, out);
    unlock(f);
    return r;
}

/* The slot of (font, word) in the shaping cache: its entry (cps set) or
 * the empty slot where it belongs. Grows the table first when needed. */
static shape_entry *shape_slot(bt_fonts *f, uint32_t font, const uint32_t *cps,
                               int len, uint64_t h)
{
    if ((f->nshapes + 1) * 2 > f->shapecap)
        shapes_grow(f);
    size_t mask = f->shapecap - 1, i = h & mask;
    for (; f->shapes[i].cps; i = (i + 1) & mask) {
        shape_entry *e = &f->shapes[i];
        if (e->hash == h && e->font == font && e->len == len &&
            !memcmp(e->cps, cps, (size_t)len * sizeof *cps))
            return e;
    }
    return &f->shapes[i];
}

static int shape_cached(bt_fonts *f, uint32_t font, const uint32_t *cps,
                        int len, const bt_glyphpos **out)
{
    face *fc = face_of(f, font);
    if (len <= 0) {
        *out = NULL;
        return 0;
    }
    if (!fc->shapes_read)
        shapes_load(f, font);
    uint64_t h = word_hash(font, cps, len);
    shape_entry *e = shape_slot(f, font, cps, len, h);
    if (e->cps) {
        f->nhits++;
        fc->shapes_reused += !e->used; /* a word read back, first asked */
        e->used = 1;
        *out = e->pos;
        return len;
    }
    e->hash = h;
    e->font = (uint16_t)font;
    e->used = 1;
    e->len = len;
    e->cps = bt_arena_memdup(&f->pool, cps, (size_t)len * sizeof *cps);
    e->pos = bt_arena_alloc(&f->pool, (size_t)len * sizeof *e->pos);
    f->nshapes++;
    f->nshaped++;
    fc->shapes_new++;
    shape_word(f, fc, cps, len, e->pos);
    *out = e->pos;
    return len;
}

/* ------------------------------------------------------------------ */
/* Shaped words kept between builds, per face                         */
/* ------------------------------------------------------------------ */

/* Shaping is most of a small build's layout, and the same Vietnamese
 * syllables come back week after week: the words a face shaped are saved
 * beside the lookup cache (FILE.<hash>.shapes, FILE the lookup cache's
 * file; none when it is off) and read back the first time the face shapes
 * a word. The file is keyed by the face file's identity (path, face index,
 * size, mtime, ctime, inode), HarfBuzz's version and what shape_word asks
 * of it, so a changed font or HarfBuzz starts a new one; the positions are
 * HarfBuzz's as they came out, so the layout is the same with or without
 * it. A file that does not parse is ignored. At most SHAPES_MAX_WORDS
 * words a face are kept, those the last build asked for first. */

#define SHAPES_MAGIC "bantin-shapes 1"
#define SHAPES_MAX_WORDS                                                       \
    2048 /* a face: ~250 KB, read in under 1 M instructions */
#define SHAPES_MAX_LEN   4096 /* code points in one saved word */
#define SHAPES_MAX_BYTES ((size_t)64 << 20)

static char *face_key(const face *fc)
{
    struct stat st;
    if (stat(fc->path, &st) != 0 || !field_ok(fc->path))
        return NULL;
    char tail[320];
    snprintf(tail, sizeof tail,
             "\t%d\t%lld\t%lld.%09ld\t%lld.%09ld\t%llu\thb=%s\t"
             "liga=0,clig=0,vi,monotone-characters\tbyte-order=%u",
             fc->index, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
             (long)st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
             (long)st.st_ctim.tv_nsec, (unsigned long long)st.st_ino,
             hb_version_string(), 0x01020304u);
    size_t n = strlen(fc->path) + strlen(tail) + 1;
    char *k = bt_xmalloc(n);
    snprintf(k, n, "%s%s", fc->path, tail);
    return k;
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* Reads face `font`'s saved words into the shaping cache. */
static void shapes_load(bt_fonts *f, uint32_t font)
{
    face *fc = face_of(f, font);
    fc->shapes_read = 1;
    if (!f->cache_path || !(fc->shapes_key = face_key(fc)))
        return;
    size_t n = strlen(f->cache_path) + 32;
    fc->shapes_file = bt_xmalloc(n);
    snprintf(fc->shapes_file, n, "%s.%016llx.shapes", f->cache_path,
             (unsigned long long)str_hash(fc->shapes_key));
    bt_buf b = {0};
    if (bt_buf_read_file(&b, fc->shapes_file, SHAPES_MAX_BYTES) != 0) {
        bt_buf_free(&b);
        return;
    }
    const unsigned char *p = (const unsigned char *)b.data, *end = p + b.len;
    size_t ml = strlen(SHAPES_MAGIC "\n"), kl = strlen(fc->shapes_key);
    uint32_t count = 0;
    if (b.len < ml + kl + 1 + 4 || memcmp(p, SHAPES_MAGIC "\n", ml) != 0 ||
        memcmp(p + ml, fc->shapes_key, kl) != 0 || p[ml + kl] != '\n')
        goto out;
    p += ml + kl + 1;
    memcpy(&count, p, 4);
    p += 4;
    if (count > SHAPES_MAX_WORDS)
        goto out;
    /* checked whole before any word goes in */
    const unsigned char *q = p;
    for (uint32_t w = 0; w < count; w++) {
        uint32_t len;
        if ((size_t)(end - q) < 4)
            goto out;
        memcpy(&len, q, 4);
        if (len == 0 || len > SHAPES_MAX_LEN ||
            (size_t)(end - q - 4) < (size_t)len * 16)
            goto out;
        q += 4 + (size_t)len * 16;
    }
    if (q != end)
        goto out;
    /* room for them all at once: one rehash, not one per doubling */
    if ((f->nshapes + count + 1) * 2 > f->shapecap)
        shapes_grow_to(f, (f->nshapes + count + 1) * 2);
    for (uint32_t w = 0; w < count; w++) {
        uint32_t len;
        memcpy(&len, p, 4);
        p += 4;
        uint32_t *cps = bt_arena_memdup(&f->pool, p, (size_t)len * sizeof *cps);
        p += (size_t)len * 4;
        uint64_t h = word_hash(font, cps, (int)len);
        shape_entry *e = shape_slot(f, font, cps, (int)len, h);
        if (e->cps) { /* twice in the file: the first one stays */
            p += (size_t)len * 12;
            continue;
        }
        bt_glyphpos *pos = bt_arena_alloc(&f->pool, (size_t)len * sizeof *pos);
        for (uint32_t i = 0; i < len; i++) {
            int32_t v[3];
            memcpy(v, p + 12 * (size_t)i, 12);
            pos[i].cp = cps[i];
            pos[i].advance = v[0];
            pos[i].dx = v[1];
            pos[i].dy = v[2];
        }
        p += (size_t)len * 12;
        e->hash = h;
        e->font = (uint16_t)font;
        e->used = 0;
        e->len = (int)len;
        e->cps = cps;
        e->pos = pos;
        f->nshapes++;
        fc->shapes_loaded++;
    }
out:
    bt_buf_free(&b);
}

/* 1 when a face's file is to be written again: it shaped new words,
 * unless the file is full and the build asked for every word in it (the
 * new file would only trade some words the build asked for for others it
 * asked for; realprose seed 0, built again, rewrote a 150-200 KB file
 * for ~1.7 M instructions at every build). */
static int shapes_due(const face *fc)
{
    return fc->shapes_new && !(fc->shapes_loaded >= SHAPES_MAX_WORDS &&
                               fc->shapes_reused == fc->shapes_loaded);
}

/* Writes face `font`'s words (those read and those shaped since): temp
 * file + rename, errors ignored. */
static void shapes_save(bt_fonts *f, uint32_t font)
{
    face *fc = face_of(f, font);
    if (!fc->shapes_file)
        return;
    bt_buf b = {0};
    bt_buf_puts(&b, SHAPES_MAGIC "\n");
    bt_buf_puts(&b, fc->shapes_key);
    bt_buf_puts(&b, "\n");
    size_t at = b.len;
    uint32_t count = 0;
    bt_buf_put(&b, &count, 4);
    /* the words this build asked for first, then the older ones: a word
     * no build asks for any more leaves once the file is full */
    for (size_t at2 = 0; at2 < 2 * f->shapecap && count < SHAPES_MAX_WORDS;
         at2++) {
        const shape_entry *e = &f->shapes[at2 % f->shapecap];
        if (!e->cps || e->font != font || e->len > SHAPES_MAX_LEN ||
            e->used != (at2 < f->shapecap))
            continue;
        uint32_t len = (uint32_t)e->len;
        bt_buf_put(&b, &len, 4);
        bt_buf_put(&b, e->cps, (size_t)len * 4);
        for (uint32_t k = 0; k < len; k++) {
            int32_t v[3] = {e->pos[k].advance, e->pos[k].dx, e->pos[k].dy};
            bt_buf_put(&b, v, 12);
        }
        count++;
    }
    memcpy(b.data + at, &count, 4);
    cache_replace(fc->shapes_file, &b);
    bt_buf_free(&b);
}

/* has_glyph with a per-face memo for the BMP: layout asks for every
 * character it sets, and HarfBuzz's cmap lookup is a binary search. */
static int covers(bt_fonts *f, uint32_t font, uint32_t cp)
{
    face *fc = face_of(f, font);
    if (cp > 0xFFFF)
        return has_glyph(fc->hbfont, cp);
    if (!fc->cover)
        fc->cover = bt_xcalloc(65536 / 4, 1);
    unsigned shift = (cp & 3) * 2;
    unsigned v = fc->cover[cp >> 2] >> shift & 3;
    if (!v) {
        v = has_glyph(fc->hbfont, cp) ? 2 : 1;
        fc->cover[cp >> 2] |= (unsigned char)(v << shift);
    }
    return v == 2;
}

static int S_covers(void *payload, uint32_t font, uint32_t cp)
{
    bt_fonts *f = payload;
    lock(f);
    int r = covers(f, font, cp);
    unlock(f);
    return r;
}

/* ------------------------------------------------------------------ */
/* Fallback fonts                                                     */
/* ------------------------------------------------------------------ */

#define FB_BLOCK_BIT (1ULL << 31) /* key tag: (font, cp >> 7) block hint */

static uint32_t find_fallback(bt_fonts *f, uint32_t font, uint32_t cp)
{
    face *base = face_of(f, font);
    FcCharSet *cs = FcCharSetCreate();
    FcCharSetAddChar(cs, cp);
    FcPattern *pat = style_pattern(f, NULL, base->bold, base->italic, cs);
    FcResult res;
    FcFontSet *fs = FcFontSort(f->fc, pat, FcFalse, NULL, &res);
    uint32_t found = BT_FONT_NONE;
    for (int i = 0; fs && i < fs->nfont; i++) {
        FcPattern *p = fs->fonts[i];
        FcCharSet *pcs = NULL;
        uint32_t id;
        if (FcPatternGetCharSet(p, FC_CHARSET, 0, &pcs) != FcResultMatch ||
            !FcCharSetHasChar(pcs, cp))
            continue;
        if (load_pattern(f, p, cp, &id) == 0) {
            found = id;
            break;
        }
        if (f->nfaces >= BT_MAX_FONTS)
            break;
    }
    if (fs)
        FcFontSetDestroy(fs);
    FcPatternDestroy(pat);
    FcCharSetDestroy(cs);
    return found;
}

static uint32_t fallback_cached(bt_fonts *f, uint32_t font, uint32_t cp);

static uint32_t S_fallback(void *payload, uint32_t font, uint32_t cp)
{
    bt_fonts *f = payload;
    lock(f);
    uint32_t r = fallback_cached(f, font, cp);
    unlock(f);
    return r;
}

static uint32_t fallback_cached(bt_fonts *f, uint32_t font, uint32_t cp)
{
    face_of(f, font);
    if (cp > 0xFFFF) /* libharu writes non-BMP code points as U+0020 */
        return BT_FONT_NONE;
    if (covers(f, font, cp))
        return font;
    uint64_t key = ((uint64_t)font << 32) | cp;
    uint64_t bkey = ((uint64_t)font << 32) | FB_BLOCK_BIT | (cp >> 7);
    uint32_t id;
    if (umap_get(&f->fallbacks, key, &id))
        return id;
    /* the font that served a neighbour in the same 128-cp block usually
     * serves this one too, without asking fontconfig again */
    if (umap_get(&f->fallbacks, bkey, &id) && covers(f, id, cp)) {
        umap_put(&f->fallbacks, key, id);
        return id;
    }
    id = fc_of(f) ? find_fallback(f, font, cp) : BT_FONT_NONE;
    umap_put(&f->fallbacks, key, id);
    if (id != BT_FONT_NONE)
        umap_put(&f->fallbacks, bkey, id);
    return id;
}

static void S_metrics(void *payload, uint32_t font, bt_fontmetrics *out)
{
    bt_fonts *f = payload;
    lock(f);
    *out = face_of(f, font)->metrics;
    unlock(f);
}

bt_shaper bt_fonts_shaper(bt_fonts *f)
{
    bt_shaper s;
    memset(&s, 0, sizeof s); /* optional parts (hyph, memo) absent */
    s.shape = S_shape;
    s.covers = S_covers;
    s.fallback = S_fallback;
    s.metrics = S_metrics;
    s.payload = f;
    s.hyph = NULL; /* the driver adds hyph.c's */
    return s;
}

/* ------------------------------------------------------------------ */
/* Subsetting for the EPUB                                            */
/* ------------------------------------------------------------------ */

static int subset_whole(bt_fonts *f, uint32_t id, const uint32_t *cps, int n,
                        bt_buf *out);

/* Runs the subset `in` (consumed) of `hbface` and appends the font file it
 * makes to out. Returns 0, or -1 when HarfBuzz fails. */
static int subset_out(hb_face_t *hbface, hb_subset_input_t *in, bt_buf *out)
{
    hb_face_t *sub = hb_subset_or_fail(hbface, in);
    hb_subset_input_destroy(in);
    if (!sub)
        return -1;
    hb_blob_t *blob = hb_face_reference_blob(sub);
    unsigned len = 0;
    const char *data = hb_blob_get_data(blob, &len);
    int rc = -1;
    if (data && len >= 12) {
        bt_buf_put(out, data, len);
        rc = 0;
    }
    hb_blob_destroy(blob);
    hb_face_destroy(sub);
    return rc;
}

int bt_fonts_subset(bt_fonts *f, uint32_t id, const uint32_t *cps, int n,
                    bt_buf *out)
{
    lock(f);
    int r = subset_whole(f, id, cps, n, out);
    unlock(f);
    return r;
}

/* The subset of hbface holding the code points cps[0..n), into out. */
static int subset_cps(hb_face_t *hbface, const uint32_t *cps, int n,
                      bt_buf *out)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in)
        return -1;
    hb_set_t *u = hb_subset_input_unicode_set(in);
    for (int i = 0; i < n; i++)
        hb_set_add(u, cps[i]);
    return subset_out(hbface, in, out);
}

static int subset_whole(bt_fonts *f, uint32_t id, const uint32_t *cps, int n,
                        bt_buf *out)
{
    return subset_cps(face_of(f, id)->hbface, cps, n, out);
}

struct bt_fontfile {
    hb_blob_t *blob;
    hb_face_t *hbface;
    hb_font_t *hbfont;
};

bt_fontfile *bt_fontfile_open(const char *path, int index)
{
    if (index < 0 || index > 0xFFFF)
        return NULL;
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
    if (!blob)
        return NULL;
    bt_fontfile *ff = bt_xmalloc(sizeof *ff);
    ff->blob = blob;
    ff->hbface = hb_face_create(blob, (unsigned)index);
    ff->hbfont = hb_font_create(ff->hbface);
    return ff;
}

int bt_fontfile_covers(const bt_fontfile *ff, uint32_t cp)
{
    return has_glyph(ff->hbfont, cp);
}

int bt_fontfile_subset(const bt_fontfile *ff, const uint32_t *cps, int n,
                       bt_buf *out)
{
    return subset_cps(ff->hbface, cps, n, out);
}

void bt_fontfile_free(bt_fontfile *ff)
{
    if (!ff)
        return;
    hb_font_destroy(ff->hbfont);
    hb_face_destroy(ff->hbface);
    hb_blob_destroy(ff->blob);
    free(ff);
}

/* Big-endian 16-bit field at off of table tag, or 0 past its end. */
static int32_t table_i16(hb_face_t *hbface, hb_tag_t tag, unsigned off)
{
    hb_blob_t *t = hb_face_reference_table(hbface, tag);
    unsigned len = 0;
    const unsigned char *p = (const unsigned char *)hb_blob_get_data(t, &len);
    int32_t v = 0;
    if (p && off + 2 <= len)
        v = (int16_t)(uint16_t)(p[off] << 8 | p[off + 1]);
    hb_blob_destroy(t);
    return v;
}

/* font units -> 1/1000 em the way libharu scales advances: truncated */
static int32_t units_to_pdf(int32_t v, int upem)
{
    return (int32_t)((int64_t)v * 1000 / upem);
}

static int32_t pdf_width(const face *fc, uint32_t cp)
{
    hb_codepoint_t g = 0;
    if (!hb_font_get_nominal_glyph(fc->hbfont, cp, &g))
        g = 0;
    unsigned adv = (unsigned)hb_font_get_glyph_h_advance(fc->hbfont, g);
    return (int16_t)(uint16_t)(adv * 1000u / (unsigned)fc->upem);
}

int32_t bt_fonts_pdf_width(const bt_fonts *f, uint32_t id, uint32_t cp)
{
    BT_ASSERT(id < (uint32_t)f->nfaces);
    lock(f);
    int32_t w = pdf_width(&f->faces[id], cp);
    unlock(f);
    return w;
}

void bt_font_desc_free(bt_font_desc *d)
{
    bt_buf_free(&d->ttf);
    free(d->gid);
    free(d->width);
    memset(d, 0, sizeof *d);
}

static int describe(const face *fc, const uint32_t *cps, int n,
                    bt_font_desc *d);

int bt_fonts_describe(const bt_fonts *f, uint32_t id, const uint32_t *cps,
                      int n, bt_font_desc *d)
{
    BT_ASSERT(id < (uint32_t)f->nfaces);
    memset(d, 0, sizeof *d);
    lock(f);
    int r = describe(&f->faces[id], cps, n, d);
    unlock(f);
    return r;
}

static int describe(const face *fc, const uint32_t *cps, int n, bt_font_desc *d)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in)
        return -1;
    hb_set_t *u = hb_subset_input_unicode_set(in);
    for (int i = 0; i < n; i++)
        hb_set_add(u, cps[i]);
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    hb_set_add(drop, HB_TAG('G', 'S', 'U', 'B'));
    hb_set_add(drop, HB_TAG('G', 'P', 'O', 'S'));
    hb_set_add(drop, HB_TAG('G', 'D', 'E', 'F'));
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NOTDEF_OUTLINE);
    if (subset_out(fc->hbface, in, &d->ttf) != 0)
        return -1;

    /* the subset's own cmap gives each code point its new glyph */
    hb_blob_t *blob = hb_blob_create(d->ttf.data, (unsigned)d->ttf.len,
                                     HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *sface = hb_face_create(blob, 0);
    hb_font_t *sfont = hb_font_create(sface);
    d->gid = bt_xcalloc((size_t)(n > 0 ? n : 1), sizeof *d->gid);
    d->width = bt_xcalloc((size_t)(n > 0 ? n : 1), sizeof *d->width);
    for (int i = 0; i < n; i++) {
        hb_codepoint_t g = 0;
        if (hb_font_get_nominal_glyph(sfont, cps[i], &g) && g <= 0xFFFF)
            d->gid[i] = (uint16_t)g;
        d->width[i] = pdf_width(fc, cps[i]);
    }
    hb_font_destroy(sfont);
    hb_face_destroy(sface);
    hb_blob_destroy(blob);

    char ps[128] = "";
    unsigned len = sizeof ps;
    hb_ot_name_get_utf8(fc->hbface, HB_OT_NAME_ID_POSTSCRIPT_NAME,
                        HB_LANGUAGE_INVALID, &len, ps);
    size_t k = 0;
    for (unsigned i = 0; i < len && ps[i] && k + 1 < sizeof d->name; i++) {
        char c = ps[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')
            d->name[k++] = c;
    }
    if (k == 0)
        memcpy(d->name, "Font", 5);
    else
        d->name[k] = 0;

    int upem = fc->upem;
    d->ascent = fc->metrics.ascent;
    d->descent = -fc->metrics.descent;
    d->capheight = fc->metrics.capheight;
    d->xheight = fc->metrics.xheight;
    for (int i = 0; i < 4; i++)
        d->bbox[i] =
            units_to_pdf(table_i16(fc->hbface, HB_TAG('h', 'e', 'a', 'd'),
                                   36 + 2 * (unsigned)i),
                         upem);
    /* post: italicAngle is a 16.16 number at 4, isFixedPitch a uint32 at 12 */
    d->italicangle = table_i16(fc->hbface, HB_TAG('p', 'o', 's', 't'), 4);
    d->fixed = table_i16(fc->hbface, HB_TAG('p', 'o', 's', 't'), 14) != 0;
    return 0;
}
