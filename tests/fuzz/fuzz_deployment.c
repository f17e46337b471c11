/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: deployment payload parser plus the policy helpers on its result. */
#include <stddef.h>
#include <stdint.h>

#include "iotlife/deploy.h"
#include "iotlife/port/mbedtls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct iotl_deployment d;
    if (iotl_deployment_parse(&d, data, size) != IOTL_OK) {
        return 0;
    }
    struct iotl_crypto c;
    iotl_mbedtls_crypto_init(&c);
    const char *groups[] = {"beta"};
    struct iotl_device_info dev = {"device-1", "acme", "rev-a", groups, 1, "1.2.3"};
    (void)iotl_deployment_targets(&d, &dev);
    (void)iotl_deployment_in_cohort(&c, &d, dev.id);
    (void)iotl_deployment_in_window(&d, 1764000000);
    if (d.rollout_bp > IOTL_DEPLOY_BUCKETS) {
        __builtin_trap();
    }
    return 0;
}
