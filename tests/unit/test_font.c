/* test_font.c - font.c against the installed Noto fonts (fonts-noto-core):
 * lookup, shaping with kerning and the per-word cache, coverage, fallback
 * fonts and subsetting. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include "harness.h"
#include "font.h"

/* UTF-8 -> code points (test input is valid UTF-8). */
static int cps_of(const char *s, uint32_t *out, int max)
{
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;
    while (*p && n < max) {
        uint32_t c = *p;
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (extra)
            c &= 0x3F >> extra;
        p++;
        for (int i = 0; i < extra; i++)
            c = (c << 6) | (*p++ & 0x3F);
        out[n++] = c;
    }
    return n;
}

static bt_fonts *open_serif(uint32_t *id)
{
    bt_fonts *f = bt_fonts_new("fonts");
    int rc = bt_fonts_find(f, "Noto Serif", 0, 0, id);
    CHECK_INT(rc, 0);
    return f;
}

/* advance sum of a word, 1/1000 em */
static int32_t width_of(bt_shaper *s, uint32_t id, const char *word)
{
    uint32_t cps[64];
    const bt_glyphpos *g;
    int n = cps_of(word, cps, 64);
    int32_t w = 0;
    CHECK_INT(s->shape(s->payload, id, cps, n, &g), n);
    for (int i = 0; i < n; i++)
        w += g[i].advance;
    return w;
}

static void test_font__find_styles(void)
{
    bt_fonts *f = bt_fonts_new(NULL);
    uint32_t r = 0, b = 0, i = 0, bi = 0, again = 0;
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &r), 0);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 1, 0, &b), 0);
    CHECK_INT(bt_fonts_find(f, "noto serif", 0, 1, &i), 0);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 1, 1, &bi), 0);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &again), 0);
    CHECK_INT(again, r);
    CHECK(r != b && r != i && b != i && bi != b && bi != i);
    CHECK_INT(bt_fonts_count(f), 4);
    CHECK_STR(bt_fonts_family(f, r), "Noto Serif");
    CHECK_INT(bt_fonts_bold(f, r), 0);
    CHECK_INT(bt_fonts_italic(f, r), 0);
    CHECK_INT(bt_fonts_bold(f, b), 1);
    CHECK_INT(bt_fonts_italic(f, i), 1);
    CHECK_INT(bt_fonts_bold(f, bi) && bt_fonts_italic(f, bi), 1);
    CHECK_INT(bt_fonts_face_index(f, r), 0);
    const char *p = bt_fonts_path(f, r);
    CHECK(p && strlen(p) > 4 && !strcmp(p + strlen(p) - 4, ".ttf"));
    CHECK(strstr(bt_fonts_path(f, b), "Bold") != NULL);
    bt_fonts_free(f);
}

static void test_font__find_missing(void)
{
    bt_fonts *f = bt_fonts_new("/nonexistent/fonts");
    uint32_t id = 7;
    /* fontconfig would substitute some other family: refused */
    CHECK_INT(bt_fonts_find(f, "No Such Family Xyzzy", 0, 0, &id), -1);
    CHECK_INT(bt_fonts_find(f, "No Such Family Xyzzy", 0, 0, &id), -1);
    CHECK_INT(id, 7);
    CHECK_INT(bt_fonts_count(f), 0);
    bt_fonts_free(f);
}

static void test_font__kerning(void)
{
    uint32_t id;
    bt_fonts *f = open_serif(&id);
    bt_shaper s = bt_fonts_shaper(f);
    int32_t av = width_of(&s, id, "AV");
    int32_t a = width_of(&s, id, "A"), v = width_of(&s, id, "V");
    CHECK(av < a + v);
    uint32_t cps[8];
    const bt_glyphpos *g;
    int n = cps_of("Tây", cps, 8);
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), 3);
    int32_t t_in_word = g[0].advance;
    int32_t t_alone = width_of(&s, id, "T");
    CHECK(t_in_word != t_alone);
    CHECK(t_in_word < t_alone);
    bt_fonts_free(f);
}

static void test_font__one_pos_per_cp(void)
{
    static const char *words[] = {"Nguyễn", "trưởng", "Việt", "Đảng",
                                  "người",  "quốc",   "khỏe", "ĐẠI",
                                  "“Hà",    "Nội”",   "fi",   "ffl"};
    uint32_t id;
    bt_fonts *f = open_serif(&id);
    bt_shaper s = bt_fonts_shaper(f);
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        uint32_t cps[32];
        const bt_glyphpos *g;
        int n = cps_of(words[w], cps, 32);
        CHECK_INT(s.shape(s.payload, id, cps, n, &g), n);
        for (int i = 0; i < n; i++) {
            CHECK_INT(g[i].cp, cps[i]);
            CHECK(g[i].advance > 0); /* precomposed, no ligatures */
        }
    }
    /* decomposed ế: base carries the advance, the marks get their own
     * entries with zero advance */
    uint32_t nfd[3] = {'e', 0x302, 0x301};
    const bt_glyphpos *g;
    CHECK_INT(s.shape(s.payload, id, nfd, 3, &g), 3);
    CHECK(g[0].advance > 0);
    CHECK_INT(g[1].cp, 0x302);
    CHECK_INT(g[2].cp, 0x301);
    CHECK_INT(g[1].advance, 0);
    CHECK_INT(g[2].advance, 0);
    CHECK_INT(s.shape(s.payload, id, nfd, 0, &g), 0);
    bt_fonts_free(f);
}

static void test_font__cache(void)
{
    uint32_t id, bold;
    /* 5000 made-up words: not for the user's saved words */
    const char *was = getenv("BANTIN_FONT_CACHE");
    char *keep = was ? strdup(was) : NULL;
    setenv("BANTIN_FONT_CACHE", "", 1);
    bt_fonts *f = open_serif(&id);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 1, 0, &bold), 0);
    bt_shaper s = bt_fonts_shaper(f);
    uint32_t cps[16], other[16];
    int n = cps_of("nghiệp", cps, 16);
    const bt_glyphpos *a, *b, *c;
    CHECK_INT(s.shape(s.payload, id, cps, n, &a), n);
    memcpy(other, cps, sizeof cps); /* same word, different memory */
    CHECK_INT(s.shape(s.payload, id, other, n, &b), n);
    CHECK(a == b);
    CHECK_INT(s.shape(s.payload, bold, cps, n, &c), n);
    CHECK(c != a);
    CHECK(c[0].advance != a[0].advance || c[1].advance != a[1].advance);
    CHECK_INT(s.shape(s.payload, id, cps, n - 1, &c), n - 1);
    CHECK(c != a);
    /* many distinct words: table growth keeps old results in place */
    for (uint32_t i = 0; i < 5000; i++) {
        uint32_t w[3] = {'a' + i % 26, 'a' + (i / 26) % 26, 0x1EA0 + i / 676};
        const bt_glyphpos *g;
        CHECK_INT(s.shape(s.payload, id, w, 3, &g), 3);
    }
    CHECK_INT(s.shape(s.payload, id, cps, n, &b), n);
    CHECK(a == b);
    CHECK_INT(a[0].cp, 'n');
    bt_fonts_free(f);
    if (keep)
        setenv("BANTIN_FONT_CACHE", keep, 1);
    else
        unsetenv("BANTIN_FONT_CACHE");
    free(keep);
}

static void test_font__covers_and_fallback(void)
{
    uint32_t id;
    bt_fonts *f = open_serif(&id);
    bt_shaper s = bt_fonts_shaper(f);
    CHECK_INT(s.covers(s.payload, id, 0x1ED9), 1); /* ộ */
    CHECK_INT(s.covers(s.payload, id, 0x0F40), 0); /* Tibetan KA */
    CHECK_INT(s.fallback(s.payload, id, 'a'), id);
    uint32_t fb = s.fallback(s.payload, id, 0x0F40);
    CHECK(fb != BT_FONT_NONE && fb != id);
    if (fb != BT_FONT_NONE) {
        CHECK_INT(s.covers(s.payload, fb, 0x0F40), 1);
        const char *p = bt_fonts_path(f, fb);
        CHECK(p && strstr(p, ".ttf") != NULL);
        CHECK_INT(bt_fonts_bold(f, fb), 0);
        /* same answer again, and for a neighbour in the block */
        CHECK_INT(s.fallback(s.payload, id, 0x0F40), fb);
        CHECK_INT(s.fallback(s.payload, id, 0x0F41), fb);
    }
    int before = bt_fonts_count(f);
    CHECK_INT(s.fallback(s.payload, id, 0xE000), BT_FONT_NONE);
    CHECK_INT(s.fallback(s.payload, id, 0x1F600), BT_FONT_NONE);
    CHECK_INT(s.fallback(s.payload, id, 0x1D400), BT_FONT_NONE);
    CHECK_INT(bt_fonts_count(f), before); /* no useless faces kept */
    bt_fonts_free(f);
}

static void test_font__metrics(void)
{
    uint32_t id;
    bt_fonts *f = open_serif(&id);
    bt_shaper s = bt_fonts_shaper(f);
    bt_fontmetrics m;
    s.metrics(s.payload, id, &m);
    CHECK(m.ascent > 700 && m.ascent < 1300);
    CHECK(m.descent > 150 && m.descent < 500);
    CHECK(m.capheight > 600 && m.capheight < m.ascent);
    CHECK(m.xheight > 400 && m.xheight < m.capheight);
    bt_fonts_free(f);
}

static void test_font__subset(void)
{
    uint32_t id;
    bt_fonts *f = open_serif(&id);
    /* ASCII + the Vietnamese letters: about 200 code points */
    uint32_t cps[400];
    int n = 0;
    for (uint32_t c = 0x20; c < 0x7F; c++)
        cps[n++] = c;
    static const uint32_t extra[] = {
        0xC0,  0xC1,  0xC2,  0xC3,  0xC8,   0xC9,   0xCA,   0xCC,  0xCD,  0xD2,
        0xD3,  0xD4,  0xD5,  0xD9,  0xDA,   0xDD,   0xE0,   0xE1,  0xE2,  0xE3,
        0xE8,  0xE9,  0xEA,  0xEC,  0xED,   0xF2,   0xF3,   0xF4,  0xF5,  0xF9,
        0xFA,  0xFD,  0x102, 0x103, 0x110,  0x111,  0x128,  0x129, 0x168, 0x169,
        0x1A0, 0x1A1, 0x1AF, 0x1B0, 0x2013, 0x201C, 0x201D, 0x2026};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
        cps[n++] = extra[i];
    for (uint32_t c = 0x1EA0; c <= 0x1EF9; c += 2) /* lower half only */
        cps[n++] = c + 1;
    bt_buf out = BT_BUF_INIT;
    CHECK_INT(bt_fonts_subset(f, id, cps, n, &out), 0);
    bt_buf orig = BT_BUF_INIT;
    CHECK_INT(bt_buf_read_file(&orig, bt_fonts_path(f, id), 64u << 20), 0);
    CHECK(out.len > 4096);
    CHECK(out.len * 5 < orig.len);
    CHECK(out.len >= 4 && !memcmp(out.data, "\x00\x01\x00\x00", 4));
    /* TrueType outlines kept: the table directory lists glyf, no CFF */
    int has_glyf = 0, has_cff = 0;
    const unsigned char *d = (const unsigned char *)out.data;
    int ntables = out.len >= 12 ? (d[4] << 8) | d[5] : 0;
    for (int i = 0; i < ntables && 12 + 16 * (size_t)(i + 1) <= out.len; i++) {
        has_glyf |= !memcmp(d + 12 + 16 * i, "glyf", 4);
        has_cff |= !memcmp(d + 12 + 16 * i, "CFF ", 4);
    }
    CHECK(has_glyf && !has_cff);
    if (getenv("BT_TEST_VERBOSE"))
        printf("subset: %d cps, %zu -> %zu bytes\n", n, orig.len, out.len);
    bt_buf_free(&orig);
    bt_buf_free(&out);
    bt_fonts_free(f);
}

/* A font file opened apart (bt_fontfile, for a thread beside the one
 * using the fonts) covers what the fonts' face covers and subsets to the
 * same bytes. */
static void test_font__fontfile(void)
{
    uint32_t id;
    bt_fonts *f = open_serif(&id);
    bt_shaper sh = bt_fonts_shaper(f);
    CHECK(bt_fontfile_open("/nonexistent/x.ttf", 0) == NULL);
    bt_fontfile *ff =
        bt_fontfile_open(bt_fonts_path(f, id), bt_fonts_face_index(f, id));
    CHECK(ff != NULL);
    if (!ff) {
        bt_fonts_free(f);
        return;
    }
    static const uint32_t probe[] = {'A', 0x1EA1, 0x2713, 0x4E00, 0x10348, 0};
    int differ = 0, covered = 0;
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
        int a = sh.covers(sh.payload, id, probe[i]);
        differ += a != bt_fontfile_covers(ff, probe[i]);
        covered += a;
    }
    CHECK_INT(differ, 0);
    CHECK(covered >= 2 && covered < 6);
    uint32_t cps[] = {' ', 'a', 'b', 0xE0, 0x1EA1, 0x1EC7};
    bt_buf a = BT_BUF_INIT, b = BT_BUF_INIT;
    CHECK_INT(bt_fonts_subset(f, id, cps, 6, &a), 0);
    CHECK_INT(bt_fontfile_subset(ff, cps, 6, &b), 0);
    CHECK(a.len > 0 && a.len == b.len && !memcmp(a.data, b.data, a.len));
    bt_buf_free(&a);
    bt_buf_free(&b);
    bt_fontfile_free(ff);
    bt_fonts_free(f);
}

/* big-endian uint16 at off of table tag in a TrueType file, or -1 */
static int ttf_u16(const bt_buf *b, const char *tag, size_t off)
{
    const unsigned char *d = (const unsigned char *)b->data;
    int ntables = b->len >= 12 ? (d[4] << 8) | d[5] : 0;
    for (int i = 0; i < ntables && 12 + 16 * (size_t)(i + 1) <= b->len; i++) {
        const unsigned char *e = d + 12 + 16 * i;
        if (memcmp(e, tag, 4))
            continue;
        size_t o = (size_t)e[8] << 24 | (size_t)e[9] << 16 |
                   (size_t)e[10] << 8 | e[11];
        if (o + off + 2 > b->len)
            return -1;
        return d[o + off] << 8 | d[o + off + 1];
    }
    return -1;
}

static void test_font__describe(void)
{
    uint32_t id;
    bt_fonts *f = open_serif(&id);
    bt_shaper s = bt_fonts_shaper(f);
    /* A, V, ộ (a composite in Noto), …, and a CJK letter the face lacks */
    const uint32_t cps[] = {'A', 'V', 0x1ED9, 0x2026, 0x4E00};
    const int n = 5;
    bt_font_desc d;
    CHECK_INT(bt_fonts_describe(f, id, cps, n, &d), 0);
    CHECK(d.ttf.len > 1000 && !memcmp(d.ttf.data, "\x00\x01\x00\x00", 4));
    int nglyphs = ttf_u16(&d.ttf, "maxp", 4);
    CHECK(nglyphs >= n && nglyphs < 40); /* .notdef, 4 glyphs, components */
    for (int i = 0; i < 4; i++) {
        CHECK(d.gid[i] > 0 && d.gid[i] < nglyphs);
        for (int k = 0; k < i; k++)
            CHECK(d.gid[i] != d.gid[k]);
    }
    CHECK_INT(d.gid[4], 0);
    for (int i = 0; i < n; i++)
        CHECK_INT(d.width[i], bt_fonts_pdf_width(f, id, cps[i]));
    /* upem 1000: the PDF width is the shaped advance of the lone letter */
    CHECK_INT(d.width[0], width_of(&s, id, "A"));
    CHECK_INT(d.width[2], width_of(&s, id, "ộ"));
    CHECK(d.width[4] > 0); /* .notdef's advance */
    CHECK_STR(d.name, "NotoSerif-Regular");
    CHECK(d.bbox[0] < 0 && d.bbox[1] < 0 && d.bbox[2] > 1000 &&
          d.bbox[3] > 800);
    CHECK(d.ascent > 700 && d.descent < -150 && d.capheight > 600 &&
          d.xheight > 400);
    CHECK_INT(d.italicangle, 0);
    CHECK_INT(d.fixed, 0);
    bt_font_desc_free(&d);

    uint32_t it;
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 1, &it), 0);
    CHECK_INT(bt_fonts_describe(f, it, cps, 1, &d), 0);
    CHECK(d.italicangle < 0);
    bt_font_desc_free(&d);
    bt_fonts_free(f);
}

/* Reads a whole small file into a heap string ("" when missing). */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *s = calloc(1, 1 << 16);
    if (fp) {
        size_t n = fread(s, 1, (1 << 16) - 1, fp);
        s[n] = 0;
        fclose(fp);
    }
    return s;
}

static void spit(const char *path, const char *s)
{
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (fp) {
        fputs(s, fp);
        fclose(fp);
    }
}

/* The lookup cache: a second build takes fontconfig's answers from it
 * without loading fontconfig, gets the same faces, and anything it cannot
 * trust (a changed folder, a face file gone, garbage) goes to fontconfig. */
static void test_font__lookup_cache(void)
{
    char path[] = "/tmp/bantin-fontcache.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    setenv("BANTIN_FONT_CACHE", path, 1);

    uint32_t r, b, r2, b2, x = 9;
    bt_fonts *f = bt_fonts_new(NULL);
    CHECK_INT(bt_fonts_fontconfig_loaded(f), 1);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &r), 0);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 1, 0, &b), 0);
    char *rpath = strdup(bt_fonts_path(f, r)),
         *bpath = strdup(bt_fonts_path(f, b));
    bt_fonts_free(f); /* writes the cache */
    char *text = slurp(path);
    CHECK(strncmp(text, "bantin-fonts 1\n", 15) == 0);
    CHECK(strstr(text, "\tNoto Serif\t1\t0\t") != NULL);
    CHECK(strstr(text, "/fonts.conf\t") != NULL); /* what it depends on */

    f = bt_fonts_new(NULL);
    CHECK_INT(bt_fonts_fontconfig_loaded(f), 0);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 1, 0, &b2), 0);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &r2), 0);
    CHECK_INT(bt_fonts_fontconfig_loaded(f), 0);
    CHECK_STR(bt_fonts_path(f, r2), rpath);
    CHECK_STR(bt_fonts_path(f, b2), bpath);
    CHECK_STR(bt_fonts_family(f, b2), "Noto Serif");
    CHECK_INT(bt_fonts_bold(f, b2), 1);
    CHECK_INT(bt_fonts_bold(f, r2), 0);
    /* a missing family is never cached: fontconfig says so */
    CHECK_INT(bt_fonts_find(f, "No Such Family Xyzzy", 0, 0, &x), -1);
    CHECK_INT(bt_fonts_fontconfig_loaded(f), 1);
    CHECK_INT(x, 9);
    bt_fonts_free(f);

    /* a cached face file that is gone: fontconfig finds the real one */
    char *stale = slurp(path), *at = strstr(stale, rpath);
    CHECK(at != NULL);
    if (at) {
        memcpy(at, "/nonexistent", 12);
        spit(path, stale);
        f = bt_fonts_new(NULL);
        CHECK_INT(bt_fonts_fontconfig_loaded(f), 0);
        CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &r2), 0);
        CHECK_STR(bt_fonts_path(f, r2), rpath);
        CHECK_INT(bt_fonts_fontconfig_loaded(f), 1);
        bt_fonts_free(f);
    }
    free(stale);

    /* a folder that changed since: the cache is not used at all */
    char *changed = slurp(path), *st = strstr(changed, "\nstat\t");
    CHECK(st != NULL);
    if (st) {
        char *id = strchr(st + 6, '\t');
        CHECK(id != NULL);
        if (id)
            id[1] = id[1] == '1' ? '2' : '1';
        spit(path, changed);
        f = bt_fonts_new(NULL);
        CHECK_INT(bt_fonts_fontconfig_loaded(f), 1);
        CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &r2), 0);
        CHECK_STR(bt_fonts_path(f, r2), rpath);
        bt_fonts_free(f);
    }
    free(changed);

    /* garbage: ignored, then replaced by a good cache */
    spit(path, "bantin-fonts 1\nkey\tnonsense\nfont\tNoto Serif\n");
    f = bt_fonts_new(NULL);
    CHECK_INT(bt_fonts_fontconfig_loaded(f), 1);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &r2), 0);
    CHECK_STR(bt_fonts_path(f, r2), rpath);
    bt_fonts_free(f);
    f = bt_fonts_new(NULL);
    CHECK_INT(bt_fonts_fontconfig_loaded(f), 0);
    bt_fonts_free(f);

    /* BANTIN_FONT_CACHE= (empty): no cache read or written */
    unlink(path);
    setenv("BANTIN_FONT_CACHE", "", 1);
    f = bt_fonts_new(NULL);
    CHECK_INT(bt_fonts_find(f, "Noto Serif", 0, 0, &r2), 0);
    bt_fonts_free(f);
    CHECK(access(path, F_OK) != 0);
    unsetenv("BANTIN_FONT_CACHE");
    free(text);
    free(rpath);
    free(bpath);
}

/* The one FILE.*.shapes file in dir, into out; 0 when found. */
static int shapes_file(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = -1;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".shapes") && !strstr(e->d_name, ".tmp")) {
            snprintf(out, cap, "%s/%s", dir, e->d_name);
            found++;
        }
    if (d)
        closedir(d);
    return found;
}

static long file_size(const char *path)
{
    FILE *fp = fopen(path, "rb");
    long n = -1;
    if (fp && fseek(fp, 0, SEEK_END) == 0)
        n = ftell(fp);
    if (fp)
        fclose(fp);
    return n;
}

/* Shaped words kept between builds: the second bt_fonts takes a word
 * from the file the first one wrote (proved by planting a value there),
 * and a file that does not parse is ignored. */
static void test_font__saved_shapes(void)
{
    char dir[] = "/tmp/bantin-shapes.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cache[256], file[512];
    snprintf(cache, sizeof cache, "%s/fonts.cache", dir);
    setenv("BANTIN_FONT_CACHE", cache, 1);
    uint32_t cps[8], id;
    int n = cps_of("Việt", cps, 8);
    const bt_glyphpos *g;

    bt_fonts *f = open_serif(&id);
    bt_shaper s = bt_fonts_shaper(f);
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), n);
    bt_glyphpos first[8];
    memcpy(first, g, sizeof *g * (size_t)n);
    bt_fonts_free(f); /* writes the face's words */
    CHECK_INT(shapes_file(dir, file, sizeof file), 0);
    long size = file_size(file);
    /* header, count 1, then the word: len, code points, 3 numbers each */
    CHECK(size > 4 + 4 + 16 * n);

    /* the same word again: the saved positions, exactly */
    f = open_serif(&id);
    s = bt_fonts_shaper(f);
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), n);
    for (int i = 0; i < n; i++) {
        CHECK_INT(g[i].cp, first[i].cp);
        CHECK_INT(g[i].advance, first[i].advance);
        CHECK_INT(g[i].dx, first[i].dx);
        CHECK_INT(g[i].dy, first[i].dy);
    }
    bt_fonts_free(f); /* nothing new: the file is not rewritten */
    CHECK_INT(file_size(file), size);

    /* plant an advance: it comes back, so the word was read, not shaped */
    FILE *fp = fopen(file, "r+b");
    CHECK(fp != NULL);
    if (fp) {
        int32_t planted = 12345;
        fseek(fp, size - 12L * n, SEEK_SET);
        fwrite(&planted, 4, 1, fp);
        fclose(fp);
    }
    f = open_serif(&id);
    s = bt_fonts_shaper(f);
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), n);
    CHECK_INT(g[0].advance, 12345);
    bt_fonts_free(f);

    /* cut short: ignored, HarfBuzz shapes it again */
    CHECK_INT(truncate(file, size - 5), 0);
    f = open_serif(&id);
    s = bt_fonts_shaper(f);
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), n);
    CHECK_INT(g[0].advance, first[0].advance);
    bt_fonts_free(f);
    CHECK_INT(file_size(file), size); /* rewritten whole */

    /* full: 2048 words a face, the ones the last build asked for first */
    f = open_serif(&id);
    s = bt_fonts_shaper(f);
    for (uint32_t i = 0; i < 8300; i++) {
        uint32_t w[3] = {'a' + i % 26, 'a' + (i / 26) % 26, 0x1EA0 + i / 676};
        CHECK_INT(s.shape(s.payload, id, w, 3, &g), 3);
    }
    bt_fonts_free(f);
    f = open_serif(&id);
    s = bt_fonts_shaper(f);
    uint32_t nam[3] = {'N', 'a', 'm'};
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), n); /* read back */
    CHECK_INT(s.shape(s.payload, id, nam, 3, &g), 3); /* new */
    bt_fonts_free(f);
    fp = fopen(file, "rb");
    CHECK(fp != NULL);
    if (fp) {
        unsigned char head[1024];
        size_t got = fread(head, 1, sizeof head, fp);
        fclose(fp);
        unsigned char *nl = memchr(head, '\n', got);
        nl = nl ? memchr(nl + 1, '\n', got - (size_t)(nl + 1 - head)) : NULL;
        CHECK(nl != NULL);
        if (nl) {
            uint32_t count, len1, cp1, len2, cp2;
            memcpy(&count, nl + 1, 4);
            memcpy(&len1, nl + 5, 4);
            memcpy(&cp1, nl + 9, 4);
            memcpy(&len2, nl + 9 + 16 * len1, 4);
            memcpy(&cp2, nl + 13 + 16 * len1, 4);
            CHECK_INT(count, 2048);
            CHECK((cp1 == 'V' && cp2 == 'N') || (cp1 == 'N' && cp2 == 'V'));
        }
    }

    /* full, and a build asks for every word in it and new ones too: the
     * file stays as it is (it would only trade words the build asked for);
     * one that leaves a saved word out writes it again */
    bt_buf before = {0}, after = {0};
    CHECK_INT(bt_buf_read_file(&before, file, 1 << 24), 0);
    f = open_serif(&id);
    s = bt_fonts_shaper(f);
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), n);
    CHECK_INT(s.shape(s.payload, id, nam, 3, &g), 3);
    for (uint32_t i = 0; i < 8300; i++) {
        uint32_t w[3] = {'a' + i % 26, 'a' + (i / 26) % 26, 0x1EA0 + i / 676};
        CHECK_INT(s.shape(s.payload, id, w, 3, &g), 3);
    }
    bt_fonts_free(f);
    CHECK_INT(bt_buf_read_file(&after, file, 1 << 24), 0);
    CHECK(before.len == after.len &&
          memcmp(before.data, after.data, before.len) == 0);
    f = open_serif(&id);
    s = bt_fonts_shaper(f);
    uint32_t more[4] = {'m', 'o', 'r', 'e'};
    CHECK_INT(s.shape(s.payload, id, cps, n, &g), n);
    CHECK_INT(s.shape(s.payload, id, more, 4, &g), 4); /* new */
    bt_fonts_free(f);
    bt_buf_clear(&after);
    CHECK_INT(bt_buf_read_file(&after, file, 1 << 24), 0);
    CHECK(before.len != after.len ||
          memcmp(before.data, after.data, before.len) != 0);
    bt_buf_free(&before);
    bt_buf_free(&after);

    unsetenv("BANTIN_FONT_CACHE");
    remove(file);
    remove(cache);
    rmdir(dir);
}

static const bt_t_case cases[] = {
    TEST(test_font__find_styles),  TEST(test_font__find_missing),
    TEST(test_font__kerning),      TEST(test_font__one_pos_per_cp),
    TEST(test_font__cache),        TEST(test_font__covers_and_fallback),
    TEST(test_font__metrics),      TEST(test_font__subset),
    TEST(test_font__fontfile),     TEST(test_font__describe),
    TEST(test_font__lookup_cache), TEST(test_font__saved_shapes),
};

TEST_MAIN("test_font", cases)
