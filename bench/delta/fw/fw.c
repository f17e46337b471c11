/* SPDX-License-Identifier: Apache-2.0 */
/* A small firmware-like Cortex-M program for the delta benchmark: built twice,
 * as release 1 and release 2 (-DFW_V2: a bug fix, a new command, a changed
 * table and version string), the way consecutive firmware releases differ. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef FW_V2
#define FW_VERSION "2.1.0"
#define SENSOR_COUNT 6
#else
#define FW_VERSION "2.0.3"
#define SENSOR_COUNT 5
#endif

struct sensor {
    const char *name;
    int32_t offset;
    int32_t scale;
    uint32_t readings[16];
};

static struct sensor sensors[SENSOR_COUNT] = {
    {"temp", -40, 100, {0}}, {"humidity", 0, 10, {0}}, {"pressure", 800, 1, {0}},
    {"light", 0, 3, {0}},    {"battery", 0, 1000, {0}},
#ifdef FW_V2
    {"co2", 400, 1, {0}},
#endif
};

static const uint16_t crc_table[16] = {0x0000, 0x1081, 0x2102, 0x3183, 0x4204, 0x5285, 0x6306, 0x7387,
                                       0x8408, 0x9489, 0xa50a, 0xb58b, 0xc60c, 0xd68d, 0xe70e, 0xf78f};

uint16_t crc16(const uint8_t *p, size_t n);
uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t c = 0xffff;
    while (n--) {
        c = (uint16_t)((c >> 4) ^ crc_table[(c ^ *p) & 15]);
        c = (uint16_t)((c >> 4) ^ crc_table[(c ^ (*p++ >> 4)) & 15]);
    }
    return c;
}

static int32_t filter(const struct sensor *s)
{
    int64_t acc = 0;
    for (int i = 0; i < 16; i++) {
        acc += s->readings[i];
    }
#ifdef FW_V2
    acc = (acc + 8) / 16; /* fix: round instead of truncating */
#else
    acc /= 16;
#endif
    return (int32_t)(acc * s->scale) + s->offset;
}

static char line[128];

static void report(void)
{
    for (int i = 0; i < SENSOR_COUNT; i++) {
        snprintf(line, sizeof(line), "%s=%ld", sensors[i].name, (long)filter(&sensors[i]));
        puts(line);
    }
}

static int command(const char *cmd)
{
    if (strcmp(cmd, "version") == 0) {
        puts("fw " FW_VERSION);
        return 0;
    }
    if (strcmp(cmd, "report") == 0) {
        report();
        return 0;
    }
#ifdef FW_V2
    if (strcmp(cmd, "calibrate") == 0) {
        for (int i = 0; i < SENSOR_COUNT; i++) {
            sensors[i].offset -= filter(&sensors[i]) / 2;
        }
        puts("calibrated");
        return 0;
    }
#endif
    if (strncmp(cmd, "crc ", 4) == 0) {
        printf("%04x\n", crc16((const uint8_t *)cmd + 4, strlen(cmd + 4)));
        return 0;
    }
    printf("unknown command '%s'\n", cmd);
    return -1;
}

static volatile uint32_t tick;
static const char *const script[] = {"version", "report", "crc hello", "calibrate", "nope"};

int main(void)
{
    for (uint32_t n = 0;; n++) {
        for (int i = 0; i < SENSOR_COUNT; i++) {
            sensors[i].readings[n % 16] = (uint32_t)(tick * 2654435761u >> (i + 3));
        }
        command(script[n % 5]);
        double v = (double)filter(&sensors[0]) * 0.01;
        printf("t=%.2f\n", v);
        tick++;
    }
}
