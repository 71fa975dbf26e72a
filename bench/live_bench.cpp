// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — online mode's latency: from a local write on one replica until another replica
// holds it, with nobody calling sync(): pushed at once, announced by the hub, pulled at once.
// In-process (loopback_transport) and over HTTP on 127.0.0.1 (WebSocket watch).

#include <concord/http.hpp>
#include <concord/memory.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using namespace concord;

schema live_schema() {
    return schema{entity_schema{"Case",
                                {column{"Number", data_value_type::text, true, 50},
                                 column{"Status", data_value_type::text, false, 50}}}};
}

// Waits (spinning politely) until `r` holds `id`; false after 5 s.
template <class Replica>
bool arrives(Replica& r, const std::string& id) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
        if (r.store().begin().get("Case", id))
            return true;
        std::this_thread::yield();
    }
    return false;
}

template <class Replica>
void wait_connected(Replica& r) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (r.connection() != connection_state::connected) {
        if (std::chrono::steady_clock::now() > until)
            throw std::runtime_error("online mode did not connect");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

// One insert on `a`, timed until `b` holds it.
template <class Replica>
void measure(benchmark::State& state, Replica& a, Replica& b) {
    wait_connected(a);
    wait_connected(b);
    unsigned n = 0;
    for (auto _ : state) {
        boost::json::object f{{"Number", "L-" + std::to_string(++n)}, {"Status", "New"}};
        const auto start = std::chrono::steady_clock::now();
        auto id = a.insert("Case", f);
        if (!id || !arrives(b, *id)) {
            state.SkipWithError("the change did not arrive");
            break;
        }
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    (void)a.set_mode(sync_mode::offline);
    (void)b.set_mode(sync_mode::offline);
}

void BM_online_visibility_loopback(benchmark::State& state) {
    using hub_t = basic_hub<memory_hub_store>;
    using replica_t = basic_replica<memory_replica_store, loopback_transport<hub_t>>;
    hub_t hub(hub_options{live_schema()});
    replica_t a(replica_options{live_schema()}, memory_replica_store{},
                loopback_transport<hub_t>(hub));
    replica_t b(replica_options{live_schema()}, memory_replica_store{},
                loopback_transport<hub_t>(hub));
    if (!a.set_mode(sync_mode::online) || !b.set_mode(sync_mode::online))
        throw std::runtime_error("online mode refused");
    measure(state, a, b);
}
BENCHMARK(BM_online_visibility_loopback)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_online_visibility_http(benchmark::State& state) {
    using hub_t = basic_hub<memory_hub_store>;
    hub_t hub(hub_options{live_schema()});
    http_server<hub_t> server(hub, http_server_options{});
    server.start();
    http_transport_options o;
    o.url = "http://127.0.0.1:" + std::to_string(server.port());
    memory_http_replica a(replica_options{live_schema()}, memory_replica_store{},
                          http_transport(o, live_schema()));
    memory_http_replica b(replica_options{live_schema()}, memory_replica_store{},
                          http_transport(o, live_schema()));
    if (!a.set_mode(sync_mode::online) || !b.set_mode(sync_mode::online))
        throw std::runtime_error("online mode refused");
    measure(state, a, b);
    server.stop();
}
BENCHMARK(BM_online_visibility_http)->UseManualTime()->Unit(benchmark::kMicrosecond);

} // namespace
