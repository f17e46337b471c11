/* SPDX-License-Identifier: Apache-2.0 */
/* The update decision: operator's deployment, publisher's manifest, device
 * policy and floors, in a fixed order, fail-closed. */
#include "iotlife/trust.h"

#include <string.h>

#include "iotl_priv.h"

/* Number of checks that must pass; the success path compares against it so
 * a skipped check (glitch, bug) cannot end in acceptance. */
#define TRUST_CHECKS 12

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int hardware_ok(const struct iotl_manifest *m, const struct iotl_device_info *dev)
{
    if (dev->product == NULL || strcmp(m->product, dev->product) != 0) {
        return IOTL_ERR_HW_MISMATCH;
    }
    for (size_t i = 0; i < m->hardware_count; i++) {
        if (strcmp(m->hardware[i], dev->hardware) == 0) {
            return IOTL_OK;
        }
    }
    return IOTL_ERR_HW_MISMATCH;
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

int iotl_trust_decide(const struct iotl_trust_request *req, const char *deployment_jws, size_t deployment_len,
                      const char *manifest_jws, size_t manifest_len, iotl_trust_work_t *work,
                      struct iotl_trust_result *res)
{
    IOTL_ASSERT(req != NULL && req->keyring != NULL && req->crypto != NULL && req->device != NULL);
    IOTL_ASSERT(req->floors != NULL && work != NULL && res != NULL);
    IOTL_ASSERT(req->device->id != NULL && req->device->hardware != NULL);
    int ret = IOTL_ERR_INTEGRITY; /* fail closed: only the end of the success path sets 0 */
    unsigned passed = 0;
    const struct iotl_floors *fl = req->floors;
    struct iotl_deployment *d = &res->deployment;
    struct iotl_manifest *m = &res->manifest;
    memset(res, 0, sizeof(*res));

    /* 1. Bounded before anything is decoded. */
    if (deployment_jws == NULL || manifest_jws == NULL || deployment_len > IOTL_TRUST_JWS_MAX ||
        manifest_len > IOTL_TRUST_JWS_MAX) {
        ret = IOTL_ERR_TOO_LARGE;
        goto exit;
    }
    passed++;
    int64_t now = max64(req->wall_time, fl->latest_time);

    /* 2. Deployment: operator key, then content. */
    ret = iotl_deployment_verify(req->keyring, req->crypto, deployment_jws, deployment_len, now, work, d, NULL);
    if (ret != IOTL_OK) {
        goto exit;
    }
    passed++;
    now = max64(now, d->issued_at);

    /* 3. Freshness and replay of the deployment. */
    if (now >= d->expires) {
        ret = IOTL_ERR_EXPIRED;
        goto exit;
    }
    passed++;
    if (d->sequence <= fl->deployment_seq) {
        ret = IOTL_ERR_REPLAYED;
        goto exit;
    }
    passed++;

    /* 4. The deployment names exactly these manifest bytes. */
    ret = iotl_sha256(req->crypto, manifest_jws, manifest_len, res->manifest_sha256);
    if (ret != IOTL_OK) {
        goto exit;
    }
    if (iotl_memcmp_ct(res->manifest_sha256, d->manifest_sha256, IOTL_SHA256_LEN) != 0) {
        ret = IOTL_ERR_MISMATCH;
        goto exit;
    }
    passed++;

    /* 5. Manifest: publisher key, then content. */
    ret = iotl_manifest_verify(req->keyring, req->crypto, manifest_jws, manifest_len, now, work, m, NULL);
    if (ret != IOTL_OK) {
        goto exit;
    }
    passed++;
    now = max64(now, m->issued_at);

    /* 6. Freshness, replay and anti-rollback of the release. */
    if (now >= m->expires) {
        ret = IOTL_ERR_EXPIRED;
        goto exit;
    }
    if (m->sequence <= fl->manifest_seq) {
        ret = IOTL_ERR_REPLAYED;
        goto exit;
    }
    if (m->security_version < fl->security_version) {
        ret = IOTL_ERR_ROLLBACK;
        goto exit;
    }
    passed++;

    /* 7. The release fits this device. */
    ret = hardware_ok(m, req->device);
    if (ret != IOTL_OK) {
        goto exit;
    }
    passed++;
    ret = sizes_ok(m, req->max_payload_size);
    if (ret != IOTL_OK) {
        goto exit;
    }
    passed++;

    /* 8. The operator chose this device, now. */
    ret = iotl_deployment_targets(d, req->device);
    if (ret != IOTL_OK) {
        goto exit;
    }
    passed++;
    ret = iotl_deployment_in_cohort(req->crypto, d, req->device->id);
    if (ret != IOTL_OK) {
        goto exit;
    }
    passed++;
    ret = iotl_deployment_in_window(d, now);
    if (ret != IOTL_OK) {
        goto exit;
    }
    passed++;

    ret = IOTL_ERR_INTEGRITY;
    if (passed == TRUST_CHECKS) {
        res->floors = *fl;
        res->floors.deployment_seq = d->sequence;
        res->floors.manifest_seq = m->sequence;
        res->floors.latest_time = max64(fl->latest_time, max64(d->issued_at, m->issued_at));
        /* security_version stays: staging raises it on confirm. */
        res->trusted_time = now;
        ret = IOTL_OK;
    }
exit:
    if (ret != IOTL_OK) {
        memset(res, 0, sizeof(*res));
    }
    return ret;
}
