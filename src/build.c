/* build.c - runs the stages in order over one bt_ctx (see build.h):
 * read inputs -> check images -> layout settings -> fonts -> output date
 * -> layout (two passes inside, for the table of contents) -> PDF and EPUB
 * into temp files -> rename both into place. Every stage reports problems
 * to ctx and the build stops before writing when any error was seen. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build.h"
#include "date.h"
#include "dump.h"
#include "epub_out.h"
#include "font.h"
#include "fsout.h"
#include "hyph.h"
#include "image.h"
#include "layout.h"
#include "model.h"
#include "pdf_out.h"
#include "read.h"

#ifndef BT_PREFIX_DATADIR
#define BT_PREFIX_DATADIR "/usr/local/share/bantin"
#endif

static int has_layouts(const char *dir)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/layouts", dir);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *bt_build_datadir(const char *argv0)
{
    const char *env = getenv("BANTIN_DATADIR");
    if (env && *env)
        return bt_xstrdup(env);
    char *exe = realpath("/proc/self/exe", NULL);
    if (!exe && argv0 && strchr(argv0, '/'))
        exe = realpath(argv0, NULL);
    if (exe) {
        for (int up = 0; up < 3; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash || slash == exe)
                break;
            *slash = 0;
            if (has_layouts(exe))
                return exe;
        }
        free(exe);
    }
    return bt_xstrdup(BT_PREFIX_DATADIR);
}

/* ---- stages ---- */

/* Decodes each image once: figures naming the same file share it (and
 * the PDF embeds it once). */
static void load_images(bt_ctx *ctx, bt_doc *doc)
{
    bt_section *s;
    bt_article *a;
    bt_block *b;
    const bt_block **seen = NULL;
    int nseen = 0, cap = 0;
    bt_section_foreach(doc, s)
        bt_article_foreach(s, a)
            bt_block_foreach(a, b) {
                if (b->kind != BT_BLOCK_FIGURE || !b->path || bt_ctx_full(ctx))
                    continue;
                const bt_block *same = NULL;
                for (int i = 0; i < nseen && !same; i++)
                    if (strcmp(seen[i]->path, b->path) == 0)
                        same = seen[i];
                if (same) {
                    b->image = same->image;
                    continue;
                }
                b->image =
                    bt_image_load_named(ctx, b->src_pos, b->path, b->src);
                if (nseen == cap) {
                    cap = cap ? cap * 2 : 16;
                    seen = bt_xrealloc(seen, sizeof *seen * (size_t)cap);
                }
                seen[nseen++] = b;
            }
    free(seen);
}

static int resolve_fonts(bt_ctx *ctx, bt_layout *lay, bt_fonts *fonts,
                         bt_pos pos)
{
    int rc = 0;
    for (int r = 0; r < BT_ROLE_COUNT; r++) {
        bt_style *s = &lay->style[r];
        if (bt_fonts_find(fonts, s->family, s->bold, s->italic, &s->font)) {
            bt_error(ctx, pos,
                     "font '%s'%s%s for role '%s' is not installed as a "
                     "TrueType font",
                     s->family, s->bold ? " bold" : "",
                     s->italic ? " italic" : "", bt_layout_role_name(r));
            rc = -1;
            continue;
        }
        if (bt_fonts_find(fonts, s->family, 1, s->italic, &s->font_bold))
            s->font_bold = s->font;
        if (bt_fonts_find(fonts, s->family, s->bold, 1, &s->font_italic))
            s->font_italic = s->font;
        if (bt_fonts_find(fonts, s->family, 1, 1, &s->font_bold_italic))
            s->font_bold_italic = s->font_bold;
    }
    return rc;
}

/* Output base: the manifest's (or first input's) name without extension,
 * in -o DIR or beside that file. Heap string without extension. */
static char *output_base(const bt_options *opt)
{
    const char *in = opt->inputs[0];
    const char *slash = strrchr(in, '/');
    const char *base = slash ? slash + 1 : in;
    const char *dot = strrchr(base, '.');
    size_t blen = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char buf[PATH_MAX];
    if (opt->outdir)
        snprintf(buf, sizeof buf, "%s/%.*s", opt->outdir, (int)blen, base);
    else if (slash)
        snprintf(buf, sizeof buf, "%.*s%.*s", (int)(base - in), in, (int)blen,
                 base);
    else
        snprintf(buf, sizeof buf, "%.*s", (int)blen, base);
    return bt_xstrdup(buf);
}

/* The PDF: plain pages, or imposed on sheets (impose.c plans, pdf_out.c
 * draws). Says on stderr how the sheets must be printed. */
static int write_pdf(bt_ctx *ctx, const bt_options *opt, const bt_doc *doc,
                     const bt_pages *pages, const bt_layout *lay,
                     const bt_fonts *fonts, const char *tmp)
{
    if (opt->impose.mode == BT_IMPOSE_NONE)
        return bt_pdf_write(ctx, doc, pages, fonts, tmp);
    bt_impose_opts io = opt->impose;
    io.blank_note = lay->blank_note;
    bt_plan *plan = bt_impose_plan(&ctx->arena, pages->npages, pages->width,
                                   pages->height, &io);
    bt_page note, *pnote = NULL;
    bt_shaper shaper = bt_fonts_shaper((bt_fonts *)fonts);
    if (io.blank_note) {
        if (bt_impose_note_page(
                &ctx->arena, &shaper, &lay->style[BT_ROLE_FOOTER],
                strncmp(doc->lang ? doc->lang : "vi", "vi", 2) == 0,
                pages->width, pages->height, &note) == 0)
            pnote = &note;
    }
    bt_pos at = bt_pos_file(doc->file);
    if (plan->scale < 1000000)
        bt_note(ctx, at,
                "--impose %s: pages of %s scaled to %d.%d %% to fit "
                "the A4 sheet%s",
                bt_impose_mode_name(plan->mode), lay->name, plan->scale / 10000,
                plan->scale / 1000 % 10,
                io.marks || io.bleed ? " with marks and bleed" : "");
    if (ctx->verbose > 0)
        bt_note(ctx, at,
                "--impose %s: %d pages on %d sheet sides (A4 %s); "
                "print two-sided, %s, flip on the %s edge (--duplex %s)",
                bt_impose_mode_name(plan->mode), pages->npages, plan->nsides,
                plan->sheet_w > plan->sheet_h ? "landscape" : "portrait",
                "actual size",
                plan->duplex == BT_DUPLEX_LONG ? "long" : "short",
                plan->duplex == BT_DUPLEX_LONG ? "long" : "short");
    return bt_pdf_write_imposed(ctx, doc, pages, fonts, plan, pnote, tmp);
}

/* `bantin print-test --impose MODE`: one sheet, printed on both sides,
 * that shows whether the printer's duplex setting is right. */
static int print_test(bt_ctx *ctx, const bt_options *opt)
{
    bt_fonts *fonts = NULL;
    bt_fsout out = {0};
    int rc = -1;
    bt_layout lay;
    const char *lname =
        opt->impose.mode == BT_IMPOSE_4UP ? "a4-3col" : "a5-2col";
    bt_ctx_file(ctx, "print-test", NULL);
    if (bt_layout_load(ctx, lname, bt_pos_file(0), opt->datadir, &lay) != 0)
        goto done;
    char *fontdir = bt_arena_printf(&ctx->arena, "%s/fonts", opt->datadir);
    fonts = bt_fonts_new(fontdir);
    if (resolve_fonts(ctx, &lay, fonts, bt_pos_file(0)) != 0)
        goto done;
    bt_shaper shaper = bt_fonts_shaper(fonts);
    bt_pages *pages;
    if (bt_impose_test_pages(&ctx->arena, &shaper, &lay.style[BT_ROLE_HEADLINE],
                             &lay.style[BT_ROLE_BYLINE], opt->impose.mode,
                             lay.page_w, lay.page_h, &pages) != 0) {
        bt_error(ctx, bt_pos_file(0),
                 "print-test: the layout's fonts lack "
                 "Vietnamese letters");
        goto done;
    }
    bt_doc *doc = bt_doc_new(&ctx->arena);
    const char *title = "bantin print-test";
    doc->title.text = (bt_str){title, strlen(title)};
    if (opt->outdir && bt_fsout_mkdir(ctx, &out, opt->outdir) != 0)
        goto done;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/print-test-%s.pdf",
             opt->outdir ? opt->outdir : ".",
             bt_impose_mode_name(opt->impose.mode));
    const char *tmp = bt_fsout_add(ctx, &out, path);
    bt_impose_opts io = opt->impose;
    io.blank_note = 0;
    bt_plan *plan = bt_impose_plan(&ctx->arena, pages->npages, pages->width,
                                   pages->height, &io);
    if (!tmp ||
        bt_pdf_write_imposed(ctx, doc, pages, fonts, plan, NULL, tmp) != 0 ||
        bt_fsout_commit(ctx, &out) != 0)
        goto done;
    if (ctx->verbose >= 0)
        printf("wrote %s: print it on both sides (%s edge); every arrow must "
               "point up\n",
               path, plan->duplex == BT_DUPLEX_LONG ? "long" : "short");
    rc = 0;
done:
    bt_fsout_abort(&out);
    if (fonts)
        bt_fonts_free(fonts);
    return rc == 0 && ctx->nerrors == 0 ? 0 : -1;
}

int bt_build_run(bt_ctx *ctx, const bt_options *opt)
{
    if (opt->print_test)
        return print_test(ctx, opt);

    bt_fonts *fonts = NULL;
    bt_hyph *hyph = NULL;
    bt_fsout out = {0};
    char *base = NULL;
    int rc = -1;
    bt_layout lay;
    bt_pages *pages = NULL;

    bt_doc *doc =
        bt_read_inputs(ctx, opt->inputs, opt->ninputs, opt->allow_outside);
    if (!doc)
        goto done;
#ifdef BT_DEBUG
    if (ctx->nerrors == 0)
        bt_doc_check(doc);
#endif
    load_images(ctx, doc);

    bt_pos lpos = bt_pos_file(0);
    const char *lname = "a4-3col";
    if (opt->layout) {
        lname = opt->layout;
    } else if (doc->layout.text.len) {
        lname = bt_arena_strndup(&ctx->arena, doc->layout.text.ptr,
                                 doc->layout.text.len);
        lpos = doc->layout.pos;
    }
    /* a layout file is an input like any other: it must stay inside the
     * bulletin's folder (a manifest's layout is relative to the manifest,
     * the command line's to the current folder) */
    size_t ln = strlen(lname);
    if (strchr(lname, '/') || (ln > 4 && strcmp(lname + ln - 4, ".xml") == 0)) {
        char *cwd = opt->layout ? realpath(".", NULL) : NULL;
        const char *why = NULL;
        const char *dir = opt->layout ? cwd : doc->root;
        const char *res = dir ? bt_resolve_path(ctx, dir, lname, doc->root,
                                                opt->allow_outside, &why)
                              : NULL;
        free(cwd);
        if (!res) {
            bt_error(ctx, lpos, "layout '%s': %s", lname,
                     why ? why : "no such file");
            goto done;
        }
        lname = res;
    }
    if (bt_layout_load(ctx, lname, lpos, opt->datadir, &lay) != 0)
        goto done;
    char *fontdir = bt_arena_printf(&ctx->arena, "%s/fonts", opt->datadir);
    fonts = bt_fonts_new(fontdir);
    if (resolve_fonts(ctx, &lay, fonts, lpos) != 0)
        goto done;
    /* layout runs even after input errors, to report what only it can
     * find (characters no font has); nothing is written then */
    if (bt_date_output(ctx, doc) != 0 || bt_ctx_full(ctx))
        goto done;

    bt_shaper shaper = bt_fonts_shaper(fonts);
    /* foreign words may be hyphenated (shape.c); patterns load lazily */
    hyph = bt_hyph_new(ctx, bt_pos_file(doc->file), NULL);
    shaper.hyph = bt_hyph_hyphenator(hyph);
    if (bt_layout_run(ctx, doc, &lay, &shaper, &pages) != 0 || ctx->nerrors)
        goto done;
    if (opt->dump_layout) {
        bt_dump_pages(stdout, pages);
        rc = 0;
        goto done;
    }
    if (opt->check_only) {
        rc = 0;
        goto done;
    }

    if (opt->outdir && bt_fsout_mkdir(ctx, &out, opt->outdir) != 0)
        goto done;
    base = output_base(opt);
    char path[PATH_MAX];
    if (strlen(base) + sizeof ".epub" > sizeof path) {
        bt_error(ctx, bt_pos_file(0), "cannot write '%s.%s': %s", base,
                 opt->outputs & BT_OUT_PDF ? "pdf" : "epub",
                 strerror(ENAMETOOLONG));
        goto done;
    }
    if (opt->outputs & BT_OUT_PDF) {
        snprintf(path, sizeof path, "%s.pdf", base);
        const char *tmp = bt_fsout_add(ctx, &out, path);
        if (!tmp || write_pdf(ctx, opt, doc, pages, &lay, fonts, tmp) != 0)
            goto done;
    }
    if (opt->outputs & BT_OUT_EPUB) {
        snprintf(path, sizeof path, "%s.epub", base);
        const char *tmp = bt_fsout_add(ctx, &out, path);
        if (!tmp || bt_epub_write(ctx, doc, pages, &lay, fonts, tmp) != 0)
            goto done;
    }
    if (ctx->nerrors || bt_fsout_commit(ctx, &out) != 0)
        goto done;
    if (ctx->verbose > 0) {
        if (opt->outputs & BT_OUT_PDF)
            printf("wrote %s.pdf (%d pages)\n", base, pages->npages);
        if (opt->outputs & BT_OUT_EPUB)
            printf("wrote %s.epub (%d articles)\n", base, doc->narticles);
    }
    rc = 0;
done:
    bt_fsout_abort(&out);
    bt_hyph_free(hyph);
    if (fonts)
        bt_fonts_free(fonts);
    free(base);
    return rc == 0 && ctx->nerrors == 0 ? 0 : -1;
}
