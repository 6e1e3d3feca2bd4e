/* hyph.c - the libhyphen glue behind hyph.h: loads one pattern file
 * lazily, and turns a word of ASCII letters into its hyphenation points
 * (the patterns are English; a word with any other letter gets none).
 * libhyphen wants lowercase bytes and reports a point after byte i as an
 * odd hyphens[i]; its own left/right minimums (2 and 3 for en_US) stay. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hyphen.h>
#include "hyph.h"

#define MAX_WORD 60 /* libhyphen's own limit is 100 bytes */

struct bt_hyph {
    bt_ctx *ctx;
    bt_pos pos;
    char *path;       /* the file in use */
    char *want;       /* the file asked for, or NULL */
    HyphenDict *dict; /* NULL until loaded, or when none was found */
    /* LOAD_NONE, then LOAD_BUSY while a thread reads the patterns (the
     * others wait), then LOAD_DONE; read without the lock only as DONE */
    int state;
    int used;     /* a word asked for points (the note is due if none) */
    int reported; /* bt_hyph_report gave the note */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bt_hyphenator iface;
};

enum { LOAD_NONE, LOAD_BUSY, LOAD_DONE };

/* Where Debian, Fedora and older systems keep hyph_en_US.dic. */
static const char *const places[] = {
    "/usr/share/hyphen/hyph_en_US.dic",
    "/usr/share/hyphen/hyph_en.dic",
    "/usr/local/share/hyphen/hyph_en_US.dic",
    "/usr/share/myspell/dicts/hyph_en_US.dic",
    "/usr/share/myspell/hyph_en_US.dic",
};

static HyphenDict *load(const char *path)
{
    FILE *f = fopen(path, "r"); /* quietly: libhyphen would complain */
    if (!f)
        return NULL;
    HyphenDict *d = hnj_hyphen_load_file(f);
    fclose(f);
    return d;
}

/* Reading the patterns takes libhyphen ~20 ms (hyph_en_US.dic), so the
 * build starts it on a helper thread when the text has a word that will
 * ask (bt_hyph_load); whichever thread comes first reads, the others
 * wait for it. */
void bt_hyph_load(bt_hyph *h)
{
    if (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) == LOAD_DONE)
        return;
    pthread_mutex_lock(&h->mu);
    if (h->state == LOAD_NONE) {
        h->state = LOAD_BUSY;
        pthread_mutex_unlock(&h->mu);
        HyphenDict *d = NULL;
        char *path = NULL;
        if (h->want) {
            d = load(h->want);
            if (d)
                path = bt_xstrdup(h->want);
        } else {
            for (size_t i = 0; i < sizeof places / sizeof *places && !d; i++)
                if ((d = load(places[i])) != NULL)
                    path = bt_xstrdup(places[i]);
        }
        pthread_mutex_lock(&h->mu);
        h->dict = d;
        h->path = path;
        __atomic_store_n(&h->state, LOAD_DONE, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&h->cv);
    }
    while (h->state != LOAD_DONE)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

void bt_hyph_report(bt_hyph *h)
{
    if (!__atomic_load_n(&h->used, __ATOMIC_RELAXED) || h->dict || h->reported)
        return;
    h->reported = 1;
    bt_note(h->ctx, h->pos,
            "no hyphenation patterns found (%s); foreign words are not "
            "hyphenated (install hyphen-en-us, or set BANTIN_HYPHEN_DIC)",
            h->want ? h->want : places[0]);
}

static int S_points(void *payload, const uint32_t *cps, int n, uint8_t *out)
{
    bt_hyph *h = payload;
    memset(out, 0, (size_t)(n > 0 ? n : 0));
    if (n < 2 || n > MAX_WORD)
        return 0;
    char word[MAX_WORD + 1];
    for (int i = 0; i < n; i++) {
        uint32_t c = cps[i];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c < 'a' || c > 'z')
            return 0; /* English patterns: ASCII letters only */
        word[i] = (char)c;
    }
    word[n] = 0;
    if (!__atomic_load_n(&h->used, __ATOMIC_RELAXED))
        __atomic_store_n(&h->used, 1, __ATOMIC_RELAXED);
    bt_hyph_load(h);
    if (!h->dict)
        return 0;
    char hyphens[MAX_WORD + 5];
    char **rep = NULL;
    int *pos = NULL, *cut = NULL;
    hnj_hyphen_hyphenate2(h->dict, word, n, hyphens, NULL, &rep, &pos, &cut);
    int k = 0;
    for (int i = 0; i + 1 < n; i++)
        if (hyphens[i] & 1) {
            out[i] = 1;
            k++;
        }
    if (rep) {
        for (int i = 0; i < n; i++)
            free(rep[i]);
        free(rep);
    }
    free(pos);
    free(cut);
    return k;
}

bt_hyph *bt_hyph_new(bt_ctx *ctx, bt_pos pos, const char *dic)
{
    bt_hyph *h = bt_xcalloc(1, sizeof *h);
    h->ctx = ctx;
    h->pos = pos;
    if (!dic) {
        const char *env = getenv("BANTIN_HYPHEN_DIC");
        if (env && *env)
            dic = env;
    }
    h->want = dic ? bt_xstrdup(dic) : NULL;
    h->iface.points = S_points;
    h->iface.payload = h;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    return h;
}

void bt_hyph_free(bt_hyph *h)
{
    if (!h)
        return;
    if (h->dict)
        hnj_hyphen_free(h->dict);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h->path);
    free(h->want);
    free(h);
}

const bt_hyphenator *bt_hyph_hyphenator(bt_hyph *h)
{
    return &h->iface;
}

const char *bt_hyph_path(const bt_hyph *h)
{
    return h->path;
}
