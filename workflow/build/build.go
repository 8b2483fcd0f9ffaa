// Package build computes the Build stage: the product notes and the
// relational model drafted from the project's schema documents — tables,
// foreign key map, keys, indexes and timestamp conventions.
package build

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// Items returns the Build stage's items: one per notes document, then, when
// the project has a schema draft, a model overview and one item per table in
// creation order. A draft that does not parse or replay returns an error
// naming the document. A project without notes or drafts has no items.
func Items(p workflow.Project) ([]workflow.Item, error) {
	var items []workflow.Item
	notes := p.DocumentsOf(workflow.KindNotes)
	for _, d := range notes {
		items = append(items, notesItem(d, len(notes) > 1))
	}
	if len(p.DocumentsOf(workflow.KindSchema)) == 0 {
		return items, nil
	}
	m, err := Model(p)
	if err != nil {
		return nil, err
	}
	items = append(items, overviewItem(m))
	for _, t := range m.Tables {
		items = append(items, tableItem(m, t))
	}
	return items, nil
}

// Model replays the project's schema drafts, in stored order, into one model.
func Model(p workflow.Project) (*schema.Model, error) {
	m := &schema.Model{}
	for _, d := range p.DocumentsOf(workflow.KindSchema) {
		stmts, err := schema.Split(d.Name, d.Text)
		if err != nil {
			return nil, fmt.Errorf("schema draft %s: %w", d.Name, err)
		}
		for _, st := range stmts {
			if err := m.Apply(st); err != nil {
				return nil, fmt.Errorf("schema draft %s: %w", d.Name, err)
			}
		}
	}
	return m, nil
}

func notesItem(d workflow.Document, several bool) workflow.Item {
	title := "Product notes"
	if several {
		title += ": " + d.Name
	}
	detail := strings.TrimSpace(d.Text)
	if detail == "" {
		detail = "_The notes are empty._"
	}
	return workflow.Item{ID: "notes:" + d.Name, Title: title, Badge: "notes", Detail: detail + "\n"}
}
