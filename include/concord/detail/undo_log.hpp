// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the undo log behind the memory stores' transactions.

#ifndef CONCORD_DETAIL_UNDO_LOG_HPP
#define CONCORD_DETAIL_UNDO_LOG_HPP

#include <functional>
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

} // namespace concord::detail

#endif // CONCORD_DETAIL_UNDO_LOG_HPP
