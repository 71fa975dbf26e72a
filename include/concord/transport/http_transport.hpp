// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a transport that carries sync rounds to a hub over HTTP(S) (Boost.Beast).

#ifndef CONCORD_TRANSPORT_HTTP_TRANSPORT_HPP
#define CONCORD_TRANSPORT_HTTP_TRANSPORT_HPP

#include <concord/concepts/transport.hpp>
#include <concord/detail/http_body.hpp>
#include <concord/model/schema.hpp>
#include <concord/protocol/client.hpp>
#include <concord/server/detail/auth_http.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

namespace concord {

namespace detail {

/** One watch of an `http_transport`: a WebSocket read on its own thread. Destroying it closes
    the socket and joins the thread, so no callback runs afterwards.
*/
class websocket_watch {
public:
    websocket_watch(std::function<void(const change_notice&)> on_notice,
                    std::function<void()> on_lost)
        : on_notice_(std::move(on_notice))
        , on_lost_(std::move(on_lost)) {}

    websocket_watch(const websocket_watch&) = delete;
    websocket_watch& operator=(const websocket_watch&) = delete;

    ~websocket_watch() {
        closing_ = true;
        // Stop, not just close: the WebSocket's ping and idle timers would keep run() going
        // for up to 30 s after the socket is closed. Pending handlers never run after this;
        // the streams close their sockets when destroyed.
        io.stop();
        if (thread_.joinable())
            thread_.join();
    }

    /// Upgrades the connected `stream` to the WebSocket, then starts reading on the thread.
    template <class Stream>
    result<void> open(Stream&& stream, const std::string& host, const std::string& target,
                      const std::string& credentials, std::chrono::milliseconds timeout) {
        namespace websocket = boost::beast::websocket;
        using plain_stream = std::decay_t<Stream>;
        auto& ws = [&]() -> websocket::stream<plain_stream>& {
            if constexpr (std::is_same_v<plain_stream, boost::beast::tcp_stream>)
                return plain_.emplace(std::move(stream));
            else
                return secure_.emplace(std::move(stream));
        }();
        boost::beast::get_lowest_layer(ws).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = timeout;
        t.idle_timeout = std::chrono::seconds(30);
        t.keep_alive_pings = true;
        ws.set_option(t);
        ws.set_option(websocket::stream_base::decorator([credentials](websocket::request_type& r) {
            r.set(boost::beast::http::field::user_agent, "concord");
            if (!credentials.empty())
                r.set(boost::beast::http::field::authorization, "Bearer " + credentials);
        }));
        websocket::response_type res;
        boost::system::error_code ec;
        ws.async_handshake(res, host, target, [&](boost::system::error_code e) { ec = e; });
        io.restart();
        io.run();
        if (ec) {
            if (res.result() == boost::beast::http::status::unauthorized)
                return error(errc::unauthenticated, "the hub refused the watch's credentials");
            return error(
                ec == boost::beast::error::timeout ? errc::timeout : errc::transport_failed,
                "opening the watch at " + host + target + ": " + ec.message() +
                    (res.result_int() != 0 ? " (HTTP " + std::to_string(res.result_int()) + ")"
                                           : std::string()));
        }
        read(ws);
        io.restart();
        thread_ = std::thread([this] { io.run(); });
        return {};
    }

    boost::asio::io_context io;

private:
    template <class WS>
    void read(WS& ws) {
        buffer_.clear();
        ws.async_read(buffer_, [this, &ws](boost::system::error_code ec, std::size_t) {
            if (ec) {
                if (!closing_ && on_lost_)
                    on_lost_();
                return;
            }
            change_notice n;
            boost::system::error_code pec;
            auto v = boost::json::parse(boost::beast::buffers_to_string(buffer_.data()), pec);
            // A notice that cannot be read still says "pull now".
            if (!pec && v.is_object()) {
                if (auto* l = v.as_object().if_contains("latest"); l && l->is_uint64())
                    n.latest = l->get_uint64();
                else if (l && l->is_int64() && l->get_int64() >= 0)
                    n.latest = static_cast<std::uint64_t>(l->get_int64());
                if (auto* es = v.as_object().if_contains("entities"); es && es->is_array())
                    for (const auto& e : es->get_array())
                        if (e.is_string())
                            n.entities.emplace_back(e.get_string());
            }
            if (on_notice_)
                on_notice_(n);
            read(ws);
        });
    }

    std::function<void(const change_notice&)> on_notice_;
    std::function<void()> on_lost_;
    std::optional<boost::beast::websocket::stream<boost::beast::tcp_stream>> plain_;
    std::optional<
        boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>>
        secure_;
    boost::beast::flat_buffer buffer_;
    std::atomic<bool> closing_{false};
    std::thread thread_;
};

} // namespace detail

/// Where and how an `http_transport` reaches its hub. Defaults are in the comments.
struct http_transport_options {
    /// The hub: `http://host:port` or `https://host:port`.
    std::string url;
    /// The BatchQuery endpoint (DataService's standard path).
    std::string path = "/0/dataservice/json/reply/BatchQuery";
    /// The login endpoint `login` posts to (the AuthService path `http_server` serves).
    std::string login_path = "/0/ServiceModel/AuthService.svc/Login";
    /// Longest wait to connect (and to finish the TLS handshake): 5 s.
    std::chrono::milliseconds connect_timeout{5'000};
    /// Longest wait for a whole answer once sent: 60 s (a large first page on a slow link).
    std::chrono::milliseconds read_timeout{60'000};
    /// Tries per exchange when the connection fails — safe, the hub deduplicates replays (3).
    int attempts = 3;
    /// Wait before the first retry, doubled for each further one (100 ms).
    std::chrono::milliseconds backoff{100};
    /// PEM file of the CAs to trust for HTTPS; empty: the system's store.
    std::string ca_file;
    /// Verify the hub's certificate and host name (on by default; turn off only in tests).
    bool verify_peer = true;
    /// The watch endpoint (WebSocket) of online and hybrid modes.
    std::string watch_path = "/0/concord/watch";
};

/** A `transport` over HTTP/1.1 keep-alive or HTTPS: one sync round is one POST of one
    BatchQuery. The connection is reused across exchanges and reopened when it breaks; a failed
    connection, send or read is retried with backoff (`attempts`), since the hub answers a
    replayed request from its dedupe marks. TLS verifies the certificate chain and the host name
    by default, so a hub with a self-signed certificate is refused unless its CA is given.

    Movable. Thread safety: one exchange at a time per object (as the replica calls it).
*/
class http_transport {
public:
    /// @param s the schema of the replica (it gives the DataValueType of each value sent).
    http_transport(http_transport_options options, concord::schema s)
        : p_(std::make_unique<impl>(std::move(options), std::move(s))) {}

    /** One round trip. @returns the hub's answer; or `transport_failed` / `timeout` when no
        answer arrived after every attempt, `unauthenticated` and other whole-request errors
        from the hub, `protocol_error` for an answer that does not fit the request.
    */
    result<sync_response> exchange(const sync_request& req) {
        // "All entities" is spelled out: each pulled entity is one SelectQuery on the wire. Only
        // the pull is copied for it, never the pushed changes.
        const pull_request* pull = req.pull ? &*req.pull : nullptr;
        std::optional<pull_request> all;
        if (pull != nullptr && pull->entities.empty()) {
            all = *pull;
            for (const auto& e : p_->schema.entities())
                all->entities.push_back(e.name);
            pull = &*all;
        }
        const std::string body = protocol::detail::encode_sync(req, pull, p_->schema);
        error last;
        for (int attempt = 0; attempt < std::max(1, p_->options.attempts); ++attempt) {
            if (attempt > 0) {
                ++p_->retries;
                std::this_thread::sleep_for(p_->options.backoff * (1 << (attempt - 1)));
            }
            auto answer = p_->post(p_->options.path, body, req.credentials);
            if (!answer) {
                last = answer.error();
                p_->close();
                continue;
            }
            if (answer->first == 503) { // the hub is busy: try again later
                last = error(errc::transport_failed, "the hub is unavailable (503)");
                continue;
            }
            return protocol::detail::decode_sync(answer->second, req, pull);
        }
        return last;
    }

    /** Logs in at the hub's login endpoint (`login_path`) with a user name and password, over
        this transport's connection and TLS settings, and returns the session token to use as
        the replica's credentials (`replica_options::credentials`, sent as
        `Authorization: Bearer <token>`).

        A connection that fails is retried like an exchange (`attempts`, `backoff`); a login
        whose answer was lost may thus open a second session on the hub, which expires unused.

        @param user the user name (`UserName`)
        @param password the password (`UserPassword`); it is sent in the request body only, so
               use HTTPS beyond a trusted network
        @returns the session token; or `bad_credentials` when the hub refuses the name or the
                 password (401); `unsupported` when the hub serves no login endpoint (404);
                 the hub's error code (e.g. `invalid_request`) for another refusal;
                 `transport_failed` / `timeout` when no answer arrived after every attempt;
                 `protocol_error` for an answer without a token. No error message contains
                 the password.
        Thread safety: one call at a time per object, never during an `exchange`.
    */
    result<std::string> login(std::string_view user, std::string_view password) {
        const std::string body = boost::json::serialize(
            boost::json::object{{"UserName", user}, {"UserPassword", password}});
        error last;
        for (int attempt = 0; attempt < std::max(1, p_->options.attempts); ++attempt) {
            if (attempt > 0) {
                ++p_->retries;
                std::this_thread::sleep_for(p_->options.backoff * (1 << (attempt - 1)));
            }
            auto answer = p_->post(p_->options.login_path, body, {});
            if (!answer) {
                last = answer.error();
                p_->close();
                continue;
            }
            if (answer->first == 503) {
                last = error(errc::transport_failed, "the hub is unavailable (503)");
                continue;
            }
            return decode_login(answer->first, answer->second, user, password);
        }
        return last;
    }

    /** Opens the watch (online and hybrid modes): a WebSocket to `watch_path` on its own
        connection and thread, authenticated like an exchange with `w.credentials`. Notices and
        the loss of the connection (a closed socket, or no answer to pings for 30 s) come on
        that thread.
        @returns `transport_failed` / `timeout` when the hub cannot be reached,
        `unauthenticated` when it refuses the credentials (401).
    */
    result<void> watch(const watch_request& w, std::function<void(const change_notice&)> on_notice,
                       std::function<void()> on_lost) {
        unwatch();
        auto ch =
            std::make_unique<detail::websocket_watch>(std::move(on_notice), std::move(on_lost));
        std::optional<boost::beast::tcp_stream> plain;
        std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure;
        if (auto c = p_->open(ch->io, plain, secure); !c)
            return c.error();
        const std::string host = p_->host + ":" + p_->port;
        const std::string target = p_->options.watch_path + "?replica=" + to_string(w.replica);
        auto opened = secure ? ch->open(std::move(*secure), host, target, w.credentials,
                                        p_->options.connect_timeout)
                             : ch->open(std::move(*plain), host, target, w.credentials,
                                        p_->options.connect_timeout);
        if (!opened)
            return opened.error();
        watch_ = std::move(ch);
        return {};
    }

    /// Closes the watch; no callback runs once it returns.
    void unwatch() { watch_.reset(); }

    /// Replaces the schema that types pushed values (a replica calls it when it adopts the
    /// hub's new schema). Not during an `exchange`.
    void set_schema(concord::schema s) { p_->schema = std::move(s); }

    /// Connections opened so far (1 when keep-alive held for every exchange).
    std::size_t connections() const noexcept { return p_->connections; }

    /// Attempts repeated after a failed one.
    std::size_t retries() const noexcept { return p_->retries; }

private:
    // The token of a 200 answer, or the error a refusal stands for (never naming `password`).
    static result<std::string> decode_login(unsigned status, std::string_view body,
                                            std::string_view user, std::string_view password) {
        auto parsed = protocol::parse_json(body, protocol::limits{});
        const boost::json::object* o =
            parsed && parsed->is_object() ? &parsed->get_object() : nullptr;
        if (status == 200) {
            const boost::json::value* t = o ? protocol::find(*o, "token") : nullptr;
            if (t == nullptr || !t->is_string() || t->get_string().empty())
                return error(errc::protocol_error, "the hub's login answer carries no token");
            return std::string(t->get_string());
        }
        if (status == 401)
            return error(errc::bad_credentials,
                         detail::redact("login as '" + std::string(user) + "' refused: " +
                                            make_error_code(errc::bad_credentials).message(),
                                        password));
        if (status == 404)
            return error(errc::unsupported, "the hub serves no login endpoint (404)");
        // Another refusal: the hub's code and message when it sent a responseStatus.
        const boost::json::value* rs = o ? protocol::find(*o, "responseStatus") : nullptr;
        if (rs != nullptr && rs->is_object()) {
            const int v =
                protocol::error_value(protocol::detail::text(rs->get_object(), "ErrorCode"));
            return error(
                v ? make_error_code(static_cast<errc>(v)) : make_error_code(errc::transport_failed),
                detail::redact("the hub refused the login (" + std::to_string(status) +
                                   "): " + protocol::detail::text(rs->get_object(), "Message"),
                               password));
        }
        return error(errc::transport_failed,
                     "the hub answered the login with HTTP " + std::to_string(status));
    }

    struct impl {
        impl(http_transport_options o, concord::schema s)
            : options(std::move(o))
            , schema(std::move(s)) {
            const std::string& u = options.url;
            std::string rest;
            if (u.rfind("https://", 0) == 0) {
                tls = true;
                rest = u.substr(8);
            } else if (u.rfind("http://", 0) == 0) {
                rest = u.substr(7);
            } else {
                rest = u;
            }
            if (auto slash = rest.find('/'); slash != std::string::npos)
                rest = rest.substr(0, slash);
            const std::string default_port = tls ? "443" : "80";
            if (!rest.empty() && rest.front() == '[') { // [IPv6]:port
                const auto close = rest.find(']');
                host = rest.substr(1, close == std::string::npos ? std::string::npos : close - 1);
                port =
                    close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == ':'
                        ? rest.substr(close + 2)
                        : default_port;
            } else {
                const auto colon = rest.rfind(':');
                host = colon == std::string::npos ? rest : rest.substr(0, colon);
                port = colon == std::string::npos ? default_port : rest.substr(colon + 1);
            }
            if (tls) {
                ssl.emplace(boost::asio::ssl::context::tls_client);
                ssl->set_options(
                    boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                    boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
                if (options.verify_peer) {
                    ssl->set_verify_mode(boost::asio::ssl::verify_peer);
                    boost::system::error_code ec;
                    if (!options.ca_file.empty())
                        ssl->load_verify_file(options.ca_file, ec);
                    else
                        ssl->set_default_verify_paths(ec);
                    ca_error = ec;
                } else {
                    ssl->set_verify_mode(boost::asio::ssl::verify_none);
                }
            }
        }

        // Runs the async operations started since, for at most `limit`: Beast's stream
        // timeouts end them when they overrun.
        void run() { run_on(io); }
        static void run_on(boost::asio::io_context& ctx) {
            ctx.restart();
            ctx.run();
        }

        result<void> connect() { return open(io, plain, secure); }

        // Connects a new stream on `ctx`: `plain_out`, or `secure_out` after the TLS handshake.
        result<void>
        open(boost::asio::io_context& ctx, std::optional<boost::beast::tcp_stream>& plain_out,
             std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>>& secure_out) {
            namespace net = boost::asio;
            if (ca_error)
                return error(errc::transport_failed,
                             "reading the trusted CAs: " + ca_error.message());
            boost::system::error_code ec;
            net::ip::tcp::resolver resolver(ctx);
            auto endpoints = resolver.resolve(host, port, ec);
            if (ec)
                return error(errc::transport_failed, "resolving " + host + ": " + ec.message());
            boost::beast::tcp_stream tcp(ctx);
            tcp.expires_after(options.connect_timeout);
            tcp.async_connect(endpoints, [&](boost::system::error_code e, const auto&) { ec = e; });
            run_on(ctx);
            if (ec)
                return error(ec == boost::beast::error::timeout ? errc::timeout
                                                                : errc::transport_failed,
                             "connecting to " + host + ":" + port + ": " + ec.message());
            ++connections;
            if (!tls) {
                plain_out.emplace(std::move(tcp));
                return {};
            }
            auto& tls_stream = secure_out.emplace(std::move(tcp), *ssl);
            // SNI; SSL_set_tlsext_host_name is a macro with a C cast, so call what it expands to.
            if (SSL_ctrl(tls_stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                         TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1)
                return error(errc::transport_failed, "setting the TLS server name");
            if (options.verify_peer)
                tls_stream.set_verify_callback(net::ssl::host_name_verification(host));
            boost::beast::get_lowest_layer(tls_stream).expires_after(options.connect_timeout);
            tls_stream.async_handshake(net::ssl::stream_base::client,
                                       [&](boost::system::error_code e) { ec = e; });
            run_on(ctx);
            if (ec) {
                secure_out.reset();
                return error(errc::transport_failed,
                             "TLS handshake with " + host + ": " + ec.message());
            }
            return {};
        }

        void close() {
            boost::system::error_code ignored;
            if (plain)
                plain->socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
            plain.reset();
            secure.reset();
        }

        template <class Stream>
        result<std::pair<unsigned, std::string>>
        round_trip(Stream& stream, const std::string& target, const std::string& body,
                   const std::string& credentials) {
            namespace http = boost::beast::http;
            // The body is sent from the caller's string: a retry sends it again, and a copy of
            // a 10,000-change round costs more than its encoding.
            http::request<http::span_body<const char>> req{http::verb::post, target, 11};
            req.set(http::field::host, host);
            req.set(http::field::content_type, "application/json");
            req.set(http::field::user_agent, "concord");
            if (!credentials.empty())
                req.set(http::field::authorization, "Bearer " + credentials);
            req.keep_alive(true);
            req.body() = boost::beast::span<const char>(body.data(), body.size());
            req.prepare_payload();
            boost::system::error_code ec;
            boost::beast::get_lowest_layer(stream).expires_after(options.read_timeout);
            http::async_write(stream, req,
                              [&](boost::system::error_code e, std::size_t) { ec = e; });
            run();
            if (ec)
                return error(ec == boost::beast::error::timeout ? errc::timeout
                                                                : errc::transport_failed,
                             "sending to the hub: " + ec.message());
            http::response_parser<http::string_body> parser;
            parser.body_limit(std::size_t{1} << 31);
            const auto done = [&](boost::system::error_code e, std::size_t) { ec = e; };
            http::async_read_header(stream, buffer, parser, done);
            run();
            if (!ec && detail::body_of_known_length(parser)) {
                boost::asio::async_read(stream, detail::start_body(parser, buffer), done);
                run();
            } else if (!ec) {
                http::async_read(stream, buffer, parser, done);
                run();
            }
            if (ec)
                return error(ec == boost::beast::error::timeout ? errc::timeout
                                                                : errc::transport_failed,
                             "reading the hub's answer: " + ec.message());
            auto res = parser.release();
            if (!res.keep_alive())
                close();
            return std::pair<unsigned, std::string>{res.result_int(), std::move(res.body())};
        }

        result<std::pair<unsigned, std::string>>
        post(const std::string& target, const std::string& body, const std::string& credentials) {
            if (!plain && !secure) {
                buffer.clear();
                if (auto c = connect(); !c)
                    return c.error();
            }
            if (secure)
                return round_trip(*secure, target, body, credentials);
            return round_trip(*plain, target, body, credentials);
        }

        http_transport_options options;
        concord::schema schema;
        bool tls = false;
        std::string host, port;
        boost::asio::io_context io;
        std::optional<boost::asio::ssl::context> ssl;
        boost::system::error_code ca_error;
        std::optional<boost::beast::tcp_stream> plain;
        std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure;
        boost::beast::flat_buffer buffer;
        std::atomic<std::size_t> connections{0}; // the watch connects on another thread
        std::size_t retries = 0;
    };

    std::unique_ptr<impl> p_;
    std::unique_ptr<detail::websocket_watch> watch_;
};

static_assert(watching_transport<http_transport>);

} // namespace concord

#endif // CONCORD_TRANSPORT_HTTP_TRANSPORT_HPP
