/* image.c - every image is sniffed, bounded and decoded here before a
 * writer sees it (see image.h). libharu aborts inside libpng on some PNGs
 * and passes any JPEG bytes through unchecked, so: PNGs are decoded with
 * libpng's simplified API to 8-bit pixels (+ alpha; an 8-bit grey or RGB
 * one without colour chunks also keeps its IDAT data, which the PDF takes
 * as it is), JPEGs are fully entropy-decoded with libjpeg (any warning is
 * an error) and passed through when grey/YCbCr, decoded to RGB when CMYK.
 * The EPUB gets the checked file bytes. The only file that includes png.h
 * or jpeglib.h; the only setjmp in bantin, for libjpeg's error_exit. */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bt_limits.h"
#include <png.h>
#include <zlib.h>
#include <jpeglib.h>
#include "buf.h"
#include "image.h"

/* Where an error is reported, and how the image is named in it. */
typedef struct img_src {
    bt_ctx *ctx;
    bt_pos pos;
    const char *name; /* "image 'photo.jpg'" or "image" */
} img_src;

/* ------------------------------------------------------------------ */
/* Sniffing and bounds                                                */
/* ------------------------------------------------------------------ */

static const unsigned char png_sig[8] = {0x89, 'P',  'N',  'G',
                                         '\r', '\n', 0x1a, '\n'};

/* A name for formats we recognise but refuse, or NULL. */
static const char *other_format(const unsigned char *d, size_t len)
{
    if (len == 0)
        return "empty file";
    if (len >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
        return "GIF";
    if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
        return "WebP";
    if (len >= 4 && (!memcmp(d, "II*\0", 4) || !memcmp(d, "MM\0*", 4)))
        return "TIFF";
    if (len >= 12 && !memcmp(d + 4, "ftyp", 4))
        return (!memcmp(d + 8, "avif", 4) || !memcmp(d + 8, "avis", 4))
                   ? "AVIF"
                   : "HEIF or MP4";
    if (len >= 14 && d[0] == 'B' && d[1] == 'M')
        return "BMP";
    if (len >= 5 && !memcmp(d, "%PDF-", 5))
        return "PDF";
    if (len >= 4 && !memcmp(d, "\0\0\1\0", 4))
        return "ICO";
    if (len >= 8 && !memcmp(d, "\x89PNG", 4))
        return "damaged PNG signature";
    return NULL;
}

/* Width and height from the header, checked before anything is decoded. */
static int check_size(const img_src *s, uint64_t w, uint64_t h)
{
    if (w == 0 || h == 0) {
        bt_error(s->ctx, s->pos, "%s has no pixels (%llux%llu)", s->name,
                 (unsigned long long)w, (unsigned long long)h);
        return -1;
    }
    if (w > BT_MAX_IMAGE_SIDE || h > BT_MAX_IMAGE_SIDE) {
        bt_error(s->ctx, s->pos,
                 "%s is %llux%llu pixels; the limit is %d on each side",
                 s->name, (unsigned long long)w, (unsigned long long)h,
                 BT_MAX_IMAGE_SIDE);
        return -1;
    }
    if (w * h > BT_MAX_IMAGE_PIXELS) {
        bt_error(s->ctx, s->pos,
                 "%s is %llux%llu pixels (%llu megapixels); the limit is %u",
                 s->name, (unsigned long long)w, (unsigned long long)h,
                 (unsigned long long)((w * h + 500000) / 1000000),
                 BT_MAX_IMAGE_PIXELS / 1000000);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* PNG                                                                */
/* ------------------------------------------------------------------ */

/* 1 when the 4 bytes are a chunk type libpng knows and that leaves the
 * samples as they are: the critical IHDR, IDAT, IEND, or an ancillary
 * chunk that is neither a colour chunk nor tRNS. */
static int plain_chunk(const unsigned char *t)
{
    static const char *const colour[] = {"tRNS", "gAMA", "cHRM",
                                         "sRGB", "iCCP", "sBIT"};
    for (int i = 0; i < 4; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
            return 0;
    if (!memcmp(t, "IHDR", 4) || !memcmp(t, "IDAT", 4) || !memcmp(t, "IEND", 4))
        return 1;
    if (!(t[0] & 0x20)) /* any other critical chunk (PLTE too) */
        return 0;
    for (size_t i = 0; i < sizeof colour / sizeof *colour; i++)
        if (!memcmp(t, colour[i], 4))
            return 0;
    return 1;
}

/* The PDF route of an 8-bit grey or RGB PNG, not interlaced, without
 * colour chunks (image.h, route 3): checks the file as libpng's reader
 * would refuse it, but without unfiltering the rows or keeping them:
 * every chunk's length and CRC, IHDR first, the IDAT chunks in one run,
 * IEND, and the IDAT data one complete zlib stream (Adler-32 checked) of
 * exactly height rows of 1 + width * channels bytes with filter types 0 to
 * 4. Sets width, height, channels and idat (a pointer into the file when
 * there is one IDAT chunk, else a copy in the arena) and returns 0; -1
 * when anything differs, reporting nothing: libpng then decodes the file
 * and reports what is wrong. */
static int png_idat(const img_src *s, bt_image *img)
{
    const unsigned char *d = img->file;
    size_t len = img->file_len;
    uint32_t w = bt_be32(d + 16), h = bt_be32(d + 20);
    int c = d[25] == 2 ? 3 : 1;
    if (d[24] != 8 || (d[25] != 0 && d[25] != 2) || d[26] != 0 || d[27] != 0 ||
        d[28] != 0)
        return -1;
    size_t first = 0, total = 0, p = 8;
    int nidat = 0, ended = 0, after = 0; /* after: a chunk followed IDAT */
    while (p + 12 <= len) {
        uint32_t n = bt_be32(d + p);
        const unsigned char *type = d + p + 4;
        if (n > 0x7FFFFFFFu || n > len - p - 12 || !plain_chunk(type))
            return -1;
        if (crc32(0, type, n + 4) != bt_be32(d + p + 8 + n))
            return -1;
        if ((p == 8) != !memcmp(type, "IHDR", 4))
            return -1;
        if (!memcmp(type, "IDAT", 4)) {
            if (after)
                return -1;
            if (!nidat++)
                first = p;
            total += n;
        } else if (nidat) {
            after = 1;
        }
        p += 12 + (size_t)n;
        if (!memcmp(type, "IEND", 4)) {
            ended = 1;
            break;
        }
    }
    if (!ended || !nidat || !total)
        return -1;

    const unsigned char *z = d + first + 8;
    if (nidat > 1) {
        unsigned char *cat = bt_arena_alloc(&s->ctx->arena, total);
        size_t at = 0;
        for (size_t q = first; at < total; q += 12 + (size_t)bt_be32(d + q)) {
            uint32_t n = bt_be32(d + q);
            memcpy(cat + at, d + q + 8, n);
            at += n;
        }
        z = cat;
    }
    /* inflate a row at a time into one row buffer */
    size_t stride = 1 + (size_t)w * (size_t)c;
    unsigned char *row = bt_xmalloc(stride);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int ok = inflateInit(&zs) == Z_OK;
    zs.next_in = (unsigned char *)(uintptr_t)z;
    zs.avail_in = (uInt)total;
    int zr = Z_OK;
    for (uint32_t y = 0; ok && y < h; y++) {
        zs.next_out = row;
        zs.avail_out = (uInt)stride;
        zr = inflate(&zs, Z_SYNC_FLUSH);
        ok = (zr == Z_OK || zr == Z_STREAM_END) && zs.avail_out == 0 &&
             row[0] <= 4 && (zr == Z_OK || y == h - 1);
    }
    if (ok && zr != Z_STREAM_END) { /* the stream must end right here */
        unsigned char extra;
        zs.next_out = &extra;
        zs.avail_out = 1;
        ok = inflate(&zs, Z_SYNC_FLUSH) == Z_STREAM_END && zs.avail_out == 1;
    }
    ok = ok && zs.avail_in == 0;
    inflateEnd(&zs);
    free(row);
    if (!ok)
        return -1;
    img->width = (int)w;
    img->height = (int)h;
    img->channels = c;
    img->idat = z;
    img->idat_len = total;
    return 0;
}

static int decode_png(const img_src *s, bt_image *img)
{
    const unsigned char *d = img->file;
    size_t len = img->file_len;
    /* IHDR must come first: read the size ourselves, so a huge image is
     * refused even when the rest of the file is missing */
    if (len < 8 + 8 + 13 || bt_be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4)) {
        bt_error(s->ctx, s->pos, "%s is a truncated or corrupt PNG (no IHDR)",
                 s->name);
        return -1;
    }
    uint32_t w = bt_be32(d + 16), h = bt_be32(d + 20);
    int depth = d[24], ctype = d[25];
    if (check_size(s, w, h) < 0)
        return -1;
    /* Deflate cannot compress better than 1032:1, so a file much smaller
     * than its pixel rows is truncated: say so before allocating them. */
    static const int samples[7] = {1, 0, 3, 1, 2, 0, 4};
    uint64_t rowbits = (uint64_t)w * (unsigned)depth *
                       (ctype <= 6 ? (unsigned)samples[ctype] : 4u);
    uint64_t raw = (uint64_t)h * (1 + (rowbits + 7) / 8);
    if (raw / 1032 > len) {
        bt_error(s->ctx, s->pos, "%s is a truncated PNG (%zu bytes for %ux%u)",
                 s->name, len, w, h);
        return -1;
    }

    if (png_idat(s, img) == 0)
        return 0; /* passed through: no pixels decoded or kept */

    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, d, len)) {
        bt_error(s->ctx, s->pos, "%s is a corrupt PNG: %s", s->name,
                 pi.message);
        png_image_free(&pi);
        return -1;
    }
    if (pi.width != w || pi.height != h) { /* cannot happen: same IHDR */
        bt_error(s->ctx, s->pos, "%s is a corrupt PNG (bad IHDR)", s->name);
        png_image_free(&pi);
        return -1;
    }
    /* libpng takes untagged 16-bit data as linear light; browsers and
     * image editors take it as sRGB, like 8-bit data: do the same */
    pi.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    int alpha = (pi.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    int color = (pi.format & PNG_FORMAT_FLAG_COLOR) != 0;
    pi.format = color ? (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB)
                      : (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
    size_t stride = PNG_IMAGE_ROW_STRIDE(pi);
    size_t size = PNG_IMAGE_BUFFER_SIZE(pi, stride);
    unsigned char *px = bt_arena_alloc(&s->ctx->arena, size);
    if (!png_image_finish_read(&pi, NULL, px, (png_int_32)stride, NULL)) {
        bt_error(s->ctx, s->pos, "%s is a truncated or corrupt PNG: %s",
                 s->name, pi.message);
        png_image_free(&pi);
        return -1;
    }
    png_image_free(&pi);

    img->width = (int)w;
    img->height = (int)h;
    img->channels = color ? 3 : 1;
    img->pixels = px;
    if (alpha) {
        /* split off alpha, keeping it only when something is transparent;
         * compaction runs forward in place (write index <= read index) */
        size_t n = (size_t)w * h;
        int c = img->channels;
        int opaque = 1;
        for (size_t i = 0; i < n && opaque; i++)
            opaque = px[i * (c + 1) + c] == 255;
        unsigned char *a = opaque ? NULL : bt_arena_alloc(&s->ctx->arena, n);
        for (size_t i = 0; i < n; i++) {
            const unsigned char *src = px + i * (c + 1);
            if (a)
                a[i] = src[c];
            memmove(px + i * c, src, (size_t)c);
        }
        img->alpha = a;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* JPEG                                                               */
/* ------------------------------------------------------------------ */

typedef struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
} jerr;

static void j_error_exit(j_common_ptr cinfo)
{
    jerr *e = (jerr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jb, 1);
}

/* Warnings (level -1) mean corrupt or truncated data: libjpeg would go on
 * and fill in grey, libharu would embed it as is. Stop at the first. */
static void j_emit_message(j_common_ptr cinfo, int level)
{
    jerr *e = (jerr *)cinfo->err;
    if (level >= 0)
        return; /* trace messages */
    cinfo->err->num_warnings++;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jb, 1);
}

/* CMYK (Adobe-inverted or not) -> RGB, naive but without a colour
 * management library. */
static void cmyk_row(const unsigned char *in, unsigned char *out, int w,
                     int inverted)
{
    for (int x = 0; x < w; x++, in += 4, out += 3) {
        unsigned c = in[0], m = in[1], y = in[2], k = in[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        /* now 255 = no ink */
        out[0] = (unsigned char)((c * k + 127) / 255);
        out[1] = (unsigned char)((m * k + 127) / 255);
        out[2] = (unsigned char)((y * k + 127) / 255);
    }
}

/* Reads the header and checks what bantin can use. Sets *pixels when the
 * image must be decoded to RGB/grey (CMYK, YCCK, arithmetic coding) rather
 * than passed through. May longjmp. */
static int jpeg_header(const img_src *s, struct jpeg_decompress_struct *ci,
                       int *pixels)
{
    if (jpeg_read_header(ci, TRUE) != JPEG_HEADER_OK) {
        bt_error(s->ctx, s->pos, "%s is a JPEG without an image", s->name);
        return -1;
    }
    if (check_size(s, ci->image_width, ci->image_height) < 0)
        return -1;
    if (ci->data_precision != 8) {
        bt_error(s->ctx, s->pos,
                 "%s is a %d-bit JPEG; only 8-bit is "
                 "supported",
                 s->name, ci->data_precision);
        return -1;
    }
    int nc = ci->num_components;
    J_COLOR_SPACE cs = ci->jpeg_color_space;
    if ((nc == 1 && cs == JCS_GRAYSCALE) ||
        (nc == 3 && (cs == JCS_YCbCr || cs == JCS_RGB)))
        *pixels = 0;
    else if (nc == 4 && (cs == JCS_CMYK || cs == JCS_YCCK))
        *pixels = 1;
    else {
        bt_error(s->ctx, s->pos,
                 "%s is a JPEG with an unsupported colour "
                 "space (%d components)",
                 s->name, nc);
        return -1;
    }
    /* arithmetic coding is legal JPEG but not every PDF reader has it */
    if (ci->arith_code)
        *pixels = 1;
    return 0;
}

/* Pass 1: decodes every bit of entropy-coded data - where corruption and
 * truncation show - at 1/8 scale, where the IDCT is cheap (and cannot fail
 * anyway). Nothing big is allocated before the data proved whole. */
static void jpeg_verify(bt_ctx *ctx, struct jpeg_decompress_struct *ci)
{
    ci->scale_num = 1;
    ci->scale_denom = 8;
    ci->dct_method = JDCT_IFAST;
    ci->do_fancy_upsampling = FALSE;
    jpeg_start_decompress(ci);
    size_t rowlen = (size_t)ci->output_width * (size_t)ci->output_components;
    JSAMPROW row = bt_arena_alloc(&ctx->arena, rowlen ? rowlen : 1);
    while (ci->output_scanline < ci->output_height)
        if (jpeg_read_scanlines(ci, &row, 1) != 1)
            break; /* suspension cannot happen with a memory source */
    jpeg_finish_decompress(ci);
}

/* Pass 2 (pixel route only): full-size decode to grey or RGB. */
static unsigned char *jpeg_pixels(bt_ctx *ctx,
                                  struct jpeg_decompress_struct *ci, int outc)
{
    int nc = ci->num_components;
    ci->out_color_space = nc == 4   ? JCS_CMYK /* libjpeg turns YCCK to CMYK */
                          : nc == 1 ? JCS_GRAYSCALE
                                    : JCS_RGB;
    jpeg_start_decompress(ci);
    size_t w = ci->output_width;
    size_t rowlen = w * (size_t)ci->output_components;
    JSAMPROW row = bt_arena_alloc(&ctx->arena, rowlen ? rowlen : 1);
    unsigned char *px =
        bt_arena_alloc(&ctx->arena, w * ci->output_height * (size_t)outc);
    while (ci->output_scanline < ci->output_height) {
        unsigned char *dst = px + (size_t)ci->output_scanline * w * outc;
        if (jpeg_read_scanlines(ci, &row, 1) != 1)
            break;
        if (nc == 4)
            cmyk_row(row, dst, (int)w, ci->saw_Adobe_marker);
        else
            memcpy(dst, row, rowlen);
    }
    jpeg_finish_decompress(ci);
    return px;
}

/* The decompressor and its error manager live in the arena, not on the
 * stack: nothing that changes between setjmp and longjmp is a local. */
typedef struct jstate {
    struct jpeg_decompress_struct ci;
    jerr e;
    int pixels; /* decode to pixels instead of passing through */
} jstate;

static int decode_jpeg(const img_src *s, bt_image *img)
{
    jstate *st = bt_arena_alloc(&s->ctx->arena, sizeof *st);
    st->ci.err = jpeg_std_error(&st->e.pub);
    st->e.pub.error_exit = j_error_exit;
    st->e.pub.emit_message = j_emit_message;
    if (setjmp(st->e.jb)) {
        bt_error(s->ctx, s->pos, "%s is a truncated or corrupt JPEG: %s",
                 s->name, st->e.msg);
        jpeg_destroy_decompress(&st->ci);
        return -1;
    }
    jpeg_create_decompress(&st->ci);
    /* a progressive image keeps all coefficients: 50 MP x 3 x 2 bytes */
    st->ci.mem->max_memory_to_use = 1024L * 1024 * 1024;
    jpeg_mem_src(&st->ci, img->file, (unsigned long)img->file_len);
    if (jpeg_header(s, &st->ci, &st->pixels) < 0) {
        jpeg_destroy_decompress(&st->ci);
        return -1;
    }
    img->width = (int)st->ci.image_width;
    img->height = (int)st->ci.image_height;
    jpeg_verify(s->ctx, &st->ci);
    if (st->pixels) {
        int outc = st->ci.num_components == 1 ? 1 : 3;
        jpeg_mem_src(&st->ci, img->file, (unsigned long)img->file_len);
        jpeg_read_header(&st->ci, TRUE);
        img->pixels = jpeg_pixels(s->ctx, &st->ci, outc);
        img->channels = outc;
    } else {
        img->jpeg = img->file;
        img->jpeg_len = img->file_len;
        img->jpeg_components = st->ci.num_components;
    }
    jpeg_destroy_decompress(&st->ci);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Size from the header alone                                         */
/* ------------------------------------------------------------------ */

static int size_ok(uint64_t w, uint64_t h)
{
    return w > 0 && h > 0 && w <= BT_MAX_IMAGE_SIDE && h <= BT_MAX_IMAGE_SIDE &&
           w * h <= BT_MAX_IMAGE_PIXELS;
}

/* The JPEG's first SOF, walking the marker segments as libjpeg's
 * jpeg_read_header does (fill bytes allowed, no stray bytes: libjpeg only
 * warns of those, and image.c takes a warning for an error). */
static int jpeg_size(const unsigned char *d, size_t len, int *w, int *h)
{
    size_t p = 2;
    for (;;) {
        if (p >= len || d[p] != 0xFF)
            return -1;
        while (p < len && d[p] == 0xFF)
            p++;
        if (p >= len)
            return -1;
        unsigned m = d[p++];
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue; /* TEM, RSTn: no length */
        if (m == 0xC0 || m == 0xC1 || m == 0xC2 || m == 0xC9 || m == 0xCA) {
            if (p + 7 > len || (d[p] << 8 | d[p + 1]) < 8 || d[p + 2] != 8)
                return -1;
            unsigned hh = (unsigned)(d[p + 3] << 8 | d[p + 4]);
            unsigned ww = (unsigned)(d[p + 5] << 8 | d[p + 6]);
            if (!size_ok(ww, hh))
                return -1;
            *w = (int)ww;
            *h = (int)hh;
            return 0;
        }
        /* another SOF (a kind libjpeg refuses), SOI, EOI, SOS, DNL... */
        if ((m >= 0xC3 && m <= 0xCF && m != 0xC4 && m != 0xCC) || m == 0xD8 ||
            m == 0xD9 || m == 0xDA || m == 0xDC)
            return -1;
        if (p + 2 > len)
            return -1;
        size_t seg = (size_t)(d[p] << 8 | d[p + 1]);
        if (seg < 2)
            return -1;
        p += seg;
    }
}

int bt_image_size(const unsigned char *d, size_t len, int *w, int *h)
{
    if (len >= 8 + 8 + 13 && !memcmp(d, png_sig, 8)) {
        /* decode_png takes these very bytes for the size */
        if (bt_be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4))
            return -1;
        uint32_t ww = bt_be32(d + 16), hh = bt_be32(d + 20);
        if (!size_ok(ww, hh))
            return -1;
        *w = (int)ww;
        *h = (int)hh;
        return 0;
    }
    if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return jpeg_size(d, len, w, h);
    return -1;
}

int bt_image_peek(const char *path, int *w, int *h)
{
    /* 16 KiB holds most headers; up to 256 KiB makes room for a JPEG's
     * Exif (with its thumbnail), XMP and ICC segments before its SOF */
    enum { PEEK_FIRST = 16 * 1024, PEEK_MAX = 256 * 1024 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char *d = NULL;
    size_t cap = PEEK_FIRST, len = 0;
    int rc;
    for (;;) {
        d = bt_xrealloc(d, cap);
        len += fread(d + len, 1, cap - len, f);
        rc = bt_image_size(d, len, w, h);
        if (rc == 0 || len < cap || cap >= PEEK_MAX)
            break;
        cap *= 4;
    }
    fclose(f);
    free(d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Public                                                             */
/* ------------------------------------------------------------------ */

/* data_in_arena: data already lives in ctx->arena and can be kept. */
static const bt_image *decode(const img_src *s, const unsigned char *data,
                              size_t len, int data_in_arena)
{
    bt_image *img;
    int rc;
    if (len >= 8 && !memcmp(data, png_sig, 8)) {
        img = bt_arena_alloc(&s->ctx->arena, sizeof *img);
        img->kind = BT_IMAGE_PNG;
        img->media_type = "image/png";
    } else if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 &&
               data[2] == 0xFF) {
        img = bt_arena_alloc(&s->ctx->arena, sizeof *img);
        img->kind = BT_IMAGE_JPEG;
        img->media_type = "image/jpeg";
    } else {
        const char *what = other_format(data, len);
        if (what)
            bt_error(s->ctx, s->pos, "%s is not a JPEG or PNG image (%s)",
                     s->name, what);
        else
            bt_error(s->ctx, s->pos, "%s is not a JPEG or PNG image", s->name);
        return NULL;
    }
    img->file =
        data_in_arena ? data : bt_arena_memdup(&s->ctx->arena, data, len);
    img->file_len = len;
    if (img->kind == BT_IMAGE_PNG)
        rc = decode_png(s, img);
    else
        rc = decode_jpeg(s, img);
    return rc < 0 ? NULL : img;
}

const bt_image *bt_image_decode(bt_ctx *ctx, bt_pos pos,
                                const unsigned char *data, size_t len)
{
    img_src s = {ctx, pos, "image"};
    return decode(&s, data, len, 0);
}

const bt_image *bt_image_load_named(bt_ctx *ctx, bt_pos pos, const char *path,
                                    const char *name)
{
    bt_buf b = BT_BUF_INIT;
    if (!name)
        name = path;
    if (bt_buf_read_file(&b, path, BT_MAX_IMAGE_BYTES) < 0) {
        if (errno == EFBIG)
            bt_error(ctx, pos, "image '%s' is larger than %u MB", name,
                     BT_MAX_IMAGE_BYTES / BT_MIB);
        else
            bt_error(ctx, pos, "cannot open image '%s': %s", name,
                     strerror(errno));
        bt_buf_free(&b);
        return NULL;
    }
    bt_str bytes = bt_buf_to_arena(&b, &ctx->arena);
    bt_buf_free(&b);
    img_src s = {ctx, pos, bt_arena_printf(&ctx->arena, "image '%s'", name)};
    return decode(&s, (const unsigned char *)bytes.ptr, bytes.len, 1);
}

const bt_image *bt_image_load(bt_ctx *ctx, bt_pos pos, const char *path)
{
    return bt_image_load_named(ctx, pos, path, path);
}
