/* The HAL on bare-metal RV32 (machine mode): device registers are plain
 * volatile loads and stores, the interrupt is taken by masr_trap_handler at
 * mtvec, and wait_irq sleeps in wfi. */
#include "masr_boot.h"
#include "masr_hal.h"

extern char __boot_args[];
static volatile uint32_t irq_taken;

uint32_t masr_hal_read32(uint32_t address) {
    return *(volatile uint32_t*)(uintptr_t)address;
}

void masr_hal_write32(uint32_t address, uint32_t value) {
    *(volatile uint32_t*)(uintptr_t)address = value;
}

void masr_hal_memcpy(uint32_t dst, uint32_t src, uint32_t bytes) {
    volatile uint8_t* d = (volatile uint8_t*)(uintptr_t)dst;
    const volatile uint8_t* s = (const volatile uint8_t*)(uintptr_t)src;
    while (bytes--) *d++ = *s++;
}

uint32_t masr_hal_boot_args(void) {
    return (uint32_t)(uintptr_t)__boot_args;
}

/* The accelerator's line is level-triggered: the handler masks it (mie.MEIE)
 * until the driver has acknowledged the cause and waits again. */
void masr_hal_wait_irq(void) {
    while (!irq_taken) {
        __asm__ volatile("csrs mie, %0" ::"r"(1u << 11));
        __asm__ volatile("wfi");
    }
    irq_taken = 0;
}

void masr_hal_exit(int code) {
    masr_hal_write32(masr_hal_read32(masr_hal_boot_args() + 4u * MASR_BOOT_WORD_CONSOLE_BASE) +
                         MASR_CONSOLE_EXIT,
                     (uint32_t)code);
    for (;;) __asm__ volatile("wfi");
}

__attribute__((interrupt("machine"), aligned(4))) void masr_trap_handler(void) {
    uint32_t cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    if (cause == 0x8000000bu) {
        __asm__ volatile("csrc mie, %0" ::"r"(1u << 11));
        irq_taken = 1;
        return;
    }
    masr_hal_exit((int)(100 + (cause & 0xff)));
}

/* GCC may call these even in freestanding code (structure copies). */
void* memcpy(void* dst, const void* src, unsigned long bytes);
void* memset(void* dst, int value, unsigned long bytes);

void* memcpy(void* dst, const void* src, unsigned long bytes) {
    uint8_t* d = (uint8_t*)dst;
    const uint8_t* s = (const uint8_t*)src;
    while (bytes--) *d++ = *s++;
    return dst;
}

void* memset(void* dst, int value, unsigned long bytes) {
    uint8_t* d = (uint8_t*)dst;
    while (bytes--) *d++ = (uint8_t)value;
    return dst;
}
