/* Small predicates on UTF-16 strings used by the structure step. */
#include "pint.h"

#include <pthread.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

uint8_t ptab[65536];
uint16_t pfold[65536];
uint8_t pscript[65536];
_Static_assert(USCRIPT_CODE_LIMIT <= 256, "pscript holds a script in a byte");
static pthread_once_t ptab_once = PTHREAD_ONCE_INIT;

uint8_t ptab_slow(UChar32 c)
{
    uint8_t k = 0;
    if (clean_is_invisible(c))
        k |= PC_INVISIBLE;
    if (c == '\t' || u_charType(c) == U_SPACE_SEPARATOR)
        k |= PC_HSPACE;
    if (u_isUWhiteSpace(c))
        k |= PC_WHITE;
    if (u_isalnum(c))
        k |= PC_ALNUM;
    if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER)
        k |= PC_DIGIT;
    if (u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) == UNORM_YES)
        k |= u_getCombiningClass(c) == 0 ? PC_NFC_SAFE : PC_NFC_MARK;
    if (c < 0x10000) { /* (PC_FOLD1 is for BMP characters) */
        UChar in[2], full[8];
        int32_t n = 0, m;
        UErrorCode e = U_ZERO_ERROR;
        UChar32 f = u_foldCase(c, U_FOLD_CASE_DEFAULT), g;
        U16_APPEND_UNSAFE(in, n, c);
        m = u_strFoldCase(full, 8, in, n, U_FOLD_CASE_DEFAULT, &e);
        if (U_SUCCESS(e) && m == U16_LENGTH(f)) {
            U16_GET(full, 0, 0, m, g);
            if (g == f && u_getCombiningClass(c) == 0 &&
                u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) == UNORM_YES)
                k |= PC_FOLD1;
        }
    }
    return k;
}

static void ptab_fill(void)
{
    for (UChar32 c = 0; c < 0x10000; c++) {
        UErrorCode e = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(c, &e);
        ptab[c] = ptab_slow(c);
        pscript[c] = (uint8_t)(U_SUCCESS(e) && sc >= 0 &&
                                       sc < USCRIPT_CODE_LIMIT
                                   ? sc
                                   : USCRIPT_COMMON);
    }
    for (UChar32 c = 0; c < 0x10000; c++) {
        UChar f;
        if (c < 0x80) {
            pfold[c] = (uint16_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            continue;
        }
        f = (UChar)u_foldCase(c, U_FOLD_CASE_DEFAULT);
        pfold[c] = !U16_IS_SURROGATE(c) && (ptab[c] & PC_FOLD1) &&
                           f < 0xFFFF && (ptab[f] & PC_FOLD1)
                       ? f
                       : 0;
    }
    /* PC_FOLD1 as pint.h says: folds to a character that does too. */
    for (UChar32 c = 0; c < 0x10000; c++)
        if (!pfold[c])
            ptab[c] &= (uint8_t)~PC_FOLD1;
}

void ptab_init(void) { pthread_once(&ptab_once, ptab_fill); }

int txt_is_space(UChar32 c)
{
    return (pclass(c) & PC_WHITE) != 0;
}

/* Closing quotes, brackets and the like that may follow the final mark. */
static int is_closer(UChar32 c)
{
    int8_t t;
    if (c == '"' || c == '\'' || c == '*' || c == '_')
        return 1;
    t = u_charType(c);
    return t == U_END_PUNCTUATION || t == U_FINAL_PUNCTUATION ||
           t == U_INITIAL_PUNCTUATION;
}

static UChar32 last_mark(const UChar *s, int32_t n)
{
    int32_t i = n;
    while (i > 0) {
        UChar32 c;
        U16_PREV(s, 0, i, c);
        if (txt_is_space(c) || is_closer(c))
            continue;
        return c;
    }
    return 0;
}

int txt_ends_with_punct(const UChar *s, int32_t n)
{
    UChar32 c = last_mark(s, n);
    if (!c)
        return 0;
    return c == 0x2026 || u_hasBinaryProperty(c, UCHAR_TERMINAL_PUNCTUATION);
}

int txt_ends_with_question(const UChar *s, int32_t n)
{
    UChar32 c = last_mark(s, n);
    switch (c) {
    case '?': case '!': case 0x037E: case 0x061F: case 0xFF1F: case 0xFF01:
    case 0x203C: case 0x2047: case 0x2048: case 0x2049: case 0x00A1:
    case 0x00BF:
        return 1;
    default:
        return 0;
    }
}

int32_t txt_count_spaced_words(const UChar *s, int32_t n, int32_t max)
{
    int32_t i = 0, words = 0;
    int in = 0;
    while (i < n) {
        UChar32 c = s[i++];
        if (U16_IS_LEAD(c) && i < n && U16_IS_TRAIL(s[i]))
            c = U16_GET_SUPPLEMENTARY(c, s[i++]);
        if (pclass(c) & PC_WHITE)
            in = 0;
        else if (!in) {
            in = 1;
            if (++words > max)
                break;
        }
    }
    return words;
}

int txt_cp_at_most(const UChar *s, int32_t n, int32_t max)
{
    /* A code point is one or two units. */
    if (n <= max)
        return 1;
    if (n > 2 * max)
        return 0;
    return u_countChar32(s, n) <= max;
}

int txt_has_digit(const UChar *s, int32_t n)
{
    int32_t i = 0;
    while (i < n) {
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (pclass(c) & PC_DIGIT)
            return 1;
    }
    return 0;
}

static int url_char(UChar c)
{
    if (c <= ' ' || c >= 0x7F)
        return 0;
    return c != '"' && c != '<' && c != '>' && c != '`' && c != '{' &&
           c != '}' && c != '|' && c != '\\' && c != '^';
}

int32_t txt_find_url(const UChar *s, int32_t n, int32_t *ulen)
{
    int32_t at = -1, p;
    int32_t a = txt_find_ascii_ci(s, n, "http://");
    int32_t b = txt_find_ascii_ci(s, n, "https://");
    int32_t w = txt_find_ascii_ci(s, n, "www.");
    if (a >= 0)
        at = a;
    if (b >= 0 && (at < 0 || b < at))
        at = b;
    if (w >= 0 && (at < 0 || w < at) && (w == 0 || !url_char(s[w - 1])))
        at = w;
    if (at < 0)
        return -1;
    p = at;
    while (p < n && url_char(s[p]))
        p++;
    /* Trailing sentence punctuation is not part of the URL. */
    while (p > at && (s[p - 1] == '.' || s[p - 1] == ',' || s[p - 1] == ')' ||
                      s[p - 1] == ';' || s[p - 1] == ':' || s[p - 1] == '!' ||
                      s[p - 1] == '?' || s[p - 1] == '\''))
        p--;
    if (p - at < 8)
        return -1;
    *ulen = p - at;
    return at;
}

int txt_starts_with_ci(const UChar *s, int32_t n, const UChar *p, int32_t pn)
{
    UErrorCode e = U_ZERO_ERROR;
    if (pn <= 0 || n < pn)
        return 0;
    /* A prefix must not cut a surrogate pair. */
    if (pn < n && U16_IS_TRAIL(s[pn]))
        return 0;
    return u_strCaseCompare(s, pn, p, pn, U_FOLD_CASE_DEFAULT, &e) == 0 &&
           U_SUCCESS(e);
}

int txt_equals_ci(const UChar *s, int32_t n, const UChar *p, int32_t pn)
{
    UErrorCode e = U_ZERO_ERROR;
    return u_strCaseCompare(s, n, p, pn, U_FOLD_CASE_DEFAULT, &e) == 0 &&
           U_SUCCESS(e);
}

int32_t txt_find_ascii_ci(const UChar *s, int32_t n, const char *needle)
{
    int32_t k = 0;
    while (needle[k])
        k++;
    for (int32_t i = 0; i + k <= n; i++) {
        int32_t j = 0;
        for (; j < k; j++) {
            UChar c = s[i + j];
            char d = needle[j];
            if (c >= 'A' && c <= 'Z')
                c = (UChar)(c + 32);
            if (d >= 'A' && d <= 'Z')
                d = (char)(d + 32);
            if (c != (UChar)(unsigned char)d)
                break;
        }
        if (j == k)
            return i;
    }
    return -1;
}
