// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a resolver made from a user callable.

#ifndef CONCORD_RESOLVE_CALLABLE_HPP
#define CONCORD_RESOLVE_CALLABLE_HPP

#include <concord/concepts/resolver.hpp>

#include <concepts>
#include <functional>
#include <utility>

namespace concord {

/** Adapts a callable `resolution(const resolve_context&)` to the `resolver` concept, so an
    application can decide conflicts itself — typically by calling `field_lww{}.resolve(ctx)`
    and adjusting the result for some entities or fields.

    The callable must be deterministic and must not write anything: it runs inside the hub's
    batch transaction, and every replica converges to what it decides.
    @code
    concord::callable_resolver r{[](const concord::resolve_context& ctx) {
        if (ctx.incoming.entity == "Audit") return concord::record_lww{}.resolve(ctx);
        return concord::field_lww{}.resolve(ctx);
    }};
    @endcode
*/
template <class F>
requires std::regular_invocable<const F&, const resolve_context&> &&
    std::same_as<std::invoke_result_t<const F&, const resolve_context&>, resolution>
class callable_resolver {
public:
    explicit callable_resolver(F f) : f_(std::move(f)) {}

    resolution resolve(const resolve_context& ctx) const { return std::invoke(f_, ctx); }

private:
    F f_;
};

template <class F>
callable_resolver(F) -> callable_resolver<F>;

} // namespace concord

#endif // CONCORD_RESOLVE_CALLABLE_HPP
