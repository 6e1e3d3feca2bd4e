/* test_image.c - image.c on PNGs and JPEGs built in memory here with
 * libpng's and libjpeg's writers (the test may include them to make
 * fixtures): every PNG kind libharu gets wrong, JPEG pass-through and CMYK
 * decoding, and each refusal (truncated, foreign, too big, missing). */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <png.h>
#include <jpeglib.h>
#include <zlib.h>
#include "harness.h"
#include "buf.h"
#include "image.h"

/* ------------------------------------------------------------------ */
/* Fixture writers                                                    */
/* ------------------------------------------------------------------ */

/* The 8-bit sample of pixel (x, y), channel c: varied, deterministic. */
static unsigned sample(int x, int y, int c)
{
    return (unsigned)(x * 37 + y * 91 + c * 59 + x * y) & 0xFF;
}

static void png_to_buf(png_structp p, png_bytep data, size_t n)
{
    bt_buf_put(png_get_io_ptr(p), data, n);
}

static void png_flush_nop(png_structp p)
{
    (void)p;
}

/* Classic libpng writer (the simplified one cannot interlace). For
 * palettes, sample() picks one of 4 entries; entry 1 is transparent when
 * trns. For 16-bit, each sample is s * 257. */
static bt_buf make_png(int w, int h, int ctype, int depth, int interlace,
                       int trns)
{
    bt_buf out = BT_BUF_INIT;
    png_structp p =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(p);
    unsigned char *row = NULL;
    if (setjmp(png_jmpbuf(p))) {
        fprintf(stderr, "make_png: libpng error\n");
        abort();
    }
    png_set_write_fn(p, &out, png_to_buf, png_flush_nop);
    png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, depth, ctype,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    int chans = ctype == PNG_COLOR_TYPE_RGB          ? 3
                : ctype == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                : ctype == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                     : 1;
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[4] = {
            {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
        png_set_PLTE(p, info, pal, 4);
        if (trns) {
            png_byte t[2] = {255, 0};
            png_set_tRNS(p, info, t, 2, NULL);
        }
    }
    png_write_info(p, info);
    if (depth < 8)
        png_set_packing(p); /* rows below hold one sample per byte */
    int passes = interlace ? png_set_interlace_handling(p) : 1;
    size_t rowbytes = (size_t)w * chans * (depth == 16 ? 2 : 1);
    row = malloc(rowbytes);
    for (int pass = 0; pass < passes; pass++) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < chans; c++) {
                    unsigned v = sample(x, y, c);
                    if (ctype == PNG_COLOR_TYPE_PALETTE)
                        v &= 3;
                    else if (depth < 8)
                        v &= (1u << depth) - 1;
                    if (depth == 16) {
                        row[(x * chans + c) * 2] = (unsigned char)v;
                        row[(x * chans + c) * 2 + 1] = (unsigned char)v;
                    } else {
                        row[x * chans + c] = (unsigned char)v;
                    }
                }
            }
            png_write_row(p, row);
        }
    }
    png_write_end(p, NULL);
    png_destroy_write_struct(&p, &info);
    free(row);
    return out;
}

/* libjpeg writer: comps 1 (grey), 3 (RGB in, YCbCr out) or 4 (CMYK,
 * every pixel = cmyk[]). */
static bt_buf make_jpeg(int w, int h, int comps, int progressive, int adobe,
                        const unsigned char *cmyk)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    unsigned char *mem = NULL;
    unsigned long memlen = 0;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &mem, &memlen);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = comps;
    ci.in_color_space = comps == 1   ? JCS_GRAYSCALE
                        : comps == 3 ? JCS_RGB
                                     : JCS_CMYK;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 95, TRUE);
    if (comps == 4 && !adobe)
        ci.write_Adobe_marker = FALSE;
    if (progressive)
        jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    unsigned char *row = malloc((size_t)w * comps);
    while (ci.next_scanline < ci.image_height) {
        for (int x = 0; x < w; x++)
            for (int c = 0; c < comps; c++)
                row[x * comps + c] =
                    cmyk ? cmyk[c]
                         : (unsigned char)sample(x / 4,
                                                 (int)ci.next_scanline / 4, c);
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(row);
    bt_buf out = BT_BUF_INIT;
    bt_buf_put(&out, mem, memlen);
    free(mem);
    return out;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static const bt_image *decode_buf(bt_ctx *ctx, const bt_buf *b)
{
    bt_pos pos = {0, 3, 5};
    return bt_image_decode(ctx, pos, (const unsigned char *)b->data, b->len);
}

static const char *last_error(const bt_ctx *ctx)
{
    return ctx->ndiags ? ctx->diags[ctx->ndiags - 1].msg : "";
}

#define CHECK_ERR_HAS(ctx, needle)                                             \
    do {                                                                       \
        const char *e_ = last_error(ctx);                                      \
        CHECK(strstr(e_, needle) != NULL);                                     \
        if (!strstr(e_, needle))                                               \
            fprintf(stderr, "  message: \"%s\"\n", e_);                        \
    } while (0)

static int near(int a, int b, int tol)
{
    return a - b <= tol && b - a <= tol;
}

/* ------------------------------------------------------------------ */
/* PNG                                                                */
/* ------------------------------------------------------------------ */

static unsigned char *idat_pixels(const bt_image *im);

static void test_image__png_rgb(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_buf b = make_png(7, 5, PNG_COLOR_TYPE_RGB, 8, 0, 0);
    const bt_image *im = decode_buf(&ctx, &b);
    CHECK(im != NULL);
    if (im) {
        CHECK_INT(im->kind, BT_IMAGE_PNG);
        CHECK_STR(im->media_type, "image/png");
        CHECK_INT(im->width, 7);
        CHECK_INT(im->height, 5);
        CHECK_INT(im->channels, 3);
        CHECK(im->alpha == NULL && im->jpeg == NULL);
        CHECK_INT(im->file_len, b.len);
        CHECK(!memcmp(im->file, b.data, b.len));
        CHECK((const char *)im->file != b.data); /* a copy in the arena */
        /* 8-bit RGB goes to the PDF as its IDAT data: no pixels kept */
        CHECK(im->pixels == NULL && im->idat != NULL);
        unsigned char *px = im->idat ? idat_pixels(im) : NULL;
        CHECK(px != NULL);
        int bad = 0;
        for (int y = 0; y < 5 && px; y++)
            for (int x = 0; x < 7; x++)
                for (int c = 0; c < 3; c++)
                    bad += px[(y * 7 + x) * 3 + c] != sample(x, y, c);
        CHECK_INT(bad, 0);
        free(px);
    }
    CHECK_INT(ctx.nerrors, 0);
    bt_buf_free(&b);
    bt_ctx_free(&ctx);
}

static void test_image__png_16bit(void)
{
    static const int types[] = {PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA,
                                PNG_COLOR_TYPE_GRAY};
    for (int t = 0; t < 3; t++) {
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        bt_buf b = make_png(6, 4, types[t], 16, 0, 0);
        const bt_image *im = decode_buf(&ctx, &b);
        CHECK(im != NULL);
        if (im) {
            int c = types[t] == PNG_COLOR_TYPE_GRAY ? 1 : 3;
            CHECK_INT(im->channels, c);
            CHECK(types[t] == PNG_COLOR_TYPE_RGB_ALPHA ? im->alpha != NULL
                                                       : im->alpha == NULL);
            int bad = 0;
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 6; x++) {
                    if (im->alpha && im->alpha[y * 6 + x] != sample(x, y, 3))
                        bad++;
                    /* colour of transparent pixels is not kept exactly */
                    if (im->alpha && im->alpha[y * 6 + x] < 128)
                        continue;
                    for (int k = 0; k < c; k++)
                        bad += !near(im->pixels[(y * 6 + x) * c + k],
                                     (int)sample(x, y, k), im->alpha ? 2 : 1);
                }
            CHECK_INT(bad, 0);
        }
        bt_buf_free(&b);
        bt_ctx_free(&ctx);
    }
}

static void test_image__png_interlaced(void)
{
    static const int types[] = {PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    for (int t = 0; t < 2; t++) {
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        bt_buf b = make_png(17, 13, types[t], 8, 1, 0);
        CHECK(b.len > 29 && b.data[28] == 1); /* IHDR says Adam7 */
        const bt_image *im = decode_buf(&ctx, &b);
        CHECK(im != NULL);
        if (im) {
            CHECK_INT(im->width, 17);
            CHECK_INT(im->channels, 3);
            int bad = 0;
            for (int y = 0; y < 13; y++)
                for (int x = 0; x < 17; x++) {
                    int i = y * 17 + x;
                    if (im->alpha) {
                        bad += im->alpha[i] != sample(x, y, 3);
                        continue;
                    }
                    for (int k = 0; k < 3; k++)
                        bad += im->pixels[i * 3 + k] != sample(x, y, k);
                }
            CHECK_INT(bad, 0);
            CHECK(t == 0 ? im->alpha == NULL : im->alpha != NULL);
        }
        bt_buf_free(&b);
        bt_ctx_free(&ctx);
    }
}

static void test_image__png_palette(void)
{
    static const unsigned char pal[4][3] = {
        {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
    for (int trns = 0; trns < 2; trns++) {
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        bt_buf b = make_png(9, 8, PNG_COLOR_TYPE_PALETTE, 8, 0, trns);
        const bt_image *im = decode_buf(&ctx, &b);
        CHECK(im != NULL);
        if (im) {
            CHECK_INT(im->channels, 3);
            CHECK(trns ? im->alpha != NULL : im->alpha == NULL);
            int bad = 0;
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 9; x++) {
                    unsigned e = sample(x, y, 0) & 3;
                    int i = y * 9 + x;
                    if (im->alpha)
                        bad += im->alpha[i] != (e == 1 ? 0 : 255);
                    if (trns && e == 1)
                        continue;
                    for (int k = 0; k < 3; k++)
                        bad += im->pixels[i * 3 + k] != pal[e][k];
                }
            CHECK_INT(bad, 0);
        }
        bt_buf_free(&b);
        bt_ctx_free(&ctx);
    }
}

static void test_image__png_grey(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_buf b = make_png(5, 5, PNG_COLOR_TYPE_GRAY, 8, 0, 0);
    const bt_image *im = decode_buf(&ctx, &b);
    CHECK(im != NULL);
    if (im) {
        CHECK_INT(im->channels, 1);
        CHECK(im->alpha == NULL && im->pixels == NULL && im->idat != NULL);
        unsigned char *px = im->idat ? idat_pixels(im) : NULL;
        CHECK(px && px[2 * 5 + 3] == sample(3, 2, 0));
        free(px);
    }
    bt_buf_free(&b);
    /* 1-bit grey: 0 or 255 */
    b = make_png(10, 3, PNG_COLOR_TYPE_GRAY, 1, 0, 0);
    im = decode_buf(&ctx, &b);
    CHECK(im != NULL);
    if (im) {
        CHECK_INT(im->channels, 1);
        CHECK_INT(im->pixels[1 * 10 + 4], (sample(4, 1, 0) & 1) ? 255 : 0);
    }
    bt_buf_free(&b);
    /* grey + alpha stays one channel plus alpha */
    b = make_png(4, 4, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0);
    im = decode_buf(&ctx, &b);
    CHECK(im != NULL);
    if (im) {
        CHECK_INT(im->channels, 1);
        CHECK(im->alpha != NULL);
        if (im->alpha)
            CHECK_INT(im->alpha[5], sample(1, 1, 1));
        CHECK_INT(im->pixels[5], sample(1, 1, 0));
    }
    CHECK_INT(ctx.nerrors, 0);
    bt_buf_free(&b);
    bt_ctx_free(&ctx);
}

static void test_image__png_opaque_alpha_dropped(void)
{
    /* RGBA where every alpha is 255: no alpha, pixels compacted to RGB */
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = 3;
    pi.height = 2;
    pi.format = PNG_FORMAT_RGBA;
    unsigned char px[24];
    for (int i = 0; i < 6; i++) {
        px[i * 4] = (unsigned char)(i * 10);
        px[i * 4 + 1] = (unsigned char)(i * 20);
        px[i * 4 + 2] = (unsigned char)(i * 30);
        px[i * 4 + 3] = 255;
    }
    unsigned char mem[1024];
    png_alloc_size_t memlen = sizeof mem;
    CHECK(png_image_write_to_memory(&pi, mem, &memlen, 0, px, 0, NULL));
    const bt_image *im = bt_image_decode(&ctx, (bt_pos){0, 1, 1}, mem, memlen);
    CHECK(im != NULL);
    if (im) {
        CHECK_INT(im->channels, 3);
        CHECK(im->alpha == NULL);
        CHECK_INT(im->pixels[5 * 3 + 2], 150);
        CHECK_INT(im->pixels[4 * 3 + 1], 80);
    }
    bt_ctx_free(&ctx);
}

/* The rows of im->idat inflated and unfiltered (PNG filters 0-4), as a
 * PDF reader with /Predictor 15 gets them; NULL when they do not add up. */
static unsigned char *idat_pixels(const bt_image *im)
{
    size_t bpp = (size_t)im->channels, stride = (size_t)im->width * bpp;
    uLongf n = (uLongf)((stride + 1) * (size_t)im->height);
    unsigned char *raw = malloc(n + 1);
    uLongf got = n + 1;
    if (uncompress(raw, &got, im->idat, (uLong)im->idat_len) != Z_OK ||
        got != n) {
        free(raw);
        return NULL;
    }
    unsigned char *out = calloc(stride * (size_t)im->height, 1);
    for (size_t y = 0; y < (size_t)im->height; y++) {
        const unsigned char *in = raw + y * (stride + 1) + 1;
        unsigned char *row = out + y * stride;
        const unsigned char *up = y ? row - stride : NULL;
        int f = in[-1];
        for (size_t i = 0; i < stride; i++) {
            int a = i >= bpp ? row[i - bpp] : 0, b = up ? up[i] : 0;
            int c = up && i >= bpp ? up[i - bpp] : 0;
            int pred = bt_t_png_pred(f, a, b, c);
            row[i] = (unsigned char)(in[i] + pred);
        }
    }
    free(raw);
    return out;
}

/* b with the chunk (type, data, n) inserted after IHDR */
static bt_buf with_chunk(const bt_buf *b, const char *type,
                         const unsigned char *data, uint32_t n)
{
    bt_buf out = BT_BUF_INIT;
    bt_buf_put(&out, b->data, 33);
    unsigned char hd[8] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n};
    memcpy(hd + 4, type, 4);
    bt_buf_put(&out, hd, 8);
    bt_buf_put(&out, data, n);
    uLong crc = crc32(crc32(0, hd + 4, 4), data, n);
    unsigned char c[4] = {(unsigned char)(crc >> 24),
                          (unsigned char)(crc >> 16), (unsigned char)(crc >> 8),
                          (unsigned char)crc};
    bt_buf_put(&out, c, 4);
    bt_buf_put(&out, b->data + 33, b->len - 33);
    return out;
}

/* b with its one IDAT split in two IDAT chunks */
static bt_buf split_idat(const bt_buf *b)
{
    bt_buf out = BT_BUF_INIT;
    const unsigned char *d = (const unsigned char *)b->data;
    size_t p = 8;
    while (p + 12 <= b->len && memcmp(d + p + 4, "IDAT", 4))
        p += 12 + bt_be32(d + p);
    uint32_t n = bt_be32(d + p), h = n / 2;
    bt_buf_put(&out, b->data, p);
    for (int part = 0; part < 2; part++) {
        const unsigned char *data = d + p + 8 + (part ? h : 0);
        uint32_t m = part ? n - h : h;
        unsigned char hd[8] = {(unsigned char)(m >> 24),
                               (unsigned char)(m >> 16),
                               (unsigned char)(m >> 8),
                               (unsigned char)m,
                               'I',
                               'D',
                               'A',
                               'T'};
        bt_buf_put(&out, hd, 8);
        bt_buf_put(&out, data, m);
        uLong crc = crc32(crc32(0, hd + 4, 4), data, m);
        unsigned char c[4] = {(unsigned char)(crc >> 24),
                              (unsigned char)(crc >> 16),
                              (unsigned char)(crc >> 8), (unsigned char)crc};
        bt_buf_put(&out, c, 4);
    }
    bt_buf_put(&out, b->data + p + 12 + n, b->len - (p + 12 + n));
    return out;
}

/* 8-bit grey and RGB PNGs without colour chunks keep their IDAT data for
 * the PDF (image.h route 3) instead of pixels, and it unfilters to the
 * samples written; every other kind gets none. */
static void test_image__png_idat(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    static const int ok_types[] = {PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_GRAY};
    for (int t = 0; t < 2; t++) {
        for (int split = 0; split < 2; split++) {
            bt_buf b0 = make_png(23, 9, ok_types[t], 8, 0, 0);
            bt_buf b = split ? split_idat(&b0) : b0;
            const bt_image *im = decode_buf(&ctx, &b);
            CHECK(im != NULL && im->idat != NULL);
            if (im && im->idat) {
                /* one chunk: a pointer into the file, no copy */
                CHECK(split || (im->idat > im->file &&
                                im->idat < im->file + im->file_len));
                CHECK(im->pixels == NULL);
                unsigned char *px = idat_pixels(im);
                CHECK(px != NULL);
                int bad = 0, c = im->channels;
                for (int y = 0; y < 9 && px; y++)
                    for (int x = 0; x < 23; x++)
                        for (int k = 0; k < c; k++)
                            bad += px[(y * 23 + x) * c + k] != sample(x, y, k);
                CHECK_INT(bad, 0);
                free(px);
            }
            if (split)
                bt_buf_free(&b);
            bt_buf_free(&b0);
        }
    }
    /* refused: interlaced, 16-bit, palette, RGBA (even opaque), 1-bit grey,
     * grey + alpha */
    struct {
        int ctype, depth, interlace;
    } no[] = {
        {PNG_COLOR_TYPE_RGB, 8, 1},     {PNG_COLOR_TYPE_RGB, 16, 0},
        {PNG_COLOR_TYPE_PALETTE, 8, 0}, {PNG_COLOR_TYPE_RGB_ALPHA, 8, 0},
        {PNG_COLOR_TYPE_GRAY, 1, 0},    {PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0}};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        bt_buf b = make_png(6, 4, no[i].ctype, no[i].depth, no[i].interlace, 0);
        const bt_image *im = decode_buf(&ctx, &b);
        CHECK(im != NULL && im->idat == NULL);
        bt_buf_free(&b);
    }
    /* refused: a colour chunk or tRNS (gAMA 1/2.2, sRGB, a tRNS colour) */
    static const unsigned char gama[4] = {0, 0, 0xB1, 0x8F}, srgb[1] = {0},
                               trns[6] = {0, 1, 0, 2, 0, 3};
    bt_buf b = make_png(6, 4, PNG_COLOR_TYPE_RGB, 8, 0, 0);
    bt_buf c1 = with_chunk(&b, "gAMA", gama, 4);
    bt_buf c2 = with_chunk(&b, "sRGB", srgb, 1);
    bt_buf c3 = with_chunk(&b, "tRNS", trns, 6);
    const bt_image *im = decode_buf(&ctx, &c1);
    CHECK(im != NULL && im->idat == NULL);
    im = decode_buf(&ctx, &c2);
    CHECK(im != NULL && im->idat == NULL);
    im = decode_buf(&ctx, &c3);
    CHECK(im != NULL && im->idat == NULL);
    CHECK_INT(ctx.nerrors, 0);
    bt_buf_free(&b);
    bt_buf_free(&c1);
    bt_buf_free(&c2);
    bt_buf_free(&c3);
    bt_ctx_free(&ctx);
}

/* A PNG built here: IHDR (8-bit, ctype), one IDAT of the n raw bytes
 * (filter byte + samples per row) deflated, IEND. */
static bt_buf raw_png(int w, int h, int ctype, const unsigned char *raw,
                      size_t n)
{
    bt_buf b = BT_BUF_INIT;
    bt_buf_put(&b, "\x89PNG\r\n\x1a\n", 8);
    unsigned char hd[13] = {0, 0,
                            0, (unsigned char)w,
                            0, 0,
                            0, (unsigned char)h,
                            8, (unsigned char)ctype,
                            0, 0,
                            0};
    uLongf zlen = compressBound((uLong)n);
    unsigned char *z = malloc(zlen);
    compress2(z, &zlen, raw, (uLong)n, 6);
    /* with_chunk inserts after the 33 bytes of signature + IHDR */
    unsigned char ih[25] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    memcpy(ih + 8, hd, 13);
    uLong crc = crc32(0, ih + 4, 17);
    ih[21] = (unsigned char)(crc >> 24);
    ih[22] = (unsigned char)(crc >> 16);
    ih[23] = (unsigned char)(crc >> 8);
    ih[24] = (unsigned char)crc;
    bt_buf_put(&b, ih, 25);
    static const unsigned char iend[12] = {0,   0,   0,    0,    'I',  'E',
                                           'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    bt_buf_put(&b, iend, 12);
    bt_buf out = with_chunk(&b, "IDAT", z, (uint32_t)zlen);
    free(z);
    bt_buf_free(&b);
    return out;
}

/* What the IDAT check refuses goes to libpng, which decides: one row too
 * many is decoded (pixels, no IDAT data), a corrupt stream is an error. */
static void test_image__png_idat_fallback(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    enum { W = 5, H = 3 };
    unsigned char raw[(H + 1) * (1 + W)];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = i % (1 + W) ? (unsigned char)(i * 29) : 0;
    bt_buf ok = raw_png(W, H, 0, raw, H * (1 + W));
    bt_buf more = raw_png(W, H, 0, raw, sizeof raw);
    const bt_image *im = decode_buf(&ctx, &ok);
    CHECK(im && im->idat && !im->pixels);
    im = decode_buf(&ctx, &more);
    CHECK(im && !im->idat && im->pixels);
    if (im && im->pixels)
        CHECK_INT(im->pixels[W + 2], raw[(1 + W) + 3]);
    CHECK_INT(ctx.nerrors, 0);
    /* a wrong byte in the deflated data (CRC made right again) */
    bt_buf bad = BT_BUF_INIT;
    bt_buf_put(&bad, ok.data, ok.len);
    unsigned char *d = (unsigned char *)bad.data;
    uint32_t n = bt_be32(d + 33);
    d[33 + 8 + n / 2] ^= 0x55;
    uLong crc = crc32(0, d + 33 + 4, n + 4);
    d[33 + 8 + n] = (unsigned char)(crc >> 24);
    d[33 + 9 + n] = (unsigned char)(crc >> 16);
    d[33 + 10 + n] = (unsigned char)(crc >> 8);
    d[33 + 11 + n] = (unsigned char)crc;
    im = decode_buf(&ctx, &bad);
    CHECK(im == NULL);
    CHECK_INT(ctx.nerrors, 1);
    CHECK_ERR_HAS(&ctx, "PNG");
    bt_buf_free(&ok);
    bt_buf_free(&more);
    bt_buf_free(&bad);
    bt_ctx_free(&ctx);
}

static void test_image__png_truncated(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_buf b = make_png(40, 40, PNG_COLOR_TYPE_RGB, 8, 0, 0);
    size_t full = b.len;
    for (size_t cut = 20; cut < full; cut += full / 7) {
        int before = ctx.nerrors;
        CHECK(bt_image_decode(&ctx, (bt_pos){0, 2, 1},
                              (const unsigned char *)b.data, cut) == NULL);
        CHECK_INT(ctx.nerrors, before + 1);
        CHECK_ERR_HAS(&ctx, "PNG");
    }
    /* no IEND: decodes all rows, then misses the end: still refused? libpng
     * reads only to the last IDAT, so the pixels are complete: accepted */
    bt_buf_free(&b);
    /* a flipped bit inside IDAT: CRC error */
    b = make_png(40, 40, PNG_COLOR_TYPE_RGB, 8, 0, 0);
    b.data[b.len / 2] ^= 0x10;
    CHECK(decode_buf(&ctx, &b) == NULL);
    CHECK_ERR_HAS(&ctx, "corrupt PNG");
    CHECK_INT(ctx.diags[ctx.ndiags - 1].pos.line, 3);
    CHECK_INT(ctx.diags[ctx.ndiags - 1].pos.col, 5);
    bt_buf_free(&b);
    bt_ctx_free(&ctx);
}

/* A PNG that is only a signature and an IHDR. */
static bt_buf header_only_png(uint32_t w, uint32_t h)
{
    bt_buf b = BT_BUF_INIT;
    unsigned char ihdr[13] = {0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(w >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    bt_buf_put(&b, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
    bt_buf_put(&b, ihdr, 13);
    bt_buf_put(&b, "\0\0\0\0", 4); /* CRC not checked this early */
    return b;
}

static void test_image__png_too_big(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_buf b = header_only_png(20000, 20000);
    CHECK(decode_buf(&ctx, &b) == NULL);
    CHECK_STR(last_error(&ctx), "image is 20000x20000 pixels (400 "
                                "megapixels); the limit is 50");
    bt_buf_free(&b);
    b = header_only_png(12000, 9000);
    CHECK(decode_buf(&ctx, &b) == NULL);
    CHECK_STR(last_error(&ctx), "image is 12000x9000 pixels (108 "
                                "megapixels); the limit is 50");
    bt_buf_free(&b);
    b = header_only_png(70000, 1);
    CHECK(decode_buf(&ctx, &b) == NULL);
    CHECK_ERR_HAS(&ctx, "70000x1 pixels; the limit is 65535");
    bt_buf_free(&b);
    b = header_only_png(0, 10);
    CHECK(decode_buf(&ctx, &b) == NULL);
    CHECK_ERR_HAS(&ctx, "no pixels");
    bt_buf_free(&b);
    /* within limits but with no data: refused before allocating 48 MB */
    b = header_only_png(4000, 4000);
    CHECK(decode_buf(&ctx, &b) == NULL);
    CHECK_ERR_HAS(&ctx, "truncated PNG");
    CHECK(ctx.arena.total < 1024 * 1024);
    bt_buf_free(&b);
    CHECK_INT(ctx.nerrors, 5);
    bt_ctx_free(&ctx);
}

/* ------------------------------------------------------------------ */
/* Sniffing and files                                                 */
/* ------------------------------------------------------------------ */

static void test_image__not_an_image(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    static const unsigned char gif[] = "GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff"
                                       "\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0"
                                       "\0\x01\0\x01\0\0\x02\x02\x44\x01\0;";
    CHECK(bt_image_decode(&ctx, (bt_pos){0, 1, 1}, gif, sizeof gif - 1) ==
          NULL);
    CHECK_STR(last_error(&ctx), "image is not a JPEG or PNG image (GIF)");
    static const unsigned char text[] = "hello, world\n";
    CHECK(bt_image_decode(&ctx, (bt_pos){0, 1, 1}, text, sizeof text - 1) ==
          NULL);
    CHECK_STR(last_error(&ctx), "image is not a JPEG or PNG image");
    CHECK(bt_image_decode(&ctx, (bt_pos){0, 1, 1}, text, 0) == NULL);
    CHECK_STR(last_error(&ctx), "image is not a JPEG or PNG image (empty "
                                "file)");
    static const unsigned char webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
    CHECK(bt_image_decode(&ctx, (bt_pos){0, 1, 1}, webp, sizeof webp - 1) ==
          NULL);
    CHECK_STR(last_error(&ctx), "image is not a JPEG or PNG image (WebP)");
    static const unsigned char soi[] = {0xFF, 0xD8, 0xFF};
    CHECK(bt_image_decode(&ctx, (bt_pos){0, 1, 1}, soi, 3) == NULL);
    CHECK_ERR_HAS(&ctx, "JPEG");
    CHECK_INT(ctx.nerrors, 5);
    bt_ctx_free(&ctx);
}

static char *write_temp(const char *suffix, const void *data, size_t len)
{
    char tmpl[] = "/tmp/bt_test_image_XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return NULL;
    CHECK(write(fd, data, len) == (ssize_t)len);
    close(fd);
    size_t n = strlen(tmpl) + strlen(suffix) + 1;
    char *path = malloc(n);
    snprintf(path, n, "%s%s", tmpl, suffix);
    CHECK_INT(rename(tmpl, path), 0);
    return path;
}

static void test_image__load(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_pos at = {0, 12, 9};
    const bt_image *im = bt_image_load(&ctx, at, "/nonexistent/dir/x.png");
    CHECK(im == NULL);
    CHECK_STR(last_error(&ctx), "cannot open image '/nonexistent/dir/x.png': "
                                "No such file or directory");
    CHECK_INT(ctx.diags[0].pos.line, 12);
    CHECK_INT(ctx.diags[0].pos.col, 9);

    char *txt = write_temp(".jpg", "not a picture\n", 14);
    CHECK(txt != NULL);
    if (txt) {
        CHECK(bt_image_load(&ctx, at, txt) == NULL);
        char want[256];
        snprintf(want, sizeof want, "image '%s' is not a JPEG or PNG image",
                 txt);
        CHECK_STR(last_error(&ctx), want);
        unlink(txt);
        free(txt);
    }

    bt_buf b = make_png(3, 3, PNG_COLOR_TYPE_RGB, 8, 0, 0);
    char *png = write_temp(".jpg", b.data, b.len); /* judged by content */
    if (png) {
        im = bt_image_load(&ctx, at, png);
        CHECK(im != NULL);
        if (im) {
            CHECK_INT(im->kind, BT_IMAGE_PNG);
            CHECK_INT(im->file_len, b.len);
            CHECK(!memcmp(im->file, b.data, b.len));
        }
        unlink(png);
        free(png);
    }
    CHECK_INT(ctx.nerrors, 2);
    bt_buf_free(&b);
    bt_ctx_free(&ctx);
}

/* ------------------------------------------------------------------ */
/* JPEG                                                               */
/* ------------------------------------------------------------------ */

static void test_image__jpeg_passthrough(void)
{
    for (int k = 0; k < 3; k++) {
        int comps = k == 0 ? 1 : 3, prog = k == 2;
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        bt_buf b = make_jpeg(33, 17, comps, prog, 0, NULL);
        const bt_image *im = decode_buf(&ctx, &b);
        CHECK(im != NULL);
        if (im) {
            CHECK_INT(im->kind, BT_IMAGE_JPEG);
            CHECK_STR(im->media_type, "image/jpeg");
            CHECK_INT(im->width, 33);
            CHECK_INT(im->height, 17);
            CHECK_INT(im->jpeg_components, comps);
            CHECK(im->jpeg == im->file);
            CHECK_INT(im->jpeg_len, b.len);
            CHECK(!memcmp(im->jpeg, b.data, b.len));
            CHECK(im->pixels == NULL && im->alpha == NULL);
        }
        CHECK_INT(ctx.nerrors, 0);
        bt_buf_free(&b);
        bt_ctx_free(&ctx);
    }
}

static void test_image__jpeg_cmyk(void)
{
    /* stored values: with the Adobe marker they are inverted (255 = no
     * ink), as Photoshop writes them; without it, 0 = no ink */
    static const unsigned char red_adobe[4] = {255, 0, 0, 255};
    static const unsigned char red_plain[4] = {0, 255, 255, 0};
    static const unsigned char grey_plain[4] = {0, 0, 0, 128};
    const unsigned char *inks[3] = {red_adobe, red_plain, grey_plain};
    static const int want[3][3] = {{255, 0, 0}, {255, 0, 0}, {127, 127, 127}};
    for (int k = 0; k < 3; k++) {
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        bt_buf b = make_jpeg(16, 8, 4, 0, k == 0, inks[k]);
        const bt_image *im = decode_buf(&ctx, &b);
        CHECK(im != NULL);
        if (im) {
            CHECK(im->jpeg == NULL);
            CHECK_INT(im->channels, 3);
            CHECK_INT(im->file_len, b.len);
            int bad = 0;
            for (int i = 0; i < 16 * 8; i++)
                for (int c = 0; c < 3; c++)
                    bad += !near(im->pixels[i * 3 + c], want[k][c], 6);
            CHECK_INT(bad, 0);
        }
        bt_buf_free(&b);
        bt_ctx_free(&ctx);
    }
}

static void test_image__jpeg_truncated(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    for (int prog = 0; prog < 2; prog++) {
        bt_buf b = make_jpeg(64, 64, 3, prog, 0, NULL);
        size_t cuts[] = {2, 10, 200, b.len / 2, b.len - 2};
        for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
            int before = ctx.nerrors;
            CHECK(bt_image_decode(&ctx, (bt_pos){0, 1, 1},
                                  (const unsigned char *)b.data,
                                  cuts[i]) == NULL);
            CHECK_INT(ctx.nerrors, before + 1);
        }
        CHECK_ERR_HAS(&ctx, "truncated or corrupt JPEG: ");
        bt_buf_free(&b);
    }
    bt_ctx_free(&ctx);
}

static void test_image__jpeg_too_big(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_buf b = make_jpeg(16, 16, 3, 0, 0, NULL);
    /* patch the SOF0 frame size to 60000x60000 */
    unsigned char *d = (unsigned char *)b.data;
    int patched = 0;
    for (size_t i = 2; i + 9 < b.len; i++) {
        if (d[i] == 0xFF && d[i + 1] == 0xC0) {
            d[i + 5] = d[i + 7] = 60000 >> 8;
            d[i + 6] = d[i + 8] = 60000 & 0xFF;
            patched = 1;
            break;
        }
    }
    CHECK(patched);
    CHECK(decode_buf(&ctx, &b) == NULL);
    CHECK_STR(last_error(&ctx), "image is 60000x60000 pixels (3600 "
                                "megapixels); the limit is 50");
    bt_buf_free(&b);
    bt_ctx_free(&ctx);
}

/* ------------------------------------------------------------------ */
/* Size from the header                                               */
/* ------------------------------------------------------------------ */

/* bt_image_size gives the size the decoding gives, for every kind the
 * decoder takes, from the whole file or a prefix holding the header. */
static void test_image__size_as_decoded(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    static const unsigned char cmyk[4] = {10, 20, 30, 40};
    bt_buf bufs[] = {
        make_png(37, 5, PNG_COLOR_TYPE_RGB, 8, 0, 0),
        make_png(6, 41, PNG_COLOR_TYPE_GRAY, 16, 1, 0),
        make_png(9, 7, PNG_COLOR_TYPE_PALETTE, 8, 0, 1),
        make_jpeg(33, 18, 3, 0, 0, NULL),
        make_jpeg(19, 70, 1, 1, 0, NULL),
        make_jpeg(21, 13, 4, 0, 1, cmyk),
    };
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
        const bt_image *im = decode_buf(&ctx, &bufs[i]);
        CHECK(im != NULL);
        const unsigned char *d = (const unsigned char *)bufs[i].data;
        int w = -1, h = -1;
        CHECK_INT(bt_image_size(d, bufs[i].len, &w, &h), 0);
        if (im) {
            CHECK_INT(w, im->width);
            CHECK_INT(h, im->height);
        }
        /* the header is enough: a file cut after it still gives the size
         * (and fails to decode: the decoding has the last word) */
        size_t cut = im && im->kind == BT_IMAGE_PNG ? 33 : bufs[i].len * 2 / 3;
        w = h = -1;
        CHECK_INT(bt_image_size(d, cut, &w, &h), 0);
        if (im) {
            CHECK_INT(w, im->width);
            CHECK_INT(h, im->height);
        }
        bt_buf_free(&bufs[i]);
    }
    CHECK_INT(ctx.nerrors, 0);
    bt_ctx_free(&ctx);
}

/* No size where the header does not plainly give one the decoder takes;
 * such a build decodes its images before the layout. */
static void test_image__size_refused(void)
{
    int w = 0, h = 0;
    CHECK_INT(
        bt_image_size((const unsigned char *)"GIF89a\1\0\1\0", 10, &w, &h), -1);
    CHECK_INT(bt_image_size((const unsigned char *)"", 0, &w, &h), -1);
    bt_buf png = header_only_png(60000, 60000); /* over the pixel limit */
    CHECK_INT(bt_image_size((const unsigned char *)png.data, png.len, &w, &h),
              -1);
    bt_buf_free(&png);
    png = header_only_png(0, 10);
    CHECK_INT(bt_image_size((const unsigned char *)png.data, png.len, &w, &h),
              -1);
    bt_buf_free(&png);
    png = header_only_png(300, 200);
    CHECK_INT(bt_image_size((const unsigned char *)png.data, png.len, &w, &h),
              0);
    CHECK_INT(w, 300);
    CHECK_INT(h, 200);
    CHECK_INT(bt_image_size((const unsigned char *)png.data, 28, &w, &h), -1);
    bt_buf_free(&png);

    bt_buf j = make_jpeg(16, 16, 3, 0, 0, NULL);
    unsigned char *d = (unsigned char *)j.data;
    size_t sof = 0;
    for (size_t i = 2; i + 9 < j.len && !sof; i++)
        if (d[i] == 0xFF && d[i + 1] == 0xC0)
            sof = i;
    CHECK(sof > 0);
    /* cut before the SOF's size */
    CHECK_INT(bt_image_size(d, sof + 5, &w, &h), -1);
    /* a lossless SOF3 (libjpeg refuses it) */
    d[sof + 1] = 0xC3;
    CHECK_INT(bt_image_size(d, j.len, &w, &h), -1);
    /* 12-bit samples */
    d[sof + 1] = 0xC0;
    d[sof + 4] = 12;
    CHECK_INT(bt_image_size(d, j.len, &w, &h), -1);
    d[sof + 4] = 8;
    /* a stray byte between segments (libjpeg warns: an error here) */
    d[2] = 0x00;
    CHECK_INT(bt_image_size(d, j.len, &w, &h), -1);
    bt_buf_free(&j);
}

/* bt_image_peek reads the header from the file; -1 when there is none. */
static void test_image__peek(void)
{
    int w = 0, h = 0;
    CHECK_INT(bt_image_peek("/nonexistent/dir/x.png", &w, &h), -1);
    bt_buf j = make_jpeg(23, 11, 3, 1, 0, NULL);
    char *path = write_temp(".jpg", j.data, j.len);
    CHECK(path != NULL);
    if (path) {
        CHECK_INT(bt_image_peek(path, &w, &h), 0);
        CHECK_INT(w, 23);
        CHECK_INT(h, 11);
        unlink(path);
        free(path);
    }
    /* three 60000-byte comments before the SOF: past the first read */
    bt_buf big = BT_BUF_INIT;
    bt_buf_put(&big, j.data, 2);
    unsigned char *com = calloc(1, 60000);
    com[0] = 0xFF;
    com[1] = 0xFE;
    com[2] = 59998 >> 8;
    com[3] = 59998 & 0xFF;
    for (int k = 0; k < 3; k++)
        bt_buf_put(&big, com, 60000);
    bt_buf_put(&big, j.data + 2, j.len - 2);
    free(com);
    path = write_temp(".jpg", big.data, big.len);
    CHECK(path != NULL);
    if (path) {
        w = h = 0;
        CHECK_INT(bt_image_peek(path, &w, &h), 0);
        CHECK_INT(w, 23);
        CHECK_INT(h, 11);
        unlink(path);
        free(path);
    }
    bt_buf_free(&big);
    bt_buf_free(&j);
}

static const bt_t_case cases[] = {
    TEST(test_image__png_rgb),
    TEST(test_image__png_16bit),
    TEST(test_image__png_interlaced),
    TEST(test_image__png_palette),
    TEST(test_image__png_grey),
    TEST(test_image__png_opaque_alpha_dropped),
    TEST(test_image__png_idat),
    TEST(test_image__png_idat_fallback),
    TEST(test_image__png_truncated),
    TEST(test_image__png_too_big),
    TEST(test_image__not_an_image),
    TEST(test_image__load),
    TEST(test_image__jpeg_passthrough),
    TEST(test_image__jpeg_cmyk),
    TEST(test_image__jpeg_truncated),
    TEST(test_image__jpeg_too_big),
    TEST(test_image__size_as_decoded),
    TEST(test_image__size_refused),
    TEST(test_image__peek),
};

TEST_MAIN("test_image", cases)
