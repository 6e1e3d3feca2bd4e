/* image.h - images are sniffed, bounded and decoded here (libpng, libjpeg)
 * before any writer sees them: libharu aborts on some PNGs and accepts any
 * JPEG bytes. The only file that includes png.h or jpeglib.h. */
#ifndef BT_IMAGE_H
#define BT_IMAGE_H

#include "bantin.h"
#include "arena.h"
#include "diag.h"

enum bt_image_kind { BT_IMAGE_JPEG, BT_IMAGE_PNG };

struct bt_image {
    enum bt_image_kind kind;   /* judged by content, not by name */
    int width, height;         /* pixels */
    const char *media_type;    /* "image/jpeg" or "image/png" */
    const unsigned char *file; /* the whole checked file, for the EPUB */
    size_t file_len;
    /* PDF route 1: a verified 8-bit JPEG with 1 or 3 components (baseline
     * or progressive), passed through as is. NULL otherwise. */
    const unsigned char *jpeg;
    size_t jpeg_len;
    int jpeg_components; /* 1 or 3 */
    /* PDF route 2: decoded 8-bit pixels (PNGs of other kinds, CMYK
     * JPEGs). */
    const unsigned char *pixels; /* width*height*channels, NULL otherwise */
    int channels;                /* 1 (grey) or 3 (RGB), routes 2 and 3 */
    const unsigned char *alpha;  /* width*height, NULL when opaque */
    /* PDF route 3, instead of pixels: an 8-bit grey or RGB PNG, not
     * interlaced, with no tRNS and no colour chunk (gAMA, cHRM, sRGB, iCCP,
     * sBIT), so its pixels are the file's samples as they are: the data of
     * its IDAT chunks, concatenated (a zlib stream of PNG-filtered rows),
     * which a PDF takes as FlateDecode with /Predictor 15. Set only when
     * the chunks, their CRCs and the zlib stream (exactly height rows,
     * filter types 0-4) check out; anything else goes to libpng (route 2,
     * or an error). NULL otherwise. */
    const unsigned char *idat;
    size_t idat_len;
};
typedef struct bt_image bt_image;

/* Reads, checks and decodes the file at `path` (already resolved and
 * checked against the root). Errors (missing, not JPEG/PNG by content,
 * truncated or corrupt, over BT_MAX_IMAGE_PIXELS - refused from the header,
 * before decoding) are reported at `pos` with bt_error, and NULL returned.
 * Pixels and bytes live in ctx->arena. */
const bt_image *bt_image_load(bt_ctx *ctx, bt_pos pos, const char *path);

/* Same, naming the image `name` in diagnostics: the src as the user wrote
 * it, not the resolved real path (diagnostics name paths as the user named
 * them). NULL name = path. */
const bt_image *bt_image_load_named(bt_ctx *ctx, bt_pos pos, const char *path,
                                    const char *name);

/* The width and height decoding would give the image data[0..len) (a
 * prefix of the file is enough), read from its header alone: a PNG's IHDR,
 * the SOF of an 8-bit JPEG (image.c honours no EXIF orientation). 0 and
 * *w, *h set; -1, reporting nothing, when the header is not plainly one
 * bantin decodes (unknown format, no SOF before the scan data, a size of
 * 0 or over the limits...). A hint for laying out ahead of the decoding:
 * the decoding still checks everything and its answer wins. */
int bt_image_size(const unsigned char *data, size_t len, int *w, int *h);

/* bt_image_size of the first bytes of the file at `path` (-1 also when it
 * cannot be read). */
int bt_image_peek(const char *path, int *w, int *h);

/* Same, from memory (used by load and by the fuzzer). */
const bt_image *bt_image_decode(bt_ctx *ctx, bt_pos pos,
                                const unsigned char *data, size_t len);

#endif
