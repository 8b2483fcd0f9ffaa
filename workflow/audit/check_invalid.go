package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// invalidSmallTable: postgres_ai's decision tree rebuilds an invalid index
// outright on a table under 10,000 rows (reference §3, §4.5).
const invalidSmallTable = 10_000

// checkInvalidIndex finds indexes that are not valid and not being built
// now, with postgres_ai's decision: a valid twin exists → drop it; it backs a
// constraint or uniqueness → rebuild it (an error: the guarantee rests on an
// index the planner cannot use); a small table → rebuild; otherwise review why
// the build failed, then rebuild or drop. A partitioned index is not valid
// while a partition lacks a valid index attached to it: the remediation
// builds and attaches the missing ones (see invalidPartitionedFinding).
func checkInvalidIndex(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionIndexes, true, "") {
		return o
	}
	building := 0
	for _, x := range a.s.Indexes {
		switch {
		case x.Valid:
			continue
		case x.BeingBuilt:
			building++
			continue
		}
		o.findings = append(o.findings, invalidFinding(a, x))
	}
	o.observe("%d %s; %d not valid", len(a.s.Indexes), plural(len(a.s.Indexes), "index", "indexes"), len(o.findings)+building)
	if building > 0 {
		o.observe("%d not valid because a CREATE INDEX or REINDEX is building %s now (pg_stat_progress_create_index)",
			building, plural(building, "it", "them"))
	}
	return o
}

func invalidFinding(a *analysis, x IndexStats) Finding {
	if x.Partitioned {
		return invalidPartitionedFinding(a, x)
	}
	if x.ParentIndex != "" {
		return invalidAttachedFinding(a, x)
	}
	twin, hasTwin := validTwin(a, x)
	backs := x.Primary || x.Unique || x.Constraint != ""
	t := a.tables[x.QualifiedTable()]
	sev := workflow.SeverityWarning
	if backs {
		sev = workflow.SeverityError
	}
	f := finding(sev, x.Qualified(), a.pointInTime)
	f.ev("Size", md.Bytes(x.SizeBytes))
	f.ev("Table", x.QualifiedTable())
	if t.Name != "" {
		f.ev("Table rows", count(t.NLiveTup))
	}
	f.ev("Unique / primary", yesNo(x.Unique)+" / "+yesNo(x.Primary))
	f.ev("Backs constraint", orNo(x.Constraint))
	f.ev("Valid twin", orNo(twin.Name))
	f.ev("Definition", x.Definition)
	f.Why = "An invalid index is kept up to date by every write but never used by a query: it costs what an index costs and " +
		"gives nothing. It is usually left by a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that failed (a duplicate " +
		"key, a deadlock, a timeout, a cancelled session)."
	if backs {
		f.Why += " For a unique index, the uniqueness it should guarantee rests on an index that may miss rows."
	}
	rebuild := fmt.Sprintf("REINDEX INDEX CONCURRENTLY %s;", quoted(x.Schema, x.Name))
	if a.major() != 0 && a.major() < 12 {
		rebuild = fmt.Sprintf("DROP INDEX CONCURRENTLY %s;\n%s", quoted(x.Schema, x.Name), concurrently(x.Definition))
	}
	switch {
	case hasTwin:
		f.Message = fmt.Sprintf("%s is not valid, and %s is a valid index with the same keys: drop the invalid one.", x.Qualified(), twin.Qualified())
		f.Remediation = fmt.Sprintf("DROP INDEX CONCURRENTLY %s;", quoted(x.Schema, x.Name))
		f.Undo = concurrently(x.Definition)
	case backs:
		f.Message = fmt.Sprintf("%s is not valid and backs %s: rebuild it.", x.Qualified(), uniqueness(x))
		f.Remediation = rebuild
		f.caveat("If the rebuild fails on a duplicate key, the table holds duplicates the index should have refused: " +
			"find and resolve them first.")
	case t.Name != "" && t.NLiveTup < invalidSmallTable:
		f.Message = fmt.Sprintf("%s is not valid; its table has %s rows, so rebuilding it is quick.", x.Qualified(), count(t.NLiveTup))
		f.Remediation = rebuild
	default:
		f.Message = fmt.Sprintf("%s is not valid: find out why its build failed, then rebuild it, or drop it if no query needs it.", x.Qualified())
		f.Remediation = rebuild + fmt.Sprintf("\n-- or, if no query needs it:\n-- DROP INDEX CONCURRENTLY %s;", quoted(x.Schema, x.Name))
		f.caveat("A rebuild reads the whole table and takes as long as the first build did; check the server log for why that one failed.")
	}
	if f.Undo == "" {
		f.Undo = "-- Nothing to undo: the rebuild replaces an index no query could use with the same index, valid."
	}
	if a.s.Server == nil && !x.Ready {
		f.caveat("The snapshot does not say whether a build of this index is running now (pg_stat_progress_create_index): " +
			"if a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY is in progress, let it finish.")
	}
	if a.major() != 0 && a.major() < 12 {
		f.caveat("REINDEX CONCURRENTLY needs PostgreSQL 12; this server is %s, so the remediation drops and builds the index again.", a.s.ServerVersion)
	}
	return f
}

// invalidAttachedFinding is the finding on an index, not partitioned,
// attached to a partitioned index: it cannot be dropped alone (its parent
// requires it), so the remediation rebuilds it and attaches it again, which
// makes PostgreSQL validate the parent (a REINDEX alone leaves the parent not
// valid).
func invalidAttachedFinding(a *analysis, x IndexStats) Finding {
	sev := workflow.SeverityWarning
	if x.Primary || x.Unique || x.Constraint != "" {
		sev = workflow.SeverityError
	}
	f := finding(sev, x.Qualified(), a.pointInTime)
	f.ev("Size", md.Bytes(x.SizeBytes))
	f.ev("Table", x.QualifiedTable())
	f.ev("Attached to", x.ParentIndex)
	f.ev("Unique / primary", yesNo(x.Unique)+" / "+yesNo(x.Primary))
	f.ev("Backs constraint", orNo(x.Constraint))
	f.ev("Definition", x.Definition)
	f.Why = "An invalid index is kept up to date by every write but never used by a query. This one is attached to the " +
		"partitioned index " + x.ParentIndex + ", which stays not valid while it is not: it cannot be dropped alone."
	f.Message = fmt.Sprintf("%s is not valid and is attached to %s: rebuild it and attach it again, which makes %s valid.",
		x.Qualified(), x.ParentIndex, x.ParentIndex)
	var b strings.Builder
	writeReattach(a, &b, x)
	f.Remediation = strings.TrimSuffix(b.String(), "\n")
	f.Undo = "-- Nothing to undo: the rebuild replaces an index no query could use with the same index, valid."
	attachedCaveats(a, &f)
	return f
}

// writeReattach writes the statements that rebuild x, an index attached to
// a partitioned index and not valid, and attach it again: the ATTACH of an
// index already attached validates the parent (PostgreSQL 14+).
func writeReattach(a *analysis, b *strings.Builder, x IndexStats) {
	rebuild := "REINDEX INDEX CONCURRENTLY"
	if a.major() != 0 && a.major() < 12 {
		rebuild = "REINDEX INDEX"
	}
	fmt.Fprintf(b, "%s %s;\n", rebuild, quoted(x.Schema, x.Name))
	if p, ok := parentIndex(a, x); ok {
		fmt.Fprintf(b, "ALTER INDEX %s ATTACH PARTITION %s;\n", quoted(p.Schema, p.Name), quoted(x.Schema, x.Name))
	} else {
		fmt.Fprintf(b, "-- ALTER INDEX %s ATTACH PARTITION %s;\n", x.ParentIndex, quoted(x.Schema, x.Name))
	}
}

// attachedCaveats adds what rebuilding an attached index cannot do on old
// servers.
func attachedCaveats(a *analysis, f *Finding) {
	if a.major() != 0 && a.major() < 12 {
		f.caveat("REINDEX CONCURRENTLY needs PostgreSQL 12; this server is %s, so the rebuild blocks writes to the partition.", a.s.ServerVersion)
	}
	if a.major() != 0 && a.major() < 14 {
		f.caveat("Before PostgreSQL 14, ALTER INDEX ... ATTACH PARTITION of an index already attached does not validate the "+
			"partitioned index (this server is %s): it stays not valid until it is dropped and built again.", a.s.ServerVersion)
	}
}

// parentIndex finds the partitioned index x is attached to.
func parentIndex(a *analysis, x IndexStats) (IndexStats, bool) {
	for _, y := range a.s.Indexes {
		if y.Qualified() == x.ParentIndex {
			return y, true
		}
	}
	return IndexStats{}, false
}

// invalidPartitionedFinding is the finding on a partitioned index that is not
// valid. It has no storage and no rebuild makes it valid: PostgreSQL marks it
// valid when every partition has a valid index attached to it, which is how
// CREATE INDEX ... ON ONLY (the first step of building an index on a
// partitioned table without blocking writes) leaves it until the partitions
// follow. The remediation completes the whole partition tree in one pass
// (see completion).
func invalidPartitionedFinding(a *analysis, x IndexStats) Finding {
	sev := workflow.SeverityWarning
	if x.Primary || x.Unique || x.Constraint != "" {
		sev = workflow.SeverityError
	}
	f := finding(sev, x.Qualified(), a.pointInTime)
	lacking, invalid, partitions := partitionGaps(a, x)
	plan := completePartitions(a, x)
	f.ev("Table", x.QualifiedTable()+" (partitioned)")
	f.ev("Partitions", count(int64(len(partitions))))
	f.ev("Partitions without an index attached", orNo(tableNames(lacking)))
	if len(invalid) > 0 {
		f.ev("Attached indexes not valid", orNo(qualifiedIndexNames(invalid)))
	}
	if len(plan.reused) > 0 {
		f.ev("Partitions' own indexes with the same definition", qualifiedIndexNames(plan.reused))
	}
	f.ev("Unique / primary", yesNo(x.Unique)+" / "+yesNo(x.Primary))
	f.ev("Backs constraint", orNo(x.Constraint))
	f.ev("Definition", x.Definition)
	f.Why = "A partitioned index holds no rows itself: each partition's own index, attached to it, does. It stays not valid " +
		"until every partition has a valid index attached, as CREATE INDEX ... ON ONLY leaves it (the first step of building " +
		"an index on a partitioned table without blocking writes) until the partitions follow: a rebuild does not change that. " +
		"A partition that is partitioned in turn needs the same at its own level first."
	if x.Unique || x.Primary || x.Constraint != "" {
		f.Why += " While it is not valid, the uniqueness it should guarantee is not enforced on the partitions without an index."
	}
	switch {
	case len(partitions) > 0 && plan.sql.Len() > 0:
		f.Message = completionMessage(x, lacking, invalid, partitions, plan)
		f.Remediation = strings.TrimSuffix(plan.sql.String(), "\n") + "\n-- or, if no query needs it:\n-- " + dropPartitioned(x)
		f.Undo = reattachUndo(a, x, plan.reused)
		f.caveat("ALTER INDEX ... ATTACH PARTITION is quick, and each level is attached after the one below it, so the last " +
			"one makes the partitioned index valid.")
		if plan.builds > 0 {
			f.caveat("CREATE INDEX CONCURRENTLY reads each partition in full.")
		}
		if len(plan.reused) > 0 {
			f.caveat("%s already %s the definition of %s and %s attached instead of building another: PostgreSQL accepts "+
				"an index for ATTACH PARTITION only with the same access method, keys, operator classes, collations, "+
				"expressions, predicate and uniqueness.", qualifiedIndexNames(plan.reused), plural(len(plan.reused), "has", "have"),
				x.Name, plural(len(plan.reused), "is", "are"))
		}
		planCaveats(&f, plan)
		if len(plan.blocked) > 0 {
			attachedCaveats(a, &f)
		}
	default:
		f.Message = fmt.Sprintf("%s is a partitioned index that is not valid: give each partition of %s that lacks one a valid "+
			"index with the same keys and attach it, or drop it.", x.Qualified(), x.QualifiedTable())
		f.Remediation = fmt.Sprintf("-- For each partition without an index attached to %s:\n"+
			"--   CREATE INDEX CONCURRENTLY name ON partition (the same keys);\n"+
			"--   ALTER INDEX %s ATTACH PARTITION name;\n"+
			"-- or, if no query needs it:\n-- %s", x.Name, quoted(x.Schema, x.Name), dropPartitioned(x))
		f.Undo = "-- Nothing to undo for a comment; an attached index is dropped only with the partitioned index."
		if len(partitions) == 0 {
			f.caveat("The snapshot does not say which tables are partitions of %s, or it has none: list them with "+
				"pg_partition_tree('%s').", x.QualifiedTable(), strings.ReplaceAll(quoted(x.Schema, x.Table), "'", "''"))
		}
	}
	return f
}

// dropPartitioned is the statement that drops partitioned index x with
// every index attached to it: DROP INDEX, or, for the index of a
// constraint, DROP CONSTRAINT.
func dropPartitioned(x IndexStats) string {
	if x.Constraint != "" {
		return fmt.Sprintf("ALTER TABLE ONLY %s DROP CONSTRAINT %s;", quoted(x.Schema, x.Table), quoted("", x.Constraint))
	}
	return fmt.Sprintf("DROP INDEX %s;", quoted(x.Schema, x.Name))
}

// completionMessage says what is missing under an incomplete partitioned
// index and what the remediation does about it.
func completionMessage(x IndexStats, lacking []TableStats, invalid []IndexStats, partitions []TableStats, plan *completion) string {
	var gaps []string
	if len(lacking) > 0 {
		gaps = append(gaps, fmt.Sprintf("%s of %s %s no index attached to it (%s)", count(int64(len(lacking))),
			nOf(int64(len(partitions)), "partition", "partitions"), plural(len(lacking), "has", "have"), tableNames(lacking)))
	}
	if len(invalid) > 0 {
		gaps = append(gaps, fmt.Sprintf("%s, attached to it, %s not valid", qualifiedIndexNames(invalid), plural(len(invalid), "is", "are")))
	}
	msg := fmt.Sprintf("%s is a partitioned index that is not valid: %s. Build one on each partition that lacks one, "+
		"without blocking writes and at every level of sub-partitioning, and attach it", x.Qualified(), strings.Join(gaps, ", and "))
	if len(plan.reused) > 0 {
		msg += fmt.Sprintf(", or attach the partition's own index with the same definition (%s)", qualifiedIndexNames(plan.reused))
	}
	return msg + "."
}

// planCaveats adds what the completion cannot do itself.
func planCaveats(f *Finding, plan *completion) {
	if len(plan.blocked) > 0 {
		f.caveat("%s, attached in the partition tree, %s not valid: the remediation rebuilds %s (REINDEX CONCURRENTLY) and "+
			"attaches %s again, which validates the partitioned %s above.", qualifiedIndexNames(plan.blocked), plural(len(plan.blocked), "is", "are"),
			plural(len(plan.blocked), "it", "them"), plural(len(plan.blocked), "it", "them"), plural(len(plan.blocked), "index", "indexes"))
	}
	if len(plan.manual) > 0 {
		f.caveat("The remediation cannot write the index of %s itself: the statements for %s are left as comments, and the "+
			"partitioned index stays not valid until they are done by hand.", strings.Join(plan.manual, ", "),
			plural(len(plan.manual), "it", "them"))
	}
	if len(plan.unknown) > 0 {
		f.caveat("The snapshot lists no partitions of %s: if %s any, give each an index attached the same way "+
			"(pg_partition_tree lists them).", strings.Join(plan.unknown, ", "), plural(len(plan.unknown), "it has", "they have"))
	}
}

// partitionGaps returns the direct partitions of x's table without an index
// attached to x, the attached indexes that are not valid, and all the
// partitions the snapshot knows of.
func partitionGaps(a *analysis, x IndexStats) (lacking []TableStats, invalid []IndexStats, partitions []TableStats) {
	kids := partitionIndexes(a, x)
	partitions = partitionsOf(a, x.QualifiedTable())
	for _, t := range partitions {
		i := slices.IndexFunc(kids, func(y IndexStats) bool { return y.QualifiedTable() == t.Qualified() })
		switch {
		case i < 0:
			lacking = append(lacking, t)
		case !kids[i].Valid:
			invalid = append(invalid, kids[i])
		}
	}
	return lacking, invalid, partitions
}

// partitionsOf returns the direct partitions of a table, as the snapshot
// lists them.
func partitionsOf(a *analysis, table string) []TableStats {
	var out []TableStats
	for _, t := range a.s.Tables {
		if t.PartitionOf == table {
			out = append(out, t)
		}
	}
	return out
}

// completion is the remediation of a partitioned index that is not valid:
// the statements that give every partition, at every level of
// sub-partitioning, a valid index attached to it. A partitioned partition
// gets an index ON ONLY it, completed the same way before it is attached,
// so that every ATTACH PARTITION comes after its own partitions' (the last
// one makes the whole tree valid; PostgreSQL validates each level upwards).
type completion struct {
	a *analysis
	// root is the index being completed; shape and cols are its shape and
	// key names (for the names of new indexes).
	root  IndexStats
	shape shape
	cols  []string
	sql   strings.Builder
	// reused lists the partitions' own indexes attached instead of a new
	// one being built.
	reused []IndexStats
	// blocked lists the attached indexes, not partitioned, that are not
	// valid: the completion rebuilds them and attaches them again.
	blocked []IndexStats
	// manual lists the partitions whose index the completion could not
	// write (left as comments).
	manual []string
	// unknown lists the partitioned partitions the snapshot lists no
	// partitions of.
	unknown []string
	// builds counts the indexes built CONCURRENTLY.
	builds int
}

// completePartitions plans the completion of x.
func completePartitions(a *analysis, x IndexStats) *completion {
	sh, _ := shapeOf(&x)
	c := &completion{a: a, root: x, shape: sh, cols: make([]string, len(sh.keys))}
	for i, k := range sh.keys {
		c.cols[i] = cmp.Or(k, "expr")
	}
	c.complete(x)
	return c
}

// complete writes the statements that give each partition of parent's
// table a valid index attached to parent. An attached index that is
// partitioned and not valid is completed in turn; attaching its last
// partition's index makes it, and then parent, valid.
//
// When every partition already has a valid index attached but parent is
// not valid (a REINDEX of an attached index does not validate its parent),
// it attaches one of them again: ATTACH PARTITION of an index already
// attached validates the parent (PostgreSQL 14+).
func (c *completion) complete(parent IndexStats) {
	kids := partitionIndexes(c.a, parent)
	parts := partitionsOf(c.a, parent.QualifiedTable())
	if len(parts) == 0 && parent.Qualified() != c.root.Qualified() {
		c.unknown = append(c.unknown, parent.QualifiedTable())
	}
	acted := false
	for _, t := range parts {
		i := slices.IndexFunc(kids, func(y IndexStats) bool { return y.QualifiedTable() == t.Qualified() })
		switch {
		case i >= 0 && kids[i].Valid:
			continue
		case i >= 0 && kids[i].Partitioned:
			c.complete(kids[i])
		case i >= 0:
			c.blocked = append(c.blocked, kids[i])
			writeReattach(c.a, &c.sql, kids[i])
		default:
			c.provide(parent, t)
		}
		acted = true
	}
	if !acted && !parent.Valid && len(parts) > 0 && len(kids) > 0 {
		fmt.Fprintf(&c.sql, "ALTER INDEX %s ATTACH PARTITION %s;\n", quoted(parent.Schema, parent.Name), quoted(kids[0].Schema, kids[0].Name))
	}
}

// provide gives partition t an index for parent, its own one with the same
// definition or a new one, complete, and attaches it.
func (c *completion) provide(parent IndexStats, t TableStats) {
	y, ok := c.own(t)
	switch {
	case ok:
		c.reused = append(c.reused, y)
		if y.Partitioned && !y.Valid {
			c.complete(y)
		}
	default:
		var built bool
		y, built = c.build(t)
		if !built {
			c.manual = append(c.manual, t.Qualified())
			fmt.Fprintf(&c.sql, "-- ALTER INDEX %s ATTACH PARTITION %s;\n", quoted(parent.Schema, parent.Name), quoted(y.Schema, y.Name))
			return
		}
		if t.Partitioned {
			c.complete(y)
		}
	}
	fmt.Fprintf(&c.sql, "ALTER INDEX %s ATTACH PARTITION %s;\n", quoted(parent.Schema, parent.Name), quoted(y.Schema, y.Name))
}

// own finds an index of partition t that ALTER INDEX ... ATTACH PARTITION
// accepts for the root: not attached to any, valid (or partitioned, to be
// completed), with the same access method, keys, operator classes,
// collations, expressions, predicate and uniqueness (PostgreSQL's
// CompareIndexInfo; the shape comparison is, if anything, stricter).
func (c *completion) own(t TableStats) (IndexStats, bool) {
	x := c.root
	for _, y := range c.a.indexesOn(t.Qualified()) {
		if y.ParentIndex != "" || y.BeingBuilt || y.Partitioned != t.Partitioned || !y.Valid && !y.Partitioned {
			continue
		}
		if y.Unique != x.Unique || y.Primary != x.Primary || (y.Constraint == "") != (x.Constraint == "") || y.Deferrable != x.Deferrable {
			continue
		}
		if ysh, ok := shapeOf(y); ok && sameKeys(c.shape, ysh) {
			return *y, true
		}
	}
	return IndexStats{}, false
}

// build writes the statement that builds the root's index on partition t:
// CONCURRENTLY on a plain partition, ON ONLY a partitioned one (neither
// CONCURRENTLY nor anything else runs on a partitioned table without
// blocking writes, and ON ONLY builds nothing). When the root backs a
// constraint, the partition's index must back the same kind of constraint
// to be attached (see buildConstraint). It returns false, having written
// the statement as a comment, when it cannot write it.
func (c *completion) build(t TableStats) (IndexStats, bool) {
	if kind := constraintKind(c.root); kind != "" {
		return c.buildConstraint(t, kind)
	}
	name := c.a.indexNames().choose(t.Schema, t.Name, c.cols)
	y := IndexStats{Schema: t.Schema, Table: t.Name, Name: name, Partitioned: t.Partitioned}
	stmt, ok := rewriteIndexDef(c.root.Definition, func(is *pg_query.IndexStmt) {
		is.Idxname = name
		is.Relation.Schemaname, is.Relation.Relname, is.Relation.Inh = t.Schema, t.Name, !t.Partitioned
		is.Concurrent = !t.Partitioned
	})
	if !ok {
		stmt = fmt.Sprintf("-- CREATE INDEX CONCURRENTLY %s ON %s (the keys of %s)", quoted("", name), quoted(t.Schema, t.Name), c.root.Name)
		if t.Partitioned {
			stmt = fmt.Sprintf("-- CREATE INDEX %s ON ONLY %s (the keys of %s)", quoted("", name), quoted(t.Schema, t.Name), c.root.Name)
		}
		fmt.Fprintf(&c.sql, "%s;\n", stmt)
		return y, false
	}
	fmt.Fprintf(&c.sql, "%s;\n", stmt)
	if !t.Partitioned {
		c.builds++
	}
	return y, true
}

// buildConstraint writes the statements that give partition t a
// constraint of the root's kind ("primary" or "unique"): PostgreSQL
// attaches an index to one backing a constraint only if it backs one too.
// On a plain partition the index is built CONCURRENTLY, then the
// constraint is added USING it; on a partitioned one ADD CONSTRAINT on
// ONLY it creates a partitioned index, not valid, completed below. The
// index takes the constraint's name, PostgreSQL's default one
// (table_pkey, table_cols_key) unless taken. Exclusion and deferrable
// constraints, and keys that are not plain columns, are left as comments.
func (c *completion) buildConstraint(t TableStats, kind string) (IndexStats, bool) {
	label, cols := "pkey", []string(nil)
	if kind == "unique" {
		label, cols = "key", c.cols
	}
	n := c.a.indexNames()
	name := schema.ChooseName(t.Name, cols, label, func(s string) bool { return n.taken[relKey{t.Schema, s}] })
	n.taken[relKey{t.Schema, name}] = true
	y := IndexStats{Schema: t.Schema, Table: t.Name, Name: name, Partitioned: t.Partitioned}
	clause, ok := constraintClause(c.root, c.shape, kind)
	table := quoted(t.Schema, t.Name)
	if !ok {
		fmt.Fprintf(&c.sql, "-- ALTER TABLE ONLY %s ADD CONSTRAINT %s (the %s constraint of %s, on %s);\n",
			table, quoted("", name), kind, c.root.Name, t.Qualified())
		return y, false
	}
	if t.Partitioned {
		fmt.Fprintf(&c.sql, "ALTER TABLE ONLY %s ADD CONSTRAINT %s %s;\n", table, quoted("", name), clause)
		return y, true
	}
	stmt, ok := rewriteIndexDef(c.root.Definition, func(is *pg_query.IndexStmt) {
		is.Idxname = name
		is.Relation.Schemaname, is.Relation.Relname, is.Relation.Inh = t.Schema, t.Name, true
		is.Concurrent, is.Primary, is.Isconstraint = true, false, false
	})
	if !ok {
		fmt.Fprintf(&c.sql, "-- CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (the keys of %s);\n-- ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;\n",
			quoted("", name), table, c.root.Name, table, quoted("", name), constraintWord(kind), quoted("", name))
		return y, false
	}
	fmt.Fprintf(&c.sql, "%s;\nALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;\n", stmt, table, quoted("", name),
		constraintWord(kind), quoted("", name))
	c.builds++
	return y, true
}

// constraintKind returns the kind of constraint x backs: "primary",
// "unique", "exclusion", or "" for none.
func constraintKind(x IndexStats) string {
	switch {
	case x.ConstraintType != "":
		return x.ConstraintType
	case x.Constraint == "":
		return ""
	case x.Primary:
		return "primary"
	case x.Unique:
		return "unique"
	}
	return "exclusion"
}

func constraintWord(kind string) string {
	if kind == "primary" {
		return "PRIMARY KEY"
	}
	return "UNIQUE"
}

// constraintClause renders the constraint x backs, as ADD CONSTRAINT
// takes it ("PRIMARY KEY (a, b) INCLUDE (c)"), and false when it cannot:
// an exclusion or deferrable constraint, or keys that are not plain
// columns in a plain B-tree.
func constraintClause(x IndexStats, sh shape, kind string) (string, bool) {
	if kind != "primary" && kind != "unique" || x.Deferrable || sh.method != "btree" || sh.exprs != "" || sh.pred != "" || len(sh.keys) == 0 {
		return "", false
	}
	for i, k := range sh.keys {
		if k == "" || i < len(sh.opts) && sh.opts[i] != "" {
			return "", false
		}
	}
	out := constraintWord(kind)
	if sh.nnd {
		out += " NULLS NOT DISTINCT"
	}
	out += " (" + quotedList(sh.keys) + ")"
	if len(sh.include) > 0 {
		out += " INCLUDE (" + quotedList(sh.include) + ")"
	}
	return out, true
}

// reattachUndo goes back to the state before the completion of x: an
// attached index cannot be detached or dropped alone, so it drops x, which
// drops every index attached to it at every level (the ones the remediation
// built, and the partitions' own ones it attached), then creates x again ON
// ONLY with the indexes attached to it now, and the reused indexes again,
// not attached.
func reattachUndo(a *analysis, x IndexStats, reused []IndexStats) string {
	if x.Constraint != "" {
		return constraintUndo(a, x, reused)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- An index attached to a partitioned index cannot be detached or dropped alone: drop %s with every index "+
		"attached to it, at every level, and create again what there was before.\nDROP INDEX %s;", x.Name, quoted(x.Schema, x.Name))
	recreate(a, &b, x, "")
	if len(reused) > 0 {
		fmt.Fprintf(&b, "\n-- Dropping %s dropped %s too, attached to it by the remediation: build %s again, not attached.",
			x.Name, qualifiedIndexNames(reused), plural(len(reused), "it", "them"))
	}
	for _, y := range reused {
		recreate(a, &b, y, "")
	}
	return b.String()
}

// constraintUndo goes back to the state before the completion of x, which
// backs a constraint: ALTER TABLE ONLY ... DROP CONSTRAINT drops it with
// the constraints (and indexes) attached to it at every level, and adding
// it again ON ONLY the partitioned table leaves it as it was, not valid.
// When constraints were attached to it before, or the partitions' own ones
// were attached by the remediation, it says what to do instead.
func constraintUndo(a *analysis, x IndexStats, reused []IndexStats) string {
	sh, _ := shapeOf(&x)
	clause, ok := constraintClause(x, sh, constraintKind(x))
	if !ok || len(reused) > 0 || len(partitionIndexes(a, x)) > 0 {
		return fmt.Sprintf("-- An index attached to %s cannot be detached or dropped alone, and %s backs constraint %s: "+
			"going back means dropping that constraint (ALTER TABLE ONLY %s DROP CONSTRAINT %s, which drops the partitions' "+
			"constraints attached to it) and adding again ON ONLY each table the constraints there were before.",
			x.Name, x.Name, x.Constraint, quoted(x.Schema, x.Table), quoted("", x.Constraint))
	}
	table := quoted(x.Schema, x.Table)
	return fmt.Sprintf("-- Dropping constraint %s drops the partitions' constraints and indexes attached to it; adding it again "+
		"ON ONLY %s leaves it not valid, as it was.\nALTER TABLE ONLY %s DROP CONSTRAINT %s;\nALTER TABLE ONLY %s ADD CONSTRAINT %s %s;",
		x.Constraint, x.QualifiedTable(), table, quoted("", x.Constraint), table, quoted("", x.Constraint), clause)
}

// recreate writes the statements that build y again as it is in the
// snapshot, with the indexes attached to it (each level attached after the
// one below it), and attach it to parent unless parent is "".
func recreate(a *analysis, b *strings.Builder, y IndexStats, parent string) {
	switch {
	case y.Partitioned:
		fmt.Fprintf(b, "\n%s", onOnly(y.Definition))
		for _, z := range partitionIndexes(a, y) {
			recreate(a, b, z, quoted(y.Schema, y.Name))
		}
	case !y.Valid:
		fmt.Fprintf(b, "\n-- %s was not valid: this builds it again valid.\n%s", y.Qualified(), concurrently(y.Definition))
	default:
		fmt.Fprintf(b, "\n%s", concurrently(y.Definition))
	}
	if parent != "" {
		fmt.Fprintf(b, "\nALTER INDEX %s ATTACH PARTITION %s;", parent, quoted(y.Schema, y.Name))
	}
}

// onOnly turns a partitioned index's definition into the statement that
// creates it on the partitioned table alone (ON ONLY), ending in a
// semicolon.
func onOnly(def string) string {
	out, ok := rewriteIndexDef(def, func(is *pg_query.IndexStmt) { is.Relation.Inh = false })
	if !ok {
		out = strings.TrimRight(strings.TrimSpace(def), ";")
	}
	return out + ";"
}

func tableNames(ts []TableStats) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Qualified()
	}
	return strings.Join(out, ", ")
}

func qualifiedIndexNames(xs []IndexStats) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.Qualified()
	}
	return strings.Join(out, ", ")
}

// validTwin finds a valid index of the same table with the same shape.
func validTwin(a *analysis, x IndexStats) (IndexStats, bool) {
	sh, ok := shapeOf(&x)
	if !ok {
		return IndexStats{}, false
	}
	for _, y := range a.indexesOn(x.QualifiedTable()) {
		if y.Name == x.Name || !y.Valid {
			continue
		}
		if ysh, ok := shapeOf(y); ok && sameKeys(sh, ysh) && (!x.Unique || y.Unique) {
			return *y, true
		}
	}
	return IndexStats{}, false
}

// uniqueness names what an index guarantees.
func uniqueness(x IndexStats) string {
	switch {
	case x.Primary:
		return "the primary key"
	case x.Constraint != "":
		return "constraint " + x.Constraint
	}
	return "a uniqueness guarantee"
}

func orNo(s string) string {
	if strings.TrimSpace(s) == "" {
		return "no"
	}
	return s
}
