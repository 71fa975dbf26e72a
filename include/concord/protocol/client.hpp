// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a sync round as a DataService BatchQuery, and the hub's answer decoded back.

#ifndef CONCORD_PROTOCOL_CLIENT_HPP
#define CONCORD_PROTOCOL_CLIENT_HPP

#include <concord/model/batch.hpp>
#include <concord/model/schema.hpp>
#include <concord/protocol/detail/decode_sync.hpp>
#include <concord/protocol/detail/encode_sync.hpp>

#include <string>
#include <string_view>

namespace concord::protocol {

/** Encodes one sync round as a BatchQuery body: an Insert/Update/Delete item per pushed change
    (Update and Delete filter on `Id`), each with `concordSync {changeId, stamp}`, then one
    SelectQuery per pulled entity with `concordSync {after}` (and a workplace view's `filters`
    and `columns`); the batch carries
    `concordSync {replica, acknowledged, scope}` (`scope` only when known). Column types come
    from `s`.
*/
inline std::string encode_sync(const sync_request& req, const schema& s) {
    return detail::encode_sync(req, req.pull ? &*req.pull : nullptr, s);
}

/** Decodes the hub's answer to `encode_sync(req)`.

    A write the hub could not even decode (e.g. a column its schema lacks) comes back as a
    `rejected: validation` outcome, so it lands in the sync log instead of blocking the outbox.
    @returns the response; or the hub's whole-request error (its code from `errorCode`), or
    `protocol_error` when the answer does not fit the request.
*/
inline result<sync_response> decode_sync(std::string_view body, const sync_request& req) {
    return detail::decode_sync(body, req, req.pull ? &*req.pull : nullptr);
}

} // namespace concord::protocol

#endif // CONCORD_PROTOCOL_CLIENT_HPP
