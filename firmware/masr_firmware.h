/* What every example firmware uses besides the driver: the boot arguments,
 * the console, and the entry point that works for both targets:
 *
 *   MASR_FIRMWARE_MAIN(my_firmware) { ... return exit_code; }
 *
 * defines masr_firmware_my_firmware() (linked into masr-cosim as
 * --firmware native:my_firmware) and, for RV32, main(). */
#ifndef MASR_FIRMWARE_H
#define MASR_FIRMWARE_H

#include <stdint.h>

#include "masr_boot.h"
#include "masr_hal.h"

#ifdef __cplusplus
extern "C" {
#endif

uint32_t fw_boot(uint32_t word); /* a word of the boot arguments */
void fw_puts(const char* s);
void fw_putu(uint64_t v); /* decimal */
void fw_puthex(uint32_t v);

#ifdef __cplusplus
}
#endif

#if defined(__riscv)
#define MASR_FIRMWARE_MAIN(NAME)       \
    int masr_firmware_##NAME(void);    \
    int main(void) {                   \
        return masr_firmware_##NAME(); \
    }                                  \
    int masr_firmware_##NAME(void)
#else
#define MASR_FIRMWARE_MAIN(NAME) int masr_firmware_##NAME(void)
#endif

#endif
