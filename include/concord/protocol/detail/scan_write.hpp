// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a BatchQuery's items read from the request text: a sync round's writes straight
// from the text, in the one shape concord's client writes them; every other item parsed as JSON
// on its own and decoded by decode_query.hpp.

#ifndef CONCORD_PROTOCOL_DETAIL_SCAN_WRITE_HPP
#define CONCORD_PROTOCOL_DETAIL_SCAN_WRITE_HPP

#include <concord/detail/text_reader.hpp>
#include <concord/model/change.hpp>
#include <concord/model/record.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/detail/decode_query.hpp>
#include <concord/protocol/query.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace concord::protocol::detail {

using concord::detail::text_reader;

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
    const auto op = query_type(contract_name(text));
    if (!op || *op == operation_type::select)
        return std::nullopt;
    q.type = *op;
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
// and decoded by decode_batch_item. With `end`, the text runs on past the array's ']', whose
// offset in `text` goes to `*end`. Nothing when the text is no such list, or the batch more
// items than `lim` allows: the body is then parsed whole, for its error (before a value is
// decoded, so an oversized batch of small values costs no item each). The list has room for
// `room` items (more are appended as they come), or for the text's sync writes at most.
inline std::optional<std::vector<item>> scan_items(std::string_view text, std::size_t first,
                                                   const schema& s, const limits& lim,
                                                   std::size_t* end = nullptr,
                                                   std::size_t room = 0) {
    if (lim.max_depth < 3) // the body and its array leave an element no level
        return std::nullopt;
    const bool direct = lim.max_depth >= sync_write_depth;
    std::vector<item> out;
    // A sync write is 600-700 bytes: items are never moved for want of room while a batch of
    // them is read (other items are smaller, and memory reserved but never written costs none).
    out.reserve(std::min(std::max(room, text.size() / 512), lim.max_items));
    text_reader r(text);
    // Elements parsed alone share one arena (a value copied from it may keep it alive).
    boost::json::storage_ptr arena;
    std::optional<boost::json::parser> parser;
    for (;;) {
        if (first + out.size() >= lim.max_items)
            return std::nullopt;
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
        if (end != nullptr && r.at(']')) {
            *end = r.offset();
            return out;
        }
        if (end == nullptr && r.left() == 0)
            return out;
        return std::nullopt;
    }
}

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_SCAN_WRITE_HPP
