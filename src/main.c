/* main.c - the CLI: argv -> bt_options -> bt_build_run(); prints the
 * diagnostics in the order found; exit 0 (ok), 1 (input errors, nothing
 * written), 2 (usage). A thin layer, like cmark's main.c. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bantin.h"
#include "build.h"
#include "diag.h"
#include "import.h"

/* "0.2" or "0.2mm" -> mpt, 0..max mm. */
static int parse_mm(const char *s, int max, int32_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !(v >= 0 && v <= max) ||
        (*end && strcmp(end, "mm") != 0))
        return -1;
    *out = (int32_t)(v * 72000.0 / 25.4 + 0.5);
    return 0;
}

static void usage(FILE *f)
{
    fputs(
        "usage: bantin build FILE... [-o DIR] [--layout NAME|FILE]\n"
        "                    [--pdf-only|--epub-only] [--allow-outside] "
        "[-q|-v]\n"
        "                    [--impose booklet|2up|4up] [--duplex short|long]\n"
        "                    [--creep MM] [--marks] [--bleed MM] [--timings]\n"
        "       bantin check FILE... [--layout NAME|FILE] [--allow-outside]\n"
        "       bantin print-test --impose booklet|2up|4up [--duplex "
        "short|long] [-o DIR]\n"
        "       bantin import PAGE.html [-o ARTICLE.xml]\n"
        "       bantin --help | --version\n"
        "\n"
        "Turns news articles into a printable PDF bulletin and an EPUB 3 "
        "digest.\n"
        "FILE is a bulletin manifest (root <bulletin>) or article files\n"
        "(.xml with root <article>, .txt clippings, .html saved pages);\n"
        "see bantin(1). import writes a saved page's article as XML.\n"
        "\n"
        "  build            write ISSUE.pdf and ISSUE.epub next to the "
        "manifest\n"
        "                   (or the first article), or into -o DIR\n"
        "  check            everything build does except writing; reports "
        "up to\n"
        "                   20 problems\n"
        "  -o, --output DIR write the outputs into DIR (created if missing)\n"
        "  --layout NAME|FILE  a layout from the data folder (a4-3col, "
        "a4-2col,\n"
        "                   a5-2col, a5-2col-flow) or a layout file;\n"
        "                   default: the manifest's <layout>, else "
        "a4-3col\n"
        "  --pdf-only, --epub-only  write one of the two outputs\n"
        "  --impose MODE    print sheets instead of pages (A4): booklet "
        "(saddle\n"
        "                   stitch, 2 pages a side, fold and staple), 2up (2 "
        "pages\n"
        "                   a side in reading order), 4up (4 pages a side)\n"
        "  --duplex EDGE    the edge the printer flips on: short (default "
        "for\n"
        "                   booklet and 2up) or long (backs turned 180 "
        "degrees)\n"
        "  --creep MM       booklet: move inner sheets' pages toward the "
        "spine\n"
        "                   by MM/2 per sheet (0 to 2)\n"
        "  --marks          crop marks (and the fold mark of a booklet)\n"
        "  --bleed MM       bleed around each page, 0 to 10 (sets "
        "BleedBox/TrimBox)\n"
        "  print-test       write print-test-MODE.pdf: one sheet to check "
        "the\n"
        "                   printer's two-sided setting\n"
        "  --allow-outside  allow inputs and images outside the bulletin's "
        "folder\n"
        "  -q, --quiet      print errors only\n"
        "  -v, --verbose    also print what was written\n"
        "  --timings        print the time of each stage, and the threads'\n"
        "                   CPU time, on stderr\n"
        "  -h, --help       this text\n"
        "  --version        the version\n"
        "\n"
        "Diagnostics go to stderr as FILE:LINE:COL: error|warning|note: "
        "TEXT.\n"
        "Exit status: 0 success (warnings allowed), 1 input errors (nothing "
        "is\n"
        "written), 2 usage error.\n"
        "Environment: BANTIN_DATADIR (layouts/ and fonts/), "
        "SOURCE_DATE_EPOCH\n"
        "(the date written into outputs), BANTIN_HYPHEN_DIC (hyphenation\n"
        "patterns for foreign words).\n",
        f);
}

/* bantin import PAGE.html [-o ARTICLE.xml] */
static int import_main(int argc, char **argv)
{
    const char *page = NULL, *out = NULL;
    for (int i = 2; i < argc; i++) {
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) &&
            i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] == '-' || page) {
            usage(stderr);
            return 2;
        } else
            page = argv[i];
    }
    if (!page) {
        fprintf(stderr, "bantin: import needs one page (.html)\n");
        return 2;
    }
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    int rc = bt_import_run(&ctx, page, out);
    bt_diag_print(&ctx, stderr, 0);
    int errors = ctx.nerrors;
    bt_ctx_free(&ctx);
    return rc == 0 && errors == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    enum {
        OPT_LAYOUT = 256,
        OPT_PDF,
        OPT_EPUB,
        OPT_OUTSIDE,
        OPT_VERSION,
        OPT_DUMP,
        OPT_IMPOSE,
        OPT_DUPLEX,
        OPT_CREEP,
        OPT_MARKS,
        OPT_BLEED,
        OPT_TIMINGS
    };
    /* Two malloc arenas: glibc would give each thread that allocates
     * (fontconfig's start, the helper beside the layout, the stream
     * deflaters, the EPUB writer) an arena of its own, whose freed memory
     * stays in the peak RSS. With one, the layout waited on the lock the
     * helper's image decoding and hb-subset kept taking (10 articles:
     * layout 21.4 -> 17.9 ms with two, peak RSS the same; 100: +1 MB). */
#ifdef M_ARENA_MAX
    mallopt(M_ARENA_MAX, 2);
#endif
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"layout", required_argument, NULL, OPT_LAYOUT},
        {"pdf-only", no_argument, NULL, OPT_PDF},
        {"epub-only", no_argument, NULL, OPT_EPUB},
        {"allow-outside", no_argument, NULL, OPT_OUTSIDE},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"dump", required_argument, NULL, OPT_DUMP},
        {"impose", required_argument, NULL, OPT_IMPOSE},
        {"duplex", required_argument, NULL, OPT_DUPLEX},
        {"creep", required_argument, NULL, OPT_CREEP},
        {"marks", no_argument, NULL, OPT_MARKS},
        {"bleed", required_argument, NULL, OPT_BLEED},
        {"timings", no_argument, NULL, OPT_TIMINGS},
        {NULL, 0, NULL, 0}};
    bt_options opt;
    memset(&opt, 0, sizeof opt);
    opt.outputs = BT_OUT_PDF | BT_OUT_EPUB;
    int verbose = 0, pdf_only = 0, epub_only = 0, print_opts = 0;

    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("bantin %s\n", BT_VERSION);
        return 0;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "import") == 0)
        return import_main(argc, argv);
    if (strcmp(cmd, "build") == 0) {
        opt.check_only = 0;
    } else if (strcmp(cmd, "check") == 0) {
        opt.check_only = 1;
    } else if (strcmp(cmd, "print-test") == 0) {
        opt.print_test = 1;
    } else {
        fprintf(stderr,
                "bantin: unknown command '%s' (expected build, "
                "check, import or print-test)\n",
                cmd);
        usage(stderr);
        return 2;
    }
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "o:qvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            opt.outdir = optarg;
            break;
        case OPT_LAYOUT:
            opt.layout = optarg;
            break;
        case OPT_PDF:
            pdf_only = 1;
            break;
        case OPT_EPUB:
            epub_only = 1;
            break;
        case OPT_OUTSIDE:
            opt.allow_outside = 1;
            break;
        case 'q':
            verbose = -1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("bantin %s\n", BT_VERSION);
            return 0;
        case OPT_DUMP:
            if (strcmp(optarg, "layout") != 0) {
                fprintf(stderr, "bantin: --dump takes 'layout'\n");
                return 2;
            }
            opt.dump_layout = 1;
            break;
        case OPT_IMPOSE:
            opt.impose.mode = bt_impose_mode_parse(optarg);
            if (opt.impose.mode < 0) {
                fprintf(stderr,
                        "bantin: --impose takes booklet, 2up or 4up, "
                        "not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_DUPLEX:
            if (strcmp(optarg, "short") == 0)
                opt.impose.duplex = BT_DUPLEX_SHORT;
            else if (strcmp(optarg, "long") == 0)
                opt.impose.duplex = BT_DUPLEX_LONG;
            else {
                fprintf(stderr,
                        "bantin: --duplex takes short or long, not "
                        "'%s'\n",
                        optarg);
                return 2;
            }
            print_opts |= 1;
            break;
        case OPT_CREEP:
        case OPT_BLEED:
            if (parse_mm(optarg, c == OPT_CREEP ? 2 : 10,
                         c == OPT_CREEP ? &opt.impose.creep
                                        : &opt.impose.bleed) != 0) {
                fprintf(stderr,
                        "bantin: --%s takes millimetres from 0 to "
                        "%d (e.g. 0.2 or 0.2mm), not '%s'\n",
                        c == OPT_CREEP ? "creep" : "bleed",
                        c == OPT_CREEP ? 2 : 10, optarg);
                return 2;
            }
            print_opts |= c == OPT_CREEP ? 2 : 4;
            break;
        case OPT_TIMINGS:
            opt.timings = 1;
            break;
        case OPT_MARKS:
            opt.impose.marks = 1;
            print_opts |= 4;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (print_opts && opt.impose.mode == BT_IMPOSE_NONE) {
        fprintf(stderr, "bantin: --duplex, --creep, --marks and --bleed need "
                        "--impose\n");
        return 2;
    }
    if ((print_opts & 2) && opt.impose.mode != BT_IMPOSE_BOOKLET) {
        fprintf(stderr, "bantin: --creep is for --impose booklet\n");
        return 2;
    }
    if (opt.impose.mode != BT_IMPOSE_NONE && epub_only) {
        fprintf(stderr, "bantin: --impose is for the PDF; it cannot go with "
                        "--epub-only\n");
        return 2;
    }
    if (opt.print_test) {
        if (opt.impose.mode == BT_IMPOSE_NONE) {
            fprintf(stderr, "bantin: print-test needs --impose booklet, 2up "
                            "or 4up\n");
            return 2;
        }
        if (optind < argc || (print_opts & ~1) || pdf_only || epub_only) {
            fprintf(stderr, "bantin: print-test takes only --impose, "
                            "--duplex and -o\n");
            return 2;
        }
    }
    if (pdf_only && epub_only) {
        fprintf(stderr, "bantin: --pdf-only and --epub-only exclude each "
                        "other\n");
        return 2;
    }
    if (pdf_only)
        opt.outputs = BT_OUT_PDF;
    if (epub_only)
        opt.outputs = BT_OUT_EPUB;
    if (optind >= argc && !opt.print_test) {
        fprintf(stderr, "bantin: %s needs at least one input file\n", cmd);
        usage(stderr);
        return 2;
    }
    if (opt.check_only && opt.outdir) {
        fprintf(stderr, "bantin: check writes nothing; -o is for build\n");
        return 2;
    }
    opt.inputs = argv + optind;
    opt.ninputs = argc - optind;
    char *datadir = bt_build_datadir(argv[0]);
    opt.datadir = datadir;

    bt_ctx ctx;
    bt_ctx_init(&ctx);
    ctx.verbose = verbose;
    int rc = bt_build_run(&ctx, &opt);
    if (verbose < 0) {
        /* -q: errors and the notes that follow them; no warnings */
        int w = 0, keep = 0;
        for (int i = 0; i < ctx.ndiags; i++) {
            if (ctx.diags[i].level != BT_DIAG_NOTE)
                keep = ctx.diags[i].level == BT_DIAG_ERROR;
            if (keep)
                ctx.diags[w++] = ctx.diags[i];
        }
        ctx.ndiags = w;
    }
    bt_diag_print(&ctx, stderr, 0);
    int errors = ctx.nerrors;
    bt_ctx_free(&ctx);
    free(datadir);
    return rc == 0 && errors == 0 ? 0 : 1;
}
