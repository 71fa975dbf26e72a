// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a BatchQuery (or single query) request decoded into concord's model, strictly.

#ifndef CONCORD_PROTOCOL_REQUEST_HPP
#define CONCORD_PROTOCOL_REQUEST_HPP

#include <concord/model/schema.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/detail/parse_batch.hpp>
#include <concord/protocol/detail/split_items.hpp>
#include <concord/protocol/query.hpp>

#include <string_view>
#include <utility>

namespace concord::protocol {

/** Decodes a request body for `contract` ("BatchQuery", "InsertQuery", …).

    Whole-request problems — bad JSON, limits, a body of the wrong shape — return an error (the
    server answers HTTP 400 with `responseStatus`). Problems of one item — unknown `__type`,
    entity or column, a value that does not fit, a bad filter — are kept in that item, so the
    other items still run.
*/
inline result<batch_request> parse_request(std::string_view body, std::string_view contract,
                                           const schema& s, const limits& lim = {}) {
    // A BatchQuery's body is mostly its items, read straight from the text (a sync round's
    // writes without a JSON value made for them); a large one by two threads, half each.
    if (contract == "BatchQuery" && body.size() <= lim.max_body) {
        const auto cut =
            body.size() >= detail::split_from_bytes ? detail::split_items(body) : std::nullopt;
        if (cut) {
            if (auto b = detail::parse_split(body, *cut, s, lim))
                return std::move(*b);
        } else if (auto open = detail::find_items(body)) {
            if (auto b = detail::parse_scanned(body, *open, s, lim))
                return std::move(*b);
        }
    }
    return detail::parse_whole(body, contract, s, lim);
}

} // namespace concord::protocol

#endif // CONCORD_PROTOCOL_REQUEST_HPP
