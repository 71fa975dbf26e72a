// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the Resolver concept: decides which fields of a change win against the hub's record.

#ifndef CONCORD_CONCEPTS_RESOLVER_HPP
#define CONCORD_CONCEPTS_RESOLVER_HPP

#include <concord/model/change.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/stored_record.hpp>

#include <boost/json/object.hpp>

#include <concepts>
#include <string>
#include <vector>

namespace concord {

/** What a resolver sees: the hub's record (null when the hub never saw that id), the incoming
    change, and the stamp to judge it by (the change's stamp, or the hub's clock when the
    change's stamp was beyond the skew bound).
*/
struct resolve_context {
    const stored_record* current = nullptr;
    const change& incoming;
    stamp at;
};

/** A resolver's decision. For `applied` and `merged`, `winners` names the fields to write with
    the stamp `at` (for a remove: empty, and the record becomes a tombstone); `losing` holds the
    incoming values that were not written. For `superseded` and `rejected` nothing is written.
*/
struct resolution {
    outcome_kind kind = outcome_kind::applied;
    reject_reason reason = reject_reason::none;
    std::vector<std::string> winners;
    boost::json::object losing;
};

// clang-format off
/** Decides conflicts on the hub (docs/concepts/Resolver.md).

    | expression       | type         | semantics |
    |------------------|--------------|-----------|
    | `r.resolve(ctx)` | `resolution` | pure decision; must not write; called under the hub's batch transaction |

    `r` is a const lvalue of `R`, `ctx` a `const resolve_context&`. A resolver must be
    deterministic: the hub is the only place conflicts are decided, so every replica converges
    to what it decides. Must be safe to call from any thread.
*/
// clang-format on
template <class R>
concept resolver = requires(const R& r, const resolve_context& ctx) {
    { r.resolve(ctx) } -> std::same_as<resolution>;
};

/** Optional: a resolver with `static constexpr bool stamps_only = true` reads of
    `ctx.current` only its stamps, its tombstone and whether it exists, never its field values;
    the hub may then load records without them (see `patches_records`).
*/
template <class R>
concept judges_by_stamps = requires {
    requires R::stamps_only;
};

} // namespace concord

#endif // CONCORD_CONCEPTS_RESOLVER_HPP
