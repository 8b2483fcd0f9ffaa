package migration

import (
	"fmt"
	"path"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// Phase is when a step runs relative to the application deploy.
type Phase string

// The phases, in the order they run.
const (
	// PhasePreDeploy is the expand phase: additive changes the running
	// (old) application tolerates.
	PhasePreDeploy Phase = "pre-deploy"
	// PhaseDeploy is the application deploy itself; its step has no SQL.
	PhaseDeploy Phase = "deploy"
	// PhaseBackfill is background data work, in batches, once the new
	// application writes the new shape.
	PhaseBackfill Phase = "backfill"
	// PhasePostDeploy is the contract phase: validations, NOT NULL and
	// drops, once no old application instance is left.
	PhasePostDeploy Phase = "post-deploy"
)

// Phases lists the phases in run order.
func Phases() []Phase {
	return []Phase{PhasePreDeploy, PhaseDeploy, PhaseBackfill, PhasePostDeploy}
}

// Title is the phase's heading ("Pre-deploy (expand)").
func (p Phase) Title() string {
	switch p {
	case PhasePreDeploy:
		return "Pre-deploy (expand)"
	case PhaseDeploy:
		return "Application deploy"
	case PhaseBackfill:
		return "Background backfill"
	case PhasePostDeploy:
		return "Post-deploy (contract)"
	}
	return string(p)
}

// Why says why the phase holds its steps.
func (p Phase) Why() string {
	switch p {
	case PhasePreDeploy:
		return "Additive changes, run before the application deploy: the running (old) application keeps working."
	case PhaseDeploy:
		return "Roll out the application version that uses the new schema; no SQL runs here."
	case PhaseBackfill:
		return "Data work in committed batches, run once the new application writes the new shape, so no row is missed."
	case PhasePostDeploy:
		return "Validations, NOT NULL and drops, run once no old application instance is left to write what they forbid or read what they remove."
	}
	return ""
}

func (p Phase) order() int { return slices.Index(Phases(), p) }

// Lock is one lock a step takes.
type Lock struct {
	Relation string `json:"relation"`
	Mode     string `json:"mode"`
	// Blocks says what application traffic waits while it is held.
	Blocks  string `json:"blocks"`
	Rewrite bool   `json:"rewrite,omitempty"`
	Scan    bool   `json:"scan,omitempty"`
}

// TableSize is what an audit snapshot says about a table's size.
type TableSize struct {
	Rows  int64 `json:"rows"`
	Bytes int64 `json:"bytes"`
}

// Step is one unit of the rollout: one statement (or one batched loop) run
// on its own, with the facts a DBA needs before running it.
type Step struct {
	N     int    `json:"n"`
	Phase Phase  `json:"phase"`
	Title string `json:"title"`
	// File is the package file holding the step; the layout sets it.
	File string `json:"file,omitempty"`
	// SQL is the statement, without the timeouts around it; empty for the
	// deploy checkpoint.
	SQL string `json:"sql"`
	// Transactional is false for statements PostgreSQL refuses inside a
	// transaction block (CONCURRENTLY) and for batched loops that commit
	// each batch.
	Transactional    bool   `json:"transactional"`
	LockTimeout      string `json:"lock_timeout,omitempty"`
	StatementTimeout string `json:"statement_timeout,omitempty"`
	Locks            []Lock `json:"locks"`
	Rewrite          bool   `json:"rewrite"`
	Scan             bool   `json:"scan"`
	// Sizes holds what an audit snapshot knows of the tables the step
	// locks, by table name.
	Sizes map[string]TableSize `json:"table_size,omitempty"`
	// Rollback undoes the step; empty when there is nothing to undo or no
	// inverse (see Irreversible).
	Rollback string `json:"rollback"`
	// RollbackNote warns about the inverse (data it drops, a scan).
	RollbackNote string `json:"rollback_note,omitempty"`
	// Irreversible steps lose data or cannot be taken back; Recovery says
	// how to get back.
	Irreversible bool   `json:"irreversible"`
	Recovery     string `json:"recovery,omitempty"`
	// Unsafe marks a step kept as written although it blocks traffic or
	// rewrites: no safe form exists; Note explains.
	Unsafe bool   `json:"unsafe"`
	Note   string `json:"note"`
	Retry  string `json:"retry,omitempty"`
	// Source is where the statement the step comes from starts; Origin is
	// its text. Both are empty for the deploy checkpoint.
	Source workflow.Position `json:"source,omitzero"`
	Origin string            `json:"origin,omitempty"`
	// Rewritten is set when the step's SQL is not the statement as written.
	Rewritten bool `json:"rewritten"`
	// Transient marks a step whose effect a later step of the same recipe
	// removes (the helper CHECK of an online SET NOT NULL): there is
	// nothing of it to verify once the rollout is done.
	Transient bool `json:"transient,omitempty"`

	// probe, when set, is the statement whose locks the step takes (one
	// batch of a batched loop).
	probe string
	// touches lists the objects the step's statement touches; data marks
	// a step that changes rows rather than the schema (see keepDependencies).
	touches []string
	data    bool
	// parsed is the step's SQL (or probe) as parsed when it was drafted.
	parsed []schema.Statement
}

// Plan is a change turned into ordered steps.
type Plan struct {
	// Name names the package after the first change file
	// ("checkout_core" for 001_checkout_core.sql).
	Name      string `json:"name"`
	PGVersion int    `json:"pg_version"`
	Steps     []Step `json:"steps"`
}

// Options tune a plan.
type Options struct {
	// PGVersion is the target server's major version (review.DefaultPGVersion when 0).
	PGVersion int
	// Baseline is the schema before the change.
	Baseline []review.Source
	// Sizes are table sizes by table name, from an audit snapshot.
	Sizes map[string]TableSize
	// BatchSize is the number of rows a backfill batch touches (1000 when 0).
	BatchSize int
}

func (o Options) pg() int {
	if o.PGVersion == 0 {
		return review.DefaultPGVersion
	}
	return o.PGVersion
}

func (o Options) batch() int {
	if o.BatchSize <= 0 {
		return 1000
	}
	return o.BatchSize
}

// Build plans the change in files (applied in the order given) against the
// baseline. A syntax error in any file is returned as a *schema.SyntaxError.
func Build(files []review.Source, o Options) (Plan, error) {
	model := &schema.Model{}
	for _, b := range o.Baseline {
		stmts, err := schema.Split(b.Name, b.Text)
		if err != nil {
			return Plan{}, err
		}
		for _, st := range stmts {
			_ = model.ApplyPartial(st)
		}
	}
	base := model.Clone()
	pl := &planner{o: o, pg: o.pg(), model: model, created: map[string]bool{}, backfilled: map[string]bool{}}
	for _, f := range files {
		stmts, err := schema.Split(f.Name, f.Text)
		if err != nil {
			return Plan{}, err
		}
		for _, st := range stmts {
			pl.statement(st)
		}
	}
	keepDependencies(pl.steps)
	steps := order(pl.steps)
	if err := annotate(steps, base, o); err != nil {
		return Plan{}, err
	}
	return Plan{Name: packageName(files), PGVersion: o.pg(), Steps: steps}, nil
}

// packageName derives the package's name from the first file: its base name
// without extension and leading number ("checkout_core").
func packageName(files []review.Source) string {
	if len(files) == 0 {
		return "change"
	}
	name := strings.TrimSuffix(path.Base(files[0].Name), path.Ext(files[0].Name))
	name = strings.TrimSuffix(name, ".up")
	name = strings.TrimLeft(name, "0123456789")
	name = strings.TrimLeft(name, "_-. ")
	if name == "" || name == "-" {
		return "change"
	}
	return name
}

// order sorts the steps by phase, keeping the change's order within a
// phase, and puts the deploy checkpoint between pre-deploy and the rest.
func order(steps []Step) []Step {
	steps = append(steps, Step{
		Phase: PhaseDeploy,
		Title: "Deploy the application",
		Note: "Roll out the application version that uses the new schema. Everything before this point " +
			"is additive, so the old version keeps working while it runs; everything after it assumes " +
			"no old instance is left.",
		Transactional: true,
	})
	slices.SortStableFunc(steps, func(a, b Step) int { return a.Phase.order() - b.Phase.order() })
	for i := range steps {
		steps[i].N = i + 1
	}
	return steps
}

// annotate fills in each step's locks, rewrite and scan flags, sizes,
// timeouts and retry note by classifying its SQL against the model as the
// earlier steps leave it.
func annotate(steps []Step, model *schema.Model, o Options) error {
	for i := range steps {
		s := &steps[i]
		if s.SQL == "" {
			continue
		}
		stmts := s.parsed
		if stmts == nil {
			sql := s.SQL
			if s.probe != "" {
				sql = s.probe
			}
			var err error
			if stmts, err = schema.Split(fmt.Sprintf("step %d", s.N), sql); err != nil {
				return fmt.Errorf("plan step %d (from %s) renders SQL that does not parse: %w", s.N, s.Source, err)
			}
		}
		var strongest locks.Mode
		for _, st := range stmts {
			f := locks.Classify(st, model, o.pg())
			if f.NoTransaction {
				s.Transactional = false
			}
			for _, e := range f.Effects {
				if e.Mode == locks.None {
					continue
				}
				s.Locks = append(s.Locks, Lock{Relation: e.Relation, Mode: e.Mode.String(), Blocks: e.Mode.Blocks(), Rewrite: e.Rewrite, Scan: e.Scan})
				s.Rewrite = s.Rewrite || e.Rewrite
				s.Scan = s.Scan || e.Scan
				strongest = max(strongest, e.Mode)
				if size, ok := o.Sizes[e.Relation]; ok {
					if s.Sizes == nil {
						s.Sizes = map[string]TableSize{}
					}
					s.Sizes[e.Relation] = size
				}
			}
			_ = model.ApplyPartial(st)
		}
		s.LockTimeout, s.StatementTimeout = timeouts(s, strongest)
		if s.Retry == "" {
			s.Retry = retryNote(s, strongest)
		}
	}
	return nil
}

// timeouts picks the step's lock_timeout and statement_timeout. A lock that
// blocks traffic while queued gets a short lock_timeout (everything behind
// it waits too); a weaker one may wait longer. Long-running steps (builds,
// validations, rewrites, loops) get a long or no statement_timeout.
func timeouts(s *Step, strongest locks.Mode) (lock, statement string) {
	lock = "1s"
	if !strongest.Dangerous() {
		lock = "1min"
	}
	switch {
	case s.Phase == PhaseBackfill && !s.Transactional:
		statement = "0" // a loop committing batches: each batch is short, the whole is not
	case s.Scan || s.Rewrite || !s.Transactional:
		statement = "1h"
	default:
		statement = "5s"
	}
	return lock, statement
}

// retryNote says what to do when the step fails.
func retryNote(s *Step, strongest locks.Mode) string {
	switch {
	case s.Phase == PhaseBackfill && !s.Transactional:
		return "Re-run it: each batch picks only rows not done yet, and committed batches stay done."
	case !s.Transactional:
		return "On lock_timeout or any failure, re-run the step: it is written to be repeatable (IF [NOT] EXISTS)."
	case strongest.Dangerous():
		return "On lock_timeout (SQLSTATE 55P03) retry after a pause with jitter, a few times, at a quieter moment if it keeps failing: nothing changed until the lock was granted."
	}
	return "Re-run on failure: the transaction rolled back."
}

// planner turns statements into steps, one statement at a time, knowing
// the schema as the statements before leave it.
type planner struct {
	o     Options
	pg    int
	model *schema.Model
	// created holds the tables this change creates (new and empty).
	created map[string]bool
	// backfilled holds the tables a data step of this change touched.
	backfilled map[string]bool
	steps      []Step
}

// add appends a step drafted from st.
func (p *planner) add(st schema.Statement, s Step) {
	s.Source = st.Pos
	s.Origin = st.Text
	if s.Phase == "" {
		s.Phase = PhasePreDeploy
	}
	if !s.Rewritten {
		s.Rewritten = normalizeSpace(s.SQL) != normalizeSpace(st.Text)
	}
	s.parsed = parseStep(s)
	s.touches = touches(st)
	if len(s.parsed) > 0 {
		s.touches = nil
		for _, one := range s.parsed {
			s.touches = append(s.touches, touches(one)...)
		}
	}
	switch st.Node.GetNode().(type) {
	case *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt, *pg_query.Node_InsertStmt, *pg_query.Node_MergeStmt:
		s.data = true
	}
	p.steps = append(p.steps, s)
}

// parseStep parses the step's SQL (one batch, for a loop: its probe); nil
// when there is none or it does not parse.
func parseStep(s Step) []schema.Statement {
	sql := s.SQL
	if s.probe != "" {
		sql = s.probe
	}
	stmts, err := schema.Split("step", sql)
	if err != nil {
		return nil
	}
	return stmts
}

// normalizeSpace collapses blank space and drops a trailing semicolon.
func normalizeSpace(sql string) string {
	return strings.TrimSuffix(strings.Join(strings.Fields(sql), " "), ";")
}

// isNew reports whether the change itself created the table.
func (p *planner) isNew(table string) bool {
	return p.created[strings.ToLower(schema.ParseQualifiedName(table).String())]
}

// deparse renders a node built from st's tree.
func deparse(st schema.Statement, n *pg_query.Node) string {
	sql, err := st.Deparse(n)
	if err != nil {
		return st.Text + ";"
	}
	return sql
}
