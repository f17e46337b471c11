/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file error.h
 * @brief The one error enum of iotlife, and iotl_strerror().
 *
 * Every function that can fail returns `int`: 0 (#IOTL_OK) on success, a
 * negative #iotl_err value on failure, and a positive value only where the
 * function documents a count. Codes are grouped in ranges per module so a code
 * alone tells where it came from. A port may return its own detail as
 * IOTL_ERR_PORT(n); the core passes such codes through unchanged.
 */
#ifndef IOTLIFE_ERROR_H
#define IOTLIFE_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_error Errors
 *  @brief Error codes shared by every module and port.
 *  @{ */

/** @brief Signed size for functions that return a count or a negative error. */
typedef ptrdiff_t iotl_ssize_t;

/** @brief Error codes. Values are stable across releases (they appear in diagnostics). */
enum iotl_err {
    IOTL_OK = 0, /**< Success. */

    /* General: -1 .. -19 */
    IOTL_ERR_INVALID_ARG = -1,  /**< An argument is out of its documented range. */
    IOTL_ERR_NO_MEM = -2,       /**< A caller-provided buffer is too small. */
    IOTL_ERR_IO = -3,           /**< A storage or transport operation failed. */
    IOTL_ERR_UNSUPPORTED = -4,  /**< The port or build does not support this operation. */
    IOTL_ERR_WOULD_BLOCK = -5,  /**< Non-blocking operation has no progress now; call again. */
    IOTL_ERR_BOUNDS = -6,       /**< Offset or length lies outside the storage area. */
    IOTL_ERR_STATE = -7,        /**< Operation not allowed in the object's current state. */
    IOTL_ERR_NOT_FOUND = -8,    /**< The requested item does not exist. */
    IOTL_ERR_CORRUPT = -9,      /**< Stored data failed its integrity check. */
    IOTL_ERR_INTEGRITY = -10,   /**< A security check did not reach its success path. */
    IOTL_ERR_TIMEOUT = -11,     /**< An operation did not complete in time. */
    IOTL_ERR_OVERFLOW = -12,    /**< A computed size or count does not fit its type. */
    IOTL_ERR_FULL = -13,        /**< No space left in the storage area. */

    /* Storage: -20 .. -39 */
    IOTL_ERR_STORAGE_NOT_ERASED = -20, /**< Write to a range that is not erased. */
    IOTL_ERR_STORAGE_ALIGN = -21,      /**< Offset or length violates the area's alignment. */
    IOTL_ERR_STORAGE_GEOMETRY = -22,   /**< Storage geometry is invalid or unsuitable. */
    IOTL_ERR_POWER_LOSS = -23,         /**< Emulated power cut (test flash only). */
    IOTL_ERR_STORAGE_BAD_BLOCK = -24,  /**< The erase block is worn out or failed. */

    /* Signatures, keys and trust: -40 .. -79 */
    IOTL_ERR_BASE64 = -40,        /**< Not canonical unpadded base64url. */
    IOTL_ERR_JWS_FORMAT = -41,    /**< Not a JWS compact serialization (three parts). */
    IOTL_ERR_ALG = -42,           /**< JWS algorithm is not ES256 (none, HS*, ...). */
    IOTL_ERR_CRIT = -43,          /**< JWS header has an unsupported critical parameter. */
    IOTL_ERR_KID_MISMATCH = -44,  /**< `kid` is not the thumbprint of the verifying key. */
    IOTL_ERR_SIGNATURE = -45,     /**< Signature does not verify. */
    IOTL_ERR_UNKNOWN_KEY = -46,   /**< Signed by a key the key ring does not know. */
    IOTL_ERR_WRONG_ROLE = -47,    /**< Signing key lacks the role this document needs. */
    IOTL_ERR_REVOKED = -48,       /**< Signing key has been revoked. */
    IOTL_ERR_EXPIRED = -49,       /**< Document or key is past its expiry. */
    IOTL_ERR_REPLAYED = -50,      /**< Sequence number is not newer than the one persisted. */
    IOTL_ERR_ROLLBACK = -51,      /**< Security version is below the anti-rollback floor. */
    IOTL_ERR_KEY_FORMAT = -52,    /**< A key is not a valid P-256 public or private key. */
    IOTL_ERR_THRESHOLD = -53,     /**< Not enough valid root signatures. */
    IOTL_ERR_NOT_YET_VALID = -54, /**< Document or key is not valid yet. */

    /* Documents and policy: -80 .. -119 */
    IOTL_ERR_MALFORMED = -80,       /**< Document is not well-formed JSON. */
    IOTL_ERR_TOO_LARGE = -81,       /**< Document or declared size exceeds its limit. */
    IOTL_ERR_TOO_DEEP = -82,        /**< JSON nesting exceeds IOTL_JSON_MAX_DEPTH. */
    IOTL_ERR_DUPLICATE_KEY = -83,   /**< A JSON object repeats a member name. */
    IOTL_ERR_SCHEMA = -84,          /**< A required member is missing or has the wrong type. */
    IOTL_ERR_RANGE = -85,           /**< A number or string is outside its allowed range. */
    IOTL_ERR_HW_MISMATCH = -86,     /**< Release is not for this product or hardware. */
    IOTL_ERR_NOT_TARGETED = -87,    /**< Deployment does not select this device. */
    IOTL_ERR_NOT_IN_COHORT = -88,   /**< Device is outside the rollout percentage. */
    IOTL_ERR_OUTSIDE_WINDOW = -89,  /**< Outside the deployment's time window or hours. */
    IOTL_ERR_MISMATCH = -90,        /**< Deployment does not name this manifest. */
    IOTL_ERR_VERSION_FORMAT = -91,  /**< Version string is not semantic versioning. */
    IOTL_ERR_TRAILING_DATA = -92,   /**< Bytes follow the end of the document. */

    /* Delta patches: -120 .. -159 */
    IOTL_ERR_DELTA_MAGIC = -120,     /**< Not an iotlife delta patch. */
    IOTL_ERR_DELTA_VERSION = -121,   /**< Unknown patch format version. */
    IOTL_ERR_DELTA_HEADER = -122,    /**< Patch header has absurd or inconsistent fields. */
    IOTL_ERR_DELTA_BASE = -123,      /**< Old image is not the patch's base. */
    IOTL_ERR_DELTA_TRUNCATED = -124, /**< Patch ended before the new image was complete. */
    IOTL_ERR_DELTA_STREAM = -125,    /**< Compressed patch stream is corrupt. */
    IOTL_ERR_DELTA_OLD_RANGE = -126, /**< Instruction reads beyond the old image. */
    IOTL_ERR_DELTA_NEW_RANGE = -127, /**< Instruction writes beyond the declared new size. */
    IOTL_ERR_DELTA_RESULT = -128,    /**< Patched image does not match its declared SHA-256. */
    IOTL_ERR_DELTA_INSTR = -129,     /**< Unknown or malformed patch instruction. */

    /* Staging and boot: -160 .. -199 */
    IOTL_ERR_HASH_MISMATCH = -160,   /**< Written image does not match the manifest's SHA-256. */
    IOTL_ERR_SIZE_MISMATCH = -161,   /**< Payload is larger or smaller than declared. */
    IOTL_ERR_TRIAL_PENDING = -162,   /**< A trial boot awaits confirm or reject. */
    IOTL_ERR_NO_UPDATE = -163,       /**< No update in progress. */
    IOTL_ERR_JOURNAL = -164,         /**< No valid state journal record could be read. */
    IOTL_ERR_SLOT_GEOMETRY = -165,   /**< Slots or state area unsuitable for staging. */
    IOTL_ERR_NO_SPACE = -166,        /**< Payload does not fit the target slot. */
    IOTL_ERR_ROLLED_BACK = -167,     /**< This release was rolled back; needs a newer deployment. */
    IOTL_ERR_HANDLER = -168,         /**< A component handler failed or is missing. */
    IOTL_ERR_NOT_BOOTABLE = -169,    /**< No slot holds a bootable image. */

    /* Diagnostics: -200 .. -239 */
    IOTL_ERR_DIAG_CHUNK = -200,   /**< Diagnostics chunk is malformed. */
    IOTL_ERR_DIAG_CRC = -201,     /**< Diagnostics chunk CRC mismatch. */
    IOTL_ERR_DIAG_VERSION = -202, /**< Unknown diagnostics chunk version. */
    IOTL_ERR_DIAG_SEQ = -203,     /**< Acknowledged sequence numbers were never sent. */
    IOTL_ERR_DIAG_MTU = -204,     /**< Chunk buffer too small for a header and one record. */

    /* Transport and agent: -240 .. -279 */
    IOTL_ERR_HTTP_STATUS = -240,      /**< Server answered with an unexpected HTTP status. */
    IOTL_ERR_HTTP_NOT_FOUND = -241,   /**< Server answered 404 Not Found. */
    IOTL_ERR_HTTP_SERVER = -242,      /**< Server answered with a 5xx status. */
    IOTL_ERR_TRANSPORT = -243,        /**< Connection failed or was reset. */
    IOTL_ERR_TLS = -244,              /**< TLS handshake or certificate check failed. */
    IOTL_ERR_RESPONSE_TOO_LARGE = -245, /**< Response is larger than allowed. */
    IOTL_ERR_TRUNCATED = -246,        /**< Response ended before its declared length. */
    IOTL_ERR_DECLINED = -247,         /**< The application declined the update. */
    IOTL_ERR_DEFERRED = -248,         /**< The application deferred the update. */
    IOTL_ERR_REDIRECTS = -249,        /**< Too many redirects. */
    IOTL_ERR_HTTP_RANGE = -250,       /**< Server cannot serve the requested byte range (416). */
    IOTL_ERR_UNHEALTHY = -251,        /**< The trial image failed its health checks. */

    /* Ports: IOTL_ERR_PORT_BASE and below carry a port's own detail. */
    IOTL_ERR_PORT_BASE = -1000 /**< First code of the port-specific range. */
};

/** @brief A port-specific error n (n >= 0), kept distinct from core codes. */
#define IOTL_ERR_PORT(n) (IOTL_ERR_PORT_BASE - (int)(n))
/** @brief True when e is in the port-specific range. */
#define IOTL_ERR_IS_PORT(e) ((e) <= IOTL_ERR_PORT_BASE)
/** @brief The port's own detail n of a port-specific error e. */
#define IOTL_ERR_PORT_DETAIL(e) (IOTL_ERR_PORT_BASE - (e))

/**
 * @brief Short English description of an error code.
 * @param err A value returned by an iotlife function (0, negative code, or port code).
 * @return A static string, never NULL; "unknown error" for codes not in #iotl_err.
 *         Safe from any context.
 */
const char *iotl_strerror(int err);

/**
 * @brief Stable identifier of an error code, e.g. "IOTL_ERR_SIGNATURE".
 * @param err A value returned by an iotlife function.
 * @return A static string, never NULL; "IOTL_ERR_PORT" for the port range and
 *         "IOTL_ERR_UNKNOWN" otherwise.
 */
const char *iotl_strerror_name(int err);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
