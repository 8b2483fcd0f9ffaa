// Package report renders a project's markdown handoff files — what owners
// receive at the end of the workflow — and writes them to a directory. The
// CLI's export command and the TUI's export action share it: Files renders in
// memory and never touches the disk, Write writes and never renders.
package report

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/migration/layout"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/review/format"
)

// File is one rendered handoff file.
type File struct {
	// Name is the file's path inside the handoff directory, slash-separated:
	// "decisions.md", "migration/001_checkout_core.sql".
	Name string
	// Title is what the file is called in the index ("Owner decisions").
	Title string
	// Summary is one line saying what the file holds.
	Summary string
	// Body is the file's content.
	Body []byte
}

// Files renders the project's handoff files in order, README.md last because
// it indexes the others. now is the generation time printed in the files; pass
// a fixed time for reproducible output. The project must validate.
func Files(p workflow.Project, now time.Time) ([]File, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var files []File
	for _, r := range renderers() {
		in := input{project: p, now: now.UTC(), files: slices.Clone(files)}
		if r.many != nil {
			more, err := r.many(in)
			if err != nil {
				return nil, fmt.Errorf("report: rendering %s: %w", r.name, err)
			}
			files = append(files, more...)
			continue
		}
		body, err := r.render(in)
		if err != nil {
			return nil, fmt.Errorf("report: rendering %s: %w", r.name, err)
		}
		files = append(files, File{Name: r.name, Title: r.title, Summary: r.summary, Body: body})
	}
	return files, nil
}

// renderer produces one handoff file, or with many a set of them.
type renderer struct {
	name, title, summary string
	render               func(input) ([]byte, error)
	// many, when set, renders several files (each with its own name,
	// title and summary) instead of render; name then only labels errors.
	many func(input) ([]File, error)
}

// input is what a renderer works from.
type input struct {
	project workflow.Project
	// now is the generation time, in UTC.
	now time.Time
	// files holds the files rendered before this one, in order.
	files []File
}

// renderers lists the handoff files in the order they are rendered. Adding a
// file is adding one entry; README.md stays last since it indexes the rest.
func renderers() []renderer {
	return []renderer{
		{
			name:    "decisions.md",
			title:   "Owner decisions",
			summary: "Every decision with its state, owner, reason, linked findings and evidence, and full history.",
			render:  renderDecisions,
		},
		{
			name:    "review.md",
			title:   "SQL review",
			summary: "Every finding of the migration review: lock and what it blocks, why it matters, and the safe SQL.",
			render:  renderReview,
		},
		{
			name: "migration/",
			many: renderMigration,
		},
		{
			name: "audit-report.md",
			many: renderAudit,
		},
		{
			name:    "README.md",
			title:   "Handoff index",
			summary: "Where the project stands: stage statuses, the handoff files and the decisions at a glance.",
			render:  renderReadme,
		},
	}
}

// renderReview writes review.md: the project's migrations reviewed against
// its schema draft.
func renderReview(in input) ([]byte, error) {
	res, err := review.ReviewProject(in.project)
	if err != nil {
		return nil, err
	}
	return []byte(format.Markdown(res)), nil
}

// renderMigration writes the rollout package under migration/, in the plain
// layout: the project's migrations planned against its schema draft, as
// numbered psql files with rollback.sql, the lock-risk checklist, the
// deployment order and plan.json. A project without migrations has none.
func renderMigration(in input) ([]File, error) {
	plan, err := migration.ProjectPlan(in.project, 0)
	if err != nil || len(plan.Steps) == 0 {
		return nil, err
	}
	pkg, err := layout.Files(plan, layout.Plain, layout.Options{Planned: in.now})
	if err != nil {
		return nil, err
	}
	files := make([]File, len(pkg))
	for i, f := range pkg {
		files[i] = File{Name: "migration/" + f.Name, Title: "Rollout package: " + f.Name, Summary: f.Summary, Body: []byte(f.Content)}
	}
	return files, nil
}

// renderAudit writes audit-report.md: each statistics snapshot of the
// project analysed by the Audit stage's checks, as the markdown report owners
// read (audit.Markdown). With several snapshots each gets its own file,
// named after it ("audit-report-before.md"); a project without snapshots has
// none.
func renderAudit(in input) ([]File, error) {
	docs := in.project.DocumentsOf(workflow.KindStatsSnapshot)
	files := make([]File, 0, len(docs))
	for _, doc := range docs {
		s, err := audit.ParseSnapshot(doc.Name, []byte(doc.Text))
		if err != nil {
			return nil, err
		}
		f := File{
			Name:    "audit-report.md",
			Title:   "Audit report",
			Summary: "Every audit check's status (evaluated, degraded or skipped, and why), the findings with their evidence, and the remediation and undo SQL.",
			Body:    []byte(audit.Markdown(audit.Analyze(s), s)),
		}
		if len(docs) > 1 {
			stem := strings.TrimSuffix(path.Base(doc.Name), path.Ext(doc.Name))
			f.Name = "audit-report-" + stem + ".md"
			f.Title = "Audit report: " + doc.Name
		}
		files = append(files, f)
	}
	return files, nil
}
