// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — an AccessPolicy that decides reads and writes by `access_rules`.

#ifndef CONCORD_ACCESS_RULE_POLICY_HPP
#define CONCORD_ACCESS_RULE_POLICY_HPP

#include <concord/access/rules.hpp>
#include <concord/concepts/access_policy.hpp>
#include <concord/error.hpp>
#include <concord/model/change.hpp>
#include <concord/model/record.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord {

/** An `access_policy` that authenticates with `Authenticator` and authorises by
    `access_rules`.

    A request is allowed when the principal's roles allow it, each part by a role that covers
    the record: a column may be written by one role and another column by a second role, but
    only by roles whose row scope holds the record before and after the change. Roles are not
    merged into one wider grant first (see `access_rules::effective`), so holding two roles
    never allows what neither allows on that record.

    Writes (`may_write`) — refused with `errc::permission_denied`, the message
    "<Entity> <id>: <user> may not <what>", and `error::field` naming the column concerned:
    - no role grants any right on the entity: refused, no field;
    - an insert, or an update whose record is missing or deleted (it would create the record),
      needs the insert right; every field it sets must not be hidden (read-only columns may be
      given their first value); the new record must be in the scope of an inserting role:
      under `own` its owner column must be the principal's id, under `organisation` its
      organisation column the principal's organisation (the field names that column);
    - an insert whose id names a live record changes that record (LWW merges the two), so it
      must also pass the update checks — otherwise an insert could take over another user's
      record;
    - an update needs the update right; the current record must be in the scope of an updating
      role; every field it sets must be neither read-only nor hidden for such a role (the first
      offending field, in the change's order, is named); after the change (its fields laid over
      the current ones, a null erasing) the record must still be in that role's scope — under
      `own`, setting `Owner` to someone else is refused naming `Owner`;
    - a remove needs the remove right, and the current record must be in the scope of a
      removing role; a remove of a missing or deleted record needs only the remove right.

    Reads (`may_read`): the record is in the scope of a role with the read right. A tombstone
    carries no fields, so the hub cannot know who owned the record: a tombstone reaches every
    principal who may read some records of the entity (it reveals only the id of a deleted
    record, and lets a replica that held the record evict it).

    `project` then erases the columns no covering reading role shows. Call `may_read` on the
    hub's full copy first: `project` may erase the owner or organisation column itself.

    @tparam Authenticator has `result<principal> authenticate(std::string_view) const`.
    Thread safety: const members are safe to call concurrently if the authenticator's are.
*/
template <class Authenticator>
class rule_policy {
    static_assert(
        requires(const Authenticator& a, std::string_view cred) {
            { a.authenticate(cred) } -> std::same_as<result<principal>>;
        },
        "rule_policy: Authenticator needs result<principal> authenticate(std::string_view) const");

public:
    rule_policy(access_rules rules, Authenticator auth)
        : rules_(std::move(rules))
        , auth_(std::move(auth)) {}

    /// Forwards to the authenticator.
    result<principal> authenticate(std::string_view cred) const { return auth_.authenticate(cred); }

    /** Whether `p` may make change `c` to the hub's copy `cur` (null when the hub has none).
        @returns success, or `errc::permission_denied` naming entity, record, user and, when
        one column is concerned, that column in `error::field`.
    */
    result<void> may_write(const principal& p, const change& c, const hub_record* cur) const {
        const auto grants = grants_of(p, c.entity);
        if (std::none_of(grants.begin(), grants.end(),
                         [](const entity_rights* r) { return r->grants_any(); }))
            return deny(p, c, std::string(to_string(c.op)) + " (no rights on " + c.entity + ")");
        const bool live = cur != nullptr && !cur->deleted;
        if (c.op == operation::remove) {
            auto removers = having(grants, &entity_rights::remove);
            if (removers.empty())
                return deny(p, c, "remove");
            if (live && covering(p, c.entity, removers, cur->fields).empty())
                return deny(p, c, "remove a record outside their scope");
            return {};
        }
        if (c.op == operation::insert || !live)
            if (auto r = check_insert(p, c, grants); !r)
                return r;
        if (live)
            return check_update(p, c, *cur, grants);
        return {};
    }

    /// Whether `h` may reach `p` (see the class comment for tombstones).
    bool may_read(const principal& p, const hub_record& h) const {
        const auto readers = having(grants_of(p, h.entity), &entity_rights::read);
        if (readers.empty())
            return false;
        return h.deleted || !covering(p, h.entity, readers, h.fields).empty();
    }

    /** Erases from `h.fields` every column that no reading role covering `h` shows (all of
        them when none covers it).
    */
    void project(const principal& p, hub_record& h) const {
        if (h.fields.empty())
            return;
        const auto readers =
            covering(p, h.entity, having(grants_of(p, h.entity), &entity_rights::read), h.fields);
        std::vector<std::string> erase;
        for (const auto& f : h.fields)
            if (std::all_of(readers.begin(), readers.end(),
                            [&](const entity_rights* r) { return r->is_hidden(f.key()); }))
                erase.emplace_back(f.key());
        for (const auto& k : erase)
            h.fields.erase(k);
    }

    /// `rules().scope_key(p)`: changes whenever what `p` may read changes.
    std::string scope_key(const principal& p) const { return rules_.scope_key(p); }

    /// The owner and organisation columns of `entity`: a change to either may move a record
    /// out of a principal's row scope.
    std::vector<std::string> scope_columns(std::string_view entity) const {
        return {std::string(rules_.owner_column(entity)),
                std::string(rules_.organisation_column(entity))};
    }

    const access_rules& rules() const noexcept { return rules_; }
    const Authenticator& authenticator() const noexcept { return auth_; }

private:
    using grant_list = std::vector<const entity_rights*>;

    // The grants of p's roles on `entity` (a repeated role counted once).
    grant_list grants_of(const principal& p, std::string_view entity) const {
        grant_list out;
        for (const auto& role : p.roles)
            if (const entity_rights* r = rules_.find(role, entity); r != nullptr)
                if (std::find(out.begin(), out.end(), r) == out.end())
                    out.push_back(r);
        return out;
    }

    static grant_list having(const grant_list& grants, bool entity_rights::*right) {
        grant_list out;
        for (const entity_rights* r : grants)
            if (r->*right)
                out.push_back(r);
        return out;
    }

    grant_list covering(const principal& p, std::string_view entity, const grant_list& grants,
                        const boost::json::object& fields) const {
        grant_list out;
        for (const entity_rights* r : grants)
            if (rules_.in_scope(p, entity, r->scope, fields))
                out.push_back(r);
        return out;
    }

    static result<void> deny(const principal& p, const change& c, const std::string& what,
                             std::string field = {}) {
        return error(errc::permission_denied,
                     c.entity + " " + c.record_id + ": " + p.id + " may not " + what,
                     std::move(field));
    }

    // The first field of `c` that no role of `grants` may write, or nullptr. An update may not
    // change read-only columns; an insert may give them their first value.
    static const boost::json::key_value_pair* unwritable(const change& c, const grant_list& grants,
                                                         bool updating) {
        for (const auto& f : c.fields) {
            const bool ok = std::any_of(grants.begin(), grants.end(), [&](const entity_rights* r) {
                return !r->is_hidden(f.key()) && !(updating && r->is_read_only(f.key()));
            });
            if (!ok)
                return &f;
        }
        return nullptr;
    }

    // Refusal for a record that falls outside every scope of `grants` (none is `all`): names
    // the column the first grant's scope reads.
    result<void> out_of_scope(const principal& p, const change& c, const grant_list& grants,
                              std::string_view verb) const {
        const bool own = grants.front()->scope == row_scope::own;
        const std::string col(own ? rules_.owner_column(c.entity)
                                  : rules_.organisation_column(c.entity));
        const std::string& want = own ? p.id : p.organisation;
        return deny(p, c, std::string(verb) + " a record whose " + col + " is not '" + want + "'",
                    col);
    }

    result<void> check_insert(const principal& p, const change& c, const grant_list& grants) const {
        const auto inserters = having(grants, &entity_rights::insert);
        if (inserters.empty())
            return deny(p, c, "insert");
        if (const auto* f = unwritable(c, inserters, false))
            return deny(p, c, "set column '" + std::string(f->key()) + "'", std::string(f->key()));
        const auto inside = covering(p, c.entity, inserters, c.fields);
        if (inside.empty())
            return out_of_scope(p, c, inserters, "insert");
        if (const auto* f = unwritable(c, inside, false))
            return deny(p, c, "set column '" + std::string(f->key()) + "'", std::string(f->key()));
        return {};
    }

    result<void> check_update(const principal& p, const change& c, const hub_record& cur,
                              const grant_list& grants) const {
        const auto updaters = having(grants, &entity_rights::update);
        if (updaters.empty())
            return deny(p, c, "update");
        const auto before = covering(p, c.entity, updaters, cur.fields);
        if (before.empty())
            return deny(p, c, "update a record outside their scope");
        if (const auto* f = unwritable(c, before, true))
            return deny(p, c, "change column '" + std::string(f->key()) + "'",
                        std::string(f->key()));
        boost::json::object after = cur.fields;
        for (const auto& f : c.fields) {
            if (f.value().is_null())
                after.erase(f.key());
            else
                after[f.key()] = f.value();
        }
        const auto inside = covering(p, c.entity, before, after);
        if (inside.empty())
            return out_of_scope(p, c, before, "update");
        // Only reached when several roles split the columns: the roles that keep the record
        // in scope must still allow every field.
        if (const auto* f = unwritable(c, inside, true))
            return deny(p, c, "change column '" + std::string(f->key()) + "'",
                        std::string(f->key()));
        return {};
    }

    access_rules rules_;
    [[no_unique_address]] Authenticator auth_;
};

namespace detail {
struct rule_policy_archetype_authenticator {
    result<principal> authenticate(std::string_view) const { return error(errc::unauthenticated); }
};
} // namespace detail

static_assert(access_policy<rule_policy<detail::rule_policy_archetype_authenticator>>,
              "rule_policy must model concord::access_policy (docs/concepts/AccessPolicy.md)");
static_assert(tracks_scope<rule_policy<detail::rule_policy_archetype_authenticator>>);

} // namespace concord

#endif // CONCORD_ACCESS_RULE_POLICY_HPP
