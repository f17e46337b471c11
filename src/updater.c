/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's standard backend: trust decision + A/B staging + diagnostics
 * (include/iotlife/updater.h). */
#include "iotlife/updater.h"

#include <string.h>

#include "iotl_priv.h"

#define DEFAULT_COMPONENT "main"

static const char *component(const iotl_updater_t *u)
{
    return u->cfg->component != NULL ? u->cfg->component : DEFAULT_COMPONENT;
}

static int64_t wall_now(const iotl_updater_t *u)
{
    const struct iotl_platform *p = u->cfg->platform;
    int64_t now = 0;
    if (p->ops->wall_time == NULL || p->ops->wall_time(p->ctx, &now) != IOTL_OK) {
        now = 0;
    }
    return now;
}

/* Trusted time for documents checked outside the decision: max(wall, floor). */
static int64_t trusted_now(const iotl_updater_t *u, const struct iotl_floors *f)
{
    int64_t now = wall_now(u);
    return now > f->latest_time ? now : f->latest_time;
}

static void diag_update(const iotl_updater_t *u, uint32_t outcome, int code, const char *version)
{
    if (u->cfg->diag != NULL) {
        (void)iotl_diag_event(u->cfg->diag, IOTL_DIAG_EV_UPDATE, outcome, code, 0, version);
    }
}

/* Refusals that retrying will not cure become NO_UPDATE for the agent. */
static int refusal(iotl_updater_t *u, int err)
{
    switch (err) {
    case IOTL_ERR_NOT_TARGETED:
    case IOTL_ERR_NOT_IN_COHORT:
    case IOTL_ERR_OUTSIDE_WINDOW:
    case IOTL_ERR_REPLAYED:
    case IOTL_ERR_ROLLBACK:
    case IOTL_ERR_HW_MISMATCH:
    case IOTL_ERR_ROLLED_BACK:
    case IOTL_ERR_NO_UPDATE:
        u->last_refusal = err;
        IOTL_LOG_INF("updater: no update: %s", iotl_strerror_name(err));
        return IOTL_ERR_NO_UPDATE;
    default:
        return err;
    }
}

static int up_keyring(void *ctx, const uint8_t *doc, size_t len)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    const struct iotl_updater_config *c = u->cfg;
    struct iotl_floors f;
    struct iotl_floors out;
    int ret = iotl_stage_get_floors(c->stage, &f);
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = iotl_keyring_update(c->keyring, c->crypto, (const char *)doc, len, &f, trusted_now(u, &f), 0,
                              c->work, &out);
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = iotl_stage_raise_floors(c->stage, &out);
    if (ret == IOTL_OK && c->keyring_accepted != NULL) {
        c->keyring_accepted(c->keyring_ctx, doc, len);
    }
    return ret;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2u * i] = digits[b[i] >> 4];
        out[2u * i + 1u] = digits[b[i] & 15u];
    }
    out[2u * n] = '\0';
}

static int up_deployment(void *ctx, const uint8_t *doc, size_t len, char *manifest_url, size_t cap)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    const struct iotl_updater_config *c = u->cfg;
    struct iotl_floors f;
    const struct iotl_key *signer = NULL;
    u->dep_len = 0;
    u->resuming = 0;
    if (len > c->deployment_buf_len) {
        return IOTL_ERR_TOO_LARGE;
    }
    int ret = iotl_stage_get_floors(c->stage, &f);
    if (ret != IOTL_OK) {
        return ret;
    }
    /* Signature and content first: which manifest does it name? The full,
     * ordered decision runs when the manifest is here. */
    ret = iotl_deployment_verify(c->keyring, c->crypto, (const char *)doc, len, trusted_now(u, &f), c->work,
                                 &c->result->deployment, &signer);
    if (ret != IOTL_OK) {
        return refusal(u, ret);
    }
    memcpy(u->dep_sha, c->result->deployment.manifest_sha256, sizeof(u->dep_sha));
    u->urgency = c->result->deployment.urgency;
    struct iotl_stage_status st;
    ret = iotl_stage_status(c->stage, &st);
    if (ret != IOTL_OK) {
        return ret;
    }
    if ((st.phase == IOTL_PHASE_DOWNLOADING || st.phase == IOTL_PHASE_STAGED) &&
        memcmp(st.manifest_sha256, u->dep_sha, sizeof(u->dep_sha)) == 0) {
        u->resuming = 1; /* taken on before a reset: its floors are already raised */
    } else if (st.phase == IOTL_PHASE_IDLE) {
        /* A download of this release failed (bad bytes from the server, say):
         * it was decided on and its floors raised, so it is retried the same
         * way rather than refused as a replay. */
        struct iotl_update_outcome o;
        if (iotl_stage_outcome(c->stage, &o) == IOTL_OK && o.kind == IOTL_OUTCOME_FAILED &&
            memcmp(o.manifest_sha256, u->dep_sha, sizeof(u->dep_sha)) == 0) {
            u->resuming = 1;
        }
    }
    const char *given = c->result->deployment.manifest_url;
    if (given[0] != '\0') {
        size_t n = strlen(given); /* the operator says where; the hash still binds it */
        if (n + 1u > cap) {
            return IOTL_ERR_NO_MEM;
        }
        memcpy(manifest_url, given, n + 1u);
    } else {
        static const char pre[] = "../releases/";
        static const char post[] = "/manifest.jws";
        if (cap < sizeof(pre) - 1u + 2u * IOTL_SHA256_LEN + sizeof(post)) {
            return IOTL_ERR_NO_MEM;
        }
        memcpy(manifest_url, pre, sizeof(pre) - 1u);
        hex(manifest_url + sizeof(pre) - 1u, u->dep_sha, IOTL_SHA256_LEN);
        memcpy(manifest_url + sizeof(pre) - 1u + 2u * IOTL_SHA256_LEN, post, sizeof(post));
    }
    memcpy(c->deployment_buf, doc, len);
    u->dep_len = len;
    return IOTL_OK;
}

/* The main component's payload: a delta from the version the device runs
 * when there is one (and it was not refused for this release), else the
 * smallest full or deflate payload. */
static const struct iotl_payload *pick_payload(const iotl_updater_t *u, const struct iotl_manifest *m,
                                               const uint8_t manifest_sha[IOTL_SHA256_LEN])
{
    const struct iotl_payload *best = NULL;
    const char *running = u->cfg->device->installed_version;
    bool delta_ok = !(u->avoid_delta && memcmp(u->avoid_delta_sha, manifest_sha, IOTL_SHA256_LEN) == 0);
    for (uint8_t i = 0; i < m->payload_count; i++) {
        const struct iotl_payload *p = &m->payloads[i];
        if (strcmp(p->component, component(u)) != 0) {
            continue;
        }
        if (p->kind == IOTL_PAYLOAD_DELTA) {
            if (delta_ok && running != NULL && strcmp(p->base_version, running) == 0 &&
                (best == NULL || best->kind != IOTL_PAYLOAD_DELTA || p->download_size < best->download_size)) {
                best = p;
            }
            continue;
        }
        if (best == NULL || (best->kind != IOTL_PAYLOAD_DELTA && p->download_size < best->download_size)) {
            best = p;
        }
    }
    return best;
}

static int up_manifest(void *ctx, const uint8_t *doc, size_t len, struct iotl_agent_offer *offer)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    const struct iotl_updater_config *c = u->cfg;
    struct iotl_trust_result *r = c->result;
    struct iotl_floors f;
    int ret = IOTL_ERR_INTEGRITY;
    if (u->dep_len == 0) {
        return IOTL_ERR_STATE;
    }
    ret = iotl_stage_get_floors(c->stage, &f);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (u->resuming) {
        /* Same release as the one in flight: re-verify what we download
         * from (hash and publisher signature); the policy was decided and
         * recorded before the reset. */
        uint8_t digest[IOTL_SHA256_LEN];
        const struct iotl_key *signer = NULL;
        ret = iotl_sha256(c->crypto, doc, len, digest);
        if (ret == IOTL_OK && iotl_memcmp_ct(digest, u->dep_sha, sizeof(digest)) != 0) {
            ret = IOTL_ERR_MISMATCH;
        }
        if (ret == IOTL_OK) {
            ret = iotl_manifest_verify(c->keyring, c->crypto, (const char *)doc, len, trusted_now(u, &f),
                                       c->work, &r->manifest, &signer);
        }
        if (ret == IOTL_OK) {
            memcpy(r->manifest_sha256, digest, sizeof(digest));
            r->floors = f;
        }
    } else {
        struct iotl_trust_request req;
        memset(&req, 0, sizeof(req));
        req.keyring = c->keyring;
        req.crypto = c->crypto;
        req.device = c->device;
        req.floors = &f;
        req.wall_time = wall_now(u);
        req.max_payload_size = c->max_payload_size;
        ret = iotl_trust_decide(&req, c->deployment_buf, u->dep_len, (const char *)doc, len, c->work, r);
        if (ret == IOTL_OK && c->device->installed_version != NULL &&
            strcmp(r->manifest.version, c->device->installed_version) == 0) {
            ret = IOTL_ERR_NO_UPDATE; /* already running it */
        }
    }
    if (ret != IOTL_OK) {
        return refusal(u, ret);
    }
    const struct iotl_manifest *m = &r->manifest;
    const struct iotl_payload *p = pick_payload(u, m, r->manifest_sha256);
    if (p == NULL) {
        return IOTL_ERR_UNSUPPORTED;
    }
    /* the descriptor staging records (and compares when resuming) */
    struct iotl_update_desc *d = &u->desc;
    memset(d, 0, sizeof(*d));
    memcpy(d->manifest_sha256, r->manifest_sha256, IOTL_SHA256_LEN);
    size_t vlen = strlen(m->version);
    if (vlen >= sizeof(d->version) || vlen >= sizeof(offer->version) ||
        strlen(component(u)) >= sizeof(d->component[0].id) || strlen(p->location) >= sizeof(offer->payload_url)) {
        return IOTL_ERR_RANGE;
    }
    memcpy(d->version, m->version, vlen + 1u);
    d->security_version = m->security_version;
    d->manifest_seq = r->floors.manifest_seq;
    d->deployment_seq = r->floors.deployment_seq;
    d->keyring_version = c->keyring->version;
    d->latest_time = r->floors.latest_time;
    d->component_count = 1;
    struct iotl_update_component *comp = &d->component[0];
    memcpy(comp->id, component(u), strlen(component(u)) + 1u);
    comp->kind = p->kind;
    comp->payload_size = p->download_size;
    comp->image_size = p->size;
    memcpy(comp->image_sha256, p->sha256, IOTL_SHA256_LEN);
    memcpy(comp->base_sha256, p->base_sha256, IOTL_SHA256_LEN);

    memcpy(offer->id, r->manifest_sha256, sizeof(offer->id));
    memcpy(offer->version, m->version, vlen + 1u);
    memcpy(offer->payload_url, p->location, strlen(p->location) + 1u);
    offer->payload_size = p->download_size;
    offer->urgency = u->urgency == IOTL_URGENCY_CRITICAL ? IOTL_AGENT_URGENCY_CRITICAL : IOTL_AGENT_URGENCY_NORMAL;
    offer->delta = p->kind == IOTL_PAYLOAD_DELTA;
    return IOTL_OK;
}

static int up_begin(void *ctx, const struct iotl_agent_offer *offer, uint64_t *resume)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    iotl_stage_t *s = u->cfg->stage;
    uint32_t off = 0;
    if (memcmp(offer->id, u->desc.manifest_sha256, IOTL_SHA256_LEN) != 0) {
        return IOTL_ERR_STATE;
    }
    int ret = iotl_stage_begin(s, &u->desc, NULL, &off);
    if (ret == IOTL_ERR_STATE) {
        /* another release was in flight: the newer deployment supersedes it */
        ret = iotl_stage_abort(s, IOTL_ERR_STATE);
        if (ret == IOTL_OK) {
            ret = iotl_stage_begin(s, &u->desc, NULL, &off);
        }
    }
    if (ret != IOTL_OK && u->desc.component[0].kind == IOTL_PAYLOAD_DELTA &&
        (ret == IOTL_ERR_DELTA_BASE || ret == IOTL_ERR_NO_MEM || ret == IOTL_ERR_UNSUPPORTED)) {
        /* this device cannot take the delta: the full payload next time */
        u->avoid_delta = 1;
        memcpy(u->avoid_delta_sha, u->desc.manifest_sha256, IOTL_SHA256_LEN);
    }
    if (ret != IOTL_OK) {
        if (ret != IOTL_ERR_ROLLED_BACK && ret != IOTL_ERR_ROLLBACK && ret != IOTL_ERR_TRIAL_PENDING) {
            diag_update(u, IOTL_DIAG_UPDATE_FAILED, ret, u->desc.version);
        }
        return refusal(u, ret);
    }
    /* Staged completely before a reset: off is the payload size, nothing is
     * left to download and the agent goes straight to install. */
    *resume = off;
    return IOTL_OK;
}

static int up_write(void *ctx, uint64_t off, const void *data, size_t len)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    if (off > UINT32_MAX) {
        return IOTL_ERR_TOO_LARGE;
    }
    return iotl_stage_write(u->cfg->stage, 0, (uint32_t)off, data, len);
}

static int up_install(void *ctx)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    iotl_stage_t *s = u->cfg->stage;
    struct iotl_stage_status st;
    int ret = iotl_stage_status(s, &st);
    if (ret == IOTL_OK && st.phase == IOTL_PHASE_DOWNLOADING) {
        ret = iotl_stage_finish(s);
        if (ret == IOTL_ERR_HASH_MISMATCH || ret == IOTL_ERR_SIZE_MISMATCH || ret == IOTL_ERR_CORRUPT) {
            diag_update(u, IOTL_DIAG_UPDATE_FAILED, ret, u->desc.version);
        }
    }
    if (ret == IOTL_OK) {
        ret = iotl_stage_activate(s);
    }
    if (ret == IOTL_OK) {
        diag_update(u, IOTL_DIAG_UPDATE_INSTALLED, 0, u->desc.version);
    }
    return ret;
}

static int up_trial_pending(void *ctx, bool *pending)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    struct iotl_stage_status st;
    int ret = iotl_stage_status(u->cfg->stage, &st);
    *pending = ret == IOTL_OK && st.phase == IOTL_PHASE_TRIAL && st.trial_booted != 0;
    return ret;
}

static size_t bounded_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0') {
        n++;
    }
    return n;
}

static void outcome_version(const iotl_updater_t *u, char *v, size_t cap)
{
    struct iotl_update_outcome o;
    v[0] = '\0';
    if (iotl_stage_outcome(u->cfg->stage, &o) == IOTL_OK) {
        size_t n = bounded_len(o.version, sizeof(o.version));
        n = IOTL_MIN(n, cap - 1u);
        memcpy(v, o.version, n);
        v[n] = '\0';
    }
}

static int up_confirm(void *ctx)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    int ret = iotl_stage_confirm(u->cfg->stage);
    if (ret == IOTL_OK) {
        char v[IOTL_STAGE_VERSION_MAX];
        outcome_version(u, v, sizeof(v));
        diag_update(u, IOTL_DIAG_UPDATE_CONFIRMED, 0, v);
    }
    return ret;
}

static int up_reject(void *ctx, int32_t code)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    int ret = iotl_stage_reject(u->cfg->stage, code);
    if (ret == IOTL_OK) {
        char v[IOTL_STAGE_VERSION_MAX];
        outcome_version(u, v, sizeof(v));
        diag_update(u, IOTL_DIAG_UPDATE_ROLLED_BACK, code, v);
    }
    return ret;
}

static int up_outcome(void *ctx, struct iotl_agent_outcome *out)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    struct iotl_update_outcome o;
    int ret = iotl_stage_outcome(u->cfg->stage, &o);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (o.acked != 0) {
        return IOTL_ERR_NOT_FOUND;
    }
    switch (o.kind) {
    case IOTL_OUTCOME_CONFIRMED:
        out->result = IOTL_AGENT_RESULT_CONFIRMED;
        break;
    case IOTL_OUTCOME_ROLLED_BACK:
        out->result = IOTL_AGENT_RESULT_ROLLED_BACK;
        break;
    case IOTL_OUTCOME_FAILED:
        out->result = IOTL_AGENT_RESULT_FAILED;
        break;
    default:
        return IOTL_ERR_NOT_FOUND; /* none, or installed and not decided yet */
    }
    out->seq = o.seq;
    out->code = o.code;
    size_t n = bounded_len(o.version, sizeof(o.version));
    n = IOTL_MIN(n, sizeof(out->version) - 1u);
    memcpy(out->version, o.version, n);
    out->version[n] = '\0';
    return IOTL_OK;
}

static int up_outcome_ack(void *ctx, uint32_t seq)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    return iotl_stage_outcome_ack(u->cfg->stage, seq);
}

static int up_prepare(void *ctx, uint32_t max_bytes, bool *done)
{
    iotl_updater_t *u = (iotl_updater_t *)ctx;
    uint32_t erased = 0;
    struct iotl_stage_status st;
    *done = true;
    int ret = iotl_stage_prepare(u->cfg->stage, max_bytes, &erased);
    if (ret == IOTL_OK) {
        ret = iotl_stage_status(u->cfg->stage, &st);
    }
    if (ret == IOTL_OK) {
        *done = erased >= u->cfg->stage->cfg->slot[1u - st.confirmed_slot]->geo.size;
    }
    return ret;
}

const struct iotl_agent_backend_ops iotl_updater_ops = {
    .keyring = up_keyring,
    .deployment = up_deployment,
    .manifest = up_manifest,
    .begin = up_begin,
    .write = up_write,
    .install = up_install,
    .trial_pending = up_trial_pending,
    .confirm = up_confirm,
    .reject = up_reject,
    .outcome = up_outcome,
    .outcome_ack = up_outcome_ack,
    .prepare = up_prepare,
};

int iotl_updater_init(iotl_updater_t *u, const struct iotl_updater_config *cfg)
{
    IOTL_ASSERT(u != NULL && cfg != NULL);
    memset(u, 0, sizeof(*u));
    if (cfg->keyring == NULL || cfg->crypto == NULL || cfg->platform == NULL || cfg->platform->ops == NULL ||
        cfg->stage == NULL || cfg->device == NULL || cfg->work == NULL || cfg->result == NULL ||
        cfg->deployment_buf == NULL || cfg->deployment_buf_len == 0) {
        return IOTL_ERR_INVALID_ARG;
    }
    u->cfg = cfg;
    return IOTL_OK;
}

int iotl_updater_last_refusal(const iotl_updater_t *u)
{
    IOTL_ASSERT(u != NULL);
    return u->last_refusal;
}
