// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the Clock concept: a source of physical time for the hybrid logical clock.

#ifndef CONCORD_CONCEPTS_CLOCK_HPP
#define CONCORD_CONCEPTS_CLOCK_HPP

#include <concepts>
#include <cstdint>

namespace concord {

/** A source of physical time (docs/concepts/Clock.md).

    | expression  | type           | semantics                                                  |
    |-------------|----------------|------------------------------------------------------------|
    | `c.now_ms()`| `std::int64_t` | milliseconds since the Unix epoch; may jump back or forward |

    `c` is an lvalue of type `C` (possibly const). `C` is copy-constructible: the engines hold
    their clock by value (share one test clock through a handle such as `manual_clock_ref`).
    The hybrid logical clock built on it never goes backwards, whatever the physical clock
    does. Must be safe to call from any thread.
*/
template <class C>
concept clock = std::copy_constructible<C> && requires(const C& c) {
    { c.now_ms() } -> std::convertible_to<std::int64_t>;
};

} // namespace concord

#endif // CONCORD_CONCEPTS_CLOCK_HPP
