// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — online and hybrid modes over real HTTP(S): the hub's WebSocket watch, a change seen
// on another replica within 200 ms, the hub going away and coming back. 127.0.0.1 only.

#include <concord/http.hpp>
#include <concord/memory.hpp>

#include <catch2/catch.hpp>
#include <support/eventually.hpp>
#include <support/fixtures.hpp>
#include <support/raw_http.hpp>
#include <support/test_pki.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace concord;
using namespace concord::test;
using namespace std::chrono_literals;
using obj = boost::json::object;

namespace {

using memory_hub_t = basic_hub<memory_hub_store>;

http_transport_options to_hub(unsigned short port, const std::string& scheme = "http") {
    http_transport_options o;
    o.url = scheme + "://127.0.0.1:" + std::to_string(port);
    o.connect_timeout = 2s;
    o.read_timeout = 10s;
    o.backoff = 10ms;
    return o;
}

replica_options live_opts(std::uint64_t id) {
    replica_options o = replica_opts(id);
    o.reconnect_min = 10ms;
    o.reconnect_max = 100ms;
    return o;
}

std::unique_ptr<memory_http_replica> replica_over(http_transport_options o, replica_options ro) {
    return std::make_unique<memory_http_replica>(std::move(ro), memory_replica_store{},
                                                 http_transport(std::move(o), helpdesk()));
}

bool connected(memory_http_replica& r) {
    return r.connection() == connection_state::connected;
}

// Accepts only "secret-token".
struct token_access {
    result<principal> authenticate(std::string_view credentials) const {
        if (credentials != "secret-token")
            return error(errc::unauthenticated, "unknown bearer token");
        return principal{"agent", {}, {}};
    }
    result<void> may_write(const principal&, const change&, const hub_record*) const { return {}; }
    bool may_read(const principal&, const hub_record&) const { return true; }
};

} // namespace

TEST_CASE("http live: a change on one online replica reaches another within 200 ms",
          "[http][live][online]") {
    memory_hub_t hub(hub_options{helpdesk()});
    http_server<memory_hub_t> server(hub, http_server_options{});
    server.start();
    auto a = replica_over(to_hub(server.port()), live_opts(1));
    auto b = replica_over(to_hub(server.port()), live_opts(2));
    REQUIRE(a->set_mode(sync_mode::online));
    REQUIRE(b->set_mode(sync_mode::online));
    REQUIRE(eventually([&] { return connected(*a) && connected(*b); }));

    // The bound is the median of several changes (a loaded CI machine may stall one).
    std::vector<double> ms;
    for (unsigned i = 1; i <= 7; ++i) {
        obj f = new_case("C-" + std::to_string(i));
        f["Id"] = guid(i);
        const auto start = std::chrono::steady_clock::now();
        REQUIRE(a->insert("Case", f));
        REQUIRE(eventually([&] { return b->get("Case", guid(i)).has_value(); }, 2s));
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
    }
    std::sort(ms.begin(), ms.end());
    INFO("median visibility " << ms[ms.size() / 2] << " ms, worst " << ms.back() << " ms");
    CHECK(ms[ms.size() / 2] < 200.0);
    REQUIRE(b->update("Case", guid(3), obj{{"Status", "Resolved"}}));
    CHECK(eventually(
        [&] {
            auto c = a->get("Case", guid(3));
            return c && c->fields.at("Status") == "Resolved";
        },
        2s));
    REQUIRE(a->set_mode(sync_mode::offline));
    REQUIRE(b->set_mode(sync_mode::offline));
    // Without the upgrade, the watch path is no endpoint; without a replica id, no watch.
    CHECK(
        raw_request(server.port(), boost::beast::http::verb::get, "/0/concord/watch", "").status ==
        404);
    server.stop();
}

TEST_CASE("http live: hybrid replica through hub loss and return: online → lost → local → "
          "reconnect → online",
          "[http][live][hybrid]") {
    memory_hub_t hub(hub_options{helpdesk()});
    auto server = std::make_unique<http_server<memory_hub_t>>(hub, http_server_options{});
    server->start();
    const unsigned short port = server->port();
    auto agent = replica_over(to_hub(port), replica_opts(9));
    for (unsigned i = 1; i <= 12; ++i) {
        obj f = new_case("C-" + std::to_string(i));
        f["Id"] = guid(i);
        REQUIRE(agent->insert("Case", f));
    }
    REQUIRE(agent->sync());

    std::mutex m;
    std::vector<connection_state> states;
    replica_options o = live_opts(1);
    o.recent_limit = 4;
    o.on_connection = [&](connection_state s) {
        std::lock_guard lock(m);
        if (states.empty() || states.back() != s)
            states.push_back(s);
    };
    auto h = replica_over(to_hub(port), o);
    REQUIRE(h->set_mode(sync_mode::hybrid));
    REQUIRE(eventually([&] { return connected(*h); }));
    for (unsigned i = 1; i <= 6; ++i)
        REQUIRE(h->get("Case", guid(i))); // fetched from the hub
    REQUIRE(h->sync());
    CHECK(h->store().begin().count("Case") == 4);

    // The hub goes away: the watch is lost, the replica works from what it holds.
    server->stop();
    server.reset();
    REQUIRE(eventually([&] { return h->connection() == connection_state::disconnected; }));
    REQUIRE(h->update("Case", guid(6), obj{{"Status", "Closed"}}));
    auto created = h->insert("Case", new_case("OFFLINE-1"));
    REQUIRE(created);
    CHECK_FALSE(h->get("Case", guid(1))); // not among the 4 kept, and no hub to ask
    CHECK(h->pending().size() == 2);

    // It comes back on the same port: the replica reconnects by itself and sends its queue.
    http_server_options same;
    same.port = port;
    server = std::make_unique<http_server<memory_hub_t>>(hub, same);
    server->start();
    REQUIRE(eventually([&] { return connected(*h) && h->pending().empty(); }, 10s));
    auto back = hub.select("", "Case", where("Id") == *created);
    REQUIRE(back);
    CHECK(back->size() == 1);
    auto closed = hub.select("", "Case", where("Id") == guid(6));
    REQUIRE(closed);
    REQUIRE(closed->size() == 1);
    CHECK(closed->front().fields.at("Status") == "Closed");

    // Online again: a change made elsewhere reaches it at once.
    REQUIRE(agent->sync());
    REQUIRE(agent->update("Case", guid(6), obj{{"Description", "checked"}}));
    REQUIRE(agent->sync());
    CHECK(eventually([&] {
        auto c = h->store().begin().get("Case", guid(6));
        return c && c->fields.contains("Description");
    }));
    REQUIRE(h->set_mode(sync_mode::offline));
    server->stop();
    std::lock_guard lock(m);
    const std::vector<connection_state> expected{
        connection_state::connecting, connection_state::connected, connection_state::disconnected,
        connection_state::connected, connection_state::offline};
    CHECK(states == expected);
}

TEST_CASE("http live: the watch authenticates like a request, and works over TLS", "[http][live]") {
    using gated_hub = basic_hub<memory_hub_store, token_access>;
    test_pki pki;
    gated_hub hub(hub_options{helpdesk()});
    http_server_options so;
    so.tls = tls_files{pki.localhost().certificate_chain, pki.localhost().private_key};
    http_server<gated_hub> server(hub, so);
    server.start();
    http_transport_options to = to_hub(server.port(), "https");
    to.ca_file = pki.ca_file();

    http_transport t(to, helpdesk());
    auto refused = t.watch(
        watch_request{replica_id{5}, "wrong"}, [](const change_notice&) {}, [] {});
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == errc::unauthenticated);
    CHECK(refused.error().message.find("wrong") == std::string::npos);

    std::mutex m;
    std::vector<change_notice> heard;
    REQUIRE(t.watch(
        watch_request{replica_id{5}, "secret-token"},
        [&](const change_notice& n) {
            std::lock_guard lock(m);
            heard.push_back(n);
        },
        [] {}));
    replica_options ro = replica_opts(6);
    ro.credentials = "secret-token";
    memory_http_replica writer(ro, memory_replica_store{}, http_transport(to, helpdesk()));
    REQUIRE(writer.insert("Case", new_case("TLS-1")));
    REQUIRE(writer.sync());
    CHECK(eventually([&] {
        std::lock_guard lock(m);
        return !heard.empty();
    }));
    {
        std::lock_guard lock(m);
        REQUIRE(!heard.empty());
        CHECK(heard.front().entities == std::vector<std::string>{"Case"});
        CHECK(heard.front().latest >= 1);
    }
    t.unwatch();
    server.stop();
}
