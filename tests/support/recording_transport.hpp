// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — wrappers that record the outcomes a hub gives and the outcomes a replica receives.

#ifndef CONCORD_TESTS_SUPPORT_RECORDING_TRANSPORT_HPP
#define CONCORD_TESTS_SUPPORT_RECORDING_TRANSPORT_HPP

#include <concord/concepts/transport.hpp>
#include <concord/model/batch.hpp>
#include <concord/model/change.hpp>
#include <concord/model/outcome.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace concord::test {

/** What a `recording_transport` saw come back: the outcomes of exchanges that reached the
    replica. An answer lost on the way (fault injection) is not here; its replay is.
*/
struct outcome_recorder {
    /// The first delivered outcome of each change.
    std::map<change_id, outcome> outcomes;
    /// Changes that were answered again after an answer had already been delivered: a replica
    /// only resends changes it has no answer for, so this stays empty unless something is wrong.
    std::vector<change_id> answered_again;
    std::size_t exchanges = 0; ///< exchanges attempted
    std::size_t delivered = 0; ///< exchanges whose answer reached the replica

    /// The outcome delivered for `id`, or nullptr when none was.
    const outcome* find(const change_id& id) const {
        auto it = outcomes.find(id);
        return it == outcomes.end() ? nullptr : &it->second;
    }
};

/** A `transport` that forwards to `Inner` and, when the exchange succeeds, records the
    outcomes it returns into an `outcome_recorder` owned by the test.

    `set_hook(f)` makes every successful exchange call `f()` after the hub answered and before
    the replica sees the answer: the app writing while a sync waits for the hub.

    The recorder must outlive the transport. Thread safety: as `Inner`, plus the recorder is
    unguarded (one replica, one thread).
*/
template <class Inner>
class recording_transport {
    static_assert(transport<Inner>, "recording_transport: Inner does not model concord::transport");

public:
    recording_transport(Inner inner, outcome_recorder& rec)
        : inner_(std::move(inner))
        , rec_(&rec) {}

    result<sync_response> exchange(const sync_request& req) {
        ++rec_->exchanges;
        auto resp = inner_.exchange(req);
        if (!resp)
            return resp;
        ++rec_->delivered;
        for (const outcome& o : resp->outcomes)
            if (!rec_->outcomes.emplace(o.change, o).second)
                rec_->answered_again.push_back(o.change);
        if (hook_)
            hook_();
        return resp;
    }

    /// Runs `f` inside every successful exchange, before the answer is returned (empty: none).
    void set_hook(std::function<void()> f) { hook_ = std::move(f); }

    Inner& inner() noexcept { return inner_; }
    outcome_recorder& recorder() const noexcept { return *rec_; }

private:
    Inner inner_;
    outcome_recorder* rec_;
    std::function<void()> hook_;
};

/// One outcome a hub gave, and the time (of the clock given to `recording_hub`) it gave it.
struct hub_answer {
    outcome given;
    std::int64_t at_ms = 0;
};

/** Stands in for a hub behind a `loopback_transport`: forwards `sync` to the real hub and keeps
    every outcome the hub gave, including answers that fault injection then lost and requests
    it handled twice. A test compares them: a replayed change must get its first outcome again.

    `clock` (optional) tells the time of each answer, e.g. the test's manual clock.
    The hub must outlive it. Thread safety: unguarded (a single-threaded test).
*/
template <class Hub>
class recording_hub {
public:
    explicit recording_hub(Hub& hub, std::function<std::int64_t()> clock = {})
        : hub_(&hub)
        , clock_(std::move(clock)) {}

    result<sync_response> sync(const sync_request& req) {
        auto resp = hub_->sync(req);
        if (resp) {
            const std::int64_t now = clock_ ? clock_() : 0;
            for (const outcome& o : resp->outcomes)
                answers_[o.change].push_back(hub_answer{o, now});
        }
        return resp;
    }

    /// Every outcome the hub gave for each change, in the order given.
    const std::map<change_id, std::vector<hub_answer>>& answers() const noexcept {
        return answers_;
    }

    Hub& hub() noexcept { return *hub_; }

private:
    Hub* hub_;
    std::function<std::int64_t()> clock_;
    std::map<change_id, std::vector<hub_answer>> answers_;
};

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_RECORDING_TRANSPORT_HPP
