/* build.c - runs the stages in order over one bt_ctx (see build.h):
 * read inputs -> check images -> layout settings -> fonts -> output date
 * -> layout (two passes inside, for the table of contents) -> PDF and EPUB
 * into temp files -> rename both into place. Every stage reports problems
 * to ctx and the build stops before writing when any error was seen. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
#include "timing.h"

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

/* ---- threads ---- */

/* BANTIN_THREADS=1: the build starts no thread of its own (fonts, images,
 * EPUB writer, and the PDF writer's deflate threads: bt_pdf_threads), as when
 * pthread_create fails; the outputs and messages are the same. Read once per
 * build (bt_build_run). */
static int one_thread;

static int thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
    if (one_thread)
        return -1;
    return bt_fsout_thread(th, fn, arg) == 0 ? 0 : -1;
}

/* ---- stages ---- */

/* Decoding an image (a JPEG's every scan, a PNG's whole zlib stream) is
 * the longest step before layout; images do not depend on one another, so
 * two threads share them. Each image is decoded into a context of its own
 * (its arena holds the pixels until the build ends); the diagnostics are
 * then appended in document order, and an image met once the build has
 * too many errors is dropped, as in a one-thread run: the outputs and the
 * messages are those of decoding one image after the other. */
typedef struct image_job {
    const bt_block **blocks; /* the first figure naming each file */
    bt_ctx *ctxs;            /* [n]: one per image */
    const bt_image **out;    /* [n] */
    int n;
    int next; /* the next image to take, under mu */
    pthread_mutex_t mu;
} image_job;

static void *image_worker(void *arg)
{
    image_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        int i = j->next < j->n ? j->next++ : -1;
        pthread_mutex_unlock(&j->mu);
        if (i < 0)
            return NULL;
        const bt_block *b = j->blocks[i];
        j->out[i] =
            bt_image_load_named(&j->ctxs[i], b->src_pos, b->path, b->src);
    }
}

/* The image contexts of a build, freed when it ends. */
typedef struct image_ctxs {
    bt_ctx *ctxs;
    int n;
} image_ctxs;

static void image_ctxs_free(image_ctxs *ic)
{
    for (int i = 0; i < ic->n; i++)
        bt_ctx_free(&ic->ctxs[i]);
    free(ic->ctxs);
    ic->ctxs = NULL;
    ic->n = 0;
}

/* The first figure naming each image file, in document order: *out is a
 * heap array (NULL when there is none), the count is returned. */
static int image_files(const bt_doc *doc, const bt_block ***out)
{
    const bt_section *s;
    const bt_article *a;
    const bt_block *b;
    const bt_block **seen = NULL;
    int nseen = 0, cap = 0;
    bt_section_foreach(doc, s)
        bt_article_foreach(s, a)
            bt_block_foreach(a, b) {
                if (b->kind != BT_BLOCK_FIGURE || !b->path)
                    continue;
                int same = 0;
                for (int i = 0; i < nseen && !same; i++)
                    same = strcmp(seen[i]->path, b->path) == 0;
                if (same)
                    continue;
                if (nseen == cap) {
                    cap = cap ? cap * 2 : 16;
                    seen = bt_xrealloc(seen, sizeof *seen * (size_t)cap);
                }
                seen[nseen++] = b;
            }
    *out = seen;
    return nseen;
}

/* Decodes each image once: figures naming the same file share it (and
 * the PDF embeds it once). */
static void load_images(bt_ctx *ctx, bt_doc *doc, image_ctxs *ic)
{
    bt_section *s;
    bt_article *a;
    bt_block *b;
    const bt_block **seen = NULL;
    int nseen = image_files(doc, &seen);
    image_job j = {seen, NULL, NULL, nseen, 0, PTHREAD_MUTEX_INITIALIZER};
    if (nseen > 0 && !bt_ctx_full(ctx)) {
        j.ctxs = bt_xcalloc((size_t)nseen, sizeof *j.ctxs);
        j.out = bt_xcalloc((size_t)nseen, sizeof *j.out);
        for (int i = 0; i < nseen; i++)
            bt_ctx_init(&j.ctxs[i]);
        pthread_t th;
        int threaded = nseen > 1 && thread_start(&th, image_worker, &j) == 0;
        image_worker(&j);
        if (threaded)
            pthread_join(th, NULL);
        ic->ctxs = j.ctxs;
        ic->n = nseen;
    }
    /* as one thread would have done it, figure by figure */
    int k = 0;
    bt_section_foreach(doc, s)
        bt_article_foreach(s, a)
            bt_block_foreach(a, b) {
                if (b->kind != BT_BLOCK_FIGURE || !b->path || bt_ctx_full(ctx))
                    continue;
                const bt_block *same = NULL;
                for (int i = 0; i < k && !same; i++)
                    if (strcmp(seen[i]->path, b->path) == 0)
                        same = seen[i];
                if (same) {
                    b->image = same->image;
                    continue;
                }
                BT_ASSERT(k < nseen && seen[k] == b && j.out);
                bt_ctx_append(ctx, &j.ctxs[k]);
                b->image = j.out[k++];
            }
    pthread_mutex_destroy(&j.mu);
    free(j.out);
    free(seen);
}

/* ---- one helper thread beside the layout ---- */

/* The work done beside the layout (reading the hyphenation patterns,
 * decoding the images, making the EPUB's font files) runs in one thread, one
 * job after the other in the order given, so that it takes the second core and
 * not half of the layout's: the PDF's page deflate thread (pdf_out.c) joins
 * them in the drawing pass. Each job is waited for on its own (helper_wait). */
enum { HELPER_JOBS = 3 };

typedef struct helper {
    pthread_t th;
    int on; /* the thread runs (or ran) and is not joined yet */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job posted, a job done, or closed */
    struct {
        void *(*fn)(void *);
        void *arg;
        int done;
    } job[HELPER_JOBS];
    int n, closed;
} helper;

static void *helper_main(void *arg)
{
    helper *h = arg;
    pthread_mutex_lock(&h->mu);
    for (int k = 0;; k++) {
        while (k == h->n && !h->closed)
            pthread_cond_wait(&h->cv, &h->mu);
        if (k == h->n)
            break;
        pthread_mutex_unlock(&h->mu);
        h->job[k].fn(h->job[k].arg);
        pthread_mutex_lock(&h->mu);
        h->job[k].done = 1;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static void helper_init(helper *h)
{
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
}

/* Queues fn(arg), starting the thread with the first job: the job's
 * number, or -1 when no thread runs (the caller does it without). */
static int helper_post(helper *h, void *(*fn)(void *), void *arg)
{
    if (h->n == HELPER_JOBS || (!h->on && h->n > 0))
        return -1;
    if (!h->on) {
        h->job[0].fn = fn;
        h->job[0].arg = arg;
        h->n = 1;
        if (thread_start(&h->th, helper_main, h) != 0) {
            h->n = 0;
            return -1;
        }
        h->on = 1;
        return 0;
    }
    pthread_mutex_lock(&h->mu);
    int k = h->n;
    h->job[k].fn = fn;
    h->job[k].arg = arg;
    h->job[k].done = 0;
    h->n++;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return k;
}

/* Waits for job k; any thread may wait. */
static void helper_wait(helper *h, int k)
{
    pthread_mutex_lock(&h->mu);
    while (!h->job[k].done)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

/* Ends the thread once its jobs are done. */
static void helper_stop(helper *h)
{
    if (h->on) {
        pthread_mutex_lock(&h->mu);
        h->closed = 1;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->th, NULL);
        h->on = 0;
    }
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
}

/* ---- images decoded beside the layout ---- */

/* The layout needs only each image's width and height, and most of it
 * runs before the PDF draws its first page. So when every image file's
 * header gives its size (bt_image_peek), the figures point to images
 * holding only that size while a thread decodes the files as load_images
 * would, one after the other, into contexts of their own. The decoded
 * images are copied in (images_join) before anything needs more than the
 * size: before the PDF draws the first page showing one, or when the
 * layout is done. If any decoding reported anything or found another
 * size, the build is set again from the start with its images decoded
 * first (build), so its messages, in their order, and its outputs are
 * those of decoding before the layout; no output is written before that. */
typedef struct images_ahead {
    image_job j;
    bt_image **img; /* [j.n] in ctx->arena: what the figures point to */
    helper *h;
    int job;    /* its job in h */
    int on;     /* the job is posted and not waited for yet */
    int failed; /* a decoding differed from its header: set again */
} images_ahead;

/* Starts the thread; 0 (nothing started, the caller runs load_images)
 * when there is no image, the build has errors already, a header does
 * not give a size, or no thread starts. */
static int images_start(bt_ctx *ctx, bt_doc *doc, helper *h, images_ahead *ia)
{
    memset(ia, 0, sizeof *ia);
    const bt_block **seen = NULL;
    int n = image_files(doc, &seen);
    int ok = n > 0 && ctx->nerrors == 0;
    if (ok)
        ia->img = bt_arena_alloc(&ctx->arena, sizeof *ia->img * (size_t)n);
    for (int i = 0; i < n && ok; i++) {
        bt_image *im = bt_arena_alloc(&ctx->arena, sizeof *im);
        memset(im, 0, sizeof *im);
        ok = bt_image_peek(seen[i]->path, &im->width, &im->height) == 0;
        ia->img[i] = im;
    }
    if (!ok) {
        free(seen);
        memset(ia, 0, sizeof *ia);
        return 0;
    }
    image_job j = {seen, NULL, NULL, n, 0, PTHREAD_MUTEX_INITIALIZER};
    j.ctxs = bt_xcalloc((size_t)n, sizeof *j.ctxs);
    j.out = bt_xcalloc((size_t)n, sizeof *j.out);
    for (int i = 0; i < n; i++)
        bt_ctx_init(&j.ctxs[i]);
    ia->j = j;
    /* the figures are pointed before the thread starts (it reads them) */
    bt_section *s;
    bt_article *a;
    bt_block *b;
    bt_section_foreach(doc, s)
        bt_article_foreach(s, a)
            bt_block_foreach(a, b) {
                if (b->kind != BT_BLOCK_FIGURE || !b->path)
                    continue;
                for (int i = 0; i < n; i++)
                    if (strcmp(seen[i]->path, b->path) == 0) {
                        b->image = ia->img[i];
                        break;
                    }
            }
    ia->h = h;
    ia->job = helper_post(h, image_worker, &ia->j);
    if (ia->job >= 0) {
        ia->on = 1;
        return 1;
    }
    bt_section_foreach(doc, s)
        bt_article_foreach(s, a)
            bt_block_foreach(a, b)
                b->image = NULL;
    for (int i = 0; i < n; i++)
        bt_ctx_free(&ia->j.ctxs[i]);
    free(ia->j.ctxs);
    free(ia->j.out);
    free(seen);
    pthread_mutex_destroy(&ia->j.mu);
    memset(ia, 0, sizeof *ia);
    return 0;
}

/* Waits for the thread and copies the decoded images in, unless one
 * failed or differs from its header (ia->failed). The image contexts go
 * to ic, freed when the build ends. Allocates nothing in ctx->arena (the
 * layout may be under way, each pass in an arena of its own). */
static void images_join(images_ahead *ia, image_ctxs *ic)
{
    if (!ia->on)
        return;
    helper_wait(ia->h, ia->job);
    ia->on = 0;
    for (int i = 0; i < ia->j.n; i++) {
        const bt_image *d = ia->j.out[i];
        const bt_ctx *c = &ia->j.ctxs[i];
        if (!d || c->ndiags || c->nerrors || c->nwarnings ||
            d->width != ia->img[i]->width || d->height != ia->img[i]->height)
            ia->failed = 1;
    }
    for (int i = 0; i < ia->j.n && !ia->failed; i++)
        *ia->img[i] = *ia->j.out[i];
    ic->ctxs = ia->j.ctxs;
    ic->n = ia->j.n;
    free(ia->j.out);
    free(ia->j.blocks);
    pthread_mutex_destroy(&ia->j.mu);
    ia->j.ctxs = NULL;
    ia->j.out = NULL;
    ia->j.blocks = NULL;
}

/* The PDF sink between the layout and the PDF: before the PDF draws a
 * page showing an image, the images are joined (and their streams start
 * deflating); once a decoding failed, no page goes to the PDF any more
 * (the build is set again). */
typedef struct ahead_sink {
    bt_page_sink inner;
    bt_pdf_sink *pdf;
    images_ahead *ia;
    image_ctxs *ic;
    const bt_doc *doc;
    bt_pdf_images **pre; /* started here at the join, or NULL: not wanted */
    struct epub_early *early;
} ahead_sink;

static int page_has_image(const bt_page *pg)
{
    for (int i = 0; i < pg->nboxes; i++)
        if (pg->boxes[i].kind == BT_BOX_IMAGE)
            return 1;
    return 0;
}

static void A_begin(void *payload, int npages)
{
    ahead_sink *k = payload;
    k->inner.begin(k->inner.payload, npages);
}

static void A_page(void *payload, const bt_page *pg)
{
    ahead_sink *k = payload;
    if (k->ia->on && bt_pdf_sink_draws(k->pdf) && page_has_image(pg)) {
        images_join(k->ia, k->ic);
        if (!k->ia->failed && k->pre) {
            *k->pre = bt_pdf_images_start(k->doc);
            bt_pdf_sink_images(k->pdf, *k->pre);
        }
    }
    if (!k->ia->failed)
        k->inner.page(k->inner.payload, pg);
}

static int A_end(void *payload, int npages)
{
    ahead_sink *k = payload;
    if (k->ia->failed)
        return 1; /* the pass is thrown away with the whole build */
    return k->inner.end(k->inner.payload, npages);
}

struct epub_early;
static void early_map(struct epub_early *x, const bt_pages *map);

/* The final page map, before the pages: the EPUB starts (epub_early); if
 * that joined the images, their streams start deflating now (else at the
 * first page that shows one, A_page). */
static void A_held(void *payload, const bt_page *pages, int npages)
{
    ahead_sink *k = payload;
    if (k->inner.held)
        k->inner.held(k->inner.payload, pages, npages);
}

static void A_map(void *payload, const bt_pages *map)
{
    ahead_sink *k = payload;
    int was_on = k->ia->on;
    early_map(k->early, map);
    if (was_on && !k->ia->on && !k->ia->failed && k->pre && !*k->pre) {
        *k->pre = bt_pdf_images_start(k->doc);
        bt_pdf_sink_images(k->pdf, *k->pre);
    }
}

/* The hyphenation patterns, read on the helper thread when some word
 * will ask for them (libhyphen takes ~20 ms over hyph_en_US.dic): the
 * helper's first job, so the layout seldom waits for them long. */
typedef struct hyph_ahead {
    const bt_doc *doc;
    bt_hyph *hyph;
} hyph_ahead;

static void *hyph_job(void *arg)
{
    hyph_ahead *j = arg;
    if (bt_shape_may_hyphenate(j->doc))
        bt_hyph_load(j->hyph);
    return NULL;
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

/* Where the PDF sink keeps its pages' contents until the save: the output
 * folder (or, when -o names one still to be made, the folder it will be
 * made in), so the bytes go to the disk the PDF goes to. NULL (they stay
 * in memory) when neither exists yet. Heap string. */
static char *spool_dir(const bt_options *opt)
{
    char *dir = output_base(opt);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = 0; /* "/" */
        else if (slash)
            *slash = 0;
        else
            strcpy(dir, ".");
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return dir;
        if (!slash || slash == dir)
            break;
    }
    free(dir);
    return NULL;
}

/* The PDF: plain pages, or imposed on sheets (impose.c plans, pdf_out.c
 * draws). Says on stderr how the sheets must be printed. */
static int write_pdf(bt_ctx *ctx, const bt_options *opt, const bt_doc *doc,
                     const bt_pages *pages, const bt_layout *lay,
                     const bt_fonts *fonts, bt_pdf_sink *sink,
                     bt_pdf_images *pre, const char *tmp)
{
    if (sink) /* the pages are drawn already (streamed) */
        return bt_pdf_sink_finish(sink, ctx, pages, tmp);
    if (opt->impose.mode == BT_IMPOSE_NONE)
        return bt_pdf_write_pre(ctx, doc, pages, fonts, pre, tmp);
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
    return bt_pdf_write_imposed(ctx, doc, pages, fonts, plan, pnote, pre, tmp);
}

/* ---- the EPUB's font files made beside the layout ---- */

/* Which code points the EPUB's text needs in each font is known from the
 * document, not from the layout (but for the page numbers of its
 * page-list), so a thread subsets and deflates those font files while the
 * layout runs (bt_epub_fonts_make); the EPUB writer takes each one whose
 * code points it then finds the same and subsets the others itself. The
 * thread reads the document and the layout settings, as the layout does,
 * and neither the fonts nor the images. */
typedef struct fonts_ahead {
    helper *h;
    int job; /* its job in h */
    int on;  /* the job is posted and not waited for yet */
    bt_epub_fonts *ef;
} fonts_ahead;

static void *fonts_ahead_thread(void *arg)
{
    bt_epub_fonts_make(arg);
    return NULL;
}

static void fonts_ahead_start(fonts_ahead *fa, helper *h, const bt_doc *doc,
                              const bt_layout *lay, const bt_fonts *fonts)
{
    fa->h = h;
    fa->ef = bt_epub_fonts_new(doc, lay, fonts);
    if (fa->ef && (fa->job = helper_post(h, fonts_ahead_thread, fa->ef)) >= 0) {
        fa->on = 1;
        return;
    }
    bt_epub_fonts_free(fa->ef);
    fa->ef = NULL;
}

/* The font files made, or NULL; in whichever thread needs them first. */
static bt_epub_fonts *fonts_ahead_join(fonts_ahead *fa)
{
    if (fa->on) {
        helper_wait(fa->h, fa->job);
        fa->on = 0;
    }
    return fa->ef;
}

/* ---- the EPUB writer in a second thread ---- */

/* The PDF writer runs in the calling thread with the build's context; the
 * EPUB writer runs beside it with a context of its own (its arena and its
 * diagnostics), appended to the build's after the join, so the messages
 * come out in the order of a one-thread build: PDF's, then EPUB's. The
 * two share the document, pages and layout read-only, and the fonts
 * behind their lock (bt_fonts_share). */
typedef struct epub_job {
    bt_ctx ctx;
    const bt_doc *doc;
    const bt_pages *pages;
    const bt_layout *lay;
    bt_fonts *fonts;
    fonts_ahead *fa;
    const char *tmp;
    int rc;
} epub_job;

static void *epub_thread(void *arg)
{
    epub_job *j = arg;
    uint64_t t0 = bt_time_ns();
    bt_epub_fonts *ef = fonts_ahead_join(j->fa);
    j->rc = bt_epub_write_with(&j->ctx, j->doc, j->pages, j->lay, j->fonts, ef,
                               j->tmp);
    bt_timing_add(BT_T_EPUB, bt_time_ns() - t0);
    return NULL;
}

/* ---- the EPUB made while the PDF's pages are drawn ---- */

/* A replayed bulletin (layout.c) knows its final page map before its
 * pages go to the PDF (bt_page_sink.map), and the EPUB needs only that
 * map: a thread then makes the EPUB in memory (bt_epub_make) while this
 * one draws, and write_both writes its file after the PDF
 * (bt_epub_save), its messages after the PDF's, as with epub_thread.
 * Images that may still be decoding are joined first (a failed one sets
 * the build again, and no EPUB is started). */
typedef struct epub_early {
    int want; /* the build writes both outputs */
    int on;   /* the thread runs, or ran and is not joined */
    pthread_t th;
    epub_job job; /* job.pages: the map */
    bt_epub_made *made;
    images_ahead *ia;
    image_ctxs *ic;
} epub_early;

static void *early_thread(void *arg)
{
    epub_early *x = arg;
    uint64_t t0 = bt_time_ns();
    bt_epub_fonts *ef = fonts_ahead_join(x->job.fa);
    x->made = bt_epub_make(&x->job.ctx, x->job.doc, x->job.pages, x->job.lay,
                           x->job.fonts, ef);
    bt_timing_add(BT_T_EPUB, bt_time_ns() - t0);
    return NULL;
}

static void early_map(struct epub_early *x, const bt_pages *map)
{
    if (!x->want || x->on || x->made)
        return;
    if (x->ia->on)
        images_join(x->ia, x->ic);
    if (x->ia->failed)
        return;
    x->job.pages = map;
    bt_fonts_share(x->job.fonts, 1);
    x->on = thread_start(&x->th, early_thread, x) == 0;
    if (!x->on) /* write_both makes it as before */
        bt_fonts_share(x->job.fonts, 0);
}

static void early_join(epub_early *x)
{
    if (x->on) {
        pthread_join(x->th, NULL);
        bt_fonts_share(x->job.fonts, 0);
        x->on = 0;
    }
}

/* Once, when the build ends. */
static void early_free(epub_early *x)
{
    early_join(x);
    bt_epub_made_free(x->made);
    x->made = NULL;
    bt_ctx_free(&x->job.ctx);
}

/* Both outputs: the EPUB already made beside the drawing (epub_early), or
 * the EPUB writer in a second thread while this one writes the PDF (see
 * epub_job; not for a streamed bulletin, below). Without a thread
 * (pthread_create failed) the EPUB is written after the PDF. */
static int write_both(bt_ctx *ctx, const bt_options *opt, const bt_doc *doc,
                      const bt_pages *pages, const bt_layout *lay,
                      bt_fonts *fonts, bt_pdf_sink *sink, bt_pdf_images *pre,
                      fonts_ahead *fa, bt_fsout *out, const char *base,
                      epub_early *early)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s.pdf", base);
    const char *ptmp = bt_fsout_add(ctx, out, path);
    if (!ptmp)
        return -1;
    snprintf(path, sizeof path, "%s.epub", base);
    const char *etmp = bt_fsout_add(ctx, out, path);
    if (!etmp)
        return -1;
    if (early->on && early->job.pages == pages) {
        uint64_t t0 = bt_time_ns();
        int prc = write_pdf(ctx, opt, doc, pages, lay, fonts, sink, pre, ptmp);
        bt_timing_add(BT_T_PDF, bt_time_ns() - t0);
        early_join(early);
        if (prc != 0) /* a failed PDF stops the build before the EPUB */
            return prc;
        t0 = bt_time_ns();
        int rc = early->made ? bt_epub_save(early->made, etmp) : -1;
        bt_timing_add(BT_T_EPUB, bt_time_ns() - t0);
        bt_ctx_append(ctx, &early->job.ctx);
        return rc;
    }
    epub_job job;
    memset(&job, 0, sizeof job);
    bt_ctx_init(&job.ctx);
    job.ctx.verbose = ctx->verbose;
    job.doc = doc;
    job.pages = pages;
    job.lay = lay;
    job.fonts = fonts;
    job.fa = fa;
    job.tmp = etmp;
    /* A streamed bulletin (a long one: sink) writes its EPUB after the
     * PDF, whose objects are freed by then, so that the two writers'
     * memory does not add up (5000 articles: peak RSS 104.7 -> 90.8 MB;
     * the PDF's end takes a fraction of the EPUB's time) */
    pthread_t th;
    int threaded = 0;
    if (!sink) {
        bt_fonts_share(fonts, 1);
        threaded = thread_start(&th, epub_thread, &job) == 0;
        if (!threaded)
            bt_fonts_share(fonts, 0);
    }
    uint64_t t0 = bt_time_ns();
    int prc = write_pdf(ctx, opt, doc, pages, lay, fonts, sink, pre, ptmp);
    bt_timing_add(BT_T_PDF, bt_time_ns() - t0);
    if (threaded) {
        pthread_join(th, NULL);
        bt_fonts_share(fonts, 0);
    } else if (prc == 0) {
        epub_thread(&job);
    }
    int rc = prc;
    if (prc == 0) { /* a failed PDF stops the build before the EPUB */
        bt_ctx_append(ctx, &job.ctx);
        rc = job.rc;
    }
    bt_ctx_free(&job.ctx);
    return rc;
}

/* ---- fontconfig in a second thread ---- */

/* bt_fonts_new (fontconfig reads its configuration and font caches: about
 * 30 M instructions, a fifth of a 10-article build) needs only the data
 * folder, so it runs beside the reading of the inputs and the decoding of
 * images; the build waits for it before it resolves the layout's fonts.
 * It reports nothing, so diagnostics are the same either way. */
typedef struct fonts_job {
    pthread_t th;
    int threaded; /* a thread runs (or ran) and is not joined yet */
    const char *dir;
    bt_fonts *fonts;
} fonts_job;

static void *fonts_thread(void *arg)
{
    fonts_job *j = arg;
    j->fonts = bt_fonts_new(j->dir);
    return NULL;
}

static void fonts_start(fonts_job *j, const char *dir)
{
    j->dir = dir;
    j->fonts = NULL;
    j->threaded = thread_start(&j->th, fonts_thread, j) == 0;
}

/* The fonts, once bt_fonts_new has run (here, without a thread). */
static bt_fonts *fonts_wait(fonts_job *j)
{
    if (j->threaded) {
        pthread_join(j->th, NULL);
        j->threaded = 0;
    } else if (!j->fonts) {
        fonts_thread(j);
    }
    return j->fonts;
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
        bt_pdf_write_imposed(ctx, doc, pages, fonts, plan, NULL, NULL, tmp) !=
            0 ||
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

static int build(bt_ctx *ctx, const bt_options *opt);
static int build_once(bt_ctx *ctx, const bt_options *opt, int ahead,
                      int *again);

/* ---- --timings ---- */

/* A shaper that forwards to the fonts' and adds the time spent shaping to
 * BT_T_SHAPE (only installed with --timings: two clock reads per word). */
typedef struct timed_shaper {
    bt_shaper inner;
} timed_shaper;

static int T_shape(void *payload, uint32_t font, const uint32_t *cps, int len,
                   const bt_glyphpos **out)
{
    timed_shaper *t = payload;
    uint64_t t0 = bt_time_ns();
    int r = t->inner.shape(t->inner.payload, font, cps, len, out);
    bt_timing_add(BT_T_SHAPE, bt_time_ns() - t0);
    return r;
}

static int T_covers(void *payload, uint32_t font, uint32_t cp)
{
    timed_shaper *t = payload;
    return t->inner.covers(t->inner.payload, font, cp);
}

static uint32_t T_fallback(void *payload, uint32_t font, uint32_t cp)
{
    timed_shaper *t = payload;
    return t->inner.fallback(t->inner.payload, font, cp);
}

static void T_metrics(void *payload, uint32_t font, bt_fontmetrics *out)
{
    timed_shaper *t = payload;
    t->inner.metrics(t->inner.payload, font, out);
}

static bt_shaper timed(timed_shaper *t, bt_shaper inner)
{
    t->inner = inner;
    bt_shaper s = {T_shape, T_covers,   T_fallback, T_metrics,
                   t,       inner.hyph, inner.memo, inner.words};
    return s;
}

/* Stage times on stderr, one "timing: STAGE MS" line each (tests/bench.sh
 * reads them). Stages inside another are indented and say so. */
static void print_timings(FILE *f)
{
    static const struct {
        int stage;
        const char *note;
    } rows[] = {
        {BT_T_READ, ""},
        {BT_T_NORMALISE, "  (inside read)"},
        {BT_T_IMAGES, ""},
        {BT_T_FONTS, "  (layout settings, fontconfig)"},
        {BT_T_LAYOUT, "  (shape, break, make-up: interleaved)"},
        {BT_T_SHAPE, "  (inside layout: HarfBuzz + word cache)"},
        {BT_T_PDF, "  (PDF writer, into memory)"},
        {BT_T_PDF_FONTS, "  (inside pdf: subset + load fonts)"},
        {BT_T_PDF_SAVE, "  (inside pdf: libharu serialise + deflate)"},
        {BT_T_EPUB, "  (EPUB writer, into memory)"},
        {BT_T_WRITERS, "  (wall of both writers)"},
        {BT_T_SAVE, "  (temp files, fsync, rename)"},
        {BT_T_TOTAL, ""},
        {BT_T_CPU_MAIN, "  (CPU: the main thread, loading the program included)"},
        {BT_T_CPU_OTHERS, "  (CPU: the other threads; cores busy = cpu / wall)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        fprintf(f, "timing: %-10s %9.2f ms%s\n", bt_timing_name(rows[i].stage),
                bt_timing_ms(rows[i].stage), rows[i].note);
}

/* ---- progress line ---- */

/* For a build that takes more than a second, a line on stderr says which
 * stage runs and for how long ("bantin: laying out... 2.4 s"), redrawn
 * four times a second by a small thread and erased when the build ends,
 * before any diagnostic is printed. Only when stderr is a terminal, and
 * never with -q. */
typedef struct progress {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, stop, shown;
    const char *stage;
    uint64_t t0;
} progress;

static progress prog;

static void *progress_main(void *arg)
{
    progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        double secs = (double)(bt_time_ns() - p->t0) / 1e9;
        if (p->stop || secs < 1.0)
            continue;
        fprintf(stderr, "\r\033[Kbantin: %s... %.1f s", p->stage, secs);
        fflush(stderr);
        p->shown = 1;
    }
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void progress_start(const bt_ctx *ctx)
{
    if (ctx->verbose < 0 || !isatty(STDERR_FILENO))
        return;
    memset(&prog, 0, sizeof prog);
    pthread_mutex_init(&prog.mu, NULL);
    pthread_cond_init(&prog.cv, NULL);
    prog.stage = "reading";
    prog.t0 = bt_time_ns();
    if (bt_fsout_thread(&prog.th, progress_main, &prog) == 0)
        prog.running = 1;
}

static void progress_stage(const char *stage)
{
    if (!prog.running)
        return;
    pthread_mutex_lock(&prog.mu);
    prog.stage = stage;
    pthread_mutex_unlock(&prog.mu);
}

/* Erases the line and ends the thread; safe to call twice. */
static void progress_stop(void)
{
    if (!prog.running)
        return;
    pthread_mutex_lock(&prog.mu);
    prog.stop = 1;
    pthread_cond_signal(&prog.cv);
    pthread_mutex_unlock(&prog.mu);
    pthread_join(prog.th, NULL);
    pthread_cond_destroy(&prog.cv);
    pthread_mutex_destroy(&prog.mu);
    prog.running = 0;
}

int bt_build_run(bt_ctx *ctx, const bt_options *opt)
{
    bt_timing_on = opt->timings;
    const char *threads = getenv("BANTIN_THREADS");
    one_thread = threads && strcmp(threads, "1") == 0;
    bt_pdf_threads = !one_thread;
    bt_epub_threads = !one_thread;
    uint64_t t_start = bt_time_ns();
    progress_start(ctx);
    int rc = build(ctx, opt);
    progress_stop();
    bt_timing_add(BT_T_TOTAL, bt_time_ns() - t_start);
    if (bt_timing_on)
        bt_timing_add(BT_T_CPU_MAIN, bt_thread_cpu_ns());
    if (opt->timings)
        print_timings(stderr);
    return rc;
}

/* A page sink that drops the pages (only the page map is wanted). */
static void no_begin(void *payload, int npages)
{
    (void)payload;
    (void)npages;
}

static void no_page(void *payload, const bt_page *pg)
{
    (void)payload;
    (void)pg;
}

static int no_end(void *payload, int npages)
{
    (void)payload;
    (void)npages;
    return 1;
}

/* Prints the shape memo's figures (--timings) and frees it. */
static void memo_done(const bt_options *opt, bt_shapememo **memo)
{
    if (opt->timings && *memo) {
        unsigned long hits, misses;
        size_t bytes;
        bt_shapememo_stats(*memo, &hits, &misses, &bytes);
        fprintf(
            stderr,
            "shape memo: %lu paragraphs shaped, %lu served again, %zu KiB\n",
            misses, hits, bytes / 1024);
    }
    bt_shapememo_free(*memo);
    *memo = NULL;
}

/* One build; images decoded beside the layout when `ahead` (see
 * images_ahead), and then *again = 1 when a decoding failed: the caller
 * drops the messages and builds again without. */
static int build_once(bt_ctx *ctx, const bt_options *opt, int ahead, int *again)
{

    bt_fonts *fonts = NULL;
    bt_hyph *hyph = NULL;
    bt_shapememo *memo = NULL;
    bt_wordmemo *words = NULL;
    bt_pdf_images *pre = NULL;
    bt_fsout out = {0};
    char *base = NULL;
    int rc = -1;
    bt_layout lay;
    bt_pages *pages = NULL;
    bt_pdf_sink *sink = NULL;
    fonts_job fj;
    image_ctxs ics = {NULL, 0};
    images_ahead ia;
    memset(&ia, 0, sizeof ia);
    fonts_ahead fa;
    memset(&fa, 0, sizeof fa);
    epub_early early;
    memset(&early, 0, sizeof early);
    early.ia = &ia;
    early.ic = &ics;
    bt_ctx_init(&early.job.ctx);
    helper h;
    helper_init(&h);
    int want_pre = 0;
    fonts_start(&fj, bt_arena_printf(&ctx->arena, "%s/fonts", opt->datadir));

    uint64_t t0 = bt_time_ns();
    bt_doc *doc =
        bt_read_inputs(ctx, opt->inputs, opt->ninputs, opt->allow_outside);
    bt_timing_add(BT_T_READ, bt_time_ns() - t0);
    if (!doc)
        goto done;
#ifdef BT_DEBUG
    if (ctx->nerrors == 0)
        bt_doc_check(doc);
#endif
    /* foreign words may be hyphenated (shape.c) */
    hyph = bt_hyph_new(ctx, bt_pos_file(doc->file), NULL);
    hyph_ahead hj = {doc, hyph};
    helper_post(&h, hyph_job, &hj);
    progress_stage("decoding images");
    t0 = bt_time_ns();
    if (!ahead || !images_start(ctx, doc, &h, &ia))
        load_images(ctx, doc, &ics);
    bt_timing_add(BT_T_IMAGES, bt_time_ns() - t0);
    /* the PDF's image streams are deflated while the layout runs (when
     * the images are decoded beside it, from the join on) */
    want_pre = (opt->outputs & BT_OUT_PDF) && !opt->check_only &&
               !opt->dump_layout && ctx->nerrors == 0;
    if (want_pre && !ia.on)
        pre = bt_pdf_images_start(doc);

    t0 = bt_time_ns();
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
    progress_stage("finding fonts");
    fonts = fonts_wait(&fj);
    if (resolve_fonts(ctx, &lay, fonts, lpos) != 0)
        goto done;
    bt_timing_add(BT_T_FONTS, bt_time_ns() - t0);
    /* layout runs even after input errors, to report what only it can
     * find (characters no font has); nothing is written then */
    if (bt_date_output(ctx, doc) != 0 || bt_ctx_full(ctx))
        goto done;

    bt_shaper shaper = bt_fonts_shaper(fonts);
    shaper.hyph = bt_hyph_hyphenator(hyph);
    memo = bt_shapememo_new();
    bt_shapememo_plan(memo, bt_doc_text_bytes(doc));
    shaper.memo = memo;
    words = bt_wordmemo_new();
    shaper.words = words;
    timed_shaper ts;
    if (opt->timings)
        shaper = timed(&ts, shaper);
    if ((opt->outputs & BT_OUT_EPUB) && !opt->check_only && !opt->dump_layout &&
        ctx->nerrors == 0) {
        fonts_ahead_start(&fa, &h, doc, &lay, fonts);
        early.want = opt->outputs == (BT_OUT_PDF | BT_OUT_EPUB);
        early.job.ctx.verbose = ctx->verbose;
        early.job.doc = doc;
        early.job.lay = &lay;
        early.job.fonts = fonts;
        early.job.fa = &fa;
    }
    progress_stage("laying out");
    t0 = bt_time_ns();
    /* plain PDF pages are drawn as the layout hands them out, so that
     * neither holds every page's boxes (imposition reorders the pages;
     * --dump and --check need no PDF) */
    int lrc, streamed = 1;
    if ((opt->outputs & BT_OUT_PDF) && opt->impose.mode == BT_IMPOSE_NONE &&
        !opt->dump_layout && !opt->check_only) {
        sink = bt_pdf_sink_new(doc, fonts, pre, lay.page_w, lay.page_h);
        char *sd = spool_dir(opt);
        bt_pdf_sink_spool(sink, sd);
        free(sd);
        bt_page_sink ps = bt_pdf_sink_pages(sink);
        ahead_sink as = {ps,    sink, &ia, &ics, doc, want_pre ? &pre : NULL,
                         &early};
        bt_page_sink aps = {A_begin, A_page, A_end, &as, A_map, A_held};
        lrc = bt_layout_stream(ctx, doc, &lay, &shaper, &aps, &pages);
    } else if ((opt->check_only || !(opt->outputs & BT_OUT_PDF)) &&
               !opt->dump_layout) {
        /* the EPUB and `check` need the page map, not the boxes */
        bt_page_sink ps = {no_begin, no_page, no_end, NULL, NULL, NULL};
        lrc = bt_layout_stream(ctx, doc, &lay, &shaper, &ps, &pages);
    } else {
        lrc = bt_layout_run(ctx, doc, &lay, &shaper, &pages);
        streamed = 0;
    }
    bt_timing_add(BT_T_LAYOUT, bt_time_ns() - t0);
    bt_hyph_report(hyph);
    if (ia.on) {
        images_join(&ia, &ics);
        if (!ia.failed && want_pre && !pre)
            pre = bt_pdf_images_start(doc);
    }
    if (ia.failed)
        goto done;
    /* streamed pages were drawn as they came: no box points into the
     * shape memo any more, and the writers shape nothing with it */
    if (streamed)
        memo_done(opt, &memo);
    if (lrc != 0 || ctx->nerrors)
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
    progress_stage(opt->outputs == (BT_OUT_PDF | BT_OUT_EPUB)
                       ? "writing the PDF and the EPUB"
                   : opt->outputs & BT_OUT_PDF ? "writing the PDF"
                                               : "writing the EPUB");
    uint64_t tw = bt_time_ns();
    if (opt->outputs == (BT_OUT_PDF | BT_OUT_EPUB)) {
        if (write_both(ctx, opt, doc, pages, &lay, fonts, sink, pre, &fa, &out,
                       base, &early) != 0)
            goto done;
    } else if (opt->outputs & BT_OUT_PDF) {
        snprintf(path, sizeof path, "%s.pdf", base);
        const char *tmp = bt_fsout_add(ctx, &out, path);
        t0 = bt_time_ns();
        int prc =
            tmp ? write_pdf(ctx, opt, doc, pages, &lay, fonts, sink, pre, tmp)
                : -1;
        bt_timing_add(BT_T_PDF, bt_time_ns() - t0);
        if (prc != 0)
            goto done;
    } else if (opt->outputs & BT_OUT_EPUB) {
        snprintf(path, sizeof path, "%s.epub", base);
        const char *tmp = bt_fsout_add(ctx, &out, path);
        t0 = bt_time_ns();
        int erc = tmp ? bt_epub_write_with(ctx, doc, pages, &lay, fonts,
                                           fonts_ahead_join(&fa), tmp)
                      : -1;
        bt_timing_add(BT_T_EPUB, bt_time_ns() - t0);
        if (erc != 0)
            goto done;
    }
    bt_timing_add(BT_T_WRITERS, bt_time_ns() - tw);
    if (ctx->nerrors)
        goto done;
    progress_stage("saving");
    t0 = bt_time_ns();
    int crc = bt_fsout_commit(ctx, &out);
    bt_timing_add(BT_T_SAVE, bt_time_ns() - t0);
    if (crc != 0)
        goto done;
    progress_stop();
    if (ctx->verbose > 0) {
        if (opt->outputs & BT_OUT_PDF)
            printf("wrote %s.pdf (%d pages)\n", base, pages->npages);
        if (opt->outputs & BT_OUT_EPUB)
            printf("wrote %s.epub (%d articles)\n", base, doc->narticles);
    }
    rc = 0;
done:
    early_free(&early);     /* it reads the doc, the layout, the fonts */
    images_join(&ia, &ics); /* left early: the thread still reads the doc */
    if (ia.failed)
        *again = 1;
    bt_epub_fonts_free(fonts_ahead_join(&fa)); /* it reads doc and lay */
    helper_stop(&h);
    bt_fsout_abort(&out);
    bt_pdf_sink_free(sink);
    bt_hyph_free(hyph);
    memo_done(opt, &memo);
    bt_wordmemo_free(words);
    bt_pdf_images_free(pre);
    if (fj.threaded) /* left early: the thread still owns them */
        fonts = fonts_wait(&fj);
    if (fonts)
        bt_fonts_free(fonts);
    image_ctxs_free(&ics); /* after the writers and the PDF images */
    free(base);
    return rc == 0 && ctx->nerrors == 0 ? 0 : -1;
}

static int build(bt_ctx *ctx, const bt_options *opt)
{
    if (opt->print_test)
        return print_test(ctx, opt);
    int ndiags = ctx->ndiags, nerrors = ctx->nerrors,
        nwarnings = ctx->nwarnings;
    int again = 0;
    int rc = build_once(ctx, opt, 1, &again);
    if (!again)
        return rc;
    ctx->ndiags = ndiags;
    ctx->nerrors = nerrors;
    ctx->nwarnings = nwarnings;
    return build_once(ctx, opt, 0, &again);
}
