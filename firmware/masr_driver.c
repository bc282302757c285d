#include "masr_driver.h"

#include "masr_hal.h"

static uint32_t rd(const masr_device* dev, uint32_t reg) {
    return masr_hal_read32(dev->base + reg);
}
static void wr(const masr_device* dev, uint32_t reg, uint32_t v) {
    masr_hal_write32(dev->base + reg, v);
}

uint32_t masr_status(const masr_device* dev) {
    return rd(dev, MASR_CSR_STATUS);
}

uint32_t masr_error(const masr_device* dev) {
    return (masr_status(dev) & MASR_CSR_STATUS_ERROR) >> MASR_CSR_STATUS_ERROR_SHIFT;
}

int masr_open(masr_device* dev, uint32_t base) {
    dev->base = base;
    if (rd(dev, MASR_CSR_ID) != MASR_CSR_ID_RESET) return -1;
    /* Same major version: the register map is compatible. */
    if ((rd(dev, MASR_CSR_VERSION) >> 16) != (MASR_CSR_VERSION_RESET >> 16)) return -1;
    return 0;
}

int masr_start(const masr_device* dev, const masr_job* job) {
    /* From a known state: no stale error code, no pending cause. */
    wr(dev, MASR_CSR_CTRL, MASR_CSR_CTRL_SOFT_RESET);
    if (masr_error(dev) != MASR_ERR_NONE) return (int)masr_error(dev);
    wr(dev, MASR_CSR_IRQ_STATUS, MASR_CSR_IRQ_STATUS_DONE | MASR_CSR_IRQ_STATUS_ERROR);
    wr(dev, MASR_CSR_IMAGE_ADDR, job->image_addr);
    wr(dev, MASR_CSR_IMAGE_LEN, job->image_len);
    wr(dev, MASR_CSR_INPUT_ADDR, job->input_addr);
    wr(dev, MASR_CSR_INPUT_LEN, job->input_len);
    wr(dev, MASR_CSR_OUTPUT_ADDR, job->output_addr);
    wr(dev, MASR_CSR_OUTPUT_LEN, job->output_len);
    wr(dev, MASR_CSR_STEPS, job->steps);
    wr(dev, MASR_CSR_FIRST_STEP, job->first_step);
    /* A refused write leaves its code in STATUS.ERROR. */
    uint32_t error = masr_error(dev);
    if (error != MASR_ERR_NONE) return (int)error;
    wr(dev, MASR_CSR_IRQ_ENABLE, MASR_CSR_IRQ_ENABLE_DONE | MASR_CSR_IRQ_ENABLE_ERROR);
    wr(dev, MASR_CSR_CTRL, MASR_CSR_CTRL_START);
    error = masr_error(dev);
    if (error != MASR_ERR_NONE) {
        wr(dev, MASR_CSR_IRQ_STATUS, MASR_CSR_IRQ_STATUS_DONE | MASR_CSR_IRQ_STATUS_ERROR);
        return (int)error;
    }
    return 0;
}

int masr_wait(const masr_device* dev) {
    for (;;) {
        uint32_t pending = rd(dev, MASR_CSR_IRQ_STATUS);
        if (pending != 0) {
            wr(dev, MASR_CSR_IRQ_STATUS, pending);
            if ((masr_status(dev) & MASR_CSR_STATUS_BUSY) == 0) return (int)masr_error(dev);
        }
        masr_hal_wait_irq();
    }
}

int masr_run(const masr_device* dev, const masr_job* job) {
    int error = masr_start(dev, job);
    return error != 0 ? error : masr_wait(dev);
}

void masr_abort(const masr_device* dev) {
    wr(dev, MASR_CSR_CTRL, MASR_CSR_CTRL_ABORT);
}
void masr_soft_reset(const masr_device* dev) {
    wr(dev, MASR_CSR_CTRL, MASR_CSR_CTRL_SOFT_RESET);
}

static uint64_t rd64(const masr_device* dev, uint32_t lo, uint32_t hi) {
    uint32_t l = rd(dev, lo);
    return ((uint64_t)rd(dev, hi) << 32) | l;
}

uint64_t masr_cycles(const masr_device* dev) {
    return rd64(dev, MASR_CSR_CYCLES_LO, MASR_CSR_CYCLES_HI);
}
uint64_t masr_macs(const masr_device* dev) {
    return rd64(dev, MASR_CSR_MACS_LO, MASR_CSR_MACS_HI);
}
/* TIMER_LO latches TIMER_HI, so the pair is consistent. */
uint64_t masr_timer(const masr_device* dev) {
    return rd64(dev, MASR_CSR_TIMER_LO, MASR_CSR_TIMER_HI);
}
uint32_t masr_output_used(const masr_device* dev) {
    return rd(dev, MASR_CSR_OUTPUT_USED);
}

const char* masr_error_name(uint32_t code) {
    switch (code) {
#define MASR_DRIVER_ERROR_NAME(NAME, VALUE) \
    case VALUE:                             \
        return #NAME;
        MASR_CSR_ERRORS(MASR_DRIVER_ERROR_NAME)
#undef MASR_DRIVER_ERROR_NAME
    }
    return "UNKNOWN";
}
