// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — HTTP details of authentication: token from header or cookie, paths, dates, redaction.

#ifndef CONCORD_SERVER_DETAIL_AUTH_HTTP_HPP
#define CONCORD_SERVER_DETAIL_AUTH_HTTP_HPP

#include <boost/beast/http/field.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace concord::detail {

// Name of the cookie the login endpoint sets and DataService endpoints read.
inline constexpr std::string_view token_cookie = "concord_token";

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if ((x >= 'A' && x <= 'Z' ? x + 32 : x) != (y >= 'A' && y <= 'Z' ? y + 32 : y))
            return false;
    }
    return true;
}

inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// The path of a request target, without its query string.
inline std::string_view target_path(std::string_view target) noexcept {
    if (auto q = target.find('?'); q != std::string_view::npos)
        target = target.substr(0, q);
    return target;
}

// The non-empty segments of a path ("//" skipped), as they are written.
inline std::vector<std::string_view> path_segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view seg = path.substr(0, slash);
        if (!seg.empty())
            out.push_back(seg);
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

// Whether `target` is [/0]/ServiceModel/AuthService.svc/Login (any case, query ignored).
inline bool is_login_path(std::string_view target) {
    auto parts = path_segments(target_path(target));
    std::size_t first = !parts.empty() && parts.front() == "0" ? 1 : 0;
    return parts.size() == first + 3 && iequals(parts[first], "ServiceModel") &&
           iequals(parts[first + 1], "AuthService.svc") && iequals(parts[first + 2], "Login");
}

// The token of a /link/<token> target (prefix in any case, query ignored); nullopt for other
// paths. An empty optional value means "/link/" with nothing after it.
inline std::optional<std::string_view> link_token(std::string_view target) {
    constexpr std::string_view prefix = "/link/";
    const std::string_view path = target_path(target);
    if (path.size() < prefix.size() || !iequals(path.substr(0, prefix.size()), prefix))
        return std::nullopt;
    return path.substr(prefix.size());
}

// The path to name in a 404 message: never the query string, never what follows /link/ (a
// record link token is a credential).
inline std::string printable_path(std::string_view target) {
    const std::string_view path = target_path(target);
    if (link_token(path))
        return "/link/...";
    constexpr std::size_t longest = 200; // a message, not an echo of whatever was sent
    if (path.size() > longest)
        return std::string(path.substr(0, longest)) + "...";
    return std::string(path);
}

// The token of `Authorization: Bearer <token>` (scheme in any case); empty for another scheme.
inline std::string_view bearer_token(std::string_view authorization) noexcept {
    const std::string_view v = trim_ows(authorization);
    constexpr std::string_view scheme = "Bearer";
    if (v.size() <= scheme.size() || !iequals(v.substr(0, scheme.size()), scheme) ||
        (v[scheme.size()] != ' ' && v[scheme.size()] != '\t'))
        return {};
    return trim_ows(v.substr(scheme.size()));
}

// The value of cookie `name` in one Cookie header ("a=1; b=2", spaces tolerated, a quoted
// value unquoted); nullopt when absent. Cookie names are case-sensitive (RFC 6265).
inline std::optional<std::string_view> cookie_value(std::string_view header,
                                                    std::string_view name) noexcept {
    while (!header.empty()) {
        const std::size_t semi = header.find(';');
        const std::string_view pair = trim_ows(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos || trim_ows(pair.substr(0, eq)) != name)
            continue;
        std::string_view value = trim_ows(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        return value;
    }
    return std::nullopt;
}

// A request's credentials: the bearer token, or the login cookie when there is no
// Authorization header at all.
template <class Request>
std::string_view request_credentials(const Request& req) {
    namespace http = boost::beast::http;
    if (auto auth = req.find(http::field::authorization); auth != req.end())
        return bearer_token(auth->value());
    const auto [first, last] = req.equal_range(http::field::cookie);
    for (auto it = first; it != last; ++it)
        if (auto v = cookie_value(it->value(), token_cookie))
            return *v;
    return {};
}

// Whether `target` is the watch endpoint, `[/0]/concord/watch` (case-insensitive).
inline bool is_watch_path(std::string_view target) {
    auto parts = path_segments(target_path(target));
    std::size_t first = !parts.empty() && parts.front() == "0" ? 1 : 0;
    return parts.size() == first + 2 && iequals(parts[first], "concord") &&
           iequals(parts[first + 1], "watch");
}

// The value of query parameter `name` of `target` (no percent-decoding: the values concord
// puts there are hex digits); empty when absent.
inline std::string_view query_value(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos)
        return {};
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    return {};
}

// "2026-03-01T12:00:00Z": whole seconds, UTC.
inline std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss hms{secs - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

// `text` with every occurrence of `secret` replaced: a policy's or callback's message must
// not carry a password or token back to the client (or into a proxy's log). Secrets shorter
// than 4 bytes are left alone: they would match ordinary words.
inline std::string redact(std::string text, std::string_view secret) {
    if (secret.size() < 4)
        return text;
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + 10))
        text.replace(at, secret.size(), "[redacted]");
    return text;
}

} // namespace concord::detail

#endif // CONCORD_SERVER_DETAIL_AUTH_HTTP_HPP
