/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers shared by the diagnostics suites: drain a store through the
 * chunk encoder and decoder, and collect what arrived. */
#ifndef IOTL_DIAG_HARNESS_H
#define IOTL_DIAG_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "iotl_zlib.h"
#include "iotlife/diag.h"

struct seen {
    uint32_t seq, boot;
    uint8_t type, sub;
    uint32_t code;      /* event code */
    uint64_t v0, v1;    /* LOSS: normal, critical counts */
    char text[96];
};

static uint8_t h_chunk[65536];
static uint8_t h_payload[262144];
static uint8_t h_inflate[IOTL_DIAG_Z_INFLATE_ARENA];

/* Extract the text (logs, events, metrics, blobs) or counts (LOSS) of a record. */
static void h_describe(const struct iotl_diag_record *r, struct seen *s)
{
    size_t off = 0, tl = 0;
    uint64_t v = 0;
    const uint8_t *t = r->body;
    memset(s, 0, sizeof(*s));
    s->seq = r->seq;
    s->boot = r->boot_id;
    s->type = r->type;
    s->sub = r->sub;
    switch (r->type) {
    case IOTL_DIAG_LOG:
        if ((r->sub & IOTL_DIAG_LOG_COMPACT) == 0 && r->body_len > 0) {
            off = 1u + r->body[0];
        } else {
            off = r->body_len;
        }
        break;
    case IOTL_DIAG_EVENT:
        ck_assert_int_eq(iotl_diag_varint(t, r->body_len, &off, &v), 0);
        s->code = (uint32_t)v;
        ck_assert_int_eq(iotl_diag_varint(t, r->body_len, &off, &s->v0), 0);
        ck_assert_int_eq(iotl_diag_varint(t, r->body_len, &off, &s->v1), 0);
        break;
    case IOTL_DIAG_LOSS:
        ck_assert_int_eq(iotl_diag_varint(t, r->body_len, &off, &s->v0), 0);
        ck_assert_int_eq(iotl_diag_varint(t, r->body_len, &off, &s->v1), 0);
        off = r->body_len;
        break;
    case IOTL_DIAG_METRIC:
        if (r->sub != IOTL_DIAG_HEARTBEAT) {
            ck_assert_int_eq(iotl_diag_varint(t, r->body_len, &off, &s->v0), 0);
        } else {
            off = r->body_len;
        }
        break;
    default:
        break;
    }
    ck_assert(off <= r->body_len);
    tl = r->body_len - off;
    if (tl >= sizeof(s->text)) {
        tl = sizeof(s->text) - 1;
    }
    memcpy(s->text, t + off, tl);
    s->text[tl] = 0;
}

/* Decode one chunk and append its records to out[*n]. Returns the decode result. */
static int h_decode(const uint8_t *c, size_t len, struct iotl_diag_chunk_info *info,
                    struct seen *out, size_t cap, size_t *n)
{
    int ret = iotl_diag_chunk_decode(c, len, info, h_payload, sizeof(h_payload), h_inflate,
                                     sizeof(h_inflate));
    if (ret != 0) {
        return ret;
    }
    size_t off = 0;
    struct iotl_diag_record r;
    while (iotl_diag_record_next(h_payload, info->payload_len, &off, &r) == 1) {
        ck_assert(*n < cap);
        h_describe(&r, &out[(*n)++]);
    }
    return 0;
}

/* Export and acknowledge everything; returns the number of chunks (or a
 * negative error from the store). *compressed counts compressed chunks. */
static int h_drain(iotl_diag_t *d, size_t mtu, struct seen *out, size_t cap, size_t *n,
                   int *compressed)
{
    int chunks = 0;
    for (;;) {
        size_t len = 0;
        int ret = iotl_diag_get_chunk(d, h_chunk, mtu, &len);
        if (ret != 0) {
            return ret;
        }
        if (len == 0) {
            return chunks;
        }
        ck_assert_uint_le(len, mtu);
        struct iotl_diag_chunk_info info;
        ck_assert_int_eq(h_decode(h_chunk, len, &info, out, cap, n), 0);
        if (compressed != NULL && (info.flags & 1u)) {
            (*compressed)++;
        }
        ret = iotl_diag_ack(d, info.first_seq, info.last_seq);
        if (ret != 0) {
            return ret;
        }
        chunks++;
    }
}

#endif
