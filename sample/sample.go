// Package sample embeds the inputs of the built-in checkout sample project: the
// files a team would bring to pgrollout (product notes, a schema draft, a
// migration, a statistics snapshot, staging evidence and the owners'
// decisions). The stages compute everything else from them.
//
// The sample is static demo content. It is not a diagnosis of anyone's
// database and nothing in it came from a live connection.
package sample

import (
	"embed"
	"io/fs"
	"path"
)

// checkout holds the sample project directory.
//
//go:embed checkout
var checkout embed.FS

// Checkout returns the checkout sample's input directory, rooted so that its
// files have the names a project directory on disk would have:
// "project.json", "notes.md", "schema.sql", "migrations/001_checkout_core.sql",
// "audit/stats-snapshot.json", "staging/evidence.json" and "decisions.json".
func Checkout() fs.FS { return rooted{} }

// rooted serves the embedded files below checkout/ under their own names.
type rooted struct{}

// Open opens name relative to the sample directory.
func (rooted) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return checkout.Open(path.Join("checkout", name))
}
