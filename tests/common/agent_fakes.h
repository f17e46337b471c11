/* SPDX-License-Identifier: Apache-2.0 */
/* Scripted agent backend and application shared by the agent suites: the
 * backend keeps its "flash" (staged bytes, trial flag, outcome) in the struct,
 * so it survives an agent restart like a device's storage would. */
#ifndef IOTL_AGENT_FAKES_H
#define IOTL_AGENT_FAKES_H
#include <stdbool.h>
#include <stdint.h>

#include "iotlife/agent.h"
#include "iotlife/port/transport.h"

#ifndef PAYLOAD_SIZE
#define PAYLOAD_SIZE 50000u
#endif

struct fake_backend {
    uint8_t payload[PAYLOAD_SIZE]; /* what the signed manifest promises */
    uint8_t staged[PAYLOAD_SIZE + 16];
    uint64_t staged_len;
    bool staging;
    uint8_t offer_id;
    uint8_t urgency;
    uint64_t offer_size;
    int deployment_ret; /* forced result of deployment() when non-zero */
    int begin_ret;      /* forced result of begin() when non-zero */
    bool need_keyring;  /* deployment() says UNKNOWN_KEY until keyring() ran */
    bool keyring_useless; /* keyring() does not help */
    unsigned deployments, manifests, keyrings, installs, confirms, rejects, acks;
    unsigned prepares;      /* prepare() calls */
    uint32_t prepared;      /* bytes "erased" so far, out of PAYLOAD_SIZE */
    int prepare_ret;        /* forced result of prepare() when non-zero */
    int32_t reject_code;
    bool trial;
    bool have_outcome;
    struct iotl_agent_outcome outcome;
    char keyring_doc[64];
    char payload_ref[256]; /* payload URL in the offer; "" = "app.bin" */
};

struct fake_app {
    unsigned consents, reboots, health_calls, progress_calls;
    uint8_t decision;
    uint32_t defer_s;
    int health_after; /* health result once health_wait calls have passed */
    unsigned health_wait;
    uint64_t last_done, last_total;
    bool monotonic;
    unsigned etag_calls;
    char saved_etag[80]; /* what the etag callback asked to persist */
};

/* Recording, fault-injecting transport around another transport. */
struct rec_transport {
    struct iotl_transport inner;
    unsigned gets;
    unsigned fail_next; /* fail this many get_start with IOTL_ERR_TRANSPORT */
    bool ignore_range;  /* behave like a server without Range support */
    char last_url[512];
    uint64_t last_offset;
    bool last_inm;
    int last_status;
    unsigned puts;
};
extern const struct iotl_transport_ops rt_ops;

extern const struct iotl_agent_backend_ops fb_ops;
extern const struct iotl_agent_app_ops fa_ops;
void fa_consent(void *ctx, const struct iotl_agent_offer *o, struct iotl_agent_consent *ans);

#endif
