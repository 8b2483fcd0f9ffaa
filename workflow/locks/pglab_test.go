package locks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// pgLab is the server side of TestTableOnPostgres: a database holding
// Baseline(), loaded once and never connected to again so that it can serve
// as the template of the databases the rows run in.
type pgLab struct {
	// admin is the maintenance connection that creates and drops databases.
	admin *pgx.Conn
	// base names the baseline database.
	base string
	// config reaches the server; connect copies it and sets the database.
	config *pgx.ConnConfig
	// version is the server's major version.
	version int
}

// newPGLab loads Baseline() into a scratch database, or skips the test when
// no server answers (pgtest fails it under CI=true).
func newPGLab(ctx context.Context, t *testing.T) *pgLab {
	t.Helper()
	admin := pgtest.Server(t)
	version := pgtest.ServerVersion(t, admin)
	if version < 12 {
		t.Skipf("the baseline needs PostgreSQL 12 or later; the server is %d", version)
	}
	db := pgtest.NewDB(t)
	config, err := pgx.ParseConfig(db.DSN)
	if err != nil {
		t.Fatalf("parse the scratch database's DSN: %v", err)
	}
	// Every session of the lab runs in UTC (the timestamp <-> timestamptz
	// rows depend on it) and gives up on a lock after a while rather than
	// hanging the test.
	config.RuntimeParams["TimeZone"] = "UTC"
	config.RuntimeParams["lock_timeout"] = "20s"
	lab := &pgLab{admin: admin, base: db.Name, config: config, version: version}
	conn := lab.connect(ctx, t, db.Name)
	if _, err := conn.Exec(ctx, Baseline()); err != nil {
		t.Fatalf("load the baseline: %v", err)
	}
	// A template must have no sessions.
	if err := conn.Close(ctx); err != nil {
		t.Fatalf("close the baseline session: %v", err)
	}
	return lab
}

// connect opens a session on a database of the lab, closed with the test.
func (l *pgLab) connect(ctx context.Context, t *testing.T, db string) *pgx.Conn {
	t.Helper()
	cfg := l.config.Copy()
	cfg.Database = db
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// clone creates a copy of the baseline database, dropped when the test ends.
func (l *pgLab) clone(ctx context.Context, t *testing.T) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random database name: %v", err)
	}
	name := l.base + "_" + hex.EncodeToString(b[:])
	if _, err := l.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+l.base); err != nil {
		t.Fatalf("clone the baseline into %s: %v", name, err)
	}
	t.Cleanup(func() { l.dropDatabase(t, name) })
	return name
}

// dropDatabase drops a clone, ending its sessions.
func (l *pgLab) dropDatabase(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := l.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
}

// exec runs SQL on a session, failing the test with the statement on error.
func exec(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// execExample runs a row's example. COPY ... FROM STDIN and TO STDOUT go
// through the copy protocol with no data.
func execExample(ctx context.Context, conn *pgx.Conn, sql string) error {
	upper := strings.ToUpper(sql)
	var err error
	switch {
	case strings.HasPrefix(upper, "COPY ") && strings.Contains(upper, "FROM STDIN"):
		_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader(""), sql)
	case strings.HasPrefix(upper, "COPY ") && strings.Contains(upper, "TO STDOUT"):
		_, err = conn.PgConn().CopyTo(ctx, io.Discard, sql)
	default:
		_, err = conn.Exec(ctx, sql)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// sqlState returns the SQLSTATE of a server error, "" for other errors.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// quoteRelation quotes a relation name as Classify writes it ("orders",
// "archive.audit_log") for use in SQL.
func quoteRelation(name string) string {
	q := schema.ParseQualifiedName(name)
	if q.Schema == "" {
		return pgx.Identifier{q.Name}.Sanitize()
	}
	return pgx.Identifier{q.Schema, q.Name}.Sanitize()
}

// subject is one relation a lock of a row is about, as the server knew it
// before the statement ran.
type subject struct {
	lock Lock
	// name is the relation as Classify names it in the example.
	name string
	oid  uint32
	// filenode is pg_class.relfilenode before the statement (0 for a
	// partitioned table or a view).
	filenode uint32
}

// subjects names, for every lock of the row, the relations that play its
// role in the row's example (as Classify tells them) and looks them up on
// the server. unbound lists the roles the example has no relation for.
func subjects(ctx context.Context, t *testing.T, conn *pgx.Conn, r Row, m *schema.Model, pg int) (subs []subject, unbound []Role) {
	t.Helper()
	f := Classify(one(t, r.Example), m, pg)
	for _, l := range r.Locks {
		found := false
		for _, e := range f.Effects {
			if e.Role != l.Role {
				continue
			}
			found = true
			s := subject{lock: l, name: e.Relation}
			err := conn.QueryRow(ctx,
				"SELECT c.oid, c.relfilenode FROM pg_class c WHERE c.oid = to_regclass($1)",
				quoteRelation(e.Relation)).Scan(&s.oid, &s.filenode)
			if err != nil {
				t.Fatalf("%s (%s) is not a relation of the baseline: %v", e.Relation, l.Role, err)
			}
			subs = append(subs, s)
		}
		if !found {
			unbound = append(unbound, l.Role)
		}
	}
	return subs, unbound
}

// userRelation is a relation that existed before the statement.
type userRelation struct {
	name string
	// kind is pg_class.relkind.
	kind string
	// parents are the tables it inherits from or is a partition of.
	parents []uint32
}

// userRelations lists the relations outside the system schemas, by OID.
func userRelations(ctx context.Context, conn *pgx.Conn) (map[uint32]userRelation, error) {
	rows, err := conn.Query(ctx, `SELECT c.oid, n.nspname || '.' || c.relname, c.relkind::text,
  coalesce(array_agg(i.inhparent) FILTER (WHERE i.inhparent IS NOT NULL), '{}')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
GROUP BY 1, 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("list the user relations: %w", err)
	}
	out := map[uint32]userRelation{}
	for rows.Next() {
		var oid uint32
		var r userRelation
		if err := rows.Scan(&oid, &r.name, &r.kind, &r.parents); err != nil {
			return nil, fmt.Errorf("list the user relations: %w", err)
		}
		out[oid] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the user relations: %w", err)
	}
	return out, nil
}

// modeOf parses pg_locks.mode; None for a mode that is not a table lock
// mode (SIReadLock).
func modeOf(pgLocksName string) Mode {
	for m := AccessShare; m <= AccessExclusive; m++ {
		if m.PGLocksName() == pgLocksName {
			return m
		}
	}
	return None
}

// heldLocks returns the strongest relation lock a backend holds or waits
// for on each relation of the current database, by OID.
func heldLocks(ctx context.Context, conn *pgx.Conn, pid uint32) (map[uint32]Mode, error) {
	rows, err := conn.Query(ctx, `SELECT l.relation, l.mode FROM pg_locks l
WHERE l.pid = $1 AND l.locktype = 'relation'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, pid)
	if err != nil {
		return nil, fmt.Errorf("read pg_locks of backend %d: %w", pid, err)
	}
	out := map[uint32]Mode{}
	for rows.Next() {
		var oid uint32
		var mode string
		if err := rows.Scan(&oid, &mode); err != nil {
			return nil, fmt.Errorf("read pg_locks of backend %d: %w", pid, err)
		}
		out[oid] = max(out[oid], modeOf(mode))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pg_locks of backend %d: %w", pid, err)
	}
	return out, nil
}

// fileState is a relation's relfilenode after the statement; gone is set
// when the relation no longer exists under its OID or its name.
type fileState struct {
	filenode uint32
	gone     bool
}

// filesAfter reads the subjects' relfilenodes again: by OID, else by name
// (REINDEX CONCURRENTLY swaps a new index in under the old name).
func filesAfter(ctx context.Context, conn *pgx.Conn, subs []subject) (map[uint32]fileState, error) {
	out := map[uint32]fileState{}
	for _, s := range subs {
		var node uint32
		err := conn.QueryRow(ctx, `SELECT relfilenode FROM pg_class WHERE oid = $1
UNION ALL SELECT relfilenode FROM pg_class WHERE oid = to_regclass($2) LIMIT 1`,
			s.oid, quoteRelation(s.name)).Scan(&node)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			out[s.oid] = fileState{gone: true}
		case err != nil:
			return nil, fmt.Errorf("relfilenode of %s: %w", s.name, err)
		default:
			out[s.oid] = fileState{filenode: node}
		}
	}
	return out, nil
}

// seqScans returns pg_stat_xact_user_tables.seq_scan by table OID: the
// sequential scans the current transaction started on each table,
// materialized view and partitioned table.
func seqScans(ctx context.Context, conn *pgx.Conn) (map[uint32]int64, error) {
	rows, err := conn.Query(ctx, "SELECT relid, seq_scan FROM pg_stat_xact_user_tables")
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_xact_user_tables: %w", err)
	}
	out := map[uint32]int64{}
	for rows.Next() {
		var oid uint32
		var n int64
		if err := rows.Scan(&oid, &n); err != nil {
			return nil, fmt.Errorf("read pg_stat_xact_user_tables: %w", err)
		}
		out[oid] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pg_stat_xact_user_tables: %w", err)
	}
	return out, nil
}

// checkSubjects compares what the server did with what the row says: the
// strongest lock on each subject is exactly the row's mode, and its
// relfilenode changed exactly when the row says Rewrite or NewFile.
func checkSubjects(t *testing.T, subs []subject, held map[uint32]Mode, files map[uint32]fileState) {
	for _, s := range subs {
		f := files[s.oid]
		t.Logf("%s (%s): %s, relfilenode %d -> %d (dropped %v)", s.name, s.lock.Role, held[s.oid], s.filenode, f.filenode, f.gone)
		if got := held[s.oid]; got != s.lock.Mode {
			t.Errorf("%s (%s): strongest lock held is %s (%s), the row says %s (%s)",
				s.name, s.lock.Role, got, got.PGLocksName(), s.lock.Mode, s.lock.Mode.PGLocksName())
		}
		if f.gone {
			if s.lock.Rewrite || s.lock.NewFile {
				t.Errorf("%s (%s): the row says it gets new files, but the statement dropped it", s.name, s.lock.Role)
			}
			continue
		}
		changed := f.filenode != s.filenode
		if want := s.lock.Rewrite || s.lock.NewFile; changed != want {
			t.Errorf("%s (%s): relfilenode %d -> %d (changed %v), the row says rewrite=%v new file=%v",
				s.name, s.lock.Role, s.filenode, f.filenode, changed, s.lock.Rewrite, s.lock.NewFile)
		}
	}
}

// checkScans compares the sequential scans the statement started (the
// difference of pg_stat_xact_user_tables.seq_scan) with the row's Scan: a
// relation the row says is scanned must have been, and one it says is not
// must not have been when the statement holds a schema-change lock on it
// (SHARE UPDATE EXCLUSIVE or stronger) without rewriting or emptying it (a
// rewrite reads the old rows). Under weaker locks the planner reads the
// baseline's one-row tables sequentially whatever the statement, so such a
// scan is only logged. Indexes have no such counter.
func checkScans(t *testing.T, subs []subject, before, after map[uint32]int64) {
	for _, s := range subs {
		n, counted := after[s.oid]
		if !counted {
			continue
		}
		scanned := n > before[s.oid]
		switch {
		case s.lock.Scan && !scanned:
			t.Errorf("%s (%s): the row says the statement reads it whole, but it started no sequential scan", s.name, s.lock.Role)
		case !s.lock.Scan && scanned && s.lock.Mode >= ShareUpdateExclusive && !s.lock.Rewrite && !s.lock.NewFile:
			t.Errorf("%s (%s): the statement started %d sequential scan(s), the row says it does not read the table", s.name, s.lock.Role, n-before[s.oid])
		case !s.lock.Scan && scanned:
			t.Logf("%s (%s): %d sequential scan(s), the row claims no scan", s.name, s.lock.Role, n-before[s.oid])
		}
	}
}

// running is a statement running in the background on its own session.
type running struct {
	pid  uint32
	done chan struct{}
	// err is the statement's outcome, set before done closes.
	err error
}

// start runs sql on conn in the background.
func start(ctx context.Context, conn *pgx.Conn, sql string) *running {
	r := &running{pid: conn.PgConn().PID(), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = execExample(ctx, conn, sql)
	}()
	return r
}

// finished reports whether the statement has ended.
func (r *running) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// wait returns the statement's outcome once it ends.
func (r *running) wait(timeout time.Duration) error {
	select {
	case <-r.done:
		return r.err
	case <-time.After(timeout):
		return fmt.Errorf("backend %d: statement still running after %s", r.pid, timeout)
	}
}

// waitBlocked polls until the statement waits on a lock another session
// holds, returning the sessions in its way, or until it ends (nil, nil).
// The observer's own queries do not count: the CONCURRENTLY forms wait out
// every snapshot of the database, the observer's too, for the moment its
// query runs.
func waitBlocked(ctx context.Context, observer *pgx.Conn, r *running) ([]uint32, error) {
	self := observer.PgConn().PID()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if r.finished() {
			return nil, nil
		}
		var pids []uint32
		if err := observer.QueryRow(ctx, "SELECT pg_blocking_pids($1::int)", r.pid).Scan(&pids); err != nil {
			return nil, fmt.Errorf("pg_blocking_pids(%d): %w", r.pid, err)
		}
		pids = slices.DeleteFunc(pids, func(pid uint32) bool { return pid == self })
		if len(pids) > 0 {
			return pids, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil, fmt.Errorf("backend %d neither waited on a lock nor finished in 15 s", r.pid)
}
