/* SPDX-License-Identifier: Apache-2.0 */
/* Deployment schema v1 (docs/deployment.md) and the per-device policy. */
#include "iotlife/deploy.h"

#include <stddef.h>
#include <string.h>

#include "iotl_doc.h"
#include "iotl_encoding.h"
#include "iotl_json.h"
#include "iotl_priv.h"

#define DF(name, member, type) IOTL_DOC_FIELD(name, struct iotl_deployment, member, type)
#define DL(name, count, rows, type) IOTL_DOC_LIST_FIELD(name, struct iotl_deployment, count, rows, type)
#define D_ROWS_FOLLOW(count, rows) (offsetof(struct iotl_deployment, rows) == offsetof(struct iotl_deployment, count) + 1)
IOTL_STATIC_ASSERT(D_ROWS_FOLLOW(hardware_count, hardware) && D_ROWS_FOLLOW(group_count, groups) &&
                       D_ROWS_FOLLOW(device_count, devices),
                   deploy_rows_follow_count);
IOTL_STATIC_ASSERT(offsetof(struct iotl_deployment, manifest_url) < 65536u, deploy_offsets_fit);

static const struct iotl_doc_field deploy_fields[] = {
    /* Identifiers of up to IOTL_DEPLOY_ID_MAX characters (ids are longer than names). */
    DF(id, id, IOTL_DOC_IDENT | IOTL_DOC_REQ),
    DF(sequence, sequence, IOTL_DOC_U32 | IOTL_DOC_REQ),
    DF(issued_at, issued_at, IOTL_DOC_TIME | IOTL_DOC_REQ),
    DF(expires, expires, IOTL_DOC_TIME | IOTL_DOC_END | IOTL_DOC_REQ),
    DF(manifest_sha256, manifest_sha256, IOTL_DOC_SHA256 | IOTL_DOC_REQ),
    /* Relative to the deployment's own URL; ".." allowed (repository layout). */
    DF(manifest_url, manifest_url, IOTL_DOC_URL_UP),
    DF(not_before, not_before, IOTL_DOC_TIME),
    DF(not_after, not_after, IOTL_DOC_TIME | IOTL_DOC_END),
    IOTL_DOC_ENUM_FIELD(urgency, struct iotl_deployment, urgency, IOTL_DOC_ENUM_URGENCIES, 0),
    /* "select" (last: the fields after it are its members): every device when absent. */
    {(uint16_t)IOTL_DOC_O_select, 0u, IOTL_DOC_OBJ, 0u},
    DL(hardware, hardware_count, hardware, 0),
    DL(groups, group_count, groups, IOTL_DOC_SEL),
    DL(devices, device_count, devices, IOTL_DOC_SEL),
    DF(installed_min, installed_min, IOTL_DOC_VERSION),
    DF(installed_max, installed_max, IOTL_DOC_VERSION),
};

static int parse_rollout(const iotl_json_node_t *root, uint16_t *bp)
{
    const iotl_json_node_t *m = iotl_json_member(root, IOTL_DOC_N(rollout_percent));
    *bp = (uint16_t)IOTL_DEPLOY_BUCKETS;
    if (m == NULL) {
        return IOTL_OK;
    }
    double v;
    int ret = iotl_json_number(m, &v);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (!(v >= 0.0 && v <= 100.0)) {
        return IOTL_ERR_RANGE;
    }
    /* At most two decimals: the resolution of the 10000 buckets. */
    double x = v * 100.0;
    uint32_t r = (uint32_t)(x + 0.5);
    double diff = x - (double)r;
    if (!(diff * diff <= 1e-12)) { /* |diff| > 1e-6 */
        return IOTL_ERR_RANGE;
    }
    *bp = (uint16_t)r;
    return IOTL_OK;
}

static int parse_hours(const iotl_json_node_t *root, struct iotl_deployment *d)
{
    const iotl_json_node_t *m = iotl_json_member(root, IOTL_DOC_N(hours_utc));
    if (m == NULL) {
        return IOTL_OK; /* start == end == 0: any hour */
    }
    if (iotl_json_type(m) != IOTL_JSON_ARRAY || iotl_json_count(m) != 2) {
        return IOTL_ERR_SCHEMA;
    }
    uint32_t s;
    uint32_t e;
    int ret = iotl_json_u32(iotl_json_first(m), &s);
    if (ret == IOTL_OK) {
        ret = iotl_json_u32(iotl_json_next(iotl_json_first(m)), &e);
    }
    if (ret != IOTL_OK) {
        return ret;
    }
    if (s > 23 || e > 24 || e == 0 || s == e) {
        return IOTL_ERR_RANGE;
    }
    d->hours_start = (uint8_t)s;
    d->hours_end = (uint8_t)e;
    return IOTL_OK;
}

/* True when both versions are given ("" is none) and a is above b; both are
 * already checked to be semantic versions. */
static bool ver_above(const char *a, const char *b)
{
    struct iotl_semver v[2];
    if (*a == '\0' || *b == '\0') {
        return false;
    }
    (void)iotl_semver_parse(a, &v[0]);
    (void)iotl_semver_parse(b, &v[1]);
    return iotl_semver_cmp(&v[0], &v[1]) > 0;
}

int iotl_doc_parse_deployment(void *out, const iotl_json_node_t *root, const void *arg)
{
    (void)arg;
    struct iotl_deployment *d = (struct iotl_deployment *)out;
    int ret = iotl_doc_fields(root, deploy_fields, IOTL_ARRAY_LEN(deploy_fields), d);
    if (ret == IOTL_OK && ver_above(d->installed_min, d->installed_max)) {
        ret = IOTL_ERR_RANGE;
    }
    if (ret == IOTL_OK) {
        ret = parse_rollout(root, &d->rollout_bp);
    }
    if (ret == IOTL_OK) {
        ret = parse_hours(root, d);
    }
    if (ret != IOTL_OK) {
        return ret;
    }
    d->schema = IOTL_DEPLOY_SCHEMA;
    return IOTL_OK;
}


int iotl_deployment_parse(struct iotl_deployment *d, const void *json, size_t len)
{
    IOTL_ASSERT(d != NULL);
    d->schema = IOTL_DOC_DEPLOYMENT; /* names the document to iotl_doc_parse */
    return iotl_doc_parse(d, json, len, NULL);
}

int iotl_deployment_verify(const iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *compact,
                           size_t len, int64_t now, iotl_trust_work_t *work, struct iotl_deployment *d,
                           const struct iotl_key **signer)
{
    IOTL_ASSERT(d != NULL);
    d->schema = IOTL_DOC_DEPLOYMENT; /* names the document to iotl_doc_verify */
    return iotl_doc_verify(kr, crypto, compact, len, now, work, d, signer);
}

int iotl_deployment_bucket(const struct iotl_crypto *crypto, const char *deployment_id, const char *device_id,
                           uint32_t *bucket)
{
    IOTL_ASSERT(crypto != NULL && deployment_id != NULL && device_id != NULL && bucket != NULL);
    uint8_t digest[IOTL_SHA256_LEN];
    /* deployment_id, its NUL terminator as the separator, device_id. */
    const struct iotl_bytes salt_id[2] = {{deployment_id, strlen(deployment_id) + 1u},
                                          {device_id, strlen(device_id)}};
    int ret = iotl_sha256_parts(crypto, salt_id, 2, digest);
    if (ret != IOTL_OK) {
        return ret;
    }
    uint32_t v = ((uint32_t)digest[0] << 24) | ((uint32_t)digest[1] << 16) | ((uint32_t)digest[2] << 8) |
                 digest[3];
    *bucket = v % IOTL_DEPLOY_BUCKETS;
    return IOTL_OK;
}

static bool in_list(const char *rows, size_t stride, size_t count, const char *s)
{
    return iotl_doc_find(rows, stride, count, s) >= 0;
}

int iotl_deployment_targets(const struct iotl_deployment *d, const struct iotl_device_info *dev)
{
    IOTL_ASSERT(d != NULL && dev != NULL && dev->id != NULL && dev->hardware != NULL);
    if (d->hardware_count > 0 && !in_list(&d->hardware[0][0], sizeof(d->hardware[0]), d->hardware_count,
                                          dev->hardware)) {
        return IOTL_ERR_NOT_TARGETED;
    }
    if (d->device_count > 0 &&
        !in_list(&d->devices[0][0], sizeof(d->devices[0]), d->device_count, dev->id)) {
        return IOTL_ERR_NOT_TARGETED;
    }
    if (d->group_count > 0) {
        bool any = false;
        for (size_t i = 0; i < dev->group_count && !any; i++) {
            any = dev->groups[i] != NULL &&
                  in_list(&d->groups[0][0], sizeof(d->groups[0]), d->group_count, dev->groups[i]);
        }
        if (!any) {
            return IOTL_ERR_NOT_TARGETED;
        }
    }
    const char *cur = dev->installed_version;
    if (d->installed_min[0] != '\0' || d->installed_max[0] != '\0') {
        struct iotl_semver v;
        if (cur == NULL || iotl_semver_parse(cur, &v) != IOTL_OK) {
            return IOTL_ERR_VERSION_FORMAT;
        }
        if (ver_above(d->installed_min, cur) || ver_above(cur, d->installed_max)) {
            return IOTL_ERR_NOT_TARGETED;
        }
    }
    return IOTL_OK;
}

int iotl_deployment_in_cohort(const struct iotl_crypto *crypto, const struct iotl_deployment *d,
                              const char *device_id)
{
    if (d->rollout_bp >= IOTL_DEPLOY_BUCKETS) {
        return IOTL_OK;
    }
    uint32_t bucket;
    int ret = iotl_deployment_bucket(crypto, d->id, device_id, &bucket);
    if (ret != IOTL_OK) {
        return ret;
    }
    return bucket < d->rollout_bp ? IOTL_OK : IOTL_ERR_NOT_IN_COHORT;
}

int iotl_deployment_in_window(const struct iotl_deployment *d, int64_t now)
{
    if (d->not_before != 0 && now < d->not_before) {
        return IOTL_ERR_OUTSIDE_WINDOW;
    }
    if (d->not_after != 0 && now >= d->not_after) {
        return IOTL_ERR_OUTSIDE_WINDOW;
    }
    if (d->urgency == IOTL_URGENCY_CRITICAL || d->hours_start == d->hours_end || now < 0) {
        return IOTL_OK;
    }
    /* Hour of the day without a 64-bit division (no __aeabi_ldivmod on a
     * 32-bit target): 2^32 s = 49710 days + 23296 s, and every partial sum
     * stays below 2^32. */
    uint64_t u = (uint64_t)now;
    uint32_t sec = (((uint32_t)(u >> 32) % 86400u) * 23296u + (uint32_t)u % 86400u) % 86400u;
    unsigned hour = sec / 3600u;
    bool inside;
    if (d->hours_start < d->hours_end) {
        inside = hour >= d->hours_start && hour < d->hours_end;
    } else {
        inside = hour >= d->hours_start || hour < d->hours_end;
    }
    return inside ? IOTL_OK : IOTL_ERR_OUTSIDE_WINDOW;
}
