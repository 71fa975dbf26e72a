// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a conformance suite any hub_store can run: every expression of the concept table.

#ifndef CONCORD_TESTING_HUB_STORE_CONFORMANCE_HPP
#define CONCORD_TESTING_HUB_STORE_CONFORMANCE_HPP

// Requirements: Catch2 v2. The test translation unit includes <catch2/catch.hpp> before this
// header (the suite is written with its macros; it does not pick a Catch2 main for you).
//
// Usage, in a test file:
// @code
// #include <catch2/catch.hpp>
// #include <concord/testing/hub_store_conformance.hpp>
//
// TEST_CASE("my_hub_store: conforms to hub_store", "[store]") {
//     concord::testing::check_hub_store<my_hub_store>([] {
//         return my_hub_store(":memory:", concord::testing::hub_store_conformance_schema());
//     });
// }
// @endcode
// Each check is a SECTION that builds a fresh store from the factory, so Catch2 runs the
// TEST_CASE once per section and a failure names the semantics that broke.
//
// The suite writes only the entities and columns of `hub_store_conformance_schema()`: a
// store that needs a schema is built with it. It also reads an entity outside that schema
// ("Contact"), which must read as empty, as the engines may ask for one.

#if !defined(CATCH_VERSION_MAJOR) || CATCH_VERSION_MAJOR != 2
#error "concord/testing/hub_store_conformance.hpp needs Catch2 v2: include <catch2/catch.hpp> first"
#endif

#include <concord/concepts/hub_store.hpp>
#include <concord/error.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>
#include <concord/model/stored_record.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
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
inline concord::schema hub_store_conformance_schema() {
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

inline constexpr std::int64_t conformance_t0 = 1'700'000'000'000;

/// GUID-shaped ids: "00000000-0000-4000-8000-0000000000NN".
inline std::string test_guid(unsigned n) {
    std::string tail = std::to_string(n);
    return "00000000-0000-4000-8000-" + std::string(12 - tail.size(), '0') + tail;
}

/// The fields with null values dropped: a store may keep a null as absent (both mean "no
/// value"), so comparisons of fields read back ignore the difference.
inline boost::json::object without_nulls(const boost::json::object& fields) {
    boost::json::object out;
    for (const auto& f : fields)
        if (!f.value().is_null())
            out.emplace(f.key(), f.value());
    return out;
}

inline stamp test_stamp(std::int64_t offset_ms, std::uint64_t replica = 1,
                        std::uint32_t logical = 0) {
    return stamp{conformance_t0 + offset_ms, logical, replica_id{replica}};
}

/// A live record whose every field was written at `at`.
inline stored_record live_record(std::string entity, std::string id, boost::json::object fields,
                                 stamp at) {
    stored_record r;
    r.entity = std::move(entity);
    r.id = std::move(id);
    for (const auto& f : fields)
        r.stamps.insert_or_assign(std::string(f.key()), at);
    r.fields = std::move(fields);
    return r;
}

inline stored_record tombstone(std::string entity, std::string id, stamp at) {
    stored_record r;
    r.entity = std::move(entity);
    r.id = std::move(id);
    r.deleted = at;
    return r;
}

/// An outcome with every member a store must keep set (hub_copy excepted: the hub stores
/// outcomes without it and adds the current copy when it answers).
inline outcome test_outcome(std::uint64_t replica, std::uint64_t seq,
                            outcome_kind kind = outcome_kind::merged) {
    outcome o;
    o.change = change_id{replica_id{replica}, seq};
    o.entity = "Case";
    o.record_id = test_guid(static_cast<unsigned>(seq));
    o.kind = kind;
    o.message = "Case " + o.record_id + ": changed later elsewhere: Status";
    o.losing["Status"] = "Lost " + std::to_string(seq);
    if (kind == outcome_kind::rejected) {
        o.reason = reject_reason::validation;
        o.code = make_error_code(errc::value_too_long);
        o.field = "Number";
        o.losing["Number"] = "0123456789012345678901234";
    }
    o.skew_clamped = seq % 2 == 0;
    return o;
}

template <class Store>
std::uint64_t save_committed(Store& s, stored_record rec) {
    auto tx = s.begin();
    const std::uint64_t seq = tx.save(rec);
    tx.commit();
    return seq;
}

template <class Store>
std::optional<stored_record> load_committed(Store& s, std::string_view entity,
                                            std::string_view id) {
    auto tx = s.begin();
    auto r = tx.load(entity, id);
    tx.commit();
    return r;
}

/// Walks the change log from `after` page by page, checking the paging contract on the way:
/// rows in strictly increasing sequence, full pages when more is waiting, cursors that move.
template <class Tx>
std::vector<hub_record> pull_all(Tx& tx, std::uint64_t after, std::size_t limit,
                                 const std::vector<std::string>& entities = {}) {
    std::vector<hub_record> all;
    std::uint64_t cursor = after;
    for (int pages = 0; pages < 10'000; ++pages) {
        const change_page page = tx.changes_after(cursor, limit, entities);
        REQUIRE(page.rows.size() <= limit);
        for (const auto& row : page.rows) {
            REQUIRE(row.seq > cursor);
            if (!all.empty())
                REQUIRE(row.seq > all.back().seq);
            all.push_back(row);
        }
        if (!page.rows.empty())
            REQUIRE(page.cursor >= page.rows.back().seq);
        REQUIRE(page.cursor >= cursor);
        if (!page.more)
            return all;
        // A page that says more is waiting is full, and the next one starts after its last row.
        REQUIRE(page.rows.size() == limit);
        REQUIRE(page.cursor == page.rows.back().seq);
        cursor = page.cursor;
    }
    FAIL("changes_after never stopped saying more");
    return all;
}

template <class Store>
std::vector<hub_record> pull_committed(Store& s, std::uint64_t after, std::size_t limit,
                                       const std::vector<std::string>& entities = {}) {
    auto tx = s.begin();
    auto rows = pull_all(tx, after, limit, entities);
    tx.commit();
    return rows;
}

} // namespace detail

/** Runs the `hub_store` conformance suite on `Store`.

    Exercises every expression of the concept table (concord/concepts/hub_store.hpp) with its
    stated semantics: load / save round trips (fields, per-field stamps, tombstones, seq),
    sequences strictly increasing across commits, one change-log entry per record at its
    latest sequence, `changes_after` paging (limit, cursor, more) and entity filtering,
    tombstones in pulls, departures per record, stored outcomes kept until acknowledged,
   acknowledgement marks that never decrease, reads that see the transaction's own writes, rollback
   of every mutating operation when a transaction is destroyed without `commit()`, and serialised
   transactions (a second thread's `begin()` waits for the first to commit; bounded well under a
   second). A store with an optional extension (`skips_changes`, `patches_records`) is checked
   against it too.

    Call it inside a Catch2 `TEST_CASE`; every check is a `SECTION`.

    @tparam Store   the store under test; models `hub_store`
    @tparam Factory a callable `Store()` returning a fresh, empty store each call
*/
template <class Store, class Factory>
void check_hub_store(Factory make) {
    static_assert(hub_store<Store>, "concord: Store does not model concord::hub_store");
    using detail::live_record;
    using detail::test_guid;
    using detail::test_outcome;
    using detail::test_stamp;
    using detail::tombstone;
    using obj = boost::json::object;
    const std::vector<std::string> all_entities;

    SECTION("hub_store: a fresh store is empty") {
        Store s = make();
        auto tx = s.begin();
        CHECK_FALSE(tx.load("Case", test_guid(1)).has_value());
        CHECK_FALSE(tx.find_outcome(change_id{replica_id{1}, 1}).has_value());
        CHECK(tx.acknowledged(replica_id{1}) == 0);
        const change_page page = tx.changes_after(0, 10, all_entities);
        CHECK(page.rows.empty());
        CHECK_FALSE(page.more);
        tx.commit();
    }

    SECTION("hub_store: save then load round-trips fields, stamps and seq") {
        Store s = make();
        obj fields;
        fields["Number"] = "CS-1";
        fields["Priority"] = 3;
        fields["Escalated"] = true;
        fields["Amount"] = 12.5;
        fields["Status"] = nullptr;
        fields["Description"] = "naïve café — ünïcödé";
        stored_record rec = live_record("Case", test_guid(1), fields, test_stamp(10));
        rec.stamps.insert_or_assign("Priority", test_stamp(20, 2, 7));
        std::uint64_t seq = 0;
        {
            auto tx = s.begin();
            seq = tx.save(rec);
            tx.commit();
        }
        CHECK(seq > 0);
        // "gives it the next change sequence": the argument carries it too.
        CHECK(rec.seq == seq);
        auto loaded = detail::load_committed(s, "Case", test_guid(1));
        REQUIRE(loaded.has_value());
        CHECK(loaded->seq == seq);
        CHECK(loaded->entity == "Case");
        CHECK(loaded->id == test_guid(1));
        CHECK(detail::without_nulls(loaded->fields) == detail::without_nulls(fields));
        // A field set to null keeps its stamp: a later, older write must still lose to it.
        CHECK(loaded->stamps == rec.stamps);
        CHECK_FALSE(loaded->deleted.has_value());
        // Pulls carry the same values.
        const auto rows = detail::pull_committed(s, 0, 10);
        REQUIRE(rows.size() == 1);
        CHECK(detail::without_nulls(rows[0].fields) == detail::without_nulls(fields));
        CHECK(rows[0].seq == seq);
    }

    SECTION("hub_store: a tombstone round-trips with its stamp") {
        Store s = make();
        detail::save_committed(
            s, live_record("Case", test_guid(1), obj{{"Number", "CS-1"}}, test_stamp(1)));
        stored_record dead = tombstone("Case", test_guid(1), test_stamp(50, 3, 2));
        const std::uint64_t seq = detail::save_committed(s, dead);
        auto loaded = detail::load_committed(s, "Case", test_guid(1));
        REQUIRE(loaded.has_value());
        REQUIRE(loaded->deleted.has_value());
        CHECK(*loaded->deleted == test_stamp(50, 3, 2));
        CHECK(loaded->fields.empty());
        CHECK(loaded->stamps.empty());
        CHECK(loaded->seq == seq);
    }

    SECTION("hub_store: records are keyed by entity and id") {
        Store s = make();
        detail::save_committed(
            s, live_record("Case", test_guid(1), obj{{"Number", "CS-1"}}, test_stamp(1)));
        detail::save_committed(
            s, live_record("Message", test_guid(1), obj{{"Text", "hi"}}, test_stamp(2)));
        auto tx = s.begin();
        auto c = tx.load("Case", test_guid(1));
        auto m = tx.load("Message", test_guid(1));
        REQUIRE(c.has_value());
        REQUIRE(m.has_value());
        CHECK(c->fields == obj{{"Number", "CS-1"}});
        CHECK(m->fields == obj{{"Text", "hi"}});
        CHECK_FALSE(tx.load("Case", test_guid(2)).has_value());
        CHECK_FALSE(tx.load("Contact", test_guid(1)).has_value());
        tx.commit();
    }

    SECTION("hub_store: save replaces the whole record") {
        Store s = make();
        detail::save_committed(s, live_record("Case", test_guid(1),
                                              obj{{"Number", "CS-1"}, {"Status", "New"}},
                                              test_stamp(1)));
        stored_record next =
            live_record("Case", test_guid(1), obj{{"Number", "CS-2"}}, test_stamp(2));
        detail::save_committed(s, next);
        auto loaded = detail::load_committed(s, "Case", test_guid(1));
        REQUIRE(loaded.has_value());
        CHECK(loaded->fields == obj{{"Number", "CS-2"}});
        CHECK(loaded->stamps == next.stamps);
        // Re-creating a tombstone replaces it with a live record.
        detail::save_committed(s, tombstone("Case", test_guid(1), test_stamp(3)));
        detail::save_committed(
            s, live_record("Case", test_guid(1), obj{{"Number", "CS-3"}}, test_stamp(4)));
        loaded = detail::load_committed(s, "Case", test_guid(1));
        REQUIRE(loaded.has_value());
        CHECK_FALSE(loaded->deleted.has_value());
        CHECK(loaded->fields == obj{{"Number", "CS-3"}});
    }

    SECTION("hub_store: reads see the transaction's own writes") {
        Store s = make();
        auto tx = s.begin();
        stored_record rec =
            live_record("Case", test_guid(1), obj{{"Number", "CS-1"}}, test_stamp(1));
        const std::uint64_t seq = tx.save(rec);
        auto loaded = tx.load("Case", test_guid(1));
        REQUIRE(loaded.has_value());
        CHECK(loaded->fields == rec.fields);
        CHECK(loaded->seq == seq);
        const change_page page = tx.changes_after(0, 10, all_entities);
        REQUIRE(page.rows.size() == 1);
        CHECK(page.rows[0].id == test_guid(1));
        CHECK(page.rows[0].seq == seq);

        const outcome o = test_outcome(7, 1);
        tx.save_outcome(o);
        auto found = tx.find_outcome(o.change);
        REQUIRE(found.has_value());
        CHECK(*found == o);
        tx.acknowledge(replica_id{7}, 1);
        CHECK(tx.acknowledged(replica_id{7}) == 1);
        CHECK_FALSE(tx.find_outcome(o.change).has_value());
        tx.commit();
    }

    SECTION("hub_store: commit makes every write visible to later transactions") {
        Store s = make();
        std::uint64_t seq = 0;
        {
            auto tx = s.begin();
            stored_record rec =
                live_record("Case", test_guid(1), obj{{"Number", "CS-1"}}, test_stamp(1));
            seq = tx.save(rec);
            tx.save_outcome(test_outcome(7, 1));
            tx.save_outcome(test_outcome(7, 2));
            tx.acknowledge(replica_id{7}, 1);
            tx.commit();
        }
        auto tx = s.begin();
        auto loaded = tx.load("Case", test_guid(1));
        REQUIRE(loaded.has_value());
        CHECK(loaded->seq == seq);
        CHECK(tx.acknowledged(replica_id{7}) == 1);
        CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 1}).has_value());
        auto kept = tx.find_outcome(change_id{replica_id{7}, 2});
        REQUIRE(kept.has_value());
        CHECK(*kept == test_outcome(7, 2));
        const change_page page = tx.changes_after(0, 10, all_entities);
        REQUIRE(page.rows.size() == 1);
        CHECK(page.rows[0].seq == seq);
        tx.commit();
    }

    SECTION("hub_store: a transaction destroyed without commit leaves no trace") {
        Store s = make();
        stored_record base =
            live_record("Case", test_guid(1), obj{{"Number", "CS-1"}}, test_stamp(1));
        const std::uint64_t base_seq = detail::save_committed(s, base);
        {
            auto tx = s.begin();
            tx.save_outcome(test_outcome(7, 1));
            tx.save_outcome(test_outcome(7, 2));
            tx.acknowledge(replica_id{7}, 1);
            tx.commit();
        }
        auto unchanged = [&] {
            auto tx = s.begin();
            auto loaded = tx.load("Case", test_guid(1));
            REQUIRE(loaded.has_value());
            CHECK(loaded->fields == base.fields);
            CHECK(loaded->stamps == base.stamps);
            CHECK_FALSE(loaded->deleted.has_value());
            CHECK(loaded->seq == base_seq);
            CHECK_FALSE(tx.load("Case", test_guid(2)).has_value());
            const change_page page = tx.changes_after(0, 10, all_entities);
            REQUIRE(page.rows.size() == 1);
            CHECK(page.rows[0].id == test_guid(1));
            CHECK(page.rows[0].seq == base_seq);
            CHECK(tx.acknowledged(replica_id{7}) == 1);
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 1}).has_value());
            auto kept = tx.find_outcome(change_id{replica_id{7}, 2});
            REQUIRE(kept.has_value());
            CHECK(*kept == test_outcome(7, 2));
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 3}).has_value());
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{8}, 1}).has_value());
            CHECK(tx.acknowledged(replica_id{8}) == 0);
            tx.commit();
        };

        SECTION("save of a new record") {
            {
                auto tx = s.begin();
                stored_record rec =
                    live_record("Case", test_guid(2), obj{{"Number", "CS-2"}}, test_stamp(2));
                tx.save(rec);
            }
            unchanged();
        }
        SECTION("save over an existing record") {
            {
                auto tx = s.begin();
                stored_record rec =
                    live_record("Case", test_guid(1), obj{{"Number", "CS-9"}}, test_stamp(9));
                tx.save(rec);
                tx.save(rec); // twice: the log entry moves twice
            }
            unchanged();
        }
        SECTION("save of a tombstone") {
            {
                auto tx = s.begin();
                stored_record dead = tombstone("Case", test_guid(1), test_stamp(9));
                tx.save(dead);
            }
            unchanged();
        }
        SECTION("save_outcome, new and replacing") {
            {
                auto tx = s.begin();
                tx.save_outcome(test_outcome(7, 3));
                tx.save_outcome(test_outcome(8, 1));
                tx.save_outcome(test_outcome(7, 2, outcome_kind::rejected));
            }
            unchanged();
        }
        SECTION("acknowledge") {
            {
                auto tx = s.begin();
                tx.acknowledge(replica_id{7}, 5);
                tx.acknowledge(replica_id{8}, 3);
                CHECK(tx.acknowledged(replica_id{7}) == 5);
            }
            unchanged();
        }
        SECTION("everything at once") {
            {
                auto tx = s.begin();
                stored_record a =
                    live_record("Case", test_guid(2), obj{{"Number", "CS-2"}}, test_stamp(2));
                stored_record b =
                    live_record("Case", test_guid(1), obj{{"Number", "CS-9"}}, test_stamp(9));
                tx.save(a);
                tx.save(b);
                stored_record dead = tombstone("Case", test_guid(2), test_stamp(10));
                tx.save(dead);
                tx.save_outcome(test_outcome(7, 3));
                tx.acknowledge(replica_id{7}, 3);
            }
            unchanged();
        }
        // A store need not reuse the sequences of a rolled-back transaction, but the next
        // committed one is still larger than every committed one.
        {
            auto tx = s.begin();
            stored_record rec =
                live_record("Case", test_guid(3), obj{{"Number", "CS-3"}}, test_stamp(3));
            tx.save(rec);
        }
        const std::uint64_t after = detail::save_committed(
            s, live_record("Case", test_guid(4), obj{{"Number", "CS-4"}}, test_stamp(4)));
        CHECK(after > base_seq);
        CHECK_FALSE(detail::load_committed(s, "Case", test_guid(3)).has_value());
    }

    SECTION("hub_store: sequences strictly increase across commits") {
        Store s = make();
        std::uint64_t last = 0;
        for (unsigned i = 1; i <= 5; ++i) {
            const std::uint64_t seq = detail::save_committed(
                s, live_record("Case", test_guid(i), obj{{"Number", "CS"}}, test_stamp(i)));
            CHECK(seq > last);
            last = seq;
        }
        {
            // Several saves in one transaction, updates included.
            auto tx = s.begin();
            for (unsigned i = 1; i <= 5; ++i) {
                stored_record rec =
                    live_record("Case", test_guid(i), obj{{"Number", "CS-b"}}, test_stamp(10 + i));
                const std::uint64_t seq = tx.save(rec);
                CHECK(seq > last);
                last = seq;
            }
            tx.commit();
        }
        const std::uint64_t seq =
            detail::save_committed(s, tombstone("Case", test_guid(1), test_stamp(30)));
        CHECK(seq > last);
    }

    SECTION("hub_store: the change log keeps one entry per record, at its latest sequence") {
        Store s = make();
        std::uint64_t latest_a = 0, b_seq = 0;
        for (int i = 0; i < 50; ++i) {
            latest_a = detail::save_committed(
                s, live_record("Case", test_guid(1), obj{{"Priority", i}}, test_stamp(i)));
            if (i == 20)
                b_seq = detail::save_committed(
                    s, live_record("Case", test_guid(2), obj{{"Priority", -1}}, test_stamp(i)));
        }
        const auto rows = detail::pull_committed(s, 0, 1000);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].id == test_guid(2));
        CHECK(rows[0].seq == b_seq);
        CHECK(rows[1].id == test_guid(1));
        CHECK(rows[1].seq == latest_a);
        CHECK(rows[1].fields == obj{{"Priority", 49}});
        CHECK_FALSE(rows[1].deleted);
        // From a cursor between B and A's latest write, only A is left.
        const auto tail = detail::pull_committed(s, b_seq, 1000);
        REQUIRE(tail.size() == 1);
        CHECK(tail[0].id == test_guid(1));
    }

    SECTION("hub_store: changes_after pages with limit, cursor and more") {
        Store s = make();
        std::vector<std::uint64_t> seqs;
        for (unsigned i = 1; i <= 7; ++i)
            seqs.push_back(detail::save_committed(
                s, live_record("Case", test_guid(i), obj{{"Number", "CS-" + std::to_string(i)}},
                               test_stamp(i))));
        auto tx = s.begin();
        change_page p1 = tx.changes_after(0, 3, all_entities);
        REQUIRE(p1.rows.size() == 3);
        CHECK(p1.more);
        CHECK(p1.cursor == seqs[2]);
        CHECK(p1.rows[0].seq == seqs[0]);
        CHECK(p1.rows[0].entity == "Case");
        CHECK(p1.rows[0].id == test_guid(1));
        CHECK(p1.rows[0].fields == obj{{"Number", "CS-1"}});
        CHECK_FALSE(p1.rows[0].deleted);
        change_page p2 = tx.changes_after(p1.cursor, 3, all_entities);
        REQUIRE(p2.rows.size() == 3);
        CHECK(p2.more);
        CHECK(p2.rows[0].id == test_guid(4));
        CHECK(p2.cursor == seqs[5]);
        change_page p3 = tx.changes_after(p2.cursor, 3, all_entities);
        REQUIRE(p3.rows.size() == 1);
        CHECK_FALSE(p3.more);
        CHECK(p3.rows[0].id == test_guid(7));
        CHECK(p3.cursor >= seqs[6]);
        // Past the end: nothing, and nothing waiting.
        change_page p4 = tx.changes_after(p3.cursor, 3, all_entities);
        CHECK(p4.rows.empty());
        CHECK_FALSE(p4.more);
        CHECK(p4.cursor >= p3.cursor);
        // A page that holds exactly the rest says nothing more is waiting.
        change_page exact = tx.changes_after(0, 7, all_entities);
        CHECK(exact.rows.size() == 7);
        CHECK_FALSE(exact.more);
        // `after` in the middle of the log.
        change_page mid = tx.changes_after(seqs[4], 100, all_entities);
        REQUIRE(mid.rows.size() == 2);
        CHECK(mid.rows[0].seq == seqs[5]);
        CHECK(mid.rows[1].seq == seqs[6]);
        // Paging through with limit 1 sees every record once, in order.
        const auto rows = detail::pull_all(tx, 0, 1);
        REQUIRE(rows.size() == 7);
        for (std::size_t i = 0; i < rows.size(); ++i)
            CHECK(rows[i].seq == seqs[i]);
        tx.commit();
        // A cursor handed out at the end never skips records written later.
        const std::uint64_t later = detail::save_committed(
            s, live_record("Case", test_guid(8), obj{{"Number", "CS-8"}}, test_stamp(8)));
        const auto fresh = detail::pull_committed(s, p3.cursor, 10);
        REQUIRE(fresh.size() == 1);
        CHECK(fresh[0].seq == later);
        CHECK(fresh[0].id == test_guid(8));
    }

    SECTION("hub_store: changes_after returns only the entities asked for") {
        Store s = make();
        std::vector<std::string> cases, messages;
        for (unsigned i = 1; i <= 10; ++i) {
            const bool is_case = i % 3 != 0;
            detail::save_committed(s, live_record(is_case ? "Case" : "Message", test_guid(i),
                                                  obj{{"N", i}}, test_stamp(i)));
            (is_case ? cases : messages).push_back(test_guid(i));
        }
        auto ids = [](const std::vector<hub_record>& rows, std::string_view entity) {
            std::vector<std::string> out;
            for (const auto& r : rows) {
                CHECK(r.entity == entity);
                out.push_back(r.id);
            }
            return out;
        };
        const std::vector<std::string> only_messages{"Message"}, only_cases{"Case"};
        CHECK(ids(detail::pull_committed(s, 0, 2, only_messages), "Message") == messages);
        CHECK(ids(detail::pull_committed(s, 0, 1, only_messages), "Message") == messages);
        CHECK(ids(detail::pull_committed(s, 0, 4, only_cases), "Case") == cases);
        CHECK(detail::pull_committed(s, 0, 3, {"Case", "Message"}).size() == 10);
        CHECK(detail::pull_committed(s, 0, 3, all_entities).size() == 10);
        auto tx = s.begin();
        const change_page none = tx.changes_after(0, 5, {"Contact"});
        CHECK(none.rows.empty());
        CHECK_FALSE(none.more);
        // A full page of messages with more messages left says so.
        const change_page first = tx.changes_after(0, 2, only_messages);
        REQUIRE(first.rows.size() == 2);
        CHECK(first.more);
        // A page holding the last matching row says nothing more is waiting, even when other
        // entities' rows follow.
        const change_page last = tx.changes_after(0, 3, only_messages);
        CHECK(last.rows.size() == 3);
        CHECK_FALSE(last.more);
        tx.commit();
        // A filtered cursor never skips a matching record written later.
        const std::uint64_t later = detail::save_committed(
            s, live_record("Message", test_guid(11), obj{{"N", 11}}, test_stamp(11)));
        const auto fresh = detail::pull_committed(s, last.cursor, 10, only_messages);
        REQUIRE(fresh.size() == 1);
        CHECK(fresh[0].seq == later);
    }

    SECTION("hub_store: tombstones appear in pulls") {
        Store s = make();
        detail::save_committed(
            s, live_record("Case", test_guid(1), obj{{"Number", "CS-1"}}, test_stamp(1)));
        const std::uint64_t live2 = detail::save_committed(
            s, live_record("Case", test_guid(2), obj{{"Number", "CS-2"}}, test_stamp(2)));
        const std::uint64_t dead =
            detail::save_committed(s, tombstone("Case", test_guid(1), test_stamp(3)));
        const auto rows = detail::pull_committed(s, 0, 10);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].id == test_guid(2));
        CHECK(rows[0].seq == live2);
        CHECK(rows[1].id == test_guid(1));
        CHECK(rows[1].deleted);
        CHECK(rows[1].fields.empty());
        CHECK(rows[1].seq == dead);
        CHECK(rows[1].entity == "Case");
    }

    SECTION(
        "hub_store: select returns live matching records by id, with the transaction's writes") {
        Store s = make();
        detail::save_committed(s, live_record("Case", test_guid(3),
                                              obj{{"Number", "CS-3"}, {"Status", "New"}},
                                              test_stamp(1)));
        detail::save_committed(s, live_record("Case", test_guid(1),
                                              obj{{"Number", "CS-1"}, {"Status", "New"}},
                                              test_stamp(2)));
        detail::save_committed(s, live_record("Case", test_guid(2),
                                              obj{{"Number", "CS-2"}, {"Status", "Closed"}},
                                              test_stamp(3)));
        detail::save_committed(s, tombstone("Case", test_guid(3), test_stamp(4)));
        auto tx = s.begin();
        auto news = tx.select("Case", where("Status") == "New");
        REQUIRE(news.size() == 1); // the tombstone of CS-3 is not selected
        CHECK(news[0].id == test_guid(1));
        CHECK(news[0].entity == "Case");
        CHECK(detail::without_nulls(news[0].fields) == obj{{"Number", "CS-1"}, {"Status", "New"}});
        auto all = tx.select("Case", filter{});
        REQUIRE(all.size() == 2);
        CHECK(all[0].id == test_guid(1));
        CHECK(all[1].id == test_guid(2));
        stored_record more = live_record("Case", test_guid(4),
                                         obj{{"Number", "CS-4"}, {"Status", "New"}}, test_stamp(5));
        tx.save(more);
        CHECK(tx.select("Case", where("Status") == "New").size() == 2);
        CHECK(tx.select("Nothing", filter{}).empty());
    }

    SECTION("hub_store: departures are kept per record, in sequence order") {
        Store s = make();
        const departure d1{"Case", test_guid(1), 3, obj{{"Owner", "ann"}}};
        const departure d2{"Case", test_guid(1), 7, obj{{"Owner", "bob"}, {"Status", "New"}}};
        const departure d3{"Case", test_guid(2), 5, obj{}};
        const departure d4{"Message", test_guid(1), 9, obj{{"Owner", "cy"}}};
        {
            auto tx = s.begin();
            tx.save_departure(d2);
            tx.save_departure(d1);
            tx.save_departure(d3);
            tx.commit();
        }
        {
            auto tx = s.begin();
            tx.save_departure(d4);
            CHECK(tx.departures("Message", test_guid(1)) == std::vector<departure>{d4});
            // destroyed without commit: d4 is gone again
        }
        auto tx = s.begin();
        CHECK(tx.departures("Case", test_guid(1)) == std::vector<departure>{d1, d2});
        CHECK(tx.departures("Case", test_guid(2)) == std::vector<departure>{d3});
        CHECK(tx.departures("Message", test_guid(1)).empty());
        CHECK(tx.departures("Case", test_guid(3)).empty());
        tx.commit();
    }

    SECTION("hub_store: outcomes are kept for replay until acknowledged") {
        Store s = make();
        {
            auto tx = s.begin();
            for (std::uint64_t i = 1; i <= 5; ++i)
                tx.save_outcome(
                    test_outcome(7, i, i == 4 ? outcome_kind::rejected : outcome_kind::merged));
            tx.save_outcome(test_outcome(8, 1));
            tx.save_outcome(test_outcome(8, 2));
            tx.commit();
        }
        {
            auto tx = s.begin();
            for (std::uint64_t i = 1; i <= 5; ++i) {
                auto o = tx.find_outcome(change_id{replica_id{7}, i});
                REQUIRE(o.has_value());
                CHECK(*o ==
                      test_outcome(7, i, i == 4 ? outcome_kind::rejected : outcome_kind::merged));
            }
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 6}).has_value());
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{9}, 1}).has_value());
            // Saving under the same change id replaces.
            tx.save_outcome(test_outcome(7, 5, outcome_kind::superseded));
            tx.commit();
        }
        {
            auto tx = s.begin();
            auto replaced = tx.find_outcome(change_id{replica_id{7}, 5});
            REQUIRE(replaced.has_value());
            CHECK(replaced->kind == outcome_kind::superseded);
            tx.acknowledge(replica_id{7}, 3);
            tx.commit();
        }
        {
            auto tx = s.begin();
            CHECK(tx.acknowledged(replica_id{7}) == 3);
            for (std::uint64_t i = 1; i <= 3; ++i)
                CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, i}).has_value());
            CHECK(tx.find_outcome(change_id{replica_id{7}, 4}).has_value());
            CHECK(tx.find_outcome(change_id{replica_id{7}, 5}).has_value());
            // Another replica's outcomes and mark are its own.
            CHECK(tx.acknowledged(replica_id{8}) == 0);
            CHECK(tx.find_outcome(change_id{replica_id{8}, 1}).has_value());
            CHECK(tx.find_outcome(change_id{replica_id{8}, 2}).has_value());
            // The mark never decreases.
            tx.acknowledge(replica_id{7}, 2);
            CHECK(tx.acknowledged(replica_id{7}) == 3);
            tx.commit();
        }
        {
            auto tx = s.begin();
            CHECK(tx.acknowledged(replica_id{7}) == 3);
            CHECK(tx.find_outcome(change_id{replica_id{7}, 4}).has_value());
            // Acknowledging beyond every stored outcome forgets them all.
            tx.acknowledge(replica_id{7}, 100);
            CHECK(tx.acknowledged(replica_id{7}) == 100);
            tx.acknowledge(replica_id{8}, 1);
            tx.commit();
        }
        auto tx = s.begin();
        CHECK(tx.acknowledged(replica_id{7}) == 100);
        CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 4}).has_value());
        CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 5}).has_value());
        CHECK(tx.acknowledged(replica_id{8}) == 1);
        CHECK_FALSE(tx.find_outcome(change_id{replica_id{8}, 1}).has_value());
        CHECK(tx.find_outcome(change_id{replica_id{8}, 2}).has_value());
        // Acknowledging 0 acknowledges nothing.
        tx.acknowledge(replica_id{9}, 0);
        CHECK(tx.acknowledged(replica_id{9}) == 0);
        tx.commit();
    }

    SECTION("hub_store: plain applied outcomes replay as applied, mixed with the others") {
        // A store may keep plain outcomes compactly (the SQLite store keeps runs of them), so
        // they may come back without entity and record id; kind and change id must hold.
        auto plain = [](std::uint64_t replica, std::uint64_t seq) {
            outcome o;
            o.change = change_id{replica_id{replica}, seq};
            o.entity = "Case";
            o.record_id = test_guid(static_cast<unsigned>(seq));
            return o;
        };
        auto is_plain = [](const std::optional<outcome>& o, std::uint64_t replica,
                           std::uint64_t seq) {
            return o && o->kind == outcome_kind::applied &&
                   o->change == change_id{replica_id{replica}, seq} && o->message.empty() &&
                   o->losing.empty() && !o->code &&
                   (o->entity.empty() ||
                    (o->entity == "Case" && o->record_id == test_guid(static_cast<unsigned>(seq))));
        };
        Store s = make();
        {
            auto tx = s.begin();
            for (std::uint64_t i = 1; i <= 9; ++i)
                tx.save_outcome(i == 5 ? test_outcome(7, i) : plain(7, i));
            tx.save_outcome(plain(8, 1));
            tx.save_outcome(plain(7, 12)); // a gap
            // Found inside the transaction that saved them.
            CHECK(is_plain(tx.find_outcome(change_id{replica_id{7}, 3}), 7, 3));
            CHECK(is_plain(tx.find_outcome(change_id{replica_id{7}, 12}), 7, 12));
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 10}).has_value());
            tx.commit();
        }
        {
            auto tx = s.begin();
            for (std::uint64_t i = 1; i <= 9; ++i) {
                const auto o = tx.find_outcome(change_id{replica_id{7}, i});
                if (i == 5)
                    CHECK((o && *o == test_outcome(7, 5)));
                else
                    CHECK(is_plain(o, 7, i));
            }
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 10}).has_value());
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 11}).has_value());
            CHECK(is_plain(tx.find_outcome(change_id{replica_id{7}, 12}), 7, 12));
            CHECK(is_plain(tx.find_outcome(change_id{replica_id{8}, 1}), 8, 1));
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{8}, 2}).has_value());
            // Replacing, both ways.
            tx.save_outcome(test_outcome(7, 7, outcome_kind::superseded));
            tx.save_outcome(plain(7, 5));
            // Acknowledging in the middle of what was saved keeps the rest.
            tx.acknowledge(replica_id{7}, 3);
            tx.commit();
        }
        auto tx = s.begin();
        for (std::uint64_t i = 1; i <= 3; ++i)
            CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, i}).has_value());
        CHECK(is_plain(tx.find_outcome(change_id{replica_id{7}, 4}), 7, 4));
        CHECK(is_plain(tx.find_outcome(change_id{replica_id{7}, 5}), 7, 5));
        const auto replaced = tx.find_outcome(change_id{replica_id{7}, 7});
        REQUIRE(replaced.has_value());
        CHECK(replaced->kind == outcome_kind::superseded);
        CHECK(is_plain(tx.find_outcome(change_id{replica_id{7}, 9}), 7, 9));
        tx.acknowledge(replica_id{7}, 12);
        CHECK_FALSE(tx.find_outcome(change_id{replica_id{7}, 12}).has_value());
        CHECK(is_plain(tx.find_outcome(change_id{replica_id{8}, 1}), 8, 1));
        tx.commit();
    }

    if constexpr (skips_changes<Store>) {
        SECTION("skips_changes: pages leave the skipped sequences out, limits count the others") {
            Store s = make();
            for (unsigned i = 1; i <= 10; ++i)
                detail::save_committed(s, live_record(i % 3 == 0 ? "Message" : "Case", test_guid(i),
                                                      obj{{"N", i}}, test_stamp(i)));
            auto tx = s.begin();
            const std::vector<hub_record> log = tx.changes_after(0, 100, all_entities).rows;
            REQUIRE(log.size() == 10);
            const auto seq = [&](std::size_t i) { return log[i].seq; };
            const std::vector<std::vector<std::uint64_t>> skips{
                {},
                {seq(1), seq(4), seq(7)},
                {seq(0), seq(1), seq(2)},
                {seq(7), seq(8), seq(9)},
                {seq(0), seq(1), seq(2), seq(3), seq(4), seq(5), seq(6), seq(7), seq(8), seq(9)},
                {seq(9) + 5}};
            const std::vector<std::vector<std::string>> filters{{}, {"Case"}, {"Message"}};
            for (const auto& skip : skips)
                for (const auto& ents : filters)
                    for (const std::uint64_t after : {std::uint64_t{0}, seq(2), seq(9)})
                        for (const std::size_t limit : {1u, 2u, 3u, 5u, 100u}) {
                            INFO("skip " << skip.size() << " from " << (skip.empty() ? 0 : skip[0])
                                         << ", entities " << ents.size() << ", after " << after
                                         << ", limit " << limit);
                            const auto matches = [&](const hub_record& h) {
                                return h.seq > after &&
                                       (ents.empty() || std::find(ents.begin(), ents.end(),
                                                                  h.entity) != ents.end());
                            };
                            const auto skipped = [&](std::uint64_t n) {
                                return std::binary_search(skip.begin(), skip.end(), n);
                            };
                            std::vector<hub_record> expected;
                            for (const auto& h : log)
                                if (matches(h) && !skipped(h.seq))
                                    expected.push_back(h);
                            const change_page p = tx.changes_after(
                                after, limit, ents, std::span<const std::uint64_t>(skip));
                            const std::size_t n = std::min(limit, expected.size());
                            CHECK(p.rows == std::vector<hub_record>(
                                                expected.begin(),
                                                expected.begin() + static_cast<std::ptrdiff_t>(n)));
                            CHECK(p.more == (expected.size() > limit));
                            CHECK(p.cursor >= (p.rows.empty() ? after : p.rows.back().seq));
                            // Never past a row not sent; past every skipped row before it.
                            const std::uint64_t end = p.more ? expected[limit].seq : seq(9) + 100;
                            CHECK(p.cursor < end);
                            for (const auto& h : log)
                                if (matches(h) && skipped(h.seq) && h.seq < end)
                                    CHECK(p.cursor >= h.seq);
                        }
            tx.commit();
        }
    }

    if constexpr (patches_records<Store>) {
        SECTION("patches_records: a patch writes its fields and keeps the others") {
            Store s = make();
            const std::string id = test_guid(1);
            const std::uint64_t first = detail::save_committed(
                s,
                live_record("Case", id, obj{{"Number", "CS-1"}, {"Status", "New"}, {"Priority", 2}},
                            test_stamp(1)));
            std::uint64_t patched = 0;
            {
                auto tx = s.begin();
                std::optional<stored_record> lean = tx.load_stamps("Case", id);
                REQUIRE(lean.has_value());
                // Stamps, tombstone and sequence are exact; fields may be left out.
                CHECK(lean->stamps == tx.load("Case", id)->stamps);
                CHECK_FALSE(lean->deleted.has_value());
                CHECK(lean->seq == first);
                lean->fields = obj{{"Status", "Open"}};
                lean->stamps.insert_or_assign("Status", test_stamp(2));
                const field_stamps stamps = lean->stamps;
                patched = tx.save_patch(std::move(*lean));
                CHECK(patched > first);
                // Within the transaction, load answers the whole record.
                auto whole = tx.load("Case", id);
                REQUIRE(whole.has_value());
                CHECK(whole->fields ==
                      obj{{"Number", "CS-1"}, {"Status", "Open"}, {"Priority", 2}});
                CHECK(whole->stamps == stamps);
                CHECK(whole->seq == patched);
                // A second patch of the same record goes over the first.
                stored_record again = *tx.load_stamps("Case", id);
                again.fields = obj{{"Priority", nullptr}, {"Owner", "ann"}};
                again.stamps.insert_or_assign("Priority", test_stamp(3));
                again.stamps.insert_or_assign("Owner", test_stamp(3));
                patched = tx.save_patch(std::move(again));
                tx.commit();
            }
            const auto stored = detail::load_committed(s, "Case", id);
            REQUIRE(stored.has_value());
            CHECK(detail::without_nulls(stored->fields) ==
                  obj{{"Number", "CS-1"}, {"Status", "Open"}, {"Owner", "ann"}});
            CHECK(stored->stamps.at("Status") == test_stamp(2));
            CHECK(stored->stamps.at("Owner") == test_stamp(3));
            CHECK(stored->stamps.at("Number") == test_stamp(1));
            CHECK(stored->seq == patched);
            const auto rows = detail::pull_committed(s, 0, 10);
            REQUIRE(rows.size() == 1); // one change-log entry, at the patch's sequence
            CHECK(rows[0].seq == patched);
            CHECK(rows[0].fields == obj{{"Number", "CS-1"}, {"Status", "Open"}, {"Owner", "ann"}});
        }

        SECTION("patches_records: a patch over a tombstone re-creates, a tombstone clears") {
            Store s = make();
            const std::string a = test_guid(1), b = test_guid(2);
            detail::save_committed(s, live_record("Case", a, obj{{"Number", "A"}}, test_stamp(1)));
            detail::save_committed(s, tombstone("Case", a, test_stamp(2)));
            detail::save_committed(
                s, live_record("Case", b, obj{{"Number", "B"}, {"Status", "New"}}, test_stamp(1)));
            {
                auto tx = s.begin();
                stored_record back = *tx.load_stamps("Case", a);
                CHECK(back.deleted == test_stamp(2));
                back = live_record("Case", a, obj{{"Status", "Back"}}, test_stamp(3));
                tx.save_patch(std::move(back));
                stored_record gone = *tx.load_stamps("Case", b);
                gone.fields.clear();
                gone.stamps.clear();
                gone.deleted = test_stamp(3);
                tx.save_patch(std::move(gone));
                CHECK(tx.load("Case", a)->fields == obj{{"Status", "Back"}});
                CHECK(tx.load("Case", b)->fields.empty());
                tx.commit();
            }
            CHECK(detail::without_nulls(detail::load_committed(s, "Case", a)->fields) ==
                  obj{{"Status", "Back"}});
            const auto b_now = detail::load_committed(s, "Case", b);
            CHECK(b_now->deleted == test_stamp(3));
            CHECK(detail::without_nulls(b_now->fields).empty());
        }

        SECTION("patches_records: a patch not committed leaves no trace") {
            Store s = make();
            const std::string id = test_guid(1);
            const stored_record before =
                live_record("Case", id, obj{{"Number", "CS-1"}, {"Status", "New"}}, test_stamp(1));
            detail::save_committed(s, before);
            {
                auto tx = s.begin();
                stored_record p = *tx.load_stamps("Case", id);
                p.fields = obj{{"Status", "Open"}};
                p.stamps.insert_or_assign("Status", test_stamp(2));
                tx.save_patch(std::move(p));
                CHECK(tx.load("Case", id)->fields.at("Status") == "Open");
            }
            const auto after = detail::load_committed(s, "Case", id);
            CHECK(detail::without_nulls(after->fields) == before.fields);
            CHECK(after->stamps == before.stamps);
        }
    }

    SECTION("hub_store: transactions are serialised") {
        using namespace std::chrono_literals;
        Store s = make();
        std::atomic<bool> entered{false};
        std::promise<std::optional<stored_record>> seen;
        std::future<std::optional<stored_record>> result = seen.get_future();
        bool entered_early = true;
        std::future_status status = std::future_status::timeout;
        {
            auto tx = s.begin();
            stored_record rec =
                live_record("Case", test_guid(1), obj{{"Number", "CS-1"}}, test_stamp(1));
            tx.save(rec);
            std::thread second([&] {
                auto tx2 = s.begin();
                entered = true;
                seen.set_value(tx2.load("Case", test_guid(1)));
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
        CHECK(entered.load());
        // The second transaction began after the first committed, so it sees its write.
        auto got = result.get();
        REQUIRE(got.has_value());
        CHECK(got->fields == obj{{"Number", "CS-1"}});
    }
}

} // namespace concord::testing

#endif // CONCORD_TESTING_HUB_STORE_CONFORMANCE_HPP
