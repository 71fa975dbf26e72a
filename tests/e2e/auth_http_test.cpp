// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — authentication over HTTP: login, bearer tokens and the cookie, expired sessions,
// a replica syncing with its session token, record links. Everything listens on 127.0.0.1.

#include <concord/access/rule_policy.hpp>
#include <concord/auth/record_link.hpp>
#include <concord/auth/user_directory.hpp>
#include <concord/http.hpp>
#include <concord/memory.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>
#include <support/test_pki.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace concord;
using namespace concord::test;
using namespace std::chrono_literals;
namespace http = boost::beast::http;
namespace net = boost::asio;
using obj = boost::json::object;

namespace {

using auth_hub = basic_hub<memory_hub_store, rule_policy<user_directory>>;

const std::string login_path = "/ServiceModel/AuthService.svc/Login";
const std::string batch_path = "/0/dataservice/json/reply/BatchQuery";
const std::string ann_password = "ann-correct-horse-1";
const std::string bob_password = "bob-battery-staple-2";

/// What a request got back: status, body and headers, or why there was no answer.
struct reply {
    unsigned status = 0;
    std::string body;
    http::fields headers;
    std::string error; ///< empty when an answer arrived

    boost::json::value json() const {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(body, ec);
        return ec ? boost::json::value(nullptr) : v;
    }
    std::string header(http::field f) const {
        auto it = headers.find(f);
        return it == headers.end() ? std::string() : std::string(it->value());
    }
    /// `responseStatus.ErrorCode` (empty when absent).
    std::string code() const {
        const boost::json::value v = json();
        const auto* rs = v.is_object() ? v.get_object().if_contains("responseStatus") : nullptr;
        const auto* c = rs && rs->is_object() ? rs->get_object().if_contains("ErrorCode") : nullptr;
        return c && c->is_string() ? std::string(c->get_string()) : std::string();
    }
    /// `responseStatus.Message` (empty when absent).
    std::string message() const {
        const boost::json::value v = json();
        const auto* rs = v.is_object() ? v.get_object().if_contains("responseStatus") : nullptr;
        const auto* m = rs && rs->is_object() ? rs->get_object().if_contains("Message") : nullptr;
        return m && m->is_string() ? std::string(m->get_string()) : std::string();
    }
};

using header_list = std::vector<std::pair<http::field, std::string>>;

/// One request on a new connection to 127.0.0.1:`port`, answered within 5 s. With `tls`, over
/// HTTPS (the certificate is not checked: only the server's headers matter here).
reply send(unsigned short port, http::verb method, const std::string& target, std::string body,
           const header_list& headers = {}, bool tls = false) {
    net::io_context io;
    net::ssl::context ctx(net::ssl::context::tls_client);
    ctx.set_verify_mode(net::ssl::verify_none);
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, ctx);
    auto& tcp = boost::beast::get_lowest_layer(stream);
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    for (const auto& [f, v] : headers)
        req.insert(f, v);
    req.body() = std::move(body);
    req.prepare_payload();
    http::response<http::string_body> res;
    reply out;
    out.error = "no answer within the limit";
    tcp.expires_after(5s);
    auto read = [&] {
        auto done = [&](boost::system::error_code ec, std::size_t) {
            if (ec) {
                out.error = "read: " + ec.message();
                return;
            }
            out.error.clear();
            out.status = res.result_int();
            out.body = res.body();
            out.headers = res.base();
        };
        if (tls)
            http::async_read(stream, buffer, res, done);
        else
            http::async_read(tcp, buffer, res, done);
    };
    auto write = [&] {
        auto done = [&](boost::system::error_code ec, std::size_t) {
            if (ec)
                out.error = "write: " + ec.message();
            else
                read();
        };
        if (tls)
            http::async_write(stream, req, done);
        else
            http::async_write(tcp, req, done);
    };
    tcp.async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                      [&](boost::system::error_code ec) {
                          if (ec) {
                              out.error = "connect: " + ec.message();
                          } else if (tls) {
                              stream.async_handshake(net::ssl::stream_base::client,
                                                     [&](boost::system::error_code hec) {
                                                         if (hec)
                                                             out.error = "tls: " + hec.message();
                                                         else
                                                             write();
                                                     });
                          } else {
                              write();
                          }
                      });
    io.run_for(6s);
    return out;
}

std::string login_body(const std::string& name, const std::string& password) {
    return boost::json::serialize(obj{{"UserName", name}, {"UserPassword", password}});
}

reply post_login(unsigned short port, const std::string& name, const std::string& password,
                 bool tls = false) {
    return send(port, http::verb::post, login_path, login_body(name, password), {}, tls);
}

/// A DataService parameter expression.
obj param(boost::json::value v, int type) {
    return obj{{"expressionType", 2},
               {"parameter", obj{{"dataValueType", type}, {"value", std::move(v)}}}};
}

/// A BatchQuery inserting one Case (as a plain DataService client sends it).
std::string insert_batch(const std::string& number) {
    obj insert{{"__type", "Terrasoft.Nui.ServiceModel.DataContract.InsertQuery"},
               {"rootSchemaName", "Case"},
               {"operationType", 1},
               {"columnValues", obj{{"items", obj{{"Number", param(number.c_str(), 1)},
                                                  {"Category", param("Incident", 1)}}}}}};
    return boost::json::serialize(obj{{"items", boost::json::array{std::move(insert)}}});
}

/// A BatchQuery selecting every Case.
std::string select_batch() {
    obj select{{"__type", "Terrasoft.Nui.ServiceModel.DataContract.SelectQuery"},
               {"rootSchemaName", "Case"},
               {"operationType", 0},
               {"allColumns", true}};
    return boost::json::serialize(obj{{"items", boost::json::array{std::move(select)}}});
}

header_list bearer(const std::string& token) {
    return {{http::field::authorization, "Bearer " + token}};
}

/// Whether a BatchQuery answer is a 200 whose every item succeeded.
bool all_succeeded(const reply& r) {
    if (r.status != 200)
        return false;
    const boost::json::value v = r.json();
    if (!v.is_object() || !v.get_object().contains("queryResults"))
        return false;
    for (const auto& q : v.at("queryResults").as_array())
        if (q.at("success") != true)
            return false;
    return true;
}

/// A hub with rules and a user directory whose clock the test moves, served over HTTP.
struct auth_world {
    std::shared_ptr<std::atomic<long long>> shift = std::make_shared<std::atomic<long long>>(0);
    user_directory directory;
    link_signer signer{link_signer::generate_key()};
    auth_hub hub;
    std::optional<http_server<auth_hub>> server;

    explicit auth_world(bool with_login = true, bool with_links = true, bool tls = false,
                        const test_pki* pki = nullptr, access_rules rules = agent_rules())
        : directory(directory_options(shift))
        , hub(hub_with_admin(), memory_hub_store{},
              rule_policy<user_directory>(std::move(rules), directory)) {
        REQUIRE(directory.add_user("ann", ann_password, "agent", "acme"));
        REQUIRE(directory.add_user("bob", bob_password, "agent", "acme"));
        http_server_options o;
        if (with_login)
            o.login = [d = directory](std::string_view n, std::string_view p) mutable {
                return d.login(n, p);
            };
        if (with_links) {
            o.links = signer;
            o.link_view = [this](std::string_view entity,
                                 std::string_view id) -> std::optional<obj> {
                auto h = hub_load(hub, entity, id);
                if (!h || h->deleted)
                    return std::nullopt;
                return h->fields;
            };
        }
        if (tls) {
            tls_files files;
            files.certificate_chain = pki->localhost().certificate_chain;
            files.private_key = pki->localhost().private_key;
            o.tls = files;
        }
        server.emplace(hub, std::move(o));
        server->start();
    }

    unsigned short port() const { return server->port(); }

    /// Moves the directory's clock (sessions expire by it).
    void advance(std::chrono::seconds s) { *shift += s.count(); }

    /// Logs in over HTTP; the token.
    std::string token_of(const std::string& name, const std::string& password) {
        const reply r = post_login(port(), name, password);
        REQUIRE(r.status == 200);
        return std::string(r.json().at("token").as_string());
    }

    static user_directory_options
    directory_options(const std::shared_ptr<std::atomic<long long>>& shift) {
        user_directory_options o;
        o.iterations = 1000; // fast tests; the scheme is the same
        o.now = [shift] { return std::chrono::system_clock::now() + std::chrono::seconds(*shift); };
        return o;
    }

    static hub_options hub_with_admin() {
        hub_options o{helpdesk()};
        o.administrator_email = "admin@example.com";
        return o;
    }

    static access_rules agent_rules() {
        entity_rights all;
        all.read = all.insert = all.update = all.remove = true;
        access_rules rules;
        rules.grant("agent", "Case", all).grant("agent", "Message", all);
        return rules;
    }
};

http_transport_options to_hub(unsigned short port) {
    http_transport_options o;
    o.url = "http://127.0.0.1:" + std::to_string(port);
    o.connect_timeout = 2s;
    o.read_timeout = 10s;
    o.backoff = 20ms;
    return o;
}

memory_http_replica replica_with(unsigned short port, std::uint64_t id, std::string credentials) {
    replica_options ro = replica_opts(id);
    ro.credentials = std::move(credentials);
    return memory_http_replica(std::move(ro), memory_replica_store{},
                               http_transport(to_hub(port), helpdesk()));
}

/// Neither secret occurs in `r`'s body or headers.
void check_no_secret(const reply& r, const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) {
        INFO("secret " << s << " in: " << r.body);
        CHECK(r.body.find(s) == std::string::npos);
        for (const auto& f : r.headers)
            CHECK(std::string(f.value()).find(s) == std::string::npos);
    }
}

} // namespace

TEST_CASE("auth http: login answers a token, its expiry and an HttpOnly cookie", "[e2e][auth]") {
    auth_world w;
    const auto before = std::chrono::system_clock::now();
    const reply r = post_login(w.port(), "ann", ann_password);
    REQUIRE(r.status == 200);
    const boost::json::value v = r.json();
    REQUIRE(v.is_object());
    CHECK(v.at("code") == 0);
    CHECK(v.at("message") == "");
    const std::string token(v.at("token").as_string());
    CHECK(token.size() == 43);
    CHECK(w.directory.authenticate(token).value().id == "ann");
    const std::string expires(v.at("expires").as_string());
    CHECK(std::regex_match(expires, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    // 8 h from now, in UTC.
    const auto in_8h = before + 8h;
    const std::string low = detail::iso8601_utc(in_8h - 2s), high = detail::iso8601_utc(in_8h + 5s);
    CHECK(expires >= low);
    CHECK(expires <= high);
    CHECK(r.header(http::field::set_cookie) ==
          "concord_token=" + token + "; Path=/; HttpOnly; SameSite=Strict");
    CHECK(r.header(http::field::cache_control) == "no-store");
    CHECK(r.body.find(ann_password) == std::string::npos);

    // Path and property names in any case, the /0 prefix, a query string.
    const reply again =
        send(w.port(), http::verb::post, "/0/servicemodel/AUTHSERVICE.svc/login?x=1",
             boost::json::serialize(obj{{"username", "bob"}, {"USERPASSWORD", bob_password}}));
    REQUIRE(again.status == 200);
    const std::string bob_token(again.json().at("token").as_string());
    CHECK(bob_token != token);
    CHECK(w.directory.authenticate(bob_token).value().id == "bob");

    // The token works as a bearer token.
    const reply inserted =
        send(w.port(), http::verb::post, batch_path, insert_batch("CS-BEARER"), bearer(token));
    CHECK(all_succeeded(inserted));
}

TEST_CASE("auth http: wrong password and unknown user get the same 401", "[e2e][auth]") {
    auth_world w;
    const reply wrong = post_login(w.port(), "ann", "not-her-password");
    const reply unknown = post_login(w.port(), "nobody", "whatever-password");
    for (const reply* r : {&wrong, &unknown}) {
        CHECK(r->status == 401);
        CHECK(r->code() == "BadCredentials");
        CHECK(r->header(http::field::www_authenticate).rfind("Bearer", 0) == 0);
        CHECK(r->header(http::field::set_cookie).empty());
        check_no_secret(*r, {"not-her-password", "whatever-password", ann_password});
    }
    CHECK(wrong.message() == unknown.message());
    CHECK(wrong.body == unknown.body);
    CHECK(w.directory.session_count() == 0);

    // Malformed bodies: 400, naming the problem, never echoing the password.
    const reply not_json = send(w.port(), http::verb::post, login_path, "{\"UserName\": \"ann\", ");
    CHECK(not_json.status == 400);
    CHECK(not_json.code() == "MalformedJson");
    const reply no_password = send(w.port(), http::verb::post, login_path,
                                   boost::json::serialize(obj{{"UserName", "ann"}}));
    CHECK(no_password.status == 400);
    CHECK(no_password.code() == "InvalidRequest");
    const reply not_text =
        send(w.port(), http::verb::post, login_path,
             boost::json::serialize(obj{{"UserName", "ann"}, {"UserPassword", 7}}));
    CHECK(not_text.status == 400);
    CHECK(not_text.code() == "InvalidRequest");
    const reply array = send(w.port(), http::verb::post, login_path, "[\"ann\", \"secret-pass\"]");
    CHECK(array.status == 400);
    CHECK(array.code() == "InvalidRequest");
    check_no_secret(array, {"secret-pass"});
    const reply get = send(w.port(), http::verb::get, login_path, "");
    CHECK(get.status == 405);
    CHECK(w.directory.session_count() == 0);

    // Still serving: the right password logs in.
    CHECK(post_login(w.port(), "ann", ann_password).status == 200);
}

TEST_CASE("auth http: without a login callback the login path is 404", "[e2e][auth]") {
    auth_world w(false, false);
    const reply r = post_login(w.port(), "ann", ann_password);
    CHECK(r.status == 404);
    CHECK(r.code() == "NotFound");
    check_no_secret(r, {ann_password});
    // Nor is /link/ served without a signer; the 404 does not echo the link.
    const std::string link = w.signer.issue("Case", guid(1), std::chrono::system_clock::now() + 1h);
    const reply l = send(w.port(), http::verb::get, "/link/" + link, "");
    CHECK(l.status == 404);
    check_no_secret(l, {link});
}

TEST_CASE("auth http: no token, a bad token, another scheme: 401 with WWW-Authenticate",
          "[e2e][auth]") {
    auth_world w;
    const reply none = send(w.port(), http::verb::post, batch_path, insert_batch("CS-ANON"));
    CHECK(none.status == 401);
    CHECK(none.code() == "Unauthenticated");
    CHECK(none.header(http::field::www_authenticate) == R"(Bearer realm="concord")");

    const std::string forged = "AAAAforged-token-that-was-never-issuedAAAAAAA";
    const reply bad =
        send(w.port(), http::verb::post, batch_path, insert_batch("CS-FORGED"), bearer(forged));
    CHECK(bad.status == 401);
    CHECK(bad.code() == "Unauthenticated");
    CHECK(bad.header(http::field::www_authenticate) ==
          R"(Bearer realm="concord", error="invalid_token")");
    check_no_secret(bad, {forged});

    // Refused before the body is read: a malformed body is 401 too, not 400.
    const reply garbage = send(w.port(), http::verb::post, batch_path, "{not json", bearer(forged));
    CHECK(garbage.status == 401);

    // A valid token under another scheme is no bearer token, and the cookie is then not read.
    const std::string token = w.token_of("ann", ann_password);
    const reply basic = send(w.port(), http::verb::post, batch_path, insert_batch("CS-BASIC"),
                             {{http::field::authorization, "Basic " + token},
                              {http::field::cookie, "concord_token=" + token}});
    CHECK(basic.status == 401);
    check_no_secret(basic, {token});

    // The scheme name is case-insensitive.
    CHECK(all_succeeded(send(w.port(), http::verb::post, batch_path, select_batch(),
                             {{http::field::authorization, "bEaReR " + token}})));
    auto rows = w.hub.select(token, "Case");
    REQUIRE(rows);
    CHECK(rows->empty()); // nothing of the refused requests was written
}

TEST_CASE("auth http: an expired session is 401 SessionExpired", "[e2e][auth]") {
    auth_world w;
    const std::string batch_token = w.token_of("ann", ann_password);
    const std::string single_token = w.token_of("ann", ann_password);
    const std::string sync_token = w.token_of("bob", bob_password);
    auto rep = replica_with(w.port(), 0xB0B, sync_token);
    REQUIRE(rep.insert("Case", new_case("CS-EARLY")));
    REQUIRE(rep.sync());

    w.advance(8h + 1s);
    const reply batch =
        send(w.port(), http::verb::post, batch_path, insert_batch("CS-LATE"), bearer(batch_token));
    CHECK(batch.status == 401);
    CHECK(batch.code() == "SessionExpired");
    CHECK(batch.header(http::field::www_authenticate).rfind("Bearer", 0) == 0);
    check_no_secret(batch, {batch_token});

    // A plain single-query endpoint: the whole request is 401, not a failed item in a 200.
    const reply single =
        send(w.port(), http::verb::post, "/0/DataService/json/reply/SelectQuery",
             boost::json::serialize(
                 obj{{"rootSchemaName", "Case"}, {"operationType", 0}, {"allColumns", true}}),
             bearer(single_token));
    CHECK(single.status == 401);
    CHECK(single.code() == "SessionExpired");

    // A replica learns its session expired and keeps its change.
    REQUIRE(rep.insert("Case", new_case("CS-OFFLINE")));
    auto s = rep.sync();
    REQUIRE_FALSE(s);
    CHECK(s.error() == errc::session_expired);
    CHECK(rep.pending().size() == 1);

    // Logging in again works; the late insert never reached the hub.
    const std::string fresh = w.token_of("ann", ann_password);
    auto rows = w.hub.select(fresh, "Case");
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().fields.at("Number") == "CS-EARLY");
}

TEST_CASE("auth http: the login cookie authenticates DataService requests", "[e2e][auth]") {
    auth_world w;
    const reply login = post_login(w.port(), "ann", ann_password);
    REQUIRE(login.status == 200);
    const std::string set_cookie = login.header(http::field::set_cookie);
    const std::string pair = set_cookie.substr(0, set_cookie.find(';')); // as a browser sends it
    const std::string token = pair.substr(pair.find('=') + 1);

    const reply inserted = send(w.port(), http::verb::post, batch_path, insert_batch("CS-COOKIE"),
                                {{http::field::cookie, "theme=dark;  " + pair + " ; lang=en"}});
    CHECK(all_succeeded(inserted));
    // Cookies split over two headers, the token quoted.
    const reply selected = send(w.port(), http::verb::post, batch_path, select_batch(),
                                {{http::field::cookie, "theme=dark"},
                                 {http::field::cookie, "concord_token=\"" + token + "\""}});
    REQUIRE(all_succeeded(selected));
    const boost::json::value answer = selected.json();
    const auto& rows = answer.at("queryResults").at(0).at("rows").as_array();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].at("Number") == "CS-COOKIE");

    // A cookie of another name is not the token.
    const reply other = send(w.port(), http::verb::post, batch_path, select_batch(),
                             {{http::field::cookie, "xconcord_token=" + token}});
    CHECK(other.status == 401);
    check_no_secret(other, {token});
}

TEST_CASE("auth http: replicas sync over HTTP with their session tokens", "[e2e][auth]") {
    auth_world w;
    auto ann = replica_with(w.port(), 0xA, w.token_of("ann", ann_password));
    auto bob = replica_with(w.port(), 0xB, w.token_of("bob", bob_password));
    auto id = ann.insert("Case", new_case("CS-SYNCED"));
    REQUIRE(id);
    auto s = ann.sync();
    REQUIRE(s);
    CHECK(s->applied == 1);
    auto pulled = bob.sync();
    REQUIRE(pulled);
    CHECK(pulled->pulled == 1);
    auto got = bob.get("Case", *id);
    REQUIRE(got);
    CHECK(got->fields.at("Number") == "CS-SYNCED");

    // Without credentials the sync is refused and the change stays pending.
    auto anon = replica_with(w.port(), 0xC, "");
    REQUIRE(anon.insert("Case", new_case("CS-ANON")));
    auto refused = anon.sync();
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == errc::unauthenticated);
    CHECK(anon.pending().size() == 1);
}

TEST_CASE("auth http: a record link shows one record and grants nothing else", "[e2e][auth]") {
    auth_world w;
    const std::string token = w.token_of("ann", ann_password);
    auto ann = replica_with(w.port(), 0xA, token);
    auto id = ann.insert("Case", new_case("CS-LINKED"));
    REQUIRE(id);
    REQUIRE(ann.sync());
    const auto now = std::chrono::system_clock::now();

    const std::string link = w.signer.issue("Case", *id, now + 1h);
    const reply ok = send(w.port(), http::verb::get, "/link/" + link, "");
    REQUIRE(ok.status == 200);
    const boost::json::value v = ok.json();
    CHECK(v.at("entity") == "Case");
    CHECK(v.at("id") == id->c_str());
    CHECK(v.at("record").at("Number") == "CS-LINKED");
    CHECK(ok.header(http::field::cache_control) == "no-store");

    // Tampered: one character of the signature changed.
    std::string tampered = link;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    const reply bad = send(w.port(), http::verb::get, "/link/" + tampered, "");
    CHECK(bad.status == 403);
    CHECK(bad.code() == "LinkInvalid");
    check_no_secret(bad, {tampered});
    // Signed by another key.
    const std::string foreign =
        link_signer(link_signer::generate_key()).issue("Case", *id, now + 1h);
    CHECK(send(w.port(), http::verb::get, "/link/" + foreign, "").code() == "LinkInvalid");
    CHECK(send(w.port(), http::verb::get, "/link/", "").code() == "LinkInvalid");

    const std::string old = w.signer.issue("Case", *id, now - 1s);
    const reply expired = send(w.port(), http::verb::get, "/link/" + old, "");
    CHECK(expired.status == 403);
    CHECK(expired.code() == "LinkExpired");
    check_no_secret(expired, {old});

    const std::string missing = w.signer.issue("Case", guid(999), now + 1h);
    const reply gone = send(w.port(), http::verb::get, "/link/" + missing, "");
    CHECK(gone.status == 404);
    CHECK(gone.code() == "RecordNotFound");
    check_no_secret(gone, {missing});

    CHECK(send(w.port(), http::verb::post, "/link/" + link, "").status == 405);

    // The link as a bearer token or a cookie on DataService endpoints: refused.
    const reply as_bearer =
        send(w.port(), http::verb::post, batch_path, select_batch(), bearer(link));
    CHECK(as_bearer.status == 401);
    CHECK(as_bearer.code() == "Unauthenticated");
    check_no_secret(as_bearer, {link});
    const reply as_cookie = send(w.port(), http::verb::post, batch_path, insert_batch("CS-BY-LINK"),
                                 {{http::field::cookie, "concord_token=" + link}});
    CHECK(as_cookie.status == 401);
    auto rows = w.hub.select(token, "Case");
    REQUIRE(rows);
    CHECK(rows->size() == 1);
}

TEST_CASE("auth http: under TLS the login cookie is Secure", "[e2e][auth]") {
    test_pki pki;
    auth_world w(true, false, true, &pki);
    const reply r = post_login(w.port(), "ann", ann_password, true);
    REQUIRE(r.error.empty());
    REQUIRE(r.status == 200);
    const std::string token(r.json().at("token").as_string());
    CHECK(r.header(http::field::set_cookie) ==
          "concord_token=" + token + "; Path=/; HttpOnly; SameSite=Strict; Secure");
    const reply selected = send(w.port(), http::verb::post, batch_path, select_batch(),
                                {{http::field::cookie, "concord_token=" + token}}, true);
    CHECK(all_succeeded(selected));
}

TEST_CASE("auth http: http_transport::login returns a token a replica syncs with",
          "[e2e][auth][login]") {
    auth_world w;
    http_transport t(to_hub(w.port()), helpdesk());
    auto token = t.login("ann", ann_password);
    REQUIRE(token);
    CHECK(token->size() == 43);
    CHECK(w.directory.authenticate(*token).value().id == "ann");

    // The transport, now carrying the replica's rounds with the token, keeps its connection.
    replica_options ro = replica_opts(0xA);
    ro.credentials = *token;
    memory_http_replica ann(std::move(ro), memory_replica_store{}, std::move(t));
    REQUIRE(ann.insert("Case", new_case("CS-LOGGED-IN")));
    auto s = ann.sync();
    REQUIRE(s);
    CHECK(s->applied == 1);
    CHECK(ann.transport().connections() == 1);
    auto rows = w.hub.select(*token, "Case");
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().fields.at("Number") == "CS-LOGGED-IN");
}

TEST_CASE("auth http: http_transport::login refuses a wrong password without naming it",
          "[e2e][auth][login]") {
    auth_world w;
    http_transport t(to_hub(w.port()), helpdesk());
    const std::string wrong = "not-her-password";
    auto r = t.login("ann", wrong);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::bad_credentials);
    CHECK_THAT(r.error().message, Catch::Contains("ann"));
    CHECK(r.error().message.find(wrong) == std::string::npos);
    CHECK(r.error().message.find(ann_password) == std::string::npos);

    // An unknown user gets the same code; no session was opened by either.
    auto unknown = t.login("nobody", "whatever-password");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error() == errc::bad_credentials);
    CHECK(unknown.error().message.find("whatever-password") == std::string::npos);
    CHECK(w.directory.session_count() == 0);

    // The transport still works after a refusal: the right password logs in.
    CHECK(t.login("ann", ann_password));
    CHECK(w.directory.session_count() == 1);
}

TEST_CASE("auth http: http_transport::login on a hub without a login endpoint is unsupported",
          "[e2e][auth][login]") {
    auth_world w(false, false);
    http_transport t(to_hub(w.port()), helpdesk());
    auto r = t.login("ann", ann_password);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::unsupported);
    CHECK(r.error().message.find(ann_password) == std::string::npos);
}

TEST_CASE("auth http: http_transport::login uses the transport's TLS settings",
          "[e2e][auth][login]") {
    test_pki pki;
    auth_world w(true, false, true, &pki);
    http_transport_options o = to_hub(w.port());
    o.url = "https://localhost:" + std::to_string(w.port());
    o.attempts = 1;

    // Without the CA the handshake is refused before the password is sent.
    auto refused = http_transport(o, helpdesk()).login("ann", ann_password);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == errc::transport_failed);
    CHECK_THAT(refused.error().message, Catch::Contains("handshake"));
    CHECK(w.directory.session_count() == 0);

    o.ca_file = pki.ca_file();
    auto token = http_transport(o, helpdesk()).login("ann", ann_password);
    REQUIRE(token);
    CHECK(w.directory.authenticate(*token).value().id == "ann");
}

TEST_CASE("auth http: a reassigned case leaves its former owner's replica, a role change re-syncs",
          "[e2e][auth][scope]") {
    access_rules rules = auth_world::agent_rules();
    entity_rights portal;
    portal.read = portal.insert = portal.update = true;
    portal.scope = row_scope::own;
    entity_rights power;
    power.read = power.update = true;
    power.scope = row_scope::organisation;
    rules.grant("portal", "Case", portal).grant("power", "Case", power);
    auth_world w(true, false, false, nullptr, rules);
    REQUIRE(w.directory.add_user("cat", "cat-secret-1", "portal", "acme"));
    REQUIRE(w.directory.add_user("dan", "dan-secret-1", "portal", "acme"));

    auto agent = replica_with(w.port(), 1, w.token_of("ann", ann_password));
    auto cat = replica_with(w.port(), 2, w.token_of("cat", "cat-secret-1"));
    auto dan = replica_with(w.port(), 3, w.token_of("dan", "dan-secret-1"));
    std::vector<std::string> ids;
    for (const char* owner : {"cat", "cat", "dan"}) {
        obj f = new_case("S-" + std::to_string(ids.size() + 1));
        f["Owner"] = owner;
        f["Org"] = "acme";
        auto id = agent.insert("Case", f);
        REQUIRE(id);
        ids.push_back(*id);
    }
    REQUIRE(agent.sync());
    auto held = [](memory_http_replica& r) {
        std::set<std::string> out;
        for (const auto& rec : r.find("Case").value())
            out.insert(rec.id);
        return out;
    };
    REQUIRE(cat.sync());
    REQUIRE(dan.sync());
    CHECK(held(cat) == std::set<std::string>{ids[0], ids[1]});
    CHECK(held(dan) == std::set<std::string>{ids[2]});
    CHECK(cat.store().begin().state().administrator_email == "admin@example.com");

    // The agent gives the first case to dan: it leaves cat's replica on its next sync.
    REQUIRE(agent.update("Case", ids[0], obj{{"Owner", "dan"}}));
    REQUIRE(agent.sync());
    REQUIRE(cat.sync());
    REQUIRE(dan.sync());
    CHECK(held(cat) == std::set<std::string>{ids[1]});
    CHECK(held(dan) == std::set<std::string>{ids[0], ids[2]});

    // cat becomes a power user: the organisation's cases arrive though none changed.
    REQUIRE(w.directory.set_role("cat", "power", "acme"));
    auto up = cat.sync();
    REQUIRE(up);
    CHECK(held(cat) == std::set<std::string>(ids.begin(), ids.end()));
    // and back: dan's cases go again.
    REQUIRE(w.directory.set_role("cat", "portal", "acme"));
    auto down = cat.sync();
    REQUIRE(down);
    CHECK(down->evicted == 2);
    CHECK(held(cat) == std::set<std::string>{ids[1]});
}

namespace {

// portal: own cases, Category read-only, Priority hidden, no delete; power: the organisation's
// cases, read and update only; agent (auth_world's): everything.
access_rules role_rules() {
    access_rules rules = auth_world::agent_rules();
    entity_rights portal;
    portal.read = portal.insert = portal.update = true;
    portal.scope = row_scope::own;
    portal.read_only = {"Category"};
    portal.hidden = {"Priority"};
    entity_rights power;
    power.read = power.update = true;
    power.scope = row_scope::organisation;
    rules.grant("portal", "Case", portal).grant("power", "Case", power);
    return rules;
}

std::map<std::string, obj> cases_of(memory_http_replica& r) {
    std::map<std::string, obj> out;
    for (auto& rec : r.find("Case").value())
        out.emplace(rec.id, std::move(rec.fields));
    return out;
}

// The sync log entry of `record_id`, which must be a rejection for `why` naming `field`.
void check_refused(memory_http_replica& r, const std::string& record_id, reject_reason why,
                   errc code, const std::string& field) {
    INFO("record " << record_id << ", field " << field);
    const auto log = r.sync_log().entries;
    auto it = std::find_if(log.begin(), log.end(),
                           [&](const sync_log_entry& e) { return e.mine.record_id == record_id; });
    REQUIRE(it != log.end());
    CHECK(it->result.kind == outcome_kind::rejected);
    CHECK(it->result.reason == why);
    CHECK(it->result.code == code);
    CHECK(it->result.field == field);
    INFO("message: " << it->result.message);
    CHECK(it->result.message.find(record_id) != std::string::npos);
}

} // namespace

TEST_CASE("auth http: each role pulls exactly its rows and columns; every refusal comes back "
          "over HTTP",
          "[e2e][auth]") {
    auth_world w(true, false, false, nullptr, role_rules());
    REQUIRE(w.directory.add_user("pia", "pia-secret-1", "portal", "acme"));
    REQUIRE(w.directory.add_user("pam", "pam-secret-1", "portal", "globex"));
    REQUIRE(w.directory.add_user("pow", "pow-secret-1", "power", "acme"));
    auto agent = replica_with(w.port(), 1, w.token_of("ann", ann_password));
    std::map<std::string, obj> all;
    auto add = [&](const char* number, const char* owner, const char* org) {
        obj f = new_case(number);
        f["Owner"] = owner;
        f["Org"] = org;
        f["Priority"] = 2;
        auto id = agent.insert("Case", f);
        REQUIRE(id);
        all.emplace(*id, f);
        return *id;
    };
    const std::string pias = add("P-1", "pia", "acme");
    const std::string pams = add("P-2", "pam", "globex");
    const std::string zeds = add("P-3", "zed", "acme");
    add("P-4", "zed", "globex");
    REQUIRE(agent.sync());

    auto pia = replica_with(w.port(), 2, w.token_of("pia", "pia-secret-1"));
    auto pam = replica_with(w.port(), 3, w.token_of("pam", "pam-secret-1"));
    auto pow = replica_with(w.port(), 4, w.token_of("pow", "pow-secret-1"));
    for (auto* r : {&pia, &pam, &pow})
        REQUIRE(r->sync());
    auto without_priority = [](obj f) {
        f.erase("Priority");
        return f;
    };
    CHECK(cases_of(agent) == all);
    CHECK(cases_of(pia) == std::map<std::string, obj>{{pias, without_priority(all.at(pias))}});
    CHECK(cases_of(pam) == std::map<std::string, obj>{{pams, without_priority(all.at(pams))}});
    CHECK(cases_of(pow) == std::map<std::string, obj>{{pias, all.at(pias)}, {zeds, all.at(zeds)}});

    // Permission: each refused write is named in the portal user's sync log.
    REQUIRE(pia.update("Case", pias, obj{{"Category", "Service request"}})); // read-only
    obj mine = new_case("P-5");
    mine["Owner"] = "zed"; // an insert outside the own scope
    auto foreign = pia.insert("Case", mine);
    REQUIRE(foreign);
    REQUIRE(pia.remove("Case", pias)); // no delete right
    auto s = pia.sync();
    REQUIRE(s);
    CHECK(s->logged == 3);
    check_refused(pia, *foreign, reject_reason::permission, errc::permission_denied, "Owner");
    const auto log = pia.sync_log().entries;
    REQUIRE(log.size() == 3);
    CHECK(log[0].result.field == "Category");
    CHECK(log[0].result.reason == reject_reason::permission);
    CHECK(log[2].mine.op == operation::remove);
    CHECK(log[2].result.reason == reject_reason::permission);
    CHECK(log[2].result.code == errc::permission_denied);
    CHECK(cases_of(pia) == std::map<std::string, obj>{{pias, without_priority(all.at(pias))}});
    for (const auto& e : log)
        REQUIRE(pia.dismiss(e.id));

    // Setting a hidden column, or moving a case out of one's scope.
    REQUIRE(pia.update("Case", pias, obj{{"Priority", 1}}));
    REQUIRE(pia.sync());
    check_refused(pia, pias, reject_reason::permission, errc::permission_denied, "Priority");
    REQUIRE(pia.dismiss(pia.sync_log().entries.at(0).id));
    REQUIRE(pia.update("Case", pias, obj{{"Owner", "zed"}}));
    REQUIRE(pia.sync());
    check_refused(pia, pias, reject_reason::permission, errc::permission_denied, "Owner");

    // The power user may not create cases; updating one of the organisation's is fine.
    auto created = pow.insert("Case", new_case("P-6"));
    REQUIRE(created);
    REQUIRE(pow.update("Case", zeds, obj{{"Status", "Working"}}));
    auto ps = pow.sync();
    REQUIRE(ps);
    CHECK(ps->applied == 1);
    check_refused(pow, *created, reject_reason::permission, errc::permission_denied, "");
    CHECK(pow.get("Case", zeds)->fields.at("Status") == "Working");

    // Validation: a replica whose schema is looser than the hub's pushes what the hub refuses,
    // each naming its column.
    schema loose = helpdesk();
    entity_schema c = *loose.find("Case");
    for (auto& col : c.columns) {
        col.required = false;
        col.max_length = 0;
        col.allowed.clear();
        if (col.name == "Priority")
            col.type = data_value_type::text;
    }
    loose.add(c);
    replica_options lo{loose};
    lo.id = replica_id{5};
    lo.credentials = w.token_of("ann", ann_password);
    memory_http_replica lax(std::move(lo), memory_replica_store{},
                            http_transport(to_hub(w.port()), loose));
    obj no_number{{"Category", "Incident"}};
    obj too_long = new_case(std::string(30, 'N'));
    obj not_allowed = new_case("V-3");
    not_allowed["Category"] = "Complaint";
    obj wrong_type = new_case("V-4");
    wrong_type["Priority"] = "high";
    const std::string v1 = lax.insert("Case", no_number).value();
    const std::string v2 = lax.insert("Case", too_long).value();
    const std::string v3 = lax.insert("Case", not_allowed).value();
    const std::string v4 = lax.insert("Case", wrong_type).value();
    auto ls = lax.sync();
    REQUIRE(ls);
    CHECK(ls->logged == 4);
    check_refused(lax, v1, reject_reason::validation, errc::missing_required, "Number");
    check_refused(lax, v2, reject_reason::validation, errc::value_too_long, "Number");
    check_refused(lax, v3, reject_reason::validation, errc::value_not_allowed, "Category");
    check_refused(lax, v4, reject_reason::validation, errc::type_mismatch, "Priority");
    CHECK(w.hub.select(w.token_of("ann", ann_password), "Case")->size() == 4); // none written
}
