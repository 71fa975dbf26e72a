// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — example 01: a hub, two offline replicas, a conflict, the sync log and a retry.

#include <concord.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <type_traits>
#include <utility>

namespace cc = concord;

// The engines with a shared manual clock, so the story has the same stamps on every run.
// Real apps use concord::memory_hub / concord::memory_replica (system clock).
using shared_clock = cc::manual_clock_ref;
using hub_type = cc::basic_hub<cc::memory_hub_store, cc::allow_all, shared_clock>;
using replica_type =
    cc::basic_replica<cc::memory_replica_store, cc::loopback_transport<hub_type>, shared_clock>;

namespace {

// Stops the example on an unexpected error: an example should not hide one.
template <class T>
T check(cc::result<T> r, const char* what) {
    if (!r) {
        std::cerr << what << ": " << r.error().message << '\n';
        std::exit(EXIT_FAILURE);
    }
    if constexpr (!std::is_void_v<T>)
        return std::move(*r);
}

void show(const char* who, replica_type& r, const std::string& id) {
    std::cout << "  " << who << " sees "
              << boost::json::serialize(check(r.get("Case", id), "get").fields) << '\n';
}

} // namespace

int main() {
    using t = cc::data_value_type;
    const cc::schema schema{
        cc::entity_schema{"Case",
                          {cc::column{"Number", t::text, true, 20}, cc::column{"Status", t::text},
                           cc::column{"Priority", t::integer}}}};

    cc::manual_clock time(1'767'603'600'000); // 2026-01-05 09:00 UTC; the story moves it on
    hub_type hub(cc::hub_options{schema}, cc::memory_hub_store{}, cc::allow_all{},
                 shared_clock{time});

    // Each replica has its own store and a loopback transport to the hub.
    auto make_replica = [&](std::uint64_t id, const char* user) {
        cc::replica_options o{schema};
        o.id = cc::replica_id{id};
        o.credentials = user;
        return replica_type(o, cc::memory_replica_store{}, cc::loopback_transport<hub_type>{hub},
                            shared_clock{time});
    };
    replica_type agent = make_replica(0xA, "agent");
    replica_type portal = make_replica(0xB, "portal-user");

    std::cout << "1. The agent opens a case and syncs; the portal user syncs and gets it.\n";
    const std::string id =
        check(agent.insert("Case", {{"Number", "SR-0000001"}, {"Status", "New"}, {"Priority", 3}}),
              "insert");
    check(agent.sync(), "agent sync");
    check(portal.sync(), "portal sync");
    show("portal", portal, id);

    std::cout << "\n2. Both go offline and edit the same case.\n";
    agent.transport().set_offline(true);
    portal.transport().set_offline(true);
    time.advance(60'000);
    check(agent.update("Case", id, {{"Status", "In progress"}, {"Priority", 1}}), "agent update");
    std::cout << "  09:01 agent sets Status \"In progress\" and Priority 1\n";
    time.advance(60'000);
    check(portal.update("Case", id, {{"Status", "Closed"}}), "portal update");
    std::cout << "  09:02 portal user sets Status \"Closed\"\n";
    auto offline = agent.sync();
    std::cout << "  agent tries to sync: " << offline.error().message << "; "
              << agent.pending().size() << " change still pending\n";

    std::cout << "\n3. Back online: the portal user syncs first, then the agent.\n";
    agent.transport().set_offline(false);
    portal.transport().set_offline(false);
    time.advance(60'000);
    const auto p = check(portal.sync(), "portal sync");
    const auto a = check(agent.sync(), "agent sync");
    std::cout << "  portal: " << p.applied << " applied; agent: " << a.applied << " applied, "
              << a.logged << " logged\n";
    show("agent ", agent, id);
    std::cout << "  Per field, the later edit wins: Status from the portal (09:02), Priority from\n"
                 "  the agent (no one else changed it). Arrival order did not matter.\n";

    std::cout << "\n4. The agent's sync log keeps what lost.\n";
    const auto log = agent.sync_log();
    for (const auto& e : log.entries) {
        std::cout << "  entry " << e.id << ": " << cc::to_string(e.result.kind) << " - "
                  << e.result.message
                  << "\n    losing:   " << boost::json::serialize(e.result.losing)
                  << "\n    hub copy: " << boost::json::serialize(e.result.hub_copy->fields)
                  << '\n';
    }

    std::cout << "\n5. The agent re-applies the losing value (retry) and both sync again.\n";
    check(agent.retry(log.entries.at(0).id), "retry");
    check(agent.sync(), "agent sync");
    check(portal.sync(), "portal sync");
    show("agent ", agent, id);
    show("portal", portal, id);
    std::cout << "  sync log entries left: " << agent.sync_log().entries.size() << '\n';
    return EXIT_SUCCESS;
}
