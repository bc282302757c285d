// A user's own virtual platform with MASR as one component, built against
// the installed package (find_package(masr)). The platform has its own
// memory and its own CPU (here a thread issuing TLM transactions), and
// connects to the accelerator only through its public sockets and signal:
//   masr_system::registers()  TLM target socket of the register block
//   masr_system::dma_out()    TLM initiator socket of the DMA engine
//   masr_system::irq()        interrupt output
// It runs tiny.yaml (compiled by the package's model compiler) and checks
// the run: DONE, and the effectual MACs the golden reference counts.
//   masr_embed PLATFORM.yaml WORKLOAD.yaml   (exit 0: passed)
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <iostream>
#include <systemc>
#include <vector>

#include "compiler/model_compiler.h"
#include "models/csr/masr_regs.h"
#include "platforms/src/masr_system.h"
#include "workloads/golden/golden_reference.h"

using namespace sc_core;

// The user's memory: a flat byte array at `base`, 10 ns per access.
struct user_memory : sc_module {
    tlm_utils::simple_target_socket<user_memory> socket{"socket"};
    std::vector<unsigned char> bytes;
    const uint64_t base;
    user_memory(sc_module_name n, uint64_t b, size_t size) : sc_module(n), bytes(size), base(b) {
        socket.register_b_transport(this, &user_memory::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
        const uint64_t a = p.get_address();
        if (a < base || a - base + p.get_data_length() > bytes.size()) {
            p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        unsigned char* at = bytes.data() + (a - base);
        if (p.is_write())
            std::memcpy(at, p.get_data_ptr(), p.get_data_length());
        else
            std::memcpy(p.get_data_ptr(), at, p.get_data_length());
        delay += sc_time(10, SC_NS);
        p.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

// The user's CPU: programs a job through the register socket and sleeps
// until the interrupt.
struct user_cpu : sc_module {
    tlm_utils::simple_initiator_socket<user_cpu> regs{"regs"};
    sc_in<bool> irq{"irq"};
    uint32_t image_addr = 0, image_len = 0, input_addr = 0, input_len = 0, output_addr = 0,
             output_len = 0, steps = 0;
    uint32_t status = 0;
    uint64_t macs = 0, cycles = 0;
    SC_HAS_PROCESS(user_cpu);
    explicit user_cpu(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    uint32_t access(bool write, uint32_t offset, uint32_t value = 0) {
        tlm::tlm_generic_payload p;
        unsigned char data[4];
        std::memcpy(data, &value, 4);
        p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        p.set_address(offset);
        p.set_data_ptr(data);
        p.set_data_length(4);
        p.set_streaming_width(4);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time delay = SC_ZERO_TIME;
        regs->b_transport(p, delay);
        wait(delay);
        if (p.is_response_error()) std::cerr << "register access refused at " << offset << "\n";
        std::memcpy(&value, data, 4);
        return value;
    }
    void run() {
        access(true, MASR_CSR_IMAGE_ADDR, image_addr);
        access(true, MASR_CSR_IMAGE_LEN, image_len);
        access(true, MASR_CSR_INPUT_ADDR, input_addr);
        access(true, MASR_CSR_INPUT_LEN, input_len);
        access(true, MASR_CSR_OUTPUT_ADDR, output_addr);
        access(true, MASR_CSR_OUTPUT_LEN, output_len);
        access(true, MASR_CSR_STEPS, steps);
        access(true, MASR_CSR_IRQ_ENABLE, MASR_CSR_IRQ_ENABLE_DONE | MASR_CSR_IRQ_ENABLE_ERROR);
        access(true, MASR_CSR_CTRL, MASR_CSR_CTRL_START);
        if (!irq.read()) wait(irq.posedge_event());
        status = access(false, MASR_CSR_STATUS);
        macs = access(false, MASR_CSR_MACS_LO) | uint64_t{access(false, MASR_CSR_MACS_HI)} << 32;
        cycles = access(false, MASR_CSR_CYCLES_LO);
        sc_stop();
    }
};

int sc_main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: masr_embed PLATFORM.yaml WORKLOAD.yaml\n";
        return 2;
    }
    try {
        masr::platform_config config;
        config.load_file(argv[1]);
        config.validate();
        const masr::workload w = masr::workload::load(argv[2]);
        const masr::compiled_model m = masr::compile_model(w, config.target(), 0);
        const uint32_t steps = static_cast<uint32_t>(m.image.header.max_steps);

        // The user's platform: memory at 0x2000_0000, the accelerator's DMA
        // reading and writing it directly, the CPU on the register socket.
        masr::masr_system accel("masr", config, true);
        user_memory memory("memory", 0x2000'0000, 8 << 20);
        user_cpu cpu("cpu");
        sc_signal<bool> irq("irq");
        accel.dma_out().bind(memory.socket);
        cpu.regs.bind(accel.registers());
        accel.irq().bind(irq);
        cpu.irq.bind(irq);

        // Image and input frames into the user's memory (the input in the
        // accelerator's activation format, one step every step_bytes).
        const masr::sequence_record& in = m.image.sequences.at(m.image.header.input_sequence);
        std::memcpy(memory.bytes.data(), m.bytes.data(), m.bytes.size());
        cpu.image_addr = 0x2000'0000;
        cpu.image_len = static_cast<uint32_t>(m.bytes.size());
        cpu.input_addr = 0x2040'0000;
        cpu.input_len = static_cast<uint32_t>(steps * in.step_bytes);
        for (const masr::input_placement& p : masr::place_input(m.image, w, steps))
            std::memcpy(memory.bytes.data() + 0x40'0000 + (p.address - in.base), p.bytes.data(),
                        p.bytes.size());
        cpu.output_addr = 0x2060'0000;
        cpu.output_len = 0x20'0000;
        cpu.steps = steps;
        sc_start();

        const masr::golden_result golden = masr::run_fixed(w, steps);
        uint64_t golden_macs = 0;
        for (const auto& layer : golden.layers)
            for (const auto& d : layer.stats) golden_macs += d.effectual_macs;
        std::cout << "status 0x" << std::hex << cpu.status << std::dec << ", " << cpu.cycles
                  << " cycles, " << cpu.macs << " effectual MACs (golden reference: " << golden_macs
                  << ")\n";
        const bool ok = cpu.status == MASR_CSR_STATUS_DONE && cpu.macs == golden_macs;
        std::cout << (ok ? "embed: passed\n" : "embed: FAILED\n");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "masr_embed: " << e.what() << "\n";
        return 2;
    }
}
