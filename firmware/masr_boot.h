/* Boot arguments: what masr-cosim (the loader) tells the firmware, as 32-bit
 * words at masr_hal_boot_args(): the devices' addresses and the buffers it
 * placed in system memory (docs/firmware.md). */
#ifndef MASR_BOOT_H
#define MASR_BOOT_H

#define MASR_BOOT_MAGIC 0x544f4f42u /* "BOOT" */
#define MASR_BOOT_WORD_MAGIC 0
#define MASR_BOOT_WORD_CSR_BASE 1
#define MASR_BOOT_WORD_CONSOLE_BASE 2
#define MASR_BOOT_WORD_IMAGE_ADDR 3
#define MASR_BOOT_WORD_IMAGE_LEN 4
#define MASR_BOOT_WORD_INPUT_ADDR 5
#define MASR_BOOT_WORD_INPUT_LEN 6
#define MASR_BOOT_WORD_OUTPUT_ADDR 7
#define MASR_BOOT_WORD_OUTPUT_LEN 8
#define MASR_BOOT_WORD_STEPS 9
#define MASR_BOOT_WORD_TEST 10 /* which misprogramming case to run, 0 none */
#define MASR_BOOT_WORDS 16

/* Console device: a byte written to +0 is printed, a word written to +4 ends
 * the run with that exit code. */
#define MASR_CONSOLE_PUTC 0x0u
#define MASR_CONSOLE_EXIT 0x4u

#endif
