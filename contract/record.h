#pragma once
// Fixed-layout little-endian records, described once as a table of fields.
// The same table writes a record, reads it back and prints the Markdown field
// table of docs/model-image.md, so the code and the documentation of the
// model-image format cannot drift apart (tb_contract compares them).
//
// A record type R keeps every field as a u64 member and lists them:
//   struct slot_record {
//       u64 tile = 0, ...;
//       static const record_fields<slot_record>& fields();
//   };
// On the image a field takes `bytes` bytes (1, 2, 4 or 8); fields follow each
// other without gaps and the record is zero-padded to a multiple of 8 bytes.
#include <string>
#include <vector>

#include "models/common/error.h"
#include "models/common/types.h"

namespace masr {

template <typename R>
struct record_field {
    const char* name;
    u8 bytes;
    u64 R::*member;
    const char* meaning;
};

template <typename R>
struct record_fields {
    const char* record;   // name, as in messages and the doc
    const char* meaning;  // one line for the doc
    std::vector<record_field<R>> list;

    u32 bytes() const {
        u32 n = 0;
        for (const auto& f : list) n += f.bytes;
        return (n + 7) / 8 * 8;
    }
};

// "none" in index fields (no source, no sequence).
constexpr u64 no_index = 0xffff'ffff;

namespace record_detail {

inline void put_le(u8* out, u64 value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i) out[i] = static_cast<u8>(value >> (8 * i));
}
inline u64 get_le(const u8* in, unsigned bytes) {
    u64 v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= u64{in[i]} << (8 * i);
    return v;
}

}  // namespace record_detail

template <typename R>
u32 record_bytes() {
    return R::fields().bytes();
}

// Throws input_error when a value does not fit its field.
template <typename R>
void write_record(const R& r, u8* out) {
    const record_fields<R>& f = R::fields();
    u32 at = 0;
    for (const auto& field : f.list) {
        const u64 value = r.*field.member;
        if (field.bytes < 8 && (value >> (8 * field.bytes)) != 0)
            fail("model image: {}.{} = {} does not fit its {}-byte field", f.record, field.name,
                 value, field.bytes);
        record_detail::put_le(out + at, value, field.bytes);
        at += field.bytes;
    }
    for (; at < f.bytes(); ++at) out[at] = 0;
}

template <typename R>
R read_record(const u8* in) {
    R r;
    u32 at = 0;
    for (const auto& field : R::fields().list) {
        r.*field.member = record_detail::get_le(in + at, field.bytes);
        at += field.bytes;
    }
    return r;
}

template <typename R>
std::vector<u8> record_to_bytes(const R& r) {
    std::vector<u8> bytes(record_bytes<R>());
    write_record(r, bytes.data());
    return bytes;
}

// The field table of R as Markdown: offset, size, field, meaning.
template <typename R>
std::string record_markdown() {
    const record_fields<R>& f = R::fields();
    std::string s = std::string("### ") + f.record + " (" + std::to_string(f.bytes()) +
                    " bytes)\n\n" + f.meaning + "\n\n| offset | bytes | field | meaning |\n" +
                    "|---|---|---|---|\n";
    u32 at = 0;
    for (const auto& field : f.list) {
        s += "| " + std::to_string(at) + " | " + std::to_string(field.bytes) + " | `" + field.name +
             "` | " + field.meaning + " |\n";
        at += field.bytes;
    }
    return s;
}

}  // namespace masr
