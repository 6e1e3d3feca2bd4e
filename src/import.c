/* import.c - `bantin import`: reads a page, extracts the article with
 * read_html.c, reads the result back with bt_read_article (the same
 * checks `bantin check` makes), then writes the XML: to stdout, or to a
 * temporary file next to -o renamed over it, so a failed import leaves no
 * file. Image paths stay relative to the page's folder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "import.h"
#include "article_out.h"
#include "buf.h"
#include "read.h"
#include "read_html.h"
#include "bt_limits.h"

int bt_import_run(bt_ctx *ctx, const char *page, const char *out_path)
{
    char *real = realpath(page, NULL);
    uint16_t file = bt_ctx_file(ctx, page, real ? real : NULL);
    if (!real) {
        bt_error(ctx, bt_pos_file(file), "%s", strerror(errno));
        return -1;
    }
    char *dir = bt_arena_strdup(&ctx->arena, real);
    *strrchr(dir, '/') = 0;
    if (!*dir)
        dir = "/";
    free(real);
    bt_buf data = BT_BUF_INIT;
    if (bt_buf_read_file(&data, page, BT_MAX_INPUT_BYTES) != 0) {
        if (errno == EFBIG)
            bt_error(ctx, bt_pos_file(file), "file is larger than 64 MiB");
        else
            bt_error(ctx, bt_pos_file(file), "cannot read: %s",
                     strerror(errno));
        bt_buf_free(&data);
        return -1;
    }
    bt_xel *root =
        bt_html_extract(ctx, file, data.data ? data.data : "", data.len, dir);
    bt_buf_free(&data);
    if (!root)
        return -1;
    bt_article *art = bt_read_article(ctx, root, file, dir, dir, 0);
    if (!art || ctx->nerrors)
        return -1;
    bt_buf xml = BT_BUF_INIT;
    bt_article_xml(&xml, root);
    int rc = 0;
    if (!out_path) {
        if (fwrite(xml.data, 1, xml.len, stdout) != xml.len || fflush(stdout)) {
            bt_error(ctx, bt_pos_file(file), "cannot write to stdout: %s",
                     strerror(errno));
            rc = -1;
        }
    } else {
        char *tmp = bt_arena_printf(&ctx->arena, "%s.tmpXXXXXX", out_path);
        int fd = mkstemp(tmp);
        if (fd >= 0) { /* mkstemp makes 0600: give the file the umask's mode */
            mode_t mask = umask(0);
            umask(mask);
            fchmod(fd, 0666 & ~mask);
        }
        FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        int ok = f && fwrite(xml.data, 1, xml.len, f) == xml.len;
        if (f && fclose(f) != 0)
            ok = 0;
        else if (!f && fd >= 0)
            close(fd);
        if (ok && rename(tmp, out_path) != 0)
            ok = 0;
        if (!ok) {
            uint16_t of = bt_ctx_file(ctx, out_path, NULL);
            bt_error(ctx, bt_pos_file(of), "cannot write: %s", strerror(errno));
            if (fd >= 0)
                unlink(tmp);
            rc = -1;
        }
    }
    bt_buf_free(&xml);
    return rc;
}
