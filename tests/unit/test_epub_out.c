/* test_epub_out.c - the EPUB writer on a hand-made bulletin: container
 * rules (mimetype first and stored), the entry set, nav and page-list
 * targets, byte-identical rebuilds (also under another TZ), error paths,
 * SHA-1/UUIDv5 vectors, and epubcheck when it is installed. Reads the zip
 * with its own small central-directory parser and zlib. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "harness.h"
#include "buf.h"
#include "diag.h"
#include "epub_out.h"
#include "font.h"
#include "image.h"
#include "layout.h"
#include "model.h"
#include "sha1.h"

/* a 32x16 RGB PNG: two red and two cream squares */
static const unsigned char png_bytes[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00,
    0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00,
    0x00, 0x10, 0x08, 0x02, 0x00, 0x00, 0x00, 0xf8, 0x62, 0xea, 0x0e,
    0x00, 0x00, 0x00, 0x28, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63,
    0x98, 0x2d, 0x23, 0x43, 0x12, 0x7a, 0xf6, 0xec, 0x0e, 0x49, 0x88,
    0x61, 0xd4, 0x82, 0x51, 0x0b, 0x86, 0x80, 0x05, 0xa4, 0x6a, 0x20,
    0xd5, 0x41, 0xa3, 0x16, 0x8c, 0x5a, 0x30, 0x04, 0x2c, 0x00, 0x00,
    0x05, 0x62, 0x7b, 0x2e, 0x1a, 0x10, 0x2a, 0x21, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* ---- fixture ---- */

typedef struct fixture {
    bt_ctx ctx;
    bt_doc *doc;
    bt_pages pages;
    bt_pagemark marks[3];
    bt_layout lay;
    bt_fonts *fonts;
    bt_image img;
    bt_article *art[3];
    char dir[64];
} fixture;

static bt_str S(fixture *f, const char *s)
{
    return bt_arena_str(&f->ctx.arena, s, strlen(s));
}

static bt_field F(fixture *f, const char *s)
{
    bt_field fl;
    fl.text = S(f, s);
    fl.pos = bt_pos_file(0);
    return fl;
}

static bt_run *R(fixture *f, bt_runs *runs, unsigned style, const char *text)
{
    return bt_runs_add(&f->ctx.arena, runs, BT_RUN_TEXT, style, S(f, text),
                       bt_pos_file(0));
}

static void BR(fixture *f, bt_runs *runs)
{
    bt_runs_add(&f->ctx.arena, runs, BT_RUN_BREAK, 0, BT_STR_NULL,
                bt_pos_file(0));
}

static bt_block *B(fixture *f, bt_article *a, enum bt_block_kind k)
{
    return bt_article_add_block(&f->ctx.arena, a, k, bt_pos_file(0));
}

static void resolve(bt_layout *lay, bt_fonts *fonts)
{
    for (int r = 0; r < BT_ROLE_COUNT; r++) {
        bt_style *s = &lay->style[r];
        if (bt_fonts_find(fonts, s->family, s->bold, s->italic, &s->font))
            s->font = BT_FONT_NONE;
        if (bt_fonts_find(fonts, s->family, 1, s->italic, &s->font_bold))
            s->font_bold = s->font;
        if (bt_fonts_find(fonts, s->family, s->bold, 1, &s->font_italic))
            s->font_italic = s->font;
        if (bt_fonts_find(fonts, s->family, 1, 1, &s->font_bold_italic))
            s->font_bold_italic = s->font_bold;
    }
}

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    bt_ctx_init(&f->ctx);
    bt_arena *A = &f->ctx.arena;
    uint16_t file = bt_ctx_file(&f->ctx, "bulletin.xml", NULL);
    bt_doc *d = f->doc = bt_doc_new(A);
    d->file = file;
    d->title = F(f, "Bản tin Báo chí");
    d->subtitle = F(f, "Điểm báo tuần");
    d->number = F(f, "27");
    d->publisher = F(f, "Văn phòng Tỉnh ủy Quảng Ngãi");
    d->date_text = F(f, "2026-11-27");
    d->date = (bt_date){2026, 11, 27};
    d->has_manifest = 1;
    struct tm tm = {0};
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = 27;
    d->stamp = (bt_time){2026, 11, 27, 0, 0, 0, (int64_t)timegm(&tm)};

    f->img.kind = BT_IMAGE_PNG;
    f->img.width = 32;
    f->img.height = 16;
    f->img.media_type = "image/png";
    f->img.file = png_bytes;
    f->img.file_len = sizeof png_bytes;

    bt_section *s1 = bt_doc_add_section(A, d);
    s1->title = F(f, "Xây dựng Đảng");
    bt_section *s2 = bt_doc_add_section(A, d);
    s2->title = F(f, "Kinh tế");

    /* article 1: everything */
    bt_article *a = f->art[0] = bt_article_new(A, file);
    a->id = "hoi-nghi-giao-ban";
    a->kicker = F(f, "Công tác tổ chức");
    a->title = F(f, "Hội nghị giao ban công tác xây dựng Đảng");
    a->subtitle = F(f, "Sơ kết 6 tháng đầu năm");
    a->source = F(f, "Phapluatmoitruong.vn");
    a->source_url = "https://phapluatmoitruong.vn/hoi-nghi";
    a->date = (bt_date){2026, 6, 29};
    a->date_text = F(f, "2026-06-29");
    a->credit = F(f, "Theo Môi trường và Đô thị điện tử");
    bt_article_add_author(A, a, F(f, "Thiên Bút"));
    bt_article_add_author(A, a, F(f, "Minh Châu"));
    R(f, &a->lead, 0, "Chiều 29/6, tại Tp. Quảng Ngãi vừa diễn ra ");
    R(f, &a->lead, BT_STYLE_STRONG, "hội nghị giao ban");
    R(f, &a->lead, 0, " công tác xây dựng Đảng.");
    bt_block *b = B(f, a, BT_BLOCK_PARA);
    R(f, &b->runs, 0, "Văn bản có ");
    R(f, &b->runs, BT_STYLE_EM, "nhấn mạnh");
    R(f, &b->runs, BT_STYLE_EM | BT_STYLE_STRONG, " đậm nghiêng");
    R(f, &b->runs, BT_STYLE_STRONG, " và đậm");
    R(f, &b->runs, 0, ", ");
    bt_run *l = R(f, &b->runs, BT_STYLE_LINK, "liên kết ");
    l->href = "https://example.org/a?x=1&y=2";
    l = R(f, &b->runs, BT_STYLE_LINK | BT_STYLE_EM, "nghiêng");
    l->href = "https://example.org/a?x=1&y=2";
    R(f, &b->runs, 0, " và một dòng");
    BR(f, &b->runs);
    R(f, &b->runs, 0, "ngắt <dòng> & hết.");
    b = B(f, a, BT_BLOCK_HEADING);
    R(f, &b->runs, 0, "Nhiệm vụ trọng tâm");
    b = B(f, a, BT_BLOCK_QUOTE);
    b->group_start = 1;
    R(f, &b->runs, 0, "Đoạn trích dẫn thứ nhất.");
    b = B(f, a, BT_BLOCK_QUOTE);
    R(f, &b->runs, BT_STYLE_STRONG, "Đoạn trích dẫn thứ hai.");
    b = B(f, a, BT_BLOCK_ITEM);
    b->group_start = 1;
    R(f, &b->runs, 0, "Ý thứ nhất");
    b = B(f, a, BT_BLOCK_ITEM);
    R(f, &b->runs, 0, "Ý thứ hai");
    for (int i = 1; i <= 3; i++) {
        b = B(f, a, BT_BLOCK_ITEM);
        b->group_start = i == 1;
        b->ordered = 1;
        b->number = i + 1;
        R(f, &b->runs, 0,
          i == 1   ? "Bước một"
          : i == 2 ? "Bước hai"
                   : "Bước ba");
    }
    bt_block *item2 = b;
    b = B(f, a, BT_BLOCK_FIGURE);
    b->src = "images/toan-canh.png";
    b->path = "/root/images/toan-canh.png";
    b->alt = S(f, "Toàn cảnh hội nghị");
    b->image = &f->img;
    R(f, &b->runs, 0, "Toàn cảnh Hội nghị.");
    b = B(f, a, BT_BLOCK_PARA);
    R(f, &b->runs, 0, "Đoạn cuối.");
    b = B(f, a, BT_BLOCK_PHOTO);
    R(f, &b->runs, 0, "Ảnh: Quang cảnh buổi làm việc.");
    bt_section_add_article(s1, a);

    /* article 2: no-break space, the same picture again, no caption */
    a = f->art[1] = bt_article_new(A, file);
    a->id = "bai-hai";
    a->title = F(f, "Bài thứ hai");
    bt_article_add_author(A, a, F(f, "Thiên Bút"));
    b = B(f, a, BT_BLOCK_PARA);
    R(f, &b->runs, 0, "Mai;\xC2\xA0Ủy viên Ban Thường vụ.");
    b = B(f, a, BT_BLOCK_FIGURE);
    b->src = "images/toan-canh.png";
    b->path = "/root/images/toan-canh.png";
    b->image = &f->img;
    b->alt = S(f, "Toàn cảnh");
    bt_section_add_article(s1, a);

    /* article 3: another section */
    a = f->art[2] = bt_article_new(A, file);
    a->id = "kinh-te";
    a->title = F(f, "Kinh tế tăng trưởng ổn định");
    a->source = F(f, "Báo Quảng Ngãi");
    R(f, &a->lead, 0, "Tăng trưởng GRDP đạt 7,5%.");
    b = B(f, a, BT_BLOCK_PARA);
    R(f, &b->runs, 0, "Ngành công nghiệp dẫn đầu; dịch vụ phục hồi.");
    bt_section_add_article(s2, a);

    bt_doc_finish(A, d);

    /* three printed pages: masthead + article 1; second ordered item;
     * article 3's head */
    f->marks[0] = (bt_pagemark){1, f->art[0], NULL};
    f->marks[1] = (bt_pagemark){2, f->art[0], item2->next ? item2 : item2};
    f->marks[2] = (bt_pagemark){3, f->art[2], NULL};
    f->pages.npages = 3;
    f->pages.marks = f->marks;
    f->pages.nmarks = 3;

    bt_layout_defaults(&f->lay);
    f->fonts = bt_fonts_new(NULL);
    resolve(&f->lay, f->fonts);

    strcpy(f->dir, "/tmp/bt-epub-XXXXXX");
    if (!mkdtemp(f->dir))
        f->dir[0] = 0;
}

static void rm_tree(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

static void fixture_free(fixture *f)
{
    if (f->dir[0] && !getenv("BANTIN_TEST_KEEP"))
        rm_tree(f->dir);
    else if (f->dir[0])
        printf("kept %s\n", f->dir);
    bt_fonts_free(f->fonts);
    bt_ctx_free(&f->ctx);
}

static char *path_in(fixture *f, const char *name)
{
    return bt_arena_printf(&f->ctx.arena, "%s/%s", f->dir, name);
}

static int write_book(fixture *f, const char *path)
{
    int rc = bt_epub_write(&f->ctx, f->doc, &f->pages, &f->lay, f->fonts, path);
    if (rc != 0)
        bt_diag_print(&f->ctx, stderr, 0);
    return rc;
}

/* ---- a minimal zip reader ---- */

typedef struct zentry {
    char name[128];
    unsigned method, extra_len;
    uint32_t csize, usize, offset, attr;
    unsigned made_by, dos_time, dos_date;
} zentry;

typedef struct zipf {
    bt_buf data;
    zentry ents[64];
    int n;
} zipf;

static unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)u16(p) | (uint32_t)u16(p + 2) << 16;
}

static int zip_read(zipf *z, const char *path)
{
    memset(z, 0, sizeof *z);
    if (bt_buf_read_file(&z->data, path, 64u << 20) != 0)
        return -1;
    const unsigned char *d = (const unsigned char *)z->data.data;
    size_t len = z->data.len;
    if (len < 22)
        return -1;
    size_t eocd = len - 22;
    while (eocd > 0 && u32(d + eocd) != 0x06054b50)
        eocd--;
    if (u32(d + eocd) != 0x06054b50)
        return -1;
    unsigned count = u16(d + eocd + 10);
    size_t p = u32(d + eocd + 16);
    for (unsigned i = 0; i < count && z->n < 64; i++) {
        if (p + 46 > len || u32(d + p) != 0x02014b50)
            return -1;
        zentry *e = &z->ents[z->n++];
        unsigned nlen = u16(d + p + 28);
        e->made_by = u16(d + p + 4);
        e->method = u16(d + p + 10);
        e->dos_time = u16(d + p + 12);
        e->dos_date = u16(d + p + 14);
        e->csize = u32(d + p + 20);
        e->usize = u32(d + p + 24);
        e->extra_len = u16(d + p + 30);
        e->attr = u32(d + p + 38);
        e->offset = u32(d + p + 42);
        snprintf(e->name, sizeof e->name, "%.*s", (int)nlen, d + p + 46);
        p += 46 + nlen + e->extra_len + u16(d + p + 32);
    }
    return 0;
}

/* The entry's bytes (heap, NUL-terminated) or NULL. */
static char *zip_get(zipf *z, const char *name, size_t *outlen)
{
    const unsigned char *d = (const unsigned char *)z->data.data;
    for (int i = 0; i < z->n; i++) {
        zentry *e = &z->ents[i];
        if (strcmp(e->name, name) != 0)
            continue;
        const unsigned char *lh = d + e->offset;
        const unsigned char *src = lh + 30 + u16(lh + 26) + u16(lh + 28);
        char *out = bt_xmalloc(e->usize + 1);
        if (e->method == 0) {
            memcpy(out, src, e->usize);
        } else {
            z_stream zs;
            memset(&zs, 0, sizeof zs);
            inflateInit2(&zs, -15);
            zs.next_in = (unsigned char *)src;
            zs.avail_in = e->csize;
            zs.next_out = (unsigned char *)out;
            zs.avail_out = e->usize;
            int rc = inflate(&zs, Z_FINISH);
            inflateEnd(&zs);
            if (rc != Z_STREAM_END) {
                free(out);
                return NULL;
            }
        }
        out[e->usize] = 0;
        if (outlen)
            *outlen = e->usize;
        return out;
    }
    return NULL;
}

static int count_str(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* ---- cases ---- */

static void test_epub_out__sha1(void)
{
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        unsigned char h[20];
        char hex[41];
        bt_sha1(v[i].in, strlen(v[i].in), h);
        for (int k = 0; k < 20; k++)
            snprintf(hex + 2 * k, 3, "%02x", h[k]);
        CHECK_STR(hex, v[i].hex);
    }
    /* a million 'a's, fed in odd-sized pieces */
    bt_sha1_ctx s;
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    bt_sha1_init(&s);
    for (int i = 0; i < 1000; i++) {
        bt_sha1_update(&s, chunk, 333);
        bt_sha1_update(&s, chunk, 667);
    }
    unsigned char h[20];
    char hex[41];
    bt_sha1_final(&s, h);
    for (int k = 0; k < 20; k++)
        snprintf(hex + 2 * k, 3, "%02x", h[k]);
    CHECK_STR(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_epub_out__uuid5(void)
{
    static const unsigned char ns_dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad,
                                             0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                                             0x4f, 0xd4, 0x30, 0xc8};
    char u[37];
    bt_uuid5(ns_dns, "python.org", 10, u);
    CHECK_STR(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

static const char *expected_fixed[] = {
    "mimetype",           "META-INF/container.xml", "EPUB/package.opf",
    "EPUB/nav.xhtml",     "EPUB/toc.ncx",           "EPUB/cover.xhtml",
    "EPUB/css/bantin.css"};

static void test_epub_out__structure(void)
{
    fixture f;
    fixture_init(&f);
    CHECK(f.dir[0]);
    const char *path = path_in(&f, "book.epub");
    CHECK_INT(write_book(&f, path), 0);
    CHECK_INT(f.ctx.nerrors, 0);
    zipf z;
    CHECK_INT(zip_read(&z, path), 0);
    const unsigned char *d = (const unsigned char *)z.data.data;
    /* mimetype: first, stored, no extra field, exact bytes (notes §2) */
    CHECK(z.data.len > 60);
    CHECK_INT(u32(d), 0x04034b50);
    CHECK_INT(u16(d + 8), 0);
    CHECK_INT(u16(d + 26), 8);
    CHECK_INT(u16(d + 28), 0);
    CHECK_INT(u32(d + 18), 20);
    CHECK(memcmp(d + 30, "mimetypeapplication/epub+zip", 28) == 0);

    /* entries: the fixed ones in order, then fonts, one image, texts */
    CHECK(z.n >= 7 + 1 + 1 + 3);
    for (int i = 0; i < 7 && i < z.n; i++)
        CHECK_STR(z.ents[i].name, expected_fixed[i]);
    int fonts = 0, i = 7;
    for (; i < z.n && strncmp(z.ents[i].name, "EPUB/fonts/", 11) == 0; i++) {
        CHECK(strstr(z.ents[i].name, ".ttf") != NULL);
        fonts++;
    }
    CHECK(fonts >= 4); /* serif regular/bold/italic, sans bold, ... */
    CHECK(i < z.n && strcmp(z.ents[i].name, "EPUB/images/img-1-1.png") == 0);
    i++;
    const char *texts[] = {"EPUB/text/hoi-nghi-giao-ban.xhtml",
                           "EPUB/text/bai-hai.xhtml",
                           "EPUB/text/kinh-te.xhtml"};
    for (int k = 0; k < 3; k++, i++)
        CHECK(i < z.n && strcmp(z.ents[i].name, texts[k]) == 0);
    CHECK_INT(i, z.n);
    for (int k = 0; k < z.n; k++) {
        CHECK_INT(z.ents[k].extra_len, 0);
        /* mimetype and images (JPEG/PNG, compressed already) are stored,
         * everything else deflated */
        int stored = k == 0 || strstr(z.ents[k].name, "/images/") != NULL;
        CHECK_INT(z.ents[k].method, stored ? 0 : 8);
        CHECK_INT(z.ents[k].attr >> 16, 0100644);
        CHECK_INT(z.ents[k].made_by >> 8, 3); /* UNIX */
        /* 2026-11-27 00:00:00 as DOS date/time, whatever the local TZ */
        CHECK_INT(z.ents[k].dos_date, ((2026 - 1980) << 9) | (11 << 5) | 27);
        CHECK_INT(z.ents[k].dos_time, 0);
    }

    /* the image bytes are stored as given */
    size_t n = 0;
    char *png = zip_get(&z, "EPUB/images/img-1-1.png", &n);
    CHECK(png && n == sizeof png_bytes && memcmp(png, png_bytes, n) == 0);
    free(png);

    /* package document */
    char *opf = zip_get(&z, "EPUB/package.opf", NULL);
    char *ncx = zip_get(&z, "EPUB/toc.ncx", NULL);
    CHECK(opf && ncx);
    if (opf && ncx) {
        CHECK(strstr(opf, "version=\"3.0\""));
        CHECK(strstr(
            opf, "<dc:title id=\"title\">Bản tin Báo chí – Số 27</dc:title>"));
        CHECK(strstr(opf, "<dc:language>vi</dc:language>"));
        CHECK(strstr(opf, "<dc:date>2026-11-27</dc:date>"));
        CHECK(strstr(
            opf,
            "<meta property=\"dcterms:modified\">2026-11-27T00:00:00Z</meta>"));
        /* a digest by several people: compiled by the publisher, the
         * distinct article authors contribute */
        CHECK_INT(count_str(opf, "<dc:creator"), 1);
        CHECK(strstr(opf, "<dc:creator id=\"creator\">Văn phòng Tỉnh ủy "
                          "Quảng Ngãi</dc:creator>\n<meta refines=\"#creator\" "
                          "property=\"role\" scheme=\"marc:relators\">com"
                          "</meta>"));
        CHECK_INT(count_str(opf, "<dc:contributor"), 2);
        CHECK(strstr(opf, "<dc:contributor id=\"contributor-1\">Thiên Bút"
                          "</dc:contributor>\n<meta refines=\"#contributor-1\" "
                          "property=\"role\" scheme=\"marc:relators\">aut"
                          "</meta>"));
        CHECK(strstr(opf, ">Minh Châu</dc:contributor>"));
        CHECK(strstr(opf, "<meta property=\"dcterms:conformsTo\">EPUB "
                          "Accessibility 1.1 - WCAG 2.1 Level AA</meta>"));
        CHECK(strstr(opf, "<meta property=\"a11y:certifiedBy\">Văn phòng"));
        CHECK(strstr(opf, "<meta property=\"schema:accessibilityHazard\">"
                          "none</meta>"));
        CHECK(strstr(opf, "<meta property=\"schema:accessibilitySummary\">"));
        CHECK(strstr(opf, "<meta property=\"schema:accessMode\">visual"));
        CHECK(strstr(opf, "<dc:source id=\"print-source\">urn:uuid:"));
        CHECK(strstr(opf, ">pageBreakMarkers<"));
        CHECK(strstr(opf, ">alternativeText<"));
        CHECK(strstr(opf, "properties=\"nav\""));
        CHECK(strstr(opf, "media-type=\"font/ttf\""));
        const char *id = strstr(opf, "<dc:identifier id=\"pub-id\">");
        CHECK(id != NULL);
        if (id) {
            char uid[64];
            snprintf(uid, sizeof uid, "%.45s",
                     id + strlen("<dc:identifier id=\"pub-id\">"));
            CHECK(strncmp(uid, "urn:uuid:", 9) == 0 && uid[9 + 14] == '5');
            char want[128];
            snprintf(want, sizeof want, "name=\"dtb:uid\" content=\"%s\"", uid);
            CHECK(strstr(ncx, want) != NULL);
        }
        /* every zip entry but mimetype and META-INF is in the manifest */
        for (int k = 0; k < z.n; k++) {
            if (strncmp(z.ents[k].name, "EPUB/", 5) != 0 ||
                strcmp(z.ents[k].name, "EPUB/package.opf") == 0)
                continue;
            char want[200];
            snprintf(want, sizeof want, "href=\"%s\"", z.ents[k].name + 5);
            CHECK(strstr(opf, want) != NULL);
        }
    }
    free(opf);
    free(ncx);

    /* article XHTML */
    char *a1 = zip_get(&z, "EPUB/text/hoi-nghi-giao-ban.xhtml", NULL);
    char *a2 = zip_get(&z, "EPUB/text/bai-hai.xhtml", NULL);
    CHECK(a1 && a2);
    if (a1 && a2) {
        CHECK(strstr(a1, "<!DOCTYPE html>"));
        CHECK(strstr(a1, "xmlns:epub=\"http://www.idpf.org/2007/ops\" "
                         "lang=\"vi\" xml:lang=\"vi\""));
        CHECK(strstr(
            a1,
            "<p class=\"lead\">Chiều 29/6, tại Tp. Quảng Ngãi vừa diễn ra "
            "<strong>hội nghị giao ban</strong> công tác xây dựng Đảng.</p>"));
        CHECK(strstr(a1, "<p>Văn bản có <em>nhấn mạnh<strong> đậm "
                         "nghiêng</strong></em><strong> và đậm</strong>, "
                         "<a href=\"https://example.org/a?x=1&amp;y=2\">liên "
                         "kết <em>nghiêng</em></a>"
                         " và một dòng<br/>ngắt &lt;dòng&gt; &amp; hết.</p>"));
        CHECK(strstr(a1, "<h2>Nhiệm vụ trọng tâm</h2>"));
        CHECK(strstr(
            a1, "<blockquote><p>Đoạn trích dẫn thứ nhất.</p><p><strong>Đoạn "
                "trích dẫn thứ hai.</strong></p></blockquote>"));
        CHECK(strstr(a1, "<ul><li>Ý thứ nhất</li><li>Ý thứ hai</li></ul>"));
        CHECK(strstr(a1,
                     "<ol start=\"2\"><li>Bước một</li><li>Bước hai</li><li>"
                     "<span epub:type=\"pagebreak\" role=\"doc-pagebreak\" "
                     "id=\"page-2\" aria-label=\"2\"></span>"
                     "Bước ba</li></ol>"));
        CHECK(strstr(
            a1,
            "<figure><img src=\"../images/img-1-1.png\" alt=\"Toàn cảnh hội "
            "nghị\"/><figcaption>Toàn cảnh Hội nghị.</figcaption></figure>"));
        CHECK(strstr(
            a1, "<p class=\"photo-note\">Ảnh: Quang cảnh buổi làm việc.</p>"));
        CHECK(strstr(
            a1, "<p class=\"credit\">Theo Môi trường và Đô thị điện tử</p>"));
        CHECK(strstr(a1, "<p class=\"byline\">Thiên Bút, Minh Châu · <a "
                         "href=\"https://phapluatmoitruong.vn/"
                         "hoi-nghi\">Phapluatmoitruong.vn</a> · Ngày 29 tháng "
                         "6 năm 2026</p>"));
        CHECK(strstr(a1, "<p class=\"kicker\">Công tác tổ chức</p>"));
        CHECK(strstr(a1, "<p class=\"section\">Xây dựng Đảng</p>"));
        CHECK(strstr(a1, "<link rel=\"stylesheet\" type=\"text/css\" "
                         "href=\"../css/bantin.css\"/>"));
        CHECK(!strstr(a1, "/></span>") &&
              !strstr(a1,
                      "<span epub:type=\"pagebreak\" role=\"doc-pagebreak\" "
                      "id=\"page-2\" aria-label=\"2\"/>"));
        /* U+00A0 as the character, never an entity */
        CHECK(strstr(a2, "Mai;\xC2\xA0Ủy viên"));
        CHECK(!strstr(a2, "&#160;") && !strstr(a2, "&nbsp;") &&
              !strstr(a2, "&#xA0;"));
        CHECK(strstr(a2, "src=\"../images/img-1-1.png\" alt=\"Toàn cảnh\""));
    }
    free(a1);
    free(a2);

    char *cover = zip_get(&z, "EPUB/cover.xhtml", NULL);
    CHECK(cover != NULL);
    if (cover) {
        CHECK(strstr(
            cover, "<p class=\"issue\">Số 27 · Ngày 27 tháng 11 năm 2026</p>"));
        CHECK(strstr(cover, "id=\"page-1\""));
    }
    free(cover);

    char *css = zip_get(&z, "EPUB/css/bantin.css", NULL);
    CHECK(css != NULL);
    if (css) {
        CHECK(strstr(css, "font-family:\"Bantin Serif\""));
        CHECK(strstr(css, "font-family:\"Bantin Sans\""));
        CHECK(strstr(css, "body{font-family:\"Bantin Serif\",serif"));
        CHECK(strstr(css, "[hidden]{display:none}"));
        CHECK(strstr(css, "img{max-width:100%;height:auto}"));
        CHECK(strstr(css, "color:#9b1c1c"));
        /* a phone: no automatic hyphenation (Vietnamese), ragged right,
         * display sizes pulled in */
        CHECK(strstr(css, "hyphens:manual;"));
        CHECK(strstr(css, "-webkit-hyphens:manual;"));
        CHECK(strstr(css, "text-align:left;"));
        CHECK(!strstr(css, "justify"));
        CHECK(strstr(css, "orphans:2;widows:2"));
        /* long URLs, paths and formulas wrap on a phone: on the body
         * (inherited by every text element) with the older spelling
         * first, and on links whatever a reading system sets on them */
        const char *body = strstr(css, "body{font-size:");
        CHECK(body != NULL);
        if (body) {
            const char *end = strchr(body, '}');
            const char *old = strstr(body, "overflow-wrap:break-word");
            const char *any = strstr(body, "overflow-wrap:anywhere");
            CHECK(old && any && old < any && any < end);
            const char *ww = strstr(body, "word-wrap:break-word");
            CHECK(ww && ww < end);
        }
        const char *link = strstr(css, "\na{color:");
        CHECK(link &&
              strstr(link, "overflow-wrap:anywhere") < strchr(link, '}'));
        CHECK(!strstr(css, "word-break:break-all"));
        for (int k = 0; k < z.n; k++)
            if (strncmp(z.ents[k].name, "EPUB/fonts/", 11) == 0) {
                char want[200];
                snprintf(want, sizeof want, "url(\"../%s\")",
                         z.ents[k].name + 5);
                CHECK(strstr(css, want) != NULL);
            }
    }
    free(css);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

/* Each href="file#frag" in nav/NCX points at an element that exists. */
static void check_targets(zipf *z, const char *doc, const char *attrname,
                          int *checked)
{
    char pat[32];
    snprintf(pat, sizeof pat, " %s=\"", attrname);
    for (const char *p = strstr(doc, pat); p; p = strstr(p + 1, pat)) {
        const char *v = p + strlen(pat), *q = strchr(v, '"');
        if (!q || strncmp(v, "http", 4) == 0)
            continue;
        char target[256], file[300], frag[64] = "";
        snprintf(target, sizeof target, "%.*s", (int)(q - v), v);
        char *hash = strchr(target, '#');
        if (hash) {
            snprintf(frag, sizeof frag, "%s", hash + 1);
            *hash = 0;
        }
        snprintf(file, sizeof file, "EPUB/%s", target);
        char *body = zip_get(z, file, NULL);
        CHECK(body != NULL);
        if (!body) {
            fprintf(stderr, "missing target file %s\n", file);
            continue;
        }
        if (frag[0]) {
            char want[96];
            snprintf(want, sizeof want, "id=\"%s\"", frag);
            CHECK_INT(count_str(body, want), 1);
        }
        free(body);
        (*checked)++;
    }
}

static void test_epub_out__navigation(void)
{
    fixture f;
    fixture_init(&f);
    const char *path = path_in(&f, "book.epub");
    CHECK_INT(write_book(&f, path), 0);
    zipf z;
    CHECK_INT(zip_read(&z, path), 0);
    char *nav = zip_get(&z, "EPUB/nav.xhtml", NULL);
    char *ncx = zip_get(&z, "EPUB/toc.ncx", NULL);
    CHECK(nav && ncx);
    if (nav && ncx) {
        for (int k = 0; k < 3; k++) {
            char want[128];
            snprintf(want, sizeof want, "<a href=\"text/%s.xhtml\">",
                     f.art[k]->id);
            CHECK(strstr(nav, want) != NULL);
        }
        CHECK(strstr(nav, "<li><span>Xây dựng Đảng</span><ol>"));
        CHECK(strstr(nav, "<nav epub:type=\"landmarks\" hidden=\"hidden\">"));
        const char *pl = strstr(nav, "epub:type=\"page-list\"");
        CHECK(pl != NULL);
        if (pl) {
            CHECK_INT(count_str(pl, "<li>"), 3);
            const char *p1 = strstr(pl, "cover.xhtml#page-1\">1<");
            const char *p2 =
                strstr(pl, "text/hoi-nghi-giao-ban.xhtml#page-2\">2<");
            const char *p3 = strstr(pl, "text/kinh-te.xhtml#page-3\">3<");
            CHECK(p1 && p2 && p3 && p1 < p2 && p2 < p3);
        }
        int checked = 0;
        check_targets(&z, nav, "href", &checked);
        check_targets(&z, ncx, "src", &checked);
        CHECK(checked >= 3 + 3 + 3 + 3 + 3);
        CHECK_INT(count_str(ncx, "<pageTarget "), 3);
        /* the section's navPoint shares its first article's playOrder
         * (2 is page 1, on the cover) */
        CHECK(strstr(
            ncx, "<navPoint id=\"np-2\" playOrder=\"3\"><navLabel><text>Xây "
                 "dựng Đảng</text></navLabel><content "
                 "src=\"text/hoi-nghi-giao-ban.xhtml\"/><navPoint id=\"np-3\" "
                 "playOrder=\"3\">"));
    }
    free(nav);
    free(ncx);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

/* Both files read, not empty, and the same bytes. */
static int same_file(const char *p1, const char *p2)
{
    bt_buf b1 = BT_BUF_INIT, b2 = BT_BUF_INIT;
    int same = bt_buf_read_file(&b1, p1, 64u << 20) == 0 &&
               bt_buf_read_file(&b2, p2, 64u << 20) == 0 && b1.len > 0 &&
               b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0;
    bt_buf_free(&b1);
    bt_buf_free(&b2);
    return same;
}

/* Same input, other TZ, other time: the same bytes; TZ comes back. */
static void test_epub_out__deterministic(void)
{
    fixture f;
    fixture_init(&f);
    const char *p1 = path_in(&f, "a.epub"), *p2 = path_in(&f, "b.epub");
    setenv("TZ", "Asia/Ho_Chi_Minh", 1);
    tzset();
    CHECK_INT(write_book(&f, p1), 0);
    CHECK_STR(getenv("TZ"), "Asia/Ho_Chi_Minh");
    sleep(2);
    unsetenv("TZ");
    tzset();
    CHECK_INT(write_book(&f, p2), 0);
    CHECK(getenv("TZ") == NULL);
    CHECK(same_file(p1, p2));
    fixture_free(&f);
}

/* Documents, the stylesheet and the fonts are deflated as they are
 * written, and zip_close copies them: the EPUB is the one libzip writes
 * when it deflates everything itself, the big entries were deflated
 * ahead, and they are deflate entries (method 8) smaller than their
 * text. */
/* Written alone (bt_epub_write_with), the entries are deflated in a second
 * thread, or by the writer while it would wait, and put back in order: the
 * bytes are those of a one-thread writer (bt_epub_threads 0, no entry
 * through the pipe), and every deflated entry went through the pipe. */
static void test_epub_out__piped(void)
{
    fixture f;
    fixture_init(&f);
    const char *p1 = path_in(&f, "one.epub"), *p2 = path_in(&f, "piped.epub");
    bt_epub_threads = 0;
    long piped0 = bt_epub_piped, pre0 = bt_epub_predeflated;
    CHECK_INT(write_book(&f, p1), 0);
    CHECK_INT(bt_epub_piped, piped0);
    long pre1 = bt_epub_predeflated;
    CHECK(pre1 - pre0 >= 5);
    bt_epub_threads = 1;
    CHECK_INT(write_book(&f, p2), 0);
    CHECK_INT(bt_epub_piped - piped0, pre1 - pre0);
    CHECK_INT(bt_epub_predeflated - pre1, pre1 - pre0);
    CHECK(same_file(p1, p2));
    fixture_free(&f);
}

static void test_epub_out__predeflated(void)
{
    fixture f;
    fixture_init(&f);
    const char *p1 = path_in(&f, "zip.epub"), *p2 = path_in(&f, "pre.epub");
    bt_epub_predeflate = 0;
    long before = bt_epub_predeflated;
    CHECK_INT(write_book(&f, p1), 0);
    CHECK_INT(bt_epub_predeflated, before);
    bt_epub_predeflate = 1;
    CHECK_INT(write_book(&f, p2), 0);
    long n = bt_epub_predeflated - before;
    CHECK(same_file(p1, p2));
    zipf z;
    CHECK_INT(zip_read(&z, p2), 0);
    int deflated = 0;
    for (int i = 0; i < z.n; i++)
        if (z.ents[i].method == 8) {
            deflated++;
            CHECK(z.ents[i].csize < z.ents[i].usize);
        }
    /* every deflated entry but the smallest few (container.xml may be
     * one) went through the writer's own deflate */
    CHECK(n >= 5 && n <= deflated);
    char *css = zip_get(&z, "EPUB/css/bantin.css", NULL);
    CHECK(css && strstr(css, "@font-face"));
    free(css);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

/* Font files made ahead (bt_epub_fonts_make, without the page map): the
 * writer takes those whose code points it finds the same, subsets the
 * others itself, and the EPUB is the one it writes alone. */

static void test_epub_out__fonts_ahead(void)
{
    fixture f;
    fixture_init(&f);
    const char *p1 = path_in(&f, "alone.epub"), *p2 = path_in(&f, "ahead.epub");
    CHECK_INT(write_book(&f, p1), 0);
    bt_epub_fonts *ef = bt_epub_fonts_new(f.doc, &f.lay, f.fonts);
    CHECK(ef != NULL);
    bt_epub_fonts_make(ef);
    long before = bt_epub_fonts_taken;
    CHECK_INT(
        bt_epub_write_with(&f.ctx, f.doc, &f.pages, &f.lay, f.fonts, ef, p2),
        0);
    long taken = bt_epub_fonts_taken - before;
    CHECK(taken >= 2); /* the body's and the headline's at least */
    CHECK(same_file(p1, p2));
    bt_epub_fonts_free(ef);

    /* made, then strong emphasised body text gains letters: the bold
     * italic file no longer fits and is subset by the writer; the others
     * are still taken */
    ef = bt_epub_fonts_new(f.doc, &f.lay, f.fonts);
    bt_epub_fonts_make(ef);
    bt_block *b = B(&f, f.art[2], BT_BLOCK_PARA);
    R(&f, &b->runs, BT_STYLE_EM | BT_STYLE_STRONG,
      "\xC5\xA6\xC5\xA7 \xC5\x8A\xC5\x8B"); /* Ŧŧ Ŋŋ */
    const char *p3 = path_in(&f, "alone2.epub"), *p4 = path_in(&f, "late.epub");
    CHECK_INT(write_book(&f, p3), 0);
    before = bt_epub_fonts_taken;
    CHECK_INT(
        bt_epub_write_with(&f.ctx, f.doc, &f.pages, &f.lay, f.fonts, ef, p4),
        0);
    long taken2 = bt_epub_fonts_taken - before;
    CHECK(taken2 >= 1 && taken2 < taken);
    CHECK(same_file(p3, p4));
    CHECK(!same_file(p1, p3));
    bt_epub_fonts_free(ef);
    fixture_free(&f);
}

static void test_epub_out__no_pages_no_fonts(void)
{
    fixture f;
    fixture_init(&f);
    const char *path = path_in(&f, "plain.epub");
    CHECK_INT(bt_epub_write(&f.ctx, f.doc, NULL, &f.lay, NULL, path), 0);
    zipf z;
    CHECK_INT(zip_read(&z, path), 0);
    char *nav = zip_get(&z, "EPUB/nav.xhtml", NULL);
    char *opf = zip_get(&z, "EPUB/package.opf", NULL);
    CHECK(nav && opf);
    if (nav && opf) {
        CHECK(!strstr(nav, "page-list"));
        CHECK(!strstr(opf, "print-source") && !strstr(opf, "pageNavigation"));
        CHECK(!strstr(opf, "font/ttf"));
    }
    free(nav);
    free(opf);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

static void test_epub_out__error(void)
{
    fixture f;
    fixture_init(&f);
    const char *path = path_in(&f, "missing/dir/book.epub");
    CHECK_INT(bt_epub_write(&f.ctx, f.doc, &f.pages, &f.lay, f.fonts, path),
              -1);
    CHECK_INT(f.ctx.nerrors, 1);
    CHECK(f.ctx.ndiags == 1 &&
          strstr(f.ctx.diags[0].msg, "missing/dir/book.epub"));
    CHECK(f.ctx.ndiags == 1 && f.ctx.diags[0].pos.line == 0);
    struct stat st;
    CHECK(stat(path_in(&f, "missing"), &st) != 0);
    fixture_free(&f);
}

/* Font sizes before (the installed TTFs) and after subsetting. */
static void test_epub_out__font_sizes(void)
{
    fixture f;
    fixture_init(&f);
    const char *path = path_in(&f, "book.epub");
    CHECK_INT(write_book(&f, path), 0);
    zipf z;
    CHECK_INT(zip_read(&z, path), 0);
    long total = 0, before = 0;
    for (int k = 0; k < z.n; k++)
        if (strncmp(z.ents[k].name, "EPUB/fonts/", 11) == 0) {
            printf("  %-40s %7u bytes (%u deflated)\n", z.ents[k].name,
                   (unsigned)z.ents[k].usize, (unsigned)z.ents[k].csize);
            total += (long)z.ents[k].usize;
        }
    uint32_t seen[64];
    int nseen = 0;
    for (int r = 0; r < BT_ROLE_COUNT; r++) {
        uint32_t ids[4] = {f.lay.style[r].font, f.lay.style[r].font_bold,
                           f.lay.style[r].font_italic,
                           f.lay.style[r].font_bold_italic};
        for (int k = 0; k < 4; k++) {
            int dup = 0;
            for (int i = 0; i < nseen; i++)
                dup |= seen[i] == ids[k];
            if (dup || ids[k] == BT_FONT_NONE || nseen == 64)
                continue;
            seen[nseen++] = ids[k];
            struct stat st;
            const char *p = bt_fonts_path(f.fonts, ids[k]);
            if (p && stat(p, &st) == 0)
                printf("  installed %-50s %8ld bytes\n", p, (long)st.st_size);
        }
    }
    (void)before;
    struct stat st;
    CHECK(stat(path, &st) == 0);
    printf("  fonts in EPUB: %ld bytes; EPUB: %ld bytes\n", total,
           (long)st.st_size);
    CHECK(total > 0 && total < 512 * 1024);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

static void test_epub_out__epubcheck(void)
{
    if (access("/usr/share/java/epubcheck.jar", R_OK) != 0 ||
        system("command -v java >/dev/null 2>&1") != 0) {
        SKIP_REQUIRED("java or epubcheck missing (make deps)");
    }
    fixture f;
    fixture_init(&f);
    const char *path = path_in(&f, "book.epub");
    CHECK_INT(write_book(&f, path), 0);
    char cmd[512];
    const char *log = path_in(&f, "epubcheck.log");
    snprintf(cmd, sizeof cmd,
             "java -jar /usr/share/java/epubcheck.jar '%s' >'%s' 2>&1", path,
             log);
    int rc = system(cmd);
    bt_buf out = BT_BUF_INIT;
    CHECK_INT(bt_buf_read_file(&out, log, 1u << 20), 0);
    CHECK_INT(rc, 0);
    CHECK(out.data && strstr(out.data, "No errors or warnings detected"));
    if (!out.data || !strstr(out.data, "No errors or warnings detected") || rc)
        fprintf(stderr, "%s\n", out.data ? out.data : "(no output)");
    bt_buf_free(&out);
    fixture_free(&f);
}

/* A character the layout font lacks goes to a fallback face that shares
 * the family name, limited to that character by unicode-range. */
static void test_epub_out__fallback_face(void)
{
    fixture f;
    fixture_init(&f);
    bt_shaper sh = bt_fonts_shaper(f.fonts);
    uint32_t body = f.lay.style[BT_ROLE_BODY].font;
    if (sh.covers(sh.payload, body, 0x2713) ||
        sh.fallback(sh.payload, body, 0x2713) == BT_FONT_NONE) {
        fixture_free(&f);
        SKIP_REQUIRED("no fallback font for U+2713 (fonts-noto-core)");
    }
    bt_block *b = B(&f, f.art[2], BT_BLOCK_PARA);
    R(&f, &b->runs, 0, "Đạt \xE2\x9C\x93");
    const char *path = path_in(&f, "fb.epub");
    CHECK_INT(write_book(&f, path), 0);
    zipf z;
    CHECK_INT(zip_read(&z, path), 0);
    char *css = zip_get(&z, "EPUB/css/bantin.css", NULL);
    CHECK(css && strstr(css, "font-family:\"Bantin Serif\";font-style:normal;"
                             "font-weight:400;src:url(\"../fonts/"));
    CHECK(css && strstr(css, "unicode-range:U+2713}"));
    if (css)
        printf("%s", strstr(css, "unicode-range") ? "" : css);
    free(css);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

/* A long URL, path or formula gets <wbr/> after its slashes, equals
 * signs, semicolons... (never at its start, never in a short word), so a
 * phone breaks it there rather than between two letters; the text itself
 * is unchanged. */
static void test_epub_out__url_breaks(void)
{
    fixture f;
    fixture_init(&f);
    bt_block *b = B(&f, f.art[2], BT_BLOCK_PARA);
    R(&f, &b->runs, 0,
      "Tệp /usr/share/libreoffice/help/vi/text.xhp, công thức "
      "=PRICE(0.0575;100;2) và ngày 27/11.");
    const char *path = path_in(&f, "wbr.epub");
    CHECK_INT(write_book(&f, path), 0);
    zipf z;
    CHECK_INT(zip_read(&z, path), 0);
    char *doc = NULL;
    for (int k = 0; k < z.n && !doc; k++)
        if (strncmp(z.ents[k].name, "EPUB/text/", 10) == 0) {
            char *x = zip_get(&z, z.ents[k].name, NULL);
            if (x && strstr(x, "libreoffice"))
                doc = x;
            else
                free(x);
        }
    CHECK(doc != NULL);
    if (doc) {
        CHECK(strstr(doc, "Tệp /usr/<wbr/>share/<wbr/>libreoffice/<wbr/>"
                          "help/<wbr/>vi/<wbr/>text.xhp,"));
        CHECK(strstr(doc, "=PRICE(0.0575;<wbr/>100;<wbr/>2)"));
        CHECK(strstr(doc, " 27/11."));  /* a short word: left alone */
        CHECK(!strstr(doc, "=<wbr/>")); /* not after a token's first mark */
        CHECK(!strstr(doc, "Tệp /<wbr/>"));
    }
    free(doc);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

/* The string between `open` and the next '<' in the entry, or "". */
static void opf_value(zipf *z, const char *open, char *out, size_t n)
{
    char *opf = zip_get(z, "EPUB/package.opf", NULL);
    const char *p = opf ? strstr(opf, open) : NULL;
    out[0] = 0;
    if (p) {
        p += strlen(open);
        const char *q = strchr(p, '<');
        snprintf(out, n, "%.*s", q ? (int)(q - p) : 0, p);
    }
    free(opf);
}

static void book_ident(fixture *f, const char *name, char *out, size_t n)
{
    const char *path = path_in(f, name);
    zipf z;
    out[0] = 0;
    if (write_book(f, path) != 0 || zip_read(&z, path) != 0)
        return;
    opf_value(&z, "<dc:identifier id=\"pub-id\">", out, n);
    bt_buf_free(&z.data);
}

/* dc:identifier: from title, number and date only. The date's spelling
 * does not matter, a content change keeps it, another number changes it;
 * dc:source (the printed edition) is a different, equally stable URN. */
static void test_epub_out__identifier(void)
{
    fixture f;
    fixture_init(&f);
    char id1[64], id2[64], id3[64], id4[64], src[64];
    book_ident(&f, "1.epub", id1, sizeof id1);
    CHECK(strncmp(id1, "urn:uuid:", 9) == 0 && strlen(id1) == 45);
    f.doc->date_text = F(&f, "27/11/2026");
    bt_block *b = B(&f, f.art[2], BT_BLOCK_PARA);
    R(&f, &b->runs, 0, "Đính chính: một đoạn mới.");
    f.art[0]->title = F(&f, "Hội nghị giao ban (đã sửa)");
    book_ident(&f, "2.epub", id2, sizeof id2);
    CHECK_STR(id2, id1);
    f.doc->number = F(&f, "28");
    book_ident(&f, "3.epub", id3, sizeof id3);
    CHECK(strcmp(id3, id1) != 0 && strncmp(id3, "urn:uuid:", 9) == 0);
    f.doc->number = F(&f, "27");
    f.doc->date = (bt_date){2026, 11, 28};
    book_ident(&f, "4.epub", id4, sizeof id4);
    CHECK(strcmp(id4, id1) != 0);
    zipf z;
    CHECK_INT(zip_read(&z, path_in(&f, "1.epub")), 0);
    opf_value(&z, "<dc:source id=\"print-source\">", src, sizeof src);
    CHECK(strncmp(src, "urn:uuid:", 9) == 0 && strlen(src) == 45);
    CHECK(strcmp(src, id1) != 0);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

/* dc:date is the publication date (bulletin, else latest article, else
 * none); dcterms:modified is the output stamp. */
static void test_epub_out__dates(void)
{
    fixture f;
    fixture_init(&f);
    const char *path = path_in(&f, "d.epub");
    f.doc->date = (bt_date){0, 0, 0};
    f.doc->date_text = F(&f, "");
    f.art[2]->date = (bt_date){2026, 7, 0};
    CHECK_INT(write_book(&f, path), 0);
    zipf z;
    char v[64];
    CHECK_INT(zip_read(&z, path), 0);
    opf_value(&z, "<dc:date>", v, sizeof v);
    CHECK_STR(v, "2026-07"); /* later than article 1's 2026-06-29 */
    opf_value(&z, "<meta property=\"dcterms:modified\">", v, sizeof v);
    CHECK_STR(v, "2026-11-27T00:00:00Z");
    bt_buf_free(&z.data);
    f.art[0]->date = f.art[2]->date = (bt_date){0, 0, 0};
    CHECK_INT(write_book(&f, path), 0);
    CHECK_INT(zip_read(&z, path), 0);
    char *opf = zip_get(&z, "EPUB/package.opf", NULL);
    CHECK(opf && !strstr(opf, "<dc:date>"));
    CHECK(opf && strstr(opf, "dcterms:modified"));
    free(opf);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

/* An article built alone: its authors are the creators, and printed
 * page 1 (no masthead, layout.c) is the article's head, not the cover. */
static void test_epub_out__single_article(void)
{
    fixture f;
    fixture_init(&f);
    bt_arena *A = &f.ctx.arena;
    bt_doc *d = bt_doc_new(A);
    d->file = f.doc->file;
    d->title = f.art[0]->title;
    d->lang = "vi";
    d->stamp = f.doc->stamp;
    bt_section *s = bt_doc_add_section(A, d);
    f.art[0]->next = NULL;
    f.art[0]->index = 0;
    bt_section_add_article(s, f.art[0]);
    bt_doc_finish(A, d);
    f.doc = d;
    f.marks[0] = (bt_pagemark){1, f.art[0], NULL};
    f.marks[1].page = 2;
    f.pages.npages = f.pages.nmarks = 2;
    const char *path = path_in(&f, "one.epub");
    CHECK_INT(write_book(&f, path), 0);
    zipf z;
    CHECK_INT(zip_read(&z, path), 0);
    char *opf = zip_get(&z, "EPUB/package.opf", NULL);
    char *nav = zip_get(&z, "EPUB/nav.xhtml", NULL);
    char *cover = zip_get(&z, "EPUB/cover.xhtml", NULL);
    char *a1 = zip_get(&z, "EPUB/text/hoi-nghi-giao-ban.xhtml", NULL);
    CHECK(opf && nav && cover && a1);
    if (opf && nav && cover && a1) {
        CHECK_INT(count_str(opf, "<dc:creator"), 2);
        CHECK(strstr(opf, "<dc:creator id=\"creator-1\">Thiên Bút</dc:creator>"
                          "\n<meta refines=\"#creator-1\" property=\"role\" "
                          "scheme=\"marc:relators\">aut</meta>"));
        CHECK(!strstr(opf, "dc:contributor") && !strstr(opf, ">com<"));
        CHECK(!strstr(opf, "a11y:certifiedBy")); /* no publisher */
        CHECK(strstr(nav, "<a href=\"text/hoi-nghi-giao-ban.xhtml#page-1\">1"
                          "</a>"));
        CHECK(strstr(nav, "#page-2\">2</a>"));
        CHECK(!strstr(cover, "page-1"));
        CHECK(strstr(a1, "<span epub:type=\"pagebreak\" role=\"doc-pagebreak"
                         "\" id=\"page-1\" aria-label=\"1\"></span><header>"));
        int checked = 0;
        check_targets(&z, nav, "href", &checked);
        CHECK(checked >= 2);
    }
    free(opf);
    free(nav);
    free(cover);
    free(a1);
    bt_buf_free(&z.data);
    fixture_free(&f);
}

static const bt_t_case cases[] = {
    TEST(test_epub_out__sha1),           TEST(test_epub_out__uuid5),
    TEST(test_epub_out__structure),      TEST(test_epub_out__navigation),
    TEST(test_epub_out__deterministic),  TEST(test_epub_out__no_pages_no_fonts),
    TEST(test_epub_out__error),          TEST(test_epub_out__font_sizes),
    TEST(test_epub_out__fallback_face),  TEST(test_epub_out__url_breaks),
    TEST(test_epub_out__identifier),     TEST(test_epub_out__dates),
    TEST(test_epub_out__single_article), TEST(test_epub_out__predeflated),
    TEST(test_epub_out__piped),          TEST(test_epub_out__epubcheck),
    TEST(test_epub_out__fonts_ahead),
};

TEST_MAIN("test_epub_out", cases)
