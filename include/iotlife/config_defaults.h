/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file config_defaults.h
 * @brief Default values of every iotlife option. Include iotlife/config.h instead.
 *
 * Every option is `#ifndef`-guarded, so a value from `IOTL_CONFIG_FILE` or the
 * command line wins. docs/configuration.md describes each one.
 */
#ifndef IOTL_CONFIG_DEFAULTS_ALLOWED
#error "include iotlife/config.h, not iotlife/config_defaults.h"
#endif

/** @brief 1: build the JSON document parsers (needs cJSON). */
#ifndef IOTL_FEATURE_JSON
#define IOTL_FEATURE_JSON 1
#endif

/** @brief 1: build deflate/inflate support (needs zlib). */
#ifndef IOTL_FEATURE_ZLIB
#define IOTL_FEATURE_ZLIB 1
#endif

/** @brief 1: IOTL_ASSERT checks contract violations; 0 compiles them out. */
#ifndef IOTL_ASSERT_ENABLED
#define IOTL_ASSERT_ENABLED 1
#endif

/** @brief Largest JSON document (bytes, before base64url decoding) the parsers accept. */
#ifndef IOTL_JSON_MAX_SIZE
#define IOTL_JSON_MAX_SIZE 8192
#endif

/** @brief Deepest JSON nesting (objects and arrays) the parsers accept. */
#ifndef IOTL_JSON_MAX_DEPTH
#define IOTL_JSON_MAX_DEPTH 8
#endif

/** @brief Bytes reserved for a crypto port's SHA-256 state (iotl_sha256_state_t). */
#ifndef IOTL_SHA256_STATE_SIZE
#define IOTL_SHA256_STATE_SIZE 128
#endif

/** @brief Most keys (roots, publishers, operators) a key ring object holds. */
#ifndef IOTL_KEYRING_MAX_KEYS
#define IOTL_KEYRING_MAX_KEYS 16
#endif

/** @brief Most revoked key ids (tombstones) a key ring object remembers. */
#ifndef IOTL_KEYRING_MAX_REVOKED
#define IOTL_KEYRING_MAX_REVOKED 16
#endif

/** @brief Most signatures a key ring document may carry. */
#ifndef IOTL_KEYRING_MAX_SIGNATURES
#define IOTL_KEYRING_MAX_SIGNATURES 8
#endif

/** @brief Most payloads one manifest may list. */
#ifndef IOTL_MANIFEST_MAX_PAYLOADS
#define IOTL_MANIFEST_MAX_PAYLOADS 4
#endif

/** @brief Most hardware revisions a manifest, or a deployment selector, may list. */
#ifndef IOTL_MANIFEST_MAX_HARDWARE
#define IOTL_MANIFEST_MAX_HARDWARE 8
#endif

/** @brief Most entries in each deployment selector list (groups, device ids). */
#ifndef IOTL_DEPLOY_MAX_SELECT
#define IOTL_DEPLOY_MAX_SELECT 16
#endif

/** @brief Largest JWS protected header (bytes, after base64url decoding). */
#ifndef IOTL_JWS_HEADER_MAX
#define IOTL_JWS_HEADER_MAX 512
#endif

/** @brief Seconds a signed document's `issued_at` may lie ahead of a trusted wall
 *  clock before it is refused (IOTL_ERR_NOT_YET_VALID); stops a future-dated
 *  document from pushing the latest-known time forward. */
#ifndef IOTL_TRUST_CLOCK_SKEW
#define IOTL_TRUST_CLOCK_SKEW 86400
#endif

/** @brief Most JSON values (objects, arrays, scalars) one document may hold; bounds
 *  the parser's heap to about IOTL_JSON_MAX_NODES * sizeof(cJSON) + IOTL_JSON_MAX_SIZE. */
#ifndef IOTL_JSON_MAX_NODES
#define IOTL_JSON_MAX_NODES 256
#endif

/** @brief Largest old or new image (bytes) a delta patch header may declare. */
#ifndef IOTL_DELTA_MAX_IMAGE_SIZE
#define IOTL_DELTA_MAX_IMAGE_SIZE (64ul * 1024ul * 1024ul)
#endif

/** @brief Most components (main image plus handler components) one update may carry. */
#ifndef IOTL_STAGE_MAX_COMPONENTS
#define IOTL_STAGE_MAX_COMPONENTS 4
#endif

/** @brief Bytes of a component id, including the terminating NUL. */
#ifndef IOTL_STAGE_ID_MAX
#define IOTL_STAGE_ID_MAX 16
#endif

/** @brief Bytes of a version string in update descriptors and outcomes, including the NUL. */
#ifndef IOTL_STAGE_VERSION_MAX
#define IOTL_STAGE_VERSION_MAX 32
#endif

/** @brief Rolled-back releases (by manifest SHA-256) the journal remembers and refuses. */
#ifndef IOTL_STAGE_ROLLED_BACK_MAX
#define IOTL_STAGE_ROLLED_BACK_MAX 4
#endif

/** @brief Deflate window (bits) the staging inflater supports; producers must not use more. */
#ifndef IOTL_STAGE_INFLATE_WBITS
#define IOTL_STAGE_INFLATE_WBITS 15
#endif

/** @brief Largest storage write_align (bytes) the staging module supports. */
#ifndef IOTL_STAGE_MAX_WRITE_ALIGN
#define IOTL_STAGE_MAX_WRITE_ALIGN 256
#endif

/** @brief Largest encoded diagnostics record in bytes (header + body); bounds RAM per instance. */
#ifndef IOTL_DIAG_RECORD_MAX
#define IOTL_DIAG_RECORD_MAX 255
#endif

/** @brief Diagnostics chunks that may await acknowledgement at once. */
#ifndef IOTL_DIAG_INFLIGHT_MAX
#define IOTL_DIAG_INFLIGHT_MAX 4
#endif

/** @brief Longest device id carried in a diagnostics chunk header, in bytes. */
#ifndef IOTL_DIAG_DEVICE_ID_MAX
#define IOTL_DIAG_DEVICE_ID_MAX 32
#endif

/** @brief Health checks one iotl_health_t can hold. */
#ifndef IOTL_HEALTH_CHECKS_MAX
#define IOTL_HEALTH_CHECKS_MAX 8
#endif

/** @brief Unexpected reboots remembered for boot-loop detection. */
#ifndef IOTL_HEALTH_BOOTLOOP_MAX
#define IOTL_HEALTH_BOOTLOOP_MAX 8
#endif

/** @brief Longest URL (bytes, with the NUL) the agent stores: deployment, manifest,
 *  payload, key ring and report URLs after resolving relative references. */
#ifndef IOTL_AGENT_URL_MAX
#define IOTL_AGENT_URL_MAX 256
#endif

/** @brief Longest release version string (bytes, with the NUL) in an agent offer. */
#ifndef IOTL_AGENT_VERSION_MAX
#define IOTL_AGENT_VERSION_MAX 32
#endif
