/* timing.c - stage timings (see timing.h). */
#include <time.h>
#include "timing.h"

int bt_timing_on;

static uint64_t acc[BT_T_COUNT];

uint64_t bt_time_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bt_timing_add(int stage, uint64_t ns)
{
    if (bt_timing_on && stage >= 0 && stage < BT_T_COUNT)
        acc[stage] += ns;
}

double bt_timing_ms(int stage)
{
    return stage >= 0 && stage < BT_T_COUNT ? (double)acc[stage] / 1e6 : 0;
}

const char *bt_timing_name(int stage)
{
    static const char *const names[BT_T_COUNT] = {
        "read",    "normalise", "images", "fonts",    "layout",
        "shape",   "pdf-fonts", "pdf",    "pdf-save", "epub",
        "writers", "save",      "total"};
    return stage >= 0 && stage < BT_T_COUNT ? names[stage] : "?";
}
