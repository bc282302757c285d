#include "models/noc/router.h"

#include <algorithm>

namespace masr {

mesh_routing::mesh_routing(u32 columns, u32 routers)
    : columns_(columns), column_(routers), row_(routers) {
    for (u32 r = 0; r < routers; ++r) {
        column_[r] = r % columns;
        row_[r] = r / columns;
    }
}

noc_port mesh_routing::next(u32 here, u32 destination) const {
    const u32 x = column_[here], y = row_[here];
    const u32 to_x = column_[destination], to_y = row_[destination];
    if (to_x > x) return noc_port::east;
    if (to_x < x) return noc_port::west;
    if (to_y > y) return noc_port::south;
    if (to_y < y) return noc_port::north;
    return noc_port::tile;
}

u32 mesh_routing::hops(u32 from, u32 to) const {
    const auto distance = [](u32 a, u32 b) { return a > b ? a - b : b - a; };
    return distance(from % columns_, to % columns_) + distance(from / columns_, to / columns_);
}

const char* mesh_routing::link_name(noc_port port) const {
    switch (port) {
        case noc_port::east:
            return "link_east";
        case noc_port::west:
            return "link_west";
        case noc_port::north:
            return "link_north";
        case noc_port::south:
            return "link_south";
        case noc_port::tile:
            return "link_to_tile";
        case noc_port::host:
            return "link_to_host";
    }
    return "link";
}

noc_port ring_routing::next(u32 here, u32 destination) const {
    const u32 clockwise = destination >= here ? destination - here : destination + routers_ - here;
    if (clockwise == 0) return noc_port::tile;
    return clockwise <= routers_ - clockwise ? noc_port::east : noc_port::west;
}

u32 ring_routing::hops(u32 from, u32 to) const {
    const u32 clockwise = (to + routers_ - from) % routers_;
    return std::min(clockwise, routers_ - clockwise);
}

const char* ring_routing::link_name(noc_port port) const {
    switch (port) {
        case noc_port::east:
            return "link_cw";
        case noc_port::west:
            return "link_ccw";
        case noc_port::tile:
            return "link_to_tile";
        case noc_port::host:
            return "link_to_host";
        default:
            return "link";
    }
}

u64 noc_link::book(u64 head, u64 cycles, u64 now) {
    if (!shared) return head;
    busy.prune(now);
    return busy.book_contiguous(head, cycles);
}

noc_link::noc_link(const std::string& scope, bool is_shared) : shared(is_shared), stats(scope) {
    stats.counter("bytes", bytes, "bytes carried (headers included, each packet once)");
    stats.counter("busy_cycles", busy_cycles, "cycles the link was occupied serialising packets");
    stats.counter("transfers", transfers, "packets carried");
}

router::router(sc_core::sc_module_name name, u32 index, const noc_routing& routing,
               sc_core::sc_time clock_period, u32 hop_cycles)
    : sc_module(name),
      in("in"),
      out("out"),
      index_(index),
      routing_(routing),
      hop_time_(sc_core::sc_time::from_value(clock_period.value() * hop_cycles)),
      period_(clock_period.value()) {
    in.register_b_transport(this, &router::b_transport);
    output_socket_.fill(-1);
    stats_.counter("packets", packets, "packet heads switched (one per multicast branch)");
    stats_.counter("replications", replications,
                   "extra copies of multicast packets made by this router");
}

std::unique_ptr<noc_link> router::make_link(const std::string& link_name, bool shared) const {
    return std::make_unique<noc_link>(std::string(name()) + "." + link_name, shared);
}

void router::connect(noc_port port, router& neighbour) {
    output_socket_[index_of(port)] = outputs_bound_++;
    checked_bind(out, neighbour.in);
    outputs_[index_of(port)] = make_link(routing_.link_name(port), true);
    neighbour.input_links_.push_back(nullptr);
}

void router::connect_ejection(noc_port port, base_target_socket_type& target, bool shared) {
    output_socket_[index_of(port)] = outputs_bound_++;
    checked_bind(out, target);
    outputs_[index_of(port)] = make_link(routing_.link_name(port), shared);
}

noc_port router::output_for(const noc_route& route, u32 destination) const {
    const noc_port port = routing_.next(index_, destination);
    return port == noc_port::tile ? route.eject : port;
}

void router::b_transport(int input, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    noc_route* route = payload.get_extension<noc_route>();
    if (!route || route->first >= route->last) {
        log.error(
            "packet on input {} has no NoC routing state; only the NoC's network "
            "interface may inject into a router",
            input);
        payload.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    ++packets;
    if (noc_link* injection = input_links_[static_cast<std::size_t>(input)]) {
        // A local port has no hop latency: it only serialises the packet.
        const u64 head = cycle_of(route->origin + delay);
        const u64 start =
            injection->book(head, route->serialisation_cycles, cycle_of(route->origin));
        injection->bytes += route->bytes;
        injection->busy_cycles += route->serialisation_cycles;
        ++injection->transfers;
        delay = sc_core::sc_time::from_value(start * period_) - route->origin;
    }
    if (route->last - route->first == 1) {
        forward(output_for(*route, route->destinations[route->first]), *route, payload, delay);
        return;
    }

    // Multicast: one branch per output port that leads to some destination,
    // all leaving at the head's arrival; the packet completes with the last
    // branch and fails with the first failing one.
    // The destinations are grouped by output port, in port order, with one
    // routing decision each (the branches, and so every booking, depend only
    // on which destinations share a port, not on their order in a group).
    u32* const destinations = route->destinations.data();
    const u32 begin = route->first, end = route->last;
    std::array<u32, noc_port_count> in_port{};
    branch_port_.resize(end - begin);
    for (u32 i = begin; i < end; ++i) {
        const std::size_t p = index_of(output_for(*route, destinations[i]));
        branch_port_[i - begin] = static_cast<u8>(p);
        ++in_port[p];
    }
    std::array<u32, noc_port_count> next_slot{};
    for (std::size_t p = 1; p < noc_port_count; ++p)
        next_slot[p] = next_slot[p - 1] + in_port[p - 1];
    grouped_.resize(end - begin);
    for (u32 i = begin; i < end; ++i)
        grouped_[next_slot[branch_port_[i - begin]]++] = destinations[i];
    std::copy(grouped_.begin(), grouped_.end(), destinations + begin);

    const sc_core::sc_time incoming = delay;
    sc_core::sc_time latest = incoming;
    tlm::tlm_response_status worst = tlm::TLM_OK_RESPONSE;
    u32 rest = begin;
    u32 branches = 0;
    for (std::size_t p = 0; p < noc_port_count; ++p) {
        if (in_port[p] == 0) continue;
        const auto port = static_cast<noc_port>(p);
        const u32 mid = rest + in_port[p];
        if (branches++ > 0) ++replications;
        route->first = rest;
        route->last = mid;
        sc_core::sc_time branch = incoming;
        payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        forward(port, *route, payload, branch);
        if (branch > latest) latest = branch;
        if (payload.is_response_error() && worst == tlm::TLM_OK_RESPONSE)
            worst = payload.get_response_status();
        rest = mid;
    }
    route->first = begin;
    route->last = end;
    delay = latest;
    payload.set_response_status(worst);
}

void router::forward(noc_port port, noc_route& route, tlm::tlm_generic_payload& payload,
                     sc_core::sc_time& delay) {
    noc_link* link = outputs_[index_of(port)].get();
    if (!link) {
        log.error("no output port {} at router {}: the routing function left the topology",
                  routing_.link_name(port), index_);
        payload.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    // Virtual cut-through: the head leaves when the link is free, the link is
    // then occupied for the packet's serialisation; the head reaches the next
    // router hop_cycles later, and the tail reaches an ejection target one
    // serialisation after the head.
    const u64 head = cycle_of(route.origin + delay);
    const u64 start_cycle = link->book(head, route.serialisation_cycles, cycle_of(route.origin));
    const sc_core::sc_time start = sc_core::sc_time::from_value(start_cycle * period_);
    link->bytes += route.bytes;
    link->busy_cycles += route.serialisation_cycles;
    ++link->transfers;
    const bool ejection = port == noc_port::tile || port == noc_port::host;
    delay = start + (ejection ? route.serialisation : hop_time_) - route.origin;
    out[output_socket_[index_of(port)]]->b_transport(payload, delay);
}

}  // namespace masr
