// Package migration computes the Migration stage: the project's migration
// files in the order they apply, each with its statements.
package migration

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/changeset"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Items returns the Migration stage's items: a "Deployment order" item, then
// one item per migration file in apply order. A project without migrations
// has no items.
func Items(p workflow.Project) ([]workflow.Item, error) {
	files, err := changeset.Files(p)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	items := []workflow.Item{orderItem(files)}
	for _, f := range files {
		items = append(items, fileItem(f))
	}
	return items, nil
}

func orderItem(files []changeset.File) workflow.Item {
	var b strings.Builder
	b.WriteString("Files apply in name order:\n\n")
	for i, f := range files {
		fmt.Fprintf(&b, "%d. %s — %s\n", i+1, md.Code(f.Doc.Name), md.Plural(len(f.Statements), "statement", "statements"))
	}
	return workflow.Item{
		ID:     "deployment-order",
		Title:  "Deployment order",
		Badge:  md.Plural(len(files), "file", "files"),
		Detail: b.String(),
	}
}

func fileItem(f changeset.File) workflow.Item {
	var b strings.Builder
	if len(f.Statements) == 0 {
		b.WriteString("_No statements._\n")
	} else {
		b.WriteString("| Line | Kind | Target |\n|---|---|---|\n")
		for _, st := range f.Statements {
			target := ""
			if st.Target != "" {
				target = md.Code(st.Target)
			}
			fmt.Fprintf(&b, "| %d | %s | %s |\n", st.Pos.Line, md.Cell(st.Kind), md.Cell(target))
		}
	}
	b.WriteString("\n" + md.Fence("sql", f.Doc.Text))
	return workflow.Item{
		ID:     "file:" + f.Doc.Name,
		Title:  f.Doc.Name,
		Badge:  md.Plural(len(f.Statements), "stmt", "stmts"),
		Detail: b.String(),
	}
}
