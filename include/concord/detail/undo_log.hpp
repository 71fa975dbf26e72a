// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the undo log behind the memory stores' transactions.

#ifndef CONCORD_DETAIL_UNDO_LOG_HPP
#define CONCORD_DETAIL_UNDO_LOG_HPP

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace concord::detail {

// Records the inverse of every mutation; rollback() runs them newest first. The memory stores
// mutate in place (reads within a transaction then see its own writes for free) and undo on
// abort, which keeps the common, committing path cheap.
class undo_log {
public:
    template <class F>
    void add(F&& f) {
        steps_.emplace_back(std::forward<F>(f));
    }

    void rollback() noexcept {
        for (auto it = steps_.rbegin(); it != steps_.rend(); ++it)
            (*it)();
        steps_.clear();
    }

    void clear() noexcept { steps_.clear(); }

private:
    std::vector<std::function<void()>> steps_;
};

// A memory store's transaction: the store's mutex, held until commit, and the undo log that
// runs when the transaction is destroyed without commit.
class undo_scope {
public:
    explicit undo_scope(std::mutex& m) : lock_(m) {}
    undo_scope(undo_scope&&) noexcept = default;
    undo_scope& operator=(undo_scope&&) = delete;
    ~undo_scope() {
        if (lock_.owns_lock())
            log_.rollback();
    }

    template <class F>
    void add(F&& f) {
        log_.add(std::forward<F>(f));
    }

    void commit() noexcept {
        log_.clear();
        lock_.unlock();
    }

private:
    undo_log log_;
    std::unique_lock<std::mutex> lock_;
};

} // namespace concord::detail

#endif // CONCORD_DETAIL_UNDO_LOG_HPP
