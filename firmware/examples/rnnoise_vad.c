/* RNNoise voice-activity detection, frame by frame: one accelerator job per
 * frame (FIRST_STEP t, STEPS 1), each continuing the last one's GRU state and
 * ending with its interrupt, after which the frame's line is printed:
 * "frame <t> vad <p>", p the vad_output layer's value with 6 decimals (rounded
 * half up from the exact fixed-point value). Exits 0 after the last frame. The
 * image must be continuable (masr-pack --continuable; masr-cosim compiles it so). */
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
    const uint32_t frames = fw_boot(MASR_BOOT_WORD_STEPS);
    const uint32_t input_addr = fw_boot(MASR_BOOT_WORD_INPUT_ADDR);
    const uint32_t output_addr = fw_boot(MASR_BOOT_WORD_OUTPUT_ADDR);
    const uint32_t output_len = fw_boot(MASR_BOOT_WORD_OUTPUT_LEN);
    const uint32_t in_step = fw_boot(MASR_BOOT_WORD_INPUT_LEN) / frames;
    masr_job job;
    job.image_addr = fw_boot(MASR_BOOT_WORD_IMAGE_ADDR);
    job.image_len = fw_boot(MASR_BOOT_WORD_IMAGE_LEN);
    job.steps = 1;
    const uint32_t frac = image_byte(job.image_addr, 39);
    const uint32_t format = image_byte(job.image_addr, 44);
    uint32_t out_step = 0; /* known after the first frame: OUTPUT_USED */
    for (uint32_t t = 0; t < frames; ++t) {
        job.first_step = t;
        job.input_addr = input_addr + t * in_step;
        job.input_len = in_step;
        job.output_addr = output_addr + t * out_step;
        job.output_len = output_len - t * out_step;
        int error = masr_run(&dev, &job);
        if (error != MASR_ERR_NONE) {
            fw_puts("frame ");
            fw_putu(t);
            fw_puts(" failed: ");
            fw_puts(masr_error_name((uint32_t)error));
            fw_puts("\n");
            return 1;
        }
        if (t == 0) out_step = masr_output_used(&dev);
        /* One unit, one direction: a mask word (masked format) and then the
         * 16-bit value, or the value alone (dense format). */
        const uint32_t at = job.output_addr;
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
