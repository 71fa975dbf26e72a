// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a BatchQuery's items read from the request text: a sync round's writes straight
// from the text, in the one shape concord's client writes them; every other item parsed as JSON
// on its own and decoded by decode_query.hpp.

#ifndef CONCORD_PROTOCOL_DETAIL_SCAN_WRITE_HPP
#define CONCORD_PROTOCOL_DETAIL_SCAN_WRITE_HPP

#include <concord/model/change.hpp>
#include <concord/model/record.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/detail/decode_query.hpp>
#include <concord/protocol/query.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace concord::protocol::detail {

// The length of the UTF-8 sequence starting at `p` (before `end`), or 0 when it is not one
// RFC 3629 allows (overlong forms, surrogates and code points past U+10FFFF are not): what the
// JSON parser accepts in a string.
inline std::size_t utf8_length(const unsigned char* p, const unsigned char* end) noexcept {
    const auto in = [&](std::size_t i, unsigned lo, unsigned hi) {
        return p + i < end && p[i] >= lo && p[i] <= hi;
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
        std::int64_t v = 0;
        while (q != end_ && *q >= '0' && *q <= '9' && q - digits < 19)
            v = v * 10 + (*q++ - '0');
        const auto n = q - digits;
        if (n == 0 || n > 18 || (*digits == '0' && (n > 1 || negative)))
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

// Nesting the writes read_sync_write reads (item, filters, their items, the compare filter,
// its right expression, its parameter), under the body and its items array.
inline constexpr std::size_t sync_write_depth = 8;

// Reads one write item of a sync round as concord's client writes it (protocol/client.hpp's
// append_write): its keys in that order, no whitespace, values that are strings, integers,
// booleans or null; and decodes it as decode_batch_item would. Nothing when the item has any
// other shape or fails any check: its caller then parses it as JSON and decode_batch_item
// decodes it or names its error. The text is read once, with no JSON value made but the
// item's own.
inline std::optional<query> read_sync_write(text_reader& r, std::size_t index, const schema& s,
                                            const limits& lim) {
    std::string scratch;
    std::string_view text;
    query q;
    if (!r.literal(R"({"__type":)") || !r.string(text, scratch))
        return std::nullopt;
    const std::string_view contract = contract_name(text);
    if (contract == "UpdateQuery")
        q.type = operation_type::update;
    else if (contract == "InsertQuery")
        q.type = operation_type::insert;
    else if (contract == "DeleteQuery")
        q.type = operation_type::remove;
    else
        return std::nullopt;
    if (!r.literal(R"(,"rootSchemaName":)") || !r.string(text, scratch))
        return std::nullopt;
    const entity_schema* e = s.find(text);
    if (e == nullptr)
        return std::nullopt;
    q.entity = std::string(text);
    std::int64_t ignored = 0; // the decoder goes by __type, as DataService does
    if (!r.literal(R"(,"operationType":)") || !r.integer(ignored))
        return std::nullopt;
    const location where(index);
    if (q.type != operation_type::remove) {
        if (!r.literal(R"(,"columnValues":{"items":{)"))
            return std::nullopt;
        const location values(where, ".columnValues.items.");
        bool has_id = false;
        std::string name_scratch;
        for (bool more = !r.at('}'); more; more = r.literal(",")) {
            std::string_view name;
            std::int64_t type = 0;
            boost::json::value v;
            if (!r.string(name, name_scratch) ||
                !r.literal(R"(:{"expressionType":2,"parameter":{"dataValueType":)") ||
                !r.integer(type) || !r.literal(R"(,"value":)") || !r.scalar(v, scratch) ||
                !r.literal("}}"))
                return std::nullopt;
            if (name == "Id") {
                if (has_id || !v.is_string() || !is_guid(v.get_string()))
                    return std::nullopt;
                has_id = true;
                q.record_id = std::string(v.get_string());
                continue;
            }
            // A name sent twice is left to the parser, which keeps one of them.
            const column* col = e->find(name);
            if (col == nullptr || q.values.contains(name))
                return std::nullopt;
            const boost::json::value declared(type);
            auto d = decode_value_at(&declared, std::move(v), *col, location(values, name), lim);
            if (!d)
                return std::nullopt;
            q.values.emplace(name, std::move(*d));
        }
        if (!r.literal("}}"))
            return std::nullopt;
    }
    if (q.type != operation_type::insert) {
        if (!r.literal(R"(,"filters":{"filterType":6,"logicalOperation":0,"isEnabled":true,)"
                       R"("items":{"primaryFilter":{"filterType":1,"comparisonType":3,)"
                       R"("isEnabled":true,"leftExpression":{"expressionType":0,)"
                       R"("columnPath":"Id"},"rightExpression":{"expressionType":2,)"
                       R"("parameter":{"dataValueType":0,"value":)") ||
            !r.string(text, scratch) || !r.literal("}}}}}"))
            return std::nullopt;
        filter f = where_("Id") == boost::json::value(text);
        if (!f.validate(*e))
            return std::nullopt;
        q.where = std::move(f);
        q.where_id = std::string(text);
    }
    if (!r.literal(R"(,"concordSync":{"changeId":)") || !r.string(text, scratch))
        return std::nullopt;
    const auto id = parse_change_id(text);
    if (!id || !r.literal(R"(,"stamp":)") || !r.string(text, scratch))
        return std::nullopt;
    const auto at = parse_stamp(text);
    if (!at || !r.literal("}}"))
        return std::nullopt;
    q.sync = write_sync{*id, *at};
    return q;
}

// The items in `text`, elements of a BatchQuery's items array and the commas between them, the
// first being item `first`: sync writes by read_sync_write, every other element parsed alone
// and decoded by decode_batch_item. With `to_end`, the text runs on past the array's ']', whose
// offset in `text` goes to `*end`. Nothing when the text is no such list: the body is then
// parsed whole, for its error.
inline std::optional<std::vector<item>> scan_items(std::string_view text, bool to_end,
                                                   std::size_t first, const schema& s,
                                                   const limits& lim, std::size_t* end = nullptr) {
    if (lim.max_depth < 3) // the body and its array leave an element no level
        return std::nullopt;
    const bool direct = lim.max_depth >= sync_write_depth;
    std::vector<item> out;
    text_reader r(text);
    // Elements parsed alone share one arena (a value copied from it may keep it alive).
    boost::json::storage_ptr arena;
    std::optional<boost::json::parser> parser;
    for (;;) {
        r.skip_space();
        const std::size_t start = r.offset();
        std::optional<query> q;
        if (direct)
            q = read_sync_write(r, first + out.size(), s, lim);
        if (q) {
            out.emplace_back().q = std::move(q);
        } else {
            if (!parser) {
                boost::json::parse_options opt;
                opt.max_depth = lim.max_depth - 2;
                arena = boost::json::make_shared_resource<boost::json::monotonic_resource>();
                parser.emplace(boost::json::storage_ptr(), opt);
            }
            r.seek(start);
            parser->reset(arena);
            boost::system::error_code ec;
            const std::size_t used = parser->write_some(text.data() + start, r.left(), ec);
            if (ec)
                return std::nullopt;
            const boost::json::value v = parser->release();
            out.push_back(decode_batch_item(v, first + out.size(), s, lim));
            r.seek(start + used);
        }
        r.skip_space();
        if (r.literal(","))
            continue;
        if (to_end && r.at(']')) {
            *end = r.offset();
            return out;
        }
        if (!to_end && r.left() == 0)
            return out;
        return std::nullopt;
    }
}

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_SCAN_WRITE_HPP
