// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — how the SQLite stores open and write their database file.

#ifndef CONCORD_STORE_SQLITE_OPTIONS_HPP
#define CONCORD_STORE_SQLITE_OPTIONS_HPP

#include <cstdint>

namespace concord {

/// `PRAGMA secure_delete`: what a delete does to the bytes it removes.
enum class sqlite_secure_delete {
    off,  ///< left in the file until the space is reused
    on,   ///< overwritten with zeros, freed pages included: each is written once more
    fast, ///< overwritten where the page is written anyway; freed pages are not written
};

/// Options of `sqlite_replica_store` and `sqlite_hub_store`. Defaults are in the comments.
struct sqlite_options {
    /// Write-ahead log (the default): readers never block the writer, commits are one append.
    bool wal = true;
    /// `PRAGMA synchronous`: 0 OFF, 1 NORMAL (default: durable across process crashes; in WAL
    /// mode a power loss may lose the last transactions but never corrupts), 2 FULL, 3 EXTRA.
    int synchronous = 1;
    /// How long a transaction waits for another process's lock before failing (5 s).
    int busy_timeout_ms = 5000;
    /// Page cache in KiB (8 MiB: keeps a replica's memory small; hubs may want far more).
    std::int64_t cache_kib = 8 * 1024;
    /// Largest file size in pages (0: SQLite's default). Tests use it to simulate a full disk.
    std::int64_t max_page_count = 0;
    /// In WAL mode, copy the log back into the database on a background thread once it holds
    /// this many pages (1,000: ~4 MiB), instead of in the committing thread — the checkpoint is
    /// 40–60% of a large commit's time. 0 restores SQLite's own automatic checkpoints.
    int background_checkpoint_pages = 1000;
    /// The write-ahead log's bound when the background copy cannot keep up: a commit that finds
    /// the log holding at least this many pages, and longer than after the commit before, waits
    /// for the copy and checkpoints itself, as SQLite would (8,000: ~32 MiB; at least
    /// `background_checkpoint_pages`). Well above one round's pages, so that a sync's rounds of
    /// thousands of records commit back to back without waiting for the copy of the round before.
    int checkpoint_takeover_pages = 8000;
    /// `fast` (the default) whatever SQLite was built with (Debian builds it `on`): a synced
    /// round empties the outbox and the shadows, and `on` writes every page they held once
    /// more, only to zero it (about a tenth of a 10k-change push over HTTP).
    sqlite_secure_delete secure_delete = sqlite_secure_delete::fast;
};

} // namespace concord

#endif // CONCORD_STORE_SQLITE_OPTIONS_HPP
