package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/store"
	"github.com/pgrollout/pgrollout/workflow"
)

// TestAuditCommand audits a scratch database with a foreign key that has no
// index: JSON output names the finding, --project stores the snapshot
// without the password, and a server that does not answer exits 1.
func TestAuditCommand(t *testing.T) {
	db := pgtest.NewDB(t)
	conn := db.Connect(t)
	if _, err := conn.Exec(context.Background(), `
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));
INSERT INTO customers SELECT generate_series(1, 100);
INSERT INTO orders SELECT g, 1 + g % 100 FROM generate_series(1, 5000) g;
ANALYZE;`); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "audit", "--dsn", db.DSN, "--format", "json")
	if err != nil {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	js := out[strings.Index(out, "\n{")+1:] // progress lines come first on the shared buffer
	var r struct {
		ServerVersion string `json:"server_version"`
		Capabilities  []struct{ Check, Status, Reason string }
		Findings      []struct{ Check, Severity, Object string }
	}
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.ServerVersion == "" || len(r.Capabilities) != 12 {
		t.Errorf("server %q, %d capabilities", r.ServerVersion, len(r.Capabilities))
	}
	found := false
	for _, f := range r.Findings {
		found = found || (f.Check == "fk-missing-index" && strings.Contains(f.Object, "orders"))
	}
	if !found {
		t.Errorf("no fk-missing-index finding on orders: %+v", r.Findings)
	}

	storePath := filepath.Join(t.TempDir(), "store.db")
	s, err := store.Open(context.Background(), storePath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateProject(context.Background(), workflow.Project{Meta: workflow.ProjectMeta{Name: "live"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	withPassword := strings.Replace(db.DSN, "postgres@", "postgres:s3cret@", 1)
	if out, err := runCLI(t, "--store", storePath, "audit", "--dsn", withPassword, "--project", "live", "--format", "markdown"); err != nil {
		t.Fatalf("audit --project: %v\n%s", err, out)
	} else if strings.Contains(out, "s3cret") {
		t.Errorf("the password was printed:\n%s", out)
	}
	s, err = store.Open(context.Background(), storePath)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := s.LoadProject(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	docs := p.DocumentsOf(workflow.KindStatsSnapshot)
	if len(docs) != 1 || !strings.HasPrefix(docs[0].Name, "audits/"+db.Name+"-") || strings.Contains(docs[0].Text, "s3cret") || !strings.Contains(docs[0].Text, `"report"`) {
		t.Errorf("stored %d documents; first: %.300s", len(docs), docs)
	}

	if _, err := runCLI(t, "audit", "--dsn", "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"); exitCode(err) != 1 {
		t.Errorf("unreachable server: exit %d (%v), want 1", exitCode(err), err)
	}
	if _, err := runCLI(t, "audit", "--format", "yaml"); exitCode(err) != 2 {
		t.Errorf("bad format: exit %d, want 2", exitCode(err))
	}
}
