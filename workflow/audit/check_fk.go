package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/schema"
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
// table's key (the key is reported once, on the partitioned table) and NOT
// ENFORCED keys (nothing probes their referencing table). Findings are
// ranked by the referenced table's updates and deletes (each one probes the
// referencing table), then by the referencing table's size.
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
	checked, clones, unenforced := 0, 0, 0
	unknown := map[string]bool{}
	for _, fk := range a.s.ForeignKeys {
		switch {
		case fk.Inherited:
			clones++
			continue
		case fk.NotEnforced:
			unenforced++
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
	names := a.indexNames()
	for _, m := range found {
		o.findings = append(o.findings, fkFinding(a, m.fk, names))
	}
	o.observe("%d foreign %s checked; %d without a supporting index", checked, plural(checked, "key", "keys"), len(found))
	if clones > 0 {
		o.observe("%d per-partition %s of partitioned tables' keys skipped", clones, plural(clones, "clone", "clones"))
	}
	if unenforced > 0 {
		o.observe("%d NOT ENFORCED foreign %s skipped: nothing checks them, so nothing probes the referencing table",
			unenforced, plural(unenforced, "key", "keys"))
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

func fkFinding(a *analysis, fk ForeignKeyStats, names *indexNamer) Finding {
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
	name := names.chooseShared(fk.Schema, fk.Table, fk.Columns)
	if fk.Partitioned || childT.Partitioned {
		partitionedRemedy(a, &f, fk, name)
	} else {
		f.Remediation = fmt.Sprintf("CREATE INDEX CONCURRENTLY %s ON %s (%s);", quoted("", name), quoted(fk.Schema, fk.Table), quotedList(fk.Columns))
		f.Undo = fmt.Sprintf("DROP INDEX CONCURRENTLY %s;", quoted(fk.Schema, name))
	}
	f.caveat("Updates of the referenced table probe the referencing table only when they change the referenced key; deletes always do. " +
		"The update count above is an upper bound.")
	f.caveat("A multi-column index whose leading columns are %s serves the foreign key as well: if one is planned for a query, build that one instead.", cols)
	f.caveat("The new index adds work to every insert into %s and every update of %s.", child, cols)
	if len(partial) > 0 {
		f.caveat("The indexes that start with one of the columns (%s) do not cover all of them, or are partial or not valid.", strings.Join(partial, ", "))
	}
	f.caveat("%s is the name PostgreSQL would choose, free among the tables, indexes and sequences of the snapshot; it must still be free "+
		"when the statement runs (a view, a foreign table or a relation created since may hold it). If CREATE INDEX fails with "+
		"\"already exists\", pick another name, and run the undo only for an index the remediation created.", quoted("", name))
	return f
}

// partitionedRemedy sets the statement that builds the index named name
// on a partitioned table's foreign key columns, and its undo. PostgreSQL
// cannot build or drop a partitioned index CONCURRENTLY: the caveats give
// the online path. CREATE INDEX attaches the matching indexes the
// partitions already have instead of building new ones, and DROP INDEX then
// drops them with it: the undo builds those again.
func partitionedRemedy(a *analysis, f *Finding, fk ForeignKeyStats, name string) {
	table, index, cols := quoted(fk.Schema, fk.Table), quoted(fk.Schema, name), quotedList(fk.Columns)
	f.Remediation = fmt.Sprintf("CREATE INDEX %s ON %s (%s);", quoted("", name), table, cols)
	restore, known := attachedByCreate(a, qualify(fk.Schema, fk.Table), fk.Columns)
	var u strings.Builder
	fmt.Fprintf(&u, "DROP INDEX %s;", index)
	if len(restore) > 0 {
		u.WriteString("\n-- It drops the partitions' indexes the CREATE INDEX attached too; these build again those that existed before:")
		var restored []string
		for _, x := range restore {
			fmt.Fprintf(&u, "\n%s;", rebuildIfMissing(x.Definition))
			restored = append(restored, x.Qualified())
		}
		f.caveat("CREATE INDEX attaches the indexes the partitions already have on %s (%s) instead of building them again, and DROP INDEX "+
			"drops them with it: the undo builds them again, without CONCURRENTLY (each blocks writes to its partition while it builds).",
			cols, strings.Join(restored, ", "))
	} else if !known {
		f.caveat("The snapshot does not say which partitions %s has: CREATE INDEX attaches a partition's matching index instead of "+
			"building one, and the undo's DROP INDEX then drops it too. Note the partitions' indexes on %s before running it.", table, cols)
	}
	f.Undo = u.String()
	f.caveat("%s is partitioned, and a partitioned table's index cannot be built CONCURRENTLY: this CREATE INDEX blocks writes to "+
		"%s and every one of its partitions until the index is built on all of them. The online path: CREATE INDEX %s ON ONLY %s (%s); "+
		"then, for each partition, CREATE INDEX CONCURRENTLY on it (%s) and ALTER INDEX %s ATTACH PARTITION that index (a "+
		"partitioned partition takes the same steps one level down); the index becomes valid once every partition has one attached.",
		table, table, quoted("", name), table, cols, cols, index)
	f.caveat("The undo cannot run CONCURRENTLY either: DROP INDEX takes an ACCESS EXCLUSIVE lock on %s and its partitions while it runs.", table)
}

// attachedByCreate returns the indexes of the partitions of table, at every
// level and deepest first, that CREATE INDEX on table's cols would attach
// instead of building (see attachable), with those already attached to one
// of them (DROP INDEX drops the whole tree), and whether the snapshot says
// which partitions table has.
func attachedByCreate(a *analysis, table string, cols []string) ([]IndexStats, bool) {
	children := map[string][]string{}
	for _, t := range a.s.Tables {
		if t.PartitionOf != "" {
			children[t.PartitionOf] = append(children[t.PartitionOf], t.Qualified())
		}
	}
	var found []IndexStats
	seen := map[string]bool{table: true}
	var walk func(parent string)
	walk = func(parent string) {
		for _, p := range children[parent] {
			if seen[p] { // a snapshot written by hand may loop
				continue
			}
			seen[p] = true
			walk(p)
			for _, x := range a.indexesOn(p) {
				if attachable(*x, cols) {
					found = append(found, *x)
				}
			}
		}
	}
	walk(table)
	parentOf := map[string]string{}
	for _, x := range found {
		parentOf[x.Qualified()] = x.ParentIndex
	}
	var out []IndexStats
	for _, x := range found {
		if topFree(x, parentOf) {
			out = append(out, x)
		}
	}
	return out, len(children[table]) > 0
}

// topFree reports whether x is attached to no index, or through a chain of
// found indexes (parentOf) to one attached to none.
func topFree(x IndexStats, parentOf map[string]string) bool {
	p := x.ParentIndex
	for n := 0; p != "" && n <= len(parentOf); n++ {
		next, ok := parentOf[p]
		if !ok {
			return false
		}
		p = next
	}
	return p == ""
}

// attachable reports whether CREATE INDEX on a partitioned table's cols
// could attach index x of a partition: valid, not unique, not partial, and
// a btree on exactly cols with default options.
func attachable(x IndexStats, cols []string) bool {
	sh, ok := shapeOf(&x)
	return ok && x.Valid && !x.Unique && strings.TrimSpace(x.Definition) != "" &&
		sh.method == "btree" && sh.pred == "" && sh.exprs == "" && len(sh.include) == 0 && slices.Equal(sh.keys, cols) &&
		!slices.ContainsFunc(sh.opts, func(o string) bool { return o != "" })
}

// rebuildIfMissing turns an index definition (pg_get_indexdef) into a
// statement that builds it unless an index of that name exists, on a
// partitioned table with its partitions (not ON ONLY).
func rebuildIfMissing(def string) string {
	def = strings.TrimRight(strings.TrimSpace(def), ";")
	def = strings.Replace(def, " ON ONLY ", " ON ", 1)
	for _, prefix := range []string{"CREATE INDEX ", "CREATE UNIQUE INDEX "} {
		if strings.HasPrefix(strings.ToUpper(def), prefix) && !strings.HasPrefix(strings.ToUpper(def[len(prefix):]), "IF NOT EXISTS ") {
			return def[:len(prefix)] + "IF NOT EXISTS " + def[len(prefix):]
		}
	}
	return def
}

// indexNamer chooses names for new indexes as PostgreSQL does for CREATE
// INDEX without a name (ChooseRelationName): table_columns_idx, cut to 63
// bytes, then _idx1, _idx2 ... until no relation of the schema the
// snapshot knows (table, index, sequence) has it, nor a name it handed out
// before: no two remediations create the same name. The foreign-key
// remediations share one plain index per table and columns (chooseShared).
type indexNamer struct {
	taken  map[relKey]bool
	chosen map[string]string
}

// indexNames returns the analysis's index namer, made on first use.
func (a *analysis) indexNames() *indexNamer {
	if a.names == nil {
		a.names = newIndexNamer(a.s)
	}
	return a.names
}

func newIndexNamer(s *Snapshot) *indexNamer {
	n := &indexNamer{taken: make(map[relKey]bool, len(s.Tables)+len(s.Indexes)+len(s.Sequences)), chosen: map[string]string{}}
	for _, t := range s.Tables {
		n.taken[relKey{t.Schema, t.Name}] = true
	}
	for _, x := range s.Indexes {
		n.taken[relKey{x.Schema, x.Name}] = true
	}
	for _, q := range s.Sequences {
		n.taken[relKey{q.Schema, q.Name}] = true
	}
	return n
}

// choose returns a new name for an index of schema.table on cols.
func (n *indexNamer) choose(schemaName, table string, cols []string) string {
	name := schema.ChooseName(table, cols, "idx", func(name string) bool { return n.taken[relKey{schemaName, name}] })
	n.taken[relKey{schemaName, name}] = true
	return name
}

// chooseShared returns the name of the plain index on schema.table's cols
// that several foreign keys may share: the same name each time.
func (n *indexNamer) chooseShared(schemaName, table string, cols []string) string {
	key := strings.Join(append([]string{schemaName, table}, cols...), "\x00")
	if name, ok := n.chosen[key]; ok {
		return name
	}
	name := n.choose(schemaName, table, cols)
	n.chosen[key] = name
	return name
}
