// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — raw HTTP tools for server tests: a one-shot Beast client, a bare socket, and a
// proxy that loses a response. Loopback only; every wait is bounded.

#ifndef CONCORD_TESTS_SUPPORT_RAW_HTTP_HPP
#define CONCORD_TESTS_SUPPORT_RAW_HTTP_HPP

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

namespace concord::test {

/// What a raw request got back: the status and body, or why there was no answer.
struct raw_response {
    unsigned status = 0;
    std::string body;
    std::string error; ///< empty when an answer arrived
    bool keep_alive = false;

    /// The body as JSON (null when it is not JSON).
    boost::json::value json() const {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(body, ec);
        return ec ? boost::json::value(nullptr) : v;
    }
};

/** Sends one request to 127.0.0.1:`port` on a new connection and reads the answer, within
    `limit`. `bearer` (when not empty) goes in `Authorization: Bearer ...`.
*/
inline raw_response raw_request(unsigned short port, boost::beast::http::verb method,
                                const std::string& target, std::string body,
                                const std::string& bearer = {},
                                std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context io;
    boost::beast::tcp_stream stream(io);
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    if (!bearer.empty())
        req.set(http::field::authorization, "Bearer " + bearer);
    req.body() = std::move(body);
    req.prepare_payload();
    http::response<http::string_body> res;
    raw_response out;
    out.error = "no answer within the limit";
    stream.expires_after(limit);
    const net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    stream.async_connect(ep, [&](boost::system::error_code ec) {
        if (ec) {
            out.error = "connect: " + ec.message();
            return;
        }
        http::async_write(stream, req, [&](boost::system::error_code wec, std::size_t) {
            if (wec) {
                out.error = "write: " + wec.message();
                return;
            }
            http::async_read(stream, buffer, res, [&](boost::system::error_code rec, std::size_t) {
                if (rec) {
                    out.error = "read: " + rec.message();
                    return;
                }
                out.error.clear();
                out.status = res.result_int();
                out.body = res.body();
                out.keep_alive = res.keep_alive();
            });
        });
    });
    io.run_for(limit + std::chrono::seconds(1));
    return out;
}

/// A plain TCP connection to 127.0.0.1:`port` for sending bytes that need not be HTTP.
class raw_connection {
public:
    explicit raw_connection(unsigned short port) : socket_(io_) {
        namespace net = boost::asio;
        socket_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec_);
    }

    /// Whether the connection was made.
    bool connected() const noexcept { return !ec_; }

    /// Sends all of `bytes` (small: fits in the socket buffer). @returns false on failure.
    bool send(std::string_view bytes) {
        boost::system::error_code ec;
        boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
        sent_at_ = std::chrono::steady_clock::now();
        return !ec;
    }

    /// What `wait_closed` saw.
    struct closing {
        bool closed = false;                     ///< the peer closed (or reset) the connection
        std::string received;                    ///< bytes that arrived before that
        std::chrono::milliseconds since_send{0}; ///< from the last `send` to the close
    };

    /// Reads until the peer closes the connection or `limit` passes.
    closing wait_closed(std::chrono::milliseconds limit) {
        closing out;
        const int fd = socket_.native_handle();
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                break;
            pollfd p{fd, POLLIN, 0};
            const int n = ::poll(&p, 1, static_cast<int>(left.count()));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            char buf[4096];
            const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
            if (got > 0) {
                out.received.append(buf, static_cast<std::size_t>(got));
                continue;
            }
            if (got < 0 && errno == EINTR)
                continue;
            out.closed = true; // 0: orderly close; < 0: reset
            break;
        }
        out.since_send = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - sent_at_);
        return out;
    }

private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    boost::system::error_code ec_;
    std::chrono::steady_clock::time_point sent_at_ = std::chrono::steady_clock::now();
};

/** An HTTP proxy on 127.0.0.1 (port 0) in front of `upstream`: it forwards each request and
    reads the server's whole answer, but for the first `drop` answers it closes the client's
    connection instead of passing the answer on — a response lost on the way back.
    Bounded: at most 8 connections of 16 requests each, and its thread ends within 30 s.
*/
class lossy_proxy {
public:
    lossy_proxy(unsigned short upstream, int drop) : upstream_(upstream), drop_(drop) {
        namespace net = boost::asio;
        const net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        net::co_spawn(io_, accept_loop(), net::detached);
        thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(30)); });
    }
    lossy_proxy(const lossy_proxy&) = delete;
    lossy_proxy& operator=(const lossy_proxy&) = delete;
    ~lossy_proxy() {
        io_.stop();
        thread_.join();
    }

    unsigned short port() const noexcept { return port_; }
    /// Requests whose answer came back from the server.
    int forwarded() const noexcept { return forwarded_.load(); }
    /// Answers not passed on.
    int dropped() const noexcept { return dropped_.load(); }
    /// Client connections accepted.
    int connections() const noexcept { return connections_.load(); }

private:
    boost::asio::awaitable<void> accept_loop() {
        namespace net = boost::asio;
        for (int i = 0; i < 8; ++i) {
            auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
            if (ec)
                co_return;
            ++connections_;
            net::co_spawn(io_, relay(std::move(socket)), net::detached);
        }
    }

    boost::asio::awaitable<void> relay(boost::asio::ip::tcp::socket socket) {
        namespace net = boost::asio;
        namespace http = boost::beast::http;
        using net::as_tuple;
        using net::use_awaitable;
        constexpr auto limit = std::chrono::seconds(5);
        boost::beast::tcp_stream client(std::move(socket));
        boost::beast::tcp_stream server(io_);
        server.expires_after(limit);
        const net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), upstream_);
        auto [cec] = co_await server.async_connect(ep, as_tuple(use_awaitable));
        if (cec)
            co_return;
        boost::beast::flat_buffer from_client, from_server;
        for (int n = 0; n < 16; ++n) {
            http::request<http::string_body> req;
            client.expires_after(limit);
            auto [rec, rn] =
                co_await http::async_read(client, from_client, req, as_tuple(use_awaitable));
            if (rec)
                break;
            server.expires_after(limit);
            auto [wec, wn] = co_await http::async_write(server, req, as_tuple(use_awaitable));
            if (wec)
                break;
            http::response<http::string_body> res;
            auto [sec, sn] =
                co_await http::async_read(server, from_server, res, as_tuple(use_awaitable));
            if (sec)
                break;
            ++forwarded_;
            if (dropped_.load() < drop_) {
                ++dropped_;
                break; // the hub has answered; the client never hears it
            }
            client.expires_after(limit);
            auto [aec, an] = co_await http::async_write(client, res, as_tuple(use_awaitable));
            if (aec)
                break;
        }
        boost::system::error_code ignored;
        client.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        client.socket().close(ignored);
        server.socket().close(ignored);
    }

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    unsigned short upstream_;
    int drop_;
    unsigned short port_ = 0;
    std::atomic<int> forwarded_{0};
    std::atomic<int> dropped_{0};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_RAW_HTTP_HPP
