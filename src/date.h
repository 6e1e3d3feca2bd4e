/* date.h - calendar dates in one place: the strict YYYY-MM-DD parser of
 * the readers, the output date rule of FORMATS.md "Outputs" (with
 * SOURCE_DATE_EPOCH), and every printed form of a date (Vietnamese,
 * English, d/m/y, ISO 8601 and the dcterms timestamp). Pure C with no
 * library header: the layout engine may use it. Times are always UTC. */
#ifndef BT_DATE_H
#define BT_DATE_H

#include <stddef.h>
#include "bantin.h"
#include "diag.h"
#include "labels.h"

typedef struct bt_date {
    int y, m, d; /* 0 when absent */
} bt_date;

typedef struct bt_time {
    int y, mo, d, h, mi, s;
    int64_t epoch; /* seconds since 1970, UTC */
} bt_time;

/* Parses "YYYY-MM-DD" strictly (real calendar date). 0 ok, -1 bad. */
int bt_date_parse(bt_str s, bt_date *out);

/* Parses a reader's <date> field into *out; on a bad date reports
 * "bad date '...': expected YYYY-MM-DD" at `at` and returns -1. */
int bt_date_read(bt_ctx *ctx, bt_pos at, bt_str text, bt_date *out);

/* 1 when a is later than b (year, then month, then day). */
int bt_date_after(bt_date a, bt_date b);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; any year). */
int64_t bt_date_days(int y, int m, int d);

/* The UTC time `t` seconds after 1970-01-01. */
void bt_time_from_epoch(int64_t t, bt_time *out);

enum bt_date_form {
    BT_DATE_LONG,     /* "Ngày 27 tháng 11 năm 2026" / "27 November 2026";
                         a partial date: "Tháng 11 năm 2026", "November 2026" */
    BT_DATE_SHORT,    /* "27/11/2026" */
    BT_DATE_ISO,      /* "2026-11-27", every field written (zeros too) */
    BT_DATE_ISO_KNOWN /* "2026-11-27", "2026-11" or "2026": as precise as
                         known (dc:date); "" outside years 1..9999 */
};

/* Writes d in `form` (language `lang` for BT_DATE_LONG) into out[n];
 * returns out. 64 bytes hold every form. */
const char *bt_date_format(char *out, size_t n, bt_date d,
                           enum bt_date_form form, enum bt_label_lang lang);

/* "2026-11-27T08:30:00Z" (dcterms:modified) into out[n]; returns out. */
const char *bt_time_iso(char *out, size_t n, const bt_time *t);

#endif
