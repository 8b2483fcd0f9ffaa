// Command pgrollout walks a PostgreSQL schema change from first draft to owner
// decision: Build, Review, Migration, Validate, Audit, Compare.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/store"
	"github.com/pgrollout/pgrollout/ui"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/inputs"
	"github.com/pgrollout/pgrollout/workflow/report"
)

const version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgrollout:", err)
		os.Exit(1)
	}
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
	root.AddCommand(newDemoCmd(g), newExportCmd(g), newProjectsCmd(g))
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
