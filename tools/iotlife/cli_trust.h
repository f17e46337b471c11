/* SPDX-License-Identifier: Apache-2.0 */
/* Host CLI: helpers and command entry points of the trust commands
 * (keys, signing, key rings, manifests, deployments, inspect, check). */
#ifndef IOTL_CLI_TRUST_H
#define IOTL_CLI_TRUST_H

#include "cli.h"

/* ---- helpers shared by the command groups (cli_util.c) ---- */
#include <stddef.h>
#include <stdint.h>

struct iotl_crypto;

/* Crypto port instance for host tools. */
const struct iotl_crypto *cli_crypto(void);
/* Reads a whole file (malloc'd, NUL-terminated); NULL on error (message printed). */
char *cli_read_file(const char *path, size_t *len);
/* Writes a file; 0 on success, 1 with a message on error. */
int cli_write_file(const char *path, const void *data, size_t len);
/* "1764000000", "2026-01-31T12:00:00Z", "now", "+30d", "+12h"; -1 when invalid. */
int cli_parse_time(const char *s, int64_t *out);
/* Unsigned 32-bit decimal; -1 when invalid. */
int cli_parse_u32(const char *s, uint32_t *out);
/* Lowercase hex of n bytes into out (2n+1). */
void cli_hex(const uint8_t *in, size_t n, char *out);
/* Parses 64 hex characters. */
int cli_parse_hex32(const char *s, uint8_t out[32]);
/* SHA-256 and size of a file; 0 or 1 with a message. */
int cli_hash_file(const char *path, uint8_t digest[32], uint64_t *size);
/* Reports an iotlife error code: "iotlife: <what>: <description> (<NAME>)"; returns 1. */
int cli_fail_code(const char *what, int code);
/* If argv[*i] is `name`, stores the next argument in *val, advances *i and
 * returns 1; returns -1 when the value is missing; 0 otherwise. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);
/* Appends to a growable string; aborts on allocation failure. */
struct cli_buf {
    char *p;
    size_t len;
    size_t cap;
};
void cli_buf_printf(struct cli_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))

    ;
void cli_buf_free(struct cli_buf *b);
/* JSON string literal of s (quotes, escapes) appended to b. */
void cli_buf_json_str(struct cli_buf *b, const char *s);

/* Command groups. */
int cmd_keygen(int argc, char **argv);
int cmd_kid(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keyring(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif
#endif
