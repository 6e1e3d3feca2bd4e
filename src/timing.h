/* timing.h - wall-clock stage timings for `bantin build --timings`, and
 * the CPU time of the build's threads. Off by default: a stage costs one
 * flag test then. Slots are added to atomically (the threads that end add
 * their CPU time to one) and read after every thread is joined. Never used
 * in a test's assertion: timings are for `make bench`. */
#ifndef BT_TIMING_H
#define BT_TIMING_H

#include <stdint.h>

enum bt_stage {
    BT_T_READ,      /* inputs parsed into the document (includes normalise) */
    BT_T_NORMALISE, /* UTF-8 check, NFC, whitespace: inside read */
    BT_T_IMAGES,    /* decoding images */
    BT_T_FONTS,     /* fontconfig and font lookup */
    BT_T_LAYOUT,    /* shaping, line breaking and page make-up, interleaved */
    BT_T_SHAPE,     /* HarfBuzz and its word cache: inside layout */
    BT_T_PDF_FONTS, /* subsetting and loading the PDF's fonts: inside PDF */
    BT_T_PDF,       /* PDF writer: drawing, fonts, deflate, into memory */
    BT_T_PDF_SAVE,  /* libharu's serialisation (deflate): inside PDF */
    BT_T_EPUB,      /* EPUB writer: XHTML, fonts, zip, into memory */
    BT_T_WRITERS,   /* both writers, wall (they may run in parallel) */
    BT_T_SAVE,      /* temp files written, synced and renamed */
    BT_T_TOTAL,
    BT_T_CPU_MAIN,   /* CPU time of the main thread, from the program's start
                        (the dynamic loader's work included) */
    BT_T_CPU_OTHERS, /* CPU time of the build's other threads, each added as
                        it ends (bt_fsout_thread starts them all) */
    BT_T_COUNT
};

extern int bt_timing_on;

uint64_t bt_time_ns(void);                  /* monotonic clock */
uint64_t bt_thread_cpu_ns(void);            /* the calling thread's CPU time */
void bt_timing_add(int stage, uint64_t ns); /* no-op when off */
double bt_timing_ms(int stage);
const char *bt_timing_name(int stage);

#endif
