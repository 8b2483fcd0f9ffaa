// Package inputs reads a project directory into a workflow.Project: the
// product notes, schema draft, migrations, statistics snapshots and staging
// evidence as documents, and the owners' decisions with their history.
//
// The layout, with every file but one input optional:
//
//	project.json          {"name": "...", "description": "..."}
//	*.md                  product notes
//	schema.sql            the schema draft
//	migrations/*.sql      migrations, applied in name order
//	audit/*.json          operational statistics snapshots (see package audit)
//	staging/*.json        staging checks kept as evidence (see package validate)
//	decisions.json        the owners' decisions (see ParseDecisions)
//
// Files and directories whose names start with a dot are skipped; anything
// else is an error, so that a misplaced file is not silently ignored. Every
// error about a file's content names the file, the line and column and the
// cause, as FILE:LINE:COL: cause.
package inputs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
	"github.com/pgrollout/pgrollout/workflow/schema"
	"github.com/pgrollout/pgrollout/workflow/validate"
)

// DefaultName names a project whose directory has no project.json, or one
// without a name.
const DefaultName = "imported project"

// MaxFileSize is the largest input file Load reads.
const MaxFileSize = 32 << 20

// Layout describes the accepted files, for error messages and help texts.
const Layout = "project.json, decisions.json, *.md, schema.sql, migrations/*.sql, audit/*.json, staging/*.json"

// role is what a file of the directory is for.
type role int

const (
	roleDocument role = iota
	roleProject
	roleDecisions
)

// classify says what the file at a slash path is for.
func classify(name string) (role, workflow.DocumentKind, bool) {
	dir, base := path.Split(name)
	ext := path.Ext(base)
	switch dir {
	case "":
		switch {
		case base == "project.json":
			return roleProject, "", true
		case base == "decisions.json":
			return roleDecisions, "", true
		case base == "schema.sql":
			return roleDocument, workflow.KindSchema, true
		case ext == ".md":
			return roleDocument, workflow.KindNotes, true
		}
	case "migrations/":
		if ext == ".sql" {
			return roleDocument, workflow.KindMigration, true
		}
	case "audit/":
		if ext == ".json" {
			return roleDocument, workflow.KindStatsSnapshot, true
		}
	case "staging/":
		if ext == ".json" {
			return roleDocument, workflow.KindStagingEvidence, true
		}
	}
	return 0, "", false
}

// kindOrder ranks document kinds in the order the stages read them.
func kindOrder(k workflow.DocumentKind) int {
	return slices.Index([]workflow.DocumentKind{
		workflow.KindNotes, workflow.KindSchema, workflow.KindMigration,
		workflow.KindStatsSnapshot, workflow.KindStagingEvidence,
	}, k)
}

// Load reads a project directory laid out as the package documentation
// describes. Documents are named by their slash paths within fsys and kept
// verbatim, ordered notes, schema, migrations, snapshots, staging evidence,
// by name within a kind. Statistics snapshots and staging evidence are
// checked with the audit and validate parsers; decisions are rebuilt change
// by change through workflow.Decision.Change, and the evidence they cite must
// be a staging check or a file of the project. The store assigns the
// project's ID and creation time; Load leaves them empty.
func Load(fsys fs.FS) (workflow.Project, error) {
	l := loader{
		fsys:    fsys,
		p:       workflow.Project{Meta: workflow.ProjectMeta{Name: DefaultName}},
		citable: map[string]bool{},
	}
	if err := fs.WalkDir(fsys, ".", l.visit); err != nil {
		return workflow.Project{}, fmt.Errorf("loading project: %w", err)
	}
	p := l.p
	slices.SortStableFunc(p.Documents, func(a, b workflow.Document) int {
		return cmp.Or(cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)), cmp.Compare(a.Name, b.Name))
	})
	if l.decisions != nil {
		ds, err := parseDecisions("decisions.json", l.decisions, l.citable)
		if err != nil {
			return workflow.Project{}, fmt.Errorf("loading project: %w", err)
		}
		p.Decisions = ds
	}
	if len(p.Documents) == 0 && len(p.Decisions) == 0 {
		return workflow.Project{}, fmt.Errorf("loading project: no project inputs found (a project holds %s)", Layout)
	}
	if err := p.Validate(); err != nil {
		return workflow.Project{}, fmt.Errorf("loading project: %w", err)
	}
	return p, nil
}

// loader collects a project while walking its directory.
type loader struct {
	fsys      fs.FS
	p         workflow.Project
	decisions []byte          // decisions.json, read once the evidence is known
	citable   map[string]bool // what decisions may cite as evidence
}

// visit reads one entry of the directory: it skips hidden entries, descends
// into the three known subdirectories and reads every input file.
func (l *loader) visit(name string, d fs.DirEntry, err error) error {
	switch {
	case err != nil:
		return err
	case name == ".":
		return nil
	case strings.HasPrefix(d.Name(), "."):
		if d.IsDir() {
			return fs.SkipDir
		}
		return nil
	case d.IsDir():
		switch name {
		case "migrations", "audit", "staging":
			return nil
		}
		return fmt.Errorf("%s: unexpected directory (a project holds %s)", name, Layout)
	}
	r, kind, ok := classify(name)
	if !ok {
		return fmt.Errorf("%s: not a project input (a project holds %s)", name, Layout)
	}
	data, err := readText(l.fsys, name, d)
	if err != nil {
		return err
	}
	switch r {
	case roleProject:
		meta, err := ParseProject(name, data)
		if err != nil {
			return err
		}
		l.p.Meta = meta
	case roleDecisions:
		l.decisions = data
	default:
		ids, err := checkDocument(kind, name, data)
		if err != nil {
			return err
		}
		l.citable[name] = true
		for _, id := range ids {
			l.citable[id] = true
		}
		l.p.Documents = append(l.p.Documents, workflow.Document{Kind: kind, Name: name, Text: string(data)})
	}
	return nil
}

// readText reads a file that must be UTF-8 text of a reasonable size.
func readText(fsys fs.FS, name string, d fs.DirEntry) ([]byte, error) {
	if info, err := d.Info(); err == nil && info.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d an input file may hold", name, info.Size(), MaxFileSize)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d an input file may hold", name, len(data), MaxFileSize)
	}
	if !utf8.Valid(data) {
		return nil, jsonpos.At(name, data, firstInvalid(data), errors.New("not UTF-8 text"))
	}
	return data, nil
}

// firstInvalid returns the offset of the first byte that is not UTF-8.
func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// checkDocument validates the documents that have a parser of their own,
// and returns the IDs of the staging checks a staging evidence file holds.
func checkDocument(kind workflow.DocumentKind, name string, data []byte) ([]string, error) {
	switch kind {
	case workflow.KindStatsSnapshot:
		_, err := audit.ParseSnapshot(name, data)
		return nil, err
	case workflow.KindStagingEvidence:
		evs, err := validate.ParseEvidence(name, data)
		ids := make([]string, len(evs))
		for i, ev := range evs {
			ids[i] = ev.ID
		}
		return ids, err
	case workflow.KindSchema, workflow.KindMigration:
		_, err := schema.Split(name, string(data))
		return nil, err
	}
	return nil, nil
}
