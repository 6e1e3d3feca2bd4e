/* diag.c - the build context and its diagnostics (see diag.h). Messages are
 * stored in order and printed by main.c as "path:line:col: level: text". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "bt_limits.h"

void bt_ctx_init(bt_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    bt_arena_init(&ctx->arena);
    /* file 0 is "bantin" itself, for problems with no input file */
    bt_ctx_file(ctx, "bantin", NULL);
}

void bt_ctx_free(bt_ctx *ctx)
{
    free(ctx->files);
    free(ctx->real);
    free(ctx->diags);
    bt_arena_free(&ctx->arena);
    memset(ctx, 0, sizeof *ctx);
}

uint16_t bt_ctx_file(bt_ctx *ctx, const char *display_path, const char *real)
{
    for (int i = 0; i < ctx->nfiles; i++)
        if (strcmp(ctx->files[i], display_path) == 0)
            return (uint16_t)i;
    if (ctx->nfiles >= BT_MAX_FILES)
        return 0;
    if (ctx->nfiles == ctx->capfiles) {
        ctx->capfiles = ctx->capfiles ? ctx->capfiles * 2 : 16;
        ctx->files =
            bt_xrealloc(ctx->files, ctx->capfiles * sizeof *ctx->files);
        ctx->real = bt_xrealloc(ctx->real, ctx->capfiles * sizeof *ctx->real);
    }
    ctx->files[ctx->nfiles] = bt_arena_strdup(&ctx->arena, display_path);
    ctx->real[ctx->nfiles] = real ? bt_arena_strdup(&ctx->arena, real) : NULL;
    return (uint16_t)ctx->nfiles++;
}

bt_pos bt_pos_file(uint16_t file)
{
    bt_pos p = {file, 0, 0};
    return p;
}

static void add(bt_ctx *ctx, enum bt_diag_level level, bt_pos pos,
                const char *fmt, va_list ap)
{
    /* measured first: a message is never cut, however long its paths */
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        n = 0;
        small[0] = 0;
    }
    char *tmp = small;
    if ((size_t)n >= sizeof small) {
        tmp = bt_xmalloc((size_t)n + 1);
        vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    }
    /* the layout runs more than one pass (table of contents): a warning
     * seen again at the same place is the same warning */
    if (level == BT_DIAG_WARNING)
        for (int i = 0; i < ctx->ndiags; i++)
            if (ctx->diags[i].level == BT_DIAG_WARNING &&
                ctx->diags[i].pos.file == pos.file &&
                ctx->diags[i].pos.line == pos.line &&
                ctx->diags[i].pos.col == pos.col &&
                strcmp(ctx->diags[i].msg, tmp) == 0)
                goto done;
    if (level == BT_DIAG_ERROR)
        ctx->nerrors++;
    else if (level == BT_DIAG_WARNING)
        ctx->nwarnings++;
    /* past the cap, keep nothing (a note follows its error, so drop it too) */
    int recorded_errors = 0;
    for (int i = 0; i < ctx->ndiags; i++)
        recorded_errors += ctx->diags[i].level == BT_DIAG_ERROR;
    if (recorded_errors >= BT_MAX_ERRORS ||
        (level != BT_DIAG_ERROR && ctx->ndiags >= 4 * BT_MAX_ERRORS))
        goto done;
    if (ctx->ndiags == ctx->capdiags) {
        ctx->capdiags = ctx->capdiags ? ctx->capdiags * 2 : 16;
        ctx->diags =
            bt_xrealloc(ctx->diags, ctx->capdiags * sizeof *ctx->diags);
    }
    bt_diag *d = &ctx->diags[ctx->ndiags++];
    d->level = level;
    d->pos = pos;
    d->msg = bt_arena_strdup(&ctx->arena, tmp);
done:
    if (tmp != small)
        free(tmp);
}

void bt_error(bt_ctx *ctx, bt_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(ctx, BT_DIAG_ERROR, pos, fmt, ap);
    va_end(ap);
}

void bt_warning(bt_ctx *ctx, bt_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(ctx, BT_DIAG_WARNING, pos, fmt, ap);
    va_end(ap);
}

void bt_note(bt_ctx *ctx, bt_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(ctx, BT_DIAG_NOTE, pos, fmt, ap);
    va_end(ap);
}

void bt_ctx_append(bt_ctx *to, const bt_ctx *from)
{
    int errors = 0, warnings = 0;
    for (int i = 0; i < from->ndiags; i++) {
        const bt_diag *d = &from->diags[i];
        if (d->level == BT_DIAG_ERROR) {
            bt_error(to, d->pos, "%s", d->msg);
            errors++;
        } else if (d->level == BT_DIAG_WARNING) {
            bt_warning(to, d->pos, "%s", d->msg);
            warnings++;
        } else {
            bt_note(to, d->pos, "%s", d->msg);
        }
    }
    /* counted past the cap, not kept */
    if (from->nerrors > errors)
        to->nerrors += from->nerrors - errors;
    if (from->nwarnings > warnings)
        to->nwarnings += from->nwarnings - warnings;
}

int bt_ctx_full(const bt_ctx *ctx)
{
    return ctx->nerrors >= BT_MAX_ERRORS;
}

void bt_diag_print(const bt_ctx *ctx, FILE *f, int from)
{
    static const char *names[] = {"error", "warning", "note"};
    for (int i = from; i < ctx->ndiags; i++) {
        const bt_diag *d = &ctx->diags[i];
        const char *file =
            d->pos.file < ctx->nfiles ? ctx->files[d->pos.file] : "bantin";
        if (d->pos.line)
            fprintf(f, "%s:%u:%u: %s: %s\n", file, (unsigned)d->pos.line,
                    (unsigned)d->pos.col, names[d->level], d->msg);
        else
            fprintf(f, "%s: %s: %s\n", file, names[d->level], d->msg);
    }
    if (ctx->nerrors > BT_MAX_ERRORS)
        fprintf(f, "bantin: note: %d more errors not shown\n",
                ctx->nerrors - BT_MAX_ERRORS);
}
