// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a request body parsed and its items decoded: whole, or for a large BatchQuery in two
// halves on two threads.

#ifndef CONCORD_PROTOCOL_DETAIL_PARSE_BATCH_HPP
#define CONCORD_PROTOCOL_DETAIL_PARSE_BATCH_HPP

#include <concord/model/schema.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/detail/decode_query.hpp>
#include <concord/protocol/detail/split_items.hpp>
#include <concord/protocol/query.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <cstddef>
#include <future>
#include <iterator>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace concord::protocol::detail {

// The arena a request is parsed into: a monotonic resource that can be shared by two threads
// while they decode items (a copy of a parsed value is made on its storage). Allocations are
// serialised only while `shared` is set, so that the parse itself runs at the arena's speed.
// `make_shared_resource` keeps it inside its own object: the constructor tells where.
class request_arena final : public boost::json::memory_resource {
public:
    explicit request_arena(request_arena*& self) noexcept { self = this; }

    void share(bool on) noexcept { shared_.store(on, std::memory_order_relaxed); }

private:
    void* do_allocate(std::size_t n, std::size_t align) override {
        if (!shared_.load(std::memory_order_relaxed))
            return arena_.allocate(n, align);
        std::lock_guard lock(mutex_);
        return arena_.allocate(n, align);
    }
    void do_deallocate(void*, std::size_t, std::size_t) override {} // freed all at once
    bool do_is_equal(const memory_resource& o) const noexcept override { return this == &o; }

    boost::json::monotonic_resource arena_;
    std::mutex mutex_;
    // Set and reset by the parsing thread before it starts and after it joins the other one.
    std::atomic<bool> shared_{false};
};

// Items from which a batch is decoded on two threads: below it, a thread's start costs more
// than half the work saves.
inline constexpr std::size_t items_in_parallel = 1000;

// Bodies from which a BatchQuery's items are parsed in two halves on two threads (about
// a thousand sync items): the parse of the JSON text is as long as their decoding.
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

// The whole body parsed as one value; a large batch's items decoded on two threads.
inline result<batch_request> parse_whole(std::string_view body, std::string_view contract,
                                         const schema& s, const limits& lim) {
    // Parsed into an arena, freed at once: what the request keeps is copied out of it (a
    // copy made from an arena value may share the arena, which then lives as long as it).
    request_arena* arena = nullptr;
    const boost::json::storage_ptr sp = boost::json::make_shared_resource<request_arena>(arena);
    auto v = parse_json(body, lim, sp);
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
    auto decode_range = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i)
            b.items[i] = decode_batch_item(list[i], i, s, lim);
    };
    b.items.resize(list.size());
    // Items are independent: a large batch (a sync round of thousands of changes) decodes its
    // second half on another thread meanwhile. Each thread writes its own items.
    std::future<void> second;
    if (list.size() >= items_in_parallel) {
        arena->share(true);
        try {
            second = std::async(std::launch::async, decode_range, list.size() / 2, list.size());
        } catch (const std::system_error&) { // no thread to be had: all of it here
        }
    }
    const std::size_t mine = second.valid() ? list.size() / 2 : list.size();
    try {
        decode_range(0, mine);
    } catch (...) {
        if (second.valid())
            second.wait(); // it uses this frame
        throw;
    }
    if (second.valid())
        second.get(); // rethrows what the other thread threw (bad_alloc)
    arena->share(false);
    return b;
}

// Items `text` holds (elements of the items array and the commas between them), parsed as an
// array on an arena of its own and decoded, the first being item `first`. With `to_end`, the
// text runs on past the array's ']' and `end` is set to the offset of that ']' in `text`.
// Nothing when the text does not parse; the body is then parsed whole, for its error.
inline std::optional<std::vector<item>> parse_half(std::string_view text, bool to_end,
                                                   std::size_t first, const schema& s,
                                                   const limits& lim, std::size_t* end = nullptr) {
    if (lim.max_depth < 2)
        return std::nullopt;
    boost::json::parse_options opt;
    opt.max_depth = lim.max_depth - 1; // the array is one level up in the body
    boost::json::stream_parser p({}, opt);
    p.reset(boost::json::make_shared_resource<boost::json::monotonic_resource>());
    boost::system::error_code ec;
    p.write("[", 1, ec);
    if (to_end) {
        const std::size_t used = p.write_some(text.data(), text.size(), ec);
        if (ec || !p.done())
            return std::nullopt;
        std::size_t e = used; // the parse may have read whitespace past the ']'
        while (e > 0 && text[e - 1] != ']')
            --e;
        if (e == 0)
            return std::nullopt;
        *end = e - 1;
    } else {
        p.write(text.data(), text.size(), ec);
        if (!ec)
            p.write("]", 1, ec);
        if (!ec)
            p.finish(ec);
        if (ec)
            return std::nullopt;
    }
    const boost::json::value v = p.release();
    const boost::json::array& list = v.get_array();
    std::vector<item> out;
    out.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i)
        out.push_back(decode_batch_item(list[i], first + i, s, lim));
    return out;
}

// A large BatchQuery cut at `cut`: this thread parses and decodes the first half of the items,
// another the second, and then the rest of the body is parsed without them. Each half has an
// arena of its own, used by one thread only. Nothing when a piece does not parse or the body is
// not what the cut assumed.
inline std::optional<result<batch_request>>
parse_split(std::string_view body, const items_split& cut, const schema& s, const limits& lim) {
    std::size_t end = 0; // the items array's ']', once the second half is parsed
    const std::string_view rest = body.substr(cut.comma + 1);
    std::future<std::optional<std::vector<item>>> second;
    try {
        second = std::async(std::launch::async,
                            [&] { return parse_half(rest, true, cut.first_count, s, lim, &end); });
    } catch (const std::system_error&) { // no thread to be had
        return std::nullopt;
    }
    std::optional<std::vector<item>> first;
    try {
        first = parse_half(body.substr(cut.open + 1, cut.comma - cut.open - 1), false, 0, s, lim);
    } catch (...) {
        second.wait(); // it uses this frame
        throw;
    }
    std::optional<std::vector<item>> later = second.get();
    // An empty second half: the cut comma ends the array ("[…, x,]"), which JSON forbids.
    if (!first || !later || first->size() != cut.first_count || later->empty())
        return std::nullopt;
    // The body without its items: "{…, "items": [], …}".
    const std::size_t close = cut.comma + 1 + end;
    if (names_items_after(body.substr(close + 1)))
        return std::nullopt;
    boost::json::parse_options opt;
    opt.max_depth = lim.max_depth;
    boost::json::stream_parser p({}, opt);
    boost::system::error_code ec;
    p.write(body.data(), cut.open + 1, ec);
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
    // Keys before the array were read by `split_items`, those after it just now: the one
    // `items` is the array cut out.
    const boost::json::value* items = find(o, "items");
    if (items == nullptr || !items->is_array() || !items->get_array().empty())
        return std::nullopt;
    batch_request b;
    if (auto r = read_batch(o, first->size() + later->size(), lim, b); !r)
        return result<batch_request>(r.error());
    b.items = std::move(*first);
    b.items.reserve(b.items.size() + later->size());
    std::move(later->begin(), later->end(), std::back_inserter(b.items));
    return result<batch_request>(std::move(b));
}

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_PARSE_BATCH_HPP
