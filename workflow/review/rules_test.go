package review

import (
	"regexp"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// reviewCase runs one rule case through the whole engine.
func reviewCase(t *testing.T, id string, c rule.Case, sql string) Result {
	t.Helper()
	o := Options{PGVersion: c.PG, Include: []string{id}}
	if c.Baseline != "" {
		o.Baseline = []Source{{Name: "baseline.sql", Text: c.Baseline}}
	}
	if c.Runner != "" {
		r, err := ParseRunner(c.Runner)
		if err != nil {
			t.Fatal(err)
		}
		o.Runner = r
	}
	res, err := Review([]Source{{Name: "case.sql", Text: sql}}, o)
	if err != nil {
		t.Fatalf("review: %v", err)
	}
	return res
}

func fired(res Result, id string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Rule == id {
			out = append(out, f)
		}
	}
	return out
}

var ruleID = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TestRuleCases proves every rule on its own cases: a bad example fires, a
// good one does not, and the safe SQL of every finding parses and lints clean
// of the same rule.
func TestRuleCases(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		t.Run(r.ID, func(t *testing.T) {
			if !ruleID.MatchString(r.ID) || seen[r.ID] {
				t.Fatalf("rule id %q is malformed or used twice", r.ID)
			}
			seen[r.ID] = true
			if r.Why == "" || r.Summary == "" || r.Check == nil {
				t.Fatal("a rule needs a summary, a why and a check")
			}
			var fires, passes int
			for _, c := range r.Cases {
				got := fired(reviewCase(t, r.ID, c, c.SQL), r.ID)
				switch {
				case c.Fires && len(got) == 0:
					t.Errorf("%s: does not fire on\n%s", c.Name, c.SQL)
				case !c.Fires && len(got) > 0:
					t.Errorf("%s: fires on a good example: %s", c.Name, got[0].Message)
				}
				if c.Fires {
					fires++
				} else {
					passes++
				}
				for _, f := range got {
					if f.Message == "" || f.Help == "" || f.Pos.Line == 0 {
						t.Errorf("%s: finding lacks message, help or position: %+v", c.Name, f)
					}
					if f.SafeSQL == "" {
						t.Errorf("%s: no safe alternative", c.Name)
						continue
					}
					if _, err := schema.Split("safe.sql", f.SafeSQL); err != nil {
						t.Errorf("%s: safe SQL does not parse: %v\n%s", c.Name, err, f.SafeSQL)
						continue
					}
					if again := fired(reviewCase(t, r.ID, c, f.SafeSQL), r.ID); len(again) > 0 {
						t.Errorf("%s: safe SQL fires the rule again (%s):\n%s", c.Name, again[0].Message, f.SafeSQL)
					}
				}
			}
			if fires == 0 || passes == 0 {
				t.Errorf("a rule needs a case that fires and one that does not (%d, %d)", fires, passes)
			}
		})
	}
}
