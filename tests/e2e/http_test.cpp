// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — sync over real HTTP(S): http_server + http_transport, keep-alive, TLS, lost answers,
// bad requests, graceful stop, request timeouts. Everything listens on 127.0.0.1 only.

#include <concord/http.hpp>
#include <concord/memory.hpp>
#include <concord/transport/loopback.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/raw_http.hpp>
#include <support/temp_dir.hpp>
#include <support/test_pki.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace concord;
using namespace concord::test;
using namespace std::chrono_literals;
namespace http = boost::beast::http;
using obj = boost::json::object;

namespace {

using memory_hub_t = basic_hub<memory_hub_store>;

const std::string batch_path = "/0/dataservice/json/reply/BatchQuery";

/// Transport options for the hub at 127.0.0.1:`port`, with short waits (all local).
http_transport_options to_hub(unsigned short port, const std::string& scheme = "http") {
    http_transport_options o;
    o.url = scheme + "://127.0.0.1:" + std::to_string(port);
    o.connect_timeout = 2s;
    o.read_timeout = 10s;
    o.backoff = 20ms;
    return o;
}

memory_http_replica memory_replica_over(http_transport_options o, replica_options ro) {
    return memory_http_replica(std::move(ro), memory_replica_store{},
                               http_transport(std::move(o), helpdesk()));
}

replica_options with_credentials(std::uint64_t id, std::string credentials) {
    replica_options o = replica_opts(id);
    o.credentials = std::move(credentials);
    return o;
}

template <class R>
sync_summary synced(R& r) {
    auto s = r.sync();
    REQUIRE(s);
    return *s;
}

template <class R>
record local(R& r, const std::string& id) {
    auto g = r.get("Case", id);
    REQUIRE(g);
    return *g;
}

template <class R>
std::string insert_case(R& r, const std::string& number) {
    auto id = r.insert("Case", new_case(number));
    REQUIRE(id);
    return *id;
}

/// The hub's live Cases, as any client would see them.
template <class Hub>
std::vector<hub_record> hub_cases(Hub& hub, std::string_view credentials = "") {
    auto rows = hub.select(credentials, "Case");
    REQUIRE(rows);
    return std::move(*rows);
}

template <class Hub>
bool hub_has_number(Hub& hub, const std::string& number, std::string_view credentials = "") {
    for (const hub_record& h : hub_cases(hub, credentials))
        if (auto f = h.fields.find("Number"); f != h.fields.end() && f->value() == number.c_str())
            return true;
    return false;
}

/// `responseStatus.ErrorCode` of an error answer (empty when absent).
std::string status_code(const raw_response& r) {
    const boost::json::value v = r.json();
    if (!v.is_object())
        return {};
    const auto* rs = v.get_object().if_contains("responseStatus");
    if (rs == nullptr || !rs->is_object())
        return {};
    const auto* code = rs->get_object().if_contains("ErrorCode");
    return code && code->is_string() ? std::string(code->get_string()) : std::string();
}

/// A DataService parameter expression.
obj param(boost::json::value v, int type) {
    return obj{{"expressionType", 2},
               {"parameter", obj{{"dataValueType", type}, {"value", std::move(v)}}}};
}

/// A plain InsertQuery, as Creatio's own clients send it (no concordSync).
obj insert_query(const std::string& entity, obj columns) {
    return obj{{"__type", "Terrasoft.Nui.ServiceModel.DataContract.InsertQuery"},
               {"rootSchemaName", entity},
               {"operationType", 1},
               {"columnValues", obj{{"items", std::move(columns)}}}};
}

/// Number and Category of a new Case, as parameters.
obj case_columns(const std::string& number) {
    return obj{{"Number", param(boost::json::value(number), 1)},
               {"Category", param("Incident", 1)}};
}

// ---- 1: the offline scenario, run over HTTP and over loopback --------------------------------

struct scenario_result {
    std::vector<outcome_kind> kinds;
    std::vector<obj> losing;
    obj hub_one;
    obj hub_two;
    std::size_t hub_count = 0;
};

/// A inserts, B pulls; both edit offline (B first, so A's later edit wins Status); the result.
template <class Hub, class A, class B>
scenario_result offline_edits(Hub& hub, A& a, B& b) {
    const std::string one = guid(1), two = guid(2);
    obj f1 = new_case("CS-1");
    f1["Id"] = one;
    REQUIRE(a.insert("Case", f1));
    CHECK(synced(a).applied == 1);
    CHECK(synced(b).pulled == 1);
    CHECK(local(b, one) == local(a, one));

    REQUIRE(b.update("Case", one, obj{{"Status", "Waiting"}, {"Description", "called back"}}));
    obj f2 = new_case("CS-2");
    f2["Id"] = two;
    REQUIRE(b.insert("Case", f2));
    std::this_thread::sleep_for(5ms); // A's edit is later in time
    REQUIRE(a.update("Case", one, obj{{"Status", "Resolved"}, {"Owner", "Ann"}}));

    CHECK(synced(a).applied == 1);
    const sync_summary sb = synced(b);
    CHECK(sb.pushed == 2);
    CHECK(sb.applied == 1);
    CHECK(sb.logged == 1);
    synced(a);
    CHECK(a.pending().empty());
    CHECK(b.pending().empty());
    CHECK(local(a, one) == local(b, one));
    CHECK(local(a, two) == local(b, two));

    scenario_result out;
    for (const sync_log_entry& e : b.sync_log().entries) {
        out.kinds.push_back(e.result.kind);
        out.losing.push_back(e.result.losing);
    }
    CHECK(a.sync_log().entries.empty());
    auto h1 = hub_load(hub, "Case", one);
    auto h2 = hub_load(hub, "Case", two);
    REQUIRE(h1);
    REQUIRE(h2);
    out.hub_one = h1->fields;
    out.hub_two = h2->fields;
    out.hub_count = hub_cases(hub).size();
    return out;
}

// ---- 5: an access policy checking a bearer token ---------------------------------------------

struct token_gate {
    std::atomic<bool> slow{false};    ///< hold each authenticated request for a while
    std::atomic<bool> entered{false}; ///< a held request has started
};

/// Accepts only "secret-token"; optionally slow, to keep a request in flight.
struct token_access {
    token_gate* gate = nullptr;

    result<principal> authenticate(std::string_view credentials) const {
        if (credentials != "secret-token")
            return error(errc::unauthenticated, "unknown bearer token");
        if (gate->slow.load()) {
            gate->entered = true;
            std::this_thread::sleep_for(400ms);
        }
        return principal{"agent", {}, {}};
    }
    result<void> may_write(const principal&, const change&, const hub_record*) const { return {}; }
    bool may_read(const principal&, const hub_record&) const { return true; }
};

using gated_hub = basic_hub<memory_hub_store, token_access>;

} // namespace

TEST_CASE("http: offline sync end to end gives the same results as loopback", "[http]") {
    temp_dir dir("http");
    scenario_result over_http, over_loopback;
    {
        sqlite_hub hub(hub_options{helpdesk()}, sqlite_hub_store(dir.file("hub.db"), helpdesk()));
        http_server<sqlite_hub> server(hub, http_server_options{});
        server.start();
        REQUIRE(server.port() != 0);
        sqlite_http_replica a(replica_opts(0xA), sqlite_replica_store(dir.file("a.db"), helpdesk()),
                              http_transport(to_hub(server.port()), helpdesk()));
        auto b = memory_replica_over(to_hub(server.port()), replica_opts(0xB));
        over_http = offline_edits(hub, a, b);
        // Keep-alive: every sync of each replica went over its one connection.
        CHECK(a.transport().connections() == 1);
        CHECK(b.transport().connections() == 1);
        CHECK(a.transport().retries() == 0);

        // The BatchQuery endpoint answers at each of DataService's path forms.
        std::uint64_t id = 0xC0;
        for (const std::string path :
             {"/0/dataservice/json/reply/BatchQuery", "/0/DataService/json/SyncReply/BatchQuery",
              "/dataservice/json/reply/BatchQuery"}) {
            INFO(path);
            http_transport_options o = to_hub(server.port());
            o.path = path;
            auto c = memory_replica_over(o, replica_opts(++id));
            const sync_summary s = synced(c);
            CHECK(s.pulled == 2);
            CHECK(local(c, guid(1)) == local(a, guid(1)));
            CHECK(c.transport().connections() == 1);
        }
        // A path that is not an endpoint is an error, not a silent success.
        http_transport_options bad = to_hub(server.port());
        bad.path = "/0/dataservice/json/reply/NoSuchQuery";
        auto lost = memory_replica_over(bad, replica_opts(0xD0));
        auto r = lost.sync();
        REQUIRE_FALSE(r);
        CHECK(r.error() != errc::transport_failed); // the hub answered (404); no retries
        server.stop();
    }
    {
        using hub_t = sqlite_hub;
        using a_t = basic_replica<sqlite_replica_store, loopback_transport<hub_t>>;
        using b_t = basic_replica<memory_replica_store, loopback_transport<hub_t>>;
        hub_t hub(hub_options{helpdesk()}, sqlite_hub_store(dir.file("hub2.db"), helpdesk()));
        a_t a(replica_opts(0xA), sqlite_replica_store(dir.file("a2.db"), helpdesk()),
              loopback_transport<hub_t>(hub));
        b_t b(replica_opts(0xB), memory_replica_store{}, loopback_transport<hub_t>(hub));
        over_loopback = offline_edits(hub, a, b);
    }
    // What the scenario must give, and HTTP gives exactly what loopback gives.
    REQUIRE(over_http.kinds == std::vector<outcome_kind>{outcome_kind::merged});
    CHECK(over_http.losing.front() == obj{{"Status", "Waiting"}});
    CHECK(over_http.hub_one.at("Status") == "Resolved");
    CHECK(over_http.hub_one.at("Owner") == "Ann");
    CHECK(over_http.hub_one.at("Description") == "called back");
    CHECK(over_http.hub_count == 2);
    CHECK(over_http.kinds == over_loopback.kinds);
    CHECK(over_http.losing == over_loopback.losing);
    CHECK(over_http.hub_one == over_loopback.hub_one);
    CHECK(over_http.hub_two == over_loopback.hub_two);
    CHECK(over_http.hub_count == over_loopback.hub_count);
}

TEST_CASE("http: TLS verifies the hub's certificate and host name", "[http]") {
    test_pki pki;
    memory_hub_t hub(hub_options{helpdesk()});
    http_server_options so;
    so.tls = tls_files{pki.localhost().certificate_chain, pki.localhost().private_key};
    http_server<memory_hub_t> server(hub, so);
    server.start();

    // Trusting the test CA: syncs, by address and by name.
    http_transport_options trusted = to_hub(server.port(), "https");
    trusted.ca_file = pki.ca_file();
    auto good = memory_replica_over(trusted, replica_opts(1));
    const std::string id = insert_case(good, "CS-TLS");
    CHECK(synced(good).applied == 1);
    CHECK(synced(good).pulled == 0);
    CHECK(good.transport().connections() == 1);
    REQUIRE(hub_cases(hub).size() == 1);
    http_transport_options by_name = trusted;
    by_name.url = "https://localhost:" + std::to_string(server.port());
    auto named = memory_replica_over(by_name, replica_opts(2));
    CHECK(synced(named).pulled == 1);
    CHECK(local(named, id).fields.at("Number") == "CS-TLS");

    SECTION("without the CA (system store) the handshake is refused and nothing reaches the hub") {
        http_transport_options o = to_hub(server.port(), "https");
        o.attempts = 2;
        auto stranger = memory_replica_over(o, replica_opts(3));
        insert_case(stranger, "CS-STRANGER");
        const std::size_t before = server.requests();
        auto r = stranger.sync();
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::transport_failed);
        CHECK_THAT(r.error().message, Catch::Contains("handshake"));
        CHECK_THAT(r.error().message, Catch::Contains("verify"));
        CHECK(server.requests() == before);
        CHECK(hub_cases(hub).size() == 1);
        CHECK_FALSE(hub_has_number(hub, "CS-STRANGER"));
        CHECK(stranger.pending().size() == 1); // kept for a later sync
    }
    SECTION("a certificate for another host name is refused, even from the trusted CA") {
        http_server_options io;
        io.tls = tls_files{pki.other_host().certificate_chain, pki.other_host().private_key};
        http_server<memory_hub_t> imposter(hub, io);
        imposter.start();
        http_transport_options o = to_hub(imposter.port(), "https");
        o.ca_file = pki.ca_file();
        o.attempts = 1;
        auto c = memory_replica_over(o, replica_opts(4));
        insert_case(c, "CS-MISDIRECTED");
        auto r = c.sync();
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::transport_failed);
        CHECK_THAT(r.error().message, Catch::Contains("handshake"));
        CHECK(imposter.requests() == 0);
        CHECK_FALSE(hub_has_number(hub, "CS-MISDIRECTED"));
        imposter.stop();
    }
    SECTION("verify_peer = false (tests only) connects without the CA") {
        http_transport_options o = to_hub(server.port(), "https");
        o.verify_peer = false;
        auto c = memory_replica_over(o, replica_opts(5));
        insert_case(c, "CS-UNVERIFIED");
        const sync_summary s = synced(c);
        CHECK(s.applied == 1);
        CHECK(s.pulled == 2);
        CHECK(hub_has_number(hub, "CS-UNVERIFIED"));
    }
    SECTION("plain HTTP to the TLS port gets no answer") {
        auto c = memory_replica_over(to_hub(server.port()), replica_opts(6));
        const std::size_t before = server.requests();
        auto r = c.sync();
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::transport_failed);
        CHECK(server.requests() == before);
    }
    server.stop();
}

TEST_CASE("http: a lost response is replayed without double application", "[http]") {
    temp_dir dir("http");
    sqlite_hub hub(hub_options{helpdesk()}, sqlite_hub_store(dir.file("hub.db"), helpdesk()));
    http_server<sqlite_hub> server(hub, http_server_options{});
    server.start();
    lossy_proxy proxy(server.port(), 1);
    http_transport_options o = to_hub(proxy.port());
    o.attempts = 3;
    auto r = memory_replica_over(o, replica_opts(7));
    const std::string id = insert_case(r, "CS-LOST");
    REQUIRE(r.pending().size() == 1);
    const change mine = r.pending().front();

    const sync_summary s = synced(r);
    CHECK(proxy.dropped() == 1);
    CHECK(proxy.forwarded() == 2); // the original and its replay both reached the hub
    CHECK(r.transport().retries() >= 1);
    CHECK(r.transport().connections() == 2);
    CHECK(s.pushed == 1);
    CHECK(s.applied == 1);
    CHECK(s.logged == 0);
    CHECK(r.pending().empty());
    CHECK(r.sync_log().entries.empty());

    const auto cases = hub_cases(hub);
    REQUIRE(cases.size() == 1);
    CHECK(cases.front().id == id);
    CHECK(cases.front().seq == 1); // written once: the replay wrote nothing
    auto stored = hub_outcome(hub, mine.id);
    REQUIRE(stored);
    CHECK(stored->kind == outcome_kind::applied);
    CHECK(local(r, id).fields.at("Number") == "CS-LOST");

    // The next round goes through (the proxy loses only one answer) and changes nothing.
    const sync_summary again = synced(r);
    CHECK(again.pushed == 0);
    CHECK(hub_cases(hub).size() == 1);
    server.stop();
}

TEST_CASE("http: the server answers every kind of bad request and keeps serving", "[http]") {
    memory_hub_t hub(hub_options{helpdesk()});
    http_server_options so;
    so.limits.max_body = 4096; // small, yet room for the item-errors batch below
    http_server<memory_hub_t> server(hub, so);
    server.start();
    const unsigned short port = server.port();

    replica_options ro = replica_opts(9);
    ro.entities = {"Case"};
    auto rep = memory_replica_over(to_hub(port), ro);
    int n = 0;
    auto still_serves = [&] {
        const std::string number = "OK-" + std::to_string(++n);
        insert_case(rep, number);
        CHECK(synced(rep).applied == 1);
        CHECK(hub_has_number(hub, number));
    };
    still_serves();

    auto post = [&](std::string body, const std::string& target = batch_path) {
        return raw_request(port, http::verb::post, target, std::move(body));
    };

    raw_response r = post(R"({"items": [{"__type": )");
    CHECK(r.status == 400);
    CHECK(status_code(r) == "MalformedJson");
    still_serves();

    r = post(R"({"items": [])" + std::string(8192, ' ') + "]}");
    CHECK(r.status == 413);
    CHECK(status_code(r) == "BodyTooLarge");
    still_serves();

    r = post(R"({"items": )" + std::string(40, '[') + std::string(40, ']') + "}");
    CHECK(r.status == 400);
    CHECK(status_code(r) == "NestingTooDeep");
    still_serves();

    obj bad_utf8_columns = case_columns("BAD-UTF8");
    bad_utf8_columns["Status"] = param("\x01", 1);
    std::string bad_utf8 = boost::json::serialize(
        obj{{"items", boost::json::array{insert_query("Case", bad_utf8_columns)}}});
    const auto at = bad_utf8.find("\\u0001");
    REQUIRE(at != std::string::npos);
    bad_utf8.replace(at, 6, "\xff\xfe"); // raw bytes that are not UTF-8
    r = post(bad_utf8);
    CHECK(r.status == 400);
    CHECK(status_code(r) == "MalformedJson");
    still_serves();

    r = raw_request(port, http::verb::get, batch_path, "");
    CHECK(r.status == 405);
    CHECK(status_code(r) == "MethodNotAllowed");
    still_serves();

    r = post("{}", "/0/rest/UsrService/Frobnicate");
    CHECK(r.status == 404);
    CHECK(status_code(r) == "NotFound");
    still_serves();

    {
        raw_connection garbage(port);
        REQUIRE(garbage.connected());
        REQUIRE(garbage.send(std::string("\x16\x03\x01\x02\x00 not http at all\r\n\r\n", 26)));
        const auto c = garbage.wait_closed(3s);
        CHECK(c.closed);
        if (!c.received.empty()) // an answer, if any, says why
            CHECK(c.received.rfind("HTTP/1.1 400", 0) == 0);
    }
    still_serves();

    // Item errors: the batch is answered 200, each bad item says why, nothing of it is written.
    const std::size_t before = hub_cases(hub).size();
    obj unknown_type = insert_query("Case", case_columns("BAD-TYPE"));
    unknown_type["__type"] = "Terrasoft.Nui.ServiceModel.DataContract.FrobnicateQuery";
    obj unknown_column = case_columns("BAD-COLUMN");
    unknown_column["Colour"] = param("red", 1);
    obj declared_mismatch = case_columns("BAD-DECLARED");
    declared_mismatch["Priority"] = param(3, 1); // Priority is Integer, the parameter says Text
    obj value_mismatch = case_columns("BAD-VALUE");
    value_mismatch["Priority"] = param("high", 4); // says Integer, is not
    boost::json::array items{unknown_type,
                             insert_query("Gizmo", case_columns("BAD-ENTITY")),
                             insert_query("Case", unknown_column),
                             insert_query("Case", declared_mismatch),
                             insert_query("Case", value_mismatch),
                             insert_query("Case", case_columns("GOOD-1"))};
    r = post(boost::json::serialize(obj{{"items", items}, {"continueIfError", true}}));
    REQUIRE(r.status == 200);
    const boost::json::value answer = r.json();
    REQUIRE(answer.is_object());
    CHECK(answer.at("hasErrors") == true);
    const auto& results = answer.at("queryResults").as_array();
    REQUIRE(results.size() == 6);
    const std::vector<std::string> expected{"UnknownType", "UnknownEntity", "UnknownColumn",
                                            "TypeMismatch", "TypeMismatch"};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("item " << i << ": " << boost::json::serialize(results[i]));
        CHECK(results[i].at("success") == false);
        CHECK(results[i].at("errorInfo").at("errorCode") == expected[i].c_str());
        CHECK_FALSE(results[i].at("errorInfo").at("message").as_string().empty());
    }
    CHECK(results[2].at("errorInfo").at("field") == "Colour");
    CHECK(results[4].at("errorInfo").at("field") == "Priority");
    CHECK(results[5].at("success") == true);
    CHECK(hub_cases(hub).size() == before + 1);
    CHECK(hub_has_number(hub, "GOOD-1"));
    for (const char* bad :
         {"BAD-TYPE", "BAD-ENTITY", "BAD-COLUMN", "BAD-DECLARED", "BAD-VALUE", "BAD-UTF8"})
        CHECK_FALSE(hub_has_number(hub, bad));
    still_serves();
    // Every bad request was answered by the server (the garbage one too, or it was dropped).
    CHECK(server.requests() >= 8);
    server.stop();
}

TEST_CASE("http: plain clients, bearer tokens, and a graceful stop", "[http]") {
    token_gate gate;
    gated_hub hub(hub_options{helpdesk()}, memory_hub_store{}, token_access{&gate});
    http_server<gated_hub> server(hub, http_server_options{});
    server.start();
    const unsigned short port = server.port();

    // A plain DataService client writes online; a replica sees the record on its next sync.
    auto reader = memory_replica_over(to_hub(port), with_credentials(1, "secret-token"));
    synced(reader);
    raw_response r = raw_request(
        port, http::verb::post, "/0/DataService/json/reply/InsertQuery",
        boost::json::serialize(insert_query("Case", case_columns("CS-PLAIN"))), "secret-token");
    REQUIRE(r.status == 200);
    const boost::json::value inserted = r.json();
    REQUIRE(inserted.is_object());
    CHECK(inserted.at("success") == true);
    CHECK(inserted.at("rowsAffected") == 1);
    const std::string plain_id(inserted.at("id").as_string());
    CHECK(synced(reader).pulled == 1);
    CHECK(local(reader, plain_id).fields.at("Number") == "CS-PLAIN");

    // The bearer token reaches the access policy: a wrong one is 401 / unauthenticated.
    r = raw_request(port, http::verb::post, "/0/DataService/json/reply/InsertQuery",
                    boost::json::serialize(insert_query("Case", case_columns("CS-FORGED"))),
                    "forged-token");
    CHECK(r.status == 401);
    CHECK(status_code(r) == "Unauthenticated");
    r = raw_request(
        port, http::verb::post, batch_path,
        boost::json::serialize(
            obj{{"items", boost::json::array{insert_query("Case", case_columns("CS-ANON"))}}}));
    CHECK(r.status == 401);
    auto intruder = memory_replica_over(to_hub(port), with_credentials(2, "forged-token"));
    insert_case(intruder, "CS-INTRUDER");
    auto refused = intruder.sync();
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == errc::unauthenticated);
    CHECK(intruder.pending().size() == 1);
    for (const char* number : {"CS-FORGED", "CS-ANON", "CS-INTRUDER"})
        CHECK_FALSE(hub_has_number(hub, number, "secret-token"));

    // A sync in flight when stop() is called completes.
    auto busy = memory_replica_over(to_hub(port), with_credentials(3, "secret-token"));
    insert_case(busy, "CS-INFLIGHT");
    gate.slow = true;
    std::optional<result<sync_summary>> in_flight;
    std::thread syncing([&] { in_flight = busy.sync(); });
    for (int i = 0; i < 300 && !gate.entered.load(); ++i)
        std::this_thread::sleep_for(10ms);
    const bool entered = gate.entered.load();
    const auto stop_start = std::chrono::steady_clock::now();
    server.stop();
    const auto stop_took = std::chrono::steady_clock::now() - stop_start;
    syncing.join();
    gate.slow = false;
    REQUIRE(entered);
    REQUIRE(in_flight);
    REQUIRE(*in_flight);
    CHECK((*in_flight)->applied == 1);
    CHECK(busy.pending().empty());
    CHECK(hub_has_number(hub, "CS-INFLIGHT", "secret-token"));
    CHECK(stop_took < 2500ms);

    // After stop, a sync fails fast and keeps its changes.
    auto late = memory_replica_over(to_hub(port), with_credentials(4, "secret-token"));
    insert_case(late, "CS-LATE");
    const auto t = std::chrono::steady_clock::now();
    auto after = late.sync();
    const auto took = std::chrono::steady_clock::now() - t;
    REQUIRE_FALSE(after);
    CHECK(after.error() == errc::transport_failed);
    CHECK(took < 2s);
    CHECK(late.pending().size() == 1);
    CHECK_FALSE(busy.sync()); // its kept-alive connection was closed too
}

TEST_CASE("http: a client that stalls mid-request is dropped after request_timeout", "[http]") {
    memory_hub_t hub(hub_options{helpdesk()});
    http_server_options so;
    so.request_timeout = 300ms;
    http_server<memory_hub_t> server(hub, so);
    server.start();
    const unsigned short port = server.port();

    raw_connection half_body(port);
    raw_connection half_header(port);
    REQUIRE(half_body.connected());
    REQUIRE(half_header.connected());
    REQUIRE(half_body.send("POST /0/dataservice/json/reply/BatchQuery HTTP/1.1\r\n"
                           "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: 200\r\n\r\n{\"items\": ["));
    REQUIRE(half_header.send("POST /0/dataservice/json/rep"));

    // Others are served meanwhile.
    auto rep = memory_replica_over(to_hub(port), replica_opts(5));
    insert_case(rep, "CS-MEANWHILE");
    CHECK(synced(rep).applied == 1);
    CHECK(hub_has_number(hub, "CS-MEANWHILE"));

    for (raw_connection* c : {&half_body, &half_header}) {
        const auto closing = c->wait_closed(3s);
        CHECK(closing.closed);
        CHECK(closing.received.empty()); // dropped, not answered
        CHECK(closing.since_send >= 200ms);
        CHECK(closing.since_send < 2s);
    }

    // The replica's idle keep-alive connection timed out too: the next sync reconnects.
    std::this_thread::sleep_for(400ms);
    insert_case(rep, "CS-LATER");
    CHECK(synced(rep).applied == 1);
    CHECK(rep.transport().connections() == 2);
    CHECK(hub_has_number(hub, "CS-LATER"));
    server.stop();
}

TEST_CASE("http: a body that arrives in pieces is read whole, and the next request behind it too",
          "[http]") {
    memory_hub_t hub(hub_options{helpdesk()});
    http_server<memory_hub_t> server(hub, http_server_options{});
    server.start();

    // The server reads a body of known length straight from the socket: its first bytes come
    // with the header, the rest (well over one 64 KiB read) later, and the bytes after it are
    // the next request's.
    const auto request = [](const std::string& number, const char* connection) {
        const std::string body =
            boost::json::serialize(
                obj{{"items", boost::json::array{insert_query("Case", case_columns(number))}}}) +
            std::string(200'000, ' ');
        return "POST " + batch_path +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: " +
               connection + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
               body;
    };
    const std::string first = request("CS-PIECES", "keep-alive");
    const std::string second = request("CS-BEHIND", "close");
    const std::size_t header_end = first.find("\r\n\r\n") + 4;

    raw_connection c(server.port());
    REQUIRE(c.connected());
    REQUIRE(c.send(first.substr(0, header_end + 10)));
    std::this_thread::sleep_for(50ms);
    REQUIRE(c.send(first.substr(header_end + 10, 100'000)));
    std::this_thread::sleep_for(50ms);
    REQUIRE(c.send(first.substr(header_end + 10 + 100'000) + second));
    const auto closing = c.wait_closed(5s);
    CHECK(closing.closed);
    std::size_t answers = 0;
    for (std::size_t at = closing.received.find("HTTP/1.1 200"); at != std::string::npos;
         at = closing.received.find("HTTP/1.1 200", at + 1))
        ++answers;
    CHECK(answers == 2);
    CHECK(hub_has_number(hub, "CS-PIECES"));
    CHECK(hub_has_number(hub, "CS-BEHIND"));
    server.stop();
}
