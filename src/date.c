/* date.c - parsing, the output date rule and printed forms (see date.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "date.h"

/* ---- parsing ---- */

int bt_date_parse(bt_str s, bt_date *out)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s.len != 10 || s.ptr[4] != '-' || s.ptr[7] != '-')
        return -1;
    int v[3] = {0, 0, 0};
    static const int from[] = {0, 5, 8}, to[] = {4, 7, 10};
    for (int k = 0; k < 3; k++)
        for (int i = from[k]; i < to[k]; i++) {
            if (s.ptr[i] < '0' || s.ptr[i] > '9')
                return -1;
            v[k] = v[k] * 10 + (s.ptr[i] - '0');
        }
    int y = v[0], m = v[1], d = v[2];
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    if (d > max)
        return -1;
    if (out) {
        out->y = y;
        out->m = m;
        out->d = d;
    }
    return 0;
}

int bt_date_read(bt_ctx *ctx, bt_pos at, bt_str text, bt_date *out)
{
    if (bt_date_parse(text, out) == 0)
        return 0;
    bt_error(ctx, at, "bad date '%.*s': expected YYYY-MM-DD",
             (int)BT_MIN(text.len, 60), text.ptr);
    return -1;
}

int bt_date_after(bt_date a, bt_date b)
{
    return a.y > b.y ||
           (a.y == b.y && (a.m > b.m || (a.m == b.m && a.d > b.d)));
}

/* ---- days and seconds (H. Hinnant's civil calendar algorithms) ---- */

int64_t bt_date_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void bt_time_from_epoch(int64_t t, bt_time *out)
{
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    out->y = (int)(y + (m <= 2));
    out->mo = (int)m;
    out->d = (int)d;
    out->h = (int)(rem / 3600);
    out->mi = (int)(rem % 3600 / 60);
    out->s = (int)(rem % 60);
    out->epoch = t;
}

/* ---- printed forms ---- */

static void long_form(char *out, size_t n, bt_date d, enum bt_label_lang lang)
{
    if (lang == BT_LANG_VI) {
        /* Vietnamese dates are numbered: "Ngày 27 tháng 11 năm 2026" */
        if (d.d)
            snprintf(out, n, "Ngày %d tháng %d năm %d", d.d, d.m, d.y);
        else if (d.m)
            snprintf(out, n, "Tháng %d năm %d", d.m, d.y);
        else
            snprintf(out, n, "Năm %d", d.y);
        return;
    }
    const char *month = bt_label_month(lang, d.m);
    if (d.d && month)
        snprintf(out, n, "%d %s %d", d.d, month, d.y);
    else if (month)
        snprintf(out, n, "%s %d", month, d.y);
    else
        snprintf(out, n, "%d", d.y);
}

const char *bt_date_format(char *out, size_t n, bt_date d,
                           enum bt_date_form form, enum bt_label_lang lang)
{
    if (!n)
        return out;
    out[0] = 0;
    switch (form) {
    case BT_DATE_LONG:
        long_form(out, n, d, lang);
        break;
    case BT_DATE_SHORT:
        snprintf(out, n, "%d/%d/%d", d.d, d.m, d.y);
        break;
    case BT_DATE_ISO:
        snprintf(out, n, "%04d-%02d-%02d", d.y, d.m, d.d);
        break;
    case BT_DATE_ISO_KNOWN:
        if (d.y < 1 || d.y > 9999)
            break;
        if (d.m >= 1 && d.m <= 12 && d.d >= 1 && d.d <= 31)
            snprintf(out, n, "%04d-%02d-%02d", d.y, d.m, d.d);
        else if (d.m >= 1 && d.m <= 12)
            snprintf(out, n, "%04d-%02d", d.y, d.m);
        else
            snprintf(out, n, "%04d", d.y);
        break;
    }
    return out;
}

const char *bt_time_iso(char *out, size_t n, const bt_time *t)
{
    bt_time u = *t;
    if (u.y <= 0) /* only the seconds are known */
        bt_time_from_epoch(t->epoch, &u);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.y, u.mo, u.d, u.h,
             u.mi, u.s);
    return out;
}
