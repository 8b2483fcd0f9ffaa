package migration

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// title names what a statement kept as written does, in a few words:
// "Create index orders_status_idx on orders", "Drop column orders.note".
func title(st schema.Statement) string {
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		return "Create table " + rule.RelName(n.CreateStmt.Relation).String()
	case *pg_query.Node_IndexStmt:
		ix := n.IndexStmt
		what := "Create index "
		if ix.Unique {
			what = "Create unique index "
		}
		if ix.Idxname == "" {
			return what + "on " + rule.RelName(ix.Relation).String()
		}
		return what + ix.Idxname
	case *pg_query.Node_AlterTableStmt:
		if cmds := n.AlterTableStmt.Cmds; len(cmds) == 1 {
			if t := alterTitle(rule.RelName(n.AlterTableStmt.Relation).String(), cmds[0].GetAlterTableCmd()); t != "" {
				return t
			}
		}
	case *pg_query.Node_DropStmt:
		var names []string
		for _, o := range n.DropStmt.Objects {
			names = append(names, schema.ObjectName(o))
		}
		return "Drop " + strings.ToLower(strings.TrimPrefix(n.DropStmt.RemoveType.String(), "OBJECT_")) + " " + strings.Join(names, ", ")
	case *pg_query.Node_UpdateStmt:
		return "Update rows of " + st.Target
	case *pg_query.Node_DeleteStmt:
		return "Delete rows of " + st.Target
	case *pg_query.Node_InsertStmt:
		return "Insert rows into " + st.Target
	case *pg_query.Node_AlterEnumStmt:
		if e := n.AlterEnumStmt; e.OldVal != "" {
			return "Rename value " + rule.QuoteLiteral(e.OldVal) + " of enum " + st.Target
		} else if e.NewVal != "" {
			return "Add value " + rule.QuoteLiteral(e.NewVal) + " to enum " + st.Target
		}
	case *pg_query.Node_RenameStmt:
		r := n.RenameStmt
		if r.RenameType == pg_query.ObjectType_OBJECT_COLUMN {
			return "Rename column " + st.Target + "." + r.Subname + " to " + r.Newname
		}
		return "Rename " + st.Target + " to " + r.Newname
	}
	return st.Kind + " " + st.Target
}

// alterTitle names one ALTER TABLE subcommand; "" when it has no title of
// its own.
func alterTitle(table string, cmd *pg_query.AlterTableCmd) string {
	col := table + "." + cmd.GetName()
	switch cmd.GetSubtype() {
	case pg_query.AlterTableType_AT_AddColumn:
		return "Add column " + table + "." + cmd.GetDef().GetColumnDef().GetColname()
	case pg_query.AlterTableType_AT_DropColumn:
		return "Drop column " + col
	case pg_query.AlterTableType_AT_AddConstraint:
		con := cmd.GetDef().GetConstraint()
		if con.GetIndexname() != "" {
			return "Attach constraint " + con.GetConname()
		}
		if con.GetConname() != "" {
			return "Add constraint " + con.GetConname()
		}
		return "Add constraint on " + table
	case pg_query.AlterTableType_AT_DropConstraint:
		return "Drop constraint " + cmd.GetName()
	case pg_query.AlterTableType_AT_ValidateConstraint:
		return "Validate constraint " + cmd.GetName()
	case pg_query.AlterTableType_AT_AlterColumnType:
		return "Change the type of " + col
	case pg_query.AlterTableType_AT_SetNotNull:
		return "Set " + col + " NOT NULL"
	case pg_query.AlterTableType_AT_DropNotNull:
		return "Drop NOT NULL on " + col
	case pg_query.AlterTableType_AT_ColumnDefault:
		if cmd.GetDef() == nil {
			return "Drop the default of " + col
		}
		return "Set the default of " + col
	}
	return ""
}
