/* RNNoise voice-activity detection: runs the RNNoise model image the loader
 * placed in system memory on its input frames with interrupt-driven
 * completion, then prints one line per frame, "frame <t> vad <p>", p the
 * vad_output layer's value with 6 decimals (rounded half up from the exact
 * fixed-point value), and exits 0. The model runs one job per simulation
 * (models/csr/README.md), so all frames go in one job and the lines follow
 * its interrupt. */
#include "masr_driver.h"
#include "masr_firmware.h"

/* The image header's activation_frac_bits, at byte 39 (docs/model-image.md). */
static uint32_t image_byte(uint32_t image, uint32_t offset) {
    return (masr_hal_read32(image + (offset & ~3u)) >> (8u * (offset & 3u))) & 0xffu;
}

/* value / 2^frac with 6 decimals. */
static void put_fixed(int32_t value, uint32_t frac) {
    uint32_t a = (uint32_t)(value < 0 ? -value : value);
    uint32_t whole = a >> frac;
    uint64_t part = ((uint64_t)(a & ((1u << frac) - 1u)) * 1000000u + ((1u << frac) >> 1)) >> frac;
    if (part >= 1000000u) {
        part -= 1000000u;
        whole += 1;
    }
    if (value < 0 && (whole != 0 || part != 0)) fw_puts("-");
    fw_putu(whole);
    fw_puts(".");
    char digits[7];
    for (int i = 5; i >= 0; --i) {
        digits[i] = (char)('0' + (int)(part % 10u));
        part /= 10u;
    }
    digits[6] = 0;
    fw_puts(digits);
}

MASR_FIRMWARE_MAIN(rnnoise_vad) {
    masr_device dev;
    if (fw_boot(MASR_BOOT_WORD_MAGIC) != MASR_BOOT_MAGIC) return 3;
    if (masr_open(&dev, fw_boot(MASR_BOOT_WORD_CSR_BASE)) != 0) return 3;
    masr_job job;
    job.image_addr = fw_boot(MASR_BOOT_WORD_IMAGE_ADDR);
    job.image_len = fw_boot(MASR_BOOT_WORD_IMAGE_LEN);
    job.input_addr = fw_boot(MASR_BOOT_WORD_INPUT_ADDR);
    job.input_len = fw_boot(MASR_BOOT_WORD_INPUT_LEN);
    job.output_addr = fw_boot(MASR_BOOT_WORD_OUTPUT_ADDR);
    job.output_len = fw_boot(MASR_BOOT_WORD_OUTPUT_LEN);
    job.steps = fw_boot(MASR_BOOT_WORD_STEPS);
    int error = masr_run(&dev, &job);
    if (error != MASR_ERR_NONE) {
        fw_puts("run failed: ");
        fw_puts(masr_error_name((uint32_t)error));
        fw_puts("\n");
        return 1;
    }
    const uint32_t frac = image_byte(job.image_addr, 39);
    const uint32_t format = image_byte(job.image_addr, 44);
    /* One unit, one direction: each step is a mask word (masked format) and
     * then the 16-bit value, or the value alone (dense format). */
    const uint32_t step_bytes = masr_output_used(&dev) / job.steps;
    for (uint32_t t = 0; t < job.steps; ++t) {
        uint32_t at = job.output_addr + t * step_bytes;
        int32_t value = 0;
        if (format == 1)
            value = (int16_t)(masr_hal_read32(at) & 0xffffu);
        else if (masr_hal_read32(at) & 1u)
            value = (int16_t)(masr_hal_read32(at + 8) & 0xffffu);
        fw_puts("frame ");
        fw_putu(t);
        fw_puts(" vad ");
        put_fixed(value, frac);
        fw_puts("\n");
    }
    return 0;
}
