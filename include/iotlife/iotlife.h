/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file iotlife.h
 * @brief Umbrella header: the whole public API of the iotlife core.
 *
 * Ports have headers of their own (iotlife/port/ram.h, posix.h, mbedtls.h).
 */
#ifndef IOTLIFE_IOTLIFE_H
#define IOTLIFE_IOTLIFE_H

#include "iotlife/agent.h"
#include "iotlife/boot.h"
#include "iotlife/base64url.h"
#include "iotlife/config.h"
#include "iotlife/delta.h"
#include "iotlife/diag.h"
#include "iotlife/error.h"
#include "iotlife/floors.h"
#include "iotlife/health.h"
#include "iotlife/journal.h"
#include "iotlife/stage.h"
#include "iotlife/update_desc.h"
#include "iotlife/url.h"
#if IOTL_FEATURE_JSON
#include "iotlife/deploy.h"
#include "iotlife/jws.h"
#include "iotlife/keyring.h"
#include "iotlife/manifest.h"
#include "iotlife/trust.h"
#endif
#include "iotlife/version.h"
#include "iotlife/port/crypto.h"
#include "iotlife/port/platform.h"
#include "iotlife/port/storage.h"
#include "iotlife/port/transport.h"

#endif
