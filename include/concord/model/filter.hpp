// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — row filters: comparisons on columns combined with and / or / not.

#ifndef CONCORD_MODEL_FILTER_HPP
#define CONCORD_MODEL_FILTER_HPP

#include <concord/error.hpp>
#include <concord/model/record.hpp>
#include <concord/model/schema.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord {

/// How a comparison filter tests a column (names after DataService's ComparisonType).
enum class compare_op : std::uint8_t {
    equal,
    not_equal,
    less,
    less_or_equal,
    greater,
    greater_or_equal,
    contains,    ///< text contains the value (case-sensitive)
    starts_with, ///< text starts with the value
    ends_with,   ///< text ends with the value
    is_null,     ///< the column is absent or null (the value is ignored)
    is_not_null, ///< the column holds a value (the value is ignored)
};

/** A predicate on records: a column comparison, or an and / or / not of filters.

    A default-constructed filter matches every record. Build filters with `where`:
    @code
    auto f = (where("Status") == "New" || where("Priority") >= 3) &&
   where("Description").contains("vpn");
    @endcode
    The column `Id` compares the record id. Null (or absent) columns: `equal null` and
    `is_null` match them; `not_equal x` (x not null) matches them too — unlike SQL's `<>`, a
    record without a value is "not equal to x"; ordering and text comparisons never match them.

    Thread safety: a value type.
*/
class filter {
public:
    enum class kind : std::uint8_t { all, compare, all_of, any_of, negate };

    filter() = default;

    static filter compare(std::string column, compare_op op, boost::json::value v) {
        filter f;
        f.kind_ = kind::compare;
        f.column_ = std::move(column);
        f.op_ = op;
        f.value_ = std::move(v);
        return f;
    }

    friend filter operator&&(filter a, filter b) {
        return combine(kind::all_of, std::move(a), std::move(b));
    }
    friend filter operator||(filter a, filter b) {
        return combine(kind::any_of, std::move(a), std::move(b));
    }
    friend filter operator!(filter a) {
        filter f;
        f.kind_ = kind::negate;
        f.children_.push_back(std::move(a));
        return f;
    }

    /// True when `r` satisfies the filter.
    bool matches(const record& r) const {
        switch (kind_) {
        case kind::all:
            return true;
        case kind::compare:
            return test(r);
        case kind::all_of:
            for (const auto& c : children_)
                if (!c.matches(r))
                    return false;
            return true;
        case kind::any_of:
            for (const auto& c : children_)
                if (c.matches(r))
                    return true;
            return false;
        case kind::negate:
            return !children_.front().matches(r);
        }
        return false;
    }

    /** Checks the filter against an entity: every column exists and every value fits it.
        @returns `errc::invalid_filter` naming the column, or success.
    */
    result<void> validate(const entity_schema& e) const {
        if (kind_ != kind::compare) {
            for (const auto& c : children_)
                if (auto r = c.validate(e); !r)
                    return r;
            return {};
        }
        auto fail = [&](std::string_view why) -> result<void> {
            return error(errc::invalid_filter,
                         "filter on " + e.name + "." + column_ + ": " + std::string(why));
        };
        if (op_ == compare_op::is_null || op_ == compare_op::is_not_null)
            return column_ == "Id" || e.find(column_) ? result<void>{} : fail("no such column");
        column c{column_, data_value_type::guid};
        if (column_ != "Id") {
            const column* found = e.find(column_);
            if (found == nullptr)
                return fail("no such column");
            c = *found;
        }
        c.required = false;
        c.max_length = 0;
        c.allowed.clear();
        const bool text_op = op_ == compare_op::contains || op_ == compare_op::starts_with ||
                             op_ == compare_op::ends_with;
        if (text_op) {
            if (c.type != data_value_type::text || !value_.is_string())
                return fail("contains / starts_with / ends_with need a Text column and a string");
            return {};
        }
        const bool ordering = op_ != compare_op::equal && op_ != compare_op::not_equal;
        if (ordering && (c.type == data_value_type::boolean || value_.is_null()))
            return fail("ordering comparison on a Boolean column or with null");
        if (column_ == "Id" && value_.is_string())
            return {};
        if (auto r = validate_value(c, value_, "filter"); !r)
            return fail(r.error().message);
        return {};
    }

    kind type() const noexcept { return kind_; }
    const std::string& column_name() const noexcept { return column_; }
    compare_op op() const noexcept { return op_; }
    const boost::json::value& value() const noexcept { return value_; }
    const std::vector<filter>& children() const noexcept { return children_; }

    /// A canonical text of the filter, e.g. `(and (= "Status" "New") (not (null "Owner")))`:
    /// equal filters give equal texts (for logs, and to fingerprint a scope).
    std::string text() const {
        static constexpr const char* ops[] = {"=",         "!=",   "<",        "<=",
                                              ">",         ">=",   "contains", "starts_with",
                                              "ends_with", "null", "not_null"};
        switch (kind_) {
        case kind::all:
            return "(all)";
        case kind::compare:
            return std::string("(") + ops[static_cast<int>(op_)] + " " +
                   boost::json::serialize(boost::json::value(column_)) + " " +
                   boost::json::serialize(value_) + ")";
        case kind::all_of:
        case kind::any_of:
        case kind::negate: {
            std::string out = kind_ == kind::all_of   ? "(and"
                              : kind_ == kind::any_of ? "(or"
                                                      : "(not";
            for (const auto& c : children_)
                out += " " + c.text();
            return out + ")";
        }
        }
        return "?";
    }

    friend bool operator==(const filter&, const filter&) = default;

private:
    static filter combine(kind k, filter a, filter b) {
        if (a.kind_ == kind::all)
            return b;
        if (b.kind_ == kind::all)
            return a;
        filter f;
        f.kind_ = k;
        for (filter* x : {&a, &b}) {
            if (x->kind_ == k)
                for (auto& c : x->children_)
                    f.children_.push_back(std::move(c));
            else
                f.children_.push_back(std::move(*x));
        }
        return f;
    }

    // -1, 0, 1 for comparable values; 2 when they cannot be ordered.
    static int order(const boost::json::value& a, const boost::json::value& b) {
        if (a.is_number() && b.is_number()) {
            // Integers compare exactly (also int64 against uint64); only doubles go through double.
            auto cmp = [](auto x, auto y) {
                return std::cmp_less(x, y) ? -1 : std::cmp_less(y, x) ? 1 : 0;
            };
            if (a.is_int64() && b.is_int64())
                return cmp(a.get_int64(), b.get_int64());
            if (a.is_int64() && b.is_uint64())
                return cmp(a.get_int64(), b.get_uint64());
            if (a.is_uint64() && b.is_int64())
                return cmp(a.get_uint64(), b.get_int64());
            if (a.is_uint64() && b.is_uint64())
                return cmp(a.get_uint64(), b.get_uint64());
            const double x = a.to_number<double>(), y = b.to_number<double>();
            return x < y ? -1 : x > y ? 1 : 0;
        }
        if (a.is_string() && b.is_string()) {
            const int c =
                std::string_view(a.get_string()).compare(std::string_view(b.get_string()));
            return c < 0 ? -1 : c > 0 ? 1 : 0;
        }
        if (a.is_bool() && b.is_bool())
            return a.get_bool() == b.get_bool() ? 0 : 2;
        return 2;
    }

    bool test(const record& r) const {
        static const boost::json::value null_value;
        boost::json::value id_value;
        const boost::json::value* v = &null_value;
        if (column_ == "Id") {
            id_value = r.id;
            v = &id_value;
        } else if (auto it = r.fields.find(column_); it != r.fields.end()) {
            v = &it->value();
        }
        switch (op_) {
        case compare_op::is_null:
            return v->is_null();
        case compare_op::is_not_null:
            return !v->is_null();
        case compare_op::equal:
            return v->is_null() ? value_.is_null() : order(*v, value_) == 0;
        case compare_op::not_equal:
            return v->is_null() ? !value_.is_null() : order(*v, value_) != 0;
        case compare_op::less:
            return !v->is_null() && order(*v, value_) == -1;
        case compare_op::less_or_equal: {
            const int o = v->is_null() ? 2 : order(*v, value_);
            return o == -1 || o == 0;
        }
        case compare_op::greater:
            return !v->is_null() && order(*v, value_) == 1;
        case compare_op::greater_or_equal: {
            const int o = v->is_null() ? 2 : order(*v, value_);
            return o == 1 || o == 0;
        }
        case compare_op::contains:
        case compare_op::starts_with:
        case compare_op::ends_with: {
            if (!v->is_string() || !value_.is_string())
                return false;
            const std::string_view s = v->get_string(), p = value_.get_string();
            if (op_ == compare_op::contains)
                return s.find(p) != std::string_view::npos;
            if (op_ == compare_op::starts_with)
                return s.substr(0, p.size()) == p;
            return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
        }
        }
        return false;
    }

    kind kind_ = kind::all;
    std::string column_;
    compare_op op_ = compare_op::equal;
    boost::json::value value_;
    std::vector<filter> children_;
};

/// The left-hand side of a comparison: `where("Status") == "New"`.
class column_ref {
public:
    explicit column_ref(std::string name) : name_(std::move(name)) {}

    template <class T>
    filter operator==(T&& v) const {
        return make(compare_op::equal, std::forward<T>(v));
    }
    template <class T>
    filter operator!=(T&& v) const {
        return make(compare_op::not_equal, std::forward<T>(v));
    }
    template <class T>
    filter operator<(T&& v) const {
        return make(compare_op::less, std::forward<T>(v));
    }
    template <class T>
    filter operator<=(T&& v) const {
        return make(compare_op::less_or_equal, std::forward<T>(v));
    }
    template <class T>
    filter operator>(T&& v) const {
        return make(compare_op::greater, std::forward<T>(v));
    }
    template <class T>
    filter operator>=(T&& v) const {
        return make(compare_op::greater_or_equal, std::forward<T>(v));
    }

    filter contains(std::string_view s) const { return make(compare_op::contains, s); }
    filter starts_with(std::string_view s) const { return make(compare_op::starts_with, s); }
    filter ends_with(std::string_view s) const { return make(compare_op::ends_with, s); }
    filter is_null() const { return make(compare_op::is_null, nullptr); }
    filter is_not_null() const { return make(compare_op::is_not_null, nullptr); }

private:
    template <class T>
    filter make(compare_op op, T&& v) const {
        return filter::compare(name_, op, boost::json::value(std::forward<T>(v)));
    }

    std::string name_;
};

/// Starts a filter on a column (or on `Id`).
inline column_ref where(std::string column) {
    return column_ref(std::move(column));
}

} // namespace concord

#endif // CONCORD_MODEL_FILTER_HPP
