package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/workflow/pgread"
)

// sequencesSQL lists sequences (pg_sequence, not pg_sequences: that view
// reads every last_value, locking each sequence to the end of the
// transaction) with the column each feeds: the column owning it (serial,
// identity, OWNED BY), else one whose default calls nextval on it, as its
// schema, table and column names and (for display) those joined with dots,
// and the column's type. readable says whether the role may read last_value
// (SELECT or USAGE, and not an unlogged sequence on a standby).
const sequencesSQL = `
SELECT c.oid::int8, n.nspname::text, c.relname::text, format_type(s.seqtypid, NULL),
       s.seqmin, s.seqmax, s.seqincrement, s.seqcycle, s.seqstart,
       has_sequence_privilege(c.oid, 'SELECT, USAGE') AND (c.relpersistence <> 'u' OR NOT pg_is_in_recovery()),
       coalesce(col.owner_schema || '.' || col.owner_table || '.' || col.owner_column, ''), coalesce(col.column_type, ''),
       coalesce(col.owner_schema, ''), coalesce(col.owner_table, ''), coalesce(col.owner_column, '')
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
-- Lateral lookups, one index probe each (see indexesSQL).
LEFT JOIN LATERAL ( -- serial, identity, OWNED BY: the sequence depends on the column
  SELECT d.refobjid AS relid, d.refobjsubid AS attnum FROM pg_depend d
  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.objsubid = 0
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  ORDER BY 1, 2
  LIMIT 1
) own ON true
LEFT JOIN LATERAL ( -- else a column whose default calls nextval on it
  SELECT ad.adrelid AS relid, ad.adnum AS attnum FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
  WHERE own.relid IS NULL AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid = 0
    AND d.classid = 'pg_attrdef'::regclass
  ORDER BY 1, 2
  LIMIT 1
) dflt ON true
LEFT JOIN LATERAL (
  SELECT tn.nspname::text AS owner_schema, t.relname::text AS owner_table, a.attname::text AS owner_column,
         format_type(a.atttypid, a.atttypmod) AS column_type
  FROM pg_class t
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = coalesce(own.attnum, dflt.attnum) AND NOT a.attisdropped
  WHERE t.oid = coalesce(own.relid, dflt.relid)
  LIMIT 1
) col ON true
WHERE c.relkind = 'S' AND ` + userSchemas + ``

// sequences reads the sequences section but for last_value (lastValues).
func (k *collector) sequences(ctx context.Context, tx pgx.Tx) error {
	failed, fatal := collectAttempt(ctx, tx, func() error {
		k.s.Sequences, k.seqOIDs, k.seqAt = nil, nil, map[int64]int{}
		rows, err := tx.Query(ctx, sequencesSQL)
		if err != nil {
			return err
		}
		var q SequenceStats
		var oid int64
		_, err = pgx.ForEachRow(rows, []any{
			&oid, &q.Schema, &q.Name, &q.DataType, &q.MinValue, &q.MaxValue, &q.Increment, &q.Cycle, &q.StartValue,
			&q.Readable, &q.OwnedBy, &q.ColumnType, &q.OwnerSchema, &q.OwnerTable, &q.OwnerColumn,
		}, func() error {
			if q.Readable {
				k.seqOIDs = append(k.seqOIDs, oid)
				k.seqAt[oid] = len(k.s.Sequences)
			}
			k.s.Sequences = append(k.s.Sequences, q)
			return nil
		})
		return err
	})
	if fatal != nil {
		return fatal
	}
	if failed != nil {
		k.s.Sequences, k.seqOIDs = nil, nil
		k.record(SectionSequences, SectionSkipped, collectReason(failed))
	}
	return nil
}

// lastValuesSQL reads last_value of the sequences whose oids $1 holds
// (NULL for one never used). The privilege test is in the select list, which
// only sees rows that passed WHERE: has_sequence_privilege fails on a
// relation that is not a sequence, and a filter may run in any order.
const lastValuesSQL = `
SELECT c.oid::int8,
       CASE WHEN has_sequence_privilege(c.oid, 'SELECT, USAGE') AND (c.relpersistence <> 'u' OR NOT pg_is_in_recovery())
            THEN pg_sequence_last_value(c.oid) END
FROM pg_class c
WHERE c.oid = ANY ($1::int8[]::oid[]) AND c.relkind = 'S'`

// lastValueQueue hands out the readable sequences whose last_value is to
// be read, a chunk (seqChunk) to a read-only transaction, to one session or
// both, and gathers what failed.
type lastValueQueue struct {
	mu       sync.Mutex
	chunks   [][]int64
	failures []string // one reason per chunk that failed
	unread   int64
	// lost is why a session first gave its chunk back: its connection was
	// lost.
	lost error
}

// newLastValueQueue queues the readable sequences the sequences step
// listed, size to a chunk; none when it failed (the section is then
// recorded).
func (k *collector) newLastValueQueue(size int) *lastValueQueue {
	return &lastValueQueue{chunks: slices.Collect(slices.Chunk(k.seqOIDs, size))}
}

// take returns the next chunk, or false when none is left.
func (q *lastValueQueue) take() ([]int64, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.chunks) == 0 {
		return nil, false
	}
	chunk := q.chunks[0]
	q.chunks = q.chunks[1:]
	return chunk, true
}

// giveBack returns a chunk a session could not read because its
// connection was lost, for the other session.
func (q *lastValueQueue) giveBack(chunk []int64, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.chunks = append(q.chunks, chunk)
	if q.lost == nil {
		q.lost = err
	}
}

// fail records n sequences whose last_value was not read, and why.
func (q *lastValueQueue) fail(n int, reason string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.unread += int64(n)
	q.failures = appendOnce(q.failures, reason)
}

// lastValues reads last values through c until q is empty, or c's
// connection is lost (its chunk then goes back to q). The chunks are
// disjoint, so two sessions fill different sequences.
func (k *collector) lastValues(ctx context.Context, c *pgread.Conn, q *lastValueQueue) error {
	for {
		chunk, ok := q.take()
		if !ok {
			return nil
		}
		seen := make(map[int64]bool, len(chunk))
		err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, lastValuesSQL, chunk)
			if err != nil {
				return err
			}
			var oid int64
			var last *int64
			_, err = pgx.ForEachRow(rows, []any{&oid, &last}, func() error {
				seen[oid] = true
				if i, ok := k.seqAt[oid]; ok && last != nil {
					v := *last
					k.s.Sequences[i].LastValue = &v
				}
				return nil
			})
			return err
		})
		switch {
		case err != nil && ctx.Err() != nil:
			return err
		case err != nil && c.IsClosed():
			q.giveBack(chunk, err) // values it read before are read again
			return nil
		case err != nil:
			k.unread(chunk)
			q.fail(len(chunk), collectReason(err))
		default:
			gone := slices.DeleteFunc(slices.Clone(chunk), func(oid int64) bool { return seen[oid] })
			if len(gone) > 0 {
				k.unread(gone)
				q.fail(len(gone), "dropped since the sequences were listed")
			}
		}
	}
}

// unread marks sequences whose last_value was not read.
func (k *collector) unread(oids []int64) {
	for _, oid := range oids {
		k.s.Sequences[k.seqAt[oid]].Readable = false
		k.s.Sequences[k.seqAt[oid]].LastValue = nil
	}
}

// recordSequences records the sequences section once the last values are
// read, unless the sequences step recorded it (when it failed). Chunks
// still queued were given back by sessions whose connection was lost.
func (k *collector) recordSequences(q *lastValueQueue) {
	k.mu.Lock()
	_, done := k.sections[SectionSequences]
	k.mu.Unlock()
	if done {
		return
	}
	for _, chunk := range q.chunks {
		k.unread(chunk)
		q.unread += int64(len(chunk))
		q.failures = appendOnce(q.failures, collectReason(q.lost))
	}
	var notes []string
	if hidden := int64(len(k.s.Sequences) - len(k.seqOIDs)); hidden > 0 {
		why := "needs SELECT or USAGE on them, or pg_read_all_data"
		if k.s.Server != nil && k.s.Server.InRecovery {
			why += "; an unlogged sequence cannot be read on a standby"
		}
		notes = append(notes, fmt.Sprintf("last_value of %d of %s unreadable by %s (%s)",
			hidden, nOf(int64(len(k.s.Sequences)), "sequence", "sequences"), k.who(), why))
	}
	if q.unread > 0 {
		notes = append(notes, fmt.Sprintf("last_value of %s not read: %s",
			nOf(q.unread, "sequence", "sequences"), strings.Join(q.failures, "; ")))
	}
	if len(notes) > 0 {
		k.record(SectionSequences, SectionPartial, joinReasons(notes))
	} else {
		k.record(SectionSequences, SectionCollected, "")
	}
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// bloatSQL estimates heap bloat (ioguix table_bloat.sql) and btree index
// bloat (ioguix btree_bloat.sql), as restructured in the audit reference
// (§4.10, §4.11), for the tables, materialized views and btree indexes in
// user schemas of at least sizeFloor by the catalog (smaller ones are not
// worth a finding, and reading pg_stats costs tens of microseconds a
// column). pg_stats shows only the columns the role may SELECT (and nothing
// of a table under row security), and the formulas then count hidden columns
// as zero bytes: such a relation is marked hidden and given no figures. Rows
// are returned when hidden, when the estimate is not usable (is_na:
// statistics missing, or a column of type name) or when it finds extra
// bytes; a last row of kind 'summary' counts the relations looked at
// (real_bytes) and the hidden ones (extra_bytes).
func bloatSQL() string {
	return `
WITH ` + sizeConsts() + `,
consts AS (
  SELECT current_setting('block_size')::numeric AS bs, 24 AS page_hdr, 16 AS page_opaque,
         CASE WHEN version() ~ 'mingw32|64-bit|x86_64|ppc64|ia64|amd64|aarch64|arm64' THEN 8 ELSE 4 END AS ma
), rels AS MATERIALIZED (
  -- The tables and btree indexes to estimate, with whether the role may
  -- read the whole table (then every column's statistics are visible).
  SELECT c.oid, c.relkind, n.nspname, c.relname, x.indrelid,
         has_table_privilege(coalesce(x.indrelid, c.oid), 'SELECT')
           AND NOT (coalesce(t.relrowsecurity, c.relrowsecurity) AND row_security_active(coalesce(x.indrelid, c.oid))) AS whole
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN sz
  LEFT JOIN pg_index x ON x.indexrelid = c.oid
  LEFT JOIN pg_class t ON t.oid = x.indrelid
  WHERE c.relpages >= sz.floor_pages AND ` + userSchemas + `
    AND (c.relkind IN ('r', 'm') OR (c.relkind = 'i' AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')))
), tbl AS (
  SELECT r.nspname, r.relname, c.reltuples, c.relpages AS heap_pages,
         coalesce(toast.relpages, 0) AS toast_pages, coalesce(toast.reltuples, 0) AS toast_tuples,
         coalesce((SELECT option_value::int FROM pg_options_to_table(c.reloptions)
                   WHERE option_name = 'fillfactor'), 100) AS fillfactor,
         23 + CASE WHEN max(coalesce(s.null_frac, 0)) > 0 THEN (7 + count(s.attname)) / 8 ELSE 0 END AS tup_hdr,
         sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0)) AS tup_data,
         bool_or(a.atttypid = 'pg_catalog.name'::regtype) OR count(a.attname) <> count(s.attname) AS is_na,
         bool_or(NOT r.whole AND NOT has_column_privilege(r.oid, a.attnum, 'SELECT')) AS hidden
  FROM rels r
  JOIN pg_class c ON c.oid = r.oid
  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  -- One lookup (index probes) per column, never a join of two derived sets:
  -- see indexesSQL.
  LEFT JOIN LATERAL (
    SELECT ps.attname, ps.null_frac, ps.avg_width FROM pg_stats ps
    WHERE ps.schemaname = r.nspname AND ps.tablename = r.relname AND ps.attname = a.attname AND NOT ps.inherited
    LIMIT 1
  ) s ON true
  LEFT JOIN pg_class toast ON toast.oid = c.reltoastrelid
  WHERE r.relkind IN ('r', 'm')
  GROUP BY c.oid, c.reltuples, c.relpages, c.reloptions, r.nspname, r.relname, toast.relpages, toast.reltuples
), tbl_sized AS (
  SELECT t.*, k.bs, k.page_hdr, k.ma,
         4 + t.tup_hdr + t.tup_data + 2 * k.ma
           - CASE WHEN t.tup_hdr % k.ma = 0 THEN k.ma ELSE t.tup_hdr % k.ma END
           - CASE WHEN ceil(t.tup_data)::int % k.ma = 0 THEN k.ma ELSE ceil(t.tup_data)::int % k.ma END AS tup_size
  FROM tbl t CROSS JOIN consts k
), tbl_est AS (
  SELECT t.*, t.heap_pages + t.toast_pages AS pages,
         ceil(t.reltuples / nullif((t.bs - t.page_hdr) * t.fillfactor / nullif(t.tup_size * 100, 0), 0))
           + ceil(t.toast_tuples / 4) AS est_pages
  FROM tbl_sized t
), idx_cols AS (
  SELECT r.oid AS indexrelid, r.indrelid, r.nspname, r.relname AS idxname, ct.relname AS tblname, r.whole,
         ci.reltuples, ci.relpages,
         coalesce((SELECT option_value::int FROM pg_options_to_table(ci.reloptions)
                   WHERE option_name = 'fillfactor'), 90) AS fillfactor,
         k.pos,
         CASE WHEN x.indkey[k.pos - 1] <> 0 THEN a_tbl.attname ELSE a_idx.attname END AS attname,
         CASE WHEN x.indkey[k.pos - 1] <> 0 THEN ct.relname ELSE r.relname END AS stats_rel,
         CASE WHEN x.indkey[k.pos - 1] <> 0 THEN a_tbl.atttypid ELSE a_idx.atttypid END AS atttypid,
         x.indkey[k.pos - 1] AS attnum
  FROM rels r
  JOIN pg_index x ON x.indexrelid = r.oid
  JOIN pg_class ci ON ci.oid = r.oid
  JOIN pg_class ct ON ct.oid = x.indrelid
  CROSS JOIN LATERAL generate_series(1, x.indnatts) AS k(pos)
  LEFT JOIN pg_attribute a_tbl ON a_tbl.attrelid = x.indrelid AND a_tbl.attnum = x.indkey[k.pos - 1]
  LEFT JOIN pg_attribute a_idx ON a_idx.attrelid = x.indexrelid AND a_idx.attnum = k.pos
  WHERE r.relkind = 'i'
), idx_per AS (
  SELECT c.indexrelid, c.nspname, c.tblname, c.idxname, c.reltuples, c.relpages, c.fillfactor,
         CASE WHEN max(coalesce(s.null_frac, 0)) = 0 THEN 8 ELSE 8 + (32 + 8 - 1) / 8 END AS tup_hdr,
         sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 1024)) AS data_width,
         bool_or(c.atttypid = 'pg_catalog.name'::regtype) OR count(s.attname) < count(*) AS is_na,
         bool_or(NOT c.whole AND NOT CASE WHEN c.attnum <> 0 THEN has_column_privilege(c.indrelid, c.attnum, 'SELECT')
                                          ELSE has_column_privilege(c.indexrelid, c.pos::int2, 'SELECT') END) AS hidden
  FROM idx_cols c
  LEFT JOIN LATERAL (
    SELECT ps.attname, ps.null_frac, ps.avg_width FROM pg_stats ps
    WHERE ps.schemaname = c.nspname AND ps.tablename = c.stats_rel AND ps.attname = c.attname AND NOT ps.inherited
    LIMIT 1
  ) s ON true
  GROUP BY c.indexrelid, c.nspname, c.tblname, c.idxname, c.reltuples, c.relpages, c.fillfactor
), idx_sized AS (
  SELECT p.*, k.bs, k.page_hdr, k.page_opaque,
         (p.tup_hdr + k.ma - CASE WHEN p.tup_hdr % k.ma = 0 THEN k.ma ELSE p.tup_hdr % k.ma END
          + p.data_width + k.ma - CASE WHEN p.data_width = 0 THEN k.ma
                                        WHEN p.data_width::int % k.ma = 0 THEN k.ma
                                        ELSE p.data_width::int % k.ma END)::numeric AS tup_size
  FROM idx_per p CROSS JOIN consts k
), idx_est AS (
  SELECT s.*, 1 + ceil(s.reltuples / nullif(floor((s.bs - s.page_opaque - s.page_hdr) * s.fillfactor
                                           / (100 * (4 + s.tup_size)::float)), 0)) AS est_pages
  FROM idx_sized s
), est AS (
  SELECT 'table' AS kind, nspname::text AS schema, relname::text AS name, '' AS tbl,
         (pages * bs)::int8 AS real_bytes,
         (greatest(pages - coalesce(est_pages, pages), 0) * bs)::int8 AS extra_bytes, is_na OR est_pages IS NULL AS is_na, hidden
  FROM tbl_est
  UNION ALL
  SELECT 'index', nspname::text, idxname::text, tblname::text,
         (relpages * bs)::int8, (greatest(relpages - coalesce(est_pages, relpages), 0) * bs)::int8, is_na OR est_pages IS NULL, hidden
  FROM idx_est
)
SELECT kind, schema, name, tbl, real_bytes, extra_bytes, is_na, hidden
FROM est WHERE hidden OR is_na OR extra_bytes > 0
UNION ALL
SELECT 'summary', '', '', '', count(*), count(*) FILTER (WHERE hidden), false, false FROM est`
}

// bloat reads the bloat section.
func (k *collector) bloat(ctx context.Context, tx pgx.Tx) error {
	defer sortBloat(k.s)
	var total, hidden int64
	var rows []BloatEstimate
	failed, fatal := collectAttempt(ctx, tx, func() error {
		rows, total, hidden = nil, 0, 0
		r, err := tx.Query(ctx, bloatSQL())
		if err != nil {
			return err
		}
		var b BloatEstimate
		var isHidden bool
		_, err = pgx.ForEachRow(r, []any{&b.Kind, &b.Schema, &b.Name, &b.Table, &b.RealBytes, &b.ExtraBytes, &b.IsNA, &isHidden},
			func() error {
				switch {
				case b.Kind == "summary":
					total, hidden = b.RealBytes, b.ExtraBytes
				case isHidden:
				default:
					if b.IsNA {
						b.ExtraBytes = 0 // not an estimate: never a figure to act on
					}
					rows = append(rows, b)
				}
				return nil
			})
		return err
	})
	if fatal != nil {
		return fatal
	}
	const needs = "pg_stats shows only the columns the role may SELECT, and estimates over hidden columns are wrong; " +
		"grant pg_read_all_data (PostgreSQL 14+) or SELECT on the tables"
	switch {
	case failed != nil:
		k.record(SectionBloat, SectionSkipped, collectReason(failed))
	case hidden > 0 && hidden == total:
		k.record(SectionBloat, SectionSkipped, fmt.Sprintf("%s cannot read the statistics (pg_stats) of any of the %s of 1 MiB or more: %s",
			k.who(), nOf(total, "table or btree index", "tables and btree indexes"), needs))
	case hidden > 0:
		k.s.Bloat = rows
		k.record(SectionBloat, SectionPartial, fmt.Sprintf("%d of the %s of 1 MiB or more not estimated: %s cannot read their statistics (pg_stats): %s",
			hidden, nOf(total, "table or btree index", "tables and btree indexes"), k.who(), needs))
	default:
		k.s.Bloat = rows
		k.record(SectionBloat, SectionCollected, "")
	}
	return nil
}

// statementsSQL reads the current database's pg_stat_statements rows, with
// the columns the installed extension version has: total_exec_time and
// mean_exec_time (1.8+) or total_time and mean_time (before). A column the
// view lacks reads as 0 and is listed in missing.
//
// Only top-level rows are read where the view says (toplevel, 1.9+, with
// pg_stat_statements.track = all): a nested statement's time and blocks
// are already counted in the top-level statement that ran it (the
// executor's time and the backend's buffer counters include what the
// function called did), and counting both would count them twice. The
// audit's own statements (marked, see auditMarker) are left out. The rows
// are not sorted here (a sort of the texts would spill to disk on a large
// pg_stat_statements): mergeStatements folds and orders them. When the
// probe found pg_stat_statements_info readable, its stats_reset and dealloc
// come with every row.
func statementsSQL(info *PGSSInfo, dbOID int64) (sql string, missing []string) {
	has := func(n string) bool { return slices.Contains(info.Columns, n) }
	col := func(names ...string) string {
		for _, n := range names {
			if has(n) {
				if n == "query" {
					return "coalesce(s.query, '')"
				}
				return "coalesce(s." + pgx.Identifier{n}.Sanitize() + ", 0)"
			}
		}
		missing = append(missing, names[0])
		if names[0] == "query" {
			return "''"
		}
		return "0"
	}
	cols := []string{
		col("queryid"), col("query"), col("calls"),
		col("total_exec_time", "total_time") + "::float8", col("mean_exec_time", "mean_time") + "::float8",
		col("rows"), col("shared_blks_hit"), col("shared_blks_read"), col("temp_blks_written"), col("temp_blks_read"),
	}
	for i, c := range cols {
		if i != 1 && i != 3 && i != 4 {
			cols[i] = c + "::int8"
		}
	}
	from := pgx.Identifier{info.Schema, "pg_stat_statements"}.Sanitize() + " s"
	if info.infoReadable {
		cols = append(cols, "i.stats_reset", "i.dealloc")
		from += " LEFT JOIN " + pgx.Identifier{info.Schema, "pg_stat_statements_info"}.Sanitize() + " i ON true"
	} else {
		cols = append(cols, "NULL::timestamptz", "NULL::int8")
	}
	where := []string{"true"}
	if has("dbid") {
		where[0] = fmt.Sprintf("s.dbid = %d", dbOID)
	}
	if has("toplevel") {
		where = append(where, "s.toplevel")
	}
	if has("query") {
		where = append(where, "coalesce(s.query, '') !~ '"+auditMarkerRegex+"'")
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " WHERE " + strings.Join(where, " AND "), missing
}

// statements reads the statements section and completes the probe's
// pg_stat_statements facts (Readable, QueryTextVisible).
func (k *collector) statements(ctx context.Context, tx pgx.Tx) error {
	info := k.s.Server.PGSS
	if info == nil {
		k.record(SectionStatements, SectionSkipped, fmt.Sprintf("pg_stat_statements is not installed in database %s "+
			"(it needs shared_preload_libraries = 'pg_stat_statements' and CREATE EXTENSION pg_stat_statements)", k.s.Database.Name))
		return nil
	}
	if len(info.Columns) == 0 {
		k.record(SectionStatements, SectionSkipped, fmt.Sprintf("pg_stat_statements %s is installed in schema %s but its view %s.pg_stat_statements is missing",
			info.Version, info.Schema, info.Schema))
		return nil
	}
	sql, missing := statementsSQL(info, k.dbOID)
	var stmts []StatementStats
	var hidden int64
	failed, fatal := collectAttempt(ctx, tx, func() error {
		stmts, hidden, info.StatsReset, info.Dealloc = nil, 0, time.Time{}, 0
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			return err
		}
		var st StatementStats
		var reset *time.Time
		var dealloc *int64
		_, err = pgx.ForEachRow(rows, []any{&st.QueryID, &st.Query, &st.Calls, &st.TotalExecTimeMs, &st.MeanExecTimeMs,
			&st.Rows, &st.SharedBlksHit, &st.SharedBlksRead, &st.TempBlksWritten, &st.TempBlksRead, &reset, &dealloc}, func() error {
			if st.Query == hiddenQueryText {
				hidden++
				st.QueryID = 0 // hidden rows stay one per role: see mergeStatements
			}
			if reset != nil {
				info.StatsReset = reset.UTC()
			}
			if dealloc != nil {
				info.Dealloc = *dealloc
			}
			stmts = append(stmts, st)
			return nil
		})
		return err
	})
	if fatal != nil {
		return fatal
	}
	if failed != nil {
		k.record(SectionStatements, SectionSkipped, fmt.Sprintf("pg_stat_statements %s (schema %s) cannot be read: %s",
			info.Version, info.Schema, collectReason(failed)))
		return nil
	}
	info.Readable = true
	info.QueryTextVisible = hidden == 0
	k.s.Statements = mergeStatements(stmts)
	var notes []string
	if hidden > 0 {
		notes = append(notes, fmt.Sprintf("%d of %s show no query text or queryid to %s, and are kept one per role "+
			"(other roles' statements need pg_read_all_stats)", hidden, nOf(int64(len(k.s.Statements)), "statement", "statements"), k.who()))
	}
	if len(missing) > 0 {
		notes = append(notes, fmt.Sprintf("pg_stat_statements %s has no %s column: read as 0", info.Version, strings.Join(missing, ", ")))
	}
	if len(notes) > 0 {
		k.record(SectionStatements, SectionPartial, joinReasons(notes))
	} else {
		k.record(SectionStatements, SectionCollected, "")
	}
	return nil
}
