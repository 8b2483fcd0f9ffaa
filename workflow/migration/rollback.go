package migration

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// inverse is how to undo one statement.
type inverse struct {
	// sql undoes it; empty when there is nothing to undo or no inverse.
	sql string
	// note warns about the inverse, or says why there is none.
	note string
	// irreversible statements lose data or cannot be taken back.
	irreversible bool
	recovery     string
}

// inverseOf returns the inverse of a statement run against model m (the
// schema just before it).
func inverseOf(st schema.Statement, m *schema.Model) inverse {
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		return inverse{sql: "DROP TABLE IF EXISTS " + rule.RelSQL(n.CreateStmt.Relation) + ";",
			note: "Drops the table with every row written to it since."}
	case *pg_query.Node_CreateTableAsStmt:
		kind := "TABLE"
		if n.CreateTableAsStmt.Objtype == pg_query.ObjectType_OBJECT_MATVIEW {
			kind = "MATERIALIZED VIEW"
		}
		return inverse{sql: "DROP " + kind + " IF EXISTS " + rule.RelSQL(n.CreateTableAsStmt.GetInto().GetRel()) + ";"}
	case *pg_query.Node_IndexStmt:
		name := schema.QualifiedName{Schema: n.IndexStmt.Relation.GetSchemaname(), Name: n.IndexStmt.Idxname}
		if name.Name == "" {
			return inverse{note: "The index has no name: find it with \\d and drop it with DROP INDEX CONCURRENTLY."}
		}
		if t := m.Table(rule.RelName(n.IndexStmt.Relation).String()); t != nil && t.Partitioned() {
			return inverse{sql: "DROP INDEX IF EXISTS " + rule.QuoteQualified(name) + ";",
				note: "A partitioned index cannot be dropped CONCURRENTLY: this takes ACCESS EXCLUSIVE on the parent and every partition, briefly."}
		}
		return inverse{sql: "DROP INDEX CONCURRENTLY IF EXISTS " + rule.QuoteQualified(name) + ";"}
	case *pg_query.Node_ViewStmt:
		return inverse{sql: "DROP VIEW IF EXISTS " + rule.RelSQL(n.ViewStmt.View) + ";",
			note: "With CREATE OR REPLACE, re-create the previous definition instead."}
	case *pg_query.Node_CreateSeqStmt:
		return inverse{sql: "DROP SEQUENCE IF EXISTS " + rule.RelSQL(n.CreateSeqStmt.Sequence) + ";"}
	case *pg_query.Node_CreateSchemaStmt:
		return inverse{sql: "DROP SCHEMA IF EXISTS " + rule.QuoteColID(n.CreateSchemaStmt.Schemaname) + ";"}
	case *pg_query.Node_CreateExtensionStmt:
		return inverse{sql: "DROP EXTENSION IF EXISTS " + rule.QuoteColID(n.CreateExtensionStmt.Extname) + ";"}
	case *pg_query.Node_CreateEnumStmt:
		return inverse{sql: "DROP TYPE IF EXISTS " + qualifiedList(n.CreateEnumStmt.TypeName) + ";"}
	case *pg_query.Node_CompositeTypeStmt:
		return inverse{sql: "DROP TYPE IF EXISTS " + rule.RelSQL(n.CompositeTypeStmt.Typevar) + ";"}
	case *pg_query.Node_CreateDomainStmt:
		return inverse{sql: "DROP DOMAIN IF EXISTS " + qualifiedList(n.CreateDomainStmt.Domainname) + ";"}
	case *pg_query.Node_CreateTrigStmt:
		return inverse{sql: "DROP TRIGGER IF EXISTS " + rule.QuoteColID(n.CreateTrigStmt.Trigname) + " ON " + rule.RelSQL(n.CreateTrigStmt.Relation) + ";"}
	case *pg_query.Node_CreateFunctionStmt:
		return functionInverse(n.CreateFunctionStmt)
	case *pg_query.Node_AlterTableStmt:
		return alterInverses(st, n.AlterTableStmt, m)
	case *pg_query.Node_RenameStmt:
		return renameInverse(n.RenameStmt)
	case *pg_query.Node_DropStmt:
		return dropInverse(st, n.DropStmt, m)
	case *pg_query.Node_AlterEnumStmt:
		if n.AlterEnumStmt.OldVal != "" {
			return inverse{sql: "ALTER TYPE " + qualifiedList(n.AlterEnumStmt.TypeName) + " RENAME VALUE " +
				rule.QuoteLiteral(n.AlterEnumStmt.NewVal) + " TO " + rule.QuoteLiteral(n.AlterEnumStmt.OldVal) + ";"}
		}
		return inverse{irreversible: true, note: "PostgreSQL cannot remove a value from an enum.",
			recovery: "Create a new type without the value, move the columns to it with ALTER COLUMN ... TYPE ... USING col::text::new_type (a table rewrite), then drop the old type."}
	case *pg_query.Node_TruncateStmt:
		return inverse{irreversible: true, note: "TRUNCATE removes every row.", recovery: "Restore from a backup or point-in-time recovery."}
	case *pg_query.Node_VariableSetStmt, *pg_query.Node_TransactionStmt:
		return inverse{}
	case *pg_query.Node_InsertStmt:
		return inverse{note: "No automatic inverse: delete the inserted rows by their keys if they must go."}
	}
	return inverse{note: "No automatic inverse for " + st.Kind + ": write it by hand before running the step."}
}

// alterInverses undoes the subcommands of an ALTER TABLE in reverse order.
func alterInverses(st schema.Statement, at *pg_query.AlterTableStmt, m *schema.Model) inverse {
	var out inverse
	var sqls, notes []string
	for i := len(at.Cmds) - 1; i >= 0; i-- {
		inv := alterInverse(st, at, at.Cmds[i].GetAlterTableCmd(), m)
		if inv.sql != "" {
			sqls = append(sqls, inv.sql)
		}
		if inv.note != "" {
			notes = append(notes, inv.note)
		}
		if inv.irreversible {
			out.irreversible = true
			out.recovery = joinSentences(out.recovery, inv.recovery)
		}
	}
	out.sql, out.note = strings.Join(sqls, "\n"), strings.Join(notes, " ")
	return out
}

// alterInverse undoes one ALTER TABLE subcommand, reading what it replaces
// from the model.
func alterInverse(st schema.Statement, at *pg_query.AlterTableStmt, cmd *pg_query.AlterTableCmd, m *schema.Model) inverse {
	table := rule.RelSQL(at.Relation)
	t := m.Table(rule.RelName(at.Relation).String())
	alter := "ALTER TABLE " + table + " "
	col := rule.QuoteColID(cmd.Name)
	var c *schema.Column
	if t != nil {
		c = t.Column(cmd.Name)
	}
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		cd := cmd.GetDef().GetColumnDef()
		return inverse{sql: alter + "DROP COLUMN IF EXISTS " + rule.QuoteColID(cd.GetColname()) + ";",
			note: "Drops the column with every value written to it since."}
	case pg_query.AlterTableType_AT_DropColumn:
		inv := inverse{irreversible: true, note: "The column's values are gone once it is dropped."}
		inv.recovery = "Restore the values from a backup."
		if c != nil {
			inv.recovery = "Re-create the column with " + alter + "ADD COLUMN " + col + " " + c.Type + "; then restore its values from a backup."
		}
		return inv
	case pg_query.AlterTableType_AT_AddConstraint:
		con := cmd.GetDef().GetConstraint()
		if con.GetConname() == "" {
			return inverse{note: "The constraint has no name: find it with \\d and drop it with ALTER TABLE ... DROP CONSTRAINT."}
		}
		return inverse{sql: alter + "DROP CONSTRAINT IF EXISTS " + rule.QuoteColID(con.Conname) + ";"}
	case pg_query.AlterTableType_AT_DropConstraint:
		return constraintInverse(alter, t, cmd.Name)
	case pg_query.AlterTableType_AT_ValidateConstraint:
		return inverse{note: "Nothing to undo: validating changes no data and no definition."}
	case pg_query.AlterTableType_AT_SetNotNull:
		return inverse{sql: alter + "ALTER COLUMN " + col + " DROP NOT NULL;"}
	case pg_query.AlterTableType_AT_DropNotNull:
		return inverse{sql: alter + "ALTER COLUMN " + col + " SET NOT NULL;",
			note: "Scans the table under ACCESS EXCLUSIVE, and fails if NULLs were written since."}
	case pg_query.AlterTableType_AT_ColumnDefault:
		if c != nil && c.Default != "" {
			return inverse{sql: alter + "ALTER COLUMN " + col + " SET DEFAULT " + c.Default + ";"}
		}
		return inverse{sql: alter + "ALTER COLUMN " + col + " DROP DEFAULT;"}
	case pg_query.AlterTableType_AT_AlterColumnType:
		if c == nil {
			return inverse{note: "The old type is not known: change it back by hand."}
		}
		return inverse{sql: alter + "ALTER COLUMN " + col + " TYPE " + c.Type + " USING " + col + "::" + c.Type + ";",
			note: "Changing back may rewrite the table and fails, or truncates, where new values do not fit " + c.Type + "."}
	}
	return inverse{note: "No automatic inverse for this ALTER TABLE subcommand: write it by hand before running the step."}
}

// constraintInverse re-creates a dropped constraint from its definition in
// the model, NOT VALID where PostgreSQL allows it.
func constraintInverse(alter string, t *schema.Table, name string) inverse {
	if t == nil {
		return inverse{note: "The constraint's definition is not known: re-create it by hand."}
	}
	q := rule.QuoteColID(name)
	for _, c := range t.Checks {
		if c.Name == name {
			return inverse{sql: alter + "ADD CONSTRAINT " + q + " CHECK (" + c.Expr + ") NOT VALID;",
				note: "Re-added NOT VALID: run VALIDATE CONSTRAINT afterwards to check the rows written meanwhile."}
		}
	}
	for _, fk := range t.ForeignKeys {
		if fk.Name == name {
			sql := alter + "ADD CONSTRAINT " + q + " FOREIGN KEY (" + rule.JoinColIDs(fk.Columns) + ") REFERENCES " + rule.QuoteQualified(fk.RefTable)
			if len(fk.RefColumns) > 0 {
				sql += " (" + rule.JoinColIDs(fk.RefColumns) + ")"
			}
			if fk.OnDelete != "" && fk.OnDelete != "no action" {
				sql += " ON DELETE " + strings.ToUpper(fk.OnDelete)
			}
			if fk.OnUpdate != "" && fk.OnUpdate != "no action" {
				sql += " ON UPDATE " + strings.ToUpper(fk.OnUpdate)
			}
			return inverse{sql: sql + " NOT VALID;", note: "Re-added NOT VALID: run VALIDATE CONSTRAINT afterwards."}
		}
	}
	for _, u := range t.Uniques {
		if u.Name == name {
			return inverse{sql: "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + q + " ON " + rule.QuoteQualified(t.QualifiedName()) + " (" + rule.JoinColIDs(u.Columns) + ");\n" +
				alter + "ADD CONSTRAINT " + q + " UNIQUE USING INDEX " + q + ";",
				note: "Fails if duplicates were written meanwhile."}
		}
	}
	if pk := t.PrimaryKey; pk != nil && pk.Name == name {
		return inverse{sql: "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + q + " ON " + rule.QuoteQualified(t.QualifiedName()) + " (" + rule.JoinColIDs(pk.Columns) + ");\n" +
			alter + "ADD CONSTRAINT " + q + " PRIMARY KEY USING INDEX " + q + ";",
			note: "Fails if duplicates or NULLs were written meanwhile."}
	}
	return inverse{note: "The constraint's definition is not known: re-create it by hand."}
}

// dropInverse re-creates what a DROP removed when the model knows it and no
// data went with it.
func dropInverse(st schema.Statement, ds *pg_query.DropStmt, m *schema.Model) inverse {
	switch ds.RemoveType {
	case pg_query.ObjectType_OBJECT_INDEX:
		var sqls []string
		for _, o := range ds.Objects {
			ix := m.Index(schema.ObjectName(o))
			if ix == nil {
				return inverse{note: "The index definition is not known: re-create it by hand (CREATE INDEX CONCURRENTLY)."}
			}
			unique := ""
			if ix.Unique {
				unique = "UNIQUE "
			}
			sqls = append(sqls, "CREATE "+unique+"INDEX CONCURRENTLY IF NOT EXISTS "+rule.QuoteColID(ix.Name)+" ON "+
				rule.QuoteQualified(ix.Table)+" USING "+indexDefinition(ix)+";")
		}
		return inverse{sql: strings.Join(sqls, "\n"), note: "Rebuilds the index concurrently: it takes as long as the first build."}
	case pg_query.ObjectType_OBJECT_TABLE:
		return inverse{irreversible: true, note: "The table's rows are gone once it is dropped.",
			recovery: "Restore the table from a backup (pg_restore -t " + st.Target + "), or rename it aside instead of dropping it until the release is proven."}
	}
	return inverse{irreversible: true, note: "The dropped definition is not kept by the package.",
		recovery: "Re-create it from the baseline schema (or a pg_dump --schema-only taken before the change)."}
}

// indexDefinition renders an index after its table name, with column
// names quoted where they need it ("btree (\"Status\", created_at DESC)").
func indexDefinition(ix *schema.Index) string {
	q := *ix
	q.Keys = slices.Clone(ix.Keys)
	for i, k := range q.Keys {
		if k.Column != "" {
			q.Keys[i].Column = rule.QuoteColID(k.Column)
		}
	}
	q.Include = make([]string, len(ix.Include))
	for i, c := range ix.Include {
		q.Include[i] = rule.QuoteColID(c)
	}
	return q.Definition()
}

// renameInverse renames back.
func renameInverse(rs *pg_query.RenameStmt) inverse {
	switch rs.RenameType {
	case pg_query.ObjectType_OBJECT_COLUMN:
		return inverse{sql: "ALTER TABLE " + rule.RelSQL(rs.Relation) + " RENAME COLUMN " + rule.QuoteColID(rs.Newname) + " TO " + rule.QuoteColID(rs.Subname) + ";"}
	case pg_query.ObjectType_OBJECT_TABLE:
		back := &pg_query.RangeVar{Schemaname: rs.Relation.GetSchemaname(), Relname: rs.Newname}
		return inverse{sql: "ALTER TABLE " + rule.RelSQL(back) + " RENAME TO " + rule.QuoteColID(rs.Relation.GetRelname()) + ";"}
	case pg_query.ObjectType_OBJECT_INDEX:
		back := &pg_query.RangeVar{Schemaname: rs.Relation.GetSchemaname(), Relname: rs.Newname}
		return inverse{sql: "ALTER INDEX " + rule.RelSQL(back) + " RENAME TO " + rule.QuoteColID(rs.Relation.GetRelname()) + ";"}
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		return inverse{sql: "ALTER TABLE " + rule.RelSQL(rs.Relation) + " RENAME CONSTRAINT " + rule.QuoteColID(rs.Newname) + " TO " + rule.QuoteColID(rs.Subname) + ";"}
	}
	return inverse{note: "Rename it back by hand."}
}

// functionInverse drops a function by its signature.
func functionInverse(f *pg_query.CreateFunctionStmt) inverse {
	var args []string
	for _, p := range f.Parameters {
		fp := p.GetFunctionParameter()
		if fp == nil || fp.Mode == pg_query.FunctionParameterMode_FUNC_PARAM_OUT || fp.Mode == pg_query.FunctionParameterMode_FUNC_PARAM_TABLE {
			continue
		}
		args = append(args, schema.TypeString(fp.ArgType))
	}
	kind := "FUNCTION"
	if f.IsProcedure {
		kind = "PROCEDURE"
	}
	note := ""
	if f.Replace {
		note = "With CREATE OR REPLACE, re-create the previous definition instead of dropping it."
	}
	return inverse{sql: "DROP " + kind + " IF EXISTS " + qualifiedList(f.Funcname) + "(" + strings.Join(args, ", ") + ");", note: note}
}

// qualifiedList renders a name list ([app, status]) as SQL.
func qualifiedList(ns []*pg_query.Node) string {
	parts := rule.StringValues(ns)
	for i, p := range parts {
		parts[i] = rule.QuoteColID(p)
	}
	return strings.Join(parts, ".")
}
