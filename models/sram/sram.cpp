#include "models/sram/sram.h"

#include <algorithm>
#include <cstring>

#include "models/common/error.h"
#include "models/common/tlm_support.h"

namespace masr {

void sram_params::validate() const {
    if (size == 0 && !optional_)
        fail(
            "{}: sram size is 0 bytes, expected at least one row of word_bytes * banks = {} "
            "bytes",
            size.where(), u64{word_bytes} * banks);
    const u64 row = u64{word_bytes} * banks;
    if (size % row != 0)
        fail(
            "{}: sram size {} bytes is not a multiple of word_bytes * banks = {} * {} = {} bytes "
            "(every bank must hold the same number of words)",
            size.where(), size.get(), word_bytes.get(), banks.get(), row);
}

sram::sram(sc_core::sc_module_name name, const sram_params& params, sc_core::sc_time clock_period,
           u32 partitions)
    : sc_module(name),
      in("in"),
      size_(params.size),
      word_bytes_(params.word_bytes),
      banks_(params.banks),
      partitions_(partitions),
      partition_bytes_(partitions ? params.size / partitions : 0),
      partition_banks_(partitions ? params.banks / partitions : 0),
      ports_(params.ports),
      read_cycles_(params.read_cycles),
      write_cycles_(params.write_cycles),
      clock_period_(clock_period),
      memory_(static_cast<u8*>(std::calloc(size_, 1))),
      by_word_(word_bytes_),
      by_partition_banks_(partition_banks_),
      by_partition_(partition_bytes_),
      by_ports_(ports_) {
    // Parameters built in code (not loaded from YAML) are checked here too.
    params.validate();
    if (partitions_ == 0 || banks_ % partitions_ != 0 ||
        size_ % (u64{partitions_} * word_bytes_ * partition_banks_) != 0)
        fail(
            "{}: {} partitions of {} banks ({} bytes of {}-byte words): expected a partition "
            "count that divides the banks and leaves every partition whole rows of words; for "
            "a tile's weight SRAM the partitions are its PEs (banks {} must be a multiple of "
            "pe.pes)",
            this->name(), partitions_, banks_, size_, word_bytes_, banks_);
    if (!memory_)
        fail("{}: cannot allocate {} bytes of memory; is size ({}) meant to be that large?",
             this->name(), size_, params.size.where());
    if (clock_period_ <= sc_core::SC_ZERO_TIME)
        fail("{}: clock period must be positive, got {}", this->name(), clock_period_.to_string());
    bank_ports_.assign(banks_, ports_calendar(ports_));
    log_simulated_time();

    in.register_b_transport(this, &sram::b_transport);
    in.register_transport_dbg(this, &sram::transport_dbg);
    in.register_get_direct_mem_ptr(this, &sram::get_direct_mem_ptr);

    stats.counter("reads", reads, "words read (one per bank word touched)");
    stats.counter("writes", writes, "words written (one per bank word touched)");
    stats.counter("bytes_read", bytes_read, "bytes returned by read transactions");
    stats.counter("bytes_written", bytes_written, "bytes stored by write transactions");
    stats.counter("conflict_cycles", conflict_cycles,
                  "cycles transactions waited for ports busy with earlier transactions");
    stats.counter("busy_cycles", busy_cycles,
                  "bank-cycles spent moving words: ceil(words in bank / ports) per transaction");
}

bool sram::check(tlm::tlm_generic_payload& trans) {
    const u64 address = trans.get_address();
    const u64 length = trans.get_data_length();
    const char* command = command_name(trans.get_command());
    if (trans.get_byte_enable_ptr() != nullptr) {
        log.warn(
            "{} at 0x{:x} ({} bytes) with byte enables: not supported, expected a request "
            "without byte enables",
            command, address, length);
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_streaming_width() < length) {
        log.warn(
            "{} at 0x{:x} ({} bytes) with streaming width {}: streaming not supported, "
            "expected a streaming width of at least the data length",
            command, address, length, trans.get_streaming_width());
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    if (length == 0) {
        log.warn("{} at 0x{:x} with data length 0: expected at least 1 byte", command, address);
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    if (address >= size_ || length > size_ - address) {
        log.warn("{} at 0x{:x} ({} bytes) outside the memory: expected addresses 0x0 to 0x{:x}",
                 command, address, length, size_ - 1);
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_data_ptr() == nullptr &&
        !(trans.is_read() && trans.get_extension<timing_only_extension>())) {
        log.warn("{} at 0x{:x} ({} bytes) without a data pointer: expected a data buffer", command,
                 address, length);
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return false;
    }
    return true;
}

u64 sram::schedule(u64 address, u64 length, u64 start_cycle, bool is_read) {
    if (partitions_ == 1) return schedule_partition(address, length, start_cycle, is_read);
    u64 finish = 0;
    while (length > 0) {
        const u64 in_partition = partition_bytes_ - by_partition_.remainder(address);
        const u64 chunk = std::min(length, in_partition);
        finish = std::max(finish, schedule_partition(address, chunk, start_cycle, is_read));
        address += chunk;
        length -= chunk;
    }
    return finish;
}

u64 sram::schedule_partition(u64 address, u64 length, u64 start_cycle, bool is_read) {
    const u32 access_cycles = is_read ? read_cycles_ : write_cycles_;
    const u32 banks = partition_banks_;
    const u64 partition = by_partition_.quotient(address);
    const u64 offset = by_partition_.remainder(address);
    const u64 first_word = by_word_.quotient(offset);
    const u64 words = by_word_.quotient(offset + length - 1) - first_word + 1;
    const u64 per_bank = by_partition_banks_.quotient(words);
    const u64 extra = by_partition_banks_.remainder(words);
    const u64 touched = std::min<u64>(words, banks);
    u64 finish = 0;
    const u64 now = now_cycle(clock_period_);
    const u64 first_bank = partition * banks;
    u64 bank_in_partition = by_partition_banks_.remainder(first_word);
    for (u64 i = 0; i < touched; ++i) {
        const u64 bank = first_bank + bank_in_partition;
        if (++bank_in_partition == banks) bank_in_partition = 0;
        const u64 bank_words = per_bank + (i < extra ? 1 : 0);
        ports_calendar& ports = bank_ports_[bank];
        ports.prune(now);
        const u64 done = ports.book(bank_words, start_cycle);
        finish = std::max(finish, done + access_cycles);
        busy_cycles += by_ports_.quotient(bank_words + ports_ - 1);
    }
    const u64 most_words = per_bank + (extra > 0 ? 1 : 0);
    const u64 idle_finish =
        start_cycle + access_cycles + by_ports_.quotient(most_words + ports_ - 1);
    conflict_cycles += finish - idle_finish;
    (is_read ? reads : writes) += words;
    return finish;
}

void sram::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (!check(trans)) return;
    const u64 address = trans.get_address();
    const u64 length = trans.get_data_length();
    const bool is_read = trans.get_command() == tlm::TLM_READ_COMMAND;
    if (is_read) {
        if (!trans.get_extension<timing_only_extension>())
            std::memcpy(trans.get_data_ptr(), &memory_[address], length);
        bytes_read += length;
    } else {
        std::memcpy(&memory_[address], trans.get_data_ptr(), length);
        bytes_written += length;
    }

    // A synchronous SRAM starts an access on a clock edge.
    const sc_core::sc_time start = sc_core::sc_time_stamp() + delay;
    const u64 period = clock_period_.value();
    const u64 start_cycle = (start.value() + period - 1) / period;
    const u64 finish_cycle = schedule(address, length, start_cycle, is_read);
    delay += sc_core::sc_time::from_value(finish_cycle * period) - start;

    trans.set_dmi_allowed(true);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void sram::debug_access(bool write, u64 address, u8* data, u64 bytes) {
    if (address > size_ || bytes > size_ - address)
        fail("{}: {} bytes at 0x{:x} do not fit its {} ({}); use a larger {}.size", name(), bytes,
             address, bytes_text(size_), size_, basename());
    if (write)
        std::memcpy(&memory_[address], data, bytes);
    else
        std::memcpy(data, &memory_[address], bytes);
}

unsigned int sram::transport_dbg(int, tlm::tlm_generic_payload& trans) {
    const u64 address = trans.get_address();
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) return 0;
    if (address >= size_) {
        log.warn("debug {} at 0x{:x} outside the memory: expected addresses 0x0 to 0x{:x}",
                 command_name(trans.get_command()), address, size_ - 1);
        return 0;
    }
    const u64 length = std::min<u64>(trans.get_data_length(), size_ - address);
    if (trans.get_command() == tlm::TLM_READ_COMMAND)
        std::memcpy(trans.get_data_ptr(), &memory_[address], length);
    else
        std::memcpy(&memory_[address], trans.get_data_ptr(), length);
    return static_cast<unsigned int>(length);
}

bool sram::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    if (trans.get_address() >= size_) {
        // The region without DMI: everything past the memory.
        dmi.set_start_address(size_);
        dmi.set_end_address(~u64{0});
        return false;
    }
    dmi.set_dmi_ptr(memory_.get());
    dmi.set_start_address(0);
    dmi.set_end_address(size_ - 1);
    dmi.allow_read_write();
    // One word through an idle port: access time plus its transfer cycle.
    dmi.set_read_latency(clock_period_ * static_cast<double>(read_cycles_ + 1));
    dmi.set_write_latency(clock_period_ * static_cast<double>(write_cycles_ + 1));
    return true;
}

}  // namespace masr
