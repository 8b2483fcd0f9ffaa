package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/store"
	"github.com/pgrollout/pgrollout/workflow"
)

// runCLI runs the command line with args and returns what it printed.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestExportSample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "handoff")
	out, err := runCLI(t, "export", "--sample", "--out", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"README.md", "decisions.md"} {
		if !strings.Contains(out, filepath.Join(dir, f)) {
			t.Errorf("output does not list %s:\n%s", f, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "one accepted change, one evidence gap, one rejected rollout item") {
			t.Errorf("%s lacks the result line", f)
		}
	}
	for _, f := range []string{"001_checkout_core.sql", "002_checkout_core_backfill.sql", "rollback.sql", "deployment-order.md"} {
		if _, err := os.Stat(filepath.Join(dir, "migration", f)); err != nil {
			t.Errorf("the export lacks the rollout package: %v", err)
		}
	}
	// The sample's statistics snapshot, analysed by the Audit stage's checks.
	if !strings.Contains(out, filepath.Join(dir, "audit-report.md")) {
		t.Errorf("output does not list audit-report.md:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "audit-report.md")); err != nil {
		t.Errorf("the export lacks the audit report: %v", err)
	} else if !strings.HasPrefix(string(b), "# Audit report: checkout (PostgreSQL 16.4)\n") ||
		!strings.Contains(string(b), "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);") {
		t.Errorf("audit-report.md:\n%s", b)
	}
	if _, err := runCLI(t, "export", "--sample", "--out", dir); err == nil || !strings.Contains(err.Error(), "already exists; use --force") {
		t.Errorf("second export: %v", err)
	}
	if _, err := runCLI(t, "export", "--sample", "--out", dir, "--force"); err != nil {
		t.Errorf("export --force: %v", err)
	}
}

func TestExportNeedsOneSource(t *testing.T) {
	for _, args := range [][]string{
		{"export", "--out", t.TempDir()},
		{"export", "--sample", "--project", "x", "--out", t.TempDir()},
	} {
		if _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), "exactly one of --sample or --project") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := runCLI(t, "export", "--sample"); err == nil || !strings.Contains(err.Error(), `"out" not set`) {
		t.Errorf("without --out: %v", err)
	}
}

func TestProjectsAndExportFromStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	out, err := runCLI(t, "projects", "--store", path)
	if err != nil || !strings.Contains(out, "no projects in "+path) {
		t.Fatalf("empty store: %q %v", out, err)
	}
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	id1, err := ensureSample(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := ensureSample(context.Background(), s)
	if err != nil || id1 != id2 {
		t.Fatalf("second ensureSample: %s %s %v", id1, id2, err)
	}
	// A renamed sample is still the sample; its old name may go to another project.
	ctx := context.Background()
	if err := s.RenameProject(ctx, id1, "Checkout launch"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, workflow.Project{Meta: workflow.ProjectMeta{Name: "Checkout reliability"}}); err != nil {
		t.Fatal(err)
	}
	if id3, err := ensureSample(ctx, s); err != nil || id3 != id1 {
		t.Fatalf("ensureSample after a rename: %s %v, want %s", id3, err, id1)
	}
	if err := s.DeleteProject(ctx, id1); err != nil {
		t.Fatal(err)
	}
	id4, err := ensureSample(ctx, s)
	if err != nil {
		t.Fatalf("re-import beside a project holding the sample's name: %v", err)
	}
	if m, _ := s.FindProject(ctx, id4); m.Name != "Checkout reliability (2)" {
		t.Errorf("re-imported sample named %q", m.Name)
	}
	// Back to one sample project under its own name for what follows.
	for _, id := range []string{id4, "checkout-reliability-2"} {
		if err := s.DeleteProject(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ensureSample(ctx, s); err != nil {
		t.Fatal(err)
	}
	s.Close()

	out, err = runCLI(t, "projects", "--store", path)
	if err != nil || !strings.Contains(out, "checkout-reliability  Checkout reliability (sample)") || strings.Count(out, "\n") != 2 {
		t.Errorf("projects:\n%s%v", out, err)
	}
	dir := t.TempDir()
	if _, err := runCLI(t, "export", "--store", path, "--project", "Checkout reliability", "--out", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "decisions.md")); err != nil {
		t.Error(err)
	}
	if _, err := runCLI(t, "export", "--store", path, "--project", "nope", "--out", dir); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown project: %v", err)
	}
}

func TestStoreInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := runCLI(t, "projects", "--store", path); err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), path) {
		t.Errorf("second open: %v", err)
	}
}

func TestVersion(t *testing.T) {
	out, err := runCLI(t, "--version")
	if err != nil || strings.TrimSpace(out) != "pgrollout version "+version {
		t.Errorf("%q %v", out, err)
	}
}

// exitCode is the status main would exit with for err.
func exitCode(err error) int {
	var ex exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ex):
		return ex.code
	}
	return 1
}

func TestReviewExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := write("base.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n")
	risky := write("risky.sql", "CREATE INDEX orders_customer_idx ON orders (customer_id);\n")
	clean := write("clean.sql", "SELECT 1;\n")
	broken := write("broken.sql", "SELECT 1;\n\nALTER TABLE orders ADD COLUMN;\n")
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"clean", []string{"review", clean}, 0, "no findings in 1 statement"},
		{"findings", []string{"review", "--baseline", base, risky}, 1, "require-concurrent-index-creation"},
		{"below fail-on", []string{"review", "--baseline", base, "--fail-on", "error", "--exclude", "index-without-query-evidence", risky}, 0, "require-concurrent-index-creation"},
		{"excluded", []string{"review", "--baseline", base, "--exclude", "require-concurrent-index-creation,index-without-query-evidence,require-lock-timeout,require-statement-timeout,prefer-robust-stmts", risky}, 0, ""},
		{"syntax error", []string{"review", broken}, 2, ""},
		{"missing file", []string{"review", filepath.Join(dir, "nope.sql")}, 2, ""},
		{"bad format", []string{"review", "--format", "xml", clean}, 2, ""},
		{"bad fail-on", []string{"review", "--fail-on", "info", clean}, 2, ""},
		{"json", []string{"review", "--format", "json", "--baseline", base, risky}, 1, `"rule": "require-concurrent-index-creation"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, tt.args...)
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit %d (%v), want %d\n%s", got, err, tt.code, out)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("output lacks %q:\n%s", tt.out, out)
			}
		})
	}
	_, err := runCLI(t, "review", broken)
	if err == nil || !strings.Contains(err.Error(), "broken.sql:3:") || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("syntax error message: %v", err)
	}
}

func TestReviewStdinAndConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".pgrollout.toml"), []byte("excluded_rules = [\"require-concurrent-index-creation\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetIn(strings.NewReader("CREATE INDEX ix ON orders (customer_id);\n"))
	cmd.SetArgs([]string{"review", "--format", "json", "-"})
	_ = cmd.ExecuteContext(context.Background())
	if strings.Contains(out.String(), "require-concurrent-index-creation") {
		t.Errorf("the config's excluded rule ran:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "[") {
		t.Errorf("no JSON array from stdin:\n%s", out.String())
	}
	if err := os.WriteFile(filepath.Join(dir, ".pgrollout.toml"), []byte("runner = \"liquibase\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "review", "-"); exitCode(err) != 2 || !strings.Contains(err.Error(), "liquibase") {
		t.Errorf("bad runner in config: %v", err)
	}
}

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pkg")
	args := []string{"plan", "--baseline", "sample/checkout/schema.sql", "--out", out, "sample/checkout/migrations/001_checkout_core.sql"}
	got, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, got)
	}
	for _, want := range []string{
		"checkout_core: 10 steps (7 pre-deploy, 2 backfill, 1 post-deploy); 0 unsafe, 2 irreversible",
		"wrote 7 files (plain layout)",
		filepath.Join(out, "001_checkout_core.sql"),
		filepath.Join(out, "003_checkout_core_post_deploy.sql"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, f := range []string{"001_checkout_core.sql", "002_checkout_core_backfill.sql", "rollback.sql", "lock-risk-checklist.md", "deployment-order.md", "plan.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := runCLI(t, args...); exitCode(err) != 1 || !strings.Contains(err.Error(), "already exists; use --force") {
		t.Errorf("second plan: %v", err)
	}
	if _, err := runCLI(t, append([]string{"plan", "--force", "--stats", "sample/checkout/audit/stats-snapshot.json"}, args[1:]...)...); err != nil {
		t.Errorf("plan --force: %v", err)
	}
	if checklist, err := os.ReadFile(filepath.Join(out, "lock-risk-checklist.md")); err != nil || !strings.Contains(string(checklist), "orders: 6,148,230 rows, 4.1 GiB") {
		t.Errorf("--stats gave no table sizes to the checklist (%v)", err)
	}

	broken := filepath.Join(dir, "broken.sql")
	if err := os.WriteFile(broken, []byte("SELECT 1;\n\nALTER TABLE orders ADD COLUMN;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		msg  string
	}{
		{"syntax error", []string{"plan", "--out", filepath.Join(dir, "x"), broken}, "broken.sql:3:"},
		{"missing file", []string{"plan", "--out", filepath.Join(dir, "x"), filepath.Join(dir, "nope.sql")}, "nope.sql"},
		{"bad layout", []string{"plan", "--layout", "liquibase", "--out", filepath.Join(dir, "x"), broken}, "liquibase"},
		{"bad batch size", []string{"plan", "--batch-size", "0", "--out", filepath.Join(dir, "x"), broken}, "--batch-size"},
		{"bad snapshot", []string{"plan", "--stats", broken, "--out", filepath.Join(dir, "x"), broken}, "broken.sql:1:1"},
	} {
		if _, err := runCLI(t, tt.args...); exitCode(err) != 2 || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: exit %d, %v; want 2 and %q", tt.name, exitCode(err), err, tt.msg)
		}
	}

	// Standard input, another layout.
	cmd := newRootCmd()
	var buf bytes.Buffer
	cmd.SetOut(&buf)
	cmd.SetIn(strings.NewReader("CREATE INDEX orders_customer_idx ON orders (customer_id);\n"))
	cmd.SetArgs([]string{"plan", "--layout", "golang-migrate", "--baseline", "sample/checkout/schema.sql", "--out", filepath.Join(dir, "gm"), "-"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("plan from stdin: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gm", "001_stdin_build_index_orders_customer_idx_concurrently.up.sql")); err != nil {
		t.Errorf("%v\n%s", err, buf.String())
	}
}
