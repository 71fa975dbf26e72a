// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — http_server's watch endpoint: a WebSocket over which the hub's change notices reach
// replicas in online and hybrid modes.

#ifndef CONCORD_SERVER_IMPL_WATCH_HPP
#define CONCORD_SERVER_IMPL_WATCH_HPP

#include <concord/server/detail/auth_http.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace concord {

namespace detail {

// Notices waiting to be written to one watch: merged, so a slow reader gets one message for
// many commits, never a growing queue.
struct watch_mailbox {
    std::mutex mutex;
    std::optional<change_notice> pending;

    void add(const change_notice& n) {
        std::lock_guard lock(mutex);
        if (!pending) {
            pending = n;
            return;
        }
        pending->latest = std::max(pending->latest, n.latest);
        for (const std::string& e : n.entities)
            if (std::find(pending->entities.begin(), pending->entities.end(), e) ==
                pending->entities.end())
                pending->entities.push_back(e);
    }
    bool waiting() {
        std::lock_guard lock(mutex);
        return pending.has_value();
    }
    std::optional<change_notice> take() {
        std::lock_guard lock(mutex);
        return std::exchange(pending, std::nullopt);
    }
};

// The text of one notice on the wire: {"latest": N, "entities": ["Case", …]}.
inline std::string notice_text(const change_notice& n) {
    boost::json::array entities;
    for (const std::string& e : n.entities)
        entities.emplace_back(e);
    return boost::json::serialize(
        boost::json::object{{"latest", n.latest}, {"entities", std::move(entities)}});
}

} // namespace detail

// `GET [/0]/concord/watch?replica=<id>` with `Upgrade: websocket` and the credentials of a
// DataService request. Refused with 401 before the upgrade for bad credentials; then one text
// message per notice (docs/protocol.md §7) until the client closes, the server stops, or the
// connection dies (pings every 15 s: a dead peer is noticed within 30 s).
template <class Hub>
template <class Stream>
boost::asio::awaitable<void> http_server<Hub>::watch(Stream&& stream, request req,
                                                     std::shared_ptr<session> self) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    namespace websocket = boost::beast::websocket;
    using plain = std::decay_t<Stream>;
    const std::string credentials(detail::request_credentials(req));
    const auto replica = parse_replica_id(detail::query_value(req.target(), "replica"));
    auto mailbox = std::make_shared<detail::watch_mailbox>();
    auto wake =
        std::make_shared<net::steady_timer>(self->executor, net::steady_timer::time_point::max());
    auto handle = hub_->watch(credentials, replica ? *replica : replica_id{},
                              [mailbox, wake, ex = self->executor](const change_notice& n) {
                                  mailbox->add(n);
                                  net::post(ex, [wake] { wake->cancel(); });
                              });
    if (!handle || !replica) {
        http::response<http::string_body> res;
        const bool auth = !handle;
        res.result(auth ? http::status::unauthorized : http::status::bad_request);
        const error e = auth ? handle.error()
                             : error(errc::invalid_request,
                                     "the watch needs ?replica=<the replica id in hex>", "replica");
        res.body() = detail::status_body(protocol::error_name(e.code),
                                         detail::redact(e.message, credentials));
        if (auth)
            res.set(http::field::www_authenticate, detail::bearer_challenge(!credentials.empty()));
        res.set(http::field::content_type, "application/json; charset=utf-8");
        res.keep_alive(false);
        res.prepare_payload();
        boost::system::error_code ignored;
        co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ignored));
        boost::beast::get_lowest_layer(stream).socket().shutdown(
            net::ip::tcp::socket::shutdown_both, ignored);
        co_return;
    }
    websocket::stream<plain> ws(std::move(stream));
    self->socket = &boost::beast::get_lowest_layer(ws).socket();
    boost::beast::get_lowest_layer(ws).expires_never(); // the websocket's own timeouts rule
    websocket::stream_base::timeout t{};
    t.handshake_timeout = options_.request_timeout;
    t.idle_timeout = std::chrono::seconds(30);
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "concord"); }));
    boost::system::error_code ec;
    co_await ws.async_accept(req, net::redirect_error(net::use_awaitable, ec));
    // The reader answers pings and notices the close; it wakes the writer when it ends.
    auto reader_done = std::make_shared<bool>(false);
    if (!ec)
        net::co_spawn(
            self->executor,
            [&ws, wake, reader_done]() -> net::awaitable<void> {
                boost::beast::flat_buffer in;
                boost::system::error_code rec;
                while (!rec) {
                    in.clear();
                    co_await ws.async_read(in, net::redirect_error(net::use_awaitable, rec));
                }
                *reader_done = true;
                wake->cancel();
            },
            net::detached);
    else
        *reader_done = true;
    while (!*reader_done && !stopping_) {
        if (auto n = mailbox->take()) {
            ws.text(true);
            co_await ws.async_write(net::buffer(detail::notice_text(*n)),
                                    net::redirect_error(net::use_awaitable, ec));
            if (ec)
                break;
            continue;
        }
        boost::system::error_code ignored;
        wake->expires_at(net::steady_timer::time_point::max());
        if (mailbox->waiting()) // a notice came while the timer was reset
            continue;
        co_await wake->async_wait(net::redirect_error(net::use_awaitable, ignored));
    }
    hub_->unwatch(*handle); // no notice is posted once this returns
    // End the reader (if it still runs) and wait for it: it uses `ws`.
    boost::system::error_code ignored;
    boost::beast::get_lowest_layer(ws).socket().shutdown(net::ip::tcp::socket::shutdown_both,
                                                         ignored);
    boost::beast::get_lowest_layer(ws).socket().close(ignored);
    while (!*reader_done) {
        wake->expires_at(net::steady_timer::time_point::max());
        if (*reader_done)
            break;
        co_await wake->async_wait(net::redirect_error(net::use_awaitable, ignored));
    }
}

} // namespace concord

#endif // CONCORD_SERVER_IMPL_WATCH_HPP
