package review

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/changeset"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// FindingItemPrefix starts the item ID of every finding row.
const FindingItemPrefix = "finding:"

// ReviewProject reviews a project's migrations, in the order they apply, with
// its schema draft as the baseline.
func ReviewProject(p workflow.Project) (Result, error) {
	files, err := changeset.Files(p)
	if err != nil {
		return Result{}, fmt.Errorf("review: %w", err)
	}
	var o Options
	for _, d := range p.DocumentsOf(workflow.KindSchema) {
		o.Baseline = append(o.Baseline, Source{Name: d.Name, Text: d.Text})
	}
	split := make([]parsedFile, 0, len(files))
	for _, f := range files {
		split = append(split, parsedFile{Source{Name: f.Doc.Name, Text: f.Doc.Text}, f.Statements})
	}
	res, err := review(split, o) // the files are already split: no second parse

	if err != nil {
		return Result{}, fmt.Errorf("review: %w", err)
	}
	return res, nil
}

// findingItems turns findings into rows, most severe first; a finding with a
// decision shows the decision's state as its badge.
func findingItems(p workflow.Project, fs []Finding) []workflow.Item {
	var items []workflow.Item
	for _, sev := range []workflow.Severity{workflow.SeverityError, workflow.SeverityWarning, workflow.SeverityInfo} {
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			it := workflow.Item{
				ID:     FindingItemPrefix + f.Key,
				Title:  f.Rule + " · " + f.Object,
				Badge:  string(f.Severity),
				Tone:   f.Severity.Tone(),
				Detail: FindingMarkdown(f, 1),
			}
			items = append(items, p.DecidedThrough(it, f.Key, NewDecision(f)))
		}
	}
	return items
}

// NewDecision is the undecided decision a finding starts: keyed by the
// finding, at the Review stage, with no history until someone decides it.
func NewDecision(f Finding) workflow.Decision {
	return workflow.Decision{
		ID:       workflow.Slug(f.Key),
		Title:    f.Rule + " on " + f.Object,
		Stage:    workflow.StageReview,
		Object:   f.Object,
		Findings: []string{f.Key},
	}
}

// FindingMarkdown renders one finding: where, the lock and what it blocks,
// rewrite and scan, why it matters, the statement and the safe alternative.
func FindingMarkdown(f Finding, level int) string {
	var b strings.Builder
	h := strings.Repeat("#", max(1, level))
	fmt.Fprintf(&b, "%s %s\n\n%s\n\n", h, md.Text(f.Rule+": "+f.Object), md.Text(f.Message))
	fmt.Fprintf(&b, "- Severity: **%s**\n- Where: %s\n- Lock: %s\n", f.Severity, md.Code(f.Pos.String()), md.Text(f.Lock))
	fmt.Fprintf(&b, "- Rewrites the table: %s; scans it: %s\n", yesNo(f.Rewrite), yesNo(f.Scan))
	fmt.Fprintf(&b, "- Finding key: %s\n\n", md.Code(f.Key))
	fmt.Fprintf(&b, "%s Why it matters\n\n%s\n\n", h+"#", md.Text(f.Help))
	fmt.Fprintf(&b, "%s Statement\n\n%s", h+"#", md.Fence("sql", f.Statement))
	if f.SafeSQL != "" {
		fmt.Fprintf(&b, "\n%s Safe alternative\n\n%s", h+"#", md.Fence("sql", f.SafeSQL))
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
