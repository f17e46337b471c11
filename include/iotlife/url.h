/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file url.h
 * @brief Resolving the relative references between repository documents.
 *
 * Deployments name manifests and manifests name payloads by URLs relative to
 * the document that contains them (docs/repository.md), so a repository can
 * move between hosts without re-signing. This is the strict subset of
 * RFC 3986 section 5.2 those references need.
 */
#ifndef IOTLIFE_URL_H
#define IOTLIFE_URL_H

#include <stddef.h>

#include "iotlife/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_url URL references
 *  @brief Resolve a reference against the URL of the document holding it.
 *  @{ */

/**
 * @brief Resolve @p ref against @p base into @p out.
 *
 * - @p ref with a scheme (`https://...`) is taken as is (then checked).
 * - @p ref starting with `/` replaces the path of @p base.
 * - otherwise @p ref replaces the last path segment of @p base.
 *
 * `.` and `..` segments are removed. Refused (#IOTL_ERR_INVALID_ARG): an
 * empty @p ref, a @p base without `scheme://authority`, a result climbing
 * above the root, and any `?`, `#`, `\`, `%`, space or control character in
 * @p ref (repository references never need them; refusing them keeps one
 * spelling per object).
 * @param[in] base Absolute URL of the document containing @p ref, NUL-terminated.
 * @param[in] ref The reference, NUL-terminated.
 * @param[out] out Destination, NUL-terminated on success; may not overlap the inputs.
 * @param cap Size of @p out in bytes.
 * @retval 0 Success.
 * @retval IOTL_ERR_INVALID_ARG A malformed or refused input.
 * @retval IOTL_ERR_NO_MEM The result does not fit @p cap.
 * @note Pure function; no allocation; stack use is bounded (no recursion).
 */
int iotl_url_resolve(const char *base, const char *ref, char *out, size_t cap);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
