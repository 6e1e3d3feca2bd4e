/* fsout.h - outputs are written to temporary files in the output folder
 * and renamed into place only when every output is complete and no error
 * was reported (FORMATS.md, Outputs): a failed build leaves nothing behind
 * and does not touch earlier outputs. */
#ifndef BT_FSOUT_H
#define BT_FSOUT_H

#include "diag.h"

#define BT_FSOUT_MAX 4

typedef struct bt_fsout {
    int n;
    char *final[BT_FSOUT_MAX]; /* heap */
    char *temp[BT_FSOUT_MAX];  /* heap; created empty (mode 0644) */
} bt_fsout;

/* Creates `dir` if missing (one level; parents must exist). 0 or -1 with
 * an error reported. */
int bt_fsout_mkdir(bt_ctx *ctx, const char *dir);
/* Reserves a temp file next to `final_path`; returns its path (owned by
 * out) or NULL after reporting an error. */
const char *bt_fsout_add(bt_ctx *ctx, bt_fsout *out, const char *final_path);
/* Renames every temp file into place. 0, or -1 (error reported; temps
 * removed). */
int bt_fsout_commit(bt_ctx *ctx, bt_fsout *out);
/* Removes every temp file (after any failure); frees memory. Safe to call
 * after commit. */
void bt_fsout_abort(bt_fsout *out);

#endif
