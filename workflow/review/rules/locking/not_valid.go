package locking

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// constraintMissingNotValid: ADD CONSTRAINT CHECK or FOREIGN KEY validated on
// the spot on an existing table, and VALIDATE in the transaction that added
// the constraint NOT VALID.
func constraintMissingNotValid() rule.Rule {
	return rule.Rule{
		ID:       "constraint-missing-not-valid",
		Severity: workflow.SeverityError,
		Summary:  "CHECK or FOREIGN KEY added to an existing table without NOT VALID, or validated in the same transaction",
		Why: "Adding a CHECK constraint reads every row while holding ACCESS EXCLUSIVE (reads and writes " +
			"blocked); a foreign key does the same under SHARE ROW EXCLUSIVE on both tables (writes blocked). " +
			"Add it NOT VALID, which only checks new rows and takes the lock briefly, then VALIDATE CONSTRAINT " +
			"in a separate transaction: validation holds SHARE UPDATE EXCLUSIVE, which lets reads and writes go " +
			"on. Validating in the transaction that added the constraint keeps the ADD's lock for the whole scan.",
		Check: checkConstraintMissingNotValid,
		Cases: []rule.Case{
			{Name: "check without not valid", Baseline: "CREATE TABLE orders (id bigint, total numeric);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);", Fires: true},
			{Name: "unnamed check", Baseline: "CREATE TABLE orders (id bigint, total numeric);",
				SQL: "ALTER TABLE orders ADD CHECK (total >= 0);", Fires: true},
			{Name: "foreign key without not valid",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint, customer_id bigint);",
				SQL:      "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);", Fires: true},
			{Name: "not valid then validate in one transaction", Baseline: "CREATE TABLE orders (id bigint, total numeric);",
				SQL: "BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n" +
					"ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nCOMMIT;", Fires: true},
			{Name: "not valid then validate in a wrapped migration", Runner: "golang-migrate",
				Baseline: "CREATE TABLE orders (id bigint, total numeric);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n" +
					"ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;", Fires: true},
			{Name: "check in a wrapped migration", Runner: "flyway", Baseline: "CREATE TABLE orders (id bigint, total numeric);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);", Fires: true},
			{Name: "not valid", Baseline: "CREATE TABLE orders (id bigint, total numeric);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;"},
			{Name: "validate in its own transaction", Baseline: "CREATE TABLE orders (id bigint, total numeric);",
				SQL: "BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\nCOMMIT;\n" +
					"BEGIN;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nCOMMIT;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint, total numeric);\nALTER TABLE orders ADD CHECK (total >= 0);"},
		},
	}
}

// checkConstraintMissingNotValid reports validated CHECK and FOREIGN KEY
// additions on an existing table, and VALIDATE CONSTRAINT run in the
// transaction that added the constraint.
func checkConstraintMissingNotValid(c *rule.Context) []rule.Violation {
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	var out []rule.Violation
	for _, cmd := range rule.AlterTableCmds(at) {
		con := addedConstraint(cmd)
		if validatedOnAdd(con) {
			out = append(out, rule.Violation{
				Message:  constraintLockMessage(c, table, con),
				Object:   table,
				Location: con.Location,
			})
		}
	}
	if len(out) > 0 {
		safe := safeNotValid(c, at, table, validatedOnAdd)
		for i := range out {
			out[i].SafeSQL = safe
		}
		return out
	}
	return sameTransactionValidate(c, at, table)
}

// validatedOnAdd reports whether a constraint is a CHECK or FOREIGN KEY
// that PostgreSQL validates as it adds it.
func validatedOnAdd(con *pg_query.Constraint) bool {
	if con == nil || con.SkipValidation {
		return false
	}
	return con.Contype == pg_query.ConstrType_CONSTR_CHECK || con.Contype == pg_query.ConstrType_CONSTR_FOREIGN
}

// constraintLockMessage says what adding the constraint locks and scans.
func constraintLockMessage(c *rule.Context, table string, con *pg_query.Constraint) string {
	if con.Contype == pg_query.ConstrType_CONSTR_FOREIGN {
		return fmt.Sprintf("ADD %s on %s without NOT VALID reads all of %s while holding SHARE ROW EXCLUSIVE on %s "+
			"and %s, blocking writes to both", constraintLabel(c, con), table, table, table, rule.RangeVarName(con.Pktable))
	}
	return fmt.Sprintf("ADD %s on %s without NOT VALID reads every row of %s while holding ACCESS EXCLUSIVE, "+
		"blocking reads and writes", constraintLabel(c, con), table, table)
}

// constraintLabel names a constraint for a message: "CONSTRAINT
// orders_total_check CHECK (total >= 0)" or "FOREIGN KEY (customer_id)
// REFERENCES customers".
func constraintLabel(c *rule.Context, con *pg_query.Constraint) string {
	s := ""
	if con.Conname != "" {
		s = "CONSTRAINT " + con.Conname + " "
	}
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_FOREIGN:
		s += "FOREIGN KEY"
		if cols := rule.StringValues(con.FkAttrs); len(cols) > 0 {
			s += fmt.Sprintf(" (%s)", strings.Join(cols, ", "))
		}
		return s + " REFERENCES " + rule.RangeVarName(con.Pktable)
	case pg_query.ConstrType_CONSTR_CHECK:
		return s + "CHECK (" + c.Stmt.Expr(con.RawExpr) + ")"
	}
	return s + con.Contype.String()
}

// safeNotValid rewrites the statement so that every constraint fix selects
// (including foreign keys written inline on ADD COLUMN) is added, named, NOT
// VALID, and validated afterwards in its own transaction.
func safeNotValid(c *rule.Context, at *pg_query.AlterTableStmt, table string, fix func(*pg_query.Constraint) bool) string {
	var validate []*pg_query.Node
	notValid := func(con *pg_query.Constraint, cols []string) *pg_query.AlterTableCmd {
		con = proto.Clone(con).(*pg_query.Constraint)
		if con.Conname == "" {
			con.Conname = defaultConstraintName(table, con, cols)
		}
		if con.Contype == pg_query.ConstrType_CONSTR_FOREIGN && len(con.FkAttrs) == 0 {
			con.FkAttrs = stringNodes(cols...)
		}
		con.SkipValidation, con.InitiallyValid = true, false
		validate = append(validate, alterNode(at.Relation, validateCmd(con.Conname)))
		return addConstraintCmd(con)
	}
	alter := editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		if con := addedConstraint(cmd); con != nil && fix(con) {
			return []*pg_query.AlterTableCmd{notValid(con, nil)}
		}
		cd := addedColumn(cmd)
		if cd == nil {
			return []*pg_query.AlterTableCmd{cmd}
		}
		out := []*pg_query.AlterTableCmd{cmd}
		for _, con := range columnConstraints(cd) {
			if con.Contype == pg_query.ConstrType_CONSTR_FOREIGN && fix(con) {
				out = append(out, notValid(con, []string{cd.Colname}))
			}
		}
		withoutFixed(cd, fix)
		return out
	})
	s := newScript(c).add(alter)
	s.separately(validate...)
	return s.String()
}

// withoutFixed removes from a column definition the inline foreign keys
// that safeNotValid moves to table constraints.
func withoutFixed(cd *pg_query.ColumnDef, fix func(*pg_query.Constraint) bool) {
	cd.Constraints = slices.DeleteFunc(cd.Constraints, func(n *pg_query.Node) bool {
		con := n.GetConstraint()
		return con != nil && con.Contype == pg_query.ConstrType_CONSTR_FOREIGN && fix(con)
	})
}

// defaultConstraintName names a constraint as PostgreSQL would:
// "<table>_<cols>_fkey" for a foreign key, "<table>_<col>_check" for a check
// on one column and "<table>_check" otherwise.
func defaultConstraintName(table string, con *pg_query.Constraint, cols []string) string {
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_FOREIGN:
		if len(cols) == 0 {
			cols = rule.StringValues(con.FkAttrs)
		}
		return objectName(table, cols, "fkey")
	case pg_query.ConstrType_CONSTR_CHECK:
		if refs := columnRefs(con.RawExpr); len(refs) == 1 {
			return objectName(table, refs, "check")
		}
		return objectName(table, nil, "check")
	}
	return objectName(table, cols, "key")
}

// columnRefs returns the distinct column names an expression reads.
func columnRefs(n *pg_query.Node) []string {
	var out []string
	if n == nil {
		return nil
	}
	schema.Walk(n.ProtoReflect(), func(m protoreflect.Message) {
		ref, ok := m.Interface().(*pg_query.ColumnRef)
		if !ok {
			return
		}
		if f := rule.StringValues(ref.Fields); len(f) > 0 && f[len(f)-1] != "" && !slices.Contains(out, f[len(f)-1]) {
			out = append(out, f[len(f)-1])
		}
	})
	return out
}

// sameTransactionValidate reports a VALIDATE CONSTRAINT whose constraint was
// added NOT VALID earlier in the same transaction.
func sameTransactionValidate(c *rule.Context, at *pg_query.AlterTableStmt, table string) []rule.Violation {
	if !c.Tx.InTransaction {
		return nil
	}
	var found []string
	for _, cmd := range rule.AlterTableCmds(at) {
		if cmd.Subtype == pg_query.AlterTableType_AT_ValidateConstraint && addedInThisTransaction(c, table, cmd.Name) {
			found = append(found, cmd.Name)
		}
	}
	if len(found) == 0 {
		return nil
	}
	s := newScript(c)
	if rest := editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		if cmd.Subtype == pg_query.AlterTableType_AT_ValidateConstraint && slices.Contains(found, cmd.Name) {
			return nil
		}
		return []*pg_query.AlterTableCmd{cmd}
	}); rest != nil {
		s.add(rest)
	}
	for _, name := range found {
		s.separately(alterNode(at.Relation, validateCmd(name)))
	}
	safe := s.String()
	var out []rule.Violation
	for _, name := range found {
		out = append(out, rule.Violation{
			Message: fmt.Sprintf("VALIDATE CONSTRAINT %s on %s runs in the transaction that added it NOT VALID: the "+
				"ADD's lock is still held while the validation reads the whole table, blocking writes (and reads, "+
				"for a CHECK)", name, table),
			SafeSQL:  safe,
			Object:   table,
			Location: locate(c.Stmt, `VALIDATE\s+CONSTRAINT\s+`+identPattern(name)),
		})
	}
	return out
}

// addedInThisTransaction reports whether an earlier statement of the
// current transaction added the named constraint NOT VALID to the table.
func addedInThisTransaction(c *rule.Context, table, name string) bool {
	if !c.Tx.InTransaction {
		return false // outside a transaction each statement commits on its own
	}
	for i := c.Index - 1; i >= 0; i-- {
		st := c.Statements[i]
		if endsTransaction(st) {
			return false // the current transaction starts after this statement
		}
		at, tbl, ok := alterOn(st)
		if !ok || !sameTable(tbl, table) {
			continue
		}
		for _, cmd := range rule.AlterTableCmds(at) {
			if con := addedConstraint(cmd); con != nil && con.Conname == name && con.SkipValidation {
				return true
			}
		}
	}
	return false
}

// endsTransaction reports whether a statement starts or ends a transaction
// (BEGIN, COMMIT, ROLLBACK, PREPARE ...); savepoints do neither.
func endsTransaction(st schema.Statement) bool {
	ts := st.Node.GetTransactionStmt()
	if ts == nil {
		return false
	}
	switch ts.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg_query.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return false
	}
	return true
}
