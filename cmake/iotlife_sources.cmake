# SPDX-License-Identifier: Apache-2.0
# Plain source and include lists for integrators who do not use CMake targets
# (IAR, Keil, Make): set IOTLIFE_ROOT, include this file, compile the lists.
# No targets are defined here.
if(NOT DEFINED IOTLIFE_ROOT)
  get_filename_component(IOTLIFE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

set(IOTLIFE_INCLUDE_DIRS ${IOTLIFE_ROOT}/include)

# The portable core: no OS, port or crypto library.
set(IOTLIFE_CORE_SRCS
  ${IOTLIFE_ROOT}/src/error.c
  ${IOTLIFE_ROOT}/src/util.c
  ${IOTLIFE_ROOT}/src/storage.c
  ${IOTLIFE_ROOT}/src/crypto.c
  ${IOTLIFE_ROOT}/src/selftest.c
  ${IOTLIFE_ROOT}/src/base64url.c
  ${IOTLIFE_ROOT}/src/journal.c
  ${IOTLIFE_ROOT}/src/boot.c
  ${IOTLIFE_ROOT}/src/stage.c
  ${IOTLIFE_ROOT}/src/diag.c
  ${IOTLIFE_ROOT}/src/diag_decode.c
  ${IOTLIFE_ROOT}/src/health.c
  ${IOTLIFE_ROOT}/src/transport.c
  ${IOTLIFE_ROOT}/src/url.c
  ${IOTLIFE_ROOT}/src/agent.c
)
# Needs zlib (IOTL_FEATURE_ZLIB=1).
set(IOTLIFE_CORE_ZLIB_SRCS
  ${IOTLIFE_ROOT}/src/zlib_glue.c
  ${IOTLIFE_ROOT}/src/delta.c
)
# Needs cJSON (IOTL_FEATURE_JSON=1).
set(IOTLIFE_CORE_JSON_SRCS
  ${IOTLIFE_ROOT}/src/json.c
  ${IOTLIFE_ROOT}/src/jws.c
  ${IOTLIFE_ROOT}/src/keyring.c
  ${IOTLIFE_ROOT}/src/doc_util.c
  ${IOTLIFE_ROOT}/src/manifest.c
  ${IOTLIFE_ROOT}/src/deploy.c
  ${IOTLIFE_ROOT}/src/trust.c
  ${IOTLIFE_ROOT}/src/updater.c
)
# Host conveniences of the JSON modules (one-call JWS verify, role names,
# payload lookup): CLI and tests; a device build leaves them out.
set(IOTLIFE_CORE_JSON_HOST_SRCS
  ${IOTLIFE_ROOT}/src/doc_host.c
)

set(IOTLIFE_PORT_RAM_SRCS ${IOTLIFE_ROOT}/ports/ram/ram.c)
set(IOTLIFE_PORT_RAM_INCLUDE_DIRS ${IOTLIFE_ROOT}/ports/ram/include)

set(IOTLIFE_PORT_POSIX_SRCS
  ${IOTLIFE_ROOT}/ports/posix/posix_storage.c
  ${IOTLIFE_ROOT}/ports/posix/posix_platform.c
  ${IOTLIFE_ROOT}/ports/posix/posix_transport.c
)
set(IOTLIFE_PORT_POSIX_INCLUDE_DIRS ${IOTLIFE_ROOT}/ports/posix/include)

# HTTP(S) transport on libcurl (optional; needs libcurl).
set(IOTLIFE_PORT_CURL_SRCS ${IOTLIFE_ROOT}/ports/curl/curl_transport.c)
set(IOTLIFE_PORT_CURL_INCLUDE_DIRS ${IOTLIFE_ROOT}/ports/curl/include)

# Device side of the Mbed TLS port: hash and verify only.
set(IOTLIFE_PORT_MBEDTLS_SRCS ${IOTLIFE_ROOT}/ports/mbedtls/mbedtls_crypto.c)
# Host side: key generation, signing, PEM (needs entropy; not for devices).
set(IOTLIFE_PORT_MBEDTLS_HOST_SRCS ${IOTLIFE_ROOT}/ports/mbedtls/mbedtls_host.c)
set(IOTLIFE_PORT_MBEDTLS_INCLUDE_DIRS ${IOTLIFE_ROOT}/ports/mbedtls/include)
