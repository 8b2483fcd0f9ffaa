package changeset

import (
	"errors"
	"testing"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

func mig(name, text string) workflow.Document {
	return workflow.Document{Kind: workflow.KindMigration, Name: name, Text: text}
}

func TestFilesSyntaxError(t *testing.T) {
	p := workflow.Project{Documents: []workflow.Document{mig("001_ok.sql", "SELECT 1"), mig("002_bad.sql", "SELECT 1;\nALTER TABLE orders ADD COLUMN;")}}
	_, err := Files(p)
	var se *schema.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a syntax error", err)
	}
	if want := "migration 002_bad.sql: 002_bad.sql:2:30: syntax error: at or near \";\""; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestOrderedLeavesProjectAlone(t *testing.T) {
	p := workflow.Project{Documents: []workflow.Document{mig("b.sql", ""), mig("a.sql", "")}}
	if got := Ordered(p); got[0].Name != "a.sql" || got[1].Name != "b.sql" {
		t.Errorf("Ordered = %v", got)
	}
	if p.Documents[0].Name != "b.sql" {
		t.Error("Ordered reordered the project's documents")
	}
}
