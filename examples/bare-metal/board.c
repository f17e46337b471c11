/* SPDX-License-Identifier: Apache-2.0 */
/* Board support: semihosting, SysTick, reset, heap arena. No vendor headers:
 * the few Cortex-M registers used are named here. */
#include "board.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* ---- Cortex-M system registers ------------------------------------------ */
#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define AIRCR_VECTKEY (0x05FAu << 16)
#define AIRCR_SYSRESETREQ (1u << 2)

/* ---- semihosting (Arm "Semihosting for AArch32 and AArch64", v2) -------- */
#define SYS_WRITE0 0x04u
#define SYS_GET_CMDLINE 0x15u
#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_Stopped_ApplicationExit 0x20026u

static uintptr_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_puts(const char *s)
{
    (void)semihost(SYS_WRITE0, s);
}

void board_exit(int status)
{
    /* SYS_EXIT_EXTENDED carries the exit code; QEMU exits with it. */
    const uint32_t block[2] = {ADP_Stopped_ApplicationExit, (uint32_t)status};
    (void)semihost(SYS_EXIT_EXTENDED, block);
    /* Fallback for hosts without the extension: reason only. */
    (void)semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_Stopped_ApplicationExit
                                                                   : 0x20023u));
    for (;;) {
    }
}

int board_cmdline(char *buf, size_t len)
{
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)len};
    return semihost(SYS_GET_CMDLINE, block) == 0 ? 0 : -1;
}

/* ---- SysTick ------------------------------------------------------------ */
static volatile uint32_t g_ticks;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    g_ticks++;
}

void board_init(void)
{
    g_ticks = 0;
    SYST_CSR = 0;
    SYST_RVR = BOARD_SYSCLK_HZ / BOARD_TICK_HZ - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* processor clock, interrupt, enable */
}

uint32_t board_ticks(void)
{
    return g_ticks;
}

uint32_t board_systick_val(void)
{
    return SYST_CVR;
}

void board_system_reset(void)
{
    __asm__ volatile("dsb 0xf" ::: "memory");
    SCB_AIRCR = AIRCR_VECTKEY | AIRCR_SYSRESETREQ;
    __asm__ volatile("dsb 0xf" ::: "memory");
    for (;;) {
    }
}

/* ---- heap arena ----------------------------------------------------------
 * newlib-nano's malloc grows through _sbrk; here _sbrk hands out one fixed
 * static array and refuses to go beyond it. Only third-party code allocates
 * (Mbed TLS bignums during a verify, cJSON during a bounded parse); iotlife's
 * core never does. */
#ifndef BOARD_HEAP_SIZE
#define BOARD_HEAP_SIZE (16u * 1024u)
#endif
static uint8_t g_heap[BOARD_HEAP_SIZE] __attribute__((aligned(8)));
static size_t g_heap_used;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    if (incr < 0 ? (size_t)-incr > g_heap_used : (size_t)incr > sizeof(g_heap) - g_heap_used) {
        return (void *)-1;
    }
    void *p = &g_heap[g_heap_used];
    g_heap_used = (size_t)((ptrdiff_t)g_heap_used + incr);
    return p;
}

size_t board_heap_peak(void)
{
    return g_heap_used; /* newlib-nano never shrinks the break: this is the peak */
}

size_t board_heap_size(void)
{
    return sizeof(g_heap);
}

/* ---- printf subset ------------------------------------------------------ */
struct out {
    char buf[160];
    size_t n;
};

static void out_c(struct out *o, char c)
{
    if (o->n + 1 >= sizeof(o->buf)) {
        o->buf[o->n] = '\0';
        board_puts(o->buf);
        o->n = 0;
    }
    o->buf[o->n++] = c;
}

static void out_num(struct out *o, unsigned long v, unsigned base, bool neg, int width, char pad)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    if (neg) {
        tmp[i++] = '-';
    }
    while (width-- > i) {
        out_c(o, pad);
    }
    while (i > 0) {
        out_c(o, tmp[--i]);
    }
}

void board_printf(const char *fmt, ...)
{
    struct out o = {.n = 0};
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            out_c(&o, *p);
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0;
        bool left = false;
        if (*p == '-') {
            left = true;
            p++;
        }
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9') {
            width = width * 10 + (*p++ - '0');
        }
        bool lng = false;
        if (*p == 'l' || *p == 'z') {
            lng = true;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = (int)strlen(s);
            for (int k = len; !left && k < width; k++) {
                out_c(&o, ' ');
            }
            while (*s != '\0') {
                out_c(&o, *s++);
            }
            for (int k = len; left && k < width; k++) {
                out_c(&o, ' ');
            }
            break;
        }
        case 'c':
            out_c(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            out_num(&o, v < 0 ? (unsigned long)-v : (unsigned long)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
            out_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, false, width, pad);
            break;
        case 'x':
            out_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, false, width, pad);
            break;
        case '%':
            out_c(&o, '%');
            break;
        default:
            out_c(&o, '?');
            break;
        }
    }
    va_end(ap);
    o.buf[o.n] = '\0';
    board_puts(o.buf);
}

/* ---- libc hooks ----------------------------------------------------------
 * newlib's strtod (cJSON's number parser) can assert on a failed internal
 * allocation; its default __assert_func prints with fprintf and pulls in
 * all of stdio and the POSIX syscall layer. Report on the console instead. */
void __assert_func(const char *file, int line, const char *func, const char *expr);
void __assert_func(const char *file, int line, const char *func, const char *expr)
{
    board_printf("FAIL: assertion %s in %s (%s:%d)\n", expr, func != NULL ? func : "?", file, line);
    board_exit(4);
}
