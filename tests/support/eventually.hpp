// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — waiting, with a bound, for something another thread does.

#ifndef CONCORD_TESTS_SUPPORT_EVENTUALLY_HPP
#define CONCORD_TESTS_SUPPORT_EVENTUALLY_HPP

#include <chrono>
#include <thread>

namespace concord::test {

/// Polls `done` every few ms until it holds or `limit` has passed; the last answer.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (done())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return done();
}

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_EVENTUALLY_HPP
