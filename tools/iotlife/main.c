/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife: host CLI for device builders (keys, manifests, deltas, publishing)
 * and solution operators (deployments, diagnostics). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#ifdef IOTLIFE_CLI_TRUST
#include "cli_trust.h"
#endif
#include "iotlife/version.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("iotlife %s\n", iotl_version());
    return 0;
}

int cmd_delta(int argc, char **argv);
int cmd_journal(int argc, char **argv);
#ifdef IOTLIFE_CLI_TRUST
int cmd_publish(int argc, char **argv);
#endif

/* Command groups, in the order `--help` lists them. */
static const struct iotl_cli_cmd commands[] = {
    {"version", "print the library version", "iotlife version", cmd_version},
#ifdef IOTLIFE_CLI_TRUST
    {"keygen", "generate a P-256 key pair as PEM files (prints its kid)",
     "iotlife keygen PRIVATE.pem PUBLIC.pem\n"
     "  Writes a SEC1 private key (mode 0600) and a SubjectPublicKeyInfo public key;\n"
     "  prints the key id (RFC 7638 JWK thumbprint, base64url).",
     cmd_keygen},
    {"kid", "print the key id (RFC 7638 thumbprint) of a PEM key",
     "iotlife kid KEY.pem\n  KEY.pem: public (SubjectPublicKeyInfo) or private (SEC1 or PKCS#8) P-256 key.",
     cmd_kid},
    {"sign", "sign a file as compact JWS ES256",
     "iotlife sign --key PRIVATE.pem IN [-o OUT.jws] [--typ TYP]\n"
     "  Header {\"alg\":\"ES256\",\"kid\":THUMBPRINT}; output has no trailing newline.",
     cmd_sign},
    {"verify", "verify a compact JWS with a public key; print its payload",
     "iotlife verify --key PUBLIC.pem IN.jws\n"
     "  Exit 0 and the payload on stdout when valid; otherwise exit 1 and one line on\n"
     "  stderr naming the reason (e.g. IOTL_ERR_ALG, IOTL_ERR_SIGNATURE).",
     cmd_verify},
    {"keyring", "create a root-signed key ring (roles, validity, revocation)",
     "iotlife keyring create --version N --expires TIME [--threshold N] [--issued-at TIME]\n"
     "    --key ROLE:KEY.pem[@NOT_BEFORE..NOT_AFTER] ... [--revoke KID|KEY.pem ...]\n"
     "    --sign ROOT_PRIVATE.pem ... -o RING.json\n"
     "  ROLE is root, publisher or operator. Sign with enough current roots for the\n"
     "  device's threshold AND with the new roots (docs/keys.md). TIME: Unix seconds,\n"
     "  YYYY-MM-DDTHH:MM:SSZ, now, or +Nd/+Nh from now.",
     cmd_keyring},
    {"manifest", "create and sign a release manifest (computes sizes and SHA-256)",
     "iotlife manifest create --key PUBLISHER.pem --product P --hardware H [--hardware H ...]\n"
     "    --version SEMVER --security-version N --sequence N --expires TIME [--issued-at TIME]\n"
     "    [--supported-until TIME] [--release-notes URL]\n"
     "    --payload name=N,component=C,file=F[,location=L][,kind=full|deflate|delta]\n"
     "              [,image=IMAGE][,base-version=V][,base=BASE_IMAGE|,base-sha256=HEX]\n"
     "              [,restart-points=1] ...\n"
     "    -o MANIFEST.jws\n"
     "  file= is what the device downloads; image= the installed result (deflate, delta);\n"
     "  restart-points=1: the deflate stream has Z_FULL_FLUSH restart points (resumable).",
     cmd_manifest},
    {"deploy", "create and sign a deployment of one manifest",
     "iotlife deploy create --key OPERATOR.pem --manifest MANIFEST.jws --id ID --sequence N\n"
     "    --expires TIME [--issued-at TIME] [--hardware H ...] [--group G ...] [--device ID ...]\n"
     "    [--installed-min SEMVER] [--installed-max SEMVER] [--rollout PERCENT]\n"
     "    [--not-before TIME] [--not-after TIME] [--hours START-END] [--urgency normal|critical]\n"
     "    [--manifest-url URL] -o DEPLOYMENT.jws\n"
     "  Binds the manifest by the SHA-256 of its exact file bytes (docs/deployment.md);\n"
     "  --manifest-url tells devices where to fetch it (absolute, or relative to the deployment).",
     cmd_deploy},
    {"inspect", "pretty-print a manifest, deployment or key ring with its signature status",
     "iotlife inspect FILE [--key PUBLIC.pem | --root ROOT.pem ... [--threshold N] [--keyring RING.json]]\n"
     "    [--time TIME]\n"
     "  With --root (and --keyring) shows whether the signer holds the role the document needs.\n"
     "  Repeat --keyring to apply a chain of key rings in order (v1, v2, ... after rotations).",
     cmd_inspect},
    {"check", "run the device's update decision on a deployment and manifest",
     "iotlife check --root ROOT.pem [--threshold N] [--keyring RING.json] --deployment D.jws\n"
     "    --manifest M.jws --device-id ID --product P --hardware H --installed SEMVER\n"
     "    [--group G ...] [--wall-time TIME] [--floors SEC,MSEQ,DSEQ,KRV,LATEST] [--max-payload N]\n"
     "  Prints accept and the floors to persist, or exits 1 with the one reason.\n"
     "  Repeat --keyring to apply a chain of key rings in order.",
     cmd_check},
#endif
    {"diag", "decode diagnostics chunks; make sample chunks",
     "iotlife diag decode [--text] FILE...\n"
     "    Verify and decode diagnostics chunk files (one chunk per file, any order,\n"
     "    duplicates allowed): one JSON object per record on stdout, ordered by device\n"
     "    and sequence number, re-sent duplicates dropped; sequence gaps and bad chunks\n"
     "    are reported on stderr, one line each. --text prints one plain line per record.\n"
     "    Exit 0 when at least one chunk decoded, 1 when none did, 2 on usage errors.\n"
     "iotlife diag sample -o DIR [--records N] [--mtu BYTES]\n"
     "    Simulate a device logging N records (default 200) and write its chunks\n"
     "    (at most BYTES each, default 1024, minimum 64) to DIR/chunk-NNNN.bin.",
     cmd_diag},
    {"delta", "create, apply or inspect a delta patch",
     "iotlife delta create OLD NEW -o PATCH [--window-bits N] [--interval BYTES] [--fail-if-full] [-q]\n"
     "    Encode NEW against OLD (default window_bits 12 = 4 KiB: a 16 KiB decoder; interval 131072).\n"
     "    Prints 'decision: delta' or 'decision: full' (full when the patch exceeds 0.5x the\n"
     "    deflated full image); --fail-if-full then exits 3 for 'full'.\n"
     "iotlife delta apply OLD PATCH -o NEW [--stats]\n"
     "    Apply with the device decoder; NEW appears only if the result's SHA-256 matches.\n"
     "    --stats prints the decoder's measured peak memory.\n"
     "iotlife delta info PATCH\n"
     "    Show the header: sizes, hashes, window, decoder memory, checkpoint interval.",
     cmd_delta},
    {"journal", "decode a dump of a device's staging state journal",
     "iotlife journal show STATE [--erase-size N] [--write-align N] [--erased 0xFF|0x00]\n"
     "    Decode the newest record of a state-area dump (default geometry 4096/1/0xFF) with the\n"
     "    device's own reader: floors, slots, trial, update in flight, outcome, rolled-back releases.\n"
     "    A dump shorter than two erase blocks is padded with the erased value.",
     cmd_journal},
#ifdef IOTLIFE_CLI_TRUST
    {"publish", "lay out a static update repository (releases, deployments, key ring)",
     "iotlife publish release --repo DIR MANIFEST.jws PAYLOAD_FILE...\n"
     "    Copy the manifest to DIR/releases/<manifest-sha256>/manifest.jws and each payload\n"
     "    file (matched by the manifest's size and SHA-256) under its relative location.\n"
     "iotlife publish deployment --repo DIR --channel NAME DEPLOYMENT.jws\n"
     "    Archive it as deployments/archive/NAME-<sequence>.jws, then replace\n"
     "    deployments/NAME.jws atomically. The release it names must be published.\n"
     "iotlife publish keyring --repo DIR RING.json\n"
     "    Store keys/keyring-<version>.jws and replace keys/keyring.jws atomically.\n"
     "  Immutable objects are never rewritten with different bytes (docs/repository.md).",
     cmd_publish},
#endif
};

int cli_fail(const char *what, const char *why)
{
    fprintf(stderr, "iotlife: %s: %s\n", what, why);
    return 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: iotlife COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(f, "\n'iotlife COMMAND --help' shows a command's arguments.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            printf("\n%s\n", commands[i].usage);
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
                printf("%s\n", commands[i].usage);
                return 0;
            }
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "iotlife: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
