// Package audit computes the Audit stage: the operational signals a read-only
// look at a database's statistics views gives (sequential scans, temp writes,
// index usage and sizes), computed from a snapshot of those views: Collect
// reads one over a read-only connection, Analyze turns it into check
// results and findings, and the same analysis serves a stored or
// hand-written snapshot offline.
package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

// DefaultBlockSize is PostgreSQL's default block size, used when a snapshot
// does not record current_setting('block_size').
const DefaultBlockSize = 8192

// Snapshot is one read of a database's statistics views, in the shape a live
// read-only collection produces. Counters are cumulative since StatsReset.
type Snapshot struct {
	// CapturedAt is when the views were read (now() at collection).
	CapturedAt time.Time `json:"captured_at"`
	// ServerVersion is current_setting('server_version'), e.g. "16.4".
	ServerVersion string `json:"server_version"`
	// StatsReset is pg_stat_database.stats_reset; zero when never reset.
	StatsReset time.Time `json:"stats_reset,omitzero"`
	// PostmasterStart is pg_postmaster_start_time().
	PostmasterStart time.Time `json:"postmaster_start,omitzero"`
	// BlockSize is current_setting('block_size'); zero means DefaultBlockSize.
	BlockSize int64 `json:"block_size,omitempty"`

	Database   DatabaseStats    `json:"database"`
	Tables     []TableStats     `json:"tables"`
	Indexes    []IndexStats     `json:"indexes"`
	Statements []StatementStats `json:"statements,omitempty"`

	// The sections below come from a live collection (Collect); a
	// snapshot written by hand may leave them out, and the checks that
	// need them then report skipped.

	// Server is what the capability probe found; nil when not probed.
	Server *ServerInfo `json:"server,omitempty"`
	// ForeignKeys lists the foreign keys of user tables.
	ForeignKeys []ForeignKeyStats `json:"foreign_keys,omitempty"`
	// Sequences lists sequences with the column they feed, if any.
	Sequences []SequenceStats `json:"sequences,omitempty"`
	// Bloat holds the statistical bloat estimates (ioguix formulas) of
	// tables and btree indexes.
	Bloat []BloatEstimate `json:"bloat,omitempty"`
	// Source is the connection the snapshot was read through, without its
	// password; Report holds the check results and findings as they were
	// at capture time. Both are set when an audit is stored in a project.
	Source string  `json:"source,omitempty"`
	Report *Report `json:"report,omitempty"`
	// Sections says, per section of the collection ("tables", "indexes",
	// "statements", "foreign_keys", "sequences", "bloat", "xid"), whether it
	// was collected in full, in part or not at all, and why.
	Sections []Section `json:"sections,omitempty"`
}

// ServerInfo is the capability probe: who we are on which server, and what
// that lets us read.
type ServerInfo struct {
	// VersionNum is server_version_num, e.g. 160004.
	VersionNum int  `json:"version_num"`
	InRecovery bool `json:"in_recovery"`
	// User is current_user; Superuser and the role memberships say what
	// it may read.
	User      string   `json:"user"`
	Superuser bool     `json:"superuser"`
	Roles     []string `json:"roles,omitempty"` // of pg_monitor, pg_read_all_stats, pg_read_all_data
	// PGSS describes pg_stat_statements; nil when it is not installed in
	// this database.
	PGSS *PGSSInfo `json:"pg_stat_statements,omitempty"`
	// TrackCounts and TrackIOTiming are the settings of those names.
	TrackCounts   bool `json:"track_counts"`
	TrackIOTiming bool `json:"track_io_timing"`
	// Settings holds other settings the checks cite (work_mem,
	// autovacuum_freeze_max_age, log_temp_files ...), as text.
	Settings map[string]string `json:"settings,omitempty"`
}

// PGSSInfo is where pg_stat_statements lives and what its view has: the
// columns follow the installed extension version, not the server version.
type PGSSInfo struct {
	Schema  string   `json:"schema"`
	Version string   `json:"version"`
	Columns []string `json:"columns,omitempty"`
	// Readable is false when the view cannot be read (not preloaded, or
	// no privilege); QueryTextVisible is false when query texts show as
	// <insufficient privilege>.
	Readable         bool `json:"readable"`
	QueryTextVisible bool `json:"query_text_visible"`
	// StatsReset is pg_stat_statements_info.stats_reset (1.9+): when the
	// statement counters started, which need not be when the database's
	// did; zero when not known. Dealloc is pg_stat_statements_info.dealloc,
	// how many times entries were evicted to make room since then.
	StatsReset time.Time `json:"stats_reset,omitzero"`
	Dealloc    int64     `json:"dealloc,omitempty"`
	// infoReadable says the probe found pg_stat_statements_info and the
	// role may read it.
	infoReadable bool
}

// Section records how one part of a collection went.
type Section struct {
	Name string `json:"name"`
	// Status is "collected", "partial" or "skipped".
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// ForeignKeyStats is a foreign key of a user table (pg_constraint).
type ForeignKeyStats struct {
	Schema  string   `json:"schema"`
	Table   string   `json:"table"`
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	// RefSchema and RefTable name the referenced table.
	RefSchema string `json:"ref_schema"`
	RefTable  string `json:"ref_table"`
	// Inherited is set for the clone of a partitioned table's key on a
	// partition (conparentid <> 0).
	Inherited bool `json:"inherited,omitempty"`
	// Partitioned is set when the referencing table is a partitioned
	// table (relkind 'p'): its indexes cannot be built CONCURRENTLY.
	Partitioned bool `json:"partitioned,omitempty"`
	// NotEnforced is set for a NOT ENFORCED key (PostgreSQL 18 and
	// later, pg_constraint.conenforced false): no check probes the
	// referencing table.
	NotEnforced bool `json:"not_enforced,omitempty"`
}

// SequenceStats is a sequence (pg_sequences) with the column it feeds.
type SequenceStats struct {
	Schema   string `json:"schema"`
	Name     string `json:"name"`
	DataType string `json:"data_type"` // smallint, integer, bigint
	// LastValue is nil when the role may not read it (pg_sequences shows
	// NULL without SELECT or USAGE on the sequence) or it was never used.
	LastValue *int64 `json:"last_value"`
	Readable  bool   `json:"readable"`
	MinValue  int64  `json:"min_value"`
	// StartValue is where the sequence started (pg_sequence.seqstart);
	// zero when not collected.
	StartValue int64 `json:"start_value,omitempty"`
	MaxValue   int64 `json:"max_value"`
	Increment  int64 `json:"increment"`
	Cycle      bool  `json:"cycle,omitempty"`
	// OwnedBy is the table.column the sequence feeds (serial, identity or
	// OWNED BY), its parts joined with unquoted dots for display;
	// ColumnType is that column's type.
	OwnedBy    string `json:"owned_by,omitempty"`
	ColumnType string `json:"column_type,omitempty"`
	// OwnerSchema, OwnerTable and OwnerColumn are the parts of OwnedBy,
	// each a plain name (a name may itself contain a dot). Snapshots
	// written before they existed have OwnedBy alone.
	OwnerSchema string `json:"owner_schema,omitempty"`
	OwnerTable  string `json:"owner_table,omitempty"`
	OwnerColumn string `json:"owner_column,omitempty"`
}

// BloatEstimate is a statistical estimate of wasted space in a table or a
// btree index.
type BloatEstimate struct {
	Kind   string `json:"kind"` // "table" or "index"
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Table is the index's table; empty for a table.
	Table      string `json:"table,omitempty"`
	RealBytes  int64  `json:"real_bytes"`
	ExtraBytes int64  `json:"extra_bytes"`
	// IsNA is set when the statistics the estimate needs are missing or
	// hidden from the role: the estimate is then not usable.
	IsNA bool `json:"is_na"`
}

// DatabaseStats is the current database's row of pg_stat_database.
type DatabaseStats struct {
	Name       string `json:"name"` // datname
	XactCommit int64  `json:"xact_commit"`
	BlksRead   int64  `json:"blks_read"`
	BlksHit    int64  `json:"blks_hit"`
	TempFiles  int64  `json:"temp_files"`
	TempBytes  int64  `json:"temp_bytes"`
	Deadlocks  int64  `json:"deadlocks"`
	// XIDAge is age(datfrozenxid) and MXIDAge mxid_age(datminmxid) of
	// this database; zero when not collected.
	XIDAge  int64 `json:"xid_age,omitempty"`
	MXIDAge int64 `json:"mxid_age,omitempty"`
}

// TableStats is a row of pg_stat_user_tables, with pg_total_relation_size.
type TableStats struct {
	Schema         string    `json:"schema"` // schemaname
	Name           string    `json:"name"`   // relname
	SeqScan        int64     `json:"seq_scan"`
	SeqTupRead     int64     `json:"seq_tup_read"`
	IdxScan        int64     `json:"idx_scan"`
	IdxTupFetch    int64     `json:"idx_tup_fetch"`
	NLiveTup       int64     `json:"n_live_tup"`
	NDeadTup       int64     `json:"n_dead_tup"`
	NTupIns        int64     `json:"n_tup_ins"`
	NTupUpd        int64     `json:"n_tup_upd"`
	NTupDel        int64     `json:"n_tup_del"`
	TotalBytes     int64     `json:"total_bytes"`
	LastAutovacuum time.Time `json:"last_autovacuum,omitzero"`
	// LastVacuum, LastAnalyze and LastAutoanalyze are the other
	// maintenance times of pg_stat_user_tables (an estimate from pg_stats
	// is only as fresh as the last analyze); zero when never or not known.
	LastVacuum      time.Time `json:"last_vacuum,omitzero"`
	LastAnalyze     time.Time `json:"last_analyze,omitzero"`
	LastAutoanalyze time.Time `json:"last_autoanalyze,omitzero"`
	// LastSeqScan is last_seq_scan (PostgreSQL 16 and later); zero when
	// never or not known.
	LastSeqScan time.Time `json:"last_seq_scan,omitzero"`
	// HeapBytes is pg_relation_size (the heap alone); zero when not known.
	HeapBytes int64 `json:"heap_bytes,omitempty"`
	// HeapBlksRead and HeapBlksHit come from pg_statio_user_tables,
	// IdxBlksRead and IdxBlksHit likewise for the table's indexes.
	HeapBlksRead int64 `json:"heap_blks_read,omitempty"`
	HeapBlksHit  int64 `json:"heap_blks_hit,omitempty"`
	IdxBlksRead  int64 `json:"idx_blks_read,omitempty"`
	IdxBlksHit   int64 `json:"idx_blks_hit,omitempty"`
	// XIDAge is age(relfrozenxid), MXIDAge mxid_age(relminmxid); zero when
	// not collected.
	XIDAge  int64 `json:"xid_age,omitempty"`
	MXIDAge int64 `json:"mxid_age,omitempty"`
	// ReplicaIdentityIndex names the index used as replica identity.
	ReplicaIdentityIndex string `json:"replica_identity_index,omitempty"`
	// Partitioned is set for a partitioned table (relkind 'p'): it holds
	// no rows itself, its partitions do.
	Partitioned bool `json:"partitioned,omitempty"`
	// PartitionOf is the schema-qualified name of the partitioned table
	// this table is a partition of (pg_inherits, relispartition); empty
	// for a table that is not a partition.
	PartitionOf string `json:"partition_of,omitempty"`
}

// IndexStats is a row of pg_stat_user_indexes joined with pg_index
// (indisunique, indisprimary, indisvalid), pg_relation_size and
// pg_get_indexdef.
type IndexStats struct {
	Schema     string `json:"schema"`
	Table      string `json:"table"`
	Name       string `json:"name"`
	IdxScan    int64  `json:"idx_scan"`
	IdxTupRead int64  `json:"idx_tup_read"`
	SizeBytes  int64  `json:"size_bytes"`
	Unique     bool   `json:"unique"`
	Primary    bool   `json:"primary"`
	Valid      bool   `json:"valid"`
	Definition string `json:"definition"`
	// The fields below come from pg_index and pg_constraint in a live
	// collection.

	// Ready is indisready; an index that is not ready is still being built
	// (or its build failed early).
	Ready bool `json:"ready,omitempty"`
	// BeingBuilt is set when pg_stat_progress_create_index shows a build
	// of this index running now.
	BeingBuilt bool `json:"being_built,omitempty"`
	// Method is the access method: btree, hash, gin, gist, brin ...
	Method string `json:"method,omitempty"`
	// Columns lists the key columns in order; "" stands for an expression
	// key. KeyOptions holds, per key, the operator class, collation and
	// ordering (DESC, NULLS FIRST) as text, so equal keys compare equal.
	Columns    []string `json:"columns,omitempty"`
	KeyOptions []string `json:"key_options,omitempty"`
	// Include lists the INCLUDE columns.
	Include []string `json:"include,omitempty"`
	// Expressions and Predicate are pg_get_expr of indexprs and indpred.
	Expressions string `json:"expressions,omitempty"`
	Predicate   string `json:"predicate,omitempty"`
	// Constraint names the constraint the index backs (primary key,
	// unique, exclusion), if any.
	Constraint string `json:"constraint,omitempty"`
	// ReplicaIdentity is set when the index is its table's replica identity.
	ReplicaIdentity bool `json:"replica_identity,omitempty"`
	// LastIdxScan is last_idx_scan (PostgreSQL 16 and later); zero when
	// never or not known.
	LastIdxScan time.Time `json:"last_idx_scan,omitzero"`
	// ConstraintType is the kind of constraint the index backs: "primary",
	// "unique" or "exclusion" (pg_constraint.contype p, u, x); empty when
	// it backs none or it is not known.
	ConstraintType string `json:"constraint_type,omitempty"`
	// Deferrable is set when the index's uniqueness is checked at the end
	// of the statement or transaction rather than at once (a DEFERRABLE
	// constraint: pg_index.indimmediate false). Such an index cannot be a
	// replica identity, back a foreign key or arbitrate ON CONFLICT.
	Deferrable bool `json:"deferrable,omitempty"`
	// ReferencedBy lists the foreign keys that depend on the index
	// (pg_constraint.conindid; the ones defined on the table itself, not
	// their clones on partitions), each as schema.table.constraint: the
	// index cannot be dropped while they exist.
	ReferencedBy []string `json:"referenced_by,omitempty"`
	// Partitioned is set for an index of a partitioned table (relkind
	// 'I'): it has no storage of its own, so a live collection gives it
	// the sums of idx_scan, idx_tup_read and size_bytes (and the latest
	// last_idx_scan) of the partitions' indexes attached to it, at every
	// level of sub-partitioning.
	Partitioned bool `json:"partitioned,omitempty"`
	// ParentIndex is the schema-qualified name of the partitioned index
	// this index is attached to (pg_inherits); empty when it is attached
	// to none. An attached index cannot be dropped alone: the checks
	// report on its parent instead.
	ParentIndex string `json:"parent_index,omitempty"`
}

// StatementStats is a statement of pg_stat_statements: its top-level rows
// (toplevel, pgss 1.9+) for one queryid in the database, summed over the
// roles that ran it, MeanExecTimeMs being TotalExecTimeMs / Calls and Query
// the text of the row with the most calls. QueryID is a hash and may be
// negative; zero means it was not visible to the collecting role, and such
// a row is one role's, as pg_stat_statements gave it.
type StatementStats struct {
	QueryID         int64   `json:"queryid"`
	Query           string  `json:"query"`
	Calls           int64   `json:"calls"`
	TotalExecTimeMs float64 `json:"total_exec_time_ms"`
	MeanExecTimeMs  float64 `json:"mean_exec_time_ms"`
	Rows            int64   `json:"rows"`
	SharedBlksHit   int64   `json:"shared_blks_hit"`
	SharedBlksRead  int64   `json:"shared_blks_read"`
	TempBlksWritten int64   `json:"temp_blks_written"`
	TempBlksRead    int64   `json:"temp_blks_read,omitempty"`
}

// Qualified is the table's schema-qualified name.
func (t TableStats) Qualified() string { return qualify(t.Schema, t.Name) }

// Qualified is the index's schema-qualified name.
func (x IndexStats) Qualified() string { return qualify(x.Schema, x.Name) }

// QualifiedTable is the schema-qualified name of the index's table.
func (x IndexStats) QualifiedTable() string { return qualify(x.Schema, x.Table) }

func qualify(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

// Block returns the block size in bytes.
func (s *Snapshot) Block() int64 {
	if s.BlockSize == 0 {
		return DefaultBlockSize
	}
	return s.BlockSize
}

// Window is how long the counters have been accumulating: CapturedAt minus
// StatsReset. Without a reset time it falls back to the server start, a lower
// bound, and says so with exact false; without either it returns 0, false.
func (s *Snapshot) Window() (d time.Duration, exact bool) {
	switch {
	case !s.StatsReset.IsZero():
		return s.CapturedAt.Sub(s.StatsReset), true
	case !s.PostmasterStart.IsZero():
		return s.CapturedAt.Sub(s.PostmasterStart), false
	}
	return 0, false
}

// CacheHitRatio is blks_hit / (blks_hit + blks_read), and false when the
// database has read no blocks at all.
func (s *Snapshot) CacheHitRatio() (float64, bool) {
	total := float64(s.Database.BlksHit) + float64(s.Database.BlksRead)
	if total == 0 {
		return 0, false
	}
	return float64(s.Database.BlksHit) / total, true
}

// ParseSnapshot reads a statistics snapshot (the JSON form of Snapshot) and
// checks it: captured_at, server_version, the database name, every table's
// and index's names and every index's valid flag are required; counters,
// sizes, ages and times must not be negative (but a size of minus one
// block, written by earlier builds, reads as unknown); captured_at may not
// be before stats_reset or postmaster_start; table and index names are unique; an
// index's constraint_type is primary, unique or exclusion, and its
// parent_index names another index of the snapshot, a table's partition_of
// another table, and neither chain loops. The
// sections of a live collection are checked too: foreign keys need their
// names, columns and referenced table; sequences their names, an integer
// data type, a minimum below the maximum, a non-zero increment, a
// last_value inside that range and the owner_schema, owner_table and
// owner_column of the column they feed all or none (owned_by, when given
// with them, their join); bloat estimates a kind of table or index, their
// names and no more extra bytes than real ones; sections a name and a status
// of collected, partial or skipped (with a reason unless collected). Every
// error is a *jsonpos.Error naming name:line:col and the cause.
func ParseSnapshot(name string, data []byte) (*Snapshot, error) {
	doc, err := jsonpos.Parse(name, data)
	if err != nil {
		return nil, err
	}
	var s Snapshot
	if err := doc.Decode(&s); err != nil {
		return nil, err
	}
	s.unknownSizes()
	if err := s.check(doc); err != nil {
		return nil, err
	}
	for i, q := range s.Sequences { // the messages name the owner by owned_by
		if q.OwnedBy == "" && q.OwnerTable != "" {
			s.Sequences[i].OwnedBy = strings.Join([]string{q.OwnerSchema, q.OwnerTable, q.OwnerColumn}, ".")
		}
	}
	return &s, nil
}

// unknownSizes reads a size of minus one block as unknown (0): pgrollout
// builds before 2026-11-25 stored relpages × block size for a partitioned
// table or index, whose relpages PostgreSQL 14 and later set to -1 once
// analyzed. Snapshots a user stored then keep loading.
func (s *Snapshot) unknownSizes() {
	for i := range s.Tables {
		if s.Tables[i].HeapBytes == -s.Block() {
			s.Tables[i].HeapBytes = 0
		}
	}
	for i := range s.Indexes {
		if s.Indexes[i].SizeBytes == -s.Block() {
			s.Indexes[i].SizeBytes = 0
		}
	}
}

// check applies the rules ParseSnapshot documents.
func (s *Snapshot) check(doc *jsonpos.Doc) error {
	switch {
	case s.CapturedAt.IsZero():
		return doc.Locate(errors.New("no captured_at: say when the statistics were read"), "captured_at")
	case strings.TrimSpace(s.ServerVersion) == "":
		return doc.Locate(errors.New("no server_version"), "server_version")
	case strings.TrimSpace(s.Database.Name) == "":
		return doc.Locate(errors.New("database: no name"), "database", "name")
	case !s.StatsReset.IsZero() && s.CapturedAt.Before(s.StatsReset):
		return doc.Locate(fmt.Errorf("captured_at %s is before stats_reset %s: the counters cannot be newer than the snapshot",
			rfc3339(s.CapturedAt), rfc3339(s.StatsReset)), "captured_at")
	case !s.PostmasterStart.IsZero() && s.CapturedAt.Before(s.PostmasterStart):
		return doc.Locate(fmt.Errorf("captured_at %s is before postmaster_start %s",
			rfc3339(s.CapturedAt), rfc3339(s.PostmasterStart)), "captured_at")
	case s.BlockSize != 0 && !validBlockSize(s.BlockSize):
		return doc.Locate(fmt.Errorf("block_size %d is not one PostgreSQL builds with (1024 to 32768, a power of two)", s.BlockSize), "block_size")
	}
	if err := nonNegative(doc, []any{"database"}, "database", append(s.Database.counters(), s.Database.gauges()...)); err != nil {
		return err
	}
	seen := map[string]int{}
	for i, t := range s.Tables {
		at := []any{"tables", i}
		if err := named(doc, at, fmt.Sprintf("tables[%d]", i), "schema", t.Schema, "name", t.Name); err != nil {
			return err
		}
		if err := nonNegative(doc, at, "table "+t.Qualified(), append(t.counters(), t.gauges()...)); err != nil {
			return err
		}
		if err := unique(doc, seen, "table "+t.Qualified(), at); err != nil {
			return err
		}
	}
	clear(seen)
	for i, x := range s.Indexes {
		at := []any{"indexes", i}
		if err := named(doc, at, fmt.Sprintf("indexes[%d]", i), "schema", x.Schema, "table", x.Table, "name", x.Name); err != nil {
			return err
		}
		if !doc.Has("indexes", i, "valid") {
			return doc.Locate(fmt.Errorf("index %s: no valid flag (pg_index.indisvalid)", x.Qualified()), at...)
		}
		if err := nonNegative(doc, at, "index "+x.Qualified(), x.counters()); err != nil {
			return err
		}
		if len(x.KeyOptions) > 0 && len(x.KeyOptions) != len(x.Columns) {
			return doc.Locate(fmt.Errorf("index %s: %d key_options for %d columns: give one per key column",
				x.Qualified(), len(x.KeyOptions), len(x.Columns)), append(at, "key_options")...)
		}
		if err := unique(doc, seen, "index "+x.Qualified(), at); err != nil {
			return err
		}
	}
	if err := s.checkIndexLinks(doc); err != nil {
		return err
	}
	if err := s.checkPGSS(doc); err != nil {
		return err
	}
	for i, st := range s.Statements {
		at := []any{"statements", i}
		if err := nonNegative(doc, at, fmt.Sprintf("statement %d", st.QueryID), append(st.counters(), counter{"temp_blks_read", st.TempBlksRead})); err != nil {
			return err
		}
		if st.TotalExecTimeMs < 0 || st.MeanExecTimeMs < 0 {
			field := "total_exec_time_ms"
			if st.TotalExecTimeMs >= 0 {
				field = "mean_exec_time_ms"
			}
			return doc.Locate(fmt.Errorf("statement %d: %s is negative", st.QueryID, field), append(at, field)...)
		}
	}
	return s.checkLive(doc)
}

// checkIndexLinks requires a known constraint_type, a parent_index that
// names another index of the snapshot and a partition_of that names another
// table, with no loop in either chain.
func (s *Snapshot) checkIndexLinks(doc *jsonpos.Doc) error {
	names := make(map[string]bool, len(s.Indexes))
	parents := make(map[string]string, len(s.Indexes))
	for _, x := range s.Indexes {
		names[x.Qualified()] = true
		parents[x.Qualified()] = x.ParentIndex
	}
	for i, x := range s.Indexes {
		at := []any{"indexes", i}
		switch {
		case x.ConstraintType != "" && !slices.Contains([]string{"primary", "unique", "exclusion"}, x.ConstraintType):
			return doc.Locate(fmt.Errorf("index %s: constraint_type %q is not primary, unique or exclusion", x.Qualified(), x.ConstraintType),
				append(at, "constraint_type")...)
		case x.ParentIndex == "":
		case x.ParentIndex == x.Qualified() || !names[x.ParentIndex]:
			return doc.Locate(fmt.Errorf("index %s: parent_index %q is not another index of the snapshot", x.Qualified(), x.ParentIndex),
				append(at, "parent_index")...)
		case loops(x.Qualified(), func(n string) string { return parents[n] }):
			return doc.Locate(fmt.Errorf("index %s: its parent_index chain comes back to it", x.Qualified()), append(at, "parent_index")...)
		}
	}
	tables := make(map[string]string, len(s.Tables))
	for _, t := range s.Tables {
		tables[t.Qualified()] = t.PartitionOf
	}
	for i, t := range s.Tables {
		at := []any{"tables", i, "partition_of"}
		_, known := tables[t.PartitionOf]
		switch {
		case t.PartitionOf == "":
		case t.PartitionOf == t.Qualified() || !known:
			return doc.Locate(fmt.Errorf("table %s: partition_of %q is not another table of the snapshot", t.Qualified(), t.PartitionOf), at...)
		case loops(t.Qualified(), func(n string) string { return tables[n] }):
			return doc.Locate(fmt.Errorf("table %s: its partition_of chain comes back to it", t.Qualified()), at...)
		}
	}
	return nil
}

// loops reports whether following up from start comes back to a name
// already seen (a partition tree is a tree; a hand-written snapshot may not
// be).
func loops(start string, up func(string) string) bool {
	seen := map[string]bool{start: true}
	for n := up(start); n != ""; n = up(n) {
		if seen[n] {
			return true
		}
		seen[n] = true
	}
	return false
}

// checkLive applies ParseSnapshot's rules to the sections only a live
// collection fills in.
func (s *Snapshot) checkLive(doc *jsonpos.Doc) error {
	if s.Server != nil && s.Server.VersionNum < 0 {
		return doc.Locate(fmt.Errorf("server: version_num is negative (%d)", s.Server.VersionNum), "server", "version_num")
	}
	seen := map[string]int{}
	for i, fk := range s.ForeignKeys {
		at := []any{"foreign_keys", i}
		if err := named(doc, at, fmt.Sprintf("foreign_keys[%d]", i), "schema", fk.Schema, "table", fk.Table, "name", fk.Name,
			"ref_schema", fk.RefSchema, "ref_table", fk.RefTable); err != nil {
			return err
		}
		what := "foreign key " + qualify(fk.Schema, fk.Table) + "." + fk.Name
		if len(fk.Columns) == 0 || slices.ContainsFunc(fk.Columns, func(c string) bool { return strings.TrimSpace(c) == "" }) {
			return doc.Locate(fmt.Errorf("%s: no columns, or a blank one", what), append(at, "columns")...)
		}
		if err := unique(doc, seen, what, at); err != nil {
			return err
		}
	}
	clear(seen)
	for i, q := range s.Sequences {
		at := []any{"sequences", i}
		if err := named(doc, at, fmt.Sprintf("sequences[%d]", i), "schema", q.Schema, "name", q.Name); err != nil {
			return err
		}
		what := "sequence " + qualify(q.Schema, q.Name)
		switch {
		case q.DataType != "" && !slices.Contains([]string{"smallint", "integer", "bigint"}, q.DataType):
			return doc.Locate(fmt.Errorf("%s: data_type %q is not smallint, integer or bigint", what, q.DataType), append(at, "data_type")...)
		case q.MinValue >= q.MaxValue:
			return doc.Locate(fmt.Errorf("%s: min_value %d is not below max_value %d", what, q.MinValue, q.MaxValue), append(at, "max_value")...)
		case q.Increment == 0:
			return doc.Locate(fmt.Errorf("%s: increment is 0", what), append(at, "increment")...)
		case q.LastValue != nil && (*q.LastValue < q.MinValue || *q.LastValue > q.MaxValue):
			return doc.Locate(fmt.Errorf("%s: last_value %d is outside min_value %d .. max_value %d", what, *q.LastValue, q.MinValue, q.MaxValue),
				append(at, "last_value")...)
		}
		if err := q.checkOwner(doc, at, what); err != nil {
			return err
		}
		if err := unique(doc, seen, what, at); err != nil {
			return err
		}
	}
	clear(seen)
	for i, b := range s.Bloat {
		at := []any{"bloat", i}
		if b.Kind != "table" && b.Kind != "index" {
			return doc.Locate(fmt.Errorf("bloat[%d]: kind %q is not table or index", i, b.Kind), append(at, "kind")...)
		}
		fields := []string{"schema", b.Schema, "name", b.Name}
		if b.Kind == "index" {
			fields = append(fields, "table", b.Table)
		}
		if err := named(doc, at, fmt.Sprintf("bloat[%d]", i), fields...); err != nil {
			return err
		}
		what := b.Kind + " bloat estimate of " + qualify(b.Schema, b.Name)
		if err := nonNegative(doc, at, what, []counter{{"real_bytes", b.RealBytes}, {"extra_bytes", b.ExtraBytes}}); err != nil {
			return err
		}
		if b.ExtraBytes > b.RealBytes {
			return doc.Locate(fmt.Errorf("%s: extra_bytes %d is more than real_bytes %d", what, b.ExtraBytes, b.RealBytes), append(at, "extra_bytes")...)
		}
		if err := unique(doc, seen, what, at); err != nil {
			return err
		}
	}
	clear(seen)
	for i, sec := range s.Sections {
		at := []any{"sections", i}
		if err := named(doc, at, fmt.Sprintf("sections[%d]", i), "name", sec.Name); err != nil {
			return err
		}
		what := "section " + sec.Name
		switch sec.Status {
		case SectionCollected:
		case SectionPartial, SectionSkipped:
			if strings.TrimSpace(sec.Reason) == "" {
				return doc.Locate(fmt.Errorf("%s: status %s without a reason: say what is missing", what, sec.Status), at...)
			}
		default:
			return doc.Locate(fmt.Errorf("%s: status %q is not collected, partial or skipped", what, sec.Status), append(at, "status")...)
		}
		if err := unique(doc, seen, what, at); err != nil {
			return err
		}
	}
	return nil
}

// checkOwner requires the owner_* parts of a sequence all or none, and
// owned_by, when given with them, to be their join.
func (q SequenceStats) checkOwner(doc *jsonpos.Doc, at []any, what string) error {
	parts := []string{q.OwnerSchema, q.OwnerTable, q.OwnerColumn}
	if allEmpty(parts) {
		return nil
	}
	if err := named(doc, at, what, "owner_schema", q.OwnerSchema, "owner_table", q.OwnerTable, "owner_column", q.OwnerColumn); err != nil {
		return err
	}
	if joined := strings.Join(parts, "."); q.OwnedBy != "" && q.OwnedBy != joined {
		return doc.Locate(fmt.Errorf("%s: owned_by %q is not owner_schema.owner_table.owner_column (%q)", what, q.OwnedBy, joined),
			append(at, "owned_by")...)
	}
	return nil
}

// counter is one named counter or size of a statistics row.
type counter struct {
	field string
	value int64
}

func (d DatabaseStats) counters() []counter {
	return []counter{
		{"xact_commit", d.XactCommit}, {"blks_read", d.BlksRead}, {"blks_hit", d.BlksHit},
		{"temp_files", d.TempFiles}, {"temp_bytes", d.TempBytes}, {"deadlocks", d.Deadlocks},
	}
}

// gauges are the database's values that are not counters but must not be
// negative either.
func (d DatabaseStats) gauges() []counter {
	return []counter{{"xid_age", d.XIDAge}, {"mxid_age", d.MXIDAge}}
}

// gauges are the table's sizes, I/O counters and ages.
func (t TableStats) gauges() []counter {
	return []counter{
		{"heap_bytes", t.HeapBytes}, {"heap_blks_read", t.HeapBlksRead}, {"heap_blks_hit", t.HeapBlksHit},
		{"idx_blks_read", t.IdxBlksRead}, {"idx_blks_hit", t.IdxBlksHit}, {"xid_age", t.XIDAge}, {"mxid_age", t.MXIDAge},
	}
}

func (t TableStats) counters() []counter {
	return []counter{
		{"seq_scan", t.SeqScan}, {"seq_tup_read", t.SeqTupRead}, {"idx_scan", t.IdxScan},
		{"idx_tup_fetch", t.IdxTupFetch}, {"n_live_tup", t.NLiveTup}, {"n_dead_tup", t.NDeadTup},
		{"n_tup_ins", t.NTupIns}, {"n_tup_upd", t.NTupUpd}, {"n_tup_del", t.NTupDel},
		{"total_bytes", t.TotalBytes},
	}
}

func (x IndexStats) counters() []counter {
	return []counter{{"idx_scan", x.IdxScan}, {"idx_tup_read", x.IdxTupRead}, {"size_bytes", x.SizeBytes}}
}

func (st StatementStats) counters() []counter {
	return []counter{
		{"calls", st.Calls}, {"rows", st.Rows}, {"shared_blks_hit", st.SharedBlksHit},
		{"shared_blks_read", st.SharedBlksRead}, {"temp_blks_written", st.TempBlksWritten},
	}
}

// nonNegative rejects a negative counter, located at its field.
func nonNegative(doc *jsonpos.Doc, at []any, what string, cs []counter) error {
	for _, c := range cs {
		if c.value < 0 {
			return doc.Locate(fmt.Errorf("%s: %s is negative (%d): statistics counters and sizes only count up",
				what, c.field, c.value), append(at, c.field)...)
		}
	}
	return nil
}

// named requires non-blank name fields, given as field, value pairs.
func named(doc *jsonpos.Doc, at []any, what string, fieldValues ...string) error {
	for i := 0; i+1 < len(fieldValues); i += 2 {
		if strings.TrimSpace(fieldValues[i+1]) == "" {
			return doc.Locate(fmt.Errorf("%s: no %s", what, fieldValues[i]), append(at, fieldValues[i])...)
		}
	}
	return nil
}

// unique rejects a second row with the same name.
func unique(doc *jsonpos.Doc, seen map[string]int, what string, at []any) error {
	if line, dup := seen[what]; dup {
		return doc.Locate(fmt.Errorf("%s appears twice (first on line %d)", what, line), at...)
	}
	seen[what] = doc.Pos(at...).Line
	return nil
}

func validBlockSize(n int64) bool {
	return n >= 1024 && n <= 32768 && n&(n-1) == 0
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
