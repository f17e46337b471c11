/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife options for the bare-metal example (IOTL_CONFIG_FILE): the same
 * file is seen by the library and the firmware. */
#ifndef IOTL_FW_CONFIG_H
#define IOTL_FW_CONFIG_H

/* The example's payloads are deflated with a 4 KiB window (gen_payload.py):
 * the staging inflater needs no more, which keeps its work buffer at about
 * 13 KiB instead of 41 KiB. */
#define IOTL_STAGE_INFLATE_WBITS 12

#endif
