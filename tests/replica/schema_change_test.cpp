// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub's schema evolving under replicas: a new column, a new entity, a column
// becoming required; replicas adopt it on their next sync without a reset and lose nothing.

#include <concord/memory.hpp>
#include <concord/store/sqlite_store.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/temp_dir.hpp>

#include <memory>
#include <string>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

// The helpdesk with a Case.Channel column and a Task entity.
schema grown() {
    schema s = helpdesk();
    entity_schema c = *s.find("Case");
    c.columns.push_back(column{"Channel", data_value_type::text, false, 20});
    s.add(std::move(c));
    s.add(entity_schema{"Task",
                        {column{"Case", data_value_type::lookup, true},
                         column{"Title", data_value_type::text, true, 80}}});
    return s;
}

// The helpdesk where a Case needs a Description.
schema stricter() {
    schema s = helpdesk();
    entity_schema c = *s.find("Case");
    for (auto& col : c.columns)
        if (col.name == "Description")
            col.required = true;
    s.add(std::move(c));
    return s;
}

// A replica of the new schema (an up-to-date app), for writing what the new schema allows.
test_replica newer_replica(replica_world& w, std::uint64_t id) {
    replica_options o = replica_opts(id);
    o.schema = grown();
    return w.replica(o);
}

} // namespace

TEST_CASE("schema: the versions travel with every answer; the schema only when it changed",
          "[replica][schema]") {
    replica_world w;
    auto r = w.replica(1);
    REQUIRE(r.sync());
    sync_request req = pull_request_from(1, 0, 10);
    req.schema_version = schema_version(helpdesk());
    auto same = w.hub.sync(req);
    REQUIRE(same);
    CHECK(same->schema_version == schema_version(helpdesk()));
    CHECK_FALSE(same->schema);

    REQUIRE(w.hub.set_schema(grown()));
    auto changed = w.hub.sync(req);
    REQUIRE(changed);
    CHECK(changed->schema_version == schema_version(grown()));
    REQUIRE(changed->schema);
    CHECK(*changed->schema == grown());
    CHECK(schema_version(grown()) != schema_version(helpdesk()));
    // The JSON form round-trips exactly (it is what a replica keeps).
    auto back = schema_from_json(to_json(grown()));
    REQUIRE(back);
    CHECK(*back == grown());
    CHECK_FALSE(schema_from_json(boost::json::parse(R"({"entities":[{"name":"X"}]})")));
}

TEST_CASE("schema: a new column and a new entity reach a replica on its next sync, pending "
          "changes and the sync log kept",
          "[replica][schema]") {
    replica_world w;
    auto r = w.replica(1);
    obj f = new_case("C-1");
    f["Id"] = guid(1);
    REQUIRE(r.insert("Case", f));
    REQUIRE(r.sync());
    REQUIRE(r.update("Case", guid(1), obj{{"Status", "Waiting"}})); // pending through it all

    REQUIRE(w.hub.set_schema(grown()));
    auto app = newer_replica(w, 2);
    REQUIRE(app.sync());
    REQUIRE(app.update("Case", guid(1), obj{{"Channel", "Phone"}}));
    auto task = app.insert("Task", obj{{"Case", guid(1)}, {"Title", "Call back"}});
    REQUIRE(task);
    REQUIRE(app.sync());

    // Before its sync, the old replica knows no Channel.
    auto early = r.update("Case", guid(1), obj{{"Channel", "Mail"}});
    REQUIRE_FALSE(early);
    CHECK(early.error() == errc::unknown_column);

    REQUIRE(r.sync());
    CHECK(*r.schema() == grown());
    CHECK(r.pending().empty()); // the pending Status change went out with the sync
    auto c = r.get("Case", guid(1));
    REQUIRE(c);
    CHECK(c->fields.at("Channel") == "Phone");
    CHECK(c->fields.at("Status") == "Waiting");
    auto t = r.get("Task", *task);
    REQUIRE(t);
    CHECK(t->fields.at("Title") == "Call back");
    // And the new schema is what local writes validate against now.
    REQUIRE(r.update("Case", guid(1), obj{{"Channel", "Mail"}}));
    REQUIRE(r.insert("Task", obj{{"Case", guid(1)}, {"Title", "Follow up"}}));
    auto too_long = r.update("Case", guid(1), obj{{"Channel", std::string(21, 'x')}});
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error() == errc::value_too_long);
    REQUIRE(r.sync());
    CHECK(w.load("Case", guid(1))->fields.at("Channel") == "Mail");
}

TEST_CASE("schema: a pending change that no longer validates lands in the sync log as "
          "rejected: validation, and can be fixed and retried",
          "[replica][schema]") {
    replica_world w;
    auto r = w.replica(1);
    REQUIRE(r.sync());
    obj f = new_case("C-9"); // no Description: fine under the old schema
    f["Id"] = guid(9);
    REQUIRE(r.insert("Case", f));
    obj g = new_case("C-10");
    g["Id"] = guid(10);
    g["Description"] = "has one";
    REQUIRE(r.insert("Case", g));

    REQUIRE(w.hub.set_schema(stricter()));
    auto s = r.sync();
    REQUIRE(s);
    CHECK(s->pushed == 2);
    CHECK(s->logged == 1);
    CHECK(w.load("Case", guid(10))); // the valid one is in
    CHECK_FALSE(w.load("Case", guid(9)));
    auto log = r.sync_log();
    REQUIRE(log.entries.size() == 1);
    const sync_log_entry& e = log.entries.front();
    CHECK(e.result.kind == outcome_kind::rejected);
    CHECK(e.result.reason == reject_reason::validation);
    CHECK(e.result.code == errc::missing_required);
    CHECK(e.result.field == "Description");
    CHECK(e.mine.record_id == guid(9));
    auto target = r.go_to_record(e.id);
    REQUIRE(target);
    CHECK(target->record_id == guid(9));
    CHECK_FALSE(target->local); // the hub refused it: gone locally, kept in the entry
    REQUIRE(e.local_copy);
    CHECK(e.local_copy->fields.at("Number") == "C-9");
    // The replica validates against the new schema now, and the fix goes through.
    CHECK(r.schema()->find("Case")->find("Description")->required);
    REQUIRE(r.retry(e.id, obj{{"Description", "now described"}}));
    REQUIRE(r.sync());
    REQUIRE(w.load("Case", guid(9)));
    CHECK(w.load("Case", guid(9))->fields.at("Description") == "now described");
    CHECK(r.sync_log().entries.empty());
}

TEST_CASE("schema: an SQLite replica migrates its tables and keeps the hub's schema across "
          "restarts",
          "[replica][schema][sqlite]") {
    replica_world w;
    temp_dir dir;
    const std::string path = dir.file("replica.db");
    using file_replica = basic_replica<sqlite_replica_store, test_transport, manual_clock_ref>;
    auto open = [&] { // always the app's old schema: the store remembers the hub's
        return std::make_unique<file_replica>(replica_opts(1),
                                              sqlite_replica_store(path, helpdesk()),
                                              test_transport(w.hub), manual_clock_ref{w.clock});
    };
    {
        auto r = open();
        obj f = new_case("C-1");
        f["Id"] = guid(1);
        REQUIRE(r->insert("Case", f));
        REQUIRE(r->sync());
        REQUIRE(r->update("Case", guid(1), obj{{"Status", "Open"}}));
    }
    REQUIRE(w.hub.set_schema(grown()));
    auto app = newer_replica(w, 2);
    REQUIRE(app.sync());
    REQUIRE(app.update("Case", guid(1), obj{{"Channel", "Web"}}));
    auto task = app.insert("Task", obj{{"Case", guid(1)}, {"Title", "Check"}});
    REQUIRE(task);
    REQUIRE(app.sync());
    {
        auto r = open();
        REQUIRE(r->sync());
        CHECK(r->get("Case", guid(1))->fields.at("Channel") == "Web");
        CHECK(r->get("Task", *task));
    }
    auto r = open();
    CHECK(*r->schema() == grown()); // kept in the store
    CHECK(r->get("Case", guid(1))->fields.at("Channel") == "Web");
    CHECK(r->get("Case", guid(1))->fields.at("Status") == "Open");
    REQUIRE(r->update("Case", guid(1), obj{{"Channel", "Mail"}}));
    REQUIRE(r->sync());
    CHECK(w.load("Case", guid(1))->fields.at("Channel") == "Mail");
}

TEST_CASE("schema: a hub store that cannot migrate while open refuses set_schema",
          "[hub][schema][sqlite]") {
    temp_dir dir;
    basic_hub<sqlite_hub_store> hub(hub_options{helpdesk()},
                                    sqlite_hub_store(dir.file("hub.db"), helpdesk()));
    auto r = hub.set_schema(grown());
    if (!r) {
        CHECK(r.error() == errc::unsupported);
        CHECK(*hub.schema() == helpdesk());
    } else {
        CHECK(*hub.schema() == grown()); // a store that migrates in place
    }
}
