/* fuzz_image.c - libFuzzer target for image.c: any bytes go through
 * bt_image_decode with a fresh context; it must answer with an image or an
 * error, never crash, hang or leak. Seeds: tests/fuzz/corpus/image/. */
#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_pos pos = {0, 1, 1};
    const bt_image *im = bt_image_decode(&ctx, pos, data, size);
    if (im) {
        /* touch what the writers would read */
        BT_ASSERT(im->width > 0 && im->height > 0 && im->file_len == size);
        /* exactly one PDF route */
        BT_ASSERT((im->jpeg != NULL) + (im->pixels != NULL) +
                      (im->idat != NULL) ==
                  1);
        if (im->pixels) {
            size_t n = (size_t)im->width * (size_t)im->height;
            volatile unsigned sum = im->pixels[n * (size_t)im->channels - 1];
            if (im->alpha)
                sum += im->alpha[n - 1];
            (void)sum;
        }
        if (im->idat) { /* PNG data passed through to the PDF */
            BT_ASSERT(!im->alpha && im->idat_len > 0 &&
                      (im->channels == 1 || im->channels == 3));
            volatile unsigned char last = im->idat[im->idat_len - 1];
            (void)last;
        }
    } else {
        BT_ASSERT(ctx.nerrors == 1);
    }
    bt_ctx_free(&ctx);
    return 0;
}
