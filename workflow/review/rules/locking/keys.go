package locking

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// addingSerialPrimaryKeyField: ADD PRIMARY KEY (or an inline PRIMARY KEY on
// ADD COLUMN) builds the key's index under ACCESS EXCLUSIVE. squawk's id is
// kept although the concern is any primary key added without USING INDEX.
func addingSerialPrimaryKeyField() rule.Rule {
	return rule.Rule{
		ID:       "adding-serial-primary-key-field",
		Severity: workflow.SeverityError,
		Summary:  "PRIMARY KEY added to an existing table without USING INDEX",
		Why: "ADD PRIMARY KEY builds a unique index while holding ACCESS EXCLUSIVE, so every read and write " +
			"of the table waits for the whole build (and for a NOT NULL scan of nullable key columns). Build " +
			"the index with CREATE UNIQUE INDEX CONCURRENTLY, make the key columns NOT NULL safely, then " +
			"ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX, which only takes the lock briefly.",
		Check: checkAddingPrimaryKey,
		Cases: []rule.Case{
			{Name: "add primary key", Baseline: "CREATE TABLE orders (id bigint NOT NULL, ref text);",
				SQL: "ALTER TABLE orders ADD PRIMARY KEY (id);", Fires: true},
			{Name: "inline on add column", Baseline: "CREATE TABLE orders (ref text);",
				SQL: "ALTER TABLE orders ADD COLUMN id bigserial PRIMARY KEY;", Fires: true},
			{Name: "nullable key column", Baseline: "CREATE TABLE orders (id bigint, ref text);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);", Fires: true},
			{Name: "in a wrapped migration", Runner: "assume-in-transaction", Baseline: "CREATE TABLE orders (id bigint NOT NULL);",
				SQL: "ALTER TABLE orders ADD PRIMARY KEY (id);", Fires: true},
			{Name: "using index", Baseline: "CREATE TABLE orders (id bigint NOT NULL);",
				SQL: "CREATE UNIQUE INDEX CONCURRENTLY orders_id_idx ON orders (id);\n" +
					"ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint NOT NULL);\nALTER TABLE orders ADD PRIMARY KEY (id);"},
		},
	}
}

// disallowedUniqueConstraint: ADD UNIQUE (or an inline UNIQUE on ADD
// COLUMN) builds the index under ACCESS EXCLUSIVE.
func disallowedUniqueConstraint() rule.Rule {
	return rule.Rule{
		ID:       "disallowed-unique-constraint",
		Severity: workflow.SeverityError,
		Summary:  "UNIQUE constraint added to an existing table without USING INDEX",
		Why: "ADD CONSTRAINT ... UNIQUE builds its index while holding ACCESS EXCLUSIVE: reads and writes of " +
			"the table wait for the whole build. Build the index with CREATE UNIQUE INDEX CONCURRENTLY (outside " +
			"a transaction; check it is valid afterwards), then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING " +
			"INDEX, which only takes the lock briefly.",
		Check: checkDisallowedUnique,
		Cases: []rule.Case{
			{Name: "add unique", Baseline: "CREATE TABLE payments (id bigint, provider_ref text);",
				SQL: "ALTER TABLE payments ADD CONSTRAINT payments_provider_ref_key UNIQUE (provider_ref);", Fires: true},
			{Name: "unnamed with options", Baseline: "CREATE TABLE payments (id bigint, provider text, ref text, amount numeric);",
				SQL: "ALTER TABLE payments ADD UNIQUE NULLS NOT DISTINCT (provider, ref) INCLUDE (amount);", Fires: true},
			{Name: "inline on add column", Baseline: "CREATE TABLE payments (id bigint);",
				SQL: "ALTER TABLE payments ADD COLUMN provider_ref text UNIQUE;", Fires: true},
			{Name: "in a transaction", Baseline: "CREATE TABLE payments (id bigint, provider_ref text);",
				SQL: "BEGIN;\nALTER TABLE payments ADD UNIQUE (provider_ref);\nCOMMIT;", Fires: true},
			{Name: "using index", Baseline: "CREATE TABLE payments (id bigint, provider_ref text);",
				SQL: "CREATE UNIQUE INDEX CONCURRENTLY payments_provider_ref_idx ON payments (provider_ref);\n" +
					"ALTER TABLE payments ADD CONSTRAINT payments_provider_ref_key UNIQUE USING INDEX payments_provider_ref_idx;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE payments (id bigint, provider_ref text);\nALTER TABLE payments ADD UNIQUE (provider_ref);"},
		},
	}
}

// checkAddingPrimaryKey reports primary keys added to an existing table
// without USING INDEX.
func checkAddingPrimaryKey(c *rule.Context) []rule.Violation {
	return checkIndexConstraint(c, pg_query.ConstrType_CONSTR_PRIMARY)
}

// checkDisallowedUnique reports unique constraints added to an existing
// table without USING INDEX.
func checkDisallowedUnique(c *rule.Context) []rule.Violation {
	return checkIndexConstraint(c, pg_query.ConstrType_CONSTR_UNIQUE)
}

// keyAdd is one PRIMARY KEY or UNIQUE constraint an ALTER TABLE adds with an
// index of its own: the constraint and its key columns (the column itself for
// an inline constraint).
type keyAdd struct {
	con  *pg_query.Constraint
	cols []string
}

// keyAdds returns the constraints of the given type the command adds
// without USING INDEX.
func keyAdds(cmd *pg_query.AlterTableCmd, t pg_query.ConstrType) []keyAdd {
	if con := addedConstraint(cmd); con != nil && con.Contype == t && con.Indexname == "" {
		return []keyAdd{{con: con, cols: rule.StringValues(con.Keys)}}
	}
	var out []keyAdd
	if cd := addedColumn(cmd); cd != nil {
		for _, con := range columnConstraints(cd) {
			if con.Contype == t && con.Indexname == "" {
				out = append(out, keyAdd{con: con, cols: []string{cd.Colname}})
			}
		}
	}
	return out
}

// checkIndexConstraint reports the PRIMARY KEY or UNIQUE constraints of type
// t that an ALTER TABLE of an existing table adds by building an index.
func checkIndexConstraint(c *rule.Context, t pg_query.ConstrType) []rule.Violation {
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	kind := "UNIQUE"
	if t == pg_query.ConstrType_CONSTR_PRIMARY {
		kind = "PRIMARY KEY"
	}
	var out []rule.Violation
	for _, cmd := range rule.AlterTableCmds(at) {
		for _, k := range keyAdds(cmd, t) {
			msg := fmt.Sprintf("ADD %s (%s) on %s builds its index while holding ACCESS EXCLUSIVE, blocking reads "+
				"and writes for the whole build", kind, strings.Join(k.cols, ", "), table)
			if nullable := nullableColumns(c, table, k.cols); t == pg_query.ConstrType_CONSTR_PRIMARY && len(nullable) > 0 {
				msg += fmt.Sprintf(", and scans the table to make %s NOT NULL", strings.Join(nullable, ", "))
			}
			out = append(out, rule.Violation{Message: msg, Object: table, Location: k.con.Location})
		}
	}
	if len(out) == 0 {
		return nil
	}
	safe := safeIndexConstraint(c, at, table, t)
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// nullableColumns returns the columns the model knows as nullable.
func nullableColumns(c *rule.Context, table string, cols []string) []string {
	tbl := c.Table(table)
	if tbl == nil {
		return nil
	}
	var out []string
	for _, col := range cols {
		if mc := tbl.Column(col); mc != nil && !mc.NotNull {
			out = append(out, col)
		}
	}
	return out
}

// safeIndexConstraint rewrites the statement without the constraints of
// type t, then builds each one's index concurrently and attaches it with
// USING INDEX.
func safeIndexConstraint(c *rule.Context, at *pg_query.AlterTableStmt, table string, t pg_query.ConstrType) string {
	var keys []keyAdd
	rest := editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		found := keyAdds(cmd, t)
		keys = append(keys, found...)
		if addedConstraint(cmd) != nil && len(found) > 0 {
			return nil
		}
		if cd := addedColumn(cmd); cd != nil {
			withoutConstraints(cd, t)
		}
		return []*pg_query.AlterTableCmd{cmd}
	})
	s := newScript(c)
	if rest != nil {
		s.add(rest)
	}
	for _, k := range keys {
		index, attach := stagedKey(at.Relation, table, k)
		if nullable := nullableColumns(c, table, k.cols); t == pg_query.ConstrType_CONSTR_PRIMARY && len(nullable) > 0 {
			s.comment("make " + strings.Join(nullable, ", ") + " NOT NULL first through a validated CHECK " +
				"(see adding-not-nullable-field), or USING INDEX scans to set it")
		}
		s.comment("if the concurrent build fails, drop the INVALID index it leaves and retry")
		s.outsideTx(index, attach)
	}
	return s.String()
}

// stagedKey builds the two steps that add a PRIMARY KEY or UNIQUE
// constraint without a long lock: CREATE UNIQUE INDEX CONCURRENTLY, then ADD
// CONSTRAINT ... USING INDEX.
func stagedKey(rel *pg_query.RangeVar, table string, k keyAdd) (index, attach *pg_query.Node) {
	suffix := "key"
	if k.con.Contype == pg_query.ConstrType_CONSTR_PRIMARY {
		suffix = "pkey"
	}
	name := k.con.Conname
	if name == "" {
		name = objectName(table, k.cols, suffix)
		if suffix == "pkey" {
			name = objectName(table, nil, suffix)
		}
	}
	idx := objectName(table, k.cols, "idx")
	ix := uniqueIndexNode(rel, idx, k.cols, rule.StringValues(k.con.Including), k.con.NullsNotDistinct)
	ix.GetIndexStmt().Options = k.con.Options
	ix.GetIndexStmt().TableSpace = k.con.Indexspace
	con := &pg_query.Constraint{
		Contype: k.con.Contype, Conname: name, Indexname: idx,
		Deferrable: k.con.Deferrable, Initdeferred: k.con.Initdeferred,
	}
	return ix, alterNode(rel, addConstraintCmd(con))
}
