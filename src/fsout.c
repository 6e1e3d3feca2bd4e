/* fsout.c - temp files, checked writes and renames into place (see
 * fsout.h); the last step of a build, after the writers.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP remove the temps of the build in
 * progress (and the -o folder it created) before the process dies with the
 * same signal. They are blocked while a temp is created and registered and
 * during the whole commit, so every temp on disk is known to the handler
 * and the commit is never cut between two renames by them. A signal the
 * process inherited as ignored (nohup) keeps being ignored. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "fsout.h"
#include "timing.h"

#define TEMP_MARK      ".bantin-" /* between the output's name and XXXXXX */
#define STALE_SECONDS  3600       /* older temps of an output are left-overs */
#define SCRATCH_PREFIX ".bantin-scratch-" /* + XXXXXX: bt_fsout_scratch */

/* ------------------------------------------------------------------ */
/* Registry of the build in progress, read by the signal handler       */
/* ------------------------------------------------------------------ */

static const char *volatile live_temp[BT_FSOUT_MAX]; /* temps on disk */
static const char *live_final[BT_FSOUT_MAX];         /* what they become */
static const char *volatile live_dir;                /* -o folder made */

static void on_signal(int sig)
{
    for (int i = 0; i < BT_FSOUT_MAX; i++)
        if (live_temp[i])
            unlink(live_temp[i]);
    if (live_dir)
        rmdir(live_dir);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig); /* delivered when the handler returns: dies of `sig` */
}

static void sigs_add(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigs_add(&set);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

/* A started thread's function and argument: it runs them, then adds its
 * CPU time to BT_T_CPU_OTHERS (--timings). */
typedef struct thread_start {
    void *(*fn)(void *);
    void *arg;
} thread_start;

static void *thread_main(void *p)
{
    thread_start t = *(thread_start *)p;
    free(p);
    void *r = t.fn(t.arg);
    if (bt_timing_on) /* a clock read only when it is wanted */
        bt_timing_add(BT_T_CPU_OTHERS, bt_thread_cpu_ns());
    return r;
}

int bt_fsout_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
    sigset_t old;
    thread_start *t = bt_xmalloc(sizeof *t);
    t->fn = fn;
    t->arg = arg;
    block_signals(&old);
    int rc = pthread_create(th, NULL, thread_main, t);
    restore_signals(&old);
    if (rc != 0)
        free(t);
    return rc;
}

/* Installs the handler once, over default dispositions only: a signal
 * that arrived ignored (nohup, a background job of a shell) stays so. */
static void install_handlers(void)
{
    static int installed;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    if (installed)
        return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigs_add(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

const char *bt_fsout_name(const char *path)
{
    for (int i = 0; i < BT_FSOUT_MAX; i++)
        if (live_temp[i] && strcmp((const char *)live_temp[i], path) == 0)
            return live_final[i];
    return path;
}

static void report(bt_ctx *ctx, const char *final, int err)
{
    bt_error(ctx, bt_pos_file(0), "cannot write '%s': %s", final,
             strerror(err));
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The folder of `path` (heap): "." when it names none. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return bt_xstrdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = bt_xmalloc(n + 1);
    memcpy(d, path, n);
    d[n] = 0;
    return d;
}

/* ".BASE.bantin-" (heap), BASE cut at a character boundary so that the
 * prefix plus six mkstemp letters fits in `name_max` bytes: a 255-byte
 * output name still gets a temp. */
static char *temp_prefix(const char *base, long name_max)
{
    size_t mark = strlen(TEMP_MARK);
    size_t room = (size_t)name_max - 1 - mark - 6;
    size_t n = strlen(base);
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80)
            n--; /* base[n] starts the part cut off: not mid-character */
    }
    char *p = bt_xmalloc(1 + n + mark + 1);
    p[0] = '.';
    memcpy(p + 1, base, n);
    memcpy(p + 1 + n, TEMP_MARK, mark + 1);
    return p;
}

/* Removes regular files "PREFIXxxxxxx" in `dir` modified more
 * than STALE_SECONDS ago: temps and kept outputs of a build that was
 * killed (SIGKILL, power loss), which no handler could remove. */
static void remove_stale(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t pl = strlen(prefix);
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, pl) != 0 || strlen(e->d_name) != pl + 6)
            continue;
        int ours = 1;
        for (size_t k = pl; k < pl + 6; k++) {
            char c = e->d_name[k];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9')))
                ours = 0;
        }
        struct stat st;
        if (ours &&
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && st.st_mtime < now - STALE_SECONDS)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* ------------------------------------------------------------------ */
/* Folder and temps                                                    */
/* ------------------------------------------------------------------ */

int bt_fsout_mkdir(bt_ctx *ctx, bt_fsout *out, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        bt_error(ctx, bt_pos_file(0), "output folder '%s' is not a folder",
                 dir);
        return -1;
    }
    sigset_t old;
    block_signals(&old);
    install_handlers();
    int rc = mkdir(dir, 0777); /* & ~umask, as for the outputs */
    int err = errno;
    if (rc == 0) {
        out->made_dir = bt_xstrdup(dir);
        live_dir = out->made_dir;
    }
    restore_signals(&old);
    if (rc != 0) {
        bt_error(ctx, bt_pos_file(0), "cannot create output folder '%s': %s",
                 dir, strerror(err));
        return -1;
    }
    return 0;
}

const char *bt_fsout_add(bt_ctx *ctx, bt_fsout *out, const char *final_path)
{
    BT_ASSERT(out->n < BT_FSOUT_MAX);
    const char *base = base_of(final_path);
    char *dir = dir_of(final_path);
    long name_max = pathconf(dir, _PC_NAME_MAX);
    if (name_max < 32)
        name_max = NAME_MAX;
    if (strlen(base) > (size_t)name_max) {
        report(ctx, final_path, ENAMETOOLONG);
        free(dir);
        return NULL;
    }
    char *prefix = temp_prefix(base, name_max);
    remove_stale(dir, prefix);
    free(dir);

    /* as open(2) would create it, or as the output it replaces was */
    struct stat st;
    mode_t mode;
    if (stat(final_path, &st) == 0 && S_ISREG(st.st_mode)) {
        mode = st.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }

    size_t dl = (size_t)(base - final_path), pl = strlen(prefix);
    char *tmp = bt_xmalloc(dl + pl + 7);
    memcpy(tmp, final_path, dl);
    memcpy(tmp + dl, prefix, pl);
    memcpy(tmp + dl + pl, "XXXXXX", 7);
    free(prefix);

    sigset_t old;
    block_signals(&old);
    install_handlers();
    int fd = mkstemp(tmp);
    int err = errno;
    if (fd >= 0) {
        int slot = out->n++;
        out->final[slot] = bt_xstrdup(final_path);
        out->temp[slot] = tmp;
        live_final[slot] = out->final[slot];
        live_temp[slot] = tmp;
    }
    restore_signals(&old);
    if (fd < 0) {
        report(ctx, final_path, err);
        free(tmp);
        return NULL;
    }
    int rc = fchmod(fd, mode);
    err = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc != 0) {
        report(ctx, final_path, err);
        return NULL; /* the temp is registered: bt_fsout_abort removes it */
    }
    return tmp;
}

/* All of [p, p + len) to fd; 0 or an errno. `nwrites` counts the calls
 * when not NULL. */
static int write_all(int fd, const char *p, size_t len, long *nwrites)
{
    while (len > 0) {
        if (nwrites)
            (*nwrites)++;
        ssize_t k = write(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? errno : ENOSPC;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

int bt_fsout_write(bt_ctx *ctx, const char *path, const void *data, size_t len)
{
    const char *name = bt_fsout_name(path);
    int ours = name == path; /* not a temp: this call creates the file */
    int fd =
        open(path,
             O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | (ours ? O_CREAT : 0),
             0666);
    if (fd < 0) {
        report(ctx, name, errno);
        return -1;
    }
    int err = write_all(fd, data, len, NULL);
    /* a full disk may show only here (delayed allocation, NFS) */
    if (!err && fsync(fd) != 0 && errno != EINVAL)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        if (ours)
            unlink(path);
        report(ctx, name, err);
        return -1;
    }
    return 0;
}

int bt_fsout_open(bt_ctx *ctx, const char *path, bt_fsout_file *f)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->ours = bt_fsout_name(path) == path;
    f->fd = open(path,
                 O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC |
                     (f->ours ? O_CREAT : 0),
                 0666);
    if (f->fd < 0) {
        report(ctx, bt_fsout_name(path), errno);
        return -1;
    }
    f->buf = bt_xmalloc(BT_FSOUT_GATHER);
    return 0;
}

/* Writes what is gathered. */
static void flush(bt_fsout_file *f)
{
    if (f->used && !f->err)
        f->err = write_all(f->fd, f->buf, f->used, &f->nwrites);
    f->used = 0;
}

void bt_fsout_put(bt_fsout_file *f, const void *data, size_t len)
{
    const char *p = data;
    if (f->err || f->fd < 0)
        return;
    while (len > 0 && !f->err) {
        if (f->used == 0 && len >= BT_FSOUT_GATHER) {
            f->err = write_all(f->fd, p, len, &f->nwrites);
            return;
        }
        size_t k = BT_FSOUT_GATHER - f->used;
        if (k > len)
            k = len;
        memcpy(f->buf + f->used, p, k);
        f->used += k;
        p += k;
        len -= k;
        if (f->used == BT_FSOUT_GATHER)
            flush(f);
    }
}

int bt_fsout_close(bt_ctx *ctx, bt_fsout_file *f, int failed)
{
    if (f->fd < 0)
        return -1;
    if (!failed)
        flush(f);
    free(f->buf);
    f->buf = NULL;
    f->used = 0;
    int err = f->err;
    if (!err && !failed && fsync(f->fd) != 0 && errno != EINVAL)
        err = errno;
    if (close(f->fd) != 0 && !err && !failed)
        err = errno;
    f->fd = -1;
    if (err || failed) {
        if (f->ours)
            unlink(f->path);
        if (err)
            report(ctx, bt_fsout_name(f->path), err);
        return err ? -1 : -2;
    }
    return 0;
}

int bt_fsout_write_from(bt_ctx *ctx, const char *path,
                        long (*fill)(void *payload, void *buf, size_t cap),
                        void *payload)
{
    bt_fsout_file f;
    if (bt_fsout_open(ctx, path, &f) != 0)
        return -1;
    int failed = 0;
    while (!f.err) { /* filled straight into the gather buffer */
        long n = fill(payload, f.buf + f.used, BT_FSOUT_GATHER - f.used);
        if (n < 0)
            failed = 1;
        if (n <= 0)
            break;
        f.used += (size_t)n;
        if (f.used == BT_FSOUT_GATHER)
            flush(&f);
    }
    return bt_fsout_close(ctx, &f, failed);
}

/* ------------------------------------------------------------------ */
/* Commit                                                              */
/* ------------------------------------------------------------------ */

/* Copies `from` to the new file `to` (mode of `st`), synced. 0 or -1 with
 * errno; `to` is removed on failure. */
static int copy_file(const char *from, const char *to, const struct stat *st)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    char buf[65536];
    int err = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : 0;
            break;
        }
        for (ssize_t off = 0; off < n && !err;) {
            ssize_t k = write(fd, buf + off, (size_t)(n - off));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                err = k < 0 ? errno : ENOSPC;
            else
                off += k;
        }
        if (err)
            break;
    }
    if (!err && fchmod(fd, st->st_mode & 07777) != 0)
        err = errno;
    if (!err && fsync(fd) != 0 && errno != EINVAL)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    close(in);
    if (err) {
        unlink(to);
        errno = err;
        return -1;
    }
    return 0;
}

/* Keeps the previous output `final` under a fresh temp name beside
 * `temp` (same prefix, so a crash leaves something the stale sweep
 * knows): a hard link, so `final` itself never goes missing, or a copy
 * where links are refused (FAT, protected_hardlinks, immutable files).
 * Heap name, or NULL with errno. */
static char *keep_previous(const char *final, const char *temp,
                           const struct stat *st)
{
    size_t n = strlen(temp);
    char *k = bt_xstrdup(temp);
    for (int tries = 0; tries < 16; tries++) {
        memcpy(k + n - 6, "XXXXXX", 6);
        int fd = mkstemp(k); /* picks a free name ... */
        if (fd < 0)
            break;
        close(fd);
        unlink(k); /* ... for link(), which will not replace a file */
        if (link(final, k) == 0)
            return k;
        if (errno == EEXIST)
            continue;
        if (S_ISREG(st->st_mode) && copy_file(final, k, st) == 0)
            return k;
        break;
    }
    int e = errno;
    free(k);
    errno = e;
    return NULL;
}

/* fsync of the folders holding the outputs, so the renames are durable.
 * Folders that cannot be synced (EINVAL) are taken as they are. */
static int sync_dirs(bt_ctx *ctx, const bt_fsout *out, int report_errors)
{
    int rc = 0;
    for (int i = 0; i < out->n; i++) {
        char *dir = dir_of(out->final[i]);
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) {
            char *dj = dir_of(out->final[j]);
            seen = strcmp(dj, dir) == 0;
            free(dj);
        }
        int fd = seen ? -1 : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (!seen && (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))) {
            if (report_errors)
                bt_error(ctx, bt_pos_file(0), "cannot sync folder '%s': %s",
                         dir, strerror(errno));
            rc = -1;
        }
        if (fd >= 0)
            close(fd);
        free(dir);
    }
    return rc;
}

int bt_fsout_commit(bt_ctx *ctx, bt_fsout *out)
{
    char *keep[BT_FSOUT_MAX] = {NULL};
    int done = 0, rc = 0;
    sigset_t old;
    block_signals(&old);

    /* 1. previous outputs stay reachable until every rename succeeded */
    for (int i = 0; i < out->n; i++) {
        struct stat st;
        if (lstat(out->final[i], &st) != 0 || S_ISDIR(st.st_mode))
            continue; /* none (or a folder: the rename below says so) */
        keep[i] = keep_previous(out->final[i], out->temp[i], &st);
        if (!keep[i]) {
            report(ctx, out->final[i], errno);
            rc = -1;
            goto undo;
        }
    }
    /* 2. the renames */
    for (; done < out->n; done++) {
        if (rename(out->temp[done], out->final[done]) != 0) {
            report(ctx, out->final[done], errno);
            rc = -1;
            goto undo;
        }
        live_temp[done] = NULL;
        free(out->temp[done]);
        out->temp[done] = NULL;
    }
    /* 3. durable, then the previous outputs can go */
    if (sync_dirs(ctx, out, 1) != 0)
        rc = -1;
    for (int i = 0; i < out->n; i++)
        if (keep[i])
            unlink(keep[i]);
    live_dir = NULL; /* the folder holds outputs now: never removed */
    free(out->made_dir);
    out->made_dir = NULL;
    goto finish;

undo:
    /* put back what was replaced, remove what was new */
    for (int j = done - 1; j >= 0; j--) {
        if (!keep[j]) {
            unlink(out->final[j]);
        } else if (rename(keep[j], out->final[j]) == 0) {
            free(keep[j]);
            keep[j] = NULL;
        } else {
            bt_note(ctx, bt_pos_file(0),
                    "the previous '%s' could not be put back; it is "
                    "kept as '%s'",
                    out->final[j], keep[j]);
            free(keep[j]);
            keep[j] = NULL;
        }
    }
    for (int i = 0; i < out->n; i++)
        if (keep[i])
            unlink(keep[i]);
    sync_dirs(ctx, out, 0);

finish:
    for (int i = 0; i < out->n; i++)
        free(keep[i]);
    restore_signals(&old);
    if (rc != 0)
        bt_fsout_abort(out);
    return rc;
}

void bt_fsout_abort(bt_fsout *out)
{
    sigset_t old;
    block_signals(&old);
    for (int i = 0; i < out->n; i++) {
        live_temp[i] = NULL;
        live_final[i] = NULL;
        if (out->temp[i])
            unlink(out->temp[i]);
        free(out->temp[i]);
        free(out->final[i]);
        out->temp[i] = out->final[i] = NULL;
    }
    out->n = 0;
    if (out->made_dir) {
        rmdir(out->made_dir); /* only if empty: never someone's files */
        live_dir = NULL;
        free(out->made_dir);
        out->made_dir = NULL;
    }
    restore_signals(&old);
}

int bt_fsout_scratch(const char *dir)
{
    char path[PATH_MAX];
    const char *d = dir && *dir ? dir : ".";
    int n = snprintf(path, sizeof path, "%s/" SCRATCH_PREFIX "XXXXXX", d);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* a build killed between mkstemp and unlink left one behind */
    remove_stale(d, SCRATCH_PREFIX);
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (unlink(path) != 0) { /* it must not outlive the build */
        int e = errno;
        close(fd);
        unlink(path);
        errno = e;
        return -1;
    }
    return fd;
}
