// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — schemas shared by the tests: a small helpdesk (Case, Message).

#ifndef CONCORD_TESTS_SUPPORT_SCHEMAS_HPP
#define CONCORD_TESTS_SUPPORT_SCHEMAS_HPP

#include <concord/model/schema.hpp>

namespace concord::test {

/// Case: Number (required, ≤ 20), Category (required, "Service request" | "Incident"), Status,
/// Description (≤ 500), Owner, Org, Priority (Integer), Escalated (Boolean), CreatedOn (DateTime).
/// Message: Case (Lookup, required), Author, Text (required).
inline concord::schema helpdesk() {
    using t = data_value_type;
    return schema{
        entity_schema{"Case",
                      {column{"Number", t::text, true, 20},
                       column{"Category", t::text, true, 0, {"Service request", "Incident"}},
                       column{"Status", t::text}, column{"Description", t::text, false, 500},
                       column{"Owner", t::text}, column{"Org", t::text},
                       column{"Priority", t::integer}, column{"Escalated", t::boolean},
                       column{"CreatedOn", t::date_time}}},
        entity_schema{"Message",
                      {column{"Case", t::lookup, true}, column{"Author", t::text},
                       column{"Text", t::text, true}}},
    };
}

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_SCHEMAS_HPP
