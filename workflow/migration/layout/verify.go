package layout

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// verifyQuery derives from a statement's parse tree a query that fails when
// the statement's effect is missing from the database: a division by zero
// over a catalog count, or a SELECT of a relation or column that must exist.
// It returns "" when no sensible check exists (data changes, functions ...).
func verifyQuery(st schema.Statement) string {
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_IndexStmt:
		if n.IndexStmt.Idxname == "" {
			return ""
		}
		name := schema.QualifiedName{Schema: n.IndexStmt.Relation.GetSchemaname(), Name: n.IndexStmt.Idxname}
		return "SELECT 1/count(*) FROM pg_index WHERE indexrelid = to_regclass(" + rule.QuoteLiteral(rule.QuoteQualified(name)) + ") AND indisvalid;"
	case *pg_query.Node_CreateStmt:
		var cols []string
		for _, e := range n.CreateStmt.TableElts {
			if cd := e.GetColumnDef(); cd != nil {
				cols = append(cols, rule.QuoteColID(cd.Colname))
			}
		}
		if len(cols) == 0 {
			cols = []string{"1"}
		}
		return "SELECT " + strings.Join(cols, ", ") + " FROM " + rule.RelSQL(n.CreateStmt.Relation) + " WHERE false;"
	case *pg_query.Node_ViewStmt:
		return "SELECT 1 FROM " + rule.RelSQL(n.ViewStmt.View) + " WHERE false;"
	case *pg_query.Node_AlterTableStmt:
		if len(n.AlterTableStmt.Cmds) != 1 || n.AlterTableStmt.Objtype != pg_query.ObjectType_OBJECT_TABLE {
			return ""
		}
		return alterVerify(n.AlterTableStmt.Relation, n.AlterTableStmt.Cmds[0].GetAlterTableCmd())
	case *pg_query.Node_DropStmt:
		var qs []string
		for _, o := range n.DropStmt.Objects {
			name := schema.ObjectName(o)
			switch n.DropStmt.RemoveType {
			case pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW,
				pg_query.ObjectType_OBJECT_MATVIEW, pg_query.ObjectType_OBJECT_SEQUENCE:
				qs = append(qs, "SELECT 1/(CASE WHEN to_regclass("+rule.QuoteLiteral(quoteDotted(name))+") IS NULL THEN 1 ELSE 0 END);")
			case pg_query.ObjectType_OBJECT_TYPE, pg_query.ObjectType_OBJECT_DOMAIN:
				qs = append(qs, "SELECT 1/(CASE WHEN to_regtype("+rule.QuoteLiteral(quoteDotted(name))+") IS NULL THEN 1 ELSE 0 END);")
			default:
				return ""
			}
		}
		return strings.Join(qs, "\n")
	case *pg_query.Node_RenameStmt:
		return renameVerify(n.RenameStmt)
	case *pg_query.Node_AlterEnumStmt:
		label := n.AlterEnumStmt.NewVal
		if label == "" {
			return ""
		}
		return "SELECT 1/count(*) FROM pg_enum WHERE enumtypid = to_regtype(" + rule.QuoteLiteral(quoteList(n.AlterEnumStmt.TypeName)) +
			") AND enumlabel = " + rule.QuoteLiteral(label) + ";"
	case *pg_query.Node_CreateEnumStmt:
		return "SELECT 1/(CASE WHEN to_regtype(" + rule.QuoteLiteral(quoteList(n.CreateEnumStmt.TypeName)) + ") IS NULL THEN 0 ELSE 1 END);"
	case *pg_query.Node_CreateDomainStmt:
		return "SELECT 1/(CASE WHEN to_regtype(" + rule.QuoteLiteral(quoteList(n.CreateDomainStmt.Domainname)) + ") IS NULL THEN 0 ELSE 1 END);"
	case *pg_query.Node_CreateExtensionStmt:
		return "SELECT 1/count(*) FROM pg_extension WHERE extname = " + rule.QuoteLiteral(n.CreateExtensionStmt.Extname) + ";"
	case *pg_query.Node_CreateSchemaStmt:
		return "SELECT 1/count(*) FROM pg_namespace WHERE nspname = " + rule.QuoteLiteral(n.CreateSchemaStmt.Schemaname) + ";"
	case *pg_query.Node_CreateSeqStmt:
		return "SELECT 1/(CASE WHEN to_regclass(" + rule.QuoteLiteral(rule.RelSQL(n.CreateSeqStmt.Sequence)) + ") IS NULL THEN 0 ELSE 1 END);"
	case *pg_query.Node_CreateTrigStmt:
		return "SELECT 1/count(*) FROM pg_trigger WHERE tgrelid = to_regclass(" + rule.QuoteLiteral(rule.RelSQL(n.CreateTrigStmt.Relation)) +
			") AND tgname = " + rule.QuoteLiteral(n.CreateTrigStmt.Trigname) + ";"
	}
	return ""
}

// alterVerify checks one ALTER TABLE subcommand.
func alterVerify(rv *pg_query.RangeVar, cmd *pg_query.AlterTableCmd) string {
	if cmd == nil {
		return ""
	}
	table := rule.RelSQL(rv)
	reg := "to_regclass(" + rule.QuoteLiteral(table) + ")"
	attr := func(col, cond string) string {
		return "SELECT 1/count(*) FROM pg_attribute WHERE attrelid = " + reg + " AND attname = " + rule.QuoteLiteral(col) + " AND NOT attisdropped" + cond + ";"
	}
	con := func(name, cond string) string {
		return "SELECT 1/count(*) FROM pg_constraint WHERE conrelid = " + reg + " AND conname = " + rule.QuoteLiteral(name) + cond + ";"
	}
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		return "SELECT " + rule.QuoteColID(cmd.GetDef().GetColumnDef().GetColname()) + " FROM " + table + " WHERE false;"
	case pg_query.AlterTableType_AT_DropColumn:
		return "SELECT 1/(1 - count(*)) FROM pg_attribute WHERE attrelid = " + reg + " AND attname = " + rule.QuoteLiteral(cmd.Name) + " AND NOT attisdropped;"
	case pg_query.AlterTableType_AT_SetNotNull:
		return attr(cmd.Name, " AND attnotnull")
	case pg_query.AlterTableType_AT_DropNotNull:
		return attr(cmd.Name, " AND NOT attnotnull")
	case pg_query.AlterTableType_AT_ColumnDefault:
		has := "SELECT 1/count(*)"
		if cmd.Def == nil {
			has = "SELECT 1/(1 - count(*))"
		}
		return has + " FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = " + reg +
			" AND a.attname = " + rule.QuoteLiteral(cmd.Name) + ";"
	case pg_query.AlterTableType_AT_AddConstraint:
		c := cmd.GetDef().GetConstraint()
		if c.GetConname() == "" {
			return ""
		}
		cond := ""
		if !c.SkipValidation {
			cond = " AND convalidated"
		}
		return con(c.Conname, cond)
	case pg_query.AlterTableType_AT_ValidateConstraint:
		return con(cmd.Name, " AND convalidated")
	case pg_query.AlterTableType_AT_DropConstraint:
		return "SELECT 1/(1 - count(*)) FROM pg_constraint WHERE conrelid = " + reg + " AND conname = " + rule.QuoteLiteral(cmd.Name) + ";"
	}
	return ""
}

// renameVerify checks that the new name exists.
func renameVerify(rs *pg_query.RenameStmt) string {
	switch rs.RenameType {
	case pg_query.ObjectType_OBJECT_COLUMN:
		return "SELECT " + rule.QuoteColID(rs.Newname) + " FROM " + rule.RelSQL(rs.Relation) + " WHERE false;"
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_INDEX:
		name := schema.QualifiedName{Schema: rs.Relation.GetSchemaname(), Name: rs.Newname}
		return "SELECT 1/(CASE WHEN to_regclass(" + rule.QuoteLiteral(rule.QuoteQualified(name)) + ") IS NULL THEN 0 ELSE 1 END);"
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		return "SELECT 1/count(*) FROM pg_constraint WHERE conrelid = to_regclass(" + rule.QuoteLiteral(rule.RelSQL(rs.Relation)) +
			") AND conname = " + rule.QuoteLiteral(rs.Newname) + ";"
	}
	return ""
}

// quoteList renders a name list ([app, status]) as a dotted SQL name.
func quoteList(ns []*pg_query.Node) string {
	parts := rule.StringValues(ns)
	for i, p := range parts {
		parts[i] = rule.QuoteColID(p)
	}
	return strings.Join(parts, ".")
}

// quoteDotted quotes each part of a dotted name ("app.Orders").
func quoteDotted(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = rule.QuoteColID(p)
	}
	return strings.Join(parts, ".")
}
