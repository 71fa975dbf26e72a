// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the loopback transport: every fault_plan knob does what it says, reproducibly.

#include <concord/transport/loopback.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

using namespace concord;
using namespace concord::test;

namespace {

/// Replica 1's request that inserts Case `n` as its change `n`.
sync_request insert_request(unsigned n) {
    return push_request(1, {make_change(1, n, operation::insert, "Case", guid(n), stamp_at(n, 1),
                                        new_case("CS-" + std::to_string(n)))});
}

std::uint64_t seed_from_env(std::uint64_t fallback) {
    if (const char* s = std::getenv("CONCORD_SEED"))
        return std::strtoull(s, nullptr, 10);
    return fallback;
}

/// What each exchange looked like from outside: 'F' failed before the hub, 'L' lost after it
/// (the number is how many times the hub handled it), 'O' answered.
std::string trace(test_transport& t, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        const std::uint64_t before = t.delivered();
        auto r = t.exchange(pull_request_from(1, 0, 10));
        const std::uint64_t handled = t.delivered() - before;
        out += r ? 'O' : handled == 0 ? 'F' : 'L';
        out += static_cast<char>('0' + handled);
    }
    return out;
}

} // namespace

TEST_CASE("loopback: a clean exchange reaches the hub once", "[transport]") {
    hub_fixture f;
    test_transport t(f.hub);
    CHECK(t.exchanges() == 0);
    CHECK(t.delivered() == 0);
    auto r = t.exchange(insert_request(1));
    REQUIRE(r);
    REQUIRE(r->outcomes.size() == 1);
    CHECK(r->outcomes[0].kind == outcome_kind::applied);
    CHECK(t.exchanges() == 1);
    CHECK(t.delivered() == 1);
    CHECK(f.load("Case", guid(1)));
    CHECK(&t.hub() == &f.hub);
}

TEST_CASE("loopback: fail_request_at fails that exchange before the hub sees it", "[transport]") {
    hub_fixture f;
    fault_plan plan;
    plan.fail_request_at = 2;
    test_transport t(f.hub, plan);
    REQUIRE(t.exchange(insert_request(1)));
    auto failed = t.exchange(insert_request(2));
    REQUIRE_FALSE(failed);
    CHECK(failed.error() == errc::transport_failed);
    CHECK(t.delivered() == 1);
    CHECK_FALSE(f.load("Case", guid(2)));
    CHECK_FALSE(f.stored_outcome(change_id{replica_id{1}, 2}));
    CHECK(f.log_size() == 1);
    // Only exchange 2: the next one goes through.
    REQUIRE(t.exchange(insert_request(2)));
    CHECK(f.load("Case", guid(2)));
    CHECK(t.exchanges() == 3);
    CHECK(t.delivered() == 2);
}

TEST_CASE("loopback: lose_response_at lets the hub apply, then loses the answer", "[transport]") {
    hub_fixture f;
    fault_plan plan;
    plan.lose_response_at = 1;
    test_transport t(f.hub, plan);
    auto lost = t.exchange(insert_request(1));
    REQUIRE_FALSE(lost);
    CHECK(lost.error() == errc::transport_failed);
    CHECK(t.delivered() == 1);
    auto rec = f.load("Case", guid(1));
    REQUIRE(rec);
    auto stored = f.stored_outcome(change_id{replica_id{1}, 1});
    REQUIRE(stored);
    CHECK(stored->kind == outcome_kind::applied);
    // The retry is answered from the hub's dedupe marks, and writes nothing.
    auto again = t.exchange(insert_request(1));
    REQUIRE(again);
    REQUIRE(again->outcomes.size() == 1);
    CHECK(again->outcomes[0].kind == outcome_kind::applied);
    CHECK(f.load("Case", guid(1)) == rec);
    CHECK(t.exchanges() == 2);
    CHECK(t.delivered() == 2);
}

TEST_CASE("loopback: duplicate_at delivers that request to the hub twice", "[transport]") {
    hub_fixture f;
    fault_plan plan;
    plan.duplicate_at = 1;
    test_transport t(f.hub, plan);
    auto r = t.exchange(insert_request(1));
    REQUIRE(r);
    CHECK(t.exchanges() == 1);
    CHECK(t.delivered() == 2);
    REQUIRE(r->outcomes.size() == 1);
    CHECK(r->outcomes[0].kind == outcome_kind::applied);
    auto rec = f.load("Case", guid(1));
    REQUIRE(rec);
    CHECK(rec->seq == 1); // written once
    CHECK(f.log_size() == 1);
    REQUIRE(t.exchange(insert_request(2)));
    CHECK(t.delivered() == 3); // only exchange 1
}

TEST_CASE("loopback: offline fails every exchange until back online", "[transport]") {
    hub_fixture f;
    test_transport t(f.hub);
    t.set_offline(true);
    for (unsigned i = 1; i <= 3; ++i) {
        auto r = t.exchange(insert_request(i));
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::transport_failed);
    }
    CHECK(t.exchanges() == 3);
    CHECK(t.delivered() == 0);
    CHECK(f.log_size() == 0);
    t.set_offline(false);
    REQUIRE(t.exchange(insert_request(1)));
    CHECK(t.delivered() == 1);
    CHECK(f.load("Case", guid(1)));
}

TEST_CASE("loopback: copies share the hub, the plan and the counters", "[transport]") {
    hub_fixture f;
    test_transport t(f.hub);
    test_transport copy = t;
    REQUIRE(copy.exchange(insert_request(1)));
    CHECK(t.exchanges() == 1);
    CHECK(t.delivered() == 1);
    t.set_offline(true);
    CHECK_FALSE(copy.exchange(insert_request(2)));
    t.set_offline(false);
    fault_plan plan;
    plan.fail_request_at = 3; // set through the copy, counted over both
    copy.set_plan(plan);
    CHECK_FALSE(t.exchange(insert_request(2)));
    CHECK(copy.exchanges() == 3);
    CHECK(copy.delivered() == 1);
}

TEST_CASE("loopback: random faults replay exactly from their seed", "[transport][random]") {
    const std::uint64_t seed = seed_from_env(20260101);
    std::cout << "loopback random faults: CONCORD_SEED=" << seed << '\n';
    INFO("CONCORD_SEED=" << seed);
    fault_plan plan;
    plan.fail_rate = 0.3;
    plan.lose_rate = 0.2;
    plan.duplicate_rate = 0.2;
    plan.seed = seed;

    hub_fixture f1, f2;
    test_transport t1(f1.hub, plan), t2(f2.hub, plan);
    const std::string first = trace(t1, 200);
    CHECK(trace(t2, 200) == first);
    // set_plan reseeds: the same schedule again.
    t1.set_plan(plan);
    CHECK(trace(t1, 200) == first);
    // Another seed, another schedule.
    fault_plan other = plan;
    other.seed = seed + 1;
    hub_fixture f3;
    test_transport t3(f3.hub, other);
    CHECK(trace(t3, 200) != first);

    // The schedule honours the rates (200 draws: within about 4.5 standard deviations).
    std::size_t failed = 0, lost = 0, twice = 0;
    for (std::size_t i = 0; i < first.size(); i += 2) {
        failed += first[i] == 'F';
        lost += first[i] == 'L';
        twice += first[i + 1] == '2';
    }
    CHECK(failed >= 30);
    CHECK(failed <= 90);
    // Lost and duplicated are drawn for every exchange but only show on those that got through.
    CHECK(lost >= 10);
    CHECK(lost <= 50);
    CHECK(twice >= 10);
    CHECK(twice <= 50);
    // A failed exchange never reaches the hub; a lost one always did.
    for (std::size_t i = 0; i < first.size(); i += 2) {
        if (first[i] == 'F')
            CHECK(first[i + 1] == '0');
        else
            CHECK(first[i + 1] != '0');
    }
}

TEST_CASE("loopback: a rate of 1 always faults, 0 never", "[transport]") {
    hub_fixture f;
    fault_plan plan;
    plan.fail_rate = 1;
    test_transport t(f.hub, plan);
    const std::string all_fail = trace(t, 20);
    for (std::size_t i = 0; i < all_fail.size(); i += 2)
        CHECK(all_fail.substr(i, 2) == "F0");

    plan = fault_plan{};
    plan.lose_rate = 1;
    t.set_plan(plan);
    const std::string all_lost = trace(t, 20);
    for (std::size_t i = 0; i < all_lost.size(); i += 2)
        CHECK(all_lost.substr(i, 2) == "L1");

    plan = fault_plan{};
    plan.duplicate_rate = 1;
    t.set_plan(plan);
    const std::string all_twice = trace(t, 20);
    for (std::size_t i = 0; i < all_twice.size(); i += 2)
        CHECK(all_twice.substr(i, 2) == "O2");

    t.set_plan(fault_plan{});
    const std::string clean = trace(t, 20);
    for (std::size_t i = 0; i < clean.size(); i += 2)
        CHECK(clean.substr(i, 2) == "O1");
}

TEST_CASE("loopback: delay holds every delivery back", "[transport]") {
    using namespace std::chrono_literals;
    hub_fixture f;
    fault_plan plan;
    plan.delay = 30ms;
    test_transport t(f.hub, plan);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(t.exchange(insert_request(1)));
    CHECK(std::chrono::steady_clock::now() - start >= 30ms);
    CHECK(t.delivered() == 1);
}
