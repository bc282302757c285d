#pragma once
// The inter-tile network on chip: routers (models/noc/router.h) connected as
// a 2D mesh or a bidirectional ring, with a network interface that turns the
// requests of the control node (`host`) and of every tile (`tile_in[t]`)
// into packets:
//   * bits 63..32 of the address select the node: a tile index, or
//     noc_host_node for the control node; bits 31..0 are the node-local
//     address passed on to tile_out[tile] or host_out (rebased);
//   * a WRITE with a multicast_extension goes to every listed tile along a
//     multicast tree and completes when the last copy has arrived;
//   * a READ sends a request header to the node and the data back to the
//     requester;
//   * transport_dbg is routed without timing; there is no DMI across the NoC.
// Timing (virtual cut-through, per packet of B bytes over h hops):
//   h * hop_cycles + ceil(B / link_bytes) cycles when no link is busy; every
//   directed link is occupied ceil(B / link_bytes) cycles per packet and a
//   packet finding a link busy waits for it. See models/noc/README.md.
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"
#include "models/noc/router.h"

namespace masr {

enum class noc_topology { mesh, ring };

template <>
struct enum_names<noc_topology> {
    static constexpr std::pair<noc_topology, const char*> table[] = {{noc_topology::mesh, "mesh"},
                                                                     {noc_topology::ring, "ring"}};
};

struct noc_params : property_group {
    using property_group::property_group;
    property<noc_topology> topology{
        this, "topology", noc_topology::mesh,
        "mesh: 2D, dimension-ordered routing (X then Y); ring: bidirectional, shortest direction"};
    property<u32> columns{this, "columns", 0,
                          "mesh columns (X size); 0 = derived from the tile count (mesh only)"};
    property<u32> rows{this, "rows", 0,
                       "mesh rows (Y size); 0 = derived from the tile count (mesh only)"};
    property<u32> hop_cycles{this, "hop_cycles", 1,
                             "cycles per hop for a packet's head: router traversal plus link"};
    property<u32> link_bytes{this, "link_bytes", 16, "link width in bytes per cycle per direction",
                             1};
    property<u32> header_bytes{
        this, "header_bytes", 8,
        "bytes of the header of every packet (request and read response), on top of the data"};
    property<u32> host_node{this, "host_node", 0,
                            "router where the control node attaches (row-major in a mesh)"};
    property<bool> host_at_center{this, "host_at_center", false,
                                  "attach the control node at the mesh's middle router (column "
                                  "columns / 2, row rows / 2) whatever the size, instead of "
                                  "host_node"};
    property<bool> host_port_contention{
        this, "host_port_contention", true,
        "the host's port to its router is a pair of links like any other (serialises the "
        "host's packets); false = the host port never limits"};
};

// Shape of a NoC after the tile count is known. Router r of a mesh sits at
// column r % columns, row r / columns; tile t attaches to router t.
struct noc_geometry {
    noc_topology topology = noc_topology::mesh;
    u32 tiles = 0;
    u32 columns = 0;  // ring: routers in the ring
    u32 rows = 0;     // ring: 1
    u32 routers = 0;
    u32 host_node = 0;
};

// Checks the parameters against the tile count and derives the mesh size
// (columns = ceil(sqrt(tiles)), rows = ceil(tiles / columns) when both are 0;
// one of them 0 is derived from the other). Throws input_error naming the
// parameter and what was expected.
noc_geometry resolve_noc_geometry(const noc_params& params, u32 tiles);

// Node field (address bits 63..32) of the control node.
constexpr u64 noc_host_node = 0xffff'ffff;
// A NoC address: node (a tile index or noc_host_node) and node-local address.
constexpr u64 noc_address(u64 node, u64 local) {
    return (node << 32) | (local & 0xffff'ffffu);
}

// Delivers one WRITE to several tiles: the listed tile indices replace the
// tile field of the address (bits 63..32 are ignored). Duplicates count once.
struct multicast_extension : tlm::tlm_extension<multicast_extension> {
    std::vector<u32> tiles;

    multicast_extension() = default;
    explicit multicast_extension(std::vector<u32> list) : tiles(std::move(list)) {}
    tlm::tlm_extension_base* clone() const override { return new multicast_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        tiles = static_cast<const multicast_extension&>(other).tiles;
    }
};

class noc : public sc_core::sc_module {
public:
    // Requests of the control node (the sequencer and streamer side).
    tlm_utils::simple_target_socket<noc> host;
    // Requests for the control node (node noc_host_node); may stay unbound.
    tlm_utils::multi_passthrough_initiator_socket<noc, 32, tlm::tlm_base_protocol_types, 1,
                                                  sc_core::SC_ZERO_OR_MORE_BOUND>
        host_out;
    // Requests of the tiles: bound at most once per tile, tile 0 first.
    tlm_utils::multi_passthrough_target_socket<noc, 32, tlm::tlm_base_protocol_types, 0,
                                               sc_core::SC_ZERO_OR_MORE_BOUND>
        tile_in;
    // To the tiles: bound once per tile, tile 0 first.
    tlm_utils::multi_passthrough_initiator_socket<noc> tile_out;

    noc(sc_core::sc_module_name name, const noc_params& params, u32 tiles,
        sc_core::sc_time clock_period);

    const noc_geometry& geometry() const { return geometry_; }
    const noc_routing& routing() const { return *routing_; }
    const router& router_at(u32 index) const { return *routers_.at(index); }

    // Per transaction from any node (a multicast counts once).
    u64 transfers = 0;
    u64 bytes = 0;                 // data bytes requested (data_length; headers not included)
    u64 latency_cycles_total = 0;  // start to completion as the requester sees it
    u64 latency_cycles_max = 0;
    u64 multicast_transfers = 0;
    u64 error_responses = 0;  // transactions returned with an error status

    logger log{name()};

private:
    static constexpr u32 no_tile = ~u32{0};
    // A requester or a responder: a tile, or the control node (tile no_tile).
    struct node {
        noc_port kind;  // tile or host
        u32 tile;
    };

    void host_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void tile_transport(int tile, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void transport(node from, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    unsigned int host_transport_dbg(tlm::tlm_generic_payload& payload);
    unsigned int tile_transport_dbg(int tile, tlm::tlm_generic_payload& payload);
    unsigned int transport_dbg(tlm::tlm_generic_payload& payload);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi);
    bool tile_get_direct_mem_ptr(int tile, tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi);
    void eject(int port, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void invalidate_direct_mem_ptr(int tile, sc_dt::uint64 start, sc_dt::uint64 end);
    void end_of_elaboration() override;

    // Fills route.destinations and route.eject from the address or the
    // multicast list; false (with the response status set and a warning
    // logged) when invalid.
    bool decode(tlm::tlm_generic_payload& payload, noc_route& route);
    void set_packet(noc_route& route, u64 packet_bytes) const;
    std::unique_ptr<noc_route> acquire_route();
    int injection_of(node n) const {
        return n.kind == noc_port::host ? host_injection_ : tile_injection_[n.tile];
    }
    u32 router_of(node n) const { return n.kind == noc_port::host ? geometry_.host_node : n.tile; }

    using ejection = node;

    sc_core::sc_time clock_period_;
    noc_geometry geometry_;
    u64 header_bytes_;
    u64 link_bytes_;
    std::unique_ptr<noc_routing> routing_;
    std::vector<std::unique_ptr<router>> routers_;
    // Network interface: injects packets into routers and receives them.
    tlm_utils::multi_passthrough_initiator_socket<noc> inject_;
    tlm_utils::multi_passthrough_target_socket<noc> eject_;
    int host_injection_ = -1;
    std::vector<int> tile_injection_;  // per tile, index into inject_
    std::vector<ejection> ejections_;  // per eject_ binding
    // Routing states reused across transactions (no allocation once warm).
    std::vector<std::unique_ptr<noc_route>> route_pool_;

    stats_scope stats_{name()};
};

}  // namespace masr
