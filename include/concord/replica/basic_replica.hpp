// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the replica: a device's local copy, its outbox, sync rounds and sync log.

#ifndef CONCORD_REPLICA_BASIC_REPLICA_HPP
#define CONCORD_REPLICA_BASIC_REPLICA_HPP

#include <concord/concepts/clock.hpp>
#include <concord/concepts/replica_store.hpp>
#include <concord/concepts/transport.hpp>
#include <concord/error.hpp>
#include <concord/model/batch.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/hlc_clock.hpp>
#include <concord/model/replica_state.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/schema_json.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace concord {

namespace detail {
/// A re-sync's records not received again yet, by entity.
using sweep_set = std::unordered_map<std::string, std::unordered_set<std::string>>;
} // namespace detail

/// What one `sync()` did.
struct sync_summary {
    std::size_t requests = 0; ///< round trips made
    std::size_t pushed = 0;   ///< changes sent and answered
    std::size_t applied = 0;  ///< of those, applied (or already applied earlier)
    std::size_t logged = 0;   ///< of those, recorded in the sync log (merged, superseded, rejected)
    std::size_t pulled = 0;   ///< records received
    std::size_t evicted = 0;  ///< records dropped by a re-sync: no longer in the read scope
    std::uint64_t cursor = 0; ///< the hub change sequence now pulled up to
};

/** One entity of a workplace: its records matching `where` (all by default), with only
    `columns` (every column when empty).
*/
struct workplace_entity {
    std::string entity;
    filter where;
    std::vector<std::string> columns;

    friend bool operator==(const workplace_entity&, const workplace_entity&) = default;
};

/** A replica's scope: a named set of entities, each with an optional row filter and column
    list ("My open cases": Case where Status != "Closed"; Message, Text and Case only). The hub
    applies the filters and column lists to what it sends, within what the principal may read.
*/
struct workplace {
    std::string name;
    std::vector<workplace_entity> entities;

    /// A fingerprint of the definition: equal workplaces give equal keys.
    std::string key() const {
        // Appended piece by piece: `"\n" + string` trips g++ 12's false -Wrestrict (PR 105651).
        std::string k = "workplace ";
        k += boost::json::serialize(boost::json::value(name));
        for (const auto& e : entities) {
            k += '\n';
            k += boost::json::serialize(boost::json::value(e.entity));
            k += ' ';
            k += e.where.text();
            for (const auto& c : e.columns) {
                k += ' ';
                k += boost::json::serialize(boost::json::value(c));
            }
        }
        return k;
    }

    friend bool operator==(const workplace&, const workplace&) = default;
};

/** Where a running `sync()` is: reported to `replica_options::on_progress` once before the
    first request, after every answer is applied, and once at the end (`done`).
*/
struct sync_progress {
    std::size_t to_push = 0;        ///< changes pending when the sync started
    std::size_t pushed = 0;         ///< of those, answered so far
    std::size_t pulled = 0;         ///< records received so far
    std::size_t pages = 0;          ///< answers applied so far
    std::uint64_t start_cursor = 0; ///< the cursor the pull started from
    std::uint64_t cursor = 0;       ///< the hub change sequence pulled up to now
    std::uint64_t latest = 0;       ///< the hub's latest change sequence (0: not known yet)
    bool done = false;              ///< the sync completed

    /// How much of the pull is done, from 0 to 1 (by change sequence: exact at the ends).
    double pull_fraction() const noexcept {
        if (done)
            return 1.0;
        if (latest <= start_cursor)
            return 0.0;
        const double f = static_cast<double>(cursor - std::min(cursor, start_cursor)) /
                         static_cast<double>(latest - start_cursor);
        return f < 0 ? 0.0 : (f > 1 ? 1.0 : f);
    }
};

/** How a replica reaches the hub (`basic_replica::set_mode`).

    | mode      | local copy                                  | local writes                       |
   hub changes |
    |-----------|---------------------------------------------|------------------------------------|-------------|
    | `offline` | the whole scope                             | queued; `sync()` or the timer sends
   them | pulled by `sync()` | | `online`  | the whole scope, kept current               | pushed at
   once; refused (`not_connected`) while disconnected | pulled at once on the hub's notice | |
   `hybrid`  | the last `recent_limit` records used, and every record with pending changes | pushed
   at once while connected, queued while not | pulled at once for the records held; a record not
   held is fetched from the hub by `get` |

    Online and hybrid modes need a `watching_transport`. While connected, a worker thread
    keeps a watch on the hub and syncs whenever a local write or a hub notice calls for it;
    when an exchange fails or the watch is lost it reconnects with backoff
    (`replica_options::reconnect_min` doubling to `reconnect_max`, with jitter) and catches up
    by itself.
*/
enum class sync_mode : std::uint8_t { offline, online, hybrid };

/// Where the link to the hub stands, as `replica_options::on_connection` is told.
enum class connection_state : std::uint8_t {
    offline,      ///< offline mode: not connecting
    connecting,   ///< online or hybrid mode, first attempt
    connected,    ///< watching the hub; the last exchange succeeded
    disconnected, ///< the link was lost or never came up: reconnecting with backoff
};

inline const char* to_string(sync_mode m) noexcept {
    return m == sync_mode::offline ? "offline" : m == sync_mode::online ? "online" : "hybrid";
}

inline const char* to_string(connection_state c) noexcept {
    switch (c) {
    case connection_state::offline:
        return "offline";
    case connection_state::connecting:
        return "connecting";
    case connection_state::connected:
        return "connected";
    case connection_state::disconnected:
        return "disconnected";
    }
    return "?";
}

/// A pulled change to a record, as a `subscription` is told of it.
struct record_event {
    enum class kind : std::uint8_t { created, changed, deleted };
    std::string entity;
    std::string id;
    kind what = kind::changed;
    std::vector<std::string> columns; ///< the columns whose local value changed, sorted
    std::optional<record> before;     ///< the local view before (none: created)
    std::optional<record> now;        ///< the local view after (none: deleted)
};

/** What the app wants to hear about — the push-notification hook: "a Case's Status changed",
    "a new Message on my case". Changes that arrive from the hub (never the app's own local
    writes) to records of `entity` matching `where` (tested on the record after the change,
    or before it for a deletion) and, for changes, touching one of `columns` (any column when
    empty). Creations and deletions always qualify.
*/
struct subscription {
    std::string entity;
    std::vector<std::string> columns;
    filter where;
    std::function<void(const record_event&)> notify;
};

/// How a replica behaves. Defaults are in the comments.
struct replica_options {
    replica_options() = default;
    explicit replica_options(concord::schema s) : schema(std::move(s)) {}

    /// The entities the replica holds and validates local writes against.
    concord::schema schema;
    /// The replica's id when its store is new (random otherwise); ignored for an existing store.
    std::optional<concord::replica_id> id;
    /// Entities to pull (empty: every entity of the schema). Ignored with a `workplace`.
    std::vector<std::string> entities;
    /// The replica's scope: which entities, rows and columns it pulls (none: all of the
    /// schema). Opening a store that synced under another workplace re-syncs, as
    /// `switch_workplace` does.
    std::optional<concord::workplace> workplace;
    /// Credentials sent with every request (opaque; checked by the hub's access policy).
    std::string credentials;
    /// The user's name as the sync log's request-access text shows it (never the credentials).
    std::string user_name;
    /// Where request-access texts are addressed (empty: the address the hub sends).
    std::string administrator_email;
    /// Changes pushed per request (500: a batch stays well under a megabyte of JSON).
    std::size_t push_limit = 500;
    /// Records asked for per pull page (5,000: a few MB of JSON; fewer, larger local commits
    /// during a large initial sync, with memory still bounded by the page).
    std::size_t pull_limit = 5000;
    /// Called with the progress of every `sync()` (on the syncing thread; must not call back
    /// into the replica's sync). Empty: no reports.
    std::function<void(const sync_progress&)> on_progress;
    /// Called with the result of every sync the auto-sync timer runs (`start_auto_sync`), on
    /// the timer's thread. Empty: results are dropped (the outbox keeps what failed).
    std::function<void(const result<sync_summary>&)> on_auto_sync;
    /// Hybrid mode: how many recently used records stay local besides those with pending
    /// changes (10).
    std::size_t recent_limit = 10;
    /// Online and hybrid modes: the first wait before reconnecting (100 ms), doubled at each
    /// failure up to `reconnect_max` (30 s); each wait is jittered by up to a quarter.
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{30'000};
    /// Called with each new connection state, on the replica's worker thread (or the thread
    /// calling `set_mode`). Empty: not reported; `connection()` still tells.
    std::function<void(connection_state)> on_connection;
};

/// Where "go to record" leads: the entry's record, and the local copy to edit (none when the
/// record is gone locally, e.g. deleted on the hub).
struct record_target {
    std::string entity;
    std::string record_id;
    std::optional<record> local;
};

/// A ready-to-send request for a right the user lacks, addressed to the administrator.
struct access_request {
    std::string to;      ///< `replica_options::administrator_email`
    std::string subject; ///< one line naming entity, record and field
    std::string body;    ///< names the user, entity, record, field and the refused value
};

/// The sync log as the app shows it: when the last sync completed, and what needs attention.
struct sync_log_view {
    std::optional<std::int64_t> last_sync_ms;
    std::vector<sync_log_entry> entries;
};

/** A device's local copy of its scope, with an outbox of pending changes.

    Every write validates against the schema, stamps the change with the hybrid logical clock,
    and commits the new local view and the outbox entry in one store transaction before it
    returns. `sync()` pushes the oldest pending changes, records the hub's outcomes (anything
    but `applied` goes to the sync log with the hub's copy and the losing values), pulls the
    records changed since the cursor, and applies it all in one transaction per page. A field
    with a still-pending local change keeps its local value on top of pulled values until the
    hub answers that change.

    Read scope: a record that leaves what the principal may read (reassigned to someone else)
    arrives as an eviction and is removed. When the principal's scope itself changes (a role or
    organisation changed), the hub re-sends the whole scope; records that do not come again
    are dropped at the last page (`sync_summary::evicted`), except those with pending changes,
    which stay until the hub has answered them. An interrupted re-sync starts over at the next
    `sync()`; the outbox is kept throughout.

    @tparam Store     models `replica_store` (docs/concepts/ReplicaStore.md)
    @tparam Transport models `transport` (docs/concepts/Transport.md)
    @tparam Clock     models `clock` (docs/concepts/Clock.md)

    Thread safety: safe. Local reads and writes may run while a `sync()` waits for the hub;
    concurrent `sync()` calls run one after the other.
*/
template <class Store, class Transport, class Clock = system_clock>
class basic_replica {
    static_assert(
        replica_store<Store>,
        "concord: Store does not model concord::replica_store (see docs/concepts/ReplicaStore.md)");
    static_assert(
        transport<Transport>,
        "concord: Transport does not model concord::transport (see docs/concepts/Transport.md)");
    static_assert(clock<Clock>,
                  "concord: Clock does not model concord::clock (see docs/concepts/Clock.md)");

public:
    using store_type = Store;
    using transport_type = Transport;
    using clock_type = Clock;

    /** Opens the replica on `store`, giving the store a replica id when it has none.
        @throws concord::system_error when the store cannot be read.
    */
    explicit basic_replica(replica_options options, Store store = Store(),
                           Transport transport = Transport(), Clock clock = Clock());

    basic_replica(const basic_replica&) = delete;
    basic_replica& operator=(const basic_replica&) = delete;

    /// Stops the auto-sync timer and the online worker, if running. Must not run on their
    /// threads (from a callback).
    ~basic_replica() {
        stop_live();
        std::lock_guard control(timer_control_);
        stop_timer();
    }

    /// This replica's stable id.
    replica_id id() const noexcept { return id_; }

    /** Creates a record. An `Id` in `fields` (a GUID) is used as the record id; otherwise a new
        one is made.
        @returns the record id; or `unknown_entity`, `unknown_column`, `type_mismatch`,
        `missing_required`, `value_too_long`, `value_not_allowed`, `invalid_id`, `record_exists`.
    */
    CONCORD_NODISCARD result<std::string> insert(std::string_view entity,
                                                 boost::json::object fields);

    /** Sets some fields of a record.
        @returns `record_not_found`, or a validation error naming the column; success otherwise.
    */
    CONCORD_NODISCARD result<void> update(std::string_view entity, std::string_view id,
                                          boost::json::object fields);

    /// Deletes a record. @returns `record_not_found` when there is no such record.
    CONCORD_NODISCARD result<void> remove(std::string_view entity, std::string_view id);

    /// The local view of a record. @returns `unknown_entity` or `record_not_found`.
    CONCORD_NODISCARD result<record> get(std::string_view entity, std::string_view id);

    /** The records of an entity that match `f`, ordered by id.
        @returns `unknown_entity`, or `invalid_filter` naming the column.
    */
    CONCORD_NODISCARD result<std::vector<record>> find(std::string_view entity,
                                                       const filter& f = {});

    /// The outbox: changes not yet answered by the hub, oldest first.
    std::vector<change> pending();

    /** One sync: rounds of push and pull until the outbox is empty (of changes made before the
        call) and the last page is pulled.
        @returns what it did; or the transport's error (nothing was acknowledged: the changes
        stay pending and a later sync replays them safely), `protocol_error`, `store_failed`.
    */
    CONCORD_NODISCARD result<sync_summary> sync();

    /** Syncs every `interval` on a background thread until `stop_auto_sync()` or destruction:
        offline mode's timer. Each result goes to `replica_options::on_auto_sync`. A sync that
        fails (no network) is simply tried again at the next tick; the outbox keeps the
        changes. Starting it again replaces the interval. `on_auto_sync` may call
        `stop_auto_sync()`, not `start_auto_sync()` (`std::logic_error`).
    */
    void start_auto_sync(std::chrono::milliseconds interval);

    /// Stops the timer; waits for a sync it is running to finish. No-op when not started.
    void stop_auto_sync();

    /** Drops the local copy — every record and the cursor — so the next `sync()` rebuilds it
        from the hub. Refuses while changes are pending, unless `discard_pending`: then they are
        dropped too (the sync log is kept).
        @returns the number of pending changes discarded; or `pending_changes`, whose message
        says how many would be lost; `store_failed`.
    */
    CONCORD_NODISCARD result<std::size_t> clear_cache(bool discard_pending = false);

    /** Changes the replica's scope. The next `sync()` pulls what the new workplace covers —
        records that did not change included — and drops the records it no longer covers;
        pending changes are kept and pushed as usual (records they touch stay until the hub has
        answered them). Waits for a running sync.
        @returns `unknown_entity`, `unknown_column` (a column list naming no column),
        `invalid_filter` naming the column, `store_failed`.
    */
    CONCORD_NODISCARD result<void> switch_workplace(concord::workplace w);

    /// The current workplace (none: the whole schema). Does not wait for a running sync.
    std::optional<concord::workplace> current_workplace() {
        std::lock_guard lock(workplace_mutex_);
        return options_.workplace;
    }

    /** Switches between offline, online and hybrid modes (see `sync_mode`). Online and hybrid
        start a worker that connects, syncs at once, and keeps the replica current; offline
        stops it (pending changes stay in the outbox). Must not be called from a callback.
        @returns `unsupported` for online or hybrid when `Transport` is no
        `watching_transport`; `store_failed` when hybrid mode cannot read the local store (the
        replica then stays offline).
    */
    CONCORD_NODISCARD result<void> set_mode(sync_mode m);

    /** The schema in force: the app's (`replica_options::schema`) until a sync brings the hub's
        newer one, which is kept in the store and used from then on (a snapshot: a sync may
        replace it meanwhile).
    */
    std::shared_ptr<const concord::schema> schema() const {
        std::lock_guard lock(schema_mutex_);
        return schema_;
    }

    /// The mode `set_mode` chose (offline at first).
    sync_mode mode() const noexcept { return mode_.load(); }

    /// The link to the hub now.
    connection_state connection() const noexcept { return state_.load(); }

    /** Registers `s` (see `subscription`); its `notify` runs on the syncing thread after the
        pulled page is committed, outside every lock of the replica.
        @returns a handle for `unobserve`; or `unknown_entity`, `unknown_column`,
        `invalid_filter`.
    */
    CONCORD_NODISCARD result<std::uint64_t> observe(subscription s);

    /// Forgets a subscription.
    void unobserve(std::uint64_t handle);

    /// The time of the last completed sync and the entries awaiting the user.
    sync_log_view sync_log();

    /** Accepts the hub's copy (the default for every outcome): removes the entry.
        @returns `sync_log_entry_not_found`.
    */
    CONCORD_NODISCARD result<void> dismiss(std::uint64_t entry);

    /** Drops every pending change to the entry's record and restores the hub's copy; removes
        the entry. @returns `sync_log_entry_not_found`.
    */
    CONCORD_NODISCARD result<void> revert(std::uint64_t entry);

    /** Re-applies my change as a new change with a new stamp — the losing values of a merged or
        superseded change, the whole change after a rejection (re-creating a deleted record) —
        with `edits` on top (the user's corrections after "go to record"); an edit back to the
        hub's value leaves that field out (nothing left: no change is sent). Removes the entry.
        @returns `sync_log_entry_not_found`, `action_not_applicable`, or the new change's
        validation error (the entry then stays).
    */
    CONCORD_NODISCARD result<void> retry(std::uint64_t entry, boost::json::object edits = {});

    /** "Go to record": where the entry's record is and its local copy, so the app can open it;
        after the user's edits, `retry(entry, edits)` sends them. The entry stays.
        @returns `sync_log_entry_not_found`.
    */
    CONCORD_NODISCARD result<record_target> go_to_record(std::uint64_t entry);

    /** "Request access" for an entry refused for lack of a right (`rejected: permission`): a
        text naming the user, entity, record and field, addressed to the administrator email.
        It holds no credentials. The entry stays (dismiss or revert it once sent).
        @returns `sync_log_entry_not_found`; `action_not_applicable` for any other outcome.
    */
    CONCORD_NODISCARD result<access_request> request_access(std::uint64_t entry);

    const replica_options& options() const noexcept { return options_; }
    Store& store() noexcept { return store_; }
    Transport& transport() noexcept { return transport_; }

private:
    using transaction = typename Store::transaction;
    using held_ids = std::unordered_map<std::string, std::vector<std::string>>;

    void write(transaction& tx, replica_state& st, change c);
    result<void> write_existing(change c);
    void free_aside(sync_request& req, sync_response& resp);
    void next_push(const sync_request& prev, std::uint64_t last_seq, sync_request& next,
                   bool& more);
    result<sync_summary> apply(const sync_request& req, sync_response& resp, sync_summary& sum,
                               std::optional<detail::sweep_set>& sweep,
                               std::vector<record_event>& events);
    pull_request pull_from(std::uint64_t after, const held_ids* held = nullptr) const;
    static result<void> check_workplace(const concord::schema& s, const concord::workplace& w);
    void report(const sync_progress& p) const {
        if (options_.on_progress)
            options_.on_progress(p);
    }
    void rebase(transaction& tx, hub_record h);
    void settle(transaction& tx, replica_state& st, const sync_request& req,
                const sync_response& resp, sync_summary& sum, std::vector<std::size_t>& lost);
    bool settle_in_bulk(transaction& tx, replica_state& st, const sync_request& req,
                        const sync_response& resp, sync_summary& sum,
                        std::vector<std::size_t>& lost);
    hub_record echoed_copy(transaction& tx, const change& c);
    void settle_shadow(transaction& tx, const change& c, bool applied);
    result<bool> adopt(const concord::schema& s);
    void use_schema(concord::schema s);
    result<sync_summary> sync_locked(std::vector<record_event>& events);
    void note(transaction& tx, const hub_record& h, std::vector<record_event>& events,
              std::optional<record> before);
    void publish(const std::vector<record_event>& events);
    bool observed(std::string_view entity);
    // Online and hybrid modes (replica/impl/live.hpp).
    void live_loop();
    void stop_live();
    void poke();
    void set_state(connection_state s);
    bool refuses_writes() const noexcept {
        return mode_.load() == sync_mode::online && state_.load() != connection_state::connected;
    }
    void touch(std::string_view entity, std::string_view id);
    void trim();
    result<std::optional<record>> fetch(std::string_view entity, std::string_view id);
    result<std::vector<record>> fetch_all(std::string_view entity, const filter& f);
    std::optional<held_ids> held();
    std::int64_t now_ms() const { return clock_.physical_ms(); }

    replica_options options_;
    [[no_unique_address]] Store store_;
    [[no_unique_address]] Transport transport_;
    hlc<Clock> clock_; // touched only inside a store transaction, which serialises it
    replica_id id_;
    std::mutex sync_mutex_;
    // A large round's changes and answer being freed on another thread (under sync_mutex_).
    std::future<void> freeing_;
    static constexpr std::size_t free_aside_from = 1000; // changes, outcomes and rows
    // The auto-sync timer: a thread waiting on `timer_wake_` until the interval passes or it is
    // told to stop.
    std::mutex timer_mutex_;
    std::condition_variable timer_wake_;
    bool timer_stop_ = false;
    std::mutex timer_control_; // serialises start / stop / destruction
    std::thread timer_;
    std::mutex workplace_mutex_; // options_.workplace, read without waiting for a sync

    std::atomic<std::thread::id> timer_id_{}; // the timer thread, while it runs

    // Online and hybrid modes: a worker thread woken by local writes, hub notices and a lost
    // watch. Never hold live_mutex_ while calling the transport's watch / unwatch: their
    // callbacks take it.
    std::atomic<sync_mode> mode_{sync_mode::offline};
    std::atomic<connection_state> state_{connection_state::offline};
    std::mutex live_control_; // serialises set_mode and destruction
    std::mutex live_mutex_;
    std::condition_variable live_wake_;
    bool live_stop_ = false, live_dirty_ = false, live_lost_ = false;
    std::thread live_;
    std::mutex state_mutex_; // orders on_connection calls

    // Hybrid mode: the records used most recently, newest first.
    std::mutex recent_mutex_;
    std::vector<std::pair<std::string, std::string>> recent_;

    // The schema in force (see schema()), and whether the replica pulls every entity of it.
    mutable std::mutex schema_mutex_;
    std::shared_ptr<const concord::schema> schema_;
    std::string schema_version_;
    bool pulls_all_ = false;

    std::mutex observers_mutex_;
    std::vector<std::pair<std::uint64_t, subscription>> observers_;
    std::uint64_t next_observer_ = 1;
    std::atomic<bool> observing_{false};

    void stop_timer();
};

} // namespace concord

#include <concord/replica/impl/basic_replica.hpp>
#include <concord/replica/impl/live.hpp>

#endif // CONCORD_REPLICA_BASIC_REPLICA_HPP
