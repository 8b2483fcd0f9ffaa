// Package layout turns a migration plan into a rollout package: numbered SQL
// files in the layout of a migration tool (plain psql files, golang-migrate,
// sqitch or Flyway), their inverses, a lock-risk checklist, the deployment
// order and the plan as JSON. Files is pure: it renders in memory; Write puts
// the files on disk.
package layout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pgrollout/pgrollout/workflow/migration"
)

// Layout is the migration tool the package is shaped for.
type Layout string

// The layouts.
const (
	// Plain is one file per phase, run with psql; every step carries its
	// own BEGIN/COMMIT and timeouts.
	Plain Layout = "plain"
	// GolangMigrate is NNN_name.up.sql / .down.sql pairs: golang-migrate
	// runs a multi-statement file in one implicit transaction and a lone
	// statement outside any.
	GolangMigrate Layout = "golang-migrate"
	// Sqitch is a sqitch project: sqitch.plan with one change per step,
	// deploy/, revert/ and verify/ scripts run by psql.
	Sqitch Layout = "sqitch"
	// Flyway is V<n>__name.sql / U<n>__name.sql scripts; scripts that
	// cannot run in a transaction get a .sql.conf turning it off.
	Flyway Layout = "flyway"
)

// Layouts lists the layouts in display order.
func Layouts() []Layout { return []Layout{Plain, GolangMigrate, Sqitch, Flyway} }

// Parse accepts a layout name.
func Parse(s string) (Layout, error) {
	for _, l := range Layouts() {
		if string(l) == strings.ToLower(strings.TrimSpace(s)) {
			return l, nil
		}
	}
	names := make([]string, len(Layouts()))
	for i, l := range Layouts() {
		names[i] = string(l)
	}
	return "", fmt.Errorf("unknown layout %q (want %s)", s, strings.Join(names, ", "))
}

// File is one file of the package.
type File struct {
	// Name is the file's slash-separated path inside the package directory.
	Name string
	// Content is the file's text.
	Content string
	// Summary says in one line what the file holds.
	Summary string
}

// Options tune the rendering.
type Options struct {
	// Planned is the planning time sqitch.plan records for every change
	// (UTC, to the second). The zero time renders as the Unix epoch, so
	// output stays reproducible.
	Planned time.Time
}

// Files renders the package of plan p in layout l: the numbered SQL files
// (and, per layout, their inverses and tool files), then rollback.sql,
// lock-risk-checklist.md, deployment-order.md and plan.json. Every step's
// File names the forward file holding it. p is not modified.
func Files(p migration.Plan, l Layout, o Options) ([]File, error) {
	pk, err := newPackage(p, l, o)
	if err != nil {
		return nil, err
	}
	var files []File
	switch l {
	case Plain:
		files = pk.plain()
	case GolangMigrate:
		files = pk.golangMigrate()
	case Sqitch:
		files = pk.sqitch()
	case Flyway:
		files = pk.flyway()
	default:
		return nil, fmt.Errorf("layout: unknown layout %q", l)
	}
	files = append(files,
		File{Name: "rollback.sql", Content: pk.rollbackSQL(), Summary: "Every step's inverse in reverse order, for psql; irreversible steps raise a NOTICE with their recovery path."},
		File{Name: "lock-risk-checklist.md", Content: pk.checklist(), Summary: "Per step: locks and what they block, rewrite/scan, table sizes, timeouts, checks before, retry and rollback."},
		File{Name: "deployment-order.md", Content: pk.deploymentOrder(), Summary: "The phases in order, why each is there, its steps and files, and the exact commands to run them."},
	)
	js, err := pk.planJSON()
	if err != nil {
		return nil, err
	}
	files = append(files, File{Name: "plan.json", Content: js, Summary: "The plan, machine-readable: every step with its phase, file, SQL, locks, timeouts and rollback."})
	return files, nil
}

// ErrExists is returned by Write when a file exists and force is not set.
var ErrExists = errors.New("already exists")

// Write writes files into dir, creating it and any sub-directory a name
// needs. Names must stay inside dir. Unless force is set, Write refuses to
// replace an existing file and then writes nothing; the error names the
// file and wraps ErrExists.
func Write(dir string, files []File, force bool) error {
	seen := map[string]bool{}
	for _, f := range files {
		n := filepath.FromSlash(f.Name)
		if f.Name == "" || path.IsAbs(f.Name) || !filepath.IsLocal(n) {
			return fmt.Errorf("layout: file name %q is not inside the package directory", f.Name)
		}
		if seen[filepath.Clean(n)] {
			return fmt.Errorf("layout: file name %q appears twice", f.Name)
		}
		seen[filepath.Clean(n)] = true
		fi, err := os.Lstat(filepath.Join(dir, n))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("layout: %w", err)
		case fi.IsDir():
			return fmt.Errorf("layout: %s is a directory, not a file", filepath.Join(dir, n))
		case !force:
			return fmt.Errorf("layout: %s %w", filepath.Join(dir, n), ErrExists)
		}
	}
	for _, f := range files {
		target := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("layout: %w", err)
		}
		if err := os.WriteFile(target, []byte(f.Content), 0o644); err != nil {
			return fmt.Errorf("layout: %w", err)
		}
	}
	return nil
}

// Summary tallies a plan in one line: "10 steps (7 pre-deploy, 2 backfill,
// 1 post-deploy); 0 unsafe, 2 irreversible".
func Summary(p migration.Plan) string {
	byPhase := map[migration.Phase]int{}
	total, unsafe, irreversible := 0, 0, 0
	for _, s := range p.Steps {
		if s.SQL == "" {
			continue
		}
		total++
		byPhase[s.Phase]++
		if s.Unsafe {
			unsafe++
		}
		if s.Irreversible {
			irreversible++
		}
	}
	var parts []string
	for _, ph := range migration.Phases() {
		if n := byPhase[ph]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, ph))
		}
	}
	s := plural(total, "step", "steps")
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("%s; %d unsafe, %d irreversible", s, unsafe, irreversible)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
