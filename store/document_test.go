package store

import (
	"errors"
	"testing"

	"github.com/pgrollout/pgrollout/workflow"
)

func TestAddDocument(t *testing.T) {
	s, _ := openTemp(t)
	m := mustCreate(t, s, sampleProject("Checkout rollout"))
	snap := workflow.Document{Kind: workflow.KindStatsSnapshot, Name: "audits/2026-11-25T09-00-00Z.json", Text: `{"captured_at": "2026-11-25T09:00:00Z"}`}
	if err := s.AddDocument(t.Context(), m.ID, snap); err != nil {
		t.Fatal(err)
	}
	again := snap
	again.Text = "{}"
	if err := s.AddDocument(t.Context(), m.ID, again); !errors.Is(err, ErrExists) {
		t.Fatalf("second add: %v, want ErrExists", err)
	}
	if err := s.AddDocument(t.Context(), "nope", snap); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown project: %v, want ErrNotFound", err)
	}
	s = reopen(t, s)
	p, err := s.LoadProject(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := p.Documents[len(p.Documents)-1]
	if last != snap {
		t.Errorf("last document %+v, want %+v (the first one kept)", last, snap)
	}
}
