/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file config.h
 * @brief Configuration chain: the user's file, then defaults, then consistency checks.
 *
 * Define `IOTL_CONFIG_FILE` (e.g. `-DIOTL_CONFIG_FILE='"my_iotl_config.h"'`) to
 * override any option. Define `IOTL_CONFIG_STRICT` to refuse defaults: every
 * option must then come from your file. Feature flags are 0/1 values tested
 * with `#if`, so `-Wundef` catches a misspelt one.
 */
#ifndef IOTLIFE_CONFIG_H
#define IOTLIFE_CONFIG_H

#ifdef IOTL_CONFIG_FILE
#include IOTL_CONFIG_FILE
#endif

/** @cond INTERNAL */
#ifndef IOTL_CONFIG_STRICT
#define IOTL_CONFIG_DEFAULTS_ALLOWED 1
#include "iotlife/config_defaults.h"
#undef IOTL_CONFIG_DEFAULTS_ALLOWED
#elif !defined(IOTL_FEATURE_JSON) || !defined(IOTL_FEATURE_ZLIB) || \
    !defined(IOTL_ASSERT_ENABLED) || !defined(IOTL_JSON_MAX_SIZE) || \
    !defined(IOTL_JSON_MAX_DEPTH) || !defined(IOTL_SHA256_STATE_SIZE) || \
    !defined(IOTL_KEYRING_MAX_KEYS) || !defined(IOTL_KEYRING_MAX_REVOKED) || \
    !defined(IOTL_KEYRING_MAX_SIGNATURES) || !defined(IOTL_MANIFEST_MAX_PAYLOADS) || \
    !defined(IOTL_MANIFEST_MAX_HARDWARE) || !defined(IOTL_DEPLOY_MAX_SELECT) || \
    !defined(IOTL_JWS_HEADER_MAX) || !defined(IOTL_DELTA_MAX_IMAGE_SIZE) || \
    !defined(IOTL_STAGE_MAX_COMPONENTS) || !defined(IOTL_STAGE_ID_MAX) || \
    !defined(IOTL_STAGE_VERSION_MAX) || !defined(IOTL_STAGE_ROLLED_BACK_MAX) || \
    !defined(IOTL_STAGE_INFLATE_WBITS) || !defined(IOTL_STAGE_MAX_WRITE_ALIGN) || \
    !defined(IOTL_DIAG_RECORD_MAX) || !defined(IOTL_DIAG_INFLIGHT_MAX) || \
    !defined(IOTL_DIAG_DEVICE_ID_MAX) || !defined(IOTL_HEALTH_CHECKS_MAX) || \
    !defined(IOTL_HEALTH_BOOTLOOP_MAX) || !defined(IOTL_AGENT_URL_MAX) || \
    !defined(IOTL_AGENT_VERSION_MAX)
#error "IOTL_CONFIG_STRICT: IOTL_CONFIG_FILE must define every option (see config_defaults.h)"
#endif
/** @endcond */

#if IOTL_JSON_MAX_DEPTH < 2 || IOTL_JSON_MAX_DEPTH > 64
#error "IOTL_JSON_MAX_DEPTH must be between 2 and 64"
#endif
#if IOTL_JSON_MAX_SIZE < 256
#error "IOTL_JSON_MAX_SIZE must be at least 256 bytes"
#endif
#if IOTL_DIAG_RECORD_MAX < 32 || IOTL_DIAG_RECORD_MAX > 4096
#error "IOTL_DIAG_RECORD_MAX must be between 32 and 4096"
#endif
#if IOTL_DIAG_INFLIGHT_MAX < 1 || IOTL_DIAG_INFLIGHT_MAX > 64
#error "IOTL_DIAG_INFLIGHT_MAX must be between 1 and 64"
#endif
#if IOTL_DIAG_DEVICE_ID_MAX < 1 || IOTL_DIAG_DEVICE_ID_MAX > 64
#error "IOTL_DIAG_DEVICE_ID_MAX must be between 1 and 64"
#endif
#if IOTL_HEALTH_CHECKS_MAX < 1 || IOTL_HEALTH_CHECKS_MAX > 32
#error "IOTL_HEALTH_CHECKS_MAX must be between 1 and 32"
#endif
#if IOTL_HEALTH_BOOTLOOP_MAX < 2 || IOTL_HEALTH_BOOTLOOP_MAX > 32
#error "IOTL_HEALTH_BOOTLOOP_MAX must be between 2 and 32"
#endif
#if IOTL_SHA256_STATE_SIZE < 64
#error "IOTL_SHA256_STATE_SIZE is too small for any SHA-256 implementation"
#endif
#if IOTL_TRUST_CLOCK_SKEW < 0
#error "IOTL_TRUST_CLOCK_SKEW must not be negative"
#endif
#if IOTL_JSON_MAX_NODES < 16
#error "IOTL_JSON_MAX_NODES must be at least 16"
#endif
#if IOTL_KEYRING_MAX_KEYS < 1 || IOTL_KEYRING_MAX_KEYS > 255
#error "IOTL_KEYRING_MAX_KEYS must be between 1 and 255"
#endif
#if IOTL_KEYRING_MAX_REVOKED < 0 || IOTL_KEYRING_MAX_REVOKED > 255
#error "IOTL_KEYRING_MAX_REVOKED must be between 0 and 255"
#endif
#if IOTL_KEYRING_MAX_SIGNATURES < 1 || IOTL_KEYRING_MAX_SIGNATURES > 32
#error "IOTL_KEYRING_MAX_SIGNATURES must be between 1 and 32"
#endif
#if IOTL_MANIFEST_MAX_PAYLOADS < 1 || IOTL_MANIFEST_MAX_PAYLOADS > 64
#error "IOTL_MANIFEST_MAX_PAYLOADS must be between 1 and 64"
#endif
#if IOTL_MANIFEST_MAX_HARDWARE < 1 || IOTL_MANIFEST_MAX_HARDWARE > 64
#error "IOTL_MANIFEST_MAX_HARDWARE must be between 1 and 64"
#endif
#if IOTL_DEPLOY_MAX_SELECT < 1 || IOTL_DEPLOY_MAX_SELECT > 255
#error "IOTL_DEPLOY_MAX_SELECT must be between 1 and 255"
#endif
#if IOTL_JWS_HEADER_MAX < 64 || IOTL_JWS_HEADER_MAX > IOTL_JSON_MAX_SIZE
#error "IOTL_JWS_HEADER_MAX must be between 64 and IOTL_JSON_MAX_SIZE"
#endif
#if IOTL_DELTA_MAX_IMAGE_SIZE < 1 || IOTL_DELTA_MAX_IMAGE_SIZE > 0x7FFFFFFFul
#error "IOTL_DELTA_MAX_IMAGE_SIZE must be between 1 and 2^31-1"
#endif
#if (IOTL_FEATURE_JSON != 0) && (IOTL_FEATURE_JSON != 1)
#error "IOTL_FEATURE_JSON must be 0 or 1"
#endif
#if (IOTL_FEATURE_ZLIB != 0) && (IOTL_FEATURE_ZLIB != 1)
#error "IOTL_FEATURE_ZLIB must be 0 or 1"
#endif
#if (IOTL_ASSERT_ENABLED != 0) && (IOTL_ASSERT_ENABLED != 1)
#error "IOTL_ASSERT_ENABLED must be 0 or 1"
#endif

#if defined(IOTL_CONFIG_STRICT) &&                                                             \
    (!defined(IOTL_STAGE_MAX_COMPONENTS) || !defined(IOTL_STAGE_ID_MAX) ||                     \
     !defined(IOTL_STAGE_VERSION_MAX) || !defined(IOTL_STAGE_ROLLED_BACK_MAX) ||               \
     !defined(IOTL_STAGE_INFLATE_WBITS) || !defined(IOTL_STAGE_MAX_WRITE_ALIGN))
#error "IOTL_CONFIG_STRICT: IOTL_CONFIG_FILE must define every IOTL_STAGE_* option"
#endif
#if IOTL_STAGE_MAX_COMPONENTS < 1 || IOTL_STAGE_MAX_COMPONENTS > 16
#error "IOTL_STAGE_MAX_COMPONENTS must be between 1 and 16"
#endif
#if IOTL_STAGE_ID_MAX < 4 || IOTL_STAGE_ID_MAX > 64
#error "IOTL_STAGE_ID_MAX must be between 4 and 64"
#endif
#if IOTL_STAGE_VERSION_MAX < 8 || IOTL_STAGE_VERSION_MAX > 128
#error "IOTL_STAGE_VERSION_MAX must be between 8 and 128"
#endif
#if IOTL_STAGE_ROLLED_BACK_MAX < 1 || IOTL_STAGE_ROLLED_BACK_MAX > 32
#error "IOTL_STAGE_ROLLED_BACK_MAX must be between 1 and 32"
#endif
#if IOTL_STAGE_INFLATE_WBITS < 8 || IOTL_STAGE_INFLATE_WBITS > 15
#error "IOTL_STAGE_INFLATE_WBITS must be between 8 and 15"
#endif
#if IOTL_STAGE_MAX_WRITE_ALIGN < 1 || IOTL_STAGE_MAX_WRITE_ALIGN > 4096 || \
    (IOTL_STAGE_MAX_WRITE_ALIGN & (IOTL_STAGE_MAX_WRITE_ALIGN - 1)) != 0
#error "IOTL_STAGE_MAX_WRITE_ALIGN must be a power of two up to 4096"
#endif
#if IOTL_AGENT_URL_MAX < 32 || IOTL_AGENT_URL_MAX > 4096
#error "IOTL_AGENT_URL_MAX must be between 32 and 4096"
#endif
#if IOTL_AGENT_VERSION_MAX < 8 || IOTL_AGENT_VERSION_MAX > 128
#error "IOTL_AGENT_VERSION_MAX must be between 8 and 128"
#endif

#endif
