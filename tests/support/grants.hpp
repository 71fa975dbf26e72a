// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — access grants built in one call, for tests.

#ifndef CONCORD_TESTS_SUPPORT_GRANTS_HPP
#define CONCORD_TESTS_SUPPORT_GRANTS_HPP

#include <concord/access/rules.hpp>

namespace concord::test {

/// Rights with a row scope; the column lists stay empty.
inline entity_rights grant_of(bool read, bool insert, bool update, bool remove, row_scope scope) {
    entity_rights r;
    r.read = read;
    r.insert = insert;
    r.update = update;
    r.remove = remove;
    r.scope = scope;
    return r;
}

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_GRANTS_HPP
