/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated device: files as flash areas, and the iotlife objects a
 * firmware would hold (staging, diagnostics, health, key ring, updater). */
#ifndef IOTL_SIM_H
#define IOTL_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "iotlife/boot.h"
#include "iotlife/diag.h"
#include "iotlife/health.h"
#include "iotlife/keyring.h"
#include "iotlife/port/posix.h"
#include "iotlife/stage.h"
#include "iotlife/trust.h"
#include "iotlife/updater.h"

#define SIM_MAX_GROUPS 4
#define SIM_MAX_ANCHORS 4
#define SIM_NAME_MAX 64
#define SIM_PATH_MAX 512
#define SIM_CHUNK 1024u
#define SIM_ERASE 4096u
#define SIM_STATE_BLOCKS 4u
#define SIM_DIAG_BLOCKS 16u
#define SIM_HEALTH_BLOCKS 2u
/* A trial image whose checks have not all passed this long after boot is rejected. */
#define SIM_CONFIRM_WITHIN_MS 3000u

/* device.conf: key=value lines. */
struct sim_conf {
    char id[SIM_NAME_MAX];
    char product[SIM_NAME_MAX];
    char hardware[SIM_NAME_MAX];
    char groups[SIM_MAX_GROUPS][SIM_NAME_MAX];
    unsigned ngroups;
    char anchors[SIM_MAX_ANCHORS][SIM_PATH_MAX];
    unsigned nanchors;
    uint32_t threshold;
    uint32_t slot_size;
};

/* What the last boot (reset) selected; stored in DIR/boot.txt. */
struct sim_boot {
    int slot;
    int trial;
    uint32_t boots;
    uint64_t t0_ms; /* host monotonic clock at that boot: uptime counts from here */
};

/* The first line of a simulated firmware image. */
struct sim_image {
    char version[32];
    bool healthy;
    bool valid;
};

struct sim {
    char dir[SIM_PATH_MAX];
    struct sim_conf conf;
    struct sim_boot boot;
    struct sim_image running;
    iotl_posix_storage_t ps[5];
    struct iotl_storage slot[2];
    struct iotl_storage state;
    struct iotl_storage diag_area;
    struct iotl_storage health_area;
    struct iotl_crypto crypto;
    struct iotl_platform plat;
    iotl_stage_t stage;
    struct iotl_stage_config stage_cfg;
    iotl_diag_t diag;
    struct iotl_diag_config diag_cfg;
    iotl_health_t health;
    struct iotl_health_config health_cfg;
    struct iotl_health_check checks[1];
    iotl_keyring_t keyring;
    struct iotl_device_info info;
    const char *group_ptrs[SIM_MAX_GROUPS];
    iotl_updater_t upd;
    struct iotl_updater_config upd_cfg;
    bool open;
};

/* Paths inside the device directory. */
void sim_path(const struct sim *s, char *out, size_t cap, const char *name);
/* Atomic small-file write (temporary, fsync, rename). */
int sim_write_file(const char *path, const void *data, size_t len);
/* Whole file into a malloc'ed buffer (NUL-terminated); NULL on error. */
char *sim_read_file(const char *path, size_t *len);

int sim_conf_load(struct sim *s);
int sim_conf_save(const struct sim *s);
/* Parse the image header of slot `slot`. */
void sim_image_read(struct sim *s, int slot, struct sim_image *img);

/* Create the device: areas (erased), the factory image in slot A, device.conf. */
int sim_create(struct sim *s, const uint8_t *image, size_t len);

/* Open every area and object (the firmware starting after a reset).
 * Requires a previous sim_boot_select(); returns 0 or an iotl error. */
int sim_open(struct sim *s);
void sim_close(struct sim *s);
/* The bootloader: select the slot, record the boot, remember it. */
int sim_boot_select(struct sim *s, struct iotl_boot_result *res);
/* Health checks of the running image; decision in *d. */
int sim_health_evaluate(struct sim *s, enum iotl_health_decision *d);

#endif
