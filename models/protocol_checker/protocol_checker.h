#pragma once
// A pass-through module that enforces the TLM-2.0 base-protocol rules the
// models rely on, for every transaction crossing one link. System tests put
// one on every link (checked_bind below) and require zero violations, so a
// model that breaks a rule fails where it breaks it, not three modules later.
//
// Rules (each violation is logged as an error and counted):
//  - the initiator hands over TLM_INCOMPLETE_RESPONSE, the target sets a status;
//  - address + length does not wrap;
//  - data length is not zero, the data pointer is set (a read carrying
//    timing_only_extension may leave it null: DMI already moved the data);
//  - byte enables: a pointer with a non-zero length, or neither;
//  - streaming width is not zero;
//  - the annotated delay is monotonic: a target only adds to it. (Successive
//    transactions of one process may start at earlier local times: one
//    process times several units, e.g. each PE's weight stream, and the
//    resources' busy calendars, not the call order, settle contention.);
//  - a payload in flight is not sent again, by another process or re-entering
//    the same link;
//  - a granted DMI region is well formed (start <= end, pointer set, the
//    requested address inside it, the access it grants), and an invalidation
//    is well formed; a transaction to a region still held through DMI is fine.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/types.h"

namespace masr {

class protocol_checker : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<protocol_checker> in;
    tlm_utils::simple_initiator_socket<protocol_checker> out;

    // `link` names the two sockets in messages ("masr.tile_0.pe.weights -> ...").
    protocol_checker(sc_core::sc_module_name name, std::string link);

    u64 transactions = 0;
    u64 violations = 0;
    const std::vector<std::string>& messages() const { return messages_; }

private:
    void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& p);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    void check_request(const tlm::tlm_generic_payload& p, bool debug);
    void violation(const std::string& rule, const tlm::tlm_generic_payload* p);

    std::string link_;
    logger log_;
    std::vector<std::string> messages_;
};

// --- checking every link of a design ---------------------------------------

// Set before elaboration: from then on checked_bind puts a protocol_checker
// between the sockets it binds. Process-wide, as a SystemC design is.
void set_protocol_checks(bool on);
bool protocol_checks_enabled();
// Every checker this process elaborated, and their violations in total.
const std::vector<protocol_checker*>& protocol_checkers();
u64 protocol_violations();

// Creates a checker in the module under construction (kept for the process).
protocol_checker* make_protocol_checker(const std::string& initiator, const std::string& target);

// initiator.bind(target), through a checker when checks are on.
template <typename Initiator, typename Target>
void checked_bind(Initiator& initiator, Target& target) {
    if (!protocol_checks_enabled()) {
        initiator.bind(target);
        return;
    }
    protocol_checker* checker =
        make_protocol_checker(initiator.get_base_port().name(), target.get_base_export().name());
    initiator.bind(checker->in);
    checker->out.bind(target);
}

}  // namespace masr
