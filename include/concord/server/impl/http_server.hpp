// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — http_server member definitions.

#ifndef CONCORD_SERVER_IMPL_HTTP_SERVER_HPP
#define CONCORD_SERVER_IMPL_HTTP_SERVER_HPP

#include <concord/detail/http_body.hpp>
#include <concord/server/detail/auth_http.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <string>

namespace concord {

namespace detail {

// "BatchQuery" for ".../dataservice/json/reply/batchquery" and the other accepted forms;
// empty when the path is not a DataService endpoint.
inline std::string_view dataservice_contract(std::string_view target) {
    if (auto q = target.find('?'); q != std::string_view::npos)
        target = target.substr(0, q);
    std::vector<std::string> parts;
    std::string cur;
    for (char c : target) {
        if (c == '/') {
            if (!cur.empty())
                parts.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    if (!cur.empty())
        parts.push_back(std::move(cur));
    if (!parts.empty() && parts.front() == "0")
        parts.erase(parts.begin());
    if (parts.size() != 4 || parts[0] != "dataservice" || parts[1] != "json" ||
        (parts[2] != "reply" && parts[2] != "syncreply"))
        return {};
    static constexpr std::array<std::string_view, 5> contracts{
        "BatchQuery", "InsertQuery", "UpdateQuery", "DeleteQuery", "SelectQuery"};
    for (std::string_view c : contracts) {
        if (c.size() != parts[3].size())
            continue;
        bool same = true;
        for (std::size_t i = 0; i < c.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(c[i])) == parts[3][i];
        if (same)
            return c;
    }
    return {};
}

inline std::string status_body(std::string_view code, std::string_view message) {
    boost::json::object rs{
        {"ErrorCode", code}, {"Message", message}, {"Errors", boost::json::array{}}};
    return boost::json::serialize(
        boost::json::object{{"responseStatus", std::move(rs)}, {"success", false}});
}

// RFC 6750 §3: a request that sent a token is told the token is the problem.
inline std::string bearer_challenge(bool token_sent) {
    return token_sent ? R"(Bearer realm="concord", error="invalid_token")"
                      : R"(Bearer realm="concord")";
}

} // namespace detail

template <class Hub>
http_server<Hub>::http_server(Hub& hub, http_server_options options)
    : hub_(&hub)
    , options_(std::move(options))
    , handler_(hub, options_.limits) {}

template <class Hub>
void http_server<Hub>::start() {
    namespace net = boost::asio;
    if (options_.tls) {
        ssl_.emplace(net::ssl::context::tls_server);
        ssl_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                          net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                          net::ssl::context::no_tlsv1_1);
        ssl_->use_certificate_chain_file(options_.tls->certificate_chain);
        ssl_->use_private_key_file(options_.tls->private_key, net::ssl::context::pem);
    }
    const net::ip::tcp::endpoint ep(net::ip::make_address(options_.address), options_.port);
    acceptor_.emplace(io_);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(net::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen(net::socket_base::max_listen_connections);
    port_ = acceptor_->local_endpoint().port();
    net::co_spawn(io_, accept_loop(), net::detached);
    const std::size_t n = std::max<std::size_t>(1, options_.threads);
    for (std::size_t i = 0; i < n; ++i)
        threads_.emplace_back([this] { io_.run(); });
}

template <class Hub>
void http_server<Hub>::stop() {
    if (threads_.empty())
        return;
    stopping_ = true;
    boost::asio::post(io_, [this] {
        boost::system::error_code ec;
        if (acceptor_)
            acceptor_->close(ec);
    });
    // Idle keep-alive connections are closed now; a request in flight is answered first (its
    // connection then closes), for up to 2 s.
    for (int i = 0; i < 200; ++i) {
        std::vector<std::shared_ptr<session>> open;
        {
            std::lock_guard lock(sessions_mutex_);
            std::erase_if(sessions_, [](const auto& s) { return s.use_count() == 1; });
            open = sessions_;
        }
        if (open.empty())
            break;
        for (const auto& s : open)
            boost::asio::post(s->executor, [s] {
                if (s->alive && !s->busy) {
                    boost::system::error_code ec;
                    s->socket->cancel(ec);
                    s->socket->close(ec);
                }
            });
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    io_.stop();
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

template <class Hub>
boost::asio::awaitable<void> http_server<Hub>::accept_loop() {
    namespace net = boost::asio;
    while (!stopping_) {
        boost::system::error_code ec;
        // Each connection on its own strand, so stop() can close it safely from another thread.
        net::ip::tcp::socket socket = co_await acceptor_->async_accept(
            net::make_strand(io_), net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (stopping_ || ec == net::error::operation_aborted)
                co_return;
            continue; // e.g. too many open files: keep serving the others
        }
        auto executor = socket.get_executor();
        if (ssl_) {
            net::co_spawn(
                executor,
                [this, s = std::move(socket)]() mutable -> net::awaitable<void> {
                    boost::beast::ssl_stream<boost::beast::tcp_stream> stream(
                        boost::beast::tcp_stream(std::move(s)), *ssl_);
                    boost::beast::get_lowest_layer(stream).expires_after(options_.request_timeout);
                    boost::system::error_code hec;
                    co_await stream.async_handshake(net::ssl::stream_base::server,
                                                    net::redirect_error(net::use_awaitable, hec));
                    if (!hec)
                        co_await serve(stream);
                },
                net::detached);
        } else {
            net::co_spawn(
                executor,
                [this, s = std::move(socket)]() mutable -> net::awaitable<void> {
                    boost::beast::tcp_stream stream(std::move(s));
                    co_await serve(stream);
                },
                net::detached);
        }
    }
}

template <class Hub>
template <class Stream>
boost::asio::awaitable<void> http_server<Hub>::serve(Stream& stream) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    auto self = std::make_shared<session>();
    self->socket = &boost::beast::get_lowest_layer(stream).socket();
    self->executor = self->socket->get_executor();
    {
        // Drop the entries of finished connections here, or a long-running server keeps one per
        // connection it ever served (stop() is the only other place that prunes).
        std::lock_guard lock(sessions_mutex_);
        std::erase_if(sessions_, [](const auto& s) { return s.use_count() == 1; });
        sessions_.push_back(self);
    }
    struct retire {
        session& s;
        ~retire() { s.alive = false; }
    } on_exit{*self};
    for (;;) {
        if (stopping_)
            break;
        http::request_parser<http::string_body> parser;
        parser.body_limit(options_.limits.max_body);
        parser.header_limit(64 * 1024);
        boost::beast::get_lowest_layer(stream).expires_after(options_.request_timeout);
        boost::system::error_code ec;
        co_await http::async_read_header(stream, buffer, parser,
                                         net::redirect_error(net::use_awaitable, ec));
        if (!ec && detail::body_of_known_length(parser))
            co_await net::async_read(stream, detail::start_body(parser, buffer),
                                     net::redirect_error(net::use_awaitable, ec));
        else if (!ec)
            co_await http::async_read(stream, buffer, parser,
                                      net::redirect_error(net::use_awaitable, ec));
        if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
            ec == boost::beast::error::timeout)
            break;
        http::response<http::string_body> res;
        std::shared_ptr<void> spent;
        bool close = false;
        self->busy = true;
        ++active_;
        if (ec == http::error::body_limit) {
            res.result(http::status::payload_too_large);
            res.body() = detail::status_body(
                "BodyTooLarge",
                "the request body exceeds " + std::to_string(options_.limits.max_body) + " bytes");
            close = true;
        } else if (ec) {
            res.result(http::status::bad_request);
            res.body() = detail::status_body("MalformedHttp", ec.message());
            close = true;
        } else if (boost::beast::websocket::is_upgrade(parser.get()) &&
                   detail::is_watch_path(parser.get().target())) {
            // The connection becomes a watch (online and hybrid modes) until either side
            // closes it; its HTTP exchange ends here.
            --active_;
            self->busy = false;
            co_await watch(std::move(stream), parser.release(), self);
            co_return;
        } else {
            const auto& req = parser.get();
            reply a;
            try {
                a = route(req);
            } catch (const std::exception&) { // a callback or the hub threw: answer, keep serving
                a = reply{500, detail::status_body("Error", "internal server error"), {}};
            }
            res.result(static_cast<http::status>(a.status));
            res.body() = std::move(a.body);
            for (auto& [name, value] : a.headers)
                res.set(name, std::move(value));
            spent = std::move(a.spent);
            res.version(req.version());
            close = !req.keep_alive() || stopping_;
        }
        res.set(http::field::server, "concord");
        res.set(http::field::content_type, "application/json; charset=utf-8");
        res.keep_alive(!close);
        res.prepare_payload();
        ++requests_;
        boost::system::error_code wec;
        co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, wec));
        spent.reset(); // the client has its answer: freeing what made it delays no one now
        --active_;
        self->busy = false;
        if (wec || close)
            break;
    }
    boost::system::error_code ignored;
    boost::beast::get_lowest_layer(stream).socket().shutdown(net::ip::tcp::socket::shutdown_both,
                                                             ignored);
}

template <class Hub>
typename http_server<Hub>::reply http_server<Hub>::route(const request& req) {
    namespace http = boost::beast::http;
    const std::string_view target = req.target();
    if (options_.login && detail::is_login_path(target))
        return login(req);
    if (options_.links && options_.link_view)
        if (auto token = detail::link_token(target))
            return open_link(req, *token);
    const std::string_view contract = detail::dataservice_contract(target);
    if (contract.empty())
        return {404,
                detail::status_body("NotFound", "no endpoint " + detail::printable_path(target)),
                {}};
    if (req.method() != http::verb::post)
        return {405,
                detail::status_body("MethodNotAllowed", "DataService endpoints take POST"),
                {{http::field::allow, "POST"}}};
    return dataservice(req, contract);
}

template <class Hub>
typename http_server<Hub>::reply http_server<Hub>::dataservice(const request& req,
                                                               std::string_view contract) {
    namespace http = boost::beast::http;
    const std::string_view credentials = detail::request_credentials(req);
    const auto refused = [&](const error& e) {
        boost::json::object rs{
            {"ErrorCode", protocol::error_name(e.code)},
            {"Message", detail::redact(e.message, credentials)},
            {"Errors", boost::json::array{boost::json::object{
                           {"ErrorCode", protocol::error_name(e.code)},
                           {"FieldName", e.field},
                           {"Message", detail::redact(e.message, credentials)}}}}};
        return reply{
            401,
            boost::json::serialize(
                boost::json::object{{"responseStatus", std::move(rs)}, {"success", false}}),
            {{http::field::www_authenticate, detail::bearer_challenge(!credentials.empty())}}};
    };
    // Checked before the body is parsed, so an unauthenticated client cannot make the server
    // decode a large body; the hub checks again (the session may end in between).
    if (auto who = hub_->access().authenticate(credentials);
        !who && (who.error() == errc::unauthenticated || who.error() == errc::session_expired))
        return refused(who.error());

    protocol::answer a = handler_.handle(contract, req.body(), credentials);
    reply out{a.status, std::move(a.body), {}, std::move(a.spent)};
    if (out.status != 200) {
        out.body = detail::redact(std::move(out.body), credentials);
        if (out.status == 401) // the session ended between the check above and the hub's own
            out.headers.emplace_back(http::field::www_authenticate,
                                     detail::bearer_challenge(!credentials.empty()));
    }
    return out;
}

template <class Hub>
typename http_server<Hub>::reply http_server<Hub>::login(const request& req) {
    namespace http = boost::beast::http;
    if (req.method() != http::verb::post)
        return {405,
                detail::status_body("MethodNotAllowed", "the login endpoint takes POST"),
                {{http::field::allow, "POST"}}};
    const auto bad_request = [](const error_code& code, std::string_view message) {
        return reply{400, detail::status_body(protocol::error_name(code), message), {}};
    };
    auto body = protocol::parse_json(req.body(), options_.limits);
    if (!body) // the parser's messages name the problem, never the text around it
        return bad_request(body.error().code, body.error().message);
    const boost::json::value* name = nullptr;
    const boost::json::value* password = nullptr;
    if (body->is_object()) {
        name = protocol::find(body->get_object(), "UserName");
        password = protocol::find(body->get_object(), "UserPassword");
    }
    if (name == nullptr || password == nullptr || !name->is_string() || !password->is_string())
        return bad_request(make_error_code(errc::invalid_request),
                           "the login body must be an object with string properties UserName "
                           "and UserPassword");
    const std::string_view user = name->get_string();
    const std::string_view secret = password->get_string();
    if (user.size() > options_.limits.max_value_bytes ||
        secret.size() > options_.limits.max_value_bytes)
        return bad_request(make_error_code(errc::body_too_large),
                           "UserName and UserPassword may have at most " +
                               std::to_string(options_.limits.max_value_bytes) + " bytes");

    result<concord::session> s = options_.login(user, secret);
    if (!s) {
        const error& e = s.error();
        if (e == errc::bad_credentials || e == errc::unauthenticated)
            // One message for an unknown user and a wrong password, whatever the callback says.
            return {401,
                    detail::status_body(protocol::error_name(e.code),
                                        make_error_code(errc::bad_credentials).message()),
                    {{http::field::www_authenticate, detail::bearer_challenge(false)}}};
        return {
            e == errc::invalid_request ? 400u : 500u,
            detail::status_body(protocol::error_name(e.code), detail::redact(e.message, secret)),
            {}};
    }
    boost::json::object out{{"code", 0},
                            {"message", ""},
                            {"token", s->token},
                            {"expires", detail::iso8601_utc(s->expires)}};
    std::string cookie =
        std::string(detail::token_cookie) + "=" + s->token + "; Path=/; HttpOnly; SameSite=Strict";
    if (options_.tls)
        cookie += "; Secure";
    return {
        200,
        boost::json::serialize(out),
        {{http::field::set_cookie, std::move(cookie)}, {http::field::cache_control, "no-store"}}};
}

template <class Hub>
typename http_server<Hub>::reply http_server<Hub>::open_link(const request& req,
                                                             std::string_view token) {
    namespace http = boost::beast::http;
    if (req.method() != http::verb::get)
        return {405,
                detail::status_body("MethodNotAllowed", "record links take GET"),
                {{http::field::allow, "GET"}}};
    auto claims = options_.links->verify(token, std::chrono::system_clock::now());
    if (!claims)
        return {403,
                detail::status_body(protocol::error_name(claims.error().code),
                                    detail::redact(claims.error().message, token)),
                {}};
    std::optional<boost::json::object> record =
        options_.link_view(claims->entity, claims->record_id);
    if (!record)
        return {404,
                detail::status_body(protocol::error_name(make_error_code(errc::record_not_found)),
                                    "the linked record no longer exists"),
                {}};
    boost::json::object out{
        {"entity", claims->entity}, {"id", claims->record_id}, {"record", std::move(*record)}};
    return {200, boost::json::serialize(out), {{http::field::cache_control, "no-store"}}};
}

} // namespace concord

#endif // CONCORD_SERVER_IMPL_HTTP_SERVER_HPP
