/* SPDX-License-Identifier: Apache-2.0 */
/* Error names and descriptions. Keep in step with include/iotlife/error.h;
 * tests/unit/test_error.c fails when an enumerator is missing here. */
#include "iotlife/error.h"

struct err_entry {
    int code;
    const char *name;
    const char *text;
};

static const struct err_entry err_table[] = {
    {IOTL_OK, "IOTL_OK", "success"},
    {IOTL_ERR_INVALID_ARG, "IOTL_ERR_INVALID_ARG", "an argument is out of its documented range"},
    {IOTL_ERR_NO_MEM, "IOTL_ERR_NO_MEM", "a caller-provided buffer is too small"},
    {IOTL_ERR_IO, "IOTL_ERR_IO", "a storage or transport operation failed"},
    {IOTL_ERR_UNSUPPORTED, "IOTL_ERR_UNSUPPORTED", "the port or build does not support this operation"},
    {IOTL_ERR_WOULD_BLOCK, "IOTL_ERR_WOULD_BLOCK", "non-blocking operation has no progress now; call again"},
    {IOTL_ERR_BOUNDS, "IOTL_ERR_BOUNDS", "offset or length lies outside the storage area"},
    {IOTL_ERR_STATE, "IOTL_ERR_STATE", "operation not allowed in the object's current state"},
    {IOTL_ERR_NOT_FOUND, "IOTL_ERR_NOT_FOUND", "the requested item does not exist"},
    {IOTL_ERR_CORRUPT, "IOTL_ERR_CORRUPT", "stored data failed its integrity check"},
    {IOTL_ERR_INTEGRITY, "IOTL_ERR_INTEGRITY", "a security check did not reach its success path"},
    {IOTL_ERR_TIMEOUT, "IOTL_ERR_TIMEOUT", "an operation did not complete in time"},
    {IOTL_ERR_OVERFLOW, "IOTL_ERR_OVERFLOW", "a computed size or count does not fit its type"},
    {IOTL_ERR_FULL, "IOTL_ERR_FULL", "no space left in the storage area"},
    {IOTL_ERR_STORAGE_NOT_ERASED, "IOTL_ERR_STORAGE_NOT_ERASED", "write to a range that is not erased"},
    {IOTL_ERR_STORAGE_ALIGN, "IOTL_ERR_STORAGE_ALIGN", "offset or length violates the area's alignment"},
    {IOTL_ERR_STORAGE_GEOMETRY, "IOTL_ERR_STORAGE_GEOMETRY", "storage geometry is invalid or unsuitable"},
    {IOTL_ERR_POWER_LOSS, "IOTL_ERR_POWER_LOSS", "emulated power cut (test flash only)"},
    {IOTL_ERR_STORAGE_BAD_BLOCK, "IOTL_ERR_STORAGE_BAD_BLOCK", "the erase block is worn out or failed"},
    {IOTL_ERR_BASE64, "IOTL_ERR_BASE64", "not canonical unpadded base64url"},
    {IOTL_ERR_JWS_FORMAT, "IOTL_ERR_JWS_FORMAT", "not a JWS compact serialization (three parts)"},
    {IOTL_ERR_ALG, "IOTL_ERR_ALG", "jWS algorithm is not ES256 (none, HS*, ...)"},
    {IOTL_ERR_CRIT, "IOTL_ERR_CRIT", "jWS header has an unsupported critical parameter"},
    {IOTL_ERR_KID_MISMATCH, "IOTL_ERR_KID_MISMATCH", "`kid` is not the thumbprint of the verifying key"},
    {IOTL_ERR_SIGNATURE, "IOTL_ERR_SIGNATURE", "signature does not verify"},
    {IOTL_ERR_UNKNOWN_KEY, "IOTL_ERR_UNKNOWN_KEY", "signed by a key the key ring does not know"},
    {IOTL_ERR_WRONG_ROLE, "IOTL_ERR_WRONG_ROLE", "signing key lacks the role this document needs"},
    {IOTL_ERR_REVOKED, "IOTL_ERR_REVOKED", "signing key has been revoked"},
    {IOTL_ERR_EXPIRED, "IOTL_ERR_EXPIRED", "document or key is past its expiry"},
    {IOTL_ERR_REPLAYED, "IOTL_ERR_REPLAYED", "sequence number is not newer than the one persisted"},
    {IOTL_ERR_ROLLBACK, "IOTL_ERR_ROLLBACK", "security version is below the anti-rollback floor"},
    {IOTL_ERR_KEY_FORMAT, "IOTL_ERR_KEY_FORMAT", "a key is not a valid P-256 public or private key"},
    {IOTL_ERR_THRESHOLD, "IOTL_ERR_THRESHOLD", "not enough valid root signatures"},
    {IOTL_ERR_NOT_YET_VALID, "IOTL_ERR_NOT_YET_VALID", "document or key is not valid yet"},
    {IOTL_ERR_MALFORMED, "IOTL_ERR_MALFORMED", "document is not well-formed JSON"},
    {IOTL_ERR_TOO_LARGE, "IOTL_ERR_TOO_LARGE", "document or declared size exceeds its limit"},
    {IOTL_ERR_TOO_DEEP, "IOTL_ERR_TOO_DEEP", "jSON nesting exceeds IOTL_JSON_MAX_DEPTH"},
    {IOTL_ERR_DUPLICATE_KEY, "IOTL_ERR_DUPLICATE_KEY", "a JSON object repeats a member name"},
    {IOTL_ERR_SCHEMA, "IOTL_ERR_SCHEMA", "a required member is missing or has the wrong type"},
    {IOTL_ERR_RANGE, "IOTL_ERR_RANGE", "a number or string is outside its allowed range"},
    {IOTL_ERR_HW_MISMATCH, "IOTL_ERR_HW_MISMATCH", "release is not for this product or hardware"},
    {IOTL_ERR_NOT_TARGETED, "IOTL_ERR_NOT_TARGETED", "deployment does not select this device"},
    {IOTL_ERR_NOT_IN_COHORT, "IOTL_ERR_NOT_IN_COHORT", "device is outside the rollout percentage"},
    {IOTL_ERR_OUTSIDE_WINDOW, "IOTL_ERR_OUTSIDE_WINDOW", "outside the deployment's time window or hours"},
    {IOTL_ERR_MISMATCH, "IOTL_ERR_MISMATCH", "deployment does not name this manifest"},
    {IOTL_ERR_VERSION_FORMAT, "IOTL_ERR_VERSION_FORMAT", "version string is not semantic versioning"},
    {IOTL_ERR_TRAILING_DATA, "IOTL_ERR_TRAILING_DATA", "bytes follow the end of the document"},
    {IOTL_ERR_DELTA_MAGIC, "IOTL_ERR_DELTA_MAGIC", "not an iotlife delta patch"},
    {IOTL_ERR_DELTA_VERSION, "IOTL_ERR_DELTA_VERSION", "unknown patch format version"},
    {IOTL_ERR_DELTA_HEADER, "IOTL_ERR_DELTA_HEADER", "patch header has absurd or inconsistent fields"},
    {IOTL_ERR_DELTA_BASE, "IOTL_ERR_DELTA_BASE", "old image is not the patch's base"},
    {IOTL_ERR_DELTA_TRUNCATED, "IOTL_ERR_DELTA_TRUNCATED", "patch ended before the new image was complete"},
    {IOTL_ERR_DELTA_STREAM, "IOTL_ERR_DELTA_STREAM", "compressed patch stream is corrupt"},
    {IOTL_ERR_DELTA_OLD_RANGE, "IOTL_ERR_DELTA_OLD_RANGE", "instruction reads beyond the old image"},
    {IOTL_ERR_DELTA_NEW_RANGE, "IOTL_ERR_DELTA_NEW_RANGE", "instruction writes beyond the declared new size"},
    {IOTL_ERR_DELTA_RESULT, "IOTL_ERR_DELTA_RESULT", "patched image does not match its declared SHA-256"},
    {IOTL_ERR_DELTA_INSTR, "IOTL_ERR_DELTA_INSTR", "unknown or malformed patch instruction"},
    {IOTL_ERR_HASH_MISMATCH, "IOTL_ERR_HASH_MISMATCH", "written image does not match the manifest's SHA-256"},
    {IOTL_ERR_SIZE_MISMATCH, "IOTL_ERR_SIZE_MISMATCH", "payload is larger or smaller than declared"},
    {IOTL_ERR_TRIAL_PENDING, "IOTL_ERR_TRIAL_PENDING", "a trial boot awaits confirm or reject"},
    {IOTL_ERR_NO_UPDATE, "IOTL_ERR_NO_UPDATE", "no update in progress"},
    {IOTL_ERR_JOURNAL, "IOTL_ERR_JOURNAL", "no valid state journal record could be read"},
    {IOTL_ERR_SLOT_GEOMETRY, "IOTL_ERR_SLOT_GEOMETRY", "slots or state area unsuitable for staging"},
    {IOTL_ERR_NO_SPACE, "IOTL_ERR_NO_SPACE", "payload does not fit the target slot"},
    {IOTL_ERR_ROLLED_BACK, "IOTL_ERR_ROLLED_BACK", "this release was rolled back; needs a newer deployment"},
    {IOTL_ERR_HANDLER, "IOTL_ERR_HANDLER", "a component handler failed or is missing"},
    {IOTL_ERR_NOT_BOOTABLE, "IOTL_ERR_NOT_BOOTABLE", "no slot holds a bootable image"},
    {IOTL_ERR_DIAG_CHUNK, "IOTL_ERR_DIAG_CHUNK", "diagnostics chunk is malformed"},
    {IOTL_ERR_DIAG_CRC, "IOTL_ERR_DIAG_CRC", "diagnostics chunk CRC mismatch"},
    {IOTL_ERR_DIAG_VERSION, "IOTL_ERR_DIAG_VERSION", "unknown diagnostics chunk version"},
    {IOTL_ERR_DIAG_SEQ, "IOTL_ERR_DIAG_SEQ", "acknowledged sequence numbers were never sent"},
    {IOTL_ERR_DIAG_MTU, "IOTL_ERR_DIAG_MTU", "chunk buffer too small for a header and one record"},
    {IOTL_ERR_HTTP_STATUS, "IOTL_ERR_HTTP_STATUS", "server answered with an unexpected HTTP status"},
    {IOTL_ERR_HTTP_NOT_FOUND, "IOTL_ERR_HTTP_NOT_FOUND", "server answered 404 Not Found"},
    {IOTL_ERR_HTTP_SERVER, "IOTL_ERR_HTTP_SERVER", "server answered with a 5xx status"},
    {IOTL_ERR_TRANSPORT, "IOTL_ERR_TRANSPORT", "connection failed or was reset"},
    {IOTL_ERR_TLS, "IOTL_ERR_TLS", "tLS handshake or certificate check failed"},
    {IOTL_ERR_RESPONSE_TOO_LARGE, "IOTL_ERR_RESPONSE_TOO_LARGE", "response is larger than allowed"},
    {IOTL_ERR_TRUNCATED, "IOTL_ERR_TRUNCATED", "response ended before its declared length"},
    {IOTL_ERR_DECLINED, "IOTL_ERR_DECLINED", "the application declined the update"},
    {IOTL_ERR_DEFERRED, "IOTL_ERR_DEFERRED", "the application deferred the update"},
    {IOTL_ERR_REDIRECTS, "IOTL_ERR_REDIRECTS", "too many redirects"},
    {IOTL_ERR_HTTP_RANGE, "IOTL_ERR_HTTP_RANGE", "server cannot serve the requested byte range (416)"},
    {IOTL_ERR_UNHEALTHY, "IOTL_ERR_UNHEALTHY", "the trial image failed its health checks"},
};

static const struct err_entry *err_find(int err)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++) {
        if (err_table[i].code == err) {
            return &err_table[i];
        }
    }
    return NULL;
}

const char *iotl_strerror(int err)
{
    const struct err_entry *e = err_find(err);
    if (e != NULL) {
        return e->text;
    }
    return IOTL_ERR_IS_PORT(err) ? "port-specific error" : "unknown error";
}

const char *iotl_strerror_name(int err)
{
    const struct err_entry *e = err_find(err);
    if (e != NULL) {
        return e->name;
    }
    return IOTL_ERR_IS_PORT(err) ? "IOTL_ERR_PORT" : "IOTL_ERR_UNKNOWN";
}
