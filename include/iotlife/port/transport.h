/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file transport.h
 * @brief Transport port contract: ranged, conditional GET and PUT of whole objects.
 *
 * The core never needs a transport: payload bytes are pushed into it and
 * diagnostics are pulled out of it. This contract serves the optional agent
 * and host tools (file:// in ports/posix, HTTP(S) in ports/curl). It models
 * what a CDN or object store offers and nothing more: GET of a named object,
 * optionally from a byte offset (`Range: bytes=N-`) and conditionally on an
 * entity tag (`If-None-Match`), and PUT of a small object (reports).
 *
 * A GET is a small state machine driven by the caller:
 * @code
 * get_start(ctx, &req)                 // never blocks on the network
 * while ((r = get_response(ctx, &resp)) == IOTL_ERR_WOULD_BLOCK) wait(ctx, ms);
 * if (r == 0 && resp.status != 304)
 *     while ((n = read(ctx, buf, len)) != 0) { if (n == IOTL_ERR_WOULD_BLOCK) wait(ctx, ms);
 *                                             else if (n < 0) error; else consume(buf, n); }
 * close(ctx);
 * @endcode
 *
 * Status mapping (identical in every transport; iotl_transport_status_err()):
 * | answer                               | get_response() returns         |
 * | ------------------------------------ | ------------------------------ |
 * | 200, 206 (matching the request), 304 | 0                              |
 * | 404, 410                             | #IOTL_ERR_HTTP_NOT_FOUND       |
 * | 416 (offset at or past the end)      | #IOTL_ERR_HTTP_RANGE           |
 * | 5xx                                  | #IOTL_ERR_HTTP_SERVER          |
 * | any other status                     | #IOTL_ERR_HTTP_STATUS          |
 * | redirect limit exceeded              | #IOTL_ERR_REDIRECTS            |
 * | TLS handshake or certificate failure | #IOTL_ERR_TLS                  |
 * | connection refused, reset, DNS       | #IOTL_ERR_TRANSPORT            |
 * | timeout                              | #IOTL_ERR_TIMEOUT              |
 * | Content-Length beyond max_size       | #IOTL_ERR_RESPONSE_TOO_LARGE   |
 * `resp->status` is filled whenever a status line was received, also on errors.
 *
 * Body errors reported by read(): #IOTL_ERR_RESPONSE_TOO_LARGE once more than
 * `max_size` bytes of the object would have been delivered (never delivers
 * them), #IOTL_ERR_TRUNCATED when the body ends before its Content-Length or
 * Content-Range end, #IOTL_ERR_TRANSPORT / #IOTL_ERR_TLS / #IOTL_ERR_TIMEOUT
 * when the connection fails mid-body.
 *
 * Threads: one request at a time per context; a context is used from one
 * thread at a time. No operation may be called from an ISR.
 */
#ifndef IOTLIFE_PORT_TRANSPORT_H
#define IOTLIFE_PORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_transport Transport port
 *  @brief Contract for fetching objects from a repository and uploading reports.
 *  @{ */

/** @brief Longest entity tag (including the quotes) a transport reports; longer tags are dropped. */
#define IOTL_TRANSPORT_ETAG_MAX 80

/** @brief What to fetch. Zero-initialise, then set the members you need. */
struct iotl_transport_request {
    /** Absolute URL (`http://`, `https://`, `file://` as the port supports); never NULL.
     *  Borrowed: must stay valid until get_start() returns. */
    const char *url;
    /** First byte wanted. 0: the whole object. Otherwise the transport asks for
     *  `bytes=offset-`; the server may still answer with the whole object
     *  (status 200, `resp->offset` 0), which the caller must handle. */
    uint64_t offset;
    /** Entity tag from an earlier response, or NULL. When it still matches,
     *  the answer is status 304 with no body. Borrowed like @c url. */
    const char *if_none_match;
    /** Largest object accepted: the request fails once `resp->offset` plus the
     *  body length would exceed it. 0: no limit (use only for trusted sizes). */
    uint64_t max_size;
    /** Whole-request deadline in milliseconds; 0: the port's default. */
    uint32_t timeout_ms;
};

/** @brief What the server answered, filled by get_response(). */
struct iotl_transport_response {
    int status;             /**< HTTP status (file:// maps to 200, 206, 304, 404, 416); 0 if none. */
    int64_t content_length; /**< Body bytes to come; -1 when unknown (chunked encoding). */
    uint64_t offset;        /**< Object offset of the first body byte (0 unless status is 206). */
    int64_t total_size;     /**< Size of the whole object, -1 when the server did not say. */
    char etag[IOTL_TRANSPORT_ETAG_MAX + 1]; /**< Entity tag with its quotes, "" when none. */
};

/** @brief Transport operations; a port provides one const table. */
struct iotl_transport_ops {
    /**
     * Start a GET. Does not wait for the network (a port may connect lazily).
     * Any previous request on @p ctx must have been closed.
     * Returns 0, #IOTL_ERR_INVALID_ARG (unsupported scheme or malformed URL),
     * #IOTL_ERR_STATE (a request is still open) or #IOTL_ERR_IO.
     */
    int (*get_start)(void *ctx, const struct iotl_transport_request *req);
    /**
     * Fill @p resp once the final response headers are in. Returns 0 (status
     * 200, 206 or 304), #IOTL_ERR_WOULD_BLOCK (not yet; call again), or the
     * error of the status mapping table in this file.
     */
    int (*get_response)(void *ctx, struct iotl_transport_response *resp);
    /**
     * Read body bytes after get_response() returned 0. Returns the count read
     * (>0, possibly less than @p len), 0 at the complete end of the body,
     * #IOTL_ERR_WOULD_BLOCK when no byte is ready, or a body error listed in
     * this file. Never blocks.
     */
    iotl_ssize_t (*read)(void *ctx, void *buf, size_t len);
    /** End the current request and release its resources. Safe to call twice
     *  and without a request. */
    void (*close)(void *ctx);
    /**
     * Optional (NULL: callers poll). Block up to @p timeout_ms until
     * get_response() or read() can make progress. Returns 0 (progress
     * possible or time elapsed) or #IOTL_ERR_IO.
     */
    int (*wait)(void *ctx, uint32_t timeout_ms);
    /**
     * Optional (NULL: uploads unsupported). Store @p len bytes of @p data at
     * @p url with PUT semantics: idempotent by name, replaces any previous
     * object. Blocking, bounded by the port's timeout. Must not be called
     * while a GET is open. @p content_type may be NULL. Returns 0 (2xx
     * answer) or an error of the status mapping table.
     */
    int (*put)(void *ctx, const char *url, const void *data, size_t len, const char *content_type);
};

/** @brief A transport instance: ops table + context. Must outlive its users. */
struct iotl_transport {
    const struct iotl_transport_ops *ops; /**< Operations; must not be NULL. */
    void *ctx;                            /**< Passed unchanged to every operation. */
};

/**
 * @brief The contract's mapping of an HTTP status to an error code.
 *
 * Shared by every transport so that they agree.
 * @param status HTTP status code of the final response.
 * @param ranged true when the request asked for a byte range (offset > 0):
 *               206 is then expected; without a range 206 is unexpected.
 * @retval 0 200, 304, and 206 for a ranged request.
 * @retval IOTL_ERR_HTTP_NOT_FOUND 404 or 410.
 * @retval IOTL_ERR_HTTP_RANGE 416.
 * @retval IOTL_ERR_HTTP_SERVER 500 to 599.
 * @retval IOTL_ERR_HTTP_STATUS Anything else (1xx, 3xx other than 304, 4xx, 0).
 * @note Pure function, thread- and ISR-safe.
 */
int iotl_transport_status_err(int status, bool ranged);

/**
 * @brief Parse a `Content-Range: bytes first-last/total` header value.
 *
 * Used by transports to report `resp->offset` and `resp->total_size` of a 206 answer.
 * @param[in] value Header value (leading spaces allowed), NUL-terminated, not kept.
 * @param[out] first First byte offset.
 * @param[out] last Last byte offset (inclusive).
 * @param[out] total Object size, -1 when the server sent `*`.
 * @retval 0 Parsed, with first <= last and last < total when total is known.
 * @retval IOTL_ERR_HTTP_STATUS Malformed or inconsistent value.
 */
int iotl_transport_parse_content_range(const char *value, uint64_t *first, uint64_t *last,
                                       int64_t *total);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
