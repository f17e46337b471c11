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

/** @brief Longest URL (bytes, with the NUL) the agent stores: deployment, manifest,
 *  payload, key ring and report URLs after resolving relative references. */
#ifndef IOTL_AGENT_URL_MAX
#define IOTL_AGENT_URL_MAX 256
#endif

/** @brief Longest release version string (bytes, with the NUL) in an agent offer. */
#ifndef IOTL_AGENT_VERSION_MAX
#define IOTL_AGENT_VERSION_MAX 32
#endif
