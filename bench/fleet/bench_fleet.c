/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fleet simulation: N devices in one process, each running the real update
 * agent (src/agent.c) and the real trust decision (deployment + manifest
 * signatures, targeting, deterministic rollout cohort, floors) over the real
 * curl transport against nginx on loopback. Time is simulated: the platform's
 * uptime is a shared simulated clock, so hours of polling take seconds; HTTP
 * requests are real. Staging is simulated (payload bytes are counted, not
 * written to flash): this measures what the fleet asks of the server.
 *
 *   bench_fleet --url DEPLOYMENT_URL --root ROOT.pem --keyring RING.jws
 *               --publish DEST --stage SECONDS:FILE ... [--devices N]
 *               [--interval S] [--duration S] [--no-jitter] [--delta-share PCT]
 *               [--label TEXT]
 *
 * At each stage's simulated time FILE is copied over DEST (a file of the
 * served repository, atomically, with a distinct mtime so nginx's ETag
 * changes). All devices boot at t=0 (the worst case: power back after an
 * outage). With --no-jitter every device draws the same "random" numbers, so
 * the fleet polls in lockstep (what a fleet without jitter does).
 * Prints markdown tables; exit status 1 when a device that should have
 * updated did not (or the reverse).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iotlife/agent.h"
#include "iotlife/deploy.h"
#include "iotlife/keyring.h"
#include "iotlife/port/curl.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/mbedtls_host.h"
#include "iotlife/trust.h"

#define MAX_DEVICES 5000
#define MAX_STAGES 8
#define MAX_DURATION_S (7 * 86400)
#define WORK_LEN 8192
#define MAX_ITER_PER_WAKE 200000

enum req_kind { K_DEPLOY = 0, K_MANIFEST, K_FULL, K_DELTA, K_OTHER, K_COUNT };
static const char *const kind_name[K_COUNT] = {"deployment", "manifest", "payload (full)", "payload (delta)",
                                               "other"};

struct stats {
    uint64_t req[K_COUNT];
    uint64_t st200[K_COUNT], st206[K_COUNT], st304[K_COUNT], err[K_COUNT];
    uint64_t bytes[K_COUNT];
};

struct wrap {
    struct iotl_transport inner;
    enum req_kind kind;
    struct stats st;
    uint32_t *per_s;
};

struct dev {
    iotl_agent_t agent;
    struct iotl_agent_config cfg;
    struct iotl_platform plat;
    struct iotl_device_info info;
    struct iotl_floors floors;
    struct iotl_trust_result res;
    char id[24];
    char version[IOTL_AGENT_VERSION_MAX];
    char pending[IOTL_AGENT_VERSION_MAX];
    uint8_t installed_sha[IOTL_SHA256_LEN];
    uint8_t offer_sha[IOTL_SHA256_LEN];
    bool have_installed, trial, reboot_req, delta;
    int updated_stage;
    uint32_t seed;
    uint64_t next_ms, staged, expect;
    uint8_t work[WORK_LEN];
};

static uint64_t g_sim_ms;
static int64_t g_wall_base;
static bool g_no_jitter;
static int g_stage_now = -1;
static struct iotl_crypto g_crypto;
static iotl_keyring_t g_ring;
static iotl_trust_work_t g_work;
static struct wrap g_wrap;
static struct iotl_transport g_tr;
static struct dev *g_dev;

/* ---- platform on the simulated clock --------------------------------------- */

static uint64_t sim_uptime(void *ctx)
{
    (void)ctx;
    return g_sim_ms;
}

static int sim_wall(void *ctx, int64_t *s)
{
    (void)ctx;
    *s = g_wall_base + (int64_t)(g_sim_ms / 1000u);
    return 0;
}

static int sim_random(void *ctx, void *buf, size_t len)
{
    struct dev *d = ctx;
    uint32_t x = g_no_jitter ? 0x2545f491u : d->seed;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return 0;
}

static const struct iotl_platform_ops sim_platform_ops = {sim_uptime, sim_wall, sim_random, NULL, NULL};

/* ---- counting transport wrapper -------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int w_get_start(void *ctx, const struct iotl_transport_request *req)
{
    struct wrap *w = ctx;
    if (strstr(req->url, "/deployments/") != NULL) {
        w->kind = K_DEPLOY;
    } else if (ends_with(req->url, "manifest.jws")) {
        w->kind = K_MANIFEST;
    } else if (ends_with(req->url, ".delta")) {
        w->kind = K_DELTA;
    } else if (strstr(req->url, "/releases/") != NULL) {
        w->kind = K_FULL;
    } else {
        w->kind = K_OTHER;
    }
    w->st.req[w->kind]++;
    uint64_t s = g_sim_ms / 1000u;
    if (s < MAX_DURATION_S) {
        w->per_s[s]++;
    }
    return w->inner.ops->get_start(w->inner.ctx, req);
}

static int w_get_response(void *ctx, struct iotl_transport_response *resp)
{
    struct wrap *w = ctx;
    int r = w->inner.ops->get_response(w->inner.ctx, resp);
    if (r == 0) {
        if (resp->status == 304) {
            w->st.st304[w->kind]++;
        } else if (resp->status == 206) {
            w->st.st206[w->kind]++;
        } else {
            w->st.st200[w->kind]++;
        }
    } else if (r != IOTL_ERR_WOULD_BLOCK) {
        w->st.err[w->kind]++;
    }
    return r;
}

static iotl_ssize_t w_read(void *ctx, void *buf, size_t len)
{
    struct wrap *w = ctx;
    iotl_ssize_t n = w->inner.ops->read(w->inner.ctx, buf, len);
    if (n > 0) {
        w->st.bytes[w->kind] += (uint64_t)n;
    }
    return n;
}

static void w_close(void *ctx)
{
    struct wrap *w = ctx;
    w->inner.ops->close(w->inner.ctx);
}

static int w_wait(void *ctx, uint32_t ms)
{
    struct wrap *w = ctx;
    return w->inner.ops->wait != NULL ? w->inner.ops->wait(w->inner.ctx, ms) : 0;
}

static const struct iotl_transport_ops wrap_ops = {w_get_start, w_get_response, w_read, w_close, w_wait, NULL};

/* ---- backend: real trust decision, counted staging ------------------------- */

static int refusal(int r)
{
    switch (r) {
    case IOTL_ERR_NOT_IN_COHORT:
    case IOTL_ERR_NOT_TARGETED:
    case IOTL_ERR_REPLAYED:
    case IOTL_ERR_OUTSIDE_WINDOW:
    case IOTL_ERR_ROLLBACK:
        return IOTL_ERR_NO_UPDATE;
    default:
        return r;
    }
}

static struct iotl_trust_request make_req(struct dev *d)
{
    struct iotl_trust_request q;
    memset(&q, 0, sizeof(q));
    q.keyring = &g_ring;
    q.crypto = &g_crypto;
    q.device = &d->info;
    q.floors = &d->floors;
    q.wall_time = g_wall_base + (int64_t)(g_sim_ms / 1000u);
    return q;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[b[i] >> 4];
        out[2 * i + 1] = h[b[i] & 15u];
    }
    out[2 * n] = '\0';
}

static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

static int be_deployment(void *ctx, const uint8_t *doc, size_t len, char *url, size_t cap)
{
    struct dev *d = ctx;
    struct iotl_trust_request q = make_req(d);
    int r = iotl_trust_check_deployment(&q, (const char *)doc, len, &g_work, &d->res);
    if (r != 0) {
        return refusal(r);
    }
    if (d->have_installed && memcmp(d->res.deployment.manifest_sha256, d->installed_sha, IOTL_SHA256_LEN) == 0) {
        return IOTL_ERR_NO_UPDATE; /* already running it */
    }
    char h[2 * IOTL_SHA256_LEN + 1];
    hex(d->res.deployment.manifest_sha256, IOTL_SHA256_LEN, h);
    int n = snprintf(url, cap, "../releases/%s/manifest.jws", h);
    return n > 0 && (size_t)n < cap ? 0 : IOTL_ERR_NO_SPACE;
}

static int be_manifest(void *ctx, const uint8_t *doc, size_t len, struct iotl_agent_offer *o)
{
    struct dev *d = ctx;
    struct iotl_trust_request q = make_req(d);
    int r = iotl_trust_check_manifest(&q, (const char *)doc, len, &g_work, &d->res);
    if (r != 0) {
        return refusal(r);
    }
    const struct iotl_manifest *m = &d->res.manifest;
    const struct iotl_payload *full = NULL, *delta = NULL;
    for (unsigned i = 0; i < m->payload_count; i++) {
        const struct iotl_payload *p = &m->payloads[i];
        if (strcmp(p->component, "main") != 0) {
            continue;
        }
        if (p->kind == IOTL_PAYLOAD_DELTA) {
            if (strcmp(p->base_version, d->version) == 0) {
                delta = p;
            }
        } else if (full == NULL || p->download_size < full->download_size) {
            full = p;
        }
    }
    const struct iotl_payload *p = delta != NULL ? delta : full;
    if (p == NULL) {
        return IOTL_ERR_NO_UPDATE;
    }
    memset(o, 0, sizeof(*o));
    memcpy(o->id, d->res.manifest_sha256, IOTL_SHA256_LEN);
    if (copy_str(o->version, sizeof(o->version), m->version) != 0 ||
        copy_str(o->payload_url, sizeof(o->payload_url), p->location) != 0) {
        return IOTL_ERR_NO_SPACE;
    }
    o->payload_size = p->download_size;
    o->delta = p == delta;
    return 0;
}

static int be_begin(void *ctx, const struct iotl_agent_offer *o, uint64_t *resume)
{
    struct dev *d = ctx;
    d->floors = d->res.floors; /* taken on: floors persisted */
    memcpy(d->offer_sha, o->id, IOTL_SHA256_LEN);
    (void)snprintf(d->pending, sizeof(d->pending), "%s", o->version);
    d->delta = o->delta;
    d->staged = 0;
    d->expect = o->payload_size;
    *resume = 0;
    return 0;
}

static int be_write(void *ctx, uint64_t off, const void *data, size_t len)
{
    struct dev *d = ctx;
    (void)data;
    if (off != d->staged || d->staged + len > d->expect) {
        return IOTL_ERR_INVALID_ARG;
    }
    d->staged += len;
    return 0;
}

static int be_install(void *ctx)
{
    struct dev *d = ctx;
    return d->staged == d->expect ? 0 : IOTL_ERR_TRUNCATED;
}

static int be_trial_pending(void *ctx, bool *pending)
{
    struct dev *d = ctx;
    *pending = d->trial;
    return 0;
}

static int be_confirm(void *ctx)
{
    struct dev *d = ctx;
    d->trial = false;
    d->have_installed = true;
    memcpy(d->installed_sha, d->offer_sha, IOTL_SHA256_LEN);
    d->updated_stage = g_stage_now;
    return 0;
}

static int be_reject(void *ctx, int32_t code)
{
    struct dev *d = ctx;
    (void)code;
    d->trial = false;
    return 0;
}

static const struct iotl_agent_backend_ops backend_ops = {
    NULL, be_deployment, be_manifest, be_begin, be_write, be_install,
    be_trial_pending, be_confirm, be_reject, NULL, NULL};

static void app_reboot(void *ctx)
{
    struct dev *d = ctx;
    d->reboot_req = true;
}

static const struct iotl_agent_app_ops app_ops = {NULL, NULL, app_reboot, NULL};

/* ---- driver ----------------------------------------------------------------- */

static int publish(const char *src, const char *dest, int stage)
{
    char tmp[4096];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", dest);
    FILE *in = fopen(src, "rb");
    FILE *out = fopen(tmp, "wb");
    if (in == NULL || out == NULL) {
        if (in != NULL) {
            fclose(in);
        }
        if (out != NULL) {
            fclose(out);
        }
        return -1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        if (fwrite(buf, 1, n, out) != n) {
            break;
        }
    }
    fclose(in);
    if (fclose(out) != 0) {
        return -1;
    }
    /* a distinct mtime per stage: nginx's ETag is mtime-size */
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = (time_t)(1700000000 + stage * 100);
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    if (utimensat(AT_FDCWD, tmp, ts, 0) != 0) {
        return -1;
    }
    return rename(tmp, dest);
}

static bool net_phase(int ph)
{
    return ph == IOTL_AGENT_CHECK || ph == IOTL_AGENT_KEYRING || ph == IOTL_AGENT_MANIFEST ||
           ph == IOTL_AGENT_DOWNLOAD || ph == IOTL_AGENT_INSTALL;
}

static int start_agent(struct dev *d)
{
    d->cfg.platform = &d->plat;
    return iotl_agent_init(&d->agent, &d->cfg);
}

/* Run one device until it has no request open and waits on the simulated clock. */
static int wake(struct dev *d)
{
    for (long it = 0; it < MAX_ITER_PER_WAKE; it++) {
        uint32_t w = 0;
        int ph = iotl_agent_step(&d->agent, &w);
        if (ph < 0) {
            return ph;
        }
        if (d->reboot_req) {
            d->reboot_req = false;
            iotl_agent_deinit(&d->agent);
            if (!d->trial && strcmp(d->pending, d->version) != 0 && d->staged == d->expect && d->expect > 0) {
                d->trial = true;
                (void)snprintf(d->version, sizeof(d->version), "%s", d->pending);
                d->expect = 0;
            }
            int r = start_agent(d);
            if (r != 0) {
                return r;
            }
            continue;
        }
        if (net_phase(ph)) {
            if (w > 0) {
                (void)g_tr.ops->wait(g_tr.ctx, w > 50u ? 50u : w);
            }
            continue;
        }
        if (w == 0) {
            continue;
        }
        d->next_ms = g_sim_ms + w;
        return 0;
    }
    return IOTL_ERR_STATE;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_fleet --url URL --root ROOT.pem --keyring RING.jws --publish DEST "
                    "--stage SECONDS:PERCENT:FILE ... [--devices N] [--interval S] [--duration S] "
                    "[--no-jitter] [--delta-share PCT] [--label TEXT]\n");
    return 2;
}

static int read_file(const char *path, char *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    *len = fread(buf, 1, cap, f);
    fclose(f);
    return *len > 0 && *len < cap ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *root = NULL, *ring = NULL, *dest = NULL, *label = "";
    unsigned ndev = 1000, interval = 600, duration = 10800, delta_share = 75;
    unsigned nst = 0;
    unsigned st_t[MAX_STAGES];
    double st_pct[MAX_STAGES];
    const char *st_file[MAX_STAGES];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-jitter") == 0) {
            g_no_jitter = true;
            continue;
        }
        if (v == NULL) {
            return usage();
        }
        i++;
        if (strcmp(a, "--url") == 0) {
            url = v;
        } else if (strcmp(a, "--root") == 0) {
            root = v;
        } else if (strcmp(a, "--keyring") == 0) {
            ring = v;
        } else if (strcmp(a, "--publish") == 0) {
            dest = v;
        } else if (strcmp(a, "--label") == 0) {
            label = v;
        } else if (strcmp(a, "--devices") == 0) {
            ndev = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--interval") == 0) {
            interval = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--duration") == 0) {
            duration = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--delta-share") == 0) {
            delta_share = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--stage") == 0 && nst < MAX_STAGES) {
            char *e1 = NULL, *e2 = NULL;
            st_t[nst] = (unsigned)strtoul(v, &e1, 10);
            if (e1 == NULL || *e1 != ':') {
                return usage();
            }
            st_pct[nst] = strtod(e1 + 1, &e2);
            if (e2 == NULL || *e2 != ':') {
                return usage();
            }
            st_file[nst] = e2 + 1;
            nst++;
        } else {
            return usage();
        }
    }
    if (url == NULL || root == NULL || ring == NULL || dest == NULL || nst == 0 || ndev == 0 ||
        ndev > MAX_DEVICES || interval == 0 || duration == 0 || duration > MAX_DURATION_S || delta_share > 100) {
        return usage();
    }
    g_wall_base = (int64_t)time(NULL);

    /* trust: anchors from the root public key, then the published key ring */
    if (iotl_mbedtls_crypto_init(&g_crypto) != 0) {
        return 1;
    }
    iotl_host_key_t *rk = NULL;
    uint8_t anchor[1][IOTL_P256_PUBKEY_LEN];
    if (iotl_host_key_read(root, &rk) != 0 || iotl_host_key_public(rk, anchor[0]) != 0) {
        fprintf(stderr, "bench_fleet: cannot read %s\n", root);
        return 1;
    }
    iotl_host_key_free(rk);
    static char doc[IOTL_TRUST_JWS_MAX + 1];
    size_t doclen = 0;
    struct iotl_floors f0, f1;
    memset(&f0, 0, sizeof(f0));
    if (iotl_keyring_init(&g_ring, &g_crypto, (const uint8_t(*)[IOTL_P256_PUBKEY_LEN])anchor, 1, 1) != 0 ||
        read_file(ring, doc, sizeof(doc), &doclen) != 0 ||
        iotl_keyring_update(&g_ring, &g_crypto, doc, doclen, &f0, g_wall_base, 0, &g_work, &f1) != 0) {
        fprintf(stderr, "bench_fleet: key ring %s not accepted\n", ring);
        return 1;
    }

    static struct iotl_curl_config ccfg;
    static iotl_curl_t curl;
    if (iotl_curl_init(&curl, &g_wrap.inner, &ccfg) != 0) {
        return 1;
    }
    g_wrap.per_s = calloc(MAX_DURATION_S, sizeof(uint32_t));
    g_dev = calloc(ndev, sizeof(*g_dev));
    if (g_wrap.per_s == NULL || g_dev == NULL) {
        return 1;
    }
    g_tr.ops = &wrap_ops;
    g_tr.ctx = &g_wrap;

    static const char *const groups[1] = {"fleet"};
    for (unsigned i = 0; i < ndev; i++) {
        struct dev *d = &g_dev[i];
        (void)snprintf(d->id, sizeof(d->id), "fleet-%05u", i);
        /* the first delta_share % (by index) run the delta's base version */
        (void)snprintf(d->version, sizeof(d->version), "%s", (i * 100u) / ndev < delta_share ? "1.0.0" : "0.9.0");
        d->seed = 0x9e3779b9u * (i + 1u);
        d->updated_stage = -1;
        d->floors.keyring_version = f1.keyring_version;
        d->floors.latest_time = f1.latest_time;
        d->info.id = d->id;
        d->info.product = "thermo";
        d->info.hardware = "rev-a";
        d->info.groups = groups;
        d->info.group_count = 1;
        d->info.installed_version = d->version;
        d->plat.ops = &sim_platform_ops;
        d->plat.ctx = d;
        d->cfg.transport = &g_tr;
        d->cfg.backend = &backend_ops;
        d->cfg.backend_ctx = d;
        d->cfg.app = &app_ops;
        d->cfg.app_ctx = d;
        d->cfg.deployment_url = url;
        d->cfg.device_id = d->id;
        d->cfg.work_buf = d->work;
        d->cfg.work_buf_len = sizeof(d->work);
        d->cfg.poll_interval_s = interval;
        if (start_agent(d) != 0) {
            fprintf(stderr, "bench_fleet: agent init failed\n");
            return 1;
        }
    }

    uint64_t end_ms = (uint64_t)duration * 1000u;
    unsigned next_stage = 0;
    double t0 = now_s();
    for (;;) {
        struct dev *best = NULL;
        for (unsigned i = 0; i < ndev; i++) {
            if (best == NULL || g_dev[i].next_ms < best->next_ms) {
                best = &g_dev[i];
            }
        }
        uint64_t t = best->next_ms;
        if (next_stage < nst && (uint64_t)st_t[next_stage] * 1000u <= t) {
            uint64_t ts = (uint64_t)st_t[next_stage] * 1000u;
            if (ts > g_sim_ms) {
                g_sim_ms = ts;
            }
            if (publish(st_file[next_stage], dest, (int)next_stage) != 0) {
                fprintf(stderr, "bench_fleet: cannot publish %s: %s\n", st_file[next_stage], strerror(errno));
                return 1;
            }
            g_stage_now = (int)next_stage++;
            continue;
        }
        if (t >= end_ms) {
            break;
        }
        if (t > g_sim_ms) {
            g_sim_ms = t;
        }
        int r = wake(best);
        if (r != 0) {
            fprintf(stderr, "bench_fleet: %s: agent error %d\n", best->id, r);
            return 1;
        }
    }
    double wall = now_s() - t0;

    /* ---- results -------------------------------------------------------------- */
    const struct stats *s = &g_wrap.st;
    uint64_t total = 0, t304 = 0, bytes = 0;
    for (int k = 0; k < K_COUNT; k++) {
        total += s->req[k];
        t304 += s->st304[k];
        bytes += s->bytes[k];
    }
    printf("### Requests by kind (%s: %u devices, poll %u s +-%s, %u s simulated)\n\n", label, ndev, interval,
           g_no_jitter ? "0 % (lockstep)" : "10 %", duration);
    printf("| kind | requests | 200 | 206 | 304 | errors | body bytes |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int k = 0; k < K_COUNT; k++) {
        if (s->req[k] == 0) {
            continue;
        }
        printf("| %s | %llu | %llu | %llu | %llu | %llu | %llu |\n", kind_name[k], (unsigned long long)s->req[k],
               (unsigned long long)s->st200[k], (unsigned long long)s->st206[k], (unsigned long long)s->st304[k],
               (unsigned long long)s->err[k], (unsigned long long)s->bytes[k]);
    }
    printf("| **all** | %llu | | | %llu (%.1f %%) | | %llu |\n\n", (unsigned long long)total,
           (unsigned long long)t304, total ? 100.0 * (double)t304 / (double)total : 0.0, (unsigned long long)bytes);

    /* load over simulated time, 1 s buckets */
    uint32_t peak = 0, peak_late = 0;
    uint64_t sum_late = 0;
    unsigned late_from = duration - duration / 4; /* steady state: no stage change */
    unsigned busy = 0;
    for (unsigned i = 0; i < duration; i++) {
        uint32_t c = g_wrap.per_s[i];
        peak = c > peak ? c : peak;
        busy += c > 0;
        if (i >= late_from) {
            peak_late = c > peak_late ? c : peak_late;
            sum_late += c;
        }
    }
    double mean = (double)total / (double)duration;
    double mean_late = (double)sum_late / (double)(duration - late_from);
    printf("### Load over simulated time (1 s buckets)\n\n");
    printf("| window | mean req/s | peak req/s | peak / mean | seconds with any request |\n| --- | ---: | ---: | ---: | ---: |\n");
    printf("| whole run (boot storm at t=0 included) | %.2f | %u | %.0f | %u of %u |\n", mean, peak,
           mean > 0 ? (double)peak / mean : 0.0, busy, duration);
    printf("| last quarter (%u..%u s, steady polling) | %.2f | %u | %.0f | |\n\n", late_from, duration, mean_late, peak_late,
           mean_late > 0 ? (double)peak_late / mean_late : 0.0);

    /* the cohort of every stage vs the bucket function, by the library itself */
    int bad = 0;
    printf("### Rollout stages\n\n| stage | at (s) | percent | cohort (bucket function) | updated by then | delta | full |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (unsigned k = 0; k < nst; k++) {
        unsigned expect = 0, got = 0, nd = 0, nf = 0;
        struct iotl_deployment dep;
        memset(&dep, 0, sizeof(dep));
        for (unsigned i = 0; i < ndev; i++) {
            struct dev *d = &g_dev[i];
            uint32_t b = 0;
            /* the deployment id is the same for every stage (docs/deployment.md) */
            (void)snprintf(dep.id, sizeof(dep.id), "%s", "fleet-rollout");
            if (iotl_deployment_bucket(&g_crypto, dep.id, d->id, &b) != 0) {
                return 1;
            }
            bool in = (double)b < st_pct[k] * 100.0;
            bool up = d->updated_stage >= 0 && (unsigned)d->updated_stage <= k;
            expect += in;
            got += up;
            if (up) {
                if ((i * 100u) / ndev < delta_share) {
                    nd++;
                } else {
                    nf++;
                }
            }
            if (in != up && k + 1 == nst) {
                bad++;
            } else if (up && !in) {
                bad++;
            }
        }
        printf("| %u | %u | %.0f %% | %u | %u | %u | %u |\n", k + 1, st_t[k], st_pct[k], expect, got, nd, nf);
    }
    printf("\nreal time %.1f s, %llu requests: %.0f requests/s (one client, sequential, loopback)\n", wall,
           (unsigned long long)total, wall > 0 ? (double)total / wall : 0.0);
    printf("FLEET %s requests=%llu r304=%llu full_bytes=%llu delta_bytes=%llu peak=%u mean=%.3f peak_late=%u mean_late=%.3f\n",
           g_no_jitter ? "nojitter" : "jitter", (unsigned long long)total, (unsigned long long)t304,
           (unsigned long long)s->bytes[K_FULL], (unsigned long long)s->bytes[K_DELTA], peak, mean, peak_late,
           mean_late);
    iotl_curl_deinit(&curl);
    free(g_dev);
    free(g_wrap.per_s);
    if (bad != 0) {
        fprintf(stderr, "bench_fleet: %d devices updated outside their cohort or missed it\n", bad);
        return 1;
    }
    return 0;
}
