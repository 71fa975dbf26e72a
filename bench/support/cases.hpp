// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — deterministic support-case data for the benchmarks (the shape of gen_cases.py).

#ifndef CONCORD_BENCH_SUPPORT_CASES_HPP
#define CONCORD_BENCH_SUPPORT_CASES_HPP

#include <concord/model/record.hpp>
#include <concord/model/schema.hpp>

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord::bench {

/// The Case entity of the benchmarks: the 8 columns gen_cases.py writes.
inline concord::schema case_schema() {
    using t = data_value_type;
    return schema{
        entity_schema{"Case",
                      {column{"Number", t::text, true, 20}, column{"Category", t::text, true},
                       column{"Status", t::text}, column{"Description", t::text, false, 500},
                       column{"Owner", t::text}, column{"Org", t::text},
                       column{"Priority", t::integer}, column{"CreatedOn", t::date_time}}}};
}

/// splitmix64: tiny, fast, and the same sequence on every platform (unlike std distributions).
class case_rng {
public:
    explicit case_rng(std::uint64_t seed) : s_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (s_ += 0x9E37'79B9'7F4A'7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBULL;
        return z ^ (z >> 31);
    }

    /// A value in [lo, hi]; the modulo bias is irrelevant for benchmark data.
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
        return lo + static_cast<std::int64_t>(next() % span);
    }

    /// An index in [0, n).
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& a) {
        return a[below(N)];
    }

private:
    std::uint64_t s_;
};

namespace detail {

inline constexpr std::array<std::string_view, 2> categories{"Incident", "Service request"};
inline constexpr std::array<std::string_view, 5> statuses{"New", "In progress", "Waiting",
                                                          "Resolved", "Closed"};
inline constexpr std::array<std::string_view, 40> words{
    "printer", "network",  "login",   "password", "reset",    "email",   "outage",  "slow",
    "laptop",  "vpn",      "access",  "account",  "locked",   "error",   "screen",  "update",
    "install", "license",  "server",  "database", "backup",   "restore", "report",  "invoice",
    "payment", "customer", "request", "urgent",   "issue",    "cannot",  "connect", "timeout",
    "crash",   "freeze",   "mobile",  "portal",   "firewall", "expired", "denied",  "please"};
inline constexpr std::array<std::string_view, 5> updatable{"Status", "Owner", "Priority",
                                                           "Description", "Category"};

inline std::string guid(case_rng& rng) {
    const std::uint64_t hi = (rng.next() & 0xFFFF'FFFF'FFFF'0FFFULL) | 0x0000'0000'0000'4000ULL;
    const std::uint64_t lo = (rng.next() & 0x3FFF'FFFF'FFFF'FFFFULL) | 0x8000'0000'0000'0000ULL;
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            s.push_back('-');
        const std::uint64_t word = i < 16 ? hi : lo;
        s.push_back(hex[(word >> (4 * (15 - (i % 16)))) & 0xF]);
    }
    return s;
}

// About 120 characters of words, capitalised, cut at 120 (as gen_cases.py does).
inline std::string description(case_rng& rng) {
    std::string s;
    while (s.size() < 120) {
        if (!s.empty())
            s.push_back(' ');
        s += rng.pick(words);
    }
    s.resize(120);
    s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

inline std::string user(case_rng& rng) {
    return "user-" + std::to_string(rng.between(1, 500));
}

// 2023-01-01T00:00:00Z plus up to two years, as UTC DateTime text.
inline std::string created_on(case_rng& rng) {
    using namespace std::chrono;
    constexpr std::int64_t base = 1'672'531'200; // 2023-01-01T00:00:00Z
    const sys_seconds t{seconds{base + rng.between(0, 2 * 365 * 24 * 3600 - 1)}};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

inline void set_field(boost::json::object& f, std::string_view name, case_rng& rng) {
    if (name == "Status")
        f[name] = rng.pick(statuses);
    else if (name == "Owner")
        f[name] = user(rng);
    else if (name == "Priority")
        f[name] = rng.between(1, 4);
    else if (name == "Description")
        f[name] = description(rng);
    else
        f[name] = rng.pick(categories);
}

} // namespace detail

/// `n` Case records, the same for the same seed: Number "SR-0000001"…, Category, Status,
/// Description (120 chars), Owner "user-N", Org "org-N", Priority 1–4, CreatedOn.
inline std::vector<record> make_cases(std::size_t n, std::uint64_t seed = 42) {
    case_rng rng(seed);
    std::vector<record> out;
    out.reserve(n);
    char number[32];
    for (std::size_t i = 0; i < n; ++i) {
        record r;
        r.id = detail::guid(rng);
        std::snprintf(number, sizeof number, "SR-%07zu", i + 1);
        r.fields["Number"] = number;
        r.fields["Category"] = rng.pick(detail::categories);
        r.fields["Status"] = rng.pick(detail::statuses);
        r.fields["Description"] = detail::description(rng);
        r.fields["Owner"] = detail::user(rng);
        r.fields["Org"] = "org-" + std::to_string(rng.between(1, 50));
        r.fields["Priority"] = rng.between(1, 4);
        r.fields["CreatedOn"] = detail::created_on(rng);
        out.push_back(std::move(r));
    }
    return out;
}

/// One update of a Case: its id and the 1–2 fields it sets.
struct case_update {
    std::string id;
    boost::json::object fields;
};

/// `m` updates of `m` distinct records among `cases` (m ≤ cases.size()), each setting one or
/// two of Status, Owner, Priority, Description, Category, as gen_cases.py --updates does.
inline std::vector<case_update> make_updates(const std::vector<record>& cases, std::size_t m,
                                             std::uint64_t seed = 43) {
    case_rng rng(seed);
    std::vector<std::size_t> order(cases.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::vector<case_update> out;
    out.reserve(m);
    for (std::size_t i = 0; i < m && i < order.size(); ++i) {
        // A partial Fisher-Yates shuffle picks distinct records.
        std::swap(order[i], order[i + rng.below(order.size() - i)]);
        case_update u;
        u.id = cases[order[i]].id;
        const std::size_t first = rng.below(detail::updatable.size());
        detail::set_field(u.fields, detail::updatable[first], rng);
        if (rng.below(2) == 1) {
            const std::size_t second =
                (first + 1 + rng.below(detail::updatable.size() - 1)) % detail::updatable.size();
            detail::set_field(u.fields, detail::updatable[second], rng);
        }
        out.push_back(std::move(u));
    }
    return out;
}

} // namespace concord::bench

#endif // CONCORD_BENCH_SUPPORT_CASES_HPP
