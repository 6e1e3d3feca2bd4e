/* dump.h - bt_pages as stable text (mupdf's trace device): one line per
 * box, integer 1/1000 pt, for golden tests (`bantin build --dump=layout`). */
#ifndef BT_DUMP_H
#define BT_DUMP_H

#include <stdio.h>
#include "layout.h"

void bt_dump_pages(FILE *f, const bt_pages *pages);

#endif
