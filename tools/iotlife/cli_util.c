/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the CLI command groups: files, times, hex, hashing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_trust.h"
#include "iotlife/error.h"
#include "iotlife/port/mbedtls.h"

const struct iotl_crypto *cli_crypto(void)
{
    static struct iotl_crypto c;
    if (c.ops == NULL) {
        iotl_mbedtls_crypto_init(&c);
    }
    return &c;
}

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cli_fail(path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096;
    size_t n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (buf == NULL) {
            fclose(f);
            cli_fail(path, "out of memory");
            return NULL;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        if (cap >= ((size_t)1 << 31)) {
            free(buf);
            fclose(f);
            cli_fail(path, "file too large");
            return NULL;
        }
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (nb == NULL) {
            free(buf);
        }
        buf = nb;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        cli_fail(path, "read error");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int cli_write_file(const char *path, const void *data, size_t len)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        return fwrite(data, 1, len, stdout) == len ? 0 : cli_fail("stdout", "write error");
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return cli_fail(path, strerror(errno));
    }
    size_t w = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || w != len) {
        return cli_fail(path, "write error");
    }
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int cli_parse_time(const char *s, int64_t *out)
{
    if (s == NULL || *s == '\0') {
        return -1;
    }
    if (strcmp(s, "now") == 0) {
        *out = (int64_t)time(NULL);
        return 0;
    }
    char *end = NULL;
    if (s[0] == '+') {
        errno = 0;
        long long v = strtoll(s + 1, &end, 10);
        if (errno != 0 || end == s + 1 || v < 0) {
            return -1;
        }
        long long unit = (*end == 'd') ? 86400 : (*end == 'h') ? 3600 : (*end == 'm') ? 60 : (*end == 's') ? 1 : 0;
        if (unit == 0 || end[1] != '\0') {
            return -1;
        }
        *out = (int64_t)time(NULL) + (int64_t)(v * unit);
        return 0;
    }
    unsigned y, mo, d, h, mi, se;
    char z;
    int used = 0;
    if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%c%n", &y, &mo, &d, &h, &mi, &se, &z, &used) == 7 && z == 'Z' &&
        s[used] == '\0') {
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
            return -1;
        }
        *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
        return 0;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0) {
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > 0xffffffffull) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

void cli_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int cli_parse_hex32(const char *s, uint8_t out[32])
{
    if (s == NULL || strlen(s) != 64) {
        return -1;
    }
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

int cli_hash_file(const char *path, uint8_t digest[32], uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return cli_fail(path, strerror(errno));
    }
    const struct iotl_crypto *c = cli_crypto();
    iotl_sha256_state_t st;
    uint8_t buf[16384];
    uint64_t total = 0;
    int ret = c->ops->sha256_start(c->ctx, &st);
    size_t n;
    while (ret == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
        ret = c->ops->sha256_update(c->ctx, &st, buf, n);
        total += n;
    }
    int err = ferror(f);
    fclose(f);
    int fin = c->ops->sha256_finish(c->ctx, &st, digest);
    if (ret != 0 || fin != 0 || err) {
        return cli_fail(path, "cannot hash");
    }
    *size = total;
    return 0;
}

int cli_fail_code(const char *what, int code)
{
    fprintf(stderr, "iotlife: %s: %s (%s)\n", what, iotl_strerror(code), iotl_strerror_name(code));
    return 1;
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    if (strcmp(argv[*i], name) != 0) {
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "iotlife: %s needs a value\n", name);
        return -1;
    }
    *val = argv[++(*i)];
    return 1;
}

void cli_buf_printf(struct cli_buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            abort();
        }
        if (b->p != NULL && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap ? b->cap * 2 : 1024);
        while (ncap < b->len + (size_t)n + 1) {
            ncap *= 2;
        }
        char *np = realloc(b->p, ncap);
        if (np == NULL) {
            abort();
        }
        b->p = np;
        b->cap = ncap;
    }
}

void cli_buf_free(struct cli_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void cli_buf_json_str(struct cli_buf *b, const char *s)
{
    cli_buf_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            cli_buf_printf(b, "\\%c", *p);
        } else if (*p < 0x20) {
            cli_buf_printf(b, "\\u%04x", *p);
        } else {
            cli_buf_printf(b, "%c", *p);
        }
    }
    cli_buf_printf(b, "\"");
}
