/* test_pdf_out.c - bt_pdf_write on hand-built pages: Vietnamese runs shaped
 * with the real Noto Serif through font.c, a rule, a raw RGB image with
 * alpha, an internal and a URI link, an outline. The file is checked with
 * the tools users and CI use (qpdf, poppler, mupdf, ghostscript), which
 * must print no warnings; a missing tool or font skips the case (required:
 * `make deps` installs them).
 * BT_BENCH=1 also times 100 pages x 3000 glyphs. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <hpdf.h>
#include <zlib.h>

#include "harness.h"
#include "arena.h"
#include "bt_limits.h"
#include "buf.h"
#include "diag.h"
#include "font.h"
#include "fsout.h"
#include "image.h"
#include "layout.h"
#include "model.h"
#include "pdf_out.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static char tmpdir[64];

static int make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/bt_test_pdf_XXXXXX");
    return mkdtemp(tmpdir) != NULL;
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(tmpdir);
}

static const char *tmp(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *p = bufs[next++ & 7];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    if (system(cmd) == 0)
        return 1;
    snprintf(cmd, sizeof cmd, "%s not installed (make deps)", tool);
    bt_t_skip(1, cmd);
    return 0;
}

/* Reads a whole file into b (cleared first). */
static void slurp(bt_buf *b, const char *path)
{
    bt_buf_clear(b);
    if (bt_buf_read_file(b, path, 256u << 20) != 0)
        bt_buf_clear(b);
    bt_buf_putc(b, 0);
    b->len--;
}

/* mutool's only allowed stderr line. */
static int mutool_err_ok(const bt_buf *err)
{
    const char *p = err->data ? err->data : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *icc = strstr(p, "ICC support is not available");
        if (n && !(icc && icc < p + n))
            return 0;
        p += n + (nl ? 1 : 0);
    }
    return 1;
}

/* Runs `cmd` with stdout and stderr into files; returns the exit status. */
static int run(const char *cmd, bt_buf *out, bt_buf *err)
{
    char full[2048];
    const char *o = tmp("out.txt"), *e = tmp("err.txt");
    snprintf(full, sizeof full, "%s >'%s' 2>'%s'", cmd, o, e);
    int rc = system(full);
    slurp(out, o);
    slurp(err, e);
    if (err->len && !mutool_err_ok(err))
        fprintf(stderr, "[%s] stderr:\n%s", cmd, err->data);
    return rc;
}

static int decode_utf8(const char *s, uint32_t *out, int max)
{
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;
    while (*p && n < max) {
        uint32_t c = *p++;
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (extra)
            c &= 0x3Fu >> extra;
        while (extra-- > 0 && *p)
            c = c << 6 | (*p++ & 0x3F);
        out[n++] = c;
    }
    return n;
}

static int32_t em_to_mpt(int32_t em, int32_t size)
{
    int64_t v = (int64_t)em * size;
    return (int32_t)(v >= 0 ? (v + 500) / 1000 : -((-v + 500) / 1000));
}

/* A GLYPHS box for `text` shaped in `font` at `size` mpt. */
static bt_box glyph_box(bt_arena *a, const bt_shaper *sh, uint32_t font,
                        const char *text, int32_t x, int32_t y, int32_t size,
                        uint32_t color)
{
    uint32_t cps[256] = {0};
    int n = decode_utf8(text, cps, 256);
    const bt_glyphpos *gp = NULL;
    int got = sh->shape(sh->payload, font, cps, n, &gp);
    BT_ASSERT(got == n);
    bt_glyph *g = bt_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *g);
    int32_t pen = 0;
    for (int i = 0; i < n; i++) {
        g[i].cp = cps[i];
        g[i].x = em_to_mpt(pen + gp[i].dx, size);
        g[i].y = -em_to_mpt(gp[i].dy, size);
        pen += gp[i].advance;
    }
    bt_box b;
    memset(&b, 0, sizeof b);
    b.kind = BT_BOX_GLYPHS;
    b.x = x;
    b.y = y;
    b.w = em_to_mpt(pen, size);
    b.h = size;
    b.u.run.font = font;
    b.u.run.size = size;
    b.u.run.color = color;
    b.u.run.n = n;
    b.u.run.glyphs = g;
    return b;
}

static bt_box rect_box(enum bt_box_kind kind, int32_t x, int32_t y, int32_t w,
                       int32_t h)
{
    bt_box b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    b.x = x;
    b.y = y;
    b.w = w;
    b.h = h;
    return b;
}

/* ------------------------------------------------------------------ */
/* Fixture: a two-page document                                       */
/* ------------------------------------------------------------------ */

typedef struct fixture {
    bt_ctx ctx;
    bt_fonts *fonts;
    bt_shaper sh;
    uint32_t reg, bold;
    bt_doc *doc;
    bt_pages pages;
    bt_image img;
    int32_t nguyen_x; /* expected x of "Nguyên" on page 1, mpt */
    int av_adj;       /* expected TJ adjustment between A and V */
} fixture;

static bt_page *add_page(bt_arena *a, bt_pages *ps, int nboxes)
{
    bt_page *p = &ps->pages[ps->npages++];
    p->number = ps->npages;
    p->boxes = bt_arena_alloc(a, (size_t)nboxes * sizeof *p->boxes);
    p->nboxes = 0;
    return p;
}

static int fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    bt_ctx_init(&f->ctx);
    bt_arena *a = &f->ctx.arena;
    f->fonts = bt_fonts_new(NULL);
    if (bt_fonts_find(f->fonts, "Noto Serif", 0, 0, &f->reg) != 0 ||
        bt_fonts_find(f->fonts, "Noto Serif", 1, 0, &f->bold) != 0) {
        bt_t_skip(1, "Noto Serif not installed (fonts-noto-core, make deps)");
        return 0;
    }
    f->sh = bt_fonts_shaper(f->fonts);

    bt_doc *doc = bt_doc_new(a);
    doc->file = bt_ctx_file(&f->ctx, "bulletin.xml", NULL);
    doc->title.text =
        bt_arena_str(a, "Bản tin Tây Nguyên", strlen("Bản tin Tây Nguyên"));
    doc->number.text = bt_arena_str(a, "26", 2);
    doc->publisher.text =
        bt_arena_str(a, "Ban Tuyên giáo", strlen("Ban Tuyên giáo"));
    doc->stamp = (bt_time){2024, 5, 6, 7, 8, 9, 1714979289};
    bt_section *s = bt_doc_add_section(a, doc);
    s->title.text = bt_arena_str(a, "Xây dựng Đảng", strlen("Xây dựng Đảng"));
    bt_section *s2 = bt_doc_add_section(a, doc);
    s2->title.text = bt_arena_str(a, "Kinh tế", strlen("Kinh tế"));
    f->doc = doc;

    /* A 40x30 RGB gradient with a round alpha mask. */
    enum { IW = 40, IH = 30 };
    unsigned char *px = bt_arena_alloc(a, IW * IH * 3);
    unsigned char *al = bt_arena_alloc(a, IW * IH);
    for (int y = 0; y < IH; y++) {
        for (int x = 0; x < IW; x++) {
            px[(y * IW + x) * 3 + 0] = (unsigned char)(x * 255 / IW);
            px[(y * IW + x) * 3 + 1] = (unsigned char)(y * 255 / IH);
            px[(y * IW + x) * 3 + 2] = 160;
            int dx = x - IW / 2, dy = y - IH / 2;
            al[y * IW + x] = dx * dx + dy * dy < 14 * 14 ? 255 : 40;
        }
    }
    f->img.kind = BT_IMAGE_PNG;
    f->img.width = IW;
    f->img.height = IH;
    f->img.media_type = "image/png";
    f->img.pixels = px;
    f->img.channels = 3;
    f->img.alpha = al;

    bt_pages *ps = &f->pages;
    ps->width = 595276; /* A4 */
    ps->height = 841890;
    ps->pages = bt_arena_alloc(a, 2 * sizeof *ps->pages);

    bt_page *p = add_page(a, ps, 16);
    p->boxes[p->nboxes++] = glyph_box(a, &f->sh, f->bold, "Hội nghị giao ban",
                                      56693, 100000, 24000, 0x000000);
    bt_box tn = glyph_box(a, &f->sh, f->reg, "Tây Nguyên", 56693, 130000, 12000,
                          0xB00000);
    f->nguyen_x = tn.x + tn.u.run.glyphs[4].x;
    p->boxes[p->nboxes++] = tn;
    /* Two words of one line as separate boxes (merged into one TJ). */
    bt_box w1 = glyph_box(a, &f->sh, f->reg, "phát", 56693, 150000, 12000, 0);
    bt_box w2 = glyph_box(a, &f->sh, f->reg, "triển", 56693 + w1.w + 3000,
                          150000, 12000, 0);
    p->boxes[p->nboxes++] = w1;
    p->boxes[p->nboxes++] = w2;
    bt_box av = glyph_box(a, &f->sh, f->reg, "AV", 56693, 200000, 36000, 0);
    {
        uint32_t cpa = 'A';
        const bt_glyphpos *gp;
        f->sh.shape(f->sh.payload, f->reg, &cpa, 1, &gp);
        int32_t wa = gp[0].advance; /* A alone: no kerning */
        int64_t xv = (int64_t)av.u.run.glyphs[1].x * 1000;
        f->av_adj = (int)(wa - (xv + 18000) / 36000);
    }
    p->boxes[p->nboxes++] = av;
    bt_box rule = rect_box(BT_BOX_RULE, 56693, 210000, 481890, 1000);
    rule.u.rule.color = 0x1F4E79;
    p->boxes[p->nboxes++] = rule;
    bt_box im = rect_box(BT_BOX_IMAGE, 56693, 230000, 120000, 90000);
    im.u.img.image = &f->img;
    p->boxes[p->nboxes++] = im;
    bt_box l1 = rect_box(BT_BOX_LINK, 56693, 112000, 100000, 20000);
    l1.u.link.page = 2;
    l1.u.link.y = 80000;
    p->boxes[p->nboxes++] = l1;
    bt_box l2 = rect_box(BT_BOX_LINK, 56693, 182000, 60000, 20000);
    l2.u.link.uri = "https://báo.vn/tin tức?q=Tây Nguyên";
    p->boxes[p->nboxes++] = l2;
    /* Text after the image: a new BT. */
    p->boxes[p->nboxes++] = glyph_box(a, &f->sh, f->reg, "Ảnh: Đắk Lắk", 56693,
                                      335000, 9000, 0x555555);

    p = add_page(a, ps, 8);
    p->boxes[p->nboxes++] = glyph_box(
        a, &f->sh, f->bold, "Tây Nguyên phát triển", 56693, 100000, 18000, 0);
    p->boxes[p->nboxes++] =
        glyph_box(a, &f->sh, f->reg, "Giá cà phê “tăng” – 5 000 đồng…", 56693,
                  130000, 10000, 0);
    /* A glyph with a vertical offset gets its own Td. */
    bt_box h2o = glyph_box(a, &f->sh, f->reg, "H2O", 56693, 160000, 10000, 0);
    ((bt_glyph *)h2o.u.run.glyphs)[1].y = 2000;
    p->boxes[p->nboxes++] = h2o;
    bt_box im2 = rect_box(BT_BOX_IMAGE, 300000, 150000, 60000, 45000);
    im2.u.img.image = &f->img; /* the same image: loaded once */
    p->boxes[p->nboxes++] = im2;
    /* Glyph expansion: the layout scales the glyph positions by 101.5 %,
     * the writer sets Tz so the viewer's pen agrees (no TJ adjustment),
     * and the next box is back at 100 %. */
    bt_box nong = glyph_box(a, &f->sh, f->reg, "Nông", 56693, 190000, 10000, 0);
    bt_glyph *ng = (bt_glyph *)nong.u.run.glyphs;
    for (int i = 0; i < nong.u.run.n; i++)
        ng[i].x = (int32_t)(((int64_t)ng[i].x * 10150 + 5000) / 10000);
    nong.w = (int32_t)(((int64_t)nong.w * 10150 + 5000) / 10000);
    nong.u.run.expand = 150;
    p->boxes[p->nboxes++] = nong;
    p->boxes[p->nboxes++] =
        glyph_box(a, &f->sh, f->reg, "Lai", 56693, 205000, 10000, 0);

    ps->outline = bt_arena_alloc(a, 3 * sizeof *ps->outline);
    const char *titles[3] = {"Xây dựng Đảng", "Hội nghị giao ban",
                             "Tây Nguyên phát triển"};
    int levels[3] = {0, 1, 1}, pg[3] = {1, 1, 2};
    for (int i = 0; i < 3; i++) {
        ps->outline[i].level = levels[i];
        ps->outline[i].title = bt_arena_str(a, titles[i], strlen(titles[i]));
        ps->outline[i].page = pg[i];
        ps->outline[i].y = 76000;
    }
    ps->noutline = 3;
    return 1;
}

static void fixture_free(fixture *f)
{
    if (f->fonts)
        bt_fonts_free(f->fonts);
    bt_ctx_free(&f->ctx);
}

/* A temp folder and fixture_init; 0, with both undone, when either fails. */
static int fixture_open(fixture *f)
{
    if (!make_tmpdir()) {
        CHECK(!"mkdtemp");
        return 0;
    }
    if (!fixture_init(f)) {
        fixture_free(f);
        remove_tmpdir();
        return 0;
    }
    return 1;
}

/* Occurrences of needle in b (binary-safe). */
static int count_in(const bt_buf *b, const char *needle)
{
    size_t m = strlen(needle);
    int n = 0;
    for (size_t i = 0; b->data && i + m <= b->len; i++)
        if (b->data[i] == needle[0] && !memcmp(b->data + i, needle, m))
            n++;
    return n;
}

/* The first `needle` in [p, end), or NULL (binary-safe). */
static const char *find_in(const char *p, const char *end, const char *needle)
{
    size_t m = strlen(needle);
    for (; p && p + m <= end; p++)
        if (*p == needle[0] && !memcmp(p, needle, m))
            return p;
    return NULL;
}

/* pdfinfo prints "Key:" padded with spaces, then the value. */
static int info_is(const char *text, const char *key, const char *value)
{
    char k[64];
    snprintf(k, sizeof k, "\n%s:", key);
    const char *p = strstr(text, k);
    if (!p && !strncmp(text, k + 1, strlen(k + 1)))
        p = text - 1;
    if (!p)
        return 0;
    p += strlen(k);
    while (*p == ' ')
        p++;
    size_t n = strlen(value);
    return !strncmp(p, value, n) && p[n] == '\n';
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

static void test_pdf_out__document(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    char pdf[512];
    snprintf(pdf, sizeof pdf, "%s", tmp("a.pdf"));
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts, pdf), 0);
    CHECK_INT(f.ctx.nerrors, 0);

    bt_buf out = BT_BUF_INIT, err = BT_BUF_INIT, b2 = BT_BUF_INIT;
    char cmd[1024];
    slurp(&out, pdf);
    CHECK(out.len > 1000 && !memcmp(out.data, "%PDF-1.4", 8));

    /* Determinism: a second build is byte-identical. */
    const char *pdf2 = tmp("b.pdf");
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts, pdf2), 0);
    slurp(&b2, pdf2);
    CHECK(out.len == b2.len && !memcmp(out.data, b2.data, out.len));
    CHECK_INT(count_in(&out, "/ID ["), 1);

    /* The image's pixels and alpha deflated ahead (a figure of the
     * document names it): the same bytes. */
    bt_article *art = bt_article_new(&f.ctx.arena, f.doc->file);
    bt_section_add_article(f.doc->sections, art);
    bt_block *fig =
        bt_article_add_block(&f.ctx.arena, art, BT_BLOCK_FIGURE, (bt_pos){0});
    fig->image = &f.img;
    bt_pdf_images *pre = bt_pdf_images_start(f.doc);
    CHECK(pre != NULL);
    const char *pdf3 = tmp("c.pdf");
    CHECK_INT(bt_pdf_write_pre(&f.ctx, f.doc, &f.pages, f.fonts, pre, pdf3), 0);
    bt_pdf_images_free(pre);
    slurp(&b2, pdf3);
    CHECK(out.len == b2.len && !memcmp(out.data, b2.data, out.len));

    if (have("qpdf")) {
        snprintf(cmd, sizeof cmd, "qpdf --check '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        /* The content stream: one kerned TJ for "AV". */
        snprintf(cmd, sizeof cmd,
                 "qpdf --stream-data=uncompress --object-streams=disable '%s' "
                 "'%s'",
                 pdf, tmp("qdf.pdf"));
        CHECK_INT(run(cmd, &out, &err), 0);
        slurp(&b2, tmp("qdf.pdf"));
        char want[64];
        snprintf(want, sizeof want, "[<0041>%d<0056>]TJ", f.av_adj);
        CHECK(f.av_adj > 0);
        CHECK(count_in(&b2, want) > 0);
        /* "phát" and "triển" (two boxes) share one TJ. */
        CHECK(count_in(&b2, "<007000681EA10074>") == 0); /* no ạ */
        CHECK(count_in(&b2, "<0070006800E10074>") > 0);
        CHECK_INT(count_in(&b2, " -2 Td[<0032>]TJ"), 1);
        CHECK_INT(count_in(&b2, " 2 Td[<004F>]TJ"), 1);
        CHECK_INT(count_in(&b2, "101.5 Tz\n"), 1);
        CHECK_INT(count_in(&b2, "100 Tz\n"), 1);
        CHECK_INT(count_in(&b2, "Td[<004E00F4006E0067>]TJ"), 1);
        /* The ToUnicode CMaps are bfchar identity maps. */
        CHECK(count_in(&b2, "begincidrange") == 0);
        CHECK(count_in(&b2, "<1ED9> <1ED9>") > 0); /* ộ */
        CHECK(count_in(&b2, "/Border") > 0);
        /* 3 outline items + 1 link: [page /XYZ 0 top null] */
        CHECK_INT(count_in(&b2, "/XYZ 0 "), 4);
        CHECK_INT(count_in(&b2, " null ]"), 4);
        /* One image XObject plus its SMask, though drawn twice. */
        CHECK_INT(count_in(&b2, "/Subtype /Image"), 2);
        CHECK(count_in(&b2, "/SMask") > 0);
        CHECK(count_in(&b2, "https://b%C3%A1o.vn/"
                            "tin%20t%E1%BB%A9c?q=T%C3%A2y%20Nguy%C3%AAn") > 0);
        CHECK(count_in(&b2, "/PageMode /UseOutlines") > 0);
        CHECK(count_in(&b2, "/CreationDate (D:20240506070809+00'00')") > 0);
    }

    if (have("pdffonts")) {
        snprintf(cmd, sizeof cmd, "pdffonts '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        int fonts = 0;
        char *save = NULL;
        for (char *line = strtok_r(out.data, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            if (!strstr(line, "CID TrueType"))
                continue;
            fonts++;
            char *tok[16];
            int nt = 0;
            char *s2 = NULL;
            for (char *t = strtok_r(line, " ", &s2); t && nt < 16;
                 t = strtok_r(NULL, " ", &s2))
                tok[nt++] = t;
            CHECK(nt >= 5);
            if (nt >= 5) {
                CHECK_STR(tok[nt - 5], "yes");
                CHECK_STR(tok[nt - 4], "yes");
                CHECK_STR(tok[nt - 3], "yes");
            }
        }
        CHECK_INT(fonts, 2);
    }

    if (have("pdftotext")) {
        snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' -", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        CHECK(strstr(out.data, "Hội nghị giao ban") != NULL);
        CHECK(strstr(out.data, "Tây Nguyên") != NULL);
        CHECK(strstr(out.data, "phát triển") != NULL);
        CHECK(strstr(out.data, "Ảnh: Đắk Lắk") != NULL);
        CHECK(strstr(out.data, "H2O") != NULL);
        CHECK(strstr(out.data, "Nông") != NULL);
        CHECK(strstr(out.data, "Giá cà phê “tăng” – 5 000 đồng…") != NULL);
        /* Positions: "Nguyên" starts where layout put it. */
        snprintf(cmd, sizeof cmd, "pdftotext -f 1 -l 1 -bbox '%s' -", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        const char *wd = strstr(out.data, ">Nguyên<");
        CHECK(wd != NULL);
        if (wd) {
            const char *xm = wd;
            while (xm > out.data && strncmp(xm, "xMin=\"", 6))
                xm--;
            double x = atof(xm + 6);
            double want = f.nguyen_x / 1000.0;
            CHECK(x > want - 0.05 && x < want + 0.05);
        }
    }

    if (have("pdfinfo")) {
        snprintf(cmd, sizeof cmd, "pdfinfo '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        CHECK(info_is(out.data, "Title", "Bản tin Tây Nguyên – Số 26"));
        CHECK(info_is(out.data, "Author", "Ban Tuyên giáo"));
        CHECK(info_is(out.data, "Subject", "Bản tin"));
        CHECK(info_is(out.data, "Keywords", "Xây dựng Đảng, Kinh tế"));
        CHECK(info_is(out.data, "Creator", "bantin " BT_VERSION));
        CHECK(info_is(out.data, "Pages", "2"));
        CHECK(info_is(out.data, "PDF version", "1.4"));
        CHECK(info_is(out.data, "Page size", "595.276 x 841.89 pts (A4)"));
        snprintf(cmd, sizeof cmd, "pdfinfo -url '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        CHECK(strstr(out.data, "https://b%C3%A1o.vn/") != NULL);
    }

    if (have("mutool")) {
        snprintf(cmd, sizeof cmd, "mutool show '%s' outline", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK(mutool_err_ok(&err));
        CHECK(strstr(out.data, "Xây dựng Đảng") != NULL);
        CHECK(strstr(out.data, "Hội nghị giao ban") != NULL);
        CHECK(strstr(out.data, "Tây Nguyên phát triển") != NULL);
        /* Rasterise every page (to stdout: no progress lines; no -q). */
        snprintf(cmd, sizeof cmd, "mutool draw -F pnm -o - '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK(mutool_err_ok(&err));
        snprintf(cmd, sizeof cmd, "mutool draw -F txt -o - '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK(mutool_err_ok(&err));
        CHECK(strstr(out.data, "Hội nghị giao ban") != NULL);
    }

    if (have("gs")) {
        snprintf(cmd, sizeof cmd, "gs -sDEVICE=nullpage -dBATCH -dNOPAUSE '%s'",
                 pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        snprintf(cmd, sizeof cmd,
                 "gs -sDEVICE=txtwrite -dBATCH -dNOPAUSE -o - '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        CHECK(strstr(out.data, "Tây Nguyên") != NULL);
    }

    if (getenv("BT_KEEP_PDF")) {
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", pdf, getenv("BT_KEEP_PDF"));
        CHECK_INT(system(cmd), 0);
    }

    bt_buf_free(&out);
    bt_buf_free(&err);
    bt_buf_free(&b2);
    fixture_free(&f);
    remove_tmpdir();
}

/* A 16x8 baseline RGB JPEG (libjpeg, quality 50). */
static const unsigned char tiny_jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
    0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43,
    0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10, 0x0e, 0x0d, 0x0e, 0x12,
    0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23,
    0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40,
    0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51,
    0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64,
    0x78, 0x5c, 0x65, 0x67, 0x63, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x11, 0x12,
    0x12, 0x18, 0x15, 0x18, 0x2f, 0x1a, 0x1a, 0x2f, 0x63, 0x42, 0x38, 0x42,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x10, 0x03,
    0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x00,
    0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x10, 0x00,
    0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00,
    0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21,
    0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81,
    0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24,
    0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
    0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56,
    0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
    0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86,
    0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
    0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3,
    0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
    0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9,
    0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1,
    0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xc4, 0x00,
    0x1f, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x11, 0x00,
    0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00,
    0x01, 0x02, 0x77, 0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31,
    0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08,
    0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15,
    0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18,
    0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39,
    0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55,
    0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84,
    0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
    0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
    0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4,
    0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
    0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
    0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00,
    0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xa1,
    0x6f, 0xa1, 0x74, 0xf9, 0x2b, 0x4e, 0xdf, 0x42, 0xe9, 0xf2, 0x51, 0x45,
    0x67, 0x57, 0x13, 0x53, 0xb9, 0xcf, 0x97, 0xe2, 0xea, 0xe9, 0xa9, 0xff,
    0xd9,
};

/* JPEG pass-through and an opaque grey raw image: no SMask, so the file
 * stays PDF 1.3; DCTDecode is used, and every reader stays quiet. */
static void test_pdf_out__jpeg_gray(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    bt_arena *a = &f.ctx.arena;
    bt_image jpg, gray;
    memset(&jpg, 0, sizeof jpg);
    jpg.kind = BT_IMAGE_JPEG;
    jpg.width = 16;
    jpg.height = 8;
    jpg.media_type = "image/jpeg";
    jpg.file = tiny_jpeg;
    jpg.file_len = sizeof tiny_jpeg;
    jpg.jpeg = tiny_jpeg;
    jpg.jpeg_len = sizeof tiny_jpeg;
    jpg.jpeg_components = 3;
    unsigned char *px = bt_arena_alloc(a, 64 * 64);
    for (int i = 0; i < 64 * 64; i++)
        px[i] = (unsigned char)((i % 64) * 4);
    memset(&gray, 0, sizeof gray);
    gray.kind = BT_IMAGE_PNG;
    gray.width = gray.height = 64;
    gray.media_type = "image/png";
    gray.pixels = px;
    gray.channels = 1;

    /* No publisher, one article: its authors are the Author. */
    f.doc->publisher.text = BT_STR_NULL;
    f.doc->subtitle.text =
        bt_arena_str(a, "Điểm báo tuần", strlen("Điểm báo tuần"));
    bt_article *art = bt_article_new(a, f.doc->file);
    bt_field au = {bt_arena_str(a, "Nguyễn Văn A", strlen("Nguyễn Văn A")),
                   {0, 0, 0}};
    bt_article_add_author(a, art, au);
    au.text = bt_arena_str(a, "Trần Thị Bình", strlen("Trần Thị Bình"));
    bt_article_add_author(a, art, au);
    bt_section_add_article(f.doc->sections, art);
    f.doc->narticles = 1;

    bt_pages ps = f.pages;
    ps.npages = 0;
    ps.pages = bt_arena_alloc(a, sizeof *ps.pages);
    ps.noutline = 0;
    bt_page *p = add_page(a, &ps, 4);
    bt_box b1 = rect_box(BT_BOX_IMAGE, 50000, 50000, 160000, 80000);
    b1.u.img.image = &jpg;
    bt_box b2 = rect_box(BT_BOX_IMAGE, 250000, 50000, 64000, 64000);
    b2.u.img.image = &gray;
    p->boxes[p->nboxes++] = b1;
    p->boxes[p->nboxes++] = b2;
    p->boxes[p->nboxes++] =
        glyph_box(a, &f.sh, f.reg, "Ảnh JPEG", 50000, 150000, 10000, 0);
    char pdf[512];
    snprintf(pdf, sizeof pdf, "%s", tmp("j.pdf"));
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &ps, f.fonts, pdf), 0);
    CHECK_INT(f.ctx.nerrors, 0);
    bt_buf out = BT_BUF_INIT, err = BT_BUF_INIT;
    char cmd[1024];
    slurp(&out, pdf);
    CHECK(out.len > 8 && !memcmp(out.data, "%PDF-1.3", 8));
    CHECK(count_in(&out, "/DCTDecode") == 1);
    CHECK(count_in(&out, "/SMask") == 0);
    CHECK(count_in(&out, "/PageMode") == 0);
    if (have("qpdf")) {
        snprintf(cmd, sizeof cmd, "qpdf --check '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
    }
    if (have("pdfinfo")) {
        snprintf(cmd, sizeof cmd, "pdfinfo '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        CHECK(info_is(out.data, "Author", "Nguyễn Văn A, Trần Thị Bình"));
        CHECK(info_is(out.data, "Subject", "Điểm báo tuần"));
        CHECK(info_is(out.data, "PDF version", "1.3"));
    }
    if (have("pdftoppm")) {
        snprintf(cmd, sizeof cmd, "pdftoppm -r 50 -png '%s' '%s'", pdf,
                 tmp("j"));
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
    }
    if (have("mutool")) {
        snprintf(cmd, sizeof cmd, "mutool draw -F txt -o - '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK(mutool_err_ok(&err));
    }
    if (have("gs")) {
        snprintf(cmd, sizeof cmd, "gs -sDEVICE=nullpage -dBATCH -dNOPAUSE '%s'",
                 pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
    }
    bt_buf_free(&out);
    bt_buf_free(&err);
    fixture_free(&f);
    remove_tmpdir();
}

/* Appends the PNG chunk (type, data, n) to b. */
static void png_chunk(bt_buf *b, const char *type, const unsigned char *data,
                      uint32_t n)
{
    unsigned char hd[8] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n};
    memcpy(hd + 4, type, 4);
    bt_buf_put(b, hd, 8);
    bt_buf_put(b, data, n);
    uLong crc = crc32(crc32(0, hd + 4, 4), data, n);
    unsigned char c[4] = {(unsigned char)(crc >> 24),
                          (unsigned char)(crc >> 16), (unsigned char)(crc >> 8),
                          (unsigned char)crc};
    bt_buf_put(b, c, 4);
}

/* An 8-bit PNG (ctype 0 grey or 2 RGB) of px, its rows filtered in turn
 * with None, Sub, Up, Average and Paeth, deflated as one IDAT. */
static bt_buf tiny_png(const unsigned char *px, int w, int h, int ctype)
{
    int bpp = ctype == 2 ? 3 : 1;
    size_t stride = (size_t)w * (size_t)bpp;
    unsigned char *raw = calloc((stride + 1) * (size_t)h, 1);
    for (int y = 0; y < h; y++) {
        unsigned char *o = raw + (size_t)y * (stride + 1);
        const unsigned char *row = px + (size_t)y * stride;
        const unsigned char *up = y ? row - stride : NULL;
        int f = y % 5;
        o[0] = (unsigned char)f;
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)bpp ? row[i - (size_t)bpp] : 0;
            int b = up ? up[i] : 0;
            int c = up && i >= (size_t)bpp ? up[i - (size_t)bpp] : 0;
            int pred = bt_t_png_pred(f, a, b, c);
            o[1 + i] = (unsigned char)(row[i] - pred);
        }
    }
    uLongf zlen = compressBound((uLong)((stride + 1) * (size_t)h));
    unsigned char *z = malloc(zlen);
    compress2(z, &zlen, raw, (uLong)((stride + 1) * (size_t)h), 9);
    bt_buf b = BT_BUF_INIT;
    bt_buf_put(&b, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[13] = {0,
                              0,
                              (unsigned char)(w >> 8),
                              (unsigned char)w,
                              0,
                              0,
                              (unsigned char)(h >> 8),
                              (unsigned char)h,
                              8,
                              (unsigned char)ctype,
                              0,
                              0,
                              0};
    png_chunk(&b, "IHDR", ihdr, 13);
    png_chunk(&b, "IDAT", z, (uint32_t)zlen);
    png_chunk(&b, "IEND", (const unsigned char *)"", 0); /* crc32(NULL) is 0 */
    free(raw);
    free(z);
    return b;
}

/* An 8-bit RGB and a grey PNG go in as their IDAT data with /Predictor
 * 15; poppler extracts the same pixels from them as from the same pixels
 * written raw (the route of every other PNG). */
static void test_pdf_out__png_passthrough(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    bt_arena *a = &f.ctx.arena;
    enum { W = 37, H = 23 };
    unsigned char *px = bt_arena_alloc(a, W * H * 3);
    for (int i = 0; i < W * H * 3; i++)
        px[i] = (unsigned char)((i * 7 + (i / (W * 3)) * 13) ^ (i >> 4));
    bt_buf rgb = tiny_png(px, W, H, 2), grey = tiny_png(px, W, H, 0);
    const bt_image *im[2] = {
        bt_image_decode(&f.ctx, (bt_pos){0, 1, 1},
                        (const unsigned char *)rgb.data, rgb.len),
        bt_image_decode(&f.ctx, (bt_pos){0, 1, 1},
                        (const unsigned char *)grey.data, grey.len)};
    CHECK(im[0] && im[0]->idat && im[1] && im[1]->idat);
    if (!im[0] || !im[0]->idat || !im[1] || !im[1]->idat) {
        bt_buf_free(&rgb);
        bt_buf_free(&grey);
        fixture_free(&f);
        remove_tmpdir();
        return;
    }
    bt_image raw[2] = {*im[0], *im[1]};
    raw[0].idat = raw[1].idat = NULL;   /* the decode-and-deflate route */
    raw[0].pixels = raw[1].pixels = px; /* the grey PNG is px's first W*H */

    bt_pages ps = f.pages;
    ps.npages = 0;
    ps.pages = bt_arena_alloc(a, sizeof *ps.pages);
    ps.noutline = 0;
    bt_page *p = add_page(a, &ps, 4);
    for (int i = 0; i < 4; i++) {
        bt_box b =
            rect_box(BT_BOX_IMAGE, 50000 + 120000 * i, 50000, 111000, 69000);
        b.u.img.image = i < 2 ? im[i] : &raw[i - 2];
        p->boxes[p->nboxes++] = b;
    }
    char pdf[512]; /* tmp() reuses its buffer */
    snprintf(pdf, sizeof pdf, "%s", tmp("png.pdf"));
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &ps, f.fonts, pdf), 0);
    CHECK_INT(f.ctx.nerrors, 0);
    bt_buf out = BT_BUF_INIT, err = BT_BUF_INIT;
    slurp(&out, pdf);
    CHECK_INT(count_in(&out, "/Predictor 15"), 2);
    CHECK_INT(count_in(&out, "/Colors 3"), 1);
    CHECK_INT(count_in(&out, "/Columns 37"), 2);
    char cmd[1024];
    if (have("qpdf")) {
        snprintf(cmd, sizeof cmd, "qpdf --check '%s'", pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
    }
    if (have("pdfimages")) {
        snprintf(cmd, sizeof cmd, "pdfimages '%s' '%s'", pdf, tmp("x"));
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
        /* x-000 RGB idat, x-001 grey idat, x-002 and x-003 the raw ones;
         * pdfimages writes grey as RGB too */
        const char *names[4] = {"x-000.ppm", "x-001.ppm", "x-002.ppm",
                                "x-003.ppm"};
        bt_buf img[4] = {BT_BUF_INIT, BT_BUF_INIT, BT_BUF_INIT, BT_BUF_INIT};
        for (int i = 0; i < 4; i++)
            slurp(&img[i], tmp(names[i]));
        const size_t n = (size_t)W * H;
        for (int k = 0; k < 2; k++) {
            CHECK(img[k].len > 3 * n && img[k].len == img[k + 2].len &&
                  !memcmp(img[k].data, img[k + 2].data, img[k].len));
            if (img[k].len <= 3 * n)
                continue;
            const unsigned char *got =
                (const unsigned char *)img[k].data + img[k].len - 3 * n;
            int bad = 0;
            for (size_t i = 0; i < 3 * n; i++)
                bad += got[i] != (k ? px[i / 3] : px[i]);
            CHECK_INT(bad, 0);
        }
        for (int i = 0; i < 4; i++)
            bt_buf_free(&img[i]);
    }
    if (have("gs")) {
        snprintf(cmd, sizeof cmd, "gs -sDEVICE=nullpage -dBATCH -dNOPAUSE '%s'",
                 pdf);
        CHECK_INT(run(cmd, &out, &err), 0);
        CHECK_INT(err.len, 0);
    }
    bt_buf_free(&out);
    bt_buf_free(&err);
    bt_buf_free(&rgb);
    bt_buf_free(&grey);
    fixture_free(&f);
    remove_tmpdir();
}

/* A font id bt_fonts does not know: an error, no file, no crash. */
static void test_pdf_out__unknown_font(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    bt_box *b = &f.pages.pages[1].boxes[1];
    b->u.run.font = (uint32_t)bt_fonts_count(f.fonts) + 5;
    b->src = (bt_pos){f.doc->file, 3, 7};
    const char *pdf = tmp("bad.pdf");
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts, pdf), -1);
    CHECK_INT(f.ctx.nerrors, 1);
    CHECK(f.ctx.ndiags >= 1 && strstr(f.ctx.diags[0].msg, "font") != NULL);
    CHECK_INT(access(pdf, F_OK), -1);
    fixture_free(&f);
    remove_tmpdir();
}

/* A save that cannot write (here: the folder does not exist) names the
 * file and the system's reason, and nothing is saved. */
static void test_pdf_out__save_error(void)
{
    fixture f;
    if (!fixture_init(&f)) {
        fixture_free(&f);
        return;
    }
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts,
                           "/nonexistent-bantin-dir/x.pdf"),
              -1);
    CHECK_INT(f.ctx.nerrors, 1);
    CHECK(f.ctx.ndiags >= 1 &&
          strcmp(f.ctx.diags[0].msg,
                 "cannot write '/nonexistent-bantin-dir/x.pdf': No such "
                 "file or directory") == 0);
    fixture_free(&f);
}

/* A link to a page that does not exist is an error, not a crash. */
static void test_pdf_out__bad_link(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    f.pages.pages[0].boxes[7].u.link.page = 9;
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts, tmp("l.pdf")), -1);
    CHECK_INT(f.ctx.nerrors, 1);
    fixture_free(&f);
    remove_tmpdir();
}

/* pdf_out.c writes into libharu 2.3.0's structs (see its header comment):
 * the headers and the linked library must be that version, and every
 * Type0 font's ToUnicode must be the rewritten bfchar CMap, not libharu's
 * own (begincidrange). Fails when a libharu upgrade breaks the assumption. */
static void test_pdf_out__libharu_internals(void)
{
    CHECK_STR(HPDF_VERSION_TEXT, "2.3.0");
    CHECK_STR(HPDF_GetVersion(), "2.3.0");
    fixture f;
    int made = make_tmpdir();
    CHECK(made);
    if (!made || !fixture_init(&f)) {
        if (made)
            fixture_free(&f);
        remove_tmpdir();
        return;
    }
    const char *pdf = tmp("i.pdf");
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts, pdf), 0);
    if (have("qpdf")) {
        bt_buf out = BT_BUF_INIT, err = BT_BUF_INIT, q = BT_BUF_INIT;
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "qpdf --qdf '%s' '%s'", pdf, tmp("iq.pdf"));
        CHECK_INT(run(cmd, &out, &err), 0);
        slurp(&q, tmp("iq.pdf"));
        int type0 = count_in(&q, "/Subtype /Type0");
        CHECK(type0 >= 2); /* regular and bold */
        CHECK_INT(count_in(&q, "/ToUnicode"), type0);
        CHECK_INT(count_in(&q, "/CMapType 2 def"), type0);
        CHECK_INT(count_in(&q, "/CMapName /Adobe-Identity-UCS def"), type0);
        CHECK_INT(count_in(&q, "begincidrange"), 0);
        CHECK_INT(count_in(&q, "beginnotdefrange"), 0);
        CHECK(count_in(&q, "beginbfchar") >= type0);
        CHECK_INT(count_in(&q, "beginbfrange"), 0);
        /* our own CIDFontType2 with the hb-subset as its FontFile2 */
        CHECK_INT(count_in(&q, "/Subtype /CIDFontType2"), type0);
        CHECK_INT(count_in(&q, "/FontFile2"), type0);
        CHECK_INT(count_in(&q, "/Length1"), type0);
        CHECK_INT(count_in(&q, "/CIDToGIDMap"), type0);
        CHECK_INT(count_in(&q, "/CIDToGIDMap /Identity"), 0);
        bt_buf_free(&out);
        bt_buf_free(&err);
        bt_buf_free(&q);
    }
    fixture_free(&f);
    remove_tmpdir();
}

/* BT_BENCH=1: 100 pages of ~3000 glyphs (3 columns x 50 lines x ~20
 * glyphs, one box per word), timed. */
static void test_pdf_out__bench(void)
{
    if (!getenv("BT_BENCH"))
        SKIP_OPTIONAL("a timing, run with BT_BENCH=1");
    fixture f;
    if (!fixture_open(&f))
        return;
    bt_arena *a = &f.ctx.arena;
    static const char *words[] = {"Hội",    "nghị", "giao",  "ban",  "Tây",
                                  "Nguyên", "phát", "triển", "kinh", "tế",
                                  "Đắk",    "Lắk",  "người", "dân",  "được"};
    const int nw = (int)(sizeof words / sizeof *words);
    bt_pages ps = f.pages;
    ps.npages = 0;
    ps.pages = bt_arena_alloc(a, 100 * sizeof *ps.pages);
    ps.noutline = 0;
    int k = 0, glyphs = 0;
    for (int pn = 0; pn < 100; pn++) {
        bt_page *p = add_page(a, &ps, 3 * 50 * 20);
        for (int col = 0; col < 3; col++) {
            for (int line = 0; line < 50; line++) {
                int32_t x = 40000 + col * 175000, y = 60000 + line * 14000;
                int lg = 0;
                while (lg < 20) {
                    bt_box b = glyph_box(a, &f.sh, (k % 7) ? f.reg : f.bold,
                                         words[k % nw], x, y, 9500, 0);
                    k++;
                    p->boxes[p->nboxes++] = b;
                    x += b.w + 2400;
                    lg += b.u.run.n;
                    glyphs += b.u.run.n;
                    if (x > 40000 + col * 175000 + 160000)
                        break;
                }
            }
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &ps, f.fonts, tmp("bench.pdf")), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct stat st;
    stat(tmp("bench.pdf"), &st);
    printf("bench: %d pages, %d glyphs, %.3f s, %lld bytes\n", ps.npages,
           glyphs,
           (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
           (long long)st.st_size);
    if (getenv("BT_KEEP_PDF")) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s.bench.pdf'", tmp("bench.pdf"),
                 getenv("BT_KEEP_PDF"));
        CHECK_INT(system(cmd), 0);
    }
    fixture_free(&f);
    remove_tmpdir();
}

/* The default layout with every role's font found on this machine (the
 * real fonts, not the fake ones); 0 when one is not installed. */
static int real_layout(bt_fonts *fonts, bt_layout *lay)
{
    bt_layout_defaults(lay);
    int ok = 1;
    for (int r = 0; r < BT_ROLE_COUNT; r++) {
        bt_style *st = &lay->style[r];
        ok &= bt_fonts_find(fonts, st->family, st->bold, st->italic,
                            &st->font) == 0;
        st->font_bold = st->font_italic = st->font_bold_italic = st->font;
    }
    return ok;
}

/* An empty bulletin with a manifest and a title. */
static bt_doc *titled_doc(bt_ctx *ctx)
{
    bt_arena *a = &ctx->arena;
    bt_doc *doc = bt_doc_new(a);
    doc->file = bt_ctx_file(ctx, "bulletin.xml", NULL);
    doc->title.text = bt_arena_str(a, "Bản tin", strlen("Bản tin"));
    doc->has_manifest = 1;
    return doc;
}

/* A numbered list laid out by the engine with the real fonts and written
 * as PDF: in the content stream (what pdf.js and copy-paste follow; read
 * from qpdf's uncompressed form, since pdftotext -raw regroups a line)
 * every marker comes right before its item's first words, never after the
 * item's first line or inside the item before it. */
static void test_pdf_out__list_order(void)
{
    if (!have("qpdf") || !make_tmpdir())
        return;
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_arena *a = &ctx.arena;
    bt_fonts *fonts = bt_fonts_new(NULL);
    bt_layout lay;
    if (!real_layout(fonts, &lay)) {
        bt_t_skip(1, "layout fonts not installed (fonts-noto-core, make deps)");
        goto done;
    }
    bt_shaper sh = bt_fonts_shaper(fonts);
    bt_doc *doc = titled_doc(&ctx);
    bt_section *s = bt_doc_add_section(a, doc);
    bt_article *art = bt_article_new(a, doc->file);
    art->title.text = bt_arena_str(a, "Danh sách", strlen("Danh sách"));
    bt_section_add_article(s, art);
    enum { N = 11 };
    for (int i = 1; i <= N; i++) {
        bt_pos pos = {doc->file, (uint32_t)(10 + i), 1};
        bt_block *b = bt_article_add_block(a, art, BT_BLOCK_ITEM, pos);
        b->ordered = 1;
        b->number = i;
        b->group_start = i == 1;
        const char *t =
            bt_arena_printf(a,
                            "Mục%02d kiểm tra tệp cấu hình của hệ thống và "
                            "ghi lại kết quả vào sổ theo dõi hằng ngày.",
                            i);
        bt_runs_add(a, &b->runs, BT_RUN_TEXT, 0, bt_arena_str(a, t, strlen(t)),
                    pos);
    }
    bt_doc_finish(a, doc);
    bt_pages *pg = NULL;
    CHECK_INT(bt_layout_run(&ctx, doc, &lay, &sh, &pg), 0);
    const char *pdf = tmp("list.pdf");
    if (pg)
        CHECK_INT(bt_pdf_write(&ctx, doc, pg, fonts, pdf), 0);
    CHECK_INT(ctx.nerrors, 0);
    bt_buf out = BT_BUF_INIT, err = BT_BUF_INIT;
    char cmd[1024];
    const char *qdf = tmp("list-qdf.pdf");
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' '%s'",
             pdf, qdf);
    CHECK_INT(run(cmd, &out, &err), 0);
    slurp(&out, qdf);
    /* the text of the page content streams in stream order: the hex
     * strings of the TJ arrays are code points (libharu's UTF-8 fonts),
     * whitespace and positioning dropped */
    bt_buf flatb = BT_BUF_INIT;
    const char *p = out.data, *end = out.data + out.len;
    while ((p = find_in(p, end, "%% Contents for page"))) {
        const char *stop = find_in(p, end, "endstream");
        if (!stop)
            break;
        for (; p < stop; p++) {
            if (*p != '<')
                continue;
            if (p[1] == '<') { /* a dictionary */
                p++;
                continue;
            }
            for (p++; p + 4 <= stop && *p != '>'; p += 4) {
                char h[5] = {p[0], p[1], p[2], p[3], 0};
                uint32_t cp = (uint32_t)strtoul(h, NULL, 16);
                char u[4];
                int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
                if (n == 1)
                    u[0] = (char)cp;
                else if (n == 2)
                    u[0] = (char)(0xC0 | cp >> 6),
                    u[1] = (char)(0x80 | (cp & 63));
                else
                    u[0] = (char)(0xE0 | cp >> 12),
                    u[1] = (char)(0x80 | (cp >> 6 & 63)),
                    u[2] = (char)(0x80 | (cp & 63));
                bt_buf_put(&flatb, u, (size_t)n);
            }
        }
    }
    bt_buf_putc(&flatb, 0);
    const char *flat = flatb.data;
    const char *at = flat;
    for (int i = 1; i <= N; i++) {
        char want[32];
        snprintf(want, sizeof want, "%d.Mục%02dkiểm", i, i);
        const char *hit = strstr(at, want);
        if (!hit)
            fprintf(stderr, "marker %d not right before its item\n", i);
        CHECK(hit != NULL);
        if (hit)
            at = hit + strlen(want);
    }
    bt_buf_free(&flatb);
    bt_buf_free(&out);
    bt_buf_free(&err);
done:
    bt_fonts_free(fonts);
    bt_ctx_free(&ctx);
    remove_tmpdir();
}

/* A bulletin of several pages written twice: laid out whole and drawn by
 * bt_pdf_write, and streamed page by page into bt_pdf_sink while the
 * layout runs (bt_layout_stream), its pages deflated in a second thread
 * beside the layout (more pages than are in flight at once). The two
 * files are the same bytes, and the streamed pages come back without
 * boxes. Streamed again with the
 * pages' contents in a scratch file (bt_pdf_sink_spool): every page of
 * the kept pass went there, the file left nothing in the folder, and the
 * PDF is the same; with a folder that does not exist, or with the default
 * BT_PDF_SPOOL_AFTER (more than these few pages), they stay in memory, and
 * the PDF is the same again. */
static void test_pdf_out__streamed(void)
{
    if (!make_tmpdir())
        return;
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_arena *a = &ctx.arena;
    bt_fonts *fonts = bt_fonts_new(NULL);
    bt_layout lay;
    if (!real_layout(fonts, &lay)) {
        bt_t_skip(1, "layout fonts not installed (fonts-noto-core, make deps)");
        goto done;
    }
    bt_shaper sh = bt_fonts_shaper(fonts);
    bt_doc *doc = titled_doc(&ctx);
    bt_section *s = bt_doc_add_section(a, doc);
    for (int k = 0; k < 14; k++) {
        bt_article *art = bt_article_new(a, doc->file);
        const char *title = bt_arena_printf(a, "Bài số %d về thời tiết", k);
        art->title.text = bt_arena_str(a, title, strlen(title));
        bt_section_add_article(s, art);
        for (int i = 1; i <= 14; i++) {
            bt_pos pos = {doc->file, (uint32_t)(100 * k + i), 1};
            bt_block *b = bt_article_add_block(a, art, BT_BLOCK_PARA, pos);
            const char *t = bt_arena_printf(
                a,
                "Đoạn %d của bài %d: mưa lớn kéo dài ở các tỉnh miền "
                "Trung khiến nhiều tuyến đường bị ngập sâu, người dân "
                "được khuyến cáo hạn chế đi lại vào ban đêm và theo dõi "
                "thông tin dự báo trên https://nchmf.gov.vn mỗi ngày.",
                i, k);
            bt_runs_add(a, &b->runs, BT_RUN_TEXT, 0,
                        bt_arena_str(a, t, strlen(t)), pos);
        }
    }
    bt_doc_finish(a, doc);
    bt_pages *whole = NULL, *streamed = NULL;
    CHECK_INT(bt_layout_run(&ctx, doc, &lay, &sh, &whole), 0);
    const char *p1 = tmp("whole.pdf"), *p2 = tmp("streamed.pdf");
    if (whole)
        CHECK_INT(bt_pdf_write(&ctx, doc, whole, fonts, p1), 0);
    bt_pdf_sink *sink =
        bt_pdf_sink_new(doc, fonts, NULL, lay.page_w, lay.page_h);
    bt_page_sink ps = bt_pdf_sink_pages(sink);
    long piped = bt_pdf_piped;
    CHECK_INT(bt_layout_stream(&ctx, doc, &lay, &sh, &ps, &streamed), 0);
    if (streamed) {
        CHECK_INT(bt_pdf_sink_finish(sink, &ctx, streamed, p2), 0);
        CHECK(whole && streamed->npages == whole->npages);
        CHECK(streamed->npages >= 6); /* more than the pages in flight */
        /* the kept pass's pages were deflated beside the layout */
        CHECK(bt_pdf_piped - piped >= streamed->npages);
        for (int i = 0; i < streamed->npages; i++)
            CHECK_INT(streamed->pages[i].nboxes, 0);
    }
    bt_pdf_sink_free(sink);
    CHECK_INT(ctx.nerrors, 0);
    bt_buf b1 = BT_BUF_INIT, b2 = BT_BUF_INIT;
    slurp(&b1, p1);
    slurp(&b2, p2);
    CHECK(b1.len > 1000 && b1.len == b2.len &&
          memcmp(b1.data, b2.data, b1.len) == 0);

    const char *spool_dirs[3] = {tmpdir, tmp("no-such-folder"), tmpdir};
    for (int k = 0; k < 3; k++) {
        /* k 2: the default, which keeps a few pages in memory */
        bt_pdf_spool_after = k < 2 ? 0 : BT_PDF_SPOOL_AFTER;
        const char *p3 = tmp(k == 0   ? "spooled.pdf"
                             : k == 1 ? "memory.pdf"
                                      : "few.pdf");
        long before = bt_pdf_spooled;
        bt_pages *again = NULL;
        sink = bt_pdf_sink_new(doc, fonts, NULL, lay.page_w, lay.page_h);
        bt_pdf_sink_spool(sink, spool_dirs[k]);
        ps = bt_pdf_sink_pages(sink);
        CHECK_INT(bt_layout_stream(&ctx, doc, &lay, &sh, &ps, &again), 0);
        if (again)
            CHECK_INT(bt_pdf_sink_finish(sink, &ctx, again, p3), 0);
        bt_pdf_sink_free(sink);
        CHECK_INT(ctx.nerrors, 0);
        /* the kept (last) pass spooled all its pages; a pass before it
         * may have spooled some too */
        if (k == 0)
            CHECK(again && bt_pdf_spooled - before >= again->npages);
        else
            CHECK_INT(bt_pdf_spooled - before, 0);
        bt_buf b3 = BT_BUF_INIT;
        slurp(&b3, p3);
        CHECK(b3.len == b1.len && memcmp(b3.data, b1.data, b1.len) == 0);
        bt_buf_free(&b3);
    }
    /* a scratch file that fills up part way (a file size limit stands in
     * for a full disk): the pages spooled before it filled are read back,
     * the rest stay in memory, and the PDF is the same */
    struct rlimit old_lim, lim;
    if (getrlimit(RLIMIT_FSIZE, &old_lim) == 0) {
        bt_pdf_spool_after = 0;
        long before = bt_pdf_spooled;
        bt_pages *again = NULL;
        sink = bt_pdf_sink_new(doc, fonts, NULL, lay.page_w, lay.page_h);
        bt_pdf_sink_spool(sink, tmpdir);
        ps = bt_pdf_sink_pages(sink);
        void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);
        lim = old_lim;
        lim.rlim_cur = 1500; /* a page of contents */
        int limited = setrlimit(RLIMIT_FSIZE, &lim) == 0;
        CHECK_INT(bt_layout_stream(&ctx, doc, &lay, &sh, &ps, &again), 0);
        setrlimit(RLIMIT_FSIZE, &old_lim);
        signal(SIGXFSZ, old_sig);
        const char *p4 = tmp("filled.pdf");
        if (again)
            CHECK_INT(bt_pdf_sink_finish(sink, &ctx, again, p4), 0);
        bt_pdf_sink_free(sink);
        CHECK_INT(ctx.nerrors, 0);
        long n = bt_pdf_spooled - before;
        CHECK(!limited || (again && n >= 1 && n < again->npages));
        bt_buf b4 = BT_BUF_INIT;
        slurp(&b4, p4);
        CHECK(b4.len == b1.len && memcmp(b4.data, b1.data, b1.len) == 0);
        bt_buf_free(&b4);
        bt_pdf_spool_after = BT_PDF_SPOOL_AFTER;
    }
    /* the scratch file was unlinked at once: only the PDFs are there */
    DIR *dh = opendir(tmpdir);
    int others = dh == NULL;
    for (struct dirent *de; dh && (de = readdir(dh));) {
        size_t n = strlen(de->d_name);
        others += strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
                  (n < 4 || strcmp(de->d_name + n - 4, ".pdf"));
    }
    if (dh)
        closedir(dh);
    CHECK_INT(others, 0);
    bt_buf_free(&b1);
    bt_buf_free(&b2);
done:
    bt_fonts_free(fonts);
    bt_ctx_free(&ctx);
    remove_tmpdir();
}

/* Hands pg to the sink as number `number`, as the layout does: from
 * memory that is overwritten and freed as soon as the call returns (the
 * layout frees a page's boxes at once and their glyphs soon after).
 * z: a code point put in place of the page's first glyph, or 0. */
static void hand_page(const bt_page_sink *k, const bt_page *pg, int number,
                      uint32_t z)
{
    size_t nb = (size_t)pg->nboxes;
    bt_box *boxes = bt_xmalloc(nb * sizeof *boxes);
    memcpy(boxes, pg->boxes, nb * sizeof *boxes);
    for (size_t i = 0; i < nb; i++) {
        bt_box *b = &boxes[i];
        if (b->kind == BT_BOX_GLYPHS) {
            size_t n = (size_t)b->u.run.n * sizeof(bt_glyph);
            bt_glyph *g = bt_xmalloc(n);
            memcpy(g, b->u.run.glyphs, n);
            if (z) {
                g[0].cp = z;
                z = 0;
            }
            b->u.run.glyphs = g;
        } else if (b->kind == BT_BOX_LINK && b->u.link.uri) {
            b->u.link.uri = bt_xstrdup(b->u.link.uri);
        }
    }
    bt_page p = {number, boxes, pg->nboxes};
    k->page(k->payload, &p);
    for (size_t i = 0; i < nb; i++) {
        bt_box *b = &boxes[i];
        void *m = b->kind == BT_BOX_GLYPHS ? (void *)b->u.run.glyphs
                  : b->kind == BT_BOX_LINK ? (void *)b->u.link.uri
                                           : NULL;
        size_t n = b->kind == BT_BOX_GLYPHS
                       ? (size_t)b->u.run.n * sizeof(bt_glyph)
                   : m ? strlen(m)
                       : 0;
        if (m)
            memset(m, 0xA5, n);
        free(m);
    }
    memset(boxes, 0xA5, nb * sizeof *boxes);
    free(boxes);
}

/* One pass of the layout, by hand: begin, n of the pages of pp (page z_at,
 * 1-based, with an 'Z' first; 0 none), end. Returns what end says. */
static int hand_pass(const bt_page_sink *k, const bt_pages *pp, int before,
                     int n, int z_at, bt_pdf_sink *sink, bt_pdf_images *pre)
{
    k->begin(k->payload, before);
    for (int i = 0; i < n; i++) {
        if (pre && i == 0) /* as build.c does before a page with an image */
            bt_pdf_sink_images(sink, pre);
        hand_page(k, &pp->pages[i], i + 1, i + 1 == z_at ? 'Z' : 0);
    }
    return k->end(k->payload, n);
}

/* The fixture's two pages over and over, n pages in all. */
static bt_pages repeat_pages(fixture *f, int n)
{
    bt_pages pp = f->pages;
    pp.pages = bt_arena_alloc(&f->ctx.arena, (size_t)n * sizeof *pp.pages);
    pp.npages = n;
    for (int i = 0; i < n; i++) {
        pp.pages[i] = f->pages.pages[i % 2];
        pp.pages[i].number = i + 1;
    }
    return pp;
}

/* The streamed sink driven by hand as bt_layout_stream drives it, with
 * more pages than the deflate thread has in flight (the fixture's two
 * pages, with their image, links and two fonts, six times over), each
 * handed from memory overwritten when the call returns (hand_page), each
 * page's content kept whole while it is drawn (draw_kept). Passes are
 * thrown away with pages in flight: one with fewer pages than it was
 * drawn for, one with more; one that draws a character no other pass
 * draws is usable when it ends (the fonts are written from what was
 * drawn) and is thrown away when the next begins; that next pass is
 * kept, the image streams deflated ahead given to it after it began. The
 * PDF is the bytes bt_pdf_write draws from the same pages; with
 * bt_pdf_threads 0 too. A sink freed in the middle of a pass reports
 * nothing. */
static void test_pdf_out__sink_by_hand(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    bt_arena *a = &f.ctx.arena;
    enum { N = 12 };
    bt_pages pp = repeat_pages(&f, N);
    bt_article *art = bt_article_new(a, f.doc->file);
    bt_section_add_article(f.doc->sections, art);
    bt_block *fig = bt_article_add_block(a, art, BT_BLOCK_FIGURE, (bt_pos){0});
    fig->image = &f.img;
    const char *want = tmp("whole.pdf");
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &pp, f.fonts, want), 0);
    bt_buf b1 = BT_BUF_INIT, b2 = BT_BUF_INIT;
    slurp(&b1, want);
    CHECK(b1.len > 1000);

    for (int threads = 1; threads >= 0; threads--) {
        bt_pdf_threads = threads;
        bt_pdf_sink *sink =
            bt_pdf_sink_new(f.doc, f.fonts, NULL, pp.width, pp.height);
        bt_page_sink k = bt_pdf_sink_pages(sink);
        CHECK_INT(hand_pass(&k, &pp, 0, N, 0, sink, NULL), 0); /* learns */
        if (threads) {
            CHECK_INT(hand_pass(&k, &pp, N, 7, 0, sink, NULL), 0);
            CHECK_INT(hand_pass(&k, &pp, 7, N, 0, sink, NULL), 0);
            CHECK_INT(hand_pass(&k, &pp, N, N, 3, sink, NULL), 1);
        }
        bt_pdf_images *pre = bt_pdf_images_start(f.doc);
        CHECK(!threads || pre != NULL);
        long piped = bt_pdf_piped;
        CHECK_INT(hand_pass(&k, &pp, N, N, 0, sink, pre), 1);
        CHECK_INT(bt_pdf_piped - piped, threads ? N : 0);
        const char *got = tmp(threads ? "piped.pdf" : "serial.pdf");
        CHECK_INT(bt_pdf_sink_finish(sink, &f.ctx, &pp, got), 0);
        bt_pdf_sink_free(sink);
        bt_pdf_images_free(pre);
        slurp(&b2, got);
        CHECK(b2.len == b1.len && memcmp(b1.data, b2.data, b1.len) == 0);
    }
    bt_pdf_threads = 1;

    /* freed with pages in flight: nothing is reported */
    bt_pdf_sink *sink =
        bt_pdf_sink_new(f.doc, f.fonts, NULL, pp.width, pp.height);
    bt_page_sink k = bt_pdf_sink_pages(sink);
    CHECK_INT(hand_pass(&k, &pp, 0, N, 0, sink, NULL), 0);
    k.begin(k.payload, N);
    for (int i = 0; i < N; i++)
        hand_page(&k, &pp.pages[i], i + 1, 0);
    bt_pdf_sink_free(sink);
    CHECK_INT(f.ctx.nerrors, 0);
    CHECK_INT(f.ctx.ndiags, 0);
    bt_buf_free(&b1);
    bt_buf_free(&b2);
    fixture_free(&f);
    remove_tmpdir();
}

/* The fonts of a replayed bulletin are made while its pages are drawn
 * (bt_page_sink.held; pdf_out.c fonts_ahead): the PDF is bt_pdf_write's
 * bytes, every font drawn is taken from the thread; a font whose held
 * pages had a code point the drawn ones lack is made as before (same
 * bytes); without threads nothing is made ahead; a sink freed after held
 * and before its pass ends leaks nothing (the sanitizer builds). */
static void test_pdf_out__fonts_ahead(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    bt_arena *a = &f.ctx.arena;
    enum { N = 6 };
    bt_pages pp = repeat_pages(&f, N);
    /* the fonts the pages draw */
    int drawn[64] = {0}, nfonts = 0;
    const bt_box *first_run = NULL;
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < f.pages.pages[i].nboxes; b++) {
            const bt_box *x = &f.pages.pages[i].boxes[b];
            if (x->kind != BT_BOX_GLYPHS || x->u.run.n <= 0)
                continue;
            if (!first_run)
                first_run = x;
            if (x->u.run.font < 64 && !drawn[x->u.run.font]++)
                nfonts++;
        }
    CHECK(nfonts >= 2 && first_run != NULL);
    const char *want = tmp("whole.pdf");
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &pp, f.fonts, want), 0);
    bt_buf b1 = BT_BUF_INIT, b2 = BT_BUF_INIT;
    slurp(&b1, want);
    CHECK(b1.len > 1000);

    /* held pages whose first run has a code point no page draws */
    bt_page *odd = bt_arena_alloc(a, N * sizeof *odd);
    memcpy(odd, pp.pages, N * sizeof *odd);
    bt_box *ob = bt_arena_alloc(a, (size_t)odd[0].nboxes * sizeof *ob);
    memcpy(ob, odd[0].boxes, (size_t)odd[0].nboxes * sizeof *ob);
    for (int b = 0; b < odd[0].nboxes; b++)
        if (odd[0].boxes + b == first_run) {
            bt_glyph *g = bt_arena_alloc(a, (size_t)ob[b].u.run.n * sizeof *g);
            memcpy(g, ob[b].u.run.glyphs, (size_t)ob[b].u.run.n * sizeof *g);
            g[0].cp = 0x2603; /* a snowman: drawn nowhere */
            ob[b].u.run.glyphs = g;
        }
    odd[0].boxes = ob;

    for (int round = 0; round < 3; round++) {
        bt_pdf_threads = round != 2;
        bt_pdf_sink *sink =
            bt_pdf_sink_new(f.doc, f.fonts, NULL, pp.width, pp.height);
        bt_page_sink k = bt_pdf_sink_pages(sink);
        CHECK(k.held != NULL);
        long before = bt_pdf_fonts_ahead;
        k.held(k.payload, round == 1 ? odd : pp.pages, N);
        CHECK_INT(hand_pass(&k, &pp, N, N, 0, sink, NULL), 1);
        const char *got = tmp("ahead.pdf");
        CHECK_INT(bt_pdf_sink_finish(sink, &f.ctx, &pp, got), 0);
        bt_pdf_sink_free(sink);
        slurp(&b2, got);
        CHECK(b2.len == b1.len && memcmp(b1.data, b2.data, b1.len) == 0);
        CHECK_INT((int)(bt_pdf_fonts_ahead - before),
                  round == 0 ? nfonts : round == 1 ? nfonts - 1 : 0);
    }
    bt_pdf_threads = 1;

    /* freed after held, in the middle of its pass */
    bt_pdf_sink *sink =
        bt_pdf_sink_new(f.doc, f.fonts, NULL, pp.width, pp.height);
    bt_page_sink k = bt_pdf_sink_pages(sink);
    k.held(k.payload, pp.pages, N);
    k.begin(k.payload, N);
    hand_page(&k, &pp.pages[0], 1, 0);
    bt_pdf_sink_free(sink);
    CHECK_INT(f.ctx.nerrors, 0);
    bt_buf_free(&b1);
    bt_buf_free(&b2);
    fixture_free(&f);
    remove_tmpdir();
}

/* Finished link annotations, pages and outline items are parked as
 * their bytes: the PDF is the one libharu writes when it keeps them all
 * (plain and imposed), and every such object of the fixture was parked:
 * 2 links, 2 pages, 3 outline items (plain); on the sheets, the links and
 * items again. */
static void test_pdf_out__parked_links(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    const char *kept = tmp("kept.pdf"), *parked = tmp("parked.pdf");
    bt_pdf_park = 0;
    long before = bt_pdf_parked;
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts, kept), 0);
    CHECK_INT(bt_pdf_parked, before);
    bt_pdf_park = 1;
    CHECK_INT(bt_pdf_write(&f.ctx, f.doc, &f.pages, f.fonts, parked), 0);
    CHECK_INT(bt_pdf_parked - before, 2 + 2 + 3);
    CHECK_INT(f.ctx.nerrors, 0);
    bt_buf a = BT_BUF_INIT, b = BT_BUF_INIT;
    slurp(&a, kept);
    slurp(&b, parked);
    CHECK(a.len > 1000 && a.len == b.len && !memcmp(a.data, b.data, a.len));
    CHECK_INT(count_in(&b, "/Subtype /Link"), 2);
    CHECK_INT(count_in(&b, "/XYZ 0 "), 4); /* 3 outline items + 1 link */
    CHECK_INT(count_in(&b, "/Type /Page\012"), 2);

    /* imposed: the links and outline items land on sheets */
    bt_impose_opts o;
    memset(&o, 0, sizeof o);
    o.mode = BT_IMPOSE_2UP;
    bt_plan *plan = bt_impose_plan(&f.ctx.arena, f.pages.npages, f.pages.width,
                                   f.pages.height, &o);
    const char *ik = tmp("ikept.pdf"), *ip = tmp("iparked.pdf");
    bt_pdf_park = 0;
    CHECK_INT(bt_pdf_write_imposed(&f.ctx, f.doc, &f.pages, f.fonts, plan, NULL,
                                   NULL, ik),
              0);
    bt_pdf_park = 1;
    before = bt_pdf_parked;
    CHECK_INT(bt_pdf_write_imposed(&f.ctx, f.doc, &f.pages, f.fonts, plan, NULL,
                                   NULL, ip),
              0);
    CHECK_INT(bt_pdf_parked - before, 2 + 3);
    slurp(&a, ik);
    slurp(&b, ip);
    CHECK(a.len > 1000 && a.len == b.len && !memcmp(a.data, b.data, a.len));
    bt_buf_free(&a);
    bt_buf_free(&b);
    fixture_free(&f);
    remove_tmpdir();
}

/* The scratch file of a spooled PDF: unlinked at once (the folder shows
 * nothing while it is open), and a left-over of a build killed between
 * mkstemp and unlink, older than an hour, is swept; a young one (another
 * build's, in that instant) and files of other names are kept. */
static int file_in_tmpdir(const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return stat(path, &st) == 0;
}

static int entries_in_tmpdir(void)
{
    int n = 0;
    DIR *d = opendir(tmpdir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, ".."));
    closedir(d);
    return n;
}

static void test_pdf_out__scratch_sweep(void)
{
    CHECK(make_tmpdir());
    const char *names[] = {".bantin-scratch-Ab12Cd", ".bantin-scratch-Xy34Zw",
                           ".bantin-scratch-old", "notes.txt"};
    for (int i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        FILE *fp = fopen(path, "w");
        CHECK(fp != NULL);
        if (fp)
            fclose(fp);
        if (i != 1) { /* all but the young one: two hours old */
            struct timespec ts[2] = {{time(NULL) - 7200, 0},
                                     {time(NULL) - 7200, 0}};
            CHECK_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
        }
    }
    int fd = bt_fsout_scratch(tmpdir);
    CHECK(fd >= 0);
    CHECK(!file_in_tmpdir(names[0])); /* swept */
    CHECK(file_in_tmpdir(names[1]));  /* young: kept */
    CHECK(file_in_tmpdir(names[2]));  /* not XXXXXX: not ours */
    CHECK(file_in_tmpdir(names[3]));
    CHECK_INT(entries_in_tmpdir(), 3); /* the open scratch file shows not */
    if (fd >= 0) {
        CHECK_INT((int)write(fd, "abc", 3), 3);
        char back[3] = {0};
        CHECK_INT((int)pread(fd, back, 3, 0), 3);
        CHECK(memcmp(back, "abc", 3) == 0);
        close(fd);
    }
    remove_tmpdir();
}

/* The save's writes: libharu hands over pieces of a few bytes; bt_fsout
 * gathers them into BT_FSOUT_GATHER-byte writes, and a long piece arriving
 * with nothing gathered is written as it is. The file holds every byte in
 * order. */
static void test_pdf_out__fsout_pieces(void)
{
    if (!make_tmpdir()) {
        CHECK(!"mkdtemp");
        return;
    }
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    const char *path = tmp("pieces.bin");
    bt_buf want = BT_BUF_INIT;
    bt_fsout_file f;
    CHECK_INT(bt_fsout_open(&ctx, path, &f), 0);
    unsigned x = 1;
    char piece[16];
    while (want.len < 300000) { /* 1 to 16 bytes at a time */
        size_t n = 1 + (x >> 7) % 16;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            piece[i] = (char)(x >> 3);
        }
        bt_fsout_put(&f, piece, n);
        bt_buf_put(&want, piece, n);
    }
    long small = f.nwrites;
    CHECK_INT(small, (long)(want.len / BT_FSOUT_GATHER));
    /* a long piece: first completes the gathered write, then goes on */
    size_t big = 3 * BT_FSOUT_GATHER + 5;
    char *b = malloc(big);
    for (size_t i = 0; i < big; i++)
        b[i] = (char)(i * 7);
    bt_fsout_put(&f, b, big);
    bt_buf_put(&want, b, big);
    CHECK(f.nwrites <= small + 4);
    /* one arriving with nothing gathered: one write of its own */
    bt_fsout_put(&f, "x", 1);
    bt_buf_put(&want, "x", 1);
    while (f.used) {
        bt_fsout_put(&f, "y", 1);
        bt_buf_put(&want, "y", 1);
    }
    long before = f.nwrites;
    bt_fsout_put(&f, b, big);
    bt_buf_put(&want, b, big);
    CHECK_INT(f.nwrites, before + 1);
    free(b);
    CHECK_INT(bt_fsout_close(&ctx, &f, 0), 0);
    bt_buf got = BT_BUF_INIT;
    slurp(&got, path);
    CHECK_INT(got.len, want.len);
    CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
    CHECK_INT(ctx.nerrors, 0);
    bt_buf_free(&got);
    bt_buf_free(&want);
    bt_ctx_free(&ctx);
    remove_tmpdir();
}

static const bt_t_case cases[] = {
    TEST(test_pdf_out__document),        TEST(test_pdf_out__jpeg_gray),
    TEST(test_pdf_out__unknown_font),    TEST(test_pdf_out__save_error),
    TEST(test_pdf_out__bad_link),        TEST(test_pdf_out__libharu_internals),
    TEST(test_pdf_out__bench),           TEST(test_pdf_out__list_order),
    TEST(test_pdf_out__streamed),        TEST(test_pdf_out__fsout_pieces),
    TEST(test_pdf_out__parked_links),    TEST(test_pdf_out__scratch_sweep),
    TEST(test_pdf_out__png_passthrough), TEST(test_pdf_out__sink_by_hand),
    TEST(test_pdf_out__fonts_ahead),
};

TEST_MAIN("test_pdf_out", cases)
