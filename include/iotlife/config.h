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
#elif !defined(IOTL_FEATURE_JSON) || !defined(IOTL_FEATURE_ZLIB) || !defined(IOTL_ASSERT_ENABLED) || \
    !defined(IOTL_JSON_MAX_SIZE) || !defined(IOTL_JSON_MAX_DEPTH) || !defined(IOTL_SHA256_STATE_SIZE)
#error "IOTL_CONFIG_STRICT: IOTL_CONFIG_FILE must define every option (see config_defaults.h)"
#endif
/** @endcond */

#if IOTL_JSON_MAX_DEPTH < 2 || IOTL_JSON_MAX_DEPTH > 64
#error "IOTL_JSON_MAX_DEPTH must be between 2 and 64"
#endif
#if IOTL_JSON_MAX_SIZE < 256
#error "IOTL_JSON_MAX_SIZE must be at least 256 bytes"
#endif
#if IOTL_SHA256_STATE_SIZE < 64
#error "IOTL_SHA256_STATE_SIZE is too small for any SHA-256 implementation"
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

#if defined(IOTL_CONFIG_STRICT) && (!defined(IOTL_AGENT_URL_MAX) || !defined(IOTL_AGENT_VERSION_MAX))
#error "IOTL_CONFIG_STRICT: define IOTL_AGENT_URL_MAX and IOTL_AGENT_VERSION_MAX"
#endif
#if IOTL_AGENT_URL_MAX < 32 || IOTL_AGENT_URL_MAX > 4096
#error "IOTL_AGENT_URL_MAX must be between 32 and 4096"
#endif
#if IOTL_AGENT_VERSION_MAX < 8 || IOTL_AGENT_VERSION_MAX > 128
#error "IOTL_AGENT_VERSION_MAX must be between 8 and 128"
#endif

#endif
