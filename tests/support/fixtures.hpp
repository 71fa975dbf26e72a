// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — engines on memory stores with a manual clock, and hand-built changes, for tests.

#ifndef CONCORD_TESTS_SUPPORT_FIXTURES_HPP
#define CONCORD_TESTS_SUPPORT_FIXTURES_HPP

#include <concord/memory.hpp>

#include <catch2/catch.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace concord::test {

/// The manual clock's start: every test's "now" until it advances the clock.
inline constexpr std::int64_t t0 = 1'700'000'000'000;

/// A hub on a memory store whose clock only moves when the test says so.
using test_hub = basic_hub<memory_hub_store, allow_all, manual_clock_ref>;
using test_transport = loopback_transport<test_hub>;
/// A replica on a memory store, talking to a `test_hub` in-process, on the same manual clock.
using test_replica = basic_replica<memory_replica_store, test_transport, manual_clock_ref>;

/// "00000000-0000-4000-8000-0000000000NN": readable GUIDs whose text order is numeric.
inline std::string guid(unsigned n) {
    std::string tail = std::to_string(n);
    return "00000000-0000-4000-8000-" + std::string(12 - tail.size(), '0') + tail;
}

/// A stamp `offset_ms` after t0, made by replica `r`.
inline stamp stamp_at(std::int64_t offset_ms, std::uint64_t r, std::uint32_t logical = 0) {
    return stamp{t0 + offset_ms, logical, replica_id{r}};
}

/// The required fields of a new Case (Number, Category) and a Status.
inline boost::json::object new_case(std::string number, std::string status = "New") {
    boost::json::object o;
    o["Number"] = std::move(number);
    o["Category"] = "Incident";
    o["Status"] = std::move(status);
    return o;
}

/// A change built by hand, as a replica would push it.
inline change make_change(std::uint64_t replica, std::uint64_t seq, operation op,
                          std::string entity, std::string id, stamp at,
                          boost::json::object fields = {}) {
    change c;
    c.id = change_id{replica_id{replica}, seq};
    c.op = op;
    c.entity = std::move(entity);
    c.record_id = std::move(id);
    c.at = at;
    c.fields = std::move(fields);
    return c;
}

/// A push-only request from `replica`.
inline sync_request push_request(std::uint64_t replica, std::vector<change> push,
                                 std::uint64_t acknowledged = 0) {
    sync_request r;
    r.replica = replica_id{replica};
    r.push = std::move(push);
    r.acknowledged = acknowledged;
    return r;
}

/// A pull-only request.
inline sync_request pull_request_from(std::uint64_t replica, std::uint64_t after, std::size_t limit,
                                      std::vector<std::string> entities = {}) {
    sync_request r;
    r.replica = replica_id{replica};
    r.pull = pull_request{after, limit, std::move(entities), {}};
    return r;
}

/// Read-only views of a hub's store, each in its own transaction.
template <class Hub>
std::optional<stored_record> hub_load(Hub& hub, std::string_view entity, std::string_view id) {
    auto tx = hub.store().begin();
    auto r = tx.load(entity, id);
    tx.commit();
    return r;
}

template <class Hub>
std::optional<outcome> hub_outcome(Hub& hub, change_id id) {
    auto tx = hub.store().begin();
    auto o = tx.find_outcome(id);
    tx.commit();
    return o;
}

template <class Hub>
std::uint64_t hub_acknowledged(Hub& hub, std::uint64_t replica) {
    auto tx = hub.store().begin();
    auto n = tx.acknowledged(replica_id{replica});
    tx.commit();
    return n;
}

/// A hub on the helpdesk schema (or `options`) with its own manual clock at t0.
struct hub_fixture {
    manual_clock clock{t0};
    test_hub hub;

    explicit hub_fixture(hub_options options = hub_options{helpdesk()})
        : hub(std::move(options), memory_hub_store{}, allow_all{}, manual_clock_ref{clock}) {}

    std::optional<stored_record> load(std::string_view entity, std::string_view id) {
        return hub_load(hub, entity, id);
    }
    std::optional<outcome> stored_outcome(change_id id) { return hub_outcome(hub, id); }
    std::size_t log_size() const { return hub.store().change_log_size(); }
};

/// Options of a helpdesk replica with a fixed id.
inline replica_options replica_opts(std::uint64_t id, concord::schema s = helpdesk()) {
    replica_options o{std::move(s)};
    o.id = replica_id{id};
    return o;
}

/// A hub and any number of replicas, all on one manual clock starting at t0.
struct replica_world {
    manual_clock clock{t0};
    test_hub hub;

    explicit replica_world(concord::schema hub_schema = helpdesk())
        : hub(hub_options{std::move(hub_schema)}, memory_hub_store{}, allow_all{},
              manual_clock_ref{clock}) {}

    /// A fresh replica on its own memory store, talking to `hub` through a loopback transport.
    test_replica replica(replica_options options, fault_plan plan = {}) {
        return test_replica(std::move(options), memory_replica_store{}, test_transport(hub, plan),
                            manual_clock_ref{clock});
    }
    test_replica replica(std::uint64_t id) { return replica(replica_opts(id)); }

    std::optional<stored_record> load(std::string_view entity, std::string_view id) {
        return hub_load(hub, entity, id);
    }
    std::size_t log_size() const { return hub.store().change_log_size(); }
};

} // namespace concord::test

// Catch2 would print a result<T> through Boost's operator<<, which needs T printable: show the
// error (code and message) instead, which is what a failing REQUIRE(r) wants to say.
template <class T>
struct Catch::StringMaker<boost::system::result<T, concord::error>> {
    static std::string convert(const boost::system::result<T, concord::error>& r) {
        if (r)
            return "{ok}";
        return "{error " + r.error().code.message() + ": " + r.error().message + "}";
    }
};

#endif // CONCORD_TESTS_SUPPORT_FIXTURES_HPP
