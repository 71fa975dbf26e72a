// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub under access rules: what each principal pulls and selects, which columns
// leave the hub, and how refused writes are answered.

#include <concord/access/rule_policy.hpp>
#include <concord/hub/basic_hub.hpp>
#include <concord/store/memory_hub_store.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

// Token = user name; the table gives each user's role and organisation.
struct named_users {
    std::map<std::string, principal, std::less<>> users;
    result<principal> authenticate(std::string_view token) const {
        if (auto it = users.find(token); it != users.end())
            return it->second;
        return error(errc::unauthenticated, "no such session");
    }
};

entity_rights rights(bool read, bool insert, bool update, row_scope scope) {
    entity_rights r;
    r.read = read;
    r.insert = insert;
    r.update = update;
    r.scope = scope;
    return r;
}

using policy = rule_policy<named_users>;
using hub_t = basic_hub<memory_hub_store, policy, manual_clock_ref>;

struct world {
    manual_clock clock{t0};
    hub_t hub;

    static policy make_policy() {
        entity_rights portal = rights(true, true, true, row_scope::own);
        portal.read_only = {"Category"};
        portal.hidden = {"Priority"};
        access_rules rules;
        rules.grant("portal", "Case", portal)
            .grant("power", "Case", rights(true, false, true, row_scope::organisation))
            .grant("agent", "Case", rights(true, true, true, row_scope::all));
        named_users u;
        u.users["ann"] = principal{"ann", {"portal"}, "acme"};
        u.users["bob"] = principal{"bob", {"portal"}, "acme"};
        u.users["pat"] = principal{"pat", {"power"}, "acme"};
        u.users["ada"] = principal{"ada", {"agent"}, "hq"};
        return policy(std::move(rules), std::move(u));
    }

    world()
        : hub(hub_options{helpdesk()}, memory_hub_store{}, make_policy(), manual_clock_ref{clock}) {
        // An agent creates four cases: two of ann's (acme), one of bob's (acme), one of eve's
        // (globex).
        std::vector<change> push;
        auto add = [&](unsigned n, const char* owner, const char* org) {
            obj f = new_case("C-" + std::to_string(n));
            f["Owner"] = owner;
            f["Org"] = org;
            f["Priority"] = 3;
            push.push_back(
                make_change(9, n, operation::insert, "Case", guid(n), stamp_at(n, 9), f));
        };
        add(1, "ann", "acme");
        add(2, "ann", "acme");
        add(3, "bob", "acme");
        add(4, "eve", "globex");
        sync_request req = push_request(9, std::move(push));
        req.credentials = "ada";
        auto r = hub.sync(req);
        REQUIRE(r);
        for (const auto& o : r->outcomes)
            REQUIRE(o.kind == outcome_kind::applied);
    }

    std::vector<hub_record> pull(const std::string& who) {
        sync_request req = pull_request_from(50, 0, 100);
        req.credentials = who;
        auto r = hub.sync(req);
        REQUIRE(r);
        return r->rows;
    }
};

std::set<std::string> ids(const std::vector<hub_record>& rows) {
    std::set<std::string> out;
    for (const auto& h : rows)
        out.insert(h.id);
    return out;
}

} // namespace

TEST_CASE("hub rules: each principal pulls exactly the rows of its scope", "[hub][access]") {
    world w;
    CHECK(ids(w.pull("ann")) == std::set<std::string>{guid(1), guid(2)});
    CHECK(ids(w.pull("bob")) == std::set<std::string>{guid(3)});
    CHECK(ids(w.pull("pat")) == std::set<std::string>{guid(1), guid(2), guid(3)});
    CHECK(ids(w.pull("ada")) == std::set<std::string>{guid(1), guid(2), guid(3), guid(4)});
}

TEST_CASE("hub rules: hidden columns never leave the hub in pulls or selects", "[hub][access]") {
    world w;
    for (const auto& h : w.pull("ann")) {
        CHECK_FALSE(h.fields.contains("Priority"));
        CHECK(h.fields.at("Owner") == "ann");
        CHECK(h.fields.contains("Category"));
    }
    for (const auto& h : w.pull("pat"))
        CHECK(h.fields.at("Priority") == 3); // the power role hides nothing

    auto sel = w.hub.select("ann", "Case");
    REQUIRE(sel);
    CHECK(ids(*sel) == std::set<std::string>{guid(1), guid(2)});
    for (const auto& h : *sel)
        CHECK_FALSE(h.fields.contains("Priority"));
}

TEST_CASE("hub rules: a refused field write names the field, and its hub copy is projected",
          "[hub][access]") {
    world w;
    obj f;
    f["Category"] = "Service request";
    sync_request req = push_request(
        60, {make_change(60, 1, operation::update, "Case", guid(1), stamp_at(100, 60), f)});
    req.credentials = "ann";
    auto r = w.hub.sync(req);
    REQUIRE(r);
    REQUIRE(r->outcomes.size() == 1);
    const outcome& o = r->outcomes[0];
    CHECK(o.kind == outcome_kind::rejected);
    CHECK(o.reason == reject_reason::permission);
    CHECK(o.code == make_error_code(errc::permission_denied));
    CHECK(o.field == "Category");
    CHECK(o.losing.at("Category") == "Service request");
    REQUIRE(o.hub_copy);
    CHECK(o.hub_copy->fields.at("Category") == "Incident");
    CHECK_FALSE(o.hub_copy->fields.contains("Priority"));
    CHECK(hub_load(w.hub, "Case", guid(1))->fields.at("Category") == "Incident");
}

TEST_CASE("hub rules: a refused write to a record out of scope carries no hub copy",
          "[hub][access]") {
    world w;
    obj f;
    f["Status"] = "Closed";
    sync_request req = push_request(
        61, {make_change(61, 1, operation::update, "Case", guid(4), stamp_at(100, 61), f)});
    req.credentials = "ann";
    auto r = w.hub.sync(req);
    REQUIRE(r);
    const outcome& o = r->outcomes.at(0);
    CHECK(o.reason == reject_reason::permission);
    CHECK_FALSE(o.hub_copy); // eve's case must not reach ann, not even in an answer
    CHECK(hub_load(w.hub, "Case", guid(4))->fields.at("Status") == "New");
}

TEST_CASE("hub rules: a reassigned record stops reaching its former owner", "[hub][access]") {
    world w;
    obj f;
    f["Owner"] = "bob";
    sync_request req = push_request(
        9, {make_change(9, 10, operation::update, "Case", guid(2), stamp_at(200, 9), f)});
    req.credentials = "ada";
    REQUIRE(w.hub.sync(req));
    CHECK(ids(w.pull("ann")) == std::set<std::string>{guid(1)});
    CHECK(ids(w.pull("bob")) == std::set<std::string>{guid(2), guid(3)});
}

TEST_CASE("hub rules: unknown credentials are refused before anything is read", "[hub][access]") {
    world w;
    sync_request req = pull_request_from(50, 0, 100);
    req.credentials = "mallory";
    auto r = w.hub.sync(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::unauthenticated);
}
