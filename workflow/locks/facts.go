package locks

import "strings"

// Effect is what a statement does to one relation.
type Effect struct {
	// Relation is the table (or index, or type) as the statement names it.
	Relation string
	Mode     Mode
	// Rewrite is set when the table and its indexes are rewritten.
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
	// transaction block (the CONCURRENTLY forms).
	NoTransaction bool
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
		if e.Rewrite {
			s += "; rewrites the table"
		} else if e.Scan {
			s += "; scans the table"
		}
		parts = append(parts, s+")")
	}
	if len(parts) == 0 {
		return "no lock on existing tables"
	}
	return strings.Join(parts, ", ")
}
