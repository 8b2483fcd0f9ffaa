package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgrollout/pgrollout/workflow/pgread"
)

// The statuses of a Section.
const (
	SectionCollected = "collected"
	SectionPartial   = "partial"
	SectionSkipped   = "skipped"
)

// The sections Collect records, in order.
const (
	SectionTables      = "tables"
	SectionIndexes     = "indexes"
	SectionStatements  = "statements"
	SectionForeignKeys = "foreign_keys"
	SectionSequences   = "sequences"
	SectionBloat       = "bloat"
	SectionXID         = "xid"
)

// seqChunk is how many sequences' last_value one transaction reads.
// pg_sequence_last_value (and so pg_sequences) takes a lock on each sequence
// that is held until the transaction ends, in the server's shared lock
// table: reading tens of thousands in one transaction would exhaust it
// ("out of shared memory") for every session. Each chunk is its own
// read-only transaction, so the locks never exceed this.
const seqChunk = 1000

// auditSettingsSQL gives the audit's own transactions the memory their
// reads need, and no parallel workers: the audit already reads on two
// sessions, and workers on its catalog reads would take the server's cores
// from them and from the server's own work (SET LOCAL ends with the
// transaction).
const auditSettingsSQL = "SET LOCAL work_mem = '64MB'; SET LOCAL max_parallel_workers_per_gather = 0"

// Collect reads a snapshot of the connected database through c: a
// capability probe (server version, recovery, role and memberships,
// pg_stat_statements with its schema, version and real columns, settings,
// the statistics window, the database's row of pg_stat_database and its XID
// ages), then tables, indexes, foreign keys, sequences, bloat estimates and
// the database's pg_stat_statements rows, one query each whatever the
// schema's size. The number of statements is fixed (18 on PostgreSQL 14 and
// later, BEGIN, SAVEPOINT and ROLLBACK included, 2 more with
// pg_stat_statements installed, 3 more on PostgreSQL 13) but for 3 more, a
// transaction of their own, for every 1,000 readable sequences or part of
// them, whose last values are read 1,000 to a transaction (see seqChunk).
//
// The indexes, the largest read, are read on a second session
// (pgread.Conn.Sibling) in the first one's snapshot (pg_export_snapshot),
// while the first reads the rest; then both read the sequences' last
// values, whichever is free taking the next 1,000. When the second session
// cannot connect (a connection limit) within sideConnectWait of the export,
// or cannot share the snapshot, the first reads everything.
//
// Sizes of relations the catalog puts under 1 MiB come from pg_class
// instead of being measured (see sizeFloor); bloat is estimated for
// relations of 1 MiB or more only.
//
// Everything runs in read-only transactions. Nothing is created, reset or
// written (an exported snapshot is a file the server keeps for the life of
// the transaction). A part the server or the role cannot give is recorded in
// Snapshot.Sections as partial or skipped with the reason instead of failing
// the collection; Collect fails only when a session's connection does (but
// while reading last values, where the other session reads them, or they
// are recorded as not read), the context ends or the probe cannot run. The catalogs are read in one
// snapshot; the cumulative statistics are read by each session on its own,
// moments apart.
func Collect(ctx context.Context, c *pgread.Conn) (*Snapshot, error) {
	s, err := collect(ctx, c, collectMode{twoSessions: true, seqChunk: seqChunk})
	var pgErr *pgconn.PgError
	if errors.Is(err, errNoExport) && errors.As(err, &pgErr) {
		// The server would not export the snapshot: one session reads all.
		s, err = collect(ctx, c, collectMode{seqChunk: seqChunk})
	}
	if err != nil {
		return nil, fmt.Errorf("collect audit snapshot: %w", err)
	}
	return s, nil
}

// errNoExport marks a failure of pg_export_snapshot.
var errNoExport = errors.New("export the snapshot for a second session")

// collectMode is how collect reads: on two sessions or one, and how many
// sequences' last values to a transaction (seqChunk but in tests).
type collectMode struct {
	twoSessions bool
	seqChunk    int
}

// collect is Collect, read as m says (two sessions when the server allows).
func collect(ctx context.Context, c *pgread.Conn, m collectMode) (*Snapshot, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	k := &collector{s: &Snapshot{}, sections: map[string]Section{}}
	// The sequences' last values are read out of the transactions, by both
	// sessions from one queue, made once the sequences are listed.
	var queue *lastValueQueue
	listed := make(chan struct{})
	var side *sideReader
	err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
		tx = markTx(tx) // the audit's own statements stay out of its findings
		if m.twoSessions {
			// First: pg_export_snapshot refuses to run in a savepoint.
			var snapshot string
			if err := tx.QueryRow(ctx, pgread.ExportSnapshotSQL).Scan(&snapshot); err != nil {
				return fmt.Errorf("%w: %w", errNoExport, err)
			}
			side = startSide(ctx, cancel, c, snapshot, k.indexes, func(ctx context.Context, sc *pgread.Conn) error {
				select {
				case <-listed:
					return k.lastValues(ctx, sc, queue)
				case <-ctx.Done():
					return nil // the first session failed, and says why
				}
			})
		}
		if err := k.probe(ctx, tx); err != nil {
			return fmt.Errorf("capability probe: %w", err)
		}
		if err := setAuditSettings(ctx, tx); err != nil {
			return err
		}
		if side != nil {
			close(side.ready)
		}
		if err := k.sequences(ctx, tx); err != nil {
			return err
		}
		queue = k.newLastValueQueue(m.seqChunk)
		close(listed)
		for _, read := range []step{k.tables, k.foreignKeys, k.bloat, k.statements} {
			if err := read(ctx, tx); err != nil {
				return err
			}
		}
		if side != nil && side.takenBySide() {
			return nil // the side session has the snapshot: this one may end
		}
		return k.indexes(ctx, tx)
	})
	if err == nil {
		err = k.lastValues(ctx, c, queue)
	}
	if side != nil {
		if err != nil {
			cancel()
		}
		err = errors.Join(err, <-side.done)
	}
	if err != nil {
		return nil, err
	}
	// Chunks a lost side session gave back.
	if !c.IsClosed() {
		if err := k.lastValues(ctx, c, queue); err != nil {
			return nil, err
		}
	}
	k.recordSequences(queue)
	k.finish()
	return k.s, nil
}

// step reads one section of a snapshot inside a collection's transaction.
type step func(context.Context, pgx.Tx) error

// setAuditSettings runs auditSettingsSQL. On the first session it comes
// after the probe has read the server's own settings. With its work_mem,
// reads that sort or buffer (pg_stat_statements returns its rows through a
// tuplestore) stay in memory, so the audit does not write the temp files it
// reports.
func setAuditSettings(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, auditSettingsSQL); err != nil {
		return fmt.Errorf("set the audit's work_mem and parallel workers: %w", err)
	}
	return nil
}

// sideReader is a collection's second session at work.
type sideReader struct {
	// ready is closed by the first session once the probe is done: the
	// steps need the server's version and the role's capabilities.
	ready chan struct{}
	// settled is closed once the side, after ready, has connected (and
	// will try to begin in the snapshot), or when it has given up
	// connecting (within sideConnectWait) or the collection ended first.
	// The first session, done with its own steps, waits for it: when the
	// side is not connected, it reads the side's step itself.
	settled   chan struct{}
	connected bool
	// began says, once the side connected, whether its transaction began
	// in the exported snapshot (false: the first session reads the step);
	// done is the side's result.
	began chan bool
	done  chan error
}

// sideConnectWait bounds the second session's connection: the first
// session, done with its own steps, waits in its transaction for the second
// to connect, and reads its step itself when it does not (a connection
// normally takes milliseconds; the first session's transaction must not
// idle long).
const sideConnectWait = 5 * time.Second

// startSide opens a second session and, once ready is closed, reads read
// there in the exported snapshot, then runs then on it, out of the
// transaction. When it cannot connect or begin in the snapshot it stops,
// and the first session does its work; a failure after that cancels the
// collection.
func startSide(ctx context.Context, cancel context.CancelFunc, c *pgread.Conn, snapshot string, read step, then func(context.Context, *pgread.Conn) error) *sideReader {
	r := &sideReader{ready: make(chan struct{}), settled: make(chan struct{}), began: make(chan bool, 1), done: make(chan error, 1)}
	go func() {
		err := r.run(ctx, c, snapshot, read, then)
		if err != nil {
			cancel()
		}
		r.done <- err
	}()
	return r
}

// takenBySide reports, for the first session, whether the side session
// read its step in the exported snapshot (or is reading it), once the side
// has settled.
func (r *sideReader) takenBySide() bool {
	<-r.settled
	return r.connected && <-r.began
}

// run is the side session's work (see startSide); its error is one of the
// side's own, never the first session's.
func (r *sideReader) run(ctx context.Context, c *pgread.Conn, snapshot string, read step, then func(context.Context, *pgread.Conn) error) error {
	connectCtx, stop := context.WithTimeout(ctx, sideConnectWait)
	sc, err := c.Sibling(connectCtx)
	stop()
	if err != nil {
		close(r.settled)
		return nil // a connection limit, say: the first session reads the step
	}
	defer sc.Close(context.WithoutCancel(ctx))
	select {
	case <-r.ready:
	case <-ctx.Done():
		close(r.settled)
		return nil // the first session failed, and says why
	}
	r.connected = true
	close(r.settled)
	began := false
	err = sc.ReadOnlyIn(ctx, snapshot, func(tx pgx.Tx) error {
		began = true
		r.began <- true
		tx = markTx(tx)
		if err := setAuditSettings(ctx, tx); err != nil {
			return err
		}
		return read(ctx, tx)
	})
	switch {
	case !began:
		// The import failed (another host?): the first session reads the
		// step, and the last values too, as this session may not be on
		// the same server.
		r.began <- false
		return nil
	case err != nil && ctx.Err() != nil:
		return nil // the first session failed, and says why
	case err != nil:
		return err
	}
	if err := then(ctx, sc); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// collector holds a collection in progress.
type collector struct {
	s *Snapshot
	// sections holds each section's status; mu guards it, as the two
	// sessions of a collection record theirs at the same time. The
	// sessions' steps fill different parts of s.
	mu       sync.Mutex
	sections map[string]Section
	// dbOID is the current database's oid.
	dbOID int64
	// hiddenBuilds counts index builds in this database that the role
	// cannot see the details of.
	hiddenBuilds int64
	// tableXID records whether table XID ages were read.
	tableXID bool
	// totalMeasured holds the tables whose total size was measured
	// (pg_total_relation_size); the others add up their indexes'.
	totalMeasured map[relKey]bool
	// idxSums sums the index figures of each table; nil when the indexes
	// could not be read.
	idxSums map[relKey]indexSums
	// seqOIDs are the oids of the readable sequences, in s.Sequences order
	// (seqAt maps an oid to its index there).
	seqOIDs []int64
	seqAt   map[int64]int
}

// record sets a section's status; a later call for the same section wins.
func (k *collector) record(name, status, reason string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sections[name] = Section{Name: name, Status: status, Reason: reason}
}

// finish adds the index figures to the tables', sorts the sequences and
// fills Snapshot.Sections in a fixed order. The other rows were sorted by
// the step that read them (sortTables ...), on its session's goroutine:
// the queries leave the order to the server, where a sort costs more.
func (k *collector) finish() {
	k.addIndexes()
	slices.SortFunc(k.s.Sequences, func(a, b SequenceStats) int { // after lastValues, which finds them by position
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
	})
	if _, ok := k.sections[SectionXID]; !ok {
		if k.tableXID {
			k.record(SectionXID, SectionCollected, "")
		} else {
			k.record(SectionXID, SectionPartial, "only the database's XID and multixact ages: the table section failed")
		}
	}
	for _, name := range []string{SectionTables, SectionIndexes, SectionStatements, SectionForeignKeys, SectionSequences, SectionBloat, SectionXID} {
		sec, ok := k.sections[name]
		if !ok {
			sec = Section{Name: name, Status: SectionSkipped, Reason: "not collected"}
		}
		k.s.Sections = append(k.s.Sections, sec)
	}
}

// sortTables, sortIndexes, sortForeignKeys and sortBloat sort one
// section's rows. The step that reads a section sorts it (deferred), on its
// session's goroutine: the two sessions' steps fill different sections.
func sortTables(s *Snapshot) {
	slices.SortFunc(s.Tables, func(a, b TableStats) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
	})
}

func sortIndexes(s *Snapshot) {
	slices.SortFunc(s.Indexes, func(a, b IndexStats) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Name, b.Name))
	})
}

func sortForeignKeys(s *Snapshot) {
	slices.SortFunc(s.ForeignKeys, func(a, b ForeignKeyStats) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Name, b.Name))
	})
}

func sortBloat(s *Snapshot) {
	slices.SortFunc(s.Bloat, func(a, b BloatEstimate) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
	})
}

// collectAttempt runs fn under a savepoint. When it fails with anything that leaves
// the connection usable (a server error, a value that does not scan), the
// transaction is rolled back to the savepoint and the error is returned as
// failed for the caller to record; when the connection or the context is
// gone, or the rollback fails, the error is fatal.
func collectAttempt(ctx context.Context, tx pgx.Tx, fn func() error) (failed, fatal error) {
	if _, err := tx.Exec(ctx, "SAVEPOINT pgrollout_section"); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	err := fn()
	if err == nil {
		return nil, nil
	}
	if ctx.Err() != nil || tx.Conn().IsClosed() {
		return nil, err
	}
	if _, rbErr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT pgrollout_section"); rbErr != nil {
		return nil, errors.Join(err, rbErr)
	}
	return err, nil
}

// collectReason words an error for a Section: the server's message and SQLSTATE.
func collectReason(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg := pgErr.Message
		if pgErr.Code != "" {
			msg += " (SQLSTATE " + pgErr.Code + ")"
		}
		return msg
	}
	return err.Error()
}

// isLockTimeout reports whether err is lock_timeout expiring.
func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

// who names the role for a reason.
func (k *collector) who() string {
	if k.s.Server == nil {
		return "the role"
	}
	return "role " + k.s.Server.User
}

// version is server_version_num.
func (k *collector) version() int {
	if k.s.Server == nil {
		return 0
	}
	return k.s.Server.VersionNum
}

// nOf words a count: "1 index", "3 indexes".
func nOf(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// joinReasons joins the reasons of a partial section.
func joinReasons(rs []string) string { return strings.Join(rs, "; ") }
