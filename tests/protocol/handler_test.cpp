// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the DataService handler over a memory hub: plain clients, sync rounds, errors.

#include <concord/memory.hpp>
#include <concord/protocol/client.hpp>
#include <concord/protocol/handler.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace concord;
using namespace concord::test;
using concord::protocol::answer;
using concord::protocol::handler;
namespace js = boost::json;

const std::string ns = "Terrasoft.Nui.ServiceModel.DataContract.";

js::object param(int type, js::value v) {
    js::object p;
    p["dataValueType"] = type;
    p["value"] = std::move(v);
    js::object e;
    e["expressionType"] = 2;
    e["parameter"] = std::move(p);
    return e;
}

js::object column_expr(std::string path) {
    js::object e;
    e["expressionType"] = 0;
    e["columnPath"] = std::move(path);
    return e;
}

js::object query_item(const std::string& contract, const std::string& entity) {
    js::object o;
    o["__type"] = ns + contract;
    o["rootSchemaName"] = entity;
    return o;
}

js::object column_values(std::vector<std::pair<std::string, js::object>> cols) {
    js::object items;
    for (auto& [name, expr] : cols)
        items[name] = std::move(expr);
    js::object cv;
    cv["items"] = std::move(items);
    return cv;
}

js::object compare(const std::string& col, int cmp, int type, js::value v) {
    js::object f;
    f["filterType"] = 1;
    f["comparisonType"] = cmp;
    f["leftExpression"] = column_expr(col);
    f["rightExpression"] = param(type, std::move(v));
    return f;
}

js::object group(std::vector<js::object> children) {
    js::object items;
    for (std::size_t i = 0; i < children.size(); ++i)
        items["f" + std::to_string(i)] = std::move(children[i]);
    js::object g;
    g["filterType"] = 6;
    g["logicalOperation"] = 0;
    g["items"] = std::move(items);
    return g;
}

// An InsertQuery of a Case: Number, Category, Status (and Priority when >= 0; Id when given).
js::object insert_case(const std::string& number, const std::string& status = "New",
                       std::int64_t priority = -1, const std::string& id = {}) {
    js::object o = query_item("InsertQuery", "Case");
    std::vector<std::pair<std::string, js::object>> cols{{"Number", param(1, number.c_str())},
                                                         {"Category", param(1, "Incident")},
                                                         {"Status", param(1, status.c_str())}};
    if (priority >= 0)
        cols.emplace_back("Priority", param(4, priority));
    if (!id.empty())
        cols.emplace_back("Id", param(0, id.c_str()));
    o["columnValues"] = column_values(std::move(cols));
    return o;
}

js::object update_where(js::object filters, std::vector<std::pair<std::string, js::object>> cols) {
    js::object o = query_item("UpdateQuery", "Case");
    o["columnValues"] = column_values(std::move(cols));
    o["filters"] = std::move(filters);
    return o;
}

js::object delete_where(js::object filters) {
    js::object o = query_item("DeleteQuery", "Case");
    o["filters"] = std::move(filters);
    return o;
}

js::object select_case() {
    js::object o = query_item("SelectQuery", "Case");
    o["allColumns"] = true;
    return o;
}

std::string batch(js::array items, js::object extra = {}) {
    js::object b = std::move(extra);
    b["items"] = std::move(items);
    return js::serialize(b);
}

// A hub on the helpdesk schema with its manual clock, served by a handler.
struct served : hub_fixture {
    handler<test_hub> h{hub};

    // The parsed body of an answer that must have `status`.
    js::object call(std::string_view contract, const std::string& body, unsigned status = 200) {
        const answer a = h.handle(contract, body, "ann");
        INFO(a.body);
        REQUIRE(a.status == status);
        return js::parse(a.body).as_object();
    }
    js::array results(const std::string& body) {
        js::object o = call("BatchQuery", body);
        REQUIRE(o.at("success") == true);
        return o.at("queryResults").as_array();
    }
    std::vector<hub_record> cases() {
        auto r = hub.select("", "Case");
        REQUIRE(r);
        return *r;
    }
};

const js::object& result_at(const js::array& a, std::size_t i) {
    return a.at(i).as_object();
}

const js::object& error_info(const js::object& r) {
    return r.at("errorInfo").as_object();
}

} // namespace

TEST_CASE("handler: a plain insert answers the new id, given or generated", "[protocol]") {
    served s;
    const std::string given = guid(7);
    js::object out =
        s.call("BatchQuery", batch({insert_case("C-1", "New", 2, given), insert_case("C-2")}));
    CHECK(out.at("success") == true);
    CHECK(out.at("hasErrors") == false);
    REQUIRE(parse_stamp(out.at("concordSync").at("hubTime").as_string()));
    const js::array& r = out.at("queryResults").as_array();
    REQUIRE(r.size() == 2);
    CHECK(result_at(r, 0).at("id") == given.c_str());
    CHECK(result_at(r, 0).at("rowsAffected") == 1);
    CHECK(result_at(r, 0).at("success") == true);
    CHECK(result_at(r, 0).at("nextPrcElReady") == false);
    CHECK_FALSE(result_at(r, 0).contains("errorInfo"));
    const std::string generated(result_at(r, 1).at("id").as_string());
    CHECK(is_guid(generated));
    CHECK(result_at(r, 1).at("rowsAffected") == 1);

    auto first = s.load("Case", given);
    REQUIRE(first);
    CHECK(first->fields.at("Number") == "C-1");
    CHECK(first->fields.at("Priority") == 2);
    auto second = s.load("Case", generated);
    REQUIRE(second);
    CHECK(second->fields.at("Number") == "C-2");
}

TEST_CASE("handler: a plain insert with the Id of a live record is refused as RecordExists",
          "[protocol]") {
    served s;
    const std::string id = guid(9);
    s.call("BatchQuery", batch({insert_case("C-1", "New", 1, id)}));
    js::object out = s.call("BatchQuery", batch({insert_case("C-9", "Closed", 3, id)}));
    const js::array& r = out.at("queryResults").as_array();
    REQUIRE(r.size() == 1);
    CHECK(result_at(r, 0).at("success") == false);
    CHECK(error_info(result_at(r, 0)).at("errorCode") == "RecordExists");
    CHECK(error_info(result_at(r, 0)).at("field") == "Id");
    auto kept = s.load("Case", id);
    REQUIRE(kept);
    CHECK(kept->fields.at("Number") == "C-1"); // nothing of the refused insert was written
    CHECK(kept->fields.at("Status") == "New");
}

TEST_CASE("handler: update and delete by filter affect every match and count them", "[protocol]") {
    served s;
    s.results(batch({insert_case("C-1", "New", 1, guid(1)), insert_case("C-2", "New", 3, guid(2)),
                     insert_case("C-3", "Closed", 5, guid(3))}));

    js::array r = s.results(batch(
        {update_where(group({compare("Status", 3, 1, "New")}), {{"Owner", param(1, "bob")}}),
         update_where(group({compare("Status", 3, 1, "Pending")}), {{"Owner", param(1, "x")}}),
         delete_where(group({compare("Priority", 8, 4, 3)}))}));
    CHECK(result_at(r, 0).at("rowsAffected") == 2);
    CHECK(result_at(r, 0).at("success") == true);
    CHECK(result_at(r, 1).at("rowsAffected") == 0); // no match is not a failure
    CHECK(result_at(r, 1).at("success") == true);
    CHECK(result_at(r, 2).at("rowsAffected") == 2);
    CHECK(result_at(r, 2).at("success") == true);

    const auto one = s.load("Case", guid(1));
    REQUIRE(one);
    CHECK(one->fields.at("Owner") == "bob");
    CHECK_FALSE(one->deleted);
    for (unsigned n : {2u, 3u}) {
        const auto gone = s.load("Case", guid(n));
        REQUIRE(gone);
        CHECK(gone->deleted);
    }
    const auto live = s.cases();
    REQUIRE(live.size() == 1);
    CHECK(live[0].id == guid(1));
}

TEST_CASE("handler: a select answers rows and rowConfig for all columns or aliased columns",
          "[protocol]") {
    served s;
    s.results(
        batch({insert_case("C-1", "New", 2, guid(1)), insert_case("C-2", "Closed", 9, guid(2)),
               insert_case("C-3", "New", 5, guid(3))}));

    SECTION("allColumns: Id and every column, absent ones null") {
        js::object sel = select_case();
        sel["filters"] = group({compare("Id", 3, 0, guid(2).c_str())});
        const js::object r = result_at(s.results(batch({sel})), 0);
        CHECK(r.at("success") == true);
        CHECK(r.at("rowsAffected") == 1);
        CHECK(r.at("notFoundColumns").as_array().empty());
        const js::object& rc = r.at("rowConfig").as_object();
        CHECK(rc.size() == 10);
        CHECK(rc.at("Id") == js::object{{"dataValueType", 0}});
        CHECK(rc.at("Number") == js::object{{"dataValueType", 1}});
        CHECK(rc.at("Priority") == js::object{{"dataValueType", 4}});
        CHECK(rc.at("Escalated") == js::object{{"dataValueType", 12}});
        CHECK(rc.at("CreatedOn") == js::object{{"dataValueType", 7}});
        const js::array& rows = r.at("rows").as_array();
        REQUIRE(rows.size() == 1);
        const js::object& row = rows[0].as_object();
        CHECK(row.size() == 10);
        CHECK(row.at("Id") == guid(2).c_str());
        CHECK(row.at("Number") == "C-2");
        CHECK(row.at("Priority") == 9);
        CHECK(row.at("Owner").is_null());
    }
    SECTION("columns with aliases, ordered by orderPosition") {
        js::object sel = query_item("SelectQuery", "Case");
        auto col = [](const char* path, int dir, int pos) {
            js::object c;
            c["orderDirection"] = dir;
            c["orderPosition"] = pos;
            c["expression"] = column_expr(path);
            return c;
        };
        // Status ascending first, then Priority descending.
        sel["columns"] = js::object{{"items", js::object{{"Key", col("Id", 0, -1)},
                                                         {"Prio", col("Priority", 2, 1)},
                                                         {"State", col("Status", 1, 0)}}}};
        const js::object r = result_at(s.results(batch({sel})), 0);
        const js::object& rc = r.at("rowConfig").as_object();
        CHECK(rc.size() == 3);
        CHECK(rc.at("Prio") == js::object{{"dataValueType", 4}});
        CHECK(rc.at("State") == js::object{{"dataValueType", 1}});
        const js::array& rows = r.at("rows").as_array();
        REQUIRE(rows.size() == 3);
        CHECK(rows[0] == js::object{{"Key", guid(2)}, {"Prio", 9}, {"State", "Closed"}});
        CHECK(rows[1] == js::object{{"Key", guid(3)}, {"Prio", 5}, {"State", "New"}});
        CHECK(rows[2] == js::object{{"Key", guid(1)}, {"Prio", 2}, {"State", "New"}});
    }
    SECTION("rowCount and rowsOffset with isPageable page through the order") {
        auto page = [&](std::int64_t offset, std::int64_t count, bool pageable) {
            js::object sel = query_item("SelectQuery", "Case");
            js::object c;
            c["orderDirection"] = 1;
            c["orderPosition"] = 0;
            c["expression"] = column_expr("Number");
            sel["columns"] = js::object{{"items", js::object{{"Number", c}}}};
            sel["rowCount"] = count;
            sel["rowsOffset"] = offset;
            sel["isPageable"] = pageable;
            const js::object r = result_at(s.results(batch({sel})), 0);
            std::vector<std::string> numbers;
            for (const auto& row : r.at("rows").as_array())
                numbers.emplace_back(row.at("Number").as_string());
            CHECK(r.at("rowsAffected") == numbers.size());
            return numbers;
        };
        CHECK(page(0, 2, true) == std::vector<std::string>{"C-1", "C-2"});
        CHECK(page(2, 2, true) == std::vector<std::string>{"C-3"});
        CHECK(page(5, 2, true).empty());
        CHECK(page(1, -1, true) == std::vector<std::string>{"C-2", "C-3"});
        CHECK(page(2, 2, false) == std::vector<std::string>{"C-1", "C-2"}); // offset ignored
    }
    SECTION("a lookup column is marked in rowConfig") {
        js::object msg = query_item("InsertQuery", "Message");
        msg["columnValues"] =
            column_values({{"Case", param(10, guid(1).c_str())}, {"Text", param(1, "hello")}});
        js::object sel = query_item("SelectQuery", "Message");
        sel["allColumns"] = true;
        const js::array r = s.results(batch({msg, sel}));
        const js::object& rc = result_at(r, 1).at("rowConfig").as_object();
        CHECK(rc.at("Case") == js::object{{"dataValueType", 10}, {"isLookup", true}});
        REQUIRE(result_at(r, 1).at("rows").as_array().size() == 1);
        CHECK(result_at(r, 1).at("rows").at(0).at("Case") == guid(1).c_str());
    }
}

TEST_CASE("handler: queryId is echoed on every result, failed or not", "[protocol]") {
    served s;
    js::object a = insert_case("C-1", "New", -1, guid(1));
    a["queryId"] = "q-insert";
    js::object b = update_where(group({compare("Id", 3, 0, guid(1).c_str())}),
                                {{"Status", param(1, "Closed")}});
    b["queryId"] = 2;
    js::object c = select_case();
    c["queryId"] = "q-select";
    js::object d = query_item("InsertQuery", "Nope");
    d["queryId"] = "q-bad";
    js::object e = select_case();
    const js::array r = s.results(batch({a, b, c, d, e}, {{"continueIfError", true}}));
    CHECK(result_at(r, 0).at("queryId") == "q-insert");
    CHECK(result_at(r, 1).at("queryId") == 2);
    CHECK(result_at(r, 2).at("queryId") == "q-select");
    CHECK(result_at(r, 3).at("queryId") == "q-bad");
    CHECK(result_at(r, 3).at("success") == false);
    CHECK_FALSE(result_at(r, 4).contains("queryId"));
}

TEST_CASE("handler: continueIfError false stops at the first failure, true runs every item",
          "[protocol]") {
    js::object bad = insert_case("C-2", "New", -1, guid(2));
    bad["columnValues"].as_object()["items"].as_object().erase("Number"); // required
    const js::array items{insert_case("C-1", "New", -1, guid(1)), bad,
                          insert_case("C-3", "New", -1, guid(3)), select_case()};

    SECTION("false (the default): later items are NotExecuted and write nothing") {
        served s;
        js::object out = s.call("BatchQuery", batch(items));
        CHECK(out.at("hasErrors") == true);
        const js::array& r = out.at("queryResults").as_array();
        REQUIRE(r.size() == 4);
        CHECK(result_at(r, 0).at("success") == true);
        CHECK(result_at(r, 1).at("success") == false);
        CHECK(error_info(result_at(r, 1)).at("errorCode") == "MissingRequired");
        for (std::size_t i : {std::size_t{2}, std::size_t{3}}) {
            INFO("item " << i);
            CHECK(result_at(r, i).at("success") == false);
            CHECK(result_at(r, i).at("rowsAffected") == 0);
            CHECK(error_info(result_at(r, i)).at("errorCode") == "NotExecuted");
            CHECK(error_info(result_at(r, i))
                      .at("message")
                      .as_string()
                      .starts_with("items[" + std::to_string(i) + "]: not executed"));
        }
        CHECK(s.load("Case", guid(1)));
        CHECK_FALSE(s.load("Case", guid(2)));
        CHECK_FALSE(s.load("Case", guid(3)));
    }
    SECTION("true: every item runs") {
        served s;
        js::object out = s.call("BatchQuery", batch(items, {{"continueIfError", true}}));
        CHECK(out.at("hasErrors") == true);
        const js::array& r = out.at("queryResults").as_array();
        CHECK(result_at(r, 0).at("success") == true);
        CHECK(result_at(r, 1).at("success") == false);
        CHECK(result_at(r, 2).at("success") == true);
        CHECK(result_at(r, 3).at("rowsAffected") == 2);
        CHECK(s.load("Case", guid(1)));
        CHECK_FALSE(s.load("Case", guid(2)));
        CHECK(s.load("Case", guid(3)));
    }
    SECTION("an item that failed to decode stops the batch too") {
        served s;
        js::object unknown = insert_case("C-2");
        unknown["__type"] = "Nope";
        const js::array r = s.results(batch({unknown, insert_case("C-3", "New", -1, guid(3))}));
        CHECK(error_info(result_at(r, 0)).at("errorCode") == "UnknownType");
        CHECK(error_info(result_at(r, 1)).at("errorCode") == "NotExecuted");
        CHECK_FALSE(s.load("Case", guid(3)));
    }
}

TEST_CASE("handler: a validation failure answers success false naming the code and field, "
          "and writes nothing",
          "[protocol]") {
    struct one {
        const char* name;
        const char* column;
        js::object expression; // null: the column is left out
        const char* code;
        errc value;
    };
    const std::vector<one> cases = {
        {"missing required", "Number", {}, "MissingRequired", errc::missing_required},
        {"too long", "Number", param(1, "C-0123456789-0123456789"), "ValueTooLong",
         errc::value_too_long},
        {"value not allowed", "Category", param(1, "Bug"), "ValueNotAllowed",
         errc::value_not_allowed},
        {"wrong JSON type for the column", "Priority", param(4, "high"), "TypeMismatch",
         errc::type_mismatch},
        {"declared type not the column's", "Priority", param(1, "3"), "TypeMismatch",
         errc::type_mismatch},
        {"bad DateTime text", "CreatedOn", param(7, "yesterday"), "TypeMismatch",
         errc::type_mismatch},
        {"unknown column", "Colour", param(1, "red"), "UnknownColumn", errc::unknown_column},
    };
    for (const one& c : cases) {
        DYNAMIC_SECTION(c.name) {
            served s;
            js::object ins = insert_case("C-1", "New", -1, guid(1));
            js::object& cols = ins["columnValues"].as_object()["items"].as_object();
            if (c.expression.empty())
                cols.erase(c.column);
            else
                cols[c.column] = c.expression;
            ins["queryId"] = "q";
            const js::array r = s.results(batch({ins}));
            const js::object& res = result_at(r, 0);
            CHECK(res.at("success") == false);
            CHECK(res.at("rowsAffected") == 0);
            CHECK(res.at("queryId") == "q");
            const js::object& ei = error_info(res);
            CHECK(ei.at("errorCode") == c.code);
            CHECK(ei.at("concordCode") == static_cast<int>(c.value));
            CHECK(ei.at("field") == c.column);
            CHECK(ei.at("message").as_string().find(c.column) != js::string::npos);
            CHECK_FALSE(s.load("Case", guid(1)));
        }
    }
    SECTION("an update by filter with a bad value changes no record") {
        served s;
        s.results(batch(
            {insert_case("C-1", "New", -1, guid(1)), insert_case("C-2", "New", -1, guid(2))}));
        const js::array r = s.results(batch({update_where(group({compare("Status", 3, 1, "New")}),
                                                          {{"Category", param(1, "Bug")}})}));
        CHECK(result_at(r, 0).at("success") == false);
        CHECK(result_at(r, 0).at("rowsAffected") == 0);
        CHECK(error_info(result_at(r, 0)).at("errorCode") == "ValueNotAllowed");
        for (const auto& h : s.cases())
            CHECK(h.fields.at("Category") == "Incident");
    }
}

TEST_CASE("handler: whole-request failures answer 400 with a responseStatus", "[protocol]") {
    served s;
    struct one {
        std::string body;
        const char* code;
    };
    const std::vector<one> cases = {
        {"{\"items\":[", "MalformedJson"},
        {"{\"items\":[{\"__type\":\"\xff\"}]}", "MalformedJson"},
        {"{\"items\":{}}", "InvalidRequest"},
        {"[]", "InvalidRequest"},
        {std::string(40, '[') + std::string(40, ']'), "NestingTooDeep"},
        {batch({select_case()}, {{"concordSync", js::object{{"replica", "nope"}}}}),
         "InvalidRequest"},
    };
    for (const one& c : cases) {
        INFO(c.body);
        const js::object out = s.call("BatchQuery", c.body, 400);
        CHECK(out.at("success") == false);
        const js::object& rs = out.at("responseStatus").as_object();
        CHECK(rs.at("ErrorCode") == c.code);
        CHECK_FALSE(rs.at("Message").as_string().empty());
        const js::array& errors = rs.at("Errors").as_array();
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].at("ErrorCode") == c.code);
        CHECK(errors[0].at("Message") == rs.at("Message"));
        CHECK(errors[0].as_object().contains("FieldName"));
    }

    protocol::limits lim;
    lim.max_items = 1;
    lim.max_body = 4096;
    handler<test_hub> small(s.hub, lim);
    answer a = small.handle("BatchQuery", batch({select_case(), select_case()}), "");
    CHECK(a.status == 400);
    CHECK(js::parse(a.body).at("responseStatus").at("ErrorCode") == "BodyTooLarge");
    a = small.handle("BatchQuery", std::string(5000, ' '), "");
    CHECK(a.status == 400);
    CHECK(js::parse(a.body).at("responseStatus").at("ErrorCode") == "BodyTooLarge");
    CHECK(s.cases().empty());
}

namespace {

// Lets in only the token "secret".
struct token_only {
    result<principal> authenticate(std::string_view cred) const {
        if (cred == "stale")
            return error(errc::session_expired, "the session ended");
        if (cred != "secret")
            return error(errc::unauthenticated, "bad token");
        return principal{"ann", {}, {}};
    }
    result<void> may_write(const principal&, const change&, const hub_record*) const { return {}; }
    bool may_read(const principal&, const hub_record&) const { return true; }
};

} // namespace

TEST_CASE("handler: bad credentials answer 401 Unauthenticated, plain or synced", "[protocol]") {
    using guarded_hub = basic_hub<memory_hub_store, token_only>;
    guarded_hub hub{hub_options{helpdesk()}};
    handler<guarded_hub> h(hub);
    const std::string plain = batch({insert_case("C-1", "New", -1, guid(1))});
    answer a = h.handle("BatchQuery", plain, "guess");
    CHECK(a.status == 401);
    CHECK(js::parse(a.body).at("responseStatus").at("ErrorCode") == "Unauthenticated");

    sync_request req = pull_request_from(0xa1, 0, 10, {"Case"});
    a = h.handle("BatchQuery", protocol::encode_sync(req, helpdesk()), "");
    CHECK(a.status == 401);
    CHECK(js::parse(a.body).at("responseStatus").at("ErrorCode") == "Unauthenticated");

    // A read is refused the same way as a write, in a batch or alone.
    a = h.handle("BatchQuery", batch({select_case()}), "guess");
    CHECK(a.status == 401);
    CHECK(js::parse(a.body).at("responseStatus").at("ErrorCode") == "Unauthenticated");
    a = h.handle("SelectQuery", js::serialize(select_case()), "");
    CHECK(a.status == 401);

    // An ended session refuses the whole request too, whatever kind of client sent it.
    for (const std::string& body :
         {plain, protocol::encode_sync(req, helpdesk()), batch({select_case()})}) {
        a = h.handle("BatchQuery", body, "stale");
        CHECK(a.status == 401);
        CHECK(js::parse(a.body).at("responseStatus").at("ErrorCode") == "SessionExpired");
    }
    CHECK(hub.select("secret", "Case")->empty());

    a = h.handle("BatchQuery", plain, "secret");
    CHECK(a.status == 200);
    CHECK(hub.select("secret", "Case")->size() == 1);
    a = h.handle("SelectQuery", js::serialize(select_case()), "secret");
    CHECK(a.status == 200);
    CHECK(js::parse(a.body).at("rows").as_array().size() == 1);
}

TEST_CASE("handler: single-query contracts answer the bare result object", "[protocol]") {
    served s;
    js::object ins = insert_case("C-1", "New", 4, guid(1));
    ins.erase("__type");
    js::object out = s.call("InsertQuery", js::serialize(ins));
    CHECK_FALSE(out.contains("queryResults"));
    CHECK(out.at("id") == guid(1).c_str());
    CHECK(out.at("rowsAffected") == 1);
    CHECK(out.at("success") == true);
    CHECK(out.at("concordSync").as_object().contains("hubTime"));

    js::object upd =
        update_where(group({compare("Priority", 7, 4, 3)}), {{"Status", param(1, "Closed")}});
    out = s.call("UpdateQuery", js::serialize(upd));
    CHECK(out.at("rowsAffected") == 1);
    CHECK(out.at("success") == true);

    js::object sel = select_case();
    out = s.call("SelectQuery", js::serialize(sel));
    REQUIRE(out.at("rows").as_array().size() == 1);
    CHECK(out.at("rows").at(0).at("Status") == "Closed");

    // An item-level problem is a logical failure: 200 with success false.
    js::object bad = query_item("InsertQuery", "Case");
    bad["columnValues"] = column_values({{"Colour", param(1, "red")}});
    out = s.call("InsertQuery", js::serialize(bad));
    CHECK(out.at("success") == false);
    CHECK(error_info(out).at("errorCode") == "UnknownColumn");
    CHECK(error_info(out).at("field") == "Colour");

    out = s.call("DeleteQuery",
                 js::serialize(delete_where(group({compare("Id", 3, 0, guid(1).c_str())}))));
    CHECK(out.at("rowsAffected") == 1);
    CHECK(s.cases().empty());
}

TEST_CASE("handler: a plain batch refuses items that carry concordSync", "[protocol]") {
    served s;
    js::object ins = insert_case("C-1", "New", -1, guid(1));
    ins["concordSync"] =
        js::object{{"changeId", "00000000000000a1:1"}, {"stamp", to_string(stamp_at(0, 0xa1))}};
    const js::array r = s.results(batch({ins}));
    CHECK(result_at(r, 0).at("success") == false);
    CHECK(error_info(result_at(r, 0)).at("errorCode") == "InvalidRequest");
    CHECK(error_info(result_at(r, 0)).at("message").as_string().find("concordSync.replica") !=
          js::string::npos);
    CHECK_FALSE(s.load("Case", guid(1)));
}

TEST_CASE("handler: a sync batch carries each outcome in concordSync and pulls with tombstones",
          "[protocol]") {
    served s;
    const schema sch = helpdesk();
    sync_request first = push_request(
        0xa1, {make_change(0xa1, 1, operation::insert, "Case", guid(1), stamp_at(1, 0xa1),
                           new_case("C-1")),
               make_change(0xa1, 2, operation::insert, "Case", guid(2), stamp_at(2, 0xa1),
                           new_case("C-2")),
               make_change(0xa1, 3, operation::remove, "Case", guid(2), stamp_at(3, 0xa1))});
    first.pull = pull_request{0, 10, {"Case", "Message"}, {}};
    js::object out = s.call("BatchQuery", protocol::encode_sync(first, sch));
    const js::array& r = out.at("queryResults").as_array();
    REQUIRE(r.size() == 5);
    for (std::size_t i = 0; i < 3; ++i) {
        INFO("item " << i);
        const js::object& x = result_at(r, i).at("concordSync").as_object();
        CHECK(x.at("changeId") == ("00000000000000a1:" + std::to_string(i + 1)).c_str());
        CHECK(x.at("outcome") == "applied");
        // A plain applied outcome is its change id and kind: every other member is a default.
        CHECK(x.size() == 2);
        CHECK(result_at(r, i).at("success") == true);
        CHECK(result_at(r, i).at("rowsAffected") == 1);
    }
    CHECK(result_at(r, 0).at("id") == guid(1).c_str());

    const js::object& cases = result_at(r, 3);
    CHECK(cases.at("success") == true);
    const js::array& rows = cases.at("rows").as_array();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].at("Id") == guid(1).c_str());
    CHECK(rows[0].at("Number") == "C-1");
    CHECK_FALSE(rows[0].as_object().contains("concordDeleted"));
    CHECK(rows[1] == js::object{{"Id", guid(2)}, {"concordDeleted", true}});
    CHECK(cases.at("rowsAffected") == 2);
    // Sequences 1, 2 (inserts) and 3 (the delete): the cursor is the last one served.
    CHECK(cases.at("concordSync") == js::object{{"cursor", 3}, {"more", false}, {"latest", 3}});
    const js::object& messages = result_at(r, 4);
    CHECK(messages.at("rows").as_array().empty());
    CHECK(messages.at("concordSync") == js::object{{"cursor", 3}, {"more", false}, {"latest", 3}});
    const auto hub_time = parse_stamp(out.at("concordSync").at("hubTime").as_string());
    REQUIRE(hub_time);
    CHECK(hub_time->replica == s.hub.options().id);
    CHECK(hub_time->physical_ms == t0 + 3); // the hub clock merged the pushed stamps

    SECTION("a replay of the same body answers the same outcomes and writes nothing") {
        const auto one = s.load("Case", guid(1));
        const auto two = s.load("Case", guid(2));
        const std::size_t outcomes = s.hub.store().stored_outcomes();
        const js::object again = s.call("BatchQuery", protocol::encode_sync(first, sch));
        const js::array& r2 = again.at("queryResults").as_array();
        for (std::size_t i = 0; i < 3; ++i)
            CHECK(result_at(r2, i) == result_at(r, i));
        CHECK(s.load("Case", guid(1)) == one);
        CHECK(s.load("Case", guid(2)) == two);
        CHECK(s.hub.store().stored_outcomes() == outcomes);
    }
    SECTION("an acknowledged change replays as duplicate") {
        sync_request ack = first;
        ack.acknowledged = 3;
        ack.pull.reset();
        const js::array r2 = s.results(protocol::encode_sync(ack, sch));
        for (std::size_t i = 0; i < 3; ++i)
            CHECK(result_at(r2, i).at("concordSync").at("outcome") == "duplicate");
    }
    SECTION("an older change loses: superseded with the hub's copy and the losing values") {
        boost::json::object old;
        old["Status"] = "Reopened";
        sync_request late = push_request(0xb2, {make_change(0xb2, 1, operation::update, "Case",
                                                            guid(1), stamp_at(0, 0xb2), old)});
        const js::array r2 = s.results(protocol::encode_sync(late, sch));
        const js::object& res = result_at(r2, 0);
        CHECK(res.at("success") == true); // not a failure: the outcome says what happened
        CHECK(res.at("rowsAffected") == 0);
        const js::object& x = res.at("concordSync").as_object();
        CHECK(x.at("outcome") == "superseded");
        CHECK(x.at("losing") == js::object{{"Status", "Reopened"}});
        const js::object& copy = x.at("hubCopy").as_object();
        CHECK(copy.at("deleted") == false);
        CHECK(copy.at("seq") == 1);
        CHECK(copy.at("values").at("Id") == guid(1).c_str());
        CHECK(copy.at("values").at("Status") == "New");
        CHECK(s.load("Case", guid(1))->fields.at("Status") == "New");
    }
    SECTION("a rejected change answers success false with errorInfo and the outcome") {
        sync_request bad =
            push_request(0xa1, {make_change(0xa1, 4, operation::update, "Case", guid(2),
                                            stamp_at(9, 0xa1), new_case("C-2b"))});
        const js::array r2 = s.results(protocol::encode_sync(bad, sch));
        const js::object& res = result_at(r2, 0);
        CHECK(res.at("success") == false);
        CHECK(error_info(res).at("errorCode") == "RecordDeleted");
        const js::object& x = res.at("concordSync").as_object();
        CHECK(x.at("outcome") == "rejected");
        CHECK(x.at("reason") == "deleted");
        CHECK(x.at("code") == static_cast<int>(errc::record_deleted));
        CHECK(x.at("hubCopy").at("deleted") == true);
    }
}

TEST_CASE("handler: a sync pull pages with cursor and more", "[protocol]") {
    served s;
    const schema sch = helpdesk();
    std::vector<change> push;
    for (unsigned n = 1; n <= 3; ++n)
        push.push_back(make_change(0xa1, n, operation::insert, "Case", guid(n), stamp_at(n, 0xa1),
                                   new_case("C-" + std::to_string(n))));
    s.results(protocol::encode_sync(push_request(0xa1, push), sch));

    std::uint64_t cursor = 0;
    std::vector<std::string> seen;
    for (int round = 0; round < 3; ++round) {
        const js::array r =
            s.results(protocol::encode_sync(pull_request_from(0xb2, cursor, 2, {"Case"}), sch));
        REQUIRE(r.size() == 1);
        for (const auto& row : result_at(r, 0).at("rows").as_array())
            seen.emplace_back(row.at("Id").as_string());
        const js::object& x = result_at(r, 0).at("concordSync").as_object();
        cursor = x.at("cursor").to_number<std::uint64_t>();
        INFO("round " << round);
        CHECK(x.at("more") == (round == 0));
        if (!x.at("more").as_bool())
            break;
    }
    CHECK(seen == std::vector<std::string>{guid(1), guid(2), guid(3)});
    CHECK(cursor == 3);
}

TEST_CASE("handler: a sync batch rejects a write without concordSync and still runs the rest",
          "[protocol]") {
    served s;
    sync_request req = push_request(0xa1, {make_change(0xa1, 1, operation::insert, "Case", guid(1),
                                                       stamp_at(1, 0xa1), new_case("C-1"))});
    js::object body = js::parse(protocol::encode_sync(req, helpdesk())).as_object();
    js::object plain = insert_case("C-2", "New", -1, guid(2));
    body["items"].as_array().push_back(plain);
    body["items"].as_array().push_back(select_case());
    const js::array r = s.results(js::serialize(body));
    REQUIRE(r.size() == 3);
    CHECK(result_at(r, 0).at("concordSync").at("outcome") == "applied");
    CHECK(result_at(r, 1).at("success") == false);
    CHECK(error_info(result_at(r, 1)).at("errorCode") == "InvalidRequest");
    CHECK(error_info(result_at(r, 1)).at("message") ==
          "items[1]: a synced batch needs concordSync on every write");
    CHECK_FALSE(s.load("Case", guid(2)));
    // A select without concordSync.after in a sync batch is a plain select.
    CHECK(result_at(r, 2).at("rows").as_array().size() == 1);
}

TEST_CASE("handler: works over concord::memory_hub with the system clock", "[protocol]") {
    memory_hub hub{hub_options{helpdesk()}};
    handler<memory_hub> h(hub);
    answer a =
        h.handle("BatchQuery", batch({insert_case("C-1", "New", 1, guid(1)), select_case()}), "");
    REQUIRE(a.status == 200);
    const js::value out = js::parse(a.body);
    CHECK(out.at("queryResults").at(0).at("id") == guid(1).c_str());
    CHECK(out.at("queryResults").at(1).at("rows").at(0).at("Number") == "C-1");
}

TEST_CASE("handler: a round's plain results are written as text exactly as their values would be",
          "[protocol]") {
    const js::value query_ids[] = {nullptr, "q-1", "q\"x\\\n", 7, js::object{{"a", js::array{1}}}};
    const std::string record_ids[] = {guid(3), "a\"b\\c\n\x01", "caf\xC3\xA9"};
    const outcome_kind kinds[] = {outcome_kind::applied, outcome_kind::merged,
                                  outcome_kind::superseded, outcome_kind::duplicate};
    for (const outcome_kind kind : kinds)
        for (const std::string& id : record_ids)
            for (const js::value& qid : query_ids)
                for (const bool echo_omitted : {false, true}) { // a pushing replica's: true
                    outcome o;
                    o.change = change_id{replica_id{0xa1}, 42};
                    o.kind = kind;
                    o.entity = "Case";
                    o.record_id = id;
                    o.echo_omitted = echo_omitted;
                    js::object values = protocol::detail::write_result(o, qid);
                    values["concordSync"] = protocol::detail::encode_outcome(o);
                    std::string text = "[";
                    REQUIRE(protocol::detail::append_plain_result(text, o, qid));
                    INFO(text);
                    CHECK(text == "[" + js::serialize(values));
                }
    // Anything more than the change id, kind and echo is written from the values.
    std::vector<outcome> more(7);
    more[0].kind = outcome_kind::rejected;
    more[1].reason = reject_reason::permission;
    more[2].code = make_error_code(errc::permission_denied);
    more[3].message = "m";
    more[4].field = "Status";
    more[5].skew_clamped = true;
    more[6].losing = js::object{{"Status", "Open"}};
    more.emplace_back().hub_copy = hub_record{"Case", guid(3), {}, false, 9};
    for (const outcome& o : more) {
        std::string text = "x";
        CHECK_FALSE(protocol::detail::append_plain_result(text, o, "q"));
        CHECK(text == "x");
    }
}

TEST_CASE("handler: a round answers text and value results in item order, hasErrors from both",
          "[protocol]") {
    served s;
    sync_request req = push_request(0xa1, {make_change(0xa1, 1, operation::insert, "Case", guid(1),
                                                       stamp_at(1, 0xa1), new_case("C-1")),
                                           make_change(0xa1, 2, operation::insert, "Case", guid(2),
                                                       stamp_at(2, 0xa1), new_case("C-2"))});
    js::object body = js::parse(protocol::encode_sync(req, helpdesk())).as_object();
    js::object all_plain = s.call("BatchQuery", js::serialize(body));
    CHECK(all_plain.at("hasErrors") == false);
    CHECK(all_plain.at("success") == true);
    REQUIRE(all_plain.at("queryResults").as_array().size() == 2);
    CHECK(parse_stamp(all_plain.at("concordSync").at("hubTime").as_string()));

    // The same changes again (replays answer their outcome, as text) around a failing item and
    // a select.
    js::array& items = body["items"].as_array();
    items.insert(items.begin() + 1, insert_case("C-3", "New", -1, guid(3)));
    items.push_back(select_case());
    js::object mixed = s.call("BatchQuery", js::serialize(body));
    CHECK(mixed.at("hasErrors") == true);
    const js::array& r = mixed.at("queryResults").as_array();
    REQUIRE(r.size() == 4);
    CHECK(result_at(r, 0).at("concordSync").at("outcome") == "applied");
    CHECK(result_at(r, 0).at("id") == js::value(guid(1)));
    CHECK(result_at(r, 1).at("success") == false);
    CHECK(result_at(r, 2).at("concordSync").at("outcome") == "applied");
    CHECK(result_at(r, 2).at("id") == js::value(guid(2)));
    CHECK(result_at(r, 3).at("rows").as_array().size() == 2);
}

TEST_CASE("handler: a round's answer holds its request until the caller drops it, and stands "
          "without it",
          "[protocol]") {
    // The server sends the body first and frees what made it afterwards: the body must not
    // depend on it.
    served s;
    sync_request req = push_request(0xa1, {make_change(0xa1, 1, operation::insert, "Case", guid(1),
                                                       stamp_at(1, 0xa1), new_case("C-1"))});
    req.pull = pull_request{0, 10, {"Case"}, {}};
    answer a = s.h.handle("BatchQuery", protocol::encode_sync(req, helpdesk()), "ann");
    REQUIRE(a.status == 200);
    CHECK(a.spent != nullptr);
    a.spent.reset();
    const js::object out = js::parse(a.body).as_object();
    const js::array& r = out.at("queryResults").as_array();
    REQUIRE(r.size() == 2);
    CHECK(result_at(r, 0).at("concordSync").at("outcome") == "applied");
    CHECK(result_at(r, 1).at("rows").at(0).at("Number") == "C-1");

    const answer refused = s.h.handle("BatchQuery", "{", "ann");
    CHECK(refused.status == 400);
    CHECK(refused.spent == nullptr);
}
