#include "qdate.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* n digits at *p into *v; advances. */
static int digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        *v = *v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return 0;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : d[m - 1];
}

static int relative(const char *s, int64_t now, int64_t *out)
{
    char *end;
    long long n;
    int64_t unit;
    if (!isdigit((unsigned char)s[0]))
        return -EINVAL;
    errno = 0;
    n = strtoll(s, &end, 10);
    if (errno || end[0] == '\0' || end[1] != '\0' || n < 0 ||
        n > 100000000LL)
        return -EINVAL;
    switch (end[0]) {
    case 's': unit = 1000; break;
    case 'm': unit = 60000; break;
    case 'h': unit = 3600000; break;
    case 'd': unit = 86400000; break;
    case 'w': unit = 7 * 86400000LL; break;
    default: return -EINVAL;
    }
    *out = now - (int64_t)n * unit;
    return 0;
}

int q_parse_time(const char *s, int64_t now_ms, int64_t *out_ms)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0;
    struct tm tm;
    time_t t;

    if (!s || !*s)
        return -EINVAL;
    if (strcmp(s, "now") == 0) {
        *out_ms = now_ms;
        return 0;
    }
    if (strlen(s) < 10 || s[4] != '-')
        return relative(s, now_ms, out_ms);
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
        *p++ != '-' || digits(&p, 2, &d))
        return -EINVAL;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo))
        return -EINVAL;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return -EINVAL;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return -EINVAL;
            if (*p == '.') {
                int k = 0;
                p++;
                while (isdigit((unsigned char)*p)) {
                    if (k < 3) {
                        ms = ms * 10 + (*p - '0');
                        k++;
                    }
                    p++;
                }
                if (k == 0)
                    return -EINVAL;
                while (k++ < 3)
                    ms *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return -EINVAL;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om;
            p++;
            if (digits(&p, 2, &oh))
                return -EINVAL;
            if (*p == ':')
                p++;
            if (digits(&p, 2, &om) || oh > 23 || om > 59)
                return -EINVAL;
            off = sign * (oh * 60 + om);
        }
    }
    if (*p)
        return -EINVAL;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    *out_ms = ((int64_t)t - (int64_t)off * 60) * 1000 + ms;
    return 0;
}

void q_format_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)t * 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, frac);
}
