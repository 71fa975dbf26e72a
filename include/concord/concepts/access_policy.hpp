// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the AccessPolicy concept: who is asking, what they may read and write.

#ifndef CONCORD_CONCEPTS_ACCESS_POLICY_HPP
#define CONCORD_CONCEPTS_ACCESS_POLICY_HPP

#include <concord/error.hpp>
#include <concord/model/change.hpp>
#include <concord/model/record.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace concord {

/// The authenticated user behind a request.
struct principal {
    std::string id;
    std::vector<std::string> roles;
    std::string organisation;

    friend bool operator==(const principal&, const principal&) = default;
};

// clang-format off
/** Decides who is asking and what they may see and change (docs/concepts/AccessPolicy.md).

    | expression               | type                | semantics |
    |--------------------------|---------------------|-----------|
    | `a.authenticate(cred)`   | `result<principal>` | `errc::unauthenticated` for missing or bad credentials |
    | `a.may_write(p, c, cur)` | `result<void>`      | `errc::permission_denied`, naming entity, record and field, when `p` may not make change `c`; `cur` is the hub's copy (null when new) |
    | `a.may_read(p, h)`       | `bool`              | whether record `h` may reach `p` |

    `a` is a const lvalue; `cred` a `std::string_view`; `p` a `const principal&`; `c` a
    `const change&`; `cur` a `const hub_record*`; `h` a `const hub_record&`. Must be safe to
    call from any thread; it is called inside the hub's batch transaction, so it must not block.
*/
// clang-format on
template <class A>
concept access_policy = requires(const A& a, std::string_view cred, const principal& p,
                                 const change& c, const hub_record* cur, const hub_record& h) {
    { a.authenticate(cred) } -> std::same_as<result<principal>>;
    { a.may_write(p, c, cur) } -> std::same_as<result<void>>;
    { a.may_read(p, h) } -> std::same_as<bool>;
};

/** Optional: a policy with `static constexpr bool grants_all = true` allows every write and
    read; the hub then skips the checks (and the record copies they need) entirely.
*/
template <class A>
concept grants_everything = requires {
    requires A::grants_all;
};

/** Optional: a policy with `a.project(p, h)` (`h` a `hub_record&`) erases from `h` the
    columns principal `p` may not read. The hub calls it on every record it hands out — pulled
    rows, selected rows, the hub's copy in an outcome — after `may_read` allowed the record.
*/
template <class A>
concept projects_columns = requires(const A& a, const principal& p, hub_record& h) {
    a.project(p, h);
};

/** Optional: a policy whose read scope depends on column values and on the principal, so that
    a record can leave a replica's scope without being deleted.

    - `a.scope_key(p)` (convertible to `std::string`): a fingerprint of everything that decides
      what `p` may read; it changes whenever that does (a role or organisation changed). The
      hub sends it with every pull and serves a replica whose key changed from the start.
    - `a.scope_columns(entity)` (convertible to `std::vector<std::string>`): the columns whose
      values decide who may read a record of `entity` (e.g. `Owner`, `Org`). When a change
      alters one, the hub keeps their former values, and a principal who could read the record
      with them but cannot now gets it evicted on its next pull.
*/
template <class A>
concept tracks_scope = requires(const A& a, const principal& p, std::string_view entity) {
    { a.scope_key(p) } -> std::convertible_to<std::string>;
    { a.scope_columns(entity) } -> std::convertible_to<std::vector<std::string>>;
};

/// Everyone may read and write everything: the policy of a trusted, single-tenant hub.
struct allow_all {
    static constexpr bool grants_all = true;

    result<principal> authenticate(std::string_view cred) const {
        return principal{std::string(cred), {}, {}};
    }
    result<void> may_write(const principal&, const change&, const hub_record*) const { return {}; }
    bool may_read(const principal&, const hub_record&) const { return true; }
};

static_assert(access_policy<allow_all>);

} // namespace concord

#endif // CONCORD_CONCEPTS_ACCESS_POLICY_HPP
