/* SPDX-License-Identifier: Apache-2.0 */
/* Update agent: a non-blocking state machine over the transport port that
 * drives a verification/staging backend and asks the application at the
 * points where the application decides (include/iotlife/agent.h). */
#include "iotlife/agent.h"

#include <string.h>

#include "iotlife/url.h"
#include "iotl_priv.h"

#define DEF_POLL_S 3600u
#define DEF_BACKOFF_MIN_MS 5000u
#define DEF_BACKOFF_MAX_MS 3600000u
#define DEF_CRITICAL_DEFER_S 3600u
#define GET_WAIT_MS 100u      /* hint while a transfer is in flight */
#define TRIAL_RECHECK_MS 1000u
#define REBOOT_WAIT_MS 60000u
#define READS_PER_STEP 16u    /* bounded work per step */
#define REPORT_TRIES 3u
#define DEFAULT_KEYRING_REF "../keys/keyring.jws"

/* ---- time and randomness -------------------------------------------------- */

static uint64_t now_ms(const iotl_agent_t *a)
{
    const struct iotl_platform *p = a->cfg->platform;
    return p->ops->uptime_ms(p->ctx);
}

static uint32_t next_rand(iotl_agent_t *a)
{
    /* xorshift32: jitter only, never security */
    uint32_t x = a->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    a->rng = x;
    return x;
}

uint32_t iotl_agent_backoff_ms(uint32_t min_ms, uint32_t max_ms, uint32_t failures, uint32_t rnd)
{
    if (min_ms == 0) {
        min_ms = 1;
    }
    if (max_ms < min_ms) {
        max_ms = min_ms;
    }
    uint64_t d = min_ms;
    for (uint32_t i = 1; i < failures && d < max_ms; i++) {
        d *= 2u;
    }
    if (d > max_ms) {
        d = max_ms;
    }
    uint64_t half = d / 2u;
    uint64_t span = d - half + 1u;
    return (uint32_t)(half + (uint64_t)rnd % span);
}

uint32_t iotl_agent_window_wait_s(int64_t now_unix_s, uint16_t start_min, uint16_t end_min,
                                  int16_t utc_offset_min)
{
    if (start_min == end_min || start_min >= 1440u || end_min >= 1440u) {
        return 0;
    }
    int64_t local = now_unix_s + (int64_t)utc_offset_min * 60;
    int64_t sec_of_day = local % 86400;
    if (sec_of_day < 0) {
        sec_of_day += 86400;
    }
    int64_t start = (int64_t)start_min * 60;
    int64_t end = (int64_t)end_min * 60;
    bool inside = start < end ? (sec_of_day >= start && sec_of_day < end)
                              : (sec_of_day >= start || sec_of_day < end);
    if (inside) {
        return 0;
    }
    int64_t wait = start - sec_of_day;
    if (wait < 0) {
        wait += 86400;
    }
    return (uint32_t)wait;
}

/* ---- helpers -------------------------------------------------------------- */

static const struct iotl_transport *tp(const iotl_agent_t *a)
{
    return a->cfg->transport;
}

static void close_get(iotl_agent_t *a)
{
    if (a->busy) {
        tp(a)->ops->close(tp(a)->ctx);
        a->busy = false;
    }
    a->have_resp = false;
}

static void progress(const iotl_agent_t *a, uint64_t done, uint64_t total)
{
    const struct iotl_agent_app_ops *app = a->cfg->app;
    if (app->progress != NULL) {
        app->progress(a->cfg->app_ctx, (enum iotl_agent_phase)a->phase, done, total);
    }
}

static void set_phase(iotl_agent_t *a, enum iotl_agent_phase p)
{
    a->phase = (uint8_t)p;
    a->pos = 0;
    progress(a, 0, 0);
}

static uint64_t poll_ms(iotl_agent_t *a)
{
    uint64_t s = a->cfg->poll_interval_s != 0 ? a->cfg->poll_interval_s : DEF_POLL_S;
    uint64_t ms = s * 1000u;
    return ms * (90u + next_rand(a) % 21u) / 100u; /* +-10 % */
}

static void go_idle(iotl_agent_t *a, bool due_now)
{
    close_get(a);
    a->failures = 0;
    a->last_error = IOTL_OK;
    a->due_ms = now_ms(a) + (due_now ? 0u : poll_ms(a));
    a->prepared = false;
    set_phase(a, IOTL_AGENT_IDLE);
}

static void fail(iotl_agent_t *a, int err)
{
    enum iotl_agent_phase retry;
    close_get(a);
    switch ((enum iotl_agent_phase)a->phase) {
    case IOTL_AGENT_DOWNLOAD:
        retry = IOTL_AGENT_DOWNLOAD;
        break;
    case IOTL_AGENT_TRIAL:
        retry = IOTL_AGENT_TRIAL;
        break;
    case IOTL_AGENT_REPORT:
        retry = IOTL_AGENT_REPORT;
        break;
    case IOTL_AGENT_IDLE:
    case IOTL_AGENT_CHECK:
    case IOTL_AGENT_KEYRING:
    case IOTL_AGENT_MANIFEST:
    case IOTL_AGENT_CONSENT:
    case IOTL_AGENT_DEFERRED:
    case IOTL_AGENT_WINDOW:
    case IOTL_AGENT_INSTALL:
    case IOTL_AGENT_REBOOT:
    case IOTL_AGENT_BACKOFF:
    default:
        retry = IOTL_AGENT_CHECK;
        break;
    }
    IOTL_LOG_WRN("agent: phase %d failed: %d", (int)a->phase, err);
    a->retry_phase = (uint8_t)retry;
    a->begun = false; /* the backend tells the resume point again */
    a->last_error = err;
    if (a->failures < UINT32_MAX) {
        a->failures++;
    }
    uint32_t min_ms = a->cfg->backoff_min_ms != 0 ? a->cfg->backoff_min_ms : DEF_BACKOFF_MIN_MS;
    uint32_t max_ms = a->cfg->backoff_max_ms != 0 ? a->cfg->backoff_max_ms : DEF_BACKOFF_MAX_MS;
    a->due_ms = now_ms(a) + iotl_agent_backoff_ms(min_ms, max_ms, a->failures, next_rand(a));
    set_phase(a, IOTL_AGENT_BACKOFF);
}

static int set_url(iotl_agent_t *a, const char *url)
{
    size_t n = strlen(url);
    if (n + 1u > sizeof(a->url)) {
        return IOTL_ERR_NO_MEM;
    }
    memcpy(a->url, url, n + 1u);
    return IOTL_OK;
}

/* Non-blocking GET of a whole document into the work buffer.
 * 0: complete (a->pos bytes), 1: 304 Not Modified, WOULD_BLOCK, or an error. */
static int fetch_doc(iotl_agent_t *a, const char *if_none_match)
{
    const struct iotl_transport *t = tp(a);
    size_t cap = a->cfg->work_buf_len;
    int ret;
    if (!a->busy) {
        struct iotl_transport_request req = {0};
        req.url = a->url;
        req.if_none_match = (if_none_match != NULL && if_none_match[0] != '\0') ? if_none_match : NULL;
        req.max_size = cap;
        ret = t->ops->get_start(t->ctx, &req);
        if (ret != IOTL_OK) {
            return ret;
        }
        a->busy = true;
        a->have_resp = false;
        a->pos = 0;
    }
    if (!a->have_resp) {
        ret = t->ops->get_response(t->ctx, &a->resp);
        if (ret == IOTL_ERR_WOULD_BLOCK) {
            return ret;
        }
        if (ret != IOTL_OK) {
            close_get(a);
            return ret;
        }
        a->have_resp = true;
        if (a->resp.status == 304) {
            close_get(a);
            return if_none_match != NULL ? 1 : IOTL_ERR_HTTP_STATUS;
        }
        if (a->resp.offset != 0) {
            close_get(a);
            return IOTL_ERR_HTTP_STATUS;
        }
    }
    for (unsigned i = 0; i < READS_PER_STEP; i++) {
        iotl_ssize_t n;
        if (a->pos >= cap) {
            uint8_t extra;
            n = t->ops->read(t->ctx, &extra, 1);
            if (n > 0) {
                close_get(a);
                return IOTL_ERR_RESPONSE_TOO_LARGE;
            }
        } else {
            n = t->ops->read(t->ctx, a->cfg->work_buf + a->pos, (size_t)(cap - a->pos));
        }
        if (n == IOTL_ERR_WOULD_BLOCK) {
            return IOTL_ERR_WOULD_BLOCK;
        }
        if (n < 0) {
            close_get(a);
            return (int)n;
        }
        if (n == 0) {
            close_get(a);
            return IOTL_OK;
        }
        a->pos += (uint64_t)n;
    }
    return IOTL_ERR_WOULD_BLOCK;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n + 1u > cap) {
        n = cap - 1u;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The deployment document of the current check is handled (installed,
 * refused, declined or nothing new): later checks send its ETag, and the
 * app may persist it for the next boot. */
static void etag_handled(iotl_agent_t *a)
{
    if (strcmp(a->etag, a->pending_etag) == 0) {
        return;
    }
    copy_str(a->etag, sizeof(a->etag), a->pending_etag);
    if (a->cfg->app->etag != NULL) {
        a->cfg->app->etag(a->cfg->app_ctx, a->etag);
    }
}

/* ---- phases --------------------------------------------------------------- */

static void enter_check(iotl_agent_t *a)
{
    a->check_now = false;
    int ret = set_url(a, a->cfg->deployment_url);
    set_phase(a, IOTL_AGENT_CHECK);
    if (ret != IOTL_OK) {
        fail(a, ret);
    }
}

static void enter_consent(iotl_agent_t *a)
{
    set_phase(a, IOTL_AGENT_CONSENT);
}

static uint32_t step_check(iotl_agent_t *a)
{
    int ret = fetch_doc(a, a->etag);
    if (ret == IOTL_ERR_WOULD_BLOCK) {
        return GET_WAIT_MS;
    }
    a->not_modified = ret == 1;
    if (ret == 1) {
        go_idle(a, false); /* not modified: already handled */
        return 0;
    }
    if (ret != IOTL_OK) {
        fail(a, ret);
        return 0;
    }
    copy_str(a->pending_etag, sizeof(a->pending_etag), a->resp.etag);
    char ref[IOTL_AGENT_URL_MAX];
    ref[0] = '\0';
    ret = a->cfg->backend->deployment(a->cfg->backend_ctx, a->cfg->work_buf, (size_t)a->pos, ref,
                                      sizeof(ref));
    if (ret == IOTL_ERR_NO_UPDATE) {
        etag_handled(a);
        go_idle(a, false);
        return 0;
    }
    if (ret == IOTL_ERR_UNKNOWN_KEY && !a->keyring_tried && a->cfg->backend->keyring != NULL) {
        a->keyring_tried = true;
        const char *kr = a->cfg->keyring_url != NULL ? a->cfg->keyring_url : DEFAULT_KEYRING_REF;
        set_phase(a, IOTL_AGENT_KEYRING);
        ret = iotl_url_resolve(a->cfg->deployment_url, kr, a->url, sizeof(a->url));
        if (ret != IOTL_OK) {
            fail(a, ret);
        }
        return 0;
    }
    if (ret != IOTL_OK) {
        fail(a, ret);
        return 0;
    }
    ref[sizeof(ref) - 1u] = '\0';
    ret = iotl_url_resolve(a->cfg->deployment_url, ref, a->manifest_url, sizeof(a->manifest_url));
    if (ret != IOTL_OK) {
        fail(a, ret);
        return 0;
    }
    memcpy(a->url, a->manifest_url, sizeof(a->url));
    set_phase(a, IOTL_AGENT_MANIFEST);
    return 0;
}

static uint32_t step_keyring(iotl_agent_t *a)
{
    int ret = fetch_doc(a, NULL);
    if (ret == IOTL_ERR_WOULD_BLOCK) {
        return GET_WAIT_MS;
    }
    if (ret == IOTL_OK) {
        ret = a->cfg->backend->keyring(a->cfg->backend_ctx, a->cfg->work_buf, (size_t)a->pos);
    }
    if (ret != IOTL_OK) {
        fail(a, ret);
        return 0;
    }
    int r2 = set_url(a, a->cfg->deployment_url);
    set_phase(a, IOTL_AGENT_CHECK); /* keyring_tried stays set: one refresh per check */
    if (r2 != IOTL_OK) {
        fail(a, r2);
    }
    return 0;
}

static bool offer_valid(const struct iotl_agent_offer *o)
{
    return o->payload_size > 0 && memchr(o->version, '\0', sizeof(o->version)) != NULL &&
           memchr(o->payload_url, '\0', sizeof(o->payload_url)) != NULL && o->payload_url[0] != '\0' &&
           o->urgency <= IOTL_AGENT_URGENCY_CRITICAL;
}

static uint32_t step_manifest(iotl_agent_t *a)
{
    int ret = fetch_doc(a, NULL);
    if (ret == IOTL_ERR_WOULD_BLOCK) {
        return GET_WAIT_MS;
    }
    if (ret == IOTL_OK) {
        memset(&a->offer, 0, sizeof(a->offer));
        ret = a->cfg->backend->manifest(a->cfg->backend_ctx, a->cfg->work_buf, (size_t)a->pos, &a->offer);
        if (ret == IOTL_OK && !offer_valid(&a->offer)) {
            ret = IOTL_ERR_INVALID_ARG;
        }
    }
    if (ret == IOTL_ERR_NO_UPDATE) {
        etag_handled(a);
        go_idle(a, false);
        return 0;
    }
    if (ret != IOTL_OK) {
        fail(a, ret);
        return 0;
    }
    if (a->have_declined && memcmp(a->declined_id, a->offer.id, sizeof(a->declined_id)) == 0) {
        etag_handled(a);
        go_idle(a, false);
        return 0;
    }
    a->begun = false;
    enter_consent(a);
    return 0;
}

static uint32_t step_consent(iotl_agent_t *a)
{
    struct iotl_agent_consent ans = {IOTL_AGENT_INSTALL_NOW, 0};
    const struct iotl_agent_app_ops *app = a->cfg->app;
    if (app->consent != NULL) {
        app->consent(a->cfg->app_ctx, &a->offer, &ans);
    }
    if (ans.decision == IOTL_AGENT_INSTALL_NOW) {
        set_phase(a, IOTL_AGENT_DOWNLOAD);
        return 0;
    }
    if (ans.decision == IOTL_AGENT_DECLINE) {
        memcpy(a->declined_id, a->offer.id, sizeof(a->declined_id));
        a->have_declined = true;
        etag_handled(a);
        go_idle(a, false);
        return 0;
    }
    /* DEFER, or an answer we do not know: wait and ask again. */
    uint64_t s = ans.decision == IOTL_AGENT_DEFER && ans.defer_s != 0
                     ? ans.defer_s
                     : (a->cfg->poll_interval_s != 0 ? a->cfg->poll_interval_s : DEF_POLL_S);
    if (a->offer.urgency == IOTL_AGENT_URGENCY_CRITICAL) {
        uint64_t cap = a->cfg->critical_defer_max_s != 0 ? a->cfg->critical_defer_max_s : DEF_CRITICAL_DEFER_S;
        s = IOTL_MIN(s, cap);
    }
    a->due_ms = now_ms(a) + s * 1000u;
    set_phase(a, IOTL_AGENT_DEFERRED);
    return 0;
}

static uint32_t step_download(iotl_agent_t *a)
{
    const struct iotl_transport *t = tp(a);
    const struct iotl_agent_backend_ops *be = a->cfg->backend;
    int ret;
    if (!a->begun) {
        uint64_t resume = 0;
        ret = be->begin(a->cfg->backend_ctx, &a->offer, &resume);
        if (ret == IOTL_OK && resume > a->offer.payload_size) {
            ret = IOTL_ERR_CORRUPT;
        }
        if (ret == IOTL_OK) {
            ret = iotl_url_resolve(a->manifest_url, a->offer.payload_url, a->url, sizeof(a->url));
        }
        if (ret == IOTL_ERR_NO_UPDATE) {
            /* the backend refuses this release for good (e.g. rolled back before) */
            etag_handled(a);
            go_idle(a, false);
            return 0;
        }
        if (ret != IOTL_OK) {
            fail(a, ret);
            return 0;
        }
        a->begun = true;
        a->pos = resume;
        progress(a, a->pos, a->offer.payload_size);
    }
    if (a->pos == a->offer.payload_size) {
        close_get(a);
        set_phase(a, IOTL_AGENT_WINDOW);
        return 0;
    }
    if (!a->busy) {
        struct iotl_transport_request req = {0};
        req.url = a->url;
        req.offset = a->pos;
        req.max_size = a->offer.payload_size;
        ret = t->ops->get_start(t->ctx, &req);
        if (ret != IOTL_OK) {
            fail(a, ret);
            return 0;
        }
        a->busy = true;
        a->have_resp = false;
    }
    if (!a->have_resp) {
        ret = t->ops->get_response(t->ctx, &a->resp);
        if (ret == IOTL_ERR_WOULD_BLOCK) {
            return GET_WAIT_MS;
        }
        if (ret == IOTL_OK && a->resp.offset == a->pos && a->resp.status != 304) {
            a->skip = 0;
        } else if (ret == IOTL_OK && a->resp.status == 200 && a->resp.offset == 0) {
            a->skip = a->pos; /* the server ignored Range: drop what we already have */
        } else if (ret == IOTL_OK) {
            ret = IOTL_ERR_HTTP_STATUS;
        }
        if (ret != IOTL_OK) {
            fail(a, ret);
            return 0;
        }
        a->have_resp = true;
    }
    size_t chunk = a->cfg->work_buf_len;
    if (a->cfg->chunk_size != 0 && a->cfg->chunk_size < chunk) {
        chunk = a->cfg->chunk_size;
    }
    for (unsigned i = 0; i < READS_PER_STEP; i++) {
        iotl_ssize_t n = t->ops->read(t->ctx, a->cfg->work_buf, chunk);
        if (n == IOTL_ERR_WOULD_BLOCK) {
            return GET_WAIT_MS;
        }
        if (n < 0) {
            fail(a, (int)n);
            return 0;
        }
        if (n == 0) {
            close_get(a);
            if (a->pos != a->offer.payload_size || a->skip != 0) {
                fail(a, IOTL_ERR_TRUNCATED);
                return 0;
            }
            set_phase(a, IOTL_AGENT_WINDOW);
            return 0;
        }
        const uint8_t *d = a->cfg->work_buf;
        size_t m = (size_t)n;
        if (a->skip != 0) {
            size_t k = (size_t)IOTL_MIN((uint64_t)m, a->skip);
            a->skip -= k;
            d += k;
            m -= k;
        }
        if (m == 0) {
            continue;
        }
        if ((uint64_t)m > a->offer.payload_size - a->pos) {
            fail(a, IOTL_ERR_RESPONSE_TOO_LARGE);
            return 0;
        }
        ret = be->write(a->cfg->backend_ctx, a->pos, d, m);
        if (ret != IOTL_OK) {
            fail(a, ret);
            return 0;
        }
        a->pos += m;
        progress(a, a->pos, a->offer.payload_size);
    }
    return 0;
}

static uint32_t step_window(iotl_agent_t *a)
{
    const struct iotl_agent_config *c = a->cfg;
    const struct iotl_platform *p = c->platform;
    uint32_t wait_s = 0;
    int64_t now_s = 0;
    if (a->offer.urgency != IOTL_AGENT_URGENCY_CRITICAL && c->window_start_min != c->window_end_min &&
        p->ops->wall_time != NULL && p->ops->wall_time(p->ctx, &now_s) == IOTL_OK) {
        wait_s = iotl_agent_window_wait_s(now_s, c->window_start_min, c->window_end_min, c->utc_offset_min);
    }
    if (wait_s == 0) {
        set_phase(a, IOTL_AGENT_INSTALL);
        return 0;
    }
    return wait_s > 60u ? 60000u : wait_s * 1000u; /* re-read the clock at least every minute */
}

static uint32_t step_install(iotl_agent_t *a)
{
    int ret = a->cfg->backend->install(a->cfg->backend_ctx);
    if (ret == IOTL_ERR_WOULD_BLOCK) {
        return 0;
    }
    if (ret != IOTL_OK) {
        fail(a, ret);
        return 0;
    }
    etag_handled(a);
    a->failures = 0;
    a->last_error = IOTL_OK;
    set_phase(a, IOTL_AGENT_REBOOT);
    a->cfg->app->reboot(a->cfg->app_ctx);
    return 0;
}

static uint32_t step_trial(iotl_agent_t *a)
{
    const struct iotl_agent_app_ops *app = a->cfg->app;
    const struct iotl_agent_backend_ops *be = a->cfg->backend;
    int h = app->health != NULL ? app->health(a->cfg->app_ctx) : IOTL_OK;
    if (h == IOTL_ERR_WOULD_BLOCK) {
        return TRIAL_RECHECK_MS;
    }
    if (h == IOTL_OK) {
        int ret = be->confirm(a->cfg->backend_ctx);
        if (ret != IOTL_OK) {
            fail(a, ret);
            return 0;
        }
        a->report_tries = 0;
        set_phase(a, IOTL_AGENT_REPORT);
        return 0;
    }
    int ret = be->reject(a->cfg->backend_ctx, (int32_t)h);
    if (ret != IOTL_OK) {
        fail(a, ret);
        return 0;
    }
    set_phase(a, IOTL_AGENT_REBOOT);
    app->reboot(a->cfg->app_ctx);
    return 0;
}

/* ---- status document ---------------------------------------------------- */

struct sbuf {
    char *p;
    size_t cap;
    size_t len;
    bool over;
};

static void sb_raw(struct sbuf *b, const char *s, size_t n)
{
    if (b->over || n > b->cap - b->len) {
        b->over = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_raw(b, s, strlen(s));
}

/* A JSON string; anything outside printable ASCII or quote/backslash is escaped. */
static void sb_json(struct sbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    sb_raw(b, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            sb_raw(b, (const char *)&c, 1);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15u]};
            sb_raw(b, e, sizeof(e));
        }
    }
    sb_raw(b, "\"", 1);
}

static void sb_int(struct sbuf *b, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10u));
        u /= 10u;
    } while (u != 0);
    if (v < 0) {
        tmp[n++] = '-';
    }
    while (n > 0) {
        sb_raw(b, &tmp[--n], 1);
    }
}

static const char *result_name(uint8_t r)
{
    switch (r) {
    case IOTL_AGENT_RESULT_CONFIRMED:
        return "confirmed";
    case IOTL_AGENT_RESULT_ROLLED_BACK:
        return "rolled-back";
    case IOTL_AGENT_RESULT_FAILED:
        return "failed";
    default:
        return "unknown";
    }
}

static size_t build_status(const iotl_agent_t *a, const struct iotl_agent_outcome *o)
{
    struct sbuf b = {(char *)a->cfg->work_buf, a->cfg->work_buf_len, 0, false};
    char version[IOTL_AGENT_VERSION_MAX];
    memcpy(version, o->version, sizeof(version));
    version[sizeof(version) - 1u] = '\0';
    sb_str(&b, "{\"format\":\"iotlife-status\",\"version\":1,\"device\":");
    sb_json(&b, a->cfg->device_id != NULL ? a->cfg->device_id : "unknown");
    sb_str(&b, ",\"seq\":");
    sb_int(&b, o->seq);
    sb_str(&b, ",\"result\":");
    sb_json(&b, result_name(o->result));
    sb_str(&b, ",\"release\":");
    sb_json(&b, version);
    sb_str(&b, ",\"code\":");
    sb_int(&b, o->code);
    sb_str(&b, ",\"error\":");
    sb_json(&b, o->code < 0 ? iotl_strerror_name(o->code) : "");
    sb_str(&b, "}\n");
    return b.over ? 0 : b.len;
}

static uint32_t step_report(iotl_agent_t *a)
{
    const struct iotl_agent_backend_ops *be = a->cfg->backend;
    struct iotl_agent_outcome o;
    if (be->outcome == NULL || a->cfg->report_url == NULL) {
        go_idle(a, true);
        return 0;
    }
    memset(&o, 0, sizeof(o));
    int ret = be->outcome(a->cfg->backend_ctx, &o);
    if (ret == IOTL_ERR_NOT_FOUND) {
        go_idle(a, true);
        return 0;
    }
    if (ret == IOTL_OK) {
        size_t n = build_status(a, &o);
        ret = n == 0 ? IOTL_ERR_NO_MEM : IOTL_OK;
        if (ret == IOTL_OK) {
            const struct iotl_transport *t = tp(a);
            ret = t->ops->put != NULL ? t->ops->put(t->ctx, a->cfg->report_url, a->cfg->work_buf, n,
                                                    "application/json")
                                      : IOTL_ERR_UNSUPPORTED;
        }
        if (ret == IOTL_OK && be->outcome_ack != NULL) {
            ret = be->outcome_ack(a->cfg->backend_ctx, o.seq);
        }
    }
    if (ret != IOTL_OK) {
        if (++a->report_tries >= REPORT_TRIES) {
            IOTL_LOG_WRN("agent: report not delivered: %d", ret);
            a->report_tries = 0;
            go_idle(a, false); /* the outcome stays unacknowledged for the next boot */
            a->last_error = ret;
            return 0;
        }
        fail(a, ret);
        return 0;
    }
    if (be->outcome_ack == NULL) {
        go_idle(a, true);
        return 0;
    }
    return 0; /* stay in REPORT: there may be another outcome */
}

/* ---- public API ------------------------------------------------------------ */

int iotl_agent_init(iotl_agent_t *a, const struct iotl_agent_config *cfg)
{
    IOTL_ASSERT(a != NULL && cfg != NULL);
    memset(a, 0, sizeof(*a));
    const struct iotl_agent_backend_ops *be = cfg->backend;
    if (cfg->transport == NULL || cfg->transport->ops == NULL || cfg->platform == NULL ||
        cfg->platform->ops == NULL || cfg->platform->ops->uptime_ms == NULL || be == NULL ||
        be->deployment == NULL || be->manifest == NULL || be->begin == NULL || be->write == NULL ||
        be->install == NULL || be->trial_pending == NULL || be->confirm == NULL || be->reject == NULL ||
        cfg->app == NULL || cfg->app->reboot == NULL || cfg->deployment_url == NULL ||
        cfg->work_buf == NULL || cfg->work_buf_len < IOTL_AGENT_WORKBUF_MIN ||
        strlen(cfg->deployment_url) >= IOTL_AGENT_URL_MAX) {
        return IOTL_ERR_INVALID_ARG;
    }
    char probe[IOTL_AGENT_URL_MAX];
    if (iotl_url_resolve(cfg->deployment_url, ".", probe, sizeof(probe)) != IOTL_OK) {
        return IOTL_ERR_INVALID_ARG; /* not an absolute URL */
    }
    if (cfg->etag != NULL && strlen(cfg->etag) > IOTL_TRANSPORT_ETAG_MAX) {
        return IOTL_ERR_INVALID_ARG;
    }
    a->cfg = cfg;
    if (cfg->etag != NULL) {
        copy_str(a->etag, sizeof(a->etag), cfg->etag);
    }
    uint32_t seed = 0;
    if (cfg->platform->ops->random == NULL ||
        cfg->platform->ops->random(cfg->platform->ctx, &seed, sizeof(seed)) != IOTL_OK) {
        seed = (uint32_t)now_ms(a);
    }
    a->rng = seed != 0 ? seed : 0x9e3779b9u;
    bool pending = false;
    int ret = be->trial_pending(cfg->backend_ctx, &pending);
    if (ret != IOTL_OK) {
        a->cfg = NULL;
        return ret;
    }
    if (pending) {
        set_phase(a, IOTL_AGENT_TRIAL);
    } else if (be->outcome != NULL && cfg->report_url != NULL) {
        set_phase(a, IOTL_AGENT_REPORT);
    } else {
        go_idle(a, true);
    }
    return IOTL_OK;
}

const char *iotl_agent_etag(const iotl_agent_t *a)
{
    IOTL_ASSERT(a != NULL);
    return a->etag;
}

bool iotl_agent_not_modified(const iotl_agent_t *a)
{
    IOTL_ASSERT(a != NULL);
    return a->not_modified;
}

int iotl_agent_step(iotl_agent_t *a, uint32_t *wait_ms)
{
    IOTL_ASSERT(a != NULL && wait_ms != NULL);
    *wait_ms = 0;
    if (a->cfg == NULL) {
        return IOTL_ERR_STATE;
    }
    uint64_t now = now_ms(a);
    uint32_t w = 0;
    switch ((enum iotl_agent_phase)a->phase) {
    case IOTL_AGENT_IDLE:
    case IOTL_AGENT_BACKOFF:
    case IOTL_AGENT_DEFERRED:
        if (a->check_now || now >= a->due_ms) {
            enum iotl_agent_phase next = IOTL_AGENT_CHECK;
            if (a->phase == IOTL_AGENT_BACKOFF && !a->check_now) {
                next = (enum iotl_agent_phase)a->retry_phase;
            } else if (a->phase == IOTL_AGENT_DEFERRED) {
                next = IOTL_AGENT_CONSENT;
            }
            if (next == IOTL_AGENT_CHECK) {
                a->keyring_tried = false;
                enter_check(a);
            } else {
                a->check_now = false;
                set_phase(a, next);
            }
        } else if (a->phase == IOTL_AGENT_IDLE && !a->prepared && a->cfg->prepare_step_bytes != 0 &&
                   a->cfg->backend->prepare != NULL) {
            /* Idle until the next check: a bounded piece of work for the next
             * update, then come back at once until it is done. A failure
             * waits for the next idle period (it is only an optimisation). */
            bool done = true;
            if (a->cfg->backend->prepare(a->cfg->backend_ctx, a->cfg->prepare_step_bytes, &done) != IOTL_OK) {
                done = true;
            }
            a->prepared = done;
        } else {
            uint64_t d = a->due_ms - now;
            w = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        }
        break;
    case IOTL_AGENT_CHECK:
        w = step_check(a);
        break;
    case IOTL_AGENT_KEYRING:
        w = step_keyring(a);
        break;
    case IOTL_AGENT_MANIFEST:
        w = step_manifest(a);
        break;
    case IOTL_AGENT_CONSENT:
        w = step_consent(a);
        break;
    case IOTL_AGENT_DOWNLOAD:
        w = step_download(a);
        break;
    case IOTL_AGENT_WINDOW:
        w = step_window(a);
        break;
    case IOTL_AGENT_INSTALL:
        w = step_install(a);
        break;
    case IOTL_AGENT_REBOOT:
        w = REBOOT_WAIT_MS;
        break;
    case IOTL_AGENT_TRIAL:
        w = step_trial(a);
        break;
    case IOTL_AGENT_REPORT:
        w = step_report(a);
        break;
    default:
        return IOTL_ERR_STATE;
    }
    *wait_ms = w;
    return (int)a->phase;
}

void iotl_agent_check_now(iotl_agent_t *a)
{
    IOTL_ASSERT(a != NULL);
    a->check_now = true;
}

int iotl_agent_last_error(const iotl_agent_t *a)
{
    IOTL_ASSERT(a != NULL);
    return a->last_error;
}

void iotl_agent_deinit(iotl_agent_t *a)
{
    if (a == NULL) {
        return;
    }
    if (a->cfg != NULL) {
        close_get(a);
    }
    memset(a, 0, sizeof(*a));
}
