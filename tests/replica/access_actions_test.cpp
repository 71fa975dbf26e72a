// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the sync log actions for a refused write: go to record, retry after editing, and
// request access from the administrator.

#include <concord/access/rule_policy.hpp>
#include <concord/hub/basic_hub.hpp>
#include <concord/replica/basic_replica.hpp>
#include <concord/store/memory_store.hpp>
#include <concord/transport/loopback.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>

#include <string>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

// The credentials are the user's name (a stand-in for a session token).
struct named_users {
    result<principal> authenticate(std::string_view token) const {
        if (token == "ann-token")
            return principal{"ann", {"portal"}, "acme"};
        if (token == "ada-token")
            return principal{"ada", {"agent"}, "hq"};
        return error(errc::unauthenticated, "no such session");
    }
};

using policy = rule_policy<named_users>;
using hub_t = basic_hub<memory_hub_store, policy, manual_clock_ref>;
using replica_t = basic_replica<memory_replica_store, loopback_transport<hub_t>, manual_clock_ref>;

policy helpdesk_policy() {
    entity_rights portal;
    portal.read = portal.insert = portal.update = true;
    portal.scope = row_scope::own;
    portal.read_only = {"Category"};
    entity_rights agent;
    agent.read = agent.insert = agent.update = agent.remove = true;
    access_rules rules;
    rules.grant("portal", "Case", portal).grant("agent", "Case", agent);
    return policy(std::move(rules), named_users{});
}

struct world {
    manual_clock clock{t0};
    hub_t hub{hub_options{helpdesk()}, memory_hub_store{}, helpdesk_policy(),
              manual_clock_ref{clock}};

    replica_t replica(std::uint64_t id, std::string token, std::string user) {
        replica_options o = replica_opts(id);
        o.credentials = std::move(token);
        o.user_name = std::move(user);
        o.administrator_email = "admin@helpdesk.example";
        return replica_t(std::move(o), memory_replica_store{}, loopback_transport<hub_t>{hub},
                         manual_clock_ref{clock});
    }
};

// Ann's case, created by Ann and synced; then Ann changes its Category, which she may not.
struct refused_category {
    world w;
    replica_t ann = w.replica(1, "ann-token", "Ann Smith");
    std::string id;
    std::uint64_t entry = 0;

    refused_category() {
        obj f = new_case("C-1");
        f["Owner"] = "ann";
        auto made = ann.insert("Case", f);
        REQUIRE(made);
        id = *made;
        REQUIRE(ann.sync());
        w.clock.advance(1000);
        REQUIRE(ann.update("Case", id, {{"Category", "Service request"}, {"Status", "Open"}}));
        auto s = ann.sync();
        REQUIRE(s);
        auto log = ann.sync_log();
        REQUIRE(log.entries.size() == 1);
        entry = log.entries[0].id;
    }
};

} // namespace

TEST_CASE("sync log: a refused field write offers a request-access text for the administrator",
          "[replica][access]") {
    refused_category t;
    const auto e = t.ann.sync_log().entries.at(0);
    CHECK(e.result.reason == reject_reason::permission);
    CHECK(e.result.field == "Category");

    auto r = t.ann.request_access(t.entry);
    REQUIRE(r);
    CHECK(r->to == "admin@helpdesk.example");
    CHECK(r->subject == "Access request: Case " + t.id + " field Category");
    CHECK(r->body.find("Ann Smith asks for the right to change the field Category of Case " + t.id +
                       ", to set it to \"Service request\"") != std::string::npos);
    CHECK(r->body.find("ann-token") == std::string::npos); // never the credentials
    CHECK(t.ann.sync_log().entries.size() == 1);           // the entry stays until handled
}

TEST_CASE("sync log: request-access does not apply to other outcomes", "[replica][access]") {
    refused_category t;
    auto missing = t.ann.request_access(t.entry + 100);
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == errc::sync_log_entry_not_found);

    // An agent's concurrent edit makes Ann's later, partly older change a merge: no right is
    // missing there.
    replica_t ada = t.w.replica(2, "ada-token", "Ada");
    REQUIRE(ada.sync());
    REQUIRE(t.ann.dismiss(t.entry));
    t.w.clock.advance(1000);
    REQUIRE(t.ann.update("Case", t.id, {{"Status", "Mine"}}));
    t.w.clock.advance(1000);
    REQUIRE(ada.update("Case", t.id, {{"Status", "Agent's"}}));
    REQUIRE(ada.sync());
    // Ann's change is older than the agent's: superseded, not refused.
    REQUIRE(t.ann.sync());
    const auto log = t.ann.sync_log();
    REQUIRE(log.entries.size() == 1);
    CHECK(log.entries[0].result.kind == outcome_kind::superseded);
    auto r = t.ann.request_access(log.entries[0].id);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::action_not_applicable);
}

TEST_CASE("sync log: go to record, then retry without the refused field", "[replica][access]") {
    refused_category t;
    auto target = t.ann.go_to_record(t.entry);
    REQUIRE(target);
    CHECK(target->entity == "Case");
    CHECK(target->record_id == t.id);
    REQUIRE(target->local);
    CHECK(target->local->fields.at("Category") == "Incident"); // the hub's copy is in place

    // The user drops the Category change and keeps the Status one.
    REQUIRE(t.ann.retry(t.entry, {{"Category", "Incident"}}));
    auto s = t.ann.sync();
    REQUIRE(s);
    CHECK(t.ann.sync_log().entries.empty());
    auto hub_copy = hub_load(t.w.hub, "Case", t.id);
    REQUIRE(hub_copy);
    CHECK(hub_copy->fields.at("Status") == "Open");
    CHECK(hub_copy->fields.at("Category") == "Incident");
}
