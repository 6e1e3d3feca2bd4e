/* bt_limits.h - every input, size and depth cap of bantin, in one place
 * (md4c's "internal limits"). Hostile input meets one of these and gets an
 * error, never a crash, a hang or unbounded memory. */
#ifndef BT_LIMITS_H
#define BT_LIMITS_H

/* Messages print byte caps in MiB, built from the values below:
 * "file is larger than %u MiB", BT_MAX_INPUT_BYTES / BT_MIB. */
#define BT_MIB (1024u * 1024)

#define BT_MAX_INPUT_BYTES  (64u * BT_MIB) /* any one input file */
#define BT_MAX_XML_DEPTH    256 /* element nesting in any XML input */
#define BT_MAX_INLINE_DEPTH 32  /* em/strong/a nesting inside a paragraph */
#define BT_MAX_ERRORS       20  /* diagnostics stop being recorded after this */
#define BT_MAX_ARTICLES     10000 /* per bulletin */
#define BT_MAX_BLOCKS                                                          \
    100000                 /* paragraphs, headings, items, figures             \
                            * per article (a 60 MB clipping of                 \
                            * tiny paragraphs stops here) */
#define BT_MAX_FILES 60000 /* distinct files named in diagnostics */
#define BT_MAX_IMAGE_PIXELS                                                    \
    50000000u                       /* 50 megapixels, refused before decoding */
#define BT_MAX_IMAGE_SIDE     65535 /* width or height */
#define BT_MAX_IMAGE_BYTES    (64u * BT_MIB)
#define BT_MAX_PAGES          20000 /* a runaway layout stops with an error */
#define BT_MAX_WORD_CHARS     4096  /* longer "words" are split for shaping */
#define BT_MAX_FONTS          64    /* faces in one build, fallbacks included */
#define BT_MAX_LAYOUT_BYTES   (1u * BT_MIB)
#define BT_MAX_LAYOUT_NAME    63 /* bytes of a layout name (layouts/NAME.xml) */
#define BT_MAX_LAYOUTS_LISTED 64 /* names in "unknown layout" messages */
#define BT_MAX_ID_BYTES       64 /* an article id (ASCII slug) */
#define BT_MAX_CLIP_AUTHORS                                                    \
    3 /* trailing short paragraphs of a                                        \
       * clipping taken as authors; a longer                                   \
       * run is more likely a list */
/* A line may span at most this many legal breakpoints. TeX has no such cap;
 * it bounds the active list (and the running time, O(n x active)) when
 * zero-width items or huge shrink keep lines from ever becoming overfull.
 * No real line of text comes near it. */
#define BT_MAX_LINE_BREAKS 512
/* Shaped paragraphs the shaping memo keeps (shape.c): the first ones up to
 * this many bytes; past it, paragraphs are shaped each time they are set.
 * A 100-article digest is 10 MiB, most of which the layout would hold
 * anyway (its lines point into the glyphs). */
#define BT_SHAPE_MEMO_BYTES (4u * BT_MIB)
/* The measured words a build keeps (shape.c, bt_wordmemo): a few thousand
 * syllables make most of any Vietnamese text. */
#define BT_WORD_MEMO_BYTES (1u * BT_MIB)
/* ... unless the whole bulletin fits in BT_SHAPE_MEMO_WHOLE_BYTES, by an
 * estimate of BT_SHAPE_MEMO_PER_TEXT_BYTE memo bytes per byte of its text
 * (a 100-article digest: 263 KB of text, 10 MiB of shaped paragraphs): then
 * every pass after the first is served whole. The memo only pays when it
 * holds what the next pass sets again from its start, so a bulletin too
 * big for that keeps the small budget; either way memory is bounded. */
#define BT_SHAPE_MEMO_WHOLE_BYTES   (12u * BT_MIB)
#define BT_SHAPE_MEMO_PER_TEXT_BYTE 40u
/* bt_layout_stream keeps the pages of a bulletin of at most this much
 * text (bt_doc_text_bytes) to the end of its first pass, gives the table of
 * contents its page numbers there and hands them out, instead of setting
 * the bulletin a second time (a 100-article digest: 263 KB of text, its
 * pages' boxes about 4 MB) */
#define BT_REPLAY_TEXT_BYTES (320u * 1024)
/* the line-break memo (layout_line.c): breaks of paragraphs set before */
#define BT_BREAK_MEMO_BYTES (4u * BT_MIB)
/* a streamed PDF keeps this much of its pages' deflated contents in
 * memory; the rest goes to a scratch file in the output folder (pdf_out.c
 * spool_page), so a bulletin of a few pages needs no more disk than its
 * outputs */
#define BT_PDF_SPOOL_AFTER (1u * BT_MIB)

#endif
