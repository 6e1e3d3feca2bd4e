/* test_date.c - date.c (parsing, output date rule, printed forms) and the
 * label table of labels.c. No files, no clock: SOURCE_DATE_EPOCH is set
 * and unset by the cases that need it. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "date.h"
#include "model.h"
#include "labels.h"

static bt_str S(const char *s)
{
    return (bt_str){s, strlen(s)};
}

static void test_date__parse(void)
{
    bt_date d = {0, 0, 0};
    CHECK_INT(bt_date_parse(S("2024-02-29"), &d), 0);
    CHECK_INT(d.y, 2024);
    CHECK_INT(d.m, 2);
    CHECK_INT(d.d, 29);
    CHECK_INT(bt_date_parse(S("2023-02-29"), &d), -1); /* not a leap year */
    CHECK_INT(bt_date_parse(S("2026-13-01"), &d), -1);
    CHECK_INT(bt_date_parse(S("2026-1-01"), &d), -1);
    CHECK_INT(bt_date_parse(S("27/11/2026"), &d), -1);
}

static void test_date__read_error(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_date d = {0, 0, 0};
    CHECK_INT(bt_date_read(&ctx, bt_pos_file(0), S("2026-11-27"), &d), 0);
    CHECK_INT(ctx.ndiags, 0);
    CHECK_INT(bt_date_read(&ctx, bt_pos_file(0), S("hôm qua"), &d), -1);
    CHECK_INT(ctx.ndiags, 1);
    CHECK_STR(ctx.diags[0].msg, "bad date 'hôm qua': expected YYYY-MM-DD");
    bt_ctx_free(&ctx);
}

static void test_date__epoch(void)
{
    CHECK_INT(bt_date_days(1970, 1, 1), 0);
    CHECK_INT(bt_date_days(1980, 1, 1) * 86400, 315532800);
    bt_time t;
    bt_time_from_epoch(1790000000, &t); /* 2026-09-21 14:13:20 UTC */
    CHECK_INT(t.y, 2026);
    CHECK_INT(t.mo, 9);
    CHECK_INT(t.d, 21);
    CHECK_INT(t.h, 14);
    CHECK_INT(t.mi, 13);
    CHECK_INT(t.s, 20);
    char b[64];
    CHECK_STR(bt_time_iso(b, sizeof b, &t), "2026-09-21T14:13:20Z");
    bt_time only = {0, 0, 0, 0, 0, 0, 315532800};
    CHECK_STR(bt_time_iso(b, sizeof b, &only), "1980-01-01T00:00:00Z");
}

static void test_date__forms(void)
{
    char b[64];
    bt_date d = {2026, 11, 27}, m = {2026, 11, 0}, y = {2026, 0, 0};
    CHECK_STR(bt_date_format(b, sizeof b, d, BT_DATE_LONG, BT_LANG_VI),
              "Ngày 27 tháng 11 năm 2026");
    CHECK_STR(bt_date_format(b, sizeof b, m, BT_DATE_LONG, BT_LANG_VI),
              "Tháng 11 năm 2026");
    CHECK_STR(bt_date_format(b, sizeof b, y, BT_DATE_LONG, BT_LANG_VI),
              "Năm 2026");
    CHECK_STR(bt_date_format(b, sizeof b, d, BT_DATE_LONG, BT_LANG_EN),
              "27 November 2026");
    CHECK_STR(bt_date_format(b, sizeof b, m, BT_DATE_LONG, BT_LANG_EN),
              "November 2026");
    CHECK_STR(bt_date_format(b, sizeof b, (bt_date){2026, 3, 5}, BT_DATE_SHORT,
                             BT_LANG_VI),
              "5/3/2026");
    CHECK_STR(bt_date_format(b, sizeof b, (bt_date){987, 3, 5}, BT_DATE_ISO,
                             BT_LANG_EN),
              "0987-03-05");
    CHECK_STR(bt_date_format(b, sizeof b, m, BT_DATE_ISO_KNOWN, BT_LANG_EN),
              "2026-11");
    CHECK_STR(bt_date_format(b, sizeof b, (bt_date){0, 0, 0}, BT_DATE_ISO_KNOWN,
                             BT_LANG_EN),
              "");
}

static void test_date__output_rule(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_doc doc;
    memset(&doc, 0, sizeof doc);
    unsetenv("SOURCE_DATE_EPOCH");
    CHECK_INT(bt_date_output(&ctx, &doc), 0); /* no date at all: 1980 */
    CHECK_INT(doc.stamp.epoch, 315532800);
    doc.date = (bt_date){2026, 11, 27};
    CHECK_INT(bt_date_output(&ctx, &doc), 0);
    CHECK_INT(doc.stamp.epoch, bt_date_days(2026, 11, 27) * 86400);
    setenv("SOURCE_DATE_EPOCH", "1790000000", 1);
    CHECK_INT(bt_date_output(&ctx, &doc), 0);
    CHECK_INT(doc.stamp.epoch, 1790000000);
    setenv("SOURCE_DATE_EPOCH", "12x", 1);
    CHECK_INT(bt_date_output(&ctx, &doc), -1);
    CHECK_INT(ctx.ndiags, 1);
    unsetenv("SOURCE_DATE_EPOCH");
    bt_ctx_free(&ctx);
}

static void test_date__labels(void)
{
    CHECK_INT(bt_label_lang("vi"), BT_LANG_VI);
    CHECK_INT(bt_label_lang("vi-VN"), BT_LANG_VI);
    CHECK_INT(bt_label_lang("en"), BT_LANG_EN);
    CHECK_INT(bt_label_lang(NULL), BT_LANG_EN);
    CHECK_STR(bt_label(BT_LANG_VI, BT_L_IN_ISSUE), "Trong số này");
    CHECK_STR(bt_label(BT_LANG_EN, BT_L_IN_ISSUE), "In this issue");
    CHECK_STR(bt_label(BT_LANG_VI, BT_L_PAGE), "Trang");
    CHECK_STR(bt_label(BT_LANG_VI, BT_L_TOC), "Mục lục");
    for (int k = 0; k < BT_L_COUNT; k++) {
        CHECK(*bt_label(BT_LANG_VI, (enum bt_label)k));
        CHECK(*bt_label(BT_LANG_EN, (enum bt_label)k));
    }
    CHECK_STR(bt_label_month(BT_LANG_EN, 12), "December");
    CHECK(bt_label_month(BT_LANG_VI, 12) == NULL);
    CHECK(bt_label_month(BT_LANG_EN, 13) == NULL);
}

static const bt_t_case cases[] = {
    TEST(test_date__parse),       TEST(test_date__read_error),
    TEST(test_date__epoch),       TEST(test_date__forms),
    TEST(test_date__output_rule), TEST(test_date__labels),
};

TEST_MAIN("test_date", cases)
