/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife: host CLI for device builders (keys, manifests, deltas, publishing)
 * and solution operators (deployments, diagnostics). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "iotlife/version.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("iotlife %s\n", iotl_version());
    return 0;
}

int cmd_delta(int argc, char **argv);

/* Command groups, in the order `--help` lists them. */
static const struct iotl_cli_cmd commands[] = {
    {"version", "print the library version", "iotlife version", cmd_version},
    {"delta", "create, apply or inspect a delta patch",
     "iotlife delta create OLD NEW -o PATCH [--window-bits N] [--interval BYTES] [--fail-if-full] [-q]\n"
     "    Encode NEW against OLD (default window_bits 12 = 4 KiB: a 16 KiB decoder; interval 65536).\n"
     "    Prints 'decision: delta' or 'decision: full' (full when the patch exceeds 0.5x the\n"
     "    deflated full image); --fail-if-full then exits 3 for 'full'.\n"
     "iotlife delta apply OLD PATCH -o NEW [--stats]\n"
     "    Apply with the device decoder; NEW appears only if the result's SHA-256 matches.\n"
     "    --stats prints the decoder's measured peak memory.\n"
     "iotlife delta info PATCH\n"
     "    Show the header: sizes, hashes, window, decoder memory, checkpoint interval.",
     cmd_delta},
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
