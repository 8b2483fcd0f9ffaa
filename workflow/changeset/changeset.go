// Package changeset reads a project's change: its migration files in the
// order they apply, each split into statements by PostgreSQL's parser.
package changeset

import (
	"cmp"
	"fmt"
	"path"
	"slices"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// File is one migration document with its parsed statements.
type File struct {
	Doc        workflow.Document
	Statements []schema.Statement
}

// Ordered returns the project's migration documents in the order they
// apply: by file name (the part after the last "/"), then by full name.
func Ordered(p workflow.Project) []workflow.Document {
	docs := p.DocumentsOf(workflow.KindMigration)
	slices.SortStableFunc(docs, func(a, b workflow.Document) int {
		return cmp.Or(cmp.Compare(path.Base(a.Name), path.Base(b.Name)), cmp.Compare(a.Name, b.Name))
	})
	return docs
}

// Files parses the project's migrations in apply order. A file that does not
// parse returns an error naming it.
func Files(p workflow.Project) ([]File, error) {
	var files []File
	for _, d := range Ordered(p) {
		stmts, err := schema.Split(d.Name, d.Text)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", d.Name, err)
		}
		files = append(files, File{Doc: d, Statements: stmts})
	}
	return files, nil
}
