package gaps

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// enumValueUsedInSameTransaction: a value added with ALTER TYPE ... ADD VALUE
// cannot be used before the transaction that added it commits (SQLSTATE
// 55P04), and before PostgreSQL 12 ADD VALUE cannot run in a transaction at all.
func enumValueUsedInSameTransaction() rule.Rule {
	return rule.Rule{
		ID:       "enum-value-used-in-same-transaction",
		Severity: workflow.SeverityError,
		Summary:  "enum value added and used in the same transaction",
		Why: "A value added with ALTER TYPE ... ADD VALUE cannot be used until the transaction that added it " +
			"commits: the statement that uses it fails with \"unsafe use of new value\" (SQLSTATE 55P04) and " +
			"the whole migration rolls back. Before PostgreSQL 12, ADD VALUE cannot run inside a transaction " +
			"block at all. Commit the new value first, in its own migration.",
		Check: func(c *rule.Context) []rule.Violation {
			if !c.Tx.InTransaction {
				return nil
			}
			if ae := c.Stmt.Node.GetAlterEnumStmt(); ae != nil && c.PG < 12 && ae.NewVal != "" && ae.OldVal == "" {
				return []rule.Violation{{
					Message: "ALTER TYPE " + c.Stmt.Target + " ADD VALUE runs inside a transaction block, which PostgreSQL before 12 refuses",
					SafeSQL: "-- Run it alone, outside any transaction block (its own migration, no BEGIN).\n" + c.Stmt.Text + ";",
				}}
			}
			var out []rule.Violation
			for _, use := range enumUses(c) {
				out = append(out, rule.Violation{
					Message: "value '" + use.value + "' of enum " + use.enum + " is used here but was added earlier in the same transaction: the statement fails with \"unsafe use of new value\" until that transaction commits",
					SafeSQL: "-- Commit the new value first (its own migration), then use it in the next transaction.\n" +
						"ALTER TYPE " + use.enum + " ADD VALUE IF NOT EXISTS " + rule.QuoteLiteral(use.value) + ";\n" +
						"COMMIT;\nBEGIN;\n" + c.Stmt.Text + ";\nCOMMIT;",
					Object: use.enum + "." + use.value, Location: use.location,
				})
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "add and use in BEGIN ... COMMIT",
				Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');\nCREATE TABLE orders (id bigint PRIMARY KEY, status order_status NOT NULL);",
				SQL:      "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE id = 1;\nCOMMIT;", Fires: true},
			{Name: "wrapped by the runner, used through a cast",
				Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');",
				SQL:      "ALTER TYPE order_status ADD VALUE 'refunded';\nSELECT 'refunded'::order_status;", Runner: "flyway", Fires: true},
			{Name: "ADD VALUE in a transaction before PostgreSQL 12", PG: 11,
				Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');",
				SQL:      "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;", Fires: true},
			{Name: "committed before use",
				Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');\nCREATE TABLE orders (id bigint PRIMARY KEY, status order_status NOT NULL);",
				SQL:      "ALTER TYPE order_status ADD VALUE 'refunded';\nBEGIN;\nUPDATE orders SET status = 'refunded' WHERE id = 1;\nCOMMIT;"},
			{Name: "ADD VALUE in a transaction on PostgreSQL 12+",
				Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');",
				SQL:      "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;"},
			{Name: "same literal on a table without the enum",
				Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');\nCREATE TABLE notes (id bigint PRIMARY KEY, body text);",
				SQL:      "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE notes SET body = 'refunded' WHERE id = 1;\nCOMMIT;"},
		},
	}
}

// enumUse is a literal of an enum value added earlier in the transaction.
type enumUse struct {
	enum, value string
	location    int32
}

// enumUses finds the string literals of the statement that are values added
// earlier in the transaction, where the statement works on a column of that
// enum or casts the literal to it.
func enumUses(c *rule.Context) []enumUse {
	if len(c.Tx.EnumValues) == 0 {
		return nil
	}
	var out []enumUse
	seen := map[string]bool{}
	schema.Walk(c.Stmt.Node.ProtoReflect(), func(m protoreflect.Message) {
		var lit *pg_query.A_Const
		var cast *pg_query.TypeName
		switch n := m.Interface().(type) {
		case *pg_query.TypeCast:
			lit, cast = n.GetArg().GetAConst(), n.GetTypeName()
		case *pg_query.A_Const:
			lit = n
		}
		if lit.GetSval() == nil {
			return
		}
		value := lit.GetSval().GetSval()
		for _, added := range c.Tx.EnumValues {
			enum, ok := strings.CutSuffix(added, "."+value)
			if !ok || seen[added] {
				continue
			}
			if (cast != nil && sameType(rule.StringValues(cast.Names), enum)) || usesEnum(c, enum) {
				seen[added] = true
				out = append(out, enumUse{enum: enum, value: value, location: lit.Location})
			}
		}
	})
	return out
}

// sameType reports whether a type name list names the enum.
func sameType(names []string, enum string) bool {
	return schema.ParseQualifiedName(strings.Join(names, ".")).Is(schema.ParseQualifiedName(enum))
}

// usesEnum reports whether the statement defines a column of the enum type
// or works on a table that has one.
func usesEnum(c *rule.Context, enum string) bool {
	found := false
	schema.Walk(c.Stmt.Node.ProtoReflect(), func(m protoreflect.Message) {
		switch n := m.Interface().(type) {
		case *pg_query.ColumnDef:
			found = found || sameType(rule.StringValues(n.GetTypeName().GetNames()), enum)
		case *pg_query.RangeVar:
			if t := c.Table(rule.RangeVarName(n)); t != nil {
				for _, col := range t.Columns {
					found = found || sameType([]string{strings.TrimSuffix(col.Type, "[]")}, enum)
				}
			}
		}
	})
	return found
}
