package layout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/migration"
)

// prose escapes text for a markdown line: white space collapsed (md.Text),
// and the characters that would start emphasis, code, links or HTML
// backslash-escaped, so notes holding SQL such as count(*) read as written.
func mdProse(s string) string {
	s = md.Text(s)
	var b strings.Builder
	rs := []rune(s)
	alnum := func(i int) bool {
		if i < 0 || i >= len(rs) {
			return false
		}
		r := rs[i]
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	for i, r := range rs {
		switch r {
		case '\\', '`', '*', '[', ']', '<', '>':
			b.WriteRune('\\')
		case '_':
			if !alnum(i-1) || !alnum(i+1) {
				b.WriteRune('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCell is mdProse for a table cell: pipes escaped too.
func mdCell(s string) string { return strings.ReplaceAll(mdProse(s), "|", `\|`) }

// cmpOr returns s, or alt when s is the empty-value dash.
func cmpOr(s, alt string) string {
	if s == md.None {
		return alt
	}
	return s
}

// sqlMarkdown renders SQL as an inline code span when it is one line, else
// as a fenced block on its own lines.
func sqlMarkdown(sql string) string {
	sql = strings.TrimSpace(sql)
	if !strings.Contains(sql, "\n") {
		return md.Code(sql)
	}
	return "\n\n" + indent(md.Fence("sql", sql), "  ")
}

// indent prefixes every non-empty line.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// runsShort says how a step runs in the package and where its timeouts
// are set, for the markdown files.
func (pk *pkg) runsShort(s migration.Step) (how, timeouts string) {
	switch {
	case pk.layout == GolangMigrate && !s.Transactional:
		return "alone in its file, outside any transaction", "not settable in the file: `PGOPTIONS` or the role (see deployment-order.md)"
	case (pk.layout == GolangMigrate || pk.layout == Flyway) && s.Transactional:
		return "in its file's transaction", "set in the file (`SET LOCAL`)"
	case pk.layout == Flyway:
		return "outside any transaction (`executeInTransaction=false`)", "set in the file (session `SET`, reset after)"
	case !s.Transactional:
		return "outside any transaction block", "set in the file (session `SET`, reset after)"
	}
	return "in its own transaction", "set in the file (`SET LOCAL`)"
}

// checklist renders lock-risk-checklist.md.
func (pk *pkg) checklist() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Lock-risk checklist: %s\n\n", md.Text(pk.plan.Name))
	fmt.Fprintf(&b, "Layout %s, PostgreSQL %d: %s.\n\n", md.Code(string(pk.layout)), pk.plan.PGVersion, Summary(pk.plan))
	b.WriteString("Tick a step's boxes before running it. A lock that blocks reads or writes also makes every later query on the " +
		"table queue behind the statement while it waits for that lock: the short `lock_timeout` bounds that wait, and the " +
		"retry note says what to do when it expires.\n")
	for i, s := range pk.steps {
		if s.SQL == "" {
			continue
		}
		fmt.Fprintf(&b, "\n## Step %d: %s\n\n", s.N, mdProse(s.Title))
		how, where := pk.runsShort(s)
		fmt.Fprintf(&b, "%s · file %s · runs %s\n\n", s.Phase.Title(), md.Code(s.File), how)
		if s.Unsafe {
			fmt.Fprintf(&b, "> **UNSAFE: kept as written, no online form.** %s\n\n", mdProse(s.Note))
		}
		if s.Irreversible {
			fmt.Fprintf(&b, "> **IRREVERSIBLE:** %s %s\n\n", mdProse(irreversibleReason(s)), mdProse(s.Recovery))
		}
		if len(s.Locks) == 0 {
			b.WriteString("- [ ] **Locks:** none on an existing relation\n")
		}
		for _, l := range s.Locks {
			fmt.Fprintf(&b, "- [ ] **Lock:** %s on %s blocks %s\n", md.Code(l.Mode), md.Code(l.Relation), mdProse(l.Blocks))
		}
		switch {
		case s.Rewrite:
			b.WriteString("- [ ] **Rewrite:** yes, the table is rewritten while the lock is held: the time grows with its size\n")
		case s.Scan:
			b.WriteString("- [ ] **Scan:** yes, the table is read in full while the lock is held\n")
		default:
			b.WriteString("- [ ] **Rewrite / scan:** neither: the lock is held briefly\n")
		}
		if sizes := sizeTexts(s); len(sizes) > 0 {
			for k := range sizes {
				sizes[k] = mdProse(sizes[k])
			}
			fmt.Fprintf(&b, "- [ ] **Table size:** %s\n", strings.Join(sizes, "; "))
		} else if len(s.Locks) > 0 {
			b.WriteString("- [ ] **Table size:** unknown (no statistics snapshot): check `pg_total_relation_size` and `n_live_tup` first\n")
		}
		fmt.Fprintf(&b, "- [ ] **Timeouts:** lock_timeout %s, statement_timeout %s, %s\n", md.Code(s.LockTimeout), md.Code(s.StatementTimeout), where)
		if s.Note != "" && !s.Unsafe {
			fmt.Fprintf(&b, "- [ ] **Before running:** %s\n", mdProse(s.Note))
		}
		if s.Retry != "" {
			fmt.Fprintf(&b, "- [ ] **Retry:** %s\n", mdProse(s.Retry))
		}
		switch {
		case s.Irreversible:
			b.WriteString("- [ ] **Rollback:** none; the recovery path above is ready\n")
		case s.Rollback != "":
			fmt.Fprintf(&b, "- [ ] **Rollback:** %s", sqlMarkdown(s.Rollback))
			if !strings.Contains(strings.TrimSpace(s.Rollback), "\n") {
				b.WriteString("\n")
			}
		default:
			b.WriteString("- [ ] **Rollback:** nothing to undo\n")
		}
		if s.RollbackNote != "" && !s.Irreversible {
			fmt.Fprintf(&b, "  %s\n", mdProse(s.RollbackNote))
		}
		if len(pk.undo[i]) > 0 && !pk.undo[i][0].tx {
			b.WriteString("  The rollback runs outside a transaction block (`rollback.sql` does so).\n")
		}
	}
	return b.String()
}

// unitsOf returns the units of a phase.
func (pk *pkg) unitsOf(p migration.Phase) []unit {
	var out []unit
	for _, u := range pk.units {
		if u.phase == p {
			out = append(out, u)
		}
	}
	return out
}

// deploymentOrder renders deployment-order.md.
func (pk *pkg) deploymentOrder() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Deployment order: %s\n\n", md.Text(pk.plan.Name))
	var srcs []string
	for _, s := range pk.sources() {
		srcs = append(srcs, md.Code(s))
	}
	fmt.Fprintf(&b, "Layout %s, PostgreSQL %d, planned from %s: %s.\n\n", md.Code(string(pk.layout)), pk.plan.PGVersion, strings.Join(srcs, ", "), Summary(pk.plan))
	b.WriteString(pk.howToRun())
	for k, ph := range migration.Phases() {
		fmt.Fprintf(&b, "\n## %d. %s\n\n%s\n\n", k+1, ph.Title(), mdProse(ph.Why()))
		if ph == migration.PhaseDeploy {
			for _, s := range pk.steps {
				if s.Phase == ph {
					fmt.Fprintf(&b, "Step %d: %s. %s\n", s.N, mdProse(s.Title), mdProse(s.Note))
				}
			}
			continue
		}
		var rows []string
		for _, s := range pk.steps {
			if s.Phase != ph {
				continue
			}
			var flags []string
			if s.Unsafe {
				flags = append(flags, "**UNSAFE**")
			}
			if s.Irreversible {
				flags = append(flags, "**IRREVERSIBLE**")
			}
			if !s.Transactional {
				flags = append(flags, "no transaction")
			}
			var ls []string
			for _, l := range s.Locks {
				ls = append(ls, l.Mode+" on "+l.Relation)
			}
			what := mdCell(s.Title)
			if len(flags) > 0 {
				what += " (" + strings.Join(flags, ", ") + ")"
			}
			rows = append(rows, fmt.Sprintf("| %d | %s | %s | %s |", s.N, what, md.Code(s.File), cmpOr(mdCell(strings.Join(ls, "; ")), "none")))
		}
		if len(rows) == 0 {
			b.WriteString("No steps in this phase.\n")
			continue
		}
		b.WriteString("| Step | What | File | Locks |\n| --- | --- | --- | --- |\n" + strings.Join(rows, "\n") + "\n")
		if cmds := pk.commands(ph); cmds != "" {
			b.WriteString("\nRun:\n\n" + md.Fence("sh", cmds))
		}
	}
	b.WriteString("\n## Rollback\n\n")
	b.WriteString(pk.rollbackHowTo())
	return b.String()
}

// howToRun is the layout's general instructions.
func (pk *pkg) howToRun() string {
	switch pk.layout {
	case GolangMigrate:
		return "Run the commands from this directory with `DATABASE_URL` set; apply one phase at a time and deploy the application between " +
			"pre-deploy and the rest. golang-migrate runs a multi-statement file in one implicit transaction and a one-statement file outside any: " +
			"the steps PostgreSQL refuses in a transaction block (CONCURRENTLY, batched loops that commit) are alone in their files, and since " +
			"such a file cannot set its own timeouts, their commands set them with `PGOPTIONS` (or set them on the migration role). " +
			"If a file fails, golang-migrate marks its version dirty: fix the cause, run `migrate -path . -database \"$DATABASE_URL\" force` " +
			"with the previous version, then the same `up 1` again. If you copy the files into an existing migrations directory, " +
			"renumber them after your latest version first.\n"
	case Flyway:
		return "Run the commands from this directory; Flyway takes the connection from `flyway.conf` or `FLYWAY_URL`, `FLYWAY_USER` " +
			"and `FLYWAY_PASSWORD`. Each script runs in one transaction, except those with a `.sql.conf` setting `executeInTransaction=false` " +
			"(CONCURRENTLY, batched loops that commit), which set session timeouts themselves. If you copy the scripts into an existing " +
			"location, renumber them after your latest version (and the `-target` values below with them).\n"
	case Sqitch:
		return "Run the commands from this directory (it holds `sqitch.conf` and `sqitch.plan`); the target database comes from " +
			"`SQITCH_TARGET` or `--target db:pg://...`. Each step is one change; each phase ends with a tag, so a phase is deployed with " +
			"`--to` its tag. Sqitch runs every script with psql and wraps none: the scripts carry their own `BEGIN`/`COMMIT` and timeouts. " +
			"`--mode change` keeps the changes already deployed when a later one fails; fix the cause and deploy again.\n"
	}
	return "Run the files from this directory with psql, in order, with `DATABASE_URL` set (or the usual `PG*` variables and no " +
		"connection argument). `-X` skips `~/.psqlrc`; `ON_ERROR_STOP` stops at the first failure. Do not add `--single-transaction`: " +
		"each step carries its own `BEGIN`/`COMMIT` and timeouts, and the steps PostgreSQL refuses in a transaction block run outside one. " +
		"If a step fails, the ones before it stay done: fix the cause (see the step's retry note) and run the rest of the file from " +
		"that step's header on.\n"
}

// commands are the shell commands that run a phase's files.
func (pk *pkg) commands(ph migration.Phase) string {
	units := pk.unitsOf(ph)
	if len(units) == 0 {
		return ""
	}
	var b strings.Builder
	switch pk.layout {
	case GolangMigrate:
		for _, u := range units {
			fmt.Fprintf(&b, "# %s\n", pk.forwardName(u))
			if pk.lone(u) {
				b.WriteString(pgOptions(forward(pk.steps[u.steps[0]])) + " ")
			}
			b.WriteString("migrate -path . -database \"$DATABASE_URL\" up 1\n")
		}
	case Flyway:
		fmt.Fprintf(&b, "flyway -locations=filesystem:. -target=%d migrate\n", units[len(units)-1].num)
	case Sqitch:
		fmt.Fprintf(&b, "sqitch deploy --mode change --to @%s\n", pk.tag(ph))
	default:
		for _, u := range units {
			b.WriteString(psqlCommand(pk.forwardName(u)) + "\n")
		}
	}
	return b.String()
}

// rollbackHowTo says how to undo the package in the layout.
func (pk *pkg) rollbackHowTo() string {
	var b strings.Builder
	b.WriteString("Undo in reverse order: post-deploy, then backfill, then roll the application back to its previous version, then pre-deploy. " +
		"`rollback.sql` holds every inverse in that order for psql, whatever the layout; steps that cannot be undone raise a NOTICE " +
		"there and carry their recovery path in comments.\n\n")
	var cmds strings.Builder
	switch pk.layout {
	case GolangMigrate:
		marked := false
		for k := len(pk.units) - 1; k >= 0; k-- {
			u := pk.units[k]
			if u.phase == migration.PhasePreDeploy && !marked {
				cmds.WriteString("# roll the application back to its previous version here\n")
				marked = true
			}
			down := fmt.Sprintf("%03d_%s.down.sql", u.num, u.desc)
			fmt.Fprintf(&cmds, "# %s\n", down)
			if st := pk.downStmts(u); len(st) == 1 && !st[0].tx {
				cmds.WriteString(pgOptions(st[0]) + " ")
			}
			cmds.WriteString("migrate -path . -database \"$DATABASE_URL\" down 1\n")
		}
		b.WriteString("With golang-migrate, one file at a time:\n\n")
	case Flyway:
		fmt.Fprintf(&cmds, "# once per version, newest first; roll the application back before undoing version %d\nflyway -locations=filesystem:. undo\n", lastPre(pk))
		b.WriteString("With Flyway Teams, `undo` runs the `U` scripts one version at a time:\n\n")
	case Sqitch:
		if len(pk.unitsOf(migration.PhasePostDeploy)) > 0 && len(pk.unitsOf(migration.PhaseBackfill)) > 0 {
			fmt.Fprintf(&cmds, "# undo the post-deploy changes\nsqitch revert -y --to @%s\n", pk.tag(migration.PhaseBackfill))
		}
		if len(pk.unitsOf(migration.PhasePreDeploy)) > 0 {
			fmt.Fprintf(&cmds, "# undo the backfill and post-deploy changes\nsqitch revert -y --to @%s\n", pk.tag(migration.PhasePreDeploy))
			cmds.WriteString("# roll the application back to its previous version here, then undo the pre-deploy changes\n")
		}
		cmds.WriteString("sqitch revert -y\n")
		b.WriteString("With sqitch, revert to a phase's tag, then further:\n\n")
	default:
		b.WriteString("With psql:\n\n")
	}
	if cmds.Len() > 0 {
		b.WriteString(md.Fence("sh", cmds.String()))
	}
	if pk.layout != Plain {
		b.WriteString("\nOr with psql:\n\n")
	}
	b.WriteString(md.Fence("sh", psqlCommand("rollback.sql")))
	return b.String()
}

// planJSON renders plan.json.
func (pk *pkg) planJSON() (string, error) {
	doc := struct {
		Name      string           `json:"name"`
		PGVersion int              `json:"pg_version"`
		Layout    Layout           `json:"layout"`
		Steps     []migration.Step `json:"steps"`
	}{pk.plan.Name, pk.plan.PGVersion, pk.layout, pk.steps}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return "", fmt.Errorf("layout: plan.json: %w", err)
	}
	return buf.String(), nil
}

// lastPre is the number of the last pre-deploy file (0 without one).
func lastPre(pk *pkg) int {
	n := 0
	for _, u := range pk.unitsOf(migration.PhasePreDeploy) {
		n = u.num
	}
	return n
}
