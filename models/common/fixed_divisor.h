#pragma once
// Division by a divisor fixed when a model is built (a word size, a bank
// count, a partition size): a shift and a mask when it is a power of two, as
// hardware sizes usually are, else the division. The SRAM divides several
// times on every access it times, and a 64-bit division stalls for tens of
// cycles (a third of the SRAM's scheduling time when it divided).
//
// Plain C++.
#include "models/common/types.h"

namespace masr {

constexpr bool is_power_of_two(u64 v) {
    return v != 0 && (v & (v - 1)) == 0;
}

class fixed_divisor {
public:
    explicit fixed_divisor(u64 divisor = 1)
        : divisor_(divisor),
          power_of_two_(is_power_of_two(divisor)),
          shift_(power_of_two_ ? static_cast<unsigned>(__builtin_ctzll(divisor)) : 0) {}

    u64 quotient(u64 x) const { return power_of_two_ ? x >> shift_ : x / divisor_; }
    u64 remainder(u64 x) const { return power_of_two_ ? x & (divisor_ - 1) : x % divisor_; }
    u64 value() const { return divisor_; }

private:
    u64 divisor_;
    bool power_of_two_;
    unsigned shift_;
};

}  // namespace masr
