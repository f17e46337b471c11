/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: drive one GET of the transport contract to its end. */
#ifndef IOTL_TFETCH_H
#define IOTL_TFETCH_H
#include <stddef.h>
#include <stdint.h>

#include "iotlife/port/transport.h"

struct tfetch_result {
    int err;                             /* first error, or 0 */
    int response_err;                    /* what get_response() returned */
    struct iotl_transport_response resp; /* filled when get_response() answered */
    size_t len;                          /* body bytes stored */
    unsigned would_block;                /* IOTL_ERR_WOULD_BLOCK answers seen */
};

/* GET req into buf (cap bytes); stops reading after stop_after body bytes
 * when non-zero (simulates an interruption). Closes the request. Returns res->err. */
int tfetch(const struct iotl_transport *t, const struct iotl_transport_request *req, uint8_t *buf,
           size_t cap, size_t stop_after, struct tfetch_result *res);

/* Read a whole file into a malloc'ed buffer; NULL on error. */
uint8_t *tfetch_slurp(const char *path, size_t *len);

#endif
