/* syllable.h - does a word have the shape of one Vietnamese syllable?
 * Decided from the structure of the syllable (initial consonant cluster,
 * optional glide, vowel nucleus, optional final from the closed set
 * c ch m n ng nh p t or a semivowel, at most one tone mark), not from a
 * word list, so names and words written without their marks pass too.
 * The line breaker hyphenates only words that fail it. Pure C. */
#ifndef BT_SYLLABLE_H
#define BT_SYLLABLE_H

#include "bantin.h"

/* 1 when the letters cps[0..n) (either case, NFC, with or without their
 * marks) form one Vietnamese syllable; 0 otherwise (also for n == 0 and
 * for anything that is not a letter). */
int bt_syllable_is_vietnamese(const uint32_t *cps, int n);

#endif
