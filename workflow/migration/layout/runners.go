package layout

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// pgOptions renders the PGOPTIONS value that sets a statement's timeouts.
func pgOptions(st stmt) string {
	var opts []string
	if st.lockTimeout != "" {
		opts = append(opts, "-c lock_timeout="+st.lockTimeout)
	}
	if st.stmtTimeout != "" {
		opts = append(opts, "-c statement_timeout="+st.stmtTimeout)
	}
	return "PGOPTIONS='" + strings.Join(opts, " ") + "'"
}

// lone reports whether a unit is one statement that must run outside a
// transaction.
func (pk *pkg) lone(u unit) bool {
	return len(u.steps) == 1 && !pk.steps[u.steps[0]].Transactional
}

// downStmts are a unit's inverse statements, in the order they run.
func (pk *pkg) downStmts(u unit) []stmt {
	var out []stmt
	for k := len(u.steps) - 1; k >= 0; k-- {
		out = append(out, pk.undoStmts(u.steps[k])...)
	}
	return out
}

// golangMigrate renders NNN_name.up.sql / NNN_name.down.sql pairs.
// golang-migrate sends a file as one query: several statements run in one
// implicit transaction, a lone statement outside any. So transactional steps
// share a file with SET LOCAL timeouts, and a statement PostgreSQL refuses in
// a transaction block is alone in its file, its timeouts left to PGOPTIONS or
// the role.
func (pk *pkg) golangMigrate() []File {
	var files []File
	for _, u := range pk.units {
		up := pk.forwardName(u)
		down := fmt.Sprintf("%03d_%s.down.sql", u.num, u.desc)
		steps := pk.stepsOf(u)
		var b strings.Builder
		if pk.lone(u) {
			st := forward(steps[0])
			pk.fileHeader(&b, up, steps,
				"golang-migrate sends this file as a single statement, which runs outside any transaction block, as PostgreSQL requires for this step. "+
					"Nothing else may go in this file: a second statement, even a SET, would make it one implicit transaction.",
				"Timeouts cannot be set in this file: set them on the migration role, or run it with them in PGOPTIONS (see deployment-order.md):",
				"$ "+pgOptions(st)+` migrate -path . -database "$DATABASE_URL" up 1`,
				"", phaseWhy(u.phase))
			pk.stepComment(&b, steps[0], fmt.Sprintf("alone, outside any transaction; lock_timeout %s and statement_timeout %s come from PGOPTIONS or the role (see the header)", st.lockTimeout, st.stmtTimeout))
			b.WriteString(st.sql + "\n")
		} else {
			pk.fileHeader(&b, up, steps,
				"golang-migrate sends this file as one query, so its statements run in one implicit transaction: if any fails, none of its steps is applied. "+
					"golang-migrate then marks the version dirty: fix the cause, run migrate force with the previous version, then up again.",
				"", phaseWhy(u.phase))
			t := &txFile{}
			for _, s := range steps {
				st, note := t.effective(forward(s))
				pk.stepComment(&b, s, fmt.Sprintf("in this file's transaction, lock_timeout %s, statement_timeout %s (SET LOCAL)", st.lockTimeout, st.stmtTimeout))
				t.write(&b, st, note)
				b.WriteString("\n")
			}
		}
		files = append(files,
			File{Name: up, Content: strings.TrimRight(b.String(), "\n") + "\n", Summary: fmt.Sprintf("golang-migrate up, %s, %s.", u.phase, stepList(steps))},
			File{Name: down, Content: pk.golangDown(u, down), Summary: fmt.Sprintf("golang-migrate down: undoes %s.", up)})
	}
	return files
}

// golangDown renders a down file: the unit's inverses in reverse order, as
// one transaction, or as a lone statement when the only inverse cannot run in
// a transaction. Inverses that fit neither shape are left to rollback.sql,
// and the file raises an error saying so rather than half-undo the steps.
func (pk *pkg) golangDown(u unit, name string) string {
	stmts := pk.downStmts(u)
	nonTx := 0
	for _, st := range stmts {
		if !st.tx {
			nonTx++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s: %s\n", pk.plan.Name, name)
	prose(&b, "", fmt.Sprintf("Undoes %s (%s). Run with migrate down 1 (see deployment-order.md).", pk.forwardName(u), reverseList(pk.stepsOf(u))))
	switch {
	case nonTx == 0:
		prose(&b, "", "golang-migrate sends this file as one query: its statements run in one implicit transaction.")
		b.WriteString("\n")
		t := &txFile{}
		for k := len(u.steps) - 1; k >= 0; k-- {
			i := u.steps[k]
			pk.undoComment(&b, i)
			for _, st := range pk.undoStmts(i) {
				st, note := t.effective(st)
				t.write(&b, st, note)
			}
			b.WriteString("\n")
		}
	case nonTx == 1 && len(stmts) == 1:
		st := stmts[0]
		prose(&b, "", "A single statement, run outside any transaction block as PostgreSQL requires. Timeouts cannot be set in this file: "+
			"set them on the migration role, or run it with them in PGOPTIONS:")
		b.WriteString("--   " + pgOptions(st) + ` migrate -path . -database "$DATABASE_URL" down 1` + "\n")
		b.WriteString("\n")
		pk.undoComment(&b, u.steps[0])
		b.WriteString(st.sql + "\n")
	default:
		var ns []string
		for _, s := range pk.stepsOf(u) {
			ns = append(ns, strconv.Itoa(s.N))
		}
		prose(&b, "", "These inverses mix statements PostgreSQL refuses in a transaction block with others, so golang-migrate cannot run them as one file. "+
			"Run the sections for these steps from rollback.sql with psql instead, then migrate force to the previous version. "+
			"This file raises an error so that migrate down stops here rather than skip them.")
		b.WriteString("\n")
		for k := len(u.steps) - 1; k >= 0; k-- {
			i := u.steps[k]
			pk.undoComment(&b, i)
			for _, st := range pk.undoStmts(i) {
				code(&b, "", st.sql)
			}
		}
		b.WriteString(doBlock("RAISE EXCEPTION '%', " + rule.QuoteLiteral(fmt.Sprintf(
			"%s cannot be undone by golang-migrate: run the sections for step %s of rollback.sql with psql, then migrate force to the previous version.",
			pk.forwardName(u), strings.Join(ns, ", "))) + ";"))
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// flyway renders V<n>__name.sql / U<n>__name.sql scripts. Flyway runs a
// script in one transaction unless its .sql.conf says executeInTransaction=false;
// then it runs the statements one by one in autocommit, so session SETs
// and RESETs carry the timeouts.
func (pk *pkg) flyway() []File {
	var files []File
	noTx := File{Content: "executeInTransaction=false\n"}
	for _, u := range pk.units {
		v := pk.forwardName(u)
		undo := fmt.Sprintf("U%d__%s.sql", u.num, u.desc)
		steps := pk.stepsOf(u)
		var b strings.Builder
		lone := pk.lone(u)
		if lone {
			st := forward(steps[0])
			pk.fileHeader(&b, v, steps,
				v+".conf sets executeInTransaction=false: Flyway runs these statements one by one outside a transaction, as PostgreSQL requires for this step. "+
					"If it fails, run flyway repair, fix the cause and migrate again: the step is written to be repeatable.",
				"", phaseWhy(u.phase))
			pk.stepComment(&b, steps[0], runsPsql(st))
			sessionWrap(&b, st)
		} else {
			pk.fileHeader(&b, v, steps,
				"Flyway runs this script in one transaction: if any statement fails, none of its steps is applied. Fix the cause and migrate again.",
				"", phaseWhy(u.phase))
			t := &txFile{}
			for _, s := range steps {
				st, note := t.effective(forward(s))
				pk.stepComment(&b, s, fmt.Sprintf("in Flyway's transaction for this script, lock_timeout %s, statement_timeout %s (SET LOCAL)", st.lockTimeout, st.stmtTimeout))
				t.write(&b, st, note)
				b.WriteString("\n")
			}
		}
		files = append(files, File{Name: v, Content: strings.TrimRight(b.String(), "\n") + "\n", Summary: fmt.Sprintf("Flyway versioned migration, %s, %s.", u.phase, stepList(steps))})
		if lone {
			c := noTx
			c.Name, c.Summary = v+".conf", "Flyway script configuration: run "+v+" outside a transaction."
			files = append(files, c)
		}
		content, inTx := pk.flywayUndo(u, undo)
		files = append(files, File{Name: undo, Content: content, Summary: fmt.Sprintf("Flyway undo migration: undoes %s.", v)})
		if !inTx {
			c := noTx
			c.Name, c.Summary = undo+".conf", "Flyway script configuration: run "+undo+" outside a transaction."
			files = append(files, c)
		}
	}
	return files
}

// flywayUndo renders an undo script and reports whether it runs in a
// transaction.
func (pk *pkg) flywayUndo(u unit, name string) (string, bool) {
	inTx := true
	for _, st := range pk.downStmts(u) {
		inTx = inTx && st.tx
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s: %s\n", pk.plan.Name, name)
	prose(&b, "", fmt.Sprintf("Undoes %s (%s), with flyway undo (Flyway Teams) or by hand.", pk.forwardName(u), reverseList(pk.stepsOf(u))))
	if inTx {
		prose(&b, "", "Flyway runs this script in one transaction.")
	} else {
		prose(&b, "", name+".conf sets executeInTransaction=false: an inverse here cannot run in a transaction block, so each statement runs on its own with session timeouts.")
	}
	b.WriteString("\n")
	t := &txFile{}
	for k := len(u.steps) - 1; k >= 0; k-- {
		i := u.steps[k]
		pk.undoComment(&b, i)
		for _, st := range pk.undoStmts(i) {
			if inTx {
				st, note := t.effective(st)
				t.write(&b, st, note)
			} else {
				sessionWrap(&b, st)
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n", inTx
}

// sqitch renders a sqitch project: sqitch.conf, sqitch.plan with one change
// per step and a tag closing each phase, and deploy/, revert/ and verify/
// scripts. Sqitch runs scripts with psql and wraps none of them, so each
// carries its own BEGIN/COMMIT, or session timeouts when it cannot run in a
// transaction.
func (pk *pkg) sqitch() []File {
	var plan strings.Builder
	stamp := pk.planned.Format("2006-01-02T15:04:05Z")
	planner := " pgrollout <pgrollout@localhost> # "
	fmt.Fprintf(&plan, "%%syntax-version=1.0.0\n%%project=%s\n\n", pk.name)
	var deploy, revert, verify []File
	for k, u := range pk.units {
		i := u.steps[0]
		s := pk.steps[i]
		fmt.Fprintf(&plan, "%s %s%s%s\n", u.desc, stamp, planner, oneLine(fmt.Sprintf("Step %d (%s): %s", s.N, s.Phase, s.Title)))
		if k == len(pk.units)-1 || pk.units[k+1].phase != u.phase {
			fmt.Fprintf(&plan, "@%s %s%s%s\n", pk.tag(u.phase), stamp, planner, oneLine("End of "+string(u.phase)+": "+pk.nextAfter(u.phase)))
		}

		var d strings.Builder
		fmt.Fprintf(&d, "-- Deploy %s:%s to pg\n", pk.name, u.desc)
		prose(&d, "", fmt.Sprintf("%s. Generated by pgrollout from %s for PostgreSQL %d.", s.Phase.Title(), strings.Join(pk.sources(), ", "), pk.plan.PGVersion))
		d.WriteString("\n")
		st := forward(s)
		pk.stepComment(&d, s, runsPsql(st))
		psqlWrap(&d, st)
		deploy = append(deploy, File{Name: pk.forwardName(u), Content: d.String(), Summary: fmt.Sprintf("sqitch deploy script, %s, step %d.", s.Phase, s.N)})

		var r strings.Builder
		fmt.Fprintf(&r, "-- Revert %s:%s from pg\n\n", pk.name, u.desc)
		pk.undoComment(&r, i)
		for _, st := range pk.undoStmts(i) {
			psqlWrap(&r, st)
		}
		revert = append(revert, File{Name: "revert/" + u.desc + ".sql", Content: r.String(), Summary: fmt.Sprintf("sqitch revert script: undoes step %d.", s.N)})

		var v strings.Builder
		fmt.Fprintf(&v, "-- Verify %s:%s on pg\n\n", pk.name, u.desc)
		var queries []string
		for _, st := range pk.parsed[i] {
			if q := verifyQuery(st); q != "" && !s.Transient {
				queries = append(queries, q)
			}
		}
		if s.Transient {
			prose(&v, "", "Nothing to verify: this step's helper constraint is dropped by a later step of the same recipe ("+oneLine(s.Title)+").")
		} else if len(queries) == 0 {
			prose(&v, "", "Nothing to verify from the catalog for this change ("+oneLine(s.Title)+"): check it by hand.")
			if s.Phase == migration.PhaseBackfill {
				prose(&v, "Note", s.Note)
			}
		} else {
			prose(&v, "", "Fails (division by zero, or an unknown relation or column) when the change is missing.")
			v.WriteString("BEGIN;\n" + strings.Join(queries, "\n") + "\nROLLBACK;\n")
		}
		verify = append(verify, File{Name: "verify/" + u.desc + ".sql", Content: v.String(), Summary: fmt.Sprintf("sqitch verify script: checks step %d took effect.", s.N)})
	}
	files := []File{
		{Name: "sqitch.conf", Content: "[core]\n\tengine = pg\n", Summary: "sqitch configuration: the PostgreSQL engine."},
		{Name: "sqitch.plan", Content: plan.String(), Summary: "sqitch plan: one change per step, a tag closing each phase."},
	}
	files = append(files, deploy...)
	files = append(files, revert...)
	return append(files, verify...)
}

// reverseList names a unit's steps for its inverse: "step 4", "steps 3, 2, 1
// in that order".
func reverseList(steps []migration.Step) string {
	if len(steps) == 1 {
		return fmt.Sprintf("step %d", steps[0].N)
	}
	ns := make([]string, len(steps))
	for i, s := range steps {
		ns[len(steps)-1-i] = strconv.Itoa(s.N)
	}
	return "steps " + strings.Join(ns, ", ") + ", in that order"
}

// tag names the sqitch tag closing a phase.
func (pk *pkg) tag(p migration.Phase) string { return pk.name + "_" + slug(string(p), "") }

// nextAfter says what comes after a phase.
func (pk *pkg) nextAfter(p migration.Phase) string {
	if p == migration.PhasePreDeploy {
		return "deploy the application next"
	}
	for _, u := range pk.units {
		if u.phase == migration.PhasePostDeploy && p != migration.PhasePostDeploy {
			return "the post-deploy steps come next"
		}
	}
	return "the rollout is complete"
}
