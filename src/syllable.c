/* syllable.c - the Vietnamese syllable test of syllable.h. A syllable is
 * parsed as initial + rhyme: the initial from the closed set of Vietnamese
 * initial consonants (with the spelling rules k/gh/ngh before e i y, c/g/ng
 * elsewhere), the rhyme as a vowel cluster (glide + nucleus + semivowel)
 * from the closed set of Vietnamese rhymes, then an optional final
 * consonant c ch m n ng nh p t. Vowels are compared without their
 * modifiers (ă â -> a, ê -> e, ô ơ -> o, ư -> u), so "Nguyen" passes as
 * "Nguyễn" does; a tone mark may appear once. Base layer: plain C. */
#include <string.h>
#include "syllable.h"

#define MAX_LETTERS 7 /* "nghiêng" */

/* The twelve vowels with their five tone marks, lower then upper case:
 * row r, column t = tone t (0 none, grave, acute, hook, tilde, dot). */
static const uint32_t vowels[24][6] = {
    {0x0061, 0x00E0, 0x00E1, 0x1EA3, 0x00E3, 0x1EA1}, /* a */
    {0x0103, 0x1EB1, 0x1EAF, 0x1EB3, 0x1EB5, 0x1EB7}, /* ă */
    {0x00E2, 0x1EA7, 0x1EA5, 0x1EA9, 0x1EAB, 0x1EAD}, /* â */
    {0x0065, 0x00E8, 0x00E9, 0x1EBB, 0x1EBD, 0x1EB9}, /* e */
    {0x00EA, 0x1EC1, 0x1EBF, 0x1EC3, 0x1EC5, 0x1EC7}, /* ê */
    {0x0069, 0x00EC, 0x00ED, 0x1EC9, 0x0129, 0x1ECB}, /* i */
    {0x006F, 0x00F2, 0x00F3, 0x1ECF, 0x00F5, 0x1ECD}, /* o */
    {0x00F4, 0x1ED3, 0x1ED1, 0x1ED5, 0x1ED7, 0x1ED9}, /* ô */
    {0x01A1, 0x1EDD, 0x1EDB, 0x1EDF, 0x1EE1, 0x1EE3}, /* ơ */
    {0x0075, 0x00F9, 0x00FA, 0x1EE7, 0x0169, 0x1EE5}, /* u */
    {0x01B0, 0x1EEB, 0x1EE9, 0x1EED, 0x1EEF, 0x1EF1}, /* ư */
    {0x0079, 0x1EF3, 0x00FD, 0x1EF7, 0x1EF9, 0x1EF5}, /* y */
    {0x0041, 0x00C0, 0x00C1, 0x1EA2, 0x00C3, 0x1EA0},
    {0x0102, 0x1EB0, 0x1EAE, 0x1EB2, 0x1EB4, 0x1EB6},
    {0x00C2, 0x1EA6, 0x1EA4, 0x1EA8, 0x1EAA, 0x1EAC},
    {0x0045, 0x00C8, 0x00C9, 0x1EBA, 0x1EBC, 0x1EB8},
    {0x00CA, 0x1EC0, 0x1EBE, 0x1EC2, 0x1EC4, 0x1EC6},
    {0x0049, 0x00CC, 0x00CD, 0x1EC8, 0x0128, 0x1ECA},
    {0x004F, 0x00D2, 0x00D3, 0x1ECE, 0x00D5, 0x1ECC},
    {0x00D4, 0x1ED2, 0x1ED0, 0x1ED4, 0x1ED6, 0x1ED8},
    {0x01A0, 0x1EDC, 0x1EDA, 0x1EDE, 0x1EE0, 0x1EE2},
    {0x0055, 0x00D9, 0x00DA, 0x1EE6, 0x0168, 0x1EE4},
    {0x01AF, 0x1EEA, 0x1EE8, 0x1EEC, 0x1EEE, 0x1EF0},
    {0x0059, 0x1EF2, 0x00DD, 0x1EF6, 0x1EF8, 0x1EF4},
};
static const char vowel_base[] = "aaaeeiooouuy"; /* per row mod 12 */

/* The letter cp as its base ('#' for đ) and its tone (0..5); 0 when cp is
 * no letter of Vietnamese (f j w z count as foreign). */
static char base_of(uint32_t cp, int *tone)
{
    *tone = 0;
    if (cp >= 'A' && cp <= 'Z')
        cp += 'a' - 'A';
    if (cp == 0x0111 || cp == 0x0110)
        return '#';
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z' && !strchr("fjwz", (int)cp))
            return (char)cp;
        return 0;
    }
    for (int r = 0; r < 24; r++)
        for (int t = 0; t < 6; t++)
            if (vowels[r][t] == cp) {
                *tone = t;
                return vowel_base[r % 12];
            }
    return 0;
}

/* Initials, longest first; "" = none. */
static const char *const initials[] = {
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th",
    "tr",  "b",  "c",  "d",  "#",  "g",  "h",  "k",  "l",  "m",
    "n",   "p",  "r",  "s",  "t",  "v",  "x",  ""};

/* Vowel clusters (glide + nucleus + semivowel) that end a syllable. */
static const char *const open_clusters[] = {
    "a",   "e",   "i",   "o",   "u",   "y",   "ai",  "ao",  "au",  "ay",
    "eo",  "eu",  "ia",  "iu",  "oa",  "oe",  "oi",  "oo",  "ua",  "ue",
    "ui",  "uo",  "uu",  "uy",  "ieu", "yeu", "oai", "oay", "oeo", "uoi",
    "uou", "uya", "uyu", "uay", "ie",  "ye",  "uye"};

/* Vowel clusters a final consonant may follow. */
static const char *const closed_clusters[] = {
    "a",  "e",  "i",  "o",  "u",  "y",  "ie", "ye",
    "oa", "oe", "oo", "ua", "ue", "uo", "uy", "uye"};

static const char *const finals[] = {"ch", "nh", "ng", "c", "m", "n", "p", "t"};

static int in_set(const char *s, size_t n, const char *const *set, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (strlen(set[i]) == n && memcmp(set[i], s, n) == 0)
            return 1;
    return 0;
}

#define IN(s, n, set) in_set(s, n, set, sizeof set / sizeof *set)

static int is_rhyme(const char *r, size_t n)
{
    if (n == 0)
        return 0;
    if (IN(r, n, open_clusters))
        return 1;
    for (size_t k = 0; k < sizeof finals / sizeof *finals; k++) {
        size_t fl = strlen(finals[k]);
        if (fl < n && memcmp(r + n - fl, finals[k], fl) == 0 &&
            IN(r, n - fl, closed_clusters))
            return 1;
    }
    return 0;
}

int bt_syllable_is_vietnamese(const uint32_t *cps, int n)
{
    if (n <= 0 || n > MAX_LETTERS)
        return 0;
    char s[MAX_LETTERS + 1];
    int tones = 0;
    for (int i = 0; i < n; i++) {
        int t;
        s[i] = base_of(cps[i], &t);
        if (!s[i] || (s[i] == '#' && i > 0))
            return 0;
        tones += t != 0;
    }
    s[n] = 0;
    if (tones > 1)
        return 0;
    for (size_t k = 0; k < sizeof initials / sizeof *initials; k++) {
        size_t il = strlen(initials[k]);
        if (il > (size_t)n || memcmp(s, initials[k], il) != 0)
            continue;
        const char *r = s + il;
        size_t rl = (size_t)n - il;
        /* spelling: k gh ngh only before e i y; c g ng never there
         * ("gi" before a vowel is its own initial, "gì" is g + i) */
        int front = rl > 0 && strchr("eiy", r[0]);
        const char *in = initials[k];
        if ((!strcmp(in, "k") || !strcmp(in, "gh") || !strcmp(in, "ngh")) &&
            !front)
            continue;
        if ((!strcmp(in, "c") || !strcmp(in, "ng")) && front)
            continue;
        if (!strcmp(in, "g") && rl > 0 && r[0] == 'e')
            continue;
        if (is_rhyme(r, rl))
            return 1;
    }
    return 0;
}
