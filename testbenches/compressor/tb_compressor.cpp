// The activation compressor, writing into an SRAM: random vectors from 0 to
// 100 % sparsity and lengths off the 64-bit mask word, read back and compared
// bit-exact with sparse_vector::encode + serialize (the scoreboard), 1-byte
// values, hand-worked latencies with queueing, counters and error responses.
#include <catch2/catch.hpp>
#include <random>

#include "models/common/stats.h"
#include "models/compressor/compressor.h"
#include "models/encoding/sparse_vector.h"
#include "models/sram/sram.h"
#include "testbenches/sram/tb_initiator.h"

using namespace masr;
using sc_core::sc_time;
using tb::ns;

namespace {

const sc_time clock_period = ns(1);

std::vector<i16> random_dense(std::mt19937& rng, u32 length, double sparsity, int lo, int hi) {
    std::bernoulli_distribution zero(sparsity);
    std::uniform_int_distribution<int> value(lo, hi);
    std::vector<i16> v(length);
    for (auto& x : v) {
        int r = 0;
        while (!zero(rng) && r == 0) r = value(rng);
        x = static_cast<i16>(r);
    }
    return v;
}

std::vector<u8> to_bytes(const std::vector<i16>& dense) {
    std::vector<u8> bytes(2 * dense.size());
    for (std::size_t i = 0; i < dense.size(); ++i) {
        bytes[2 * i] = static_cast<u8>(static_cast<u16>(dense[i]));
        bytes[2 * i + 1] = static_cast<u8>(static_cast<u16>(dense[i]) >> 8);
    }
    return bytes;
}

// The reference: what the encoding library writes for this vector.
std::vector<u8> reference_encoding(const std::vector<i16>& dense, u32 value_bytes) {
    const auto v = sparse_vector::encode(dense);
    std::vector<u8> bytes(encoded_bytes(v.length, v.nnz(), value_bytes));
    serialize(v, value_bytes, bytes.data());
    return bytes;
}

double stat(const sc_core::sc_module& m, const char* counter) {
    return stats_registry::instance().read(m.name(), counter);
}

// tb initiator -> compressor -> activation buffer (64 KiB, 8-byte words,
// 4 banks, 1 port, 1-cycle read and write); a second initiator reads the
// buffer back with debug transport.
struct bench {
    compressor_params cp;
    sram_params sp;
    compressor comp;
    sram buffer;

    static compressor_params& configured(compressor_params& p, u32 elements_per_cycle,
                                         u32 latency_cycles) {
        p.elements_per_cycle = elements_per_cycle;
        p.latency_cycles = latency_cycles;
        return p;
    }
    static sram_params& configured(sram_params& p) {
        p.size = 65536;
        p.word_bytes = 8;
        p.banks = 4;
        p.ports = 1;
        p.read_cycles = 1;
        p.write_cycles = 1;
        return p;
    }
    bench(u32 elements_per_cycle, u32 latency_cycles)
        : comp("compressor", configured(cp, elements_per_cycle, latency_cycles), clock_period),
          buffer("act_buffer", configured(sp), clock_period) {
        comp.out.bind(buffer.in);
    }
};

struct sent {
    tlm::tlm_response_status status;
    sc_time delay;
    u32 nnz;
    u64 encoded_bytes;
};

// Writes one dense vector to the compressor; value_bytes 0 sends no extension.
sent compress(tb::initiator& t, u64 address, const std::vector<i16>& dense, u32 value_bytes,
              sc_time delay = sc_core::SC_ZERO_TIME) {
    auto bytes = to_bytes(dense);
    t.prepare(tlm::TLM_WRITE_COMMAND, address, bytes.data(), static_cast<unsigned>(bytes.size()));
    compress_extension ext;
    ext.value_bytes = value_bytes;
    const auto status = value_bytes == 0 ? t.send(delay) : t.send(delay, &ext);
    return {status, delay, ext.nnz, ext.encoded_bytes};
}

}  // namespace

TEST_CASE(
    "compressor: random vectors land in the buffer exactly as the encoding library "
    "writes them",
    "[unit][compressor]") {
    bench b(4, 2);
    struct expected_vector {
        u64 address;
        std::vector<u8> bytes;
        u32 nnz;
    };
    std::vector<expected_vector> expected;
    std::vector<sent> results;
    u64 elements = 0, zeros = 0, dense_bytes = 0, encoded = 0;
    tb::initiator pe("pe", [&](tb::initiator& t) {
        std::mt19937 rng(2024);
        u64 address = 0;
        for (u32 value_bytes : {2u, 1u, 0u}) {  // 0: no extension, 2-byte values
            const int lo = value_bytes == 1 ? -128 : -32768;
            const int hi = value_bytes == 1 ? 127 : 32767;
            for (u32 length : {1u, 5u, 63u, 65u, 100u, 129u, 200u, 1001u}) {
                for (double sparsity : {0.0, 0.1, 0.5, 0.9, 0.99, 1.0}) {
                    const auto dense = random_dense(rng, length, sparsity, lo, hi);
                    const u32 width = value_bytes == 0 ? 2 : value_bytes;
                    auto reference = reference_encoding(dense, width);
                    const auto v = sparse_vector::encode(dense);
                    results.push_back(compress(t, address, dense, value_bytes));
                    expected.push_back({address, reference, v.nnz()});
                    elements += length;
                    zeros += length - v.nnz();
                    dense_bytes += u64{length} * width;
                    encoded += reference.size();
                    // Leave a 3-byte gap so that vectors also start off word
                    // boundaries; the gap must stay zero.
                    address += reference.size() + 3;
                    sc_core::wait(results.back().delay);
                }
            }
        }
    });
    pe.socket.bind(b.comp.in);
    std::vector<u8> image(65536);
    tb::initiator reader("reader", [&](tb::initiator& t) {
        sc_core::wait(ns(1'000'000));
        t.debug(tlm::TLM_READ_COMMAND, 0, image.data(), 65536);
    });
    reader.socket.bind(b.buffer.in);
    sc_core::sc_start();

    REQUIRE(results.size() == 3 * 8 * 6);
    u64 mismatches = 0;
    std::vector<u8> golden_image(65536, 0);
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO("vector " << i);
        CHECK(results[i].status == tlm::TLM_OK_RESPONSE);
        if (i < 2 * 8 * 6) {  // the last third went without an extension
            CHECK(results[i].nnz == expected[i].nnz);
            CHECK(results[i].encoded_bytes == expected[i].bytes.size());
        }
        std::copy(expected[i].bytes.begin(), expected[i].bytes.end(),
                  golden_image.begin() + expected[i].address);
        mismatches += !std::equal(expected[i].bytes.begin(), expected[i].bytes.end(),
                                  image.begin() + expected[i].address);
    }
    CHECK(mismatches == 0);
    CHECK(image == golden_image);
    CHECK(stat(b.comp, "vectors") == results.size());
    CHECK(stat(b.comp, "elements") == elements);
    CHECK(stat(b.comp, "zeros") == zeros);
    CHECK(stat(b.comp, "dense_bytes") == dense_bytes);
    CHECK(stat(b.comp, "bytes_written") == encoded);
    CHECK(stat(b.buffer, "bytes_written") == encoded);
    CHECK(stat(b.comp, "stall_cycles") == 0);
}

TEST_CASE("compressor: hand-worked latencies, including a vector queued behind another",
          "[unit][compressor]") {
    bench b(16, 2);
    // 100 elements, non-zero at 0, 10, ..., 90 (10 values).
    std::vector<i16> dense(100, 0);
    for (u32 i = 0; i < 100; i += 10) dense[i] = static_cast<i16>(i + 1);
    std::vector<sent> results;
    tb::initiator pe("pe", [&](tb::initiator& t) {
        // Compressor: ceil(100 / 16) = 7 cycles in + latency 2 = 9 cycles.
        // Encoded with 2-byte values: 2 mask words (16 B) + 10 * 2 = 36 B,
        // padded to 40 B = 5 words at 0: bank 0 gets words 0 and 4, so
        // 2 cycles + write_cycles 1 = 3. Total 12 cycles.
        results.push_back(compress(t, 0x0, dense, 2));
        // Issued at the same time: the zero detector is busy until cycle 7,
        // so this one starts there, leaves at 7 + 7 + 2 = 16, and its write at
        // 0x100 (word 32: bank 0 again, 5 words) ends at 16 + 3 = 19.
        results.push_back(compress(t, 0x100, dense, 2));
        sc_core::wait(ns(100));
        // 1-byte values: 16 + 10 = 26 B, padded to 32 B = 4 words, one per
        // bank: 1 + 1 = 2 cycles; total 9 + 2 = 11.
        results.push_back(compress(t, 0x200, dense, 1));
        // 64 non-zeros: 1 mask word + 128 B = 136 B = 17 words at 0x300
        // (bank 0 first): bank 0 takes 5 words: 5 + 1 = 6; compressor
        // ceil(64 / 16) + 2 = 6; issued 20 ns after the previous vector
        // (cycle 120, compressor free since cycle 107): 12 cycles.
        results.push_back(compress(t, 0x300, std::vector<i16>(64, -3), 2, ns(20)));
    });
    pe.socket.bind(b.comp.in);
    sc_core::sc_start();

    REQUIRE(results.size() == 4);
    CHECK(results[0].delay == ns(12));
    CHECK(results[1].delay == ns(19));
    CHECK(results[2].delay == ns(11));
    CHECK(results[3].delay == ns(20 + 12));
    CHECK(results[0].encoded_bytes == 40);
    CHECK(results[2].encoded_bytes == 32);
    CHECK(results[3].encoded_bytes == 136);
    CHECK(stat(b.comp, "stall_cycles") == 7);
    CHECK(stat(b.comp, "vectors") == 4);
    CHECK(stat(b.comp, "elements") == 364);
    CHECK(stat(b.comp, "zeros") == 3 * 90);
    CHECK(stat(b.comp, "dense_bytes") == 200 + 200 + 100 + 128);
    CHECK(stat(b.comp, "bytes_written") == 40 + 40 + 32 + 136);
}

TEST_CASE("compressor: bad requests get the right error response and write nothing",
          "[unit][compressor]") {
    bench b(4, 2);
    std::vector<tlm::tlm_response_status> statuses;
    std::vector<sc_time> delays;
    tb::initiator pe("pe", [&](tb::initiator& t) {
        auto record = [&](tlm::tlm_response_status status, sc_time delay) {
            statuses.push_back(status);
            delays.push_back(delay);
        };
        std::vector<u8> bytes(8, 0);
        sc_time delay;
        t.prepare(tlm::TLM_READ_COMMAND, 0, bytes.data(), 8);
        record(t.send(delay), delay);
        t.prepare(tlm::TLM_WRITE_COMMAND, 0, bytes.data(), 7);
        record(t.send(delay), delay);
        t.prepare(tlm::TLM_WRITE_COMMAND, 0, bytes.data(), 0);
        record(t.send(delay), delay);
        auto& enables = t.prepare(tlm::TLM_WRITE_COMMAND, 0, bytes.data(), 8);
        unsigned char mask[8] = {};
        enables.set_byte_enable_ptr(mask);
        enables.set_byte_enable_length(8);
        record(t.send(delay), delay);
        t.prepare(tlm::TLM_WRITE_COMMAND, 0, bytes.data(), 8).set_streaming_width(2);
        record(t.send(delay), delay);
        // 200 does not fit a 1-byte value.
        const sent wide = compress(t, 0, {0, 5, 200, 0}, 1);
        record(wide.status, wide.delay);
        const sent three = compress(t, 0, {1, 2}, 3);
        record(three.status, three.delay);
        // The encoding (one mask word + 2 values = 16 B) would run past the
        // end of the 64 KiB buffer: the SRAM's address error comes back.
        const sent past = compress(t, 65536 - 8, {1, 2}, 2);
        record(past.status, past.delay);
        t.prepare(tlm::TLM_IGNORE_COMMAND, 0, bytes.data(), 8);
        record(t.send(delay), delay);
    });
    pe.socket.bind(b.comp.in);
    sc_core::sc_start();

    const std::vector<tlm::tlm_response_status> expected = {tlm::TLM_COMMAND_ERROR_RESPONSE,
                                                            tlm::TLM_BURST_ERROR_RESPONSE,
                                                            tlm::TLM_GENERIC_ERROR_RESPONSE,
                                                            tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE,
                                                            tlm::TLM_BURST_ERROR_RESPONSE,
                                                            tlm::TLM_GENERIC_ERROR_RESPONSE,
                                                            tlm::TLM_GENERIC_ERROR_RESPONSE,
                                                            tlm::TLM_ADDRESS_ERROR_RESPONSE,
                                                            tlm::TLM_OK_RESPONSE};
    CHECK(statuses == expected);
    // Refused requests take no time; the downstream failure took the
    // compressor's 1 + 2 cycles before the write was refused.
    for (std::size_t i = 0; i < delays.size(); ++i) {
        INFO("request " << i);
        CHECK(delays[i] == (i == 7 ? ns(3) : sc_core::SC_ZERO_TIME));
    }
    CHECK(stat(b.comp, "vectors") == 0);
    CHECK(stat(b.comp, "bytes_written") == 0);
    CHECK(stat(b.buffer, "writes") == 0);
}
