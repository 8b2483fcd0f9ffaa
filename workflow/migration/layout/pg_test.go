package layout

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// rows gives the representative baseline data, so that backfills, checks and
// validations have rows to work on.
const rows = `
INSERT INTO customers (id, email) SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 300) g;
INSERT INTO orders (id, customer_id, status, total_cents) SELECT g, 1 + g % 300, 'new', g FROM generate_series(1, 2500) g;
INSERT INTO payments (id, ref) SELECT g, 'ref-' || g FROM generate_series(1, 50) g;
`

// TestPackagesRunOnPostgres runs every layout's package against the test
// server (see internal/pgtest) the way its tool runs it: plain and sqitch
// scripts with psql, golang-migrate files as one simple query each,
// Flyway scripts statement by statement in a transaction unless their
// .sql.conf turns it off. Every forward file must succeed, every sqitch
// verify script must fail before its change and pass after, and undoing
// the package must bring the schema back to the baseline's, except for the
// steps the plan marks irreversible.
func TestPackagesRunOnPostgres(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed")
	}
	admin := pgtest.Server(t)
	pg := pgtest.ServerVersion(t, admin)
	base, change := sampleSources(t)
	type scenario struct {
		name, base, data, change string
	}
	scenarios := []scenario{{"sample", base.Text, "", change.Text}}
	for _, c := range changes {
		scenarios = append(scenarios, scenario{c.name, baseline, rows, c.sql})
	}
	for _, sc := range scenarios {
		p, err := migration.Build([]review.Source{{Name: "001_" + sc.name + ".sql", Text: sc.change}},
			migration.Options{PGVersion: pg, Baseline: []review.Source{{Name: "baseline.sql", Text: sc.base}}})
		if err != nil {
			t.Fatal(err)
		}
		// A dropped column stays dropped; everything else returns.
		restores := !slices.ContainsFunc(p.Steps, func(s migration.Step) bool { return s.Irreversible && s.Phase != migration.PhaseBackfill })
		for _, l := range Layouts() {
			t.Run(sc.name+"/"+string(l), func(t *testing.T) {
				t.Parallel()
				db := pgtest.NewDB(t)
				conn := db.Connect(t)
				ctx := context.Background()
				if _, err := conn.Exec(ctx, sc.base+sc.data); err != nil {
					t.Fatalf("baseline: %v", err)
				}
				before := pgtest.Catalog(t, conn)
				files, err := Files(p, l, Options{Planned: planned})
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				if err := Write(dir, files, false); err != nil {
					t.Fatal(err)
				}
				changed := false
				r := runner{t: t, conn: conn, dsn: db.DSN, psql: psql, dir: dir, forwardDone: func() {
					changed = !slices.Equal(before, pgtest.Catalog(t, conn))
				}}
				undone := r.run(l, files)
				if !changed && !isEnum(p.Steps[0]) {
					t.Errorf("the forward files changed nothing in the catalog")
				}
				if !restores || !undone {
					return
				}
				if after := pgtest.Catalog(t, conn); !slices.Equal(before, after) {
					t.Errorf("undoing the package left the schema changed:\n%s", pgtest.Diff(before, after))
				}
			})
		}
	}
}

// isEnum reports whether a step adds an enum value (which stays, but the
// catalog comparison does not look at enum labels).
func isEnum(s migration.Step) bool { return strings.HasPrefix(strings.TrimSpace(s.SQL), "ALTER TYPE") }

// runner runs package files the way their tools do.
type runner struct {
	t         *testing.T
	conn      *pgx.Conn
	dsn, psql string
	dir       string
	// forwardDone is called between the forward files and the undo.
	forwardDone func()
}

// run applies the package forward, then undoes it; it reports whether the
// undo ran to the end.
func (r runner) run(l Layout, files []File) bool {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	has := func(n string) bool { return slices.Contains(names, n) }
	switch l {
	case Plain:
		var forward []string
		for _, n := range names {
			if strings.HasSuffix(n, ".sql") && n != "rollback.sql" {
				forward = append(forward, n)
			}
		}
		for _, n := range forward {
			r.psqlFile(n, true)
		}
		r.forwardDone()
		r.psqlFile("rollback.sql", true)
	case GolangMigrate:
		var ups []string
		for _, n := range names {
			if strings.HasSuffix(n, ".up.sql") {
				ups = append(ups, n)
			}
		}
		for _, n := range ups {
			r.simpleQuery(n, true)
		}
		r.forwardDone()
		for k := len(ups) - 1; k >= 0; k-- {
			down := strings.TrimSuffix(ups[k], ".up.sql") + ".down.sql"
			if err := r.simpleQuery(down, false); err != nil {
				if strings.Contains(err.Error(), "cannot be undone by golang-migrate") {
					return false // handed to rollback.sql, as the file says
				}
				r.t.Fatalf("%s: %v", down, err)
			}
		}
	case Flyway:
		var vs []string
		for _, n := range names {
			if strings.HasPrefix(n, "V") && strings.HasSuffix(n, ".sql") {
				vs = append(vs, n)
			}
		}
		slices.SortFunc(vs, func(a, b string) int { return flywayVersion(a) - flywayVersion(b) })
		for _, n := range vs {
			r.flywayScript(n, !has(n+".conf"))
		}
		r.forwardDone()
		for k := len(vs) - 1; k >= 0; k-- {
			u := "U" + strings.TrimPrefix(vs[k], "V")
			r.flywayScript(u, !has(u+".conf"))
		}
	case Sqitch:
		var changes []string
		for _, n := range names {
			if strings.HasPrefix(n, "deploy/") {
				changes = append(changes, strings.TrimSuffix(strings.TrimPrefix(n, "deploy/"), ".sql"))
			}
		}
		for _, c := range changes {
			verify := "verify/" + c + ".sql"
			checks := strings.Contains(r.read(verify), "BEGIN;")
			if checks && r.psqlFile(verify, false) == nil {
				r.t.Errorf("%s passes before the change is deployed", verify)
			}
			r.psqlFile("deploy/"+c+".sql", true)
			r.psqlFile(verify, true)
		}
		// sqitch verify re-runs every script once the whole plan is deployed.
		for _, c := range changes {
			r.psqlFile("verify/"+c+".sql", true)
		}
		r.forwardDone()
		for k := len(changes) - 1; k >= 0; k-- {
			r.psqlFile("revert/"+changes[k]+".sql", true)
		}
	}
	return true
}

func (r runner) read(name string) string {
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(name)))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// psqlFile runs a file with psql as the package documents it.
func (r runner) psqlFile(name string, must bool) error {
	r.t.Helper()
	cmd := exec.Command(r.psql, r.dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", filepath.FromSlash(name))
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("%w: %s", err, out)
		if must {
			r.t.Fatalf("psql -f %s: %v", name, err)
		}
	}
	return err
}

// simpleQuery sends a whole file as one simple query, as golang-migrate does.
func (r runner) simpleQuery(name string, must bool) error {
	r.t.Helper()
	_, err := r.conn.Exec(context.Background(), r.read(name))
	if err != nil && must {
		r.t.Fatalf("%s: %v", name, err)
	}
	return err
}

// flywayScript runs a script statement by statement, in one transaction
// unless inTx is false.
func (r runner) flywayScript(name string, inTx bool) {
	r.t.Helper()
	stmts, err := schema.Split(name, r.read(name))
	if err != nil {
		r.t.Fatal(err)
	}
	ctx := context.Background()
	if inTx {
		if _, err := r.conn.Exec(ctx, "BEGIN"); err != nil {
			r.t.Fatal(err)
		}
	}
	for _, st := range stmts {
		if _, err := r.conn.Exec(ctx, st.Text); err != nil {
			r.t.Fatalf("%s: %s: %v", name, st.Kind, err)
		}
	}
	if inTx {
		if _, err := r.conn.Exec(ctx, "COMMIT"); err != nil {
			r.t.Fatal(err)
		}
	}
}

// flywayVersion reads the version of a V or U script name.
func flywayVersion(name string) int {
	var v int
	fmt.Sscanf(name[1:], "%d", &v)
	return v
}
