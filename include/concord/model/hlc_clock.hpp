// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — physical clocks and the hybrid logical clock that stamps changes.

#ifndef CONCORD_MODEL_HLC_CLOCK_HPP
#define CONCORD_MODEL_HLC_CLOCK_HPP

#include <concord/concepts/clock.hpp>
#include <concord/model/stamp.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace concord {

/// The system's wall clock. Models `clock`. Thread safety: safe.
struct system_clock {
    std::int64_t now_ms() const noexcept {
        using namespace std::chrono;
        return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

/** A clock that moves only when told: for tests and deterministic simulations. Models `clock`.

    It is not copyable; engines take their Clock by value, so give each a `manual_clock_ref`
    to share one test clock. Thread safety: safe (atomic).
*/
class manual_clock {
public:
    explicit manual_clock(std::int64_t start_ms = 1'700'000'000'000) noexcept : now_(start_ms) {}

    std::int64_t now_ms() const noexcept { return now_.load(std::memory_order_relaxed); }
    void set(std::int64_t ms) noexcept { now_.store(ms, std::memory_order_relaxed); }
    void advance(std::int64_t ms) noexcept { now_.fetch_add(ms, std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> now_;
};

/** A clock that reads another clock, plus a fixed offset: a device whose clock is skewed.
    Models `clock`. The referenced clock must outlive it.
*/
template <class Clock = manual_clock>
class offset_clock {
public:
    explicit offset_clock(const Clock& base, std::int64_t offset_ms = 0) noexcept
        : base_(&base)
        , offset_ms_(offset_ms) {}

    std::int64_t now_ms() const noexcept { return base_->now_ms() + offset_ms_; }
    void set_offset(std::int64_t ms) noexcept { offset_ms_ = ms; }

private:
    const Clock* base_;
    std::int64_t offset_ms_;
};

/// A non-owning handle to a `manual_clock`, so several engines can share one test clock.
using manual_clock_ref = offset_clock<manual_clock>;

/** A hybrid logical clock (Kulkarni et al.): stamps that follow physical time when it moves
    forward and a logical counter when it does not, never going backwards.

    `now()` stamps a local event; `receive()` merges a stamp seen from elsewhere (the hub's
    time at every sync), so causally later changes get larger stamps even across skewed
    devices.

    Thread safety: distinct objects safe; shared objects unsafe (the engines guard theirs).
*/
template <class Clock = system_clock>
class hlc {
    static_assert(clock<Clock>,
                  "concord: Clock does not model concord::clock (see docs/concepts/Clock.md)");

public:
    hlc(Clock c, replica_id id, stamp last = {}) : clock_(std::move(c)), last_(last) {
        last_.replica = id;
    }

    /// A new stamp for a local event, larger than every stamp this clock produced or received.
    stamp now() {
        const std::int64_t pt = clock_.now_ms();
        if (pt > last_.physical_ms) {
            last_.physical_ms = pt;
            last_.logical = 0;
        } else {
            bump();
        }
        return last_;
    }

    /// Merges a remote stamp: later local stamps are larger than `remote`.
    void receive(const stamp& remote) {
        const std::int64_t pt = clock_.now_ms();
        const std::int64_t l = std::max({last_.physical_ms, remote.physical_ms, pt});
        if (l == last_.physical_ms && l == remote.physical_ms) {
            last_.logical = std::max(last_.logical, remote.logical);
            bump();
        } else if (l == last_.physical_ms) {
            bump();
        } else if (l == remote.physical_ms) {
            last_.physical_ms = l;
            last_.logical = remote.logical;
            bump();
        } else {
            last_.physical_ms = l;
            last_.logical = 0;
        }
    }

    /// The physical time of the underlying clock, in ms.
    std::int64_t physical_ms() const { return clock_.now_ms(); }

    /// The last stamp produced or merged: persist it to survive restarts.
    const stamp& last() const noexcept { return last_; }

    replica_id id() const noexcept { return last_.replica; }

    const Clock& physical() const noexcept { return clock_; }

private:
    // Next logical tick; a counter at its maximum moves the physical part on by 1 ms instead of
    // wrapping, so stamps stay strictly increasing whatever a remote stamp claims.
    void bump() noexcept {
        if (last_.logical == std::numeric_limits<std::uint32_t>::max()) {
            ++last_.physical_ms;
            last_.logical = 0;
        } else {
            ++last_.logical;
        }
    }

    Clock clock_;
    stamp last_;
};

} // namespace concord

#endif // CONCORD_MODEL_HLC_CLOCK_HPP
