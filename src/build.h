/* build.h - runs the stages in order (read, images, layout settings,
 * fonts, layout, writers, rename) over one bt_ctx. main.c is a thin CLI
 * over this. */
#ifndef BT_BUILD_H
#define BT_BUILD_H

#include "diag.h"
#include "impose.h"

enum { BT_OUT_PDF = 1, BT_OUT_EPUB = 2 };

typedef struct bt_options {
    char **inputs; /* as named on the command line */
    int ninputs;
    const char *outdir; /* -o; NULL = next to the manifest/first input */
    const char *layout; /* --layout NAME|FILE; NULL = manifest's or default */
    unsigned outputs;   /* BT_OUT_* */
    int check_only;     /* `bantin check` */
    int allow_outside;
    int dump_layout;       /* --dump=layout: box list on stdout, no files */
    const char *datadir;   /* layouts/ and fonts/ live here */
    bt_impose_opts impose; /* --impose etc.; mode NONE = plain pages */
    int print_test;        /* `bantin print-test`: the duplex test sheet */
    int timings;           /* --timings: stage times on stderr */
} bt_options;

/* Runs a build; diagnostics are left in ctx. Returns 0 or -1 (an error was
 * reported and nothing was written). */
int bt_build_run(bt_ctx *ctx, const bt_options *opt);

/* Finds the data folder: $BANTIN_DATADIR, else beside the executable (the
 * checkout: up to two levels above it), else the installed
 * PREFIX/share/bantin. Never relative to the current folder. Heap string. */
char *bt_build_datadir(const char *argv0);

#endif
