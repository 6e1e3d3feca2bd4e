/* test_read.c - read_article.c and read_bulletin.c: a full-featured
 * article, every article error with its position, manifest rules (missing,
 * self, other manifest, twice, outside the root, symlinks), direct inputs,
 * path containment and dates; every error message of read_layout.c with its
 * position; the gutters of the shipped layouts. Files live in a mkdtemp folder.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"
#include "layout.h"
#include "read.h"
#include "text.h"
#include "bt_limits.h"

static bt_ctx ctx;
static char tmp[256]; /* real path of the temp folder */

static void fresh(void)
{
    bt_ctx_free(&ctx);
    bt_ctx_init(&ctx);
}

static char *path_in(const char *dir, const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    int n = snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof p[k])
        abort();
    return p[k];
}

static void write_file(const char *dir, const char *name, const char *text)
{
    const char *p = path_in(dir, name);
    /* make parent folders */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", p);
    for (char *s = buf + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = 0;
        mkdir(buf, 0755);
        *s = '/';
    }
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* Index of the diagnostic with this exact message, or -1. */
static int find(const char *msg)
{
    for (int i = 0; i < ctx.ndiags; i++)
        if (strcmp(ctx.diags[i].msg, msg) == 0)
            return i;
    return -1;
}

/* Checks that a diagnostic `msg` exists at line:col. */
#define CHECK_DIAG(m, l, c)                                                    \
    do {                                                                       \
        int at_ = find(m);                                                     \
        CHECK(at_ >= 0);                                                       \
        if (at_ < 0) {                                                         \
            fprintf(stderr, "  missing: %s; have:\n", m);                      \
            bt_diag_print(&ctx, stderr, 0);                                    \
        } else {                                                               \
            CHECK_INT(ctx.diags[at_].pos.line, l);                             \
            CHECK_INT(ctx.diags[at_].pos.col, c);                              \
        }                                                                      \
    } while (0)

/* Parses `xml` as article file `name` in tmp and reads it. */
static bt_article *article(const char *name, const char *xml)
{
    fresh();
    write_file(tmp, name, xml);
    uint16_t f = bt_ctx_file(&ctx, name, path_in(tmp, name));
    bt_xel *root = bt_xml_parse(&ctx, f, xml, strlen(xml));
    if (!root)
        return NULL;
    return bt_read_article(&ctx, root, f, tmp, tmp, 0);
}

static bt_str run_text(const bt_run *r)
{
    return r ? r->text : BT_STR_NULL;
}

/* ---- articles ------------------------------------------------------- */

static void test_read__full_article(void)
{
    write_file(tmp, "images/toan-canh.jpg", "not really a jpeg");
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<article xml:lang=\"vi\" id=\"Hội nghị!\">\n"
        "  <meta>\n"
        "    <kicker>  Công tác   tổ chức </kicker>\n"
        "    <title>Hội nghi\xCC\xA3 giao ban</title>\n" /* NFD ị */
        "    <subtitle>Phụ đề</subtitle>\n"
        "    <source url=\" https://phapluatmoitruong.vn/x \">PLMT</source>\n"
        "    <date>2024-02-29</date>\n"
        "    <author>Thiên Bút</author>\n"
        "    <author>Lê A</author>\n"
        "    <credit>Theo MT&amp;ĐT</credit>\n"
        "    <section>Xây dựng Đảng</section>\n"
        "  </meta>\n"
        "  <lead>Chiều 29/6,\u00a0tại <em>Quảng Ngãi</em> </lead>\n"
        "  <body>\n"
        "    <p>Text with <em>emphasis</em>, <strong>strong <em>both</em>"
        "</strong>,\n"
        "       <a href=\"https://example.org\">links</a> and a forced "
        "<br/> break.</p>\n"
        "    <p> <a href=\"javascript:alert(1)\">bad</a> </p>\n"
        "    <p>   </p>\n"
        "    <h2>Subheading</h2>\n"
        "    <blockquote><p>Q1</p><p>Q2</p></blockquote>\n"
        "    <ul><li>Item</li><li>Two</li></ul>\n"
        "    <ol><li>One</li><li>Two</li></ol>\n"
        "    <figure>\n"
        "      <img src=\"images/toan-canh.jpg\" alt=\" Toàn cảnh \"/>\n"
        "      <figcaption>Toàn cảnh <em>Hội nghị</em>.</figcaption>\n"
        "    </figure>\n"
        "  </body>\n"
        "</article>\n";
    bt_article *a = article("a.xml", xml);
    CHECK(a != NULL);
    if (!a) {
        bt_diag_print(&ctx, stderr, 0);
        return;
    }
    CHECK_INT(ctx.nerrors, 0);
    CHECK_INT(ctx.nwarnings, 1);
    CHECK_DIAG("link 'javascript:alert(1)' is not http, https or mailto; "
               "printed as plain text",
               18, 9);
    CHECK_STR(a->id, "hoi-nghi");
    CHECK_STR(a->lang, "vi");
    CHECK_INT(a->pos.line, 2);
    CHECK_BSTR(a->kicker.text, "Công tác tổ chức");
    CHECK_INT(a->kicker.pos.line, 4);
    CHECK_INT(a->kicker.pos.col, 5);
    CHECK_BSTR(a->title.text, "Hội nghị giao ban");
    CHECK_BSTR(a->subtitle.text, "Phụ đề");
    CHECK_BSTR(a->source.text, "PLMT");
    CHECK_STR(a->source_url, "https://phapluatmoitruong.vn/x");
    CHECK_BSTR(a->date_text.text, "2024-02-29");
    CHECK_INT(a->date.y, 2024);
    CHECK_INT(a->date.m, 2);
    CHECK_INT(a->date.d, 29);
    CHECK_INT(a->nauthors, 2);
    CHECK_BSTR(a->authors->name.text, "Thiên Bút");
    CHECK_BSTR(a->authors->next->name.text, "Lê A");
    CHECK_BSTR(a->credit.text, "Theo MT&ĐT");
    CHECK_BSTR(a->section.text, "Xây dựng Đảng");
    /* lead: NBSP honoured, trailing space trimmed */
    CHECK_INT(a->lead.count, 2);
    CHECK_BSTR(run_text(a->lead.first), "Chiều 29/6,\u00a0tại ");
    CHECK_BSTR(run_text(a->lead.last), "Quảng Ngãi");
    CHECK_INT(a->lead.last->style, BT_STYLE_EM);
    CHECK_INT(a->lead_pos.line, 14);

    /* blocks: p, p(bad link), h2, quote x2, item x2, item x2, figure
     * (the blank <p> is dropped) */
    CHECK_INT(a->nblocks, 10);
    bt_block *b = a->blocks;
    CHECK_INT(b->kind, BT_BLOCK_PARA);
    CHECK_INT(b->pos.line, 16);
    CHECK_INT(b->pos.col, 5);
    const char *want[] = {"Text with ", "emphasis", ", ",    "strong ",
                          "both",       ", ",       "links", " and a forced",
                          NULL,         "break."};
    unsigned styles[] = {0,
                         BT_STYLE_EM,
                         0,
                         BT_STYLE_STRONG,
                         BT_STYLE_STRONG | BT_STYLE_EM,
                         0,
                         BT_STYLE_LINK,
                         0,
                         0,
                         0};
    int i = 0;
    for (const bt_run *r = b->runs.first; r; r = r->next, i++) {
        if (i >= 10)
            break;
        if (!want[i]) {
            CHECK_INT(r->kind, BT_RUN_BREAK);
            continue;
        }
        CHECK_INT(r->kind, BT_RUN_TEXT);
        CHECK_BSTR(r->text, want[i]);
        CHECK_INT(r->style, styles[i]);
    }
    CHECK_INT(i, 10);
    CHECK_INT(b->runs.count, 10);
    const bt_run *link = b->runs.first;
    for (int k = 0; k < 6; k++)
        link = link->next;
    CHECK_STR(link->href, "https://example.org");
    CHECK_INT(link->pos.line, 17);
    CHECK_INT(link->pos.col, 38);
    CHECK_BSTR(bt_runs_text(&ctx.arena, &b->runs),
               "Text with emphasis, strong both, links and a forced\nbreak.");

    b = b->next; /* the javascript: link, kept as plain text */
    CHECK_INT(b->runs.count, 1);
    CHECK_BSTR(run_text(b->runs.first), "bad");
    CHECK_INT(b->runs.first->style, 0);
    CHECK(b->runs.first->href == NULL);

    b = b->next;
    CHECK_INT(b->kind, BT_BLOCK_HEADING);
    CHECK_BSTR(run_text(b->runs.first), "Subheading");
    b = b->next;
    CHECK_INT(b->kind, BT_BLOCK_QUOTE);
    CHECK_INT(b->group_start, 1);
    b = b->next;
    CHECK_INT(b->kind, BT_BLOCK_QUOTE);
    CHECK_INT(b->group_start, 0);
    CHECK_BSTR(run_text(b->runs.first), "Q2");
    b = b->next;
    CHECK_INT(b->kind, BT_BLOCK_ITEM);
    CHECK_INT(b->ordered, 0);
    CHECK_INT(b->group_start, 1);
    b = b->next;
    CHECK_INT(b->group_start, 0);
    b = b->next;
    CHECK_INT(b->kind, BT_BLOCK_ITEM);
    CHECK_INT(b->ordered, 1);
    CHECK_INT(b->number, 1);
    CHECK_INT(b->group_start, 1);
    b = b->next;
    CHECK_INT(b->number, 2);
    CHECK_BSTR(run_text(b->runs.first), "Two");
    b = b->next;
    CHECK_INT(b->kind, BT_BLOCK_FIGURE);
    CHECK_STR(b->src, "images/toan-canh.jpg");
    CHECK_STR(b->path, path_in(tmp, "images/toan-canh.jpg"));
    CHECK_INT(b->src_pos.line, 25);
    CHECK_INT(b->src_pos.col, 7);
    CHECK_BSTR(b->alt, "Toàn cảnh");
    CHECK_BSTR(bt_runs_text(&ctx.arena, &b->runs), "Toàn cảnh Hội nghị.");
    CHECK(b->next == NULL);
}

static void test_read__id_from_file(void)
{
    bt_article *a = article("Hội-Nghị giao_ban.xml",
                            "<article><meta><title>T</title></meta></article>");
    CHECK(a != NULL);
    if (a)
        CHECK_STR(a->id, "hoi-nghi-giao_ban");
    a = article("Ho\xCC\x82\xCC\x81i.xml", /* NFD "Hối" */
                "<article><meta><title>T</title></meta></article>");
    CHECK(a != NULL);
    if (a)
        CHECK_STR(a->id, "hoi");
    a = article("x.xml", "<article><meta><title>T</title></meta>"
                         "<body/></article>");
    CHECK(a != NULL);
    if (a) {
        CHECK_INT(a->nblocks, 0);
        CHECK(a->lang == NULL);
    }
}

static void test_read__article_errors(void)
{
    /* several errors in one file: each reported, reading goes on */
    bt_article *a = article(
        "e.xml",
        "<article foo=\"1\">\n"                                     /* 1 */
        "  <meta>\n"                                                /* 2 */
        "    <title>A <em>b</em></title>\n"                         /* 3 */
        "    <date>2022-13-45</date>\n"                             /* 4 */
        "    <kicker>k</kicker><kicker>k2</kicker>\n"               /* 5 */
        "  </meta>\n"                                               /* 6 */
        "  <body>\n"                                                /* 7 */
        "    <tabel/>\n"                                            /* 8 */
        "    stray ế text\n"                                        /* 9 */
        "    <p foo=\"x\">p</p><p>ok <b>x</b></p>\n"                /* 10 */
        "    <figure><figcaption>c</figcaption></figure>\n"         /* 11 */
        "    <figure><img/></figure>\n"                             /* 12 */
        "    <figure><img src=\"https://x.org/a.png\"/></figure>\n" /* 13 */
        "    <figure><img src=\"//x.org/a.png\"/></figure>\n"       /* 14 */
        "    <figure><img src=\"data:image/png;base64,AA\"/></figure>\n"
        "    <figure><img src=\"nope.png\"/></figure>\n"    /* 16 */
        "    <figure><img src=\"../nope.png\"/></figure>\n" /* 17 */
        "    <figure><img src=\"/etc/passwd\"/></figure>\n" /* 18 */
        "    <p><a>x</a><br>y</br></p>\n"                   /* 19 */
        "    <ul><p>x</p></ul>\n"                           /* 20 */
        "  </body>\n"
        "  <body/>\n" /* 22 */
        "</article>\n");
    CHECK(a == NULL);
    CHECK_DIAG("unknown attribute 'foo' on <article>", 1, 1);
    CHECK_DIAG("unknown element <em> in <title>", 3, 14);
    CHECK_DIAG("bad date '2022-13-45': expected YYYY-MM-DD", 4, 5);
    CHECK_DIAG("<kicker> given twice in <meta>", 5, 23);
    CHECK_DIAG("unknown element <tabel> in <body>", 8, 5);
    CHECK_DIAG("text not allowed directly in <body>", 9, 5);
    CHECK_DIAG("unknown attribute 'foo' on <p>", 10, 5);
    CHECK_DIAG("unknown element <b> in <p>", 10, 27);
    CHECK_DIAG("<img> is required in <figure>", 11, 5);
    CHECK_DIAG("missing src on <img>", 12, 13);
    CHECK_DIAG("image 'https://x.org/a.png': URL not allowed (images are "
               "never fetched)",
               13, 13);
    CHECK_DIAG("image '//x.org/a.png': URL not allowed (images are never "
               "fetched)",
               14, 13);
    CHECK_DIAG("image 'data:image/png;base64,AA': URL not allowed (images are "
               "never fetched)",
               15, 13);
    CHECK_DIAG("image 'nope.png': no such file", 16, 13);
    CHECK_DIAG("image '../nope.png': leaves the bulletin folder (use "
               "--allow-outside)",
               17, 13);
    CHECK_DIAG("image '/etc/passwd': leaves the bulletin folder (use "
               "--allow-outside)",
               18, 13);
    CHECK_DIAG("missing href on <a>", 19, 8);
    CHECK_DIAG("text not allowed directly in <br>", 19, 20);
    CHECK_DIAG("unknown element <p> in <ul>", 20, 9);
    CHECK_DIAG("<body> given twice in <article>", 22, 3);
    CHECK_INT(ctx.nerrors, 20);
    CHECK(bt_ctx_full(&ctx));

    a = article("m.xml", "<article>\n <meta><kicker>k</kicker></meta>\n"
                         " <lead>x</lead></article>");
    CHECK(a == NULL);
    CHECK_INT(ctx.nerrors, 1);
    CHECK_DIAG("missing required <title> in <meta>", 2, 2);
    a = article("m.xml", "<article>\n <lead>x</lead></article>");
    CHECK(a == NULL);
    CHECK_DIAG("missing required <meta> (with <title>) in <article>", 1, 1);
    a = article("m.xml", "<article><meta><title> </title></meta></article>");
    CHECK(a == NULL);
    CHECK_DIAG("<title> is empty", 1, 16);
    a = article("m.xml", "<bài/>");
    CHECK(a == NULL);
    CHECK_DIAG("wrong root element <bài>: expected <article>", 1, 1);
    a = article("m.xml",
                "<article xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
                "<meta><title>T</title></meta><body>\n"
                "  <xi:include href=\"/etc/passwd\"/></body></article>");
    CHECK(a != NULL); /* reported, and kept for the later stages' checks */
    CHECK_DIAG("unknown attribute 'xmlns:xi' on <article>", 1, 1);
    CHECK_DIAG("unknown element <xi:include> in <body>", 2, 3);
}

static void test_read__inline_depth(void)
{
    char xml[4096];
    size_t n = (size_t)sprintf(xml, "<article><meta><title>T</title></meta>"
                                    "<body><p>");
    size_t p_col = 1 + strlen("<article><meta><title>T</title></meta><body>");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(xml + n, i % 2 ? "<em>" : "<strong>");
    n += (size_t)sprintf(xml + n, "x");
    for (int i = 39; i >= 0; i--)
        n += (size_t)sprintf(xml + n, i % 2 ? "</em>" : "</strong>");
    sprintf(xml + n, "</p></body></article>");
    CHECK(article("d.xml", xml) != NULL); /* titled: kept, error reported */
    /* the 33rd element: 16 <strong> and 16 <em> before it */
    CHECK_DIAG("inline markup nested deeper than 32", 1,
               p_col + 3 + 16 * 8 + 16 * 4);
    CHECK_INT(ctx.nerrors, 1);
}

static void test_read__whitespace(void)
{
    bt_article *a = article(
        "w.xml", "<article><meta><title>\n  A \n\t B  </title></meta><body>"
                 "<p> a <em> b </em> <strong> c</strong>d<br/> <br/> e </p>"
                 "<p><em> </em>x<em> </em></p></body></article>");
    CHECK(a != NULL);
    if (!a)
        return;
    CHECK_BSTR(a->title.text, "A B");
    CHECK_BSTR(bt_runs_text(&ctx.arena, &a->blocks->runs), "a b cd\n\ne");
    CHECK_BSTR(run_text(a->blocks->runs.first), "a ");
    CHECK_BSTR(run_text(a->blocks->runs.first->next), "b ");
    CHECK_BSTR(bt_runs_text(&ctx.arena, &a->blocks->next->runs), "x");
    CHECK_INT(a->blocks->next->runs.count, 1);
}

/* ---- paths and dates ------------------------------------------------ */

static void test_read__resolve(void)
{
    fresh();
    const char *why = NULL;
    write_file(tmp, "in/a.png", "x");
    mkdir(path_in(tmp, "inbc"), 0755);
    write_file(tmp, "inbc/b.png", "x");
    char *in = path_in(tmp, "in");
    char root[512];
    snprintf(root, sizeof root, "%s", in);
    const char *p = bt_resolve_path(&ctx, root, "a.png", root, 0, &why);
    CHECK_STR(p, path_in(tmp, "in/a.png"));
    p = bt_resolve_path(&ctx, root, "./x/../a.png", root, 0, &why);
    CHECK(p == NULL); /* x does not exist */
    CHECK_STR(why, "no such file");
    /* "/tmp/in" does not contain "/tmp/inbc" */
    p = bt_resolve_path(&ctx, root, "../inbc/b.png", root, 0, &why);
    CHECK(p == NULL);
    CHECK_STR(why, "leaves the bulletin folder (use --allow-outside)");
    p = bt_resolve_path(&ctx, root, "../inbc/b.png", root, 1, &why);
    CHECK_STR(p, path_in(tmp, "inbc/b.png"));
    p = bt_resolve_path(&ctx, root, path_in(tmp, "in/a.png"), root, 0, &why);
    CHECK_STR(p, path_in(tmp, "in/a.png"));
    p = bt_resolve_path(&ctx, root, "", root, 0, &why);
    CHECK(p == NULL);
    /* symlinks are followed before the check */
    unlink(path_in(tmp, "in/link.png"));
    CHECK(symlink(path_in(tmp, "inbc/b.png"), path_in(tmp, "in/link.png")) ==
          0);
    p = bt_resolve_path(&ctx, root, "link.png", root, 0, &why);
    CHECK(p == NULL);
    CHECK_STR(why, "leaves the bulletin folder (use --allow-outside)");
    p = bt_resolve_path(&ctx, root, ".", root, 0, &why);
    CHECK(p == NULL);
    CHECK_STR(why, "is a folder, not a file");
    p = bt_resolve_path(&ctx, "/", "etc/passwd", "/", 0, &why);
    CHECK_STR(p, "/etc/passwd");
}

static void test_read__dates(void)
{
    bt_date d;
    struct {
        const char *s;
        int ok;
    } cases[] = {{"2022-06-29", 1},  {"2024-02-29", 1}, {"2000-02-29", 1},
                 {"1900-02-29", 0},  {"2023-02-29", 0}, {"2022-13-01", 0},
                 {"2022-00-10", 0},  {"2022-04-31", 0}, {"2022-12-31", 1},
                 {"2022-6-29", 0},   {"22-06-29", 0},   {"2022/06/29", 0},
                 {"2022-06-29 ", 0}, {"0000-01-01", 0}, {"", 0},
                 {"2022-06-3x", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bt_str s = {cases[i].s, strlen(cases[i].s)};
        int rc = bt_date_parse(s, &d);
        CHECK_INT(rc, cases[i].ok ? 0 : -1);
        if (rc != (cases[i].ok ? 0 : -1))
            fprintf(stderr, "  date %s\n", cases[i].s);
    }
    bt_date_parse((bt_str){"2022-06-29", 10}, &d);
    CHECK_INT(d.y * 10000 + d.m * 100 + d.d, 20220629);
}

/* ---- manifests ------------------------------------------------------ */

static const char *ART = "<article><meta><title>%s</title></meta></article>";

static void art_file(const char *dir, const char *name, const char *title)
{
    char buf[256];
    snprintf(buf, sizeof buf, ART, title);
    write_file(dir, name, buf);
}

static bt_doc *inputs(int n, ...)
{
    char *paths[8];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        paths[i] = va_arg(ap, char *);
    va_end(ap);
    fresh();
    return bt_read_inputs(&ctx, paths, n, 0);
}

static void test_read__manifest(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path_in(tmp, "m1"));
    mkdir(dir, 0755);
    art_file(dir, "articles/a.xml", "Bài A");
    art_file(dir, "articles/b.xml", "Bài B");
    write_file(dir, "clips/c.txt", "Tiêu đề C\n\nThân bài.\n");
    write_file(dir, "bulletin.xml",
               "<?xml version=\"1.0\"?>\n"
               "<bulletin xml:lang=\"vi\">\n"
               "  <title>Bản tin Báo chí</title>\n"
               "  <subtitle>Điểm báo tuần</subtitle>\n"
               "  <number>26</number>\n"
               "  <date>2022-07-01</date>\n"
               "  <publisher>Văn phòng</publisher>\n"
               "  <layout>a4-3col</layout>\n"
               "  <section title=\"Xây dựng Đảng\">\n"
               "    <article href=\"articles/a.xml\"/>\n"
               "    <article href=\"clips/c.txt\"/>\n"
               "  </section>\n"
               "  <section title=\"Kinh tế\" reorder=\"yes\">\n"
               "    <article href=\"./articles/b.xml\"/>\n"
               "  </section>\n"
               "  <section title=\"Trống\"/>\n" /* not printed */
               "</bulletin>\n");
    bt_doc *doc = inputs(1, path_in(dir, "bulletin.xml"));
    CHECK_INT(ctx.nerrors, 0);
    bt_diag_print(&ctx, stderr, 0);
    CHECK(doc->has_manifest);
    CHECK_STR(doc->root, dir);
    CHECK_BSTR(doc->title.text, "Bản tin Báo chí");
    CHECK_BSTR(doc->subtitle.text, "Điểm báo tuần");
    CHECK_BSTR(doc->number.text, "26");
    CHECK_BSTR(doc->publisher.text, "Văn phòng");
    CHECK_BSTR(doc->layout.text, "a4-3col");
    CHECK_INT(doc->layout.pos.line, 8);
    CHECK_INT(doc->date.y * 10000 + doc->date.m * 100 + doc->date.d, 20220701);
    CHECK_STR(doc->lang, "vi");
    CHECK_INT(doc->nsections, 2);
    CHECK_INT(doc->narticles, 3);
    bt_section *s = doc->sections;
    CHECK_BSTR(s->title.text, "Xây dựng Đảng");
    CHECK_INT(s->narticles, 2);
    CHECK_BSTR(s->articles->title.text, "Bài A");
    CHECK_STR(s->articles->id, "a");
    CHECK_STR(ctx.files[s->articles->file], path_in(dir, "articles/a.xml"));
    CHECK_BSTR(s->articles->next->title.text, "Tiêu đề C");
    CHECK_INT(s->articles->next->index, 1);
    CHECK_BSTR(s->next->title.text, "Kinh tế");
    CHECK_BSTR(s->next->articles->title.text, "Bài B");
    CHECK_INT(s->reorder, 0);
    CHECK_INT(s->next->reorder, 1);
    bt_doc_check(doc);
}

static void test_read__manifest_errors(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path_in(tmp, "m2"));
    mkdir(dir, 0755);
    art_file(dir, "a.xml", "A");
    art_file(tmp, "outside.xml", "O");
    write_file(dir, "other.xml",
               "<bulletin><section><article href=\"a.xml\"/>"
               "</section></bulletin>");
    write_file(dir, "bad.xml",
               "<article><meta><title>T</title></meta>\n"
               "<body><tabel/></body></article>");
    write_file(dir, "root.xml", "<articel/>");
    unlink(path_in(dir, "escape.xml"));
    CHECK(symlink(path_in(tmp, "outside.xml"), path_in(dir, "escape.xml")) ==
          0);
    write_file(dir, "bulletin.xml",
               "<bulletin>\n"                                /* 1 */
               "  <section title=\"S\" reorder=\"maybe\">\n" /* 2 */
               "    <article href=\"a.xml\"/>\n"             /* 3 */
               "    <article href=\"missing.xml\"/>\n"       /* 4 */
               "    <article href=\"bulletin.xml\"/>\n"      /* 5 */
               "    <article href=\"other.xml\"/>\n"         /* 6 */
               "    <article href=\"./a.xml\"/>\n"           /* 7 */
               "    <article href=\"../outside.xml\"/>\n"    /* 8 */
               "    <article href=\"escape.xml\"/>\n"        /* 9 */
               "    <article href=\"bad.xml\"/>\n"           /* 10 */
               "    <article href=\"a.pdf\"/>\n"             /* 11 */
               "    <article/>\n"                            /* 12 */
               "    <article href=\"root.xml\"/>\n"          /* 13 */
               "  </section>\n"
               "  <date>2022-02-30</date>\n" /* 15 */
               "  <foo/>\n"                  /* 16 */
               "</bulletin>\n");
    bt_doc *doc = inputs(1, path_in(dir, "bulletin.xml"));
    CHECK_INT(doc->narticles, 2); /* a.xml, and bad.xml kept despite errors */
    CHECK_DIAG("article 'missing.xml': no such file", 4, 5);
    CHECK_DIAG("article 'bulletin.xml' is the manifest itself", 5, 5);
    CHECK_DIAG("article 'other.xml' is a bulletin manifest, not an article", 6,
               5);
    CHECK_DIAG("article './a.xml' is listed twice (first at line 3)", 7, 5);
    CHECK_DIAG("article '../outside.xml': leaves the bulletin folder (use "
               "--allow-outside)",
               8, 5);
    CHECK_DIAG("article 'escape.xml': leaves the bulletin folder (use "
               "--allow-outside)",
               9, 5);
    int i = find("unknown element <tabel> in <body>");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_STR(ctx.files[ctx.diags[i].pos.file], path_in(dir, "bad.xml"));
        CHECK_INT(ctx.diags[i].pos.line, 2);
        CHECK_INT(ctx.diags[i].pos.col, 7);
        CHECK(i + 1 < ctx.ndiags);
        if (i + 1 < ctx.ndiags) {
            CHECK_INT(ctx.diags[i + 1].level, BT_DIAG_NOTE);
            CHECK_STR(ctx.diags[i + 1].msg, "referenced from here");
            CHECK_INT(ctx.diags[i + 1].pos.line, 10);
            CHECK_INT(ctx.diags[i + 1].pos.col, 5);
        }
    }
    CHECK_DIAG(
        "article 'a.pdf': unknown input type (expected .xml, .txt or .html)",
        11, 5);
    CHECK_DIAG("missing href on <article>", 12, 5);
    CHECK_DIAG("wrong root element <articel>: expected <article> or "
               "<bulletin>",
               1, 1);
    CHECK_DIAG("bad date '2022-02-30': expected YYYY-MM-DD", 15, 3);
    CHECK_DIAG("unknown element <foo> in <bulletin>", 16, 3);
    CHECK_DIAG("reorder must be \"yes\" or \"no\", not \"maybe\"", 2, 3);
    CHECK_INT(ctx.nerrors, 13);

    /* no article at all */
    write_file(dir, "empty.xml",
               "<bulletin>\n  <title>T</title>\n"
               "  <section title=\"x\"/>\n</bulletin>");
    inputs(1, path_in(dir, "empty.xml"));
    CHECK_INT(ctx.nerrors, 1);
    CHECK_DIAG("the bulletin lists no article", 1, 1);
}

static void test_read__direct_inputs(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path_in(tmp, "d"));
    mkdir(dir, 0755);
    art_file(dir, "one.xml", "Một");
    art_file(dir, "two.xml", "Hai");
    write_file(dir, "three.txt", "Ba\n\nThân.\n");
    bt_doc *doc = inputs(1, path_in(dir, "one.xml"));
    CHECK_INT(ctx.nerrors, 0);
    CHECK(!doc->has_manifest);
    CHECK_STR(doc->root, dir);
    CHECK_BSTR(doc->title.text, "Một");
    CHECK_INT(doc->nsections, 1);
    CHECK_INT(doc->sections->title.text.len, 0);
    CHECK_INT(doc->number.text.len, 0);
    CHECK_STR(doc->sections->articles->id, "one");

    doc = inputs(3, path_in(dir, "one.xml"), path_in(dir, "two.xml"),
                 path_in(dir, "three.txt"));
    CHECK_INT(ctx.nerrors, 0);
    CHECK_INT(doc->narticles, 3);
    CHECK_BSTR(doc->title.text, "Bản tin");
    CHECK_STR(doc->lang, "vi");
    CHECK_STR(doc->sections->articles->lang, "vi");
    bt_doc_check(doc);

    /* the text the layout shapes: the bulletin's title ("Ba", from its
     * one article), the article's title and its body "Thân." */
    doc = inputs(1, path_in(dir, "three.txt"));
    CHECK_BSTR(doc->title.text, "Ba");
    CHECK_INT((int)bt_doc_text_bytes(doc), 2 + 2 + (int)strlen("Thân."));

    doc = inputs(4, path_in(dir, "one.xml"), path_in(tmp, "outside.xml"),
                 path_in(dir, "nope.xml"), path_in(dir, "x.pdf"));
    CHECK_INT(doc->narticles, 1);
    CHECK_INT(ctx.nerrors, 3);
    CHECK_DIAG("leaves the bulletin folder (use --allow-outside)", 0, 0);
    CHECK_DIAG("no such file", 0, 0);
    CHECK_DIAG("unknown input type (expected .xml, .txt or .html)", 0, 0);

    /* a manifest among articles */
    write_file(dir, "b.xml", "<bulletin/>");
    doc = inputs(2, path_in(dir, "one.xml"), path_in(dir, "b.xml"));
    CHECK_DIAG("a bulletin manifest must be the only input", 1, 1);
}

static void test_read__too_big(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path_in(tmp, "big"));
    mkdir(dir, 0755);
    FILE *f = fopen(path_in(dir, "big.xml"), "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    /* sparse file just over the cap */
    fseek(f, (long)BT_MAX_INPUT_BYTES, SEEK_SET);
    fputc('x', f);
    fclose(f);
    inputs(1, path_in(dir, "big.xml"));
    CHECK_DIAG("file is larger than 64 MiB", 0, 0);
    remove(path_in(dir, "big.xml"));
}

/* ---- read_layout.c: one case per message ---------------------------- */

typedef struct {
    const char *xml; /* the layout file */
    const char *msg; /* its only error (a second one in msg2) */
    int line, col;
    const char *msg2;
} layout_case;

static const layout_case layout_cases[] = {
    {"<layout name=\"x\">\n  <page width=\"wide\"/>\n</layout>\n",
     "bad value 'wide' for width on <page>", 2, 3, NULL},
    {"<layout name=\"x\">\n  <columns count=\"7\"/>\n</layout>\n",
     "bad value '7' for count on <columns>", 2, 3, NULL},
    {"<layout name=\"x\">\n <rules width=\"0.5pt\" "
     "color=\"red\"/>\n</layout>\n",
     "bad value 'red' for color on <rules>", 2, 2, NULL},
    {"<layout name=\"x\">\n  <flow indent=\"9pt\"\n   article-break=\"never\"/>"
     "\n</layout>\n",
     "bad value 'never' for article-break on <flow>: expected flow|page", 2, 3,
     NULL},
    {"<layout name=\"x\">\n  <page bleed=\"3mm\"/>\n</layout>\n",
     "unknown attribute 'bleed' on <page>", 2, 3, NULL},
    {"<layout name=\"x\">\n  <role name=\"footnote\" "
     "size=\"7pt\"/>\n</layout>\n",
     "unknown role 'footnote' in <role>", 2, 3, NULL},
    {"<layout name=\"x\">\n  <role size=\"7pt\"/>\n</layout>\n",
     "unknown role '' in <role>", 2, 3, NULL},
    {"<layout name=\"x\">\n  <role name=\"body\" "
     "style=\"heavy\"/>\n</layout>\n",
     "bad value 'heavy' for style on <role>: expected "
     "regular|bold|italic|bold-italic",
     2, 3, NULL},
    {"<layout name=\"x\">\n  <role name=\"headline\" size=\"300pt\" "
     "leading=\"0.5pt\"/>\n</layout>\n",
     "bad value '300pt' for size on <role>: expected a length between 1pt and "
     "200pt",
     2, 3,
     "bad value '0.5pt' for leading on <role>: expected a length between 1pt "
     "and 200pt"},
    {"<layout name=\"x\">\n  <role name=\"kicker\" color=\"#12345\"/>\n"
     "</layout>\n",
     "bad value '#12345' for color on <role>: expected #rrggbb", 2, 3, NULL},
    {"<layout name=\"x\">\n  <role name=\"body\" weight=\"700\"/>\n</layout>\n",
     "unknown attribute 'weight' on <role>", 2, 3, NULL},
    {"<layout name=\"x\">\n  <role name=\"body\" size=\"12pt\" "
     "leading=\"10pt\"/>"
     "\n</layout>\n",
     "leading of role 'body' is smaller than its size", 2, 3, NULL},
    {"<layouts name=\"x\">\n  <page width=\"210mm\"/>\n</layouts>\n",
     "wrong root element <layouts>: expected <layout>", 1, 1, NULL},
    {"<layout name=\"x\" version=\"2\">\n  <page "
     "width=\"210mm\"/>\n</layout>\n",
     "unknown attribute 'version' on <layout>", 1, 1, NULL},
    {"<layout name=\"x\">\n  <page width=\"210mm\"/> wide\n</layout>\n",
     "text not allowed in <layout>", 2, 24, NULL},
    {"<layout name=\"x\">\n  <columns count=\"2\"><gap>5mm</gap></columns>\n"
     "</layout>\n",
     "<columns> takes no content", 2, 3, NULL},
    {"<layout name=\"x\">\n  <margins all=\"15mm\"/>\n</layout>\n",
     "unknown element <margins> in <layout>", 2, 3, NULL},
    {"<layout name=\"x\">\n  <page width=\"60mm\" margin-left=\"10mm\" "
     "margin-right=\"10mm\"/>\n</layout>\n",
     "page too small: columns must be at least 36pt wide and the text area "
     "144pt high",
     1, 1, NULL},
    {"<layout name=\"x\">\n  <page height=\"60mm\"/>\n</layout>\n",
     "page too small: columns must be at least 36pt wide and the text area "
     "144pt high",
     1, 1, NULL},
};

static void test_read__layout_errors(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path_in(tmp, "lay"));
    mkdir(dir, 0755);
    bt_layout lay;
    for (size_t i = 0; i < sizeof layout_cases / sizeof *layout_cases; i++) {
        const layout_case *c = &layout_cases[i];
        fresh();
        write_file(dir, "bad.xml", c->xml);
        CHECK_INT(bt_layout_load(&ctx, path_in(dir, "bad.xml"), bt_pos_file(0),
                                 tmp, &lay),
                  -1);
        CHECK_INT(ctx.ndiags, c->msg2 ? 2 : 1);
        CHECK_DIAG(c->msg, c->line, c->col);
        if (c->msg2)
            CHECK_DIAG(c->msg2, c->line, c->col);
        CHECK(ctx.ndiags > 0 && strcmp(ctx.files[ctx.diags[0].pos.file],
                                       path_in(dir, "bad.xml")) == 0);
    }

    /* the valid shipped-style file loads with no diagnostic */
    fresh();
    write_file(
        dir, "ok.xml",
        "<layout name=\"ok\" description=\"d\">\n"
        "  <page width=\"148mm\" height=\"210mm\"/>\n"
        "  <columns count=\"2\" gap=\"4mm\"/>\n"
        "  <flow article-break=\"page\" figure-span=\"all\" toc=\"no\"/>\n"
        "  <role name=\"body\" style=\"bold-italic\" size=\"9pt\" "
        "leading=\"12pt\" color=\"#AbCdEf\"/>\n"
        "</layout>\n");
    CHECK_INT(
        bt_layout_load(&ctx, path_in(dir, "ok.xml"), bt_pos_file(0), tmp, &lay),
        0);
    CHECK_INT(ctx.ndiags, 0);
    CHECK_INT(lay.columns, 2);
    CHECK_INT(lay.article_new_page, 1);
    CHECK_INT(lay.toc, 0);
    CHECK_INT(lay.style[BT_ROLE_BODY].color, 0xabcdef);
    CHECK_INT(lay.style[BT_ROLE_BODY].bold && lay.style[BT_ROLE_BODY].italic,
              1);

    /* cannot read: a folder, and a file over the cap */
    fresh();
    mkdir(path_in(dir, "dir.xml"), 0755);
    CHECK_INT(bt_layout_load(&ctx, path_in(dir, "dir.xml"), bt_pos_file(0), tmp,
                             &lay),
              -1);
    CHECK_INT(ctx.ndiags, 1);
    CHECK(ctx.ndiags == 1 &&
          strncmp(ctx.diags[0].msg, "cannot read layout: ", 20) == 0);
    CHECK_INT(ctx.ndiags ? (long)ctx.diags[0].pos.line : -1L, 0);
    fresh();
    FILE *f = fopen(path_in(dir, "big.xml"), "wb");
    CHECK(f != NULL);
    if (f) {
        fseek(f, (long)BT_MAX_LAYOUT_BYTES, SEEK_SET);
        fputc('x', f);
        fclose(f);
    }
    CHECK_INT(bt_layout_load(&ctx, path_in(dir, "big.xml"), bt_pos_file(0), tmp,
                             &lay),
              -1);
    CHECK_DIAG("cannot read layout: file is larger than 1 MiB", 0, 0);
    remove(path_in(dir, "big.xml"));

    /* a name: looked up in DATADIR/layouts, the known ones listed */
    fresh();
    mkdir(path_in(tmp, "layouts"), 0755);
    write_file(tmp, "layouts/b-one.xml", "<layout/>");
    write_file(tmp, "layouts/a-two.xml", "<layout/>");
    write_file(tmp, "layouts/.hidden.xml", "<layout/>");
    bt_pos at = {1, 4, 3};
    bt_ctx_file(&ctx, "bulletin.xml", NULL);
    CHECK_INT(bt_layout_load(&ctx, "a3-4col", at, tmp, &lay), -1);
    CHECK_DIAG("unknown layout 'a3-4col' (known layouts: a-two, b-one)", 4, 3);
    fresh();
    bt_ctx_file(&ctx, "bulletin.xml", NULL);
    CHECK_INT(bt_layout_load(&ctx, "a..b", at, tmp, &lay), -1);
    CHECK_DIAG("unknown layout 'a..b' (known layouts: a-two, b-one)", 4, 3);
    fresh();
    CHECK_INT(bt_layout_load(&ctx, "a-two", bt_pos_file(0), tmp, &lay), 0);
    CHECK_INT(ctx.ndiags, 0);
    fresh();
    CHECK_INT(bt_layout_load(&ctx, "x", bt_pos_file(0), dir, &lay), -1);
    CHECK_DIAG("unknown layout 'x' (known layouts: (none installed))", 0, 0);
}

/* Every shipped layout (layouts/ *.xml of the source tree) keeps its column
 * gutter at least two body ems wide: across a narrower one, text extractors
 * (poppler, pdf.js, typo-metrics) join a line with the one beside it. And
 * the defaults are a4-3col's, as layouts/README says. */
static void test_read__shipped_gutters(void)
{
    DIR *d = opendir("layouts");
    CHECK(d != NULL);
    if (!d)
        return;
    int n = 0, saw_default = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 ||
            strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "layouts/%s", e->d_name);
        fresh();
        bt_layout lay;
        CHECK_INT(bt_layout_load(&ctx, path, bt_pos_file(0), tmp, &lay), 0);
        int32_t body = lay.style[BT_ROLE_BODY].size;
        if (lay.columns > 1 && lay.gap < 2 * body)
            fprintf(stderr, "  %s: gap %d mpt < 2 x body %d mpt\n", path,
                    (int)lay.gap, (int)body);
        CHECK(lay.columns < 2 || lay.gap >= 2 * body);
        if (strcmp(e->d_name, "a4-3col.xml") == 0) {
            bt_layout def;
            bt_layout_defaults(&def);
            CHECK_INT(def.gap, lay.gap);
            CHECK_INT(def.margin_left, lay.margin_left);
            CHECK_INT(def.margin_right, lay.margin_right);
            CHECK_INT(def.margin_top, lay.margin_top);
            CHECK_INT(def.style[BT_ROLE_BODY].size, body);
            saw_default = 1;
        }
        n++;
    }
    closedir(d);
    CHECK(n >= 4);
    CHECK(saw_default);
}

/* bt_doc_finish makes article ids NCNames and unique, in document order
 * ("x", then "x-2": the next free one with the article's number; a
 * leading digit gets "a-"), also over an archive of one id repeated (the
 * check is a hash set, not a scan of the ids before). */
static void test_read__ids_unique(void)
{
    fresh();
    bt_doc *d = bt_doc_new(&ctx.arena);
    bt_section *s = bt_doc_add_section(&ctx.arena, d);
    const char *ids[] = {"x", "x", "x-2", "1abc"};
    enum { N = 600 };
    bt_article *arts[4 + N];
    for (int i = 0; i < 4 + N; i++) {
        arts[i] = bt_article_new(&ctx.arena, 0);
        arts[i]->id = i < 4 ? ids[i] : "dup";
        bt_section_add_article(s, arts[i]);
    }
    bt_doc_finish(&ctx.arena, d);
    CHECK_INT(d->narticles, 4 + N);
    CHECK_STR(arts[0]->id, "x");
    CHECK_STR(arts[1]->id, "x-2");
    CHECK_STR(arts[2]->id, "x-2-3");
    CHECK_STR(arts[3]->id, "a-1abc");
    CHECK_STR(arts[4]->id, "dup");
    CHECK_STR(arts[5]->id, "dup-6");
    CHECK_STR(arts[4 + N - 1]->id, "dup-604");
    int same = 0;
    for (int i = 0; i < 4 + N; i++)
        for (int j = 0; j < i; j++)
            same += strcmp(arts[i]->id, arts[j]->id) == 0;
    CHECK_INT(same, 0);
}

/* bt_xcalloc zeroes a large block by writing it (util.c), and the block
 * is zero whatever memory malloc hands back: here, blocks just freed with
 * every byte set, of the sizes on both sides of the writing threshold. */
static void test_read__xcalloc_zero(void)
{
    static const size_t sizes[] = {1000, (64u << 10) - 8, 64u << 10,
                                   300u << 10, 3u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i];
        for (int round = 0; round < 3; round++) {
            unsigned char *dirty = bt_xmalloc(n);
            memset(dirty, 0xA5, n);
            free(dirty);
            unsigned char *z = bt_xcalloc(n / 4, 4);
            size_t bad = 0;
            for (size_t k = 0; k < n; k++)
                bad += z[k] != 0;
            CHECK_INT((int)bad, 0);
            memset(z, 0x5A, n); /* dirty for the next round */
            free(z);
        }
    }
    void *p = bt_xcalloc(0, 0);
    CHECK(p != NULL);
    free(p);
}

static const bt_t_case cases[] = {
    TEST(test_read__full_article),    TEST(test_read__id_from_file),
    TEST(test_read__article_errors),  TEST(test_read__inline_depth),
    TEST(test_read__whitespace),      TEST(test_read__resolve),
    TEST(test_read__dates),           TEST(test_read__manifest),
    TEST(test_read__manifest_errors), TEST(test_read__direct_inputs),
    TEST(test_read__too_big),         TEST(test_read__layout_errors),
    TEST(test_read__shipped_gutters), TEST(test_read__ids_unique),
    TEST(test_read__xcalloc_zero),
};

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/bantin-test-read-XXXXXX";
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 1;
    }
    char *r = realpath(tmpl, NULL);
    snprintf(tmp, sizeof tmp, "%s", r);
    free(r);
    bt_ctx_init(&ctx);
    int rc = bt_t_main("test_read", cases, (int)(sizeof cases / sizeof *cases),
                       argc, argv);
    bt_ctx_free(&ctx);
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
