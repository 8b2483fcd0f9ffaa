package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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

// auditWorkMemSQL gives the audit's own transaction the memory its reads
// need (SET LOCAL ends with the transaction).
const auditWorkMemSQL = "SET LOCAL work_mem = '64MB'"

// Collect reads a snapshot of the connected database through c: a
// capability probe (server version, recovery, role and memberships,
// pg_stat_statements with its schema, version and real columns, settings,
// the statistics window, the database's row of pg_stat_database and its XID
// ages), then tables, indexes, foreign keys, sequences, bloat estimates and
// the database's pg_stat_statements rows, one query each whatever the
// schema's size: 13 statements, BEGIN, SAVEPOINT and ROLLBACK included (15
// with pg_stat_statements installed), and 3 more, a transaction of their
// own, for every 1,000 readable sequences or part of them, whose last
// values are read 1,000 to a transaction (see seqChunk).
//
// Sizes of relations the catalog puts under 1 MiB come from pg_class
// instead of being measured (see sizeFloor); bloat is estimated for
// relations of 1 MiB or more only.
//
// Everything runs in read-only transactions. Nothing is created, reset or
// written. A part the server or the role cannot give is recorded in
// Snapshot.Sections as partial or skipped with the reason instead of failing
// the collection; Collect fails only when the connection does, the context
// ends or the probe cannot run.
func Collect(ctx context.Context, c *pgread.Conn) (*Snapshot, error) {
	k := &collector{s: &Snapshot{}, sections: map[string]Section{}}
	err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
		tx = markTx(tx) // the audit's own statements stay out of its findings
		if err := k.probe(ctx, tx); err != nil {
			return fmt.Errorf("capability probe: %w", err)
		}
		// After the probe has read the server's own work_mem: reads that
		// sort or buffer (pg_stat_statements returns its rows through a
		// tuplestore) stay in memory, so the audit does not write the temp
		// files it reports.
		if _, err := tx.Exec(ctx, auditWorkMemSQL); err != nil {
			return fmt.Errorf("set the audit's work_mem: %w", err)
		}
		for _, step := range []func(context.Context, pgx.Tx) error{
			k.tables, k.indexes, k.foreignKeys, k.sequences, k.bloat, k.statements,
		} {
			if err := step(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("collect audit snapshot: %w", err)
	}
	if err := k.lastValues(ctx, c); err != nil {
		return nil, fmt.Errorf("collect audit snapshot: %w", err)
	}
	k.finish()
	return k.s, nil
}

// collector holds a collection in progress.
type collector struct {
	s        *Snapshot
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
	k.sections[name] = Section{Name: name, Status: status, Reason: reason}
}

// finish sorts the rows (the queries leave the order to the server: a sort
// there costs more) and fills Snapshot.Sections in a fixed order.
func (k *collector) finish() {
	k.addIndexes()
	s := k.s
	slices.SortFunc(s.Tables, func(a, b TableStats) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(s.Indexes, func(a, b IndexStats) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(s.ForeignKeys, func(a, b ForeignKeyStats) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(s.Sequences, func(a, b SequenceStats) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(s.Bloat, func(a, b BloatEstimate) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
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
