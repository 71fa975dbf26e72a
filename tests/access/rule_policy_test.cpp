// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of access_rules and rule_policy: rights, row scopes, columns, roles, scope keys.

#include <concord/access/rule_policy.hpp>
#include <concord/access/rules.hpp>

#include <catch2/catch.hpp>
#include <support/grants.hpp>

#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace {

using namespace concord;
using concord::test::grant_of;
using obj = boost::json::object;

constexpr const char* case_1 = "11111111-1111-4111-8111-111111111111";
constexpr const char* case_2 = "22222222-2222-4222-8222-222222222222";

// Credentials are user names; "nobody" and unknown names fail.
struct table_authenticator {
    std::map<std::string, principal, std::less<>> users;

    result<principal> authenticate(std::string_view cred) const {
        auto it = users.find(cred);
        if (it == users.end())
            return error(errc::unauthenticated, "unknown credentials");
        return it->second;
    }
};

static_assert(access_policy<rule_policy<table_authenticator>>);
static_assert(!grants_everything<rule_policy<table_authenticator>>);

principal who(std::string id, std::vector<std::string> roles, std::string org = "acme") {
    return principal{std::move(id), std::move(roles), std::move(org)};
}

// The helpdesk roles:
//  portal  — a customer: reads, inserts and updates their own cases; Category is read-only.
//  power   — a customer's power user: reads and updates every case of their organisation.
//  agent   — support staff: everything on every case.
//  triage  — reads, inserts and updates every case, but Description is hidden and Owner
//            read-only.
//  closer  — reads and removes the cases of their organisation.
//  clerk   — inserts cases for their organisation only.
//  viewer  — reads every case.
//  Message: portal reads and inserts the messages they wrote (owner column "Author").
access_rules helpdesk_rules() {
    entity_rights portal = grant_of(true, true, true, false, row_scope::own);
    portal.read_only = {"Category"};
    entity_rights triage = grant_of(true, true, true, false, row_scope::all);
    triage.hidden = {"Description"};
    triage.read_only = {"Owner"};
    access_rules rules;
    rules.grant("portal", "Case", portal)
        .grant("power", "Case", grant_of(true, false, true, false, row_scope::organisation))
        .grant("agent", "Case", grant_of(true, true, true, true, row_scope::all))
        .grant("triage", "Case", triage)
        .grant("closer", "Case", grant_of(true, false, false, true, row_scope::organisation))
        .grant("clerk", "Case", grant_of(false, true, false, false, row_scope::organisation))
        .grant("viewer", "Case", grant_of(true, false, false, false, row_scope::all))
        .grant("portal", "Message", grant_of(true, true, false, false, row_scope::own))
        .grant("empty", "Case", entity_rights{})
        .owner_column("Message", "Author");
    return rules;
}

rule_policy<table_authenticator> helpdesk() {
    table_authenticator auth;
    auth.users.emplace("alice", who("alice", {"portal"}));
    return rule_policy<table_authenticator>(helpdesk_rules(), auth);
}

hub_record case_record(const char* id, obj fields) {
    hub_record h;
    h.entity = "Case";
    h.id = id;
    h.fields = std::move(fields);
    h.seq = 1;
    return h;
}

hub_record tombstone(const char* entity, const char* id) {
    hub_record h;
    h.entity = entity;
    h.id = id;
    h.deleted = true;
    h.seq = 2;
    return h;
}

change make(operation op, const char* id, obj fields, std::string entity = "Case") {
    change c;
    c.op = op;
    c.entity = std::move(entity);
    c.record_id = id;
    c.fields = std::move(fields);
    return c;
}

// Alice's case in acme, Bob's in acme, Carol's in globex.
const hub_record alices = case_record(case_1, obj{{"Owner", "alice"},
                                                  {"Org", "acme"},
                                                  {"Category", "Incident"},
                                                  {"Status", "New"},
                                                  {"Description", "printer on fire"}});
const hub_record bobs = case_record(
    case_2, obj{{"Owner", "bob"}, {"Org", "acme"}, {"Category", "Incident"}, {"Status", "New"}});
const hub_record carols =
    case_record(case_2, obj{{"Owner", "carol"}, {"Org", "globex"}, {"Category", "Incident"}});

const principal alice = who("alice", {"portal"});
const principal paula = who("paula", {"power"});
const principal ada = who("ada", {"agent"}, "support");
const principal tess = who("tess", {"triage"}, "support");
const principal cleo = who("cleo", {"closer"});
const principal clem = who("clem", {"clerk"});
const principal vera = who("vera", {"viewer"});
const principal nobody = who("nobody", {"guest", "empty"});

// Checks that `r` is a permission refusal with exactly this message and field.
void require_denied(const result<void>& r, const std::string& message,
                    const std::string& field = {}) {
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::permission_denied);
    CHECK(r.error().message == message);
    CHECK(r.error().field == field);
}

} // namespace

TEST_CASE("access: rule_policy forwards authentication to its authenticator", "[access]") {
    const auto policy = helpdesk();
    auto ok = policy.authenticate("alice");
    REQUIRE(ok.has_value());
    CHECK(*ok == alice);
    auto bad = policy.authenticate("mallory");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == errc::unauthenticated);
    CHECK(policy.rules() == helpdesk_rules());
}

TEST_CASE("access: a portal user reads only their own cases", "[access]") {
    const auto policy = helpdesk();
    CHECK(policy.may_read(alice, alices));
    CHECK_FALSE(policy.may_read(alice, bobs));
    CHECK_FALSE(policy.may_read(alice, carols));
    // The owner must be a string equal to the id: a number, null or absence never matches.
    CHECK_FALSE(policy.may_read(alice, case_record(case_1, obj{{"Owner", 5}})));
    CHECK_FALSE(policy.may_read(alice, case_record(case_1, obj{{"Owner", nullptr}})));
    CHECK_FALSE(policy.may_read(alice, case_record(case_1, obj{{"Org", "acme"}})));
    CHECK_FALSE(policy.may_read(alice, case_record(case_1, obj{{"Owner", "ALICE"}})));
}

TEST_CASE("access: an empty principal id owns nothing", "[access]") {
    const auto policy = helpdesk();
    const principal anonymous = who("", {"portal"});
    CHECK_FALSE(policy.may_read(anonymous, case_record(case_1, obj{{"Owner", ""}})));
    const principal orphan = who("paula", {"power"}, "");
    CHECK_FALSE(policy.may_read(orphan, case_record(case_1, obj{{"Org", ""}})));
}

TEST_CASE("access: a power user reads and updates the cases of their organisation", "[access]") {
    const auto policy = helpdesk();
    CHECK(policy.may_read(paula, alices));
    CHECK(policy.may_read(paula, bobs));
    CHECK_FALSE(policy.may_read(paula, carols));
    CHECK_FALSE(policy.may_read(paula, case_record(case_1, obj{{"Org", 7}})));
    CHECK(policy.may_write(paula, make(operation::update, case_2, obj{{"Status", "Done"}}), &bobs));
    // Category is read-only only for portal users.
    CHECK(policy.may_write(paula, make(operation::update, case_1, obj{{"Category", "Incident"}}),
                           &alices));
    require_denied(
        policy.may_write(paula, make(operation::update, case_2, obj{{"Status", "Done"}}), &carols),
        std::string("Case ") + case_2 + ": paula may not update a record outside their scope");
    require_denied(
        policy.may_write(paula, make(operation::insert, case_1, obj{{"Org", "acme"}}), nullptr),
        std::string("Case ") + case_1 + ": paula may not insert");
    require_denied(policy.may_write(paula, make(operation::remove, case_2, {}), &bobs),
                   std::string("Case ") + case_2 + ": paula may not remove");
}

TEST_CASE("access: an agent may read, insert, update and remove every case", "[access]") {
    const auto policy = helpdesk();
    for (const hub_record* h : {&alices, &bobs, &carols}) {
        CHECK(policy.may_read(ada, *h));
        CHECK(
            policy.may_write(ada, make(operation::update, h->id.c_str(), obj{{"Owner", "x"}}), h));
        CHECK(policy.may_write(ada, make(operation::remove, h->id.c_str(), {}), h));
    }
    CHECK(policy.may_write(ada, make(operation::insert, case_1, obj{{"Category", "Incident"}}),
                           nullptr));
}

TEST_CASE("access: no rights on the entity refuses everything with no field", "[access]") {
    const auto policy = helpdesk();
    // "guest" has no grant at all and "empty" a grant of no right.
    require_denied(
        policy.may_write(nobody, make(operation::update, case_1, obj{{"Status", "x"}}), &alices),
        std::string("Case ") + case_1 + ": nobody may not update (no rights on Case)");
    require_denied(policy.may_write(nobody, make(operation::insert, case_1, obj{}), nullptr),
                   std::string("Case ") + case_1 + ": nobody may not insert (no rights on Case)");
    CHECK_FALSE(policy.may_read(nobody, alices));
    CHECK_FALSE(policy.may_read(nobody, tombstone("Case", case_1)));
    // An entity no role mentions.
    require_denied(
        policy.may_write(ada, make(operation::insert, case_1, obj{}, "Message"), nullptr),
        std::string("Message ") + case_1 + ": ada may not insert (no rights on Message)");
}

TEST_CASE("access: an update or remove of a missing or deleted record needs the insert or "
          "remove right",
          "[access]") {
    const auto policy = helpdesk();
    const hub_record gone = tombstone("Case", case_1);
    const change upd = make(operation::update, case_1, obj{{"Owner", "paula"}, {"Org", "acme"}});
    require_denied(policy.may_write(paula, upd, nullptr),
                   std::string("Case ") + case_1 + ": paula may not insert");
    require_denied(policy.may_write(paula, upd, &gone),
                   std::string("Case ") + case_1 + ": paula may not insert");
    // Alice may insert, so her update of a missing record passes (the resolver then says
    // "not found").
    const change mine = make(operation::update, case_1, obj{{"Owner", "alice"}});
    CHECK(policy.may_write(alice, mine, nullptr));
    CHECK(policy.may_write(alice, mine, &gone));
    // ... but still has to make it hers.
    require_denied(
        policy.may_write(alice, make(operation::update, case_1, obj{{"Status", "x"}}), &gone),
        std::string("Case ") + case_1 + ": alice may not insert a record whose Owner " +
            "is not 'alice'",
        "Owner");
    // A remove of a missing record: the remove right is enough, whatever the scope.
    CHECK(policy.may_write(cleo, make(operation::remove, case_1, {}), nullptr));
    CHECK(policy.may_write(cleo, make(operation::remove, case_1, {}), &gone));
    require_denied(policy.may_write(alice, make(operation::remove, case_1, {}), nullptr),
                   std::string("Case ") + case_1 + ": alice may not remove");
}

TEST_CASE("access: an insert under own scope must name the principal as owner", "[access]") {
    const auto policy = helpdesk();
    const std::string refused = std::string("Case ") + case_1 +
                                ": alice may not insert a record whose Owner is not 'alice'";
    CHECK(
        policy.may_write(alice, make(operation::insert, case_1, obj{{"Owner", "alice"}}), nullptr));
    require_denied(policy.may_write(alice, make(operation::insert, case_1, obj{}), nullptr),
                   refused, "Owner");
    require_denied(
        policy.may_write(alice, make(operation::insert, case_1, obj{{"Owner", "bob"}}), nullptr),
        refused, "Owner");
    require_denied(
        policy.may_write(alice, make(operation::insert, case_1, obj{{"Owner", 1}}), nullptr),
        refused, "Owner");
}

TEST_CASE("access: an insert under organisation scope must set the principal's organisation",
          "[access]") {
    const auto policy = helpdesk();
    CHECK(policy.may_write(clem, make(operation::insert, case_1, obj{{"Org", "acme"}}), nullptr));
    const std::string refused =
        std::string("Case ") + case_1 + ": clem may not insert a record whose Org is not 'acme'";
    require_denied(
        policy.may_write(clem, make(operation::insert, case_1, obj{{"Org", "globex"}}), nullptr),
        refused, "Org");
    require_denied(
        policy.may_write(clem, make(operation::insert, case_1, obj{{"Owner", "clem"}}), nullptr),
        refused, "Org");
}

TEST_CASE("access: an update needs the update right and the current record in scope", "[access]") {
    const auto policy = helpdesk();
    require_denied(
        policy.may_write(vera, make(operation::update, case_1, obj{{"Status", "x"}}), &alices),
        std::string("Case ") + case_1 + ": vera may not update");
    require_denied(
        policy.may_write(alice, make(operation::update, case_2, obj{{"Status", "x"}}), &bobs),
        std::string("Case ") + case_2 + ": alice may not update a record outside their scope");
    CHECK(policy.may_write(alice, make(operation::update, case_1, obj{{"Status", "x"}}), &alices));
}

TEST_CASE("access: an update of a read-only or hidden column is refused naming the first one",
          "[access]") {
    const auto policy = helpdesk();
    require_denied(policy.may_write(alice,
                                    make(operation::update, case_1,
                                         obj{{"Status", "Open"}, {"Category", "Service request"}}),
                                    &alices),
                   std::string("Case ") + case_1 + ": alice may not change column 'Category'",
                   "Category");
    // The first offending column in the change's order.
    require_denied(
        policy.may_write(tess,
                         make(operation::update, case_1,
                              obj{{"Status", "x"}, {"Description", "y"}, {"Owner", "z"}}),
                         &alices),
        std::string("Case ") + case_1 + ": tess may not change column 'Description'",
        "Description");
    require_denied(
        policy.may_write(tess,
                         make(operation::update, case_1, obj{{"Owner", "z"}, {"Description", "y"}}),
                         &alices),
        std::string("Case ") + case_1 + ": tess may not change column 'Owner'", "Owner");
    CHECK(policy.may_write(tess, make(operation::update, case_1, obj{{"Status", "x"}}), &alices));
}

TEST_CASE("access: an insert may set a read-only column but never a hidden one", "[access]") {
    const auto policy = helpdesk();
    CHECK(policy.may_write(
        alice, make(operation::insert, case_1, obj{{"Owner", "alice"}, {"Category", "Incident"}}),
        nullptr));
    CHECK(policy.may_write(tess, make(operation::insert, case_1, obj{{"Owner", "someone"}}),
                           nullptr));
    require_denied(
        policy.may_write(tess, make(operation::insert, case_1, obj{{"Description", "secret"}}),
                         nullptr),
        std::string("Case ") + case_1 + ": tess may not set column 'Description'", "Description");
}

TEST_CASE("access: an update that moves the record out of scope is refused naming the column",
          "[access]") {
    const auto policy = helpdesk();
    const std::string refused = std::string("Case ") + case_1 +
                                ": alice may not update a record whose Owner is not 'alice'";
    require_denied(
        policy.may_write(alice, make(operation::update, case_1, obj{{"Owner", "bob"}}), &alices),
        refused, "Owner");
    // A null erases the owner: the record would belong to no one.
    require_denied(
        policy.may_write(alice, make(operation::update, case_1, obj{{"Owner", nullptr}}), &alices),
        refused, "Owner");
    CHECK(
        policy.may_write(alice, make(operation::update, case_1, obj{{"Owner", "alice"}}), &alices));
    require_denied(
        policy.may_write(paula, make(operation::update, case_2, obj{{"Org", "globex"}}), &bobs),
        std::string("Case ") + case_2 + ": paula may not update a record whose Org is not 'acme'",
        "Org");
    // Handing the case to a colleague in the same organisation is fine for a power user.
    CHECK(policy.may_write(paula, make(operation::update, case_2, obj{{"Owner", "paula"}}), &bobs));
}

TEST_CASE("access: a remove needs the remove right and the current record in scope", "[access]") {
    const auto policy = helpdesk();
    require_denied(policy.may_write(alice, make(operation::remove, case_1, {}), &alices),
                   std::string("Case ") + case_1 + ": alice may not remove");
    CHECK(policy.may_write(cleo, make(operation::remove, case_2, {}), &bobs));
    require_denied(policy.may_write(cleo, make(operation::remove, case_2, {}), &carols),
                   std::string("Case ") + case_2 +
                       ": cleo may not remove a record outside their scope");
}

TEST_CASE("access: an insert over a live record is judged as an update too", "[access]") {
    const auto policy = helpdesk();
    // Alice cannot take Bob's case over by "inserting" its id with herself as owner.
    require_denied(
        policy.may_write(alice, make(operation::insert, case_2, obj{{"Owner", "alice"}}), &bobs),
        std::string("Case ") + case_2 + ": alice may not update a record outside their scope");
    // On her own case the update rules apply: Category is read-only there.
    require_denied(policy.may_write(alice,
                                    make(operation::insert, case_1,
                                         obj{{"Owner", "alice"}, {"Category", "Service request"}}),
                                    &alices),
                   std::string("Case ") + case_1 + ": alice may not change column 'Category'",
                   "Category");
    CHECK(
        policy.may_write(alice, make(operation::insert, case_1, obj{{"Owner", "alice"}}), &alices));
    // A clerk may insert but not update: an insert over a live record is refused.
    require_denied(
        policy.may_write(clem, make(operation::insert, case_2, obj{{"Org", "acme"}}), &bobs),
        std::string("Case ") + case_2 + ": clem may not update");
}

TEST_CASE("access: a tombstone reaches whoever may read some records of the entity", "[access]") {
    const auto policy = helpdesk();
    // The hub no longer knows the former owner, so a portal user gets every Case tombstone.
    CHECK(policy.may_read(alice, tombstone("Case", case_2)));
    CHECK(policy.may_read(paula, tombstone("Case", case_2)));
    CHECK_FALSE(policy.may_read(clem, tombstone("Case", case_2))); // may insert, not read
    CHECK_FALSE(policy.may_read(paula, tombstone("Message", case_2)));
    CHECK(policy.may_read(alice, tombstone("Message", case_2)));
}

TEST_CASE("access: the owner column is configurable per entity", "[access]") {
    auto rules = helpdesk_rules();
    CHECK(rules.owner_column("Case") == "Owner");
    CHECK(rules.organisation_column("Case") == "Org");
    CHECK(rules.owner_column("Message") == "Author");
    CHECK(rules.organisation_column("Message") == "Org");
    const rule_policy<table_authenticator> policy(rules, table_authenticator{});
    hub_record msg;
    msg.entity = "Message";
    msg.id = case_1;
    msg.fields = obj{{"Author", "alice"}, {"Owner", "bob"}, {"Text", "hi"}};
    CHECK(policy.may_read(alice, msg));
    msg.fields = obj{{"Author", "bob"}, {"Owner", "alice"}};
    CHECK_FALSE(policy.may_read(alice, msg));
    require_denied(
        policy.may_write(alice, make(operation::insert, case_1, obj{{"Owner", "alice"}}, "Message"),
                         nullptr),
        std::string("Message ") + case_1 +
            ": alice may not insert a record whose Author is not 'alice'",
        "Author");
    rules.organisation_column("Case", "Company");
    const rule_policy<table_authenticator> renamed(rules, table_authenticator{});
    CHECK(renamed.may_read(paula, case_record(case_1, obj{{"Company", "acme"}})));
    CHECK_FALSE(renamed.may_read(paula, case_record(case_1, obj{{"Org", "acme"}})));
}

TEST_CASE("access: an entity without the owner column matches nothing under own scope",
          "[access]") {
    access_rules rules;
    rules.grant("user", "Note", grant_of(true, true, true, true, row_scope::own));
    const rule_policy<table_authenticator> policy(rules, table_authenticator{});
    const principal u = who("u", {"user"});
    hub_record note;
    note.entity = "Note";
    note.id = case_1;
    note.fields = obj{{"Text", "x"}, {"CreatedBy", "u"}};
    CHECK_FALSE(policy.may_read(u, note));
    require_denied(
        policy.may_write(u, make(operation::insert, case_1, obj{{"Text", "x"}}, "Note"), nullptr),
        std::string("Note ") + case_1 + ": u may not insert a record whose Owner is not 'u'",
        "Owner");
}

TEST_CASE("access: project erases the hidden columns", "[access]") {
    const auto policy = helpdesk();
    hub_record h = alices;
    policy.project(tess, h);
    CHECK_FALSE(h.fields.contains("Description"));
    CHECK(h.fields.size() == alices.fields.size() - 1);
    CHECK(h.fields.at("Owner") == "alice"); // read-only columns stay visible

    h = alices;
    policy.project(ada, h);
    CHECK(h == alices);
    policy.project(alice, h);
    CHECK(h == alices);

    // A record no reading role covers keeps nothing (the hub should not send it at all).
    h = bobs;
    policy.project(alice, h);
    CHECK(h.fields.empty());

    hub_record gone = tombstone("Case", case_1);
    policy.project(tess, gone);
    CHECK(gone == tombstone("Case", case_1));
}

TEST_CASE("access: two roles grant their union, each on the records it covers", "[access]") {
    const auto policy = helpdesk();
    const principal pat = who("pat", {"portal", "power"});
    // Reads: own cases (portal) and the organisation's (power).
    CHECK(policy.may_read(pat, bobs));
    CHECK(policy.may_read(pat, case_record(case_1, obj{{"Owner", "pat"}, {"Org", "globex"}})));
    CHECK_FALSE(policy.may_read(pat, carols));
    // Insert comes from portal, so the owner must be pat.
    CHECK(policy.may_write(pat, make(operation::insert, case_1, obj{{"Owner", "pat"}}), nullptr));
    require_denied(
        policy.may_write(pat, make(operation::insert, case_1, obj{{"Org", "acme"}}), nullptr),
        std::string("Case ") + case_1 + ": pat may not insert a record whose Owner is not 'pat'",
        "Owner");
    // Power may change Category of any acme case, portal's read-only list notwithstanding.
    CHECK(policy.may_write(pat, make(operation::update, case_2, obj{{"Category", "Incident"}}),
                           &bobs));
    // On an own case in another organisation only portal covers it: Category stays read-only.
    const hub_record own_elsewhere =
        case_record(case_1, obj{{"Owner", "pat"}, {"Org", "globex"}, {"Category", "Incident"}});
    require_denied(
        policy.may_write(pat, make(operation::update, case_1, obj{{"Category", "Incident"}}),
                         &own_elsewhere),
        std::string("Case ") + case_1 + ": pat may not change column 'Category'", "Category");

    const entity_rights e = policy.rules().effective(pat, "Case");
    CHECK(e.read);
    CHECK(e.insert);
    CHECK(e.update);
    CHECK_FALSE(e.remove);
    CHECK(e.scope == row_scope::organisation);
    CHECK(e.read_only.empty()); // power does not protect Category
    CHECK(e.hidden.empty());
}

TEST_CASE("access: a role reading everything does not widen another role's updates", "[access]") {
    const auto policy = helpdesk();
    const principal val = who("val", {"portal", "viewer"});
    CHECK(policy.may_read(val, carols));
    require_denied(
        policy.may_write(val, make(operation::update, case_2, obj{{"Status", "x"}}), &carols),
        std::string("Case ") + case_2 + ": val may not update a record outside their scope");
    // The summary does show "update" and scope "all": it is a union, not a decision.
    const entity_rights e = policy.rules().effective(val, "Case");
    CHECK(e.update);
    CHECK(e.scope == row_scope::all);
}

TEST_CASE("access: a column hidden by one role shows on the records another role covers",
          "[access]") {
    const auto policy = helpdesk();
    // triage hides Description everywhere; portal shows it on pat's own cases.
    const principal pat = who("pat", {"triage", "portal"});
    hub_record own = case_record(case_1, obj{{"Owner", "pat"}, {"Description", "mine"}});
    hub_record other = case_record(case_2, obj{{"Owner", "bob"}, {"Description", "his"}});
    policy.project(pat, own);
    policy.project(pat, other);
    CHECK(own.fields.at("Description") == "mine");
    CHECK_FALSE(other.fields.contains("Description"));
    // Writes split the same way: Description is writable only on pat's own case.
    CHECK(policy.may_write(pat, make(operation::update, case_1, obj{{"Description", "x"}}), &own));
    require_denied(
        policy.may_write(pat, make(operation::update, case_2, obj{{"Description", "x"}}), &other),
        std::string("Case ") + case_2 + ": pat may not change column 'Description'", "Description");
}

TEST_CASE("access: columns may be split between two roles covering the record", "[access]") {
    entity_rights a = grant_of(true, false, true, false, row_scope::own);
    a.read_only = {"Priority"};
    entity_rights b = grant_of(true, false, true, false, row_scope::own);
    b.read_only = {"Status"};
    access_rules rules;
    rules.grant("a", "Case", a).grant("b", "Case", b);
    const rule_policy<table_authenticator> policy(rules, table_authenticator{});
    const principal both = who("u", {"a", "b"});
    const hub_record h = case_record(case_1, obj{{"Owner", "u"}});
    CHECK(policy.may_write(
        both, make(operation::update, case_1, obj{{"Status", "x"}, {"Priority", 1}}), &h));
    require_denied(policy.may_write(
                       who("u", {"a"}),
                       make(operation::update, case_1, obj{{"Status", "x"}, {"Priority", 1}}), &h),
                   std::string("Case ") + case_1 + ": u may not change column 'Priority'",
                   "Priority");
}

TEST_CASE("access: effective hides a column only when every granting role does", "[access]") {
    entity_rights a = grant_of(true, false, true, false, row_scope::own);
    a.hidden = {"X", "Y", "Z"};
    a.read_only = {"R"};
    entity_rights b = grant_of(false, true, false, false, row_scope::organisation);
    b.hidden = {"Y"};
    b.read_only = {"X", "R"};
    access_rules rules;
    rules.grant("a", "Case", a).grant("b", "Case", b).grant("none", "Case", entity_rights{});
    {
        const entity_rights e = rules.effective(who("u", {"a", "b", "none", "ghost"}), "Case");
        CHECK(e.read);
        CHECK(e.insert);
        CHECK(e.update);
        CHECK_FALSE(e.remove);
        CHECK(e.scope == row_scope::organisation);
        CHECK(e.hidden == std::vector<std::string>{"Y"});
        CHECK(e.read_only == std::vector<std::string>{"R", "X"});
    }
    // One role: its own grant, lists sorted.
    CHECK(rules.effective(who("u", {"a"}), "Case").hidden ==
          std::vector<std::string>{"X", "Y", "Z"});
    CHECK(rules.effective(who("u", {"a"}), "Case").scope == row_scope::own);
    // No granting role: nothing.
    CHECK(rules.effective(who("u", {"none", "ghost"}), "Case") == entity_rights{});
    CHECK(rules.effective(who("u", {"a"}), "Message") == entity_rights{});
    CHECK(rules.find("a", "Case") != nullptr);
    CHECK(*rules.find("a", "Case") == a);
    CHECK(rules.find("a", "Message") == nullptr);
    CHECK(rules.find("ghost", "Case") == nullptr);
    // A second grant of the same pair replaces the first.
    rules.grant("a", "Case", b);
    CHECK(*rules.find("a", "Case") == b);
}

TEST_CASE("access: scope_key is a stable fingerprint of what the principal may read", "[access]") {
    const auto rules = helpdesk_rules();
    const std::string key = rules.scope_key(alice);
    CHECK(key.size() == 32);
    CHECK(key.find_first_not_of("0123456789abcdef") == std::string::npos);
    // The same inputs, a copy of the rules, or the roles reordered and repeated: the same key.
    CHECK(rules.scope_key(alice) == key);
    CHECK(access_rules(rules).scope_key(alice) == key);
    CHECK(rules.scope_key(who("alice", {"portal", "portal"})) == key);
    CHECK(rules.scope_key(who("pat", {"portal", "power"})) ==
          rules.scope_key(who("pat", {"power", "portal"})));
    // A role adding only write rights ("clerk") or nothing ("empty", "ghost") reads nothing more.
    CHECK(rules.scope_key(who("alice", {"portal", "clerk", "empty", "ghost"})) == key);
    // Write rules do not enter it either.
    {
        auto changed = rules;
        entity_rights portal = *rules.find("portal", "Case");
        portal.remove = true;
        portal.read_only = {"Status"};
        changed.grant("portal", "Case", portal);
        CHECK(changed.scope_key(alice) == key);
    }
    // A grant that another one of the principal's grants already outshows adds nothing.
    CHECK(rules.scope_key(who("ada", {"agent", "viewer", "triage"}, "support")) ==
          rules.scope_key(ada));
    // The owner column of an entity read only with scope "all" does not matter...
    {
        auto renamed = rules;
        renamed.owner_column("Case", "AssignedTo");
        CHECK(renamed.scope_key(ada) == rules.scope_key(ada));
        // ... but it does for own scope.
        CHECK(renamed.scope_key(alice) != key);
    }

    // Anything that changes what may be read changes it.
    CHECK(rules.scope_key(who("alicia", {"portal"})) != key);          // id
    CHECK(rules.scope_key(who("alice", {"portal"}, "globex")) != key); // organisation
    CHECK(rules.scope_key(who("alice", {"power"})) != key);            // role
    CHECK(rules.scope_key(who("alice", {"portal", "power"})) != key);  // one more role
    CHECK(rules.scope_key(who("alice", {})) != key);                   // no role
    CHECK(rules.scope_key(ada) != rules.scope_key(who("ada", {"triage"}, "support")));
    {
        auto changed = rules;
        entity_rights portal = *rules.find("portal", "Case");
        portal.hidden = {"Description"};
        changed.grant("portal", "Case", portal);
        CHECK(changed.scope_key(alice) != key); // a hidden column
        portal.hidden.clear();
        portal.scope = row_scope::organisation;
        changed.grant("portal", "Case", portal);
        CHECK(changed.scope_key(alice) != key); // the row scope
        portal.scope = row_scope::own;
        portal.read = false;
        changed.grant("portal", "Case", portal);
        CHECK(changed.scope_key(alice) != key); // the read right
    }
    {
        auto changed = rules;
        changed.grant("portal", "Activity", grant_of(true, false, false, false, row_scope::all));
        CHECK(changed.scope_key(alice) != key); // a new readable entity
    }
    // The policy forwards to its rules.
    CHECK(helpdesk().scope_key(alice) == key);
}

TEST_CASE("access: scope_key does not depend on the platform", "[access]") {
    // FNV-1a 128 reference vectors pin the hash; the text pins the canonical form.
    CHECK(detail::fnv1a_128_hex("") == "6c62272e07bb014262b821756295c58d");
    CHECK(detail::fnv1a_128_hex("a") == "d228cb696f1a8caf78912b704e4a8964");
    access_rules rules;
    entity_rights r = grant_of(true, false, false, false, row_scope::own);
    r.hidden = {"B", "A", "B"};
    rules.grant("portal", "Case", r);
    const principal p = who("alice", {"portal"});
    CHECK(rules.scope_text(p) == "concord.read-scope.v1\nid 5:alice\norg 4:acme\n"
                                 "entity 4:Case\n owner 5:Owner\n read own 2 1:A 1:B\n");
    CHECK(rules.scope_key(p) == detail::fnv1a_128_hex(rules.scope_text(p)));
}
