// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — JSON text read token by token where its shape is known: the fast paths of decoders
// whose text is written by concord itself (a sync round's writes and answers, stored changes).
// Each read either matches or fails; on failure the decoder parses the text as JSON instead.

#ifndef CONCORD_DETAIL_TEXT_READER_HPP
#define CONCORD_DETAIL_TEXT_READER_HPP

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace concord::detail {

// The length of the UTF-8 sequence starting at `p` (before `end`), or 0 when it is not one
// RFC 3629 allows (overlong forms, surrogates and code points past U+10FFFF are not): what the
// JSON parser accepts in a string.
inline std::size_t utf8_length(const unsigned char* p, const unsigned char* end) noexcept {
    const auto in = [&](std::ptrdiff_t i, unsigned lo, unsigned hi) {
        return end - p > i && p[i] >= lo && p[i] <= hi;
    };
    const unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return in(1, 0x80, 0xBF) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return in(1, lo, hi) && in(2, 0x80, 0xBF) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return in(1, lo, hi) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

// Reads JSON text token by token where its shape is known. A read that does not match returns
// false; the reader is then somewhere inside what it tried, and its user starts over from a
// position it kept.
class text_reader {
public:
    explicit text_reader(std::string_view text) noexcept
        : begin_(text.data())
        , p_(text.data())
        , end_(text.data() + text.size()) {}

    std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
    void seek(std::size_t offset) noexcept { p_ = begin_ + offset; }
    std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
    bool at(char c) const noexcept { return p_ != end_ && *p_ == c; }

    void skip_space() noexcept {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
            ++p_;
    }

    bool literal(std::string_view s) noexcept {
        if (left() < s.size() || std::memcmp(p_, s.data(), s.size()) != 0)
            return false;
        p_ += s.size();
        return true;
    }

    // A string: `out` views it in the text, or in `scratch` when it holds escapes (the short
    // ones are decoded; a \u escape, a control character or invalid UTF-8 is not read).
    bool string(std::string_view& out, std::string& scratch) {
        if (!at('"'))
            return false;
        const char* const first = ++p_;
        bool escaped = false;
        const char* run = p_; // not yet copied to `scratch`, when escaped
        while (p_ != end_) {
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                if (escaped) {
                    scratch.append(run, p_);
                    out = scratch;
                } else {
                    out = std::string_view(first, static_cast<std::size_t>(p_ - first));
                }
                ++p_;
                return true;
            }
            if (c == '\\') {
                if (!escaped)
                    scratch.clear();
                escaped = true;
                scratch.append(run, p_);
                if (++p_ == end_)
                    return false;
                const char e = unescape(*p_);
                if (e == 0)
                    return false;
                scratch += e;
                run = ++p_;
            } else if (c < 0x20) {
                return false;
            } else if (c < 0x80) {
                ++p_;
            } else {
                const std::size_t n = utf8_length(reinterpret_cast<const unsigned char*>(p_),
                                                  reinterpret_cast<const unsigned char*>(end_));
                if (n == 0)
                    return false;
                p_ += n;
            }
        }
        return false;
    }

    // An integer of up to 18 digits (always an int64 to the JSON parser); not -0, no leading
    // zero, no fraction or exponent.
    bool integer(std::int64_t& out) noexcept {
        const char* q = p_;
        const bool negative = q != end_ && *q == '-';
        if (negative)
            ++q;
        const char* const digits = q;
        std::int64_t v = 0; // 18 digits at most: it cannot overflow
        while (q != end_ && *q >= '0' && *q <= '9' && q - digits < 18)
            v = v * 10 + (*q++ - '0');
        const auto n = q - digits;
        if (n == 0 || (*digits == '0' && (n > 1 || negative)))
            return false;
        if (q != end_ && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9')))
            return false;
        out = negative ? -v : v;
        p_ = q;
        return true;
    }

    // A string, an integer as `integer` reads it, true, false or null.
    bool scalar(boost::json::value& out, std::string& scratch) {
        std::string_view s;
        std::int64_t i = 0;
        if (at('"')) {
            if (!string(s, scratch))
                return false;
            out = s;
        } else if (literal("true")) {
            out = true;
        } else if (literal("false")) {
            out = false;
        } else if (literal("null")) {
            out = nullptr;
        } else if (integer(i)) {
            out = i;
        } else {
            return false;
        }
        return true;
    }

    // An object whose values are scalars (as `scalar` reads them), each name once, into `out`.
    bool flat_object(boost::json::object& out, std::string& scratch) {
        if (!literal("{"))
            return false;
        if (literal("}"))
            return true;
        std::string name_scratch;
        do {
            std::string_view name;
            boost::json::value v;
            if (!string(name, name_scratch) || !literal(":") || !scalar(v, scratch) ||
                out.contains(name))
                return false;
            out.emplace(name, std::move(v));
        } while (literal(","));
        return literal("}");
    }

private:
    static char unescape(char c) noexcept {
        switch (c) {
        case '"':
        case '\\':
        case '/':
            return c;
        case 'b':
            return '\b';
        case 'f':
            return '\f';
        case 'n':
            return '\n';
        case 'r':
            return '\r';
        case 't':
            return '\t';
        default:
            return 0;
        }
    }

    const char* begin_;
    const char* p_;
    const char* end_;
};

} // namespace concord::detail

#endif // CONCORD_DETAIL_TEXT_READER_HPP
