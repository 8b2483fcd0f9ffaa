package layout

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// pkg is a plan being laid out.
type pkg struct {
	plan    migration.Plan
	layout  Layout
	planned time.Time
	// name is the plan's name as a file-name slug.
	name string
	// steps are the plan's steps with File set.
	steps []migration.Step
	// parsed holds each step's statements, by index.
	parsed [][]schema.Statement
	// undo holds each step's rollback statements, by index.
	undo [][]stmt
	// created holds the tables the plan creates (lower case, as named and
	// unqualified).
	created map[string]bool
	units   []unit
}

// unit is one forward file of the package: the steps it runs.
type unit struct {
	// num numbers the file from 1.
	num int
	// desc is the file's description ("checkout_core_backfill").
	desc  string
	phase migration.Phase
	// steps index pkg.steps.
	steps []int
}

// stmt is one statement the package runs, with how it must run.
type stmt struct {
	// sql ends with a semicolon.
	sql string
	// tx is false for statements PostgreSQL refuses in a transaction block.
	tx                       bool
	lockTimeout, stmtTimeout string
	// blocking names the traffic-blocking lock the statement takes
	// ("ACCESS EXCLUSIVE on orders"), empty when it takes none.
	blocking string
	// notice marks the DO block that reports an irreversible step.
	notice bool
}

func newPackage(p migration.Plan, l Layout, o Options) (*pkg, error) {
	planned := o.Planned.UTC().Truncate(time.Second)
	if o.Planned.IsZero() {
		planned = time.Unix(0, 0).UTC()
	}
	if p.PGVersion == 0 {
		p.PGVersion = review.DefaultPGVersion
	}
	pk := &pkg{plan: p, layout: l, planned: planned, name: slug(p.Name, "change"),
		steps: slices.Clone(p.Steps), created: map[string]bool{}}
	pk.parsed = make([][]schema.Statement, len(pk.steps))
	pk.undo = make([][]stmt, len(pk.steps))
	for i := range pk.steps {
		s := &pk.steps[i]
		s.File = ""
		if s.SQL != "" {
			stmts, err := schema.Split(fmt.Sprintf("step %d", s.N), s.SQL)
			if err != nil {
				return nil, fmt.Errorf("layout: step %d: %w", s.N, err)
			}
			pk.parsed[i] = stmts
			for _, st := range stmts {
				if cs := st.Node.GetCreateStmt(); cs != nil {
					pk.created[strings.ToLower(rule.RelName(cs.Relation).String())] = true
					pk.created[strings.ToLower(cs.Relation.GetRelname())] = true
				}
			}
		}
		if strings.TrimSpace(s.Rollback) != "" {
			stmts, err := schema.Split(fmt.Sprintf("rollback of step %d", s.N), s.Rollback)
			if err != nil {
				return nil, fmt.Errorf("layout: rollback of step %d: %w", s.N, err)
			}
			for _, st := range stmts {
				pk.undo[i] = append(pk.undo[i], undoStmt(st, pk.plan.PGVersion))
			}
		}
	}
	switch l {
	case Plain:
		pk.units = pk.phaseUnits()
	case GolangMigrate, Flyway:
		pk.units = pk.runnerUnits()
	case Sqitch:
		pk.units = pk.stepUnits()
	}
	for _, u := range pk.units {
		for _, i := range u.steps {
			pk.steps[i].File = pk.forwardName(u)
		}
	}
	return pk, nil
}

// undoStmt classifies one rollback statement: whether it may run in a
// transaction, and its timeouts by the same rules as the plan's steps.
func undoStmt(st schema.Statement, pg int) stmt {
	f := locks.Classify(st, nil, pg)
	out := stmt{sql: st.Text + ";", tx: !f.NoTransaction, lockTimeout: "1s", stmtTimeout: "5s"}
	strongest, ok := f.Strictest()
	if !ok || !strongest.Mode.Dangerous() {
		out.lockTimeout = "1min"
	} else {
		out.blocking = strongest.Mode.String() + " on " + strongest.Relation
	}
	if f.Scans() || f.Rewrites() || f.NoTransaction {
		out.stmtTimeout = "1h"
	}
	return out
}

// forward is a step's SQL as one statement to run.
func forward(s migration.Step) stmt {
	out := stmt{sql: strings.TrimSpace(s.SQL), tx: s.Transactional, lockTimeout: s.LockTimeout, stmtTimeout: s.StatementTimeout}
	for _, l := range s.Locks {
		if parseMode(l.Mode).Dangerous() {
			out.blocking = l.Mode + " on " + l.Relation
			break
		}
	}
	return out
}

// parseMode reads a lock mode as Mode.String renders it.
func parseMode(s string) locks.Mode {
	for m := locks.None; m <= locks.AccessExclusive; m++ {
		if m.String() == s {
			return m
		}
	}
	return locks.None
}

// phaseUnits is the plain layout: one file per phase with SQL steps.
func (pk *pkg) phaseUnits() []unit {
	var units []unit
	for _, ph := range migration.Phases() {
		u := unit{phase: ph, desc: pk.name}
		if ph != migration.PhasePreDeploy {
			u.desc += "_" + slug(string(ph), "")
		}
		for i, s := range pk.steps {
			if s.Phase == ph && s.SQL != "" {
				u.steps = append(u.steps, i)
			}
		}
		if len(u.steps) > 0 {
			u.num = len(units) + 1
			units = append(units, u)
		}
	}
	return units
}

// runnerUnits is the golang-migrate and Flyway grouping: consecutive
// transactional steps of one phase share a file (one transaction); a step
// that must not share one runs alone (see alone).
func (pk *pkg) runnerUnits() []unit {
	var units []unit
	var cur *unit
	flush := func() {
		if cur != nil {
			units = append(units, *cur)
			cur = nil
		}
	}
	for i, s := range pk.steps {
		if s.SQL == "" {
			flush()
			continue
		}
		if pk.alone(i) {
			flush()
			units = append(units, unit{phase: s.Phase, steps: []int{i}})
			continue
		}
		if cur != nil && cur.phase != s.Phase {
			flush()
		}
		if cur == nil {
			cur = &unit{phase: s.Phase}
		}
		cur.steps = append(cur.steps, i)
	}
	flush()
	used := map[string]bool{}
	for k := range units {
		u := &units[k]
		u.num = k + 1
		d := pk.name + "_" + slug(string(u.phase), "")
		if len(u.steps) == 1 {
			d = pk.name + "_" + slug(pk.steps[u.steps[0]].Title, "step")
		}
		u.desc = unique(d, used)
	}
	return units
}

// stepUnits is the sqitch layout: one change per step.
func (pk *pkg) stepUnits() []unit {
	var units []unit
	used := map[string]bool{}
	for i, s := range pk.steps {
		if s.SQL == "" {
			continue
		}
		units = append(units, unit{num: len(units) + 1, phase: s.Phase, steps: []int{i}, desc: unique(slug(s.Title, "step"), used)})
	}
	return units
}

// alone reports whether a step needs a file (one transaction) of its own
// in a layout whose runner wraps a multi-statement file in a transaction:
// statements PostgreSQL refuses in a transaction block; long scans or
// rewrites of existing tables (every lock taken earlier in the file would be
// held meanwhile); unsafe steps; new enum values (usable only once
// committed); and steps whose inverse cannot run in a transaction, since the
// file's down script would be one.
func (pk *pkg) alone(i int) bool {
	s := pk.steps[i]
	if !s.Transactional || s.Unsafe {
		return true
	}
	if s.Scan || s.Rewrite {
		for _, l := range s.Locks {
			if (l.Scan || l.Rewrite) && !pk.isCreated(l.Relation) {
				return true
			}
		}
	}
	for _, st := range pk.parsed[i] {
		if ae := st.Node.GetAlterEnumStmt(); ae != nil && ae.OldVal == "" {
			return true
		}
	}
	for _, u := range pk.undo[i] {
		if !u.tx {
			return true
		}
	}
	return false
}

// isCreated reports whether the plan itself creates the relation.
func (pk *pkg) isCreated(rel string) bool { return pk.created[strings.ToLower(rel)] }

// forwardName is the file holding a unit's forward SQL.
func (pk *pkg) forwardName(u unit) string {
	switch pk.layout {
	case GolangMigrate:
		return fmt.Sprintf("%03d_%s.up.sql", u.num, u.desc)
	case Flyway:
		return fmt.Sprintf("V%d__%s.sql", u.num, u.desc)
	case Sqitch:
		return "deploy/" + u.desc + ".sql"
	}
	return fmt.Sprintf("%03d_%s.sql", u.num, u.desc)
}

// stepsOf returns a unit's steps.
func (pk *pkg) stepsOf(u unit) []migration.Step {
	out := make([]migration.Step, len(u.steps))
	for k, i := range u.steps {
		out[k] = pk.steps[i]
	}
	return out
}

// sources lists the change files the plan comes from, in order of first use.
func (pk *pkg) sources() []string {
	var out []string
	for _, s := range pk.steps {
		if f := s.Source.File; f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// slug makes a file-name part: lower case letters, digits and underscores,
// at most 60 bytes; fallback when nothing is left.
func slug(s, fallback string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	out := b.String()
	if len(out) > 60 {
		// Cut at the last word boundary that keeps it short.
		cut := strings.LastIndexByte(out[:61], '_')
		if cut < 20 {
			cut = 60
		}
		out = out[:cut]
	}
	out = strings.Trim(out, "_")
	if out == "" {
		return fallback
	}
	return out
}

// unique returns name, or name_2, name_3 ... when already used.
func unique(name string, used map[string]bool) string {
	out := name
	for n := 2; used[out]; n++ {
		out = fmt.Sprintf("%s_%d", name, n)
	}
	used[out] = true
	return out
}
