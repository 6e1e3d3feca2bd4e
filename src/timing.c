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

uint64_t bt_thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bt_timing_add(int stage, uint64_t ns)
{
    if (bt_timing_on && stage >= 0 && stage < BT_T_COUNT)
        __atomic_fetch_add(&acc[stage], ns, __ATOMIC_RELAXED);
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
        "writers", "save",      "total",  "cpu-main", "cpu-others"};
    return stage >= 0 && stage < BT_T_COUNT ? names[stage] : "?";
}
