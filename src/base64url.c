/* SPDX-License-Identifier: Apache-2.0 */
/* Strict canonical unpadded base64url: one accepted encoding per byte string,
 * so signatures and key ids cannot be re-encoded into look-alikes. */
#include "iotl_encoding.h"

#include <string.h>

#include "iotl_priv.h"
#include "iotlife/base64url.h"

/* The 64 characters, then the 3 more an identifier may hold. */
const char iotl_b64url_alphabet[IOTL_B64URL_IDENT_CHARS + 1] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+:";
#define b64_alphabet iotl_b64url_alphabet

/* The position in the alphabet (only its first 64 characters are searched). */
static int b64url_value(uint8_t c)
{
    const char *p = memchr(b64_alphabet, c, 64);
    return p != NULL ? (int)(p - b64_alphabet) : -1;
}

int iotl_b64url_encode(const void *in, size_t in_len, char *out, size_t out_cap, size_t *out_len)
{
    IOTL_ASSERT(out != NULL || out_cap == 0);
    IOTL_ASSERT(in != NULL || in_len == 0);
    /* One pass: characters are stored while they fit, counted always (the
     * count is the length the input needs; the NUL is checked at the end).
     * The unused low bits of the last character are zero. */
    const uint8_t *p = (const uint8_t *)in;
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0;;) {
        if (bits < 6) {
            if (i < in_len) {
                acc = (acc << 8) | p[i++];
                bits += 8;
            } else if (bits == 0) {
                break;
            } else {
                acc <<= 6u - bits; /* the last character, zero-filled */
                bits = 6;
            }
        }
        bits -= 6;
        if (o < out_cap) {
            out[o] = b64_alphabet[(acc >> bits) & 63u];
        }
        o++;
    }
    if (o >= out_cap) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return IOTL_ERR_NO_MEM;
    }
    out[o] = '\0';
    if (out_len != NULL) {
        *out_len = o;
    }
    return IOTL_OK;
}

int iotl_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    IOTL_ASSERT(out_len != NULL);
    IOTL_ASSERT(in != NULL || in_len == 0);
    *out_len = 0;
    /* One pass: every character is checked; bytes are stored only while
     * they fit (so an out of NULL with out_cap 0 just validates). */
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < in_len; i++) {
        int v = b64url_value((uint8_t)in[i]);
        if (v < 0) {
            return IOTL_ERR_BASE64;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < out_cap) {
                out[o] = (uint8_t)(acc >> bits);
            }
            o++;
            acc &= (1u << bits) - 1u;
        }
    }
    /* Canonical: no lone last character (6 bits), and the unused low bits
     * of the last character (4 after 2 characters of a group, 2 after 3)
     * are zero. */
    if (bits == 6 || acc != 0) {
        return IOTL_ERR_BASE64;
    }
    if (o > out_cap) {
        return IOTL_ERR_NO_MEM;
    }
    *out_len = o;
    return IOTL_OK;
}
