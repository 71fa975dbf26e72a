// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — decoding DataService requests: contracts, casing, values, filters, sync, errors.

#include <concord/protocol/request.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/same_request.hpp>
#include <support/schemas.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace concord;
using namespace concord::protocol;
using concord::test::check_same;
using concord::test::check_same_query;
namespace js = boost::json;

const std::string ns = "Terrasoft.Nui.ServiceModel.DataContract.";
const std::string id_a = "6f1c2a3b-0000-4abc-8def-0123456789ab";
const std::string id_b = "7a2d3b4c-1111-4bcd-9ef0-123456789abc";
const std::string replica_hex = "00000000000000a1";
const std::string stamp_text = "018bcfe56800-00000000-00000000000000a1";

// A Parameter expression: {"expressionType":2,"parameter":{"dataValueType":t,"value":v}}.
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

// An item of `contract` on `entity`, `__type` first as DataService clients send it.
js::object query_item(const std::string& contract, const std::string& entity) {
    js::object o;
    o["__type"] = ns + contract;
    o["rootSchemaName"] = entity;
    return o;
}

// {"items": {name: expression, ...}}: a ColumnValues object.
js::object column_values(std::vector<std::pair<std::string, js::object>> cols) {
    js::object items;
    for (auto& [name, expr] : cols)
        items[name] = std::move(expr);
    js::object cv;
    cv["items"] = std::move(items);
    return cv;
}

// A valid InsertQuery of a Case.
js::object insert_case() {
    js::object o = query_item("InsertQuery", "Case");
    o["columnValues"] = column_values({{"Number", param(1, "C-1")},
                                       {"Category", param(1, "Incident")},
                                       {"Priority", param(4, 3)}});
    return o;
}

js::object compare(const std::string& col, int cmp, int type, js::value v) {
    js::object f;
    f["filterType"] = 1;
    f["comparisonType"] = cmp;
    f["leftExpression"] = column_expr(col);
    f["rightExpression"] = param(type, std::move(v));
    return f;
}

js::object group(int logical, std::vector<js::object> children) {
    js::object items;
    for (std::size_t i = 0; i < children.size(); ++i)
        items["f" + std::to_string(i)] = std::move(children[i]);
    js::object g;
    g["filterType"] = 6;
    g["logicalOperation"] = logical;
    g["items"] = std::move(items);
    return g;
}

js::object id_filter(const std::string& id) {
    return group(0, {compare("Id", 3, 0, id.c_str())});
}

js::object select_where(js::object filters, const std::string& entity = "Case") {
    js::object o = query_item("SelectQuery", entity);
    o["allColumns"] = true;
    o["filters"] = std::move(filters);
    return o;
}

std::string batch(js::array items, js::object extra = {}) {
    js::object b = std::move(extra);
    b["items"] = std::move(items);
    return js::serialize(b);
}

result<batch_request> parse(const std::string& body, const schema& s = test::helpdesk(),
                            const limits& lim = {}) {
    return parse_request(body, "BatchQuery", s, lim);
}

// The one decoded query of a one-item batch (which must have decoded).
query only(const result<batch_request>& r) {
    REQUIRE(r);
    REQUIRE(r->items.size() == 1);
    INFO((r->items[0].err ? r->items[0].err->message : std::string("no error")));
    REQUIRE(r->items[0].q);
    return *r->items[0].q;
}

// The error of item `i` (which must have failed to decode).
error item_error(const result<batch_request>& r, std::size_t i = 0) {
    REQUIRE(r);
    REQUIRE(r->items.size() > i);
    REQUIRE(r->items[i].err);
    REQUIRE_FALSE(r->items[i].q);
    return *r->items[i].err;
}

filter where_of(js::object filters) {
    return only(parse(batch({select_where(std::move(filters))}))).where;
}

record rec(std::string id, js::object fields) {
    record r;
    r.id = std::move(id);
    r.fields = std::move(fields);
    return r;
}

// An entity with one column of every supported DataValueType.
schema all_types() {
    using t = data_value_type;
    return schema{
        entity_schema{"All",
                      {column{"G", t::guid}, column{"T", t::text}, column{"I", t::integer},
                       column{"F", t::floating}, column{"M", t::money}, column{"DT", t::date_time},
                       column{"D", t::date}, column{"Tm", t::time}, column{"L", t::lookup},
                       column{"E", t::enumeration}, column{"B", t::boolean}}}};
}

} // namespace

TEST_CASE("request: every query contract decodes, namespace- or assembly-qualified", "[protocol]") {
    const std::string assembly = ", Terrasoft.Nui.ServiceModel";
    for (const std::string& suffix : {std::string(), assembly}) {
        js::object ins = insert_case();
        ins["__type"] = ns + "InsertQuery" + suffix;
        js::object upd = query_item("UpdateQuery", "Case");
        upd["__type"] = ns + "UpdateQuery" + suffix;
        upd["columnValues"] = column_values({{"Status", param(1, "Closed")}});
        upd["filters"] = id_filter(id_a);
        js::object del = query_item("DeleteQuery", "Message");
        del["__type"] = ns + "DeleteQuery" + suffix;
        del["filters"] = id_filter(id_b);
        js::object sel = query_item("SelectQuery", "Case");
        sel["__type"] = ns + "SelectQuery" + suffix;
        auto r = parse(batch({ins, upd, del, sel}));
        REQUIRE(r);
        REQUIRE(r->items.size() == 4);
        for (const auto& it : r->items)
            REQUIRE(it.q);
        CHECK(r->items[0].q->type == operation_type::insert);
        CHECK(r->items[0].q->entity == "Case");
        CHECK(r->items[0].q->values.at("Number") == "C-1");
        CHECK(r->items[0].q->values.at("Priority") == 3);
        CHECK(r->items[1].q->type == operation_type::update);
        CHECK(r->items[1].q->values.at("Status") == "Closed");
        CHECK(r->items[1].q->where_id == id_a);
        CHECK(r->items[2].q->type == operation_type::remove);
        CHECK(r->items[2].q->entity == "Message");
        CHECK(r->items[2].q->where_id == id_b);
        CHECK(r->items[3].q->type == operation_type::select);
        CHECK(r->items[3].q->all_columns); // no Columns: every column
        CHECK_FALSE(r->batch_request::replica.has_value());
    }
}

TEST_CASE("request: an insert keeps its Id column apart from the values", "[protocol]") {
    js::object ins = insert_case();
    ins["columnValues"].as_object()["items"].as_object()["Id"] = param(0, id_a.c_str());
    const query q = only(parse(batch({ins})));
    CHECK(q.record_id == id_a);
    CHECK_FALSE(q.values.contains("Id"));

    ins["columnValues"].as_object()["items"].as_object()["Id"] = param(0, "not-a-guid");
    const error e = item_error(parse(batch({ins})));
    CHECK(e == errc::invalid_id);
    CHECK(e.field == "Id");
    CHECK(e.message.find("items[0].columnValues.items.Id") != std::string::npos);
}

TEST_CASE("request: __type that is not a supported query is unknown_type for that item only",
          "[protocol]") {
    js::object loc = query_item("UpdateLocalizationQuery", "Case");
    js::object bare = insert_case();
    bare["__type"] = "InsertQuery"; // not qualified
    js::object other = insert_case();
    other["__type"] = "Other.Namespace.InsertQuery";
    js::object missing = insert_case();
    missing.erase("__type");
    missing["queryId"] = "q-missing";
    js::object number = insert_case();
    number["__type"] = 1;
    auto r = parse(batch({loc, bare, other, missing, number, insert_case()}));
    REQUIRE(r);
    REQUIRE(r->items.size() == 6);
    for (std::size_t i = 0; i < 5; ++i) {
        const error e = item_error(r, i);
        CHECK(e == errc::unknown_type);
        CHECK(e.message.find("items[" + std::to_string(i) + "]") == 0);
    }
    CHECK(item_error(r, 0).message.find("UpdateLocalizationQuery") != std::string::npos);
    CHECK(item_error(r, 3).message.find("__type: missing") != std::string::npos);
    CHECK(r->items[3].query_id == "q-missing"); // kept even when the item fails
    REQUIRE(r->items[5].q);
    CHECK(r->items[5].q->type == operation_type::insert);
}

TEST_CASE("request: a single-query contract decodes the body as the one query", "[protocol]") {
    const schema s = test::helpdesk();
    js::object ins = insert_case();
    ins.erase("__type"); // the URL names the contract
    auto r = parse_request(js::serialize(ins), "InsertQuery", s);
    REQUIRE(r);
    REQUIRE(r->items.size() == 1);
    REQUIRE(r->items[0].q);
    CHECK(r->items[0].q->type == operation_type::insert);

    js::object upd = query_item("UpdateQuery", "Case");
    upd["columnValues"] = column_values({{"Nope", param(1, "x")}});
    r = parse_request(js::serialize(upd), "UpdateQuery", s);
    const error e = item_error(r);
    CHECK(e == errc::unknown_column);
    CHECK(e.message.find("request.columnValues.items.Nope") == 0);

    for (const char* c : {"DeleteQuery", "SelectQuery"}) {
        js::object q = query_item(c, "Case");
        q["filters"] = id_filter(id_a);
        r = parse_request(js::serialize(q), c, s);
        REQUIRE(r);
        REQUIRE(r->items[0].q);
        CHECK(r->items[0].q->where_id == id_a);
    }
    r = parse_request(js::serialize(ins), "MergeQuery", s);
    CHECK(item_error(r) == errc::unknown_type);
}

TEST_CASE("request: property names match in PascalCase, camelCase or any case", "[protocol]") {
    const std::string pascal = R"({"Items":[{"__type":")" + ns + R"(UpdateQuery",
        "RootSchemaName":"Case","OperationType":2,
        "ColumnValues":{"Items":{"Status":{"ExpressionType":2,
            "Parameter":{"DataValueType":1,"Value":"Closed"}}}},
        "Filters":{"FilterType":6,"LogicalOperation":0,"IsEnabled":true,"Items":{"k":{
            "FilterType":1,"ComparisonType":3,
            "LeftExpression":{"ExpressionType":0,"ColumnPath":"Id"},
            "RightExpression":{"ExpressionType":2,"Parameter":{"DataValueType":0,"Value":")" +
                               id_a + R"("}}}}},
        "QueryId":"q1"}],"ContinueIfError":true})";
    const std::string shouting = R"({"ITEMS":[{"__TYPE":")" + ns + R"(SelectQuery",
        "ROOTSCHEMANAME":"Case","ROWCOUNT":2}]})";
    auto r = parse(pascal);
    REQUIRE(r);
    CHECK(r->continue_if_error);
    const query q = only(r);
    CHECK(q.type == operation_type::update);
    CHECK(q.values.at("Status") == "Closed");
    CHECK(q.where_id == id_a);
    CHECK(r->items[0].query_id == "q1");
    const query s = only(parse(shouting));
    CHECK(s.type == operation_type::select);
    CHECK(s.row_count == std::size_t{2});
}

TEST_CASE("request: ColumnValues accept every DataValueType code 0, 1 and 4–12", "[protocol]") {
    struct one {
        const char* column;
        int code;
        js::value value;
    };
    const std::vector<one> cases = {
        {"G", 0, js::value(id_a)},         {"T", 1, js::value("text")},
        {"I", 4, js::value(42)},           {"F", 5, js::value(1.5)},
        {"M", 6, js::value(9.99)},         {"DT", 7, js::value("2026-01-02T03:04:05.000")},
        {"D", 8, js::value("2026-01-02")}, {"Tm", 9, js::value("03:04:05")},
        {"L", 10, js::value(id_b)},        {"E", 11, js::value(2)},
        {"B", 12, js::value(true)},
    };
    js::object ins = query_item("InsertQuery", "All");
    std::vector<std::pair<std::string, js::object>> cols;
    for (const auto& c : cases)
        cols.emplace_back(c.column, param(c.code, c.value));
    ins["columnValues"] = column_values(std::move(cols));
    const query q = only(parse(batch({ins}), all_types()));
    REQUIRE(q.values.size() == cases.size());
    for (const auto& c : cases) {
        INFO(c.column);
        CHECK(q.values.at(c.column) == c.value);
    }
}

TEST_CASE("request: DataValueType codes 2, 3 and 13+ are type_mismatch naming the column",
          "[protocol]") {
    for (const js::value& code : {js::value(2), js::value(3), js::value(13), js::value(27),
                                  js::value(50), js::value(51), js::value(-1), js::value("1")}) {
        INFO(js::serialize(code));
        js::object ins = insert_case();
        js::object p = param(1, "x");
        p["parameter"].as_object()["dataValueType"] = code;
        ins["columnValues"].as_object()["items"].as_object()["Status"] = p;
        const error e = item_error(parse(batch({insert_case(), ins})), 1);
        CHECK(e == errc::type_mismatch);
        CHECK(e.field == "Status");
        CHECK(e.message.find("items[1].columnValues.items.Status") == 0);
    }
}

TEST_CASE("request: a declared type that does not fit the column is type_mismatch", "[protocol]") {
    js::object ins = insert_case();
    ins["columnValues"].as_object()["items"].as_object()["Priority"] = param(1, "high");
    const error e = item_error(parse(batch({ins})));
    CHECK(e == errc::type_mismatch);
    CHECK(e.field == "Priority");
    CHECK(e.message.find("items[0]") == 0);
    CHECK(e.message.find("'Priority' is Integer, the parameter says Text") != std::string::npos);

    // The pairs DataService clients mix up are compatible: Guid/Lookup, Integer for Enum.
    js::object ok = query_item("InsertQuery", "All");
    ok["columnValues"] = column_values(
        {{"G", param(10, id_a.c_str())}, {"L", param(0, id_b.c_str())}, {"E", param(4, 7)}});
    const query q = only(parse(batch({ok}), all_types()));
    CHECK(q.values.at("G") == js::value(id_a));
    CHECK(q.values.at("L") == js::value(id_b));
    CHECK(q.values.at("E") == 7);

    js::object no_type = insert_case(); // no dataValueType: the column's type is assumed
    no_type["columnValues"].as_object()["items"].as_object()["Priority"] =
        js::object{{"expressionType", 2}, {"parameter", js::object{{"value", 5}}}};
    CHECK(only(parse(batch({no_type}))).values.at("Priority") == 5);
}

TEST_CASE("request: JSON-encoded date strings are unwrapped for date and time columns",
          "[protocol]") {
    js::object ins = query_item("InsertQuery", "All");
    ins["columnValues"] = column_values({{"DT", param(7, "\"2026-01-01T00:00:00.000\"")},
                                         {"D", param(8, "\"2026-01-01\"")},
                                         {"Tm", param(9, "\"12:30:00\"")},
                                         {"T", param(1, "\"quoted\"")}});
    const query q = only(parse(batch({ins}), all_types()));
    CHECK(q.values.at("DT") == "2026-01-01T00:00:00.000");
    CHECK(q.values.at("D") == "2026-01-01");
    CHECK(q.values.at("Tm") == "12:30:00");
    CHECK(q.values.at("T") == "\"quoted\""); // text keeps its quotes: they are data

    ins["columnValues"] = column_values({{"DT", param(7, "2026-01-01T00:00:00Z")}});
    CHECK(only(parse(batch({ins}), all_types())).values.at("DT") == "2026-01-01T00:00:00Z");
}

TEST_CASE("request: a lookup value may come as {value, displayValue}", "[protocol]") {
    js::object ins = query_item("InsertQuery", "Message");
    ins["columnValues"] =
        column_values({{"Case", param(10, js::object{{"value", id_a}, {"displayValue", "C-1"}})},
                       {"Text", param(1, "hello")}});
    CHECK(only(parse(batch({ins}))).values.at("Case") == js::value(id_a));
}

TEST_CASE("request: filter groups combine with And / Or and nest", "[protocol]") {
    const record a = rec(id_a, {{"Status", "New"}, {"Priority", 3}});
    const record b = rec(id_b, {{"Status", "Closed"}, {"Priority", 5}});
    const record c = rec(id_b, {{"Status", "New"}, {"Priority", 5}});

    const filter both =
        where_of(group(0, {compare("Status", 3, 1, "New"), compare("Priority", 7, 4, 4)}));
    CHECK_FALSE(both.matches(a));
    CHECK_FALSE(both.matches(b));
    CHECK(both.matches(c));

    const filter either =
        where_of(group(1, {compare("Status", 3, 1, "Closed"), compare("Priority", 5, 4, 4)}));
    CHECK(either.matches(a));
    CHECK(either.matches(b));
    CHECK_FALSE(either.matches(c));

    // (Status = New) And (Priority = 3 Or Priority = 5), the inner group nested.
    const filter nested = where_of(
        group(0, {compare("Status", 3, 1, "New"),
                  group(1, {compare("Priority", 3, 4, 3), compare("Priority", 3, 4, 5)})}));
    CHECK(nested.matches(a));
    CHECK_FALSE(nested.matches(b));
    CHECK(nested.matches(c));

    // A group without filterType is a group; an empty group matches everything.
    js::object untyped = group(0, {compare("Status", 3, 1, "Closed")});
    untyped.erase("filterType");
    CHECK(where_of(untyped).matches(b));
    CHECK_FALSE(where_of(untyped).matches(a));
    CHECK(where_of(group(0, {})).type() == filter::kind::all);
}

TEST_CASE("request: IsNot negates a filter and IsEnabled false drops it", "[protocol]") {
    const record a = rec(id_a, {{"Status", "New"}});
    const record b = rec(id_b, {{"Status", "Closed"}});
    js::object not_new = compare("Status", 3, 1, "New");
    not_new["isNot"] = true;
    const filter f = where_of(group(0, {not_new}));
    CHECK_FALSE(f.matches(a));
    CHECK(f.matches(b));

    js::object negated_group = group(1, {compare("Status", 3, 1, "New")});
    negated_group["isNot"] = true;
    CHECK(where_of(negated_group).matches(b));
    CHECK_FALSE(where_of(negated_group).matches(a));

    js::object disabled = compare("Status", 3, 1, "New");
    disabled["isEnabled"] = false;
    const filter g = where_of(group(0, {disabled, compare("Status", 4, 1, "Pending")}));
    CHECK(g.matches(a)); // only Status <> Pending is left
    CHECK(g.matches(b));
    CHECK(where_of(group(0, {disabled})).type() == filter::kind::all);
}

TEST_CASE("request: compare filters decode every comparisonType 3–14", "[protocol]") {
    const record p3 = rec(id_a, {{"Priority", 3}, {"Status", "In progress"}});
    const record p5 = rec(id_b, {{"Priority", 5}, {"Status", "Waiting on user"}});
    struct one {
        int cmp;
        const char* column;
        int type;
        js::value value;
        bool on_p3, on_p5;
    };
    const std::vector<one> cases = {
        {3, "Priority", 4, js::value(3), true, false},
        {4, "Priority", 4, js::value(3), false, true},
        {5, "Priority", 4, js::value(5), true, false},
        {6, "Priority", 4, js::value(5), true, true},
        {7, "Priority", 4, js::value(3), false, true},
        {8, "Priority", 4, js::value(5), false, true},
        {9, "Status", 1, js::value("In"), true, false},
        {10, "Status", 1, js::value("In"), false, true},
        {11, "Status", 1, js::value("on"), false, true},
        {12, "Status", 1, js::value("on"), true, false},
        {13, "Status", 1, js::value("user"), false, true},
        {14, "Status", 1, js::value("user"), true, false},
    };
    for (const auto& c : cases) {
        INFO("comparisonType " << c.cmp);
        const filter f = where_of(group(0, {compare(c.column, c.cmp, c.type, c.value)}));
        CHECK(f.matches(p3) == c.on_p3);
        CHECK(f.matches(p5) == c.on_p5);
    }
}

TEST_CASE("request: comparisonType 0–2 and 15–16 in a compare filter are not supported",
          "[protocol]") {
    for (int cmp : {0, 1, 2, 15, 16, 99}) {
        INFO("comparisonType " << cmp);
        const error e =
            item_error(parse(batch({select_where(group(0, {compare("Priority", cmp, 4, 3)}))})));
        CHECK(e == errc::unsupported);
        CHECK(e.message.find("items[0].filters.items.f0") == 0);
    }
    // A text comparison needs a string.
    const error e =
        item_error(parse(batch({select_where(group(0, {compare("Priority", 11, 4, 3)}))})));
    CHECK(e == errc::type_mismatch);
    CHECK(e.field == "Priority");
}

TEST_CASE("request: IsNull filters test for null, and for not null with comparisonType 2",
          "[protocol]") {
    const record with = rec(id_a, {{"Owner", "ann"}});
    const record without = rec(id_b, {});
    auto null_filter = [](js::value is_null, int cmp) {
        js::object f;
        f["filterType"] = 2;
        f["comparisonType"] = cmp;
        f["leftExpression"] = column_expr("Owner");
        if (!is_null.is_null())
            f["isNull"] = is_null;
        return f;
    };
    const filter is_null = where_of(group(0, {null_filter(true, 1)}));
    CHECK(is_null.matches(without));
    CHECK_FALSE(is_null.matches(with));
    const filter default_null = where_of(group(0, {null_filter(nullptr, 1)}));
    CHECK(default_null.matches(without));
    const filter not_null = where_of(group(0, {null_filter(false, 2)}));
    CHECK(not_null.matches(with));
    CHECK_FALSE(not_null.matches(without));
    const filter not_null_flag = where_of(group(0, {null_filter(false, 1)}));
    CHECK(not_null_flag.matches(with));
    CHECK_FALSE(not_null_flag.matches(without));

    js::object unknown = null_filter(true, 1);
    unknown["leftExpression"] = column_expr("Nope");
    const error e = item_error(parse(batch({select_where(group(0, {unknown}))})));
    CHECK(e == errc::invalid_filter);
    CHECK(e.message.find("items[0].filters.items.f0") == 0);
}

TEST_CASE("request: Between is inclusive at both ends", "[protocol]") {
    js::object f;
    f["filterType"] = 3;
    f["comparisonType"] = 0;
    f["leftExpression"] = column_expr("Priority");
    f["rightLessExpression"] = param(4, 2);
    f["rightGreaterExpression"] = param(4, 4);
    const filter between = where_of(group(0, {f}));
    for (int p = 1; p <= 5; ++p) {
        INFO("Priority " << p);
        CHECK(between.matches(rec(id_a, {{"Priority", p}})) == (p >= 2 && p <= 4));
    }
    f.erase("rightGreaterExpression");
    const error e = item_error(parse(batch({select_where(group(0, {f}))})));
    CHECK(e == errc::invalid_request);
    CHECK(e.message.find("items[0].filters.items.f0.rightGreaterExpression") == 0);
}

TEST_CASE("request: In and Not in test a list of values", "[protocol]") {
    auto in = [](int cmp, std::vector<int> values) {
        js::object f;
        f["filterType"] = 4;
        f["comparisonType"] = cmp;
        f["leftExpression"] = column_expr("Priority");
        js::array rs;
        for (int v : values)
            rs.push_back(param(4, v));
        f["rightExpressions"] = std::move(rs);
        return f;
    };
    const filter one_of = where_of(group(0, {in(3, {1, 3})}));
    const filter none_of = where_of(group(0, {in(4, {1, 3})}));
    for (int p = 1; p <= 4; ++p) {
        INFO("Priority " << p);
        const record r = rec(id_a, {{"Priority", p}});
        CHECK(one_of.matches(r) == (p == 1 || p == 3));
        CHECK(none_of.matches(r) == !(p == 1 || p == 3));
    }
    const filter empty = where_of(group(0, {in(3, {})}));
    CHECK_FALSE(empty.matches(rec(id_a, {{"Priority", 1}})));

    js::object bad = in(3, {1});
    bad["rightExpressions"] = param(4, 1);
    CHECK(item_error(parse(batch({select_where(group(0, {bad}))}))) == errc::invalid_request);
}

TEST_CASE("request: Exists filters, other filter types and functions are not supported",
          "[protocol]") {
    js::object exists;
    exists["filterType"] = 5;
    exists["comparisonType"] = 15;
    exists["leftExpression"] = column_expr("[Message:Case].Id");
    js::object none;
    none["filterType"] = 0;
    js::object macro = compare("CreatedOn", 8, 7, "2026-01-01T00:00:00");
    macro["rightExpression"] =
        js::object{{"expressionType", 1}, {"functionType", 1}, {"macrosType", 9}};
    js::object function_left = compare("Priority", 3, 4, 1);
    function_left["leftExpression"] = js::object{{"expressionType", 1}, {"functionType", 2}};
    for (const js::object& f : {exists, none, macro, function_left}) {
        INFO(js::serialize(f));
        const error e = item_error(parse(batch({select_where(group(0, {f}))})));
        CHECK(e == errc::unsupported);
        CHECK(e.message.find("items[0].filters.items.f0") == 0);
    }
}

TEST_CASE("request: lookup column paths are not supported, in filters and in columns",
          "[protocol]") {
    for (const char* path : {"Account.Name", "[Message:Case].Id"}) {
        INFO(path);
        const error e =
            item_error(parse(batch({select_where(group(0, {compare(path, 3, 1, "x")}))})));
        CHECK(e == errc::unsupported);
        CHECK(e.field == path);
        CHECK(e.message.find("items[0].filters.items.f0.leftExpression") == 0);

        js::object sel = query_item("SelectQuery", "Case");
        sel["columns"] = js::object{
            {"items", js::object{{"Acc", js::object{{"expression", column_expr(path)}}}}}};
        const error c = item_error(parse(batch({sel})));
        CHECK(c == errc::unsupported);
        CHECK(c.message.find("items[0].columns.items.Acc.expression") == 0);
    }
}

TEST_CASE("request: filters name unknown columns and badly typed values", "[protocol]") {
    const error unknown =
        item_error(parse(batch({select_where(group(0, {compare("Nope", 3, 1, "x")}))})));
    CHECK(unknown == errc::unknown_column);
    CHECK(unknown.field == "Nope");
    CHECK(unknown.message.find("items[0].filters.items.f0.rightExpression") == 0);

    const error wrong =
        item_error(parse(batch({select_where(group(0, {compare("Priority", 3, 4, "high")}))})));
    CHECK(wrong == errc::invalid_filter);
    CHECK(wrong.message.find("items[0].filters.items.f0") == 0);
    CHECK(wrong.message.find("Priority") != std::string::npos);

    const error declared =
        item_error(parse(batch({select_where(group(0, {compare("Priority", 3, 1, "3")}))})));
    CHECK(declared == errc::type_mismatch);
    CHECK(declared.field == "Priority");

    js::object not_object = group(0, {});
    not_object["items"] = js::object{{"f0", "Status = New"}};
    const error shape = item_error(parse(batch({select_where(not_object)})));
    CHECK(shape == errc::invalid_request);
    CHECK(shape.message.find("items[0].filters.items.f0: a filter must be an object") == 0);
}

TEST_CASE("request: a select decodes columns, aliases, order, row count and paging", "[protocol]") {
    auto col = [](const char* path, int dir, int pos) {
        js::object c;
        c["orderDirection"] = dir;
        c["orderPosition"] = pos;
        c["caption"] = path;
        c["expression"] = column_expr(path);
        return c;
    };
    js::object sel = query_item("SelectQuery", "Case");
    sel["columns"] = js::object{{"items", js::object{{"Num", col("Number", 0, -1)},
                                                     {"Prio", col("Priority", 2, 0)},
                                                     {"Key", col("Id", 1, 1)}}}};
    sel["rowCount"] = 10;
    sel["rowsOffset"] = 20;
    sel["isPageable"] = true;
    query q = only(parse(batch({sel})));
    CHECK_FALSE(q.all_columns);
    REQUIRE(q.columns.size() == 3);
    CHECK(q.columns[0] == std::pair<std::string, std::string>{"Num", "Number"});
    CHECK(q.columns[1] == std::pair<std::string, std::string>{"Prio", "Priority"});
    CHECK(q.columns[2] == std::pair<std::string, std::string>{"Key", "Id"});
    REQUIRE(q.order.size() == 2);
    CHECK(q.order[0].column == "Priority");
    CHECK(q.order[0].descending);
    CHECK(q.order[1].column == "Id");
    CHECK_FALSE(q.order[1].descending);
    CHECK(q.row_count == std::size_t{10});
    CHECK(q.rows_offset == 20);

    sel["isPageable"] = false; // rowsOffset counts only on a pageable query
    CHECK(only(parse(batch({sel}))).rows_offset == 0);
    sel["rowCount"] = -1; // -1: all rows
    CHECK_FALSE(only(parse(batch({sel}))).row_count);

    js::object all = query_item("SelectQuery", "Case");
    all["allColumns"] = true;
    CHECK(only(parse(batch({all}))).all_columns);

    sel["columns"] = js::object{{"items", js::object{{"X", col("Nope", 0, -1)}}}};
    const error e = item_error(parse(batch({sel})));
    CHECK(e == errc::unknown_column);
    CHECK(e.field == "Nope");
    CHECK(e.message.find("items[0].columns.items.X") == 0);
}

TEST_CASE("request: queryId is kept as sent and continueIfError defaults to false", "[protocol]") {
    js::object a = insert_case();
    a["queryId"] = "5b0b0b0b-0000-4000-8000-000000000001";
    js::object b = query_item("SelectQuery", "Case");
    b["queryId"] = 7;
    auto r = parse(batch({a, b, insert_case()}));
    REQUIRE(r);
    CHECK(r->items[0].query_id == "5b0b0b0b-0000-4000-8000-000000000001");
    CHECK(r->items[1].query_id == 7);
    CHECK(r->items[2].query_id.is_null());
    CHECK_FALSE(r->continue_if_error);
    CHECK(parse(batch({a}, {{"continueIfError", true}}))->continue_if_error);
    CHECK_FALSE(parse(batch({a}, {{"continueIfError", false}}))->continue_if_error);
}

TEST_CASE("request: the concordSync extension decodes replica, change ids, stamps and cursors",
          "[protocol]") {
    js::object ins = insert_case();
    ins["concordSync"] = js::object{{"changeId", replica_hex + ":12"}, {"stamp", stamp_text}};
    js::object upd = query_item("UpdateQuery", "Case");
    upd["columnValues"] = column_values({{"Status", param(1, "Closed")}});
    upd["filters"] = id_filter(id_a);
    upd["concordSync"] = js::object{{"changeId", replica_hex + ":13"}, {"stamp", stamp_text}};
    js::object del = query_item("DeleteQuery", "Case");
    del["filters"] = id_filter(id_b);
    del["concordSync"] = js::object{{"changeId", replica_hex + ":14"}, {"stamp", stamp_text}};
    js::object pull = query_item("SelectQuery", "Message");
    pull["rowCount"] = 50;
    pull["concordSync"] = js::object{{"after", 99}};
    auto r =
        parse(batch({ins, upd, del, pull},
                    {{"concordSync", js::object{{"replica", replica_hex}, {"acknowledged", 11}}}}));
    REQUIRE(r);
    REQUIRE(r->replica);
    CHECK(r->replica->value == 0xa1);
    CHECK(r->acknowledged == 11);
    REQUIRE(r->items.size() == 4);
    for (std::size_t i = 0; i < 3; ++i) {
        REQUIRE(r->items[i].q);
        REQUIRE(r->items[i].q->sync);
        CHECK(r->items[i].q->sync->id == change_id{replica_id{0xa1}, 11 + i + 1});
        CHECK(r->items[i].q->sync->at == *parse_stamp(stamp_text));
    }
    CHECK(r->items[1].q->where_id == id_a);
    CHECK(r->items[2].q->where_id == id_b);
    REQUIRE(r->items[3].q);
    CHECK(r->items[3].q->pull_after == std::uint64_t{99});
    CHECK(r->items[3].q->row_count == std::size_t{50});
}

TEST_CASE("request: a malformed concordSync is an error naming where", "[protocol]") {
    auto with_sync = [](js::object q, js::value ext) {
        q["concordSync"] = std::move(ext);
        return parse(
            batch({std::move(q)}, {{"concordSync", js::object{{"replica", replica_hex}}}}));
    };
    for (const std::string& id : {std::string("abc"), replica_hex, replica_hex + ":",
                                  replica_hex + ":0", replica_hex + ":12x", replica_hex + ":-1",
                                  std::string("00a1:12"), "zz" + replica_hex.substr(2) + ":1"}) {
        INFO(id);
        const error e = item_error(
            with_sync(insert_case(), js::object{{"changeId", id}, {"stamp", stamp_text}}));
        CHECK(e == errc::invalid_request);
        CHECK(e.message.find("items[0].concordSync.changeId") == 0);
    }
    const error no_stamp =
        item_error(with_sync(insert_case(), js::object{{"changeId", replica_hex + ":1"}}));
    CHECK(no_stamp == errc::invalid_request);
    CHECK(no_stamp.message.find("items[0].concordSync") == 0);
    const error bad_stamp = item_error(with_sync(
        insert_case(), js::object{{"changeId", replica_hex + ":1"}, {"stamp", "yesterday"}}));
    CHECK(bad_stamp == errc::invalid_stamp);
    CHECK(bad_stamp.message.find("items[0].concordSync.stamp") == 0);
    CHECK(item_error(with_sync(insert_case(), "x")) == errc::invalid_request);

    // A synced update or delete addresses one record: its filter must be exactly Id = <guid>.
    js::object upd = query_item("UpdateQuery", "Case");
    upd["columnValues"] = column_values({{"Status", param(1, "Closed")}});
    upd["filters"] = group(0, {compare("Status", 3, 1, "New")});
    const js::object sync_ext{{"changeId", replica_hex + ":1"}, {"stamp", stamp_text}};
    const error by_filter = item_error(with_sync(upd, sync_ext));
    CHECK(by_filter == errc::invalid_request);
    CHECK(by_filter.message.find("items[0]: a synced update or delete must filter on Id") == 0);
    upd.erase("filters");
    CHECK(item_error(with_sync(upd, sync_ext)) == errc::invalid_request);
    js::object del = query_item("DeleteQuery", "Case");
    CHECK(item_error(with_sync(del, sync_ext)) == errc::invalid_request);

    js::object pull = query_item("SelectQuery", "Case");
    for (const js::value& after : {js::value(-1), js::value("1"), js::value(nullptr)}) {
        js::object ext;
        if (!after.is_null())
            ext["after"] = after;
        const error e = item_error(with_sync(pull, ext));
        CHECK(e == errc::invalid_request);
        CHECK(e.message.find("items[0].concordSync.after") == 0);
    }

    // The batch's replica must be 16 hex digits: a whole-request error.
    for (const js::value& rep : {js::value("a1"), js::value(161), js::value(nullptr)}) {
        js::object ext;
        if (!rep.is_null())
            ext["replica"] = rep;
        auto r = parse(batch({insert_case()}, {{"concordSync", ext}}));
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::invalid_request);
        CHECK(r.error().message.find("concordSync.replica") == 0);
    }
}

TEST_CASE("request: whole-request errors: bad JSON, limits, shape", "[protocol]") {
    const schema s = test::helpdesk();
    SECTION("malformed JSON, including invalid UTF-8") {
        for (const std::string& body :
             {std::string("{\"items\":["), std::string("{items:[]}"), std::string(""),
              std::string("{\"items\":[]} trailing"), std::string("{\"items\":[],}"),
              std::string("{\"items\":[{\"__type\":\"\xff\xfe\"}]}"),
              std::string("{\"items\":[{\"__type\":\"\xc0\xaf\"}]}")}) {
            INFO(body);
            auto r = parse(body);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::malformed_json);
            CHECK(r.error().message.find("malformed JSON") == 0);
        }
    }
    SECTION("body, item count and value size limits") {
        limits lim;
        lim.max_body = 100;
        std::string big = batch({insert_case(), insert_case()});
        REQUIRE(big.size() > 100);
        auto r = parse(big, s, lim);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::body_too_large);
        CHECK(r.error().message.find("the limit is 100") != std::string::npos);

        limits few;
        few.max_items = 2;
        CHECK(parse(batch({insert_case(), insert_case()}), s, few));
        r = parse(batch({insert_case(), insert_case(), insert_case()}), s, few);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::body_too_large);
        CHECK(r.error().message.find("items: 3 queries; the limit is 2") == 0);

        limits small;
        small.max_value_bytes = 8;
        js::object ins = insert_case();
        ins["columnValues"].as_object()["items"].as_object()["Description"] = param(1, "123456789");
        r = parse(batch({insert_case(), ins}), s, small);
        const error e = item_error(r, 1); // only this item fails
        CHECK(e == errc::body_too_large);
        CHECK(e.field == "Description");
        CHECK(e.message.find("items[1].columnValues.items.Description") == 0);
        REQUIRE(r->items[0].q);
    }
    SECTION("nesting deeper than the limit") {
        limits shallow;
        shallow.max_depth = 8;
        js::object f = compare("Priority", 3, 4, 1);
        for (int i = 0; i < 4; ++i)
            f = group(0, {f});
        auto r = parse(batch({select_where(f)}), s, shallow);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::nesting_too_deep);
        CHECK(r.error().message.find("deeper than 8") != std::string::npos);
        std::string deep(100, '[');
        r = parse(deep + std::string(100, ']'));
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::nesting_too_deep);
    }
    SECTION("a body of the wrong shape") {
        for (const std::string& body :
             {std::string("[]"), std::string("\"items\""), std::string("{}"),
              std::string("{\"items\":{}}"), std::string("{\"items\":null}")}) {
            INFO(body);
            auto r = parse(body);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::invalid_request);
        }
        auto r = parse("{\"items\":{}}");
        CHECK(r.error().message == "items: expected an array of queries");
    }
}

TEST_CASE("request: item-level errors name the item and field, and leave other items decoded",
          "[protocol]") {
    js::object no_root = insert_case();
    no_root.erase("rootSchemaName");
    js::object no_values = query_item("InsertQuery", "Case");
    js::object bad_values = query_item("UpdateQuery", "Case");
    bad_values["columnValues"] = js::object{{"items", js::array{}}};
    js::object unknown_entity = query_item("InsertQuery", "Account");
    unknown_entity["columnValues"] = column_values({});
    js::object unknown_column = insert_case();
    unknown_column["columnValues"].as_object()["items"].as_object()["Colour"] = param(1, "red");
    js::object not_expr = insert_case();
    not_expr["columnValues"].as_object()["items"].as_object()["Status"] = "New";
    js::object no_param = insert_case();
    no_param["columnValues"].as_object()["items"].as_object()["Status"] =
        js::object{{"expressionType", 2}};
    js::object bad_filter = query_item("DeleteQuery", "Case");
    bad_filter["filters"] = js::array{};

    auto r = parse(batch({insert_case(), no_root, no_values, bad_values, unknown_entity,
                          unknown_column, not_expr, no_param, bad_filter, 42, "text"}));
    REQUIRE(r);
    REQUIRE(r->items.size() == 11);
    REQUIRE(r->items[0].q);
    struct expect {
        std::size_t i;
        errc code;
        const char* at;
        const char* field;
    };
    for (const expect x :
         {expect{1, errc::invalid_request, "items[1]: rootSchemaName is missing", ""},
          expect{2, errc::invalid_request, "items[2]: columnValues.items is missing", ""},
          expect{3, errc::invalid_request, "items[3]: columnValues.items is missing", ""},
          expect{4, errc::unknown_entity, "items[4]: no entity 'Account'", ""},
          expect{5, errc::unknown_column, "items[5].columnValues.items.Colour", "Colour"},
          expect{6, errc::invalid_request, "items[6].columnValues.items.Status", "Status"},
          expect{7, errc::invalid_request, "items[7].columnValues.items.Status", "Status"},
          expect{8, errc::invalid_request, "items[8].filters", ""},
          expect{9, errc::invalid_request, "items[9]: expected a query object", ""},
          expect{10, errc::invalid_request, "items[10]: expected a query object", ""}}) {
        INFO("item " << x.i);
        const error e = item_error(r, x.i);
        CHECK(e == x.code);
        CHECK(e.message.find(x.at) == 0);
        CHECK(e.field == x.field);
    }
    CHECK(item_error(r, 5).message.find("entity 'Case' has no column 'Colour'") !=
          std::string::npos);
}

TEST_CASE("dataservice: every errc has its own errorCode name, which maps back", "[protocol]") {
    std::vector<std::string> names;
    for (int v = 1; v <= static_cast<int>(last_errc); ++v) {
        const std::string name(error_name(make_error_code(static_cast<errc>(v))));
        INFO("errc " << v << " " << name);
        CHECK(name != "Error");
        CHECK(error_value(name) == v);
        CHECK(std::find(names.begin(), names.end(), name) == names.end());
        names.push_back(name);
    }
    CHECK(error_name(make_error_code(errc::permission_denied)) == "AccessDenied");
    CHECK(error_name(make_error_code(errc::unsupported)) == "NotSupported");
    CHECK(error_name(error_code(5, boost::system::generic_category())) == "Error");
    CHECK(error_value("NotExecuted") == 0); // the handler's own code for skipped items
    CHECK(error_value("Error") == 0);
    CHECK(error_value("unknownColumn") == 0); // names are exact
}

TEST_CASE("dataservice: contract_name strips the namespace and the assembly", "[protocol]") {
    CHECK(contract_name(ns + "InsertQuery") == "InsertQuery");
    CHECK(contract_name(ns + "SelectQuery, Terrasoft.Nui.ServiceModel") == "SelectQuery");
    CHECK(contract_name("InsertQuery").empty());
    CHECK(contract_name("Terrasoft.Nui.ServiceModel.InsertQuery").empty());
    CHECK(contract_name(", Terrasoft.Nui.ServiceModel").empty());
}

TEST_CASE("request: a batch of thousands of items decodes as each of its items alone",
          "[protocol]") {
    js::array items;
    for (std::size_t i = 0; i < 2500; ++i) {
        const std::string n = std::to_string(i);
        switch (i % 5) {
        case 0: { // an insert with a queryId
            js::object ins = insert_case();
            ins["columnValues"].as_object()["items"].as_object()["Number"] =
                param(1, js::string("C-" + n));
            ins["queryId"] = "q-" + n;
            items.push_back(std::move(ins));
            break;
        }
        case 1: { // a synced update
            js::object up = query_item("UpdateQuery", "Case");
            up["columnValues"] = column_values({{"Status", param(1, js::string("Open " + n))}});
            up["filters"] = id_filter(i % 2 ? id_a : id_b);
            up["concordSync"] = js::object{{"changeId", replica_hex + ":" + std::to_string(i + 1)},
                                           {"stamp", stamp_text}};
            items.push_back(std::move(up));
            break;
        }
        case 2: // a select with a filter
            items.push_back(select_where(compare("Number", 3, 1, ("C-" + n).c_str())));
            break;
        case 3: { // an unknown column: this item fails
            js::object bad = insert_case();
            bad["columnValues"].as_object()["items"].as_object()["Colour"] = param(1, n.c_str());
            items.push_back(std::move(bad));
            break;
        }
        default: // not a query object
            items.push_back(static_cast<std::int64_t>(i));
        }
    }
    const std::string body = batch(items);
    // A body this large is cut in two and each half read on a thread of its own. Read so, or
    // parsed whole, it must give every item as alone.
    REQUIRE(body.size() >= protocol::detail::split_from_bytes);
    const auto cut = protocol::detail::split_items(body);
    REQUIRE(cut);
    REQUIRE(protocol::detail::parse_split(body, *cut, test::helpdesk(), {}));
    const bool split = GENERATE(true, false);
    INFO((split ? "cut in two" : "parsed whole"));
    const auto whole =
        split ? parse(body)
              : protocol::detail::parse_whole(body, "BatchQuery", test::helpdesk(), {});
    REQUIRE(whole);
    REQUIRE(whole->items.size() == items.size());
    const std::string first = "items[0]";
    for (std::size_t i = 0; i < items.size(); ++i) {
        INFO("item " << i);
        const auto alone = parse(batch({items[i]}));
        REQUIRE(alone);
        const item& a = alone->items.at(0);
        const item& w = whole->items[i];
        CHECK(w.query_id == a.query_id);
        REQUIRE(w.err.has_value() == a.err.has_value());
        if (a.err) {
            CHECK(w.err->code == a.err->code);
            CHECK(w.err->field == a.err->field);
            std::string message = a.err->message; // alone, the item is items[0]
            REQUIRE(message.rfind(first, 0) == 0);
            message.replace(0, first.size(), "items[" + std::to_string(i) + "]");
            CHECK(w.err->message == message);
            continue;
        }
        REQUIRE(w.q);
        check_same_query(*w.q, *a.q);
    }
    CHECK(whole->items[4].err);
    CHECK(whole->items[2498].err->message.find("items[2498].columnValues.items.Colour") == 0);
}

namespace {

// Items whose text holds what could fool a cut: brackets, commas, quotes, backslashes and
// "items" inside strings, and objects with an `items` key of their own.
std::string tricky_items(std::size_t n) {
    js::array items;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string k = std::to_string(i);
        if (i % 3 == 0) {
            js::object ins = insert_case();
            ins["columnValues"].as_object()["items"].as_object()["Number"] =
                param(1, js::string("\"items\":[" + k + "],{\\\"x\\\"} é"));
            ins["queryId"] = "q]," + k;
            items.push_back(std::move(ins));
        } else if (i % 3 == 1) {
            items.push_back(select_where(compare("Number", 3, 1, ("\\\"],[{" + k).c_str())));
        } else {
            items.push_back(js::object{{"items", js::array{1, "]", js::object{{"items", "["}}}}});
        }
    }
    const std::string text = js::serialize(items);
    return text.substr(1, text.size() - 2); // the elements alone
}

} // namespace

TEST_CASE("request: a large body cut in two for two threads parses as the body whole",
          "[protocol]") {
    const std::string items = tricky_items(2400);
    const std::string sync = R"("concordSync":{"replica":")" + replica_hex +
                             R"(","acknowledged":7,"scope":"s","items":[1,{"items":2}]})";
    auto whole = [](const std::string& body, const limits& lim = {}) {
        return protocol::detail::parse_whole(body, "BatchQuery", test::helpdesk(), lim);
    };
    SECTION("bodies the cut reads: the same items and properties") {
        const std::string bodies[] = {
            R"({"items":[)" + items + "]}",
            R"({"continueIfError":true,"note":"\"items\":[1,2]", "Items" : [ )" + items +
                R"( ] ,)" + sync + "}",
            "{" + sync + R"(,"ITEMS":[)" + items + R"(],"continueIfError":false})",
        };
        for (const std::string& body : bodies) {
            INFO(body.substr(0, 120));
            REQUIRE(body.size() >= protocol::detail::split_from_bytes);
            const auto cut = protocol::detail::split_items(body);
            REQUIRE(cut);
            REQUIRE(body[cut->open] == '[');
            REQUIRE(body[cut->comma] == ',');
            REQUIRE(cut->comma >= body.size() / 2);
            REQUIRE(protocol::detail::parse_split(body, *cut, test::helpdesk(), {}));
            const auto want = whole(body);
            REQUIRE(want);
            REQUIRE(want->items.size() == 2400);
            check_same(parse(body), want);
        }
    }
    SECTION("bodies the cut must not trust or that fail: as parsed whole") {
        std::string bad_late = R"({"items":[)" + items + "]}";
        bad_late[bad_late.size() * 3 / 4] = '}'; // malformed in the second half
        std::string bad_early = R"({"items":[)" + items + "]}";
        bad_early[bad_early.size() / 4] = '}'; // malformed in the first half
        std::string bad_utf8 = R"({"items":[)" + items + "]}";
        bad_utf8.replace(bad_utf8.rfind("é"), 2, "\xC3\x28"); // invalid UTF-8, late
        std::string deep;
        for (int i = 0; i < 40; ++i)
            deep += "[";
        deep += std::string(40, ']');
        const std::string big_last =
            "{\"items\":[" + items + ",\"" + std::string(items.size() * 2, 'x') + "\"";
        const std::string bodies[] = {
            big_last + ",]}",                             // a comma after the last item
            R"({"items":[)" + items + R"(],"items":[]})", // twice
            R"({"items":[],"Items":[)" + items + "]}",    // twice, the cut one second
            R"({"\u0069tems":[)" + items + "]}",          // a key with an escape
            R"({"items":[)" + items + "]",                // unterminated
            R"({"items":[)" + items + R"(],"x":tru})",    // malformed after the items
            R"({"items":[)" + items + "]} x",             // something after the body
            R"({"items":[)" + items + "," + deep + "]}",  // too deep, late
            R"([{"items":[)" + items + "]}]",             // not an object
            R"({"items":[)" + items + R"(],"concordSync":{"replica":7}})", // bad extension
            bad_late,
            bad_early,
            bad_utf8,
        };
        for (const std::string& body : bodies) {
            INFO(body.substr(0, 60) << " … " << body.substr(body.size() - 60));
            check_same(parse(body), whole(body));
        }
    }
    SECTION("more items than the limit: the same error") {
        const std::string body = R"({"items":[)" + items + "]}";
        limits lim;
        lim.max_items = 2399;
        const auto got = parse(body, test::helpdesk(), lim);
        REQUIRE_FALSE(got);
        CHECK(got.error().code == make_error_code(errc::body_too_large));
        check_same(got, whole(body, lim));
    }
}
