// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — entity schemas (columns, DataValueType codes, required, max length) and validation.

#ifndef CONCORD_MODEL_SCHEMA_HPP
#define CONCORD_MODEL_SCHEMA_HPP

#include <concord/error.hpp>
#include <concord/model/change.hpp>
#include <concord/model/record.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord {

/** The type of a column, with the DataValueType codes of the DataService wire format.

    The codes are wire facts (../shared/reference/dataservice.md §3.7) and never change.

    | type        | code | JSON value                                   |
    |-------------|------|----------------------------------------------|
    | guid        | 0    | GUID string                                  |
    | text        | 1    | string (valid UTF-8; max length in code points)|
    | integer     | 4    | integral number within int64                 |
    | floating    | 5    | number                                       |
    | money       | 6    | number                                       |
    | date_time   | 7    | `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`        |
    | date        | 8    | `YYYY-MM-DD`                                 |
    | time        | 9    | `HH:MM:SS[.fff]`                             |
    | lookup      | 10   | GUID string of the referenced record         |
    | enumeration | 11   | integral number                              |
    | boolean     | 12   | `true` / `false`                             |

    Any column may hold null unless it is required.
*/
enum class data_value_type : int {
    guid = 0,
    text = 1,
    integer = 4,
    floating = 5,
    money = 6,
    date_time = 7,
    date = 8,
    time = 9,
    lookup = 10,
    enumeration = 11,
    boolean = 12,
};

/// The DataService name of a type ("Guid", "Text", …).
constexpr std::string_view to_string(data_value_type t) noexcept {
    switch (t) {
    case data_value_type::guid:
        return "Guid";
    case data_value_type::text:
        return "Text";
    case data_value_type::integer:
        return "Integer";
    case data_value_type::floating:
        return "Float";
    case data_value_type::money:
        return "Money";
    case data_value_type::date_time:
        return "DateTime";
    case data_value_type::date:
        return "Date";
    case data_value_type::time:
        return "Time";
    case data_value_type::lookup:
        return "Lookup";
    case data_value_type::enumeration:
        return "Enum";
    case data_value_type::boolean:
        return "Boolean";
    }
    return "?";
}

/// True for the codes concord accepts (0, 1, 4–12); the others are not sync types.
constexpr bool is_supported(int code) noexcept {
    return code == 0 || code == 1 || (code >= 4 && code <= 12);
}

/** One column of an entity. `max_length` 0 means unlimited; an empty `allowed` list means any
    value of the type.
*/
struct column {
    column() = default;
    column(std::string n, data_value_type t, bool req = false, std::size_t max_len = 0,
           std::vector<boost::json::value> allowed_values = {})
        : name(std::move(n))
        , type(t)
        , required(req)
        , max_length(max_len)
        , allowed(std::move(allowed_values)) {}

    std::string name;
    data_value_type type = data_value_type::text;
    bool required = false;
    std::size_t max_length = 0;
    std::vector<boost::json::value> allowed;

    friend bool operator==(const column&, const column&) = default;
};

/** An entity ("section"): a name and its columns. Every record also has an `Id` (GUID), which
    is not listed among the columns.
*/
struct entity_schema {
    std::string name;
    std::vector<column> columns;

    /// The column named `n`, or nullptr.
    const column* find(std::string_view n) const noexcept {
        for (const auto& c : columns)
            if (c.name == n)
                return &c;
        return nullptr;
    }

    friend bool operator==(const entity_schema&, const entity_schema&) = default;
};

/** The set of entities a hub serves and a replica holds.

    Thread safety: a value type; concurrent reads of one object are safe.
*/
class schema {
public:
    schema() = default;
    schema(std::initializer_list<entity_schema> es) : entities_(es) {}

    /// Adds or replaces the entity of the same name.
    schema& add(entity_schema e) {
        for (auto& x : entities_)
            if (x.name == e.name) {
                x = std::move(e);
                return *this;
            }
        entities_.push_back(std::move(e));
        return *this;
    }

    /// The entity named `n`, or nullptr.
    const entity_schema* find(std::string_view n) const noexcept {
        for (const auto& e : entities_)
            if (e.name == n)
                return &e;
        return nullptr;
    }

    const std::vector<entity_schema>& entities() const noexcept { return entities_; }

    friend bool operator==(const schema&, const schema&) = default;

private:
    std::vector<entity_schema> entities_;
};

namespace detail {

inline bool digits(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    if (pos + n > s.size())
        return false;
    for (std::size_t i = pos; i < pos + n; ++i)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

// The decimal value of `n` digits at `pos` (already checked by `digits`).
inline int number(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i)
        v = v * 10 + (s[i] - '0');
    return v;
}

// YYYY-MM-DD naming a day of the proleptic Gregorian calendar (month 1–12, day within month).
inline bool is_date(std::string_view s) noexcept {
    if (!(s.size() == 10 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
          digits(s, 8, 2)))
        return false;
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int y = number(s, 0, 4), m = number(s, 5, 2), d = number(s, 8, 2);
    if (m < 1 || m > 12 || d < 1)
        return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

// HH:MM:SS (00–23, 00–59, 00–59) with an optional fraction; returns the length consumed, 0
// when malformed.
inline std::size_t time_prefix(std::string_view s) noexcept {
    if (!(digits(s, 0, 2) && s.size() >= 8 && s[2] == ':' && digits(s, 3, 2) && s[5] == ':' &&
          digits(s, 6, 2)))
        return 0;
    if (number(s, 0, 2) > 23 || number(s, 3, 2) > 59 || number(s, 6, 2) > 59)
        return 0;
    std::size_t n = 8;
    if (n < s.size() && s[n] == '.') {
        ++n;
        const std::size_t start = n;
        while (n < s.size() && s[n] >= '0' && s[n] <= '9')
            ++n;
        if (n == start)
            return 0;
    }
    return n;
}

inline bool is_time(std::string_view s) noexcept {
    const std::size_t n = time_prefix(s);
    return n != 0 && n == s.size();
}

inline bool is_date_time(std::string_view s) noexcept {
    if (s.size() < 19 || !is_date(s.substr(0, 10)) || (s[10] != 'T' && s[10] != ' '))
        return false;
    const std::string_view t = s.substr(11);
    const std::size_t n = time_prefix(t);
    if (n == 0)
        return false;
    const std::string_view zone = t.substr(n);
    return zone.empty() || zone == "Z" ||
           (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 2) &&
            zone[3] == ':' && digits(zone, 4, 2) && number(zone, 1, 2) <= 23 &&
            number(zone, 4, 2) <= 59);
}

// Counts UTF-8 code points; returns false on malformed UTF-8 (overlongs, surrogates, > U+10FFFF).
inline bool utf8_length(std::string_view s, std::size_t& count) noexcept {
    count = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned c = *p;
        std::size_t n;
        std::uint32_t cp;
        if (c < 0x80) {
            n = 1;
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) < n)
            return false;
        for (std::size_t i = 1; i < n; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n;
        ++count;
    }
    return true;
}

inline std::string_view kind_name(const boost::json::value& v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::null:
        return "null";
    case boost::json::kind::bool_:
        return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
        return "integer";
    case boost::json::kind::double_:
        return "number";
    case boost::json::kind::string:
        return "string";
    case boost::json::kind::array:
        return "array";
    case boost::json::kind::object:
        return "object";
    }
    return "?";
}

inline bool is_integral(const boost::json::value& v) noexcept {
    return v.is_int64() || (v.is_uint64() && v.get_uint64() <= 0x7FFF'FFFF'FFFF'FFFFULL);
}

} // namespace detail

/** Checks one value against its column. `where` names the item for the message, e.g.
    "Case 6f1c…". Returns the error naming item and column, or success.
*/
inline result<void> validate_value(const column& col, const boost::json::value& v,
                                   std::string_view where) {
    auto fail = [&](errc code, std::string_view what) -> result<void> {
        return error(code, std::string(where) + ": column '" + col.name + "' " + std::string(what),
                     col.name);
    };
    if (v.is_null()) {
        if (col.required)
            return fail(errc::missing_required, "is required");
        return {};
    }
    // Spelled out only when a value fails: valid values are the hot path.
    auto mismatch = [&] {
        return fail(errc::type_mismatch, "expects " + std::string(to_string(col.type)) + ", got " +
                                             std::string(detail::kind_name(v)));
    };
    switch (col.type) {
    case data_value_type::guid:
    case data_value_type::lookup:
        if (!v.is_string() || !is_guid(v.get_string()))
            return v.is_string() ? fail(errc::type_mismatch, "expects a GUID") : mismatch();
        break;
    case data_value_type::text: {
        if (!v.is_string())
            return mismatch();
        std::size_t n = 0;
        if (!detail::utf8_length(v.get_string(), n))
            return fail(errc::type_mismatch, "is not valid UTF-8");
        if (col.max_length != 0 && n > col.max_length)
            return fail(errc::value_too_long, "is longer than " + std::to_string(col.max_length) +
                                                  " characters (" + std::to_string(n) + ")");
        break;
    }
    case data_value_type::integer:
    case data_value_type::enumeration:
        if (!detail::is_integral(v))
            return mismatch();
        break;
    case data_value_type::floating:
    case data_value_type::money:
        if (!v.is_number())
            return mismatch();
        break;
    case data_value_type::date_time:
        if (!v.is_string() || !detail::is_date_time(v.get_string()))
            return fail(errc::type_mismatch, "expects DateTime text YYYY-MM-DDTHH:MM:SS[.fff][Z]");
        break;
    case data_value_type::date:
        if (!v.is_string() || !detail::is_date(v.get_string()))
            return fail(errc::type_mismatch, "expects Date text YYYY-MM-DD");
        break;
    case data_value_type::time:
        if (!v.is_string() || !detail::is_time(v.get_string()))
            return fail(errc::type_mismatch, "expects Time text HH:MM:SS[.fff]");
        break;
    case data_value_type::boolean:
        if (!v.is_bool())
            return mismatch();
        break;
    }
    if (!col.allowed.empty()) {
        bool ok = false;
        for (const auto& a : col.allowed)
            ok = ok || a == v;
        if (!ok)
            return fail(errc::value_not_allowed, "does not allow " + boost::json::serialize(v));
    }
    return {};
}

/** Checks the fields of an insert or update against the entity: every column known, every
    value of its type, and — for an insert — every required column present.

    @param where names the item for the message, e.g. "Case 6f1c…".
    @returns the first error, naming the item and the column; success otherwise.
*/
inline result<void> validate_fields(const entity_schema& e, const boost::json::object& fields,
                                    operation op, std::string_view where) {
    for (const auto& [name, value] : fields) {
        const column* col = e.find(name);
        if (col == nullptr)
            return error(errc::unknown_column,
                         std::string(where) + ": entity '" + e.name + "' has no column '" +
                             std::string(name) + "'",
                         std::string(name));
        if (auto r = validate_value(*col, value, where); !r)
            return r;
    }
    if (op == operation::insert)
        for (const auto& col : e.columns)
            if (col.required) {
                auto it = fields.find(col.name);
                if (it == fields.end() || it->value().is_null())
                    return error(errc::missing_required,
                                 std::string(where) + ": column '" + col.name + "' is required",
                                 col.name);
            }
    return {};
}

} // namespace concord

#endif // CONCORD_MODEL_SCHEMA_HPP
