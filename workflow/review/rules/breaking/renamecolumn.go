package breaking

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// renamingColumn: ALTER TABLE ... RENAME COLUMN on an existing table.
func renamingColumn() rule.Rule {
	return rule.Rule{
		ID:       "renaming-column",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER TABLE ... RENAME COLUMN on an existing table",
		Why: "Every running app instance still reads and writes the old column name; after the rename " +
			"their queries fail until the new code is deployed everywhere. Rename by expand/contract: " +
			"add the new column, keep both in sync with a trigger, backfill in batches, switch readers " +
			"and writers to the new name, then drop the trigger and the old column in a later contract " +
			"migration. Recreate the old column's NOT NULL, unique, foreign key and index definitions on " +
			"the new column before the contract step.",
		Check: checkRenamingColumn,
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);",
				SQL: "ALTER TABLE orders RENAME COLUMN customer_id TO buyer_id;", Fires: true},
			{Name: "column type unknown", SQL: "ALTER TABLE app.orders RENAME customer_id TO \"buyerId\";", Fires: true},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint, customer_id bigint);\nALTER TABLE orders RENAME COLUMN customer_id TO buyer_id;"},
			{Name: "renaming a constraint", Baseline: "CREATE TABLE orders (id bigint CONSTRAINT orders_pk PRIMARY KEY);",
				SQL: "ALTER TABLE orders RENAME CONSTRAINT orders_pk TO orders_pkey;"},
		},
	}
}

// checkRenamingColumn reports a column rename on an existing table.
func checkRenamingColumn(c *rule.Context) []rule.Violation {
	n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_RenameStmt)
	if !ok || n.RenameStmt.RenameType != pg_query.ObjectType_OBJECT_COLUMN ||
		n.RenameStmt.RelationType != pg_query.ObjectType_OBJECT_TABLE {
		return nil
	}
	r := n.RenameStmt
	table := rule.RangeVarName(r.Relation)
	if !c.Existing(table) {
		return nil
	}
	return []rule.Violation{{
		Message: fmt.Sprintf("renaming %s.%s to %s breaks every running app instance that still uses the old column name",
			table, r.Subname, r.Newname),
		SafeSQL:  renameColumnSafeSQL(c, r),
		Object:   table + "." + r.Subname,
		Location: c.NameLocation(r.Subname, r.Relation.GetLocation()+1),
	}}
}

// renameColumnSafeSQL is the expand phase of a column rename: new column,
// sync trigger, batched backfill; the contract phase stays in comments.
func renameColumnSafeSQL(c *rule.Context, r *pg_query.RenameStmt) string {
	table, tableName := rule.RelSQL(r.Relation), rule.RangeVarName(r.Relation)
	oldCol, newCol := rule.QuoteIdent(r.Subname), rule.QuoteIdent(r.Newname)
	fn := rule.Clip(r.Relation.Relname + "_" + r.Newname + "_sync")
	fnSQL := qualifiedSQL(r.Relation.Schemaname, fn)
	var b strings.Builder
	b.WriteString(rule.Comment("Expand: add the new column next to the old one."))
	b.WriteString(addColumnLike(c, r, table))
	b.WriteString(rule.Comment("Keep both columns in sync while old and new code run side by side."))
	fmt.Fprintf(&b, `CREATE OR REPLACE FUNCTION %[1]s() RETURNS trigger LANGUAGE plpgsql AS $sync$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.%[2]s := COALESCE(NEW.%[2]s, NEW.%[3]s);
    NEW.%[3]s := COALESCE(NEW.%[3]s, NEW.%[2]s);
  ELSIF NEW.%[2]s IS DISTINCT FROM OLD.%[2]s THEN
    NEW.%[3]s := NEW.%[2]s;
  ELSE
    NEW.%[2]s := NEW.%[3]s;
  END IF;
  RETURN NEW;
END
$sync$;
`, fnSQL, newCol, oldCol)
	execute := "FUNCTION"
	if c.PG > 0 && c.PG < 11 {
		execute = "PROCEDURE"
	}
	fmt.Fprintf(&b, "CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE %s %s();\n",
		rule.QuoteIdent(fn), table, execute, fnSQL)
	b.WriteString(rule.Comment("Backfill in batches, outside a long transaction; repeat until it updates 0 rows."))
	b.WriteString(backfillBatch(c, tableName, table, oldCol, newCol))
	b.WriteString(rule.Comment(
		"Recreate the old column's NOT NULL, unique, foreign key and indexes on the new one, switch reads and writes",
		"to "+r.Newname+" and deploy. Contract phase, a later migration once no deployed code uses "+r.Subname+":",
		fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s; DROP FUNCTION IF EXISTS %s();", rule.QuoteIdent(fn), table, fnSQL),
		fmt.Sprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s;", table, oldCol),
	))
	return b.String()
}

// addColumnLike adds the renamed column with the old column's type: spelled
// out when the model knows it, looked up in the catalog otherwise.
func addColumnLike(c *rule.Context, r *pg_query.RenameStmt, table string) string {
	if t := c.Table(rule.RangeVarName(r.Relation)); t != nil {
		if cd := t.Column(r.Subname); cd != nil && cd.Type != "" {
			return fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s;\n", table, rule.QuoteIdent(r.Newname), cd.Type)
		}
	}
	reg := rule.QuoteLiteral(table) + "::regclass"
	return fmt.Sprintf(`DO $add$
BEGIN
  EXECUTE format('ALTER TABLE %%s ADD COLUMN IF NOT EXISTS %%I %%s', %[1]s, %[2]s,
    (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %[1]s AND attname = %[3]s));
END
$add$;
`, reg, rule.QuoteLiteral(r.Newname), rule.QuoteLiteral(r.Subname))
}

// backfillBatch copies one batch of old values into the new column, keyed by
// the single-column primary key when the model knows it, by ctid otherwise.
func backfillBatch(c *rule.Context, tableName, table, oldCol, newCol string) string {
	where := fmt.Sprintf("%s IS NULL AND %s IS NOT NULL", newCol, oldCol)
	if t := c.Table(tableName); t != nil && t.PrimaryKey != nil && len(t.PrimaryKey.Columns) == 1 {
		pk := rule.QuoteIdent(t.PrimaryKey.Columns[0])
		return fmt.Sprintf("UPDATE %[1]s SET %[2]s = %[3]s WHERE %[4]s IN (SELECT %[4]s FROM %[1]s WHERE %[5]s LIMIT 1000);\n",
			table, newCol, oldCol, pk, where)
	}
	return fmt.Sprintf("UPDATE %[1]s SET %[2]s = %[3]s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %[1]s WHERE %[4]s LIMIT 1000));\n",
		table, newCol, oldCol, where)
}
