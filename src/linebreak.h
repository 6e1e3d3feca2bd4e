/* linebreak.h - Knuth-Plass total-fit line breaking (TeX's algorithm:
 * badness, demerits, four fitness classes, flagged penalties), pure and
 * allocation-bounded. Items in, chosen breakpoints and adjustment ratios
 * out. The model is open to extra stretch and shrink of two kinds:
 *  - linear: a box's own stretch/shrink, scaled by the line's ratio exactly
 *    as glue is;
 *  - bounded levers chosen per line: glyph expansion (pdfTeX's font
 *    expansion: the boxes' xwidth scaled by at most +-expand_max, in
 *    steps, with a cost, and a bounded change from one line to the next)
 *    and letter-spacing (the boxes' track, a last resort taken only at the
 *    line's highest expansion when its word spaces would still stretch
 *    beyond their stretch). The badness is that of the glue left after
 *    the levers, so it measures the word spaces the reader sees.
 * A new lever is a new item field, its prefix sum and one step in
 * line_eval(). All lengths 1/1000 pt. */
#ifndef BT_LINEBREAK_H
#define BT_LINEBREAK_H

#include "bantin.h"
#include "arena.h"

#define BT_PENALTY_INF 10000 /* >= forbids a break, <= -INF forces one */

enum bt_item_kind { BT_ITEM_BOX, BT_ITEM_GLUE, BT_ITEM_PENALTY };

typedef struct bt_item {
    enum bt_item_kind kind;
    int32_t width;   /* natural width, 1/1000 pt (penalty: width if broken here,
                        e.g. a hyphen) */
    int32_t stretch; /* glue, or a box's own stretch (0 for plain boxes) */
    int32_t shrink;  /* glue, or a box's own shrink */
    int32_t penalty; /* PENALTY only */
    uint8_t flagged; /* PENALTY only: hyphen-like; two in a row cost extra */
    uint32_t ref;    /* caller's back-reference (word index, etc.) */
    /* bounded levers of a box (0 for glue, penalties and fixed boxes) */
    int32_t xwidth; /* BOX: the part of width glyph expansion scales */
    int32_t track;  /* BOX: most letter-spacing it may take in all */
} bt_item;

typedef struct bt_lb_params {
    int32_t tolerance;    /* max badness of a feasible line (TeX: 200..10000) */
    int32_t line_penalty; /* added to badness before squaring (TeX 10) */
    int32_t flagged_demerits;  /* consecutive flagged breaks (TeX 10000,
                                  \doublehyphendemerits) */
    int32_t flagged_max;       /* most flagged breaks (hyphens) in a row:
                                  more only in the final pass, where no
                                  other sequence exists; 0 or beyond
                                  BT_LB_MAX_FLAGGED_RUN: no limit */
    int32_t fitness_demerits;  /* adjacent lines' fitness classes differ by > 1
                                  (TeX 10000) */
    int32_t emergency_stretch; /* 1/1000 pt of extra stretch per line for the
                                  second pass */
    int32_t looseness;         /* lines more (+) or fewer (-) than the optimum,
                                  where a feasible set has them (TeX's
                                  \looseness); 0: optimum */
    /* glyph expansion (boxes' xwidth), in 1/10000 of the natural width */
    int32_t expand_max;      /* +- limit per line (200 = 2 %); 0: off */
    int32_t expand_step;     /* levels are multiples of it (50 = 0.5 %) */
    int32_t expand_demerits; /* cost per level step, squared */
    int32_t expand_jump;     /* most steps between consecutive lines */
    int32_t jump_demerits;   /* cost per step of change, squared */
    /* no unbounded line: word spaces wider than gap_limit/1000 times
     * their natural width only in the final pass, at a cost that any other
     * break sequence beats; 0: no limit */
    int32_t gap_limit;
} bt_lb_params;

/* Expansion levels each side of 0: expand_max / expand_step <= this. */
#define BT_LB_MAX_LEVELS 8
/* The largest flagged_max that is kept exactly. */
#define BT_LB_MAX_FLAGGED_RUN 3

/* TeX-like defaults for justified text. */
bt_lb_params bt_lb_params_default(void);

typedef struct bt_break {
    int item;        /* index of the item the line ends at (glue/penalty),
                        or n for the forced end of the paragraph */
    double ratio;    /* adjustment ratio r, after the levers below: glue
                        width = w + r*stretch (r>=0) or w + r*shrink (r<0);
                        r >= -1 always */
    int32_t natural; /* natural width of the line, 1/1000 pt */
    int32_t expand;  /* glyph expansion of the line's boxes, 1/10000 of
                        their xwidth (a multiple of expand_step) */
    int32_t track;   /* letter-spacing given to the line, shared in
                        proportion to its boxes' track */
    uint8_t flags;   /* BT_LB_* */
} bt_break;

enum {
    BT_LB_LOOSE = 1,     /* ratio > 1: badness beyond 100 (emergency pass) */
    BT_LB_UNDERFULL = 2, /* could not be stretched enough (no stretch) */
    BT_LB_OVERFULL = 4,  /* natural width minus shrink exceeds the line:
                            only when one box alone is wider than the line */
    BT_LB_GAPS = 8       /* word spaces beyond gap_limit: no other break
                            sequence exists (final pass) */
};

/* Breaks items[0..n) into lines. The paragraph must end with the usual
 * finishing glue (stretch "infinite": use a large stretch like 1e9) and a
 * forced break (penalty -INF); if it does not, one is implied at n.
 * line_width(i) = widths[min(i, nwidths-1)] for line i (0-based).
 * Passes: 1) tolerance; 2) tolerance + emergency_stretch (if > 0); 3) any
 * break (every line judged by its real badness, capped at 10000; lines
 * beyond gap_limit, or runs of flagged breaks beyond flagged_max, cost
 * more than any other sequence), so a result always exists. Breaks are only at
 * glue preceded by a box, or at penalties < INF. Returns the number of lines
 * and sets *out to an array in the arena. `pass_out` (may be NULL) gets the
 * pass that succeeded (1..3). */
int bt_linebreak_run(bt_arena *a, const bt_item *items, int n,
                     const int32_t *widths, int nwidths, const bt_lb_params *p,
                     bt_break **out, int *pass_out);

/* A lower bound on the lines any break sequence without an overfull line
 * takes at `width` (the breaker's results among them): breaking as late
 * as possible with every line at its narrowest (all shrink, the most
 * glyph compression p allows); past `cap` it stops and returns cap + 1
 * (also when some line must be overfull). 0 when it cannot tell (items of
 * negative least width). */
int bt_linebreak_min_lines(const bt_item *items, int n, int32_t width,
                           const bt_lb_params *p, int cap);

/* What the paragraph costs one line shorter or longer (TeX's
 * \looseness, chosen by cost): index 0, 1, 2 for the optimum's line count
 * -1, +0, +1, the least total demerits of a break sequence with that
 * many lines in the pass that set the paragraph, and its line count (0:
 * no such sequence). The optimum is that of looseness 0 whatever p's
 * looseness. */
typedef struct bt_lb_costs {
    int lines[3];
    int64_t demerits[3];
} bt_lb_costs;

/* bt_linebreak_run, and the costs of the neighbouring line counts into
 * *costs (may be NULL). Keeping every line count apart makes it slower
 * than bt_linebreak_run. */
int bt_linebreak_costs(bt_arena *a, const bt_item *items, int n,
                       const int32_t *widths, int nwidths,
                       const bt_lb_params *p, bt_break **out, int *pass_out,
                       bt_lb_costs *costs);

#endif
