/* diag.h - the build context and its diagnostics. Readers, layout and
 * writers report input problems through bt_error/bt_warning/bt_note with a
 * bt_pos; main.c prints them as "path:line:col: error: text" in the order
 * they were found. After BT_MAX_ERRORS errors further ones are counted but
 * not recorded, and bt_ctx_full() tells stages they may stop early. */
#ifndef BT_DIAG_H
#define BT_DIAG_H

#include <stdio.h>
#include "bantin.h"
#include "arena.h"

enum bt_diag_level { BT_DIAG_ERROR, BT_DIAG_WARNING, BT_DIAG_NOTE };

typedef struct bt_diag {
    enum bt_diag_level level;
    bt_pos pos;
    char *msg; /* arena */
} bt_diag;

typedef struct bt_ctx {
    bt_arena arena;     /* everything a build makes */
    const char **files; /* files[i] = path as the user named it (arena) */
    const char **real;  /* real[i] = resolved absolute path or NULL */
    int nfiles, capfiles;
    bt_diag *diags; /* heap, in order found */
    int ndiags, capdiags;
    int nerrors; /* all errors, also those past the cap */
    int nwarnings;
    int verbose; /* -v: 1, -q: -1 */
} bt_ctx;

void bt_ctx_init(bt_ctx *ctx);
void bt_ctx_free(bt_ctx *ctx);

/* Registers a path for diagnostics and returns its index (existing index
 * when the same display path was added before). */
uint16_t bt_ctx_file(bt_ctx *ctx, const char *display_path, const char *real);

void bt_error(bt_ctx *ctx, bt_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bt_warning(bt_ctx *ctx, bt_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bt_note(bt_ctx *ctx, bt_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True once BT_MAX_ERRORS errors are recorded. */
/* Appends the diagnostics of `from` (a context a second thread reported
 * into; same file numbering as `to`) after those of `to`, as if reported
 * there in that order. */
void bt_ctx_append(bt_ctx *to, const bt_ctx *from);

int bt_ctx_full(const bt_ctx *ctx);

/* Prints diagnostics from index `from` on, as file:line:col: level: msg. */
void bt_diag_print(const bt_ctx *ctx, FILE *f, int from);

/* A position naming only a file (line 0), printed as "file: error: ..." */
bt_pos bt_pos_file(uint16_t file);

#endif
