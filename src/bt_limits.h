/* limits.h - every input, size and depth cap of bantin, in one place
 * (md4c's "internal limits"). Hostile input meets one of these and gets an
 * error, never a crash, a hang or unbounded memory. */
#ifndef BT_LIMITS_H
#define BT_LIMITS_H

#define BT_MAX_INPUT_BYTES (64u * 1024 * 1024) /* any one input file */
#define BT_MAX_XML_DEPTH 256          /* element nesting in any XML input */
#define BT_MAX_INLINE_DEPTH 32        /* em/strong/a nesting inside a paragraph */
#define BT_MAX_ERRORS 20              /* diagnostics stop being recorded after this */
#define BT_MAX_ARTICLES 10000         /* per bulletin */
#define BT_MAX_BLOCKS 100000          /* paragraphs, headings, items, figures
                                       * per article (a 60 MB clipping of
                                       * tiny paragraphs stops here) */
#define BT_MAX_FILES 60000            /* distinct files named in diagnostics */
#define BT_MAX_IMAGE_PIXELS 50000000u /* 50 megapixels, refused before decoding */
#define BT_MAX_IMAGE_SIDE 65535       /* width or height */
#define BT_MAX_IMAGE_BYTES (64u * 1024 * 1024)
#define BT_MAX_PAGES 20000            /* a runaway layout stops with an error */
#define BT_MAX_WORD_CHARS 4096        /* longer "words" are split for shaping */
#define BT_MAX_FONTS 64               /* faces in one build, fallbacks included */
#define BT_MAX_LAYOUT_BYTES (1u * 1024 * 1024)

#endif
