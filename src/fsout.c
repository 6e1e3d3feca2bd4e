/* fsout.c - temp files + rename (see fsout.h). Temp names are hidden
 * (".NAME.XXXXXX") so a crash never leaves a file a user would mistake for
 * output; SIGINT/SIGTERM are blocked during the renames. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsout.h"

/* Temp files of the build in progress, removed by a signal handler if
 * the user interrupts it (unlink is async-signal-safe). */
static const char *volatile live_temps[BT_FSOUT_MAX];

static void on_signal(int sig)
{
    for (int i = 0; i < BT_FSOUT_MAX; i++)
        if (live_temps[i])
            unlink(live_temps[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void watch(int slot, const char *path)
{
    static int installed;
    if (!installed) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);
        installed = 1;
    }
    live_temps[slot] = path;
}

int bt_fsout_mkdir(bt_ctx *ctx, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        bt_error(ctx, bt_pos_file(0), "output folder '%s' is not a folder",
                 dir);
        return -1;
    }
    if (mkdir(dir, 0755) != 0) {
        bt_error(ctx, bt_pos_file(0), "cannot create output folder '%s': %s",
                 dir, strerror(errno));
        return -1;
    }
    return 0;
}

const char *bt_fsout_add(bt_ctx *ctx, bt_fsout *out, const char *final_path)
{
    BT_ASSERT(out->n < BT_FSOUT_MAX);
    const char *slash = strrchr(final_path, '/');
    size_t dirlen = slash ? (size_t)(slash - final_path + 1) : 0;
    const char *base = final_path + dirlen;
    size_t len = strlen(final_path) + 16;
    char *tmp = bt_xmalloc(len);
    snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, final_path, base);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        bt_error(ctx, bt_pos_file(0), "cannot write in '%.*s': %s",
                 dirlen ? (int)dirlen - 1 : 1, dirlen ? final_path : ".",
                 strerror(errno));
        free(tmp);
        return NULL;
    }
    fchmod(fd, 0644);
    close(fd);
    out->final[out->n] = bt_xstrdup(final_path);
    out->temp[out->n] = tmp;
    watch(out->n, tmp);
    out->n++;
    return tmp;
}

int bt_fsout_commit(bt_ctx *ctx, bt_fsout *out)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    int rc = 0;
    for (int i = 0; i < out->n; i++) {
        if (rename(out->temp[i], out->final[i]) != 0) {
            bt_error(ctx, bt_pos_file(0), "cannot write '%s': %s",
                     out->final[i], strerror(errno));
            rc = -1;
            break;
        }
        live_temps[i] = NULL;
        free(out->temp[i]);
        out->temp[i] = NULL;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        bt_fsout_abort(out);
    return rc;
}

void bt_fsout_abort(bt_fsout *out)
{
    for (int i = 0; i < out->n; i++) {
        live_temps[i] = NULL;
        if (out->temp[i])
            unlink(out->temp[i]);
        free(out->temp[i]);
        free(out->final[i]);
        out->temp[i] = out->final[i] = NULL;
    }
    out->n = 0;
}
