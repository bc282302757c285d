#pragma once
// Banked SRAM: the weight SRAM of a tile and its activation buffer. Loosely
// timed: b_transport moves the data at once and annotates the access time,
// computed from the word interleaving across banks, the ports of each bank
// and the time each port is already committed to earlier transactions (bank
// conflicts). See models/sram/README.md for the timing formula.
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdlib>
#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/fixed_divisor.h"
#include "models/common/log.h"
#include "models/common/ports_calendar.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"

namespace masr {

struct sram_params : property_group {
    // optional: a memory a platform may leave out (size 0, the default).
    explicit sram_params(property_group* parent = nullptr, std::string key = "",
                         std::string description = "", bool optional = false)
        : property_group(parent, std::move(key), std::move(description)), optional_(optional) {
        if (optional) size = 0;
    }
    property<u64> size{this, "size", 65536, "capacity in bytes", 0};
    property<u32> word_bytes{
        this, "word_bytes", 8, "bytes per bank word, moved by one port in one cycle", 1, 4096};
    property<u32> banks{this, "banks", 4, "banks; consecutive words go to consecutive banks",
                        1,    4096};
    property<u32> ports{this, "ports", 1, "ports per bank, each serving one word per cycle", 1, 64};
    property<u32> read_cycles{this, "read_cycles",
                              1,    "cycles from a port's read request to its data (access time)",
                              0,    1024};
    property<u32> write_cycles{this, "write_cycles",
                               1,    "cycles from a port's write request to the word being stored",
                               0,    1024};
    property<bool> off_chip{this, "off_chip", false,
                            "an external memory behind a port (DRAM): its energy is per bit "
                            "moved (technology dram.pj_per_bit) and it has no on-chip area"};

    // size must be a whole number of rows of words across the banks.
    void validate() const override;
    bool optional() const { return optional_; }

private:
    bool optional_ = false;
};

class sram : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<sram> in;

    // partitions > 1 splits the address range into that many equal parts, each
    // with banks / partitions banks of its own (a PE's weights in its own
    // banks); words interleave over the banks of their partition.
    sram(sc_core::sc_module_name name, const sram_params& params, sc_core::sc_time clock_period,
         u32 partitions = 1);

    u64 size() const { return size_; }
    u32 word_bytes() const { return word_bytes_; }
    u32 banks() const { return banks_; }
    u32 ports() const { return ports_; }
    u32 partitions() const { return partitions_; }
    // Host access without time or counters (preloading, observing); throws
    // input_error, naming the memory and its size, when out of range.
    void debug_access(bool write, u64 address, u8* data, u64 bytes);

    logger log{name()};

    u64 reads = 0;  // words read (summed over banks), for the energy model
    u64 writes = 0;
    u64 bytes_read = 0;
    u64 bytes_written = 0;
    u64 conflict_cycles = 0;  // cycles added to transactions by busy ports
    u64 busy_cycles = 0;      // bank-cycles in which a bank's ports moved words
    stats_scope stats{name()};

private:
    void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
    bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);

    // Returns false (response status set, warning logged) for a request the
    // memory cannot serve.
    bool check(tlm::tlm_generic_payload& trans);
    // Commits the ports of the banks touched by [address, address + length)
    // from start_cycle on; returns the cycle at which the last word is done.
    u64 schedule(u64 address, u64 length, u64 start_cycle, bool is_read);

    // Books [address, address + length) inside one partition.
    u64 schedule_partition(u64 address, u64 length, u64 start_cycle, bool is_read);

    u64 size_;
    u32 word_bytes_;
    u32 banks_;
    u32 partitions_;
    u64 partition_bytes_;
    u32 partition_banks_;
    u32 ports_;
    u32 read_cycles_;
    u32 write_cycles_;
    sc_core::sc_time clock_period_;
    // calloc'd: the kernel hands out zero pages lazily, so a large SRAM
    // costs nothing until it is written (a 256-tile platform has 64 MiB).
    struct free_memory {
        void operator()(u8* p) const { std::free(p); }
    };
    std::unique_ptr<u8[], free_memory> memory_;
    // Per bank: how many of its ports are booked at each cycle.
    std::vector<ports_calendar> bank_ports_;
    // The sizes above as divisors of addresses, for schedule_partition.
    fixed_divisor by_word_;
    fixed_divisor by_partition_banks_;
    fixed_divisor by_partition_;
    fixed_divisor by_ports_;
};

}  // namespace masr
