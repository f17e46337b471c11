/* SPDX-License-Identifier: Apache-2.0 */
/* The update decision: operator's deployment, publisher's manifest, device
 * policy and floors, in a fixed order, fail-closed. */
#include "iotlife/trust.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "iotl_doc.h"
#include "iotl_priv.h"

/* Checks each phase must pass; the success path compares against them so a
 * skipped check (glitch, bug) cannot end in acceptance. */
#define CHECKS 7u
/* Marker a finished deployment phase leaves in the result. */
#define PHASE1_DONE (0x7d000000u | CHECKS)
IOTL_STATIC_ASSERT(IOTL_DOC_MANIFEST == 1u && IOTL_DOC_DEPLOYMENT == 0u, kind_is_mf);

/* Both documents start alike: sequence, then issue time and expiry at the
 * same offsets (one code path reads either). */
#define SEQ_AT offsetof(struct iotl_manifest, sequence)
#define ISSUED_AT offsetof(struct iotl_manifest, issued_at)
IOTL_STATIC_ASSERT(offsetof(struct iotl_manifest, expires) == ISSUED_AT + 8u &&
                       offsetof(struct iotl_deployment, expires) == ISSUED_AT + 8u &&
                       offsetof(struct iotl_deployment, issued_at) == ISSUED_AT &&
                       offsetof(struct iotl_deployment, sequence) == SEQ_AT,
                   documents_share_their_head);

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int hardware_ok(const struct iotl_manifest *m, const struct iotl_device_info *dev)
{
    if (dev->product == NULL || strcmp(m->product, dev->product) != 0) {
        return IOTL_ERR_HW_MISMATCH;
    }
    return iotl_doc_find(m->hardware, sizeof(m->hardware[0]), m->hardware_count, dev->hardware) >= 0
               ? IOTL_OK
               : IOTL_ERR_HW_MISMATCH;
}

static int sizes_ok(const struct iotl_manifest *m, uint32_t max)
{
    if (max == 0) {
        return IOTL_OK;
    }
    for (size_t i = 0; i < m->payload_count; i++) {
        if (m->payloads[i].size > max || m->payloads[i].download_size > max) {
            return IOTL_ERR_TOO_LARGE;
        }
    }
    return IOTL_OK;
}

static void check_request(const struct iotl_trust_request *req, const iotl_trust_work_t *work,
                          const struct iotl_trust_result *res)
{
    IOTL_ASSERT(req != NULL && req->keyring != NULL && req->crypto != NULL && req->device != NULL);
    IOTL_ASSERT(req->floors != NULL && work != NULL && res != NULL);
    IOTL_ASSERT(req->device->id != NULL && req->device->hardware != NULL);
    (void)req;
    (void)work;
    (void)res;
}

/* One run for both phases (mf: the manifest's), each step counted:
 * 1. size; 2. (manifest) the deployment names these bytes; 3. signature and
 * content; 4. freshness and replay: not issued beyond the clock skew ahead
 * of a known wall time (a future-dated document must not drag the latest
 * time forward), not expired at the trusted time (raised to its issue time),
 * a sequence above the floor; 5-7. the phase's own checks. */
IOTL_NOINLINE /* one copy for both phases */
static int check_doc(const struct iotl_trust_request *req, const char *jws, size_t len, iotl_trust_work_t *work,
                     struct iotl_trust_result *res, unsigned mf)
{
    int ret = IOTL_ERR_INTEGRITY; /* fail closed: only the end of the success path sets 0 */
    unsigned passed = 0;
    const struct iotl_floors *fl = req->floors;
    struct iotl_deployment *d = &res->deployment;
    struct iotl_manifest *m = &res->manifest;
    const uint32_t phase = mf ? PHASE1_DONE : 0;
    void *doc = mf ? (void *)m : (void *)d;
    int64_t now = res->trusted_time;
    if (!mf) {
        memset(res, 0, sizeof(*res));
        now = max64(req->wall_time, fl->latest_time);
    } else if (res->phase != PHASE1_DONE) {
        ret = IOTL_ERR_STATE; /* the deployment was not accepted first */
        goto exit;
    }

#define STEP(expr)            \
    ret = (expr);             \
    if (ret != IOTL_OK) {     \
        goto exit;            \
    }                         \
    passed++
    STEP(jws == NULL || len > IOTL_TRUST_JWS_MAX ? IOTL_ERR_TOO_LARGE /* bounded before any decoding */
                                                 : IOTL_OK);
    if (mf) {
        STEP(iotl_sha256(req->crypto, jws, len, res->manifest_sha256));
        ret = IOTL_ERR_MISMATCH;
        if (iotl_memcmp_ct(res->manifest_sha256, d->manifest_sha256, IOTL_SHA256_LEN) != 0) {
            goto exit;
        }
    } else {
        passed++;
    }
    *(uint32_t *)doc = mf; /* the document kind (IOTL_DOC_MANIFEST or IOTL_DOC_DEPLOYMENT) */
    STEP(iotl_doc_verify(req->keyring, req->crypto, jws, len, now, work, doc, NULL));

    const int64_t *t = (const int64_t *)(const void *)((const uint8_t *)doc + ISSUED_AT); /* then expires */
    ret = IOTL_ERR_NOT_YET_VALID;
    if (req->wall_time != 0 && t[0] > req->wall_time + IOTL_TRUST_CLOCK_SKEW) {
        goto exit;
    }
    now = max64(now, t[0]);
    STEP(now >= t[1] ? IOTL_ERR_EXPIRED
         : *(const uint32_t *)(const void *)((const uint8_t *)doc + SEQ_AT) <= (mf ? fl->manifest_seq : fl->deployment_seq)
             ? IOTL_ERR_REPLAYED
             : IOTL_OK);
    if (mf) {
        /* Anti-rollback of the release, and it fits this device. */
        STEP(m->security_version < fl->security_version ? IOTL_ERR_ROLLBACK : IOTL_OK);
        STEP(hardware_ok(m, req->device));
        STEP(sizes_ok(m, req->max_payload_size));
    } else {
        /* The operator chose this device, now (before any manifest byte is fetched). */
        STEP(iotl_deployment_targets(d, req->device));
        STEP(iotl_deployment_in_cohort(req->crypto, d, req->device->id));
        STEP(iotl_deployment_in_window(d, now));
    }
#undef STEP

    ret = IOTL_ERR_INTEGRITY;
    if (passed == CHECKS && res->phase == phase) {
        if (mf) {
            /* The ring that vouched, the latest issue time seen. */
            iotl_floors_raise(&res->floors, fl, req->keyring->version, max64(d->issued_at, m->issued_at));
            res->floors.deployment_seq = d->sequence;
            res->floors.manifest_seq = m->sequence;
            /* security_version stays: staging raises it on confirm. */
        }
        res->trusted_time = now;
        res->phase = PHASE1_DONE + (mf ? CHECKS : 0u);
        ret = IOTL_OK;
    }
exit:
    if (ret != IOTL_OK) {
        memset(res, 0, sizeof(*res));
    }
    return ret;
}

int iotl_trust_check_deployment(const struct iotl_trust_request *req, const char *deployment_jws,
                                size_t deployment_len, iotl_trust_work_t *work, struct iotl_trust_result *res)
{
    check_request(req, work, res);
    return check_doc(req, deployment_jws, deployment_len, work, res, 0u);
}

int iotl_trust_check_manifest(const struct iotl_trust_request *req, const char *manifest_jws, size_t manifest_len,
                              iotl_trust_work_t *work, struct iotl_trust_result *res)
{
    check_request(req, work, res);
    return check_doc(req, manifest_jws, manifest_len, work, res, 1u);
}

int iotl_trust_decide(const struct iotl_trust_request *req, const char *deployment_jws, size_t deployment_len,
                      const char *manifest_jws, size_t manifest_len, iotl_trust_work_t *work,
                      struct iotl_trust_result *res)
{
    /* Both sizes are bounded before anything is decoded: a manifest too
     * large ends the first phase at its size check (IOTL_ERR_TOO_LARGE); a
     * NULL one ends the second phase there (same code, result zeroed). */
    int ret = iotl_trust_check_deployment(req, manifest_len <= IOTL_TRUST_JWS_MAX ? deployment_jws : NULL,
                                          deployment_len, work, res);
    if (ret == IOTL_OK) {
        ret = iotl_trust_check_manifest(req, manifest_jws, manifest_len, work, res);
    }
    return ret;
}

/* Copies src with its NUL into dst of cap bytes; false when it does not fit. */
static bool copy_str(char *dst, size_t cap, const char *src)
{
    bool fits = strlen(src) < cap;
    if (fits) {
        (void)strcpy(dst, src);
    }
    return fits;
}

#define DESC_AT(m) (offsetof(struct iotl_update_desc, m) - offsetof(struct iotl_update_desc, security_version))
IOTL_STATIC_ASSERT(DESC_AT(manifest_seq) == offsetof(struct iotl_floors, manifest_seq) &&
                       DESC_AT(deployment_seq) == offsetof(struct iotl_floors, deployment_seq) &&
                       DESC_AT(keyring_version) == offsetof(struct iotl_floors, keyring_version) &&
                       DESC_AT(latest_time) == offsetof(struct iotl_floors, latest_time) &&
                       DESC_AT(component_count) >= sizeof(struct iotl_floors),
                   desc_holds_the_floors_in_their_layout);
#define COMP_AT(m) (offsetof(struct iotl_update_component, m) - offsetof(struct iotl_update_component, kind))
#define PAYLOAD_AT(m) (offsetof(struct iotl_payload, m) - offsetof(struct iotl_payload, kind))
IOTL_STATIC_ASSERT(COMP_AT(flags) == PAYLOAD_AT(flags) && COMP_AT(payload_size) == PAYLOAD_AT(download_size) &&
                       COMP_AT(image_size) == PAYLOAD_AT(size) && COMP_AT(image_sha256) == PAYLOAD_AT(sha256) &&
                       COMP_AT(base_sha256) == PAYLOAD_AT(base_sha256) &&
                       sizeof(struct iotl_update_component) - offsetof(struct iotl_update_component, kind) ==
                           PAYLOAD_AT(base_sha256) + IOTL_SHA256_LEN,
                   payload_holds_the_component_in_its_layout);
IOTL_STATIC_ASSERT(IOTL_PAYLOAD_FULL == 0 && IOTL_PAYLOAD_DEFLATE == 1 && IOTL_PAYLOAD_DELTA == 2, payload_kinds);

int iotl_trust_update_desc(const struct iotl_trust_result *res, const struct iotl_installed_image *installed,
                           size_t count, struct iotl_update_desc *desc)
{
    IOTL_ASSERT(res != NULL && desc != NULL && (installed != NULL || count == 0));
    const struct iotl_manifest *m = &res->manifest;
    /* One pass over the payloads: each lands in its component's slot (made
     * at its first payload) when it ranks above what the slot holds: 3 a
     * delta for the installed image, 2 deflate, 1 full, 0 unusable (a delta
     * for another base). */
    uint8_t rank[IOTL_STAGE_MAX_COMPONENTS];
    unsigned unusable = 0; /* slots still at rank 0 */
    int ret = IOTL_ERR_RANGE;
    memset(rank, 0, sizeof(rank));
    memset(desc, 0, sizeof(*desc));
    memcpy(desc->manifest_sha256, res->manifest_sha256, IOTL_SHA256_LEN);
    /* The floors to raise, laid out as struct iotl_floors; then the release's own security version. */
    memcpy(&desc->security_version, &res->floors, sizeof(res->floors));
    desc->security_version = m->security_version;
    if (!copy_str(desc->version, sizeof(desc->version), m->version)) {
        goto fail;
    }
    for (size_t i = 0; i < m->payload_count; i++) {
        const struct iotl_payload *p = &m->payloads[i];
        int k = iotl_doc_find(desc->component[0].id, sizeof(desc->component[0]), desc->component_count,
                              p->component);
        if (k < 0) {
            ret = IOTL_ERR_TOO_LARGE;
            if (desc->component_count >= IOTL_STAGE_MAX_COMPONENTS) {
                goto fail;
            }
            ret = IOTL_ERR_RANGE;
            k = desc->component_count++;
            unusable++;
            if (!copy_str(desc->component[k].id, IOTL_STAGE_ID_MAX, p->component)) {
                goto fail;
            }
        }
        unsigned r = p->kind + 1u;
        if (p->kind == IOTL_PAYLOAD_DELTA) {
            r = 0; /* unless its base is the image the component runs */
            for (size_t j = 0; j < count; j++) {
                if (installed[j].component != NULL && strcmp(installed[j].component, p->component) == 0) {
                    r = iotl_memcmp_ct(p->base_sha256, installed[j].sha256, IOTL_SHA256_LEN) == 0 ? 3u : 0u;
                }
            }
        }
        if (r > rank[k]) {
            unusable -= (rank[k] == 0);
            rank[k] = (uint8_t)r;
            /* Kind, flags, sizes, image and base hash (zero unless a delta:
             * parser) in one copy. */
            memcpy(&desc->component[k].kind, &p->kind,
                   sizeof(desc->component[k]) - offsetof(struct iotl_update_component, kind));
        }
    }
    ret = IOTL_ERR_DELTA_BASE; /* a component with only deltas for another base */
    if (unusable == 0) {
        return IOTL_OK;
    }
fail:
    memset(desc, 0, sizeof(*desc));
    return ret;
}
