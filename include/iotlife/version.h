/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file version.h
 * @brief iotlife version numbers.
 *
 * This header is the single place the version is written: CMake reads it for
 * project(VERSION), the package config and iotlife.pc.
 */
#ifndef IOTLIFE_VERSION_H
#define IOTLIFE_VERSION_H

/** @defgroup iotl_version Version
 *  @brief Compile-time and run-time version of the library.
 *  @{ */

/** @brief Major version: incompatible API or on-flash format changes. */
#define IOTL_VERSION_MAJOR 0
/** @brief Minor version: compatible additions. */
#define IOTL_VERSION_MINOR 1
/** @brief Patch version: fixes only. */
#define IOTL_VERSION_PATCH 0
/** @brief Version string "MAJOR.MINOR.PATCH". */
#define IOTL_VERSION_STRING "0.1.0"

/** @brief Version as one number 0xMMNNPP00, comparable with `>=`. */
#define IOTL_VERSION_NUMBER \
    ((IOTL_VERSION_MAJOR << 24) | (IOTL_VERSION_MINOR << 16) | (IOTL_VERSION_PATCH << 8))

/**
 * @brief The version of the library that was linked, as "MAJOR.MINOR.PATCH".
 * @return A static string; never NULL. Safe from any context, including ISRs.
 */
const char *iotl_version(void);

/** @} */
#endif
