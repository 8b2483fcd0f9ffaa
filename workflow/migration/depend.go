package migration

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// touches lists what a statement reads or changes, as keys: "t.col" for a
// column, "t.*" for a whole table, "index:name", "con:t.name" and
// "type:name" for named objects. Two steps depend on each other when their
// keys overlap (see overlap).
func touches(st schema.Statement) []string {
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		return []string{tableKey(n.CreateStmt.Relation) + ".*"}
	case *pg_query.Node_CreateTableAsStmt:
		return []string{tableKey(n.CreateTableAsStmt.GetInto().GetRel()) + ".*"}
	case *pg_query.Node_IndexStmt:
		ix := n.IndexStmt
		t := tableKey(ix.Relation)
		keys := []string{"index:" + strings.ToLower(ix.Idxname)}
		for _, e := range ix.IndexParams {
			if name := e.GetIndexElem().GetName(); name != "" {
				keys = append(keys, t+"."+strings.ToLower(name))
			} else {
				keys = append(keys, t+".*")
			}
		}
		if ix.WhereClause != nil || len(ix.IndexIncludingParams) > 0 {
			keys = append(keys, t+".*")
		}
		return keys
	case *pg_query.Node_AlterTableStmt:
		t := tableKey(n.AlterTableStmt.Relation)
		var keys []string
		for _, c := range n.AlterTableStmt.Cmds {
			keys = append(keys, cmdTouches(t, c.GetAlterTableCmd())...)
		}
		return keys
	case *pg_query.Node_DropStmt:
		var keys []string
		for _, o := range n.DropStmt.Objects {
			name := strings.ToLower(schema.ObjectName(o))
			switch n.DropStmt.RemoveType {
			case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
				keys = append(keys, unqualified(name)+".*")
			case pg_query.ObjectType_OBJECT_INDEX:
				keys = append(keys, "index:"+lastPart(name))
			default:
				keys = append(keys, "type:"+lastPart(name))
			}
		}
		return keys
	case *pg_query.Node_RenameStmt:
		r := n.RenameStmt
		keys := []string{tableKey(r.Relation) + ".*"}
		if r.RenameType == pg_query.ObjectType_OBJECT_TABLE {
			keys = append(keys, strings.ToLower(r.Newname)+".*")
		}
		if r.RenameType == pg_query.ObjectType_OBJECT_INDEX {
			keys = append(keys, "index:"+strings.ToLower(r.Relation.GetRelname()), "index:"+strings.ToLower(r.Newname))
		}
		return keys
	case *pg_query.Node_UpdateStmt:
		return []string{tableKey(n.UpdateStmt.Relation) + ".*"}
	case *pg_query.Node_DeleteStmt:
		return []string{tableKey(n.DeleteStmt.Relation) + ".*"}
	case *pg_query.Node_InsertStmt:
		return []string{tableKey(n.InsertStmt.Relation) + ".*"}
	case *pg_query.Node_AlterEnumStmt:
		return []string{"type:" + lastPart(strings.ToLower(st.Target))}
	}
	if st.Target != "" {
		return []string{unqualified(strings.ToLower(st.Target)) + ".*"}
	}
	return nil
}

// cmdTouches lists what one ALTER TABLE subcommand on table t touches.
func cmdTouches(t string, cmd *pg_query.AlterTableCmd) []string {
	col := t + "." + strings.ToLower(cmd.GetName())
	switch cmd.GetSubtype() {
	case pg_query.AlterTableType_AT_AddColumn:
		cd := cmd.GetDef().GetColumnDef()
		keys := []string{t + "." + strings.ToLower(cd.GetColname())}
		for _, c := range cd.GetConstraints() {
			keys = append(keys, constraintTouches(t, c.GetConstraint())...)
		}
		return keys
	case pg_query.AlterTableType_AT_DropColumn, pg_query.AlterTableType_AT_AlterColumnType, pg_query.AlterTableType_AT_SetNotNull,
		pg_query.AlterTableType_AT_DropNotNull, pg_query.AlterTableType_AT_ColumnDefault:
		return []string{col}
	case pg_query.AlterTableType_AT_AddConstraint:
		return constraintTouches(t, cmd.GetDef().GetConstraint())
	case pg_query.AlterTableType_AT_DropConstraint, pg_query.AlterTableType_AT_ValidateConstraint:
		return []string{"con:" + t + "." + strings.ToLower(cmd.GetName())}
	}
	return []string{t + ".*"}
}

// constraintTouches lists what adding a constraint touches: its name, its
// columns (the whole table for a CHECK) and a referenced table.
func constraintTouches(t string, con *pg_query.Constraint) []string {
	if con == nil {
		return nil
	}
	var keys []string
	if con.Conname != "" {
		keys = append(keys, "con:"+t+"."+strings.ToLower(con.Conname))
	}
	if con.Indexname != "" {
		keys = append(keys, "index:"+strings.ToLower(con.Indexname))
	}
	for _, k := range append(append([]*pg_query.Node{}, con.Keys...), con.FkAttrs...) {
		keys = append(keys, t+"."+strings.ToLower(k.GetString_().GetSval()))
	}
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_CHECK, pg_query.ConstrType_CONSTR_EXCLUSION:
		keys = append(keys, t+".*")
	case pg_query.ConstrType_CONSTR_FOREIGN:
		keys = append(keys, tableKey(con.Pktable)+".*")
	}
	return keys
}

// tableKey is a relation's name for touch keys: lower case, without the
// public schema.
func tableKey(rv *pg_query.RangeVar) string {
	return unqualified(strings.ToLower(rule.RelName(rv).String()))
}

func unqualified(name string) string { return strings.TrimPrefix(name, "public.") }

func lastPart(name string) string { return name[strings.LastIndexByte(name, '.')+1:] }

// overlap reports whether two touch lists share an object: the same key, or
// a whole table ("t.*") and anything of that table.
func overlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y || covers(x, y) || covers(y, x) {
				return true
			}
		}
	}
	return false
}

// covers reports whether whole-table key x covers key y of the same table.
func covers(x, y string) bool {
	t, ok := strings.CutSuffix(x, ".*")
	if !ok {
		return false
	}
	if strings.HasPrefix(y, t+".") {
		return true
	}
	// A constraint key names its table: "con:t.name".
	return strings.HasPrefix(y, "con:"+t+".")
}

// keepDependencies moves steps between phases so that no step runs before
// an earlier statement of the change it depends on (they touch the same
// object). A data step that a later, earlier-phase step depends on is
// pulled into that phase (a dedupe DELETE before the unique index it makes
// possible); otherwise the later step is pushed back (a re-create after the
// drop of the same name). Steps drafted from one statement are left as the
// recipe placed them. steps are in the change's order.
func keepDependencies(steps []Step) {
	pull := true
	for round := 0; ; round++ {
		if round > len(steps) {
			pull = false // pulls keep undoing pushes: settle by pushing only
		}
		if round > 2*len(steps)+2 {
			return
		}
		changed := false
		for i := range steps {
			for j := 0; j < i; j++ {
				a, b := &steps[j], &steps[i]
				if a.Origin == b.Origin && a.Source == b.Source || a.Phase.order() <= b.Phase.order() || !overlap(a.touches, b.touches) {
					continue
				}
				if pull && a.data && b.Phase != PhaseDeploy {
					a.Phase = b.Phase
					a.Note = joinSentences(a.Note, "It runs in the "+string(b.Phase)+" phase, not later, because "+quoteTitle(b.Title)+" needs its data first.")
				} else {
					b.Phase = a.Phase
					b.Note = joinSentences(b.Note, "It runs in the "+string(a.Phase)+" phase, not earlier, to stay after "+quoteTitle(a.Title)+", which comes first in the change.")
				}
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

func quoteTitle(t string) string { return "“" + t + "”" }
