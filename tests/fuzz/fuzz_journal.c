/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the state-journal reader (on-flash data is input too: flash decays and
 * can be written by an attacker with physical access). Byte 0 picks the
 * geometry (erased value, write alignment); the rest is the area's content.
 * Whatever the content, mount must not crash (nor claim a new device when
 * intact records exist), and a state that mounted must
 * survive a commit and read back identically; the boot selector must decide. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iotlife/boot.h"
#include "iotlife/journal.h"
#include "iotlife/port/ram.h"

#define BLK 1024u
#define AREA (2u * BLK)

static uint8_t mem[AREA];
static iotl_journal_t j, j2;
static iotl_boot_t b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t ev = (data[0] & 1u) ? 0x00 : 0xFF;
    uint32_t align = 1u << ((data[0] >> 1) & 3u); /* 1, 2, 4, 8 */
    struct iotl_storage_geometry g = {AREA, BLK, align, ev};
    memset(mem, ev, sizeof(mem));
    size_t n = size - 1 < AREA ? size - 1 : AREA;
    memcpy(mem, data + 1, n);
    iotl_ram_flash_t rf;
    struct iotl_storage area;
    if (iotl_ram_flash_attach(&rf, &area, mem, &g, false) != 0) {
        abort();
    }
    int ret = iotl_journal_mount(&j, &area);
    if (ret == 0 || ret == IOTL_ERR_NOT_FOUND) {
        struct iotl_journal_state before = *iotl_journal_state(&j);
        if (iotl_journal_commit(&j) != 0) {
            abort();
        }
        if (iotl_journal_mount(&j2, &area) != 0 ||
            memcmp(&before, iotl_journal_state(&j2), sizeof(before)) != 0) {
            abort();
        }
    }
    struct iotl_boot_config bc = {&area, {NULL, NULL}, NULL};
    struct iotl_boot_result r;
    if (iotl_boot_select(&b, &bc, &r) == 0 && r.slot > 1) {
        abort();
    }
    return 0;
}
