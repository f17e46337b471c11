/* SPDX-License-Identifier: Apache-2.0 */
/* Board support for the bare-metal example on QEMU mps2-an386 (Cortex-M4):
 * semihosting console and exit, SysTick time base, system reset, stack
 * watermark, and the fixed heap arena libc's malloc draws from. */
#ifndef IOTL_FW_BOARD_H
#define IOTL_FW_BOARD_H

#include <stddef.h>
#include <stdint.h>

/** SysTick rate: one tick per millisecond of the 25 MHz SYSCLK. */
#define BOARD_TICK_HZ 1000u
#define BOARD_SYSCLK_HZ 25000000u

void board_init(void);
/** Milliseconds since board_init() (SysTick interrupt count). */
uint32_t board_ticks(void);
/** SysTick count-down value, for sub-tick resolution (0..BOARD_SYSCLK_HZ/BOARD_TICK_HZ-1). */
uint32_t board_systick_val(void);
/** Request a system reset (SCB AIRCR.SYSRESETREQ); never returns. */
void board_system_reset(void) __attribute__((noreturn));

/** Semihosting: print a NUL-terminated string on the host console. */
void board_puts(const char *s);
/** printf subset: %s %c %d %u %x %08x %lu %ld %zu, widths for numbers. */
void board_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Semihosting exit: status 0 reports ADP_Stopped_ApplicationExit (success). */
void board_exit(int status) __attribute__((noreturn));
/** Semihosting SYS_GET_CMDLINE into buf; returns 0 on success. */
int board_cmdline(char *buf, size_t len);

/** Bytes of stack never written since reset (the stack is painted at reset). */
size_t board_stack_unused(void);
/** Bytes of stack in total. */
size_t board_stack_size(void);
/** Highest heap arena use so far (libc malloc via _sbrk), and its capacity. */
size_t board_heap_peak(void);
size_t board_heap_size(void);

#endif
