package workflow

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func change(state DecisionState, owner, reason string, hours int) DecisionChange {
	return DecisionChange{At: t0.Add(time.Duration(hours) * time.Hour), State: state, Owner: owner, Reason: reason, By: "test"}
}

func TestDecisionChangeRules(t *testing.T) {
	tests := []struct {
		name string
		c    DecisionChange
		err  error
		msg  string
	}{
		{"accept with owner", change(Accepted, "dba", "proved", 1), nil, ""},
		{"accept without owner", change(Accepted, "  ", "proved", 1), ErrNoOwner, ""},
		{"block without owner", change(Blocked, "", "nobody owns the rollback", 1), nil, ""},
		{"needs evidence without owner", change(NeedsEvidence, "", "no EXPLAIN yet", 1), nil, ""},
		{"no reason", change(NeedsEvidence, "dba", " ", 1), ErrNoReason, ""},
		{"unknown state", change("maybe", "dba", "x", 1), nil, `unknown decision state "maybe"`},
		{"older than the last change", change(Blocked, "dba", "x", -1), nil, "older than the last one"},
	}
	base, err := Decision{ID: "d1", Title: "t", Stage: StageReview}.Change(change(NeedsEvidence, "dba", "first", 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := base.Change(tt.c)
			wantErr := tt.err != nil || tt.msg != ""
			switch {
			case !wantErr && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case wantErr && err == nil:
				t.Fatal("change accepted, want an error")
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("error %v, want %v", err, tt.err)
			case tt.msg != "" && !strings.Contains(err.Error(), tt.msg):
				t.Fatalf("error %q lacks %q", err, tt.msg)
			}
			if len(base.History) != 1 {
				t.Fatal("Change modified its receiver")
			}
			if err != nil {
				if len(got.History) != 1 {
					t.Error("a refused change was appended")
				}
				return
			}
			if len(got.History) != 2 || got.State() != tt.c.State || got.History[0].Reason != "first" {
				t.Errorf("history %+v", got.History)
			}
		})
	}
}

func TestDecisionWithoutHistoryIsBlocked(t *testing.T) {
	d := Decision{ID: "d", Title: "t"}
	if d.State() != Blocked || d.Owner() != "" {
		t.Errorf("state %s owner %q", d.State(), d.Owner())
	}
}

func TestParseDecisionState(t *testing.T) {
	for in, want := range map[string]DecisionState{
		"accepted": Accepted, "Needs evidence": NeedsEvidence, "needs-evidence": NeedsEvidence,
		"rejected": Blocked, "blocked/rejected": Blocked, "BLOCKED": Blocked,
	} {
		if got, err := ParseDecisionState(in); err != nil || got != want {
			t.Errorf("ParseDecisionState(%q) = %s, %v", in, got, err)
		}
	}
	if _, err := ParseDecisionState("later"); err == nil {
		t.Error("later is not a state")
	}
}

func TestStageText(t *testing.T) {
	for _, s := range Stages() {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Stage
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%s round trip: %v %v", s, back, err)
		}
	}
	if _, err := Stage(9).MarshalText(); err == nil {
		t.Error("stage 9 encoded")
	}
	if StageCompare.Next() != StageBuild || StageBuild.Prev() != StageCompare || StageReview.Next() != StageMigration {
		t.Error("Next/Prev do not walk the six stages in a ring")
	}
	if _, err := ParseStage("deploy"); err == nil {
		t.Error("deploy is not a stage")
	}
}

func decided(id string, stage Stage, states ...DecisionState) Decision {
	d := Decision{ID: id, Title: "Decision " + id, Stage: stage}
	for i, s := range states {
		d, _ = d.Change(change(s, "owner", "reason", i))
	}
	return d
}

func TestStatus(t *testing.T) {
	notes := Document{Kind: KindNotes, Name: "notes.md", Text: "x"}
	mig := Document{Kind: KindMigration, Name: "migrations/001.sql", Text: "select 1"}
	tests := []struct {
		name  string
		p     Project
		stage Stage
		want  StageStatus
	}{
		{"empty project", Project{}, StageBuild, StatusEmpty},
		{"empty compare", Project{}, StageCompare, StatusEmpty},
		{"notes make build done", Project{Documents: []Document{notes}}, StageBuild, StatusDone},
		{"inputs without decisions leave compare open", Project{Documents: []Document{notes}}, StageCompare, StatusOpen},
		{"no migration: review empty", Project{Documents: []Document{notes}}, StageMigration, StatusEmpty},
		{"blocked decision blocks its stage", Project{Documents: []Document{mig}, Decisions: []Decision{decided("a", StageMigration, Blocked)}}, StageMigration, StatusBlocked},
		{"blocked beats needs evidence", Project{Decisions: []Decision{decided("a", StageReview, NeedsEvidence), decided("b", StageReview, Blocked)}}, StageReview, StatusBlocked},
		{"needs evidence", Project{Decisions: []Decision{decided("a", StageValidate, NeedsEvidence)}}, StageValidate, StatusNeedsEvidence},
		{"accepted after evidence", Project{Decisions: []Decision{decided("a", StageValidate, NeedsEvidence, Accepted)}}, StageValidate, StatusDone},
		{"other stages' decisions do not count", Project{Documents: []Document{mig}, Decisions: []Decision{decided("a", StageValidate, Blocked)}}, StageMigration, StatusDone},
		{"compare sums up every stage", Project{Documents: []Document{mig}, Decisions: []Decision{decided("a", StageValidate, NeedsEvidence), decided("b", StageReview, Accepted)}}, StageCompare, StatusNeedsEvidence},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Status(tt.stage); got != tt.want {
				t.Errorf("%s: %s, want %s", tt.stage, got, tt.want)
			}
		})
	}
}

func TestProjectValidate(t *testing.T) {
	ok := Project{Meta: ProjectMeta{Name: "Checkout"}, Decisions: []Decision{decided("a", StageReview, Accepted)}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]Project{
		"no name":                {},
		"control characters":     {Meta: ProjectMeta{Name: "a\x1b[2Jb"}},
		"too long":               {Meta: ProjectMeta{Name: strings.Repeat("x", 81)}},
		"duplicate decision":     {Meta: ProjectMeta{Name: "x"}, Decisions: []Decision{decided("a", StageReview), decided("a", StageReview)}},
		"decision without title": {Meta: ProjectMeta{Name: "x"}, Decisions: []Decision{{ID: "a"}}},
		"history out of order": {Meta: ProjectMeta{Name: "x"}, Decisions: []Decision{{ID: "a", Title: "t", History: []DecisionChange{
			change(Blocked, "o", "r", 2), change(Blocked, "o", "r", 1)}}}},
		"accepted without owner in history": {Meta: ProjectMeta{Name: "x"}, Decisions: []Decision{{ID: "a", Title: "t", History: []DecisionChange{
			change(Accepted, "", "r", 1)}}}},
	}
	for name, p := range tests {
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"Checkout reliability": "checkout-reliability", "  Ünïcode!! ": "n-code", "!!!": "project", "A--B": "a-b"} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSortDecisionsAndTally(t *testing.T) {
	ds := []Decision{decided("c", StageReview, Blocked), decided("b", StageReview, Accepted), decided("a", StageReview, NeedsEvidence)}
	var got []string
	for _, d := range SortDecisions(ds) {
		got = append(got, d.ID)
	}
	if strings.Join(got, "") != "bac" || ds[0].ID != "c" {
		t.Errorf("sorted %v, input now %s first", got, ds[0].ID)
	}
	if tl := CountDecisions(ds); tl != (Tally{1, 1, 1}) || tl.Total() != 3 {
		t.Errorf("tally %+v", tl)
	}
}

func TestDecisionMarkdown(t *testing.T) {
	d := decided("x", StageReview, NeedsEvidence, Accepted)
	d.History[1].Reason = "proved | on staging\nwith EXPLAIN"
	out := DecisionMarkdown(d, 2)
	for _, want := range []string{"## Decision x\n", "- State: **accepted**", "History, oldest first:",
		"| 2026-11-01T09:00:00Z | needs evidence |", `proved \| on staging <br>with EXPLAIN`} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if it := DecisionItem(d); it.Badge != "accepted" || it.Tone != ToneGood || !strings.HasPrefix(it.Detail, "# ") {
		t.Errorf("item %+v", it)
	}
	if DecisionItem(decided("y", StageReview, Blocked)).Badge != "blocked" {
		t.Error("blocked badge")
	}
}
