/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife-device: a desktop device simulator. Files are its flash (two A/B
 * slots, the staging journal, diagnostics and health areas), the library's
 * agent and updater run exactly as on a device, over HTTP(S) (curl port) or
 * file:// (POSIX port). Every state change is in those files, written in the
 * order the library guarantees is power-safe, so SIGKILL at any instant is
 * a power cut: the next command resumes. See examples/posix-device/README.md. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iotlife/agent.h"
#include "iotlife/port/mbedtls_host.h"
#include "iotlife/port/posix.h"
#include "iotlife/version.h"
#include "sim.h"
#if IOTL_SIM_CURL
#include "iotlife/port/curl.h"
#endif

#define AGENT_WORK (24u * 1024u)

static struct sim g_sim;
static struct timespec g_start; /* process start: IOTL_SIM_TRACE timestamps */
static uint8_t g_agent_work[AGENT_WORK];
static iotl_posix_transport_t g_file_tp;
#if IOTL_SIM_CURL
static iotl_curl_t g_curl;
static struct iotl_curl_config g_curl_cfg;
#endif

struct opts {
    const char *url;
    const char *report;
    const char *ca;
    unsigned throttle_kbps;
    int retries; /* poll: failures retried before giving up; -1: default */
    bool quiet;
};

/* ---- small helpers -------------------------------------------------------- */

static int fail(const char *what, int err)
{
    fprintf(stderr, "iotlife-device: %s: %s (%s)\n", what, iotl_strerror(err), iotl_strerror_name(err));
    return 1;
}

static int usage_err(const char *msg)
{
    fprintf(stderr, "iotlife-device: %s (see iotlife-device --help)\n", msg);
    return 2;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static const char *phase_name(int ph)
{
    static const char *const names[] = {"idle",     "check",   "keyring", "manifest", "consent",
                                        "deferred", "download", "window", "install",  "reboot",
                                        "trial",    "report",  "backoff"};
    return ph >= 0 && ph < (int)(sizeof(names) / sizeof(names[0])) ? names[ph] : "?";
}

static const char *stage_phase_name(uint8_t p)
{
    switch (p) {
    case IOTL_PHASE_IDLE:
        return "idle";
    case IOTL_PHASE_DOWNLOADING:
        return "downloading";
    case IOTL_PHASE_STAGED:
        return "staged";
    case IOTL_PHASE_TRIAL:
        return "trial";
    default:
        return "?";
    }
}

static const char *outcome_name(uint8_t k)
{
    switch (k) {
    case IOTL_OUTCOME_NONE:
        return "none";
    case IOTL_OUTCOME_INSTALLED:
        return "installed";
    case IOTL_OUTCOME_CONFIRMED:
        return "confirmed";
    case IOTL_OUTCOME_ROLLED_BACK:
        return "rolled-back";
    case IOTL_OUTCOME_FAILED:
        return "failed";
    default:
        return "?";
    }
}

/* ---- software lifetime ------------------------------------------------------ */

/* Alert id of the end-of-support diagnostics event (IOTL_DIAG_EV_ALERT). */
#define SIM_ALERT_END_OF_SUPPORT 1u

/* DIR/support-<version>.txt: the `supported_until` of a release, recorded
 * from its verified manifest when it is taken on (or given at init for the
 * factory image). 0: not stated. */
static void support_path(char *out, size_t cap, const char *version)
{
    char name[96];
    (void)snprintf(name, sizeof(name), "support-%s.txt", version);
    sim_path(&g_sim, out, cap, name);
}

static void support_save(const char *version, int64_t until)
{
    char p[SIM_PATH_MAX + 128];
    char t[64];
    if (version[0] == '\0' || strchr(version, '/') != NULL) {
        return;
    }
    support_path(p, sizeof(p), version);
    int n = snprintf(t, sizeof(t), "supported_until=%lld\n", (long long)until);
    if (sim_write_file(p, t, (size_t)n) != IOTL_OK) {
        fprintf(stderr, "iotlife-device: could not record the support end of %s\n", version);
    }
}

static int64_t support_get(const char *version)
{
    char p[SIM_PATH_MAX + 128];
    size_t len;
    long long v = 0;
    if (version[0] == '\0' || strchr(version, '/') != NULL) {
        return 0;
    }
    support_path(p, sizeof(p), version);
    char *t = sim_read_file(p, &len);
    if (t != NULL) {
        if (sscanf(t, "supported_until=%lld", &v) != 1) {
            v = 0;
        }
        free(t);
    }
    return (int64_t)v;
}

static int64_t wall_now(void)
{
    int64_t now = 0;
    if (iotl_posix_platform_ops.wall_time(NULL, &now) != IOTL_OK) {
        return 0;
    }
    return now;
}

static void fmt_time(char *out, size_t cap, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tmv;
    if (gmtime_r(&tt, &tmv) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tmv) == 0) {
        (void)snprintf(out, cap, "%lld", (long long)t);
    }
}

/* At boot and at each poll: once the running software's support has ended,
 * one diagnostics alert per boot (DIR/eol.txt remembers the boot). */
static void check_support(void)
{
    int64_t until = support_get(g_sim.running.version);
    int64_t now = wall_now();
    if (until == 0 || now < until) {
        return;
    }
    char p[SIM_PATH_MAX + 32];
    size_t len;
    unsigned boot = 0;
    sim_path(&g_sim, p, sizeof(p), "eol.txt");
    char *t = sim_read_file(p, &len);
    if (t != NULL) {
        if (sscanf(t, "boot=%u", &boot) != 1) {
            boot = 0;
        }
        free(t);
        if (boot == g_sim.boot.boots) {
            return; /* raised already in this boot */
        }
    }
    char text[96];
    char when[40];
    (void)snprintf(text, sizeof(text), "end-of-support %s", g_sim.running.version);
    int ret = iotl_diag_event(&g_sim.diag, IOTL_DIAG_EV_ALERT, SIM_ALERT_END_OF_SUPPORT, now, until, text);
    if (ret != IOTL_OK) {
        fprintf(stderr, "iotlife-device: end-of-support event: %s\n", iotl_strerror_name(ret));
        return;
    }
    char line[32];
    int n = snprintf(line, sizeof(line), "boot=%u\n", g_sim.boot.boots);
    (void)sim_write_file(p, line, (size_t)n);
    fmt_time(when, sizeof(when), until);
    fprintf(stderr, "iotlife-device: warning: version %s is past its end of support (%s): plan its replacement\n",
            g_sim.running.version, when);
}

/* ---- retirement marker --------------------------------------------------------- */

/* DIR/RETIRED: "retired id=ID time=T wiped=0|1". Written before the wipe
 * (wiped=0) and after it (wiped=1): a wipe cut short is finished by the
 * next `retire`; every other command is refused. */
static int retired_state(char *id, size_t id_cap, long long *when)
{
    char p[SIM_PATH_MAX + 32];
    size_t len;
    sim_path(&g_sim, p, sizeof(p), "RETIRED");
    char *t = sim_read_file(p, &len);
    if (t == NULL) {
        return -1;
    }
    char idb[SIM_NAME_MAX] = "?";
    long long tm = 0;
    int wiped = 0;
    if (sscanf(t, "retired id=%63s time=%lld wiped=%d", idb, &tm, &wiped) < 1) {
        wiped = 0;
    }
    free(t);
    if (id != NULL) {
        (void)snprintf(id, id_cap, "%s", idb);
    }
    if (when != NULL) {
        *when = tm;
    }
    return wiped != 0 ? 1 : 0;
}

static int retired_write(const char *id, int64_t when, int wiped)
{
    char p[SIM_PATH_MAX + 32];
    char t[160];
    int n = snprintf(t, sizeof(t), "retired id=%s time=%lld wiped=%d\n", id, (long long)when, wiped);
    sim_path(&g_sim, p, sizeof(p), "RETIRED");
    return sim_write_file(p, t, (size_t)n);
}

static int open_device(void)
{
    int ret = sim_conf_load(&g_sim);
    if (ret != IOTL_OK) {
        return fail("device.conf (run `iotlife-device init` first)", ret);
    }
    ret = sim_open(&g_sim);
    if (ret == IOTL_ERR_NOT_FOUND) {
        /* never booted: power on */
        struct iotl_boot_result br;
        ret = sim_boot_select(&g_sim, &br);
        if (ret == IOTL_OK) {
            ret = sim_open(&g_sim);
        }
    }
    return ret == IOTL_OK ? 0 : fail("open", ret);
}

/* A reset: the boot selector picks the slot, the firmware starts, the health
 * module and diagnostics record the boot. */
static int reboot_device(uint32_t reason, bool quiet)
{
    struct iotl_boot_result br;
    if (g_sim.open) {
        sim_close(&g_sim);
    }
    int ret = sim_boot_select(&g_sim, &br);
    if (ret != IOTL_OK) {
        return fail("boot", ret);
    }
    ret = sim_open(&g_sim);
    if (ret != IOTL_OK) {
        return fail("open", ret);
    }
    (void)iotl_health_boot(&g_sim.health, reason, br.trial != 0);
    if (!quiet) {
        printf("boot: slot %c, version %s%s", br.slot ? 'B' : 'A',
               g_sim.running.valid ? g_sim.running.version : "(unknown)", br.trial ? ", trial" : "");
        if (br.trial) {
            printf(" (%u attempts left)", br.attempts_left);
        }
        if (br.rolled_back) {
            printf(", rolled back (reason %u)", br.rolled_back);
        }
        printf("\n");
    }
    check_support();
    return 0;
}

/* ---- transport ------------------------------------------------------------- */

static int make_transport(const struct opts *o, struct iotl_transport *t)
{
    if (o->url != NULL && strncmp(o->url, "file://", 7) == 0) {
        return iotl_posix_transport_init(&g_file_tp, t);
    }
#if IOTL_SIM_CURL
    memset(&g_curl_cfg, 0, sizeof(g_curl_cfg));
    g_curl_cfg.ca_file = o->ca;
    g_curl_cfg.timeout_ms = 60000;
    g_curl_cfg.user_agent = "iotlife-device/" IOTL_VERSION_STRING;
    return iotl_curl_init(&g_curl, t, &g_curl_cfg);
#else
    return IOTL_ERR_UNSUPPORTED;
#endif
}

static void free_transport(const struct opts *o)
{
    if (o->url != NULL && strncmp(o->url, "file://", 7) == 0) {
        iotl_posix_transport_deinit(&g_file_tp);
        return;
    }
#if IOTL_SIM_CURL
    iotl_curl_deinit(&g_curl);
#endif
}

/* ---- agent application callbacks -------------------------------------------- */

struct app {
    const struct opts *o;
    bool reboot;
    int last_phase;
    uint64_t last_done;
    unsigned last_pct;
    bool dl_started;
    struct timespec t0;
};

static void app_consent(void *ctx, const struct iotl_agent_offer *offer, struct iotl_agent_consent *ans)
{
    struct app *a = ctx;
    if (!a->o->quiet) {
        printf("offer: version %s, %llu bytes%s%s -> install now\n", offer->version,
               (unsigned long long)offer->payload_size, offer->delta ? " (delta)" : "",
               offer->urgency == IOTL_AGENT_URGENCY_CRITICAL ? ", critical" : "");
    }
    ans->decision = IOTL_AGENT_INSTALL_NOW;
    /* the manifest behind the offer was verified just now: keep its support end */
    const struct iotl_manifest *m = &g_sim.upd_cfg.result->manifest;
    if (strcmp(m->version, offer->version) == 0) {
        support_save(m->version, m->supported_until);
    }
}

static void app_progress(void *ctx, enum iotl_agent_phase ph, uint64_t done, uint64_t total)
{
    struct app *a = ctx;
    if ((int)ph != a->last_phase) {
        if (a->last_phase == IOTL_AGENT_DOWNLOAD && !a->o->quiet) {
            fprintf(stderr, "\n");
        }
        a->last_phase = (int)ph;
        a->last_done = done;
        a->last_pct = 101u;
        a->dl_started = false;
        (void)clock_gettime(CLOCK_MONOTONIC, &a->t0);
    }
    if (ph != IOTL_AGENT_DOWNLOAD || total == 0) {
        return;
    }
    if (!a->dl_started) {
        a->dl_started = true;
        if (done > 0 && !a->o->quiet) {
            fprintf(stderr, "resuming the download at byte %llu of %llu\n", (unsigned long long)done,
                    (unsigned long long)total);
        }
    }
    if (a->o->throttle_kbps > 0 && done > a->last_done) {
        uint64_t ms = (done - a->last_done) / a->o->throttle_kbps; /* KB/s == bytes per ms */
        sleep_ms((uint32_t)ms);
    }
    a->last_done = done;
    unsigned pct = (unsigned)(done * 100u / total);
    if (pct == a->last_pct && done != total) {
        return;
    }
    a->last_pct = pct;
    if (!a->o->quiet) {
        char bar[41];
        unsigned fill = (unsigned)(done * 40u / total);
        memset(bar, '#', fill);
        memset(bar + fill, '.', 40u - fill);
        bar[40] = '\0';
        fprintf(stderr, "\rdownload [%s] %3u%% %llu/%llu B", bar, (unsigned)(done * 100u / total),
                (unsigned long long)done, (unsigned long long)total);
        fflush(stderr);
    }
}

static void app_reboot(void *ctx)
{
    ((struct app *)ctx)->reboot = true;
}

static int app_health(void *ctx)
{
    (void)ctx;
    enum iotl_health_decision d = IOTL_HEALTH_WAIT;
    int ret = sim_health_evaluate(&g_sim, &d);
    if (ret != IOTL_OK) {
        return ret;
    }
    switch (d) {
    case IOTL_HEALTH_CONFIRM:
        return IOTL_OK;
    case IOTL_HEALTH_REJECT:
        return IOTL_ERR_UNHEALTHY;
    case IOTL_HEALTH_WAIT:
    default:
        return IOTL_ERR_WOULD_BLOCK;
    }
}

/* The handled deployment's ETag survives resets in DIR/etag.txt ("URL ETAG"),
 * as firmware would keep it in flash: the agent hands it over when it changes
 * and gets it back at init, so an unchanged deployment costs one 304. */
static char g_etag[IOTL_TRANSPORT_ETAG_MAX + 1];
static const char *g_failed_phase = "check";

static void app_etag(void *ctx, const char *etag)
{
    const struct app *a = ctx;
    char p[SIM_PATH_MAX + 32];
    char line[IOTL_AGENT_URL_MAX + IOTL_TRANSPORT_ETAG_MAX + 4];
    int n = snprintf(line, sizeof(line), "%s %s\n", a->o->url, etag);
    if (n > 0 && (size_t)n < sizeof(line)) {
        sim_path(&g_sim, p, sizeof(p), "etag.txt");
        (void)sim_write_file(p, line, (size_t)n);
    }
}

/* The saved ETag when it belongs to this deployment URL, else "". */
static const char *load_etag(const char *dep_url)
{
    char p[SIM_PATH_MAX + 32];
    size_t len;
    g_etag[0] = '\0';
    sim_path(&g_sim, p, sizeof(p), "etag.txt");
    char *text = sim_read_file(p, &len);
    if (text != NULL) {
        const char *sp = strrchr(text, ' ');
        size_t ul = sp != NULL ? (size_t)(sp - text) : 0;
        if (sp != NULL && ul == strlen(dep_url) && strncmp(text, dep_url, ul) == 0) {
            (void)snprintf(g_etag, sizeof(g_etag), "%.*s", (int)strcspn(sp + 1, "\n"), sp + 1);
        }
        free(text);
    }
    return g_etag;
}

static const struct iotl_agent_app_ops app_ops = {.consent = app_consent,
                                                  .progress = app_progress,
                                                  .reboot = app_reboot,
                                                  .health = app_health,
                                                  .etag = app_etag};

/* Drive the agent until a reboot is requested (1), a check ended idle (0),
 * or failures exceed max_failures (negative error). */
static int drive_agent(const struct opts *o, struct iotl_transport *t, struct app *app, const char *report_url,
                       unsigned max_failures)
{
    static struct iotl_agent_config cfg;
    static iotl_agent_t agent;
    memset(&cfg, 0, sizeof(cfg));
    cfg.transport = t;
    cfg.etag = load_etag(o->url);
    cfg.platform = &g_sim.plat;
    cfg.backend = &iotl_updater_ops;
    cfg.backend_ctx = &g_sim.upd;
    cfg.app = &app_ops;
    cfg.app_ctx = app;
    cfg.deployment_url = o->url;
    cfg.report_url = report_url;
    cfg.device_id = g_sim.conf.id;
    cfg.work_buf = g_agent_work;
    cfg.work_buf_len = sizeof(g_agent_work);
    cfg.poll_interval_s = 3600;
    cfg.backoff_min_ms = 500;
    cfg.backoff_max_ms = 4000;
    cfg.chunk_size = 4096;
    int ret = iotl_agent_init(&agent, &cfg);
    if (ret != IOTL_OK) {
        return ret;
    }
    bool checked = false;
    unsigned failures = 0;
    int prev = -1;
    app->reboot = false;
    app->last_phase = -1;
    for (;;) {
        uint32_t w = 0;
        int ph = iotl_agent_step(&agent, &w);
        if (ph < 0) {
            ret = ph;
            break;
        }
        if (ph != prev && !o->quiet && ph != IOTL_AGENT_BACKOFF &&
            getenv("IOTL_SIM_TRACE") != NULL) {
            struct timespec now;
            (void)clock_gettime(CLOCK_MONOTONIC, &now);
            fprintf(stderr, "\nagent: %s (+%lld ms)\n", phase_name(ph),
                    (long long)(now.tv_sec - g_start.tv_sec) * 1000 + (now.tv_nsec - g_start.tv_nsec) / 1000000);
        }
        if (ph == IOTL_AGENT_CHECK) {
            checked = true;
        }
        if (ph == IOTL_AGENT_BACKOFF && prev != IOTL_AGENT_BACKOFF) {
            failures++;
            int e = iotl_agent_last_error(&agent);
            /* the phase that failed (the agent may retry from an earlier one) */
            g_failed_phase = phase_name(prev >= 0 && prev != IOTL_AGENT_BACKOFF ? prev : (int)agent.retry_phase);
            if (failures > max_failures) {
                if (prev == IOTL_AGENT_DOWNLOAD && !o->quiet) {
                    fprintf(stderr, "\n");
                }
                ret = e != 0 ? e : IOTL_ERR_TIMEOUT;
                break;
            }
            fprintf(stderr, "%sagent: %s failed: %s, retrying\n", prev == IOTL_AGENT_DOWNLOAD ? "\n" : "",
                    g_failed_phase, iotl_strerror_name(e));
        }
        if (ph == IOTL_AGENT_REBOOT) {
            ret = 1;
            break;
        }
        if (ph == IOTL_AGENT_IDLE && checked) {
            int r = iotl_updater_last_refusal(&g_sim.upd);
            if (!o->quiet && iotl_agent_not_modified(&agent)) {
                printf("check: deployment not modified (HTTP 304, ETag %s): nothing new to install\n",
                       iotl_agent_etag(&agent));
            } else if (!o->quiet) {
                printf("check: nothing new to install%s%s%s\n", r != 0 ? " (" : "", r != 0 ? iotl_strerror_name(r) : "",
                       r != 0 ? ")" : "");
            }
            ret = 0;
            break;
        }
        prev = ph;
        if (w > 0) {
            if (ph == IOTL_AGENT_IDLE || ph == IOTL_AGENT_BACKOFF || ph == IOTL_AGENT_DEFERRED ||
                ph == IOTL_AGENT_TRIAL || ph == IOTL_AGENT_WINDOW) {
                sleep_ms(w > 500u ? 500u : w);
            } else if (t->ops->wait != NULL) {
                (void)t->ops->wait(t->ctx, w > 200u ? 200u : w);
            }
        }
    }
    iotl_agent_deinit(&agent);
    return ret;
}

/* The status report URL in out, or NULL when no report prefix is set. */
static const char *report_url_of(const struct opts *o, char *out, size_t cap)
{
    if (o->report == NULL) {
        return NULL;
    }
    (void)snprintf(out, cap, "%s/reports/%s/status.json", o->report, g_sim.conf.id);
    return out;
}

/* Transport for a poll or run; closes the simulator when it cannot be made. */
static int open_transport(const struct opts *o, struct iotl_transport *t)
{
    int ret = make_transport(o, t);
    if (ret != IOTL_OK) {
        sim_close(&g_sim);
        return fail("transport", ret);
    }
    return 0;
}

/* ---- diagnostics --------------------------------------------------------------- */

static void print_record(const struct iotl_diag_record *r)
{
    static const char *const types[] = {"?", "log", "metric", "event", "blob", "loss"};
    const char *tn = r->type < 6 ? types[r->type] : "?";
    printf("  #%u boot %u +%llu ms %s", r->seq, r->boot_id, (unsigned long long)r->ts_ms, tn);
    if (r->type == IOTL_DIAG_LOG && (r->sub & IOTL_DIAG_LOG_COMPACT) == 0 && r->body_len >= 1) {
        size_t ml = r->body[0];
        if (1u + ml <= r->body_len) {
            printf(" [%.*s] %.*s", (int)ml, (const char *)r->body + 1, (int)(r->body_len - 1u - ml),
                   (const char *)r->body + 1 + ml);
        }
    } else if (r->type == IOTL_DIAG_EVENT) {
        static const char *const kinds[] = {"?", "reboot", "crash", "update", "health", "alert"};
        static const char *const outcomes[] = {"confirmed", "rolled-back", "failed", "installed"};
        size_t off = 0;
        uint64_t code = 0, za = 0, zb = 0;
        if (iotl_diag_varint(r->body, r->body_len, &off, &code) == 0 &&
            iotl_diag_varint(r->body, r->body_len, &off, &za) == 0 &&
            iotl_diag_varint(r->body, r->body_len, &off, &zb) == 0) {
            int64_t a = (int64_t)(za >> 1) ^ -(int64_t)(za & 1u);
            printf(" %s", r->sub < 6 ? kinds[r->sub] : "?");
            if (r->sub == IOTL_DIAG_EV_UPDATE && code < 4) {
                printf(" %s", outcomes[code]);
                if (a != 0) {
                    printf(" %s", iotl_strerror_name((int)a));
                }
            } else {
                printf(" code=%llu a=%lld", (unsigned long long)code, (long long)a);
            }
            if (off < r->body_len) {
                printf(" \"%.*s\"", (int)(r->body_len - off), (const char *)r->body + off);
            }
        }
    } else {
        printf(" (%zu bytes)", r->body_len);
    }
    printf("\n");
}

static uint8_t g_payload[64 * 1024];
static uint8_t g_inflate[IOTL_DIAG_Z_INFLATE_ARENA];

static int print_chunk(const uint8_t *chunk, size_t len, struct iotl_diag_chunk_info *info)
{
    int ret = iotl_diag_chunk_decode(chunk, len, info, g_payload, sizeof(g_payload), g_inflate, sizeof(g_inflate));
    if (ret != IOTL_OK) {
        return ret;
    }
    printf("chunk v%u device %s boot %u records %u..%u%s\n", info->version, info->device_id, info->boot_id,
           info->first_seq, info->last_seq, (info->flags & 1u) ? " (deflate)" : "");
    size_t off = 0;
    struct iotl_diag_record rec;
    while ((ret = iotl_diag_record_next(g_payload, info->payload_len, &off, &rec)) == 1) {
        print_record(&rec);
    }
    return ret < 0 ? ret : IOTL_OK;
}

static int diag_upload(const struct opts *o, struct iotl_transport *t, bool quiet)
{
    uint8_t chunk[SIM_CHUNK];
    unsigned sent = 0;
    for (;;) {
        size_t n = 0;
        int ret = iotl_diag_get_chunk(&g_sim.diag, chunk, sizeof(chunk), &n);
        if (ret != IOTL_OK) {
            return ret;
        }
        if (n == 0) {
            break;
        }
        struct iotl_diag_chunk_info info;
        ret = iotl_diag_chunk_decode(chunk, n, &info, g_payload, sizeof(g_payload), g_inflate, sizeof(g_inflate));
        if (ret != IOTL_OK) {
            return ret;
        }
        char url[IOTL_AGENT_URL_MAX * 2];
        (void)snprintf(url, sizeof(url), "%s/diag/%s/%010u.chunk", o->report, g_sim.conf.id, info.first_seq);
        ret = t->ops->put != NULL ? t->ops->put(t->ctx, url, chunk, n, "application/octet-stream")
                                  : IOTL_ERR_UNSUPPORTED;
        if (ret != IOTL_OK) {
            iotl_diag_rewind(&g_sim.diag);
            return ret;
        }
        ret = iotl_diag_ack(&g_sim.diag, info.first_seq, info.last_seq);
        if (ret != IOTL_OK) {
            return ret;
        }
        sent++;
    }
    if (!quiet) {
        printf("diag: %u chunk(s) uploaded to %s/diag/%s/\n", sent, o->report, g_sim.conf.id);
    }
    return IOTL_OK;
}

/* ---- commands ------------------------------------------------------------------ */

static int parse_opts(int argc, char **argv, int first, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->retries = -1;
    o->ca = getenv("IOTL_CA_FILE");
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = true;
            continue;
        }
        if (v == NULL) {
            return usage_err("missing option value");
        }
        if (strcmp(a, "--url") == 0) {
            o->url = v;
        } else if (strcmp(a, "--report") == 0) {
            o->report = v;
        } else if (strcmp(a, "--ca") == 0) {
            o->ca = v;
        } else if (strcmp(a, "--throttle") == 0) {
            o->throttle_kbps = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--retries") == 0) {
            o->retries = (int)strtol(v, NULL, 10);
        } else {
            return usage_err("unknown option");
        }
        i++;
    }
    return 0;
}

/* ---- configuration export / import (replacement devices) ---------------------- */

/* The operator-set configuration of a device (format iotlife-device-config,
 * version 1, key=value lines; README.md): product, hardware model, groups,
 * repository URL, upload prefix, trust anchors (P-256 public keys in hex),
 * threshold, slot size, and the key ring in force (its version and the
 * signed document in hex). Identity, images, journal and diagnostics are
 * not part of it: they belong to the unit. */
#define SIM_KEYRING_DOC_MAX (16u * 1024u)
static char g_ring_hex[2u * SIM_KEYRING_DOC_MAX + 1u];
static uint8_t g_ring_doc[SIM_KEYRING_DOC_MAX];

static int anchor_public(const char *anchor, uint8_t pub[IOTL_P256_PUBKEY_LEN])
{
    if (strncmp(anchor, "hex:", 4) == 0) {
        return sim_unhex(pub, IOTL_P256_PUBKEY_LEN, anchor + 4) == (int)IOTL_P256_PUBKEY_LEN ? IOTL_OK
                                                                                           : IOTL_ERR_KEY_FORMAT;
    }
    iotl_host_key_t *k = NULL;
    int ret = iotl_host_key_read(anchor, &k);
    if (ret == IOTL_OK) {
        ret = iotl_host_key_public(k, pub);
    }
    iotl_host_key_free(k);
    return ret;
}

static int cmd_export(int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc) {
            out = argv[++i];
        } else {
            return usage_err("export: unknown option");
        }
    }
    if (out == NULL) {
        return usage_err("export needs -o FILE");
    }
    if (open_device() != 0) {
        return 1;
    }
    const struct sim_conf *c = &g_sim.conf;
    size_t cap = 4096u + sizeof(g_ring_hex);
    char *buf = malloc(cap);
    if (buf == NULL) {
        sim_close(&g_sim);
        return fail("export", IOTL_ERR_NO_SPACE);
    }
    size_t n = 0;
    n += (size_t)snprintf(buf + n, cap - n,
                          "# iotlife-device configuration of %s; apply with `iotlife-device init --from FILE`\n"
                          "format=iotlife-device-config\nversion=1\nproduct=%s\nhardware=%s\nthreshold=%u\n"
                          "slot_size=%u\n",
                          c->id, c->product, c->hardware, c->threshold, c->slot_size);
    for (unsigned i = 0; i < c->ngroups; i++) {
        n += (size_t)snprintf(buf + n, cap - n, "group=%s\n", c->groups[i]);
    }
    if (c->url[0] != '\0') {
        n += (size_t)snprintf(buf + n, cap - n, "url=%s\n", c->url);
    }
    if (c->report[0] != '\0') {
        n += (size_t)snprintf(buf + n, cap - n, "report=%s\n", c->report);
    }
    int ret = IOTL_OK;
    for (unsigned i = 0; i < c->nanchors && ret == IOTL_OK; i++) {
        uint8_t pub[IOTL_P256_PUBKEY_LEN];
        char hex[2 * IOTL_P256_PUBKEY_LEN + 1];
        ret = anchor_public(c->anchors[i], pub);
        if (ret == IOTL_OK) {
            sim_hex(hex, pub, sizeof(pub));
            n += (size_t)snprintf(buf + n, cap - n, "anchor=%s\n", hex);
        }
    }
    n += (size_t)snprintf(buf + n, cap - n, "keyring_version=%u\n", g_sim.keyring.version);
    char p[SIM_PATH_MAX + 32];
    size_t rlen = 0;
    sim_path(&g_sim, p, sizeof(p), "keyring.json");
    char *ring = sim_read_file(p, &rlen);
    if (ring != NULL && rlen <= SIM_KEYRING_DOC_MAX) {
        sim_hex(g_ring_hex, (const uint8_t *)ring, rlen);
        n += (size_t)snprintf(buf + n, cap - n, "keyring=%s\n", g_ring_hex);
    } else if (ring != NULL) {
        ret = IOTL_ERR_TOO_LARGE;
    }
    free(ring);
    if (ret == IOTL_OK && n >= cap) {
        ret = IOTL_ERR_NO_SPACE;
    }
    if (ret == IOTL_OK) {
        ret = sim_write_file(out, buf, n);
    }
    free(buf);
    unsigned groups = c->ngroups;
    unsigned anchors = c->nanchors;
    unsigned krv = g_sim.keyring.version;
    sim_close(&g_sim);
    if (ret != IOTL_OK) {
        return fail("export", ret);
    }
    printf("exported the configuration of %s to %s (%u group(s), %u anchor(s), key ring v%u)\n", g_sim.conf.id, out,
           groups, anchors, krv);
    return 0;
}

/* Read an export into the configuration being initialised; the key ring
 * document (hex) into g_ring_doc / *ring_len, its version into *ring_version. */
static int import_config(const char *path, size_t *ring_len, unsigned *ring_version)
{
    size_t len;
    char *text = sim_read_file(path, &len);
    if (text == NULL) {
        fprintf(stderr, "iotlife-device: init --from %s: cannot read it\n", path);
        return 1;
    }
    struct sim_conf *c = &g_sim.conf;
    bool format = false;
    bool version = false;
    int bad = 0;
    char *save = NULL;
    *ring_len = 0;
    *ring_version = 0;
    for (char *line = strtok_r(text, "\n", &save); line != NULL && bad == 0; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            continue;
        }
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            continue;
        }
        *eq = '\0';
        const char *k = line;
        const char *v = eq + 1;
        if (strcmp(k, "format") == 0) {
            format = strcmp(v, "iotlife-device-config") == 0;
        } else if (strcmp(k, "version") == 0) {
            version = strcmp(v, "1") == 0;
        } else if (strcmp(k, "product") == 0) {
            (void)snprintf(c->product, sizeof(c->product), "%s", v);
        } else if (strcmp(k, "hardware") == 0) {
            (void)snprintf(c->hardware, sizeof(c->hardware), "%s", v);
        } else if (strcmp(k, "threshold") == 0) {
            c->threshold = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(k, "slot_size") == 0) {
            c->slot_size = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(k, "group") == 0) {
            bad = c->ngroups < SIM_MAX_GROUPS ? 0 : 1;
            if (bad == 0) {
                (void)snprintf(c->groups[c->ngroups++], SIM_NAME_MAX, "%s", v);
            }
        } else if (strcmp(k, "url") == 0) {
            (void)snprintf(c->url, sizeof(c->url), "%s", v);
        } else if (strcmp(k, "report") == 0) {
            (void)snprintf(c->report, sizeof(c->report), "%s", v);
        } else if (strcmp(k, "anchor") == 0) {
            uint8_t pub[IOTL_P256_PUBKEY_LEN];
            bad = c->nanchors < SIM_MAX_ANCHORS && sim_unhex(pub, sizeof(pub), v) == (int)sizeof(pub) ? 0 : 2;
            if (bad == 0) {
                (void)snprintf(c->anchors[c->nanchors++], SIM_PATH_MAX, "hex:%s", v);
            }
        } else if (strcmp(k, "keyring_version") == 0) {
            *ring_version = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(k, "keyring") == 0) {
            int r = sim_unhex(g_ring_doc, sizeof(g_ring_doc), v);
            bad = r > 0 ? 0 : 3;
            *ring_len = r > 0 ? (size_t)r : 0;
        }
    }
    free(text);
    if (!format || !version || bad != 0) {
        fprintf(stderr, "iotlife-device: init --from %s: %s\n", path,
                !format || !version ? "not an iotlife-device-config version 1 file"
                : bad == 1          ? "too many groups"
                : bad == 2          ? "bad anchor (not a P-256 public key in hex)"
                                    : "bad key ring document");
        return 1;
    }
    return 0;
}

/* ---- retirement ------------------------------------------------------------------ */

static int wipe_files(void)
{
    static const char *const names[] = {"keyring.json", "eol.txt", "etag.txt", "boot.txt", "device.conf"};
    char p[SIM_PATH_MAX + 300];
    int ret = IOTL_OK;
    DIR *d = opendir(g_sim.dir);
    if (d != NULL) {
        const struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "support-", 8) == 0) {
                sim_path(&g_sim, p, sizeof(p), e->d_name);
                if (unlink(p) != 0 && errno != ENOENT) {
                    ret = IOTL_ERR_IO;
                }
            }
        }
        closedir(d);
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        sim_path(&g_sim, p, sizeof(p), names[i]);
        if (unlink(p) != 0 && errno != ENOENT) {
            ret = IOTL_ERR_IO;
        }
    }
    return ret;
}

static int cmd_retire(int argc, char **argv)
{
    struct opts o;
    int ret = parse_opts(argc, argv, 2, &o);
    if (ret != 0) {
        return ret;
    }
    char id[SIM_NAME_MAX];
    long long when = 0;
    if (retired_state(id, sizeof(id), &when) == 0) {
        /* a retirement cut short after its upload: finish the wipe */
        ret = sim_conf_load(&g_sim);
        if (ret == IOTL_OK) {
            (void)sim_wipe(&g_sim);
        }
        ret = wipe_files();
        if (ret == IOTL_OK) {
            ret = retired_write(id, when, 1);
        }
        if (ret != IOTL_OK) {
            return fail("retire (finishing the wipe)", ret);
        }
        printf("retired %s: wipe finished (state, trial slot, diagnostics, health history, key ring)\n", id);
        return 0;
    }
    if (open_device() != 0) {
        return 1;
    }
    if (o.report == NULL && o.url != NULL) {
        o.report = o.url;
    }
    if (o.report == NULL && g_sim.conf.report[0] != '\0') {
        o.report = g_sim.conf.report;
    }
    if (o.report == NULL) {
        sim_close(&g_sim);
        return usage_err("retire needs --report PREFIX (or a report prefix in device.conf)");
    }
    o.url = o.report;
    struct iotl_stage_status st;
    struct iotl_update_outcome oc;
    (void)iotl_stage_status(&g_sim.stage, &st);
    (void)iotl_stage_outcome(&g_sim.stage, &oc);
    int64_t now = wall_now();
    /* The last words in the diagnostics, then everything uploaded: chunks
     * first, the retirement document last (its presence says all is there). */
    (void)iotl_diag_log(&g_sim.diag, 2, "lifecycle", "retired: final upload, then wipe");
    struct iotl_transport t;
    ret = make_transport(&o, &t);
    if (ret != IOTL_OK) {
        sim_close(&g_sim);
        return fail("retire: transport", ret);
    }
    struct iotl_diag_stats ds;
    iotl_diag_get_stats(&g_sim.diag, &ds);
    uint32_t first_unsent = ds.next_seq - ds.stored;
    ret = diag_upload(&o, &t, true);
    char doc[1024];
    char ver[IOTL_STAGE_VERSION_MAX + 1];
    (void)snprintf(ver, sizeof(ver), "%.*s", (int)sizeof(oc.version), oc.version);
    int n = snprintf(doc, sizeof(doc),
                     "{\"format\":\"iotlife-retired\",\"version\":1,\"device\":\"%s\",\"product\":\"%s\","
                     "\"hardware\":\"%s\",\"running\":\"%s\",\"slot\":\"%c\",\"boots\":%u,\"time\":%lld,"
                     "\"outcome\":{\"kind\":\"%s\",\"seq\":%u,\"release\":\"%s\",\"code\":%d,\"error\":\"%s\","
                     "\"acked\":%s},\"diag_next_seq\":%u}\n",
                     g_sim.conf.id, g_sim.conf.product, g_sim.conf.hardware, g_sim.running.version,
                     g_sim.boot.slot ? 'B' : 'A', g_sim.boot.boots, (long long)now, outcome_name(oc.kind), oc.seq,
                     ver, oc.code, oc.code < 0 ? iotl_strerror_name(oc.code) : "", oc.acked ? "true" : "false",
                     ds.next_seq);
    char url[IOTL_AGENT_URL_MAX * 2];
    (void)snprintf(url, sizeof(url), "%s/reports/%s/retired.json", o.report, g_sim.conf.id);
    if (ret == IOTL_OK) {
        ret = t.ops->put != NULL ? t.ops->put(t.ctx, url, doc, (size_t)n, "application/json") : IOTL_ERR_UNSUPPORTED;
    }
    free_transport(&o);
    if (ret != IOTL_OK) {
        sim_close(&g_sim);
        return fail("retire: final upload failed, nothing wiped", ret);
    }
    (void)snprintf(id, sizeof(id), "%s", g_sim.conf.id);
    ret = retired_write(id, now, 0);
    if (ret == IOTL_OK) {
        ret = sim_wipe(&g_sim);
    }
    if (ret == IOTL_OK) {
        ret = wipe_files();
    }
    if (ret == IOTL_OK) {
        ret = retired_write(id, now, 1);
    }
    if (ret != IOTL_OK) {
        return fail("retire: wipe", ret);
    }
    printf("retired %s: diagnostics (records %u..%u) and final report uploaded to %s; state, trial slot, "
           "diagnostics, health history and key ring wiped\n",
           id, first_unsent, ds.next_seq, o.report);
    return 0;
}

static int cmd_init(int argc, char **argv)
{
    struct sim_conf *c = &g_sim.conf;
    const char *image = NULL;
    memset(c, 0, sizeof(*c));
    c->threshold = 1;
    c->slot_size = 256u * 1024u;
    (void)snprintf(c->hardware, sizeof(c->hardware), "rev-a");
    size_t ring_len = 0;
    unsigned ring_version = 0;
    bool from = false;
    int64_t supported_until = 0;
    for (int i = 2; i + 1 < argc; i += 2) { /* the export first: options given override it */
        if (strcmp(argv[i], "--from") == 0) {
            if (import_config(argv[i + 1], &ring_len, &ring_version) != 0) {
                return 1;
            }
            from = true;
        }
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *a = argv[i];
        const char *v = argv[i + 1];
        if (strcmp(a, "--from") == 0) {
            continue;
        }
        if (strcmp(a, "--url") == 0) {
            (void)snprintf(c->url, sizeof(c->url), "%s", v);
        } else if (strcmp(a, "--report") == 0) {
            (void)snprintf(c->report, sizeof(c->report), "%s", v);
        } else if (strcmp(a, "--supported-until") == 0) {
            supported_until = (int64_t)strtoll(v, NULL, 10);
        } else if (strcmp(a, "--product") == 0) {
            (void)snprintf(c->product, sizeof(c->product), "%s", v);
        } else if (strcmp(a, "--hardware") == 0) {
            (void)snprintf(c->hardware, sizeof(c->hardware), "%s", v);
        } else if (strcmp(a, "--id") == 0) {
            (void)snprintf(c->id, sizeof(c->id), "%s", v);
        } else if (strcmp(a, "--group") == 0 && c->ngroups < SIM_MAX_GROUPS) {
            (void)snprintf(c->groups[c->ngroups++], SIM_NAME_MAX, "%s", v);
        } else if (strcmp(a, "--anchor") == 0 && c->nanchors < SIM_MAX_ANCHORS) {
            char *abs = realpath(v, NULL);
            if (abs == NULL) {
                return usage_err("--anchor: no such file");
            }
            (void)snprintf(c->anchors[c->nanchors++], SIM_PATH_MAX, "%s", abs);
            free(abs);
        } else if (strcmp(a, "--threshold") == 0) {
            c->threshold = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--slot-size") == 0) {
            c->slot_size = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--image") == 0) {
            image = v;
        } else {
            return usage_err("init: unknown option");
        }
    }
    if ((argc - 2) % 2 != 0) {
        return usage_err("init: missing option value");
    }
    if (c->product[0] == '\0' || image == NULL || c->nanchors == 0) {
        return usage_err("init needs --product, --image and --anchor (or --from FILE and --image)");
    }
    if (c->slot_size == 0 || c->slot_size % SIM_ERASE != 0) {
        return usage_err("--slot-size must be a multiple of 4096");
    }
    if (c->id[0] == '\0' && iotl_posix_device_id(c->id, sizeof(c->id)) != IOTL_OK) {
        (void)snprintf(c->id, sizeof(c->id), "device-1");
    }
    if (mkdir(g_sim.dir, 0755) != 0 && errno != EEXIST) {
        return fail("mkdir", IOTL_ERR_IO);
    }
    char p[SIM_PATH_MAX + 32];
    sim_path(&g_sim, p, sizeof(p), "device.conf");
    if (access(p, F_OK) == 0) {
        return usage_err("device already initialised here (remove the directory first)");
    }
    size_t len;
    char *img = sim_read_file(image, &len);
    if (img == NULL) {
        return fail(image, IOTL_ERR_NOT_FOUND);
    }
    char factory[32] = "";
    const char *fv = strncmp(img, "IOTLSIM ", 8) == 0 ? strstr(img, "version=") : NULL;
    if (fv != NULL && sscanf(fv + 8, "%31s", factory) != 1) {
        factory[0] = '\0';
    }
    int ret = sim_create(&g_sim, (const uint8_t *)img, len);
    free(img);
    if (ret == IOTL_OK && ring_len > 0) { /* verified against the anchors when the device opens */
        sim_path(&g_sim, p, sizeof(p), "keyring.json");
        ret = sim_write_file(p, g_ring_doc, ring_len);
    }
    if (ret != IOTL_OK) {
        return fail("init", ret);
    }
    if (factory[0] != '\0') {
        support_save(factory, supported_until);
    }
    printf("device %s (%s %s) initialised in %s, factory image %zu bytes in slot A\n", c->id, c->product,
           c->hardware, g_sim.dir, len);
    ret = reboot_device(IOTL_DIAG_REBOOT_POWER_ON, false);
    if (ret == 0 && from) {
        if (g_sim.keyring.version != ring_version) {
            fprintf(stderr, "iotlife-device: init --from: key ring v%u in force, the export says v%u\n",
                    g_sim.keyring.version, ring_version);
            ret = 1;
        } else {
            printf("configuration applied: %u group(s), %u anchor(s), key ring v%u%s%s\n", c->ngroups, c->nanchors,
                   g_sim.keyring.version, c->url[0] != '\0' ? ", repository " : "", c->url);
        }
    }
    return ret;
}

static int cmd_boot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int ret = sim_conf_load(&g_sim);
    if (ret != IOTL_OK) {
        return fail("device.conf", ret);
    }
    ret = reboot_device(IOTL_DIAG_REBOOT_USER, false);
    if (ret == 0) {
        sim_close(&g_sim);
    }
    return ret;
}

static int cmd_poll(int argc, char **argv)
{
    struct opts o;
    int ret = parse_opts(argc, argv, 2, &o);
    if (ret != 0) {
        return ret;
    }
    if (open_device() != 0) {
        return 1;
    }
    if (o.url == NULL && g_sim.conf.url[0] != '\0') {
        o.url = g_sim.conf.url;
    }
    if (o.report == NULL && g_sim.conf.report[0] != '\0') {
        o.report = g_sim.conf.report;
    }
    if (o.url == NULL) {
        sim_close(&g_sim);
        return usage_err("poll needs --url (or a url in device.conf)");
    }
    check_support();
    struct iotl_stage_status st;
    (void)iotl_stage_status(&g_sim.stage, &st);
    if (st.phase == IOTL_PHASE_TRIAL && st.trial_booted) {
        sim_close(&g_sim);
        return usage_err("a trial boot is pending: confirm, reject, or run");
    }
    struct iotl_transport t;
    ret = open_transport(&o, &t);
    if (ret != 0) {
        return ret;
    }
    char report_buf[IOTL_AGENT_URL_MAX];
    const char *report = report_url_of(&o, report_buf, sizeof(report_buf));
    struct app app = {.o = &o};
    ret = drive_agent(&o, &t, &app, report, o.retries >= 0 ? (unsigned)o.retries : 3u);
    free_transport(&o);
    sim_close(&g_sim);
    if (ret == 1) {
        printf("installed; reboot requested (run `iotlife-device boot`)\n");
        return 0;
    }
    if (ret == 0 || ret == 1) {
        return 0;
    }
    char what[64];
    (void)snprintf(what, sizeof(what), "poll: %s failed", g_failed_phase);
    return fail(what, ret);
}

static int cmd_run(int argc, char **argv)
{
    struct opts o;
    int ret = parse_opts(argc, argv, 2, &o);
    if (ret != 0) {
        return ret;
    }
    ret = sim_conf_load(&g_sim);
    if (ret != IOTL_OK) {
        return fail("device.conf", ret);
    }
    if (o.url == NULL && g_sim.conf.url[0] != '\0') {
        o.url = g_sim.conf.url;
    }
    if (o.report == NULL && g_sim.conf.report[0] != '\0') {
        o.report = g_sim.conf.report;
    }
    if (o.url == NULL) {
        return usage_err("run needs --url (or a url in device.conf)");
    }
    ret = reboot_device(IOTL_DIAG_REBOOT_POWER_ON, o.quiet);
    if (ret != 0) {
        return ret;
    }
    struct iotl_transport t;
    ret = open_transport(&o, &t);
    if (ret != 0) {
        return ret;
    }
    char report_buf[IOTL_AGENT_URL_MAX];
    const char *report = report_url_of(&o, report_buf, sizeof(report_buf));
    struct app app = {.o = &o};
    for (unsigned cycle = 0; cycle < 16; cycle++) {
        ret = drive_agent(&o, &t, &app, report, 5);
        if (ret != 1) {
            break;
        }
        struct iotl_stage_status st;
        (void)iotl_stage_status(&g_sim.stage, &st);
        uint32_t reason = st.phase == IOTL_PHASE_TRIAL ? IOTL_DIAG_REBOOT_UPDATE : IOTL_DIAG_REBOOT_ROLLBACK;
        if (!o.quiet) {
            printf("reboot (%s)\n", reason == IOTL_DIAG_REBOOT_UPDATE ? "update" : "rollback");
        }
        ret = reboot_device(reason, o.quiet);
        if (ret != 0) {
            free_transport(&o);
            return ret;
        }
    }
    if (ret == 0 && o.report != NULL) {
        int r = diag_upload(&o, &t, o.quiet);
        if (r != IOTL_OK) {
            fprintf(stderr, "iotlife-device: diag upload: %s\n", iotl_strerror_name(r));
        }
    }
    free_transport(&o);
    if (!o.quiet) {
        printf("running version %s in slot %c\n", g_sim.running.valid ? g_sim.running.version : "?",
               g_sim.boot.slot ? 'B' : 'A');
    }
    sim_close(&g_sim);
    return ret == 0 ? 0 : fail("run", ret);
}

static int cmd_decide(int argc, char **argv, bool confirm)
{
    int code = argc > 2 ? atoi(argv[2]) : IOTL_ERR_UNHEALTHY;
    if (open_device() != 0) {
        return 1;
    }
    int ret = confirm ? iotl_updater_ops.confirm(&g_sim.upd) : iotl_updater_ops.reject(&g_sim.upd, code);
    sim_close(&g_sim);
    if (ret != IOTL_OK) {
        return fail(confirm ? "confirm" : "reject", ret);
    }
    printf("%s\n", confirm ? "confirmed" : "rejected: the next boot runs the previous image");
    return 0;
}

/* Idle-time work an agent does between checks (iotl_agent_config
 * prepare_step_bytes): erase the inactive slot ahead of the next update, a
 * few blocks per step, through the updater's prepare op. */
static int cmd_prepare(int argc, char **argv)
{
    uint32_t step = argc > 3 && strcmp(argv[2], "--step") == 0 ? (uint32_t)strtoul(argv[3], NULL, 0) : 65536u;
    if (step == 0) {
        return usage_err("prepare --step needs a positive byte count");
    }
    if (open_device() != 0) {
        return 1;
    }
    bool done = false;
    unsigned steps = 0;
    int ret = IOTL_OK;
    while (!done && ret == IOTL_OK) {
        ret = iotl_updater_ops.prepare(&g_sim.upd, step, &done);
        steps++;
    }
    uint32_t erased = 0;
    if (ret == IOTL_OK) {
        ret = iotl_stage_prepare(&g_sim.stage, 0, &erased);
    }
    sim_close(&g_sim);
    if (ret != IOTL_OK) {
        return fail("prepare", ret);
    }
    printf("prepared: inactive slot erased, %u bytes in %u steps; the next install only programs\n", erased,
           steps);
    return 0;
}

static void hexs(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        (void)sprintf(out + 2 * i, "%02x", b[i]);
    }
}

static int cmd_status(int argc, char **argv)
{
    bool json = argc > 2 && strcmp(argv[2], "--json") == 0;
    if (open_device() != 0) {
        return 1;
    }
    struct iotl_stage_status st;
    struct iotl_update_outcome oc;
    struct iotl_floors f;
    struct iotl_diag_stats ds;
    struct sim_image other;
    (void)iotl_stage_status(&g_sim.stage, &st);
    (void)iotl_stage_outcome(&g_sim.stage, &oc);
    (void)iotl_stage_get_floors(&g_sim.stage, &f);
    iotl_diag_get_stats(&g_sim.diag, &ds);
    sim_image_read(&g_sim, 1 - g_sim.boot.slot, &other);
    bool trial = st.phase == IOTL_PHASE_TRIAL && st.trial_slot == (uint8_t)g_sim.boot.slot;
    char sha[2 * IOTL_SHA256_LEN + 1];
    hexs(sha, st.manifest_sha256, IOTL_SHA256_LEN);
    char ver[IOTL_STAGE_VERSION_MAX + 1];
    (void)snprintf(ver, sizeof(ver), "%.*s", (int)sizeof(oc.version), oc.version);
    int64_t until = support_get(g_sim.running.version);
    bool ended = until != 0 && wall_now() >= until;
    if (json) {
        printf("{\"device\":\"%s\",\"product\":\"%s\",\"hardware\":\"%s\",\"running\":{\"slot\":\"%c\","
               "\"version\":\"%s\",\"trial\":%s,\"boots\":%u},\"other_slot_version\":\"%s\","
               "\"stage\":{\"phase\":\"%s\",\"confirmed_slot\":\"%c\",\"attempts_left\":%u,"
               "\"next_offset\":%u,\"manifest_sha256\":\"%s\"},"
               "\"outcome\":{\"kind\":\"%s\",\"seq\":%u,\"code\":%d,\"error\":\"%s\",\"version\":\"%s\","
               "\"acked\":%s},\"floors\":{\"security_version\":%u,\"manifest_seq\":%u,\"deployment_seq\":%u,"
               "\"keyring_version\":%u,\"latest_time\":%lld},\"keyring_version\":%u,"
               "\"diag\":{\"stored\":%u,\"next_seq\":%u,\"dropped\":%u},"
               "\"supported_until\":%lld,\"support_ended\":%s}\n",
               g_sim.conf.id, g_sim.conf.product, g_sim.conf.hardware, g_sim.boot.slot ? 'B' : 'A',
               g_sim.running.version, trial ? "true" : "false", g_sim.boot.boots, other.version,
               stage_phase_name(st.phase), st.confirmed_slot ? 'B' : 'A', st.attempts_left, st.next_offset, sha,
               outcome_name(oc.kind), oc.seq, oc.code, oc.code < 0 ? iotl_strerror_name(oc.code) : "", ver,
               oc.acked ? "true" : "false", f.security_version, f.manifest_seq, f.deployment_seq,
               f.keyring_version, (long long)f.latest_time, g_sim.keyring.version, ds.stored, ds.next_seq,
               ds.dropped_normal + ds.dropped_critical, (long long)until, ended ? "true" : "false");
    } else {
        printf("device %s (%s %s)\n", g_sim.conf.id, g_sim.conf.product, g_sim.conf.hardware);
        printf("running: slot %c, version %s%s (boot #%u)\n", g_sim.boot.slot ? 'B' : 'A', g_sim.running.version,
               trial ? ", trial" : "", g_sim.boot.boots);
        printf("staging: %s", stage_phase_name(st.phase));
        if (st.phase == IOTL_PHASE_DOWNLOADING) {
            printf(", %u payload bytes staged", st.next_offset);
        }
        printf("\nlast outcome: %s %s%s%s\n", outcome_name(oc.kind), ver, oc.code < 0 ? " " : "",
               oc.code < 0 ? iotl_strerror_name(oc.code) : "");
        printf("floors: security %u, manifest seq %u, deployment seq %u, key ring v%u\n", f.security_version,
               f.manifest_seq, f.deployment_seq, f.keyring_version);
        if (until != 0) {
            char when[40];
            fmt_time(when, sizeof(when), until);
            printf("support: until %s%s\n", when, ended ? " (ENDED: plan a replacement)" : "");
        } else {
            printf("support: end not stated\n");
        }
        printf("diagnostics: %u records stored\n", ds.stored);
    }
    sim_close(&g_sim);
    return 0;
}

static int cmd_diag(int argc, char **argv)
{
    if (argc < 3) {
        return usage_err("diag upload|decode");
    }
    if (strcmp(argv[2], "decode") == 0) {
        int bad = 0;
        for (int i = 3; i < argc; i++) {
            size_t len;
            char *b = sim_read_file(argv[i], &len);
            struct iotl_diag_chunk_info info;
            int ret = b == NULL ? IOTL_ERR_NOT_FOUND : print_chunk((const uint8_t *)b, len, &info);
            free(b);
            if (ret != IOTL_OK) {
                fprintf(stderr, "iotlife-device: %s: %s\n", argv[i], iotl_strerror_name(ret));
                bad = 1;
            }
        }
        return bad;
    }
    if (strcmp(argv[2], "upload") != 0) {
        return usage_err("diag upload|decode");
    }
    struct opts o;
    int ret = parse_opts(argc, argv, 3, &o);
    if (ret != 0) {
        return ret;
    }
    if (open_device() != 0) {
        return 1;
    }
    if (o.url == NULL && g_sim.conf.report[0] != '\0') {
        o.url = g_sim.conf.report;
    }
    if (o.url == NULL) {
        sim_close(&g_sim);
        return usage_err("diag upload needs --url PREFIX (or a report prefix in device.conf)");
    }
    o.report = o.url;
    struct iotl_transport t;
    ret = make_transport(&o, &t);
    if (ret == IOTL_OK) {
        ret = diag_upload(&o, &t, o.quiet);
        free_transport(&o);
    }
    sim_close(&g_sim);
    return ret == IOTL_OK ? 0 : fail("diag upload", ret);
}

static int cmd_log(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (open_device() != 0) {
        return 1;
    }
    uint8_t chunk[SIM_CHUNK];
    int ret = IOTL_OK;
    for (;;) {
        size_t n = 0;
        ret = iotl_diag_get_chunk(&g_sim.diag, chunk, sizeof(chunk), &n);
        if (ret == IOTL_ERR_WOULD_BLOCK) {
            ret = IOTL_OK; /* in-flight window full: that is all we show */
            break;
        }
        if (ret != IOTL_OK || n == 0) {
            break;
        }
        struct iotl_diag_chunk_info info;
        ret = print_chunk(chunk, n, &info);
        if (ret != IOTL_OK) {
            break;
        }
    }
    iotl_diag_rewind(&g_sim.diag); /* nothing is acknowledged: the log stays on the device */
    sim_close(&g_sim);
    return ret == IOTL_OK ? 0 : fail("log", ret);
}

static const char usage[] =
    "usage: iotlife-device [--dir DIR] COMMAND [OPTIONS]\n"
    "A desktop device: files in DIR (default ./device) are its flash.\n"
    "\n"
    "  init --product P --image FILE --anchor ROOT_PUB.pem [--anchor ...] [--threshold N]\n"
    "       [--hardware H] [--id ID] [--group G ...] [--slot-size BYTES] [--url DEPLOYMENT_URL]\n"
    "       [--report PREFIX] [--supported-until UNIX_S]\n"
    "                    create the device with a factory image in slot A, then boot it\n"
    "  init --from CONFIG --image FILE [--id ID] [other init options override CONFIG]\n"
    "                    a replacement unit with the configuration `export` wrote\n"
    "  export -o CONFIG  write the operator-set configuration (groups, repository URL,\n"
    "                    upload prefix, trust anchors, key ring, hardware model)\n"
    "  retire [--report PREFIX] [--ca CA.pem]\n"
    "                    upload the final diagnostics and PREFIX/reports/<id>/retired.json,\n"
    "                    then wipe state, trial slot, diagnostics, health history, key ring;\n"
    "                    a retired device refuses every other command\n"
    "  boot              reset: the boot selector picks the slot (trial, rollback)\n"
    "  poll --url DEPLOYMENT_URL [--ca CA.pem] [--report PREFIX] [--throttle KB/s] [--retries N]\n"
    "                    one check: verify, download (resumable), install, ask for a reboot;\n"
    "                    gives up after N+1 failures (default 3 retries) with one error line;\n"
    "                    the deployment's ETag is kept (DIR/etag.txt): 304 = nothing new\n"
    "  run --url DEPLOYMENT_URL [--ca CA.pem] [--report PREFIX] [--throttle KB/s] [-q]\n"
    "                    power on and live: update, reboot, health check, confirm or roll\n"
    "                    back, report; returns when nothing is left to do\n"
    "  prepare [--step BYTES]\n"
    "                    erase the inactive slot ahead of the next update, BYTES per step\n"
    "                    (default 65536), as the agent does while idle\n"
    "  confirm           confirm the running trial image\n"
    "  reject [CODE]     reject it: the next boot runs the previous image\n"
    "  status [--json]   slots, staging, last outcome, floors, support end, diagnostics\n"
    "  diag upload --url PREFIX [--ca CA.pem]\n"
    "                    PUT diagnostics chunks to PREFIX/diag/<id>/<seq>.chunk, then ack\n"
    "  diag decode FILE...  decode chunks\n"
    "  log               show the diagnostics stored on the device (not acknowledged)\n"
    "\n"
    "URLs are http://, https:// (curl port) or file:// (POSIX port). Reports go to\n"
    "PREFIX/reports/<id>/status.json. --url and --report default to the ones given at\n"
    "init. When the running version's supported_until (from its manifest) has passed,\n"
    "boot and poll raise one diagnostics alert per boot. IOTL_CA_FILE sets a default --ca. SIGKILL at any\n"
    "moment is a power cut: run the command again to resume.\n";

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep stdout and the stderr progress in order */
    (void)clock_gettime(CLOCK_MONOTONIC, &g_start);
    (void)snprintf(g_sim.dir, sizeof(g_sim.dir), "device");
    int first = 1;
    if (argc >= 3 && strcmp(argv[1], "--dir") == 0) {
        (void)snprintf(g_sim.dir, sizeof(g_sim.dir), "%s", argv[2]);
        first = 3;
    }
    argc -= first - 1;
    argv += first - 1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *c = argv[1];
    bool decode = strcmp(c, "diag") == 0 && argc > 2 && strcmp(argv[2], "decode") == 0;
    char rid[SIM_NAME_MAX];
    long long rwhen = 0;
    int rs = decode ? -1 : retired_state(rid, sizeof(rid), &rwhen);
    if (rs == 1 || (rs == 0 && strcmp(c, "retire") != 0)) {
        char when[40];
        fmt_time(when, sizeof(when), (int64_t)rwhen);
        fprintf(stderr, "iotlife-device: device %s in %s was retired on %s%s: it accepts no commands\n", rid,
                g_sim.dir, when, rs == 0 ? " (wipe unfinished: run `retire` again)" : "");
        return 1;
    }
    if (strcmp(c, "retire") == 0) {
        return cmd_retire(argc, argv);
    }
    if (strcmp(c, "export") == 0) {
        return cmd_export(argc, argv);
    }
    if (strcmp(c, "init") == 0) {
        return cmd_init(argc, argv);
    }
    if (strcmp(c, "boot") == 0) {
        return cmd_boot(argc, argv);
    }
    if (strcmp(c, "poll") == 0) {
        return cmd_poll(argc, argv);
    }
    if (strcmp(c, "run") == 0) {
        return cmd_run(argc, argv);
    }
    if (strcmp(c, "prepare") == 0) {
        return cmd_prepare(argc, argv);
    }
    if (strcmp(c, "confirm") == 0) {
        return cmd_decide(argc, argv, true);
    }
    if (strcmp(c, "reject") == 0) {
        return cmd_decide(argc, argv, false);
    }
    if (strcmp(c, "status") == 0) {
        return cmd_status(argc, argv);
    }
    if (strcmp(c, "diag") == 0) {
        return cmd_diag(argc, argv);
    }
    if (strcmp(c, "log") == 0) {
        return cmd_log(argc, argv);
    }
    return usage_err("unknown command");
}
