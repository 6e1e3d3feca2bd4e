/* fsout.h - outputs are written to hidden temporary files in the output
 * folder and renamed into place only when every output is complete and no
 * error was reported (FORMATS.md, Outputs): a failed or interrupted build
 * leaves nothing behind and does not touch earlier outputs, and the outputs
 * of one build are replaced together or not at all.
 *
 * Temp names are ".NAME.bantin-XXXXXX" (NAME cut short when the whole would
 * not fit in one file name), so a crash never leaves a file a user would
 * take for an output, and a later build can recognise and remove them. */
#ifndef BT_FSOUT_H
#define BT_FSOUT_H

#include <pthread.h>
#include <stddef.h>
#include "diag.h"

#define BT_FSOUT_MAX 4

typedef struct bt_fsout {
    int n;
    char *final[BT_FSOUT_MAX]; /* heap; the names the user asked for */
    char *temp[BT_FSOUT_MAX];  /* heap; new contents, NULL once renamed */
    char *made_dir;            /* heap; -o folder this build created */
} bt_fsout;

/* Creates `dir` if missing (one level; parents must exist) and remembers
 * that this build made it, so a failed build removes it again. 0 or -1
 * with an error reported. */
int bt_fsout_mkdir(bt_ctx *ctx, bt_fsout *out, const char *dir);

/* Reserves a temp file next to `final_path` (mode 0666 & ~umask, or the
 * mode of the output it will replace); first removes this output's own
 * temps older than an hour (left by a killed build). Returns the temp's
 * path (owned by out) or NULL after reporting an error. Interrupting
 * signals (INT, TERM, HUP) remove the temp from then on, unless the
 * process inherited them ignored (nohup), in which case they stay ignored. */
const char *bt_fsout_add(bt_ctx *ctx, bt_fsout *out, const char *final_path);

/* Writes `len` bytes to `path` (normally a temp from bt_fsout_add;
 * otherwise the file is created) with every write, the fsync and the close
 * checked. Errors name the output the user asked for: "cannot write
 * 'out/x.pdf': No space left on device". 0, or -1 with an error reported
 * (a file this call created is removed). */
int bt_fsout_write(bt_ctx *ctx, const char *path, const void *data, size_t len);

/* A scratch file in `dir` for a writer's bytes that are read back before
 * the build ends (the PDF's page contents, see pdf_out.c): created and
 * unlinked at once, so it never shows and goes with its descriptor; one
 * that a killed build left between the two (older than an hour) is
 * removed first.
 * Returns a read-write descriptor, or -1 (errno set): the caller then
 * keeps its bytes in memory. */
int bt_fsout_scratch(const char *dir);

/* The output a temp path stands for (the path itself when it is not a
 * temp of the build in progress): for messages. Borrowed. */
const char *bt_fsout_name(const char *path);

/* bt_fsout_write with the bytes pulled in pieces: fill puts up to cap bytes
 * into buf and returns how many (0 at the end, -1 when the source failed:
 * then nothing is reported and the result is -2). Keeps a writer from
 * holding a second copy of a large output. */
int bt_fsout_write_from(bt_ctx *ctx, const char *path,
                        long (*fill)(void *payload, void *buf, size_t cap),
                        void *payload);

/* The same for a writer that pushes its bytes: open, put pieces (the first
 * error is kept and later pieces are dropped), close. close's `failed`
 * says the writer itself failed: nothing is reported then and the result
 * is -2; otherwise 0, or -1 after reporting the write error. Pieces are
 * gathered into BT_FSOUT_GATHER-byte writes (libharu saves a PDF in pieces
 * of a few bytes: one write(2) each cost more than the rest of the save);
 * a piece at least that long, arriving with nothing gathered, is written
 * as it is. */
#define BT_FSOUT_GATHER 65536
typedef struct bt_fsout_file {
    int fd;
    int err;  /* first errno of a write, or 0 */
    int ours; /* not a temp: opening created it */
    const char *path;
    char *buf;    /* heap, BT_FSOUT_GATHER bytes: what is not written yet */
    size_t used;  /* bytes in buf */
    long nwrites; /* write(2) calls made (for the tests) */
} bt_fsout_file;
int bt_fsout_open(bt_ctx *ctx, const char *path, bt_fsout_file *f);
void bt_fsout_put(bt_fsout_file *f, const void *data, size_t len);
int bt_fsout_close(bt_ctx *ctx, bt_fsout_file *f, int failed);

/* Puts every temp in place: previous outputs are kept under temp names
 * until all renames succeeded; if one fails, those already renamed are
 * put back as they were. Syncs the folder. 0, or -1 (error reported;
 * temps removed, earlier outputs as before). */
int bt_fsout_commit(bt_ctx *ctx, bt_fsout *out);

/* Removes every temp left (after any failure) and the -o folder if this
 * build created it and it is empty; frees memory. Safe after commit. */
void bt_fsout_abort(bt_fsout *out);

/* pthread_create with SIGINT, SIGTERM and SIGHUP blocked in the new
 * thread: such a signal then always reaches a thread that blocks it while
 * it creates and registers a temp (bt_fsout_add), so no temp can be made
 * but missed by the handler. Every thread of a build starts here.
 * Returns pthread_create's result. */
int bt_fsout_thread(pthread_t *th, void *(*fn)(void *), void *arg);

#endif
