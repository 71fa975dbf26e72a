// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — workplaces: a replica pulls only its workplace's entities, rows and columns; a
// record that leaves the filter is dropped, one that enters arrives; switching workplace (at
// run time, or by opening a store under another one) re-syncs and keeps pending changes.

#include <concord/memory.hpp>
#include <concord/store/sqlite_replica_store.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/temp_dir.hpp>

#include <boost/json/object.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

workplace open_cases() {
    return workplace{"Open cases",
                     {workplace_entity{"Case", where("Status") != "Closed", {"Number", "Status"}}}};
}

workplace closed_cases_and_messages() {
    return workplace{"Archive",
                     {workplace_entity{"Case", where("Status") == "Closed", {}},
                      workplace_entity{"Message", {}, {}}}};
}

struct office {
    replica_world w;
    test_replica agent = w.replica(99);
    std::map<std::string, std::string> ids; // by number

    office() {
        for (const char* n : {"C-1", "C-2", "C-3"})
            ids[n] = agent.insert("Case", new_case(n)).value();
        ids["C-4"] = agent.insert("Case", new_case("C-4", "Closed")).value();
        ids["M-1"] = agent.insert("Message", obj{{"Case", ids["C-1"]}, {"Text", "hello"}}).value();
        REQUIRE(agent.sync());
    }

    /// A replica (id 1) following `wp`, not synced yet.
    test_replica replica_in(workplace wp) {
        replica_options opts = replica_opts(1);
        opts.workplace = std::move(wp);
        return w.replica(opts);
    }

    void set_status(const std::string& number, const char* status) {
        REQUIRE(agent.update("Case", ids.at(number), obj{{"Status", status}}));
        REQUIRE(agent.sync());
    }
};

std::map<std::string, obj> held(test_replica& r, const char* entity) {
    std::map<std::string, obj> out;
    for (auto& rec : r.find(entity).value())
        out.emplace(rec.id, std::move(rec.fields));
    return out;
}

std::set<std::string> ids_of(test_replica& r, const char* entity) {
    std::set<std::string> out;
    for (const auto& [id, f] : held(r, entity))
        out.insert(id);
    return out;
}

} // namespace

TEST_CASE("workplace: a replica pulls only its workplace's entities, rows and columns",
          "[replica][workplace]") {
    office o;
    auto r = o.replica_in(open_cases());
    REQUIRE(r.sync());
    CHECK(held(r, "Case") ==
          std::map<std::string, obj>{{o.ids["C-1"], obj{{"Number", "C-1"}, {"Status", "New"}}},
                                     {o.ids["C-2"], obj{{"Number", "C-2"}, {"Status", "New"}}},
                                     {o.ids["C-3"], obj{{"Number", "C-3"}, {"Status", "New"}}}});
    CHECK(held(r, "Message").empty());
    CHECK(r.current_workplace() == open_cases());
}

TEST_CASE("workplace: a record that leaves the filter is dropped, one that enters arrives",
          "[replica][workplace]") {
    office o;
    auto r = o.replica_in(open_cases());
    REQUIRE(r.sync());
    o.set_status("C-2", "Closed");
    o.set_status("C-4", "Reopened");
    REQUIRE(r.sync());
    CHECK(ids_of(r, "Case") == std::set<std::string>{o.ids["C-1"], o.ids["C-3"], o.ids["C-4"]});
    CHECK(held(r, "Case").at(o.ids["C-4"]) == obj{{"Number", "C-4"}, {"Status", "Reopened"}});
}

TEST_CASE("workplace: switching re-syncs what the new one covers and keeps pending changes",
          "[replica][workplace]") {
    office o;
    auto r = o.replica_in(open_cases());
    REQUIRE(r.sync());
    // Offline: an edit of an open case and a new case, both pending at the switch.
    REQUIRE(r.update("Case", o.ids["C-1"], obj{{"Status", "Working"}}));
    const std::string fresh = r.insert("Case", new_case("C-9")).value();
    REQUIRE(r.switch_workplace(closed_cases_and_messages()));
    CHECK(r.pending().size() == 2); // the switch loses nothing
    CHECK(ids_of(r, "Case").contains(o.ids["C-1"]));

    auto s = r.sync();
    REQUIRE(s);
    CHECK(s->pushed == 2);
    CHECK(s->applied == 2);
    CHECK(r.pending().empty());
    // The hub has both changes; the replica now holds the archive: closed cases (whole) and
    // the messages, and none of the open cases, unchanged or just edited.
    CHECK(o.w.load("Case", o.ids["C-1"])->fields.at("Status") == "Working");
    CHECK(o.w.load("Case", fresh).has_value());
    CHECK(ids_of(r, "Case") == std::set<std::string>{o.ids["C-4"]});
    CHECK(held(r, "Case").at(o.ids["C-4"]).at("Category") == "Incident"); // every column now
    CHECK(ids_of(r, "Message") == std::set<std::string>{o.ids["M-1"]});
    // C-2 and C-3, unchanged; C-1 and C-9 once their changes were answered.
    CHECK(s->evicted == 4);
    CHECK(r.current_workplace() == closed_cases_and_messages());

    // And back.
    REQUIRE(r.switch_workplace(open_cases()));
    REQUIRE(r.sync());
    CHECK(ids_of(r, "Case") ==
          std::set<std::string>{o.ids["C-1"], o.ids["C-2"], o.ids["C-3"], fresh});
    CHECK(held(r, "Message").empty());
}

TEST_CASE("workplace: a store opened under another workplace re-syncs it", "[replica][workplace]") {
    office o;
    temp_dir dir;
    const std::string path = dir.file("replica.db");
    using file_replica = basic_replica<sqlite_replica_store, test_transport, manual_clock_ref>;
    auto open = [&](workplace wp) {
        replica_options opts = replica_opts(1);
        opts.workplace = std::move(wp);
        return std::make_unique<file_replica>(opts, sqlite_replica_store(path, helpdesk()),
                                              test_transport(o.w.hub), manual_clock_ref{o.w.clock});
    };
    {
        auto r = open(open_cases());
        REQUIRE(r->sync());
        REQUIRE(r->find("Case")->size() == 3);
    }
    auto r = open(closed_cases_and_messages());
    CHECK(r->store().begin().state().resync);
    REQUIRE(r->sync());
    auto cases = r->find("Case").value();
    REQUIRE(cases.size() == 1);
    CHECK(cases[0].id == o.ids["C-4"]);
    CHECK(r->find("Message")->size() == 1);
}

TEST_CASE("workplace: an invalid workplace is refused, naming what is wrong",
          "[replica][workplace]") {
    replica_world w;
    auto r = w.replica(1);
    auto no_entity = r.switch_workplace(workplace{"x", {workplace_entity{"Contact", {}, {}}}});
    REQUIRE_FALSE(no_entity);
    CHECK(no_entity.error() == errc::unknown_entity);
    auto no_column = r.switch_workplace(workplace{"x", {workplace_entity{"Case", {}, {"Colour"}}}});
    REQUIRE_FALSE(no_column);
    CHECK(no_column.error() == errc::unknown_column);
    CHECK(no_column.error().field == "Colour");
    auto bad_filter =
        r.switch_workplace(workplace{"x", {workplace_entity{"Case", where("Colour") == 1, {}}}});
    REQUIRE_FALSE(bad_filter);
    CHECK(bad_filter.error() == errc::invalid_filter);
    CHECK_FALSE(r.current_workplace().has_value()); // nothing changed
    replica_options opts = replica_opts(2);
    opts.workplace = workplace{"x", {workplace_entity{"Contact", {}, {}}}};
    CHECK_THROWS_AS(w.replica(opts), concord::system_error);
}

TEST_CASE("workplace: an outcome's hub copy keeps to the workplace's rows and columns",
          "[replica][workplace]") {
    office o;
    auto r = o.replica_in(open_cases());
    REQUIRE(r.sync());
    // My edits lose to the agent's later ones: the outcomes carry the hub's copies.
    REQUIRE(r.update("Case", o.ids["C-1"], obj{{"Status", "Mine"}}));
    REQUIRE(r.update("Case", o.ids["C-2"], obj{{"Status", "Mine"}}));
    o.w.clock.advance(1000);
    REQUIRE(o.agent.update("Case", o.ids["C-1"],
                           obj{{"Status", "Working"}, {"Description", "not in my columns"}}));
    REQUIRE(o.agent.update("Case", o.ids["C-2"], obj{{"Status", "Closed"}}));
    REQUIRE(o.agent.sync());
    auto s = r.sync();
    REQUIRE(s);
    CHECK(s->logged == 2);
    // C-1's copy has only the workplace's columns; C-2 is closed now, outside the workplace.
    CHECK(held(r, "Case").at(o.ids["C-1"]) == obj{{"Number", "C-1"}, {"Status", "Working"}});
    CHECK_FALSE(ids_of(r, "Case").contains(o.ids["C-2"]));
    for (const auto& e : r.sync_log().entries) {
        REQUIRE(e.result.hub_copy.has_value());
        CHECK_FALSE(e.result.hub_copy->fields.contains("Description"));
        CHECK_FALSE(e.result.hub_copy->fields.contains("Category"));
    }
}

TEST_CASE("workplace: an entity listed twice is refused", "[replica][workplace]") {
    replica_world w;
    auto r = w.replica(1);
    auto twice =
        r.switch_workplace(workplace{"x",
                                     {workplace_entity{"Case", where("Status") == "New", {}},
                                      workplace_entity{"Case", where("Priority") == 1, {}}}});
    REQUIRE_FALSE(twice);
    CHECK(twice.error() == errc::invalid_request);
    CHECK(twice.error().message.find("twice") != std::string::npos);
}

TEST_CASE("workplace: a re-sync keeps the records the hub left out as echoes of its pushes",
          "[replica][workplace][echo]") {
    office o;
    const auto everything = [](std::string name) {
        return workplace{std::move(name),
                         {workplace_entity{"Case", {}, {}}, workplace_entity{"Message", {}, {}}}};
    };
    replica_options opts = replica_opts(1);
    opts.workplace = everything("All");
    opts.push_limit = 2;
    opts.pull_limit = 3;
    auto r = o.w.replica(opts);
    REQUIRE(r.sync());
    // Four changes pending at a switch. The re-sync's first round pushes the updates and pulls
    // sequences 3..5 from cursor 0; the second pushes the inserts after cursor 5, so the hub
    // leaves them out as echoes, and its page (C-1 and C-2 again) is the last. Never received,
    // with nothing pending any more, the new cases must still not be swept away as records
    // that left the scope.
    for (const char* n : {"C-1", "C-2"})
        REQUIRE(r.update("Case", o.ids[n], obj{{"Owner", "Ann"}}));
    REQUIRE(r.insert("Case", new_case("N-1")));
    REQUIRE(r.insert("Case", new_case("N-2")));
    REQUIRE(r.switch_workplace(everything("All again")));
    auto sum = r.sync();
    REQUIRE(sum);
    CHECK(sum->requests == 2);
    CHECK(sum->pushed == 4);
    CHECK(sum->pulled == 5); // not the two new cases
    CHECK(sum->evicted == 0);
    auto hub_cases = o.w.hub.select("", "Case");
    REQUIRE(hub_cases);
    std::map<std::string, obj> expected;
    for (auto& h : *hub_cases)
        expected.emplace(h.id, std::move(h.fields));
    CHECK(expected.size() == 6);
    CHECK(held(r, "Case") == expected);
}
