/* SPDX-License-Identifier: Apache-2.0 */
/* Internal base64url helper shared by the JWS parser (src/base64url.c). */
#ifndef IOTL_ENCODING_H
#define IOTL_ENCODING_H

#include <stdint.h>

/* 0..63 for a base64url alphabet character, -1 otherwise. */
int iotl_b64url_value(uint8_t c);

#endif
