package audit

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// userSchemas filters namespace n to user schemas: no catalogs, no TOAST, no
// other session's temporary schema.
const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  AND NOT pg_is_other_temp_schema(n.oid)`

// sizeFloor is the size (1 MiB) under which a relation's size is taken
// from the catalog (pg_class.relpages × block size, as of the last VACUUM,
// ANALYZE or CREATE INDEX) instead of measured. Measuring opens the
// relation's files (pg_relation_size: tens of microseconds each, seconds over
// a schema of tens of thousands of relations), and no check looks at sizes
// this small. A relation whose catalog figure may be stale is measured
// whatever its size: never vacuumed or analyzed (reltuples < 0), no pages but
// live rows, or more rows changed since the last analyze than autovacuum
// would let pass (50 + 10 % of reltuples).
const sizeFloor = 1 << 20

// sizeConsts is a CTE with the block size and sizeFloor in pages.
func sizeConsts() string {
	return `sz AS (
  SELECT current_setting('block_size')::int8 AS bs,
         ` + strconv.Itoa(sizeFloor) + ` / current_setting('block_size')::int8 AS floor_pages
)`
}

// staleSQL says whether table c's catalog size figures may be stale.
const staleSQL = `(c.reltuples < 0
     OR (c.relpages = 0 AND coalesce(pg_stat_get_live_tuples(c.oid), 0) > 0)
     OR coalesce(pg_stat_get_mod_since_analyze(c.oid), 0) > 50 + 0.1 * greatest(c.reltuples, 0))`

// tablesSQL reads what pg_stat_user_tables and pg_statio_user_tables show
// of the user tables (ordinary, partitioned, materialized views), from the
// pg_stat_get_* functions those views are made of, with sizes (see
// sizeFloor), XID and multixact ages (of the heap and its TOAST table),
// whether it is partitioned and the partitioned table it is a partition of.
// The figures the views sum over a table's indexes (idx_scan, the index part
// of idx_tup_fetch, idx_blks_*) and the replica identity index are added
// from the indexes query (addIndexes): the views' grouping over pg_index,
// or a lookup of each table's indexes, costs several times more on a large
// schema. Without sizes it measures none (each measure locks the relation
// briefly, so a table held in ACCESS EXCLUSIVE mode makes it wait up to
// lock_timeout) and gives catalog figures.
func tablesSQL(version int, sizes bool) string {
	// total is NULL when not measured: Collect then adds the sizes of the
	// table's indexes (from the indexes query) to base.
	total := `CASE WHEN m.base_pages >= sz.floor_pages OR m.stale THEN pg_total_relation_size(c.oid) END`
	heap := `CASE WHEN c.relpages >= sz.floor_pages OR m.stale THEN coalesce(pg_relation_size(c.oid), 0)
            ELSE greatest(c.relpages, 0)::int8 * sz.bs END`
	if !sizes {
		total, heap = "NULL::int8", "greatest(c.relpages, 0)::int8 * sz.bs"
	}
	lastSeqScan := "NULL::timestamptz"
	if version >= 160000 {
		lastSeqScan = "pg_stat_get_lastscan(c.oid)"
	}
	return `
WITH ` + sizeConsts() + `
SELECT n.nspname::text, c.relname::text,
       coalesce(pg_stat_get_numscans(c.oid), 0), coalesce(pg_stat_get_tuples_returned(c.oid), 0),
       coalesce(pg_stat_get_tuples_fetched(c.oid), 0),
       coalesce(pg_stat_get_live_tuples(c.oid), 0), coalesce(pg_stat_get_dead_tuples(c.oid), 0),
       coalesce(pg_stat_get_tuples_inserted(c.oid), 0), coalesce(pg_stat_get_tuples_updated(c.oid), 0),
       coalesce(pg_stat_get_tuples_deleted(c.oid), 0),
       ` + total + `, m.base_pages * sz.bs,
       ` + heap + `,
       pg_stat_get_last_autovacuum_time(c.oid), pg_stat_get_last_vacuum_time(c.oid),
       pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid), ` + lastSeqScan + `,
       coalesce(pg_stat_get_blocks_fetched(c.oid) - pg_stat_get_blocks_hit(c.oid), 0), coalesce(pg_stat_get_blocks_hit(c.oid), 0),
       greatest(CASE WHEN c.relfrozenxid = '0'::xid THEN 0 ELSE age(c.relfrozenxid) END,
                CASE WHEN t.relfrozenxid = '0'::xid THEN 0 ELSE age(t.relfrozenxid) END)::int8,
       greatest(CASE WHEN c.relminmxid = '0'::xid THEN 0 ELSE mxid_age(c.relminmxid) END,
                CASE WHEN t.relminmxid = '0'::xid THEN 0 ELSE mxid_age(t.relminmxid) END)::int8,
       c.relkind = 'p', coalesce(pn.nspname::text || '.' || pc.relname::text, '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN sz
LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
-- The partitioned table a partition belongs to (by key: an index lookup).
LEFT JOIN pg_inherits ih ON ih.inhrelid = c.oid AND c.relispartition
LEFT JOIN pg_class pc ON pc.oid = ih.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
CROSS JOIN LATERAL (
  SELECT greatest(c.relpages, 0)::int8 + greatest(coalesce(t.relpages, 0), 0) AS base_pages,
         ` + staleSQL + ` AS stale
) m
WHERE c.relkind IN ('r', 'm', 'p') AND ` + userSchemas + ``
}

// tables reads the tables section (and the table half of the xid section).
func (k *collector) tables(ctx context.Context, tx pgx.Tx) error {
	defer sortTables(k.s)
	read := func(sizes bool) func() error {
		return func() error {
			k.s.Tables = nil
			rows, err := tx.Query(ctx, tablesSQL(k.version(), sizes))
			if err != nil {
				return err
			}
			k.totalMeasured = map[relKey]bool{}
			var t TableStats
			var total *int64
			var lastAutovacuum, lastVacuum, lastAnalyze, lastAutoanalyze, lastSeqScan *time.Time
			_, err = pgx.ForEachRow(rows, []any{
				&t.Schema, &t.Name, &t.SeqScan, &t.SeqTupRead, &t.IdxTupFetch,
				&t.NLiveTup, &t.NDeadTup, &t.NTupIns, &t.NTupUpd, &t.NTupDel,
				&total, &t.TotalBytes, &t.HeapBytes,
				&lastAutovacuum, &lastVacuum, &lastAnalyze, &lastAutoanalyze, &lastSeqScan,
				&t.HeapBlksRead, &t.HeapBlksHit,
				&t.XIDAge, &t.MXIDAge, &t.Partitioned, &t.PartitionOf,
			}, func() error {
				t.LastAutovacuum, t.LastVacuum, t.LastAnalyze = utc(lastAutovacuum), utc(lastVacuum), utc(lastAnalyze)
				t.LastAutoanalyze, t.LastSeqScan = utc(lastAutoanalyze), utc(lastSeqScan)
				if total != nil {
					t.TotalBytes = *total
					k.totalMeasured[relKey{t.Schema, t.Name}] = true
				}
				k.s.Tables = append(k.s.Tables, t)
				return nil
			})
			return err
		}
	}
	failed, fatal := collectAttempt(ctx, tx, read(true))
	if fatal != nil {
		return fatal
	}
	if failed == nil {
		k.tableXID = true
		k.record(SectionTables, SectionCollected, "")
		return nil
	}
	if isLockTimeout(failed) {
		// A table is locked: read everything but the sizes.
		failed2, fatal := collectAttempt(ctx, tx, read(false))
		if fatal != nil {
			return fatal
		}
		if failed2 == nil {
			k.tableXID = true
			k.record(SectionTables, SectionPartial, "sizes not read: a table is locked (ACCESS EXCLUSIVE) and pg_relation_size waited past lock_timeout: "+collectReason(failed))
			return nil
		}
		failed = failed2
	}
	k.s.Tables = nil
	k.record(SectionTables, SectionSkipped, collectReason(failed))
	return nil
}

// indexesSQL reads what pg_stat_user_indexes shows of the indexes of user
// tables (from the pg_stat_get_* functions, as tablesSQL) with pg_index,
// the access method,
// key columns with their operator class, collation and ordering (written as
// pg_get_indexdef writes them: a default operator class or the column's own
// collation is left out), INCLUDE columns, expressions, predicate, backing
// constraint with its type, replica identity, whether CREATE INDEX is
// building it now, its size (see sizeFloor; the index is measured when its
// table is), whether it is deferrable (not indimmediate), the foreign keys
// that depend on it, whether it is a partitioned index and the partitioned
// index it is attached to. A partitioned index's own figures are zero:
// addIndexes gives it its partitions' sums.
func indexesSQL(version int, sizes bool) string {
	size := `CASE WHEN i.relpages >= sz.floor_pages OR i.reltuples < 0 OR ` + staleSQL + `
            THEN coalesce(pg_relation_size(x.indexrelid), 0) ELSE greatest(i.relpages, 0)::int8 * sz.bs END`
	if !sizes {
		size = "greatest(i.relpages, 0)::int8 * sz.bs"
	}
	lastIdxScan := "NULL::timestamptz"
	if version >= 160000 {
		lastIdxScan = "pg_stat_get_lastscan(x.indexrelid)"
	}
	// The key columns are read for all indexes at once (kc, joined to
	// catalog tables only) and grouped per index (keys), which then drives
	// the query: every join is to a catalog table by its key. A join between
	// two derived sets could be planned, on a misestimate (catalog
	// statistics are often stale), as a nested loop of N × N.
	return `
WITH ` + sizeConsts() + `,
building AS MATERIALIZED (
  SELECT p.relid, p.index_relid FROM pg_stat_progress_create_index p
  WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
),
kc AS (
  -- One row per index column: its name (NULL for an expression), and
  -- whether pg_get_indexdef would print its collation (not the column's
  -- own) and operator class (not the default for the column's type).
  SELECT x.indexrelid, x.indnkeyatts, u.n, u.opt, a.attname,
         u.coll <> 0 AND u.coll <> coalesce(a.attcollation, ia.typcollation, 0) AS show_coll,
         CASE WHEN co.oid IS NULL OR co.collnamespace = 'pg_catalog'::regnamespace THEN ''
              ELSE (SELECT ns.nspname FROM pg_namespace ns WHERE ns.oid = co.collnamespace) || '.' END AS coll_ns,
         co.collname,
         oc.oid IS NOT NULL AND NOT (oc.opcdefault AND (
             oc.opcintype = coalesce(a.atttypid, ia.atttypid)
             -- polymorphic (anyarray, anyenum ...), a domain over the
             -- type, or a type binary-coercible to it (varchar to text)
             OR (SELECT t.typtype FROM pg_type t WHERE t.oid = oc.opcintype) = 'p'
             OR EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = coalesce(a.atttypid, ia.atttypid)
                          AND t.typtype = 'd' AND t.typbasetype = oc.opcintype)
             OR EXISTS (SELECT 1 FROM pg_cast ca
                        WHERE ca.castsource = coalesce(a.atttypid, ia.atttypid)
                          AND ca.casttarget = oc.opcintype AND ca.castmethod = 'b'))) AS show_opc,
         CASE WHEN oc.oid IS NULL OR oc.opcnamespace = 'pg_catalog'::regnamespace THEN ''
              ELSE (SELECT ns.nspname FROM pg_namespace ns WHERE ns.oid = oc.opcnamespace) || '.' END AS opc_ns,
         oc.opcname
  FROM pg_index x
  JOIN pg_class xc ON xc.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = xc.relnamespace
  CROSS JOIN LATERAL unnest(x.indkey::int2[], x.indclass::oid[], x.indcollation::oid[], x.indoption::int2[])
         WITH ORDINALITY AS u(attnum, opclass, coll, opt, n)
  -- A key column: a lookup by key. A join could be planned as a hash over
  -- all of pg_attribute, which costs more than these lookups together.
  LEFT JOIN LATERAL (
    SELECT a.attname, a.attcollation, a.atttypid FROM pg_attribute a
    WHERE a.attrelid = x.indrelid AND a.attnum = u.attnum AND u.attnum > 0
    LIMIT 1
  ) a ON true
  LEFT JOIN LATERAL ( -- an expression key: the index column's type (a lookup, not a join over all attributes)
    SELECT ia.atttypid, ty.typcollation FROM pg_attribute ia JOIN pg_type ty ON ty.oid = ia.atttypid
    WHERE ia.attrelid = x.indexrelid AND ia.attnum = u.n AND u.attnum = 0
    LIMIT 1
  ) ia ON true
  LEFT JOIN pg_opclass oc ON oc.oid = u.opclass
  LEFT JOIN pg_collation co ON co.oid = u.coll
  WHERE xc.relkind IN ('r', 'm', 'p') AND ` + userSchemas + `
),
keys AS (
  -- The aggregates take the columns in the order of the sorted input
  -- (one sort rather than one for each aggregate of each index).
  SELECT k.indexrelid,
         array_agg(coalesce(k.attname::text, '')) FILTER (WHERE k.n <= k.indnkeyatts) AS keys,
         array_agg(concat_ws(' ',
             CASE WHEN k.show_coll THEN 'COLLATE ' || k.coll_ns || k.collname END,
             CASE WHEN k.show_opc THEN k.opc_ns || k.opcname END,
             CASE WHEN k.opt & 1 = 1 THEN 'DESC' END,
             CASE WHEN k.opt & 3 = 1 THEN 'NULLS LAST'
                  WHEN k.opt & 3 = 2 THEN 'NULLS FIRST' END))
           FILTER (WHERE k.n <= k.indnkeyatts) AS opts,
         array_agg(k.attname::text) FILTER (WHERE k.n > k.indnkeyatts) AS incl,
         -- The key and INCLUDE lists as pg_get_indexdef writes them.
         string_agg(quote_ident(k.attname)
             || CASE WHEN k.show_coll THEN ' COLLATE ' || CASE WHEN k.coll_ns = '' THEN '' ELSE quote_ident(rtrim(k.coll_ns, '.')) || '.' END
                                                       || quote_ident(k.collname) ELSE '' END
             || CASE WHEN k.show_opc THEN ' ' || CASE WHEN k.opc_ns = '' THEN '' ELSE quote_ident(rtrim(k.opc_ns, '.')) || '.' END
                                                || quote_ident(k.opcname) ELSE '' END
             || CASE WHEN k.opt & 1 = 1 THEN ' DESC' ELSE '' END
             || CASE WHEN k.opt & 3 = 1 THEN ' NULLS LAST' WHEN k.opt & 3 = 2 THEN ' NULLS FIRST' ELSE '' END,
             ', ') FILTER (WHERE k.n <= k.indnkeyatts) AS key_def,
         string_agg(quote_ident(k.attname), ', ') FILTER (WHERE k.n > k.indnkeyatts) AS incl_def
  FROM (SELECT * FROM kc ORDER BY kc.indexrelid, kc.n) k
  GROUP BY k.indexrelid
)
SELECT n.nspname::text, c.relname::text, i.relname::text,
       coalesce(pg_stat_get_numscans(x.indexrelid), 0), coalesce(pg_stat_get_tuples_returned(x.indexrelid), 0),
       coalesce(pg_stat_get_tuples_fetched(x.indexrelid), 0),
       coalesce(pg_stat_get_blocks_fetched(x.indexrelid) - pg_stat_get_blocks_hit(x.indexrelid), 0),
       coalesce(pg_stat_get_blocks_hit(x.indexrelid), 0),
       ` + size + `,
       x.indisunique, x.indisprimary, x.indisvalid, x.indisready,
       ` + indexDefSQL(version) + `, am.amname::text,
       coalesce(k.keys, '{}'), coalesce(k.opts, '{}'), coalesce(k.incl, '{}'),
       coalesce(pg_get_expr(x.indexprs, x.indrelid), ''), coalesce(pg_get_expr(x.indpred, x.indrelid), ''),
       coalesce(con.conname::text, ''), x.indisreplident,
       EXISTS (SELECT 1 FROM building b
               WHERE b.index_relid = x.indexrelid OR (b.relid = x.indrelid AND b.index_relid = 0)),
       ` + lastIdxScan + `,
       coalesce(con.contype, ''), NOT x.indimmediate, coalesce(fk.names, '{}'),
       i.relkind = 'I', coalesce(pin.nspname::text || '.' || pi.relname::text, '')
FROM keys k
JOIN pg_index x ON x.indexrelid = k.indexrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = i.relam
CROSS JOIN sz
LEFT JOIN LATERAL (
  SELECT cn.conname,
         CASE cn.contype WHEN 'p' THEN 'primary' WHEN 'u' THEN 'unique' ELSE 'exclusion' END AS contype
  FROM pg_constraint cn
  WHERE cn.conrelid = x.indrelid AND cn.conindid = x.indexrelid AND cn.contype IN ('p', 'u', 'x')
  LIMIT 1
) con ON true
LEFT JOIN (
  -- The foreign keys that use each index (conindid), aggregated once:
  -- pg_constraint holds far fewer foreign keys than there are indexes.
  -- Their clones on partitions (conparentid <> 0) are left out.
  SELECT fcon.conindid, array_agg(fn.nspname::text || '.' || fc.relname::text || '.' || fcon.conname::text
                                  ORDER BY fn.nspname, fc.relname, fcon.conname) AS names
  FROM pg_constraint fcon
  JOIN pg_class fc ON fc.oid = fcon.conrelid
  JOIN pg_namespace fn ON fn.oid = fc.relnamespace
  WHERE fcon.contype = 'f' AND fcon.conparentid = 0
  GROUP BY fcon.conindid
) fk ON fk.conindid = x.indexrelid
-- The partitioned index this one is attached to (by key).
LEFT JOIN pg_inherits ih ON ih.inhrelid = x.indexrelid
LEFT JOIN pg_class pi ON pi.oid = ih.inhparent
LEFT JOIN pg_namespace pin ON pin.oid = pi.relnamespace`
}

// indexDefSQL is pg_get_indexdef's text for index x (of table c, in
// namespace n, with keys k), written from the catalog for the common case:
// pg_get_indexdef takes tens of microseconds an index, a second or more
// over tens of thousands. An index with expressions, storage options or an
// access method whose operator classes may take parameters, or on a
// partitioned table, is left to pg_get_indexdef itself.
func indexDefSQL(version int) string {
	nullsNotDistinct := "''"
	if version >= 150000 {
		nullsNotDistinct = "CASE WHEN x.indnullsnotdistinct THEN ' NULLS NOT DISTINCT' ELSE '' END"
	}
	return `CASE WHEN x.indexprs IS NULL AND i.reloptions IS NULL AND c.relkind <> 'p' AND am.amname IN ('btree', 'hash', 'gin')
            AND k.key_def IS NOT NULL
       THEN 'CREATE ' || CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || quote_ident(i.relname)
            || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' USING ' || quote_ident(am.amname)
            || ' (' || k.key_def || coalesce(') INCLUDE (' || k.incl_def, '') || ')'
            || ` + nullsNotDistinct + `
            || coalesce(' WHERE ' || pg_get_expr(x.indpred, x.indrelid), '')
       ELSE coalesce(pg_get_indexdef(x.indexrelid), '') END`
}

// indexes reads the indexes section.
func (k *collector) indexes(ctx context.Context, tx pgx.Tx) error {
	defer sortIndexes(k.s)
	read := func(sizes bool) func() error {
		return func() error {
			k.s.Indexes, k.idxSums = nil, map[relKey]indexSums{}
			rows, err := tx.Query(ctx, indexesSQL(k.version(), sizes))
			if err != nil {
				return err
			}
			var x IndexStats
			var fetched, blksRead, blksHit int64
			var lastIdxScan *time.Time
			_, err = pgx.ForEachRow(rows, []any{
				&x.Schema, &x.Table, &x.Name, &x.IdxScan, &x.IdxTupRead, &fetched, &blksRead, &blksHit, &x.SizeBytes,
				&x.Unique, &x.Primary, &x.Valid, &x.Ready, &x.Definition, &x.Method,
				&x.Columns, &x.KeyOptions, &x.Include, &x.Expressions, &x.Predicate,
				&x.Constraint, &x.ReplicaIdentity, &x.BeingBuilt, &lastIdxScan,
				&x.ConstraintType, &x.Deferrable, &x.ReferencedBy, &x.Partitioned, &x.ParentIndex,
			}, func() error {
				x.LastIdxScan = utc(lastIdxScan)
				if len(x.Include) == 0 {
					x.Include = nil
				}
				if allEmpty(x.KeyOptions) {
					x.KeyOptions = nil
				}
				if len(x.ReferencedBy) == 0 {
					x.ReferencedBy = nil
				}
				key := relKey{x.Schema, x.Table}
				sum := k.idxSums[key]
				sum.scans += x.IdxScan
				sum.fetched += fetched
				sum.blksRead += blksRead
				sum.blksHit += blksHit
				sum.bytes += x.SizeBytes
				if x.ReplicaIdentity {
					sum.replident = x.Name
				}
				k.idxSums[key] = sum
				k.s.Indexes = append(k.s.Indexes, x)
				// The slices are the row's own: ForEachRow scans the
				// next row into fresh ones.
				x.Columns, x.KeyOptions, x.Include, x.ReferencedBy = nil, nil, nil, nil
				return nil
			})
			return err
		}
	}
	var notes []string
	if k.hiddenBuilds > 0 {
		notes = append(notes, nOf(k.hiddenBuilds, "index build", "index builds")+
			" by other roles are running in this database, not visible to "+k.who()+
			" (needs pg_read_all_stats): an index that is not ready or not valid may be one of them")
	}
	failed, fatal := collectAttempt(ctx, tx, read(true))
	if fatal != nil {
		return fatal
	}
	if failed != nil && isLockTimeout(failed) {
		first := failed
		failed, fatal = collectAttempt(ctx, tx, read(false))
		if fatal != nil {
			return fatal
		}
		if failed == nil {
			notes = append(notes, "sizes not read: an index is locked (ACCESS EXCLUSIVE) and pg_relation_size waited past lock_timeout: "+collectReason(first))
		}
	}
	switch {
	case failed != nil:
		k.s.Indexes, k.idxSums = nil, nil
		k.record(SectionIndexes, SectionSkipped, collectReason(failed))
	case len(notes) > 0:
		k.record(SectionIndexes, SectionPartial, joinReasons(notes))
	default:
		k.record(SectionIndexes, SectionCollected, "")
	}
	return nil
}

// relKey names a relation by schema and name.
type relKey struct{ schema, name string }

// indexSums are the figures of one table's indexes that pg_stat_user_tables
// and pg_statio_user_tables sum, with their sizes and replica identity.
type indexSums struct {
	scans, fetched, blksRead, blksHit, bytes int64
	replident                                string
}

// addIndexes gives each partitioned index the sums of its partitions'
// indexes (see sumPartitionedIndexes), completes the tables with what their
// indexes add (see tablesSQL; each table with its own indexes' figures,
// a partitioned table's being zero), and says so in the tables section when
// the indexes could not be read.
func (k *collector) addIndexes() {
	sumPartitionedIndexes(k.s.Indexes)
	if len(k.s.Tables) == 0 {
		return
	}
	if k.idxSums == nil {
		sec := k.sections[SectionTables]
		note := "idx_scan, idx_tup_fetch, idx_blks_read, idx_blks_hit, index sizes in total_bytes and the replica identity index are missing: the indexes section was not collected"
		k.record(SectionTables, SectionPartial, joinReasons(slices.DeleteFunc([]string{sec.Reason, note}, func(r string) bool { return r == "" })))
		return
	}
	for i := range k.s.Tables {
		t := &k.s.Tables[i]
		key := relKey{t.Schema, t.Name}
		sum := k.idxSums[key]
		t.IdxScan = sum.scans
		t.IdxTupFetch += sum.fetched
		t.IdxBlksRead, t.IdxBlksHit = sum.blksRead, sum.blksHit
		t.ReplicaIdentityIndex = sum.replident
		if !k.totalMeasured[key] {
			t.TotalBytes += sum.bytes
		}
	}
}

// sumPartitionedIndexes gives each partitioned index (which has no storage
// and no scans of its own) the sums of idx_scan, idx_tup_read and
// size_bytes, and the latest last_idx_scan, of the indexes attached to it
// below, at every level: each index's own figures are added to every
// ancestor along its ParentIndex chain.
func sumPartitionedIndexes(xs []IndexStats) {
	at := make(map[string]int, len(xs))
	for i, x := range xs {
		at[x.Qualified()] = i
	}
	own := slices.Clone(xs)
	for _, x := range own {
		// A chain is at most as long as the list: the bound guards
		// against a cycle.
		for p, n := x.ParentIndex, 0; p != "" && n < len(xs); n++ {
			i, ok := at[p]
			if !ok {
				break
			}
			y := &xs[i]
			y.IdxScan += x.IdxScan
			y.IdxTupRead += x.IdxTupRead
			y.SizeBytes += x.SizeBytes
			if x.LastIdxScan.After(y.LastIdxScan) {
				y.LastIdxScan = x.LastIdxScan
			}
			p = own[i].ParentIndex
		}
	}
}

// foreignKeysSQL lists the foreign keys of user tables with their columns
// in key order, whether the referencing table is partitioned, and whether
// the key is NOT ENFORCED (pg_constraint.conenforced, PostgreSQL 18 and
// later; every key is enforced before).
func foreignKeysSQL(version int) string {
	notEnforced := "false"
	if version >= 180000 {
		notEnforced = "NOT c.conenforced"
	}
	return `
SELECT n.nspname::text, t.relname::text, c.conname::text,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), '{}'),
       rn.nspname::text, r.relname::text,
       c.conparentid <> 0, t.relkind = 'p', ` + notEnforced + `
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.contype = 'f' AND ` + userSchemas
}

// foreignKeys reads the foreign_keys section.
func (k *collector) foreignKeys(ctx context.Context, tx pgx.Tx) error {
	defer sortForeignKeys(k.s)
	failed, fatal := collectAttempt(ctx, tx, func() error {
		k.s.ForeignKeys = nil
		rows, err := tx.Query(ctx, foreignKeysSQL(k.version()))
		if err != nil {
			return err
		}
		var fk ForeignKeyStats
		_, err = pgx.ForEachRow(rows, []any{&fk.Schema, &fk.Table, &fk.Name, &fk.Columns, &fk.RefSchema, &fk.RefTable, &fk.Inherited,
			&fk.Partitioned, &fk.NotEnforced},
			func() error {
				k.s.ForeignKeys = append(k.s.ForeignKeys, fk)
				fk.Columns = nil
				return nil
			})
		return err
	})
	if fatal != nil {
		return fatal
	}
	if failed != nil {
		k.s.ForeignKeys = nil
		k.record(SectionForeignKeys, SectionSkipped, collectReason(failed))
		return nil
	}
	k.record(SectionForeignKeys, SectionCollected, "")
	return nil
}

// utc returns a nullable time in UTC, zero for NULL.
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// allEmpty reports whether every string is "".
func allEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}
