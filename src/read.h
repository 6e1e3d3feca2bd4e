/* read.h - the readers: files -> bt_doc. read_bulletin.c (manifest and
 * direct article lists), read_article.c (article XML), read_clip.c (.txt
 * clippings), read_layout.c (layouts/ *.xml), and read_common.c, the
 * helpers they share (never one reader calling another's helpers; private
 * ones in read_int.h). Each reports problems with bt_error and moves on,
 * so `bantin check` can report many. */
#ifndef BT_READ_H
#define BT_READ_H

#include "bantin.h"
#include "date.h"
#include "diag.h"
#include "model.h"
#include "xmlin.h"

/* Article XML, already parsed: checks the structure against FORMATS.md §1
 * and fills a new article. `dir` is the real folder of the file (for img
 * paths), `root` the bulletin root (real path), allow_outside from the CLI.
 * Returns NULL when the article has no usable title; one with other errors
 * (reported) is still returned, so later stages can check it too. */
bt_article *bt_read_article(bt_ctx *ctx, const bt_xel *root_el, uint16_t file,
                            const char *dir, const char *root,
                            int allow_outside);

/* Plain-text clipping (bytes already checked): FORMATS.md §2. */
bt_article *bt_read_clip(bt_ctx *ctx, uint16_t file, const char *data,
                         size_t len);

/* Whole inputs. `paths` are as the user gave them on the command line:
 * one manifest, or one or more article files. Returns the document (maybe
 * partial) and reports every problem found. */
bt_doc *bt_read_inputs(bt_ctx *ctx, char **paths, int npaths,
                       int allow_outside);

/* Path checks shared by the readers (read_common.c): resolves `rel` against
 * folder `dir` (real path), follows symlinks, and checks it stays inside `root`
 * unless allow_outside. Returns a real path in the arena, or NULL with *why set
 * to a short reason ("no such file", "leaves the bulletin folder", ...). */
const char *bt_resolve_path(bt_ctx *ctx, const char *dir, const char *rel,
                            const char *root, int allow_outside,
                            const char **why);

/* Shared checks of the XML readers (read_common.c): reports every
 * attribute of el not in `allowed` (NULL-terminated list; NULL = none);
 * and reads a text-only element into a normalised, trimmed field (an
 * element inside it is an error). Both return 0 or -1. */
int bt_read_check_attrs(bt_ctx *ctx, const bt_xel *el,
                        const char *const *allowed);
int bt_read_field(bt_ctx *ctx, const bt_xel *el, bt_field *out,
                  const char *const *attrs);

/* An article id (ASCII slug) from the base name of file's path, or NULL
 * (read_common.c). */
const char *bt_read_id_from_file(bt_ctx *ctx, uint16_t file);

#endif
