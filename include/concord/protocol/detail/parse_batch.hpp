// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a request body parsed and its items decoded: a BatchQuery's items read from the text
// (for a large one in two halves on two threads), anything else parsed whole.

#ifndef CONCORD_PROTOCOL_DETAIL_PARSE_BATCH_HPP
#define CONCORD_PROTOCOL_DETAIL_PARSE_BATCH_HPP

#include <concord/model/schema.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/detail/decode_query.hpp>
#include <concord/protocol/detail/scan_write.hpp>
#include <concord/protocol/detail/split_items.hpp>
#include <concord/protocol/query.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <future>
#include <iterator>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace concord::protocol::detail {

// Bodies from which a BatchQuery's items are read in two halves on two threads (about a
// thousand sync items): below it, a thread's start costs more than half the work saves.
inline constexpr std::size_t split_from_bytes = 512 * 1024;

// A BatchQuery's properties other than its items, which number `count`.
inline result<void> read_batch(const boost::json::object& o, std::size_t count, const limits& lim,
                               batch_request& b) {
    if (count > lim.max_items)
        return error(errc::body_too_large, "items: " + std::to_string(count) +
                                               " queries; the limit is " +
                                               std::to_string(lim.max_items));
    if (const boost::json::value* c = find(o, "continueIfError"))
        b.continue_if_error = c->is_bool() && c->get_bool();
    if (const boost::json::value* ext = find(o, "concordSync"); ext != nullptr && !ext->is_null()) {
        const boost::json::value* r =
            ext->is_object() ? find(ext->get_object(), "replica") : nullptr;
        auto rep = r && r->is_string() ? parse_replica_id(r->get_string())
                                       : result<replica_id>(error(errc::invalid_request));
        if (!rep)
            return error(errc::invalid_request, "concordSync.replica: expected 16 hex digits");
        b.replica = *rep;
        const boost::json::value* a = find(ext->get_object(), "acknowledged");
        if (a != nullptr && (a->is_uint64() || (a->is_int64() && a->get_int64() >= 0)))
            b.acknowledged = a->to_number<std::uint64_t>();
        if (const boost::json::value* sc = find(ext->get_object(), "scope");
            sc != nullptr && !sc->is_null()) {
            if (!sc->is_string())
                return error(errc::invalid_request, "concordSync.scope: expected a string");
            b.scope = std::string(sc->get_string());
        }
        if (const boost::json::value* sv = find(ext->get_object(), "schemaVersion");
            sv != nullptr && !sv->is_null()) {
            if (!sv->is_string())
                return error(errc::invalid_request, "concordSync.schemaVersion: expected a string");
            b.schema_version = std::string(sv->get_string());
        }
    }
    return {};
}

// The whole body parsed as one value and its items decoded: for the single-query contracts,
// and for a BatchQuery the readers below do not take (they take every well-formed one but a
// few odd spellings, see find_items), so that its error is the parser's.
inline result<batch_request> parse_whole(std::string_view body, std::string_view contract,
                                         const schema& s, const limits& lim) {
    // Parsed into an arena, freed at once: what the request keeps is copied out of it (a
    // copy made from an arena value may share the arena, which then lives as long as it).
    auto v =
        parse_json(body, lim, boost::json::make_shared_resource<boost::json::monotonic_resource>());
    if (!v)
        return v.error();
    if (!v->is_object())
        return error(errc::invalid_request, "the request body must be a JSON object");
    const auto& o = v->get_object();
    batch_request b;
    if (contract != "BatchQuery") {
        b.items.push_back(decode_item(o, contract, s, location("request"), lim));
        return b;
    }
    const boost::json::value* items = find(o, "items");
    if (items == nullptr || !items->is_array())
        return error(errc::invalid_request, "items: expected an array of queries");
    const boost::json::array& list = items->get_array();
    if (auto r = read_batch(o, list.size(), lim, b); !r)
        return r.error();
    b.items.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i)
        b.items.push_back(decode_batch_item(list[i], i, s, lim));
    return b;
}

// The body without its items array, which opens at `open` and closes at `close`, parsed for the
// batch's other properties: "{…, "items": [], …}". Nothing when it does not parse or names
// `items` again (the array read would then not be the one a parse keeps).
inline std::optional<result<batch_request>> read_rest(std::string_view body, std::size_t open,
                                                      std::size_t close, std::vector<item> items,
                                                      const limits& lim) {
    if (names_items_after(body.substr(close + 1)))
        return std::nullopt;
    boost::json::parse_options opt;
    opt.max_depth = lim.max_depth;
    boost::json::stream_parser p({}, opt);
    boost::system::error_code ec;
    p.write(body.data(), open + 1, ec);
    if (!ec)
        p.write(body.data() + close, body.size() - close, ec);
    if (!ec)
        p.finish(ec);
    if (ec)
        return std::nullopt;
    const boost::json::value v = p.release();
    if (!v.is_object())
        return std::nullopt;
    const boost::json::object& o = v.get_object();
    // Keys before the array were read by `find_items`, those after it by `names_items_after`:
    // the one `items` is the array read.
    const boost::json::value* list = find(o, "items");
    if (list == nullptr || !list->is_array() || !list->get_array().empty())
        return std::nullopt;
    batch_request b;
    if (auto r = read_batch(o, items.size(), lim, b); !r)
        return result<batch_request>(r.error());
    b.items = std::move(items);
    return result<batch_request>(std::move(b));
}

// A BatchQuery whose items array opens at `open`, its items read by scan_items on this thread.
// Nothing when a piece does not parse or the body is not what find_items assumed.
inline std::optional<result<batch_request>> parse_scanned(std::string_view body, std::size_t open,
                                                          const schema& s, const limits& lim) {
    std::size_t end = 0; // the array's ']', in the text after its '['
    auto items = scan_items(body.substr(open + 1), 0, s, lim, &end);
    if (!items)
        return std::nullopt;
    return read_rest(body, open, open + 1 + end, std::move(*items), lim);
}

// A large BatchQuery cut at `cut`: this thread reads the first half of the items, another the
// second (scan_items), and then the rest of the body is parsed without them. Nothing when a
// piece does not parse or the body is not what the cut assumed.
inline std::optional<result<batch_request>>
parse_split(std::string_view body, const items_split& cut, const schema& s, const limits& lim) {
    std::size_t end = 0; // the items array's ']', once the second half is read
    const std::string_view rest = body.substr(cut.comma + 1);
    std::future<std::optional<std::vector<item>>> second;
    try {
        second = std::async(std::launch::async,
                            [&] { return scan_items(rest, cut.first_count, s, lim, &end); });
    } catch (const std::system_error&) { // no thread to be had
        return std::nullopt;
    }
    std::optional<std::vector<item>> first;
    try {
        // Room for the second half's items too: they are moved in after it, not the reverse.
        first = scan_items(body.substr(cut.open + 1, cut.comma - cut.open - 1), 0, s, lim, nullptr,
                           (body.size() - cut.open) / 512);
    } catch (...) {
        second.wait(); // it uses this frame
        throw;
    }
    std::optional<std::vector<item>> later = second.get();
    // (A cut comma that ends the array, "[…, x,]", leaves the second half no element: no list.)
    if (!first || !later || first->size() != cut.first_count)
        return std::nullopt;
    first->reserve(first->size() + later->size()); // no-op unless the estimate fell short
    std::move(later->begin(), later->end(), std::back_inserter(*first));
    return read_rest(body, cut.open, cut.comma + 1 + end, std::move(*first), lim);
}

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_PARSE_BATCH_HPP
