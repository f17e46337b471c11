/* SPDX-License-Identifier: Apache-2.0 */
/* File-backed storage areas. pread/pwrite at offsets, fsync as sync. */
#define _POSIX_C_SOURCE 200809L
#include "iotlife/port/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int full_pread(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = (uint8_t *)buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return IOTL_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return IOTL_OK;
}

static int full_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = (const uint8_t *)buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return IOTL_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return IOTL_OK;
}

static int all_equal(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return 0;
        }
    }
    return 1;
}

static int px_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    iotl_posix_storage_t *ps = (iotl_posix_storage_t *)ctx;
    if (off > ps->size || len > ps->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    return full_pread(ps->fd, buf, len, (off_t)off);
}

static int px_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    iotl_posix_storage_t *ps = (iotl_posix_storage_t *)ctx;
    if (off > ps->size || len > ps->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    if (ps->strict) {
        uint8_t tmp[256];
        for (size_t done = 0; done < len;) {
            size_t remaining = len - done;
            size_t n = remaining < sizeof(tmp) ? remaining : sizeof(tmp);
            int ret = full_pread(ps->fd, tmp, n, (off_t)(off + done));
            if (ret != IOTL_OK) {
                return ret;
            }
            if (!all_equal(tmp, n, ps->erased_value)) {
                return IOTL_ERR_STORAGE_NOT_ERASED;
            }
            done += n;
        }
    }
    return full_pwrite(ps->fd, buf, len, (off_t)off);
}

/* Write the erased value over [off, off+len), whatever is there. */
static int fill_erased(iotl_posix_storage_t *ps, uint32_t off, size_t len)
{
    uint8_t tmp[16 * 1024];
    memset(tmp, ps->erased_value, sizeof(tmp));
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
        int ret = full_pwrite(ps->fd, tmp, n, (off_t)(off + done));
        if (ret != IOTL_OK) {
            return ret;
        }
        done += n;
    }
    return IOTL_OK;
}

static int px_erase(void *ctx, uint32_t off, size_t len)
{
    iotl_posix_storage_t *ps = (iotl_posix_storage_t *)ctx;
    if (off > ps->size || len > ps->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    /* Blank check first, as flash drivers do: a piece that already reads
     * erased is not rewritten. Erasing rewrote whole slots before, which made
     * the erase cost as much as the install itself (bench/install). */
    uint8_t tmp[16 * 1024];
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
        off_t at = (off_t)(off + done);
        int ret = full_pread(ps->fd, tmp, n, at);
        if (ret != IOTL_OK) {
            return ret;
        }
        if (!all_equal(tmp, n, ps->erased_value)) {
            ret = fill_erased(ps, (uint32_t)at, n);
            if (ret != IOTL_OK) {
                return ret;
            }
        }
        done += n;
    }
    return IOTL_OK;
}

static int px_sync(void *ctx)
{
    iotl_posix_storage_t *ps = (iotl_posix_storage_t *)ctx;
    return fsync(ps->fd) == 0 ? IOTL_OK : IOTL_ERR_IO;
}

const struct iotl_storage_ops iotl_posix_storage_ops = {
    .read = px_read,
    .write = px_write,
    .erase = px_erase,
    .sync = px_sync,
};

int iotl_posix_storage_open(iotl_posix_storage_t *ps, struct iotl_storage *out, const char *path,
                            const struct iotl_storage_geometry *geo, bool strict)
{
    memset(ps, 0, sizeof(*ps));
    ps->fd = -1;
    out->ops = &iotl_posix_storage_ops;
    out->ctx = ps;
    out->geo = *geo;
    int ret = iotl_storage_check(out);
    if (ret != IOTL_OK) {
        return ret;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return IOTL_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return IOTL_ERR_IO;
    }
    ps->fd = fd;
    ps->size = geo->size;
    ps->erased_value = geo->erased_value;
    ps->strict = strict;
    if (st.st_size == 0) {
        /* New area: starts fully erased, made durable before first use. */
        ret = fill_erased(ps, 0, geo->size);
        if (ret == IOTL_OK) {
            ret = px_sync(ps);
        }
    } else if ((uint64_t)st.st_size != geo->size) {
        ret = IOTL_ERR_STORAGE_GEOMETRY;
    }
    if (ret != IOTL_OK) {
        iotl_posix_storage_close(ps);
    }
    return ret;
}

void iotl_posix_storage_close(iotl_posix_storage_t *ps)
{
    if (ps != NULL && ps->fd >= 0) {
        close(ps->fd);
        ps->fd = -1;
    }
}
