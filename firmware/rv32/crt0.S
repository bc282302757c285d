/* Start-up of the RV32 firmware: gp and sp, .bss cleared, the machine-mode
 * trap vector and global interrupt enable set, main() called, its return
 * value handed to the console as the exit code. */
    .section .text.start
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  la t0, masr_trap_handler
    csrw mtvec, t0
    csrsi mstatus, 8        /* MIE; the line itself is enabled in mie by wait_irq */
    call main
    call masr_hal_exit
3:  j 3b
