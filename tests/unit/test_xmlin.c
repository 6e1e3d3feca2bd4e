/* test_xmlin.c - xmlin.c: SAX2 -> bt_xel, positions (lines, character
 * columns) of elements and text, the DOCTYPE ban and its attacks (billion
 * laughs, XXE, parameter entities), depth limit, CDATA, errors. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "xmlin.h"
#include "text.h"
#include "bt_limits.h"

static bt_ctx ctx;
static uint16_t file;

static bt_xel *parse(const char *s)
{
    bt_ctx_free(&ctx);
    bt_ctx_init(&ctx);
    file = bt_ctx_file(&ctx, "t.xml", NULL);
    return bt_xml_parse(&ctx, file, s, strlen(s));
}

static const bt_xel *kid(const bt_xel *el, int n)
{
    const bt_xel *k = el ? el->kids : NULL;
    while (k && n-- > 0)
        k = k->next;
    return k;
}

#define CHECK_POS(p, l, c)                                                     \
    do {                                                                       \
        CHECK_INT((p).line, l);                                                \
        CHECK_INT((p).col, c);                                                 \
    } while (0)

/* the only diagnostic: its message and position */
#define CHECK_ERR(m, l, c)                                                     \
    do {                                                                       \
        CHECK_INT(ctx.ndiags, 1);                                              \
        if (ctx.ndiags >= 1) {                                                 \
            CHECK_STR(ctx.diags[0].msg, m);                                    \
            CHECK_POS(ctx.diags[0].pos, l, c);                                 \
            CHECK_INT(ctx.diags[0].pos.file, file);                            \
        }                                                                      \
    } while (0)

static void test_xmlin__positions(void)
{
    /* multibyte letters before tags, a newline inside a tag, '>' in an
     * attribute value, a comment and a PI between siblings */
    const char *s = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                    "<bài a=\"x>y\"\n"
                    "     b='1'>Tiếng Việt <em\n"
                    ">có</em><!-- c --><br/>\n"
                    "  ễ<?pi x?><p q=\"a&gt;b\">đ</p></bài>\n";
    bt_xel *root = parse(s);
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK_INT(ctx.ndiags, 0);
    CHECK_STR(root->name, "bài");
    CHECK_POS(root->pos, 2, 1);
    CHECK_STR(bt_xel_attr(root, "a"), "x>y");
    CHECK_STR(bt_xel_attr(root, "b"), "1");
    CHECK_POS(root->attrs->pos, 2, 1);
    const bt_xel *t = kid(root, 0), *em = kid(root, 1), *br = kid(root, 2);
    const bt_xel *t2 = kid(root, 3), *p = kid(root, 4);
    CHECK(t && t->name == NULL);
    CHECK_BSTR(t->text, "Tiếng Việt ");
    CHECK_POS(t->pos, 3, 12);
    CHECK_STR(em->name, "em");
    CHECK_POS(em->pos, 3, 23);
    CHECK_BSTR(em->kids->text, "có");
    CHECK_POS(em->kids->pos, 4, 2);
    CHECK_STR(br->name, "br");
    CHECK_POS(br->pos, 4, 19);
    CHECK(br->kids == NULL);
    CHECK(t2 && !t2->name);
    CHECK_BSTR(t2->text, "\n  ễ");
    CHECK_POS(t2->pos, 4, 24);
    CHECK_STR(p->name, "p");
    CHECK_POS(p->pos, 5, 12);
    CHECK_STR(bt_xel_attr(p, "q"), "a>b");
    CHECK_BSTR(p->kids->text, "đ");
    CHECK_POS(p->kids->pos, 5, 26);
    CHECK(kid(root, 5) == NULL);
    CHECK(p->parent == root);
    CHECK(root->last == p);
}

static void test_xmlin__text_coalesced(void)
{
    /* entities, character references, CDATA and comments all end up in
     * one text node, positioned at its first character */
    bt_xel *root =
        parse("<a>\n x&amp;y&#233;&#x1EBF;<![CDATA[<b>&c]]>z<!--k-->w</a>");
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK(root->kids && root->kids == root->last);
    CHECK_BSTR(root->kids->text, "\n x&yéế<b>&czw");
    CHECK_POS(root->kids->pos, 1, 4);
    root = parse("<a><b/><![CDATA[cd]]></a>");
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK_BSTR(kid(root, 1)->text, "cd");
    CHECK_POS(kid(root, 1)->pos, 1, 17);
}

static void test_xmlin__attributes(void)
{
    bt_xel *root = parse("<article xml:lang=\"vi\" xmlns:xi=\"urn:x\" "
                         "href=\"a?b=1&amp;c=&lt;&#38;&amp;#38;\">"
                         "<xi:include/></article>");
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK_STR(bt_xel_attr(root, "xml:lang"), "vi");
    CHECK_STR(bt_xel_attr(root, "xmlns:xi"), "urn:x");
    CHECK_STR(bt_xel_attr(root, "href"), "a?b=1&c=<&&#38;");
    CHECK(bt_xel_attr(root, "lang") == NULL);
    CHECK_STR(root->kids->name, "xi:include");
    /* an undeclared prefix is left to the readers (unknown element) */
    root = parse("<a><xi:include href=\"x\"/></a>");
    CHECK(root != NULL);
    CHECK_INT(ctx.ndiags, 0);
    if (root)
        CHECK_STR(root->kids->name, "xi:include");
}

static void test_xmlin__bom_crlf(void)
{
    bt_xel *root = parse("\xEF\xBB\xBF<a>\r\n <b/>\r<c/></a>");
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK_POS(root->pos, 1, 1);
    CHECK_POS(kid(root, 1)->pos, 2, 2);
    CHECK_POS(kid(root, 3)->pos, 3, 1);
}

static void test_xmlin__doctype(void)
{
    CHECK(parse("<?xml version=\"1.0\"?>\n<!-- a <!DOCTYPE in a comment -->\n"
                "  <!DOCTYPE a [\n<!ENTITY x \"y\">]>\n<a>&x;</a>\n") == NULL);
    CHECK_ERR("DOCTYPE is not allowed", 3, 3);
    CHECK(parse("<!DOCTYPE a SYSTEM \"http://example.org/<x>.dtd\"><a/>") ==
          NULL);
    CHECK_ERR("DOCTYPE is not allowed", 1, 1);
    CHECK(parse("<!DOCTYPE a PUBLIC \"-//X//DTD X//EN\" \"x.dtd\">\n<a/>") ==
          NULL);
    CHECK_ERR("DOCTYPE is not allowed", 1, 1);
}

static void test_xmlin__billion_laughs(void)
{
    const char *s =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE lolz [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        "]>\n<lolz>&lol5;</lolz>\n";
    CHECK(parse(s) == NULL);
    CHECK_ERR("DOCTYPE is not allowed", 2, 1);
    CHECK(ctx.arena.total < 4096); /* nothing was read into the arena */
}

static void test_xmlin__xxe(void)
{
    CHECK(parse("<?xml version=\"1.0\"?>\n"
                "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                "<a>&x;</a>") == NULL);
    CHECK_ERR("DOCTYPE is not allowed", 2, 1);
    CHECK(parse("<!DOCTYPE a [<!ENTITY % p SYSTEM \"http://127.0.0.1/x\"> %p;"
                "]><a/>") == NULL);
    CHECK_ERR("DOCTYPE is not allowed", 1, 1);
    /* without a DOCTYPE an entity is simply undefined */
    CHECK(parse("<a>\n  &passwd;</a>") == NULL);
    CHECK_INT(ctx.ndiags, 1);
    CHECK_STR(ctx.diags[0].msg, "not well-formed: Entity 'passwd' not defined");
    CHECK_INT(ctx.diags[0].pos.line, 2);
}

static void test_xmlin__depth(void)
{
    size_t n = 300, len = 0;
    char *s = malloc(n * 7 + 16);
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(s + len, "<e>");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(s + len, "</e>");
    CHECK(parse(s) == NULL);
    CHECK_ERR("elements nested deeper than 256", 1, 3 * 256 + 1);
    /* exactly the limit is fine */
    len = 0;
    for (size_t i = 0; i < BT_MAX_XML_DEPTH; i++)
        len += (size_t)sprintf(s + len, "<e>");
    for (size_t i = 0; i < BT_MAX_XML_DEPTH; i++)
        len += (size_t)sprintf(s + len, "</e>");
    CHECK(parse(s) != NULL);
    CHECK_INT(ctx.ndiags, 0);
    free(s);
}

static void test_xmlin__errors(void)
{
    CHECK(parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a/>") ==
          NULL);
    CHECK_ERR("XML encoding 'ISO-8859-1' is not accepted: inputs must be UTF-8",
              1, 1);
    CHECK(parse("<?xml version='1.0' encoding = 'UTF-8'?><a/>") != NULL);
    CHECK(parse("<a>\n  ế&#1;x</a>") == NULL);
    CHECK_ERR("control character U+0001 not allowed", 2, 4);
    CHECK(parse("<a b=\"&#x1F;\"/>") == NULL);
    CHECK_ERR("control character U+001F not allowed", 1, 7);
    CHECK(parse("<a>\n  <ế>x</b></a>") == NULL);
    CHECK_ERR("not well-formed: Opening and ending tag mismatch: ế line 2 and "
              "b",
              2, 11);
    CHECK(parse("<a>\n</a>\n<b/>") == NULL);
    CHECK_ERR("not well-formed: Extra content at the end of the document", 3,
              1);
    CHECK(parse("<a x='1' x='2'/>") == NULL);
    CHECK_INT(ctx.ndiags, 1);
    CHECK(parse("   ") == NULL);
    CHECK_INT(ctx.ndiags, 1);
}

static void test_xmlin__large_linear(void)
{
    /* ~20 MB: positions must match a straight count and the parse must not
     * go quadratic (this would take minutes if it did) */
    size_t target = 20u * 1024 * 1024, len = 0, cap = target + 4096;
    char *s = malloc(cap);
    len += (size_t)sprintf(s, "<r>\n");
    size_t last_off = 0;
    int i = 0;
    while (len < target) {
        last_off = len + 2;
        len += (size_t)sprintf(
            s + len, "  <p n=\"%d\">Tiếng Việt có dấu %d</p>\n", i, i);
        i++;
    }
    len += (size_t)sprintf(s + len, "</r>\n");
    bt_ctx_free(&ctx);
    bt_ctx_init(&ctx);
    file = bt_ctx_file(&ctx, "big.xml", NULL);
    bt_xel *root = bt_xml_parse(&ctx, file, s, len);
    CHECK(root != NULL);
    if (root) {
        /* the last kid is the final "\n" text; find the last <p> */
        const bt_xel *p = NULL;
        for (const bt_xel *k = root->kids; k; k = k->next)
            if (k->name)
                p = k;
        uint32_t l, c;
        bt_text_linecol(s, last_off, &l, &c);
        CHECK(p != NULL);
        if (p) {
            CHECK_INT(p->pos.line, l);
            CHECK_INT(p->pos.col, c);
            bt_text_linecol(s,
                            last_off + strlen("<p n=\"\">") +
                                strlen(bt_xel_attr(p, "n")),
                            &l, &c);
            CHECK_INT(p->kids->pos.line, l);
            CHECK_INT(p->kids->pos.col, c);
        }
    }
    free(s);
}

static const bt_t_case cases[] = {
    TEST(test_xmlin__positions),  TEST(test_xmlin__text_coalesced),
    TEST(test_xmlin__attributes), TEST(test_xmlin__bom_crlf),
    TEST(test_xmlin__doctype),    TEST(test_xmlin__billion_laughs),
    TEST(test_xmlin__xxe),        TEST(test_xmlin__depth),
    TEST(test_xmlin__errors),     TEST(test_xmlin__large_linear),
};

int main(int argc, char **argv)
{
    bt_ctx_init(&ctx);
    int rc = bt_t_main("test_xmlin", cases, (int)(sizeof cases / sizeof *cases),
                       argc, argv);
    bt_ctx_free(&ctx);
    return rc;
}
