// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub's registry of watching replicas (online and hybrid modes).

#ifndef CONCORD_HUB_DETAIL_WATCHERS_HPP
#define CONCORD_HUB_DETAIL_WATCHERS_HPP

#include <concord/concepts/access_policy.hpp>
#include <concord/model/batch.hpp>
#include <concord/model/change.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace concord::detail {

/** Who watches the hub, and a way to call them. Calls run under the registry's mutex, so once
    `remove` returns its callback never runs again: its owner may go away. A callback must
    therefore be quick (post, signal) and must not call back into the hub.
*/
class watchers {
public:
    struct entry {
        std::uint64_t handle = 0;
        principal who;
        replica_id self{};
        std::function<void(const change_notice&)> notify;
    };

    /// Whether anyone watches: a commit without watchers skips the notice work entirely.
    bool active() const noexcept { return count_.load(std::memory_order_acquire) != 0; }

    std::uint64_t add(principal who, replica_id self,
                      std::function<void(const change_notice&)> notify) {
        std::lock_guard lock(mutex_);
        const std::uint64_t h = next_++;
        entries_.push_back(entry{h, std::move(who), self, std::move(notify)});
        count_.store(entries_.size(), std::memory_order_release);
        return h;
    }

    void remove(std::uint64_t handle) noexcept {
        std::lock_guard lock(mutex_);
        std::erase_if(entries_, [&](const entry& e) { return e.handle == handle; });
        count_.store(entries_.size(), std::memory_order_release);
    }

    /// Calls `f(entry&)` for each watcher, under the mutex.
    template <class F>
    void for_each(F&& f) {
        std::lock_guard lock(mutex_);
        for (entry& e : entries_)
            f(e);
    }

private:
    std::mutex mutex_;
    std::vector<entry> entries_;
    std::uint64_t next_ = 1;
    std::atomic<std::size_t> count_{0};
};

} // namespace concord::detail

#endif // CONCORD_HUB_DETAIL_WATCHERS_HPP
