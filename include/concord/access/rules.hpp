// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — authorisation rules: per role and entity, the rights, the row scope and the columns.

#ifndef CONCORD_ACCESS_RULES_HPP
#define CONCORD_ACCESS_RULES_HPP

#include <concord/concepts/access_policy.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord {

/** Which records of an entity a grant covers.

    - `own`: records whose owner column (default `Owner`) equals the principal's id;
    - `organisation`: records whose organisation column (default `Org`) equals the principal's
      organisation — a "power user" who sees the whole customer organisation;
    - `all`: every record.

    The enumerators are ordered from narrowest to widest (used when roles are combined).
*/
enum class row_scope : std::uint8_t { own, organisation, all };

/// "own", "organisation" or "all".
constexpr std::string_view to_string(row_scope s) noexcept {
    switch (s) {
    case row_scope::own:
        return "own";
    case row_scope::organisation:
        return "organisation";
    case row_scope::all:
        return "all";
    }
    return "?";
}

/** What one role may do with one entity.

    `read_only` columns may be read but not changed by an update; an insert may give them their
    first value (a portal customer picks the Category of a new case but cannot change it
    later). `hidden` columns may be neither read nor written: they never reach the principal and
    a change that sets one is refused. Set members by assignment (aggregate initialisation that
    omits members warns with -Wextra).
    Thread safety: a value type.
*/
struct entity_rights {
    bool read = false;
    bool insert = false;
    bool update = false;
    bool remove = false;
    row_scope scope = row_scope::all;
    std::vector<std::string> read_only; ///< columns the role may read but not change
    std::vector<std::string> hidden;    ///< columns the role may neither read nor write

    /// True when at least one right is granted.
    bool grants_any() const noexcept { return read || insert || update || remove; }

    /// True when `col` is listed in `hidden`.
    bool is_hidden(std::string_view col) const noexcept {
        return std::find(hidden.begin(), hidden.end(), col) != hidden.end();
    }

    /// True when `col` is listed in `read_only`.
    bool is_read_only(std::string_view col) const noexcept {
        return std::find(read_only.begin(), read_only.end(), col) != read_only.end();
    }

    friend bool operator==(const entity_rights&, const entity_rights&) = default;
};

namespace detail {

// FNV-1a with a 128-bit state, as lower-case hex: stable across platforms and processes (unlike
// std::hash), needs no crypto library, and 128 bits make an accidental collision of two scope
// keys negligible. Not meant to resist a forger: its input is the hub's own configuration.
inline std::string fnv1a_128_hex(std::string_view data) {
    std::uint64_t hi = 0x6c62272e07bb0142ULL, lo = 0x62b821756295c58dULL;
    // The prime is 2^88 + 0x13b: h * prime = (h << 88) + h * 0x13b (mod 2^128).
    constexpr std::uint64_t k = 0x13b;
    for (const char ch : data) {
        lo ^= static_cast<unsigned char>(ch);
        const std::uint64_t lo_hi32 = lo >> 32, lo_lo32 = lo & 0xFFFF'FFFFULL;
        const std::uint64_t low = lo_lo32 * k;
        const std::uint64_t mid = lo_hi32 * k + (low >> 32);
        const std::uint64_t new_lo = (mid << 32) | (low & 0xFFFF'FFFFULL);
        const std::uint64_t new_hi = hi * k + (mid >> 32) + (lo << 24);
        hi = new_hi;
        lo = new_lo;
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (std::size_t i = 0; i < 16; ++i) {
        out[i] = digits[(hi >> (60 - 4 * i)) & 0xF];
        out[16 + i] = digits[(lo >> (60 - 4 * i)) & 0xF];
    }
    return out;
}

// One grant of `read` as scope_key sees it: the scope and the sorted hidden columns.
struct read_grant {
    row_scope scope = row_scope::all;
    std::vector<std::string> hidden;

    friend auto operator<=>(const read_grant&, const read_grant&) = default;
};

// Appends `s` length-prefixed, so no name can be mistaken for a separator.
inline void append_text(std::string& out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
}

} // namespace detail

/** The authorisation rules of a hub: for each (role, entity) pair, an `entity_rights`, plus the
    names of the owner and organisation columns of each entity.

    A principal holds several roles; a change or read is allowed when one of its roles allows it
    (see `rule_policy` for the exact checks). A role with no grant for an entity has no right on
    it; an entity no role of the principal mentions is invisible to the principal.

    An entity without the owner (organisation) column, or a record where it is absent, null or
    not a string, matches nothing under `row_scope::own` (`organisation`). A principal with an
    empty id (organisation) owns (belongs to) nothing.

    Thread safety: a value type; concurrent calls of const members on one object are safe.
*/
class access_rules {
public:
    static constexpr std::string_view default_owner_column = "Owner";
    static constexpr std::string_view default_organisation_column = "Org";

    /** Grants `r` to `role` on `entity`, replacing any earlier grant of that pair.
        @returns `*this`, to chain grants.
    */
    access_rules& grant(std::string_view role, std::string_view entity, entity_rights r) {
        auto it = grants_.find(role);
        if (it == grants_.end())
            it = grants_.emplace(std::string(role), by_entity{}).first;
        auto e = it->second.find(entity);
        if (e == it->second.end())
            it->second.emplace(std::string(entity), std::move(r));
        else
            e->second = std::move(r);
        return *this;
    }

    /// Names the column holding the owner's principal id for `entity` (default `Owner`).
    access_rules& owner_column(std::string_view entity, std::string col) {
        set(owner_columns_, entity, std::move(col));
        return *this;
    }

    /// Names the column holding the organisation for `entity` (default `Org`).
    access_rules& organisation_column(std::string_view entity, std::string col) {
        set(organisation_columns_, entity, std::move(col));
        return *this;
    }

    /// The owner column of `entity`. The view lives as long as the rules are not changed.
    std::string_view owner_column(std::string_view entity) const noexcept {
        auto it = owner_columns_.find(entity);
        return it == owner_columns_.end() ? default_owner_column : std::string_view(it->second);
    }

    /// The organisation column of `entity`. The view lives as long as the rules are not changed.
    std::string_view organisation_column(std::string_view entity) const noexcept {
        auto it = organisation_columns_.find(entity);
        return it == organisation_columns_.end() ? default_organisation_column
                                                 : std::string_view(it->second);
    }

    /// The grant of `role` on `entity`, or nullptr when there is none.
    const entity_rights* find(std::string_view role, std::string_view entity) const noexcept {
        auto it = grants_.find(role);
        if (it == grants_.end())
            return nullptr;
        auto e = it->second.find(entity);
        return e == it->second.end() ? nullptr : &e->second;
    }

    /** Whether a record of `entity` with `fields` lies within `scope` for `p`: its owner
        column equals `p.id` (`own`), its organisation column equals `p.organisation`
        (`organisation`), or always (`all`). Values compare as strings; a non-string never
        matches.
    */
    bool in_scope(const principal& p, std::string_view entity, row_scope scope,
                  const boost::json::object& fields) const noexcept {
        switch (scope) {
        case row_scope::all:
            return true;
        case row_scope::own:
            return matches(fields, owner_column(entity), p.id);
        case row_scope::organisation:
            return matches(fields, organisation_column(entity), p.organisation);
        }
        return false;
    }

    /** The union of the grants of `p`'s roles on `entity`, as one summary (e.g. to show a user
        what they may do): a right is granted if any role grants it; the widest scope of the
        roles granting any right wins; a column is `hidden` only if every role granting any
        right hides it, and `read_only` only if every such role makes it read-only or hidden
        (and it is not hidden). The lists are sorted. Roles without a grant, or with a grant of
        no right, take no part. With no such role the result grants nothing.

        This summary can grant more than any one role does (a role reading `all` records and
        another updating `own` ones sum to "update all"), so `rule_policy` does not decide with
        it: it asks whether one role covering the record allows each part of the request.
    */
    entity_rights effective(const principal& p, std::string_view entity) const {
        entity_rights out;
        std::vector<const entity_rights*> granting;
        for (const auto& role : p.roles)
            if (const entity_rights* r = find(role, entity); r != nullptr && r->grants_any())
                if (std::find(granting.begin(), granting.end(), r) == granting.end())
                    granting.push_back(r);
        if (granting.empty())
            return out;
        out.scope = row_scope::own;
        std::vector<std::string> listed;
        for (const entity_rights* r : granting) {
            out.read = out.read || r->read;
            out.insert = out.insert || r->insert;
            out.update = out.update || r->update;
            out.remove = out.remove || r->remove;
            out.scope = std::max(out.scope, r->scope);
            listed.insert(listed.end(), r->hidden.begin(), r->hidden.end());
            listed.insert(listed.end(), r->read_only.begin(), r->read_only.end());
        }
        std::sort(listed.begin(), listed.end());
        listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
        for (const auto& col : listed) {
            const bool all_hide =
                std::all_of(granting.begin(), granting.end(),
                            [&](const entity_rights* r) { return r->is_hidden(col); });
            const bool all_protect =
                std::all_of(granting.begin(), granting.end(), [&](const entity_rights* r) {
                    return r->is_hidden(col) || r->is_read_only(col);
                });
            if (all_hide)
                out.hidden.push_back(col);
            else if (all_protect)
                out.read_only.push_back(col);
        }
        return out;
    }

    /** A stable fingerprint (32 hex digits) of everything that decides what `p` may read: the
        id, the organisation, and per entity the scopes and hidden columns of the roles that
        grant `read` (with the owner or organisation column name when a scope uses it).

        Write rights, the order and repetition of roles, and grants that can add nothing to
        what another grant of the same principal already shows (a narrower scope hiding more)
        do not enter it, so two principals or rule sets that let the same id and organisation
        read the same rows and columns get the same key; a change of id, organisation, or of
        what the roles let them read changes it. The hub is to compare it per replica to notice that
       a replica's read scope changed. The key is the same in every process and on every platform.
    */
    std::string scope_key(const principal& p) const { return detail::fnv1a_128_hex(scope_text(p)); }

    /// The canonical text that `scope_key` hashes (for logs and debugging).
    std::string scope_text(const principal& p) const {
        using detail::read_grant;
        std::map<std::string_view, std::vector<read_grant>> per_entity;
        for (const auto& role : p.roles) {
            auto it = grants_.find(role);
            if (it == grants_.end())
                continue;
            for (const auto& [entity, r] : it->second)
                if (r.read) {
                    read_grant g;
                    g.scope = r.scope;
                    g.hidden = r.hidden;
                    std::sort(g.hidden.begin(), g.hidden.end());
                    g.hidden.erase(std::unique(g.hidden.begin(), g.hidden.end()), g.hidden.end());
                    per_entity[entity].push_back(std::move(g));
                }
        }
        std::string out = "concord.read-scope.v1\nid ";
        detail::append_text(out, p.id);
        out += "\norg ";
        detail::append_text(out, p.organisation);
        out += '\n';
        for (auto& [entity, list] : per_entity) {
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
            // a shows at least what b shows when it covers every record b covers and hides no
            // more columns; b then adds nothing.
            auto dominates = [](const read_grant& a, const read_grant& b) {
                return (a.scope == row_scope::all || a.scope == b.scope) &&
                       std::includes(b.hidden.begin(), b.hidden.end(), a.hidden.begin(),
                                     a.hidden.end());
            };
            std::vector<read_grant> kept;
            for (const auto& b : list)
                if (std::none_of(list.begin(), list.end(),
                                 [&](const read_grant& a) { return !(a == b) && dominates(a, b); }))
                    kept.push_back(b);
            out += "entity ";
            detail::append_text(out, entity);
            out += '\n';
            auto uses = [&](row_scope s) {
                return std::any_of(kept.begin(), kept.end(),
                                   [&](const read_grant& g) { return g.scope == s; });
            };
            if (uses(row_scope::own)) {
                out += " owner ";
                detail::append_text(out, owner_column(entity));
                out += '\n';
            }
            if (uses(row_scope::organisation)) {
                out += " org-column ";
                detail::append_text(out, organisation_column(entity));
                out += '\n';
            }
            for (const auto& g : kept) {
                out += " read ";
                out += to_string(g.scope);
                out += ' ';
                out += std::to_string(g.hidden.size());
                for (const auto& h : g.hidden) {
                    out += ' ';
                    detail::append_text(out, h);
                }
                out += '\n';
            }
        }
        return out;
    }

    friend bool operator==(const access_rules&, const access_rules&) = default;

private:
    using by_entity = std::map<std::string, entity_rights, std::less<>>;
    using column_names = std::map<std::string, std::string, std::less<>>;

    static void set(column_names& m, std::string_view entity, std::string col) {
        auto it = m.find(entity);
        if (it == m.end())
            m.emplace(std::string(entity), std::move(col));
        else
            it->second = std::move(col);
    }

    static bool matches(const boost::json::object& fields, std::string_view col,
                        std::string_view want) noexcept {
        if (want.empty() || col.empty())
            return false;
        const boost::json::value* v = fields.if_contains(col);
        return v != nullptr && v->is_string() && std::string_view(v->get_string()) == want;
    }

    std::map<std::string, by_entity, std::less<>> grants_;
    column_names owner_columns_;
    column_names organisation_columns_;
};

} // namespace concord

#endif // CONCORD_ACCESS_RULES_HPP
