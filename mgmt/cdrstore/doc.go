// Package cdrstore keeps call detail records in an SQLite database,
// normally <data_dir>/cdr.db, through the pure-Go modernc.org/sqlite driver
// (driver name "sqlite"), so the daemon builds with CGO_ENABLED=0.
//
// # How it works
//
// Open creates the cdr table and its indexes (start time, calling and
// called number), records the schema version in PRAGMA user_version, and
// puts the file in write-ahead-log mode (journal_mode=WAL, synchronous=NORMAL)
// with a busy timeout. WAL lets the web UI and the CLI read while the
// gateway writes, and NORMAL synchronisation in WAL mode keeps the database
// consistent across power loss at the cost of possibly losing the last
// records, which suits an appliance. Times are stored as UTC Unix
// nanoseconds; a call that was never answered has a NULL answer time.
//
// Query returns records newest first, filtered by start time and by a
// number matching either the calling or the called party. Prune deletes old
// records.
//
// The record fields are those of gateway.CDR; their meaning follows the
// usual CDR practice (disposition ANSWERED, NO ANSWER, BUSY, FAILED,
// CANCELLED; billable duration from answer to end).
//
// # Concurrency
//
// A *Store is safe for concurrent use by many goroutines. Writers inside
// one process are serialised by a mutex; readers run in parallel with them.
// Other processes may open the same file; they wait up to the busy timeout
// for each other's locks.
package cdrstore
