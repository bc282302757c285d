#include "masr_firmware.h"

uint32_t fw_boot(uint32_t word) {
    return masr_hal_read32(masr_hal_boot_args() + 4u * word);
}

void fw_puts(const char* s) {
    uint32_t console = fw_boot(MASR_BOOT_WORD_CONSOLE_BASE);
    while (*s) masr_hal_write32(console + MASR_CONSOLE_PUTC, (uint8_t)*s++);
}

void fw_putu(uint64_t v) {
    char text[24];
    int n = 0;
    do {
        text[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0);
    char out[24];
    for (int i = 0; i < n; ++i) out[i] = text[n - 1 - i];
    out[n] = 0;
    fw_puts(out);
}

void fw_puthex(uint32_t v) {
    char out[11] = "0x";
    for (int i = 0; i < 8; ++i) out[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15u];
    out[10] = 0;
    fw_puts(out);
}
