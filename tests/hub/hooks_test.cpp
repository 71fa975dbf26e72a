// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — business hooks on the hub: before-apply edits and refusals, after-apply writes that
// reach replicas like any other change.

#include <concord/hub/basic_hub.hpp>
#include <concord/store/memory_hub_store.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

// The portal rule: a new case without a Description takes its Category as the Description.
result<void> portal_rule(const principal&, change& c, const hub_record* current) {
    if (c.entity != "Case" || (current && !current->deleted))
        return {};
    if (auto* cat = c.fields.if_contains("Category"); cat && !c.fields.contains("Description")) {
        boost::json::value v = *cat; // copied first: inserting may move the object's storage
        c.fields["Description"] = std::move(v);
    }
    if (auto* n = c.fields.if_contains("Number"); n && n->is_string() && n->get_string() == "")
        return error(errc::missing_required, "Case " + c.record_id + ": Number is empty", "Number");
    return {};
}

// A status change on a Case leaves a Message on it (Text required; "" gives no Text: refused).
void status_messages(const principal&, const change& c, const hub_record& after,
                     const std::function<void(change)>& emit) {
    if (c.entity != "Case" || !c.fields.contains("Status"))
        return;
    change m;
    m.op = operation::insert;
    m.entity = "Message";
    m.record_id = new_guid();
    m.fields["Case"] = after.id;
    m.fields["Author"] = "hub";
    const std::string status(after.fields.at("Status").as_string());
    if (status != "Silent")
        m.fields["Text"] = "Status is now " + status;
    emit(std::move(m));
}

hub_options hooked() {
    hub_options o{helpdesk()};
    o.hooks.before_apply = portal_rule;
    o.hooks.after_apply = status_messages;
    return o;
}

std::vector<hub_record> messages(hub_fixture& f) {
    auto page = f.hub.sync(pull_request_from(77, 0, 100, {"Message"}));
    REQUIRE(page);
    return page->rows;
}

} // namespace

TEST_CASE("hooks: before-apply edits the change before it is checked and written", "[hub][hooks]") {
    hub_fixture f(hooked());
    obj c;
    c["Number"] = "C-1";
    c["Category"] = "Incident";
    auto r = f.hub.sync(push_request(
        1, {make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(1, 1), c)}));
    REQUIRE(r);
    CHECK(r->outcomes.at(0).kind == outcome_kind::applied);
    CHECK(f.load("Case", guid(1))->fields.at("Description") == "Incident");

    // An update is not a new case: the rule leaves it alone.
    obj u;
    u["Category"] = "Service request";
    REQUIRE(f.hub.sync(push_request(
        1, {make_change(1, 2, operation::update, "Case", guid(1), stamp_at(2, 1), u)})));
    CHECK(f.load("Case", guid(1))->fields.at("Description") == "Incident");
}

TEST_CASE("hooks: a before-apply refusal rejects the change as validation and writes nothing",
          "[hub][hooks]") {
    hub_fixture f(hooked());
    obj c = new_case("");
    auto r = f.hub.sync(push_request(
        1, {make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(1, 1), c)}));
    REQUIRE(r);
    const outcome& o = r->outcomes.at(0);
    CHECK(o.kind == outcome_kind::rejected);
    CHECK(o.reason == reject_reason::validation);
    CHECK(o.code == make_error_code(errc::missing_required));
    CHECK(o.field == "Number");
    CHECK_FALSE(f.load("Case", guid(1)));
    CHECK(messages(f).empty());
}

TEST_CASE("hooks: after-apply writes are the hub's own changes and reach every replica",
          "[hub][hooks]") {
    hub_fixture f(hooked());
    auto r = f.hub.sync(push_request(1, {make_change(1, 1, operation::insert, "Case", guid(1),
                                                     stamp_at(1, 1), new_case("C-1", "Open"))}));
    REQUIRE(r);
    CHECK(r->outcomes.at(0).kind == outcome_kind::applied);
    auto m = messages(f);
    REQUIRE(m.size() == 1);
    CHECK(m[0].fields.at("Case").as_string() == guid(1));
    CHECK(m[0].fields.at("Text") == "Status is now Open");
    // Stamped by the hub, not by the replica whose change triggered it.
    CHECK(f.load("Message", m[0].id)->stamps.at("Text").replica == f.hub.options().id);

    // A change that does not touch Status leaves no message; a rejected one runs no hook.
    obj d;
    d["Description"] = "more detail";
    REQUIRE(f.hub.sync(push_request(
        1, {make_change(1, 2, operation::update, "Case", guid(1), stamp_at(2, 1), d)})));
    obj s;
    s["Status"] = "Closed";
    auto stale = f.hub.sync(push_request(
        2, {make_change(2, 1, operation::update, "Case", guid(9), stamp_at(3, 2), s)}));
    REQUIRE(stale);
    CHECK(stale->outcomes.at(0).kind == outcome_kind::rejected);
    CHECK(messages(f).size() == 1);
}

TEST_CASE("hooks: a refused after-apply write is left out and named in the outcome",
          "[hub][hooks]") {
    hub_fixture f(hooked());
    auto r = f.hub.sync(push_request(1, {make_change(1, 1, operation::insert, "Case", guid(1),
                                                     stamp_at(1, 1), new_case("C-1", "Silent"))}));
    REQUIRE(r);
    const outcome& o = r->outcomes.at(0);
    CHECK(o.kind == outcome_kind::applied); // the case itself is written
    CHECK(o.message.find("after-apply hook") != std::string::npos);
    CHECK(o.message.find("Text") != std::string::npos);
    CHECK(f.load("Case", guid(1)));
    CHECK(messages(f).empty());
}
