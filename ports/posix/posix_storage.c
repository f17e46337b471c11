/* SPDX-License-Identifier: Apache-2.0 */
/* File-backed storage areas. Writes with pwrite (errors come back as return
 * values, never as signals), reads and blank checks through a read-only
 * shared mapping of the file when one can be made (no copy for a blank check;
 * the page cache keeps it coherent with pwrite), fsync as sync. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* pwritev */
#include "iotlife/port/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
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

/* Every byte equals v: the first does, and each equals its successor. The
 * overlapping memcmp runs at libc's vector speed, unlike a byte loop (the
 * blank check reads whole slots, see bench/install). */
static int all_equal(const uint8_t *p, size_t n, uint8_t v)
{
    return n == 0 || (p[0] == v && memcmp(p, p + 1, n - 1) == 0);
}

static int px_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    iotl_posix_storage_t *ps = (iotl_posix_storage_t *)ctx;
    if (off > ps->size || len > ps->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    if (ps->map != NULL) {
        memcpy(buf, ps->map + off, len);
        return IOTL_OK;
    }
    return full_pread(ps->fd, buf, len, (off_t)off);
}

/* Whether [off, off+len) reads erased; tmp is scratch for the unmapped case. */
static int is_erased(iotl_posix_storage_t *ps, uint32_t off, size_t len, uint8_t *tmp,
                     size_t tmp_len, int *erased)
{
    if (ps->map != NULL) {
        /* The first bytes by pread: a block holding data (an older image)
         * is told without faulting the mapping's pages in. */
        uint8_t head[64];
        size_t hn = len < sizeof(head) ? len : sizeof(head);
        int ret = full_pread(ps->fd, head, hn, (off_t)off);
        if (ret != IOTL_OK) {
            return ret;
        }
        *erased = all_equal(head, hn, ps->erased_value) && all_equal(ps->map + off, len, ps->erased_value);
        return IOTL_OK;
    }
    *erased = 1;
    for (size_t done = 0; done < len && *erased;) {
        size_t n = len - done < tmp_len ? len - done : tmp_len;
        int ret = full_pread(ps->fd, tmp, n, (off_t)(off + done));
        if (ret != IOTL_OK) {
            return ret;
        }
        *erased = all_equal(tmp, n, ps->erased_value);
        done += n;
    }
    return IOTL_OK;
}

static int px_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    iotl_posix_storage_t *ps = (iotl_posix_storage_t *)ctx;
    if (off > ps->size || len > ps->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    if (ps->strict) {
        uint8_t tmp[256];
        int erased;
        int ret = is_erased(ps, off, len, tmp, sizeof(tmp), &erased);
        if (ret != IOTL_OK) {
            return ret;
        }
        if (!erased) {
            return IOTL_ERR_STORAGE_NOT_ERASED;
        }
    }
    return full_pwrite(ps->fd, buf, len, (off_t)off);
}

/* Write the erased value over [off, off+len), whatever is there: one buffer
 * of it, filled once, written up to 16 times per call. */
static int fill_erased(iotl_posix_storage_t *ps, uint32_t off, size_t len)
{
    uint8_t tmp[16 * 1024];
    struct iovec iov[16];
    memset(tmp, ps->erased_value, len < sizeof(tmp) ? len : sizeof(tmp));
    for (size_t done = 0; done < len;) {
        int cnt = 0;
        size_t n = 0;
        while (cnt < 16 && done + n < len) {
            size_t piece = len - done - n < sizeof(tmp) ? len - done - n : sizeof(tmp);
            iov[cnt].iov_base = tmp;
            iov[cnt].iov_len = piece;
            cnt++;
            n += piece;
        }
        ssize_t w = pwritev(ps->fd, iov, cnt, (off_t)(off + done));
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return IOTL_ERR_IO;
        }
        done += (size_t)w; /* a short write resumes where it stopped */
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
    /* Mapped: one check and one fill for the whole range. */
    size_t piece = ps->map != NULL ? len : sizeof(tmp);
    for (size_t done = 0; done < len;) {
        size_t n = len - done < piece ? len - done : piece;
        uint32_t at = off + (uint32_t)done;
        int erased;
        int ret = is_erased(ps, at, n, tmp, sizeof(tmp), &erased);
        if (ret == IOTL_OK && !erased) {
            ret = fill_erased(ps, at, n);
        }
        if (ret != IOTL_OK) {
            return ret;
        }
        done += n;
    }
    return IOTL_OK;
}

static int px_sync(void *ctx)
{
    iotl_posix_storage_t *ps = (iotl_posix_storage_t *)ctx;
    /* Data only: the file never changes size, and its timestamps need no
     * journal commit of their own (fdatasync). */
    return fdatasync(ps->fd) == 0 ? IOTL_OK : IOTL_ERR_IO;
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
    if (ret == IOTL_OK) {
        /* Optional: without a mapping (address space, file system) reads
         * fall back to pread. */
        void *m = mmap(NULL, geo->size, PROT_READ, MAP_SHARED, fd, 0);
        ps->map = m == MAP_FAILED ? NULL : (const uint8_t *)m;
    }
    if (ret != IOTL_OK) {
        iotl_posix_storage_close(ps);
    }
    return ret;
}

void iotl_posix_storage_close(iotl_posix_storage_t *ps)
{
    if (ps != NULL && ps->map != NULL) {
        munmap((void *)(uintptr_t)ps->map, ps->size);
        ps->map = NULL;
    }
    if (ps != NULL && ps->fd >= 0) {
        close(ps->fd);
        ps->fd = -1;
    }
}
