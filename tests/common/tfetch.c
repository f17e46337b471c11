/* SPDX-License-Identifier: Apache-2.0 */
#include "tfetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void wait_a_bit(const struct iotl_transport *t, struct tfetch_result *res)
{
    res->would_block++;
    if (t->ops->wait != NULL) {
        (void)t->ops->wait(t->ctx, 100);
    }
}

int tfetch(const struct iotl_transport *t, const struct iotl_transport_request *req, uint8_t *buf,
           size_t cap, size_t stop_after, struct tfetch_result *res)
{
    memset(res, 0, sizeof(*res));
    double deadline = now_s() + 30.0;
    int ret = t->ops->get_start(t->ctx, req);
    if (ret != IOTL_OK) {
        res->err = ret;
        res->response_err = ret;
        return ret;
    }
    while ((ret = t->ops->get_response(t->ctx, &res->resp)) == IOTL_ERR_WOULD_BLOCK) {
        if (now_s() > deadline) {
            ret = IOTL_ERR_TIMEOUT;
            break;
        }
        wait_a_bit(t, res);
    }
    res->response_err = ret;
    if (ret == IOTL_OK && res->resp.status != 304) {
        for (;;) {
            size_t want = cap - res->len;
            if (want > 7001u) {
                want = 7001u; /* odd size: exercise partial reads */
            }
            if (stop_after != 0 && res->len >= stop_after) {
                break;
            }
            if (stop_after != 0 && want > stop_after - res->len) {
                want = stop_after - res->len;
            }
            if (want == 0) {
                uint8_t extra;
                iotl_ssize_t n = t->ops->read(t->ctx, &extra, 1);
                if (n == IOTL_ERR_WOULD_BLOCK) {
                    wait_a_bit(t, res);
                    continue;
                }
                ret = n == 0 ? IOTL_OK : (n > 0 ? IOTL_ERR_NO_MEM : (int)n);
                break;
            }
            iotl_ssize_t n = t->ops->read(t->ctx, buf + res->len, want);
            if (n == IOTL_ERR_WOULD_BLOCK) {
                if (now_s() > deadline) {
                    ret = IOTL_ERR_TIMEOUT;
                    break;
                }
                wait_a_bit(t, res);
                continue;
            }
            if (n < 0) {
                ret = (int)n;
                break;
            }
            if (n == 0) {
                break;
            }
            res->len += (size_t)n;
        }
    }
    t->ops->close(t->ctx);
    res->err = ret;
    return ret;
}

uint8_t *tfetch_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1u << 16;
    size_t n = 0;
    uint8_t *b = malloc(cap);
    while (b != NULL) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            break;
        }
        uint8_t *nb = realloc(b, cap * 2u);
        if (nb == NULL) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2u;
    }
    fclose(f);
    *len = n;
    return b;
}
