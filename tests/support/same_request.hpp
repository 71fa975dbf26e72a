// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — two decoded requests compared in everything decoding decides: the request tests
// check each way of decoding a body against parsing it whole.

#ifndef CONCORD_TESTS_SUPPORT_SAME_REQUEST_HPP
#define CONCORD_TESTS_SUPPORT_SAME_REQUEST_HPP

#include <concord/protocol/query.hpp>

#include <catch2/catch.hpp>

#include <cstddef>

namespace concord::test {

/// Two decoded queries alike in what a batch's decoding decides.
inline void check_same_query(const protocol::query& got, const protocol::query& want) {
    CHECK(got.type == want.type);
    CHECK(got.entity == want.entity);
    CHECK(got.record_id == want.record_id);
    CHECK(got.values == want.values);
    CHECK(got.where == want.where);
    CHECK(got.where_id == want.where_id);
    CHECK(got.all_columns == want.all_columns);
    CHECK(got.query_id == want.query_id);
    REQUIRE(got.sync.has_value() == want.sync.has_value());
    if (want.sync) {
        CHECK(got.sync->id == want.sync->id);
        CHECK(got.sync->at == want.sync->at);
    }
}

/// Both results alike: the same error, or the same items (queries or errors) and properties.
inline void check_same(const result<protocol::batch_request>& got,
                       const result<protocol::batch_request>& want) {
    REQUIRE(got.has_value() == want.has_value());
    if (!want) {
        CHECK(got.error().code == want.error().code);
        CHECK(got.error().message == want.error().message);
        return;
    }
    CHECK(got->continue_if_error == want->continue_if_error);
    CHECK(got->replica == want->replica);
    CHECK(got->acknowledged == want->acknowledged);
    CHECK(got->scope == want->scope);
    CHECK(got->schema_version == want->schema_version);
    REQUIRE(got->items.size() == want->items.size());
    for (std::size_t i = 0; i < want->items.size(); ++i) {
        INFO("item " << i);
        const protocol::item& g = got->items[i];
        const protocol::item& w = want->items[i];
        CHECK(g.query_id == w.query_id);
        REQUIRE(g.err.has_value() == w.err.has_value());
        if (w.err) {
            CHECK(g.err->code == w.err->code);
            CHECK(g.err->message == w.err->message);
            CHECK(g.err->field == w.err->field);
            continue;
        }
        REQUIRE(g.q);
        check_same_query(*g.q, *w.q);
    }
}

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_SAME_REQUEST_HPP
