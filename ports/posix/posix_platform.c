/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX clocks, randomness and host identity. */
#define _GNU_SOURCE
#include "iotlife/port/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t px_uptime_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int px_wall_time(void *ctx, int64_t *unix_s)
{
    (void)ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return IOTL_ERR_UNSUPPORTED;
    }
    *unix_s = (int64_t)ts.tv_sec;
    return IOTL_OK;
}

static int px_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *p = (uint8_t *)buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return IOTL_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    return IOTL_OK;
}

const struct iotl_platform_ops iotl_posix_platform_ops = {
    .uptime_ms = px_uptime_ms,
    .wall_time = px_wall_time,
    .random = px_random,
    .lock = NULL,
    .unlock = NULL,
};

int iotl_posix_platform_init(struct iotl_platform *out)
{
    out->ops = &iotl_posix_platform_ops;
    out->ctx = NULL;
    return IOTL_OK;
}

int iotl_posix_device_id(char *buf, size_t len)
{
    char id[128] = {0};
    FILE *f = fopen("/etc/machine-id", "r");
    if (f != NULL) {
        if (fgets(id, sizeof(id), f) == NULL) {
            id[0] = '\0';
        }
        fclose(f);
        id[strcspn(id, "\r\n")] = '\0';
    }
    if (id[0] == '\0' && gethostname(id, sizeof(id) - 1) != 0) {
        id[0] = '\0';
    }
    if (id[0] == '\0') {
        return IOTL_ERR_NOT_FOUND;
    }
    if (strlen(id) + 1 > len) {
        return IOTL_ERR_NO_MEM;
    }
    memcpy(buf, id, strlen(id) + 1);
    return IOTL_OK;
}
