package audit

import (
	"fmt"
	"math"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of sequence-exhaustion, as a share of the tighter of the
// sequence's maximum and the fed column's type maximum (reference §3, §4.9).
const (
	// seqCritical and seqWarn are check_postgres's 95 % and 85 %.
	seqCritical = 0.95
	seqWarn     = 0.85
	// seqWarnNarrow: pgrollout warns from 50 % when the limit is a
	// smallint or integer: the fix (ALTER COLUMN ... TYPE bigint) rewrites
	// the table and needs lead time.
	seqWarnNarrow = 0.50
	// seqNote: postgres-checkup L003 reports int2/int4 key capacity above
	// 10 %.
	seqNote = 0.10
)

// typeMax is the largest value of an integer type, and false for other
// types.
func typeMax(t string) (int64, bool) {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "smallint", "int2", "smallserial":
		return math.MaxInt16, true
	case "integer", "int", "int4", "serial":
		return math.MaxInt32, true
	case "bigint", "int8", "bigserial":
		return math.MaxInt64, true
	}
	return 0, false
}

// checkSequenceExhaustion measures how much of its range each ascending
// sequence has used, against the tighter of the sequence's own maximum and
// the maximum of the column type it feeds (a bigint sequence feeding an
// integer column overflows at 2^31 - 1). A sequence whose last_value the
// role may not read gives no figure: the check is then degraded and names it.
func checkSequenceExhaustion(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionSequences, len(a.s.Sequences) > 0, "the snapshot has no sequences (collected live only)") {
		return o
	}
	var unreadable []string
	measured := 0
	for _, sq := range a.s.Sequences {
		if sq.LastValue == nil && !sq.Readable {
			unreadable = append(unreadable, qualify(sq.Schema, sq.Name))
			continue
		}
		measured++
		find := sequenceFinding
		if sq.Increment < 0 {
			find = descendingFinding
		}
		if f, ok := find(a, sq); ok {
			o.findings = append(o.findings, f)
		}
	}
	if len(unreadable) > 0 {
		o.degrade(fmt.Sprintf("%s cannot be read by %s (pg_sequences.last_value is NULL without SELECT or USAGE on the sequence; "+
			"pg_read_all_data grants it): %s", md.Plural(len(unreadable), "sequence", "sequences"),
			a.role(), strings.Join(unreadable, ", ")))
	}
	o.observe("%d %s measured against the tighter of the sequence's and the column type's limit (the minimum, for descending ones)",
		measured, plural(measured, "sequence", "sequences"))
	return o
}

// sequenceSeverity grades the share of its range a sequence has used; narrow
// is set when the limit is integer-sized or smaller. false: below every
// threshold.
func sequenceSeverity(used float64, narrow bool) (workflow.Severity, bool) {
	switch {
	case used >= seqCritical:
		return workflow.SeverityError, true
	case used >= seqWarn, narrow && used >= seqWarnNarrow:
		return workflow.SeverityWarning, true
	case narrow && used >= seqNote:
		return workflow.SeverityInfo, true
	}
	return "", false
}

// descendingFinding measures a descending sequence: from its start (or
// maximum) down to the tighter of its minimum and the column type's
// minimum, with the same thresholds as an ascending one.
func descendingFinding(a *analysis, sq SequenceStats) (Finding, bool) {
	lower, byColumn := sq.MinValue, false
	if cm, ok := typeMax(sq.ColumnType); ok && cm < math.MaxInt64 && -cm-1 >= lower {
		lower, byColumn = -cm-1, true
	}
	base := sq.MaxValue
	if !sq.Cycle && sq.StartValue != 0 && sq.StartValue < sq.MaxValue {
		base = sq.StartValue
	}
	last := base + 1 // readable but never used: nothing consumed
	if sq.LastValue != nil {
		last = *sq.LastValue
	}
	if base <= lower {
		return Finding{}, false
	}
	return exhaustionFinding(a, sq, seqUse{
		down: true, limit: lower, byColumn: byColumn, last: last,
		used: (float64(base) - float64(last) + 1) / (float64(base) - float64(lower) + 1),
		left: max(min(last, base+1)-lower, 0), // failed calls still count down
	})
}

// sequenceFinding returns the finding on one readable sequence, and false
// below every threshold.
func sequenceFinding(a *analysis, sq SequenceStats) (Finding, bool) {
	limit, byColumn := sq.MaxValue, false
	if cm, ok := typeMax(sq.ColumnType); ok && cm <= limit && cm < math.MaxInt64 {
		limit, byColumn = cm, true
	}
	// Values are consumed from the start value on (from the minimum once
	// a cycling sequence wraps): a sequence that starts at 1 with a
	// negative MINVALUE has used nothing below 1.
	base := sq.MinValue
	if !sq.Cycle && sq.StartValue > sq.MinValue {
		base = sq.StartValue
	}
	last := base - 1 // readable but never used: nothing consumed
	if sq.LastValue != nil {
		last = *sq.LastValue
	}
	if limit <= base {
		return Finding{}, false
	}
	return exhaustionFinding(a, sq, seqUse{
		limit: limit, byColumn: byColumn, last: last,
		used: (float64(last) - float64(base) + 1) / (float64(limit) - float64(base) + 1),
		left: max(limit-max(last, base-1), 0), // failed calls still count up
	})
}

// seqUse is how far a sequence has gone towards the value it cannot pass.
type seqUse struct {
	// down is set for a descending sequence, whose limit is a minimum.
	down bool
	// limit is the tighter of the sequence's own limit and the column
	// type's (byColumn).
	limit    int64
	byColumn bool
	last     int64
	used     float64
	left     int64
}

// exhaustionFinding grades and words the finding on a sequence's use, and
// false below every threshold.
func exhaustionFinding(a *analysis, sq SequenceStats, u seqUse) (Finding, bool) {
	end, otherEnd, other, counts := "maximum", "minimum", sq.MinValue, ""
	narrow := u.limit <= math.MaxInt32
	own, ownLimit := sq.MaxValue, "its own maximum"
	if u.down {
		end, otherEnd, other, counts = "minimum", "maximum", sq.MaxValue, "counts down and "
		narrow = u.limit >= math.MinInt32
		own, ownLimit = sq.MinValue, "its own minimum"
	}
	sev, ok := sequenceSeverity(u.used, narrow)
	if !ok {
		return Finding{}, false
	}
	// A cycling sequence wraps at its own limit; a column type inside it
	// fails first.
	wraps := sq.Cycle && u.limit == own
	unique := ""
	if wraps {
		sev, unique = cycleSeverity(a, sq, sev)
	}
	obj := qualify(sq.Schema, sq.Name)
	f := finding(sev, obj, a.pointInTime)
	what := fmt.Sprintf("%s (%s)", ownLimit, count(u.limit))
	if u.byColumn {
		what = fmt.Sprintf("the %s %s of the column it feeds, %s (%s)", sq.ColumnType, end, sq.OwnedBy, count(u.limit))
		if !u.down && sq.MaxValue > u.limit {
			what += fmt.Sprintf("; the %s sequence itself could go on to %s", cmpNone(sq.DataType), count(sq.MaxValue))
		}
	}
	switch {
	case wraps:
		f.Message = fmt.Sprintf("%s cycles: it %shas used %s of the way to its %s (%s), where it wraps around to its %s (%s) "+
			"and hands out the same values again instead of failing: %s values left before it does.%s",
			obj, counts, percent(u.used), end, count(u.limit), otherEnd, count(other), count(u.left), cycleConsequence(sq, unique))
		f.Why = cycleWhy
	case u.down:
		f.Message = fmt.Sprintf("%s counts down and has used %s of the way to %s: %s values left.", obj, percent(u.used), what, count(u.left))
		f.Why = "When a descending sequence reaches its minimum, or feeds a column that cannot hold its next value, every insert that " +
			"needs a new value fails."
	default:
		f.Message = fmt.Sprintf("%s has used %s of %s: %s values left.", obj, percent(u.used), what, count(u.left))
		f.Why = "When a sequence reaches its limit, or feeds a column that cannot hold its next value, every insert that needs a " +
			"new value fails. For a primary key that stops all writes to the table until the type is changed."
	}
	f.ev("Last value", count(u.last))
	f.ev("Limit", count(u.limit))
	f.ev("Limited by", map[bool]string{true: "column type " + sq.ColumnType, false: "sequence " + end}[u.byColumn])
	f.ev("Used", percent(u.used))
	f.ev("Values left", count(u.left))
	f.ev("Sequence type", cmpNone(sq.DataType))
	if sq.OwnedBy != "" {
		f.ev("Feeds", fmt.Sprintf("%s (%s)", sq.OwnedBy, cmpNone(sq.ColumnType)))
	}
	f.ev("Increment", count(sq.Increment))
	if unique != "" {
		f.ev("Unique index on the column", unique)
	}
	sequenceRemedy(&f, sq, u.byColumn, !u.down)
	cycleCaveat(&f, sq, wraps, end)
	f.caveat("A single snapshot gives no consumption rate: two snapshots apart in time say how long the values left will last.")
	return f, true
}

// cycleWhy is the Why of a finding on a sequence that wraps.
const cycleWhy = "A CYCLE sequence does not fail at its limit: nextval starts again from the other end and returns values it has " +
	"returned before. A column that must hold unique values then rejects every insert that draws one still in use; any other " +
	"column silently gets repeated values, and anything that takes the numbers as increasing sees them go back."

// cycleSeverity grades a sequence that wraps instead of failing: a warning
// (at most) when the column it feeds has a unique index on it alone, which
// it names, since inserts then fail on the values still in use; else
// information.
func cycleSeverity(a *analysis, sq SequenceStats, sev workflow.Severity) (workflow.Severity, string) {
	unique := uniqueIndexOn(a, sq)
	switch {
	case unique == "":
		return workflow.SeverityInfo, ""
	case sev == workflow.SeverityError:
		return workflow.SeverityWarning, unique
	}
	return sev, unique
}

// cycleConsequence says what the wrap does to the column the sequence
// feeds, given the unique index on it ("" when none is known).
func cycleConsequence(sq SequenceStats, unique string) string {
	switch {
	case unique != "":
		return fmt.Sprintf(" %s has a unique index on it (%s): once the values come round again, each insert that draws one "+
			"still in use fails with a unique violation.", sq.OwnedBy, unique)
	case sq.OwnedBy != "":
		return fmt.Sprintf(" No unique index of the snapshot is on %s alone: repeated values do not fail there.", sq.OwnedBy)
	}
	return " The snapshot does not say which column it feeds: if that column is unique, inserts fail once values still in use come round again."
}

// cycleCaveat notes a sequence's CYCLE: intended or not when it wraps, and
// of no help when the column type runs out first.
func cycleCaveat(f *Finding, sq SequenceStats, wraps bool, limit string) {
	switch {
	case wraps:
		f.caveat("If the wrap is intended (the old values are gone by the time they come round again), there is nothing to change; " +
			"otherwise the remediation widens the range it wraps at.")
	case sq.Cycle:
		f.caveat("The sequence cycles, but only at its own %s: the column type runs out first, so inserts fail before it wraps.", limit)
	}
}

// sequenceRemedy sets the remediation and undo that widen the limit a
// sequence runs into (up: ascending, at its maximum; else descending, at
// its minimum): the column type when that is the limit, the sequence's
// own bound when it was set on purpose, else the sequence's type.
func sequenceRemedy(f *Finding, sq SequenceStats, byColumn, up bool) {
	seq := quoted(sq.Schema, sq.Name)
	seqNarrow := sq.DataType != "" && !strings.EqualFold(sq.DataType, "bigint")
	typeMin := -typeMaxOr(sq.DataType, math.MaxInt64) - 1
	switch {
	case byColumn:
		widenColumn(f, sq, seqNarrow, up)
	case up && sq.MaxValue < typeMaxOr(sq.DataType, math.MaxInt64):
		f.Remediation = fmt.Sprintf("-- The maximum was set on purpose: check what consumes these numbers (fixed-width formats, other systems) first.\n"+
			"ALTER SEQUENCE %s NO MAXVALUE;", seq)
		f.Undo = fmt.Sprintf("ALTER SEQUENCE %s MAXVALUE %d;  -- fails once last_value is above it", seq, sq.MaxValue)
	case !up && sq.MinValue > typeMin:
		f.Remediation = fmt.Sprintf("-- The minimum was set on purpose: check what consumes these numbers (fixed-width formats, other systems) first.\n"+
			"ALTER SEQUENCE %s NO MINVALUE;", seq)
		f.Undo = fmt.Sprintf("ALTER SEQUENCE %s MINVALUE %d;  -- fails once last_value is below it", seq, sq.MinValue)
	case !seqNarrow:
		f.caveat("A bigint sequence at its own limit has no wider type to move to: look at what consumes values this fast " +
			"(a large INCREMENT or CACHE, retried inserts) before anything else.")
	case up:
		f.Remediation = fmt.Sprintf("ALTER SEQUENCE %s AS bigint;", seq)
		f.Undo = fmt.Sprintf("ALTER SEQUENCE %s AS %s;  -- fails once last_value is above its maximum", seq, cmpNone(sq.DataType))
		if sq.OwnedBy == "" {
			f.caveat("The snapshot does not say which column the sequence feeds: that column must hold the larger values too.")
		}
	default:
		f.Remediation = fmt.Sprintf("ALTER SEQUENCE %s AS bigint NO MINVALUE;", seq)
		f.Undo = fmt.Sprintf("ALTER SEQUENCE %s AS %s MINVALUE %d;  -- fails once last_value is below it", seq, sq.DataType, sq.MinValue)
	}
}

// widenColumn sets the remediation that moves the column a sequence feeds
// (and a narrower sequence) to bigint, and its undo.
func widenColumn(f *Finding, sq SequenceStats, seqNarrow, up bool) {
	seq := quoted(sq.Schema, sq.Name)
	table, column := ownerSQL(sq)
	var r, u strings.Builder
	if seqNarrow {
		fmt.Fprintf(&r, "ALTER SEQUENCE %s AS bigint;\n", seq)
	}
	fmt.Fprintf(&r, "-- Rewrites %s and its indexes under an ACCESS EXCLUSIVE lock (no reads, no writes) until it is done:\n", table)
	fmt.Fprintf(&r, "ALTER TABLE %s ALTER COLUMN %s TYPE bigint;", table, column)
	bound := "a value above the " + sq.ColumnType + " maximum"
	if !up {
		bound = "a value below the " + sq.ColumnType + " minimum"
	}
	fmt.Fprintf(&u, "-- Another rewrite, and it fails once %s exists:\n", bound)
	fmt.Fprintf(&u, "ALTER TABLE %s ALTER COLUMN %s TYPE %s;", table, column, sq.ColumnType)
	if seqNarrow {
		fmt.Fprintf(&u, "\nALTER SEQUENCE %s AS %s;", seq, sq.DataType)
	}
	f.Remediation, f.Undo = r.String(), u.String()
	f.caveat("The column type change rewrites the whole table. On a large or busy table, plan the online path instead: a new " +
		"bigint column filled in batches and swapped in with a short lock (pgrollout's Migration stage plans such changes).")
	f.caveat("Columns that reference this one (foreign keys, copies in other tables) need the same change.")
	if sq.OwnerTable == "" && strings.Count(sq.OwnedBy, ".") > 2 {
		f.caveat("The snapshot names the column only as %s, whose dots may belong to the names themselves: check the table and "+
			"column in these statements.", sq.OwnedBy)
	}
}

// ownerSQL returns the quoted table and column a sequence feeds: from
// owner_schema, owner_table and owner_column, or, in a snapshot without
// them, split from owned_by ("schema.table.column" or "table.column").
func ownerSQL(sq SequenceStats) (table, column string) {
	schema, name, col := ownerParts(sq)
	if name == "" {
		return "<table>", quoted("", col)
	}
	return quoted(schema, name), quoted("", col)
}

// ownerParts returns the schema, table and column a sequence feeds,
// unquoted; see ownerSQL.
func ownerParts(sq SequenceStats) (schema, table, column string) {
	if sq.OwnerTable != "" {
		return sq.OwnerSchema, sq.OwnerTable, sq.OwnerColumn
	}
	owner := sq.OwnedBy
	i := strings.LastIndex(owner, ".")
	if i < 0 {
		return "", "", owner
	}
	t := owner[:i]
	if j := strings.Index(t, "."); j >= 0 {
		return t[:j], t[j+1:], owner[i+1:]
	}
	return "", t, owner[i+1:]
}

// uniqueIndexOn names a valid, non-partial unique index (a primary key
// included) whose only key is the column the sequence feeds, "" when the
// snapshot shows none.
func uniqueIndexOn(a *analysis, sq SequenceStats) string {
	schema, table, column := ownerParts(sq)
	if table == "" {
		return ""
	}
	for _, x := range a.indexesOn(qualify(schema, table)) {
		sh, ok := shapeOf(x)
		if ok && x.Unique && x.Valid && sh.pred == "" && len(sh.keys) == 1 && sh.keys[0] == column {
			return x.Name
		}
	}
	return ""
}

func typeMaxOr(t string, fallback int64) int64 {
	if m, ok := typeMax(t); ok {
		return m
	}
	return fallback
}

func cmpNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
