// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — reading an HTTP body of known length in one read, for the server and the transport.

#ifndef CONCORD_DETAIL_HTTP_BODY_HPP
#define CONCORD_DETAIL_HTTP_BODY_HPP

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstddef>
#include <string>

namespace concord::detail {

// Beast's `http::async_read` takes a body through the parser in steps of at most 64 KiB. For
// a sync round of several MiB, each step is a wake-up of the reading thread, and with a
// multi-threaded server the steps ping-pong between threads: a 7 MB body took ~110 ms over
// loopback, against ~10 ms read straight into the body with `asio::async_read`.

/// Whether the parser read a header announcing a body of known length still to come: the
/// body can then be read with `start_body` and one `asio::async_read`. Otherwise (a chunked
/// body, a body up to the end of the stream), `http::async_read` with the parser reads it.
template <bool IsRequest>
bool body_of_known_length(
    const boost::beast::http::parser<IsRequest, boost::beast::http::string_body>& p) {
    return p.is_header_done() && !p.is_done() && !p.chunked() && p.content_length().has_value();
}

/// Sizes the parser's body to its content length, moves into it the bytes of it that `buffer`
/// already holds (read along with the header), and returns the part still to read from the
/// stream. Bytes after the body stay in `buffer`: they belong to the next message.
/// The parser's body limit was checked against the content length with the header.
template <bool IsRequest, class DynamicBuffer>
boost::asio::mutable_buffer
start_body(boost::beast::http::parser<IsRequest, boost::beast::http::string_body>& p,
           DynamicBuffer& buffer) {
    std::string& body = p.get().body();
    const auto length = static_cast<std::size_t>(*p.content_length());
    body.resize(length);
    const std::size_t held = std::min(length, buffer.size());
    boost::asio::buffer_copy(boost::asio::buffer(body.data(), held), buffer.data());
    buffer.consume(held);
    return boost::asio::buffer(body.data() + held, length - held);
}

} // namespace concord::detail

#endif // CONCORD_DETAIL_HTTP_BODY_HPP
