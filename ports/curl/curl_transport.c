/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP(S) transport on libcurl's multi interface. The transfer runs only
 * when the caller calls get_response(), read() or wait(); body bytes land in
 * the instance buffer and the transfer is paused when that buffer is full,
 * so memory is bounded and nothing blocks unless the caller asks to wait. */
#include "iotlife/port/curl.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlife/version.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_TIMEOUT_MS 300000u
#define DEFAULT_MAX_REDIRECTS 5u

static const struct iotl_curl_config default_cfg = {0};

static int map_curl(CURLcode rc, int abort_err)
{
    switch ((int)rc) {
    case CURLE_OK:
        return IOTL_OK;
    case CURLE_WRITE_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
        return abort_err != IOTL_OK ? abort_err : IOTL_ERR_IO;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return IOTL_ERR_INVALID_ARG;
    case CURLE_OPERATION_TIMEDOUT:
        return IOTL_ERR_TIMEOUT;
    case CURLE_PARTIAL_FILE:
        return IOTL_ERR_TRUNCATED;
    case CURLE_TOO_MANY_REDIRECTS:
        return IOTL_ERR_REDIRECTS;
    case CURLE_FILESIZE_EXCEEDED:
        return IOTL_ERR_RESPONSE_TOO_LARGE;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return IOTL_ERR_TLS;
    case CURLE_OUT_OF_MEMORY:
        return IOTL_ERR_IO;
    default:
        return IOTL_ERR_TRANSPORT;
    }
}

/* Case-insensitive "Name:" prefix match; returns the value or NULL. */
static const char *header_value(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':') {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char a = line[i];
        char b = name[i];
        if (a >= 'A' && a <= 'Z') {
            a = (char)(a - 'A' + 'a');
        }
        if (b >= 'A' && b <= 'Z') {
            b = (char)(b - 'A' + 'a');
        }
        if (a != b) {
            return NULL;
        }
    }
    return line + n + 1;
}

/* Copy a header value without leading blanks and the trailing CRLF. */
static bool copy_value(const char *v, const char *end, char *dst, size_t cap)
{
    while (v < end && (*v == ' ' || *v == '\t')) {
        v++;
    }
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    size_t n = (size_t)(end - v);
    if (n + 1u > cap) {
        return false;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

/* The final response's headers are complete: decide what get_response() says. */
static void finish_headers(iotl_curl_t *c, long code)
{
    struct iotl_transport_response *r = &c->resp;
    int err = iotl_transport_status_err((int)code, c->req_offset > 0);
    r->status = (int)code;
    r->offset = 0;
    r->content_length = c->hdr_length;
    r->total_size = -1;
    if (code == 200) {
        r->total_size = c->hdr_length;
    } else if (code == 206) {
        uint64_t first = 0;
        uint64_t last = 0;
        int64_t total = -1;
        if (!c->hdr_range ||
            iotl_transport_parse_content_range(c->hdr_range_value, &first, &last, &total) != 0 ||
            first != c->req_offset) {
            err = IOTL_ERR_HTTP_STATUS;
        } else {
            r->offset = first;
            r->total_size = total;
            if (r->content_length < 0) {
                r->content_length = (int64_t)(last - first + 1u);
            } else if ((uint64_t)r->content_length != last - first + 1u) {
                err = IOTL_ERR_HTTP_STATUS;
            }
        }
    } else if (code == 304) {
        r->content_length = 0;
    }
    if (err == IOTL_OK && c->max_size != 0 && code != 304) {
        if ((r->total_size >= 0 && (uint64_t)r->total_size > c->max_size) ||
            (r->content_length >= 0 && r->offset + (uint64_t)r->content_length > c->max_size)) {
            err = IOTL_ERR_RESPONSE_TOO_LARGE;
        }
    }
    c->resp_err = err;
    c->have_headers = true;
}

static size_t header_cb(char *line, size_t size, size_t nitems, void *userdata)
{
    iotl_curl_t *c = (iotl_curl_t *)userdata;
    size_t len = size * nitems;
    const char *end = line + len;
    const char *v;
    if (c->have_headers || len == 0) {
        return len; /* trailers */
    }
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        c->hdr_location = false;
        c->hdr_range = false;
        c->hdr_length = -1;
        c->resp.etag[0] = '\0';
        return len;
    }
    if (line[0] == '\r' || line[0] == '\n') {
        long code = 0;
        (void)curl_easy_getinfo((CURL *)c->easy, CURLINFO_RESPONSE_CODE, &code);
        bool redirect = code >= 300 && code <= 399 && code != 304 && c->hdr_location &&
                        c->cfg->max_redirects != IOTL_CURL_NO_REDIRECTS;
        if (code >= 200 && !redirect) {
            finish_headers(c, code);
        }
        return len;
    }
    if ((v = header_value(line, len, "ETag")) != NULL) {
        if (!copy_value(v, end, c->resp.etag, sizeof(c->resp.etag))) {
            c->resp.etag[0] = '\0'; /* too long to be one of ours: ignore */
        }
    } else if ((v = header_value(line, len, "Content-Range")) != NULL) {
        c->hdr_range = copy_value(v, end, c->hdr_range_value, sizeof(c->hdr_range_value));
    } else if ((v = header_value(line, len, "Content-Length")) != NULL) {
        char num[32];
        c->hdr_length = -1;
        if (copy_value(v, end, num, sizeof(num)) && num[0] >= '0' && num[0] <= '9') {
            char *e = NULL;
            long long n = strtoll(num, &e, 10);
            if (*e == '\0' && n >= 0) {
                c->hdr_length = (int64_t)n;
            }
        }
    } else if (header_value(line, len, "Location") != NULL) {
        c->hdr_location = true;
    }
    return len;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
    iotl_curl_t *c = (iotl_curl_t *)userdata;
    size_t len = size * nmemb;
    if (!c->have_headers) {
        c->abort_err = IOTL_ERR_HTTP_STATUS; /* body without a final status line */
        return 0;
    }
    if (c->resp_err != IOTL_OK || c->resp.status == 304) {
        c->abort_err = c->resp_err;
        return 0; /* nobody wants this body (error page) */
    }
    if (c->max_size != 0 && c->resp.offset + c->received + len > c->max_size) {
        c->abort_err = IOTL_ERR_RESPONSE_TOO_LARGE;
        return 0;
    }
    if (c->resp.content_length >= 0 && c->received + len > (uint64_t)c->resp.content_length) {
        c->abort_err = IOTL_ERR_RESPONSE_TOO_LARGE; /* more than announced */
        return 0;
    }
    if (len > sizeof(c->buf) - c->fill) {
        c->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (c->head + c->fill + len > sizeof(c->buf)) {
        memmove(c->buf, c->buf + c->head, c->fill);
        c->head = 0;
    }
    memcpy(c->buf + c->head + c->fill, data, len);
    c->fill += len;
    c->received += len;
    return len;
}

/* Run the transfer as far as it goes without blocking. */
static void drive(iotl_curl_t *c)
{
    if (c->done || !c->added) {
        return;
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform((CURLM *)c->multi, &running);
    if (mc != CURLM_OK) {
        c->done = true;
        c->done_err = IOTL_ERR_IO;
        return;
    }
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read((CURLM *)c->multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == (CURL *)c->easy) {
            c->done = true;
            c->done_err = map_curl(msg->data.result, c->abort_err);
        }
    }
}

static void apply_common(iotl_curl_t *c, CURL *e, uint32_t timeout_ms)
{
    const struct iotl_curl_config *cfg = c->cfg;
    uint32_t redirects = cfg->max_redirects == 0 ? DEFAULT_MAX_REDIRECTS : cfg->max_redirects;
    (void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    (void)curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500
    (void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    (void)curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    (void)curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    (void)curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (cfg->max_redirects == IOTL_CURL_NO_REDIRECTS) {
        (void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    } else {
        (void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        (void)curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)redirects);
    }
    (void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                           (long)(cfg->connect_timeout_ms ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS));
    (void)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                           (long)(timeout_ms ? timeout_ms : (cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS)));
    (void)curl_easy_setopt(e, CURLOPT_USERAGENT,
                           cfg->user_agent != NULL ? cfg->user_agent : "iotlife/" IOTL_VERSION_STRING);
    (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->ca_file != NULL) {
        (void)curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
    }
    if (cfg->client_cert != NULL) {
        (void)curl_easy_setopt(e, CURLOPT_SSLCERT, cfg->client_cert);
        (void)curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
        if (cfg->client_key != NULL) {
            (void)curl_easy_setopt(e, CURLOPT_SSLKEY, cfg->client_key);
        }
    }
}

static bool http_url(const char *url)
{
    return url != NULL && (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0);
}

static void cu_close(void *ctx)
{
    iotl_curl_t *c = (iotl_curl_t *)ctx;
    if (c->added) {
        (void)curl_multi_remove_handle((CURLM *)c->multi, (CURL *)c->easy);
        c->added = false;
    }
    if (c->headers != NULL) {
        curl_slist_free_all((struct curl_slist *)c->headers);
        c->headers = NULL;
    }
    c->open = false;
    c->fill = 0;
    c->head = 0;
}

static int cu_get_start(void *ctx, const struct iotl_transport_request *req)
{
    iotl_curl_t *c = (iotl_curl_t *)ctx;
    if (c->open) {
        return IOTL_ERR_STATE;
    }
    if (req == NULL || !http_url(req->url)) {
        return IOTL_ERR_INVALID_ARG;
    }
    CURL *e = (CURL *)c->easy;
    curl_easy_reset(e);
    memset(&c->resp, 0, sizeof(c->resp));
    c->resp.content_length = -1;
    c->resp.total_size = -1;
    c->done = false;
    c->paused = false;
    c->have_headers = false;
    c->done_err = IOTL_OK;
    c->abort_err = IOTL_OK;
    c->resp_err = IOTL_OK;
    c->req_offset = req->offset;
    c->max_size = req->max_size;
    c->received = 0;
    c->head = 0;
    c->fill = 0;
    c->hdr_length = -1;
    c->hdr_location = false;
    c->hdr_range = false;

    apply_common(c, e, req->timeout_ms);
    if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK) {
        return IOTL_ERR_INVALID_ARG;
    }
    (void)curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    (void)curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    (void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    (void)curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    if (req->offset > 0) {
        char range[32];
        (void)snprintf(range, sizeof(range), "%llu-", (unsigned long long)req->offset);
        (void)curl_easy_setopt(e, CURLOPT_RANGE, range); /* copied by libcurl */
    }
    struct curl_slist *h = NULL;
    if (req->if_none_match != NULL) {
        char line[IOTL_TRANSPORT_ETAG_MAX + 32];
        if (strlen(req->if_none_match) > IOTL_TRANSPORT_ETAG_MAX ||
            strpbrk(req->if_none_match, "\r\n") != NULL) {
            return IOTL_ERR_INVALID_ARG;
        }
        (void)snprintf(line, sizeof(line), "If-None-Match: %s", req->if_none_match);
        h = curl_slist_append(h, line);
        if (h == NULL) {
            return IOTL_ERR_IO;
        }
    }
    c->headers = h;
    if (h != NULL) {
        (void)curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    }
    if (curl_multi_add_handle((CURLM *)c->multi, e) != CURLM_OK) {
        cu_close(c);
        return IOTL_ERR_IO;
    }
    c->added = true;
    c->open = true;
    return IOTL_OK;
}

static int cu_get_response(void *ctx, struct iotl_transport_response *resp)
{
    iotl_curl_t *c = (iotl_curl_t *)ctx;
    if (!c->open || resp == NULL) {
        return IOTL_ERR_STATE;
    }
    if (!c->have_headers) {
        drive(c);
    }
    if (c->have_headers) {
        *resp = c->resp;
        return c->resp_err;
    }
    if (c->done) {
        long code = 0;
        (void)curl_easy_getinfo((CURL *)c->easy, CURLINFO_RESPONSE_CODE, &code);
        *resp = c->resp;
        resp->status = (int)code;
        return c->done_err != IOTL_OK ? c->done_err : IOTL_ERR_TRANSPORT;
    }
    return IOTL_ERR_WOULD_BLOCK;
}

static size_t take(iotl_curl_t *c, void *buf, size_t len)
{
    size_t n = len < c->fill ? len : c->fill;
    memcpy(buf, c->buf + c->head, n);
    c->head += n;
    c->fill -= n;
    if (c->fill == 0) {
        c->head = 0;
    }
    if (c->paused && sizeof(c->buf) - c->fill >= CURL_MAX_WRITE_SIZE) {
        c->paused = false;
        (void)curl_easy_pause((CURL *)c->easy, CURLPAUSE_CONT); /* may call write_cb */
    }
    return n;
}

static iotl_ssize_t cu_read(void *ctx, void *buf, size_t len)
{
    iotl_curl_t *c = (iotl_curl_t *)ctx;
    if (!c->open || !c->have_headers || c->resp_err != IOTL_OK) {
        return IOTL_ERR_STATE;
    }
    if (len == 0) {
        return 0;
    }
    if (len > (size_t)PTRDIFF_MAX) {
        len = (size_t)PTRDIFF_MAX;
    }
    if (c->fill == 0) {
        drive(c);
    }
    if (c->fill > 0) {
        return (iotl_ssize_t)take(c, buf, len);
    }
    if (!c->done) {
        return IOTL_ERR_WOULD_BLOCK;
    }
    if (c->done_err != IOTL_OK) {
        return c->done_err;
    }
    if (c->resp.content_length >= 0 && c->received < (uint64_t)c->resp.content_length) {
        return IOTL_ERR_TRUNCATED;
    }
    return 0;
}

static int cu_wait(void *ctx, uint32_t timeout_ms)
{
    iotl_curl_t *c = (iotl_curl_t *)ctx;
    if (!c->open || c->done || c->fill > 0) {
        return IOTL_OK;
    }
    return curl_multi_poll((CURLM *)c->multi, NULL, 0, (int)timeout_ms, NULL) == CURLM_OK ? IOTL_OK
                                                                                          : IOTL_ERR_IO;
}

static size_t discard_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * nmemb;
}

static int cu_put(void *ctx, const char *url, const void *data, size_t len, const char *content_type)
{
    iotl_curl_t *c = (iotl_curl_t *)ctx;
    if (c->open) {
        return IOTL_ERR_STATE;
    }
    if (!http_url(url) || (data == NULL && len > 0)) {
        return IOTL_ERR_INVALID_ARG;
    }
    CURL *e = curl_easy_init();
    if (e == NULL) {
        return IOTL_ERR_IO;
    }
    int ret = IOTL_ERR_IO;
    struct curl_slist *h = NULL;
    char ct[128];
    apply_common(c, e, 0);
    if (content_type != NULL && strpbrk(content_type, "\r\n") == NULL &&
        strlen(content_type) < sizeof(ct) - 16u) {
        (void)snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    } else {
        (void)snprintf(ct, sizeof(ct), "Content-Type: application/octet-stream");
    }
    h = curl_slist_append(h, ct);
    struct curl_slist *h2 = h != NULL ? curl_slist_append(h, "Expect:") : NULL;
    if (h2 == NULL) {
        goto exit;
    }
    h = h2;
    (void)curl_easy_setopt(e, CURLOPT_URL, url);
    (void)curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
    (void)curl_easy_setopt(e, CURLOPT_POSTFIELDS, len > 0 ? data : "");
    (void)curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    (void)curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    (void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
    /* A redirect must not turn the PUT into a GET: follow none. */
    (void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    CURLcode rc = curl_easy_perform(e);
    if (rc != CURLE_OK) {
        ret = map_curl(rc, IOTL_OK);
        goto exit;
    }
    long code = 0;
    (void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code <= 299) {
        ret = IOTL_OK;
    } else {
        ret = iotl_transport_status_err((int)code, false);
        if (ret == IOTL_OK) {
            ret = IOTL_ERR_HTTP_STATUS; /* 304 makes no sense for PUT */
        }
    }
exit:
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    return ret;
}

const struct iotl_transport_ops iotl_curl_transport_ops = {
    .get_start = cu_get_start,
    .get_response = cu_get_response,
    .read = cu_read,
    .close = cu_close,
    .wait = cu_wait,
    .put = cu_put,
};

int iotl_curl_init(iotl_curl_t *c, struct iotl_transport *out, const struct iotl_curl_config *cfg)
{
    memset(c, 0, sizeof(*c));
    c->cfg = cfg != NULL ? cfg : &default_cfg;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return IOTL_ERR_IO;
    }
    c->multi = curl_multi_init();
    c->easy = curl_easy_init();
    if (c->multi == NULL || c->easy == NULL) {
        if (c->easy != NULL) {
            curl_easy_cleanup((CURL *)c->easy);
        }
        if (c->multi != NULL) {
            (void)curl_multi_cleanup((CURLM *)c->multi);
        }
        curl_global_cleanup();
        memset(c, 0, sizeof(*c));
        return IOTL_ERR_IO;
    }
    out->ops = &iotl_curl_transport_ops;
    out->ctx = c;
    return IOTL_OK;
}

void iotl_curl_deinit(iotl_curl_t *c)
{
    if (c == NULL || c->multi == NULL) {
        return;
    }
    cu_close(c);
    curl_easy_cleanup((CURL *)c->easy);
    (void)curl_multi_cleanup((CURLM *)c->multi);
    curl_global_cleanup();
    memset(c, 0, sizeof(*c));
}
