/* SPDX-License-Identifier: Apache-2.0 */
/* Poisoned for the iotlife core in cross builds (cmake/poison, see
 * IOTLIFE_POISON_OS_HEADERS): the core must stay free of OS headers. */
#error "iotlife core must not include OS headers: <dirent.h>"
