/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated device's "firmware" side: areas, objects, boot selection. */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iotlife/port/mbedtls.h"
#include "iotlife/port/mbedtls_host.h"

/* Large objects live here rather than on the stack. */
#define SIM_STAGE_WORK \
    (IOTL_STAGE_WORKBUF_DELTA > IOTL_STAGE_WORKBUF_DEFLATE ? IOTL_STAGE_WORKBUF_DELTA : IOTL_STAGE_WORKBUF_DEFLATE)
static uint8_t g_stage_work[SIM_STAGE_WORK];
static uint8_t g_z_arena[IOTL_DIAG_Z_ARENA(SIM_CHUNK)];
static iotl_trust_work_t g_work;
static struct iotl_trust_result g_result;
static char g_dep_buf[IOTL_TRUST_JWS_MAX];

void sim_path(const struct sim *s, char *out, size_t cap, const char *name)
{
    (void)snprintf(out, cap, "%s/%s", s->dir, name);
}

int sim_write_file(const char *path, const void *data, size_t len)
{
    char tmp[SIM_PATH_MAX + 16];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return IOTL_ERR_IO;
    }
    const uint8_t *p = data;
    int ret = IOTL_OK;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ret = IOTL_ERR_IO;
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    if (ret == IOTL_OK && fsync(fd) != 0) {
        ret = IOTL_ERR_IO;
    }
    close(fd);
    if (ret == IOTL_OK && rename(tmp, path) != 0) {
        ret = IOTL_ERR_IO;
    }
    return ret;
}

char *sim_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096;
    size_t n = 0;
    char *b = malloc(cap + 1u);
    while (b != NULL) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        char *nb = realloc(b, cap * 2u + 1u);
        if (nb == NULL) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2u;
    }
    fclose(f);
    if (b != NULL) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}

/* ---- device.conf ---------------------------------------------------------- */

static void copy(char *dst, size_t cap, const char *src)
{
    (void)snprintf(dst, cap, "%s", src);
}

int sim_conf_load(struct sim *s)
{
    char p[SIM_PATH_MAX + 32];
    size_t len;
    sim_path(s, p, sizeof(p), "device.conf");
    char *text = sim_read_file(p, &len);
    if (text == NULL) {
        return IOTL_ERR_NOT_FOUND;
    }
    struct sim_conf *c = &s->conf;
    memset(c, 0, sizeof(*c));
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            continue;
        }
        *eq = '\0';
        const char *k = line;
        const char *v = eq + 1;
        if (strcmp(k, "id") == 0) {
            copy(c->id, sizeof(c->id), v);
        } else if (strcmp(k, "product") == 0) {
            copy(c->product, sizeof(c->product), v);
        } else if (strcmp(k, "hardware") == 0) {
            copy(c->hardware, sizeof(c->hardware), v);
        } else if (strcmp(k, "group") == 0 && c->ngroups < SIM_MAX_GROUPS) {
            copy(c->groups[c->ngroups++], SIM_NAME_MAX, v);
        } else if (strcmp(k, "anchor") == 0 && c->nanchors < SIM_MAX_ANCHORS) {
            copy(c->anchors[c->nanchors++], SIM_PATH_MAX, v);
        } else if (strcmp(k, "threshold") == 0) {
            c->threshold = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(k, "slot_size") == 0) {
            c->slot_size = (uint32_t)strtoul(v, NULL, 10);
        }
    }
    free(text);
    if (c->id[0] == '\0' || c->product[0] == '\0' || c->hardware[0] == '\0' || c->nanchors == 0 ||
        c->slot_size == 0 || c->slot_size % SIM_ERASE != 0) {
        return IOTL_ERR_SCHEMA;
    }
    return IOTL_OK;
}

int sim_conf_save(const struct sim *s)
{
    char buf[4096];
    const struct sim_conf *c = &s->conf;
    int n = snprintf(buf, sizeof(buf), "id=%s\nproduct=%s\nhardware=%s\nthreshold=%u\nslot_size=%u\n", c->id,
                     c->product, c->hardware, c->threshold, c->slot_size);
    for (unsigned i = 0; i < c->ngroups; i++) {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "group=%s\n", c->groups[i]);
    }
    for (unsigned i = 0; i < c->nanchors; i++) {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "anchor=%s\n", c->anchors[i]);
    }
    char p[SIM_PATH_MAX + 32];
    sim_path(s, p, sizeof(p), "device.conf");
    return sim_write_file(p, buf, (size_t)n);
}

/* ---- areas ------------------------------------------------------------------ */

static int open_area(struct sim *s, int idx, struct iotl_storage *out, const char *name, uint32_t size)
{
    char p[SIM_PATH_MAX + 32];
    struct iotl_storage_geometry geo = {.size = size, .erase_size = SIM_ERASE, .write_align = 8,
                                        .erased_value = 0xFF};
    sim_path(s, p, sizeof(p), name);
    return iotl_posix_storage_open(&s->ps[idx], out, p, &geo, true);
}

static int open_areas(struct sim *s)
{
    int ret = open_area(s, 0, &s->slot[0], "slot-a.img", s->conf.slot_size);
    if (ret == IOTL_OK) {
        ret = open_area(s, 1, &s->slot[1], "slot-b.img", s->conf.slot_size);
    }
    if (ret == IOTL_OK) {
        ret = open_area(s, 2, &s->state, "state.img", SIM_STATE_BLOCKS * SIM_ERASE);
    }
    if (ret == IOTL_OK) {
        ret = open_area(s, 3, &s->diag_area, "diag.img", SIM_DIAG_BLOCKS * SIM_ERASE);
    }
    if (ret == IOTL_OK) {
        ret = open_area(s, 4, &s->health_area, "health.img", SIM_HEALTH_BLOCKS * SIM_ERASE);
    }
    return ret;
}

static void close_areas(struct sim *s)
{
    for (int i = 0; i < 5; i++) {
        iotl_posix_storage_close(&s->ps[i]);
    }
}

/* ---- images ----------------------------------------------------------------- */

void sim_image_read(struct sim *s, int slot, struct sim_image *img)
{
    char head[129];
    memset(img, 0, sizeof(*img));
    memset(head, 0, sizeof(head));
    if (slot < 0 || slot > 1 || iotl_storage_read(&s->slot[slot], 0, head, sizeof(head) - 1u) != IOTL_OK) {
        return;
    }
    if (strncmp(head, "IOTLSIM ", 8) != 0) {
        return;
    }
    char *nl = strchr(head, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    const char *v = strstr(head, "version=");
    if (v != NULL) {
        (void)sscanf(v + 8, "%31s", img->version);
    }
    img->healthy = strstr(head, "health=ok") != NULL;
    img->valid = img->version[0] != '\0';
}

int sim_create(struct sim *s, const uint8_t *image, size_t len)
{
    if (len == 0 || len > s->conf.slot_size) {
        return IOTL_ERR_NO_SPACE;
    }
    int ret = sim_conf_save(s);
    if (ret == IOTL_OK) {
        ret = open_areas(s);
    }
    if (ret == IOTL_OK) {
        ret = iotl_storage_erase(&s->slot[0], 0, s->conf.slot_size);
    }
    /* factory programming: the image, padded to the write unit */
    uint8_t tail[8];
    size_t whole = len & ~(size_t)7u;
    if (ret == IOTL_OK && whole > 0) {
        ret = iotl_storage_write(&s->slot[0], 0, image, whole);
    }
    if (ret == IOTL_OK && whole < len) {
        memset(tail, 0xFF, sizeof(tail));
        memcpy(tail, image + whole, len - whole);
        ret = iotl_storage_write(&s->slot[0], (uint32_t)whole, tail, sizeof(tail));
    }
    if (ret == IOTL_OK) {
        ret = iotl_storage_sync(&s->slot[0]);
    }
    close_areas(s);
    return ret;
}

static void sim_set_boot_time(uint64_t t0_ms);

/* ---- boot.txt ----------------------------------------------------------------- */

static int boot_load(struct sim *s)
{
    char p[SIM_PATH_MAX + 32];
    size_t len;
    sim_path(s, p, sizeof(p), "boot.txt");
    char *t = sim_read_file(p, &len);
    if (t == NULL) {
        return IOTL_ERR_NOT_FOUND;
    }
    int slot = -1;
    int trial = 0;
    unsigned boots = 0;
    unsigned long long t0 = 0;
    int n = sscanf(t, "slot=%d trial=%d boots=%u t0=%llu", &slot, &trial, &boots, &t0);
    free(t);
    if (n < 3 || slot < 0 || slot > 1) {
        return IOTL_ERR_CORRUPT;
    }
    s->boot.slot = slot;
    s->boot.trial = trial;
    s->boot.boots = boots;
    s->boot.t0_ms = t0;
    sim_set_boot_time(t0);
    return IOTL_OK;
}

static int boot_save(const struct sim *s)
{
    char p[SIM_PATH_MAX + 32];
    char t[96];
    int n = snprintf(t, sizeof(t), "slot=%d trial=%d boots=%u t0=%llu\n", s->boot.slot, s->boot.trial,
                     s->boot.boots, (unsigned long long)s->boot.t0_ms);
    sim_path(s, p, sizeof(p), "boot.txt");
    return sim_write_file(p, t, (size_t)n);
}

int sim_boot_select(struct sim *s, struct iotl_boot_result *res)
{
    iotl_boot_t b;
    struct iotl_crypto crypto;
    (void)iotl_mbedtls_crypto_init(&crypto);
    (void)boot_load(s);
    int ret = open_areas(s);
    if (ret == IOTL_OK) {
        struct iotl_boot_config bc = {.state = &s->state, .slot = {&s->slot[0], &s->slot[1]}, .crypto = &crypto};
        ret = iotl_boot_select(&b, &bc, res);
    }
    close_areas(s);
    if (ret != IOTL_OK) {
        return ret;
    }
    s->boot.slot = res->slot;
    s->boot.trial = res->trial;
    s->boot.boots++;
    s->boot.t0_ms = iotl_posix_platform_ops.uptime_ms(NULL);
    sim_set_boot_time(s->boot.t0_ms);
    return boot_save(s);
}

/* ---- platform: uptime counts from the simulated boot -------------------------- */

static uint64_t g_boot_ms;

static uint64_t sim_uptime(void *ctx)
{
    (void)ctx;
    return iotl_posix_platform_ops.uptime_ms(NULL) - g_boot_ms;
}

static int sim_wall(void *ctx, int64_t *s)
{
    (void)ctx;
    return iotl_posix_platform_ops.wall_time(NULL, s);
}

static int sim_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    return iotl_posix_platform_ops.random(NULL, buf, len);
}

static const struct iotl_platform_ops sim_platform_ops = {
    .uptime_ms = sim_uptime, .wall_time = sim_wall, .random = sim_random};

static void sim_set_boot_time(uint64_t t0_ms)
{
    uint64_t now = iotl_posix_platform_ops.uptime_ms(NULL);
    g_boot_ms = t0_ms <= now ? t0_ms : now; /* a host reboot since: count from now */
}

/* ---- health ------------------------------------------------------------------- */

static int check_image(void *arg)
{
    const struct sim *s = arg;
    return s->running.healthy ? IOTL_OK : IOTL_ERR_UNHEALTHY;
}

int sim_health_evaluate(struct sim *s, enum iotl_health_decision *d)
{
    return iotl_health_evaluate(&s->health, d);
}

/* ---- open/close --------------------------------------------------------------- */

static int load_anchors(struct sim *s)
{
    uint8_t pubs[SIM_MAX_ANCHORS][IOTL_P256_PUBKEY_LEN];
    for (unsigned i = 0; i < s->conf.nanchors; i++) {
        iotl_host_key_t *k = NULL;
        int ret = iotl_host_key_read(s->conf.anchors[i], &k);
        if (ret == IOTL_OK) {
            ret = iotl_host_key_public(k, pubs[i]);
        }
        iotl_host_key_free(k);
        if (ret != IOTL_OK) {
            fprintf(stderr, "iotlife-device: anchor %s: %s\n", s->conf.anchors[i], iotl_strerror_name(ret));
            return ret;
        }
    }
    return iotl_keyring_init(&s->keyring, &s->crypto, (const uint8_t(*)[IOTL_P256_PUBKEY_LEN])pubs,
                             s->conf.nanchors, s->conf.threshold);
}

static void keyring_accepted(void *ctx, const uint8_t *doc, size_t len)
{
    const struct sim *s = ctx;
    char p[SIM_PATH_MAX + 32];
    sim_path(s, p, sizeof(p), "keyring.json");
    if (sim_write_file(p, doc, len) != IOTL_OK) {
        fprintf(stderr, "iotlife-device: could not store the key ring\n");
    }
}

static int reload_keyring(struct sim *s)
{
    char p[SIM_PATH_MAX + 32];
    size_t len;
    sim_path(s, p, sizeof(p), "keyring.json");
    char *doc = sim_read_file(p, &len);
    if (doc == NULL) {
        return IOTL_OK; /* anchors only */
    }
    struct iotl_floors f;
    int ret = iotl_stage_get_floors(&s->stage, &f);
    if (ret == IOTL_OK) {
        ret = iotl_keyring_update(&s->keyring, &s->crypto, doc, len, &f, f.latest_time, IOTL_KEYRING_RELOAD,
                                  &g_work, NULL);
    }
    free(doc);
    return ret;
}

int sim_open(struct sim *s)
{
    int ret;
    if (s->open) {
        return IOTL_OK;
    }
    ret = boot_load(s);
    if (ret != IOTL_OK) {
        return ret;
    }
    (void)iotl_mbedtls_crypto_init(&s->crypto);
    s->plat.ops = &sim_platform_ops;
    s->plat.ctx = NULL;
    ret = open_areas(s);
    if (ret != IOTL_OK) {
        close_areas(s);
        return ret;
    }
    sim_image_read(s, s->boot.slot, &s->running);

    memset(&s->stage_cfg, 0, sizeof(s->stage_cfg));
    s->stage_cfg.slot[0] = &s->slot[0];
    s->stage_cfg.slot[1] = &s->slot[1];
    s->stage_cfg.state = &s->state;
    s->stage_cfg.crypto = &s->crypto;
    s->stage_cfg.work_buf = g_stage_work;
    s->stage_cfg.work_buf_len = sizeof(g_stage_work);
    s->stage_cfg.checkpoint_bytes = 16384; /* a resumed download loses at most 16 KiB */
    ret = iotl_stage_init(&s->stage, &s->stage_cfg);
    if (ret != IOTL_OK) {
        close_areas(s);
        return ret;
    }

    memset(&s->diag_cfg, 0, sizeof(s->diag_cfg));
    s->diag_cfg.storage = &s->diag_area;
    s->diag_cfg.platform = &s->plat;
    s->diag_cfg.device_id = s->conf.id;
    s->diag_cfg.boot_id = s->boot.boots; /* records carry the simulated boot number */
    s->diag_cfg.z_arena = g_z_arena;
    s->diag_cfg.z_arena_len = sizeof(g_z_arena);
    ret = iotl_diag_init(&s->diag, &s->diag_cfg);

    if (ret == IOTL_OK) {
        s->checks[0].name = "image-selftest";
        s->checks[0].fn = check_image;
        s->checks[0].arg = s;
        memset(&s->health_cfg, 0, sizeof(s->health_cfg));
        s->health_cfg.checks = s->checks;
        s->health_cfg.n_checks = 1;
        s->health_cfg.policy.passes_needed = 1;
        s->health_cfg.policy.confirm_within_ms = SIM_CONFIRM_WITHIN_MS;
        s->health_cfg.storage = &s->health_area;
        s->health_cfg.platform = &s->plat;
        s->health_cfg.diag = &s->diag;
        ret = iotl_health_init(&s->health, &s->health_cfg);
    }
    if (ret == IOTL_OK) {
        ret = load_anchors(s);
    }
    if (ret == IOTL_OK) {
        ret = reload_keyring(s);
    }
    if (ret != IOTL_OK) {
        iotl_diag_deinit(&s->diag);
        iotl_stage_deinit(&s->stage);
        close_areas(s);
        return ret;
    }
    for (unsigned i = 0; i < s->conf.ngroups; i++) {
        s->group_ptrs[i] = s->conf.groups[i];
    }
    memset(&s->info, 0, sizeof(s->info));
    s->info.id = s->conf.id;
    s->info.product = s->conf.product;
    s->info.hardware = s->conf.hardware;
    s->info.groups = s->group_ptrs;
    s->info.group_count = s->conf.ngroups;
    s->info.installed_version = s->running.valid ? s->running.version : "0.0.0";

    memset(&s->upd_cfg, 0, sizeof(s->upd_cfg));
    s->upd_cfg.keyring = &s->keyring;
    s->upd_cfg.crypto = &s->crypto;
    s->upd_cfg.platform = &s->plat;
    s->upd_cfg.stage = &s->stage;
    s->upd_cfg.diag = &s->diag;
    s->upd_cfg.device = &s->info;
    s->upd_cfg.max_payload_size = s->conf.slot_size;
    s->upd_cfg.work = &g_work;
    s->upd_cfg.result = &g_result;
    s->upd_cfg.deployment_buf = g_dep_buf;
    s->upd_cfg.deployment_buf_len = sizeof(g_dep_buf);
    s->upd_cfg.keyring_accepted = keyring_accepted;
    s->upd_cfg.keyring_ctx = s;
    ret = iotl_updater_init(&s->upd, &s->upd_cfg);
    if (ret != IOTL_OK) {
        sim_close(s);
        return ret;
    }
    s->open = true;
    return IOTL_OK;
}

void sim_close(struct sim *s)
{
    iotl_diag_deinit(&s->diag);
    iotl_stage_deinit(&s->stage);
    close_areas(s);
    s->open = false;
}
