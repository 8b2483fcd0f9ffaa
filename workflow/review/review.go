// Package review computes the Review stage: the migration statements under
// review, one item per statement. The rules that raise findings on them come
// later; this package only lists and locates the statements.
package review

import (
	"cmp"
	"fmt"
	"path"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/changeset"
	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// Statements returns the statements of every migration file, files in the
// order they apply and statements in file order.
func Statements(p workflow.Project) ([]schema.Statement, error) {
	files, err := changeset.Files(p)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	var out []schema.Statement
	for _, f := range files {
		out = append(out, f.Statements...)
	}
	return out, nil
}

// Items returns the review's findings, most severe first, each showing the
// decision that rests on it, then one item per migration statement. A project
// without migrations has no items.
func Items(p workflow.Project) ([]workflow.Item, error) {
	files, err := changeset.Files(p)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	res, err := ReviewProject(p)
	if err != nil {
		return nil, err
	}
	items := findingItems(p, res.Findings)
	for _, f := range files {
		for i, st := range f.Statements {
			items = append(items, statementItem(f.Doc.Name, i, st))
		}
	}
	return items, nil
}

// statementItem describes the i-th (0-based) statement of a file.
func statementItem(file string, i int, st schema.Statement) workflow.Item {
	var b strings.Builder
	subject := st.Kind
	if st.Target != "" {
		subject += " " + st.Target
	}
	fmt.Fprintf(&b, "# %s\n\n", md.Text(subject))
	lines := fmt.Sprintf("line %d", st.Pos.Line)
	if st.EndLine > st.Pos.Line {
		lines = fmt.Sprintf("lines %d–%d", st.Pos.Line, st.EndLine)
	}
	fmt.Fprintf(&b, "- **Position:** %s (%s, statement %d)\n", md.Code(st.Pos.String()), lines, i+1)
	if st.Target != "" {
		fmt.Fprintf(&b, "- **Target:** %s\n", md.Code(st.Target))
	}
	b.WriteString("\n" + md.Fence("sql", st.Text))
	return workflow.Item{
		ID:     fmt.Sprintf("stmt:%s#%d", file, i+1),
		Title:  fmt.Sprintf("%s:%d %s", fileStem(file), st.Pos.Line, cmp.Or(st.Target, st.Kind)),
		Badge:  st.Kind,
		Detail: b.String(),
	}
}

// fileStem shortens a migration file name for a list row: its leading version
// ("001" of "migrations/001_checkout_core.sql"), else its base name.
func fileStem(file string) string {
	base := path.Base(file)
	if i := strings.IndexAny(base, "_."); i > 0 {
		return base[:i]
	}
	return base
}
