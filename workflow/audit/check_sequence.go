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
	used := (float64(base) - float64(last) + 1) / (float64(base) - float64(lower) + 1)
	narrow := lower >= math.MinInt32
	sev, ok := sequenceSeverity(used, narrow)
	if !ok {
		return Finding{}, false
	}
	obj := qualify(sq.Schema, sq.Name)
	f := finding(sev, obj, a.pointInTime)
	what := fmt.Sprintf("its own minimum (%s)", count(lower))
	if byColumn {
		what = fmt.Sprintf("the %s minimum of the column it feeds, %s (%s)", sq.ColumnType, sq.OwnedBy, count(lower))
	}
	left := min(last, base+1) - lower
	f.Message = fmt.Sprintf("%s counts down and has used %s of the way to %s: %s values left.", obj, percent(used), what, count(left))
	f.ev("Last value", count(last))
	f.ev("Limit", count(lower))
	f.ev("Used", percent(used))
	f.ev("Values left", count(left))
	f.ev("Increment", count(sq.Increment))
	f.Why = "When a descending sequence reaches its minimum, or feeds a column that cannot hold its next value, every insert that " +
		"needs a new value fails."
	seq := quoted(sq.Schema, sq.Name)
	if sq.DataType != "" && !strings.EqualFold(sq.DataType, "bigint") && !byColumn {
		f.Remediation = fmt.Sprintf("ALTER SEQUENCE %s AS bigint NO MINVALUE;", seq)
		f.Undo = fmt.Sprintf("ALTER SEQUENCE %s AS %s MINVALUE %d;  -- fails once last_value is below it", seq, sq.DataType, sq.MinValue)
	} else {
		f.caveat("Widen the column it feeds (and the sequence) to bigint, or move to an ascending sequence.")
	}
	f.caveat("A single snapshot gives no consumption rate: two snapshots apart in time say how long the values left will last.")
	return f, true
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
	var last int64
	if sq.LastValue != nil {
		last = *sq.LastValue
	} else {
		last = base - 1 // readable but never used: nothing consumed
	}
	if limit <= base {
		return Finding{}, false
	}
	used := (float64(last) - float64(base) + 1) / (float64(limit) - float64(base) + 1)
	narrow := limit <= math.MaxInt32
	sev, ok := sequenceSeverity(used, narrow)
	if !ok {
		return Finding{}, false
	}
	obj := qualify(sq.Schema, sq.Name)
	f := finding(sev, obj, a.pointInTime)
	what := fmt.Sprintf("its own maximum (%s)", count(limit))
	if byColumn {
		what = fmt.Sprintf("the %s maximum of the column it feeds, %s (%s)", sq.ColumnType, sq.OwnedBy, count(limit))
		if sq.MaxValue > limit {
			what += fmt.Sprintf("; the %s sequence itself could go on to %s", cmpNone(sq.DataType), count(sq.MaxValue))
		}
	}
	f.Message = fmt.Sprintf("%s has used %s of %s: %s values left.", obj, percent(used), what, count(limit-max(last, base-1)))
	f.ev("Last value", count(last))
	f.ev("Limit", count(limit))
	f.ev("Limited by", map[bool]string{true: "column type " + sq.ColumnType, false: "sequence maximum"}[byColumn])
	f.ev("Used", percent(used))
	f.ev("Values left", count(limit-max(last, base-1)))
	f.ev("Sequence type", cmpNone(sq.DataType))
	if sq.OwnedBy != "" {
		f.ev("Feeds", fmt.Sprintf("%s (%s)", sq.OwnedBy, cmpNone(sq.ColumnType)))
	}
	f.ev("Increment", count(sq.Increment))
	f.Why = "When a sequence reaches its limit, or feeds a column that cannot hold its next value, every insert that needs a " +
		"new value fails. For a primary key that stops all writes to the table until the type is changed."
	seq := quoted(sq.Schema, sq.Name)
	seqNarrow := sq.DataType != "" && !strings.EqualFold(sq.DataType, "bigint")
	switch {
	case byColumn:
		table, column := splitOwner(sq.OwnedBy)
		var r, u strings.Builder
		if seqNarrow {
			fmt.Fprintf(&r, "ALTER SEQUENCE %s AS bigint;\n", seq)
		}
		fmt.Fprintf(&r, "-- Rewrites %s and its indexes under an ACCESS EXCLUSIVE lock (no reads, no writes) until it is done:\n", table)
		fmt.Fprintf(&r, "ALTER TABLE %s ALTER COLUMN %s TYPE bigint;", table, column)
		fmt.Fprintf(&u, "-- Another rewrite, and it fails once a value above the %s maximum exists:\n", sq.ColumnType)
		fmt.Fprintf(&u, "ALTER TABLE %s ALTER COLUMN %s TYPE %s;", table, column, sq.ColumnType)
		if seqNarrow {
			fmt.Fprintf(&u, "\nALTER SEQUENCE %s AS %s;", seq, sq.DataType)
		}
		f.Remediation, f.Undo = r.String(), u.String()
		f.caveat("The column type change rewrites the whole table. On a large or busy table, plan the online path instead: a new " +
			"bigint column filled in batches and swapped in with a short lock (pgrollout's Migration stage plans such changes).")
		f.caveat("Columns that reference this one (foreign keys, copies in other tables) need the same change.")
	case sq.MaxValue < typeMaxOr(sq.DataType, math.MaxInt64):
		f.Remediation = fmt.Sprintf("-- The maximum was set on purpose: check what consumes these numbers (fixed-width formats, other systems) first.\n"+
			"ALTER SEQUENCE %s NO MAXVALUE;", seq)
		f.Undo = fmt.Sprintf("ALTER SEQUENCE %s MAXVALUE %d;  -- fails once last_value is above it", seq, sq.MaxValue)
	case !seqNarrow:
		f.caveat("A bigint sequence at its own limit has no wider type to move to: look at what consumes values this fast " +
			"(a large INCREMENT or CACHE, retried inserts) before anything else.")
	default:
		f.Remediation = fmt.Sprintf("ALTER SEQUENCE %s AS bigint;", seq)
		f.Undo = fmt.Sprintf("ALTER SEQUENCE %s AS %s;  -- fails once last_value is above its maximum", seq, cmpNone(sq.DataType))
		if sq.OwnedBy == "" {
			f.caveat("The snapshot does not say which column the sequence feeds: that column must hold the larger values too.")
		}
	}
	if sq.Cycle {
		f.caveat("The sequence cycles: at its maximum it starts again from its minimum, and a key fed by it then collides with existing rows.")
	}
	f.caveat("A single snapshot gives no consumption rate: two snapshots apart in time say how long the values left will last.")
	return f, true
}

// splitOwner splits "schema.table.column" (or "table.column") into the
// quoted table and column.
func splitOwner(owner string) (table, column string) {
	i := strings.LastIndex(owner, ".")
	if i < 0 {
		return "<table>", quoted("", owner)
	}
	t := owner[:i]
	if j := strings.Index(t, "."); j >= 0 {
		return quoted(t[:j], t[j+1:]), quoted("", owner[i+1:])
	}
	return quoted("", t), quoted("", owner[i+1:])
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
