package audit

import (
	"context"
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

// tablesSQL reads pg_stat_user_tables with pg_statio_user_tables, sizes
// (see sizeFloor), XID and multixact ages (of the heap and its TOAST table)
// and the replica identity index. Without sizes it measures none (each
// measure locks the relation briefly, so a table held in ACCESS EXCLUSIVE
// mode makes it wait up to lock_timeout) and gives catalog figures only.
func tablesSQL(version int, sizes bool) string {
	total := `CASE WHEN m.total_pages >= sz.floor_pages OR m.stale THEN coalesce(pg_total_relation_size(s.relid), 0)
            ELSE m.total_pages * sz.bs END`
	heap := `CASE WHEN c.relpages >= sz.floor_pages OR m.stale THEN coalesce(pg_relation_size(s.relid), 0)
            ELSE c.relpages::int8 * sz.bs END`
	if !sizes {
		total, heap = "m.total_pages * sz.bs", "c.relpages::int8 * sz.bs"
	}
	lastSeqScan := "NULL::timestamptz"
	if version >= 160000 {
		lastSeqScan = "s.last_seq_scan"
	}
	return `
WITH ` + sizeConsts() + `,
idx_pages AS (
  SELECT x.indrelid, sum(i.relpages)::int8 AS pages
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
  GROUP BY x.indrelid
)
SELECT s.schemaname::text, s.relname::text,
       coalesce(s.seq_scan, 0), coalesce(s.seq_tup_read, 0), coalesce(s.idx_scan, 0), coalesce(s.idx_tup_fetch, 0),
       coalesce(s.n_live_tup, 0), coalesce(s.n_dead_tup, 0),
       coalesce(s.n_tup_ins, 0), coalesce(s.n_tup_upd, 0), coalesce(s.n_tup_del, 0),
       ` + total + `,
       ` + heap + `,
       s.last_autovacuum, s.last_vacuum, s.last_analyze, s.last_autoanalyze, ` + lastSeqScan + `,
       coalesce(io.heap_blks_read, 0), coalesce(io.heap_blks_hit, 0),
       coalesce(io.idx_blks_read, 0), coalesce(io.idx_blks_hit, 0),
       greatest(CASE WHEN c.relfrozenxid = '0'::xid THEN 0 ELSE age(c.relfrozenxid) END,
                CASE WHEN t.relfrozenxid = '0'::xid THEN 0 ELSE age(t.relfrozenxid) END)::int8,
       greatest(CASE WHEN c.relminmxid = '0'::xid THEN 0 ELSE mxid_age(c.relminmxid) END,
                CASE WHEN t.relminmxid = '0'::xid THEN 0 ELSE mxid_age(t.relminmxid) END)::int8,
       coalesce(ri.relname::text, '')
FROM pg_stat_user_tables s
JOIN pg_class c ON c.oid = s.relid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN sz
LEFT JOIN pg_statio_user_tables io ON io.relid = s.relid
LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
LEFT JOIN idx_pages ip ON ip.indrelid = c.oid
LEFT JOIN pg_index rx ON rx.indrelid = c.oid AND rx.indisreplident
LEFT JOIN pg_class ri ON ri.oid = rx.indexrelid
CROSS JOIN LATERAL (
  SELECT greatest(c.relpages, 0)::int8 + greatest(coalesce(t.relpages, 0), 0) + coalesce(ip.pages, 0) AS total_pages,
         ` + staleSQL + ` AS stale
) m
WHERE NOT pg_is_other_temp_schema(n.oid)
ORDER BY 1, 2`
}

// tables reads the tables section (and the table half of the xid section).
func (k *collector) tables(ctx context.Context, tx pgx.Tx) error {
	read := func(sizes bool) func() error {
		return func() error {
			k.s.Tables = nil
			rows, err := tx.Query(ctx, tablesSQL(k.version(), sizes))
			if err != nil {
				return err
			}
			var t TableStats
			var lastAutovacuum, lastVacuum, lastAnalyze, lastAutoanalyze, lastSeqScan *time.Time
			_, err = pgx.ForEachRow(rows, []any{
				&t.Schema, &t.Name, &t.SeqScan, &t.SeqTupRead, &t.IdxScan, &t.IdxTupFetch,
				&t.NLiveTup, &t.NDeadTup, &t.NTupIns, &t.NTupUpd, &t.NTupDel,
				&t.TotalBytes, &t.HeapBytes,
				&lastAutovacuum, &lastVacuum, &lastAnalyze, &lastAutoanalyze, &lastSeqScan,
				&t.HeapBlksRead, &t.HeapBlksHit, &t.IdxBlksRead, &t.IdxBlksHit,
				&t.XIDAge, &t.MXIDAge, &t.ReplicaIdentityIndex,
			}, func() error {
				t.LastAutovacuum, t.LastVacuum, t.LastAnalyze = utc(lastAutovacuum), utc(lastVacuum), utc(lastAnalyze)
				t.LastAutoanalyze, t.LastSeqScan = utc(lastAutoanalyze), utc(lastSeqScan)
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

// indexesSQL reads pg_stat_user_indexes with pg_index, the access method,
// key columns with their operator class, collation and ordering (written as
// pg_get_indexdef writes them: a default operator class or the column's own
// collation is left out), INCLUDE columns, expressions, predicate, backing
// constraint, replica identity, whether CREATE INDEX is building it now, and
// its size (see sizeFloor; the index is measured when its table is).
func indexesSQL(version int, sizes bool) string {
	size := `CASE WHEN i.relpages >= sz.floor_pages OR i.reltuples < 0 OR ` + staleSQL + `
            THEN coalesce(pg_relation_size(s.indexrelid), 0) ELSE i.relpages::int8 * sz.bs END`
	if !sizes {
		size = "i.relpages::int8 * sz.bs"
	}
	lastIdxScan := "NULL::timestamptz"
	if version >= 160000 {
		lastIdxScan = "s.last_idx_scan"
	}
	return `
WITH ` + sizeConsts() + `,
building AS MATERIALIZED (
  SELECT p.relid, p.index_relid FROM pg_stat_progress_create_index p
  WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
),
keys AS (
  SELECT x.indexrelid,
         array_agg(coalesce(a.attname::text, '') ORDER BY u.n)
           FILTER (WHERE u.n <= x.indnkeyatts) AS keys,
         array_agg(concat_ws(' ',
             CASE WHEN u.coll <> 0 AND u.coll <> coalesce(a.attcollation, e.typcollation, 0)
                  THEN 'COLLATE ' || CASE WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN co.collname::text
                                          ELSE co_ns.nspname || '.' || co.collname END END,
             CASE WHEN oc.oid IS NOT NULL AND NOT (oc.opcdefault AND (
                         oc.opcintype = coalesce(a.atttypid, e.atttypid)
                         OR oct.typtype = 'p'
                         OR EXISTS (SELECT 1 FROM pg_cast ca
                                    WHERE ca.castsource = coalesce(a.atttypid, e.atttypid)
                                      AND ca.casttarget = oc.opcintype AND ca.castmethod = 'b')))
                  THEN CASE WHEN oc.opcnamespace = 'pg_catalog'::regnamespace THEN oc.opcname::text
                            ELSE oc_ns.nspname || '.' || oc.opcname END END,
             CASE WHEN u.opt & 1 = 1 THEN 'DESC' END,
             CASE WHEN u.opt & 3 = 1 THEN 'NULLS LAST'
                  WHEN u.opt & 3 = 2 THEN 'NULLS FIRST' END) ORDER BY u.n)
           FILTER (WHERE u.n <= x.indnkeyatts) AS opts,
         array_agg(a.attname::text ORDER BY u.n) FILTER (WHERE u.n > x.indnkeyatts) AS incl
  FROM pg_index x
  JOIN pg_class xi ON xi.oid = x.indexrelid
  JOIN pg_namespace n ON n.oid = xi.relnamespace
  CROSS JOIN LATERAL unnest(x.indkey::int2[], x.indclass::oid[], x.indcollation::oid[], x.indoption::int2[])
         WITH ORDINALITY AS u(attnum, opclass, coll, opt, n)
  -- Lateral lookups (one index probe each) rather than joins, which the
  -- planner would answer by hashing all of pg_attribute.
  LEFT JOIN LATERAL (
    SELECT ta.attname, ta.atttypid, ta.attcollation FROM pg_attribute ta
    WHERE ta.attrelid = x.indrelid AND ta.attnum = u.attnum AND u.attnum > 0
    LIMIT 1 -- keeps the planner from flattening the lookup into a join
  ) a ON true
  LEFT JOIN LATERAL ( -- an expression key: the index column's type
    SELECT ia.atttypid, ty.typcollation FROM pg_attribute ia JOIN pg_type ty ON ty.oid = ia.atttypid
    WHERE ia.attrelid = x.indexrelid AND ia.attnum = u.n AND u.attnum = 0
    LIMIT 1
  ) e ON true
  LEFT JOIN pg_opclass oc ON oc.oid = u.opclass
  LEFT JOIN pg_namespace oc_ns ON oc_ns.oid = oc.opcnamespace
  LEFT JOIN pg_type oct ON oct.oid = oc.opcintype
  LEFT JOIN pg_collation co ON co.oid = u.coll
  LEFT JOIN pg_namespace co_ns ON co_ns.oid = co.collnamespace
  WHERE ` + userSchemas + `
  GROUP BY x.indexrelid, x.indnkeyatts
)
SELECT s.schemaname::text, s.relname::text, s.indexrelname::text,
       coalesce(s.idx_scan, 0), coalesce(s.idx_tup_read, 0),
       ` + size + `,
       x.indisunique, x.indisprimary, x.indisvalid, x.indisready,
       coalesce(pg_get_indexdef(x.indexrelid), ''), am.amname::text,
       coalesce(k.keys, '{}'), coalesce(k.opts, '{}'), coalesce(k.incl, '{}'),
       coalesce(pg_get_expr(x.indexprs, x.indrelid), ''), coalesce(pg_get_expr(x.indpred, x.indrelid), ''),
       coalesce(con.conname::text, ''), x.indisreplident,
       EXISTS (SELECT 1 FROM building b
               WHERE b.index_relid = x.indexrelid OR (b.relid = x.indrelid AND b.index_relid = 0)),
       ` + lastIdxScan + `
FROM pg_stat_user_indexes s
JOIN pg_index x ON x.indexrelid = s.indexrelid
JOIN pg_class i ON i.oid = s.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
JOIN pg_am am ON am.oid = i.relam
CROSS JOIN sz
LEFT JOIN keys k ON k.indexrelid = x.indexrelid
LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
                           AND con.contype IN ('p', 'u', 'x')
WHERE NOT pg_is_other_temp_schema(n.oid)
ORDER BY 1, 2, 3`
}

// indexes reads the indexes section.
func (k *collector) indexes(ctx context.Context, tx pgx.Tx) error {
	read := func(sizes bool) func() error {
		return func() error {
			k.s.Indexes = nil
			rows, err := tx.Query(ctx, indexesSQL(k.version(), sizes))
			if err != nil {
				return err
			}
			var x IndexStats
			var lastIdxScan *time.Time
			_, err = pgx.ForEachRow(rows, []any{
				&x.Schema, &x.Table, &x.Name, &x.IdxScan, &x.IdxTupRead, &x.SizeBytes,
				&x.Unique, &x.Primary, &x.Valid, &x.Ready, &x.Definition, &x.Method,
				&x.Columns, &x.KeyOptions, &x.Include, &x.Expressions, &x.Predicate,
				&x.Constraint, &x.ReplicaIdentity, &x.BeingBuilt, &lastIdxScan,
			}, func() error {
				x.LastIdxScan = utc(lastIdxScan)
				if len(x.Include) == 0 {
					x.Include = nil
				}
				if allEmpty(x.KeyOptions) {
					x.KeyOptions = nil
				}
				k.s.Indexes = append(k.s.Indexes, x)
				// The slices are the row's own: ForEachRow scans the
				// next row into fresh ones.
				x.Columns, x.KeyOptions, x.Include = nil, nil, nil
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
		k.s.Indexes = nil
		k.record(SectionIndexes, SectionSkipped, collectReason(failed))
	case len(notes) > 0:
		k.record(SectionIndexes, SectionPartial, joinReasons(notes))
	default:
		k.record(SectionIndexes, SectionCollected, "")
	}
	return nil
}

// foreignKeysSQL lists the foreign keys of user tables with their columns
// in key order.
const foreignKeysSQL = `
SELECT n.nspname::text, t.relname::text, c.conname::text,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), '{}'),
       rn.nspname::text, r.relname::text,
       c.conparentid <> 0
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.contype = 'f' AND ` + userSchemas + `
ORDER BY 1, 2, 3`

// foreignKeys reads the foreign_keys section.
func (k *collector) foreignKeys(ctx context.Context, tx pgx.Tx) error {
	failed, fatal := collectAttempt(ctx, tx, func() error {
		k.s.ForeignKeys = nil
		rows, err := tx.Query(ctx, foreignKeysSQL)
		if err != nil {
			return err
		}
		var fk ForeignKeyStats
		_, err = pgx.ForEachRow(rows, []any{&fk.Schema, &fk.Table, &fk.Name, &fk.Columns, &fk.RefSchema, &fk.RefTable, &fk.Inherited},
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
