// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — an in-process transport to a hub, with fault injection.

#ifndef CONCORD_TRANSPORT_LOOPBACK_HPP
#define CONCORD_TRANSPORT_LOOPBACK_HPP

#include <concord/concepts/transport.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

namespace concord {

/** What a `loopback_transport` does wrong, on purpose (Beast's `fail_count` idea).

    Exchanges are numbered 1, 2, 3, … per transport. A test loops `n` over every point of an
    algorithm: fail exchange n, lose its response, deliver it twice. The random rates draw from
    a generator seeded with `seed`, so a failing schedule replays exactly.
*/
struct fault_plan {
    std::uint64_t fail_request_at = 0;  ///< exchange n fails before the hub sees it (0: never)
    std::uint64_t lose_response_at = 0; ///< exchange n reaches the hub; its answer is lost
    std::uint64_t duplicate_at = 0;     ///< exchange n reaches the hub twice (a retried request)
    double fail_rate = 0;               ///< probability that any exchange fails before the hub
    double lose_rate = 0;               ///< probability that any answer is lost after the hub
    double duplicate_rate = 0;          ///< probability that any request is delivered twice
    std::uint64_t seed = 1;             ///< seed of the random rates
    std::chrono::milliseconds delay{0}; ///< added before every delivery
};

/** A `transport` that hands requests to a hub in the same process. Copies share the hub,
    the fault plan and the counters.

    @tparam Hub a type with `result<sync_response> sync(const sync_request&)`, e.g. a
    `basic_hub` (and, for `watch`, its `watch` / `unwatch`). The hub must outlive the
    transport.

    Thread safety: safe.
*/
template <class Hub>
class loopback_transport {
    struct shared {
        std::mutex mutex;
        std::optional<std::uint64_t> watch; // the hub's handle of this transport's watch
        std::function<void()> on_lost;
        fault_plan plan;
        std::mt19937_64 rng;
        bool offline = false;
        std::uint64_t exchanges = 0;
        std::uint64_t delivered = 0;
    };

public:
    explicit loopback_transport(Hub& hub, fault_plan plan = {})
        : hub_(&hub)
        , s_(std::make_shared<shared>()) {
        set_plan(plan);
    }

    result<sync_response> exchange(const sync_request& req) {
        bool fail = false, lose = false, twice = false;
        std::chrono::milliseconds delay{0};
        {
            std::lock_guard lock(s_->mutex);
            const std::uint64_t n = ++s_->exchanges;
            const fault_plan& p = s_->plan;
            std::uniform_real_distribution<double> u(0.0, 1.0);
            fail = s_->offline || n == p.fail_request_at ||
                   (p.fail_rate > 0 && u(s_->rng) < p.fail_rate);
            lose = n == p.lose_response_at || (p.lose_rate > 0 && u(s_->rng) < p.lose_rate);
            twice = n == p.duplicate_at || (p.duplicate_rate > 0 && u(s_->rng) < p.duplicate_rate);
            delay = p.delay;
        }
        if (delay.count() > 0)
            std::this_thread::sleep_for(delay);
        if (fail)
            return error(errc::transport_failed, "loopback: request dropped before the hub");
        auto resp = hub_->sync(req);
        count_delivery();
        if (twice && resp) {
            resp = hub_->sync(req);
            count_delivery();
        }
        if (lose)
            return error(errc::transport_failed,
                         "loopback: response lost after the hub applied it");
        return resp;
    }

    /// Replaces the fault plan and reseeds the random faults.
    void set_plan(const fault_plan& p) {
        std::lock_guard lock(s_->mutex);
        s_->plan = p;
        s_->rng.seed(p.seed);
    }

    /** Opens the watch (online and hybrid modes) with `Hub::watch`: notices come on the
        committing thread. Fails like an exchange while offline.
    */
    result<void> watch(const watch_request& w, std::function<void(const change_notice&)> on_notice,
                       std::function<void()> on_lost) {
        unwatch();
        {
            std::lock_guard lock(s_->mutex);
            if (s_->offline)
                return error(errc::transport_failed, "loopback: offline, no watch");
        }
        auto h = hub_->watch(w.credentials, w.replica, std::move(on_notice));
        if (!h)
            return h.error();
        std::lock_guard lock(s_->mutex);
        s_->watch = *h;
        s_->on_lost = std::move(on_lost);
        return {};
    }

    /// Closes the watch; no callback runs once it returns.
    void unwatch() {
        std::optional<std::uint64_t> h;
        {
            std::lock_guard lock(s_->mutex);
            h = std::exchange(s_->watch, std::nullopt);
            s_->on_lost = nullptr;
        }
        if (h)
            forget(*h);
    }

    /// Whether a watch is open.
    bool watching() const {
        std::lock_guard lock(s_->mutex);
        return s_->watch.has_value();
    }

    /** While offline, every exchange fails before reaching the hub, and an open watch is lost
        (its `on_lost` runs, here on the calling thread), as when the network goes away.
    */
    void set_offline(bool offline) {
        {
            std::lock_guard lock(s_->mutex);
            s_->offline = offline;
        }
        if (offline)
            drop_watch();
    }

    /// Loses the watch alone (a dropped WebSocket while requests still go through).
    void drop_watch() {
        std::optional<std::uint64_t> h;
        std::function<void()> lost;
        {
            std::lock_guard lock(s_->mutex);
            h = std::exchange(s_->watch, std::nullopt);
            lost = std::exchange(s_->on_lost, nullptr);
        }
        if (!h)
            return;
        forget(*h);
        if (lost)
            lost();
    }

    /// Exchanges attempted so far.
    std::uint64_t exchanges() const {
        std::lock_guard lock(s_->mutex);
        return s_->exchanges;
    }

    /// Requests the hub actually handled (duplicates count twice).
    std::uint64_t delivered() const {
        std::lock_guard lock(s_->mutex);
        return s_->delivered;
    }

    Hub& hub() const noexcept { return *hub_; }

private:
    void count_delivery() {
        std::lock_guard lock(s_->mutex);
        ++s_->delivered;
    }

    // Ends the hub's side of a watch. A hub without watches (a test double) never had one.
    void forget(std::uint64_t handle) {
        if constexpr (requires(Hub& h) { h.unwatch(handle); })
            hub_->unwatch(handle);
    }

    Hub* hub_;
    std::shared_ptr<shared> s_;
};

} // namespace concord

#endif // CONCORD_TRANSPORT_LOOPBACK_HPP
