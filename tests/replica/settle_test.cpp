// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — how a replica settles a round's answer: outbox entries and shadows leave as the hub
// answered, writes made meanwhile stay on top, a change reverted in flight still converges.
// Run on both replica stores: both settle an all-applied round in bulk (drops_in_bulk).

#include <concord/memory.hpp>
#include <concord/store/sqlite_replica_store.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/recording_transport.hpp>
#include <support/temp_dir.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

struct in_memory {
    using store = memory_replica_store;
    static store make(const temp_dir&) { return memory_replica_store{}; }
};

struct on_sqlite {
    using store = sqlite_replica_store;
    static store make(const temp_dir& dir) {
        return sqlite_replica_store(dir.file("replica.db"), helpdesk());
    }
};

/// A hub, replica 0xA on the store under test (its transport runs a hook inside each exchange)
/// and replica 0xB on memory.
template <class Kind>
struct world {
    using transport = recording_transport<test_transport>;
    using replica = basic_replica<typename Kind::store, transport, manual_clock_ref>;

    replica_world w;
    temp_dir dir;
    outcome_recorder seen;
    std::unique_ptr<replica> a;
    test_replica b = w.replica(0xB);

    /// `push_limit` 0: the default.
    explicit world(std::size_t push_limit = 0) {
        replica_options o = replica_opts(0xA);
        if (push_limit > 0)
            o.push_limit = push_limit;
        a = std::make_unique<replica>(std::move(o), Kind::make(dir),
                                      transport(test_transport(w.hub), seen),
                                      manual_clock_ref{w.clock});
    }

    std::string insert(std::string number) {
        auto id = a->insert("Case", new_case(std::move(number)));
        REQUIRE(id);
        return *id;
    }
    sync_summary sync() {
        auto s = a->sync();
        REQUIRE(s);
        return *s;
    }
    /// Runs `f` inside the next exchange only: the app writing while the round is in flight.
    template <class F>
    void during_next_sync(F f) {
        a->transport().set_hook([f, done = false]() mutable {
            if (!done)
                f();
            done = true;
        });
    }
    std::optional<hub_record> shadow(const std::string& id) {
        return a->store().begin().shadow("Case", id);
    }
    obj local(const std::string& id) {
        auto r = a->get("Case", id);
        REQUIRE(r);
        return r->fields;
    }
    obj hub(const std::string& id) {
        auto r = w.load("Case", id);
        REQUIRE(r);
        return r->fields;
    }
    /// Nothing pending for `ids` any more: no shadow left, each as the hub has it.
    void check_settled(std::initializer_list<std::string> ids) {
        for (const std::string& id : ids) {
            CHECK_FALSE(shadow(id));
            CHECK(local(id) == hub(id));
        }
    }
    /// Two cases, created and synced.
    std::vector<std::string> two_synced_cases() {
        std::vector<std::string> ids{insert("CS-1"), insert("CS-2")};
        sync();
        return ids;
    }
};

} // namespace

TEMPLATE_TEST_CASE("replica: a round the hub applied whole empties the outbox and every shadow",
                   "[replica][sync]", in_memory, on_sqlite) {
    world<TestType> t;
    const std::string x = t.insert("CS-1");
    const std::string y = t.insert("CS-2");
    const std::string z = t.insert("CS-3");
    CHECK(t.shadow(x)); // a tombstone: the hub has no such record yet
    sync_summary s = t.sync();
    CHECK(s.pushed == 3);
    CHECK(s.applied == 3);
    t.check_settled({x, y, z});

    t.w.clock.advance(1000);
    REQUIRE(t.a->update("Case", x, obj{{"Status", "Open"}}));
    REQUIRE(t.a->update("Case", x, obj{{"Owner", "Ann"}}));
    REQUIRE(t.a->update("Case", y, obj{{"Status", "Closed"}}));
    CHECK(t.shadow(x));
    CHECK(t.shadow(y));
    s = t.sync();
    CHECK(s.pushed == 3);
    CHECK(s.applied == 3);
    CHECK(s.logged == 0);
    CHECK(t.a->pending().empty());
    CHECK(t.a->store().begin().outbox_size() == 0);
    t.check_settled({x, y, z});
    CHECK(t.hub(x).at("Owner") == "Ann");
    CHECK(t.hub(y).at("Status") == "Closed");
}

TEMPLATE_TEST_CASE("replica: writes made while a round is in flight stay pending on top of the "
                   "applied changes",
                   "[replica][sync]", in_memory, on_sqlite) {
    world<TestType> t;
    const auto ids = t.two_synced_cases();
    const std::string& x = ids[0];
    const std::string& y = ids[1];
    t.w.clock.advance(1000);
    REQUIRE(t.a->update("Case", x, obj{{"Status", "Open"}}));
    REQUIRE(t.a->update("Case", y, obj{{"Status", "Open"}}));
    std::string later;
    t.during_next_sync([&] {
        REQUIRE(t.a->update("Case", x, obj{{"Owner", "Ann"}}));
        later = t.insert("CS-3");
    });
    const sync_summary s = t.sync();
    CHECK(s.pushed == 2);
    CHECK(s.applied == 2);

    const auto p = t.a->pending();
    REQUIRE(p.size() == 2);
    CHECK(p[0].record_id == x);
    CHECK(p[1].record_id == later);
    // x's shadow is the hub's copy, which now holds the applied Status; the Owner stays on top.
    const auto sx = t.shadow(x);
    REQUIRE(sx);
    CHECK_FALSE(sx->deleted);
    CHECK(sx->fields == t.hub(x));
    CHECK(sx->fields.at("Status") == "Open");
    CHECK_FALSE(sx->fields.contains("Owner"));
    CHECK(t.local(x).at("Owner") == "Ann");
    CHECK(t.local(x).at("Status") == "Open");
    CHECK_FALSE(t.shadow(y)); // nothing pending for y
    CHECK(t.local(y) == t.hub(y));
    const auto sl = t.shadow(later);
    REQUIRE(sl);
    CHECK(sl->deleted);

    t.sync();
    CHECK(t.a->pending().empty());
    t.check_settled({x, y, later});
}

TEMPLATE_TEST_CASE("replica: a change reverted while its round was in flight ends as the hub "
                   "applied it",
                   "[replica][sync][sync-log]", in_memory, on_sqlite) {
    world<TestType> t;
    const std::string x = t.insert("CS-1");
    const std::string other = t.insert("CS-2");
    t.sync();
    REQUIRE(t.b.sync());
    // A superseded change of x gives the sync log entry to revert.
    t.w.clock.advance(1000);
    REQUIRE(t.a->update("Case", x, obj{{"Status", "Mine"}}));
    t.w.clock.advance(1000);
    REQUIRE(t.b.update("Case", x, obj{{"Status", "Theirs"}}));
    REQUIRE(t.b.sync());
    t.w.clock.advance(1000);
    REQUIRE(t.sync().logged == 1);
    const auto entries = t.a->sync_log().entries;
    REQUIRE(entries.size() == 1);
    const std::uint64_t entry = entries.front().id;

    t.w.clock.advance(1000);
    REQUIRE(t.a->update("Case", x, obj{{"Owner", "Bob"}}));
    const change pushed = t.a->pending().front();

    SECTION("settled in bulk (every change of the round applied)") {
        t.during_next_sync([&] { REQUIRE(t.a->revert(entry)); });
        const sync_summary s = t.sync();
        CHECK(s.pushed == 0); // no longer pending when the answer came
    }
    SECTION("settled change by change (another change of the round lost)") {
        REQUIRE(t.a->update("Case", other, obj{{"Status", "Mine"}}));
        t.w.clock.advance(1000);
        REQUIRE(t.b.update("Case", other, obj{{"Status", "Theirs"}}));
        REQUIRE(t.b.sync());
        t.during_next_sync([&] { REQUIRE(t.a->revert(entry)); });
        const sync_summary s = t.sync();
        CHECK(s.pushed == 1);
        CHECK(s.logged == 1);
        CHECK(t.local(other) == t.hub(other));
    }
    SECTION("with a write made after the revert") {
        t.during_next_sync([&] {
            REQUIRE(t.a->revert(entry));
            REQUIRE(t.a->update("Case", x, obj{{"Description", "later"}}));
        });
        t.sync();
        const auto sx = t.shadow(x);
        REQUIRE(sx);
        CHECK(sx->fields == t.hub(x));
        CHECK(t.local(x).at("Description") == "later");
        REQUIRE(t.a->pending().size() == 1);
        t.sync();
    }
    // The hub applied the change as sent and left x out of the pull as an echo; the replica,
    // which had dropped the change, rebuilt the hub's copy from it.
    const outcome* o = t.seen.find(pushed.id);
    REQUIRE(o);
    CHECK(o->kind == outcome_kind::applied);
    CHECK(o->echo_omitted);
    CHECK(t.hub(x).at("Owner") == "Bob");
    obj expected = t.hub(x);
    if (!t.a->pending().empty())
        expected["Description"] = "later";
    CHECK(t.local(x) == expected);
    CHECK(t.local(x).at("Owner") == "Bob");
}

// Rounds this large hand their changes, outcomes and pulled rows to another thread to free; the
// next round or sync waits for that first. Back-to-back large rounds and syncs settle as small
// ones do, and a replica pulling that many rows ends equal to the hub.
TEMPLATE_TEST_CASE("replica: back-to-back rounds of a thousand changes and more settle whole",
                   "[replica][sync]", in_memory, on_sqlite) {
    // Pages of 1,000 and 500: the first is freed aside while the second is in flight.
    world<TestType> t(1000);
    std::vector<std::string> ids;
    for (int i = 0; i < 1500; ++i)
        ids.push_back(t.insert("CS-" + std::to_string(i)));
    sync_summary s = t.sync();
    CHECK(s.requests == 2);
    CHECK(s.cursor == 1500); // the hub's sequence: each insert applied once
    CHECK(s.pushed == 1500);
    CHECK(s.applied == 1500);
    CHECK(t.a->store().begin().outbox_size() == 0);

    t.w.clock.advance(1000);
    for (std::size_t i = 0; i < ids.size(); ++i)
        REQUIRE(t.a->update("Case", ids[i], obj{{"Status", "Round " + std::to_string(i % 7)}}));
    s = t.sync();
    CHECK(s.pushed == 1500);
    CHECK(s.applied == 1500);
    CHECK(s.cursor == 3000);
    CHECK(t.a->pending().empty());
    for (std::size_t i = 0; i < ids.size(); i += 97)
        t.check_settled({ids[i]});
    CHECK(t.hub(ids[1499]).at("Status") == boost::json::value("Round " + std::to_string(1499 % 7)));

    // Another replica pulls every record in pages of a thousand and more.
    const auto pulled = t.b.sync();
    REQUIRE(pulled);
    CHECK(pulled->pulled == 1500);
    for (std::size_t i = 0; i < ids.size(); i += 97) {
        auto r = t.b.get("Case", ids[i]);
        REQUIRE(r);
        CHECK(r->fields == t.hub(ids[i]));
    }
    CHECK(t.sync().pushed == 0); // and nothing is left to push, at once
}
