/* SPDX-License-Identifier: Apache-2.0 */
/* Vector table and reset handler for Cortex-M4 (QEMU mps2-an386). */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

int main(void);
void iotl_fw_reset_handler(void);
void iotl_fw_fault_handler(void);
void SysTick_Handler(void);

#define STACK_PAINT 0x5A5A5A5Au

void iotl_fw_reset_handler(void)
{
    /* Paint the stack below the current frame, for the watermark. */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __stack_limit; p < sp - 16; p++) {
        *p = STACK_PAINT;
    }
    /* .data from its load image, .bss to zero; .noinit is left alone. */
    memcpy(__data_start, __data_load, (size_t)((uint8_t *)__data_end - (uint8_t *)__data_start));
    memset(__bss_start, 0, (size_t)((uint8_t *)__bss_end - (uint8_t *)__bss_start));
    board_exit(main());
}

size_t board_stack_unused(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT) {
        p++;
    }
    return (size_t)((const uint8_t *)p - (const uint8_t *)__stack_limit);
}

size_t board_stack_size(void)
{
    return (size_t)((const uint8_t *)__stack_top - (const uint8_t *)__stack_limit);
}

void iotl_fw_fault_handler(void)
{
    board_puts("FAIL: fault exception\n");
    board_exit(3);
}

typedef void (*vector_t)(void);

/* Initial stack pointer, then the 15 Cortex-M system exceptions. No
 * peripheral interrupt is enabled, so none is listed. */
__attribute__((section(".vectors"), used)) static const vector_t vectors[16] = {
    (vector_t)(uintptr_t)__stack_top,
    iotl_fw_reset_handler,
    iotl_fw_fault_handler, /* NMI */
    iotl_fw_fault_handler, /* HardFault */
    iotl_fw_fault_handler, /* MemManage */
    iotl_fw_fault_handler, /* BusFault */
    iotl_fw_fault_handler, /* UsageFault */
    0, 0, 0, 0,
    iotl_fw_fault_handler, /* SVCall */
    iotl_fw_fault_handler, /* DebugMon */
    0,
    iotl_fw_fault_handler, /* PendSV */
    SysTick_Handler,
};
