// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the memory stores pass the store conformance suites, plus their own promises.

#include <concord/store/memory_store.hpp>

#include <catch2/catch.hpp>

// The conformance suites need Catch2's macros: they come after <catch2/catch.hpp>.
#include <concord/testing/hub_store_conformance.hpp>
#include <concord/testing/replica_store_conformance.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

using namespace concord;

TEST_CASE("memory_hub_store: conforms to hub_store", "[store][conformance]") {
    testing::check_hub_store<memory_hub_store>([] { return memory_hub_store(); });
}

TEST_CASE("memory_replica_store: conforms to replica_store", "[store][conformance]") {
    static_assert(drops_in_bulk<memory_replica_store>); // so the suite checks the bulk calls
    testing::check_replica_store<memory_replica_store>([] { return memory_replica_store(); });
}

namespace {

stored_record case_record(std::string id, std::int64_t priority) {
    stored_record r;
    r.entity = "Case";
    r.id = std::move(id);
    r.fields["Priority"] = priority;
    r.stamps.insert_or_assign("Priority", stamp{1'700'000'000'000 + priority, 0, replica_id{1}});
    return r;
}

const std::string id_a = "00000000-0000-4000-8000-00000000000a";
const std::string id_b = "00000000-0000-4000-8000-00000000000b";

} // namespace

TEST_CASE("memory_hub_store: 1000 updates of one record keep one change-log entry", "[store]") {
    memory_hub_store s;
    std::uint64_t last = 0;
    for (std::int64_t i = 0; i < 1000; ++i) {
        auto tx = s.begin();
        stored_record r = case_record(id_a, i);
        last = tx.save(r);
        tx.commit();
        REQUIRE(s.change_log_size() == 1);
    }
    CHECK(last == 1000);
    CHECK(s.size("Case") == 1);
    // A second record adds one entry, a tombstone of the first adds none.
    {
        auto tx = s.begin();
        stored_record b = case_record(id_b, 1);
        tx.save(b);
        stored_record dead;
        dead.entity = "Case";
        dead.id = id_a;
        dead.deleted = stamp{1'700'000'001'000, 0, replica_id{1}};
        tx.save(dead);
        tx.commit();
    }
    CHECK(s.change_log_size() == 2);
    CHECK(s.size("Case") == 2); // the tombstone is kept
    // A rolled-back update restores the entry without adding one.
    {
        auto tx = s.begin();
        stored_record b = case_record(id_b, 2);
        tx.save(b);
    }
    CHECK(s.change_log_size() == 2);
}

TEST_CASE("memory_hub_store: stored_outcomes counts outcomes awaiting acknowledgement", "[store]") {
    memory_hub_store s;
    CHECK(s.stored_outcomes() == 0);
    auto outcome_of = [](std::uint64_t replica, std::uint64_t seq) {
        outcome o;
        o.change = change_id{replica_id{replica}, seq};
        o.entity = "Case";
        o.record_id = id_a;
        return o;
    };
    {
        auto tx = s.begin();
        for (std::uint64_t i = 1; i <= 4; ++i)
            tx.save_outcome(outcome_of(1, i));
        tx.save_outcome(outcome_of(2, 1));
        tx.save_outcome(outcome_of(1, 4)); // replaces: still one
        tx.commit();
    }
    CHECK(s.stored_outcomes() == 5);
    {
        auto tx = s.begin();
        tx.acknowledge(replica_id{1}, 3);
        tx.commit();
    }
    CHECK(s.stored_outcomes() == 2);
    {
        auto tx = s.begin();
        tx.acknowledge(replica_id{2}, 1);
        tx.acknowledge(replica_id{1}, 4);
    } // rolled back
    CHECK(s.stored_outcomes() == 2);
    {
        auto tx = s.begin();
        tx.acknowledge(replica_id{2}, 1);
        tx.acknowledge(replica_id{1}, 4);
        tx.commit();
    }
    CHECK(s.stored_outcomes() == 0);
}
