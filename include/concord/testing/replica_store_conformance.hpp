// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a conformance suite any replica_store can run: every expression of the concept table.

#ifndef CONCORD_TESTING_REPLICA_STORE_CONFORMANCE_HPP
#define CONCORD_TESTING_REPLICA_STORE_CONFORMANCE_HPP

// Requirements: Catch2 v2. The test translation unit includes <catch2/catch.hpp> before this
// header (the suite is written with its macros; it does not pick a Catch2 main for you).
//
// Usage, in a test file:
// @code
// #include <catch2/catch.hpp>
// #include <concord/testing/replica_store_conformance.hpp>
//
// TEST_CASE("my_replica_store: conforms to replica_store", "[store]") {
//     concord::testing::check_replica_store<my_replica_store>([] {
//         return my_replica_store(":memory:",
//         concord::testing::replica_store_conformance_schema());
//     });
// }
// @endcode
// Each check is a SECTION that builds a fresh store from the factory, so Catch2 runs the
// TEST_CASE once per section and a failure names the semantics that broke.
//
// The suite writes only the entities and columns of `replica_store_conformance_schema()`: a
// store that needs a schema is built with it. It also reads an entity outside that schema
// ("Contact"), which must read as empty, as the engines may ask for one.

#if !defined(CATCH_VERSION_MAJOR) || CATCH_VERSION_MAJOR != 2
#error "replica_store_conformance.hpp needs Catch2 v2: include <catch2/catch.hpp> first"
#endif

#include <concord/concepts/replica_store.hpp>
#include <concord/error.hpp>
#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/record.hpp>
#include <concord/model/replica_state.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace concord::testing {

/** The entities and columns the suite writes: Case (Number, Status, Description, Owner: Text;
    Priority, N: Integer; Escalated: Boolean; Amount: Money) and Message (Text: Text;
    N: Integer). No column is required.
*/
inline concord::schema replica_store_conformance_schema() {
    using t = data_value_type;
    return concord::schema{
        entity_schema{"Case",
                      {column{"Number", t::text}, column{"Status", t::text},
                       column{"Description", t::text}, column{"Owner", t::text},
                       column{"Priority", t::integer}, column{"N", t::integer},
                       column{"Escalated", t::boolean}, column{"Amount", t::money}}},
        entity_schema{"Message", {column{"Text", t::text}, column{"N", t::integer}}},
    };
}

namespace detail {

/// GUID-shaped ids: "00000000-0000-4000-8000-0000000000NN" (their text order is numeric).
inline std::string replica_guid(unsigned n) {
    std::string tail = std::to_string(n);
    return "00000000-0000-4000-8000-" + std::string(12 - tail.size(), '0') + tail;
}

inline constexpr std::uint64_t conformance_replica = 0x00C0'FFEE'0000'0001ULL;

inline change test_change(std::uint64_t seq, operation op, std::string entity, unsigned n,
                          boost::json::object fields = {}) {
    change c;
    c.id = change_id{replica_id{conformance_replica}, seq};
    c.op = op;
    c.entity = std::move(entity);
    c.record_id = replica_guid(n);
    c.at = stamp{1'700'000'000'000 + static_cast<std::int64_t>(seq),
                 static_cast<std::uint32_t>(seq % 3), replica_id{conformance_replica}};
    c.fields = std::move(fields);
    return c;
}

/// A sync log entry with every member set (or, with `bare`, the optional ones empty).
inline sync_log_entry test_entry(unsigned n, bool bare = false) {
    sync_log_entry e;
    e.mine = test_change(n, operation::update, "Case", n,
                         boost::json::object{{"Status", "Mine"}, {"Priority", 2}});
    outcome& o = e.result;
    o.change = e.mine.id;
    o.entity = "Case";
    o.record_id = e.mine.record_id;
    o.kind = bare ? outcome_kind::superseded : outcome_kind::rejected;
    o.reason = bare ? reject_reason::none : reject_reason::validation;
    if (!bare)
        o.code = make_error_code(errc::value_not_allowed);
    o.message = "Case " + o.record_id + ": column 'Status' does not allow \"Mine\"";
    o.field = bare ? "" : "Status";
    o.skew_clamped = !bare;
    o.losing = e.mine.fields;
    if (!bare) {
        o.hub_copy =
            hub_record{"Case", o.record_id, boost::json::object{{"Status", "Theirs"}}, false, 42};
        e.local_copy =
            record{o.record_id, boost::json::object{{"Status", "Mine"}, {"Number", "CS-1"}}};
    }
    e.at_ms = 1'700'000'123'456 + n;
    return e;
}

inline replica_state test_state() {
    replica_state st;
    st.id = replica_id{conformance_replica};
    st.next_seq = 17;
    st.clock = stamp{1'700'000'000'999, 4, replica_id{conformance_replica}};
    st.cursor = 12345;
    st.acknowledged = 15;
    st.last_sync_ms = 1'700'000'000'500;
    st.scope = "0123456789abcdef0123456789abcdef";
    st.resync = true;
    st.administrator_email = "admin@example.com";
    st.workplace = "workplace \"Open cases\"";
    return st;
}

inline std::vector<std::string> record_ids(const std::vector<record>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs)
        out.push_back(r.id);
    return out;
}

inline std::vector<std::uint64_t> change_seqs(const std::vector<change>& cs) {
    std::vector<std::uint64_t> out;
    for (const auto& c : cs)
        out.push_back(c.id.seq);
    return out;
}

} // namespace detail

namespace detail {

/// The `drops_in_bulk` part of the suite: the bulk calls against `drop` one after the other.
template <class Store, class Factory>
void check_drops_in_bulk(Factory& make) {
    using obj = boost::json::object;
    // Eight changes over four records; two records have several.
    const auto outbox = [] {
        std::vector<change> cs;
        for (std::uint64_t seq = 1; seq <= 8; ++seq)
            cs.push_back(test_change(seq, seq % 2 ? operation::update : operation::insert,
                                     seq % 4 == 3 ? "Message" : "Case",
                                     static_cast<unsigned>(seq % 3),
                                     obj{{"Number", "CS-" + std::to_string(seq)}}));
        return cs;
    }();
    const auto id = [](std::uint64_t seq) {
        return change_id{replica_id{conformance_replica}, seq};
    };

    SECTION("replica_store: drops_in_bulk: drop(ids) is drop of each id, one after the other") {
        struct scenario {
            const char* what;
            std::vector<std::uint64_t> dropped_before; // single drops, committed first
            std::vector<change_id> ids;
        };
        const change_id foreign{replica_id{conformance_replica + 1}, 5};
        const std::vector<scenario> scenarios{
            {"no id", {}, {}},
            {"the whole outbox", {}, {id(1), id(2), id(3), id(4), id(5), id(6), id(7), id(8)}},
            {"a run with changes on both sides", {}, {id(3), id(4), id(5)}},
            {"ids with changes between them", {}, {id(1), id(3), id(5)}},
            {"out of order, one id twice", {}, {id(8), id(2), id(5), id(2)}},
            {"absent and foreign ids", {}, {id(4), id(99), foreign, id(0)}},
            {"the whole outbox around a hole",
             {3},
             {id(1), id(2), id(4), id(5), id(6), id(7), id(8)}},
            {"a run around a hole", {3}, {id(2), id(4)}},
            {"only dropped ids", {3}, {id(3)}},
        };
        for (const scenario& sc : scenarios) {
            INFO("scenario: " << sc.what);
            Store bulk = make();
            Store single = make();
            for (Store* s : {&bulk, &single}) {
                auto tx = s->begin();
                for (const change& c : outbox)
                    tx.push(c);
                for (std::uint64_t seq : sc.dropped_before)
                    CHECK(tx.drop(id(seq)));
                tx.commit();
            }
            std::vector<bool> expected;
            {
                auto tx = single.begin();
                for (const change_id& c : sc.ids)
                    expected.push_back(tx.drop(c));
                tx.commit();
            }
            {
                auto tx = bulk.begin();
                CHECK(tx.drop(std::span<const change_id>(sc.ids)) == expected);
                tx.commit();
            }
            auto b = bulk.begin();
            auto m = single.begin();
            CHECK(b.outbox_size() == m.outbox_size());
            CHECK(b.oldest(100) == m.oldest(100));
            for (const change& c : outbox)
                CHECK(change_seqs(b.pending_for(c.entity, c.record_id)) ==
                      change_seqs(m.pending_for(c.entity, c.record_id)));
            // The outbox goes on after a bulk drop.
            const change next = test_change(9, operation::update, "Case", 1, obj{{"Status", "x"}});
            b.push(next);
            CHECK(b.oldest(100).back() == next);
            CHECK(b.pending_for("Case", replica_guid(1)).back() == next);
            b.commit();
            m.commit();
        }
    }

    SECTION("replica_store: drops_in_bulk: erase_shadows removes every shadow") {
        Store s = make();
        const hub_record live{"Case", replica_guid(1), obj{{"Number", "CS-1"}}, false, 7};
        const hub_record dead{"Case", replica_guid(2), obj{}, true, 0};
        const hub_record other{"Message", replica_guid(1), obj{{"Text", "hi"}}, false, 3};
        {
            auto tx = s.begin();
            tx.erase_shadows(); // none yet: no effect
            for (const hub_record& h : {live, dead, other})
                tx.put_shadow(h);
            tx.commit();
        }
        {
            auto tx = s.begin();
            tx.erase_shadows();
            CHECK_FALSE(tx.shadow("Case", replica_guid(1)).has_value());
            tx.put_shadow(other); // the same transaction writes a new one
            CHECK(tx.shadow("Message", replica_guid(1)) == other);
            tx.commit();
        }
        auto tx = s.begin();
        CHECK_FALSE(tx.shadow("Case", replica_guid(1)).has_value());
        CHECK_FALSE(tx.shadow("Case", replica_guid(2)).has_value());
        CHECK(tx.shadow("Message", replica_guid(1)) == other);
        tx.commit();
    }

    SECTION("replica_store: drops_in_bulk: a transaction destroyed without commit keeps both") {
        Store s = make();
        const hub_record live{"Case", replica_guid(1), obj{{"Number", "CS-1"}}, false, 7};
        {
            auto tx = s.begin();
            for (const change& c : outbox)
                tx.push(c);
            tx.put_shadow(live);
            tx.commit();
        }
        {
            auto tx = s.begin();
            const std::vector<change_id> all{id(1), id(2), id(3), id(4),
                                             id(5), id(6), id(7), id(8)};
            CHECK(tx.drop(std::span<const change_id>(all)) == std::vector<bool>(8, true));
            tx.erase_shadows();
            CHECK(tx.outbox_size() == 0);
        }
        {
            auto tx = s.begin();
            const std::vector<change_id> some{id(2), id(6)};
            tx.drop(std::span<const change_id>(some));
        }
        auto tx = s.begin();
        CHECK(tx.oldest(100) == outbox);
        CHECK(change_seqs(tx.pending_for("Case", replica_guid(1))) ==
              std::vector<std::uint64_t>{1, 4});
        CHECK(tx.shadow("Case", replica_guid(1)) == live);
        tx.commit();
    }
}

} // namespace detail

/** Runs the `replica_store` conformance suite on `Store`.

    Exercises every expression of the concept table (concord/concepts/replica_store.hpp) with
    its stated semantics: a fresh store's state, records (put replaces, erase is a no-op when
    absent, find filters and orders by id, count per entity), shadows (tombstones included),
    the outbox (push order, `oldest(limit)`, `oldest_after(n, limit)`, `pending_for` order,
    replace in place, drop, `outbox_size`), the sync log (ids > 0 and increasing, oldest first,
    round trip of every member, erase), the state round trip, reads that see the transaction's
    own writes, rollback of every mutating operation when a transaction is destroyed without
    `commit()`, and serialised transactions (a second thread's `begin()` waits; bounded well
    under a second). A store with the optional `drops_in_bulk` is checked against `drop` one
    change at a time.

    Call it inside a Catch2 `TEST_CASE`; every check is a `SECTION`.

    @tparam Store   the store under test; models `replica_store`
    @tparam Factory a callable `Store()` returning a fresh, empty store each call
*/
template <class Store, class Factory>
void check_replica_store(Factory make) {
    static_assert(replica_store<Store>, "concord: Store does not model concord::replica_store");
    using detail::replica_guid;
    using detail::test_change;
    using detail::test_entry;
    using obj = boost::json::object;

    SECTION("replica_store: a fresh store is empty and its state is the default") {
        Store s = make();
        auto tx = s.begin();
        CHECK(tx.state() == replica_state{});
        CHECK(tx.state().id.value == 0);
        CHECK_FALSE(tx.get("Case", replica_guid(1)).has_value());
        CHECK(tx.count("Case") == 0);
        CHECK(tx.find("Case", filter{}).empty());
        CHECK_FALSE(tx.shadow("Case", replica_guid(1)).has_value());
        CHECK(tx.oldest(10).empty());
        CHECK(tx.pending_for("Case", replica_guid(1)).empty());
        CHECK(tx.outbox_size() == 0);
        CHECK(tx.log().empty());
        CHECK_FALSE(tx.erase_log(1));
        CHECK_FALSE(tx.drop(change_id{replica_id{detail::conformance_replica}, 1}));
        tx.commit();
    }

    SECTION("replica_store: put, get, erase, count and list records") {
        Store s = make();
        {
            auto tx = s.begin();
            obj fields{
                {"Number", "CS-1"}, {"Priority", 3}, {"Escalated", false}, {"Status", nullptr}};
            fields["Description"] = "naïve café — ünïcödé";
            tx.put("Case", record{replica_guid(1), fields});
            tx.put("Case", record{replica_guid(2), obj{{"Number", "CS-2"}}});
            tx.put("Message", record{replica_guid(1), obj{{"Text", "hi"}}});
            tx.commit();
        }
        {
            auto tx = s.begin();
            auto r = tx.get("Case", replica_guid(1));
            REQUIRE(r.has_value());
            CHECK(r->id == replica_guid(1));
            CHECK(r->fields.at("Number") == "CS-1");
            CHECK(r->fields.at("Priority") == 3);
            CHECK(r->fields.at("Escalated") == false);
            CHECK(r->fields.at("Description") == "naïve café — ünïcödé");
            // A null is "no value": kept as null or as absent, never as anything else.
            CHECK((!r->fields.contains("Status") || r->fields.at("Status").is_null()));
            auto m = tx.get("Message", replica_guid(1));
            REQUIRE(m.has_value());
            CHECK(m->fields == obj{{"Text", "hi"}});
            CHECK(tx.count("Case") == 2);
            CHECK(tx.count("Message") == 1);
            CHECK(tx.count("Contact") == 0);
            auto ids = tx.ids("Case");
            std::sort(ids.begin(), ids.end());
            CHECK(ids == std::vector<std::string>{replica_guid(1), replica_guid(2)});
            CHECK(tx.ids("Message") == std::vector<std::string>{replica_guid(1)});
            CHECK(tx.ids("Contact").empty());
            CHECK_FALSE(tx.get("Contact", replica_guid(1)).has_value());
            // put replaces the whole record, it does not merge.
            tx.put("Case", record{replica_guid(1), obj{{"Status", "Closed"}}});
            tx.erase("Case", replica_guid(2));
            tx.erase("Case", replica_guid(99)); // absent: no-op
            tx.erase("Contact", replica_guid(1));
            tx.commit();
        }
        auto tx = s.begin();
        auto r = tx.get("Case", replica_guid(1));
        REQUIRE(r.has_value());
        CHECK(r->fields == obj{{"Status", "Closed"}});
        CHECK_FALSE(tx.get("Case", replica_guid(2)).has_value());
        CHECK(tx.count("Case") == 1);
        CHECK(tx.count("Message") == 1);
        tx.commit();
    }

    SECTION("replica_store: find filters one entity and orders by id") {
        Store s = make();
        {
            auto tx = s.begin();
            for (unsigned i : {5u, 2u, 9u, 1u, 7u})
                tx.put("Case",
                       record{replica_guid(i), obj{{"Priority", static_cast<std::int64_t>(i)},
                                                   {"Status", i % 2 ? "Open" : "Closed"}}});
            tx.put("Message", record{replica_guid(3), obj{{"Text", "x"}}});
            tx.commit();
        }
        auto tx = s.begin();
        const std::vector<std::string> all{replica_guid(1), replica_guid(2), replica_guid(5),
                                           replica_guid(7), replica_guid(9)};
        CHECK(detail::record_ids(tx.find("Case", filter{})) == all);
        const std::vector<std::string> open{replica_guid(1), replica_guid(5), replica_guid(7),
                                            replica_guid(9)};
        CHECK(detail::record_ids(tx.find("Case", where("Status") == "Open")) == open);
        const std::vector<std::string> high{replica_guid(5), replica_guid(7)};
        CHECK(detail::record_ids(
                  tx.find("Case", where("Priority") >= 5 && where("Priority") < 9)) == high);
        const std::vector<std::string> by_id{replica_guid(2)};
        CHECK(detail::record_ids(tx.find("Case", where("Id") == replica_guid(2))) == by_id);
        auto found = tx.find("Case", where("Priority") == 2);
        REQUIRE(found.size() == 1);
        CHECK(found[0].fields == obj{{"Priority", 2}, {"Status", "Closed"}});
        CHECK(tx.find("Message", filter{}).size() == 1);
        CHECK(tx.find("Contact", filter{}).empty());
        CHECK(tx.find("Case", where("Status") == "Nope").empty());
        tx.commit();
    }

    SECTION("replica_store: shadows round-trip, tombstones included") {
        Store s = make();
        const hub_record live{"Case", replica_guid(1), obj{{"Number", "CS-1"}, {"Priority", 4}},
                              false, 7};
        const hub_record dead{"Case", replica_guid(2), obj{}, true, 0};
        {
            auto tx = s.begin();
            tx.put_shadow(live);
            tx.put_shadow(dead);
            tx.commit();
        }
        {
            auto tx = s.begin();
            auto a = tx.shadow("Case", replica_guid(1));
            auto b = tx.shadow("Case", replica_guid(2));
            REQUIRE(a.has_value());
            REQUIRE(b.has_value());
            CHECK(*a == live);
            CHECK(*b == dead);
            CHECK_FALSE(tx.shadow("Message", replica_guid(1)).has_value());
            hub_record next = live;
            next.fields = obj{{"Status", "Closed"}};
            next.seq = 9;
            tx.put_shadow(next); // replaces
            tx.erase_shadow("Case", replica_guid(2));
            tx.erase_shadow("Case", replica_guid(99)); // absent: no-op
            tx.commit();
        }
        auto tx = s.begin();
        auto a = tx.shadow("Case", replica_guid(1));
        REQUIRE(a.has_value());
        CHECK(a->fields == obj{{"Status", "Closed"}});
        CHECK(a->seq == 9);
        CHECK_FALSE(tx.shadow("Case", replica_guid(2)).has_value());
        tx.commit();
    }

    SECTION("replica_store: the outbox keeps changes in order") {
        Store s = make();
        const std::vector<change> made{
            test_change(1, operation::insert, "Case", 1, obj{{"Number", "CS-1"}, {"Priority", 1}}),
            test_change(2, operation::insert, "Case", 2, obj{{"Number", "CS-2"}}),
            test_change(3, operation::update, "Case", 1, obj{{"Status", "Open"}}),
            test_change(4, operation::update, "Message", 1, obj{{"Text", "hi"}}),
            test_change(5, operation::remove, "Case", 2),
            test_change(6, operation::update, "Case", 1, obj{{"Status", nullptr}}),
        };
        {
            auto tx = s.begin();
            for (const auto& c : made)
                tx.push(c);
            tx.commit();
        }
        {
            auto tx = s.begin();
            CHECK(tx.outbox_size() == 6);
            CHECK(tx.oldest(100) == made);
            CHECK(tx.oldest(6) == made);
            CHECK(tx.oldest(0).empty());
            const auto first3 = tx.oldest(3);
            REQUIRE(first3.size() == 3);
            CHECK(detail::change_seqs(first3) == std::vector<std::uint64_t>{1, 2, 3});
            CHECK(first3[0] == made[0]);
            CHECK(detail::change_seqs(tx.pending_for("Case", replica_guid(1))) ==
                  std::vector<std::uint64_t>{1, 3, 6});
            CHECK(detail::change_seqs(tx.pending_for("Case", replica_guid(2))) ==
                  std::vector<std::uint64_t>{2, 5});
            CHECK(detail::change_seqs(tx.pending_for("Message", replica_guid(1))) ==
                  std::vector<std::uint64_t>{4});
            CHECK(tx.pending_for("Message", replica_guid(2)).empty());
            CHECK(tx.pending_for("Case", replica_guid(1))[1] == made[2]);
            // replace changes the content and keeps the position.
            change edited = made[2];
            edited.fields = obj{{"Status", "Closed"}, {"Owner", "Ann"}};
            edited.at.logical += 10;
            tx.replace(edited);
            // drop removes by id; false when absent. (Every change in an outbox carries the
            // store's replica id, so a store may key the outbox by local sequence alone.)
            CHECK(tx.drop(made[1].id));
            CHECK_FALSE(tx.drop(made[1].id));
            CHECK_FALSE(tx.drop(change_id{replica_id{detail::conformance_replica}, 99}));
            CHECK(tx.outbox_size() == 5);
            tx.commit();
        }
        auto tx = s.begin();
        CHECK(tx.outbox_size() == 5);
        const auto left = tx.oldest(100);
        CHECK(detail::change_seqs(left) == std::vector<std::uint64_t>{1, 3, 4, 5, 6});
        REQUIRE(left.size() == 5);
        CHECK(left[1].fields == obj{{"Status", "Closed"}, {"Owner", "Ann"}});
        CHECK(left[1].at.logical == made[2].at.logical + 10);
        CHECK(detail::change_seqs(tx.pending_for("Case", replica_guid(2))) ==
              std::vector<std::uint64_t>{5});
        CHECK(tx.pending_for("Case", replica_guid(1))[1] == left[1]);
        // oldest_after skips every sequence up to its argument, dropped ones included.
        CHECK(tx.oldest_after(0, 100) == left);
        CHECK(detail::change_seqs(tx.oldest_after(1, 2)) == std::vector<std::uint64_t>{3, 4});
        CHECK(detail::change_seqs(tx.oldest_after(2, 100)) ==
              std::vector<std::uint64_t>{3, 4, 5, 6});
        CHECK(tx.oldest_after(3, 1) == std::vector<change>{left[2]});
        CHECK(tx.oldest_after(1, 0).empty());
        CHECK(tx.oldest_after(6, 100).empty());
        CHECK(tx.oldest_after(std::numeric_limits<std::uint64_t>::max(), 100).empty());
        // Pushing after drops keeps the order of sequences.
        tx.push(test_change(7, operation::update, "Case", 2, obj{{"Status", "x"}}));
        CHECK(detail::change_seqs(tx.oldest(100)) == std::vector<std::uint64_t>{1, 3, 4, 5, 6, 7});
        CHECK(detail::change_seqs(tx.oldest_after(5, 100)) == std::vector<std::uint64_t>{6, 7});
        CHECK(detail::change_seqs(tx.pending_for("Case", replica_guid(2))) ==
              std::vector<std::uint64_t>{5, 7});
        tx.commit();
    }

    SECTION("replica_store: the sync log assigns increasing ids and keeps entries whole") {
        Store s = make();
        std::vector<sync_log_entry> added{test_entry(1), test_entry(2, true), test_entry(3)};
        std::uint64_t last = 0;
        {
            auto tx = s.begin();
            for (auto& e : added) {
                const std::uint64_t id = tx.add_log(e);
                CHECK(id > last);
                CHECK(e.id == id); // assigned to the entry too
                last = id;
            }
            tx.commit();
        }
        {
            auto tx = s.begin();
            const auto log = tx.log();
            REQUIRE(log.size() == 3);
            CHECK(log == added);
            CHECK(log[1].local_copy == std::nullopt);
            CHECK(log[1].result.hub_copy == std::nullopt);
            REQUIRE(log[0].result.hub_copy.has_value());
            CHECK(log[0].result.hub_copy->fields == obj{{"Status", "Theirs"}});
            CHECK(log[0].result.code == make_error_code(errc::value_not_allowed));
            CHECK(tx.erase_log(added[2].id));
            CHECK_FALSE(tx.erase_log(added[2].id));
            CHECK_FALSE(tx.erase_log(last + 100));
            tx.commit();
        }
        auto tx = s.begin();
        auto log = tx.log();
        REQUIRE(log.size() == 2);
        CHECK(log[0] == added[0]);
        CHECK(log[1] == added[1]);
        // Ids keep increasing after an erase: an old id never names a new entry.
        sync_log_entry e = test_entry(4);
        CHECK(tx.add_log(e) > last);
        log = tx.log();
        REQUIRE(log.size() == 3);
        CHECK(log.back() == e);
        tx.commit();
    }

    SECTION("replica_store: state round-trips") {
        Store s = make();
        const replica_state st = detail::test_state();
        {
            auto tx = s.begin();
            tx.save_state(st);
            tx.commit();
        }
        {
            auto tx = s.begin();
            CHECK(tx.state() == st);
            replica_state next = st;
            next.last_sync_ms.reset();
            next.cursor = 0;
            tx.save_state(next);
            tx.commit();
        }
        auto tx = s.begin();
        CHECK_FALSE(tx.state().last_sync_ms.has_value());
        CHECK(tx.state().cursor == 0);
        CHECK(tx.state().next_seq == st.next_seq);
        tx.commit();
    }

    SECTION("replica_store: reads see the transaction's own writes") {
        Store s = make();
        auto tx = s.begin();
        tx.put("Case", record{replica_guid(1), obj{{"Number", "CS-1"}}});
        CHECK(tx.get("Case", replica_guid(1)).has_value());
        CHECK(tx.count("Case") == 1);
        CHECK(tx.find("Case", filter{}).size() == 1);
        tx.erase("Case", replica_guid(1));
        CHECK_FALSE(tx.get("Case", replica_guid(1)).has_value());
        CHECK(tx.count("Case") == 0);
        const hub_record h{"Case", replica_guid(1), obj{{"Number", "CS-0"}}, false, 3};
        tx.put_shadow(h);
        CHECK(tx.shadow("Case", replica_guid(1)) == std::optional<hub_record>(h));
        const change c = test_change(1, operation::insert, "Case", 1, obj{{"Number", "CS-1"}});
        tx.push(c);
        CHECK(tx.outbox_size() == 1);
        CHECK(tx.oldest(1) == std::vector<change>{c});
        CHECK(tx.pending_for("Case", replica_guid(1)) == std::vector<change>{c});
        sync_log_entry e = test_entry(1);
        const std::uint64_t id = tx.add_log(e);
        REQUIRE(tx.log().size() == 1);
        CHECK(tx.log()[0].id == id);
        tx.save_state(detail::test_state());
        CHECK(tx.state() == detail::test_state());
        CHECK(tx.drop(c.id));
        CHECK(tx.outbox_size() == 0);
        CHECK(tx.erase_log(id));
        CHECK(tx.log().empty());
        tx.erase_shadow("Case", replica_guid(1));
        CHECK_FALSE(tx.shadow("Case", replica_guid(1)).has_value());
        tx.commit();
    }

    SECTION("replica_store: a transaction destroyed without commit leaves no trace") {
        Store s = make();
        const record base{replica_guid(1), obj{{"Number", "CS-1"}, {"Status", "New"}}};
        const hub_record base_shadow{"Case", replica_guid(1), obj{{"Number", "CS-1"}}, false, 5};
        const change c1 = test_change(1, operation::update, "Case", 1, obj{{"Status", "New"}});
        sync_log_entry entry = test_entry(1);
        const replica_state st = detail::test_state();
        {
            auto tx = s.begin();
            tx.put("Case", base);
            tx.put_shadow(base_shadow);
            tx.push(c1);
            tx.add_log(entry);
            tx.save_state(st);
            tx.commit();
        }
        auto unchanged = [&] {
            auto tx = s.begin();
            CHECK(tx.get("Case", replica_guid(1)) == std::optional<record>(base));
            CHECK_FALSE(tx.get("Case", replica_guid(2)).has_value());
            CHECK(tx.count("Case") == 1);
            CHECK(tx.find("Case", filter{}) == std::vector<record>{base});
            CHECK(tx.shadow("Case", replica_guid(1)) == std::optional<hub_record>(base_shadow));
            CHECK_FALSE(tx.shadow("Case", replica_guid(2)).has_value());
            CHECK(tx.oldest(10) == std::vector<change>{c1});
            CHECK(tx.pending_for("Case", replica_guid(1)) == std::vector<change>{c1});
            CHECK(tx.pending_for("Case", replica_guid(2)).empty());
            CHECK(tx.outbox_size() == 1);
            CHECK(tx.log() == std::vector<sync_log_entry>{entry});
            CHECK(tx.state() == st);
            tx.commit();
        };

        SECTION("put of a new record") {
            {
                auto tx = s.begin();
                tx.put("Case", record{replica_guid(2), obj{{"Number", "CS-2"}}});
            }
            unchanged();
        }
        SECTION("put over an existing record") {
            {
                auto tx = s.begin();
                tx.put("Case", record{replica_guid(1), obj{{"Number", "CS-9"}}});
                tx.put("Case", record{replica_guid(1), obj{{"Owner", "Ann"}}});
            }
            unchanged();
        }
        SECTION("erase") {
            {
                auto tx = s.begin();
                tx.erase("Case", replica_guid(1));
            }
            unchanged();
        }
        SECTION("put_shadow, new and replacing") {
            {
                auto tx = s.begin();
                tx.put_shadow(hub_record{"Case", replica_guid(2), obj{}, true, 0});
                tx.put_shadow(
                    hub_record{"Case", replica_guid(1), obj{{"Number", "CS-7"}}, false, 8});
            }
            unchanged();
        }
        SECTION("erase_shadow") {
            {
                auto tx = s.begin();
                tx.erase_shadow("Case", replica_guid(1));
            }
            unchanged();
        }
        SECTION("push") {
            {
                auto tx = s.begin();
                tx.push(test_change(2, operation::insert, "Case", 2, obj{{"Number", "CS-2"}}));
                tx.push(test_change(3, operation::update, "Case", 1, obj{{"Status", "x"}}));
            }
            unchanged();
        }
        SECTION("replace") {
            {
                auto tx = s.begin();
                change edited = c1;
                edited.fields = obj{{"Status", "Edited"}};
                tx.replace(edited);
            }
            unchanged();
        }
        SECTION("drop") {
            {
                auto tx = s.begin();
                CHECK(tx.drop(c1.id));
            }
            unchanged();
        }
        SECTION("add_log") {
            {
                auto tx = s.begin();
                sync_log_entry e = test_entry(2);
                tx.add_log(e);
            }
            unchanged();
            // Ids handed out later are still larger than every committed one.
            auto tx = s.begin();
            sync_log_entry e = test_entry(3);
            CHECK(tx.add_log(e) > entry.id);
            tx.commit();
        }
        SECTION("erase_log") {
            {
                auto tx = s.begin();
                CHECK(tx.erase_log(entry.id));
            }
            unchanged();
        }
        SECTION("save_state") {
            {
                auto tx = s.begin();
                replica_state next = st;
                next.cursor = 999'999;
                next.next_seq = 1000;
                next.last_sync_ms.reset();
                tx.save_state(next);
            }
            unchanged();
        }
        SECTION("everything at once") {
            {
                auto tx = s.begin();
                tx.put("Case", record{replica_guid(2), obj{{"Number", "CS-2"}}});
                tx.erase("Case", replica_guid(1));
                tx.put_shadow(hub_record{"Case", replica_guid(2), obj{}, true, 0});
                tx.erase_shadow("Case", replica_guid(1));
                tx.push(test_change(2, operation::insert, "Case", 2, obj{{"Number", "CS-2"}}));
                change edited = c1;
                edited.fields = obj{{"Status", "Edited"}};
                tx.replace(edited);
                tx.drop(c1.id);
                sync_log_entry e = test_entry(2);
                tx.add_log(e);
                tx.erase_log(entry.id);
                tx.save_state(replica_state{});
            }
            unchanged();
        }
    }

    if constexpr (drops_in_bulk<Store>)
        detail::check_drops_in_bulk<Store>(make);

    SECTION("replica_store: transactions are serialised") {
        using namespace std::chrono_literals;
        Store s = make();
        std::atomic<bool> entered{false};
        std::promise<std::optional<record>> seen;
        std::future<std::optional<record>> result = seen.get_future();
        bool entered_early = true;
        std::future_status status = std::future_status::timeout;
        {
            auto tx = s.begin();
            tx.put("Case", record{replica_guid(1), obj{{"Number", "CS-1"}}});
            std::thread second([&] {
                auto tx2 = s.begin();
                entered = true;
                seen.set_value(tx2.get("Case", replica_guid(1)));
                tx2.commit();
            });
            std::this_thread::sleep_for(100ms);
            entered_early = entered.load();
            tx.commit();
            status = result.wait_for(500ms);
            second.join();
        }
        CHECK_FALSE(entered_early);
        REQUIRE(status == std::future_status::ready);
        // The second transaction began after the first committed, so it sees its write.
        auto got = result.get();
        REQUIRE(got.has_value());
        CHECK(got->fields == obj{{"Number", "CS-1"}});
    }
}

} // namespace concord::testing

#endif // CONCORD_TESTING_REPLICA_STORE_CONFORMANCE_HPP
