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
