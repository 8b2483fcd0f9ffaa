package inputs_test

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/inputs"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

func TestLoadSample(t *testing.T) {
	p, err := inputs.Load(sample.Checkout())
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta.Name != "Checkout reliability" || p.Meta.Description == "" {
		t.Errorf("meta = %+v", p.Meta)
	}
	var docs []string
	for _, d := range p.Documents {
		docs = append(docs, string(d.Kind)+" "+d.Name)
		if d.Text == "" {
			t.Errorf("%s is empty", d.Name)
		}
	}
	want := []string{
		"notes notes.md",
		"schema schema.sql",
		"migration migrations/001_checkout_core.sql",
		"stats-snapshot audit/stats-snapshot.json",
		"staging-evidence staging/evidence.json",
	}
	if !slices.Equal(docs, want) {
		t.Errorf("documents\n  %q\nwant\n  %q", docs, want)
	}
	if got, want := workflow.CountDecisions(p.Decisions), (workflow.Tally{Accepted: 1, NeedsEvidence: 1, Blocked: 1}); got != want {
		t.Errorf("decisions %+v, want %+v", got, want)
	}
	for _, tt := range []struct {
		id      string
		stage   workflow.Stage
		state   workflow.DecisionState
		changes int
	}{
		{"payment-provider-reference-unique", workflow.StageReview, workflow.Accepted, 2},
		{"orders-support-lookup-index", workflow.StageValidate, workflow.NeedsEvidence, 1},
		{"checkout-cleanup", workflow.StageMigration, workflow.Blocked, 1},
	} {
		d, ok := p.Decision(tt.id)
		switch {
		case !ok:
			t.Errorf("no decision %s", tt.id)
		case d.Stage != tt.stage || d.State() != tt.state || len(d.History) != tt.changes:
			t.Errorf("%s: stage %s, state %s, %d changes; want %s, %s, %d", tt.id, d.Stage, d.State(), len(d.History), tt.stage, tt.state, tt.changes)
		case d.Owner() == "" || d.Reason() == "" || len(d.Evidence) == 0:
			t.Errorf("%s: owner %q, reason %q, evidence %q", tt.id, d.Owner(), d.Reason(), d.Evidence)
		}
	}
	for s, want := range map[workflow.Stage]workflow.StageStatus{
		workflow.StageReview:    workflow.StatusDone,
		workflow.StageMigration: workflow.StatusBlocked,
		workflow.StageValidate:  workflow.StatusNeedsEvidence,
		workflow.StageCompare:   workflow.StatusBlocked,
	} {
		if got := p.Status(s); got != want {
			t.Errorf("status of %s = %s, want %s", s, got, want)
		}
	}
}

// minimal is a small valid project directory the tests change one file of.
func minimal() fstest.MapFS {
	return fstest.MapFS{
		"schema.sql": {Data: []byte("CREATE TABLE t (id bigint PRIMARY KEY);\n")},
		"staging/evidence.json": {Data: []byte(`[
  {"id": "dup-check", "kind": "constraint", "title": "No duplicates", "query": "SELECT 1",
   "expected": "0 rows", "observed": "0 rows", "status": "passed", "captured_at": "2026-10-30T14:12:00Z"}
]`)},
		"decisions.json": {Data: []byte(decisionsJSON)},
	}
}

const decisionsJSON = `[
  {
    "id": "d1",
    "title": "Guard",
    "stage": "review",
    "evidence": ["dup-check", "schema.sql"],
    "history": [
      {"at": "2026-10-27T10:05:00Z", "state": "needs-evidence", "owner": "", "reason": "pending"},
      {"at": "2026-10-30T15:40:00Z", "state": "accepted", "owner": "Priya", "reason": "checked"}
    ]
  }
]`

func TestLoadLayout(t *testing.T) {
	fsys := minimal()
	fsys["notes.md"] = &fstest.MapFile{Data: []byte("# Notes\n")}
	fsys["appendix.md"] = &fstest.MapFile{Data: []byte("more\n")}
	fsys["migrations/010_later.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;\n")}
	fsys["migrations/002_first.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;\n")}
	fsys[".git/config"] = &fstest.MapFile{Data: []byte{0xff}}
	fsys[".DS_Store"] = &fstest.MapFile{Data: []byte{0xff}}
	p, err := inputs.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta.Name != inputs.DefaultName {
		t.Errorf("name = %q, want %q", p.Meta.Name, inputs.DefaultName)
	}
	var names []string
	for _, d := range p.Documents {
		names = append(names, d.Name)
	}
	want := []string{"appendix.md", "notes.md", "schema.sql", "migrations/002_first.sql", "migrations/010_later.sql", "staging/evidence.json"}
	if !slices.Equal(names, want) {
		t.Errorf("documents %q, want %q", names, want)
	}
	d, _ := p.Decision("d1")
	if d.State() != workflow.Accepted || len(d.History) != 2 || d.History[0].State != workflow.NeedsEvidence {
		t.Errorf("decision d1 = %+v", d)
	}
}

func TestLoadNormalisesStates(t *testing.T) {
	fsys := minimal()
	fsys["decisions.json"] = &fstest.MapFile{Data: []byte(`[{"id": "d", "title": "T", "stage": "Migration",
  "history": [{"at": "2026-10-29T09:15:00Z", "state": "Rejected", "owner": "Dana", "reason": "no rollback owner"}]}]`)}
	p, err := inputs.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Decisions[0]; d.State() != workflow.Blocked || d.Stage != workflow.StageMigration {
		t.Errorf("decision = %+v", d)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // replaced files; "" removes one
		want  string
	}{
		{"empty directory", map[string]string{"schema.sql": "", "staging/evidence.json": "", "decisions.json": ""},
			"no project inputs found"},
		{"unknown file", map[string]string{"README.txt": "hi"}, "README.txt: not a project input"},
		{"misplaced migration", map[string]string{"migration/001.sql": "SELECT 1;"}, "migration: unexpected directory"},
		{"nested directory", map[string]string{"migrations/old/001.sql": "SELECT 1;"}, "migrations/old: unexpected directory"},
		{"wrong extension", map[string]string{"audit/snapshot.txt": "{}"}, "audit/snapshot.txt: not a project input"},
		{"not utf-8", map[string]string{"notes.md": "line one\nab\xffc\n"}, "notes.md:2:3: not UTF-8 text"},
		{"unknown state", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"needs-evidence"`, `"maybe"`, 1)},
			`decisions.json:8:47: decision d1, change 1: unknown decision state "maybe"`},
		{"accepted without owner", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"Priya"`, `" "`, 1)},
			"decisions.json:9:68: decision d1, change 2: a decision without an owner cannot be accepted"},
		{"no reason", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"pending"`, `""`, 1)},
			"decisions.json:8:88: decision d1, change 1: a decision needs a reason"},
		{"history goes back", map[string]string{"decisions.json": strings.Replace(decisionsJSON, "2026-10-30T15:40:00Z", "2026-10-01T00:00:00Z", 1)},
			"decisions.json:9:14: decision d1, change 2: 2026-10-01T00:00:00Z is before the previous change"},
		{"no time", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"at": "2026-10-30T15:40:00Z", `, "", 1)},
			"decisions.json:9:7: decision d1, change 2: no time"},
		{"bad time", map[string]string{"decisions.json": strings.Replace(decisionsJSON, "2026-10-30T15:40:00Z", "30/10/2026", 1)},
			`decisions.json:9:14: [0].history[1].at: want an RFC 3339 time such as "2026-10-30T15:40:00Z", got "30/10/2026"`},
		{"unknown stage", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"review"`, `"reveiw"`, 1)},
			`decisions.json:5:14: decision d1: unknown stage "reveiw"`},
		{"no stage", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"stage": "review",`, "", 1)},
			"decisions.json:2:3: decision d1: no stage"},
		{"unknown field", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"title"`, `"titel"`, 1)},
			`decisions.json:4:5: [0]: unknown field "titel"`},
		{"history not a list", map[string]string{"decisions.json": `[{"id": "d", "title": "T", "stage": "review", "history": {}}]`},
			"decisions.json:1:58: [0].history: want an array, got an object"},
		{"not a list", map[string]string{"decisions.json": `{"id": "d"}`}, "decisions.json:1:1: want an array, got an object"},
		{"duplicate decision", map[string]string{"decisions.json": `[
  {"id": "d", "title": "T", "stage": "review"},
  {"id": "d", "title": "U", "stage": "audit"}
]`}, `decisions.json:3:10: decision "d" appears twice (first on line 2)`},
		{"unknown evidence", map[string]string{"decisions.json": strings.Replace(decisionsJSON, `"dup-check"`, `"dup-chek"`, 1)},
			`decisions.json:6:18: decision d1: evidence "dup-chek" is neither a staging check nor a file of the project`},
		{"decisions syntax", map[string]string{"decisions.json": "[\n  {\"id\": \"d\",}\n]"},
			`decisions.json:2:14: invalid character '}' looking for beginning of object key string`},
		{"snapshot syntax", map[string]string{"audit/stats-snapshot.json": "{\n  \"captured_at\": \"2026-11-02T09:30:00Z\",\n}"},
			`audit/stats-snapshot.json:3:1: invalid character '}' looking for beginning of object key string`},
		{"snapshot negative", map[string]string{"audit/stats-snapshot.json": `{"captured_at": "2026-11-02T09:30:00Z", "server_version": "16.4",
 "database": {"name": "db", "temp_files": -1}}`}, "audit/stats-snapshot.json:2:43: database: temp_files is negative (-1)"},
		{"evidence status", map[string]string{"staging/evidence.json": strings.Replace(string(minimal()["staging/evidence.json"].Data), `"passed"`, `"done"`, 1)},
			`staging/evidence.json:3:58: check dup-check: unknown evidence status "done"`},
		{"project name", map[string]string{"project.json": `{"name": "a\u0007b"}`}, `project.json:1:10: project name "a\ab" contains control characters`},
		{"schema syntax", map[string]string{"schema.sql": "CREATE TABLE a (id int);\n\nCREATE TABLE b (id int,);\n"},
			`schema.sql:3:24: syntax error: at or near ")"`},
		{"migration syntax", map[string]string{"migrations/002_more.sql": "SELECT 1;\nALTER TABLE orders ADD COLUMN;\n"},
			"migrations/002_more.sql:2:"},
		{"project field", map[string]string{"project.json": `{"name": "x", "owner": "y"}`}, `project.json:1:15: unknown field "owner" (want name, description)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := minimal()
			for name, text := range tt.files {
				if text == "" {
					delete(fsys, name)
					continue
				}
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			_, err := inputs.Load(fsys)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tt.want)
			}
		})
	}
}

func TestLoadWalkError(t *testing.T) {
	_, err := inputs.Load(failingFS{})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("error = %v, want the file system's", err)
	}
}

// failingFS fails every open.
type failingFS struct{}

func (failingFS) Open(string) (fs.File, error) { return nil, errors.New("boom") }

func TestParseDecisionsLocatesEveryError(t *testing.T) {
	_, err := inputs.ParseDecisions("decisions.json", []byte(`[{"id": "x y", "title": "T", "stage": "review"}]`))
	var located *jsonpos.Error
	if !errors.As(err, &located) || located.Pos.Line != 1 || located.Pos.Column != 9 {
		t.Errorf("error = %v, want one located at 1:9", err)
	}
}
