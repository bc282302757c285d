#include "contract/csc_format.h"

#include <algorithm>
#include <set>

#include "models/common/error.h"

namespace masr {

csc_matrix encode_csc(const std::vector<const i16*>& rows, u32 cols, const csc_layout& layout) {
    csc_matrix m;
    m.rows = static_cast<u32>(rows.size());
    m.cols = cols;
    m.pointers.reserve(u64{cols} + 1);
    const u32 max_gap = layout.max_gap();
    for (u32 j = 0; j < cols; ++j) {
        m.pointers.push_back(static_cast<u32>(m.weight.size()));
        u32 next = 0;  // the first row the column's next entry can stand for
        for (u32 r = 0; r < m.rows; ++r) {
            const i16 w = rows[r][j];
            if (w == 0) continue;
            u32 gap = r - next;
            while (gap > max_gap) {
                m.index.push_back(static_cast<u8>(max_gap));
                m.weight.push_back(0);
                ++m.padding;
                gap -= max_gap + 1;
            }
            m.index.push_back(static_cast<u8>(gap));
            m.weight.push_back(w);
            next = r + 1;
        }
    }
    m.pointers.push_back(static_cast<u32>(m.weight.size()));
    return m;
}

std::vector<i16> make_codebook(const std::vector<const std::vector<i16>*>& weights,
                               const csc_layout& layout, const std::string& what) {
    std::set<i16> values;
    for (const std::vector<i16>* w : weights)
        for (i16 v : *w)
            if (v != 0) values.insert(v);
    const u64 room = (u64{1} << layout.code_bits) - 1;
    if (values.size() > room)
        fail(
            "{}: {} distinct non-zero weights, but a {}-bit codebook holds {} (and 0); share "
            "the weights first (masr-sim does it for arch eie with eie.codebook true) or set "
            "eie.codebook false",
            what, values.size(), layout.code_bits, room);
    std::vector<i16> book{0};
    book.insert(book.end(), values.begin(), values.end());
    book.resize(u64{1} << layout.code_bits, 0);
    return book;
}

std::vector<u8> write_csc_entries(const csc_matrix& m, const csc_layout& layout,
                                  const std::vector<i16>& codebook) {
    const u64 book_bytes = layout.codebook_bytes();
    std::vector<u8> out(book_bytes + layout.entry_bytes(m.entries()), 0);
    for (u64 i = 0; i < codebook.size() && layout.code_bits; ++i) {
        out[2 * i] = static_cast<u8>(static_cast<u16>(codebook[i]));
        out[2 * i + 1] = static_cast<u8>(static_cast<u16>(codebook[i]) >> 8);
    }
    const u64 n = layout.entries_per_word();
    const u32 code_width = layout.entry_bits() - layout.index_bits;
    const u64 code_mask = (u64{1} << code_width) - 1;
    for (u64 e = 0; e < m.entries(); ++e) {
        u64 code = 0;
        if (layout.code_bits) {
            // The table is 16 entries: a linear search (its unused tail is zeros).
            const auto at = std::find(codebook.begin() + 1, codebook.end(), m.weight[e]);
            if (m.weight[e] != 0) {
                if (at == codebook.end() || *at != m.weight[e])
                    fail("weight {} is not in the codebook", m.weight[e]);
                code = static_cast<u64>(at - codebook.begin());
            }
        } else {
            const i32 lo = -(1 << (layout.weight_bits - 1)),
                      hi = (1 << (layout.weight_bits - 1)) - 1;
            if (m.weight[e] < lo || m.weight[e] > hi)
                fail("weight {} does not fit a {}-bit entry", m.weight[e], layout.weight_bits);
            code = static_cast<u64>(static_cast<u16>(m.weight[e])) & code_mask;
        }
        const u64 entry = m.index[e] | code << layout.index_bits;
        const u64 bit = (e % n) * layout.entry_bits();
        u8* word = out.data() + book_bytes + (e / n) * 8;
        for (u32 b = 0; b < layout.entry_bits(); ++b)
            if ((entry >> b) & 1) word[(bit + b) / 8] |= static_cast<u8>(1u << ((bit + b) % 8));
    }
    return out;
}

u64 csc_pointer_bytes(u32 cols) {
    return ((u64{cols} + 1) * 2 + 7) / 8 * 8;
}

std::vector<u8> write_csc_pointers(const csc_matrix& m) {
    std::vector<u8> out(csc_pointer_bytes(m.cols), 0);
    for (u64 j = 0; j < m.pointers.size(); ++j) {
        if (m.pointers[j] > 0xffff)
            fail(
                "column pointer {} does not fit EIE's 16-bit pointers: a PE's block holds at "
                "most 65535 entries; use more PEs or tiles",
                m.pointers[j]);
        out[2 * j] = static_cast<u8>(m.pointers[j]);
        out[2 * j + 1] = static_cast<u8>(m.pointers[j] >> 8);
    }
    return out;
}

}  // namespace masr
