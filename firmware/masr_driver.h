/* MASR accelerator driver: C99, over masr_hal.h and the generated register
 * header only (docs/firmware.md). */
#ifndef MASR_DRIVER_H
#define MASR_DRIVER_H

#include <stdint.h>

#include "masr_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t base; /* the register block's address */
} masr_device;

typedef struct {
    uint32_t image_addr, image_len;   /* the model image in system memory */
    uint32_t input_addr, input_len;   /* input frames (accelerator format) */
    uint32_t output_addr, output_len; /* room for the last layer's output */
    uint32_t steps;
    /* 0 starts a sequence; t > 0 continues the last job, which ended at step t
     * (a continuable image: one job per frame with the state carried over). */
    uint32_t first_step;
} masr_job;

/* 0, or -1 when the block at base is not a MASR of a supported version. */
int masr_open(masr_device* dev, uint32_t base);
/* Soft-resets the block, programs a job and starts it with the DONE and
 * ERROR interrupts enabled. Returns 0 or the MASR_ERR_* code the block
 * refused it with (MASR_ERR_BUSY while a job runs). */
int masr_start(const masr_device* dev, const masr_job* job);
/* Sleeps until the job ends, acknowledges the interrupt and returns
 * STATUS.ERROR (MASR_ERR_NONE when the output is stored). */
int masr_wait(const masr_device* dev);
/* masr_start, then masr_wait. */
int masr_run(const masr_device* dev, const masr_job* job);
void masr_abort(const masr_device* dev);
void masr_soft_reset(const masr_device* dev);
uint32_t masr_status(const masr_device* dev);
uint32_t masr_error(const masr_device* dev);
uint64_t masr_cycles(const masr_device* dev);      /* of the last run */
uint64_t masr_macs(const masr_device* dev);        /* effectual MACs of the last run */
uint64_t masr_timer(const masr_device* dev);       /* accelerator cycles since time 0 */
uint32_t masr_output_used(const masr_device* dev); /* output bytes stored */
const char* masr_error_name(uint32_t code);

#ifdef __cplusplus
}
#endif

#endif
