/* SPDX-License-Identifier: Apache-2.0 */
#include "agent_fakes.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* ---- scripted backend (state survives an agent restart, like flash) ---- */

static int fb_keyring(void *ctx, const uint8_t *doc, size_t len)
{
    struct fake_backend *b = ctx;
    b->keyrings++;
    snprintf(b->keyring_doc, sizeof(b->keyring_doc), "%.*s", (int)len, (const char *)doc);
    if (!b->keyring_useless) {
        b->need_keyring = false;
    }
    return 0;
}
static int fb_deployment(void *ctx, const uint8_t *doc, size_t len, char *ref, size_t cap)
{
    struct fake_backend *b = ctx;
    b->deployments++;
    if (b->need_keyring) {
        return IOTL_ERR_UNKNOWN_KEY;
    }
    if (b->deployment_ret != 0) {
        return b->deployment_ret;
    }
    static const char key[] = "manifest=";
    if (len < sizeof(key) - 1u || memcmp(doc, key, sizeof(key) - 1u) != 0) {
        return IOTL_ERR_SCHEMA;
    }
    size_t n = len - (sizeof(key) - 1u);
    while (n > 0 && doc[sizeof(key) - 2u + n] == '\n') {
        n--;
    }
    ck_assert_uint_lt(n, cap);
    memcpy(ref, doc + sizeof(key) - 1u, n);
    ref[n] = '\0';
    return 0;
}
static int fb_manifest(void *ctx, const uint8_t *doc, size_t len, struct iotl_agent_offer *o)
{
    struct fake_backend *b = ctx;
    b->manifests++;
    if (len != 8 || memcmp(doc, "MANIFEST", 8) != 0) {
        return IOTL_ERR_SIGNATURE;
    }
    memset(o->id, b->offer_id, sizeof(o->id));
    snprintf(o->version, sizeof(o->version), "1.%u.0", b->offer_id);
    snprintf(o->payload_url, sizeof(o->payload_url), "%s", b->payload_ref[0] != '\0' ? b->payload_ref : "app.bin");
    o->payload_size = b->offer_size;
    o->urgency = b->urgency;
    return 0;
}
static int fb_begin(void *ctx, const struct iotl_agent_offer *o, uint64_t *resume)
{
    struct fake_backend *b = ctx;
    (void)o;
    if (b->begin_ret != 0) {
        return b->begin_ret;
    }
    if (!b->staging) {
        b->staging = true;
        b->staged_len = 0;
    }
    *resume = b->staged_len;
    return 0;
}
static int fb_write(void *ctx, uint64_t off, const void *d, size_t n)
{
    struct fake_backend *b = ctx;
    ck_assert_uint_eq(off, b->staged_len); /* strictly sequential */
    ck_assert_uint_le(off + n, sizeof(b->staged));
    memcpy(b->staged + off, d, n);
    b->staged_len += n;
    return 0;
}
static int fb_install(void *ctx)
{
    struct fake_backend *b = ctx;
    b->installs++;
    b->staging = false;
    if (b->staged_len != PAYLOAD_SIZE || memcmp(b->staged, b->payload, PAYLOAD_SIZE) != 0) {
        b->staged_len = 0;
        return IOTL_ERR_HASH_MISMATCH;
    }
    return 0;
}
static int fb_trial(void *ctx, bool *pending)
{
    *pending = ((struct fake_backend *)ctx)->trial;
    return 0;
}
static int fb_confirm(void *ctx)
{
    struct fake_backend *b = ctx;
    b->confirms++;
    b->trial = false;
    b->have_outcome = true;
    b->outcome.seq++;
    b->outcome.result = IOTL_AGENT_RESULT_CONFIRMED;
    b->outcome.code = 0;
    snprintf(b->outcome.version, sizeof(b->outcome.version), "1.2.0");
    return 0;
}
static int fb_reject(void *ctx, int32_t code)
{
    struct fake_backend *b = ctx;
    b->rejects++;
    b->reject_code = code;
    b->trial = false;
    b->have_outcome = true;
    b->outcome.seq++;
    b->outcome.result = IOTL_AGENT_RESULT_ROLLED_BACK;
    b->outcome.code = code;
    snprintf(b->outcome.version, sizeof(b->outcome.version), "1.3.0");
    return 0;
}
static int fb_outcome(void *ctx, struct iotl_agent_outcome *o)
{
    struct fake_backend *b = ctx;
    if (!b->have_outcome) {
        return IOTL_ERR_NOT_FOUND;
    }
    *o = b->outcome;
    return 0;
}
static int fb_ack(void *ctx, uint32_t seq)
{
    struct fake_backend *b = ctx;
    ck_assert_uint_eq(seq, b->outcome.seq);
    b->acks++;
    b->have_outcome = false;
    return 0;
}
static int fb_prepare(void *ctx, uint32_t max_bytes, bool *done)
{
    struct fake_backend *b = ctx;
    b->prepares++;
    if (b->prepare_ret != 0) {
        return b->prepare_ret;
    }
    b->prepared += max_bytes < PAYLOAD_SIZE - b->prepared ? max_bytes : PAYLOAD_SIZE - b->prepared;
    *done = b->prepared == PAYLOAD_SIZE;
    return 0;
}
const struct iotl_agent_backend_ops fb_ops = {
    .keyring = fb_keyring, .deployment = fb_deployment, .manifest = fb_manifest, .begin = fb_begin,
    .write = fb_write, .install = fb_install, .trial_pending = fb_trial, .confirm = fb_confirm,
    .reject = fb_reject, .outcome = fb_outcome, .outcome_ack = fb_ack, .prepare = fb_prepare};

/* ---- scripted application ---- */

void fa_consent(void *ctx, const struct iotl_agent_offer *o, struct iotl_agent_consent *ans)
{
    struct fake_app *a = ctx;
    (void)o;
    a->consents++;
    ans->decision = a->decision;
    ans->defer_s = a->defer_s;
}
static void fa_progress(void *ctx, enum iotl_agent_phase ph, uint64_t done, uint64_t total)
{
    struct fake_app *a = ctx;
    a->progress_calls++;
    if (ph == IOTL_AGENT_DOWNLOAD && total != 0) {
        if (done < a->last_done) {
            a->monotonic = false;
        }
        a->last_done = done;
        a->last_total = total;
    }
}
static void fa_reboot(void *ctx)
{
    ((struct fake_app *)ctx)->reboots++;
}
static int fa_health(void *ctx)
{
    struct fake_app *a = ctx;
    a->health_calls++;
    if (a->health_calls <= a->health_wait) {
        return IOTL_ERR_WOULD_BLOCK;
    }
    return a->health_after;
}
static void fa_etag(void *ctx, const char *etag)
{
    struct fake_app *a = ctx;
    a->etag_calls++;
    snprintf(a->saved_etag, sizeof(a->saved_etag), "%s", etag);
}
const struct iotl_agent_app_ops fa_ops = {.consent = fa_consent,
                                          .progress = fa_progress,
                                          .reboot = fa_reboot,
                                          .health = fa_health,
                                          .etag = fa_etag};


/* ---- recording / fault-injecting transport around file:// ---- */

static int rt_get_start(void *ctx, const struct iotl_transport_request *req)
{
    struct rec_transport *r = ctx;
    r->gets++;
    snprintf(r->last_url, sizeof(r->last_url), "%s", req->url);
    r->last_offset = req->offset;
    r->last_inm = req->if_none_match != NULL;
    if (r->fail_next > 0) {
        r->fail_next--;
        return IOTL_ERR_TRANSPORT;
    }
    struct iotl_transport_request q = *req;
    if (r->ignore_range) {
        q.offset = 0;
    }
    return r->inner.ops->get_start(r->inner.ctx, &q);
}
static int rt_get_response(void *ctx, struct iotl_transport_response *resp)
{
    struct rec_transport *r = ctx;
    int ret = r->inner.ops->get_response(r->inner.ctx, resp);
    r->last_status = resp->status;
    return ret;
}
static iotl_ssize_t rt_read(void *ctx, void *buf, size_t len)
{
    struct rec_transport *r = ctx;
    return r->inner.ops->read(r->inner.ctx, buf, len);
}
static void rt_close(void *ctx)
{
    struct rec_transport *r = ctx;
    r->inner.ops->close(r->inner.ctx);
}
static int rt_put(void *ctx, const char *url, const void *d, size_t n, const char *ct)
{
    struct rec_transport *r = ctx;
    r->puts++;
    return r->inner.ops->put(r->inner.ctx, url, d, n, ct);
}
static int rt_wait(void *ctx, uint32_t ms)
{
    struct rec_transport *r = ctx;
    return r->inner.ops->wait != NULL ? r->inner.ops->wait(r->inner.ctx, ms) : 0;
}
const struct iotl_transport_ops rt_ops = {
    .get_start = rt_get_start, .get_response = rt_get_response, .read = rt_read,
    .close = rt_close, .wait = rt_wait,
    .put = rt_put};

