// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a hub under access rules whose users a test can change at any time, and replicas
// that sync with it in-process.

#ifndef CONCORD_TESTS_SUPPORT_RULES_WORLD_HPP
#define CONCORD_TESTS_SUPPORT_RULES_WORLD_HPP

#include <concord/access/rule_policy.hpp>
#include <concord/memory.hpp>

#include <support/fixtures.hpp>
#include <support/grants.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace concord::test {

/// Token = user name. Copies share the table, so a test changes roles under a running hub.
class mutable_users {
public:
    result<principal> authenticate(std::string_view token) const {
        if (auto it = users_->find(token); it != users_->end())
            return it->second;
        return error(errc::unauthenticated, "no such session");
    }
    void set(const principal& p) { (*users_)[p.id] = p; }

private:
    std::shared_ptr<std::map<std::string, principal, std::less<>>> users_ =
        std::make_shared<std::map<std::string, principal, std::less<>>>();
};

using rules_policy = rule_policy<mutable_users>;
using rules_hub = basic_hub<memory_hub_store, rules_policy, manual_clock_ref>;
using rules_replica =
    basic_replica<memory_replica_store, loopback_transport<rules_hub>, manual_clock_ref>;

/// A helpdesk hub under `rules`, with a user table the test edits through `users`.
struct rules_world {
    manual_clock clock{t0};
    mutable_users users;
    rules_hub hub;

    explicit rules_world(access_rules rules, hub_options options = hub_options{helpdesk()})
        : hub(std::move(options), memory_hub_store{}, rules_policy(std::move(rules), users),
              manual_clock_ref{clock}) {}

    /// A replica of `user` (credentials = the user name) with a fixed id.
    rules_replica replica(const std::string& user, std::uint64_t id, fault_plan plan = {},
                          std::size_t pull_limit = 5000) {
        return rules_replica(options_for(user, id, pull_limit), memory_replica_store{},
                             loopback_transport<rules_hub>(hub, plan), manual_clock_ref{clock});
    }

    /// The same on the heap (replicas are not movable).
    std::unique_ptr<rules_replica> new_replica(const std::string& user, std::uint64_t id,
                                               std::size_t pull_limit = 5000) {
        return std::make_unique<rules_replica>(
            options_for(user, id, pull_limit), memory_replica_store{},
            loopback_transport<rules_hub>(hub), manual_clock_ref{clock});
    }

    static replica_options options_for(const std::string& user, std::uint64_t id,
                                       std::size_t pull_limit) {
        replica_options o = replica_opts(id);
        o.credentials = user;
        o.user_name = user;
        o.pull_limit = pull_limit;
        return o;
    }

    /// The records of `entity` that `user` may read, as the hub would hand them out.
    std::vector<hub_record> visible(const std::string& user, std::string_view entity) {
        auto rows = hub.select(user, entity);
        REQUIRE(rows);
        return std::move(*rows);
    }
};

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_RULES_WORLD_HPP
