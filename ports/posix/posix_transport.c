/* SPDX-License-Identifier: Apache-2.0 */
/* file:// transport: local files answer like a static HTTP server would
 * (200/206/304/404/416, ETag), so the agent and the tests can run against a
 * repository directory without a server. */
#define _POSIX_C_SOURCE 200809L
#include "iotlife/port/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* "file:///p" or "file://localhost/p" -> "/p" with %XX decoded. */
static int url_to_path(const char *url, char *path, size_t cap)
{
    static const char scheme[] = "file://";
    if (url == NULL || strncmp(url, scheme, sizeof(scheme) - 1u) != 0) {
        return IOTL_ERR_INVALID_ARG;
    }
    const char *p = url + sizeof(scheme) - 1u;
    if (strncmp(p, "localhost/", 10) == 0) {
        p += 9;
    }
    if (*p != '/') {
        return IOTL_ERR_INVALID_ARG;
    }
    size_t n = 0;
    while (*p != '\0' && *p != '?' && *p != '#') {
        char c = *p++;
        if (c == '%') {
            int hi = hexval(p[0]);
            int lo = hi < 0 ? -1 : hexval(p[1]);
            if (lo < 0 || (hi == 0 && lo == 0)) {
                return IOTL_ERR_INVALID_ARG;
            }
            c = (char)(hi * 16 + lo);
            p += 2;
        }
        if (n + 1u >= cap) {
            return IOTL_ERR_INVALID_ARG;
        }
        path[n++] = c;
    }
    path[n] = '\0';
    return IOTL_OK;
}

static void reset_resp(struct iotl_transport_response *r)
{
    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    r->total_size = -1;
}

static int ft_get_start(void *ctx, const struct iotl_transport_request *req)
{
    iotl_posix_transport_t *pt = (iotl_posix_transport_t *)ctx;
    char path[PATH_MAX];
    if (pt->open) {
        return IOTL_ERR_STATE;
    }
    if (req == NULL) {
        return IOTL_ERR_INVALID_ARG;
    }
    int ret = url_to_path(req->url, path, sizeof(path));
    if (ret != IOTL_OK) {
        return ret;
    }
    reset_resp(&pt->resp);
    pt->fd = -1;
    pt->pos = 0;
    pt->end = 0;
    pt->open = true;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pt->resp.status = (errno == ENOENT || errno == ENOTDIR) ? 404 : 403;
        pt->result = iotl_transport_status_err(pt->resp.status, false);
        return IOTL_OK;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        pt->open = false;
        return IOTL_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        pt->resp.status = 403;
        pt->result = iotl_transport_status_err(pt->resp.status, false);
        return IOTL_OK;
    }
    pt->fd = fd;
    uint64_t size = (uint64_t)st.st_size;
    uint64_t mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
    (void)snprintf(pt->resp.etag, sizeof(pt->resp.etag), "\"%llx-%llx\"", (unsigned long long)size,
                   (unsigned long long)mtime_ns);
    pt->resp.total_size = (int64_t)size;

    if (req->if_none_match != NULL &&
        (strcmp(req->if_none_match, pt->resp.etag) == 0 || strcmp(req->if_none_match, "*") == 0)) {
        pt->resp.status = 304;
        pt->resp.content_length = 0;
        pt->result = IOTL_OK;
        return IOTL_OK;
    }
    if (req->offset > 0 && req->offset >= size) {
        pt->resp.status = 416;
        pt->result = IOTL_ERR_HTTP_RANGE;
        return IOTL_OK;
    }
    if (req->max_size != 0 && size > req->max_size) {
        pt->resp.status = req->offset > 0 ? 206 : 200;
        pt->result = IOTL_ERR_RESPONSE_TOO_LARGE;
        return IOTL_OK;
    }
    pt->resp.status = req->offset > 0 ? 206 : 200;
    pt->resp.offset = req->offset;
    pt->resp.content_length = (int64_t)(size - req->offset);
    pt->pos = req->offset;
    pt->end = size;
    pt->result = IOTL_OK;
    return IOTL_OK;
}

static int ft_get_response(void *ctx, struct iotl_transport_response *resp)
{
    iotl_posix_transport_t *pt = (iotl_posix_transport_t *)ctx;
    if (!pt->open || resp == NULL) {
        return IOTL_ERR_STATE;
    }
    *resp = pt->resp;
    return pt->result;
}

static iotl_ssize_t ft_read(void *ctx, void *buf, size_t len)
{
    iotl_posix_transport_t *pt = (iotl_posix_transport_t *)ctx;
    if (!pt->open || pt->result != IOTL_OK) {
        return IOTL_ERR_STATE;
    }
    if (pt->pos >= pt->end || len == 0) {
        return 0;
    }
    if (len > pt->end - pt->pos) {
        len = (size_t)(pt->end - pt->pos);
    }
    if (len > (size_t)PTRDIFF_MAX) {
        len = (size_t)PTRDIFF_MAX;
    }
    for (;;) {
        ssize_t n = pread(pt->fd, buf, len, (off_t)pt->pos);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return IOTL_ERR_IO;
        }
        if (n == 0) {
            return IOTL_ERR_TRUNCATED; /* the file shrank under us */
        }
        pt->pos += (uint64_t)n;
        return (iotl_ssize_t)n;
    }
}

static void ft_close(void *ctx)
{
    iotl_posix_transport_t *pt = (iotl_posix_transport_t *)ctx;
    if (pt->open && pt->fd >= 0) {
        close(pt->fd);
    }
    pt->fd = -1;
    pt->open = false;
}

static int ft_wait(void *ctx, uint32_t timeout_ms)
{
    (void)ctx;
    (void)timeout_ms;
    return IOTL_OK;
}

/* mkdir -p of every parent of path (path is modified and restored). */
static int make_parents(char *path)
{
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        int r = mkdir(path, 0755);
        int e = errno;
        *p = '/';
        if (r != 0 && e != EEXIST) {
            return IOTL_ERR_IO;
        }
    }
    return IOTL_OK;
}

static int ft_put(void *ctx, const char *url, const void *data, size_t len, const char *content_type)
{
    iotl_posix_transport_t *pt = (iotl_posix_transport_t *)ctx;
    char path[PATH_MAX];
    char tmp[PATH_MAX + 32];
    (void)content_type;
    if (pt->open) {
        return IOTL_ERR_STATE;
    }
    if (data == NULL && len > 0) {
        return IOTL_ERR_INVALID_ARG;
    }
    int ret = url_to_path(url, path, sizeof(path));
    if (ret != IOTL_OK) {
        return ret;
    }
    size_t plen = strlen(path);
    if (plen == 0 || path[plen - 1u] == '/') {
        return IOTL_ERR_HTTP_STATUS; /* a collection, like WebDAV's 409 */
    }
    ret = make_parents(path);
    if (ret != IOTL_OK) {
        return ret;
    }
    (void)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return IOTL_ERR_IO;
    }
    const unsigned char *p = (const unsigned char *)data;
    size_t left = len;
    ret = IOTL_OK;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ret = IOTL_ERR_IO;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (ret == IOTL_OK && fsync(fd) != 0) {
        ret = IOTL_ERR_IO;
    }
    if (close(fd) != 0 && ret == IOTL_OK) {
        ret = IOTL_ERR_IO;
    }
    if (ret == IOTL_OK && rename(tmp, path) != 0) {
        ret = IOTL_ERR_IO;
    }
    if (ret != IOTL_OK) {
        (void)unlink(tmp);
    }
    return ret;
}

const struct iotl_transport_ops iotl_posix_transport_ops = {
    .get_start = ft_get_start,
    .get_response = ft_get_response,
    .read = ft_read,
    .close = ft_close,
    .wait = ft_wait,
    .put = ft_put,
};

int iotl_posix_transport_init(iotl_posix_transport_t *pt, struct iotl_transport *out)
{
    memset(pt, 0, sizeof(*pt));
    pt->fd = -1;
    out->ops = &iotl_posix_transport_ops;
    out->ctx = pt;
    return IOTL_OK;
}

void iotl_posix_transport_deinit(iotl_posix_transport_t *pt)
{
    if (pt != NULL) {
        ft_close(pt);
    }
}
