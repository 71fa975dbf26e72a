// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the helpdesk demo's access rules and business rule, used by the hub (concord-hub).

#ifndef CONCORD_EXAMPLES_HELPDESK_RULES_HPP
#define CONCORD_EXAMPLES_HELPDESK_RULES_HPP

#include <concord/access/rules.hpp>
#include <concord/hub/basic_hub.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace helpdesk {

/// The roles a helpdesk user may have, as `concord-hub --user NAME:PASSWORD:ROLE[:ORG]` names
/// them.
inline constexpr std::array<std::string_view, 3> roles{"portal", "power", "agent"};

/// True when `role` is one of `roles`.
inline bool is_role(std::string_view role) {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

/** Who may do what, per role (rows are scoped by the Case columns `Owner` and `Org`):

    - `portal`, a customer in the web portal: their own Cases (`Owner` is their user name):
      read, insert, update, delete. `Category`, `Assignee` and `Org` are read-only: given
      once when the case is opened (the hub then sets `Org`, see `hooks`), never changed by
      the customer. A case opened for someone else is refused (`Owner` must be the user).
    - `power`, a customer's power user: every Case of their organisation (`Org`): read,
      insert, update (may recategorise), no delete; `Assignee` is read-only.
    - `agent`, helpdesk staff: every Case and every Message, all rights.

    Messages are the agents' work notes: only agents see or write them. A rule scopes rows by
    columns of the row itself, and a Message has no Owner or Org (only the Case it is on), so
    "the messages on my cases" is not expressible without copying those columns onto it.
*/
inline concord::access_rules rules() {
    concord::entity_rights everything;
    everything.read = everything.insert = everything.update = everything.remove = true;
    everything.scope = concord::row_scope::all;

    concord::entity_rights portal;
    portal.read = portal.insert = portal.update = portal.remove = true;
    portal.scope = concord::row_scope::own;
    portal.read_only = {"Category", "Assignee", "Org"};

    concord::entity_rights power;
    power.read = power.insert = power.update = true;
    power.scope = concord::row_scope::organisation;
    power.read_only = {"Assignee"};

    concord::access_rules r;
    r.grant("portal", "Case", portal)
        .grant("power", "Case", power)
        .grant("agent", "Case", everything)
        .grant("agent", "Message", everything);
    return r;
}

/** The hub's business rule: a Case a portal user opens belongs to the user's organisation.
    Before the rights are checked, an insert by a portal user (or an update that re-creates a
    deleted case) gets `Org` set to the user's organisation (removed when the user has none),
    whatever the portal sent, so a customer cannot file a case under another organisation.
*/
inline concord::hub_hooks hooks() {
    concord::hub_hooks h;
    h.before_apply = [](const concord::principal& who, concord::change& c,
                        const concord::hub_record* current) -> concord::result<void> {
        const bool creates =
            c.op == concord::operation::insert ||
            (c.op == concord::operation::update && (current == nullptr || current->deleted));
        const bool portal =
            std::find(who.roles.begin(), who.roles.end(), "portal") != who.roles.end();
        if (c.entity != "Case" || !creates || !portal)
            return {};
        if (who.organisation.empty())
            c.fields.erase("Org");
        else
            c.fields["Org"] = who.organisation;
        return {};
    };
    return h;
}

} // namespace helpdesk

#endif // CONCORD_EXAMPLES_HELPDESK_RULES_HPP
