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
)

// checkout holds the sample project directory.
//
//go:embed checkout
var checkout embed.FS

// Checkout returns the checkout sample's input directory, rooted so that its
// files have the names a project directory on disk would have:
// "project.json", "notes.md", "schema.sql", "migrations/001_checkout_core.sql",
// "audit/stats-snapshot.json", "staging/evidence.json" and "decisions.json".
func Checkout() fs.FS {
	sub, err := fs.Sub(checkout, "checkout")
	if err != nil {
		// fs.Sub fails only for an invalid directory name, which is fixed above.
		panic("sample: " + err.Error())
	}
	return sub
}
