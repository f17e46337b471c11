/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file transport.h
 * @brief Transport port contract: ranged, conditional GET and PUT of whole objects.
 *
 * The core never needs a transport: payload bytes are pushed into it and
 * diagnostics are pulled out of it. This contract serves the optional agent
 * and host tools (file:// in ports/posix, HTTP(S) in ports/curl). Reads may
 * be non-blocking: they return IOTL_ERR_WOULD_BLOCK rather than spin.
 */
#ifndef IOTLIFE_PORT_TRANSPORT_H
#define IOTLIFE_PORT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_transport Transport port
 *  @brief Contract for fetching objects from a repository and uploading reports.
 *  @{ */

/** @brief Longest entity tag (including the quotes) a transport reports. */
#define IOTL_TRANSPORT_ETAG_MAX 80

/** @brief What to fetch. Strings are borrowed for the duration of `get_start`. */
struct iotl_transport_request {
    const char *url;           /**< Absolute URL; never NULL. */
    uint64_t offset;           /**< First byte wanted (Range); 0 for the whole object. */
    const char *if_none_match; /**< ETag from an earlier response, or NULL. */
    uint64_t max_size;         /**< Refuse bodies larger than this (0: no limit). */
};

/** @brief What the server answered, available once headers have arrived. */
struct iotl_transport_response {
    int status;                             /**< 200, 206, 304, 404 ...; file:// maps to these. */
    int64_t content_length;                 /**< Body bytes to come, -1 when unknown. */
    uint64_t offset;                        /**< First byte of the body in the object. */
    char etag[IOTL_TRANSPORT_ETAG_MAX + 1]; /**< Entity tag, "" when none. */
};

/** @brief Transport operations. One request at a time per context. */
struct iotl_transport_ops {
    /** Start a GET. Returns 0 when the request is under way, or a negative code. */
    int (*get_start)(void *ctx, const struct iotl_transport_request *req);
    /** Fill `resp` once headers are in: 0, IOTL_ERR_WOULD_BLOCK, or an error. */
    int (*get_response)(void *ctx, struct iotl_transport_response *resp);
    /** Read body bytes: >0 bytes read, 0 at the end of the body,
     *  IOTL_ERR_WOULD_BLOCK when none are ready, or an error (IOTL_ERR_TRUNCATED,
     *  IOTL_ERR_RESPONSE_TOO_LARGE, IOTL_ERR_TRANSPORT, ...). */
    iotl_ssize_t (*read)(void *ctx, void *buf, size_t len);
    /** End the current request and release its resources. Safe to call twice. */
    void (*close)(void *ctx);
    /** Optional. Upload `len` bytes to `url` with HTTP PUT semantics (idempotent by
     *  name). Blocking. Returns 0 or an error. */
    int (*put)(void *ctx, const char *url, const void *data, size_t len, const char *content_type);
};

/** @brief A transport instance: ops table + context. Must outlive its users. */
struct iotl_transport {
    const struct iotl_transport_ops *ops; /**< Operations; must not be NULL. */
    void *ctx;                            /**< Passed unchanged to every operation. */
};

/** @} */

#ifdef __cplusplus
}
#endif
#endif
