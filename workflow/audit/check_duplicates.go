package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// shaped is a valid index of the snapshot with its shape.
type shaped struct {
	x  *IndexStats
	sh shape
}

// comparableIndexes returns the valid indexes whose shape is known, grouped
// by table (tables in the order they first appear), and how many there are,
// degrading the check for the others. The duplicate and redundant checks
// share the groups, made once per analysis.
func comparableIndexes(a *analysis, o *outcome) (byTable [][]shaped, n int) {
	if a.shapes == nil {
		at := map[string]int{}
		a.shapes = [][]shaped{}
		for i := range a.s.Indexes {
			x := &a.s.Indexes[i]
			if !x.Valid || x.BeingBuilt {
				continue
			}
			sh, ok := shapeOf(x)
			if !ok {
				a.unknownShapes++
				continue
			}
			t := x.QualifiedTable()
			j, seen := at[t]
			if !seen {
				j = len(a.shapes)
				at[t] = j
				a.shapes = append(a.shapes, nil)
			}
			a.shapes[j] = append(a.shapes[j], shaped{x, sh})
			a.shapeCount++
		}
	}
	if u := a.unknownShapes; u > 0 {
		o.degrade(fmt.Sprintf("%d %s neither key columns nor a definition to read them from", u, plural(u, "index has", "indexes have")))
	}
	return a.shapes, a.shapeCount
}

// checkDuplicateIndex finds valid indexes of one table with the same method,
// key columns, key options (operator class, collation, order), INCLUDE
// columns, expressions and predicate. Of each group it keeps first what
// cannot be dropped (see keepFirst); the others are warned about, or only
// noted when they back a constraint of their own or foreign keys depend on
// them (reference §4.4). A partition's index attached to a partitioned index
// is reported through its parent, never on its own; an index backing an
// exclusion constraint is left out (its operators are not part of the shape,
// and it cannot stand in for a unique index).
func checkDuplicateIndex(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionIndexes, true, "") {
		return o
	}
	byTable, n := comparableIndexes(a, &o)
	var groups [][]shaped
	for _, same := range byTable {
		var tableGroups [][]shaped
		for _, c := range same {
			if c.x.ConstraintType == "exclusion" {
				continue
			}
			j := slices.IndexFunc(tableGroups, func(g []shaped) bool { return sameKeys(g[0].sh, c.sh) })
			if j < 0 {
				tableGroups = append(tableGroups, []shaped{c})
				continue
			}
			tableGroups[j] = append(tableGroups[j], c)
		}
		groups = append(groups, tableGroups...)
	}
	dups := 0
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		slices.SortStableFunc(g, keepFirst)
		reported := false
		for _, m := range g[1:] {
			if !attached(*m.x) { // its parent's finding covers it
				o.findings = append(o.findings, duplicateFinding(a, *m.x, *g[0].x))
				reported = true
			}
		}
		if reported { // a partition's group mirrors its parent's
			dups++
		}
	}
	o.observe("%d valid %s compared; %d %s of exact duplicates", n, plural(n, "index", "indexes"),
		dups, plural(dups, "group", "groups"))
	return o
}

// keepFirst orders duplicates by which to keep (keepRank), then most
// scans, then name.
func keepFirst(p, q shaped) int {
	return cmp.Or(cmp.Compare(keepRank(*p.x), keepRank(*q.x)), cmp.Compare(q.x.IdxScan, p.x.IdxScan), cmp.Compare(p.x.Name, q.x.Name))
}

// keepRank ranks an index by how much it takes to drop it: an index attached
// to a partitioned one cannot be dropped alone, and one foreign keys depend
// on not while they exist; then the primary key, a constraint checked at
// once, the replica identity, a unique index checked at once (which can take
// over the replica identity, back a foreign key or arbitrate ON CONFLICT),
// a deferrable constraint, and the rest.
func keepRank(x IndexStats) int {
	switch {
	case attached(x):
		return 0
	case len(x.ReferencedBy) > 0:
		return 1
	case x.Primary:
		return 2
	case x.Constraint != "" && !x.Deferrable:
		return 3
	case x.ReplicaIdentity:
		return 4
	case x.Unique && !x.Deferrable:
		return 5
	case x.Constraint != "":
		return 6
	case x.Unique:
		return 7
	}
	return 8
}

// canBeReplicaIdentity reports whether index x, of the same shape as the
// current replica identity, can take its place: PostgreSQL wants a unique,
// non-deferrable index.
func canBeReplicaIdentity(x IndexStats) bool {
	return x.Unique && !x.Deferrable && x.ConstraintType != "exclusion"
}

func duplicateFinding(a *analysis, m, keep IndexStats) Finding {
	sev := workflow.SeverityWarning
	backs := m.Primary || m.Constraint != ""
	pinned := len(m.ReferencedBy) > 0 || m.ReplicaIdentity && !canBeReplicaIdentity(keep)
	if backs || pinned {
		sev = workflow.SeverityInfo
	}
	f := finding(sev, m.Qualified(), a.pointInTime)
	f.Message = fmt.Sprintf("%s has the same keys, options and predicate as %s on %s: one of them is enough.",
		m.Qualified(), keep.Qualified(), m.QualifiedTable())
	f.ev("Duplicate of", keep.Qualified())
	f.ev("Size (reclaimable)", md.Bytes(m.SizeBytes))
	f.ev("Scans of this index", count(m.IdxScan))
	f.ev("Scans of "+keep.Name, count(keep.IdxScan))
	f.ev("This index", m.Definition)
	f.ev("Kept index", keep.Definition)
	if len(m.ReferencedBy) > 0 || len(keep.ReferencedBy) > 0 {
		f.ev("Foreign keys using this index", orNo(strings.Join(m.ReferencedBy, ", ")))
		f.ev("Foreign keys using "+keep.Name, orNo(strings.Join(keep.ReferencedBy, ", ")))
	}
	if m.Deferrable || keep.Deferrable {
		f.ev("Deferrable (this / kept)", yesNo(m.Deferrable)+" / "+yesNo(keep.Deferrable))
	}
	f.Why = "A duplicate index doubles the write cost and the space of one index and speeds up nothing: the planner uses " +
		"either copy for the same queries."
	switch {
	case len(m.ReferencedBy) > 0:
		f.Message += fmt.Sprintf(" But foreign %s %s %s on it, and %s: PostgreSQL refuses to drop an index a foreign key "+
			"depends on, so there is no drop to run. To drop it, each of those keys has to be dropped and added again "+
			"while %s exists, which re-checks every row of the referencing table.",
			plural(len(m.ReferencedBy), "key", "keys"), strings.Join(m.ReferencedBy, ", "),
			plural(len(m.ReferencedBy), "depends", "depend"), keptBecause(keep), keep.Name)
	case backs:
		if keep.Primary || keep.Constraint != "" {
			f.Message += fmt.Sprintf(" Both back constraints (%s and %s): drop the redundant constraint, not the index.",
				cmp.Or(m.Constraint, "the primary key"), cmp.Or(keep.Constraint, "the primary key"))
		} else {
			f.Message += fmt.Sprintf(" It backs constraint %s, and %s backs none: drop the constraint (its index goes with it), "+
				"not the index.", cmp.Or(m.Constraint, m.Name), keep.Name)
		}
		f.Remediation = fmt.Sprintf("-- After checking that no foreign key references it (pg_constraint.confrelid, conindid):\n"+
			"-- ALTER TABLE %s DROP CONSTRAINT %s;", quoted(m.Schema, m.Table), quoted("", cmp.Or(m.Constraint, m.Name)))
		if m.Deferrable && !keep.Deferrable {
			f.caveat("%s is DEFERRABLE and %s is not: with both, uniqueness is already checked at once, so dropping the "+
				"deferrable one changes nothing a transaction can do.", cmp.Or(m.Constraint, m.Name), keep.Name)
		}
	case m.ReplicaIdentity && !canBeReplicaIdentity(keep):
		f.Message += fmt.Sprintf(" But it is the table's replica identity, and %s cannot take that over (a replica identity "+
			"must be a unique index that is not deferrable), and %s: there is no drop to run.",
			keep.Name, keptBecause(keep))
	case m.ReplicaIdentity:
		drop, undo, caveats := dropIndex(m)
		f.Remediation = fmt.Sprintf("ALTER TABLE %s REPLICA IDENTITY USING INDEX %s;\n%s",
			quoted(m.Schema, m.Table), quoted("", keep.Name), drop)
		f.Undo = fmt.Sprintf("%s\nALTER TABLE %s REPLICA IDENTITY USING INDEX %s;", undo,
			quoted(m.Schema, m.Table), quoted("", m.Name))
		f.caveat("It is the table's replica identity: the remediation moves that to %s first.", keep.Name)
		f.Caveats = append(f.Caveats, caveats...)
	default:
		var caveats []string
		f.Remediation, f.Undo, caveats = dropIndex(m)
		f.Caveats = append(f.Caveats, caveats...)
	}
	if m.IdxScan > 0 && !backs && !pinned {
		f.caveat("Queries use it now (%s scans): after the drop they use %s, which has the same keys.", count(m.IdxScan), keep.Name)
	}
	return f
}

// keptBecause says why a kept index cannot go instead.
func keptBecause(keep IndexStats) string {
	switch {
	case attached(keep):
		return fmt.Sprintf("%s is attached to partitioned index %s", keep.Name, keep.ParentIndex)
	case len(keep.ReferencedBy) > 0:
		return fmt.Sprintf("%s is used by foreign %s %s in turn", keep.Name, plural(len(keep.ReferencedBy), "key", "keys"),
			strings.Join(keep.ReferencedBy, ", "))
	}
	return fmt.Sprintf("%s is the one to keep", keep.Name)
}

// checkRedundantIndex finds valid btree indexes whose keys are a left
// prefix of another valid btree index of the same table, with the same key
// options, expressions and predicate, and whose INCLUDE columns the other
// holds too. An index backing a constraint, the primary key or the replica
// identity, one foreign keys depend on, or a partition's index attached to a
// partitioned index (reported through its parent) is never a candidate, nor
// a unique index unless the other is unique
// on the same keys (reference §4.4; the prefix logic is only sound for
// btree).
func checkRedundantIndex(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionIndexes, true, "") {
		return o
	}
	byTable, _ := comparableIndexes(a, &o)
	btrees := 0
	for _, same := range byTable {
		for ci, c := range same {
			if c.sh.method != "btree" {
				continue
			}
			btrees++
			if best := widerOf(a, same, ci); best != nil {
				o.findings = append(o.findings, redundantFinding(a, c, *best))
			}
		}
	}
	o.observe("%d valid btree %s compared; %d %s a left prefix of another", btrees, plural(btrees, "index", "indexes"),
		len(o.findings), plural(len(o.findings), "is", "are"))
	return o
}

// widerOf returns the index of the same table that makes same[ci] redundant
// (the narrowest, then the most scanned), or nil.
func widerOf(a *analysis, same []shaped, ci int) *shaped {
	c := same[ci]
	x := *c.x
	if x.Primary || x.Constraint != "" || x.ReplicaIdentity || a.tables[x.QualifiedTable()].ReplicaIdentityIndex == x.Name ||
		attached(x) || len(x.ReferencedBy) > 0 {
		return nil
	}
	var best *shaped
	for i := range same {
		d := &same[i]
		if i == ci || !covers(c, *d) {
			continue
		}
		if best == nil || cmp.Or(cmp.Compare(len(d.sh.keys), len(best.sh.keys)), cmp.Compare(best.x.IdxScan, d.x.IdxScan)) < 0 {
			best = d
		}
	}
	return best
}

// covers reports whether index d serves every lookup c does.
func covers(c, d shaped) bool {
	p, q := c.sh, d.sh
	if q.method != "btree" || p.exprs != q.exprs || p.pred != q.pred || len(p.keys) > len(q.keys) ||
		!slices.Equal(p.keys, q.keys[:len(p.keys)]) || !slices.Equal(p.opts, q.opts[:len(p.keys)]) {
		return false
	}
	if len(p.keys) < len(q.keys) {
		return !c.x.Unique && subset(p.include, append(slices.Clone(q.keys), q.include...))
	}
	// Same keys: c is redundant when d includes more, and is unique if c
	// is, treating NULLs the same way and checking at once if c does.
	return !sameSet(p.include, q.include) && subset(p.include, q.include) &&
		(!c.x.Unique || d.x.Unique && p.nnd == q.nnd && (c.x.Deferrable || !d.x.Deferrable))
}

func redundantFinding(a *analysis, c, d shaped) Finding {
	x, y := *c.x, *d.x
	f := finding(workflow.SeverityWarning, x.Qualified(), a.pointInTime)
	f.Message = fmt.Sprintf("%s on (%s) is a left prefix of %s on (%s): the wider index serves every lookup the narrower one does.",
		x.Qualified(), keyList(c.sh), y.Qualified(), keyList(d.sh))
	f.ev("Covered by", y.Qualified())
	f.ev("Keys", keyList(c.sh))
	f.ev("Keys of "+y.Name, keyList(d.sh))
	f.ev("Size (reclaimable)", md.Bytes(x.SizeBytes))
	f.ev("Size of "+y.Name, md.Bytes(y.SizeBytes))
	f.ev("Scans of this index", count(x.IdxScan))
	f.ev("Scans of "+y.Name, count(y.IdxScan))
	f.Why = "Every write maintains both indexes, but a btree index on (a, b) answers lookups on a alone as well: the narrower " +
		"index costs writes and space for lookups the wider one already serves."
	var caveats []string
	f.Remediation, f.Undo, caveats = dropIndex(x)
	f.caveat("%s is larger (%s against %s): lookups that used the narrow index read a wider one after the drop. "+
		"On a hot path, compare the plans first.", y.Name, md.Bytes(y.SizeBytes), md.Bytes(x.SizeBytes))
	if y.IdxScan == 0 {
		f.caveat("%s had no scans in the window either: decide which of the two the queries need before dropping one.", y.Name)
	}
	f.Caveats = append(f.Caveats, caveats...)
	return f
}

// keyList renders an index's keys: columns, with "expr" for expression keys.
func keyList(sh shape) string {
	keys := make([]string, len(sh.keys))
	for i, k := range sh.keys {
		keys[i] = cmp.Or(k, "expr")
		if sh.opts[i] != "" {
			keys[i] += " " + sh.opts[i]
		}
	}
	return strings.Join(keys, ", ")
}
