#include "models/protocol_checker/protocol_checker.h"

#include <fmt/format.h>

#include <limits>
#include <memory>
#include <unordered_map>

#include "models/common/tlm_support.h"

namespace masr {
namespace {

bool checks_on = false;

std::vector<protocol_checker*>& all_checkers() {
    static std::vector<protocol_checker*> checkers;
    return checkers;
}

// Payloads in flight anywhere in the design, with the process that sent them.
// A payload forwarded down a path is in flight at several links at once, all
// in its sender's call chain; another process sending it meanwhile reuses it.
struct flight {
    const sc_core::sc_object* process;
    std::vector<const protocol_checker*> links;
};
std::unordered_map<const tlm::tlm_generic_payload*, flight>& in_flight() {
    static std::unordered_map<const tlm::tlm_generic_payload*, flight> payloads;
    return payloads;
}

const sc_core::sc_object* current_process() {
    return sc_core::sc_get_current_process_handle().get_process_object();
}

std::string describe(const tlm::tlm_generic_payload& p) {
    return fmt::format("{} at {:#x}, {} bytes", command_name(p.get_command()), p.get_address(),
                       p.get_data_length());
}

}  // namespace

void set_protocol_checks(bool on) {
    checks_on = on;
}
bool protocol_checks_enabled() {
    return checks_on;
}
const std::vector<protocol_checker*>& protocol_checkers() {
    return all_checkers();
}

u64 protocol_violations() {
    u64 total = 0;
    for (const protocol_checker* c : all_checkers()) total += c->violations;
    return total;
}

protocol_checker* make_protocol_checker(const std::string& initiator, const std::string& target) {
    std::string base = "check_" + initiator.substr(initiator.rfind('.') + 1);
    auto* c = new protocol_checker(sc_core::sc_gen_unique_name(base.c_str()),
                                   initiator + " -> " + target);
    all_checkers().push_back(c);
    return c;
}

protocol_checker::protocol_checker(sc_core::sc_module_name name, std::string link)
    : sc_module(name), in("in"), out("out"), link_(std::move(link)), log_(this->name()) {
    in.register_b_transport(this, &protocol_checker::b_transport);
    in.register_transport_dbg(this, &protocol_checker::transport_dbg);
    in.register_get_direct_mem_ptr(this, &protocol_checker::get_direct_mem_ptr);
    out.register_invalidate_direct_mem_ptr(this, &protocol_checker::invalidate_direct_mem_ptr);
}

void protocol_checker::violation(const std::string& rule, const tlm::tlm_generic_payload* p) {
    ++violations;
    std::string text = fmt::format("{}: {}", link_, rule);
    if (p) text += fmt::format(" ({})", describe(*p));
    log_.error("TLM protocol violation: {}", text);
    if (messages_.size() < 16) messages_.push_back(std::move(text));
}

void protocol_checker::check_request(const tlm::tlm_generic_payload& p, bool debug) {
    const tlm::tlm_command command = p.get_command();
    if (!debug && p.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
        violation("the initiator must set TLM_INCOMPLETE_RESPONSE before sending", &p);
    const u64 length = p.get_data_length();
    if (length == 0 && !debug) violation("data length is 0", &p);
    if (length > 0 && p.get_address() > std::numeric_limits<u64>::max() - (length - 1))
        violation("address + data length wraps past 2^64", &p);
    const bool timing_only =
        command == tlm::TLM_READ_COMMAND && p.get_extension<timing_only_extension>() != nullptr;
    if (p.get_data_ptr() == nullptr && length > 0 && !timing_only)
        violation("data pointer is null with a non-zero length", &p);
    if ((p.get_byte_enable_ptr() == nullptr) != (p.get_byte_enable_length() == 0))
        violation(fmt::format("byte enables: pointer {} with length {}",
                              p.get_byte_enable_ptr() ? "set" : "null", p.get_byte_enable_length()),
                  &p);
    if (!debug && p.get_streaming_width() == 0) violation("streaming width is 0", &p);
}

void protocol_checker::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    ++transactions;
    check_request(p, false);
    const sc_core::sc_object* process = current_process();
    auto& flights = in_flight();
    auto it = flights.find(&p);
    if (it != flights.end()) {
        if (it->second.process != process)
            violation("the payload is still in flight from another process", &p);
        else
            for (const protocol_checker* l : it->second.links)
                if (l == this) violation("the payload re-enters a link it has not left", &p);
        it->second.links.push_back(this);
    } else {
        flights.emplace(&p, flight{process, {this}});
    }

    const sc_core::sc_time before = delay;
    out->b_transport(p, delay);

    auto done = flights.find(&p);
    if (done != flights.end()) {
        auto& links = done->second.links;
        if (!links.empty() && links.back() == this) links.pop_back();
        if (links.empty()) flights.erase(done);
    }
    if (p.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
        violation("the target returned without setting a response status", &p);
    if (delay < before)
        violation(fmt::format("the target reduced the annotated delay from {} to {}",
                              before.to_string(), delay.to_string()),
                  &p);
}

unsigned int protocol_checker::transport_dbg(tlm::tlm_generic_payload& p) {
    check_request(p, true);
    const unsigned int moved = out->transport_dbg(p);
    if (moved > p.get_data_length())
        violation(fmt::format("debug transport moved {} bytes of {}", moved, p.get_data_length()),
                  &p);
    return moved;
}

bool protocol_checker::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
    const bool granted = out->get_direct_mem_ptr(p, dmi);
    if (!granted) return false;
    if (dmi.get_start_address() > dmi.get_end_address())
        violation(fmt::format("DMI region [{:#x}, {:#x}] ends before it starts",
                              dmi.get_start_address(), dmi.get_end_address()),
                  &p);
    if (dmi.get_dmi_ptr() == nullptr) violation("DMI granted with a null pointer", &p);
    if (p.get_address() < dmi.get_start_address() || p.get_address() > dmi.get_end_address())
        violation(fmt::format("DMI region [{:#x}, {:#x}] does not hold the requested address",
                              dmi.get_start_address(), dmi.get_end_address()),
                  &p);
    if (p.get_command() == tlm::TLM_READ_COMMAND && !dmi.is_read_allowed())
        violation("DMI granted for a read without read access", &p);
    if (p.get_command() == tlm::TLM_WRITE_COMMAND && !dmi.is_write_allowed())
        violation("DMI granted for a write without write access", &p);
    return true;
}

void protocol_checker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    if (start > end)
        violation(fmt::format("DMI invalidation [{:#x}, {:#x}] ends before it starts", start, end),
                  nullptr);
    in->invalidate_direct_mem_ptr(start, end);
}

}  // namespace masr
