// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub: the one place where conflicts are decided and changes are served.

#ifndef CONCORD_HUB_BASIC_HUB_HPP
#define CONCORD_HUB_BASIC_HUB_HPP

#include <concord/concepts/access_policy.hpp>
#include <concord/concepts/clock.hpp>
#include <concord/concepts/hub_store.hpp>
#include <concord/concepts/resolver.hpp>
#include <concord/hub/detail/watchers.hpp>
#include <concord/model/batch.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/hlc_clock.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/schema_json.hpp>
#include <concord/resolve/lww.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord {

/** Business rules the hub runs around each change it applies, inside the batch's transaction.

    `before_apply(who, c, current)` runs once the change names a known entity and a valid id,
    before the schema and access checks: it may edit `c.fields` (e.g. the portal rule "an
    empty Description takes the Category's value"); an error rejects the change as
    `rejected: validation` with that error's code, message and field, and nothing is written.
    `current` is the hub's copy (null when none).

    `after_apply(who, c, after, emit)` runs after a change was applied or merged, with the
    record as it is now; each change passed to `emit` (e.g. a Message recording a Case's status
    change) is written right after, as the hub's own: stamped by the hub's clock, checked
    against the schema but not the access policy, and reaching replicas like any other change.
    Emitted changes do not run the hooks again. One that is refused is left out, and the
    triggering change's outcome message says why.

    Both must not block; they are called with the hub's store transaction open.
*/
struct hub_hooks {
    std::function<result<void>(const principal& who, change& c, const hub_record* current)>
        before_apply;
    std::function<void(const principal& who, const change& c, const hub_record& after,
                       const std::function<void(change)>& emit)>
        after_apply;
};

/// How a hub behaves. Defaults are in the comments.
struct hub_options {
    hub_options() = default;
    explicit hub_options(concord::schema s) : schema(std::move(s)) {}

    /// The entities the hub serves; changes to anything else are `rejected: validation`.
    concord::schema schema;
    /// A stamp further ahead of the hub's clock than this does not win on that basis (5 min).
    std::int64_t max_skew_ms = 5 * 60 * 1000;
    /// Upper bound on one pull page, whatever the replica asks (5,000 rows: a few MB of JSON).
    std::size_t max_page = 5000;
    /// The hub's own id in stamps it makes (clamped stamps keep the change's replica id).
    concord::replica_id id{0xFFFF'FFFF'FFFF'FFFFULL};
    /// Business rules run around each applied change (none by default).
    hub_hooks hooks;
    /// Where replicas address access requests (sent with every sync answer; empty: none).
    std::string administrator_email;
};

/** The authoritative server store: applies batches and serves pulls.

    Each `sync()` authenticates the principal, then for each pushed change in order: checks
    the entity, the id, the schema and the principal's rights, resolves the change against the
    stored record by stamp, writes the winners, and records the outcome for replay — and then
    serves one pull page. Everything one call writes commits in one store transaction: a
    failure leaves nothing behind.

    Every record the hub hands out — a pulled or selected row, the hub's copy in an outcome —
    first passes the access policy: `may_read`, and `project` (erasing hidden columns) when the
    policy has one (`projects_columns`). A record the principal may not read is left out.

    With a policy that `tracks_scope`, every pull carries the principal's scope key; a replica
    that pulled under another key is served from the start with `resync` set. A change that
    alters a scope column keeps a `departure` (the columns' former values), and a principal who
    could read the record before but not now receives an eviction (a tombstone) instead of
    nothing; others learn nothing of the record.

    A replayed change (same change id) writes nothing and gets its original outcome, with the
    hub's current copy of the record. A change whose outcome the replica already acknowledged
    gets `duplicate`.

    @tparam Store    models `hub_store` (docs/concepts/HubStore.md)
    @tparam Access   models `access_policy` (docs/concepts/AccessPolicy.md)
    @tparam Clock    models `clock` (docs/concepts/Clock.md)
    @tparam Resolver models `resolver` (docs/concepts/Resolver.md); per-field LWW by default

    Thread safety: safe; concurrent `sync()` calls are serialised by the store's transactions.
*/
template <class Store, class Access = allow_all, class Clock = system_clock,
          class Resolver = field_lww>
class basic_hub {
    static_assert(
        hub_store<Store>,
        "concord: Store does not model concord::hub_store (see docs/concepts/HubStore.md)");
    static_assert(access_policy<Access>, "concord: Access does not model concord::access_policy "
                                         "(see docs/concepts/AccessPolicy.md)");
    static_assert(clock<Clock>,
                  "concord: Clock does not model concord::clock (see docs/concepts/Clock.md)");
    static_assert(
        resolver<Resolver>,
        "concord: Resolver does not model concord::resolver (see docs/concepts/Resolver.md)");

public:
    using store_type = Store;
    using access_type = Access;
    using clock_type = Clock;
    using resolver_type = Resolver;

    explicit basic_hub(hub_options options, Store store = Store(), Access access = Access(),
                       Clock clock = Clock(), Resolver resolver = Resolver());

    /** Handles one sync round: push, then pull.

        @returns the outcomes (one per pushed change, in order), a pull page and the hub's time;
        or `errc::unauthenticated` when the access policy refuses the credentials,
        `errc::store_failed` when the store failed (nothing was written).
    */
    CONCORD_NODISCARD result<sync_response> sync(const sync_request& request);

    /** Writes changes made online — by a client without the sync extension, such as a plain
        DataService client. Each is stamped by the hub's clock and goes through the same checks
        and resolution as a synced change, in one transaction; none is deduplicated (such a
        client has no change ids to replay).
        @param changes their `id` and `at` are ignored.
        @returns one outcome per change; or `unauthenticated`, `store_failed`.
    */
    CONCORD_NODISCARD result<std::vector<outcome>> write(std::string_view credentials,
                                                         std::vector<change> changes);

    /** Applies `op` (update with `values`, or remove) to every live record of `entity` that
        matches `where` and that the principal may read, in one transaction — DataService's
        filtered UpdateQuery / DeleteQuery.
        @returns one outcome per matched record (ordered by id); or `unauthenticated`,
        `unknown_entity`, `invalid_filter`, `store_failed`.
    */
    CONCORD_NODISCARD result<std::vector<outcome>>
    write_where(std::string_view credentials, operation op, std::string_view entity,
                const filter& where, const boost::json::object& values = {});

    /** The live records of `entity` matching `where` that the principal may read, by id.
        @returns `unauthenticated`, `unknown_entity`, `invalid_filter`, `store_failed`.
    */
    CONCORD_NODISCARD result<std::vector<hub_record>>
    select(std::string_view credentials, std::string_view entity, const filter& where = {});

    /** Online and hybrid modes: calls `notify` after every commit that changed records the
        principal of `credentials` may read — or must drop (an eviction) — with the hub's
        latest change sequence and the entities concerned. Commits of `self`'s own pushes
        are not announced to it. `notify` runs on the committing thread, after the commit,
        under a lock: it must be quick (post, signal) and must not call into the hub.
        @returns a handle for `unwatch`; or `unauthenticated`.
    */
    CONCORD_NODISCARD result<std::uint64_t> watch(std::string_view credentials, replica_id self,
                                                  std::function<void(const change_notice&)> notify);

    /// Stops a watch. Once it returns, its `notify` is not running and never runs again.
    void unwatch(std::uint64_t handle) noexcept { watchers_.remove(handle); }

    /// The hub's current time, as a stamp.
    stamp now();

    /** Evolves the schema of a running hub: new entities, new columns, a column becoming
        required. The store adopts it first (`tx.migrate(s)` when the store has one); then
        every answer carries the new `schema_version`, and a replica that sends another gets
        the schema itself and migrates its own store. A change that no longer validates is
        rejected (`rejected: validation`, naming the column) like any other.
        @returns `store_failed` when the store cannot migrate, `unsupported` for a store without
        `tx.migrate` (restart the hub with the new schema instead: stores migrate when they
        open); the old schema then stays.
    */
    CONCORD_NODISCARD result<void> set_schema(concord::schema s);

    /// The schema in force now (a snapshot: `set_schema` may replace it meanwhile).
    std::shared_ptr<const concord::schema> schema() const;

    const hub_options& options() const noexcept { return options_; }
    Store& store() noexcept { return store_; }
    const Store& store() const noexcept { return store_; }
    Access& access() noexcept { return access_; }

private:
    using transaction = typename Store::transaction;

    // Whether apply() may judge a change by stamps alone, loading the record without its values
    // and writing only the fields that win: nothing else that sees the record needs them (every
    // write allowed, no read scope, a resolver that reads stamps only) and the store can. A
    // before-apply hook needs the values: it is checked per change.
    static constexpr bool stamps_suffice = patches_records<Store> && grants_everything<Access> &&
                                           !tracks_scope<Access> && judges_by_stamps<Resolver>;

    // Rows of a pull that the pushing replica already holds as the hub does can be left out
    // only when nothing reshapes rows per principal (see sync_response, "Echoes").
    static constexpr bool omits_echoes = !projects_columns<Access> && !tracks_scope<Access>;

    // What apply() wrote: the record's change sequence before (0: no record) and after (0:
    // nothing written), and whether it now holds the change's values exactly as sent.
    struct write_note {
        std::uint64_t before = 0;
        std::uint64_t after = 0;
        bool as_sent = false;
    };

    static bool echoes_back(const sync_request& req, const change& c, const write_note& w,
                            std::span<const std::uint64_t> echoes);
    // `system`: a write the hub makes itself (hook writes): no access check, no hooks.
    outcome apply(transaction& tx, const principal& who, replica_id sender, const change& c,
                  bool system = false, write_note* note = nullptr);
    template <class F>
    auto in_transaction(std::string_view credentials, F&& f)
        -> decltype(f(std::declval<transaction&>(), std::declval<const principal&>()));
    // Returns whether the page left `echoes` out (those up to its cursor).
    bool pull(transaction& tx, const principal& who, const sync_request& req, sync_response& resp,
              std::span<const std::uint64_t> echoes);
    change_page changes_after(transaction& tx, std::uint64_t after, std::size_t limit,
                              const std::vector<std::string>& entities,
                              std::span<const std::uint64_t> skip);
    boost::json::object scope_values(const stored_record& r) const;
    std::optional<departure> departure_of(const stored_record& after,
                                          boost::json::object before) const;
    void run_after_apply(transaction& tx, const principal& who, const change& c, outcome& o);
    void attach_hub_copy(transaction& tx, const principal& who, outcome& o,
                         const pull_view* view = nullptr);
    static const pull_view* view_of(const sync_request& req, std::string_view entity);
    static bool in_view(const pull_view* view, hub_record& h);
    bool readable(const principal& who, hub_record& h) const;
    bool evicts(transaction& tx, const principal& who, const hub_record& h) const;
    using notices = std::vector<std::pair<std::uint64_t, change_notice>>;
    notices prepare_notices(transaction& tx, std::uint64_t before, replica_id sender);
    void deliver(notices n);
    static std::uint64_t latest_of(transaction& tx);

    hub_options options_;
    [[no_unique_address]] Store store_;
    [[no_unique_address]] Access access_;
    [[no_unique_address]] Resolver resolver_;
    std::mutex clock_mutex_;
    hlc<Clock> clock_;
    detail::watchers watchers_;
    mutable std::mutex schema_mutex_; // schema_, schema_version_, options_.schema
    std::shared_ptr<const concord::schema> schema_;
    std::string schema_version_;
};

} // namespace concord

#include <concord/hub/impl/basic_hub.hpp>

#endif // CONCORD_HUB_BASIC_HUB_HPP
