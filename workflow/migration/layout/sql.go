package layout

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// width is where comment prose wraps.
const width = 100

const (
	stepRule = "-- ============================================================================"
	undoRule = "-- ----------------------------------------------------------------------------"
)

// prose writes text as SQL line comments wrapped at width, the first line
// starting with "label: " when label is set.
func prose(b *strings.Builder, label, text string) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return
	}
	line, n := "--", 0
	if label != "" {
		line += " " + label + ":"
	}
	for _, w := range words {
		if n > 0 && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line, n = "--  ", 0
		}
		line += " " + w
		n++
	}
	b.WriteString(line + "\n")
}

// code writes SQL as line comments, line by line and unwrapped: "-- label:
// first line", then "--   next line".
func code(b *strings.Builder, label, sql string) {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(sql, "\r\n", "\n")), "\n")
	for i, l := range lines {
		l = strings.TrimRight(strings.ReplaceAll(l, "\r", " "), " \t")
		switch {
		case i == 0 && label != "":
			b.WriteString("-- " + label + ": " + l + "\n")
		case i == 0:
			b.WriteString("-- " + l + "\n")
		default:
			b.WriteString("--   " + l + "\n")
		}
	}
}

// oneLine collapses white space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// lockText describes one lock: "ACCESS EXCLUSIVE on orders: blocks reads and
// writes; scans the table".
func lockText(l migration.Lock) string {
	s := l.Mode + " on " + l.Relation + ": blocks " + l.Blocks
	switch {
	case l.Rewrite:
		s += "; rewrites the table"
	case l.Scan:
		s += "; scans the table"
	}
	return s
}

// sizeTexts lists the known sizes of the tables a step locks, by name.
func sizeTexts(s migration.Step) []string {
	var names []string
	for n := range s.Sizes {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + ": " + count(s.Sizes[n].Rows) + " rows, " + md.Bytes(s.Sizes[n].Bytes)
	}
	return out
}

// count renders an integer with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// yesNo renders a flag.
func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// stepComment writes the comment block before a step: what it is, its
// locks, rewrite and scan, sizes, how it runs, notes, retry, rollback and
// where it comes from.
func (pk *pkg) stepComment(b *strings.Builder, s migration.Step, runs string) {
	b.WriteString(stepRule + "\n")
	title := fmt.Sprintf("Step %d of %d: %s", s.N, len(pk.steps), oneLine(s.Title))
	if s.Unsafe {
		title += "  [UNSAFE]"
	}
	if s.Irreversible {
		title += "  [IRREVERSIBLE]"
	}
	b.WriteString("-- " + title + "\n")
	b.WriteString("-- Phase: " + s.Phase.Title() + "\n")
	if s.Unsafe {
		prose(b, "UNSAFE", "kept as written: no online form. "+s.Note)
	}
	if s.Irreversible {
		prose(b, "IRREVERSIBLE", irreversibleReason(s))
		prose(b, "Recovery", s.Recovery)
	}
	if len(s.Locks) == 0 {
		b.WriteString("-- Lock: none on an existing relation\n")
	}
	for _, l := range s.Locks {
		prose(b, "Lock", lockText(l))
	}
	b.WriteString("-- Rewrite: " + yesNo(s.Rewrite) + ". Scan: " + yesNo(s.Scan) + ".\n")
	for _, t := range sizeTexts(s) {
		prose(b, "Table size", t)
	}
	prose(b, "Runs", runs)
	if !s.Unsafe {
		prose(b, "Note", s.Note)
	}
	prose(b, "Retry", s.Retry)
	switch {
	case s.Rollback != "":
		code(b, "Rollback", s.Rollback)
	case s.Irreversible:
		b.WriteString("-- Rollback: none, see IRREVERSIBLE above\n")
	default:
		b.WriteString("-- Rollback: nothing to undo\n")
	}
	prose(b, "Rollback note", s.RollbackNote)
	if src := s.Source.String(); src != "" {
		if s.Rewritten {
			src += " (rewritten from the statement as written there)"
		}
		prose(b, "Source", src)
		if s.Rewritten && s.Origin != "" {
			code(b, "As written", s.Origin)
		}
	}
}

// irreversibleReason says why a step cannot be undone.
func irreversibleReason(s migration.Step) string {
	return cmp.Or(oneLine(s.RollbackNote), "it changes or deletes rows, and the package keeps no copy of them.")
}

// runsText says how a statement runs in each wrapping.
func runsPsql(st stmt) string {
	if st.tx {
		return fmt.Sprintf("in its own transaction, lock_timeout %s, statement_timeout %s (SET LOCAL)", st.lockTimeout, st.stmtTimeout)
	}
	return fmt.Sprintf("outside any transaction block (it cannot run inside one), lock_timeout %s, statement_timeout %s (session SET, reset after)", st.lockTimeout, st.stmtTimeout)
}

// setLocal writes the transaction-scoped timeouts of a statement.
func setLocal(b *strings.Builder, st stmt) {
	if st.lockTimeout != "" {
		b.WriteString("SET LOCAL lock_timeout = " + rule.QuoteLiteral(st.lockTimeout) + ";\n")
	}
	if st.stmtTimeout != "" {
		b.WriteString("SET LOCAL statement_timeout = " + rule.QuoteLiteral(st.stmtTimeout) + ";\n")
	}
}

// psqlWrap writes a statement for psql in autocommit mode: a transactional
// one in BEGIN ... COMMIT with SET LOCAL timeouts, any other between session
// SETs and RESETs.
func psqlWrap(b *strings.Builder, st stmt) {
	switch {
	case st.notice:
		b.WriteString(st.sql + "\n")
	case st.tx:
		b.WriteString("BEGIN;\n")
		setLocal(b, st)
		b.WriteString(st.sql + "\n")
		b.WriteString("COMMIT;\n")
	default:
		sessionWrap(b, st)
	}
}

// sessionWrap writes a statement between session SETs and RESETs.
func sessionWrap(b *strings.Builder, st stmt) {
	if st.notice {
		b.WriteString(st.sql + "\n")
		return
	}
	if st.lockTimeout != "" {
		b.WriteString("SET lock_timeout = " + rule.QuoteLiteral(st.lockTimeout) + ";\n")
	}
	if st.stmtTimeout != "" {
		b.WriteString("SET statement_timeout = " + rule.QuoteLiteral(st.stmtTimeout) + ";\n")
	}
	b.WriteString(st.sql + "\n")
	if st.lockTimeout != "" {
		b.WriteString("RESET lock_timeout;\n")
	}
	if st.stmtTimeout != "" {
		b.WriteString("RESET statement_timeout;\n")
	}
}

// txFile writes the statements of a file that runs as one transaction. Once
// a statement has taken a lock that blocks traffic, that lock is held to the
// end of the file: later statements wait for their locks no longer than it
// did.
type txFile struct {
	held, heldTimeout string
}

// effective returns the statement with its lock_timeout capped while a
// blocking lock is held, and a note when it was capped.
func (t *txFile) effective(st stmt) (stmt, string) {
	note := ""
	if t.held != "" && longer(st.lockTimeout, t.heldTimeout) {
		note = fmt.Sprintf("lock_timeout %s instead of %s: this transaction already holds %s, and everything queued behind that lock waits as long as this statement does.",
			t.heldTimeout, st.lockTimeout, t.held)
		st.lockTimeout = t.heldTimeout
	}
	return st, note
}

// write writes one statement after SET LOCAL timeouts.
func (t *txFile) write(b *strings.Builder, st stmt, note string) {
	prose(b, "", note)
	if !st.notice {
		setLocal(b, st)
	}
	b.WriteString(st.sql + "\n")
	if st.blocking != "" && t.held == "" {
		t.held, t.heldTimeout = st.blocking, st.lockTimeout
	}
}

// longer reports whether timeout a allows a longer wait than b ("0" is no
// limit).
func longer(a, b string) bool {
	da, oka := duration(a)
	db, okb := duration(b)
	if !oka || !okb {
		return false
	}
	if da == 0 {
		return db != 0
	}
	return db != 0 && da > db
}

// duration reads a PostgreSQL time setting ("1s", "1min", "500ms", "0") in
// milliseconds.
func duration(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, "ms"
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	mult := map[string]float64{"us": 0.001, "ms": 1, "s": 1000, "min": 60000, "h": 3600000, "d": 86400000}[unit]
	if mult == 0 {
		return 0, false
	}
	return v * mult, true
}

// undoStmts are the statements that undo step i: its rollback statements,
// and for an irreversible step a DO block raising a NOTICE that says so.
func (pk *pkg) undoStmts(i int) []stmt {
	out := slices.Clone(pk.undo[i])
	if pk.steps[i].Irreversible {
		out = append(out, noticeStmt(pk.steps[i]))
	}
	return out
}

// noticeStmt reports an irreversible step at rollback time.
func noticeStmt(s migration.Step) stmt {
	msg := fmt.Sprintf("step %d (%s) cannot be undone", s.N, oneLine(s.Title))
	switch {
	case s.RollbackNote != "" || s.Recovery == "":
		msg += ": " + irreversibleReason(s)
	default:
		msg += "."
	}
	if s.Recovery != "" {
		msg += " Recovery: " + oneLine(s.Recovery)
	}
	return stmt{sql: doBlock("RAISE NOTICE '%', " + rule.QuoteLiteral(msg) + ";"), tx: true, notice: true}
}

// doBlock wraps PL/pgSQL statements in a DO block, with a dollar-quote tag
// that does not occur in them.
func doBlock(body string) string {
	tag := "$pgrollout$"
	for n := 2; strings.Contains(body, tag); n++ {
		tag = fmt.Sprintf("$pgrollout%d$", n)
	}
	return "DO " + tag + " BEGIN " + body + " END " + tag + ";"
}

// undoComment writes the comment block before a step's inverse.
func (pk *pkg) undoComment(b *strings.Builder, i int) {
	s := pk.steps[i]
	b.WriteString(undoRule + "\n")
	where := string(s.Phase)
	if s.File != "" {
		where += "; forward in " + s.File
	}
	prose(b, "", fmt.Sprintf("Undo step %d of %d: %s (%s)", s.N, len(pk.steps), oneLine(s.Title), where))
	switch {
	case s.Irreversible:
		prose(b, "IRREVERSIBLE", irreversibleReason(s))
		prose(b, "Recovery", s.Recovery)
		if s.RollbackNote != "" && len(pk.undo[i]) > 0 {
			prose(b, "Note", s.RollbackNote)
		}
	case len(pk.undo[i]) == 0 && s.RollbackNote != "":
		prose(b, "", "No rollback statement. "+s.RollbackNote)
	case len(pk.undo[i]) == 0:
		b.WriteString("-- Nothing to undo.\n")
	default:
		prose(b, "Note", s.RollbackNote)
	}
}

// deployComment is rollback.sql's section for the deploy checkpoint.
func deployComment(b *strings.Builder, s migration.Step) {
	b.WriteString(undoRule + "\n")
	prose(b, "", fmt.Sprintf("Step %d: %s.", s.N, oneLine(s.Title)))
	prose(b, "", "Roll the application back to its previous version before running the sections below: "+
		"they undo the pre-deploy steps, which the new version may rely on.")
}

// fileHeader writes the opening comment of a forward file.
func (pk *pkg) fileHeader(b *strings.Builder, file string, steps []migration.Step, lines ...string) {
	fmt.Fprintf(b, "-- %s: %s\n", pk.plan.Name, file)
	phase := migration.Phase("")
	if len(steps) > 0 {
		phase = steps[0].Phase
	}
	prose(b, "", fmt.Sprintf("%s: %s of %d. Generated by pgrollout from %s for PostgreSQL %d.",
		phase.Title(), stepList(steps), len(pk.steps), strings.Join(pk.sources(), ", "), pk.plan.PGVersion))
	b.WriteString("--\n")
	for _, l := range lines {
		switch {
		case l == "":
			b.WriteString("--\n")
		case strings.HasPrefix(l, "$ "):
			b.WriteString("--   " + strings.TrimPrefix(l, "$ ") + "\n")
		default:
			prose(b, "", l)
		}
	}
	var unsafe, irreversible []string
	for _, s := range steps {
		if s.Unsafe {
			unsafe = append(unsafe, strconv.Itoa(s.N))
		}
		if s.Irreversible {
			irreversible = append(irreversible, strconv.Itoa(s.N))
		}
	}
	if len(unsafe) > 0 {
		prose(b, "WARNING", "UNSAFE steps in this file, kept as written with no online form: "+strings.Join(unsafe, ", ")+". Read them before running it.")
	}
	if len(irreversible) > 0 {
		prose(b, "WARNING", "IRREVERSIBLE steps in this file: "+strings.Join(irreversible, ", ")+". Their rollback cannot restore what they change.")
	}
	b.WriteString("\n")
}

// psqlCommand is how to run a file with psql.
func psqlCommand(file string) string {
	return `psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -f ` + file
}

// plain renders the plain layout: one psql file per phase.
func (pk *pkg) plain() []File {
	var files []File
	for _, u := range pk.units {
		name := pk.forwardName(u)
		steps := pk.stepsOf(u)
		var b strings.Builder
		pk.fileHeader(&b, name, steps,
			"Run from the package directory:", "$ "+psqlCommand(name),
			"-X skips ~/.psqlrc (an AUTOCOMMIT off there would put the CONCURRENTLY steps in a transaction); "+
				"ON_ERROR_STOP stops at the first failure. Do not add --single-transaction: "+
				"each step sets its own timeouts and, unless PostgreSQL refuses it, runs in its own transaction.",
			"If a step fails, the steps before it stay done. Fix the cause, then run the rest of the file from the failing step's header on.",
			"", phaseWhy(u.phase))
		for _, s := range steps {
			st := forward(s)
			pk.stepComment(&b, s, runsPsql(st))
			psqlWrap(&b, st)
			b.WriteString("\n")
		}
		files = append(files, File{Name: name, Content: strings.TrimRight(b.String(), "\n") + "\n",
			Summary: fmt.Sprintf("%s, %s: run with psql.", u.phase.Title(), stepList(steps))})
	}
	return files
}

// stepList renders "step 4" or "steps 1-3, 5".
func stepList(steps []migration.Step) string {
	var ns []string
	for _, s := range steps {
		ns = append(ns, strconv.Itoa(s.N))
	}
	if len(ns) == 1 {
		return "step " + ns[0]
	}
	if len(steps) > 2 && steps[len(steps)-1].N-steps[0].N == len(steps)-1 {
		return fmt.Sprintf("steps %d–%d", steps[0].N, steps[len(steps)-1].N)
	}
	return "steps " + strings.Join(ns, ", ")
}

// rollbackSQL renders rollback.sql: every step's inverse in reverse order,
// for psql.
func (pk *pkg) rollbackSQL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s: rollback.sql\n", pk.plan.Name)
	prose(&b, "", fmt.Sprintf("Undoes the package's steps in reverse order, as far as SQL can. Generated by pgrollout for PostgreSQL %d.", pk.plan.PGVersion))
	b.WriteString("--\n")
	prose(&b, "", "Run from the package directory:")
	b.WriteString("--   " + psqlCommand("rollback.sql") + "\n")
	prose(&b, "", "Each inverse runs in its own transaction with its own timeouts, or outside one when PostgreSQL refuses it there (CONCURRENTLY). "+
		"If the rollout stopped part-way, start at the section of the last step that ran. "+
		"Steps that cannot be undone raise a NOTICE saying so; their recovery path is in the comments.")
	var irreversible []string
	for _, s := range pk.steps {
		if s.Irreversible {
			irreversible = append(irreversible, strconv.Itoa(s.N))
		}
	}
	if len(irreversible) > 0 {
		prose(&b, "WARNING", "IRREVERSIBLE steps: "+strings.Join(irreversible, ", ")+". Running this file does not restore what they changed.")
	}
	b.WriteString("\n")
	for i := len(pk.steps) - 1; i >= 0; i-- {
		s := pk.steps[i]
		if s.SQL == "" {
			deployComment(&b, s)
			b.WriteString("\n")
			continue
		}
		pk.undoComment(&b, i)
		for _, st := range pk.undoStmts(i) {
			psqlWrap(&b, st)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// phaseWhy says why a phase holds its steps, after its title.
func phaseWhy(p migration.Phase) string { return p.Title() + ": " + p.Why() }
