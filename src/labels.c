/* labels.c - the Vietnamese and English label table (see labels.h). */
#include <string.h>
#include "labels.h"

static const char *const table[BT_L_COUNT][2] = {
    /*                  English, Vietnamese */
    [BT_L_COVER] = {"Cover", "Bìa"},
    [BT_L_TOC] = {"Contents", "Mục lục"},
    [BT_L_START] = {"Start of content", "Bắt đầu đọc"},
    [BT_L_LANDMARKS] = {"Landmarks", "Điểm mốc"},
    [BT_L_PAGELIST] = {"Page list", "Danh sách trang"},
    [BT_L_IN_ISSUE] = {"In this issue", "Trong số này"},
    [BT_L_NUMBER] = {"No.", "Số"},
    [BT_L_PAGE] = {"Page", "Trang"},
    [BT_L_PHOTO] = {"Photo: ", "Ảnh: "},
    [BT_L_BULLETIN] = {"Bulletin", "Bản tin"},
    [BT_L_SUMMARY] =
        {"A news digest of articles with headings and a clear structure, a "
         "table of contents and a page list that matches the printed PDF "
         "edition.",
         "Bản tin điện tử gồm các bài báo có tiêu đề và cấu trúc rõ ràng, có "
         "mục lục và danh sách trang ứng với bản in PDF."},
    [BT_L_SUMMARY_ALT] = {" Every image has a text alternative.",
                          " Mọi hình ảnh đều có văn bản thay thế."},
    [BT_L_JUMP_TO] = {"Continued on page", "Tiếp trang"},
    [BT_L_JUMP_FROM] = {"Continued from page", "Tiếp theo trang"},
};

static const char *const months_en[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

enum bt_label_lang bt_label_lang(const char *lang)
{
    return lang && strncmp(lang, "vi", 2) == 0 ? BT_LANG_VI : BT_LANG_EN;
}

const char *bt_label(enum bt_label_lang lang, enum bt_label which)
{
    if ((unsigned)which >= BT_L_COUNT)
        return "";
    return table[which][lang == BT_LANG_VI];
}

const char *bt_label_month(enum bt_label_lang lang, int m)
{
    if (lang == BT_LANG_VI || m < 1 || m > 12)
        return NULL;
    return months_en[m - 1];
}
