// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — randomised convergence: replicas, faults and skew; all end equal to the hub.

#include <concord.hpp>

#include <catch2/catch.hpp>
#include <support/recording_transport.hpp>
#include <support/schemas.hpp>
#include <support/seeds.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace concord;
using concord::test::seed_from_env;

using hub_type = basic_hub<memory_hub_store, allow_all, manual_clock_ref>;
using recording_hub_type = test::recording_hub<hub_type>;
using loop_type = loopback_transport<recording_hub_type>;
using replica_type = basic_replica<memory_replica_store, test::recording_transport<loop_type>,
                                   offset_clock<manual_clock>>;

constexpr std::int64_t max_skew_ms = 5 * 60 * 1000;
const std::vector<std::string> entities{"Case", "Message"};

/// How big the schedules of one test case are.
struct schedule_size {
    std::uint64_t min_replicas;
    std::uint64_t max_replicas;
    std::uint64_t min_steps;
    std::uint64_t max_steps;
};

/// What the schedules exercised, summed, so the run shows it covered the interesting paths.
struct coverage {
    std::size_t schedules = 0;
    std::size_t changes = 0;
    std::map<outcome_kind, std::size_t> outcomes;
    std::map<reject_reason, std::size_t> rejections;
    std::size_t clamped = 0;
    std::size_t echoes = 0; // outcomes whose record the round's pull left out
    std::size_t failed_syncs = 0;
    std::size_t dismissed = 0, reverted = 0, retried = 0, retry_refused = 0;
    std::size_t reverted_changes = 0;
    std::size_t invalid_writes = 0;
    std::size_t writes_during_sync = 0;
    std::size_t replays = 0;
    std::size_t unacknowledged = 0;
    std::size_t records = 0, tombstones = 0;
};

// "" on success, else the error's message: readable in a failed REQUIRE.
template <class T>
std::string error_of(const result<T>& r) {
    return r ? std::string() : r.error().message;
}

std::string describe(const record& r) {
    return r.id + " " + boost::json::serialize(r.fields);
}

// What differs between a replica's records and the hub's live records ("" when nothing).
std::string diff(const std::vector<record>& local, const std::vector<record>& hub) {
    std::map<std::string, const record*> l, h;
    for (const auto& r : local)
        l[r.id] = &r;
    for (const auto& r : hub)
        h[r.id] = &r;
    std::string out;
    for (const auto& [id, r] : h) {
        auto it = l.find(id);
        if (it == l.end())
            out += "missing on replica: " + describe(*r) + "\n";
        else if (*it->second != *r)
            out += "differs: replica " + describe(*it->second) + " / hub " + describe(*r) + "\n";
    }
    for (const auto& [id, r] : l)
        if (!h.count(id))
            out += "extra on replica: " + describe(*r) + "\n";
    return out;
}

class schedule {
public:
    schedule(std::uint64_t seed, const schedule_size& size, coverage& cov)
        : rng_(seed)
        , hub_(make_hub())
        , recording_hub_(hub_, [this] { return clock_.now_ms(); })
        , cov_(cov) {
        const std::uint64_t n = size.min_replicas + pick(size.max_replicas - size.min_replicas + 1);
        steps_ = size.min_steps + pick(size.max_steps - size.min_steps + 1);
        // Small push and pull limits in some schedules make one sync several round trips.
        static constexpr std::size_t push_limits[] = {1, 2, 3, 500, 500};
        static constexpr std::size_t pull_limits[] = {1, 2, 5, 1000, 1000};
        const std::size_t push_limit = push_limits[pick(5)];
        const std::size_t pull_limit = pull_limits[pick(5)];
        for (std::uint64_t i = 0; i < n; ++i) {
            replica_options o{test::helpdesk()};
            // Distinct ids drawn from the seed: tie-breaks differ from schedule to schedule.
            o.id = replica_id{(rng_() & 0xFFFF'FFFF'FFFF'FF00ULL) | (i + 1)};
            o.push_limit = push_limit;
            o.pull_limit = pull_limit;
            // Mostly a few seconds off; sometimes beyond the hub's skew bound, either way.
            std::int64_t offset = static_cast<std::int64_t>(pick(10'001)) - 5'000;
            if (chance(0.15))
                offset = (chance(0.5) ? 1 : -1) *
                         (max_skew_ms + 60'000 + static_cast<std::int64_t>(pick(600'000)));
            offsets_.push_back(offset);
            recorders_.emplace_back();
            replicas_.push_back(std::make_unique<replica_type>(
                std::move(o), memory_replica_store(),
                test::recording_transport<loop_type>(loop_type(recording_hub_), recorders_.back()),
                offset_clock<manual_clock>(clock_, offset)));
            // Sometimes the app writes while a sync waits for the hub's answer.
            replicas_.back()->transport().set_hook([this, i] {
                if (writes_during_sync_ && chance(0.1)) {
                    write(*replicas_[i]);
                    ++cov_.writes_during_sync;
                }
            });
        }
        removed_.resize(n);
    }

    void run() {
        setup();
        writes_during_sync_ = true;
        for (std::uint64_t s = 0; s < steps_; ++s)
            step();
        writes_during_sync_ = false;
        finish();
        check();
    }

private:
    static hub_options hub_opts() {
        hub_options o{test::helpdesk()};
        o.max_skew_ms = max_skew_ms;
        return o;
    }
    hub_type make_hub() {
        return hub_type(hub_opts(), memory_hub_store(), allow_all(), manual_clock_ref(clock_));
    }

    std::uint64_t pick(std::uint64_t n) { return rng_() % n; }
    bool chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }
    template <class T>
    const T& any_of(const std::vector<T>& v) {
        return v[pick(v.size())];
    }

    std::string guid() {
        static constexpr char hex[] = "0123456789abcdef";
        std::string s;
        const std::uint64_t words[2] = {rng_(), rng_()};
        for (int i = 0; i < 32; ++i) {
            if (i == 8 || i == 12 || i == 16 || i == 20)
                s.push_back('-');
            s.push_back(hex[(words[i / 16] >> (4 * (15 - i % 16))) & 0xF]);
        }
        return s;
    }

    // Values from small pools, so replicas often write the same field, sometimes the same value.
    boost::json::value value_of(const std::string& col) {
        if (col == "Status") {
            static const char* v[] = {"New", "In progress", "Resolved", "Closed"};
            return chance(0.1) ? boost::json::value(nullptr) : boost::json::value(v[pick(4)]);
        }
        if (col == "Owner") {
            static const char* v[] = {"ann", "bob", "cat", "dan"};
            return boost::json::value(v[pick(4)]);
        }
        if (col == "Priority")
            return boost::json::value(static_cast<std::int64_t>(1 + pick(4)));
        if (col == "Description")
            return boost::json::value("d" + std::to_string(pick(40)));
        if (col == "Escalated")
            return boost::json::value(chance(0.5));
        if (col == "Category")
            return boost::json::value(chance(0.5) ? "Incident" : "Service request");
        if (col == "Author") {
            static const char* v[] = {"ann", "bob", "eve"};
            return boost::json::value(v[pick(3)]);
        }
        return boost::json::value("t" + std::to_string(pick(20))); // Text
    }

    boost::json::object some_fields(const std::string& entity) {
        static const std::vector<std::string> case_cols{"Status", "Owner", "Priority",
                                                        "Description", "Escalated"};
        static const std::vector<std::string> message_cols{"Author", "Text"};
        const auto& cols = entity == "Case" ? case_cols : message_cols;
        boost::json::object f;
        while (f.empty())
            for (const auto& c : cols)
                if (chance(0.4))
                    f[c] = value_of(c);
        if (entity == "Case" && chance(0.05))
            f["Category"] = value_of("Category");
        return f;
    }

    std::vector<record> records_of(replica_type& r, const std::string& entity) {
        auto found = r.find(entity);
        REQUIRE(error_of(found) == "");
        return std::move(*found);
    }

    // The changes `r` made since the last look: what is pending and not yet known.
    std::vector<change> new_changes(replica_type& r) {
        std::vector<change> out;
        for (auto& c : r.pending())
            if (!made_.count(c.id))
                out.push_back(std::move(c));
        return out;
    }

    // A write call that succeeded made exactly one change; one that failed made none.
    void expect_one_change(replica_type& r) {
        auto fresh = new_changes(r);
        REQUIRE(fresh.size() == 1);
        REQUIRE(fresh[0].id.replica == r.id());
        made_.emplace(fresh[0].id, fresh[0]);
        ++cov_.changes;
    }
    void expect_no_change(replica_type& r) { REQUIRE(new_changes(r).empty()); }

    void insert(replica_type& r, bool message) {
        boost::json::object f;
        std::string entity = "Case";
        if (message) {
            auto cases = records_of(r, "Case");
            if (!cases.empty()) {
                entity = "Message";
                f["Case"] = any_of(cases).id;
                f["Text"] = value_of("Text");
                if (chance(0.5))
                    f["Author"] = value_of("Author");
            }
        }
        if (entity == "Case") {
            f = chance(0.5) ? some_fields("Case") : boost::json::object{};
            f["Number"] = "C-" + std::to_string(pick(100'000));
            f["Category"] = value_of("Category");
        }
        f["Id"] = guid();
        REQUIRE(error_of(r.insert(entity, f)) == "");
        expect_one_change(r);
    }

    void update(replica_type& r) {
        const std::string entity = chance(0.8) ? "Case" : "Message";
        auto recs = records_of(r, entity);
        if (recs.empty())
            return;
        const std::string id = any_of(recs).id;
        if (chance(0.03)) {
            // Refused locally: nothing reaches the outbox.
            auto bad = r.update(entity, id, {{entity == "Case" ? "Priority" : "Text", 3.5}});
            REQUIRE_FALSE(bad.has_value());
            REQUIRE(bad.error() == errc::type_mismatch);
            expect_no_change(r);
            ++cov_.invalid_writes;
            return;
        }
        REQUIRE(error_of(r.update(entity, id, some_fields(entity))) == "");
        expect_one_change(r);
    }

    void remove(replica_type& r) {
        const std::string entity = chance(0.8) ? "Case" : "Message";
        auto recs = records_of(r, entity);
        if (recs.empty())
            return;
        REQUIRE(error_of(r.remove(entity, any_of(recs).id)) == "");
        expect_one_change(r);
    }

    void write(replica_type& r) {
        const std::uint64_t what = pick(10);
        if (what < 6)
            update(r);
        else if (what < 8)
            insert(r, chance(0.2));
        else
            remove(r);
    }

    void sync(replica_type& r) {
        auto s = r.sync();
        if (!s) {
            INFO(s.error().message);
            REQUIRE(s.error() == errc::transport_failed);
            ++cov_.failed_syncs;
        }
    }

    std::set<change_id> pending_ids(replica_type& r) {
        std::set<change_id> ids;
        for (const auto& c : r.pending())
            ids.insert(c.id);
        return ids;
    }

    bool in_log(replica_type& r, std::uint64_t entry) {
        for (const auto& e : r.sync_log().entries)
            if (e.id == entry)
                return true;
        return false;
    }

    void log_action(std::size_t i) {
        replica_type& r = *replicas_[i];
        auto entries = r.sync_log().entries;
        if (entries.empty())
            return;
        // Half the time, an entry whose record has pending changes (what a revert drops).
        if (chance(0.5)) {
            std::vector<sync_log_entry> busy;
            const auto pending = r.pending();
            for (const auto& e : entries)
                if (std::any_of(pending.begin(), pending.end(), [&](const change& c) {
                        return c.entity == e.mine.entity && c.record_id == e.mine.record_id;
                    }))
                    busy.push_back(e);
            if (!busy.empty())
                entries = std::move(busy);
        }
        const sync_log_entry e = any_of(entries);
        switch (pick(3)) {
        case 0: {
            REQUIRE(error_of(r.dismiss(e.id)) == "");
            expect_no_change(r);
            ++cov_.dismissed;
            break;
        }
        case 1: {
            const auto before = pending_ids(r);
            REQUIRE(error_of(r.revert(e.id)) == "");
            expect_no_change(r);
            const auto after = pending_ids(r);
            for (const auto& id : before)
                if (!after.count(id)) {
                    // Only the entry's record loses its pending changes.
                    const change& c = made_.at(id);
                    REQUIRE(c.entity == e.mine.entity);
                    REQUIRE(c.record_id == e.mine.record_id);
                    reverted_.insert(id);
                    ++cov_.reverted_changes;
                }
            ++cov_.reverted;
            break;
        }
        default: {
            boost::json::object edits;
            if (e.mine.entity == "Case" && chance(0.3))
                edits["Owner"] = value_of("Owner");
            auto t = r.retry(e.id, edits);
            if (!t.has_value()) {
                // Nothing to re-apply (the record is gone), or the re-created record would miss
                // a required column: the entry stays and nothing was written.
                INFO(t.error().message);
                REQUIRE((t.error() == errc::action_not_applicable ||
                         t.error() == errc::missing_required));
                expect_no_change(r);
                REQUIRE(in_log(r, e.id));
                ++cov_.retry_refused;
                return;
            }
            if (new_changes(r).empty()) {
                // Every field to re-send was edited back to the hub's value: nothing to send.
                REQUIRE(e.result.hub_copy);
                boost::json::object fields =
                    e.result.kind == outcome_kind::rejected ? e.mine.fields : e.result.losing;
                for (const auto& f : edits)
                    fields[f.key()] = f.value();
                for (const auto& f : fields) {
                    REQUIRE(edits.contains(f.key()));
                    REQUIRE(e.result.hub_copy->fields.if_contains(f.key()));
                    REQUIRE(*e.result.hub_copy->fields.if_contains(f.key()) == f.value());
                }
                ++cov_.retried;
                break;
            }
            expect_one_change(r);
            ++cov_.retried;
            break;
        }
        }
        REQUIRE_FALSE(in_log(r, e.id));
        removed_[i].push_back(e);
    }

    void setup() {
        // A shared pool of records, created by the first replica and synced to everyone.
        replica_type& first = *replicas_[0];
        const std::uint64_t pool = 3 + pick(4);
        for (std::uint64_t k = 0; k < pool; ++k)
            insert(first, k > 0 && chance(0.2));
        for (auto& r : replicas_)
            REQUIRE(error_of(r->sync()) == "");
        for (auto& r : replicas_) {
            fault_plan p;
            p.fail_rate = static_cast<double>(pick(30)) / 100.0;
            p.lose_rate = static_cast<double>(pick(30)) / 100.0;
            p.duplicate_rate = static_cast<double>(pick(30)) / 100.0;
            p.seed = rng_();
            r->transport().inner().set_plan(p);
        }
    }

    void step() {
        // Time moves on, sometimes not at all (equal physical times, logical counters decide).
        if (!chance(0.2))
            clock_.advance(static_cast<std::int64_t>(1 + pick(2'000)));
        const std::size_t i = pick(replicas_.size());
        replica_type& r = *replicas_[i];
        const std::uint64_t what = pick(100);
        if (what < 35)
            update(r);
        else if (what < 45)
            insert(r, chance(0.2));
        else if (what < 53)
            remove(r);
        else if (what < 78)
            sync(r);
        else if (what < 83)
            r.transport().inner().set_offline(chance(0.5));
        else if (what < 95)
            log_action(i);
        else
            update(r);
    }

    void finish() {
        for (auto& r : replicas_) {
            r->transport().inner().set_plan({});
            r->transport().inner().set_offline(false);
        }
        // Without faults one sync empties an outbox; each replica's sync must now succeed.
        for (auto& r : replicas_) {
            REQUIRE(error_of(r->sync()) == "");
            REQUIRE(r->pending().empty());
        }
        // Everyone pulls what the others pushed after its own sync.
        for (auto& r : replicas_)
            REQUIRE(error_of(r->sync()) == "");
    }

    void check() {
        // The hub's records, tombstones included, straight from its store.
        std::vector<hub_record> rows;
        {
            auto tx = hub_.store().begin();
            rows = tx.changes_after(0, std::numeric_limits<std::size_t>::max(), {}).rows;
        }
        std::size_t stored = 0;
        for (const auto& e : entities)
            stored += hub_.store().size(e);
        // One change-log entry per record, whatever the number of writes.
        REQUIRE(rows.size() == stored);
        REQUIRE(hub_.store().change_log_size() == stored);

        std::map<std::string, std::vector<record>> live;
        for (const auto& h : rows) {
            if (h.deleted) {
                ++cov_.tombstones;
                continue;
            }
            live[h.entity].push_back(record{h.id, h.fields});
            ++cov_.records;
        }
        for (auto& [e, recs] : live)
            std::sort(recs.begin(), recs.end(),
                      [](const record& a, const record& b) { return a.id < b.id; });

        for (std::size_t i = 0; i < replicas_.size(); ++i) {
            replica_type& r = *replicas_[i];
            INFO("replica " << i << " (" << to_string(r.id()) << ")");
            REQUIRE(r.pending().empty());
            for (const auto& e : entities) {
                INFO("entity " << e);
                CHECK(diff(records_of(r, e), live[e]) == "");
            }
        }
        account();
    }

    // Every change ever made ends in exactly one place: delivered applied (or duplicate), in its
    // replica's sync log (now, or until a user action removed the entry), or dropped by a
    // revert of its record.
    void account() {
        std::vector<std::string> problems;
        auto problem = [&](const change_id& id, const std::string& what) {
            problems.push_back(to_string(id) + ": " + what);
        };
        std::map<change_id, const sync_log_entry*> logged;
        std::map<change_id, int> log_count;
        std::vector<std::vector<sync_log_entry>> current(replicas_.size());
        for (std::size_t i = 0; i < replicas_.size(); ++i) {
            replica_type& r = *replicas_[i];
            current[i] = r.sync_log().entries;
            const test::outcome_recorder& rec = recorders_[i];
            for (const auto& id : rec.answered_again)
                problem(id, "answered again after its answer was delivered");
            for (const auto& [id, o] : rec.outcomes) {
                if (!made_.count(id))
                    problem(id, "an outcome for a change never made");
                ++cov_.outcomes[o.kind];
                if (o.kind == outcome_kind::rejected)
                    ++cov_.rejections[o.reason];
                cov_.clamped += o.skew_clamped ? 1 : 0;
                cov_.echoes += o.echo_omitted ? 1 : 0;
            }
            for (const auto* list : {&current[i], &removed_[i]})
                for (const auto& e : *list) {
                    const change_id id = e.mine.id;
                    ++log_count[id];
                    logged[id] = &e;
                    if (id.replica != r.id())
                        problem(id, "in the sync log of another replica");
                    if (e.result.change != id)
                        problem(id, "log entry's outcome is for " + to_string(e.result.change));
                    auto m = made_.find(id);
                    if (m == made_.end()) {
                        problem(id, "logged but never made");
                        continue;
                    }
                    if (e.mine != m->second)
                        problem(id, "logged change differs from the change made");
                    const outcome* delivered = rec.find(id);
                    if (delivered == nullptr || delivered->kind != e.result.kind)
                        problem(id, "logged outcome was not the one delivered");
                    check_losing(e, problem);
                }
        }
        const auto& answers = recording_hub_.answers();
        for (const auto& [id, given] : answers) {
            if (!made_.count(id))
                problem(id, "the hub answered a change never made");
            cov_.replays += given.size() - 1;
            const outcome& first = given.front().given;
            // A stamp is clamped exactly when, as the hub first judged it, it was further ahead
            // of the hub's clock than the bound.
            auto m = made_.find(id);
            if (m != made_.end()) {
                const std::int64_t ahead = m->second.at.physical_ms - given.front().at_ms;
                if (first.skew_clamped != (ahead > max_skew_ms))
                    problem(id, std::string("skew_clamped is ") +
                                    (first.skew_clamped ? "set" : "not set") + " for a stamp " +
                                    std::to_string(ahead) + " ms ahead of the hub");
            }
            // A replay gets the outcome of the first time (the hub's copy is as of now).
            for (const auto& again : given)
                if (!same_outcome(first, again.given))
                    problem(id, "the hub answered " + std::string(to_string(first.kind)) +
                                    " first and " + std::string(to_string(again.given.kind)) +
                                    " to a replay");
        }
        for (const auto& [id, c] : made_) {
            const outcome* o = recorders_[replica_index(id)].find(id);
            auto given = answers.find(id);
            if (given == answers.end()) {
                if (!reverted_.count(id))
                    problem(id, "never answered by the hub, and not reverted");
            } else if (o != nullptr && !same_outcome(given->second.front().given, *o)) {
                problem(id, "delivered " + std::string(to_string(o->kind)) + ", hub answered " +
                                std::string(to_string(given->second.front().given.kind)));
            }
            const bool applied = o != nullptr && (o->kind == outcome_kind::applied ||
                                                  o->kind == outcome_kind::duplicate);
            const int in_log = log_count.count(id) ? log_count[id] : 0;
            const bool dropped = reverted_.count(id) > 0;
            const int places = (applied ? 1 : 0) + in_log + (dropped ? 1 : 0);
            if (places != 1)
                problem(id, std::string(to_string(c.op)) + " " + c.entity + " " + c.record_id +
                                " accounted for " + std::to_string(places) + " times (delivered " +
                                (o ? std::string(to_string(o->kind)) : std::string("nothing")) +
                                ", in log " + std::to_string(in_log) + ", reverted " +
                                (dropped ? "yes" : "no") + ")");
            if (o != nullptr && !applied && in_log == 0)
                problem(id, "delivered " + std::string(to_string(o->kind)) + " but not logged");
        }
        // The hub keeps outcomes until acknowledged: what is left is only the answers to changes
        // that a revert dropped while their answer was lost, past the last acknowledged one.
        std::size_t unacknowledged = 0;
        for (const auto& id : reverted_) {
            replica_type& r = *replicas_[replica_index(id)];
            if (answers.count(id) && id.seq > r.store().begin().state().acknowledged)
                ++unacknowledged;
        }
        if (hub_.store().stored_outcomes() != unacknowledged)
            problems.push_back("the hub keeps " + std::to_string(hub_.store().stored_outcomes()) +
                               " outcomes, expected " + std::to_string(unacknowledged));
        cov_.unacknowledged += unacknowledged;
        std::string first;
        for (std::size_t k = 0; k < problems.size() && k < 10; ++k)
            first += problems[k] + "\n";
        INFO(problems.size() << " accounting problems:\n" << first);
        REQUIRE(problems.empty());
    }

    // Equal but for what belongs to one answer: the hub's copy, which is always the current
    // one, and whether that answer's pull left the record out as an echo.
    static bool same_outcome(outcome a, outcome b) {
        a.hub_copy.reset();
        b.hub_copy.reset();
        a.echo_omitted = b.echo_omitted = false;
        return a == b;
    }

    template <class Problem>
    static void check_losing(const sync_log_entry& e, Problem& problem) {
        const change& mine = e.mine;
        const boost::json::object& losing = e.result.losing;
        for (const auto& f : losing) {
            auto it = mine.fields.find(f.key());
            if (it == mine.fields.end() || it->value() != f.value())
                problem(mine.id, "losing value of " + std::string(f.key()) + " is not mine");
        }
        switch (e.result.kind) {
        case outcome_kind::merged:
            if (losing.empty() || losing.size() >= mine.fields.size())
                problem(mine.id, "merged, but losing holds " + boost::json::serialize(losing));
            break;
        case outcome_kind::superseded:
        case outcome_kind::rejected:
            // Every value lost (a remove has none).
            if (losing != mine.fields)
                problem(mine.id, std::string(to_string(e.result.kind)) + ", but losing holds " +
                                     boost::json::serialize(losing));
            break;
        case outcome_kind::applied:
        case outcome_kind::duplicate:
            problem(mine.id, "an applied change in the sync log");
            break;
        }
    }

    std::size_t replica_index(const change_id& id) const {
        for (std::size_t i = 0; i < replicas_.size(); ++i)
            if (replicas_[i]->id() == id.replica)
                return i;
        return 0;
    }

    std::mt19937_64 rng_;
    manual_clock clock_;
    hub_type hub_;
    recording_hub_type recording_hub_;
    coverage& cov_;
    bool writes_during_sync_ = false;
    std::uint64_t steps_ = 0;
    std::vector<std::int64_t> offsets_;            // each replica's clock offset, ms
    std::deque<test::outcome_recorder> recorders_; // a deque: recorders never move
    std::vector<std::unique_ptr<replica_type>> replicas_;
    std::map<change_id, change> made_;
    std::set<change_id> reverted_;
    std::vector<std::vector<sync_log_entry>> removed_; // entries a user action removed
};

void print(const char* name, const coverage& c, double seconds) {
    std::cout << name << ": " << c.schedules << " schedules in " << seconds << " s; " << c.changes
              << " changes; outcomes";
    for (const auto& [k, n] : c.outcomes)
        std::cout << " " << to_string(k) << "=" << n;
    std::cout << " (rejected:";
    for (const auto& [k, n] : c.rejections)
        std::cout << " " << to_string(k) << "=" << n;
    std::cout << "); clamped=" << c.clamped << "; echoes=" << c.echoes
              << "; failed syncs=" << c.failed_syncs << "; dismissed=" << c.dismissed
              << " reverted=" << c.reverted << " (" << c.reverted_changes
              << " changes) retried=" << c.retried << " retry refused=" << c.retry_refused
              << "; invalid writes=" << c.invalid_writes
              << "; writes during sync=" << c.writes_during_sync << "; replays=" << c.replays
              << "; outcomes left unacknowledged=" << c.unacknowledged
              << "; final records=" << c.records << " tombstones=" << c.tombstones << "\n";
}

// Runs `count` schedules with seeds base, base+1, … (or only CONCORD_SEED), each must converge.
coverage run_schedules(const char* name, std::uint64_t base, std::uint64_t count,
                       const schedule_size& size) {
    coverage cov;
    const auto only = seed_from_env();
    const std::uint64_t first = only ? *only : base;
    const std::uint64_t n = only ? 1 : count;
    std::cout << name << ": seeds " << first << ".." << first + n - 1
              << " (replay one with CONCORD_SEED=<seed>)\n";
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t seed = first; seed < first + n; ++seed) {
        INFO("seed " << seed << " (replay: CONCORD_SEED=" << seed << ")");
        schedule(seed, size, cov).run();
        ++cov.schedules;
    }
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    print(name, cov, dt.count());
    return cov;
}

} // namespace

TEST_CASE("convergence: after faults, skew and conflicts every replica equals the hub and every "
          "change is accounted for once",
          "[e2e]") {
    const coverage cov = run_schedules("convergence", 1'000, 1'000, schedule_size{5, 7, 30, 80});
    if (!seed_from_env()) {
        REQUIRE(cov.schedules == 1'000);
        // The default run reaches every kind of answer and every sync log action.
        CHECK(cov.outcomes.count(outcome_kind::merged));
        CHECK(cov.outcomes.count(outcome_kind::superseded));
        CHECK(cov.rejections.count(reject_reason::deleted));
        CHECK(cov.clamped > 0);
        CHECK(cov.echoes > 0);
        CHECK(cov.failed_syncs > 0);
        CHECK(cov.dismissed > 0);
        CHECK(cov.reverted_changes > 0);
        CHECK(cov.retried > 0);
        CHECK(cov.replays > 0);
        CHECK(cov.writes_during_sync > 0);
    }
}

TEST_CASE("convergence: bigger schedules, more replicas and steps, converge the same",
          "[e2e][long]") {
    const coverage cov =
        run_schedules("convergence long", 100'000, 200, schedule_size{8, 12, 400, 1000});
    if (!seed_from_env())
        REQUIRE(cov.schedules == 200);
}
