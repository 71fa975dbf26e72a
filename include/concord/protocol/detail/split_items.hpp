// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — where to cut a large BatchQuery body so that two threads can parse its items.

#ifndef CONCORD_PROTOCOL_DETAIL_SPLIT_ITEMS_HPP
#define CONCORD_PROTOCOL_DETAIL_SPLIT_ITEMS_HPP

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>

namespace concord::protocol::detail {

inline char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether a property name is `want`, in any case (as `find` matches names, folding ASCII only).
inline bool same_name(std::string_view k, std::string_view want) noexcept {
    if (k.size() != want.size())
        return false;
    for (std::size_t i = 0; i < k.size(); ++i)
        if (ascii_lower(k[i]) != ascii_lower(want[i]))
            return false;
    return true;
}

inline bool is_items_key(std::string_view k) noexcept {
    return same_name(k, "items");
}

// The offset of the '"' that ends the string opening at `i` (or the size of `text`), and
// whether the string holds an escape.
inline std::size_t string_end(std::string_view text, std::size_t i, bool& escaped) noexcept {
    // A plain search up to the next quote or backslash, then a step over the escape: stepping
    // inside the search (`i += c == '\\'`) makes each character's load wait for the one before.
    for (++i;; i += 2) {
        while (i < text.size() && text[i] != '"' && text[i] != '\\')
            ++i;
        if (i >= text.size() || text[i] == '"')
            return std::min(i, text.size());
        escaped = true;
    }
}

// The offset of the '[' that opens the `items` array of a body `{…, "items": [e, e, …], …}`,
// found by reading only strings and nesting: the parsers of the pieces check everything else,
// and a body that fails there is parsed whole instead. Nothing when the body has no such shape
// (an `items` key written with escapes, or no array for it).
inline std::optional<std::size_t> find_items(std::string_view body) noexcept {
    int depth = 0;
    bool expect_key = false; // depth 1: the next string is a key
    bool items_next = false; // depth 1: the value being read is that of `items`
    for (std::size_t i = 0; i < body.size(); ++i) {
        switch (body[i]) {
        case '"': {
            const std::size_t start = i + 1;
            bool escaped = false;
            i = string_end(body, i, escaped);
            if (i >= body.size())
                return std::nullopt;
            if (depth == 1 && expect_key) {
                expect_key = false;
                if (escaped)
                    return std::nullopt; // the parse judges what such a key spells
                items_next = is_items_key(body.substr(start, i - start));
            } else if (depth == 1) {
                items_next = false; // a string value
            }
            break;
        }
        case '{':
            if (++depth == 1)
                expect_key = true;
            if (depth == 2)
                items_next = false;
            break;
        case '[':
            if (++depth == 2 && items_next)
                return i;
            break;
        case '}':
        case ']':
            --depth;
            break;
        case ',':
            if (depth == 1) {
                expect_key = true;
                items_next = false;
            }
            break;
        default:
            break;
        }
    }
    return std::nullopt;
}

// The `items` array of a body and a comma between two of its elements at or past the middle of
// the body.
struct items_split {
    std::size_t open;        // offset of the array's '['
    std::size_t comma;       // offset of the ',' that ends the first half
    std::size_t first_count; // elements before `comma`
};

// Finds an `items_split` as find_items finds the array, reading on to the middle of the body.
// Nothing when the array ends before the middle. (An `items` key twice is caught after the
// array, by names_items_after.)
inline std::optional<items_split> split_items(std::string_view body) noexcept {
    const auto open = find_items(body);
    if (!open)
        return std::nullopt;
    const std::size_t middle = body.size() / 2;
    int depth = 0; // inside the array
    std::size_t count = 0;
    // Tests in sequence, not a switch: a jump per character costs twice as much here.
    for (std::size_t i = *open + 1; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '"') {
            bool escaped = false;
            i = string_end(body, i, escaped);
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth-- == 0)
                return std::nullopt; // the array ends before the middle: no cut
        } else if (c == ',' && depth == 0) {
            ++count;
            if (i >= middle)
                return items_split{*open, i, count};
        }
    }
    return std::nullopt;
}

// Whether the rest of a body, read from `depth` levels inside its top object (1: between its
// properties, 2: inside the value of one), names a property `name` again, or one with an
// escape: a parse keeps only one value of a name, so a value cut out of the text before could
// then be one the body does not use.
inline bool names_after(std::string_view rest, std::string_view name, int depth) noexcept {
    bool expect_key = false;
    for (std::size_t i = 0; i < rest.size() && depth > 0; ++i) {
        switch (rest[i]) {
        case '"': {
            bool escaped = false;
            const std::size_t end = string_end(rest, i, escaped);
            if (depth == 1 && expect_key &&
                (escaped || same_name(rest.substr(i + 1, end - i - 1), name)))
                return true;
            expect_key = false;
            i = end;
            break;
        }
        case '{':
        case '[':
            ++depth;
            break;
        case '}':
        case ']':
            --depth;
            break;
        case ',':
            expect_key = depth == 1;
            break;
        default:
            break;
        }
    }
    return false;
}

// Whether the rest of a body after its items array names `items` again (see names_after).
inline bool names_items_after(std::string_view rest) noexcept {
    return names_after(rest, "items", 1);
}

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_SPLIT_ITEMS_HPP
