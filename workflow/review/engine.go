package review

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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

// review runs the rules over files already split, after replaying the
// baseline, on every core.
func review(files []parsedFile, o Options) (Result, error) {
	return reviewOn(files, o, runtime.GOMAXPROCS(0))
}

// reviewOn is review with large files cut into up to workers ranges.
func reviewOn(files []parsedFile, o Options, workers int) (Result, error) {
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
	runner := o.Runner
	if runner == "" {
		runner = RunnerPlain
	}
	p := pass{rules: enabled(o.Include, o.Exclude), pg: o.pg(), runner: runner, workers: workers}
	var res Result
	s := state{model: model, created: map[string]bool{}}
	for _, f := range files {
		fs, next, err := p.file(f, s)
		if err != nil {
			return Result{}, err
		}
		res.Findings = append(res.Findings, fs...)
		res.Statements += len(f.stmts)
		s = next
	}
	assignKeys(res.Findings)
	return res, nil
}

// pass is what stays the same for every statement of a review.
type pass struct {
	rules   []rule.Rule
	pg      int
	runner  Runner
	workers int
}

// state is what the statements before the current one built up.
type state struct {
	model   *schema.Model
	created map[string]bool
	tx      *txTracker
}

// clone returns a deep copy of the state.
func (s state) clone() state {
	return state{model: s.model.Clone(), created: maps.Clone(s.created), tx: s.tx.clone()}
}

// parallelFrom is the number of statements from which a file's rules run on
// every core, each on a contiguous range of statements.
const parallelFrom = 2000

// file reviews one file from state s and returns its findings in statement
// order and the state after it. Large files are cut into one range of
// statements per core: the first range starts at once from s, while a
// cheaper pass (lock facts, transactions, model, no rules) replays the
// statements before each later range to hand it the state it starts from.
func (p pass) file(f parsedFile, s state) ([]Finding, state, error) {
	stmts := f.stmts
	ign := parseIgnores(f.Text, stmts)
	if ign.file {
		return nil, s, nil
	}
	s.tx = newTxTracker(p.runner.wraps(len(stmts)))
	w := &walk{pass: p, stmts: stmts, byTable: rule.NewStatementIndex(stmts), ign: ign}
	parts := 1
	if len(stmts) >= parallelFrom {
		parts = max(1, p.workers)
	}
	if parts == 1 {
		fs, err := w.run(&s, 0, len(stmts), true)
		return fs, s, err
	}
	bounds := make([]int, parts+1)
	for k := range bounds {
		bounds[k] = k * len(stmts) / parts
	}
	starts := make([]chan state, parts)
	for k := range starts {
		starts[k] = make(chan state, 1)
	}
	ahead := s.clone()
	starts[0] <- s
	go func() {
		for k := 1; k < parts; k++ {
			_, _ = w.run(&ahead, bounds[k-1], bounds[k], false)
			if k == parts-1 {
				starts[k] <- ahead
			} else {
				starts[k] <- ahead.clone()
			}
		}
	}()
	found := make([][]Finding, parts)
	errs := make([]error, parts)
	ends := make([]state, parts)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() {
			st := <-starts[k]
			found[k], errs[k] = w.run(&st, bounds[k], bounds[k+1], true)
			ends[k] = st
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, s, err
		}
	}
	return slices.Concat(found...), ends[parts-1], nil
}

// walk is one file's statements with what every range of them shares.
type walk struct {
	pass
	stmts   []schema.Statement
	byTable *rule.StatementIndex
	ign     ignores
}

// run advances s over the statements [from, to); with rulesOn set it runs
// the rules on each and returns their findings.
func (w *walk) run(s *state, from, to int, rulesOn bool) ([]Finding, error) {
	var out []Finding
	for i := from; i < to; i++ {
		st := w.stmts[i]
		c := &rule.Context{
			Stmt: st, Statements: w.stmts, Index: i, ByTable: w.byTable, Model: s.model,
			Facts: locks.Classify(st, s.model, w.pg), Tx: s.tx.state(),
			PG: w.pg, Runner: string(w.runner), Created: s.created,
		}
		for _, r := range w.rules {
			if !rulesOn {
				break
			}
			if w.ign.suppressed(i, r.ID) {
				continue
			}
			vs, err := check(r, c)
			if err != nil {
				return nil, err
			}
			for _, v := range vs {
				out = append(out, newFinding(c, r, v))
			}
		}
		s.tx.after(c)
		rememberCreated(s.created, st)
		_ = s.model.ApplyPartial(st)
	}
	return out, nil
}

// check1 runs one rule on one statement; a rule that panics becomes an error
// naming the rule and the statement instead of taking the program down.
func check(r rule.Rule, c *rule.Context) (vs []rule.Violation, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: rule %s failed on this %s statement (please report it): %v", c.Stmt.Pos, r.ID, c.Stmt.Kind, p)
		}
	}()
	return r.Check(c), nil
}

// assignKeys sets each finding's key: rule, fingerprint of its statement and
// object. Findings that would share a key (the same rule on identical
// statements, such as two stray COMMITs) are numbered: the second gets "#2".
// Each distinct statement is fingerprinted once, on all cores.
func assignKeys(fs []Finding) {
	index := map[string]int{}
	var texts []string
	for _, f := range fs {
		if _, ok := index[f.Statement]; !ok {
			index[f.Statement] = len(texts)
			texts = append(texts, f.Statement)
		}
	}
	fps := make([]string, len(texts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(texts)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(texts); i = int(next.Add(1) - 1) {
				fps[i] = fingerprint(texts[i])
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for i := range fs {
		k := fs[i].Rule + ":" + fps[index[fs[i].Statement]] + ":" + fs[i].Object
		seen[k]++
		if n := seen[k]; n > 1 {
			k = fmt.Sprintf("%s#%d", k, n)
		}
		fs[i].Key = k
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

// newFinding turns a violation into a finding; assignKeys sets its key.
func newFinding(c *rule.Context, r rule.Rule, v rule.Violation) Finding {
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
	return f
}

// fingerprint identifies a statement whatever its spacing, case and comments.
func fingerprint(sql string) string {
	if fp, err := pg_query.Fingerprint(sql); err == nil {
		return fp
	}
	return strings.Join(strings.Fields(strings.ToLower(sql)), " ")
}
