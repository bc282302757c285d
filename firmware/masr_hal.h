/* The hardware-abstraction layer the MASR driver stands on. Two
 * implementations: rv32/hal_rv32.c (bare-metal RISC-V: plain loads and
 * stores, wfi, a machine-mode trap handler) and platforms/src/host_cpu.cpp
 * (host-compiled firmware: every access is a TLM transaction from the host
 * CPU model's SC_THREAD). Addresses are the platform's 32-bit physical
 * addresses, not host pointers. */
#ifndef MASR_HAL_H
#define MASR_HAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint32_t masr_hal_read32(uint32_t address);
void masr_hal_write32(uint32_t address, uint32_t value);
/* Returns once the interrupt line has been raised (now or after sleeping). */
void masr_hal_wait_irq(void);
void masr_hal_memcpy(uint32_t dst, uint32_t src, uint32_t bytes);
/* Where the loader left the boot arguments (masr_boot.h). */
uint32_t masr_hal_boot_args(void);

#ifdef __cplusplus
}
#endif

#endif
