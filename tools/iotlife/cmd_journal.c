/* SPDX-License-Identifier: Apache-2.0 */
/* `iotlife journal show`: decode a dump of a device's state area (the staging
 * journal) with the same reader the device and its bootloader run. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iotlife/journal.h"
#include "iotlife/port/ram.h"

static int parse_u32(const char *s, uint32_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > 0xFFFFFFFFul) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static void hex(const char *label, const uint8_t *p, size_t n)
{
    printf("%s", label);
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
    printf("\n");
}

static const char *phase_name(uint8_t p)
{
    static const char *const names[] = {"idle", "downloading", "staged", "trial"};
    return p < 4 ? names[p] : "?";
}

static const char *outcome_name(uint8_t k)
{
    static const char *const names[] = {"none", "installed", "confirmed", "rolled-back", "failed"};
    return k < 5 ? names[k] : "?";
}

static const char *reason_name(uint8_t r)
{
    static const char *const names[] = {"-", "attempts-exhausted", "rejected", "image-invalid"};
    return r < 4 ? names[r] : "?";
}

static void show(const struct iotl_journal_state *st)
{
    const struct iotl_floors *f = &st->floors;
    printf("floors: security_version %" PRIu32 ", manifest_seq %" PRIu32 ", deployment_seq %" PRIu32
           ", keyring_version %" PRIu32 ", latest_time %" PRId64 "\n",
           f->security_version, f->manifest_seq, f->deployment_seq, f->keyring_version, f->latest_time);
    printf("phase: %s\n", phase_name(st->phase));
    printf("confirmed slot: %c\n", st->confirmed_slot == 0 ? 'A' : 'B');
    if (st->trial_slot <= 1) {
        printf("trial slot: %c (attempts left %u, booted %u)\n", st->trial_slot == 0 ? 'A' : 'B',
               st->attempts_left, st->trial_booted);
    } else {
        printf("trial slot: none\n");
    }
    for (int i = 0; i < 2; i++) {
        const struct iotl_slot_meta *m = &st->slot[i];
        if (m->valid == IOTL_SLOT_ERASED) {
            printf("slot %c: no image, first %" PRIu32 " bytes erased\n", i == 0 ? 'A' : 'B', m->size);
        } else if (m->valid) {
            printf("slot %c: %" PRIu32 " bytes, security_version %" PRIu32 ", ", i == 0 ? 'A' : 'B', m->size,
                   m->security_version);
            hex("sha256 ", m->sha256, sizeof(m->sha256));
        } else {
            printf("slot %c: unknown\n", i == 0 ? 'A' : 'B');
        }
    }
    if (st->desc.component_count > 0) {
        printf("update: version %s, security_version %" PRIu32 ", deployment_seq %" PRIu32 "\n",
               st->desc.version, st->desc.security_version, st->desc.deployment_seq);
        hex("update manifest: ", st->desc.manifest_sha256, IOTL_SHA256_LEN);
        for (uint8_t i = 0; i < st->desc.component_count && i < IOTL_STAGE_MAX_COMPONENTS; i++) {
            const struct iotl_update_component *c = &st->desc.component[i];
            static const char *const kinds[] = {"full", "deflate", "delta"};
            printf("component %u: %s, %s, payload %" PRIu32 ", image %" PRIu32 ", status %u, checkpoint %" PRIu32
                   "/%" PRIu32 "\n",
                   i, c->id, c->kind < 3 ? kinds[c->kind] : "?", c->payload_size, c->image_size,
                   st->prog[i].status, st->prog[i].ck_payload_off, st->prog[i].ck_image_off);
        }
    }
    const struct iotl_update_outcome *o = &st->outcome;
    printf("outcome: %s (seq %" PRIu32 ", reason %s, code %" PRId32 ", acked %u, version %s)\n",
           outcome_name(o->kind), o->seq, reason_name(o->reason), o->code, o->acked, o->version);
    for (int i = 0; i < st->rolled_back_count && i < IOTL_STAGE_ROLLED_BACK_MAX; i++) {
        printf("rolled back: deployment_seq %" PRIu32 ", ", st->rolled_back[i].deployment_seq);
        hex("manifest ", st->rolled_back[i].manifest_sha256, IOTL_SHA256_LEN);
    }
}

int cmd_journal(int argc, char **argv);
int cmd_journal(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "show") != 0) {
        fprintf(stderr, "usage: iotlife journal show STATE [--erase-size N] [--write-align N] [--erased 0xFF|0x00]\n");
        return 2;
    }
    uint32_t erase = 4096, align = 1, erased = 0xFF;
    for (int i = 3; i < argc; i++) {
        uint32_t *dst = strcmp(argv[i], "--erase-size") == 0    ? &erase
                        : strcmp(argv[i], "--write-align") == 0 ? &align
                        : strcmp(argv[i], "--erased") == 0      ? &erased
                                                                : NULL;
        if (dst == NULL || i + 1 >= argc || parse_u32(argv[i + 1], dst) != 0) {
            return cli_fail(argv[i], "unknown option or bad number");
        }
        i++;
    }
    if (erased > 0xFF) {
        return cli_fail("--erased", "must be a byte value");
    }
    FILE *fp = fopen(argv[2], "rb");
    if (fp == NULL) {
        return cli_fail(argv[2], strerror(errno));
    }
    size_t cap = 64u * 1024u * 1024u;
    uint8_t *mem = malloc(cap);
    if (mem == NULL) {
        fclose(fp);
        return cli_fail(argv[2], "out of memory");
    }
    size_t n = fread(mem, 1, cap, fp);
    int rerr = ferror(fp);
    fclose(fp);
    if (rerr || erase == 0) {
        free(mem);
        return cli_fail(argv[2], rerr ? "read error" : "bad erase size");
    }
    /* A dump shorter than whole blocks (or than two) is padded with the erased value. */
    size_t size = (n + erase - 1) / erase * erase;
    if (size < 2u * erase) {
        size = 2u * erase;
    }
    if (size > cap) {
        free(mem);
        return cli_fail(argv[2], "larger than 64 MiB");
    }
    memset(mem + n, (int)erased, size - n);
    struct iotl_storage_geometry g = {(uint32_t)size, erase, align, (uint8_t)erased};
    iotl_ram_flash_t rf;
    struct iotl_storage area;
    int ret = iotl_ram_flash_attach(&rf, &area, mem, &g, false);
    static iotl_journal_t j;
    if (ret == 0) {
        ret = iotl_journal_mount(&j, &area);
    }
    if (ret == 0) {
        printf("journal: record seq %" PRIu32 " in block %" PRIu32 " (format version %u)\n", j.seq, j.block,
               mem[j.block * erase + 4]);
        show(iotl_journal_state(&j));
    }
    free(mem);
    if (ret == IOTL_ERR_NOT_FOUND) {
        return cli_fail(argv[2], "no journal record (erased or never written)");
    }
    return ret == 0 ? 0 : cli_fail(argv[2], iotl_strerror(ret));
}
