package gaps

import (
	"math"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// rebuild describes a copy of a live table built beside it, for changes
// PostgreSQL can only make by rewriting the table under ACCESS EXCLUSIVE.
type rebuild struct {
	table schema.QualifiedName
	// unlogged, accessMethod and tablespace set the copy's storage.
	unlogged     bool
	accessMethod string
	tablespace   string
	// extra are table elements (constraints) the copy adds.
	extra []*pg_query.Node
}

// sql renders the rebuild-and-swap plan: create the copy, copy rows in
// primary key batches, then swap names in one short transaction.
func (r rebuild) sql(c *rule.Context) string {
	copyName := sibling(r.table, r.table.Name+"_rebuild")
	oldName := sibling(r.table, r.table.Name+"_old")
	persistence := "p"
	if r.unlogged {
		persistence = "u"
	}
	elts := []*pg_query.Node{{Node: &pg_query.Node_TableLikeClause{TableLikeClause: &pg_query.TableLikeClause{
		Relation: &pg_query.RangeVar{Schemaname: r.table.Schema, Relname: r.table.Name, Inh: true, Relpersistence: "p"},
		Options:  math.MaxInt32, // INCLUDING ALL
	}}}}
	create := &pg_query.Node{Node: &pg_query.Node_CreateStmt{CreateStmt: &pg_query.CreateStmt{
		Relation:       &pg_query.RangeVar{Schemaname: copyName.Schema, Relname: copyName.Name, Inh: true, Relpersistence: persistence},
		TableElts:      append(elts, r.extra...),
		AccessMethod:   r.accessMethod,
		Tablespacename: r.tablespace,
		Oncommit:       pg_query.OnCommitAction_ONCOMMIT_NOOP,
	}}}
	key := rule.QuoteColID(primaryKeyColumn(c, r.table))
	var b strings.Builder
	b.WriteString("-- Build a copy beside the live table instead of rewriting it under ACCESS EXCLUSIVE.\n")
	b.WriteString(c.Deparse(create) + "\n")
	b.WriteString("-- Copy in primary key batches (repeat with the next range until no rows are left); replay\n")
	b.WriteString("-- the writes that arrive meanwhile with a trigger, or pause them for the last batch.\n")
	b.WriteString("INSERT INTO " + rule.QuoteQualified(copyName) + " OVERRIDING SYSTEM VALUE\n  SELECT * FROM " + rule.QuoteQualified(r.table) +
		" WHERE " + key + " > 0 AND " + key + " <= 10000;\n")
	b.WriteString("-- Swap the names in one short transaction; foreign keys and views that point at the old\n")
	b.WriteString("-- table follow it and must be recreated on the copy.\n")
	b.WriteString("BEGIN;\nSET LOCAL lock_timeout = '2s';\n")
	b.WriteString("ALTER TABLE " + rule.QuoteQualified(r.table) + " RENAME TO " + rule.QuoteColID(oldName.Name) + ";\n")
	b.WriteString("ALTER TABLE " + rule.QuoteQualified(copyName) + " RENAME TO " + rule.QuoteColID(r.table.Name) + ";\n")
	b.WriteString("COMMIT;")
	return b.String()
}
