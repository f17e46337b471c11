/* SPDX-License-Identifier: Apache-2.0 */
/* Strict canonical unpadded base64url: one accepted encoding per byte string,
 * so signatures and key ids cannot be re-encoded into look-alikes. */
#include "iotl_priv.h"
#include "iotlife/base64url.h"

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0..63 for an alphabet character, -1 otherwise. Branchy but table-free. */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

int iotl_b64url_encode(const void *in, size_t in_len, char *out, size_t out_cap, size_t *out_len)
{
    IOTL_ASSERT(out != NULL || out_cap == 0);
    IOTL_ASSERT(in != NULL || in_len == 0);
    if (in_len > (SIZE_MAX / 4u) - 4u || out_cap < IOTL_B64URL_ENC_LEN(in_len) + 1u) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return IOTL_ERR_NO_MEM;
    }
    const uint8_t *p = (const uint8_t *)in;
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= in_len; i += 3) {
        uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63u];
        out[o++] = b64_alphabet[(v >> 12) & 63u];
        out[o++] = b64_alphabet[(v >> 6) & 63u];
        out[o++] = b64_alphabet[v & 63u];
    }
    if (in_len - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = b64_alphabet[(v >> 18) & 63u];
        out[o++] = b64_alphabet[(v >> 12) & 63u];
    } else if (in_len - i == 2) {
        uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8);
        out[o++] = b64_alphabet[(v >> 18) & 63u];
        out[o++] = b64_alphabet[(v >> 12) & 63u];
        out[o++] = b64_alphabet[(v >> 6) & 63u];
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
    if (in_len % 4u == 1u) {
        return IOTL_ERR_BASE64;
    }
    size_t need = (in_len / 4u) * 3u + ((in_len % 4u) ? (in_len % 4u) - 1u : 0u);
    /* Validate every character before writing anything. */
    for (size_t i = 0; i < in_len; i++) {
        if (b64_value((uint8_t)in[i]) < 0) {
            return IOTL_ERR_BASE64;
        }
    }
    /* Canonical: the unused low bits of the last character must be zero. */
    if (in_len % 4u == 2u && (b64_value((uint8_t)in[in_len - 1]) & 0x0f) != 0) {
        return IOTL_ERR_BASE64;
    }
    if (in_len % 4u == 3u && (b64_value((uint8_t)in[in_len - 1]) & 0x03) != 0) {
        return IOTL_ERR_BASE64;
    }
    if (need > out_cap) {
        return IOTL_ERR_NO_MEM;
    }
    IOTL_ASSERT(out != NULL || need == 0);
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < in_len; i++) {
        acc = (acc << 6) | (uint32_t)b64_value((uint8_t)in[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    IOTL_ASSERT(o == need);
    *out_len = o;
    return IOTL_OK;
}
