// The inter-tile NoC against hand-worked latencies and a plain C++ reference
// of its routes (XY walk on the mesh, shortest arc on the ring): unicast and
// read latencies, XY route order from the per-link counters, ring direction,
// link contention, multicast trees, error propagation, elaboration from 1 to
// 256 tiles and parameter errors.
//
// Unless a case says otherwise: clock 1 ns, hop_cycles 2, link_bytes 4,
// header_bytes 8, host at router 0, and every tile is a memory that adds
// tile_cycles = 3 cycles to each access.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/error.h"
#include "models/common/tlm_support.h"
#include "models/noc/noc.h"

using namespace masr;
using Catch::Matchers::Contains;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

const sc_time clock_period(1, SC_NS);
constexpr u32 tile_cycles = 3;

sc_time cycles(u64 n) {
    return sc_time::from_value(clock_period.value() * n);
}

// A tile: a byte array behind a TLM target that records when packets arrive.
struct tile_memory : sc_core::sc_module {
    tlm_utils::simple_target_socket<tile_memory> socket{"socket"};
    std::vector<u8> bytes;
    u32 accesses = 0;
    sc_time last_arrival;

    tile_memory(sc_core::sc_module_name name, u32 size) : sc_module(name), bytes(size, 0) {
        socket.register_b_transport(this, &tile_memory::b_transport);
        socket.register_transport_dbg(this, &tile_memory::transport_dbg);
    }

    bool access(tlm::tlm_generic_payload& gp) {
        const u64 address = gp.get_address();
        const u32 length = gp.get_data_length();
        if (gp.get_byte_enable_ptr()) {
            gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            return false;
        }
        if (address + length > bytes.size()) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return false;
        }
        if (gp.is_write())
            std::memcpy(&bytes[address], gp.get_data_ptr(), length);
        else if (gp.is_read())
            std::memcpy(gp.get_data_ptr(), &bytes[address], length);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return true;
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
        ++accesses;
        last_arrival = sc_core::sc_time_stamp() + delay;
        delay += cycles(tile_cycles);
        access(gp);
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp) {
        return access(gp) ? gp.get_data_length() : 0;
    }
};

struct result {
    tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
    sc_time done;  // completion (the thread never waits, so delay = absolute time)
    std::vector<u8> data;
};

// The controller: one thread running a script of transactions, all issued at
// time 0 with an annotated start delay.
struct host_driver : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<host_driver> socket{"socket"};
    std::function<void(host_driver&)> script;

    SC_HAS_PROCESS(host_driver);
    explicit host_driver(sc_core::sc_module_name name) : sc_module(name) {
        SC_THREAD(run);
        // The NoC forwards hop by hop on this thread's stack (deep in sanitizer builds).
        set_stack_size(noc_thread_stack_bytes);
    }
    void run() {
        if (script) script(*this);
    }

    result transact(tlm::tlm_command command, u64 address, std::vector<u8> data, sc_time start,
                    const std::vector<u32>* multicast = nullptr) {
        tlm::tlm_generic_payload gp;
        multicast_extension group;
        if (multicast) {
            group.tiles = *multicast;
            gp.set_extension(&group);
        }
        gp.set_command(command);
        gp.set_address(address);
        gp.set_data_ptr(data.data());
        gp.set_data_length(static_cast<unsigned int>(data.size()));
        gp.set_streaming_width(static_cast<unsigned int>(data.size()));
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time delay = start;
        socket->b_transport(gp, delay);
        if (multicast) gp.clear_extension(&group);
        CHECK(gp.get_address() == address);  // restored by the NoC
        return {gp.get_response_status(), delay, std::move(data)};
    }
    result write(u64 address, std::vector<u8> data, sc_time start = sc_core::SC_ZERO_TIME) {
        return transact(tlm::TLM_WRITE_COMMAND, address, std::move(data), start);
    }
    result multicast(const std::vector<u32>& tiles, u64 local, std::vector<u8> data,
                     sc_time start = sc_core::SC_ZERO_TIME) {
        return transact(tlm::TLM_WRITE_COMMAND, local, std::move(data), start, &tiles);
    }
    result read(u64 address, u32 length, sc_time start = sc_core::SC_ZERO_TIME) {
        return transact(tlm::TLM_READ_COMMAND, address, std::vector<u8>(length), start);
    }
    unsigned int debug(tlm::tlm_command command, u64 address, std::vector<u8>& data) {
        tlm::tlm_generic_payload gp;
        gp.set_command(command);
        gp.set_address(address);
        gp.set_data_ptr(data.data());
        gp.set_data_length(static_cast<unsigned int>(data.size()));
        return socket->transport_dbg(gp);
    }
};

u64 at(u32 tile, u32 local) {
    return (u64{tile} << 32) | local;
}

std::vector<u8> pattern(u32 length, u32 seed) {
    std::vector<u8> v(length);
    for (u32 i = 0; i < length; ++i) v[i] = static_cast<u8>(seed * 37 + i * 11 + 1);
    return v;
}

void small_mesh_params(noc_params& p) {
    p.hop_cycles = 2;
    p.link_bytes = 4;
    p.header_bytes = 8;
}

// A NoC with a memory per tile and a host driver.
struct bench {
    std::unique_ptr<noc> net;
    std::vector<std::unique_ptr<tile_memory>> tiles;
    host_driver host{"host"};

    // sizes: memory bytes per tile (missing entries get memory_bytes).
    bench(const noc_params& params, u32 count, u32 memory_bytes = 256,
          const std::vector<u32>& sizes = {})
        : net(std::make_unique<noc>("noc", params, count, clock_period)) {
        host.socket.bind(net->host);
        for (u32 t = 0; t < count; ++t) {
            const u32 size = t < sizes.size() ? sizes[t] : memory_bytes;
            tiles.push_back(std::make_unique<tile_memory>(fmt::format("tile_{}", t).c_str(), size));
            net->tile_out.bind(tiles.back()->socket);
        }
    }
    void run(std::function<void(host_driver&)> script) {
        host.script = std::move(script);
        sc_core::sc_start();
    }
    const noc_link& link(u32 router, noc_port port) const {
        const noc_link* l = net->router_at(router).link(port);
        REQUIRE(l != nullptr);
        return *l;
    }
    // transfers of every router-to-router link, keyed by (router, port)
    std::map<std::pair<u32, int>, u64> neighbour_transfers() const {
        std::map<std::pair<u32, int>, u64> m;
        for (u32 r = 0; r < net->geometry().routers; ++r)
            for (noc_port p : {noc_port::east, noc_port::west, noc_port::north, noc_port::south})
                if (const noc_link* l = net->router_at(r).link(p))
                    m[{r, static_cast<int>(p)}] = l->transfers;
        return m;
    }
    u64 neighbour_transfers_total() const {
        u64 sum = 0;
        for (const auto& [key, n] : neighbour_transfers()) sum += n;
        return sum;
    }
};

double stat(const std::string& scope, const std::string& name) {
    return stats_registry::instance().read(scope, name);
}

// Reference routes: the directed router-to-router links from one router to
// another, by walking coordinates (mesh: X first, then Y) or the shorter arc
// (ring; clockwise on a tie).
std::vector<std::pair<u32, noc_port>> reference_route(const noc_geometry& g, u32 from, u32 to) {
    std::vector<std::pair<u32, noc_port>> links;
    if (g.topology == noc_topology::mesh) {
        i64 x = from % g.columns, y = from / g.columns;
        const i64 tx = to % g.columns, ty = to / g.columns;
        auto here = [&] { return static_cast<u32>(y * g.columns + x); };
        while (x != tx) {
            links.push_back({here(), x < tx ? noc_port::east : noc_port::west});
            x += x < tx ? 1 : -1;
        }
        while (y != ty) {
            links.push_back({here(), y < ty ? noc_port::south : noc_port::north});
            y += y < ty ? 1 : -1;
        }
    } else {
        const u32 n = g.routers;
        const u32 clockwise = (to + n - from) % n;
        if (clockwise <= n - clockwise)
            for (u32 i = 0; i < clockwise; ++i) links.push_back({(from + i) % n, noc_port::east});
        else
            for (u32 i = 0; i < n - clockwise; ++i)
                links.push_back({(from + n - i) % n, noc_port::west});
    }
    return links;
}

u64 ceil_div(u64 a, u64 b) {
    return (a + b - 1) / b;
}

}  // namespace

TEST_CASE("unicast write on a 4x4 mesh: hand-worked latency", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    bench b(p, 16);
    result far, near;
    b.run([&](host_driver& h) {
        far = h.write(at(15, 0x20), pattern(64, 1));
        near = h.write(at(0, 0x40), pattern(4, 2), cycles(100));
    });
    // Router 0 (0,0) to tile 15 (3,3): 3 hops east + 3 hops south = 6 hops.
    // Packet 8 header + 64 data = 72 bytes, ceil(72 / 4) = 18 cycles.
    // Tail at the tile: 6 * 2 + 18 = 30 cycles; the tile adds 3: done at 33.
    CHECK(b.net->geometry().columns == 4);
    CHECK(b.net->geometry().rows == 4);
    REQUIRE(far.status == tlm::TLM_OK_RESPONSE);
    CHECK(b.tiles[15]->last_arrival == cycles(30));
    CHECK(far.done == cycles(33));
    CHECK(std::vector<u8>(b.tiles[15]->bytes.begin() + 0x20, b.tiles[15]->bytes.begin() + 0x60) ==
          pattern(64, 1));
    // Tile 0 sits at the host's router: 0 hops, 8 + 4 = 12 bytes = 3 cycles;
    // starts at 100, tail at 103, done at 106.
    REQUIRE(near.status == tlm::TLM_OK_RESPONSE);
    CHECK(b.tiles[0]->last_arrival == cycles(103));
    CHECK(near.done == cycles(106));
    CHECK(b.net->transfers == 2);
    CHECK(b.net->bytes == 68);
    CHECK(b.net->latency_cycles_total == 33 + 6);
    CHECK(b.net->latency_cycles_max == 33);
    CHECK(b.tiles[1]->accesses == 0);
}

TEST_CASE("mesh routes X then Y - read responses too (per-link counters)", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    bench b(p, 16);
    result w, r;
    b.run([&](host_driver& h) {
        w = h.write(at(14, 0), pattern(16, 3));
        r = h.read(at(14, 0), 16, cycles(1000));
    });
    REQUIRE(w.status == tlm::TLM_OK_RESPONSE);
    REQUIRE(r.status == tlm::TLM_OK_RESPONSE);
    CHECK(r.data == pattern(16, 3));
    // Write 0 (0,0) -> 14 (2,3): east 0->1, 1->2, then south 2->6, 6->10, 10->14
    // (a Y-first route would start 0->4): 8 + 16 = 24 bytes, 6 cycles per link.
    // The read request (header only: 8 bytes, 2 cycles) takes the same links:
    // each carries 2 packets, 32 bytes, 8 busy cycles.
    for (const char* link :
         {"noc.router_0.link_east", "noc.router_1.link_east", "noc.router_2.link_south",
          "noc.router_6.link_south", "noc.router_10.link_south"}) {
        INFO(link);
        CHECK(stat(link, "transfers") == 2);
        CHECK(stat(link, "bytes") == 24 + 8);
        CHECK(stat(link, "busy_cycles") == 6 + 2);
    }
    // The response 14 (2,3) -> 0 (0,0) is not the request path reversed: west
    // 14->13, 13->12, then north 12->8, 8->4, 4->0, carrying 8 + 16 = 24 bytes.
    for (const char* link :
         {"noc.router_14.link_west", "noc.router_13.link_west", "noc.router_12.link_north",
          "noc.router_8.link_north", "noc.router_4.link_north"}) {
        INFO(link);
        CHECK(stat(link, "transfers") == 1);
        CHECK(stat(link, "bytes") == 24);
    }
    // Read: request 5 hops, 8 bytes = 2 cycles: 5 * 2 + 2 = 12; tile + 3 = 15;
    // response 5 hops, 24 bytes = 6 cycles: + 5 * 2 + 6 = 31 after its start.
    CHECK(r.done == cycles(1000 + 31));
    CHECK(b.link(0, noc_port::south).transfers == 0);
    CHECK(b.link(4, noc_port::east).transfers == 0);
    CHECK(b.neighbour_transfers_total() == 5 + 5 + 5);
    CHECK(stat("noc.router_14.link_to_tile", "transfers") == 2);
    CHECK(stat("noc.router_14.link_from_tile", "transfers") == 1);
    CHECK(stat("noc.router_0.link_from_host", "transfers") == 2);
    CHECK(stat("noc.router_0.link_to_host", "transfers") == 1);
    CHECK(stat("noc.router_0.link_to_host", "bytes") == 24);
    CHECK(stat("noc.router_2", "packets") == 2);
    CHECK(stat("noc", "transfers") == 2);
}

TEST_CASE("read (gather) returns the tile's data with hand-worked latency", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    bench b(p, 16);
    result r;
    unsigned int loaded = 0;
    b.run([&](host_driver& h) {
        auto slice = pattern(32, 5);
        loaded = h.debug(tlm::TLM_WRITE_COMMAND, at(5, 0x10), slice);  // untimed load
        r = h.read(at(5, 0x10), 32);
    });
    CHECK(loaded == 32);
    REQUIRE(r.status == tlm::TLM_OK_RESPONSE);
    CHECK(r.data == pattern(32, 5));
    // Tile 5 at (1,1): 2 hops each way.
    // Request: header 8 bytes = 2 cycles: tail at the tile at 2 * 2 + 2 = 6.
    // Tile: + 3 = 9. Response: 8 + 32 = 40 bytes = 10 cycles: 2 * 2 + 10 = 14.
    // Done at 9 + 14 = 23.
    CHECK(b.tiles[5]->last_arrival == cycles(6));
    CHECK(r.done == cycles(23));
    CHECK(b.link(0, noc_port::east).bytes == 8);    // request 0->1
    CHECK(b.link(1, noc_port::south).bytes == 8);   // request 1->5
    CHECK(b.link(5, noc_port::west).bytes == 40);   // response 5->4
    CHECK(b.link(4, noc_port::north).bytes == 40);  // response 4->0
    CHECK(b.link(5, noc_port::west).busy_cycles == 10);
    CHECK(b.neighbour_transfers_total() == 4);
    CHECK(b.net->latency_cycles_max == 23);
    CHECK(b.tiles[5]->accesses == 1);  // the debug load is not a timed access
}

TEST_CASE("ring takes the shortest direction - clockwise on a tie", "[unit][noc]") {
    noc_params p;
    p.topology = noc_topology::ring;
    p.hop_cycles = 2;
    p.link_bytes = 4;
    p.header_bytes = 8;
    bench b(p, 8);
    result to3, to5, to4;
    b.run([&](host_driver& h) {
        to3 = h.write(at(3, 0), pattern(8, 1));
        to5 = h.write(at(5, 0), pattern(8, 2), cycles(100));
        to4 = h.write(at(4, 0), pattern(8, 3), cycles(200));
    });
    // 8 + 8 = 16 bytes = 4 cycles. Tile 3: 3 hops clockwise: 3 * 2 + 4 = 10,
    // done 13. Tile 5: clockwise 5, counter-clockwise 3: 3 hops ccw, tail at
    // 110, done 113. Tile 4: 4 either way, clockwise: 4 * 2 + 4 = 12 -> 212, 215.
    CHECK(to3.done == cycles(13));
    CHECK(to5.done == cycles(113));
    CHECK(b.tiles[5]->last_arrival == cycles(110));
    CHECK(to4.done == cycles(215));
    CHECK(b.link(0, noc_port::east).transfers == 2);  // to 3 and to 4
    CHECK(b.link(1, noc_port::east).transfers == 2);
    CHECK(b.link(2, noc_port::east).transfers == 2);
    CHECK(b.link(3, noc_port::east).transfers == 1);  // to 4 only
    CHECK(b.link(4, noc_port::east).transfers == 0);
    CHECK(b.link(0, noc_port::west).transfers == 1);  // 0 -> 7 -> 6 -> 5
    CHECK(b.link(7, noc_port::west).transfers == 1);
    CHECK(b.link(6, noc_port::west).transfers == 1);
    CHECK(b.link(5, noc_port::west).transfers == 0);
    CHECK(b.neighbour_transfers_total() == 3 + 3 + 4);
    CHECK(stat("noc.router_0.link_cw", "transfers") == 2);
    CHECK(stat("noc.router_7.link_ccw", "transfers") == 1);
}

TEST_CASE("contention: two packets sharing a link serialise", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    p.host_port_contention = false;  // only the shared router links matter here
    bench b(p, 16);
    result first, second;
    b.run([&](host_driver& h) {
        first = h.write(at(2, 0), pattern(32, 1));   // 0->1->2
        second = h.write(at(3, 0), pattern(32, 2));  // 0->1->2->3, same start
    });
    // 8 + 32 = 40 bytes = 10 cycles per link, hop 2.
    // First: link 0.east [0,10), head at 1 at 2; 1.east [2,12), head at 2 at 4;
    //   to tile 2 [4,14): tail at 14 (= 2 * 2 + 10), done 17.
    // Second: 0.east busy until 10 -> [10,20), head at 1 at 12; 1.east busy
    //   until 12 -> [12,22), head at 2 at 14; 2.east [14,24), head at 3 at 16;
    //   to tile 3 [16,26): tail at 26, done 29 (free network: 3 * 2 + 10 = 16).
    CHECK(b.tiles[2]->last_arrival == cycles(14));
    CHECK(first.done == cycles(17));
    CHECK(b.tiles[3]->last_arrival == cycles(26));
    CHECK(second.done == cycles(29));
    CHECK(b.link(0, noc_port::east).busy_cycles == 20);
    CHECK(b.net->latency_cycles_max == 29);
}

TEST_CASE("contention: packets on disjoint paths do not serialise", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    p.host_port_contention = false;
    bench b(p, 16);
    result east, south;
    b.run([&](host_driver& h) {
        east = h.write(at(2, 0), pattern(32, 1));   // 0->1->2
        south = h.write(at(8, 0), pattern(32, 2));  // 0->4->8
    });
    // Both 2 hops, 40 bytes: 2 * 2 + 10 = 14, done 17, whatever the order.
    CHECK(b.tiles[2]->last_arrival == cycles(14));
    CHECK(b.tiles[8]->last_arrival == cycles(14));
    CHECK(east.done == cycles(17));
    CHECK(south.done == cycles(17));
}

TEST_CASE("contention: the host port serialises the host's packets", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);  // host_port_contention defaults to true
    bench b(p, 16);
    result east, south;
    b.run([&](host_driver& h) {
        east = h.write(at(2, 0), pattern(32, 1));
        south = h.write(at(8, 0), pattern(32, 2));
    });
    // First: host port [0,10), then as on a free network: tail 14, done 17.
    // Second: host port [10,20), 0.south [10,20), head at 4 at 12, 4.south
    // [12,22), head at 8 at 14, to tile 8 [14,24): tail 24, done 27.
    CHECK(east.done == cycles(17));
    CHECK(b.tiles[8]->last_arrival == cycles(24));
    CHECK(south.done == cycles(27));
    CHECK(stat("noc.router_0.link_from_host", "busy_cycles") == 20);
}

TEST_CASE("multicast delivers the same data along a tree - each link once", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    bench b(p, 16);
    result m;
    const std::vector<u32> group = {13, 2, 7, 6, 13};  // 13 twice: delivered once
    b.run([&](host_driver& h) {
        // Bits 63..32 are ignored for a multicast: tile 9 is not in the group.
        m = h.multicast(group, at(9, 0x30), pattern(16, 7));
    });
    REQUIRE(m.status == tlm::TLM_OK_RESPONSE);
    for (u32 t = 0; t < 16; ++t) {
        INFO("tile " << t);
        const bool member = t == 2 || t == 6 || t == 7 || t == 13;
        CHECK(b.tiles[t]->accesses == (member ? 1u : 0u));
        if (member)
            CHECK(std::vector<u8>(b.tiles[t]->bytes.begin() + 0x30,
                                  b.tiles[t]->bytes.begin() + 0x40) == pattern(16, 7));
    }
    // XY paths from router 0: to 2 (2,0): 0E 1E; to 6 (2,1): 0E 1E 2S;
    // to 7 (3,1): 0E 1E 2E 3S; to 13 (1,3): 0E 1S 5S 9S.
    // Union (the tree): 0E 1E 2E 1S 5S 9S 2S 3S = 8 links (the unicasts
    // would take 2 + 3 + 4 + 4 = 13).
    const std::set<std::pair<u32, noc_port>> tree = {
        {0, noc_port::east},  {1, noc_port::east},  {2, noc_port::east},  {1, noc_port::south},
        {5, noc_port::south}, {9, noc_port::south}, {2, noc_port::south}, {3, noc_port::south}};
    for (const auto& [router, port] : tree) {
        INFO("router " << router << " port " << static_cast<int>(port));
        CHECK(b.link(router, port).transfers == 1);
        CHECK(b.link(router, port).bytes == 24);  // 8 + 16
    }
    CHECK(b.neighbour_transfers_total() == 8);
    // Router 1 splits east/south (1 copy more), router 2 east/tile/south (2).
    CHECK(b.net->router_at(1).replications == 1);
    CHECK(b.net->router_at(2).replications == 2);
    CHECK(b.net->router_at(0).replications == 0);
    // 24 bytes = 6 cycles; tails at h * 2 + 6: tile 2 (2 hops) 10, tile 6 (3)
    // 12, tile 7 (4) 14, tile 13 (4) 14. Done with the last copy: 14 + 3 = 17.
    CHECK(b.tiles[2]->last_arrival == cycles(10));
    CHECK(b.tiles[6]->last_arrival == cycles(12));
    CHECK(b.tiles[7]->last_arrival == cycles(14));
    CHECK(b.tiles[13]->last_arrival == cycles(14));
    CHECK(m.done == cycles(17));
    CHECK(b.net->multicast_transfers == 1);
    CHECK(b.net->transfers == 1);
    CHECK(b.net->bytes == 16);
}

TEST_CASE("errors from a tile propagate - bad tile indices are address errors", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    bench b(p, 16, 0x80);  // 128-byte tile memories
    result bad_read, partial, beyond, beyond_multicast, multicast_read, empty;
    b.run([&](host_driver& h) {
        bad_read = h.read(at(5, 0x100), 32);
        partial = h.multicast({1, 3}, 0x70, pattern(32, 1), cycles(100));
        beyond = h.write(at(16, 0), pattern(4, 1), cycles(200));
        beyond_multicast = h.multicast({1, 16}, 0, pattern(4, 1), cycles(300));
        std::vector<u32> one = {1};
        multicast_read =
            h.transact(tlm::TLM_READ_COMMAND, 0, std::vector<u8>(4), cycles(400), &one);
        empty = h.multicast({}, 0, pattern(4, 1), cycles(500));
    });
    // Read past the end of tile 5's memory: the tile answers an address
    // error, the response comes back as a header only. Request 8 bytes =
    // 2 cycles: 2 * 2 + 2 = 6; tile + 3 = 9; response 8 bytes: + 6 = 15.
    CHECK(bad_read.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(bad_read.done == cycles(15));
    CHECK(b.link(5, noc_port::west).bytes == 8);
    // Multicast of 32 bytes at 0x70 overruns both 128-byte memories.
    CHECK(partial.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(b.tiles[1]->accesses == 1);
    CHECK(b.tiles[3]->accesses == 1);
    // Tile 16 of 16: refused at the NoC's entry, nothing moves, no time passes.
    const u64 moved = b.neighbour_transfers_total();
    CHECK(beyond.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(beyond.done == cycles(200));
    CHECK(beyond_multicast.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(beyond_multicast.done == cycles(300));
    CHECK(multicast_read.status == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(empty.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(b.neighbour_transfers_total() == moved);
    CHECK(b.tiles[1]->accesses == 1);
    CHECK(b.net->error_responses == 6);
    CHECK(b.net->transfers == 2);
}

TEST_CASE("partial multicast error: the others still get the data", "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    bench b(p, 4, 0x80, {0x80, 0x80, 0x40, 0x80});  // tile 2 has 64 bytes only
    result m;
    b.run([&](host_driver& h) { m = h.multicast({0, 1, 2, 3}, 0x70, pattern(8, 9)); });
    // 2x2 mesh, host at router 0: tiles 1 and 2 are 1 hop away, tile 3 is 2.
    // 8 + 8 = 16 bytes = 4 cycles: last tail at 2 * 2 + 4 = 8, done at 11.
    CHECK(m.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(m.done == cycles(11));
    for (u32 t : {0u, 1u, 3u}) {
        INFO("tile " << t);
        CHECK(std::vector<u8>(b.tiles[t]->bytes.begin() + 0x70, b.tiles[t]->bytes.begin() + 0x78) ==
              pattern(8, 9));
    }
    CHECK(b.tiles[2]->accesses == 1);
    CHECK(b.net->error_responses == 1);
}

TEST_CASE("a tile_out bound fewer times than there are tiles is refused", "[unit][noc]") {
    noc_params p;
    noc net("noc", p, 2, clock_period);
    tile_memory only("tile_0", 16);
    host_driver host("host");
    host.socket.bind(net.host);
    net.tile_out.bind(only.socket);
    CHECK_THROWS_WITH(sc_core::sc_start(),
                      Contains("noc.tile_out is bound to 1 targets, expected one per tile (2)"));
}

TEST_CASE("debug transport is routed without timing - and there is no DMI across the NoC",
          "[unit][noc]") {
    noc_params p;
    small_mesh_params(p);
    bench b(p, 3);
    unsigned int to_all = 0, back = 0, beyond = 0;
    bool dmi = true;
    std::vector<u8> read_back(8);
    b.run([&](host_driver& h) {
        tlm::tlm_generic_payload gp;
        multicast_extension group({0, 2});
        auto data = pattern(8, 4);
        gp.set_extension(&group);
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(0x8);
        gp.set_data_ptr(data.data());
        gp.set_data_length(8);
        to_all = h.socket->transport_dbg(gp);
        gp.clear_extension(&group);
        back = h.debug(tlm::TLM_READ_COMMAND, at(2, 0x8), read_back);
        std::vector<u8> four(4);
        beyond = h.debug(tlm::TLM_READ_COMMAND, at(3, 0), four);
        tlm::tlm_dmi region;
        gp.set_address(at(1, 0));
        dmi = h.socket->get_direct_mem_ptr(gp, region);
    });
    CHECK(to_all == 8);
    CHECK(back == 8);
    CHECK(read_back == pattern(8, 4));
    CHECK(std::vector<u8>(b.tiles[0]->bytes.begin() + 8, b.tiles[0]->bytes.begin() + 16) ==
          pattern(8, 4));
    CHECK(b.tiles[1]->bytes[8] == 0);
    CHECK(beyond == 0);
    CHECK_FALSE(dmi);
    CHECK(b.net->transfers == 0);
    CHECK(b.neighbour_transfers_total() == 0);
}

namespace {

// Scoreboard over the whole NoC: a unicast write to every tile one after the
// other (no contention), a broadcast, then a read back from every tile, each
// compared with the reference routes: latency h * hop + ceil(B / link) plus
// the tile's 3 cycles, data bit-exact, and the broadcast's link counters equal
// to the union of the reference routes.
void scoreboard(noc_topology topology, u32 tiles, u32 host_node, u32 columns, u32 rows) {
    noc_params p;
    p.topology = topology;
    p.hop_cycles = 3;
    p.link_bytes = 8;
    p.header_bytes = 4;
    p.host_node = host_node;
    bench b(p, tiles);
    const noc_geometry& g = b.net->geometry();
    CHECK(g.columns == columns);
    CHECK(g.rows == rows);
    REQUIRE(g.routers == columns * rows);
    const auto hops = [&](u32 from, u32 to) {
        return static_cast<u64>(reference_route(g, from, to).size());
    };
    const auto latency = [&](u64 h, u64 packet) { return h * 3 + ceil_div(packet, 8); };
    constexpr u32 length = 20;

    std::vector<result> writes(tiles), reads(tiles);
    std::vector<sc_time> write_start(tiles), read_start(tiles), arrival(tiles);
    result broadcast;
    sc_time broadcast_start;
    std::map<std::pair<u32, int>, u64> before;
    b.run([&](host_driver& h) {
        sc_time t = cycles(1);
        for (u32 i = 0; i < tiles; ++i) {
            write_start[i] = t;
            writes[i] = h.write(at(i, 0x10), pattern(length, i), t);
            t = writes[i].done;
        }
        before = b.neighbour_transfers();
        broadcast_start = t;
        std::vector<u32> all;
        for (u32 i = 0; i < tiles; ++i) all.push_back(tiles - 1 - i);
        broadcast = h.multicast(all, 0x80, pattern(length, 999), t);
        for (u32 i = 0; i < tiles; ++i) arrival[i] = b.tiles[i]->last_arrival;
        t = broadcast.done;
        for (u32 i = 0; i < tiles; ++i) {
            read_start[i] = t;
            reads[i] = h.read(at(i, 0x10), length, t);
            t = reads[i].done;
        }
    });
    u64 latest = 0;
    for (u32 i = 0; i < tiles; ++i) {
        INFO("tile " << i);
        REQUIRE(writes[i].status == tlm::TLM_OK_RESPONSE);
        const u64 h = hops(host_node, i);
        CHECK(writes[i].done - write_start[i] == cycles(latency(h, 4 + length) + tile_cycles));
        CHECK(arrival[i] - broadcast_start == cycles(latency(h, 4 + length)));
        latest = std::max(latest, latency(h, 4 + length));
        REQUIRE(reads[i].status == tlm::TLM_OK_RESPONSE);
        CHECK(reads[i].data == pattern(length, i));
        CHECK(reads[i].done - read_start[i] ==
              cycles(latency(h, 4) + tile_cycles + latency(hops(i, host_node), 4 + length)));
        CHECK(std::vector<u8>(b.tiles[i]->bytes.begin() + 0x80,
                              b.tiles[i]->bytes.begin() + 0x80 + length) == pattern(length, 999));
    }
    REQUIRE(broadcast.status == tlm::TLM_OK_RESPONSE);
    CHECK(broadcast.done - broadcast_start == cycles(latest + tile_cycles));
    // Broadcast tree = union of the reference routes, each link once.
    std::set<std::pair<u32, int>> tree;
    for (u32 i = 0; i < tiles; ++i)
        for (const auto& [router, port] : reference_route(g, host_node, i))
            tree.insert({router, static_cast<int>(port)});
    // The broadcast's traffic = counters at the end minus those before it
    // minus the reads' own traffic (request and response reference routes).
    u64 used = 0;
    const auto after_reads = b.neighbour_transfers();
    std::map<std::pair<u32, int>, u64> reads_traffic;
    for (u32 i = 0; i < tiles; ++i) {
        for (const auto& [router, port] : reference_route(g, host_node, i))
            ++reads_traffic[{router, static_cast<int>(port)}];
        for (const auto& [router, port] : reference_route(g, i, host_node))
            ++reads_traffic[{router, static_cast<int>(port)}];
    }
    for (const auto& [key, n] : after_reads) {
        const u64 d = n - before[key] - reads_traffic[key];
        INFO("router " << key.first << " port " << key.second);
        CHECK(d == (tree.count(key) ? 1u : 0u));
        used += d;
    }
    CHECK(used == tree.size());
    CHECK(b.net->transfers == 2 * u64{tiles} + 1);
    CHECK(b.net->multicast_transfers == 1);
    CHECK(b.net->error_responses == 0);
}

}  // namespace

TEST_CASE("elaboration and scoreboard: mesh - 1 tile", "[unit][noc]") {
    scoreboard(noc_topology::mesh, 1, 0, 1, 1);
}
TEST_CASE("elaboration and scoreboard: mesh - 3 tiles (2x2 - one router unused)", "[unit][noc]") {
    scoreboard(noc_topology::mesh, 3, 3, 2, 2);  // host on the router without a tile
}
TEST_CASE("elaboration and scoreboard: mesh - 47 tiles (7x7)", "[unit][noc]") {
    scoreboard(noc_topology::mesh, 47, 24, 7, 7);
}
TEST_CASE("elaboration and scoreboard: mesh - 48 tiles (7x7)", "[unit][noc]") {
    scoreboard(noc_topology::mesh, 48, 48, 7, 7);
}
TEST_CASE("elaboration and scoreboard: mesh - 256 tiles (16x16)", "[unit][noc]") {
    scoreboard(noc_topology::mesh, 256, 119, 16, 16);
}
TEST_CASE("elaboration and scoreboard: ring - 1 tile", "[unit][noc]") {
    scoreboard(noc_topology::ring, 1, 0, 1, 1);
}
TEST_CASE("elaboration and scoreboard: ring - 2 tiles", "[unit][noc]") {
    scoreboard(noc_topology::ring, 2, 1, 2, 1);
}
TEST_CASE("elaboration and scoreboard: ring - 3 tiles", "[unit][noc]") {
    scoreboard(noc_topology::ring, 3, 0, 3, 1);
}
TEST_CASE("elaboration and scoreboard: ring - 48 tiles", "[unit][noc]") {
    scoreboard(noc_topology::ring, 48, 10, 48, 1);
}
TEST_CASE("elaboration and scoreboard: ring - 256 tiles", "[unit][noc]") {
    scoreboard(noc_topology::ring, 256, 200, 256, 1);
}

TEST_CASE("explicit mesh shapes: columns or rows given", "[unit][noc]") {
    noc_params p;
    p.columns = 8;
    CHECK(resolve_noc_geometry(p, 48).rows == 6);
    p.columns = 0;
    p.rows = 5;
    CHECK(resolve_noc_geometry(p, 48).columns == 10);
    p.columns = 3;
    p.rows = 1;
    CHECK(resolve_noc_geometry(p, 3).routers == 3);
    noc_params q;
    CHECK(resolve_noc_geometry(q, 2).columns == 2);
    CHECK(resolve_noc_geometry(q, 2).rows == 1);
    CHECK(resolve_noc_geometry(q, 5).columns == 3);
    CHECK(resolve_noc_geometry(q, 5).rows == 2);
}

TEST_CASE("invalid parameters are reported with the field and what was expected", "[unit][noc]") {
    {
        noc_params p;
        CHECK_THROWS_WITH(resolve_noc_geometry(p, 0), Contains("at least one tile"));
    }
    {
        noc_params p;
        p.link_bytes = 0;
        CHECK_THROWS_WITH(resolve_noc_geometry(p, 4),
                          Contains("link_bytes is 0, expected a link width of at least 1"));
    }
    {
        noc_params p;
        p.columns = 2;
        p.rows = 2;
        CHECK_THROWS_WITH(resolve_noc_geometry(p, 5),
                          Contains("columns x rows = 2 x 2 = 4 routers, fewer than the 5 tiles"));
    }
    {
        noc_params p;
        p.host_node = 16;
        CHECK_THROWS_WITH(resolve_noc_geometry(p, 16),
                          Contains("host_node is 16, expected a router index from 0 to 15 "
                                   "(4x4 mesh)"));
        p.topology = noc_topology::ring;
        CHECK_THROWS_WITH(resolve_noc_geometry(p, 7),
                          Contains("expected a router index from 0 to 6 (7-router ring)"));
    }
    {
        noc_params p;
        p.topology = noc_topology::ring;
        p.columns = 4;
        CHECK_THROWS_WITH(resolve_noc_geometry(p, 8), Contains("apply only to the mesh"));
    }
    {
        // From YAML: the message names the file, line and dotted key.
        property_group platform;
        noc_params p(&platform, "noc", "inter-tile network");
        platform.load(YAML::Load("noc:\n  topology: mesh\n  host_node: 99\n"), "platform.yaml");
        CHECK_THROWS_WITH(resolve_noc_geometry(p, 16),
                          Contains("platform.yaml:3: noc.host_node is 99, expected a router "
                                   "index from 0 to 15"));
        noc_params q(nullptr, "noc");
        CHECK_THROWS_WITH(q.load(YAML::Load("link_bytes: 0\n"), "platform.yaml", "noc"),
                          Contains("platform.yaml:1: noc.link_bytes is '0', expected an integer "
                                   "from 1 to"));
        CHECK_THROWS_WITH(q.load(YAML::Load("topology: torus\n"), "platform.yaml", "noc"),
                          Contains("expected one of mesh, ring"));
        noc_params r(nullptr, "noc");
        r.load(YAML::Load("columns: 3\nrows: 3\n"), "platform.yaml", "noc");
        CHECK_THROWS_WITH(resolve_noc_geometry(r, 10),
                          Contains("platform.yaml:1: noc.columns x noc.rows = 3 x 3 = 9 routers"));
    }
    {
        // The module refuses to elaborate with the same messages.
        noc_params p;
        p.link_bytes = 0;
        CHECK_THROWS_AS(noc("bad_noc", p, 4, clock_period), input_error);
        noc_params q;
        CHECK_THROWS_WITH(noc("zero_clock", q, 4, sc_core::SC_ZERO_TIME),
                          Contains("the clock period is 0"));
    }
}

namespace {

// Every tile both a memory and an initiator (bound to tile_in in tile
// order), and a memory behind host_out for the control node.
struct peer_bench {
    std::unique_ptr<noc> net;
    std::vector<std::unique_ptr<tile_memory>> memories;
    std::vector<std::unique_ptr<host_driver>> drivers;  // drivers[t] sends from tile t
    tile_memory host_memory{"host_memory", 256};
    host_driver host{"host"};

    peer_bench(const noc_params& params, u32 count)
        : net(std::make_unique<noc>("noc", params, count, clock_period)) {
        host.socket.bind(net->host);
        net->host_out.bind(host_memory.socket);
        for (u32 t = 0; t < count; ++t) {
            memories.push_back(
                std::make_unique<tile_memory>(fmt::format("memory_{}", t).c_str(), 256));
            net->tile_out.bind(memories.back()->socket);
            drivers.push_back(std::make_unique<host_driver>(fmt::format("driver_{}", t).c_str()));
            drivers.back()->socket.bind(net->tile_in);
        }
    }
};

}  // namespace

TEST_CASE("tiles send to tiles and to the control node, reads return to their requester",
          "[unit][noc]") {
    // 4x4 mesh, hop 2, links of 4 bytes, header 8.
    noc_params p;
    small_mesh_params(p);
    peer_bench b(p, 16);
    result to_tile, to_host, from_host;
    b.host_memory.bytes.assign(256, 0);
    for (u32 i = 0; i < 16; ++i) b.host_memory.bytes[64 + i] = static_cast<u8>(100 + i);
    b.drivers[3]->script = [&](host_driver& d) {
        // Router 3 (3, 0) to 12 (0, 3): 3 hops west, 3 south; 8 + 64 = 72 B:
        // 18 cycles of serialisation: 6 x 2 + 18 = 30, + 3 at the memory.
        to_tile = d.write(at(12, 16), pattern(64, 1));
    };
    b.drivers[5]->script = [&](host_driver& d) {
        // Router 5 (1, 1) to the control node at router 0: 2 hops; 8 + 8 =
        // 16 B = 4 cycles: 2 x 2 + 4 = 8, + 3.
        to_host = d.write(noc_address(noc_host_node, 8), pattern(8, 2));
    };
    b.drivers[15]->script = [&](host_driver& d) {
        // A read of the control node from router 15 (3, 3): the 8-byte request
        // header (2 cycles) over 6 hops: 12 + 2 = 14, + 3 at the memory = 17;
        // the response (8 + 16 = 24 B, 6 cycles) back over 6 hops: 12 + 6.
        from_host = d.read(noc_address(noc_host_node, 64), 16);
    };
    sc_core::sc_start();
    CHECK(to_tile.status == tlm::TLM_OK_RESPONSE);
    CHECK(to_tile.done == cycles(33));
    CHECK(std::vector<u8>(b.memories[12]->bytes.begin() + 16, b.memories[12]->bytes.begin() + 80) ==
          pattern(64, 1));
    CHECK(to_host.done == cycles(11));
    CHECK(std::vector<u8>(b.host_memory.bytes.begin() + 8, b.host_memory.bytes.begin() + 16) ==
          pattern(8, 2));
    CHECK(from_host.status == tlm::TLM_OK_RESPONSE);
    CHECK(from_host.done == cycles(35));
    for (u32 i = 0; i < 16; ++i) CHECK(from_host.data[i] == 100 + i);
    CHECK(stat("noc.router_3.link_from_tile", "transfers") == 1);
    CHECK(stat("noc.router_0.link_to_host", "transfers") == 2);
    CHECK(stat("noc.router_15.link_to_tile", "transfers") == 1);  // the read's response
}

TEST_CASE("a packet computed after a later one takes the link cycles before it", "[unit][noc]") {
    // Router 0 to tile 1 (1 hop), 8 + 16 = 24 B = 6 cycles on 4-byte links.
    // The first write starts at 20: host port and east link [20, 26), the
    // port to tile 1 [22, 28): done 28 + 3 = 31. The second, computed after
    // it but starting at 0, finds every link free before 20: [0, 6), [2, 8):
    // done 8 + 3 = 11, not behind the first.
    noc_params p;
    small_mesh_params(p);
    bench b(p, 4);
    result late, early;
    b.run([&](host_driver& h) {
        late = h.write(at(1, 0), pattern(16, 3), cycles(20));
        early = h.write(at(1, 32), pattern(16, 4), cycles(0));
    });
    CHECK(late.done == cycles(31));
    CHECK(early.done == cycles(11));
}

TEST_CASE("a tile multicasts to its group, itself included", "[unit][noc]") {
    // 2x2 mesh; tile 3 (1, 1) sends 8 bytes (16 B packets, 4 cycles) to
    // tiles 0, 1, 3: its own router ejects at once (4 cycles), tile 1 is 1
    // hop (2 + 4), tile 0 two (4 + 4): done at 8 + 3.
    noc_params p;
    small_mesh_params(p);
    peer_bench b(p, 4);
    result m;
    b.drivers[3]->script = [&](host_driver& d) { m = d.multicast({0, 1, 3}, 40, pattern(8, 5)); };
    sc_core::sc_start();
    CHECK(m.status == tlm::TLM_OK_RESPONSE);
    CHECK(m.done == cycles(11));
    for (u32 t : {0u, 1u, 3u})
        CHECK(std::vector<u8>(b.memories[t]->bytes.begin() + 40,
                              b.memories[t]->bytes.begin() + 48) == pattern(8, 5));
    CHECK(b.memories[2]->accesses == 0);
}
