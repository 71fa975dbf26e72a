// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of the LWW resolvers (per field, per record) and the callable adaptor.

#include <concord/resolve/callable.hpp>
#include <concord/resolve/lww.hpp>

#include <catch2/catch.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

using concord::operation;
using concord::outcome_kind;
using concord::reject_reason;
using concord::resolution;
using concord::resolve_context;
using concord::stamp;
using concord::stored_record;
namespace json = boost::json;

constexpr std::int64_t t0 = 1'700'000'000'000;

stamp at(std::int64_t dt, std::uint32_t logical = 0, std::uint64_t replica = 1) {
    stamp s;
    s.physical_ms = t0 + dt;
    s.logical = logical;
    s.replica = concord::replica_id{replica};
    return s;
}

// A live Case: Status "New" written at t0+10, Priority 2 at t0+20, Owner "ann" at t0+30.
stored_record live_case() {
    stored_record r;
    r.entity = "Case";
    r.id = "6f1c2a3b-0000-4abc-8def-0123456789ab";
    r.fields = {{"Status", "New"}, {"Priority", 2}, {"Owner", "ann"}};
    r.stamps = {{"Status", at(10)}, {"Priority", at(20)}, {"Owner", at(30)}};
    r.seq = 5;
    return r;
}

// The same Case, deleted at t0+50.
stored_record tombstone() {
    stored_record r = live_case();
    r.fields.clear();
    r.stamps.clear();
    r.deleted = at(50);
    return r;
}

concord::change make_change(operation op, stamp st, json::object fields = {}) {
    concord::change c;
    c.id = concord::change_id{st.replica, 1};
    c.op = op;
    c.entity = "Case";
    c.record_id = "6f1c2a3b-0000-4abc-8def-0123456789ab";
    c.at = st;
    c.fields = std::move(fields);
    return c;
}

template <class Resolver>
resolution decide(const Resolver& r, const stored_record* current, const concord::change& c) {
    return r.resolve(resolve_context{current, c, c.at});
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

using names = std::vector<std::string>;

} // namespace

static_assert(concord::resolver<concord::field_lww>);
static_assert(concord::resolver<concord::record_lww>);

TEST_CASE("lww: later stamp wins per field", "[resolve][lww]") {
    const stored_record cur = live_case();
    // t0+25 is after Status (10) and Priority (20), before Owner (30).
    const auto c = make_change(operation::update, at(25),
                               {{"Status", "Open"}, {"Priority", 3}, {"Owner", "bob"}});
    const resolution r = decide(concord::field_lww{}, &cur, c);
    CHECK(r.kind == outcome_kind::merged);
    CHECK(r.reason == reject_reason::none);
    CHECK(sorted(r.winners) == names{"Priority", "Status"});
    CHECK(r.losing == json::object{{"Owner", "bob"}});
}

TEST_CASE("lww: a change later than every field is applied", "[resolve][lww]") {
    const stored_record cur = live_case();
    const auto c = make_change(operation::update, at(31), {{"Status", "Open"}, {"Owner", "bob"}});
    const resolution r = decide(concord::field_lww{}, &cur, c);
    CHECK(r.kind == outcome_kind::applied);
    CHECK(sorted(r.winners) == names{"Owner", "Status"});
    CHECK(r.losing.empty());
}

TEST_CASE("lww: a field never written on the hub is won by any stamp", "[resolve][lww]") {
    const stored_record cur = live_case();
    const auto c = make_change(operation::update, at(1), {{"Description", "x"}, {"Owner", "bob"}});
    const resolution r = decide(concord::field_lww{}, &cur, c);
    CHECK(r.kind == outcome_kind::merged);
    CHECK(r.winners == names{"Description"});
    CHECK(r.losing == json::object{{"Owner", "bob"}});
}

TEST_CASE("lww: an older change loses every field and is superseded", "[resolve][lww]") {
    const stored_record cur = live_case();
    const auto c = make_change(operation::update, at(5), {{"Status", "Open"}, {"Priority", 9}});
    const resolution r = decide(concord::field_lww{}, &cur, c);
    CHECK(r.kind == outcome_kind::superseded);
    CHECK(r.winners.empty());
    CHECK(r.losing == json::object{{"Status", "Open"}, {"Priority", 9}});
}

TEST_CASE("lww: the physical time outranks the counter and the replica id", "[resolve][lww]") {
    const stored_record cur = live_case(); // Status at t0+10 / 0 / replica 1
    const auto later = make_change(operation::update, at(11, 0, 0), {{"Status", "Open"}});
    CHECK(decide(concord::field_lww{}, &cur, later).kind == outcome_kind::applied);
    const auto earlier = make_change(operation::update, at(9, 999, ~0ULL), {{"Status", "Open"}});
    CHECK(decide(concord::field_lww{}, &cur, earlier).kind == outcome_kind::superseded);
    const auto counter = make_change(operation::update, at(10, 1, 0), {{"Status", "Open"}});
    CHECK(decide(concord::field_lww{}, &cur, counter).kind == outcome_kind::applied);
}

TEST_CASE("lww: equal physical time and counter, the larger replica id wins", "[resolve][lww]") {
    stored_record cur = live_case();
    cur.stamps["Status"] = at(10, 4, 0x50);

    const auto larger = make_change(operation::update, at(10, 4, 0x51), {{"Status", "Open"}});
    const resolution win = decide(concord::field_lww{}, &cur, larger);
    CHECK(win.kind == outcome_kind::applied);
    CHECK(win.winners == names{"Status"});

    const auto smaller = make_change(operation::update, at(10, 4, 0x4F), {{"Status", "Open"}});
    const resolution lose = decide(concord::field_lww{}, &cur, smaller);
    CHECK(lose.kind == outcome_kind::superseded);
    CHECK(lose.losing == json::object{{"Status", "Open"}});

    // The same decision from record_lww, whose bar is the record's latest stamp.
    cur.stamps = {{"Status", at(10, 4, 0x50)}};
    CHECK(decide(concord::record_lww{}, &cur, larger).kind == outcome_kind::applied);
    CHECK(decide(concord::record_lww{}, &cur, smaller).kind == outcome_kind::superseded);
}

TEST_CASE("lww: the exact stamp that wrote a field does not win it again", "[resolve][lww]") {
    const stored_record cur = live_case();
    const auto c = make_change(operation::update, at(10), {{"Status", "Again"}});
    CHECK(decide(concord::field_lww{}, &cur, c).kind == outcome_kind::superseded);
    CHECK(decide(concord::record_lww{}, &cur, c).kind == outcome_kind::superseded);
}

TEST_CASE("lww: the context stamp is the one judged, not the change's", "[resolve][lww]") {
    // The hub judges a change from beyond the skew bound by its own clock.
    const stored_record cur = live_case();
    const auto c = make_change(operation::update, at(1'000'000), {{"Owner", "bob"}});
    const resolution r = concord::field_lww{}.resolve(resolve_context{&cur, c, at(15)});
    CHECK(r.kind == outcome_kind::superseded);
    CHECK(r.losing == json::object{{"Owner", "bob"}});
}

TEST_CASE("lww: unknown id, an insert is applied", "[resolve][lww]") {
    const auto c = make_change(operation::insert, at(0), {{"Status", "New"}, {"Priority", 1}});
    for (const resolution& r :
         {decide(concord::field_lww{}, nullptr, c), decide(concord::record_lww{}, nullptr, c)}) {
        CHECK(r.kind == outcome_kind::applied);
        CHECK(sorted(r.winners) == names{"Priority", "Status"});
        CHECK(r.losing.empty());
    }
}

TEST_CASE("lww: unknown id, an update or remove is rejected not found", "[resolve][lww]") {
    const auto upd = make_change(operation::update, at(0), {{"Status", "Open"}});
    const auto rem = make_change(operation::remove, at(0));
    for (const resolution& r : {decide(concord::field_lww{}, nullptr, upd),
                                decide(concord::record_lww{}, nullptr, upd)}) {
        CHECK(r.kind == outcome_kind::rejected);
        CHECK(r.reason == reject_reason::not_found);
        CHECK(r.winners.empty());
        CHECK(r.losing == json::object{{"Status", "Open"}});
    }
    for (const resolution& r : {decide(concord::field_lww{}, nullptr, rem),
                                decide(concord::record_lww{}, nullptr, rem)}) {
        CHECK(r.kind == outcome_kind::rejected);
        CHECK(r.reason == reject_reason::not_found);
        CHECK(r.winners.empty());
    }
}

TEST_CASE("lww: tombstone, an update is rejected deleted", "[resolve][lww]") {
    const stored_record cur = tombstone(); // deleted at t0+50
    // Later than the delete or not, an update cannot revive a deleted record.
    for (std::int64_t dt : {40, 60}) {
        INFO("update at t0+" << dt);
        const auto c = make_change(operation::update, at(dt), {{"Status", "Open"}});
        for (const resolution& r :
             {decide(concord::field_lww{}, &cur, c), decide(concord::record_lww{}, &cur, c)}) {
            CHECK(r.kind == outcome_kind::rejected);
            CHECK(r.reason == reject_reason::deleted);
            CHECK(r.winners.empty());
            CHECK(r.losing == json::object{{"Status", "Open"}});
        }
    }
}

TEST_CASE("lww: tombstone, an older insert is rejected deleted", "[resolve][lww]") {
    const stored_record cur = tombstone();
    for (const stamp st : {at(40), at(50)}) {
        const auto c = make_change(operation::insert, st, {{"Status", "New"}});
        for (const resolution& r :
             {decide(concord::field_lww{}, &cur, c), decide(concord::record_lww{}, &cur, c)}) {
            CHECK(r.kind == outcome_kind::rejected);
            CHECK(r.reason == reject_reason::deleted);
            CHECK(r.losing == json::object{{"Status", "New"}});
        }
    }
}

TEST_CASE("lww: tombstone, a newer insert re-creates the record", "[resolve][lww]") {
    const stored_record cur = tombstone();
    const auto c = make_change(operation::insert, at(51), {{"Status", "New"}, {"Owner", "bob"}});
    for (const resolution& r :
         {decide(concord::field_lww{}, &cur, c), decide(concord::record_lww{}, &cur, c)}) {
        CHECK(r.kind == outcome_kind::applied);
        CHECK(sorted(r.winners) == names{"Owner", "Status"});
        CHECK(r.losing.empty());
    }
    // The same tie-break applies to the tombstone's stamp.
    const auto tie = make_change(operation::insert, at(50, 0, 2), {{"Status", "New"}});
    CHECK(decide(concord::field_lww{}, &cur, tie).kind == outcome_kind::applied);
}

TEST_CASE("lww: tombstone, a remove is applied and writes nothing", "[resolve][lww]") {
    const stored_record cur = tombstone();
    for (const stamp st : {at(40), at(60)}) {
        const auto c = make_change(operation::remove, st);
        for (const resolution& r :
             {decide(concord::field_lww{}, &cur, c), decide(concord::record_lww{}, &cur, c)}) {
            CHECK(r.kind == outcome_kind::applied);
            CHECK(r.reason == reject_reason::none);
            CHECK(r.winners.empty());
            CHECK(r.losing.empty());
        }
    }
}

TEST_CASE("lww: a remove later than every write is applied", "[resolve][lww]") {
    const stored_record cur = live_case(); // latest write t0+30
    const auto c = make_change(operation::remove, at(31));
    for (const resolution& r :
         {decide(concord::field_lww{}, &cur, c), decide(concord::record_lww{}, &cur, c)}) {
        CHECK(r.kind == outcome_kind::applied);
        CHECK(r.winners.empty()); // a remove writes a tombstone, no fields
        CHECK(r.losing.empty());
    }
}

TEST_CASE("lww: a remove older than a field write is superseded", "[resolve][lww]") {
    const stored_record cur = live_case(); // Owner written at t0+30
    // The remove is later than Status and Priority but not Owner: the record stays.
    const auto c = make_change(operation::remove, at(25));
    for (const resolution& r :
         {decide(concord::field_lww{}, &cur, c), decide(concord::record_lww{}, &cur, c)}) {
        CHECK(r.kind == outcome_kind::superseded);
        CHECK(r.winners.empty());
        CHECK(r.losing.empty());
    }
    CHECK(cur.latest() == at(30));
}

TEST_CASE("lww: record_lww is all or nothing", "[resolve][lww]") {
    const stored_record cur = live_case(); // Status 10, Priority 20, Owner 30
    // Only Status is changed, at t0+25 — later than Status' own stamp but not the record's.
    const auto c = make_change(operation::update, at(25), {{"Status", "Open"}});
    CHECK(decide(concord::field_lww{}, &cur, c).kind == outcome_kind::applied);
    const resolution r = decide(concord::record_lww{}, &cur, c);
    CHECK(r.kind == outcome_kind::superseded);
    CHECK(r.winners.empty());
    CHECK(r.losing == json::object{{"Status", "Open"}});

    // The per-field merge case: record_lww drops every field instead of merging.
    const auto mixed = make_change(operation::update, at(25), {{"Status", "Open"}, {"Owner", "b"}});
    CHECK(decide(concord::field_lww{}, &cur, mixed).kind == outcome_kind::merged);
    const resolution all = decide(concord::record_lww{}, &cur, mixed);
    CHECK(all.kind == outcome_kind::superseded);
    CHECK(all.losing == json::object{{"Status", "Open"}, {"Owner", "b"}});

    // Later than every write: every field wins.
    const auto later = make_change(operation::update, at(31), {{"Status", "Open"}, {"Owner", "b"}});
    const resolution won = decide(concord::record_lww{}, &cur, later);
    CHECK(won.kind == outcome_kind::applied);
    CHECK(sorted(won.winners) == names{"Owner", "Status"});
    CHECK(won.losing.empty());
}

TEST_CASE("lww: an insert on a live record is resolved like an update", "[resolve][lww]") {
    const stored_record cur = live_case();
    const auto c = make_change(operation::insert, at(25), {{"Status", "Open"}, {"Owner", "bob"}});
    const resolution r = decide(concord::field_lww{}, &cur, c);
    CHECK(r.kind == outcome_kind::merged);
    CHECK(r.winners == names{"Status"});
    CHECK(r.losing == json::object{{"Owner", "bob"}});
}

TEST_CASE("lww: stored_record::latest is the largest field or tombstone stamp", "[resolve][lww]") {
    CHECK(live_case().latest() == at(30));
    CHECK(tombstone().latest() == at(50));
    CHECK(stored_record{}.latest() == stamp{});
    stored_record r = live_case();
    r.stamps["Status"] = at(30, 0, 9); // tie on time and counter, larger replica
    CHECK(r.latest() == at(30, 0, 9));
    const concord::hub_record copy = tombstone().copy();
    CHECK(copy.deleted);
    CHECK(copy.fields.empty());
    CHECK(copy.seq == 5);
}

TEST_CASE("callable_resolver: the lambda's decision is used", "[resolve][callable]") {
    int calls = 0;
    const concord::callable_resolver deny{[&calls](const resolve_context& ctx) {
        ++calls;
        resolution r;
        r.kind = outcome_kind::rejected;
        r.reason = reject_reason::permission;
        r.losing = ctx.incoming.fields;
        return r;
    }};
    static_assert(concord::resolver<decltype(deny)>);
    const stored_record cur = live_case();
    const auto c = make_change(operation::update, at(100), {{"Status", "Open"}});
    const resolution r = decide(deny, &cur, c);
    CHECK(calls == 1);
    CHECK(r.kind == outcome_kind::rejected);
    CHECK(r.reason == reject_reason::permission);
    CHECK(r.losing == json::object{{"Status", "Open"}});
}

TEST_CASE("callable_resolver: a lambda can pick record_lww for one entity", "[resolve][callable]") {
    const concord::callable_resolver per_entity{[](const resolve_context& ctx) {
        if (ctx.incoming.entity == "Audit")
            return concord::record_lww{}.resolve(ctx);
        return concord::field_lww{}.resolve(ctx);
    }};
    static_assert(concord::resolver<decltype(per_entity)>);

    stored_record cur = live_case();
    auto c = make_change(operation::update, at(25), {{"Status", "Open"}, {"Owner", "bob"}});

    const resolution as_case = decide(per_entity, &cur, c);
    CHECK(as_case.kind == outcome_kind::merged);
    CHECK(as_case.winners == names{"Status"});
    CHECK(as_case.losing == json::object{{"Owner", "bob"}});

    cur.entity = "Audit";
    c.entity = "Audit";
    const resolution as_audit = decide(per_entity, &cur, c);
    CHECK(as_audit.kind == outcome_kind::superseded);
    CHECK(as_audit.winners.empty());
    CHECK(as_audit.losing == json::object{{"Status", "Open"}, {"Owner", "bob"}});

    // Existence rules still come from the delegate.
    const auto missing = make_change(operation::update, at(25), {{"Status", "Open"}});
    CHECK(decide(per_entity, nullptr, missing).reason == reject_reason::not_found);
}

TEST_CASE("callable_resolver: a lambda can adjust the LWW result for one field",
          "[resolve][callable]") {
    // "Status" always keeps the hub value; every other field follows per-field LWW.
    const concord::callable_resolver keep_status{[](const resolve_context& ctx) {
        resolution r = concord::field_lww{}.resolve(ctx);
        auto it = std::find(r.winners.begin(), r.winners.end(), "Status");
        if (it != r.winners.end()) {
            r.winners.erase(it);
            r.losing.emplace("Status", ctx.incoming.fields.at("Status"));
            r.kind = r.winners.empty() ? outcome_kind::superseded : outcome_kind::merged;
        }
        return r;
    }};
    const stored_record cur = live_case();
    const auto c = make_change(operation::update, at(31), {{"Status", "Open"}, {"Owner", "bob"}});
    const resolution r = decide(keep_status, &cur, c);
    CHECK(r.kind == outcome_kind::merged);
    CHECK(r.winners == names{"Owner"});
    CHECK(r.losing == json::object{{"Status", "Open"}});
}
