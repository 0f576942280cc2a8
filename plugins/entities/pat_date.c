/*
 * DATE patterns over tokens, with the month names, "day"/"month"/"year"
 * words, quarter words and ordinals of every loaded language:
 *   D MONTH [,] [year-cue] [Y]     6 أكتوبر, 3 يونيو 2013, 25 Αυγούστου 2023
 *   MONTH D[,] Y | MONTH Y         August 25, 2023; June 2013
 *   [ngay] D thang M [nam Y]       25 tháng 8 năm 2023; tháng 8/2023
 *   D/M/Y, D.M.Y, Y-M-D            25/8/2023, 2023-08-25
 *   quarters                       الربع الثالث من عام 2023, quý III/2023
 *   year ranges                    2021 - 2023, 2021-2025 -> 2021/2023
 *   years with a cue               عام 2023, năm 2023, in 2023, (2024)
 * Values are ISO 8601: 2013-06-03, 2023-10, 2023-Q3, 2021/2023, 2023.
 */
#include "ent_internal.h"

#include <stdlib.h>
#include <string.h>

static int year_ok(long long y) { return y >= 1000 && y <= 2999; }

static int days_in(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int free_tok(const ent_ctx *c, size_t i)
{
    return i < c->ntok && !(c->tok[i].flags & TF_TAKEN);
}

static int num_at(const ent_ctx *c, size_t i, long long *v)
{
    if (!free_tok(c, i) || c->tok[i].kind != TK_NUM)
        return 0;
    *v = tok_int(c, i);
    return *v >= 0;
}

/* A 4-digit year at i (not followed by more digits with a separator). */
static int year_at(const ent_ctx *c, size_t i, long long *y)
{
    if (!num_at(c, i, y) || c->tok[i].e - c->tok[i].s < 4 || !year_ok(*y))
        return 0;
    if (i + 2 < c->ntok && !(c->tok[i + 1].flags & TF_SPACE) &&
        (tok_is(c, i + 1, '.') || tok_is(c, i + 1, ',')) && c->tok[i + 2].kind == TK_NUM &&
        !(c->tok[i + 2].flags & TF_SPACE))
        return 0;
    /* a year is no word prefix */
    if (i + 1 < c->ntok && c->tok[i + 1].kind == TK_WORD && !(c->tok[i + 1].flags & TF_SPACE))
        return 0;
    return 1;
}

static size_t kind_at(const ent_ctx *c, size_t i, int kind, const ent_payload **pp)
{
    int32_t p;
    size_t off, n;
    if (!free_tok(c, i))
        return 0;
    n = match_at(c, i, 1u << kind, &p, &off);
    if (n && pp)
        *pp = pay_find(c->d, p, kind);
    return n;
}

static void emit_at(ent_ctx *c, size_t i, size_t start, size_t j, int y, int m, int d,
                    double conf)
{
    char v[32];
    ent_cand_ent *e;
    if (m > 100)
        snprintf(v, sizeof v, "%04d-Q%d", y, m - 100);
    else if (m > 0 && d > 0)
        snprintf(v, sizeof v, "%04d-%02d-%02d", y, m, d);
    else if (m > 0)
        snprintf(v, sizeof v, "%04d-%02d", y, m);
    else
        snprintf(v, sizeof v, "%04d", y);
    if (y > 0) {
        e = cand_add(c, ENT_DATE, start, c->tok[j - 1].e, (int)i, (int)j, conf, strdup(v),
                     strdup(v), NULL);
    } else {
        e = cand_add(c, ENT_DATE, start, c->tok[j - 1].e, (int)i, (int)j, conf - 0.1, NULL,
                     NULL, NULL);
        if (e) {
            e->year_missing = 1;
            e->month = m;
            e->day = d;
        }
    }
}

static void emit(ent_ctx *c, size_t i, size_t j, int y, int m, int d, double conf)
{
    emit_at(c, i, c->tok[i].s, j, y, m, d, conf);
}

/* After a month at j: [,] [of] [year-cue] Y.  Returns tokens used. */
static size_t year_after(const ent_ctx *c, size_t j, long long *y)
{
    size_t k = j, n;
    if (tok_is(c, k, ','))
        k++;
    if (free_tok(c, k) && (tok_flags0(c, k) & VF_CONNECT) && !year_at(c, k, y))
        k++;
    if ((n = kind_at(c, k, PK_YEARCUE, NULL)))
        k += n;
    if (year_at(c, k, y))
        return k + 1 - j;
    /* "tháng 8/2023", "Ιουνίου/2023" */
    if (tok_is(c, j, '/') && year_at(c, j + 1, y))
        return 2;
    return 0;
}

static int day_ok(long long d) { return d >= 1 && d <= 31; }

static int try_dmy_numeric(ent_ctx *c, size_t i)
{
    long long a, b, y;
    uint32_t sep;
    int d, m;
    const char *lang = c->langs[c->tok[i].lang];
    if (!num_at(c, i, &a) || i + 4 >= c->ntok + 0 || !c->tok[i + 1].cp)
        return 0;
    sep = c->tok[i + 1].cp;
    if ((sep != '/' && sep != '.' && sep != '-') || !tok_is(c, i + 1, sep) ||
        !tok_adjacent(c, i + 1) || !tok_adjacent(c, i + 2) || !num_at(c, i + 2, &b) ||
        !tok_is(c, i + 3, sep) || !tok_adjacent(c, i + 3) || !tok_adjacent(c, i + 4) ||
        !num_at(c, i + 4, &y))
        return 0;
    if (c->tok[i].e - c->tok[i].s == 4 && year_ok(a) && sep == '-') {
        /* Y-M-D */
        if (b < 1 || b > 12 || !day_ok(y) || y > days_in((int)a, (int)b))
            return 0;
        emit(c, i, i + 5, (int)a, (int)b, (int)y, 0.97);
        return 1;
    }
    if (c->tok[i + 4].e - c->tok[i + 4].s != 4 || !year_ok(y))
        return 0;
    d = (int)a;
    m = (int)b;
    if (!strncmp(lang, "en", 2) && a <= 12 && b > 12) {
        d = (int)b;
        m = (int)a;
    }
    if (m < 1 || m > 12 || d < 1 || d > days_in((int)y, m))
        return 0;
    /* not the head of a longer code: 25/8/2023/QD */
    if (i + 5 < c->ntok && tok_adjacent(c, i + 5) && c->tok[i + 5].kind == TK_PUNCT &&
        (c->tok[i + 5].cp == '/' || c->tok[i + 5].cp == '-'))
        return 0;
    emit(c, i, i + 5, (int)y, m, d, 0.95);
    return 1;
}

static int try_day_month(ent_ctx *c, size_t i)
{
    long long d, y = 0, m = 0;
    size_t j, n, ny;
    const ent_payload *p = NULL;
    if (!num_at(c, i, &d) || !day_ok(d) || c->tok[i].e - c->tok[i].s > 2)
        return 0;
    if (i > 0 && !(c->tok[i].flags & TF_SPACE) && c->tok[i - 1].kind == TK_NUM)
        return 0;
    j = i + 1;
    if (tok_is(c, j, '.') && tok_adjacent(c, j))
        j++; /* 6. Oktober */
    if ((n = kind_at(c, j, PK_MONTH, &p))) {
        m = p->ival;
        j += n;
    } else if ((n = kind_at(c, j, PK_MONTHWORD, NULL)) && num_at(c, j + n, &m) && m >= 1 &&
               m <= 12) {
        j += n + 1;
    } else {
        return 0;
    }
    ny = year_after(c, j, &y);
    if (d > days_in(ny ? (int)y : 2000, (int)m))
        return 0;
    emit(c, i, j + ny, ny ? (int)y : 0, (int)m, (int)d, ny ? 0.95 : 0.85);
    return 1;
}

static int try_month_first(ent_ctx *c, size_t i)
{
    const ent_payload *p = NULL;
    size_t n, j, ny;
    long long d = 0, y = 0, m;
    int monthword = 0;
    if ((n = kind_at(c, i, PK_MONTH, &p))) {
        m = p->ival;
    } else if ((n = kind_at(c, i, PK_MONTHWORD, NULL)) && num_at(c, i + n, &m) && m >= 1 &&
               m <= 12) {
        n++;
        monthword = 1;
    } else {
        return 0;
    }
    j = i + n;
    /* MONTH D, Y */
    if (!monthword && num_at(c, j, &d) && day_ok(d) && c->tok[j].e - c->tok[j].s <= 2 &&
        !(j + 1 < c->ntok && c->tok[j + 1].kind == TK_WORD && tok_adjacent(c, j + 1))) {
        ny = year_after(c, j + 1, &y);
        if (d > days_in(ny ? (int)y : 2000, (int)m))
            return 0;
        if (ny || !(tok_flags0(c, i) & VF_STOP)) {
            emit(c, i, j + 1 + ny, ny ? (int)y : 0, (int)m, (int)d, ny ? 0.95 : 0.8);
            return 1;
        }
        return 0;
    }
    /* MONTH Y */
    ny = year_after(c, j, &y);
    if (ny) {
        emit(c, i, j + ny, (int)y, (int)m, 0, 0.9);
        return 1;
    }
    if (monthword) {
        emit(c, i, j, 0, (int)m, 0, 0.8);
        return 1;
    }
    return 0;
}

/* Roman or Arabic numeral 1..4 at i, as a quarter number. */
static int quarter_num(const ent_ctx *c, size_t i, int *q, size_t *used)
{
    long long v;
    const ent_payload *p = NULL;
    size_t n;
    if (num_at(c, i, &v) && v >= 1 && v <= 4) {
        *q = (int)v;
        *used = 1;
        return 1;
    }
    if ((n = kind_at(c, i, PK_ORDINAL, &p)) && p->ival >= 1 && p->ival <= 4) {
        *q = p->ival;
        *used = n;
        return 1;
    }
    return 0;
}

static int try_quarter(ent_ctx *c, size_t i)
{
    size_t n, j, used = 0, k, ny = 0;
    int q = 0;
    long long y = 0;
    size_t start = c->tok[i].s;
    int32_t pq;
    if ((n = kind_at(c, i, PK_QUARTER, NULL))) {
        match_at(c, i, 1u << PK_QUARTER, &pq, &start);
        if (!quarter_num(c, i + n, &q, &used))
            return 0;
        j = i + n + used;
    } else if (quarter_num(c, i, &q, &used) && (n = kind_at(c, i + used, PK_QUARTER, NULL))) {
        j = i + used + n;
    } else {
        return 0;
    }
    /* [of|min|nam|tou] [year-cue] Y, or /Y */
    k = j;
    if (tok_is(c, k, '/') && tok_adjacent(c, k) && year_at(c, k + 1, &y)) {
        ny = 2;
    } else {
        if (free_tok(c, k) && (tok_flags0(c, k) & (VF_CONNECT | VF_NUMPREP | VF_STOP)) &&
            !kind_at(c, k, PK_YEARCUE, NULL))
            k++;
        if ((n = kind_at(c, k, PK_YEARCUE, NULL)))
            k += n;
        if (year_at(c, k, &y))
            ny = k + 1 - j;
    }
    emit_at(c, i, start, j + ny, ny ? (int)y : 0, 100 + q, 0, ny ? 0.95 : 0.8);
    return 1;
}

static int try_years(ent_ctx *c, size_t i)
{
    long long y1, y2;
    size_t j;
    int cue = 0;
    size_t n;
    char v[32];
    if (!year_at(c, i, &y1))
        return 0;
    if (i > 0 && !(c->tok[i].flags & TF_SPACE) &&
        (c->tok[i - 1].kind == TK_NUM || tok_is(c, i - 1, '/') || tok_is(c, i - 1, '.') ||
         tok_is(c, i - 1, ',')))
        return 0;
    /* ranges: Y1 - Y2, Y1 to Y2 */
    j = i + 1;
    if (j < c->ntok && free_tok(c, j) &&
        (tok_is(c, j, '-') || tok_is(c, j, 0x2013) || tok_is(c, j, 0x2014) ||
         (tok_is(c, j, '/') && tok_adjacent(c, j)) || (tok_flags0(c, j) & VF_TO)) &&
        year_at(c, j + 1, &y2) && y2 > y1 && y2 - y1 <= 100) {
        snprintf(v, sizeof v, "%04d/%04d", (int)y1, (int)y2);
        cand_add(c, ENT_DATE, c->tok[i].s, c->tok[j + 1].e, (int)i, (int)j + 2, 0.9, strdup(v),
                 strdup(v), NULL);
        return 1;
    }
    if (i > 0 && free_tok(c, i - 1) &&
        ((tok_flags(c, i - 1) & VF_NUMPREP) || kind_at(c, i - 1, PK_YEARCUE, NULL)))
        cue = 1;
    if (i > 1 && (n = kind_at(c, i - 2, PK_YEARCUE, NULL)) == 2)
        cue = 1;
    /* alone between punctuation or at a line end: (2024), "٢٠٢٤." */
    if (!cue) {
        int before = i == 0 || (c->tok[i].flags & TF_SENT) || c->tok[i - 1].kind == TK_PUNCT;
        int after = i + 1 >= c->ntok || (c->tok[i + 1].flags & TF_NL) ||
                    (c->tok[i + 1].kind == TK_PUNCT && c->tok[i + 1].cp != '%' &&
                     c->tok[i + 1].cp != '-' && c->tok[i + 1].cp != '/');
        if (before && after)
            cue = 1;
        else if (after && c->tok[i + 1].kind == TK_PUNCT && y1 >= 1900 && y1 <= 2100 &&
                 !(i > 0 && c->tok[i - 1].kind == TK_NUM))
            cue = 1;
    }
    if (!cue)
        return 0;
    snprintf(v, sizeof v, "%04d", (int)y1);
    cand_add(c, ENT_DATE, c->tok[i].s, c->tok[i].e, (int)i, (int)i + 1, 0.85, strdup(v),
             strdup(v), NULL);
    return 1;
}

void pat_date(ent_ctx *c)
{
    size_t i;
    for (i = 0; i < c->ntok; i++) {
        if (c->tok[i].flags & TF_TAKEN)
            continue;
        if (c->tok[i].kind == TK_NUM) {
            if (try_dmy_numeric(c, i) || try_day_month(c, i))
                continue;
            if (try_quarter(c, i))
                continue;
        } else if (c->tok[i].kind == TK_WORD) {
            if (try_quarter(c, i) || try_month_first(c, i))
                continue;
        }
    }
    /* years last, so that a year inside a fuller date is not taken alone */
    for (i = 0; i < c->ntok; i++)
        if (!(c->tok[i].flags & TF_TAKEN) && c->tok[i].kind == TK_NUM)
            try_years(c, i);
}
