/*
 * Normalization of words for matching: case folding (ICU), diacritics
 * removed (the first code point of the NFD decomposition), Arabic letter
 * forms unified (alef with hamza or madda -> alef, teh marbuta -> heh, alef
 * maksura -> yeh, waw/yeh with hamza -> waw/yeh, Persian letters -> Arabic),
 * Arabic-Indic digits -> ASCII, tatweel, marks and format characters
 * dropped.  The result is one table per BMP code point, built once.
 */
#include "ent_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

static uint16_t special_map(uint32_t cp)
{
    switch (cp) {
    case 0x0622: case 0x0623: case 0x0625: case 0x0671: case 0x0672:
    case 0x0673: case 0x0675:
        return 0x0627; /* alef */
    case 0x0629: case 0x06C0: case 0x06D5: case 0x06C1: case 0x06BE:
        return 0x0647; /* heh */
    case 0x0649: case 0x0626: case 0x06CC: case 0x06D0: case 0x06D2:
        return 0x064A; /* yeh */
    case 0x0624: return 0x0648;                        /* waw */
    case 0x06A9: case 0x06AF: return 0x0643;           /* kaf */
    case 0x06A4: return 0x0641;                        /* feh */
    case 0x067E: return 0x0628;                        /* beh */
    case 0x0686: return 0x062C;                        /* jeem */
    case 0x0111: case 0x0110: case 0x0189: return 'd'; /* Vietnamese d */
    case 0x0127: return 'h';
    case 0x0142: case 0x0141: return 'l';
    case 0x00F8: case 0x00D8: return 'o';
    case 0x0131: return 'i';
    default: return 0;
    }
}

int norm_build(ent_norm *n, char *err, size_t errlen)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
    uint32_t cp;
    if (U_FAILURE(st)) {
        snprintf(err, errlen, "ICU NFD normalizer: %s", u_errorName(st));
        return -EIO;
    }
    for (cp = 0; cp < 0x10000; cp++) {
        int8_t t = (int8_t)u_charType((UChar32)cp);
        uint16_t m = (uint16_t)cp;
        uint8_t cls;
        UScriptCode sc;
        n->script[cp] = SC_OTHER;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            n->map[cp] = 0xFFFD;
            n->cls[cp] = CC_PUNCT;
            continue;
        }
        if (cp == '\n' || cp == 0x2028 || cp == 0x2029 || cp == 0x85 || cp == '\r' ||
            cp == 0x0B || cp == 0x0C)
            cls = CC_NL;
        else if (t == U_CONTROL_CHAR || u_isUWhiteSpace((UChar32)cp) || t == U_SPACE_SEPARATOR)
            cls = CC_SPACE;
        else if (cp == 0x0640 || t == U_FORMAT_CHAR)
            cls = CC_DROP; /* tatweel, ZWJ, ZWNJ, LRM, RLM, soft hyphen */
        else if (t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK ||
                 t == U_COMBINING_SPACING_MARK)
            cls = CC_MARK;
        else if (t == U_DECIMAL_DIGIT_NUMBER)
            cls = CC_DIGIT;
        else if (t == U_UPPERCASE_LETTER || t == U_TITLECASE_LETTER)
            cls = CC_UPPER;
        else if (t == U_LOWERCASE_LETTER || t == U_MODIFIER_LETTER ||
                 t == U_OTHER_LETTER)
            cls = CC_LETTER;
        else
            cls = CC_PUNCT;
        n->cls[cp] = cls;
        if (cls == CC_LETTER || cls == CC_UPPER) {
            st = U_ZERO_ERROR;
            sc = uscript_getScript((UChar32)cp, &st);
            n->script[cp] = sc == USCRIPT_LATIN ? SC_LATN
                          : sc == USCRIPT_ARABIC ? SC_ARAB
                          : sc == USCRIPT_GREEK ? SC_GREK
                          : sc == USCRIPT_CYRILLIC ? SC_CYRL : SC_OTHER;
        }
        if (cls == CC_SPACE || cls == CC_NL) {
            m = ' ';
        } else if (cls == CC_DROP || cls == CC_MARK) {
            m = 0;
        } else if (cls == CC_DIGIT) {
            m = (uint16_t)('0' + u_charDigitValue((UChar32)cp));
        } else {
            UChar32 f = u_foldCase((UChar32)cp, U_FOLD_CASE_DEFAULT);
            UChar dec[8];
            int32_t dl;
            uint16_t sp = special_map((uint32_t)f);
            if (!sp)
                sp = special_map(cp);
            if (sp) {
                m = sp;
            } else {
                st = U_ZERO_ERROR;
                dl = unorm2_getDecomposition(nfd, f, dec, 8, &st);
                if (U_SUCCESS(st) && dl > 0 && !U16_IS_SURROGATE(dec[0]))
                    f = dec[0];
                sp = special_map((uint32_t)f);
                m = sp ? sp : (f < 0x10000 ? (uint16_t)f : (uint16_t)cp);
            }
        }
        n->map[cp] = m;
    }
    return 0;
}


static void put_utf8(sbuf *out, uint32_t c)
{
    char b[4];
    if (c < 0x80) {
        sb_addc(out, (char)c);
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3F));
        sb_add(out, b, 2);
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        sb_add(out, b, 3);
    } else {
        b[0] = (char)(0xF0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (char)(0x80 | (c & 0x3F));
        sb_add(out, b, 4);
    }
}

void norm_append(const ent_norm *nm, const char *s, size_t n, sbuf *out)
{
    size_t i = 0;
    /* room for the worst case (every byte a 3-byte code point) at once */
    if (sb_reserve(out, 3 * n + 4) < 0)
        return;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        uint32_t cp;
        if (ch < 0x80) {
            uint16_t m = nm->map[ch];
            i++;
            if (m)
                out->s[out->len++] = (char)m;
            continue;
        }
        cp = ent_next_cp(s, n, &i);
        if (cp < 0x10000) {
            uint16_t m = nm->map[cp];
            if (!m)
                continue;
            if (m < 0x80) {
                out->s[out->len++] = (char)m;
            } else if (m < 0x800) {
                out->s[out->len++] = (char)(0xC0 | (m >> 6));
                out->s[out->len++] = (char)(0x80 | (m & 0x3F));
            } else {
                out->s[out->len++] = (char)(0xE0 | (m >> 12));
                out->s[out->len++] = (char)(0x80 | ((m >> 6) & 0x3F));
                out->s[out->len++] = (char)(0x80 | (m & 0x3F));
            }
        } else {
            out->s[out->len] = '\0';
            put_utf8(out, (uint32_t)u_foldCase((UChar32)cp, U_FOLD_CASE_DEFAULT));
            if (sb_reserve(out, 3 * (n - i) + 4) < 0)
                return;
        }
    }
    out->s[out->len] = '\0';
}
