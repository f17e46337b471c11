/* SPDX-License-Identifier: Apache-2.0 */
/* Host CLI: shared declarations of the command groups. Each group takes the
 * arguments after its name (argv[0] is the group name) and returns the
 * process exit status: 0 on success, 1 for a rejected input, 2 for usage. */
#ifndef IOTL_CLI_H
#define IOTL_CLI_H

struct iotl_cli_cmd {
    const char *name;    /* first word on the command line */
    const char *summary; /* one line for `iotlife --help` */
    const char *usage;   /* full usage text for `iotlife NAME --help` */
    int (*run)(int argc, char **argv);
};

/* Print "iotlife: <what>: <why>" on stderr; returns 1 for `return cli_fail(...)`. */
int cli_fail(const char *what, const char *why);

/* Command groups (tools/iotlife/cmd_<group>.c). */
int cmd_diag(int argc, char **argv);

#endif
