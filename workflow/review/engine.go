package review

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// Source is one SQL file handed to the review.
type Source struct {
	Name string
	Text string
}

// Runner says how the migration tool wraps a file in transactions.
type Runner string

// The runners pgrollout models.
const (
	// RunnerPlain runs the file as written: only explicit BEGIN/COMMIT make transactions.
	RunnerPlain Runner = "plain"
	// RunnerGolangMigrate sends the whole file at once: several statements run
	// in one implicit transaction, a lone statement outside any.
	RunnerGolangMigrate Runner = "golang-migrate"
	// RunnerFlyway wraps every migration in a transaction.
	RunnerFlyway Runner = "flyway"
	// RunnerSqitch runs deploy scripts as written (they carry their own BEGIN/COMMIT).
	RunnerSqitch Runner = "sqitch"
	// RunnerAssumeInTransaction treats every file as wrapped in a transaction.
	RunnerAssumeInTransaction Runner = "assume-in-transaction"
)

// Runners lists the runner names in display order.
func Runners() []Runner {
	return []Runner{RunnerPlain, RunnerGolangMigrate, RunnerFlyway, RunnerSqitch, RunnerAssumeInTransaction}
}

// ParseRunner accepts a runner name.
func ParseRunner(s string) (Runner, error) {
	for _, r := range Runners() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown migration runner %q (want plain, golang-migrate, flyway, sqitch or assume-in-transaction)", s)
}

// wraps reports whether the runner runs a file of n statements inside one transaction.
func (r Runner) wraps(n int) bool {
	switch r {
	case RunnerFlyway, RunnerAssumeInTransaction:
		return true
	case RunnerGolangMigrate:
		return n > 1
	}
	return false
}

// DefaultPGVersion is the server major version assumed when none is given.
const DefaultPGVersion = 16

// Options tune a review.
type Options struct {
	// PGVersion is the target server's major version (DefaultPGVersion when 0).
	PGVersion int
	// Baseline is replayed before the change: what already exists.
	Baseline []Source
	// Runner is the migration tool's transaction behaviour (plain when empty).
	Runner Runner
	// Exclude lists rule ids not to run.
	Exclude []string
	// Include lists opt-in rule ids to run as well.
	Include []string
}

func (o Options) pg() int {
	if o.PGVersion == 0 {
		return DefaultPGVersion
	}
	return o.PGVersion
}

// Finding is one rule that fired on one statement.
type Finding struct {
	Rule     string
	Severity workflow.Severity
	// Pos and End delimit the offending span (1-based, End inclusive).
	Pos, End workflow.Position
	Message  string
	// Help says why it matters.
	Help string
	// Lock states the locks taken and what they block; Rewrite and Scan say
	// whether the table is rewritten or read in full while they are held.
	Lock          string
	Rewrite, Scan bool
	// SafeSQL is a concrete alternative that does not trigger the rule.
	SafeSQL string
	// Object is the table, column or index the finding is about.
	Object string
	// Statement is the offending statement's text.
	Statement string
	// Key identifies the finding across re-runs: rule, statement fingerprint
	// and object, never a line number.
	Key string
}

// Result is a whole review.
type Result struct {
	Findings []Finding
	// Statements counts the statements reviewed (the baseline excluded).
	Statements int
}

// Review parses the baseline and the change, replays them into a schema
// model, and runs every enabled rule on every statement of the change. A
// syntax error in any file is returned as a *schema.SyntaxError.
func Review(files []Source, o Options) (Result, error) {
	split := make([]parsedFile, 0, len(files))
	for _, f := range files {
		stmts, err := schema.Split(f.Name, f.Text)
		if err != nil {
			return Result{}, err
		}
		split = append(split, parsedFile{f, stmts})
	}
	return review(split, o)
}

// parsedFile is a change file already split into statements.
type parsedFile struct {
	Source
	stmts []schema.Statement
}

// review runs the rules over files already split, after replaying the baseline.
func review(files []parsedFile, o Options) (Result, error) {
	model := &schema.Model{}
	for _, b := range o.Baseline {
		stmts, err := schema.Split(b.Name, b.Text)
		if err != nil {
			return Result{}, err
		}
		for _, st := range stmts {
			_ = model.ApplyPartial(st) // the model follows what it can; the rules treat the rest as unknown
		}
	}
	rules := enabled(o.Include, o.Exclude)
	var res Result
	created := map[string]bool{}
	for _, f := range files {
		stmts := f.stmts
		ign := parseIgnores(f.Text, stmts)
		if ign.file {
			continue
		}
		runner := o.Runner
		if runner == "" {
			runner = RunnerPlain
		}
		tx := newTxTracker(runner.wraps(len(stmts)))
		byTable := rule.NewStatementIndex(stmts)
		for i, st := range stmts {
			c := &rule.Context{
				Stmt: st, Statements: stmts, Index: i, ByTable: byTable, Model: model,
				Facts: locks.Classify(st, model, o.pg()), Tx: tx.state(),
				PG: o.pg(), Runner: string(runner), Created: created,
			}
			fp := "" // the statement's fingerprint, computed once it has a finding
			for _, r := range rules {
				if ign.suppressed(i, r.ID) {
					continue
				}
				vs, err := check(r, c)
				if err != nil {
					return Result{}, err
				}
				for _, v := range vs {
					if fp == "" {
						fp = fingerprint(st.Text)
					}
					res.Findings = append(res.Findings, newFinding(c, r, v, fp))
				}
			}
			tx.after(c)
			rememberCreated(created, st)
			_ = model.ApplyPartial(st)
		}
		res.Statements += len(stmts)
	}
	uniqueKeys(res.Findings)
	return res, nil
}

// check runs one rule on one statement; a rule that panics becomes an error
// naming the rule and the statement instead of taking the program down.
func check(r rule.Rule, c *rule.Context) (vs []rule.Violation, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: rule %s failed on this %s statement (please report it): %v", c.Stmt.Pos, r.ID, c.Stmt.Kind, p)
		}
	}()
	return r.Check(c), nil
}

// uniqueKeys numbers findings that would share a key (the same rule on
// identical statements, such as two stray COMMITs): the second gets "#2".
func uniqueKeys(fs []Finding) {
	seen := map[string]int{}
	for i := range fs {
		k := fs[i].Key
		seen[k]++
		if n := seen[k]; n > 1 {
			fs[i].Key = fmt.Sprintf("%s#%d", k, n)
		}
	}
}

// enabled returns the rules to run, in registry order: the default ones and
// the opt-in ones included, less the excluded ones (exclusion wins).
func enabled(include, exclude []string) []rule.Rule {
	var out []rule.Rule
	for _, r := range Rules() {
		if slices.Contains(exclude, r.ID) || (r.OptIn && !slices.Contains(include, r.ID)) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// rememberCreated notes the tables a statement creates.
func rememberCreated(created map[string]bool, st schema.Statement) {
	switch st.Node.GetNode().(type) {
	case *pg_query.Node_CreateStmt, *pg_query.Node_CreateTableAsStmt:
		created[rule.TableKey(st.Target)] = true
	}
}

func newFinding(c *rule.Context, r rule.Rule, v rule.Violation, fp string) Finding {
	st := c.Stmt
	pos := st.Pos
	if int(v.Location) > st.Start {
		pos = st.PositionOf(int(v.Location))
	}
	end := st.PositionOf(st.End - 1)
	f := Finding{
		Rule: r.ID, Severity: r.Severity, Pos: pos, End: end,
		Message: v.Message, Help: v.Help, SafeSQL: v.SafeSQL, Object: v.Object,
		Statement: st.Text, Lock: c.Facts.Summary(),
	}
	if f.Help == "" {
		f.Help = r.Why
	}
	if e, ok := c.Facts.Strictest(); ok {
		f.Rewrite, f.Scan = e.Rewrite, e.Scan
	}
	if f.Object == "" {
		f.Object = st.Target
	}
	f.Key = r.ID + ":" + fp + ":" + f.Object
	return f
}

// fingerprint identifies a statement whatever its spacing, case and comments.
func fingerprint(sql string) string {
	if fp, err := pg_query.Fingerprint(sql); err == nil {
		return fp
	}
	return strings.Join(strings.Fields(strings.ToLower(sql)), " ")
}
