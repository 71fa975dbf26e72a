// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — error codes, the error category, and result<T>.

#ifndef CONCORD_ERROR_HPP
#define CONCORD_ERROR_HPP

#include <concord/config.hpp>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace concord {

using boost::system::error_code;

/** Error conditions reported by concord.

    The numeric values are part of the wire format and of stored sync logs: they never change
    and are never reused. New codes are appended.
*/
enum class errc : int {
    unknown_entity = 1,     ///< the entity (section) is not in the schema
    unknown_column = 2,     ///< the column is not in the entity's schema
    type_mismatch = 3,      ///< a value does not fit its column's DataValueType
    missing_required = 4,   ///< a required column is absent or null
    value_too_long = 5,     ///< a text value exceeds the column's max length
    value_not_allowed = 6,  ///< a value is not one of the column's allowed values
    record_not_found = 7,   ///< no live record with that id
    record_exists = 8,      ///< insert of an id that already exists
    invalid_filter = 9,     ///< a filter names an unknown column or compares incompatible types
    invalid_id = 10,        ///< an Id is not a GUID in canonical text form
    invalid_stamp = 11,     ///< a stamp's text form could not be parsed
    permission_denied = 12, ///< the principal may not perform this operation
    record_deleted = 13,    ///< the record was deleted on the hub
    stamp_from_future = 14, ///< a stamp is ahead of the hub's clock by more than the skew bound
    transport_failed = 15,  ///< the exchange with the hub failed; nothing was acknowledged
    timeout = 16,           ///< the exchange with the hub timed out
    protocol_error = 17,    ///< a message broke the protocol (e.g. outcomes out of order)
    store_failed = 18,      ///< the local or hub store failed; the transaction was rolled back
    cursor_expired = 19,    ///< the cursor is older than the hub's tombstone horizon
    pending_changes = 20,   ///< the operation would discard pending changes
    unauthenticated = 21,   ///< no or bad credentials
    foreign_change = 22,    ///< a replica pushed a change carrying another replica's id
    sync_log_entry_not_found = 23, ///< no sync log entry with that id
    action_not_applicable = 24,    ///< the sync log action does not apply to that outcome
    malformed_json = 25,           ///< a request body is not valid JSON (or not valid UTF-8)
    body_too_large = 26,           ///< a request body or value exceeds the configured limit
    nesting_too_deep = 27,         ///< JSON nesting deeper than the configured limit
    unknown_type = 28,             ///< an item's `__type` is missing or not a supported query type
    invalid_request = 29,          ///< a required property is missing or has the wrong shape
    unsupported = 30,              ///< a valid DataService construct concord does not implement
    bad_credentials = 31,          ///< unknown user or wrong password at login
    session_expired = 32,          ///< the session token's lifetime is over
    link_invalid = 33,             ///< a record link's signature or shape is wrong
    link_expired = 34,             ///< a record link's lifetime is over
    not_connected = 35,            ///< online mode refuses a local write while disconnected
};

/// The highest `errc` value, for tables that list every code.
inline constexpr errc last_errc = errc::not_connected;

} // namespace concord

template <>
struct boost::system::is_error_code_enum<concord::errc> : std::true_type {};

namespace concord {

namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    // A fixed id makes the category unique across shared-library boundaries.
    constexpr error_category_impl() noexcept
        : boost::system::error_category(0xC0C0'4D00'0000'0001ULL) {}

    const char* name() const noexcept override { return "concord"; }

    std::string message(int ev) const override { return message(ev, nullptr, 0); }

    const char* message(int ev, char*, std::size_t) const noexcept override {
        switch (static_cast<errc>(ev)) {
        case errc::unknown_entity:
            return "unknown entity";
        case errc::unknown_column:
            return "unknown column";
        case errc::type_mismatch:
            return "value does not fit the column type";
        case errc::missing_required:
            return "required column missing";
        case errc::value_too_long:
            return "value too long";
        case errc::value_not_allowed:
            return "value not allowed";
        case errc::record_not_found:
            return "record not found";
        case errc::record_exists:
            return "record already exists";
        case errc::invalid_filter:
            return "invalid filter";
        case errc::invalid_id:
            return "invalid record id";
        case errc::invalid_stamp:
            return "invalid stamp";
        case errc::permission_denied:
            return "permission denied";
        case errc::record_deleted:
            return "record deleted on the hub";
        case errc::stamp_from_future:
            return "stamp ahead of the hub clock beyond the skew bound";
        case errc::transport_failed:
            return "transport failed";
        case errc::timeout:
            return "timed out";
        case errc::protocol_error:
            return "protocol error";
        case errc::store_failed:
            return "store failed";
        case errc::cursor_expired:
            return "cursor older than the tombstone horizon";
        case errc::pending_changes:
            return "pending changes would be discarded";
        case errc::unauthenticated:
            return "unauthenticated";
        case errc::foreign_change:
            return "change belongs to another replica";
        case errc::sync_log_entry_not_found:
            return "sync log entry not found";
        case errc::action_not_applicable:
            return "action does not apply to this outcome";
        case errc::malformed_json:
            return "malformed JSON";
        case errc::body_too_large:
            return "request too large";
        case errc::nesting_too_deep:
            return "JSON nesting too deep";
        case errc::unknown_type:
            return "unknown query type";
        case errc::invalid_request:
            return "invalid request";
        case errc::unsupported:
            return "not supported";
        case errc::bad_credentials:
            return "unknown user or wrong password";
        case errc::session_expired:
            return "session expired";
        case errc::link_invalid:
            return "invalid record link";
        case errc::link_expired:
            return "record link expired";
        case errc::not_connected:
            return "not connected to the hub";
        }
        return "unknown concord error";
    }
};

} // namespace detail

/** The category of every `concord::errc` value. Thread safety: safe. */
inline const boost::system::error_category& error_category() noexcept {
    static constexpr detail::error_category_impl instance;
    return instance;
}

/// Makes `error_code{concord::errc::x}` work (found by ADL).
inline error_code make_error_code(errc e) noexcept {
    return error_code(static_cast<int>(e), error_category());
}

/** An error code with a message naming the item and field concerned.

    `code` is stable and machine-readable; `message` is for people (logs, sync log, UI);
    `field` names the column for programs (empty when no column is concerned).
*/
struct error {
    error_code code;
    std::string message;
    std::string field; ///< the column concerned, when there is one

    error() = default;
    error(error_code c, std::string m, std::string f = {})
        : code(c)
        , message(std::move(m))
        , field(std::move(f)) {}
    error(errc c, std::string m, std::string f = {})
        : code(make_error_code(c))
        , message(std::move(m))
        , field(std::move(f)) {}
    error(errc c) : code(make_error_code(c)), message(code.message()) {}

    friend bool operator==(const error& e, errc c) noexcept { return e.code == make_error_code(c); }
};

/// Writes "message (concord:N)", for logs and test failure reports.
template <class Ostream>
Ostream& operator<<(Ostream& os, const error& e) {
    os << e.message << " (" << e.code.category().name() << ":" << e.code.value() << ")";
    return os;
}

/// Thrown by `result<T>::value()` on an error: carries the code and the message.
class system_error : public boost::system::system_error {
public:
    explicit system_error(const error& e) : boost::system::system_error(e.code, e.message) {}
};

/// Lets `result<T>::value()` throw `concord::system_error` (found by ADL).
[[noreturn]] inline void throw_exception_from_error(const error& e, const boost::source_location&) {
    throw system_error(e);
}

/** The value of an operation that can fail in normal operation, or its `error`.

    It is `boost::system::result<T, concord::error>`: test with `if (r)`, read with `*r` or
    `r.value()` (which throws `concord::system_error`), inspect `r.error()`.
*/
template <class T>
using result = boost::system::result<T, error>;

} // namespace concord

#endif // CONCORD_ERROR_HPP
