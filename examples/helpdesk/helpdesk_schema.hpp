// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the helpdesk demo's schema, shared by the hub (concord-hub) and the clients.

#ifndef CONCORD_EXAMPLES_HELPDESK_SCHEMA_HPP
#define CONCORD_EXAMPLES_HELPDESK_SCHEMA_HPP

#include <concord/model/schema.hpp>

namespace helpdesk {

/** Two entities of a helpdesk: support cases and the messages written on them.
    The hub and every replica must agree on it: the hub validates what replicas push, and the
    replicas validate local writes before they reach the outbox.

    Case: `Owner` is the user name of the customer the case belongs to, `Org` that customer's
    organisation, `Assignee` the agent working on it (the access rules in helpdesk_rules.hpp
    scope rows by `Owner` and `Org`).
*/
inline concord::schema schema() {
    using t = concord::data_value_type;
    using concord::column;
    concord::entity_schema case_entity{
        "Case",
        {column{"Number", t::text, true, 20},
         column{"Category", t::text, true, 0, {"Service request", "Incident"}},
         column{"Status", t::text, false, 40}, column{"Description", t::text},
         column{"Owner", t::text, false, 100}, column{"Org", t::text, false, 100},
         column{"Assignee", t::text, false, 100}, column{"CreatedOn", t::date_time}}};
    concord::entity_schema message_entity{
        "Message",
        {column{"Case", t::lookup, true}, column{"Author", t::text, false, 100},
         column{"Text", t::text, true}, column{"CreatedOn", t::date_time}}};
    return concord::schema{case_entity, message_entity};
}

} // namespace helpdesk

#endif // CONCORD_EXAMPLES_HELPDESK_SCHEMA_HPP
