/* article_out.c - an article tree -> article XML text (FORMATS.md §1).
 * Inline content is written as is; block elements and meta fields each
 * start a line, indented by depth, so the file is easy to edit. */
#include <string.h>
#include "article_out.h"

static void esc(bt_buf *b, const char *s, size_t n, int in_attr)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '&')
            bt_buf_puts(b, "&amp;");
        else if (c == '<')
            bt_buf_puts(b, "&lt;");
        else if (c == '>')
            bt_buf_puts(b, "&gt;");
        else if (c == '"' && in_attr)
            bt_buf_puts(b, "&quot;");
        else
            bt_buf_putc(b, c);
    }
}

/* Elements whose children go one per line. */
static int is_container(const char *name)
{
    static const char *const names[] = {
        "article", "meta", "body", "blockquote", "ul", "ol", "figure", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

static void open_tag(bt_buf *b, const bt_xel *e)
{
    bt_buf_putc(b, '<');
    bt_buf_puts(b, e->name);
    for (const bt_xattr *a = e->attrs; a; a = a->next) {
        bt_buf_printf(b, " %s=\"", a->name);
        esc(b, a->value, strlen(a->value), 1);
        bt_buf_putc(b, '"');
    }
}

static void inline_out(bt_buf *b, const bt_xel *e)
{
    for (const bt_xel *k = e->kids; k; k = k->next) {
        if (!k->name) {
            esc(b, k->text.ptr, k->text.len, 0);
            continue;
        }
        open_tag(b, k);
        if (!k->kids) {
            bt_buf_puts(b, "/>");
            continue;
        }
        bt_buf_putc(b, '>');
        inline_out(b, k);
        bt_buf_printf(b, "</%s>", k->name);
    }
}

static void block_out(bt_buf *b, const bt_xel *e, int depth)
{
    for (int i = 0; i < depth; i++)
        bt_buf_puts(b, "  ");
    open_tag(b, e);
    if (!e->kids) {
        bt_buf_puts(b, "/>\n");
        return;
    }
    bt_buf_putc(b, '>');
    if (is_container(e->name)) {
        bt_buf_putc(b, '\n');
        for (const bt_xel *k = e->kids; k; k = k->next)
            if (k->name)
                block_out(b, k, depth + 1);
        for (int i = 0; i < depth; i++)
            bt_buf_puts(b, "  ");
    } else {
        inline_out(b, e);
    }
    bt_buf_printf(b, "</%s>\n", e->name);
}

void bt_article_xml(bt_buf *out, const bt_xel *article)
{
    bt_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    block_out(out, article, 0);
}
