// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the replica over memory stores and the loopback transport: local API, sync, sync log.

#include <concord/memory.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

std::string insert_case(test_replica& r, std::string number, std::string status = "New") {
    auto id = r.insert("Case", new_case(std::move(number), std::move(status)));
    REQUIRE(id);
    return *id;
}

record local(test_replica& r, const std::string& id) {
    auto rec = r.get("Case", id);
    REQUIRE(rec);
    return *rec;
}

sync_summary synced(test_replica& r) {
    auto s = r.sync();
    REQUIRE(s);
    return *s;
}

/// The hub's Case schema with one column changed.
concord::schema stricter_case(const std::function<void(entity_schema&)>& change) {
    concord::schema s = helpdesk();
    entity_schema e = *s.find("Case");
    change(e);
    s.add(e);
    return s;
}

} // namespace

TEST_CASE("replica: invalid writes and reads return the right error and change nothing",
          "[replica][errors]") {
    replica_world w;
    auto r = w.replica(1);
    const std::string id = insert_case(r, "CS-1");
    const std::vector<change> pending = r.pending();
    const record before = local(r, id);

    struct bad {
        const char* what;
        std::function<error()> call;
        errc code;
        const char* field;
    };
    auto err = [](auto res) {
        REQUIRE_FALSE(res);
        return res.error();
    };
    auto with = [](const char* name, auto v) {
        obj o = new_case("CS-2");
        o[name] = v;
        return o;
    };
    const std::vector<bad> cases{
        {"insert: unknown entity",
         [&] {
             return err(r.insert("Contact", obj{{"Name", "x"}}));
         },
         errc::unknown_entity, ""},
        {"insert: unknown column", [&] { return err(r.insert("Case", with("Colour", "red"))); },
         errc::unknown_column, "Colour"},
        {"insert: wrong type", [&] { return err(r.insert("Case", with("Priority", "high"))); },
         errc::type_mismatch, "Priority"},
        {"insert: missing required",
         [&] {
             return err(r.insert("Case", obj{{"Number", "CS-2"}}));
         },
         errc::missing_required, "Category"},
        {"insert: required set to null",
         [&] { return err(r.insert("Case", with("Number", nullptr))); }, errc::missing_required,
         "Number"},
        {"insert: too long",
         [&] { return err(r.insert("Case", with("Description", std::string(501, 'x')))); },
         errc::value_too_long, "Description"},
        {"insert: value not allowed",
         [&] { return err(r.insert("Case", with("Category", "Other"))); }, errc::value_not_allowed,
         "Category"},
        {"insert: Id not a GUID", [&] { return err(r.insert("Case", with("Id", "CS-2"))); },
         errc::invalid_id, "Id"},
        {"insert: Id taken", [&] { return err(r.insert("Case", with("Id", id))); },
         errc::record_exists, ""},
        {"update: missing record",
         [&] {
             return err(r.update("Case", guid(77), obj{{"Status", "Open"}}));
         },
         errc::record_not_found, ""},
        {"update: unknown entity",
         [&] {
             return err(r.update("Contact", id, obj{{"Status", "Open"}}));
         },
         errc::unknown_entity, ""},
        {"update: unknown column",
         [&] {
             return err(r.update("Case", id, obj{{"Colour", "red"}}));
         },
         errc::unknown_column, "Colour"},
        {"update: wrong type",
         [&] {
             return err(r.update("Case", id, obj{{"Escalated", "yes"}}));
         },
         errc::type_mismatch, "Escalated"},
        {"update: required cleared",
         [&] {
             return err(r.update("Case", id, obj{{"Number", nullptr}}));
         },
         errc::missing_required, "Number"},
        {"update: the Id",
         [&] {
             return err(r.update("Case", id, obj{{"Id", guid(5)}}));
         },
         errc::invalid_id, "Id"},
        {"remove: missing record", [&] { return err(r.remove("Case", guid(77))); },
         errc::record_not_found, ""},
        {"remove: unknown entity", [&] { return err(r.remove("Contact", id)); },
         errc::unknown_entity, ""},
        {"get: missing record", [&] { return err(r.get("Case", guid(77))); },
         errc::record_not_found, ""},
        {"get: unknown entity", [&] { return err(r.get("Contact", id)); }, errc::unknown_entity,
         ""},
        {"find: unknown entity", [&] { return err(r.find("Contact")); }, errc::unknown_entity, ""},
        {"find: unknown column", [&] { return err(r.find("Case", where("Colour") == "red")); },
         errc::invalid_filter, ""},
        {"find: wrong type", [&] { return err(r.find("Case", where("Priority") == "high")); },
         errc::invalid_filter, ""},
        {"find: text op on a number",
         [&] { return err(r.find("Case", where("Priority").contains("1"))); }, errc::invalid_filter,
         ""},
    };
    for (const auto& b : cases) {
        INFO(b.what);
        const error e = b.call();
        CHECK(e.code == make_error_code(b.code));
        CHECK_FALSE(e.message.empty());
        if (*b.field != '\0')
            CHECK(e.field == b.field);
        CHECK(r.pending() == pending);
        CHECK(local(r, id) == before);
        auto all = r.find("Case");
        REQUIRE(all);
        CHECK(all->size() == 1);
    }
    CHECK(w.log_size() == 0); // nothing reached the hub either
}

TEST_CASE("replica: insert uses an Id given in the fields", "[replica]") {
    replica_world w;
    auto r = w.replica(1);
    obj fields = new_case("CS-1");
    fields["Id"] = guid(42);
    auto id = r.insert("Case", fields);
    REQUIRE(id);
    CHECK(*id == guid(42));
    const record rec = local(r, guid(42));
    CHECK(rec.id == guid(42));
    CHECK_FALSE(rec.fields.contains("Id"));
    CHECK(rec.fields == new_case("CS-1"));
    const auto p = r.pending();
    REQUIRE(p.size() == 1);
    CHECK(p[0].record_id == guid(42));
    CHECK_FALSE(p[0].fields.contains("Id"));
    // And without one, a fresh GUID.
    auto other = r.insert("Case", new_case("CS-2"));
    REQUIRE(other);
    CHECK(is_guid(*other));
    CHECK(*other != guid(42));
}

TEST_CASE("replica: pending lists changes in order, with fields and increasing stamps",
          "[replica]") {
    replica_world w;
    auto r = w.replica(7);
    CHECK(r.id() == replica_id{7});
    const std::string a = insert_case(r, "CS-1");
    const std::string b = insert_case(r, "CS-2");
    REQUIRE(r.update("Case", a, obj{{"Status", "Open"}, {"Priority", 2}}));
    REQUIRE(r.update("Case", a, obj{})); // nothing to change: no change made
    w.clock.advance(5);
    REQUIRE(r.remove("Case", b));
    REQUIRE(r.update("Case", a, obj{{"Owner", nullptr}}));

    const auto p = r.pending();
    REQUIRE(p.size() == 5);
    const std::vector<operation> ops{operation::insert, operation::insert, operation::update,
                                     operation::remove, operation::update};
    const std::vector<std::string> ids{a, b, a, b, a};
    for (std::size_t i = 0; i < p.size(); ++i) {
        INFO("change " << i);
        CHECK(p[i].id == change_id{replica_id{7}, i + 1});
        CHECK(p[i].op == ops[i]);
        CHECK(p[i].entity == "Case");
        CHECK(p[i].record_id == ids[i]);
        CHECK(p[i].at.replica == replica_id{7});
        if (i > 0)
            CHECK(p[i].at > p[i - 1].at); // strictly, even while the clock stands still
    }
    CHECK(p[0].fields == new_case("CS-1"));
    CHECK(p[2].fields == obj{{"Status", "Open"}, {"Priority", 2}});
    CHECK(p[3].fields.empty());
    CHECK(p[4].fields == obj{{"Owner", nullptr}});
    CHECK(p[0].at.physical_ms == t0);
    CHECK(p[3].at.physical_ms == t0 + 5);

    // The local view has every change applied.
    const record ra = local(r, a);
    CHECK(ra.fields.at("Status") == "Open");
    CHECK(ra.fields.at("Priority") == 2);
    CHECK(r.get("Case", b).error() == errc::record_not_found);
    auto open = r.find("Case", where("Status") == "Open");
    REQUIRE(open);
    REQUIRE(open->size() == 1);
    CHECK(open->front().id == a);
}

TEST_CASE("replica: sync pushes the outbox, records outcomes and pulls", "[replica][sync]") {
    replica_world w;
    auto a = w.replica(1);
    auto b = w.replica(2);
    const std::string one = insert_case(a, "CS-1");
    const std::string two = insert_case(a, "CS-2");
    REQUIRE(a.update("Case", one, obj{{"Status", "Open"}}));
    CHECK_FALSE(a.sync_log().last_sync_ms.has_value());

    w.clock.advance(100);
    const sync_summary s = synced(a);
    CHECK(s.requests == 1);
    CHECK(s.pushed == 3);
    CHECK(s.applied == 3);
    CHECK(s.logged == 0);
    CHECK(s.pulled == 2); // its own records come back once each, at their latest sequence
    CHECK(s.cursor == 3);
    CHECK(a.pending().empty());
    CHECK(a.sync_log().entries.empty());
    CHECK(a.sync_log().last_sync_ms == t0 + 100);
    auto hub_one = w.load("Case", one);
    REQUIRE(hub_one);
    CHECK(hub_one->fields.at("Status") == "Open");
    CHECK(hub_one->fields.at("Number") == "CS-1");
    CHECK(hub_acknowledged(w.hub, 1) == 0); // told on the next request

    const sync_summary sb = synced(b);
    CHECK(sb.pushed == 0);
    CHECK(sb.pulled == 2);
    CHECK(sb.cursor == 3);
    CHECK(local(b, one) == local(a, one));
    CHECK(local(b, two) == local(a, two));
    CHECK(b.pending().empty());

    // The next round tells the hub that a recorded its outcomes.
    const sync_summary again = synced(a);
    CHECK(again.pushed == 0);
    CHECK(again.pulled == 0);
    CHECK(hub_acknowledged(w.hub, 1) == 3);
    CHECK(w.hub.store().stored_outcomes() == 0);

    // A delete travels too.
    REQUIRE(b.remove("Case", two));
    synced(b);
    synced(a);
    CHECK(a.get("Case", two).error() == errc::record_not_found);
    REQUIRE(w.load("Case", two));
    CHECK(w.load("Case", two)->deleted.has_value());
}

TEST_CASE("replica: a pending local field stays on top of a pulled value until answered",
          "[replica][sync]") {
    replica_world w;
    auto a = w.replica(0xA);
    replica_options bo = replica_opts(0xB);
    bo.push_limit = 1;
    auto b = w.replica(bo);
    const std::string id = insert_case(a, "CS-1");
    synced(a);
    synced(b);

    w.clock.advance(1000);
    const std::string other = insert_case(b, "CS-2"); // pushed first
    REQUIRE(b.update("Case", id, obj{{"Status", "Mine"}}));
    const change mine = b.pending().back();
    w.clock.advance(1000);
    REQUIRE(a.update("Case", id, obj{{"Status", "Theirs"}, {"Owner", "Ann"}}));
    synced(a);

    // B's first round pushes its insert and pulls A's update; the second round fails, so B's
    // update of the record is still pending.
    fault_plan plan;
    plan.fail_request_at = b.transport().exchanges() + 2;
    b.transport().set_plan(plan);
    auto failed = b.sync();
    REQUIRE_FALSE(failed);
    CHECK(failed.error() == errc::transport_failed);
    REQUIRE(b.pending().size() == 1);
    CHECK(b.pending().front() == mine);
    CHECK(w.load("Case", other)); // round one did happen
    record seen = local(b, id);
    CHECK(seen.fields.at("Status") == "Mine"); // still on top
    CHECK(seen.fields.at("Owner") == "Ann");   // the rest of the pulled row arrived
    CHECK(seen.fields.at("Number") == "CS-1");
    CHECK(b.sync_log().entries.empty());

    // Once the hub answers (A's later stamp wins), the hub's value shows.
    w.clock.advance(1000);
    const sync_summary s = synced(b);
    CHECK(s.pushed == 1);
    CHECK(s.logged == 1);
    CHECK(b.pending().empty());
    seen = local(b, id);
    CHECK(seen.fields.at("Status") == "Theirs");
    CHECK(seen.fields.at("Owner") == "Ann");

    const sync_log_view log = b.sync_log();
    CHECK(log.last_sync_ms == t0 + 3000);
    REQUIRE(log.entries.size() == 1);
    const sync_log_entry& e = log.entries.front();
    CHECK(e.id > 0);
    CHECK(e.mine == mine);
    CHECK(e.result.kind == outcome_kind::superseded);
    CHECK(e.result.change == mine.id);
    CHECK(e.result.losing == obj{{"Status", "Mine"}});
    REQUIRE(e.result.hub_copy);
    CHECK(e.result.hub_copy->fields.at("Status") == "Theirs");
    CHECK(e.result.hub_copy->fields.at("Owner") == "Ann");
    REQUIRE(e.local_copy);
    CHECK(e.local_copy->fields.at("Status") == "Mine");
    CHECK(e.local_copy->fields.at("Owner") == "Ann");
    CHECK(e.at_ms == t0 + 3000);
}

TEST_CASE("replica: sync log actions on a superseded change", "[replica][sync-log]") {
    replica_world w;
    auto a = w.replica(0xA);
    auto b = w.replica(0xB);
    const std::string id = insert_case(a, "CS-1");
    synced(a);
    synced(b);
    w.clock.advance(1000);
    REQUIRE(b.update("Case", id, obj{{"Status", "Mine"}}));
    w.clock.advance(1000);
    REQUIRE(a.update("Case", id, obj{{"Status", "Theirs"}}));
    synced(a);
    w.clock.advance(1000);
    REQUIRE(synced(b).logged == 1);
    const auto entries = b.sync_log().entries;
    REQUIRE(entries.size() == 1);
    const std::uint64_t entry = entries.front().id;
    REQUIRE(entries.front().result.kind == outcome_kind::superseded);
    REQUIRE(local(b, id).fields.at("Status") == "Theirs");

    SECTION("dismiss removes the entry and keeps the hub's copy") {
        REQUIRE(b.dismiss(entry));
        CHECK(b.sync_log().entries.empty());
        CHECK(local(b, id).fields.at("Status") == "Theirs");
        CHECK(b.pending().empty());
        CHECK(b.dismiss(entry).error() == errc::sync_log_entry_not_found);
    }
    SECTION("revert drops my pending changes of the record and restores the hub's copy") {
        const record hub_copy = local(b, id);
        REQUIRE(b.update("Case", id, obj{{"Owner", "Bob"}, {"Status", "Again"}}));
        const std::string elsewhere = insert_case(b, "CS-9"); // another record: kept
        REQUIRE(b.pending().size() == 2);
        REQUIRE(b.revert(entry));
        const auto p = b.pending();
        REQUIRE(p.size() == 1);
        CHECK(p.front().record_id == elsewhere);
        CHECK(local(b, id) == hub_copy);
        CHECK(b.sync_log().entries.empty());
        CHECK(b.revert(entry).error() == errc::sync_log_entry_not_found);
        synced(b);
        CHECK(w.load("Case", id)->fields.at("Status") == "Theirs");
    }
    SECTION("retry re-applies my losing values as a new change that wins") {
        w.clock.advance(1000);
        REQUIRE(b.retry(entry));
        CHECK(b.sync_log().entries.empty());
        const auto p = b.pending();
        REQUIRE(p.size() == 1);
        CHECK(p.front().op == operation::update);
        CHECK(p.front().fields == obj{{"Status", "Mine"}});
        CHECK(p.front().at.physical_ms == t0 + 4000);
        CHECK(local(b, id).fields.at("Status") == "Mine");
        const sync_summary s = synced(b);
        CHECK(s.applied == 1);
        CHECK(s.logged == 0);
        CHECK(w.load("Case", id)->fields.at("Status") == "Mine");
        synced(a);
        CHECK(local(a, id).fields.at("Status") == "Mine");
        CHECK(b.retry(entry).error() == errc::sync_log_entry_not_found);
    }
}

TEST_CASE("replica: retry after rejected: deleted re-creates the record", "[replica][sync-log]") {
    replica_world w;
    auto a = w.replica(0xA);
    auto b = w.replica(0xB);
    const std::string id = insert_case(a, "CS-1");
    synced(a);
    synced(b);
    w.clock.advance(1000);
    REQUIRE(a.remove("Case", id));
    synced(a);
    w.clock.advance(1000);
    REQUIRE(b.update("Case", id, obj{{"Status", "Mine"}}));
    REQUIRE(synced(b).logged == 1);
    CHECK(b.get("Case", id).error() == errc::record_not_found); // the hub's copy: gone

    const auto entries = b.sync_log().entries;
    REQUIRE(entries.size() == 1);
    const sync_log_entry& e = entries.front();
    CHECK(e.result.kind == outcome_kind::rejected);
    CHECK(e.result.reason == reject_reason::deleted);
    CHECK(e.result.code == make_error_code(errc::record_deleted));
    REQUIRE(e.result.hub_copy);
    CHECK(e.result.hub_copy->deleted);
    REQUIRE(e.local_copy);
    CHECK(e.local_copy->fields.at("Status") == "Mine");
    CHECK(e.local_copy->fields.at("Number") == "CS-1");

    w.clock.advance(1000);
    REQUIRE(b.retry(e.id));
    const auto p = b.pending();
    REQUIRE(p.size() == 1);
    CHECK(p.front().op == operation::insert);
    CHECK(p.front().fields.at("Status") == "Mine");
    CHECK(p.front().fields.at("Number") == "CS-1");
    CHECK(p.front().fields.at("Category") == "Incident");
    CHECK(local(b, id).fields.at("Status") == "Mine");

    const sync_summary s = synced(b);
    CHECK(s.applied == 1);
    CHECK(s.logged == 0);
    auto hub = w.load("Case", id);
    REQUIRE(hub);
    CHECK_FALSE(hub->deleted.has_value());
    CHECK(hub->fields.at("Status") == "Mine");
    synced(a);
    CHECK(local(a, id).fields.at("Number") == "CS-1");
}

TEST_CASE("replica: retry with edits after a validation rejection", "[replica][sync-log]") {
    struct variant {
        const char* what;
        concord::schema hub_schema;
        obj fields;
        errc code;
        const char* column;
        obj edits;
    };
    obj long_description = new_case("CS-1");
    long_description["Description"] = "far too long for the hub";
    const std::vector<variant> variants{
        {"the hub allows shorter text", stricter_case([](entity_schema& e) {
             for (auto& c : e.columns)
                 if (c.name == "Description")
                     c.max_length = 10;
         }),
         long_description, errc::value_too_long, "Description", obj{{"Description", "short"}}},
        {"the hub requires another column", stricter_case([](entity_schema& e) {
             for (auto& c : e.columns)
                 if (c.name == "Owner")
                     c.required = true;
         }),
         new_case("CS-1"), errc::missing_required, "Owner", obj{{"Owner", "Ann"}}},
    };
    for (const auto& v : variants) {
        INFO(v.what);
        replica_world w(v.hub_schema);
        auto b = w.replica(0xB);
        auto id = b.insert("Case", v.fields);
        REQUIRE(id);
        REQUIRE(synced(b).logged == 1);
        CHECK_FALSE(w.load("Case", *id));
        const auto entries = b.sync_log().entries;
        REQUIRE(entries.size() == 1);
        const outcome& o = entries.front().result;
        CHECK(o.kind == outcome_kind::rejected);
        CHECK(o.reason == reject_reason::validation);
        CHECK(o.code == make_error_code(v.code));
        CHECK(o.field == v.column);
        CHECK_FALSE(o.hub_copy);

        // The replica adopted the hub's schema with that sync; edits it refuses are refused,
        // and the entry stays.
        CHECK(*b.schema() == v.hub_schema);
        obj bad = v.edits;
        bad["Priority"] = "high";
        CHECK(b.retry(entries.front().id, bad).error() == errc::type_mismatch);
        CHECK(b.sync_log().entries.size() == 1);

        w.clock.advance(1000);
        REQUIRE(b.retry(entries.front().id, v.edits));
        CHECK(b.sync_log().entries.empty());
        const sync_summary s = synced(b);
        CHECK(s.applied == 1);
        CHECK(s.logged == 0);
        auto hub = w.load("Case", *id);
        REQUIRE(hub);
        for (const auto& f : v.edits)
            CHECK(hub->fields.at(f.key()) == f.value());
        CHECK(hub->fields.at("Number") == "CS-1");
        CHECK(local(b, *id).fields == hub->fields);
    }
}

TEST_CASE("replica: a transport failure leaves the outbox intact", "[replica][faults]") {
    replica_world w;
    auto a = w.replica(1);
    const std::string id = insert_case(a, "CS-1");
    REQUIRE(a.update("Case", id, obj{{"Status", "Open"}}));
    const auto before = a.pending();
    a.transport().set_offline(true);
    for (int i = 0; i < 3; ++i) {
        auto s = a.sync();
        REQUIRE_FALSE(s);
        CHECK(s.error() == errc::transport_failed);
    }
    CHECK(a.pending() == before);
    CHECK(a.sync_log().entries.empty());
    CHECK_FALSE(a.sync_log().last_sync_ms.has_value());
    CHECK(w.log_size() == 0);
    CHECK(a.transport().delivered() == 0);

    a.transport().set_offline(false);
    const sync_summary s = synced(a);
    CHECK(s.pushed == 2);
    CHECK(s.applied == 2);
    CHECK(a.pending().empty());
    CHECK(w.load("Case", id)->fields.at("Status") == "Open");
}

TEST_CASE("replica: a lost response is replayed without double application", "[replica][faults]") {
    replica_world w;
    auto a = w.replica(0xA);
    auto b = w.replica(0xB);
    const std::string id = insert_case(a, "CS-1");
    synced(a);
    synced(b);
    w.clock.advance(1000);
    REQUIRE(b.update("Case", id, obj{{"Status", "Old"}, {"Owner", "Bob"}}));
    const change mine = b.pending().front();
    w.clock.advance(1000);
    REQUIRE(a.update("Case", id, obj{{"Status", "New"}}));
    synced(a);

    fault_plan plan;
    plan.lose_response_at = b.transport().exchanges() + 1;
    b.transport().set_plan(plan);
    auto lost = b.sync();
    REQUIRE_FALSE(lost);
    CHECK(lost.error() == errc::transport_failed);
    // The hub applied it; the replica does not know.
    const auto applied = w.load("Case", id);
    REQUIRE(applied);
    CHECK(applied->fields.at("Owner") == "Bob");
    const std::size_t log_size = w.log_size();
    const auto stored = hub_outcome(w.hub, mine.id);
    REQUIRE(stored);
    CHECK(stored->kind == outcome_kind::merged);
    CHECK(b.pending() == std::vector<change>{mine});
    CHECK(b.sync_log().entries.empty());

    w.clock.advance(1000);
    const sync_summary s = synced(b);
    CHECK(s.pushed == 1);
    CHECK(s.logged == 1);
    CHECK(b.pending().empty());
    CHECK(w.load("Case", id) == applied); // same sequence, same values: not applied twice
    CHECK(w.log_size() == log_size);
    CHECK(hub_outcome(w.hub, mine.id) == stored);
    const auto entries = b.sync_log().entries;
    REQUIRE(entries.size() == 1);
    CHECK(entries.front().result.kind == outcome_kind::merged);
    CHECK(entries.front().result.losing == obj{{"Status", "Old"}});
    const record seen = local(b, id);
    CHECK(seen.fields.at("Status") == "New");
    CHECK(seen.fields.at("Owner") == "Bob");

    // Later rounds neither replay nor log it again; the hub forgets the outcome once told.
    synced(b);
    CHECK(b.sync_log().entries.size() == 1);
    CHECK(hub_acknowledged(w.hub, 0xB) == mine.id.seq);
    CHECK_FALSE(hub_outcome(w.hub, mine.id));
}

TEST_CASE("replica: a duplicated delivery is harmless", "[replica][faults]") {
    replica_world w;
    auto a = w.replica(1);
    const std::string id = insert_case(a, "CS-1");
    REQUIRE(a.update("Case", id, obj{{"Status", "Open"}}));
    fault_plan plan;
    plan.duplicate_at = a.transport().exchanges() + 1;
    a.transport().set_plan(plan);
    const sync_summary s = synced(a);
    CHECK(a.transport().exchanges() == 1);
    CHECK(a.transport().delivered() == 2);
    CHECK(s.pushed == 2);
    CHECK(s.applied == 2);
    CHECK(s.logged == 0);
    CHECK(a.pending().empty());
    CHECK(a.sync_log().entries.empty());
    auto hub = w.load("Case", id);
    REQUIRE(hub);
    CHECK(hub->seq == 2); // two saves in all, not four
    CHECK(w.log_size() == 1);
    CHECK(hub->fields.at("Status") == "Open");
    CHECK(local(a, id).fields == hub->fields);
}

TEST_CASE("replica: a sync larger than a page takes several requests", "[replica][sync]") {
    replica_world w;
    replica_options ao = replica_opts(1);
    ao.push_limit = 3;
    ao.pull_limit = 4;
    auto a = w.replica(ao);
    for (int i = 0; i < 7; ++i)
        insert_case(a, "CS-" + std::to_string(i));
    const sync_summary s = synced(a);
    CHECK(s.requests == 3); // pushes of 3, 3 and 1
    CHECK(s.pushed == 7);
    CHECK(s.applied == 7);
    // The first request pulls from cursor 0 and gets its 3 records back; the later ones leave
    // their own inserts out (echoes): the replica holds them as the hub does.
    CHECK(s.pulled == 3);
    CHECK(s.cursor == 7);
    CHECK(a.pending().empty());
    CHECK(w.log_size() == 7);
    CHECK(a.find("Case")->size() == 7);

    replica_options bo = replica_opts(2);
    bo.pull_limit = 4;
    auto b = w.replica(bo);
    const sync_summary sb = synced(b);
    CHECK(sb.requests == 2); // pages of 4 and 3
    CHECK(sb.pushed == 0);
    CHECK(sb.pulled == 7);
    CHECK(sb.cursor == 7);
    auto all = b.find("Case");
    REQUIRE(all);
    CHECK(all->size() == 7);

    // Exactly push_limit pending changes: one round; no empty round to find the outbox done.
    replica_options co = replica_opts(3);
    co.push_limit = 1;
    auto c = w.replica(co);
    insert_case(c, "CS-c");
    const sync_summary sc = synced(c);
    CHECK(sc.requests == 1);
    CHECK(sc.pushed == 1);
    CHECK(sc.pulled == 8);
    CHECK(sc.cursor == 8);
}

TEST_CASE("replica: changes made while a sync waits for the hub go in the next one",
          "[replica][sync][threads]") {
    using namespace std::chrono_literals;
    replica_world w;
    auto a = w.replica(1);
    const std::string first = insert_case(a, "CS-1");
    fault_plan slow;
    slow.delay = 200ms;
    a.transport().set_plan(slow);

    auto running = std::async(std::launch::async, [&] { return a.sync(); });
    std::this_thread::sleep_for(50ms);
    const auto started = std::chrono::steady_clock::now();
    const std::string second = insert_case(a, "CS-2"); // while the request is in flight
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(took < 100ms); // local writes do not wait for the hub
    CHECK(running.wait_for(0ms) == std::future_status::timeout);

    auto s = running.get();
    REQUIRE(s);
    CHECK(s->pushed == 1);
    CHECK(s->requests == 1);
    const auto p = a.pending();
    REQUIRE(p.size() == 1);
    CHECK(p.front().record_id == second);
    CHECK(local(a, second).fields.at("Number") == "CS-2");
    CHECK(w.load("Case", first));
    CHECK_FALSE(w.load("Case", second));

    a.transport().set_plan(fault_plan{});
    CHECK(synced(a).pushed == 1);
    CHECK(w.load("Case", second));
}
