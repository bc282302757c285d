/* Runs the model image the loader placed in system memory on its input, with
 * interrupt-driven completion, and reports the accelerator's figures. With
 * boot word TEST set it instead misprograms the block in one defined way and
 * checks the error the block reports (docs/firmware.md). Exit code 0: the run
 * (or the check) passed. */
#include "masr_driver.h"
#include "masr_firmware.h"

static masr_job boot_job(void) {
    masr_job job;
    job.image_addr = fw_boot(MASR_BOOT_WORD_IMAGE_ADDR);
    job.image_len = fw_boot(MASR_BOOT_WORD_IMAGE_LEN);
    job.input_addr = fw_boot(MASR_BOOT_WORD_INPUT_ADDR);
    job.input_len = fw_boot(MASR_BOOT_WORD_INPUT_LEN);
    job.output_addr = fw_boot(MASR_BOOT_WORD_OUTPUT_ADDR);
    job.output_len = fw_boot(MASR_BOOT_WORD_OUTPUT_LEN);
    job.steps = fw_boot(MASR_BOOT_WORD_STEPS);
    job.first_step = 0;
    return job;
}

static int expect(const char* what, uint32_t got, uint32_t want) {
    fw_puts(what);
    fw_puts(": ");
    fw_puts(masr_error_name(got));
    if (got == want) {
        fw_puts(" (expected)\n");
        return 0;
    }
    fw_puts(", expected ");
    fw_puts(masr_error_name(want));
    fw_puts("\n");
    return 1;
}

/* Misprogramming cases, as boot word TEST. */
enum {
    TEST_NONE,
    TEST_RESERVED_BITS,
    TEST_READ_ONLY,
    TEST_BAD_IMAGE,
    TEST_BAD_BUFFER,
    TEST_START_WHILE_BUSY,
    TEST_DMA_UNMAPPED,
    TEST_ABORT,
    TEST_TWICE,
    TEST_CONTINUE_WRONG_STEP,
    TEST_CONTINUE_IN_HALVES
};

/* One line of the run's figures: what the tests compare with masr-sim. */
static void report(const masr_device* dev, const masr_job* job, uint64_t timer) {
    fw_puts("steps ");
    fw_putu(job->steps);
    fw_puts(" cycles ");
    fw_putu(masr_cycles(dev));
    fw_puts(" macs ");
    fw_putu(masr_macs(dev));
    fw_puts(" output_bytes ");
    fw_putu(masr_output_used(dev));
    fw_puts(" timer ");
    fw_putu(timer);
    fw_puts("\n");
}

static int misprogram(const masr_device* dev, uint32_t test, masr_job job) {
    switch (test) {
        case TEST_RESERVED_BITS:
            masr_hal_write32(dev->base + MASR_CSR_IRQ_ENABLE, 0x80000001u);
            return expect("reserved bits of IRQ_ENABLE", masr_error(dev), MASR_ERR_RESERVED_BITS);
        case TEST_READ_ONLY:
            masr_hal_write32(dev->base + MASR_CSR_STATUS, 0);
            return expect("write to STATUS", masr_error(dev), MASR_ERR_READ_ONLY);
        case TEST_BAD_IMAGE: {
            /* One byte of the image flipped: its CRC no longer matches. */
            uint32_t word = masr_hal_read32(job.image_addr + 64);
            masr_hal_write32(job.image_addr + 64, word ^ 0x100u);
            return expect("corrupt image", (uint32_t)masr_run(dev, &job), MASR_ERR_BAD_IMAGE);
        }
        case TEST_BAD_BUFFER:
            job.input_len += 8;
            return expect("INPUT_LEN too long", (uint32_t)masr_run(dev, &job), MASR_ERR_BAD_BUFFER);
        case TEST_START_WHILE_BUSY: {
            int error = masr_start(dev, &job);
            if (error != 0) return expect("start", (uint32_t)error, MASR_ERR_NONE);
            masr_hal_write32(dev->base + MASR_CSR_CTRL, MASR_CSR_CTRL_START);
            int failed = expect("start while busy", masr_error(dev), MASR_ERR_BUSY);
            /* The run itself goes on and completes. */
            return failed | expect("the run", (uint32_t)masr_wait(dev), MASR_ERR_NONE);
        }
        case TEST_DMA_UNMAPPED:
            job.output_addr = 0x10000000u; /* nothing is mapped there */
            return expect("output to an unmapped address", (uint32_t)masr_run(dev, &job),
                          MASR_ERR_DMA);
        case TEST_ABORT: {
            /* Abort once the tiles are loaded and running, then start again. */
            int error = masr_start(dev, &job);
            if (error != 0) return expect("start", (uint32_t)error, MASR_ERR_NONE);
            uint64_t until = masr_timer(dev) + 40000u;
            while (masr_timer(dev) < until) {
            }
            masr_abort(dev);
            int failed = expect("abort", (uint32_t)masr_wait(dev), MASR_ERR_ABORTED);
            if (masr_status(dev) & MASR_CSR_STATUS_BUSY) {
                fw_puts("still busy after the abort\n");
                failed = 1;
            }
            /* The abort reset the tiles: a new start runs the whole job afresh. */
            failed |= expect("start after the abort", (uint32_t)masr_run(dev, &job), MASR_ERR_NONE);
            report(dev, &job, 0);
            return failed;
        }
        case TEST_TWICE: {
            /* The second job must repeat the first: same output, same cycles. */
            int failed = expect("first run", (uint32_t)masr_run(dev, &job), MASR_ERR_NONE);
            uint64_t first = masr_cycles(dev);
            failed |= expect("second run", (uint32_t)masr_run(dev, &job), MASR_ERR_NONE);
            if (masr_cycles(dev) != first) {
                fw_puts("the second run took ");
                fw_putu(masr_cycles(dev));
                fw_puts(" cycles, the first ");
                fw_putu(first);
                fw_puts("\n");
                failed = 1;
            }
            report(dev, &job, 0);
            return failed;
        }
        case TEST_CONTINUE_WRONG_STEP: {
            /* A continuation must start where the last job ended. */
            uint32_t steps = job.steps;
            job.steps = steps / 2;
            job.input_len = job.input_len / steps * job.steps;
            int failed = expect("first half", (uint32_t)masr_run(dev, &job), MASR_ERR_NONE);
            job.first_step = job.steps + 1;
            return failed | expect("a job that skips a step", (uint32_t)masr_run(dev, &job),
                                   MASR_ERR_BAD_VALUE);
        }
        case TEST_CONTINUE_IN_HALVES: {
            /* The sequence in two jobs, the second continuing the first. */
            uint32_t steps = job.steps, in_step = job.input_len / steps;
            masr_job half = job;
            half.steps = steps / 2;
            half.input_len = in_step * half.steps;
            int failed = expect("first half", (uint32_t)masr_run(dev, &half), MASR_ERR_NONE);
            uint32_t out = masr_output_used(dev);
            half.first_step = half.steps;
            half.steps = steps - half.steps;
            half.input_addr += half.input_len;
            half.input_len = in_step * half.steps;
            half.output_addr += out;
            half.output_len -= out;
            failed |= expect("second half", (uint32_t)masr_run(dev, &half), MASR_ERR_NONE);
            report(dev, &job, 0);
            return failed;
        }
    }
    fw_puts("unknown test ");
    fw_putu(test);
    fw_puts("\n");
    return 2;
}

MASR_FIRMWARE_MAIN(run_network) {
    masr_device dev;
    if (fw_boot(MASR_BOOT_WORD_MAGIC) != MASR_BOOT_MAGIC) return 3;
    if (masr_open(&dev, fw_boot(MASR_BOOT_WORD_CSR_BASE)) != 0) {
        fw_puts("no MASR register block at ");
        fw_puthex(fw_boot(MASR_BOOT_WORD_CSR_BASE));
        fw_puts("\n");
        return 3;
    }
    masr_job job = boot_job();
    uint32_t test = fw_boot(MASR_BOOT_WORD_TEST);
    if (test != TEST_NONE) return misprogram(&dev, test, job);
    uint64_t before = masr_timer(&dev);
    int error = masr_run(&dev, &job);
    uint64_t after = masr_timer(&dev);
    if (error != MASR_ERR_NONE) {
        fw_puts("run failed: ");
        fw_puts(masr_error_name((uint32_t)error));
        fw_puts("\n");
        return 1;
    }
    report(&dev, &job, after - before);
    return 0;
}
