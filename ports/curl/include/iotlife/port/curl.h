/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file curl.h
 * @brief HTTP(S) transport on libcurl: Range resume, ETag/304, capped redirects
 *        and sizes, PUT uploads, non-blocking through the curl multi interface.
 *
 * Implements the contract of iotlife/port/transport.h for `http://` and
 * `https://` URLs. get_start() only queues the transfer; get_response(),
 * read() and wait() drive it with curl_multi_perform()/curl_multi_poll(), so
 * the caller decides when to block. Received body bytes wait in a buffer
 * inside the instance (#IOTL_CURL_BUF_SIZE); when it is full the transfer is
 * paused, so memory stays bounded whatever the server sends.
 *
 * A ranged request answered with 200 (server ignoring Range) is reported as
 * is (`status` 200, `offset` 0): the caller restarts from zero. A 206 whose
 * Content-Range does not start at the requested offset is refused with
 * #IOTL_ERR_HTTP_STATUS.
 *
 * Threads: one instance per thread. iotl_curl_init() calls
 * curl_global_init(), which is not thread-safe in older libcurl versions:
 * create the first instance before starting other threads that use libcurl.
 */
#ifndef IOTLIFE_PORT_CURL_H
#define IOTLIFE_PORT_CURL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/port/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_curl curl transport
 *  @brief HTTP(S) transport port on libcurl.
 *  @{ */

/** @brief Bytes of received body buffered per instance before the transfer is paused. */
#ifndef IOTL_CURL_BUF_SIZE
#define IOTL_CURL_BUF_SIZE (64u * 1024u)
#endif

/** @brief Configuration. Zero-initialised means defaults; strings must outlive the instance. */
struct iotl_curl_config {
    const char *ca_file;         /**< PEM CA bundle for HTTPS; NULL: the system store. */
    const char *client_cert;     /**< PEM client certificate (mutual TLS); NULL: none. */
    const char *client_key;      /**< PEM private key of @c client_cert; NULL: in the cert file. */
    uint32_t connect_timeout_ms; /**< Connection (and TLS handshake) deadline; 0: 10000. */
    uint32_t timeout_ms;         /**< Default whole-request deadline; 0: 300000. */
    uint32_t max_redirects;      /**< Redirects followed; 0: 5. Use #IOTL_CURL_NO_REDIRECTS for none. */
    const char *user_agent;      /**< User-Agent header; NULL: "iotlife/<version>". */
};

/** @brief Value of iotl_curl_config::max_redirects that follows no redirect at all. */
#define IOTL_CURL_NO_REDIRECTS UINT32_MAX

/** @brief One curl transport. Caller-allocated; fields are private. */
typedef struct iotl_curl {
    const struct iotl_curl_config *cfg; /**< @private Configuration. */
    void *multi;                        /**< @private CURLM handle. */
    void *easy;                         /**< @private CURL handle of the current GET. */
    void *headers;                      /**< @private curl_slist of request headers. */
    bool open;                          /**< @private A GET is open. */
    bool added;                         /**< @private The easy handle is in the multi handle. */
    bool done;                          /**< @private The transfer finished. */
    bool paused;                        /**< @private The write callback paused the transfer. */
    bool have_headers;                  /**< @private Final response headers are in. */
    bool final_checked;                 /**< @private The response was checked. */
    int done_err;                       /**< @private Result of the finished transfer. */
    int abort_err;                      /**< @private Why a callback aborted the transfer. */
    bool hdr_location;                  /**< @private Response has a Location header. */
    bool hdr_range;                     /**< @private Response has a Content-Range header. */
    int64_t hdr_length;                 /**< @private Content-Length of the response, -1 if none. */
    char hdr_range_value[96];           /**< @private Content-Range value. */
    int resp_err;                       /**< @private get_response() result. */
    uint64_t req_offset;                /**< @private Requested offset. */
    uint64_t max_size;                  /**< @private Requested size cap. */
    uint64_t received;                  /**< @private Body bytes accepted so far. */
    struct iotl_transport_response resp; /**< @private Response under construction. */
    size_t head;                        /**< @private Buffer read index. */
    size_t fill;                        /**< @private Bytes buffered. */
    uint8_t buf[IOTL_CURL_BUF_SIZE];    /**< @private Body buffer. */
} iotl_curl_t;

/** @brief Transport operations of the curl port. */
extern const struct iotl_transport_ops iotl_curl_transport_ops;

/**
 * @brief Set up a curl transport.
 * @param[out] c State, caller-owned (about 64 KiB; see #IOTL_CURL_BUF_SIZE);
 *             must outlive @p out until iotl_curl_deinit().
 * @param[out] out Transport instance to fill.
 * @param[in] cfg Configuration, or NULL for defaults; kept by pointer, must
 *            outlive @p c.
 * @retval 0 Success.
 * @retval IOTL_ERR_IO libcurl could not be initialised.
 * @note Blocking only for libcurl's one-time global initialisation.
 */
int iotl_curl_init(iotl_curl_t *c, struct iotl_transport *out, const struct iotl_curl_config *cfg);

/**
 * @brief Close any open request and free libcurl resources.
 * Safe to call twice and on a zeroed state.
 * @param[in,out] c State from iotl_curl_init().
 */
void iotl_curl_deinit(iotl_curl_t *c);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
