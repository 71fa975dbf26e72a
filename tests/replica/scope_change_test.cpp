// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — read scope changes: a reassigned record is evicted from its former owner's replica
// only, a principal whose roles changed re-syncs (new records arrive unchanged, records out of
// scope and hidden columns go), pending changes survive, an interrupted re-sync starts over.

#include <concord/access/rule_policy.hpp>
#include <concord/memory.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/rules_world.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

// portal: own cases (Priority hidden); power: the organisation's cases; agent: everything.
access_rules helpdesk_rules() {
    entity_rights portal = grant_of(true, true, true, false, row_scope::own);
    portal.hidden = {"Priority"};
    access_rules rules;
    rules.grant("portal", "Case", portal)
        .grant("power", "Case", grant_of(true, false, true, false, row_scope::organisation))
        .grant("agent", "Case", grant_of(true, true, true, true, row_scope::all))
        .grant("agent", "Message", grant_of(true, true, true, true, row_scope::all));
    return rules;
}

struct scope_world : rules_world {
    rules_replica agent;

    scope_world() : rules_world(helpdesk_rules()), agent(replica("ada", 9)) {
        users.set(principal{"ann", {"portal"}, "acme"});
        users.set(principal{"bob", {"portal"}, "acme"});
        users.set(principal{"pat", {"power"}, "acme"});
        users.set(principal{"eve", {"portal"}, "globex"});
        users.set(principal{"ada", {"agent"}, "hq"});
    }

    // The agent creates a case owned by `owner` in `org` and syncs it.
    std::string add_case(unsigned n, const char* owner, const char* org) {
        obj f = new_case("C-" + std::to_string(n));
        f["Id"] = guid(n);
        f["Owner"] = owner;
        f["Org"] = org;
        f["Priority"] = 2;
        auto id = agent.insert("Case", f);
        REQUIRE(id);
        REQUIRE(agent.sync());
        return *id;
    }

    void agent_sets(const std::string& id, obj fields) {
        REQUIRE(agent.update("Case", id, std::move(fields)));
        REQUIRE(agent.sync());
    }

    result<sync_response> pull(const std::string& user, std::uint64_t after, std::string scope) {
        sync_request req = pull_request_from(70, after, 100);
        req.credentials = user;
        req.scope = std::move(scope);
        return hub.sync(req);
    }
};

std::set<std::string> local_ids(rules_replica& r) {
    auto all = r.find("Case");
    REQUIRE(all);
    std::set<std::string> out;
    for (const auto& rec : *all)
        out.insert(rec.id);
    return out;
}

std::set<std::string> visible_ids(scope_world& w, const std::string& user) {
    std::set<std::string> out;
    for (const auto& h : w.visible(user, "Case"))
        out.insert(h.id);
    return out;
}

} // namespace

TEST_CASE("scope: every pull carries the principal's scope key; another key re-syncs from the "
          "start",
          "[replica][scope]") {
    scope_world w;
    const std::string c1 = w.add_case(1, "ann", "acme");
    w.add_case(2, "bob", "acme");
    const std::string ann_key = w.hub.access().scope_key(principal{"ann", {"portal"}, "acme"});

    auto first = w.pull("ann", 0, "");
    REQUIRE(first);
    CHECK(first->scope == ann_key);
    CHECK_FALSE(first->resync); // a fresh replica: nothing to re-sync
    REQUIRE(first->rows.size() == 1);
    CHECK(first->rows[0].id == c1);

    auto same = w.pull("ann", first->cursor, ann_key);
    REQUIRE(same);
    CHECK_FALSE(same->resync);
    CHECK(same->rows.empty());

    // A replica that pulled under another key (or under none, with a cursor) starts over.
    for (const std::string& stale : {std::string("0123"), std::string()}) {
        auto again = w.pull("ann", first->cursor, stale);
        REQUIRE(again);
        CHECK(again->resync);
        CHECK(again->scope == ann_key);
        REQUIRE(again->rows.size() == 1);
        CHECK(again->rows[0].id == c1);
    }

    // The key follows the principal: another organisation is another scope.
    w.users.set(principal{"ann", {"portal"}, "globex"});
    auto moved = w.pull("ann", first->cursor, ann_key);
    REQUIRE(moved);
    CHECK(moved->resync);
    CHECK(moved->scope != ann_key);
}

TEST_CASE("scope: a reassigned record is evicted only from principals who could read it",
          "[replica][scope]") {
    scope_world w;
    const std::string c1 = w.add_case(1, "ann", "acme");
    auto base = w.pull("ada", 0, "");
    REQUIRE(base);
    const std::uint64_t cursor = base->cursor;

    w.agent_sets(c1, obj{{"Owner", "bob"}});

    auto key_of = [&](const std::string& user) { return w.pull(user, 0, "").value().scope; };
    auto rows_for = [&](const std::string& user) {
        auto r = w.pull(user, cursor, key_of(user));
        REQUIRE(r);
        CHECK_FALSE(r->resync);
        return r->rows;
    };

    const auto ann = rows_for("ann"); // owned it: evicted, and told nothing else
    REQUIRE(ann.size() == 1);
    CHECK(ann[0].id == c1);
    CHECK(ann[0].deleted);
    CHECK(ann[0].fields.empty());

    const auto bob = rows_for("bob"); // owns it now: the whole record, unchanged since creation
    REQUIRE(bob.size() == 1);
    CHECK_FALSE(bob[0].deleted);
    CHECK(bob[0].fields.at("Number") == "C-1");
    CHECK_FALSE(bob[0].fields.contains("Priority")); // hidden from portal users

    CHECK(rows_for("eve").empty()); // never could read it: not even its id

    const auto pat = rows_for("pat"); // the organisation still holds it
    REQUIRE(pat.size() == 1);
    CHECK_FALSE(pat[0].deleted);

    // Moving it to another organisation evicts it from the power user as well.
    w.agent_sets(c1, obj{{"Org", "globex"}});
    const auto pat_after = rows_for("pat");
    REQUIRE(pat_after.size() == 1);
    CHECK(pat_after[0].deleted);
    CHECK(rows_for("eve").empty()); // globex's portal user does not own it
}

TEST_CASE("scope: a reassigned record leaves the former owner's replica and reaches the new one",
          "[replica][scope]") {
    scope_world w;
    auto ann = w.replica("ann", 1);
    auto bob = w.replica("bob", 2);
    const std::string c1 = w.add_case(1, "ann", "acme");
    const std::string c2 = w.add_case(2, "ann", "acme");
    REQUIRE(ann.sync());
    REQUIRE(bob.sync());
    CHECK(local_ids(ann) == std::set<std::string>{c1, c2});
    CHECK(local_ids(bob).empty());

    w.agent_sets(c1, obj{{"Owner", "bob"}});
    auto sa = ann.sync();
    REQUIRE(sa);
    CHECK(local_ids(ann) == std::set<std::string>{c2});
    CHECK(ann.get("Case", c1).error() == errc::record_not_found);
    REQUIRE(bob.sync());
    CHECK(local_ids(bob) == std::set<std::string>{c1});
    CHECK(bob.get("Case", c1)->fields.at("Owner") == "bob");

    // Back to ann: it arrives again.
    w.agent_sets(c1, obj{{"Owner", "ann"}});
    REQUIRE(ann.sync());
    REQUIRE(bob.sync());
    CHECK(local_ids(ann) == std::set<std::string>{c1, c2});
    CHECK(local_ids(bob).empty());
}

TEST_CASE("scope: a role change re-syncs: records now in scope arrive unchanged, others go, and "
          "so do hidden columns",
          "[replica][scope]") {
    scope_world w;
    const std::string mine = w.add_case(1, "ann", "acme");
    const std::string bobs = w.add_case(2, "bob", "acme");
    const std::string other = w.add_case(3, "eve", "globex");
    auto ann = w.replica("ann", 1);
    REQUIRE(ann.sync());
    CHECK(local_ids(ann) == std::set<std::string>{mine});
    CHECK_FALSE(ann.get("Case", mine)->fields.contains("Priority"));

    // Promoted to power user: bob's case was not changed, yet it arrives, with Priority now.
    w.users.set(principal{"ann", {"power"}, "acme"});
    auto up = ann.sync();
    REQUIRE(up);
    CHECK(up->evicted == 0);
    CHECK(local_ids(ann) == std::set<std::string>{mine, bobs});
    CHECK(local_ids(ann) == visible_ids(w, "ann"));
    CHECK(ann.get("Case", mine)->fields.at("Priority") == 2);

    // Back to portal: bob's case leaves, and the hidden column leaves the local copy too.
    w.users.set(principal{"ann", {"portal"}, "acme"});
    auto down = ann.sync();
    REQUIRE(down);
    CHECK(down->evicted == 1);
    CHECK(local_ids(ann) == std::set<std::string>{mine});
    CHECK_FALSE(ann.get("Case", mine)->fields.contains("Priority"));
    CHECK(ann.get("Case", other).error() == errc::record_not_found);

    // A later sync under the same role re-syncs nothing.
    auto quiet = ann.sync();
    REQUIRE(quiet);
    CHECK(quiet->pulled == 0);
    CHECK(quiet->evicted == 0);
}

TEST_CASE("scope: a re-sync keeps the outbox; a pending change to a record that left the scope "
          "is answered, not lost",
          "[replica][scope]") {
    scope_world w;
    const std::string bobs = w.add_case(2, "bob", "acme");
    w.users.set(principal{"ann", {"power"}, "acme"});
    auto ann = w.replica("ann", 1);
    REQUIRE(ann.sync());
    REQUIRE(local_ids(ann) == std::set<std::string>{bobs});

    // Offline: a new own case, and an edit of bob's case (allowed to a power user).
    obj mine = new_case("C-9");
    mine["Owner"] = "ann";
    mine["Org"] = "acme";
    auto created = ann.insert("Case", mine);
    REQUIRE(created);
    REQUIRE(ann.update("Case", bobs, obj{{"Status", "Working"}}));

    w.users.set(principal{"ann", {"portal"}, "acme"});
    auto s = ann.sync();
    REQUIRE(s);
    CHECK(ann.pending().empty());
    CHECK(local_ids(ann) == std::set<std::string>{*created});
    REQUIRE(w.hub.select("ada", "Case")->size() == 2); // the new case reached the hub
    const auto log = ann.sync_log().entries;
    REQUIRE(log.size() == 1); // the edit of bob's case: refused, kept for the user
    CHECK(log[0].mine.record_id == bobs);
    CHECK(log[0].result.kind == outcome_kind::rejected);
    CHECK(log[0].result.reason == reject_reason::permission);
    CHECK_FALSE(log[0].result.hub_copy.has_value()); // nothing of bob's case leaks back
}

TEST_CASE("scope: an interrupted re-sync starts over and still drops what left the scope",
          "[replica][scope]") {
    scope_world w;
    std::set<std::string> anns, bobs;
    for (unsigned n = 1; n <= 25; ++n)
        anns.insert(w.add_case(n, "ann", "acme"));
    for (unsigned n = 26; n <= 35; ++n)
        bobs.insert(w.add_case(n, "bob", "acme"));
    w.users.set(principal{"ann", {"power"}, "acme"});
    auto ann = w.replica("ann", 1, {}, 10); // pages of 10: the re-sync takes three
    REQUIRE(ann.sync());
    std::set<std::string> both = anns;
    both.insert(bobs.begin(), bobs.end());
    REQUIRE(local_ids(ann) == both);

    w.users.set(principal{"ann", {"portal"}, "acme"});
    fault_plan plan;
    plan.fail_request_at = ann.transport().exchanges() + 2; // the re-sync's second page
    ann.transport().set_plan(plan);
    auto broken = ann.sync();
    REQUIRE_FALSE(broken);
    CHECK(broken.error() == errc::transport_failed);
    CHECK(ann.store().begin().state().resync); // durable: the next sync knows

    ann.transport().set_plan(fault_plan{});
    auto done = ann.sync();
    REQUIRE(done);
    CHECK(done->evicted == bobs.size());
    CHECK(done->pulled == anns.size()); // from the start again
    CHECK(local_ids(ann) == anns);
    CHECK_FALSE(ann.store().begin().state().resync);
}

TEST_CASE("scope: request access goes to the administrator address the hub sends",
          "[replica][scope]") {
    hub_options o{helpdesk()};
    o.administrator_email = "helpdesk-admin@example.com";
    entity_rights portal = grant_of(true, true, true, false, row_scope::own);
    portal.read_only = {"Category"};
    access_rules rules;
    rules.grant("portal", "Case", portal);
    rules_world w(rules, o);
    w.users.set(principal{"ann", {"portal"}, "acme"});
    auto ann = w.replica("ann", 1);
    obj f = new_case("C-1");
    f["Owner"] = "ann";
    auto id = ann.insert("Case", f);
    REQUIRE(id);
    REQUIRE(ann.sync());
    REQUIRE(ann.update("Case", *id, obj{{"Category", "Service request"}}));
    auto s = ann.sync();
    REQUIRE(s);
    REQUIRE(s->logged == 1);
    const auto entry = ann.sync_log().entries.at(0);
    auto req = ann.request_access(entry.id);
    REQUIRE(req);
    CHECK(req->to == "helpdesk-admin@example.com");
    CHECK(req->subject.find("Category") != std::string::npos);
}
