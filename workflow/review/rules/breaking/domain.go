package breaking

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// domainWhy is the shared explanation of the two domain rules.
const domainWhy = "A constraint on a domain is checked against every column of every table that uses " +
	"the domain: adding one scans all of them while holding locks that block writes, and changing or " +
	"dropping it later is just as heavy. Table constraints can be added NOT VALID and validated " +
	"online, one table at a time, so put the rule on the columns instead."

// banCreateDomainWithConstraint: CREATE DOMAIN with CHECK or NOT NULL.
func banCreateDomainWithConstraint() rule.Rule {
	return rule.Rule{
		ID:       "ban-create-domain-with-constraint",
		Severity: workflow.SeverityInfo,
		Summary:  "CREATE DOMAIN with a CHECK or NOT NULL constraint",
		Why:      domainWhy,
		Check:    checkCreateDomain,
		Cases: []rule.Case{
			{Name: "check constraint", SQL: "CREATE DOMAIN positive_amount AS numeric(15,5) CHECK (VALUE > 0);", Fires: true},
			{Name: "not null and default", SQL: "CREATE DOMAIN code AS text NOT NULL DEFAULT 'x';", Fires: true},
			{Name: "plain domain", SQL: "CREATE DOMAIN code AS text DEFAULT 'x';"},
		},
	}
}

// banAlterDomainWithAddConstraint: ALTER DOMAIN ... ADD CONSTRAINT.
func banAlterDomainWithAddConstraint() rule.Rule {
	return rule.Rule{
		ID:       "ban-alter-domain-with-add-constraint",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER DOMAIN ... ADD CONSTRAINT",
		Why:      domainWhy,
		Check:    checkAlterDomain,
		Cases: []rule.Case{
			{Name: "domain used by known columns",
				Baseline: "CREATE DOMAIN amount AS numeric(12,2);\nCREATE TABLE payments (id bigint, total amount, fee amount);\nCREATE TABLE refunds (id bigint, total amount);",
				SQL:      "ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0);", Fires: true},
			{Name: "columns unknown", SQL: "ALTER DOMAIN app.amount ADD CONSTRAINT amount_set NOT NULL;", Fires: true},
			{Name: "not valid", Baseline: "CREATE DOMAIN amount AS numeric(12,2);\nCREATE TABLE payments (id bigint, total amount);",
				SQL: "ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID;", Fires: true},
			{Name: "validating", SQL: "ALTER DOMAIN amount VALIDATE CONSTRAINT amount_positive;"},
			{Name: "dropping a constraint", SQL: "ALTER DOMAIN amount DROP CONSTRAINT IF EXISTS amount_positive;"},
		},
	}
}

// isDomainRule reports whether a domain constraint restricts values (CHECK or
// NOT NULL) rather than supplying a default.
func isDomainRule(n *pg_query.Node) bool {
	ct := n.GetConstraint().GetContype()
	return ct == pg_query.ConstrType_CONSTR_CHECK || ct == pg_query.ConstrType_CONSTR_NOTNULL
}

// checkCreateDomain reports a CREATE DOMAIN carrying CHECK or NOT NULL.
func checkCreateDomain(c *rule.Context) []rule.Violation {
	n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_CreateDomainStmt)
	if !ok {
		return nil
	}
	d := n.CreateDomainStmt
	var kept, rules []*pg_query.Node
	for _, con := range d.Constraints {
		if isDomainRule(con) {
			rules = append(rules, con)
		} else {
			kept = append(kept, con)
		}
	}
	if len(rules) == 0 {
		return nil
	}
	safe := proto.Clone(d).(*pg_query.CreateDomainStmt)
	safe.Constraints = kept
	var b strings.Builder
	b.WriteString(rule.Comment("Keep the domain a plain type alias and put the rules on the columns that use it."))
	b.WriteString(deparse(c, &pg_query.Node{Node: &pg_query.Node_CreateDomainStmt{CreateDomainStmt: safe}}))
	for _, con := range rules {
		b.WriteString(rule.Comment("Declare it on each column of this type: in CREATE TABLE, or on a table with rows",
			"NOT VALID first, then VALIDATE in a separate transaction:",
			columnRuleSQL(c, con.GetConstraint(), "some_table", "column_name", "some_table_column_name_check")))
	}
	name := nameList(d.Domainname)
	return []rule.Violation{{
		Message:  "domain " + name + " carries a constraint: every later change to it rechecks every column that uses the domain",
		SafeSQL:  b.String(),
		Object:   name,
		Location: rules[0].GetConstraint().GetLocation(),
	}}
}

// checkAlterDomain reports ALTER DOMAIN ... ADD CONSTRAINT and rewrites it as
// NOT VALID table constraints on the columns the model knows use the domain.
func checkAlterDomain(c *rule.Context) []rule.Violation {
	n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_AlterDomainStmt)
	if !ok || n.AlterDomainStmt.Subtype != "C" {
		return nil
	}
	d := n.AlterDomainStmt
	con := d.Def.GetConstraint()
	if con == nil {
		return nil
	}
	name := nameList(d.TypeName)
	var b strings.Builder
	uses := domainColumns(c.Model, name)
	if len(uses) == 0 {
		b.WriteString(rule.Comment("Put the rule on each column that uses " + name + " instead; these are the columns:"))
		b.WriteString("SELECT a.attrelid::regclass AS table_name, a.attname AS column_name FROM pg_attribute a " +
			"JOIN pg_class c ON c.oid = a.attrelid WHERE a.atttypid = " + rule.QuoteLiteral(nameListSQL(d.TypeName)) +
			"::regtype AND c.relkind IN ('r', 'p') AND NOT a.attisdropped;\n")
		b.WriteString(rule.Comment("For each of them, NOT VALID first, then VALIDATE in a separate transaction:",
			columnRuleSQL(c, con, "some_table", "column_name", "some_table_column_name_check")))
	} else {
		b.WriteString(rule.Comment("Put the rule on each column that uses " + name + ": added NOT VALID (brief lock, no scan),"))
		b.WriteString(rule.Comment("then validated in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on)."))
	}
	var validate strings.Builder
	for _, u := range uses {
		conname := rule.Clip(u.table.Name + "_" + u.column + "_" + suffixOr(con.Conname, "check"))
		q := u.table.QualifiedName()
		b.WriteString(columnRuleSQL(c, con, u.table.String(), u.column, conname) + "\n")
		validate.WriteString("ALTER TABLE " + qualifiedSQL(q.Schema, q.Name) + " VALIDATE CONSTRAINT " + rule.QuoteIdent(conname) + ";\n")
	}
	if validate.Len() > 0 {
		b.WriteString(rule.Comment("Next migration, outside the transaction of the ADDs:"))
		b.WriteString(validate.String())
	}
	msg := "ALTER DOMAIN " + name + " ADD CONSTRAINT checks every column of every table using the domain, blocking writes while it scans them"
	if con.SkipValidation {
		msg = "ALTER DOMAIN " + name + " ADD CONSTRAINT ... NOT VALID ties every table using the domain to one constraint: validating it scans them all at once"
	}
	return []rule.Violation{{
		Message:  msg,
		SafeSQL:  b.String(),
		Object:   name,
		Location: con.GetLocation(),
	}}
}

// suffixOr returns s, or def when s is empty.
func suffixOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// domainUse is a column whose type is a domain.
type domainUse struct {
	table  *schema.Table
	column string
}

// domainColumns lists the model's columns typed with the domain.
func domainColumns(m *schema.Model, domain string) []domainUse {
	want := schema.ParseQualifiedName(domain)
	var out []domainUse
	for _, t := range m.Tables {
		for _, col := range t.Columns {
			if schema.ParseQualifiedName(col.Type).Is(want) {
				out = append(out, domainUse{table: t, column: col.Name})
			}
		}
	}
	return out
}

// columnRuleSQL renders a domain constraint as a NOT VALID CHECK constraint
// on one column: VALUE becomes the column, NOT NULL becomes IS NOT NULL.
func columnRuleSQL(c *rule.Context, con *pg_query.Constraint, table, column, conname string) string {
	q := schema.ParseQualifiedName(table)
	chk := &pg_query.Constraint{
		Contype: pg_query.ConstrType_CONSTR_CHECK, Conname: conname,
		SkipValidation: true, InitiallyValid: false, Location: -1,
	}
	if con.Contype == pg_query.ConstrType_CONSTR_CHECK && con.RawExpr != nil {
		chk.RawExpr = proto.Clone(con.RawExpr).(*pg_query.Node)
		replaceValueRefs(chk.RawExpr, column)
	} else {
		chk.RawExpr = &pg_query.Node{Node: &pg_query.Node_NullTest{NullTest: &pg_query.NullTest{
			Arg:          pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeStrNode(column)}, -1),
			Nulltesttype: pg_query.NullTestType_IS_NOT_NULL, Location: -1,
		}}}
	}
	at := &pg_query.AlterTableStmt{
		Relation: rangeVar(q.Schema, q.Name),
		Objtype:  pg_query.ObjectType_OBJECT_TABLE,
		Cmds: []*pg_query.Node{{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: &pg_query.AlterTableCmd{
			Subtype:  pg_query.AlterTableType_AT_AddConstraint,
			Def:      &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: chk}},
			Behavior: pg_query.DropBehavior_DROP_RESTRICT,
		}}}},
	}
	return strings.TrimSuffix(deparse(c, &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: at}}), "\n")
}
