package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of fk-missing-index: pgx_scripts fk_no_index.sql (= checkup
// H003) reports a foreign key without an index when the referencing table is
// over 9 MB and either table had over 1,000 writes or the referenced table is
// over 10 MB (reference §3, §4.6). pgrollout warns about those and notes the
// others.
const (
	fkMinChildBytes  = 9 << 20
	fkMinWrites      = 1000
	fkMinParentBytes = 10 << 20
)

// checkFKMissingIndex finds foreign keys whose columns do not lead any
// valid, non-partial index of the referencing table (in any order, as
// pg_index.indkey @> conkey tests it; a composite primary key that starts
// with them counts), skipping the per-partition clones of a partitioned
// table's key. Findings are ranked by the referenced table's updates and
// deletes (each one probes the referencing table), then by the referencing
// table's size.
func checkFKMissingIndex(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionForeignKeys, len(a.s.ForeignKeys) > 0, "the snapshot has no foreign keys (collected live only)") {
		return o
	}
	type missing struct {
		fk                 ForeignKeyStats
		parentChurn, bytes int64
	}
	var found []missing
	checked, clones := 0, 0
	unknown := map[string]bool{}
	for _, fk := range a.s.ForeignKeys {
		if fk.Inherited {
			clones++
			continue
		}
		checked++
		child := qualify(fk.Schema, fk.Table)
		covered := false
		for _, x := range a.indexesOn(child) {
			sh, ok := shapeOf(x)
			if !ok {
				unknown[x.Qualified()] = true
				continue
			}
			if x.Valid && sh.pred == "" && leads(sh, fk.Columns) {
				covered = true
				break
			}
		}
		if !covered {
			parent, childT := a.tables[qualify(fk.RefSchema, fk.RefTable)], a.tables[child]
			found = append(found, missing{fk, parent.NTupUpd + parent.NTupDel, tableBytes(childT)})
		}
	}
	if len(unknown) > 0 {
		o.degrade(fmt.Sprintf("%d %s on referencing tables %s no known key columns: a foreign key they may serve is reported as unindexed",
			len(unknown), plural(len(unknown), "index", "indexes"), plural(len(unknown), "has", "have")))
	}
	slices.SortStableFunc(found, func(p, q missing) int {
		return cmp.Or(cmp.Compare(q.parentChurn, p.parentChurn), cmp.Compare(q.bytes, p.bytes))
	})
	for _, m := range found {
		o.findings = append(o.findings, fkFinding(a, m.fk))
	}
	o.observe("%d foreign %s checked; %d without a supporting index", checked, plural(checked, "key", "keys"), len(found))
	if clones > 0 {
		o.observe("%d per-partition %s of partitioned tables' keys skipped", clones, plural(clones, "clone", "clones"))
	}
	return o
}

// tableBytes is a table's heap size when known, else its total size.
func tableBytes(t TableStats) int64 {
	if t.HeapBytes > 0 {
		return t.HeapBytes
	}
	return t.TotalBytes
}

func fkFinding(a *analysis, fk ForeignKeyStats) Finding {
	child := qualify(fk.Schema, fk.Table)
	parentName := qualify(fk.RefSchema, fk.RefTable)
	childT, parentT := a.tables[child], a.tables[parentName]
	childWrites := childT.NTupIns + childT.NTupUpd + childT.NTupDel
	parentWrites := parentT.NTupIns + parentT.NTupUpd + parentT.NTupDel
	sev := workflow.SeverityInfo
	if tableBytes(childT) > fkMinChildBytes &&
		(childWrites > fkMinWrites || parentWrites > fkMinWrites || tableBytes(parentT) > fkMinParentBytes) {
		sev = workflow.SeverityWarning
	}
	cols := strings.Join(fk.Columns, ", ")
	f := finding(sev, fmt.Sprintf("%s (%s)", child, cols), a.window)
	f.Message = fmt.Sprintf("Foreign key %s on %s (%s) references %s, and no index of %s starts with %s: every delete or key update "+
		"on %s scans %s for referencing rows.", fk.Name, child, cols, parentName, child, plural(len(fk.Columns), "that column", "those columns"),
		parentName, child)
	f.ev("Foreign key", fk.Name)
	f.ev("Columns", cols)
	f.ev("References", parentName)
	if parentT.Name != "" {
		f.ev("Referenced table updates + deletes", counted(parentT.NTupUpd+parentT.NTupDel, "row", "rows"))
		f.ev("Referenced table size", md.Bytes(tableBytes(parentT)))
	}
	if childT.Name != "" {
		f.ev("Referencing table size", md.Bytes(tableBytes(childT)))
		f.ev("Referencing table writes (ins + upd + del)", counted(childWrites, "row", "rows"))
		f.ev("Referencing table seq scans", counted(childT.SeqScan, "scan", "scans"))
	}
	var partial []string
	for _, x := range a.indexesOn(child) {
		if sh, ok := shapeOf(x); ok && len(sh.keys) > 0 && slices.Contains(fk.Columns, sh.keys[0]) {
			partial = append(partial, x.Name)
		}
	}
	if len(partial) > 0 {
		f.ev("Indexes starting with one of the columns", strings.Join(partial, ", "))
	}
	f.Why = "PostgreSQL indexes the referenced side of a foreign key, not the referencing side. Without an index there, each " +
		"delete (and each key update) on the referenced table scans the referencing table under a lock, and joins from the " +
		"referenced row to its referencing rows (\"the orders of this customer\") scan it as well."
	name := indexName(fk.Table, fk.Columns)
	f.Remediation = fmt.Sprintf("CREATE INDEX CONCURRENTLY %s ON %s (%s);", quoted("", name), quoted(fk.Schema, fk.Table), quotedList(fk.Columns))
	f.Undo = fmt.Sprintf("DROP INDEX CONCURRENTLY %s;", quoted(fk.Schema, name))
	f.caveat("Updates of the referenced table probe the referencing table only when they change the referenced key; deletes always do. " +
		"The update count above is an upper bound.")
	f.caveat("A multi-column index whose leading columns are %s serves the foreign key as well: if one is planned for a query, build that one instead.", cols)
	f.caveat("The new index adds work to every insert into %s and every update of %s.", child, cols)
	if len(partial) > 0 {
		f.caveat("The indexes that start with one of the columns (%s) do not cover all of them, or are partial or not valid.", strings.Join(partial, ", "))
	}
	return f
}
