#include "models/noc/noc.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string>

#include "models/common/error.h"
#include "models/common/tlm_support.h"

namespace masr {

namespace {

u64 ceil_div(u64 a, u64 b) {
    return (a + b - 1) / b;
}

u64 ceil_sqrt(u64 n) {
    u64 root = 0;
    while (root * root < n) ++root;
    return root;
}

// "file:line: " of a value from a configuration, nothing for a default.
std::string origin(const property_base& p) {
    return p.is_set() ? p.where() + ": " : std::string();
}

}  // namespace

noc_geometry resolve_noc_geometry(const noc_params& params, u32 tiles) {
    const std::string prefix = params.key().empty() ? "" : params.key() + ".";
    if (tiles == 0) fail("{}the NoC needs at least one tile, got 0 tiles", prefix);
    if (params.link_bytes == 0)
        fail("{}{}link_bytes is 0, expected a link width of at least 1 byte per cycle",
             origin(params.link_bytes), prefix);

    noc_geometry g;
    g.topology = params.topology;
    g.tiles = tiles;
    if (g.topology == noc_topology::ring) {
        if (params.columns != 0 || params.rows != 0) {
            const property_base& set = params.columns != 0
                                           ? static_cast<const property_base&>(params.columns)
                                           : params.rows;
            fail(
                "{}{}columns = {} and {}rows = {} apply only to the mesh topology; a ring has "
                "one router per tile (expected 0 or no value)",
                origin(set), prefix, params.columns.get(), prefix, params.rows.get());
        }
        g.columns = tiles;
        g.rows = 1;
        g.routers = tiles;
    } else {
        u64 columns = params.columns, rows = params.rows;
        if (columns == 0 && rows == 0) {
            columns = ceil_sqrt(tiles);
            rows = ceil_div(tiles, columns);
        } else if (columns == 0) {
            columns = ceil_div(tiles, rows);
        } else if (rows == 0) {
            rows = ceil_div(tiles, columns);
        }
        if (columns * rows < tiles)
            fail(
                "{}{}columns x {}rows = {} x {} = {} routers, fewer than the {} tiles; expected "
                "columns * rows >= tiles (or 0 to derive them from the tile count)",
                origin(params.columns.is_set() ? static_cast<const property_base&>(params.columns)
                                               : params.rows),
                prefix, prefix, columns, rows, columns * rows, tiles);
        if (columns * rows > std::numeric_limits<u32>::max())
            fail("{}{}columns x {}rows = {} x {} routers, expected at most {} routers",
                 origin(params.columns), prefix, prefix, columns, rows,
                 std::numeric_limits<u32>::max());
        g.columns = static_cast<u32>(columns);
        g.rows = static_cast<u32>(rows);
        g.routers = static_cast<u32>(columns * rows);
    }
    if (params.host_at_center) {
        if (params.host_node.is_set())
            fail("{}: {}host_node and {}host_at_center are both set; expected one of them",
                 params.host_node.where(), prefix, prefix);
        g.host_node =
            g.topology == noc_topology::mesh ? (g.rows / 2) * g.columns + g.columns / 2 : 0;
        return g;
    }
    if (params.host_node >= g.routers)
        fail("{}{}host_node is {}, expected a router index from 0 to {} ({} {})",
             origin(params.host_node), prefix, params.host_node.get(), g.routers - 1,
             g.topology == noc_topology::mesh ? fmt::format("{}x{}", g.columns, g.rows)
                                              : fmt::format("{}-router", g.routers),
             enum_to_string(g.topology));
    g.host_node = params.host_node;
    return g;
}

noc::noc(sc_core::sc_module_name name, const noc_params& params, u32 tiles,
         sc_core::sc_time clock_period)
    : sc_module(name),
      host("host"),
      host_out("host_out"),
      tile_in("tile_in"),
      tile_out("tile_out"),
      clock_period_(clock_period),
      geometry_(resolve_noc_geometry(params, tiles)),
      header_bytes_(params.header_bytes),
      link_bytes_(params.link_bytes),
      inject_("inject"),
      eject_("eject") {
    if (clock_period == sc_core::SC_ZERO_TIME)
        fail("{}: the clock period is 0, expected a positive period", this->name());
    if (geometry_.topology == noc_topology::mesh)
        routing_ = std::make_unique<mesh_routing>(geometry_.columns, geometry_.routers);
    else
        routing_ = std::make_unique<ring_routing>(geometry_.routers);

    host.register_b_transport(this, &noc::host_transport);
    host.register_transport_dbg(this, &noc::host_transport_dbg);
    host.register_get_direct_mem_ptr(this, &noc::get_direct_mem_ptr);
    tile_in.register_b_transport(this, &noc::tile_transport);
    tile_in.register_transport_dbg(this, &noc::tile_transport_dbg);
    tile_in.register_get_direct_mem_ptr(this, &noc::tile_get_direct_mem_ptr);
    tile_out.register_invalidate_direct_mem_ptr(this, &noc::invalidate_direct_mem_ptr);
    eject_.register_b_transport(this, &noc::eject);

    const u32 n = geometry_.routers;
    routers_.reserve(n);
    for (u32 r = 0; r < n; ++r)
        routers_.push_back(std::make_unique<router>(fmt::format("router_{}", r).c_str(), r,
                                                    *routing_, clock_period, params.hop_cycles));

    if (geometry_.topology == noc_topology::mesh) {
        const u32 columns = geometry_.columns, rows = geometry_.rows;
        for (u32 r = 0; r < n; ++r) {
            const u32 x = r % columns, y = r / columns;
            if (x + 1 < columns) routers_[r]->connect(noc_port::east, *routers_[r + 1]);
            if (x > 0) routers_[r]->connect(noc_port::west, *routers_[r - 1]);
            if (y > 0) routers_[r]->connect(noc_port::north, *routers_[r - columns]);
            if (y + 1 < rows) routers_[r]->connect(noc_port::south, *routers_[r + columns]);
        }
    } else {
        // Two routers need only one link each way; the routing never goes
        // counter-clockwise there (a tie goes clockwise).
        for (u32 r = 0; n >= 2 && r < n; ++r)
            routers_[r]->connect(noc_port::east, *routers_[(r + 1) % n]);
        for (u32 r = 0; n >= 3 && r < n; ++r)
            routers_[r]->connect(noc_port::west, *routers_[(r + n - 1) % n]);
    }

    int injections = 0;
    tile_injection_.resize(tiles);
    for (u32 t = 0; t < tiles; ++t) {
        routers_[t]->connect_ejection(noc_port::tile, eject_, true);
        ejections_.push_back({noc_port::tile, t});
        routers_[t]->accept_injection(inject_, noc_port::tile, true);
        tile_injection_[t] = injections++;
    }
    router& attach = *routers_[geometry_.host_node];
    attach.connect_ejection(noc_port::host, eject_, params.host_port_contention);
    ejections_.push_back({noc_port::host, geometry_.host_node});
    attach.accept_injection(inject_, noc_port::host, params.host_port_contention);
    host_injection_ = injections++;

    stats_.counter("transfers", transfers,
                   "transactions completed, from any node (a multicast counts once)");
    stats_.counter("bytes", bytes, "data bytes of those transactions (headers not included)");
    stats_.counter("latency_cycles_total", latency_cycles_total,
                   "sum of start-to-completion latencies seen by the requesters, target time "
                   "included");
    stats_.counter("latency_cycles_max", latency_cycles_max, "largest such latency");
    stats_.counter("multicast_transfers", multicast_transfers, "multicast WRITEs");
    stats_.counter("error_responses", error_responses,
                   "transactions returned with an error status");
    log.debug("{} {}x{} ({} routers) for {} tiles, host at router {}",
              enum_to_string(geometry_.topology), geometry_.columns, geometry_.rows,
              geometry_.routers, tiles, geometry_.host_node);
}

void noc::end_of_elaboration() {
    if (tile_out.size() != geometry_.tiles)
        fail("{}.tile_out is bound to {} targets, expected one per tile ({})", name(),
             tile_out.size(), geometry_.tiles);
    if (tile_in.size() > geometry_.tiles)
        fail("{}.tile_in is bound by {} initiators, expected at most one per tile ({})", name(),
             tile_in.size(), geometry_.tiles);
}

std::unique_ptr<noc_route> noc::acquire_route() {
    if (route_pool_.empty()) return std::make_unique<noc_route>();
    std::unique_ptr<noc_route> route = std::move(route_pool_.back());
    route_pool_.pop_back();
    return route;
}

void noc::set_packet(noc_route& route, u64 packet_bytes) const {
    route.bytes = packet_bytes;
    route.serialisation_cycles = ceil_div(packet_bytes, link_bytes_);
    route.serialisation =
        sc_core::sc_time::from_value(clock_period_.value() * route.serialisation_cycles);
}

bool noc::decode(tlm::tlm_generic_payload& payload, noc_route& route) {
    const u64 address = payload.get_address();
    route.local_address = address & 0xffff'ffffu;
    route.destinations.clear();
    route.eject = noc_port::tile;
    if (const auto* multicast = payload.get_extension<multicast_extension>()) {
        if (payload.get_command() != tlm::TLM_WRITE_COMMAND) {
            log.warn("multicast {} at local address {:#x}: only WRITE can be multicast",
                     command_name(payload.get_command()), route.local_address);
            payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return false;
        }
        if (multicast->tiles.empty()) {
            log.warn("multicast WRITE at local address {:#x} lists no tile", route.local_address);
            payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return false;
        }
        for (u32 tile : multicast->tiles)
            if (tile >= geometry_.tiles) {
                log.warn(
                    "multicast WRITE at local address {:#x} lists tile {}, expected tiles "
                    "0 to {}",
                    route.local_address, tile, geometry_.tiles - 1);
                payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
                return false;
            }
        route.destinations.assign(multicast->tiles.begin(), multicast->tiles.end());
        std::sort(route.destinations.begin(), route.destinations.end());
        route.destinations.erase(std::unique(route.destinations.begin(), route.destinations.end()),
                                 route.destinations.end());
        return true;
    }
    const u64 node = address >> 32;
    if (node == noc_host_node) {
        if (host_out.size() == 0) {
            log.warn("{} at address {:#x}: the control node (node 0x{:x}) is not connected",
                     command_name(payload.get_command()), address, noc_host_node);
            payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return false;
        }
        route.destinations.push_back(geometry_.host_node);
        route.eject = noc_port::host;
        return true;
    }
    if (node >= geometry_.tiles) {
        log.warn(
            "{} at address {:#x}: node {} (address bits 63..32) does not exist, expected "
            "tiles 0 to {} or the control node 0x{:x}",
            command_name(payload.get_command()), address, node, geometry_.tiles - 1, noc_host_node);
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    route.destinations.push_back(static_cast<u32>(node));
    return true;
}

void noc::host_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    transport({noc_port::host, no_tile}, payload, delay);
}

void noc::tile_transport(int tile, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    transport({noc_port::tile, static_cast<u32>(tile)}, payload, delay);
}

void noc::transport(node from, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    std::unique_ptr<noc_route> route = acquire_route();
    if (!decode(payload, *route)) {
        ++error_responses;
        route_pool_.push_back(std::move(route));
        return;
    }
    const u64 address = payload.get_address();
    const bool multicast = payload.get_extension<multicast_extension>() != nullptr;
    route->phase = noc_route::leg::request;
    route->origin = sc_core::sc_time_stamp();
    route->first = 0;
    route->last = static_cast<u32>(route->destinations.size());
    const u64 data =
        payload.get_command() == tlm::TLM_WRITE_COMMAND ? payload.get_data_length() : 0;
    set_packet(*route, header_bytes_ + data);
    const sc_core::sc_time start = route->origin + delay;

    noc_route* previous = payload.set_extension(route.get());
    payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    route->responded = false;
    const node target{route->eject,
                      route->eject == noc_port::host ? no_tile : route->destinations.front()};
    inject_[injection_of(from)]->b_transport(payload, delay);
    if (payload.get_command() == tlm::TLM_READ_COMMAND && route->responded) {
        // The data (or, after an error, only the header) travels back to the requester.
        route->phase = noc_route::leg::response;
        route->destinations.assign(1, router_of(from));
        route->eject = from.kind;
        route->first = 0;
        route->last = 1;
        set_packet(*route,
                   header_bytes_ + (payload.is_response_ok() ? payload.get_data_length() : 0));
        inject_[injection_of(target)]->b_transport(payload, delay);
    }
    payload.set_extension(previous);
    payload.set_address(address);
    payload.set_dmi_allowed(false);

    const sc_core::sc_time end = route->origin + delay;
    const u64 latency = end > start ? ceil_div((end - start).value(), clock_period_.value()) : 0;
    route_pool_.push_back(std::move(route));
    ++transfers;
    bytes += payload.get_data_length();
    latency_cycles_total += latency;
    latency_cycles_max = std::max(latency_cycles_max, latency);
    if (multicast) ++multicast_transfers;
    if (payload.is_response_error()) ++error_responses;
}

void noc::eject(int port, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    noc_route& route = *payload.get_extension<noc_route>();
    if (route.phase == noc_route::leg::response) return;  // a read response reached its requester
    const ejection& at = ejections_[static_cast<std::size_t>(port)];
    payload.set_address(route.local_address);
    if (at.kind == noc_port::host)
        host_out[0]->b_transport(payload, delay);
    else
        tile_out[static_cast<int>(at.tile)]->b_transport(payload, delay);
    // A read's response is injected by transport() once the request's call
    // chain has returned, so that the stack holds one path, not two.
    route.responded = true;
}

unsigned int noc::host_transport_dbg(tlm::tlm_generic_payload& payload) {
    return transport_dbg(payload);
}

unsigned int noc::tile_transport_dbg(int, tlm::tlm_generic_payload& payload) {
    return transport_dbg(payload);
}

bool noc::tile_get_direct_mem_ptr(int, tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi) {
    return get_direct_mem_ptr(payload, dmi);
}

unsigned int noc::transport_dbg(tlm::tlm_generic_payload& payload) {
    const u64 address = payload.get_address();
    const u64 local = address & 0xffff'ffffu;
    unsigned int done = 0;
    if (const auto* multicast = payload.get_extension<multicast_extension>()) {
        if (payload.get_command() != tlm::TLM_WRITE_COMMAND) {
            log.warn("debug multicast {} at local address {:#x}: only WRITE can be multicast",
                     command_name(payload.get_command()), local);
            return 0;
        }
        bool first = true;
        for (u32 tile : multicast->tiles) {
            if (tile >= geometry_.tiles) {
                log.warn(
                    "debug multicast WRITE at local address {:#x} lists tile {}, expected "
                    "tiles 0 to {}",
                    local, tile, geometry_.tiles - 1);
                payload.set_address(address);
                return 0;
            }
            payload.set_address(local);
            const unsigned int n = tile_out[static_cast<int>(tile)]->transport_dbg(payload);
            done = first ? n : std::min(done, n);
            first = false;
        }
    } else if ((address >> 32) == noc_host_node) {
        if (host_out.size() == 0) return 0;
        payload.set_address(local);
        done = host_out[0]->transport_dbg(payload);
    } else {
        const u64 tile = address >> 32;
        if (tile >= geometry_.tiles) {
            log.warn("debug {} at address {:#x}: tile {} does not exist, expected tiles 0 to {}",
                     command_name(payload.get_command()), address, tile, geometry_.tiles - 1);
            return 0;
        }
        payload.set_address(local);
        done = tile_out[static_cast<int>(tile)]->transport_dbg(payload);
    }
    payload.set_address(address);
    return done;
}

bool noc::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    // No DMI across the NoC: deny the whole address space.
    dmi.set_start_address(0);
    dmi.set_end_address(std::numeric_limits<sc_dt::uint64>::max());
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
}

void noc::invalidate_direct_mem_ptr(int, sc_dt::uint64, sc_dt::uint64) {
    // Nothing to pass on: the NoC never grants DMI to the host.
}

}  // namespace masr
