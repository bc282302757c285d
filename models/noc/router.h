#pragma once
// One NoC router: a TLM module that receives a packet on its input socket
// (from a neighbour router or injected by the NoC's network interface),
// looks up the output port of each destination with the topology's routing
// function, and forwards the packet hop by hop with b_transport, annotating
// the per-hop latency and occupying the output link. Multicast packets are
// split per output port (tree routing: each link of the tree carries the
// packet once). See models/noc/README.md for the timing formula.
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <array>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/busy_calendar.h"
#include "models/common/log.h"
#include "models/common/stats.h"
#include "models/common/types.h"
#include "models/protocol_checker/protocol_checker.h"

namespace masr {

// Output ports of a router. Mesh: the four compass directions (north = row - 1).
// Ring: east = clockwise (router index + 1), west = counter-clockwise.
// tile and host are the ejection ports to the local tile and to the controller.
enum class noc_port : u8 { east, west, north, south, tile, host };
inline constexpr std::size_t noc_port_count = 6;

// Routing function of a topology: the output port at router `here` of a packet
// for router `destination` (noc_port::tile when here == destination).
// Deterministic and suffix-consistent (the route from any router on a path is
// the rest of that path), so the union of the routes of a multicast is a tree.
class noc_routing {
public:
    virtual ~noc_routing() = default;
    virtual noc_port next(u32 here, u32 destination) const = 0;
    // Hop count from one router to another along the route.
    virtual u32 hops(u32 from, u32 to) const = 0;
    // Name of a neighbour port's link in counters ("link_east").
    virtual const char* link_name(noc_port port) const = 0;
};

// 2D mesh, dimension-ordered: X (columns) first, then Y (rows). Router r sits
// at column r % columns, row r / columns.
class mesh_routing final : public noc_routing {
public:
    mesh_routing(u32 columns, u32 routers);
    noc_port next(u32 here, u32 destination) const override;
    u32 hops(u32 from, u32 to) const override;
    const char* link_name(noc_port port) const override;

private:
    u32 columns_;
    // Column and row of each router, so that routing needs no division.
    std::vector<u32> column_;
    std::vector<u32> row_;
};

// Bidirectional ring of `routers` routers, shortest direction; a tie (exactly
// half-way round) goes clockwise.
class ring_routing final : public noc_routing {
public:
    explicit ring_routing(u32 routers) : routers_(routers) {}
    noc_port next(u32 here, u32 destination) const override;
    u32 hops(u32 from, u32 to) const override;
    const char* link_name(noc_port port) const override;

private:
    u32 routers_;
};

// Routing state that travels with a payload through the routers. The NoC's
// network interface attaches it on injection and removes it on completion.
struct noc_route : tlm::tlm_extension<noc_route> {
    enum class leg : u8 { request, response };

    leg phase = leg::request;
    sc_core::sc_time origin;         // sc_time_stamp() at injection; delays are relative to it
    u64 bytes = 0;                   // packet size (header + data) in bytes
    u64 serialisation_cycles = 0;    // ceil(bytes / link_bytes)
    sc_core::sc_time serialisation;  // serialisation_cycles clock periods
    u64 local_address = 0;           // tile-local address (bits 31..0 of the request)
    // Destination routers of the current branch: destinations[first, last).
    // Routers reorder this range in place to split a multicast per output port.
    std::vector<u32> destinations;
    u32 first = 0;
    u32 last = 0;
    // Ejection port at the destination routers of this leg (tile or host).
    noc_port eject = noc_port::tile;
    // Set by the NoC when a unicast request reaches its node (for the read response).
    u32 responding_tile = 0;
    bool responded = false;

    tlm::tlm_extension_base* clone() const override { return new noc_route(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const noc_route&>(other);
    }
};

// One directed link: a router's output port, or the injection port into a
// router from its tile or from the host. Its calendar holds the cycles the
// link is serialising packets; a packet whose head arrives while it is busy
// waits for the first gap that holds all of it (when the link is shared).
struct noc_link {
    noc_link(const std::string& scope, bool shared);

    // Books the packet's serialisation from its head's arrival (cycle) on:
    // the earliest start at which the link is free for all of it.
    u64 book(u64 head, u64 cycles, u64 now);

    busy_calendar busy;
    bool shared;
    u64 bytes = 0;
    u64 busy_cycles = 0;
    u64 transfers = 0;
    stats_scope stats;
};

class router : public sc_core::sc_module {
public:
    using target_socket_type = tlm_utils::multi_passthrough_target_socket<router>;
    using initiator_socket_type = tlm_utils::multi_passthrough_initiator_socket<router>;
    // Any TLM-2 base-protocol target socket a router output can be bound to.
    using base_target_socket_type = initiator_socket_type::base_target_socket_type;

    // Inputs: neighbours' outputs and the NoC's injection ports (tile, host).
    target_socket_type in;
    // Outputs: neighbours' inputs and the NoC's ejection ports (tile, host).
    initiator_socket_type out;

    router(sc_core::sc_module_name name, u32 index, const noc_routing& routing,
           sc_core::sc_time clock_period, u32 hop_cycles);
    // Cycle of an absolute time (times here are whole cycles).
    u64 cycle_of(const sc_core::sc_time& t) const { return t.value() / period_; }

    // Elaboration: output `port` (east..south) to a neighbour router.
    void connect(noc_port port, router& neighbour);
    // Elaboration: ejection port (tile or host) to a target socket of the NoC.
    void connect_ejection(noc_port port, base_target_socket_type& target, bool shared);
    // Elaboration: an injection port from the tile or the host.
    template <typename Socket>
    void accept_injection(Socket& from, noc_port source, bool shared) {
        checked_bind(from, in);
        injection_links_.push_back(
            make_link(source == noc_port::tile ? "link_from_tile" : "link_from_host", shared));
        input_links_.push_back(injection_links_.back().get());
    }

    u32 index() const { return index_; }
    // The link of an output port, nullptr when the router has none there.
    const noc_link* link(noc_port port) const { return outputs_[index_of(port)].get(); }

    u64 packets = 0;       // packet heads switched (one per branch arriving here)
    u64 replications = 0;  // extra copies made here for multicast branches

    logger log{name()};

private:
    void b_transport(int input, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void forward(noc_port port, noc_route& route, tlm::tlm_generic_payload& payload,
                 sc_core::sc_time& delay);
    noc_port output_for(const noc_route& route, u32 destination) const;
    std::unique_ptr<noc_link> make_link(const std::string& link_name, bool shared) const;
    static std::size_t index_of(noc_port port) { return static_cast<std::size_t>(port); }

    u32 index_;
    const noc_routing& routing_;
    sc_core::sc_time hop_time_;
    u64 period_;
    std::array<std::unique_ptr<noc_link>, noc_port_count> outputs_;
    std::array<int, noc_port_count> output_socket_{};  // index into `out`, -1 = none
    int outputs_bound_ = 0;
    std::vector<std::unique_ptr<noc_link>> injection_links_;
    std::vector<noc_link*> input_links_;  // per input binding; nullptr = from a neighbour
    // Scratch of a multicast's split, used before its branches go on.
    std::vector<u8> branch_port_;
    std::vector<u32> grouped_;

    stats_scope stats_{name()};
};

}  // namespace masr
