// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — last-write-wins resolvers: per field (the default) and per record.

#ifndef CONCORD_RESOLVE_LWW_HPP
#define CONCORD_RESOLVE_LWW_HPP

#include <concord/concepts/resolver.hpp>

#include <optional>

namespace concord {

namespace detail {

// The rules on existence shared by every LWW flavour. Returns the decision when existence
// alone decides it; nullopt when the fields must be compared.
//  - unknown id: an insert creates it; an update or remove is `rejected: not found`.
//  - tombstone: an insert stamped after the delete re-creates the record; an older insert and
//    any update are `rejected: deleted`; a remove is applied and writes nothing.
//  - live record: a remove wins when stamped after every write to the record.
inline std::optional<resolution> resolve_existence(const resolve_context& ctx) {
    const change& c = ctx.incoming;
    const stored_record* cur = ctx.current;
    auto reject = [&](reject_reason why) {
        return resolution{outcome_kind::rejected, why, {}, c.fields};
    };
    if (cur == nullptr)
        return c.op == operation::insert ? std::nullopt
                                         : std::optional(reject(reject_reason::not_found));
    if (cur->deleted) {
        if (c.op == operation::remove)
            return resolution{};
        if (c.op == operation::insert && ctx.at > *cur->deleted)
            return std::nullopt;
        return reject(reject_reason::deleted);
    }
    if (c.op == operation::remove)
        return ctx.at > cur->latest()
                   ? resolution{}
                   : resolution{outcome_kind::superseded, reject_reason::none, {}, {}};
    return std::nullopt;
}

inline bool creates(const resolve_context& ctx) {
    return ctx.current == nullptr || ctx.current->deleted.has_value();
}

inline resolution all_win(const resolve_context& ctx) {
    resolution r;
    for (const auto& f : ctx.incoming.fields)
        r.winners.emplace_back(f.key());
    return r;
}

} // namespace detail

/** Per-field last-write-wins, the default: each field of the change is written when the
    change's stamp is later than the stamp that last wrote that field on the hub. Some fields
    winning is `merged`, none is `superseded`. Deletes are tombstones with their own stamp.
    Models `resolver`. Thread safety: stateless.
*/
struct field_lww {
    static constexpr bool stamps_only = true;

    resolution resolve(const resolve_context& ctx) const {
        if (auto decided = detail::resolve_existence(ctx))
            return *decided;
        if (detail::creates(ctx))
            return detail::all_win(ctx);
        resolution r;
        for (const auto& f : ctx.incoming.fields) {
            auto it = ctx.current->stamps.find(f.key());
            if (it == ctx.current->stamps.end() || ctx.at > it->second)
                r.winners.emplace_back(f.key());
            else
                r.losing.emplace(f.key(), f.value());
        }
        if (r.losing.empty())
            r.kind = outcome_kind::applied;
        else
            r.kind = r.winners.empty() ? outcome_kind::superseded : outcome_kind::merged;
        return r;
    }
};

/** Per-record last-write-wins: the whole change is written when its stamp is later than every
    write to the record; otherwise nothing is (`superseded`). Models `resolver`.
*/
struct record_lww {
    static constexpr bool stamps_only = true;

    resolution resolve(const resolve_context& ctx) const {
        if (auto decided = detail::resolve_existence(ctx))
            return *decided;
        if (detail::creates(ctx) || ctx.at > ctx.current->latest())
            return detail::all_win(ctx);
        return resolution{outcome_kind::superseded, reject_reason::none, {}, ctx.incoming.fields};
    }
};

static_assert(resolver<field_lww>);
static_assert(resolver<record_lww>);
static_assert(judges_by_stamps<field_lww> && judges_by_stamps<record_lww>);

} // namespace concord

#endif // CONCORD_RESOLVE_LWW_HPP
