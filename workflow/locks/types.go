package locks

import (
	"strconv"
	"strings"
)

// sqlType is a column type as the schema model spells it ("varchar(64)",
// "numeric(12,2)", "timestamptz", "app.status[]"), taken apart.
type sqlType struct {
	base  string
	mods  []int
	array bool
	// plain is false when the modifiers are not plain integers.
	plain bool
}

func parseType(s string) sqlType {
	s = strings.ToLower(strings.TrimSpace(s))
	t := sqlType{plain: true}
	for strings.HasSuffix(s, "]") {
		i := strings.LastIndexByte(s, '[')
		if i < 0 {
			break
		}
		s, t.array = strings.TrimSpace(s[:i]), true
	}
	if i := strings.IndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		for _, m := range strings.Split(s[i+1:len(s)-1], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(m))
			if err != nil {
				t.plain = false
				continue
			}
			t.mods = append(t.mods, n)
		}
		s = strings.TrimSpace(s[:i])
	}
	t.base = canonicalType(s)
	return t
}

// canonicalType maps the spellings a type may have to one name.
func canonicalType(s string) string {
	switch s {
	case "character varying":
		return "varchar"
	case "decimal":
		return "numeric"
	case "timestamp without time zone":
		return "timestamp"
	case "timestamp with time zone":
		return "timestamptz"
	case "time without time zone":
		return "time"
	case "time with time zone":
		return "timetz"
	case "varbit":
		return "bit varying"
	}
	return s
}

// coercion is what ALTER COLUMN TYPE from one type to another costs.
type coercion int

const (
	needsRewrite coercion = iota
	// binaryCoercible: the stored bytes stay valid; no rewrite.
	binaryCoercible
	// timestampZone: timestamp <-> timestamptz, no rewrite from PostgreSQL
	// 12 when the session TimeZone is UTC.
	timestampZone
)

// maxTimePrecision is the precision of timestamp, time and interval without
// a modifier.
const maxTimePrecision = 6

// coerce tells whether changing a column from type from to type to rewrites
// the table. It knows the safe list of strong_migrations: varchar(n) to
// varchar(m >= n), varchar or text; text to varchar; numeric(p,s) to
// numeric(p' >= p, s) or numeric; timestamp <-> timestamptz; a precision
// increase of timestamp, timestamptz, time and timetz; bit varying(n) to a
// larger or unbounded bit varying; cidr to inet. Anything else, including
// arrays of these types, rewrites.
func coerce(from, to string) coercion {
	a, b := parseType(from), parseType(to)
	if a.base == b.base && a.array == b.array && equalMods(a.mods, b.mods) && a.plain && b.plain {
		return binaryCoercible // no change at all
	}
	if a.array || b.array || !a.plain || !b.plain {
		return needsRewrite
	}
	switch {
	case a.base == "varchar" && (b.base == "text" || b.base == "varchar"),
		a.base == "bit varying" && b.base == "bit varying":
		if b.base == "text" || lengthFits(a.mods, b.mods) {
			return binaryCoercible
		}
	case a.base == "text" && b.base == "varchar":
		if len(b.mods) == 0 {
			return binaryCoercible
		}
	case a.base == "numeric" && b.base == "numeric":
		if numericFits(a.mods, b.mods) {
			return binaryCoercible
		}
	case a.base == "cidr" && b.base == "inet":
		return binaryCoercible
	case isTimestamp(a.base) && isTimestamp(b.base):
		if !precisionFits(a.mods, b.mods) {
			return needsRewrite
		}
		if a.base != b.base {
			return timestampZone
		}
		return binaryCoercible
	case (a.base == "time" || a.base == "timetz") && a.base == b.base:
		if precisionFits(a.mods, b.mods) {
			return binaryCoercible
		}
	}
	return needsRewrite
}

func isTimestamp(base string) bool { return base == "timestamp" || base == "timestamptz" }

func equalMods(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lengthFits: a length limit may grow or go away, never shrink or appear.
func lengthFits(from, to []int) bool {
	switch {
	case len(to) == 0:
		return true
	case len(from) == 0:
		return false
	}
	return to[0] >= from[0]
}

// numericFits: precision may grow with the same scale, or the limit may go.
func numericFits(from, to []int) bool {
	if len(to) == 0 {
		return true
	}
	if len(from) == 0 {
		return false
	}
	scale := func(m []int) int {
		if len(m) > 1 {
			return m[1]
		}
		return 0
	}
	return to[0] >= from[0] && scale(to) == scale(from)
}

// precisionFits: fractional-second precision may grow or go to the maximum.
func precisionFits(from, to []int) bool {
	if len(to) == 0 || to[0] >= maxTimePrecision {
		return true
	}
	if len(from) == 0 {
		return false
	}
	return to[0] >= from[0]
}

// TypeChange is what ALTER COLUMN ... TYPE does to the rows already stored.
type TypeChange int

// The outcomes of a type change.
const (
	// TypeChangeRewrites: the table and its indexes are rewritten (or the
	// change is not proven otherwise).
	TypeChangeRewrites TypeChange = iota
	// TypeChangeCoercible: the old type is binary-coercible to the new one;
	// only the catalog changes.
	TypeChangeCoercible
	// TypeChangeCoercibleInUTC: timestamp <-> timestamptz on PostgreSQL 12+,
	// which skips the rewrite only when the session TimeZone is UTC.
	TypeChangeCoercibleInUTC
)

// ClassifyTypeChange tells what changing a column from one type to another
// (as schema.TypeString writes them) costs on a server version. The rules
// and the lock table share it, so a finding and its lock facts agree.
func ClassifyTypeChange(from, to string, pg int) TypeChange {
	switch coerce(from, to) {
	case binaryCoercible:
		return TypeChangeCoercible
	case timestampZone:
		if pg >= 12 {
			return TypeChangeCoercibleInUTC
		}
	}
	return TypeChangeRewrites
}
