// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — sync rounds over a Unix domain socket, for tests that run the hub in another process.

#ifndef CONCORD_TESTS_SUPPORT_SOCKET_TRANSPORT_HPP
#define CONCORD_TESTS_SUPPORT_SOCKET_TRANSPORT_HPP

#include <concord/concepts/transport.hpp>
#include <concord/detail/json_codec.hpp>
#include <concord/error.hpp>
#include <concord/model/batch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// Wire format: each message is a 4-byte big-endian length and that many bytes of compact JSON
// (detail::codec's forms of sync_request / sync_response). An error answer is
// {"error": <concord::errc value>, "message": "..."}.
namespace concord::test {

namespace socket_detail {

/// Largest message accepted: a bound, so a garbled length never allocates gigabytes.
inline constexpr std::uint32_t max_message = 64U * 1024U * 1024U;

/// Waits until `fd` is ready for `events`; false on timeout or error.
inline bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() < 0)
            return false;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n > 0)
            return true;
        if (n == 0)
            return false;
        if (errno != EINTR)
            return false;
    }
}

inline bool write_all(int fd, const char* p, std::size_t n, std::chrono::milliseconds timeout) {
    while (n > 0) {
        if (!wait_for(fd, POLLOUT, timeout))
            return false;
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL); // a closed peer is an error, not SIGPIPE
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

inline bool read_all(int fd, char* p, std::size_t n, std::chrono::milliseconds timeout) {
    while (n > 0) {
        if (!wait_for(fd, POLLIN, timeout))
            return false;
        const ssize_t r = ::recv(fd, p, n, 0);
        if (r == 0)
            return false; // the peer closed (or died)
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return false;
        }
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

inline bool write_message(int fd, std::string_view body, std::chrono::milliseconds timeout) {
    const auto n = static_cast<std::uint32_t>(body.size());
    const char head[4] = {static_cast<char>((n >> 24) & 0xFF), static_cast<char>((n >> 16) & 0xFF),
                          static_cast<char>((n >> 8) & 0xFF), static_cast<char>(n & 0xFF)};
    return write_all(fd, head, 4, timeout) && write_all(fd, body.data(), body.size(), timeout);
}

inline std::optional<std::string> read_message(int fd, std::chrono::milliseconds timeout) {
    unsigned char head[4];
    if (!read_all(fd, reinterpret_cast<char*>(head), 4, timeout))
        return std::nullopt;
    const std::uint32_t n = (std::uint32_t{head[0]} << 24) | (std::uint32_t{head[1]} << 16) |
                            (std::uint32_t{head[2]} << 8) | std::uint32_t{head[3]};
    if (n > max_message)
        return std::nullopt;
    std::string body(n, '\0');
    if (!read_all(fd, body.data(), n, timeout))
        return std::nullopt;
    return body;
}

inline bool fill_address(sockaddr_un& a, const std::string& path) {
    std::memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path)
        return false;
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return true;
}

} // namespace socket_detail

/** A `transport` to a hub served by `serve_socket` in another process.

    The first exchange connects; later ones reuse the connection. Any I/O failure (no hub
    listening, the hub died, a short read) closes the connection and is reported as
    `errc::transport_failed` (the hub may or may not have applied the request), and so is an
    answer that does not come within the timeout. The next exchange connects again.

    Move-only (it owns a socket). Thread safety: one exchange at a time.
*/
class socket_transport {
public:
    explicit socket_transport(std::string path,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10))
        : path_(std::move(path))
        , timeout_(timeout) {}
    socket_transport(socket_transport&& o) noexcept
        : path_(std::move(o.path_))
        , timeout_(o.timeout_)
        , fd_(std::exchange(o.fd_, -1)) {}
    socket_transport& operator=(socket_transport&& o) noexcept {
        if (this != &o) {
            disconnect();
            path_ = std::move(o.path_);
            timeout_ = o.timeout_;
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    socket_transport(const socket_transport&) = delete;
    socket_transport& operator=(const socket_transport&) = delete;
    ~socket_transport() { disconnect(); }

    result<sync_response> exchange(const sync_request& req) {
        if (fd_ < 0)
            if (auto c = connect(); !c)
                return c.error();
        const std::string body = boost::json::serialize(detail::codec::encode(req));
        if (!socket_detail::write_message(fd_, body, timeout_))
            return fail(errc::transport_failed, "sending the request failed");
        auto answer = socket_detail::read_message(fd_, timeout_);
        if (!answer)
            return fail(errc::transport_failed, "no answer from the hub");
        try {
            auto o = detail::codec::parse_object(*answer, "the hub's answer");
            if (auto e = o.find("error"); e != o.end()) {
                const auto m = o.find("message");
                return error(static_cast<errc>(e->value().to_number<int>()),
                             m != o.end() && m->value().is_string()
                                 ? std::string(m->value().get_string())
                                 : std::string("the hub failed"));
            }
            return detail::codec::decode_response(o);
        } catch (const std::exception& e) {
            return fail(errc::protocol_error, std::string("bad answer: ") + e.what());
        }
    }

    /// Closes the connection; the next exchange connects again.
    void disconnect() noexcept {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    const std::string& path() const noexcept { return path_; }

private:
    result<void> connect() {
        sockaddr_un a;
        if (!socket_detail::fill_address(a, path_))
            return error(errc::transport_failed, path_ + ": socket path too long");
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0)
            return fail(errc::transport_failed, std::string("socket: ") + std::strerror(errno));
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
            return fail(errc::transport_failed,
                        "connecting to " + path_ + ": " + std::strerror(errno));
        return {};
    }

    error fail(errc code, const std::string& what) {
        disconnect();
        return error(code, "socket transport: " + what);
    }

    std::string path_;
    std::chrono::milliseconds timeout_;
    int fd_ = -1;
};

static_assert(transport<socket_transport>);

/// When `serve_socket` stops, besides being told to.
struct serve_limits {
    /// A read end whose EOF (the writer closed it, or died) stops the server (-1: none).
    int control_fd = -1;
    /// Stop when the parent process is no longer this pid (0: do not check).
    pid_t parent = 0;
    /// Set (e.g. by a SIGTERM handler) to stop the server (nullptr: none).
    const volatile std::sig_atomic_t* stop = nullptr;
    /// How often the stop conditions are checked while idle.
    std::chrono::milliseconds tick{100};
    /// How long a started message may take to arrive in full.
    std::chrono::milliseconds io_timeout{10'000};
};

/** Serves `hub.sync` on a Unix domain socket at `path`, one connection at a time (a new
    connection replaces the current one), until one of `limits` says stop.

    @tparam Hub a type with `result<sync_response> sync(const sync_request&)`.
    @returns the number of requests answered; -1 when the socket could not be set up.
*/
template <class Hub>
long serve_socket(Hub& hub, const std::string& path, const serve_limits& limits) {
    sockaddr_un a;
    if (!socket_detail::fill_address(a, path))
        return -1;
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        return -1;
    ::unlink(path.c_str()); // a socket left by a hub that was killed
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener, 8) != 0) {
        ::close(listener);
        return -1;
    }
    long served = 0;
    int conn = -1;
    auto drop = [&] {
        if (conn >= 0)
            ::close(conn);
        conn = -1;
    };
    for (;;) {
        if (limits.stop != nullptr && *limits.stop != 0)
            break;
        if (limits.parent != 0 && ::getppid() != limits.parent)
            break;
        pollfd fds[3];
        nfds_t n = 0;
        fds[n++] = pollfd{listener, POLLIN, 0};
        const nfds_t control_at = n;
        if (limits.control_fd >= 0)
            fds[n++] = pollfd{limits.control_fd, POLLIN, 0};
        const nfds_t conn_at = n;
        if (conn >= 0)
            fds[n++] = pollfd{conn, POLLIN, 0};
        const int ready = ::poll(fds, n, static_cast<int>(limits.tick.count()));
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (ready == 0)
            continue;
        if (limits.control_fd >= 0 && fds[control_at].revents != 0)
            break; // EOF or anything written: the parent wants us gone
        if (conn >= 0 && fds[conn_at].revents != 0) {
            auto body = socket_detail::read_message(conn, limits.io_timeout);
            if (!body) {
                drop();
            } else {
                boost::json::object answer;
                try {
                    const sync_request req = detail::codec::decode_request(
                        detail::codec::parse_object(*body, "a sync request"));
                    auto resp = hub.sync(req);
                    if (resp)
                        answer = detail::codec::encode(*resp);
                    else
                        answer = {{"error", resp.error().code.value()},
                                  {"message", resp.error().message}};
                } catch (const std::exception& e) {
                    answer = {{"error", static_cast<int>(errc::protocol_error)},
                              {"message", std::string("bad request: ") + e.what()}};
                }
                if (socket_detail::write_message(conn, boost::json::serialize(answer),
                                                 limits.io_timeout))
                    ++served;
                else
                    drop();
            }
        }
        if (fds[0].revents & POLLIN) {
            const int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (c >= 0) {
                drop(); // sequential: the newest client is the one that matters
                conn = c;
            }
        }
    }
    drop();
    ::close(listener);
    ::unlink(path.c_str());
    return served;
}

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_SOCKET_TRANSPORT_HPP
