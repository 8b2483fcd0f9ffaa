package locks

import "strings"

// Effect is what a statement does to one relation.
type Effect struct {
	// Relation is the table (or index, or type) as the statement names it.
	Relation string
	// Role says which of the statement's relations it is: its target, a
	// referenced table, an index ...
	Role Role
	Mode Mode
	// Rewrite is set when the relation is rewritten into new files (a
	// table with its indexes).
	Rewrite bool
	// Scan is set when the whole table is read while the lock is held.
	Scan bool
	// Note states the conditions the facts depend on, if any.
	Note string
}

// Facts are everything the lock table says about one statement.
type Facts struct {
	Effects []Effect
	// NoTransaction is set for statements PostgreSQL refuses inside a
	// transaction block (the CONCURRENTLY forms, VACUUM, ...).
	NoTransaction bool
	// Rows lists the lock table rows the facts come from, in statement
	// order (several for a multi-subcommand ALTER TABLE); empty for
	// statements the table does not cover.
	Rows []Kind
}

// Rewrites reports whether the statement rewrites any relation.
func (f Facts) Rewrites() bool {
	for _, e := range f.Effects {
		if e.Rewrite {
			return true
		}
	}
	return false
}

// Scans reports whether the statement reads a whole relation under its lock.
func (f Facts) Scans() bool {
	for _, e := range f.Effects {
		if e.Scan {
			return true
		}
	}
	return false
}

// Effect returns the effect on a relation ("orders" and "public.orders" are
// the same relation).
func (f Facts) Effect(relation string) (Effect, bool) {
	for _, e := range f.Effects {
		if sameRelation(e.Relation, relation) {
			return e, true
		}
	}
	return Effect{}, false
}

// Strictest returns the effect with the strongest lock, preferring one that
// rewrites or scans when modes tie.
func (f Facts) Strictest() (Effect, bool) {
	if len(f.Effects) == 0 {
		return Effect{}, false
	}
	best := f.Effects[0]
	for _, e := range f.Effects[1:] {
		if e.Mode > best.Mode || (e.Mode == best.Mode && weight(e) > weight(best)) {
			best = e
		}
	}
	return best, true
}

func weight(e Effect) int {
	w := 0
	if e.Rewrite {
		w += 2
	}
	if e.Scan {
		w++
	}
	return w
}

// Summary renders the facts in one line: "ACCESS EXCLUSIVE on orders (blocks
// reads and writes; rewrites the table)".
func (f Facts) Summary() string {
	var parts []string
	for _, e := range f.Effects {
		if e.Mode == None {
			continue
		}
		s := e.Mode.String() + " on " + e.Relation + " (blocks " + e.Mode.Blocks()
		what := "table"
		if e.Role == RoleIndex {
			what = "index"
		}
		if e.Rewrite {
			s += "; rewrites the " + what
		} else if e.Scan {
			s += "; scans the " + what
		}
		parts = append(parts, s+")")
	}
	if len(parts) == 0 {
		return "no lock on existing tables"
	}
	return strings.Join(parts, ", ")
}
