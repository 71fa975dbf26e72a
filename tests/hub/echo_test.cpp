// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — echoes: a record a sync request wrote exactly as its replica sent it is not pulled
// back by the same request; everything the replica does not hold as the hub does still comes.
// Run on memory (the hub drops the rows it read) and on SQLite (the store skips them).

#include <concord/hub/basic_hub.hpp>
#include <concord/store/memory_hub_store.hpp>
#include <concord/store/sqlite_hub_store.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>
#include <support/temp_dir.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

// Closing a case leaves a Message on it: a hub write to another record, between the pushes.
void closing_leaves_message(const principal&, const change& c, const hub_record& after,
                            const std::function<void(change)>& emit) {
    const auto* status = c.fields.if_contains("Status");
    if (c.entity != "Case" || status == nullptr || *status != "Closed")
        return;
    change m;
    m.op = operation::insert;
    m.entity = "Message";
    m.record_id = new_guid();
    m.fields = obj{{"Case", after.id}, {"Text", "closed"}};
    emit(std::move(m));
}

template <class Store>
Store make_store(const temp_dir& dir);
template <>
memory_hub_store make_store<memory_hub_store>(const temp_dir&) {
    return memory_hub_store{};
}
template <>
sqlite_hub_store make_store<sqlite_hub_store>(const temp_dir& dir) {
    return sqlite_hub_store(dir.file("hub.db"), helpdesk());
}

template <class Store>
struct echo_world {
    temp_dir dir{"echo"};
    manual_clock clock{t0};
    basic_hub<Store, allow_all, manual_clock_ref> hub;

    explicit echo_world(hub_options o = hub_options{helpdesk()})
        : hub(std::move(o), make_store<Store>(dir), allow_all{}, manual_clock_ref{clock}) {
        // Replica 2 creates cases 1..5 (sequences 1..5); replica 1 has pulled them.
        std::vector<change> push;
        for (unsigned i = 1; i <= 5; ++i)
            push.push_back(make_change(2, i, operation::insert, "Case", guid(i), stamp_at(i, 2),
                                       new_case("CS-" + std::to_string(i))));
        REQUIRE(hub.sync(push_request(2, push)));
    }

    // Replica 1's round: `push`, then a pull after `after`.
    sync_response round(std::vector<change> push, std::uint64_t after = 5,
                        std::size_t limit = 100) {
        sync_request req = push_request(1, std::move(push));
        req.pull = pull_request{after, limit, {}, {}};
        auto r = hub.sync(req);
        REQUIRE(r);
        return *r;
    }
};

std::vector<std::string> ids_of(const std::vector<hub_record>& rows) {
    std::vector<std::string> out;
    for (const auto& h : rows)
        out.push_back(h.id);
    return out;
}

std::vector<bool> echo_flags(const sync_response& r) {
    std::vector<bool> out;
    for (const auto& o : r.outcomes)
        out.push_back(o.echo_omitted);
    return out;
}

} // namespace

TEMPLATE_TEST_CASE("hub: a record written as its replica sent it is not pulled back by the "
                   "same request",
                   "[hub][pull][echo]", memory_hub_store, sqlite_hub_store) {
    echo_world<TestType> w;
    SECTION("updates, an insert and a remove: no row, the cursor past them, each flagged") {
        const auto r = w.round({
            make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                        obj{{"Status", "Open"}}),
            make_change(1, 2, operation::insert, "Case", guid(6), stamp_at(101, 1),
                        new_case("CS-6")),
            make_change(1, 3, operation::remove, "Case", guid(2), stamp_at(102, 1)),
        });
        CHECK(r.rows.empty());
        CHECK(r.cursor == 8);
        CHECK_FALSE(r.more);
        CHECK(echo_flags(r) == std::vector<bool>{true, true, true});
        // The hub holds them all the same, and anyone else pulls them.
        auto other = w.hub.sync(pull_request_from(3, 5, 100));
        REQUIRE(other);
        CHECK(ids_of(other->rows) == std::vector<std::string>{guid(1), guid(6), guid(2)});
        CHECK(other->rows[2].deleted);
    }
    SECTION("two writes to one record in the request: still left out") {
        const auto r = w.round({
            make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                        obj{{"Status", "Open"}}),
            make_change(1, 2, operation::update, "Case", guid(1), stamp_at(101, 1),
                        obj{{"Owner", "Ann"}}),
        });
        CHECK(r.rows.empty());
        CHECK(echo_flags(r) == std::vector<bool>{true, true});
    }
    SECTION("a record changed elsewhere since the cursor comes whole, with both writes") {
        REQUIRE(w.hub.sync(push_request(2, {make_change(2, 6, operation::update, "Case", guid(2),
                                                        stamp_at(50, 2), obj{{"Owner", "Bob"}})})));
        const auto r = w.round({
            make_change(1, 1, operation::update, "Case", guid(2), stamp_at(100, 1),
                        obj{{"Status", "Open"}}),
            make_change(1, 2, operation::update, "Case", guid(3), stamp_at(101, 1),
                        obj{{"Status", "Open"}}),
        });
        REQUIRE(ids_of(r.rows) == std::vector<std::string>{guid(2)});
        CHECK(r.rows[0].fields.at("Owner") == "Bob");
        CHECK(r.rows[0].fields.at("Status") == "Open");
        CHECK(echo_flags(r) == std::vector<bool>{false, true});
        CHECK(r.cursor == 8);
    }
    SECTION("a merged change comes back: the replica must learn the field it lost") {
        REQUIRE(w.hub.sync(push_request(2, {make_change(2, 6, operation::update, "Case", guid(1),
                                                        stamp_at(500, 2), obj{{"Status", "B"}})})));
        const auto r =
            w.round({make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                                 obj{{"Status", "A"}, {"Owner", "Ann"}})},
                    6);
        REQUIRE(r.outcomes[0].kind == outcome_kind::merged);
        CHECK_FALSE(r.outcomes[0].echo_omitted);
        REQUIRE(ids_of(r.rows) == std::vector<std::string>{guid(1)});
        CHECK(r.rows[0].fields.at("Status") == "B");
        CHECK(r.rows[0].fields.at("Owner") == "Ann");
    }
    SECTION("a merged change between two echoes comes back; the echoes around it do not") {
        REQUIRE(w.hub.sync(push_request(2, {make_change(2, 6, operation::update, "Case", guid(2),
                                                        stamp_at(500, 2), obj{{"Status", "B"}})})));
        const auto r = w.round( // sequences 7 (echo), 8 (merged), 9 (echo)
            {make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                         obj{{"Status", "Open"}}),
             make_change(1, 2, operation::update, "Case", guid(2), stamp_at(101, 1),
                         obj{{"Status", "A"}, {"Owner", "Ann"}}),
             make_change(1, 3, operation::update, "Case", guid(3), stamp_at(102, 1),
                         obj{{"Status", "Open"}})},
            6);
        CHECK(echo_flags(r) == std::vector<bool>{true, false, true});
        REQUIRE(ids_of(r.rows) == std::vector<std::string>{guid(2)});
        CHECK(r.rows[0].seq == 8);
        CHECK(r.rows[0].fields.at("Owner") == "Ann");
        CHECK(r.cursor == 9);
    }
    SECTION("a rejected or superseded change writes nothing and a replay is not an echo") {
        const change c = make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                                     obj{{"Status", "Open"}});
        const auto first = w.round({c});
        CHECK(first.rows.empty());
        // The answer was lost: the replay pulls from the old cursor and gets the record.
        const auto replay = w.round({c});
        CHECK(replay.outcomes[0].kind == outcome_kind::applied);
        CHECK_FALSE(replay.outcomes[0].echo_omitted);
        CHECK(ids_of(replay.rows) == std::vector<std::string>{guid(1)});
        const auto stale = w.round({make_change(1, 2, operation::update, "Case", guid(1),
                                                stamp_at(1, 1), obj{{"Status", "Old"}}),
                                    make_change(1, 3, operation::update, "Case", guid(77),
                                                stamp_at(101, 1), obj{{"Status", "x"}})},
                                   6);
        CHECK(stale.outcomes[0].kind == outcome_kind::superseded);
        CHECK(stale.outcomes[1].kind == outcome_kind::rejected);
        CHECK(echo_flags(stale) == std::vector<bool>{false, false});
        CHECK(stale.rows.empty());
    }
    SECTION("a pull from cursor 0 gets every row: the replica may be re-syncing") {
        const auto r = w.round({make_change(1, 1, operation::update, "Case", guid(1),
                                            stamp_at(100, 1), obj{{"Status", "Open"}})},
                               0);
        CHECK(r.rows.size() == 5);
        CHECK_FALSE(r.outcomes[0].echo_omitted);
    }
    SECTION("a pull through a view gets every row: the view may reshape or evict it") {
        sync_request req =
            push_request(1, {make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                                         obj{{"Status", "Open"}})});
        req.pull = pull_request{5, 100, {"Case"}, {pull_view{where("Status") == "New", {}}}};
        auto r = w.hub.sync(req);
        REQUIRE(r);
        REQUIRE(r->rows.size() == 1);
        CHECK(r->rows[0].deleted); // evicted: no longer in the view
        CHECK_FALSE(r->outcomes[0].echo_omitted);
        // A view that keeps everything as it is lets the echo go.
        req.push = {make_change(1, 2, operation::update, "Case", guid(2), stamp_at(101, 1),
                                obj{{"Status", "New"}})};
        req.pull = pull_request{6, 100, {"Case"}, {pull_view{}}};
        r = w.hub.sync(req);
        REQUIRE(r);
        CHECK(r->rows.empty());
        CHECK(r->outcomes[0].echo_omitted);
    }
    SECTION("a change to an entity the pull leaves out is not flagged") {
        sync_request req =
            push_request(1, {make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                                         obj{{"Status", "Open"}})});
        req.pull = pull_request{5, 100, {"Message"}, {}};
        auto r = w.hub.sync(req);
        REQUIRE(r);
        CHECK(r->rows.empty());
        CHECK_FALSE(r->outcomes[0].echo_omitted);
    }
}

TEMPLATE_TEST_CASE("hub: a page cut among echoes ends after the last row that fits, echoes "
                   "before it passed",
                   "[hub][pull][echo]", memory_hub_store, sqlite_hub_store) {
    hub_options o{helpdesk()};
    o.hooks.after_apply = closing_leaves_message;
    echo_world<TestType> w(std::move(o));
    // Replica 2 changes cases 3 and 4 (sequences 6, 7); replica 1 has not pulled them.
    REQUIRE(w.hub.sync(push_request(2, {make_change(2, 6, operation::update, "Case", guid(3),
                                                    stamp_at(50, 2), obj{{"Owner", "Bob"}}),
                                        make_change(2, 7, operation::update, "Case", guid(4),
                                                    stamp_at(51, 2), obj{{"Owner", "Bob"}})})));
    // Sequences: 8 case 1 (echo), 9 a Message, 10 case 2 (echo), 11 a Message, 12 case 5 (echo).
    const std::vector<change> push{
        make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                    obj{{"Status", "Closed"}}),
        make_change(1, 2, operation::update, "Case", guid(2), stamp_at(101, 1),
                    obj{{"Status", "Closed"}}),
        make_change(1, 3, operation::update, "Case", guid(5), stamp_at(102, 1),
                    obj{{"Owner", "Ann"}}),
    };
    SECTION("three rows fit: cases 3, 4 and the first Message; the cursor passes echo 10") {
        const auto r = w.round(push, 5, 3);
        REQUIRE(r.rows.size() == 3);
        CHECK(r.rows[0].id == guid(3));
        CHECK(r.rows[1].id == guid(4));
        CHECK(r.rows[2].entity == "Message");
        CHECK(r.rows[2].seq == 9);
        CHECK(r.more);
        CHECK(r.cursor == 10);
        CHECK(echo_flags(r) == std::vector<bool>{true, true, false});
        // The next page (a request of its own) has no echoes to leave out.
        auto next = w.hub.sync(pull_request_from(1, r.cursor, 3));
        REQUIRE(next);
        REQUIRE(next->rows.size() == 2);
        CHECK(next->rows[0].seq == 11);
        CHECK(next->rows[1].id == guid(5));
        CHECK_FALSE(next->more);
    }
    SECTION("everything fits: four rows, every echo left out") {
        const auto r = w.round(push, 5, 4);
        CHECK(r.rows.size() == 4);
        CHECK_FALSE(r.more);
        CHECK(r.cursor == 12);
        CHECK(echo_flags(r) == std::vector<bool>{true, true, true});
    }
}

TEMPLATE_TEST_CASE("hub: a before-apply hook that edits a change sends the record back",
                   "[hub][pull][echo]", memory_hub_store, sqlite_hub_store) {
    hub_options o{helpdesk()};
    o.hooks.before_apply = [](const principal&, change& c, const hub_record*) {
        if (c.fields.contains("Owner"))
            c.fields["Owner"] = "Triage";
        return result<void>{};
    };
    echo_world<TestType> w(std::move(o));
    const auto r = w.round({make_change(1, 1, operation::update, "Case", guid(1), stamp_at(100, 1),
                                        obj{{"Owner", "Ann"}})});
    REQUIRE(ids_of(r.rows) == std::vector<std::string>{guid(1)});
    CHECK(r.rows[0].fields.at("Owner") == "Triage");
    CHECK_FALSE(r.outcomes[0].echo_omitted);
}
