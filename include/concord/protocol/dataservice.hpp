// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — DataService wire facts: query type names, enum codes, case-insensitive lookup,
// parameter values, and strict JSON parsing with limits.

#ifndef CONCORD_PROTOCOL_DATASERVICE_HPP
#define CONCORD_PROTOCOL_DATASERVICE_HPP

#include <concord/error.hpp>
#include <concord/model/schema.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/** The DataService-style wire format (docs/protocol.md).

    Facts follow ../shared/reference/dataservice.md: `__type` names, OperationType,
    ExpressionType, FilterType, ComparisonType, LogicalOperation and DataValueType codes are
    copied exactly so existing DataService clients interoperate. Request property names match
    case-insensitively; responses are camelCase.
*/
namespace concord::protocol {

/// Limits on what a request may be; each has a stable error code when exceeded.
struct limits {
    std::size_t max_body = 16 * 1024 * 1024;   ///< bytes of a request body (16 MiB)
    std::size_t max_depth = 32;                ///< JSON nesting (filters nest; 32 is ample)
    std::size_t max_items = 10000;             ///< items in one BatchQuery
    std::size_t max_value_bytes = 1024 * 1024; ///< bytes of one string value (1 MiB)
};

/// OperationType codes (Select 0, Insert 1, Update 2, Delete 3, Batch 4).
enum class operation_type : int { select = 0, insert = 1, update = 2, remove = 3, batch = 4 };

/// The contract names; `__type` may be namespace- or assembly-qualified.
inline constexpr std::string_view type_namespace = "Terrasoft.Nui.ServiceModel.DataContract.";
inline constexpr std::string_view assembly_suffix = ", Terrasoft.Nui.ServiceModel";

/// FilterType codes.
enum class filter_type : int {
    none = 0,
    compare = 1,
    is_null = 2,
    between = 3,
    in = 4,
    exists = 5,
    group = 6
};

/// ComparisonType codes.
enum class comparison_type : int {
    between = 0,
    is_null = 1,
    is_not_null = 2,
    equal = 3,
    not_equal = 4,
    less = 5,
    less_or_equal = 6,
    greater = 7,
    greater_or_equal = 8,
    start_with = 9,
    not_start_with = 10,
    contain = 11,
    not_contain = 12,
    end_with = 13,
    not_end_with = 14,
    exists = 15,
    not_exists = 16,
};

/// ExpressionType codes.
enum class expression_type : int {
    schema_column = 0,
    function = 1,
    parameter = 2,
    sub_query = 3,
    arithmetic = 4
};

/// The contract named by a `__type` value ("InsertQuery", …) without its qualification, or
/// an empty view when it is not a DataService contract name.
inline std::string_view contract_name(std::string_view type) noexcept {
    if (type.size() > assembly_suffix.size() &&
        type.substr(type.size() - assembly_suffix.size()) == assembly_suffix)
        type.remove_suffix(assembly_suffix.size());
    if (type.substr(0, type_namespace.size()) != type_namespace)
        return {};
    return type.substr(type_namespace.size());
}

/// The stable `errorInfo.errorCode` text of a concord error ("UnknownColumn", …).
inline std::string_view error_name(const error_code& ec) noexcept {
    if (ec.category() != error_category())
        return "Error";
    switch (static_cast<errc>(ec.value())) {
    case errc::unknown_entity:
        return "UnknownEntity";
    case errc::unknown_column:
        return "UnknownColumn";
    case errc::type_mismatch:
        return "TypeMismatch";
    case errc::missing_required:
        return "MissingRequired";
    case errc::value_too_long:
        return "ValueTooLong";
    case errc::value_not_allowed:
        return "ValueNotAllowed";
    case errc::record_not_found:
        return "RecordNotFound";
    case errc::record_exists:
        return "RecordExists";
    case errc::invalid_filter:
        return "InvalidFilter";
    case errc::invalid_id:
        return "InvalidId";
    case errc::invalid_stamp:
        return "InvalidStamp";
    case errc::permission_denied:
        return "AccessDenied";
    case errc::record_deleted:
        return "RecordDeleted";
    case errc::stamp_from_future:
        return "StampFromFuture";
    case errc::transport_failed:
        return "TransportFailed";
    case errc::timeout:
        return "Timeout";
    case errc::protocol_error:
        return "ProtocolError";
    case errc::store_failed:
        return "StoreFailed";
    case errc::cursor_expired:
        return "CursorExpired";
    case errc::pending_changes:
        return "PendingChanges";
    case errc::unauthenticated:
        return "Unauthenticated";
    case errc::foreign_change:
        return "ForeignChange";
    case errc::sync_log_entry_not_found:
        return "SyncLogEntryNotFound";
    case errc::action_not_applicable:
        return "ActionNotApplicable";
    case errc::malformed_json:
        return "MalformedJson";
    case errc::body_too_large:
        return "BodyTooLarge";
    case errc::nesting_too_deep:
        return "NestingTooDeep";
    case errc::unknown_type:
        return "UnknownType";
    case errc::invalid_request:
        return "InvalidRequest";
    case errc::unsupported:
        return "NotSupported";
    case errc::bad_credentials:
        return "BadCredentials";
    case errc::session_expired:
        return "SessionExpired";
    case errc::link_invalid:
        return "LinkInvalid";
    case errc::link_expired:
        return "LinkExpired";
    case errc::not_connected:
        return "NotConnected";
    }
    return "Error";
}

/// The concord error code named by `error_name`, or 0.
inline int error_value(std::string_view name) noexcept {
    for (int v = 1; v <= static_cast<int>(last_errc); ++v)
        if (error_name(make_error_code(static_cast<errc>(v))) == name)
            return v;
    return 0;
}

/// Case-insensitive property lookup (ServiceStack matches names that way).
inline const boost::json::value* find(const boost::json::object& o, std::string_view key) noexcept {
    if (auto it = o.find(key); it != o.end())
        return &it->value();
    // ASCII case folding, not std::tolower (a locale lookup per character): property names are
    // ASCII, and this scan runs for every absent optional property of every item.
    const auto fold = [](char c) noexcept {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    for (const auto& kv : o) {
        const std::string_view k = kv.key();
        if (k.size() != key.size())
            continue;
        bool same = true;
        for (std::size_t i = 0; i < k.size() && same; ++i)
            same = fold(k[i]) == fold(key[i]);
        if (same)
            return &kv.value();
    }
    return nullptr;
}

/** Parses a request body: strict JSON, valid UTF-8, within `lim`; `sp` allocates the value.
    @returns the value; or `body_too_large`, `nesting_too_deep`, `malformed_json` with the
    position of the problem.
*/
inline result<boost::json::value> parse_json(std::string_view body, const limits& lim,
                                             boost::json::storage_ptr sp = {}) {
    if (body.size() > lim.max_body)
        return error(errc::body_too_large, "the request body has " + std::to_string(body.size()) +
                                               " bytes; the limit is " +
                                               std::to_string(lim.max_body));
    boost::json::parse_options opt;
    opt.max_depth = lim.max_depth;
    boost::json::stream_parser p({}, opt);
    p.reset(std::move(sp));
    boost::system::error_code ec;
    p.write(body.data(), body.size(), ec);
    if (!ec)
        p.finish(ec);
    if (ec) {
        if (ec == boost::json::error::too_deep)
            return error(errc::nesting_too_deep,
                         "JSON nesting deeper than " + std::to_string(lim.max_depth));
        return error(errc::malformed_json, "malformed JSON: " + ec.message());
    }
    return p.release();
}

namespace detail {

inline std::string describe(std::string_view where) {
    return std::string(where);
}

// decode_parameter's work on a parameter's two properties: `type`, its dataValueType (null:
// absent), and `value` (null when absent) — found in a parsed parameter, or read from the text
// by the sync items' reader (scan_write.hpp). `describe(where)` (found by argument-dependent
// lookup for other types) writes the place out, only when a message needs it.
template <class Where>
result<boost::json::value> decode_value_at(const boost::json::value* type, boost::json::value value,
                                           const column& col, const Where& where,
                                           const limits& lim) {
    if (const boost::json::value* t = type) {
        if (!t->is_int64() || t->get_int64() < 0 || t->get_int64() > 50 ||
            !is_supported(static_cast<int>(t->get_int64())))
            return error(errc::type_mismatch,
                         describe(where) + ": dataValueType " + boost::json::serialize(*t) +
                             " is not one concord accepts (0, 1, 4–12)",
                         col.name);
        const auto declared = static_cast<data_value_type>(t->get_int64());
        const bool compatible =
            declared == col.type ||
            (declared == data_value_type::guid && col.type == data_value_type::lookup) ||
            (declared == data_value_type::lookup && col.type == data_value_type::guid) ||
            (declared == data_value_type::integer && col.type == data_value_type::enumeration);
        if (!compatible)
            return error(errc::type_mismatch,
                         describe(where) + ": column '" + col.name + "' is " +
                             std::string(to_string(col.type)) + ", the parameter says " +
                             std::string(to_string(declared)),
                         col.name);
    }
    if (value.is_string() && value.get_string().size() > lim.max_value_bytes)
        return error(errc::body_too_large,
                     describe(where) + ": the value of column '" + col.name + "' exceeds " +
                         std::to_string(lim.max_value_bytes) + " bytes",
                     col.name);
    const bool temporal = col.type == data_value_type::date_time ||
                          col.type == data_value_type::date || col.type == data_value_type::time;
    if (temporal && value.is_string()) {
        const std::string_view s = value.get_string();
        if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
            boost::system::error_code ec;
            auto inner = boost::json::parse(s, ec);
            if (!ec && inner.is_string())
                value = std::move(inner);
        }
    }
    // A lookup may come as {"value": guid, "displayValue": …}, as DataService rows carry it.
    if ((col.type == data_value_type::lookup || col.type == data_value_type::enumeration) &&
        value.is_object())
        if (const boost::json::value* inner = find(value.get_object(), "value"))
            value = *inner;
    return value;
}

template <class Where>
result<boost::json::value> decode_parameter_at(const boost::json::object& parameter,
                                               const column& col, const Where& where,
                                               const limits& lim) {
    const boost::json::value* v = find(parameter, "value");
    return decode_value_at(find(parameter, "dataValueType"), v ? *v : boost::json::value(nullptr),
                           col, where, lim);
}

} // namespace detail

/** Decodes a Parameter's value for a column: accepts the JSON-encoded date strings that
    DataService clients send ("\"2026-01-01T00:00:00.000\"") as well as bare ones, and checks
    the declared DataValueType against the column's.
    @param where names the item and column for messages.
*/
inline result<boost::json::value> decode_parameter(const boost::json::object& parameter,
                                                   const column& col, std::string_view where,
                                                   const limits& lim) {
    return detail::decode_parameter_at(parameter, col, where, lim);
}

} // namespace concord::protocol

#endif // CONCORD_PROTOCOL_DATASERVICE_HPP
