/* labels.h - the words bantin itself puts into a bulletin ("Trong số này",
 * "Trang", "Mục lục", month names...), in Vietnamese and English, in one
 * table. Pure C with no library header: both the layout engine and the
 * EPUB writer use it. A document whose language starts with "vi" gets the
 * Vietnamese words, every other language the English ones. */
#ifndef BT_LABELS_H
#define BT_LABELS_H

enum bt_label_lang { BT_LANG_EN, BT_LANG_VI };

enum bt_label {
    BT_L_COVER,       /* "Bìa": the cover document in nav and guide */
    BT_L_TOC,         /* "Mục lục": nav's table of contents */
    BT_L_START,       /* "Bắt đầu đọc": the bodymatter landmark */
    BT_L_LANDMARKS,   /* "Điểm mốc" */
    BT_L_PAGELIST,    /* "Danh sách trang" */
    BT_L_IN_ISSUE,    /* "Trong số này": the contents list on the front */
    BT_L_NUMBER,      /* "Số": before the issue number */
    BT_L_PAGE,        /* "Trang": before the page number in the footer */
    BT_L_PHOTO,       /* "Ảnh: ": before a photo note's caption */
    BT_L_BULLETIN,    /* "Bản tin": the title of an untitled bulletin */
    BT_L_SUMMARY,     /* EPUB accessibility summary */
    BT_L_SUMMARY_ALT, /* its sentence for "every image has an alt text" */
    BT_L_JUMP_TO,     /* "Tiếp trang": before the page an article jumps to */
    BT_L_JUMP_FROM,   /* "Tiếp theo trang": before the page it came from */
    BT_L_COUNT
};

/* BT_LANG_VI when lang starts with "vi", else BT_LANG_EN (NULL too). */
enum bt_label_lang bt_label_lang(const char *lang);

/* The label's text (UTF-8, static storage). */
const char *bt_label(enum bt_label_lang lang, enum bt_label which);

/* Month m (1..12) by name: "November"; NULL for Vietnamese (months are
 * numbered: "tháng 11") and for m out of range. */
const char *bt_label_month(enum bt_label_lang lang, int m);

#endif
