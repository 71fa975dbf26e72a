// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — an HTTP(S) server (Boost.Beast) exposing a hub's DataService endpoints, a login
// endpoint and record links.

#ifndef CONCORD_SERVER_HTTP_SERVER_HPP
#define CONCORD_SERVER_HTTP_SERVER_HPP

#include <concord/auth/record_link.hpp>
#include <concord/auth/session.hpp>
#include <concord/protocol/handler.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace concord {

/// TLS material for `http_server`: PEM files of the certificate chain and the private key.
struct tls_files {
    std::string certificate_chain;
    std::string private_key;
};

/// How an `http_server` listens. Defaults are in the comments.
struct http_server_options {
    /// Address to bind (loopback by default: exposing a hub is a deliberate choice).
    std::string address = "127.0.0.1";
    /// Port to bind; 0 picks a free one (read it back with `port()`).
    unsigned short port = 0;
    /// Threads running the server (2: one per core here; hub work is serialised anyway).
    std::size_t threads = 2;
    /// Longest a client may take to send a request, and idle time of a kept-alive connection.
    std::chrono::milliseconds request_timeout{30'000};
    /// Request size and shape limits (bodies over `limits.max_body` get 413).
    protocol::limits limits;
    /// Serve HTTPS with these files; plain HTTP when absent.
    std::optional<tls_files> tls;

    /** Enables `POST [/0]/ServiceModel/AuthService.svc/Login` (404 when empty): checks a user
        name and password, e.g. `user_directory::login`. Its error `errc::bad_credentials`
        (or `unauthenticated`) answers 401, `invalid_request` 400, anything else 500. Called on
        the server's threads, possibly concurrently; it blocks one of them while it runs (a
        PBKDF2 check costs ~50 ms at the default rounds). */
    std::function<result<session>(std::string_view name, std::string_view password)> login;

    /// Enables `GET /link/<token>` (with `link_view`): checks record links with this signer.
    std::optional<link_signer> links;
    /** With `links`: the record a valid link shows, as the link's reader may see it (pick the
        columns here), or nullopt when it no longer exists. Called on the server's threads,
        possibly concurrently. */
    std::function<std::optional<boost::json::object>(std::string_view entity, std::string_view id)>
        link_view;
};

/** Serves a hub over HTTP/1.1 (keep-alive) or HTTPS:
    - `POST
   [/0]/dataservice/json/{reply|SyncReply}/{BatchQuery|InsertQuery|UpdateQuery|DeleteQuery|SelectQuery}`
      (path case-insensitive). The credentials are the token of `Authorization: Bearer <token>`,
      or, when there is no `Authorization` header, the value of the `concord_token` cookie.
      They are checked with the hub's access policy before the body is decoded (and again by
      the hub): `errc::unauthenticated` or `errc::session_expired` answers 401 with
      `WWW-Authenticate: Bearer`, whatever the body.
    - `POST [/0]/ServiceModel/AuthService.svc/Login` when `http_server_options::login` is set:
      `{"UserName": …, "UserPassword": …}` → 200 `{"code":0,"message":"","token":…,
      "expires":"<ISO-8601 UTC>"}` and the `concord_token` cookie (HttpOnly, SameSite=Strict,
      Secure under TLS); 401 `BadCredentials`; 400 for a malformed body.
    - `GET /link/<token>` when `links` and `link_view` are set: 200 `{"entity", "id",
      "record"}`; 403 `LinkInvalid` / `LinkExpired`; 404 `RecordNotFound`. A link token is no
      bearer token: DataService endpoints refuse it like any unknown token.

    Every request gets an answer: 200, or 400 / 401 / 403 / 404 / 405 / 413 / 500 with a
    ServiceStack-style `responseStatus`; a bad request never stops the server. No answer but
    the login's own carries a password or a token (the policy's messages are redacted too).

    @tparam Hub a `basic_hub`.
    Thread safety: `start`, `stop` and `port` from one controlling thread; requests are served
    on the server's own threads.
*/
template <class Hub>
class http_server {
public:
    http_server(Hub& hub, http_server_options options);
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;
    ~http_server() { stop(); }

    /** Binds and starts serving. @throws boost::system::system_error when the address cannot
        be bound or the TLS files cannot be read. */
    void start();

    /// Stops accepting, lets requests in flight finish (up to 2 s), and joins the threads.
    void stop();

    /// The bound port (after `start`).
    unsigned short port() const noexcept { return port_; }

    /// Requests answered so far.
    std::size_t requests() const noexcept { return requests_.load(); }

private:
    // A connection as stop() sees it: touched only on the connection's strand.
    // One connection, as stop() sees it. `socket` is valid only while `alive`, and both are
    // touched only on the connection's strand, `executor` (a copy: it outlives the socket).
    struct session {
        boost::asio::any_io_executor executor;
        boost::asio::ip::tcp::socket* socket = nullptr;
        bool busy = false; // answering a request: let it finish
        bool alive = true;
    };

    using request = boost::beast::http::request<boost::beast::http::string_body>;

    // An answer with the headers some endpoints add.
    struct reply {
        unsigned status = 200;
        std::string body;
        std::vector<std::pair<boost::beast::http::field, std::string>> headers;
        std::shared_ptr<void> spent{}; // released once the reply is sent (protocol::answer::spent)
    };

    template <class Stream>
    boost::asio::awaitable<void> serve(Stream& stream);
    template <class Stream>
    boost::asio::awaitable<void> watch(Stream&& stream, request req, std::shared_ptr<session> self);
    boost::asio::awaitable<void> accept_loop();
    reply route(const request& req);
    reply dataservice(const request& req, std::string_view contract);
    reply login(const request& req);
    reply open_link(const request& req, std::string_view token);

    Hub* hub_;
    http_server_options options_;
    protocol::handler<Hub> handler_;
    boost::asio::io_context io_;
    std::optional<boost::asio::ssl::context> ssl_;
    std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stopping_{false};
    std::mutex sessions_mutex_;
    std::vector<std::shared_ptr<session>> sessions_;
    std::atomic<std::size_t> active_{0};
    std::atomic<std::size_t> requests_{0};
    unsigned short port_ = 0;
};

} // namespace concord

#include <concord/server/impl/http_server.hpp>
#include <concord/server/impl/watch.hpp>

#endif // CONCORD_SERVER_HTTP_SERVER_HPP
