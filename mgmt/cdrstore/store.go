package cdrstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)

	"tipring/gateway"
)

// DefaultLimit is the number of records Query returns when Query.Limit is 0;
// MaxLimit is the most it ever returns.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// busyTimeout is how long a statement waits for another connection's lock
// (another process holding the file, or a checkpoint) before failing.
const busyTimeout = 5 * time.Second

// schemaVersion is stored in PRAGMA user_version.
const schemaVersion = 1

const schema = `
CREATE TABLE IF NOT EXISTS cdr (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	call_id     TEXT    NOT NULL,
	direction   TEXT    NOT NULL DEFAULT '',
	from_num    TEXT    NOT NULL DEFAULT '',
	to_num      TEXT    NOT NULL DEFAULT '',
	src_leg     TEXT    NOT NULL DEFAULT '',
	dst_leg     TEXT    NOT NULL DEFAULT '',
	start_ns    INTEGER NOT NULL,
	answer_ns   INTEGER,
	end_ns      INTEGER NOT NULL,
	duration_s  REAL    NOT NULL DEFAULT 0,
	disposition TEXT    NOT NULL DEFAULT '',
	cause       TEXT    NOT NULL DEFAULT '',
	codec       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS cdr_start ON cdr(start_ns);
CREATE TABLE IF NOT EXISTS port_settings (
	port              TEXT    PRIMARY KEY,
	dnd               INTEGER NOT NULL DEFAULT 0,
	forward_always    TEXT    NOT NULL DEFAULT '',
	forward_busy      TEXT    NOT NULL DEFAULT '',
	forward_no_answer TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS cdr_from ON cdr(from_num);
CREATE INDEX IF NOT EXISTS cdr_to ON cdr(to_num);
`

// Query selects CDRs. The zero Query returns the DefaultLimit newest records.
type Query struct {
	// Limit is the maximum number of records (0 = DefaultLimit, capped at
	// MaxLimit).
	Limit int
	// Since keeps records whose call started at or after it (zero = all).
	Since time.Time
	// Number keeps records whose From or To equals it ("" = all).
	Number string
}

// Store is a CDR database. It implements gateway.CDRSink.
type Store struct {
	db   *sql.DB
	path string
	// wmu serialises writers inside this process, so that concurrent
	// WriteCDR calls queue here instead of spinning on SQLITE_BUSY.
	wmu    sync.Mutex
	insert *sql.Stmt
}

var _ gateway.CDRSink = (*Store)(nil)

// Open opens or creates the database at path, creates the schema and puts
// it in WAL mode with a busy timeout.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("cdrstore: open: empty path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("cdrstore: open %s: '?' is not allowed in the path", path)
	}
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)",
		path, busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cdrstore: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("cdrstore: open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*busyTimeout)
	defer cancel()
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not wal", mode)
	}
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > schemaVersion {
		return fmt.Errorf("database schema version %d is newer than this program's %d", version, schemaVersion)
	}
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return err
	}
	ins, err := s.db.PrepareContext(ctx, `INSERT INTO cdr
		(call_id, direction, from_num, to_num, src_leg, dst_leg, start_ns, answer_ns, end_ns, duration_s, disposition, cause, codec)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	s.insert = ins
	return nil
}

// Path returns the database file name.
func (s *Store) Path() string { return s.path }

func toNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// WriteCDR stores one record. Times are kept with nanosecond precision in
// UTC; a zero Answer stays zero.
func (s *Store) WriteCDR(c gateway.CDR) error {
	var answer any
	if !c.Answer.IsZero() {
		answer = c.Answer.UnixNano()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.insert.Exec(c.CallID, c.Direction, c.From, c.To, c.SrcLeg, c.DstLeg,
		toNS(c.Start), answer, toNS(c.End), c.Duration, c.Disposition, c.Cause, c.Codec)
	if err != nil {
		return fmt.Errorf("cdrstore: write %s: %w", c.CallID, err)
	}
	return nil
}

// Query returns the matching records, newest (latest start) first.
func (s *Store) Query(q Query) ([]gateway.CDR, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	var where []string
	var args []any
	if !q.Since.IsZero() {
		where = append(where, "start_ns >= ?")
		args = append(args, q.Since.UnixNano())
	}
	if q.Number != "" {
		where = append(where, "(from_num = ? OR to_num = ?)")
		args = append(args, q.Number, q.Number)
	}
	stmt := `SELECT call_id, direction, from_num, to_num, src_leg, dst_leg, start_ns, answer_ns, end_ns,
		duration_s, disposition, cause, codec FROM cdr`
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY start_ns DESC, id DESC LIMIT ?"
	args = append(args, limit)

	rows, err := s.db.Query(stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("cdrstore: query: %w", err)
	}
	defer rows.Close()
	out := []gateway.CDR{}
	for rows.Next() {
		var c gateway.CDR
		var start, end int64
		var answer sql.NullInt64
		if err := rows.Scan(&c.CallID, &c.Direction, &c.From, &c.To, &c.SrcLeg, &c.DstLeg,
			&start, &answer, &end, &c.Duration, &c.Disposition, &c.Cause, &c.Codec); err != nil {
			return nil, fmt.Errorf("cdrstore: query: %w", err)
		}
		c.Start, c.End = fromNS(start), fromNS(end)
		if answer.Valid {
			c.Answer = fromNS(answer.Int64)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cdrstore: query: %w", err)
	}
	return out, nil
}

// Count returns the number of stored records.
func (s *Store) Count() (int, error) {
	var n int
	if err := s.db.QueryRow("SELECT COUNT(*) FROM cdr").Scan(&n); err != nil {
		return 0, fmt.Errorf("cdrstore: count: %w", err)
	}
	return n, nil
}

// Prune deletes the records of calls that started before t and returns how
// many it removed; a long-running appliance calls it to bound the file.
func (s *Store) Prune(before time.Time) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.Exec("DELETE FROM cdr WHERE start_ns < ?", before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("cdrstore: prune: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Close releases the database. Calls after Close return errors.
func (s *Store) Close() error {
	if s.insert != nil {
		s.insert.Close()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("cdrstore: close: %w", err)
	}
	return nil
}
