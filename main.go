// Command pgrollout walks a PostgreSQL schema change from first draft to owner
// decision: Build, Review, Migration, Validate, Audit, Compare.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/store"
	"github.com/pgrollout/pgrollout/ui"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/inputs"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/migration/layout"
	"github.com/pgrollout/pgrollout/workflow/report"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/review/config"
	"github.com/pgrollout/pgrollout/workflow/review/format"
)

const version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	var ex exitError
	switch {
	case errors.As(err, &ex):
		if ex.err != nil {
			fmt.Fprintln(os.Stderr, "pgrollout:", ex.err)
		}
		os.Exit(ex.code)
	case err != nil:
		fmt.Fprintln(os.Stderr, "pgrollout:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a given exit code; err, when set, is printed.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// globals are the flags every command shares.
type globals struct {
	storePath string
	noColor   bool
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "pgrollout",
		Short: "Walk a PostgreSQL schema change from first draft to owner decision",
		Long: `pgrollout walks a PostgreSQL schema change through six stages (Build, Review,
Migration, Validate, Audit, Compare) to explicit owner decisions: accepted,
needs evidence, or blocked/rejected. All state lives in a local bbolt file.

Run without a command to open the terminal app on your store.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			return ui.Run(cmd.Context(), g.uiOptions(s, ""))
		},
	}
	root.PersistentFlags().StringVar(&g.storePath, "store", "", "store file (default $XDG_DATA_HOME/pgrollout/pgrollout.db or ~/.local/share/pgrollout/pgrollout.db)")
	root.PersistentFlags().BoolVar(&g.noColor, "no-color", false, "plain output without colours (also NO_COLOR)")
	root.AddCommand(newAuditCmd(g), newDemoCmd(g), newExportCmd(g), newPlanCmd(), newProjectsCmd(g), newReviewCmd(), newRulesCmd())
	return root
}

// path returns the store file to use.
func (g *globals) path() (string, error) {
	if g.storePath != "" {
		return g.storePath, nil
	}
	return store.DefaultPath()
}

func (g *globals) open(ctx context.Context) (*store.Store, error) {
	p, err := g.path()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, p)
}

func (g *globals) uiOptions(s *store.Store, projectID string) ui.Options {
	return ui.Options{
		Store:     s,
		ProjectID: projectID,
		Plain:     g.noColor || os.Getenv("NO_COLOR") != "",
		Sample:    loadSample,
		User:      userName(),
		Live:      audit.Live,
	}
}

// userName names the person recorded in decision history.
func userName() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// loadSample reads the built-in checkout sample's inputs into a project.
func loadSample() (workflow.Project, error) {
	p, err := inputs.Load(sample.Checkout())
	if err != nil {
		return p, fmt.Errorf("load the checkout sample: %w", err)
	}
	p.Meta.Sample = true
	return p, nil
}

func newDemoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Open the built-in checkout sample offline",
		Long: `Open the checkout sample in the terminal app. It runs offline and works on a
throwaway copy: your store is not touched. With --store PATH the sample is
kept in PATH instead, so decisions you change there survive a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			path := g.storePath
			if path == "" {
				dir, err := os.MkdirTemp("", "pgrollout-demo-")
				if err != nil {
					return fmt.Errorf("create demo folder: %w", err)
				}
				defer os.RemoveAll(dir)
				path = filepath.Join(dir, "demo.db")
			}
			s, err := store.Open(ctx, path)
			if err != nil {
				return err
			}
			defer s.Close()
			id, err := ensureSample(ctx, s)
			if err != nil {
				return err
			}
			return ui.Run(ctx, g.uiOptions(s, id))
		},
	}
}

// ensureSample returns the store's checkout sample project (whatever it has
// been renamed to), importing it first if the store has none.
func ensureSample(ctx context.Context, s *store.Store) (string, error) {
	ps, err := s.Projects(ctx)
	if err != nil {
		return "", err
	}
	for _, m := range ps {
		if m.Sample {
			return m.ID, nil
		}
	}
	p, err := loadSample()
	if err != nil {
		return "", err
	}
	p.Meta.CreatedAt = time.Now().UTC()
	m, err := s.ImportProject(ctx, p)
	if err != nil {
		return "", fmt.Errorf("import the checkout sample: %w", err)
	}
	return m.ID, nil
}

func newExportCmd(g *globals) *cobra.Command {
	var (
		fromSample bool
		project    string
		out        string
		force      bool
	)
	cmd := &cobra.Command{
		Use:   "export (--sample | --project NAME) --out DIR",
		Short: "Write a project's markdown handoff files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var p workflow.Project
			switch {
			case fromSample == (project != ""):
				return errors.New("name exactly one of --sample or --project NAME")
			case fromSample:
				var err error
				if p, err = loadSample(); err != nil {
					return err
				}
			default:
				s, err := g.open(ctx)
				if err != nil {
					return err
				}
				defer s.Close()
				m, err := s.FindProject(ctx, project)
				if err != nil {
					return err
				}
				if p, err = s.LoadProject(ctx, m.ID); err != nil {
					return err
				}
			}
			files, err := report.Files(p, time.Now().UTC())
			if err != nil {
				return err
			}
			paths, err := report.Write(ctx, out, files, force)
			if errors.Is(err, report.ErrExists) {
				return fmt.Errorf("%w; use --force to overwrite", err)
			}
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&fromSample, "sample", false, "export the built-in checkout sample")
	cmd.Flags().StringVar(&project, "project", "", "export this project (name or id) from the store")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the files to")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newProjectsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "projects",
		Short: "List the projects in the store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			ps, err := s.Projects(cmd.Context())
			if err != nil {
				return err
			}
			return printProjects(cmd.OutOrStdout(), s.Path(), ps)
		},
	}
}

func printProjects(w io.Writer, path string, ps []workflow.ProjectMeta) error {
	if len(ps) == 0 {
		_, err := fmt.Fprintf(w, "no projects in %s\n", path)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tDESCRIPTION")
	for _, p := range ps {
		name := p.Name
		if p.Sample {
			name += " (sample)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, name, p.CreatedAt.UTC().Format("2006-01-02"), p.Description)
	}
	return tw.Flush()
}

func newAuditCmd(g *globals) *cobra.Command {
	var (
		dsn       string
		outFormat string
		project   string
		interval  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "audit [flags]",
		Short: "Audit a live database read-only: index health, scans, temp writes, bloat, wraparound, sequences",
		Long: `Audit connects read-only (--dsn, or the libpq environment: PGHOST, PGPORT,
PGUSER, PGDATABASE, PGSERVICE, PGPASSFILE, .pgpass, PGSSLMODE), probes what the
role may read, reads the statistics and catalogs with a fixed number of queries
and reports each check as evaluated, degraded or skipped, with findings that
carry their evidence, the statistics window, remediation SQL and its undo.

The sessions are read-only three times over (default_transaction_read_only,
READ ONLY transactions, timeouts); it never resets statistics or creates
anything. It reads on two sessions that share one snapshot, or on one when
a connection limit refuses the second. With --interval it reads twice and reports rates over the interval.
With --project the snapshot (counters and findings, no password) is stored in
that project of the store, where Compare can diff any two.

Exit status: 0 audited, 1 cannot connect or read the statistics, 2 bad flags.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch outFormat {
			case "text", "json", "markdown":
			default:
				return exitError{2, fmt.Errorf("unknown --format %q (want text, json or markdown)", outFormat)}
			}
			if interval < 0 {
				return exitError{2, fmt.Errorf("--interval must be positive, not %s", interval)}
			}
			var st *store.Store
			var projectID string
			if project != "" {
				var err error
				if st, err = g.open(cmd.Context()); err != nil {
					return err
				}
				defer st.Close()
				m, err := st.FindProject(cmd.Context(), project)
				if err != nil {
					return exitError{2, err}
				}
				projectID = m.ID
			}
			progress := func(s string) { fmt.Fprintln(cmd.ErrOrStderr(), "audit: "+s) }
			res, err := audit.Live(cmd.Context(), dsn, interval, progress)
			if err != nil {
				return exitError{1, fmt.Errorf("audit: %w", err)}
			}
			if st != nil {
				doc, err := audit.Document(res.Snapshot)
				if err != nil {
					return err
				}
				if err := st.AddDocument(cmd.Context(), projectID, doc); err != nil {
					return err
				}
				progress("stored as " + doc.Name + " in project " + projectID)
			}
			for _, n := range res.Notes {
				progress(n)
			}
			w := cmd.OutOrStdout()
			switch outFormat {
			case "json":
				return audit.WriteJSON(w, res.Report)
			case "markdown":
				_, err := io.WriteString(w, audit.Markdown(res.Report, res.Snapshot))
				return err
			}
			return audit.WriteText(w, res.Report)
		},
	}
	cmd.Flags().StringVar(&dsn, "dsn", "", "connection string (URL or key=value); empty uses the libpq environment")
	cmd.Flags().StringVar(&outFormat, "format", "text", "output: text, json or markdown")
	cmd.Flags().StringVar(&project, "project", "", "store the snapshot in this project (name or id)")
	cmd.Flags().DurationVar(&interval, "interval", 0, "read twice this far apart and report rates (e.g. 60s)")
	return cmd
}

func newReviewCmd() *cobra.Command {
	var (
		outFormat string
		pgVersion int
		baselines []string
		runner    string
		exclude   []string
		include   []string
		failOn    string
	)
	cmd := &cobra.Command{
		Use:   "review [flags] FILE...",
		Short: "Review migration SQL for lock, rewrite, breaking-change and design risks",
		Long: `Review parses each file with PostgreSQL's parser, replays the baseline and the
change into a schema model, and reports what each statement risks: the lock it
takes and what that blocks, rewrites and scans, breaking changes, and design
gaps, each with a safe alternative as SQL. "-" reads standard input.

Settings come from .pgrollout.toml, found upward from the working directory
(pg_version, excluded_rules, runner); flags override it.

Exit status: 0 clean, 1 findings at or above --fail-on, 2 unreadable input or
a syntax error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Find(".")
			if err != nil {
				return exitError{2, err}
			}
			o := review.Options{PGVersion: cfg.PGVersion, Exclude: cfg.ExcludedRules}
			if cmd.Flags().Changed("pg-version") {
				o.PGVersion = pgVersion
			}
			o.Exclude = append(o.Exclude, exclude...)
			o.Include = include
			if r := cmp.Or(runner, cfg.Runner); r != "" {
				if o.Runner, err = review.ParseRunner(r); err != nil {
					return exitError{2, err}
				}
			}
			threshold, err := workflow.ParseSeverity(failOn)
			if err != nil || threshold == workflow.SeverityInfo {
				return exitError{2, fmt.Errorf("--fail-on takes warning or error, not %q", failOn)}
			}
			if o.Baseline, err = readSources(cmd.InOrStdin(), baselines); err != nil {
				return exitError{2, err}
			}
			files, err := readSources(cmd.InOrStdin(), args)
			if err != nil {
				return exitError{2, err}
			}
			// The parse trees of a long migration stay live for the whole review;
			// collecting at half the default growth keeps the peak ~40% lower
			// for a few percent of time (bench/review.sh measures both); the
			// soft limit makes the collector work harder near 160 MiB.
			debug.SetGCPercent(50)
			debug.SetMemoryLimit(160 << 20)
			res, err := review.Review(files, o)
			if err != nil {
				return exitError{2, err}
			}
			sources := map[string]string{}
			for _, f := range files {
				sources[f.Name] = f.Text
			}
			if err := format.Write(cmd.OutOrStdout(), outFormat, res, sources, version); err != nil {
				return exitError{2, err}
			}
			for _, f := range res.Findings {
				if f.Severity.Rank() >= threshold.Rank() {
					return exitError{code: 1}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&outFormat, "format", "text", "output format: "+strings.Join(format.Names(), ", "))
	cmd.Flags().IntVar(&pgVersion, "pg-version", review.DefaultPGVersion, "target PostgreSQL major version")
	cmd.Flags().StringArrayVar(&baselines, "baseline", nil, "schema dump or earlier migrations replayed first (repeatable)")
	cmd.Flags().StringVar(&runner, "runner", "", "migration runner: plain, golang-migrate, flyway, sqitch, assume-in-transaction")
	cmd.Flags().StringSliceVar(&exclude, "exclude", nil, "rule ids not to run (comma-separated)")
	cmd.Flags().StringSliceVar(&include, "include", nil, "opt-in rule ids to run as well (comma-separated)")
	cmd.Flags().StringVar(&failOn, "fail-on", "warning", "lowest severity that makes the exit status 1: warning or error")
	return cmd
}

func newPlanCmd() *cobra.Command {
	var (
		layoutName string
		baselines  []string
		pgVersion  int
		batchSize  int
		force      bool
		out        string
		stats      string
	)
	cmd := &cobra.Command{
		Use:   "plan [flags] --out DIR FILE...",
		Short: "Write a rollout package: the change as online steps, rollback, lock-risk checklist and deployment order",
		Long: `Plan parses the change (the FILEs in order, "-" for standard input) against the
baseline and turns it into ordered steps: online forms of risky statements
(CONCURRENTLY, NOT VALID + VALIDATE, batched backfills), pre-deploy, deploy,
backfill and post-deploy phases, each step with its locks, timeouts, retry note
and inverse. It writes the package into DIR in your migration tool's layout:

  plain           one psql file per phase: 001_NAME.sql, 002_NAME_backfill.sql ...
  golang-migrate  NNN_NAME.up.sql / NNN_NAME.down.sql pairs
  sqitch          sqitch.plan with deploy/, revert/ and verify/ scripts
  flyway          V<n>__NAME.sql / U<n>__NAME.sql, with .sql.conf where needed

and in every layout rollback.sql, lock-risk-checklist.md, deployment-order.md
and plan.json. Start with deployment-order.md.

With --stats (a statistics snapshot, as the Audit stage reads) every step
shows the rows and size of the tables it locks.

pg_version, and the runner as the default layout, come from .pgrollout.toml
when set; flags override it.

Exit status: 0 written, 1 the package could not be written (a file exists:
use --force), 2 unreadable input, a syntax error or a bad flag.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Find(".")
			if err != nil {
				return exitError{2, err}
			}
			o := migration.Options{PGVersion: cfg.PGVersion, BatchSize: batchSize}
			if cmd.Flags().Changed("pg-version") {
				o.PGVersion = pgVersion
			}
			if batchSize < 1 {
				return exitError{2, fmt.Errorf("--batch-size takes a positive number of rows, not %d", batchSize)}
			}
			if !cmd.Flags().Changed("layout") {
				if l, err := layout.Parse(cfg.Runner); err == nil {
					layoutName = string(l)
				}
			}
			l, err := layout.Parse(layoutName)
			if err != nil {
				return exitError{2, err}
			}
			if o.Baseline, err = readSources(cmd.InOrStdin(), baselines); err != nil {
				return exitError{2, err}
			}
			files, err := readSources(cmd.InOrStdin(), args)
			if err != nil {
				return exitError{2, err}
			}
			if stats != "" {
				data, err := os.ReadFile(stats)
				if err != nil {
					return exitError{2, fmt.Errorf("read statistics snapshot: %w", err)}
				}
				s, err := audit.ParseSnapshot(stats, data)
				if err != nil {
					return exitError{2, err}
				}
				o.Sizes = migration.SnapshotSizes(s)
			}
			p, err := migration.Build(files, o)
			if err != nil {
				return exitError{2, err}
			}
			pkg, err := layout.Files(p, l, layout.Options{Planned: time.Now().UTC()})
			if err != nil {
				return err
			}
			if err := layout.Write(out, pkg, force); errors.Is(err, layout.ErrExists) {
				return fmt.Errorf("%w; use --force to overwrite", err)
			} else if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %s\n", p.Name, layout.Summary(p))
			fmt.Fprintf(w, "wrote %d files (%s layout) to %s:\n", len(pkg), l, out)
			for _, f := range pkg {
				fmt.Fprintf(w, "  %s\n", filepath.Join(out, filepath.FromSlash(f.Name)))
			}
			fmt.Fprintf(w, "start with %s\n", filepath.Join(out, "deployment-order.md"))
			return nil
		},
	}
	cmd.Flags().StringVar(&layoutName, "layout", string(layout.Plain), "package layout: plain, golang-migrate, sqitch, flyway")
	cmd.Flags().StringArrayVar(&baselines, "baseline", nil, "schema dump or earlier migrations replayed first (repeatable)")
	cmd.Flags().IntVar(&pgVersion, "pg-version", review.DefaultPGVersion, "target PostgreSQL major version")
	cmd.Flags().IntVar(&batchSize, "batch-size", 1000, "rows per batch of a backfill")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist")
	cmd.Flags().StringVar(&stats, "stats", "", "statistics snapshot (JSON) giving table sizes")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the package to")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// readSources reads SQL files; "-" is standard input, read once.
func readSources(stdin io.Reader, names []string) ([]review.Source, error) {
	var out []review.Source
	for _, n := range names {
		var data []byte
		var err error
		if n == "-" {
			data, err = io.ReadAll(stdin)
			n = "stdin"
		} else {
			data, err = os.ReadFile(n)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		out = append(out, review.Source{Name: n, Text: string(data)})
	}
	return out, nil
}

func newRulesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "List the review rules: id, severity and what each checks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RULE\tSEVERITY\tCHECKS")
			for _, r := range review.Rules() {
				sev := string(r.Severity)
				if r.OptIn {
					sev += " (opt-in)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, sev, r.Summary)
			}
			return tw.Flush()
		},
	}
}
