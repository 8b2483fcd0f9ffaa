package design

import (
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// minColumnsForMajority is the smallest table the "most columns nullable"
// check judges: on two or three columns a majority says little.
const minColumnsForMajority = 4

// broadNullableColumns: nullable columns where the data model has a value.
func broadNullableColumns() rule.Rule {
	return rule.Rule{
		ID:       "broad-nullable-columns",
		Severity: workflow.SeverityWarning,
		Summary:  "table with mostly nullable columns, nullable foreign keys or status columns",
		Why: "Every nullable column is a third state the application, reports and constraints must handle. A " +
			"nullable foreign key allows rows without a parent (orphans as data); a nullable status leaves rows " +
			"in no state at all; a table whose columns are mostly nullable usually mixes optional groups that " +
			"belong in their own table. Declare NOT NULL wherever the product always has a value — adding it " +
			"later to a table with data takes a scan or a multi-step migration. Only new tables are judged.",
		Check: func(c *rule.Context) []rule.Violation {
			cs := newTable(c)
			if cs == nil {
				return nil
			}
			n := nullability(c, cs)
			if len(n.flagged()) == 0 {
				return nil
			}
			table := rule.RelName(cs.Relation).String()
			safe := n.safeSQL(c, cs)
			var out []rule.Violation
			if n.mostly() {
				out = append(out, rule.Violation{
					Message: strings.Join(n.nullable, ", ") + " of " + table + " are nullable: most of its columns (" +
						strconv.Itoa(len(n.nullable)) + " of " + strconv.Itoa(n.total) + ") may be empty; make required ones NOT NULL and move optional groups to their own table",
					SafeSQL: safe, Object: table, Location: cs.Relation.GetLocation(),
				})
			}
			for _, cd := range columnDefs(cs) {
				var msg string
				switch {
				case slices.Contains(n.foreign, cd.Colname):
					msg = "foreign key column " + table + "." + cd.Colname + " is nullable: rows can exist without the row they belong to"
				case slices.Contains(n.status, cd.Colname):
					msg = "status column " + table + "." + cd.Colname + " is nullable: rows can be in no state at all; make it NOT NULL with a default state"
				default:
					continue
				}
				out = append(out, rule.Violation{Message: msg, SafeSQL: safe, Object: table + "." + cd.Colname, Location: cd.Location})
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "nullable foreign key", Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), total bigint NOT NULL);", Fires: true},
			{Name: "nullable status",
				SQL: "CREATE TABLE payments (id bigint PRIMARY KEY, status text CHECK (status IN ('authorized', 'captured')), amount bigint NOT NULL);", Fires: true},
			{Name: "mostly nullable",
				SQL: "CREATE TABLE profiles (id bigint PRIMARY KEY, phone text, company text, city text, country text);", Fires: true},
			{Name: "required columns", Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), status text NOT NULL DEFAULT 'pending', note text);"},
			{Name: "made NOT NULL later in the file", Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;"},
			{Name: "existing table gains a nullable column", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE orders ADD COLUMN status text;"},
		},
	}
}

// nullableColumns is what a new table leaves nullable.
type nullableColumns struct {
	total int
	// nullable lists every nullable column; foreign and status the nullable
	// foreign key and status columns among them.
	nullable, foreign, status []string
}

// nullability reads which columns of a new table are nullable once the file
// is done with it (primary key members and later SET NOT NULL count).
func nullability(c *rule.Context, cs *pg_query.CreateStmt) nullableColumns {
	table := rule.RelName(cs.Relation)
	var pk, fk []string
	rule.EachConstraint(cs, func(con *pg_query.Constraint, column string) {
		switch con.GetContype() {
		case pg_query.ConstrType_CONSTR_PRIMARY:
			pk = append(pk, constraintColumns(con, column)...)
		case pg_query.ConstrType_CONSTR_FOREIGN:
			fk = append(fk, constraintColumns(con, column)...)
		}
	})
	later := notNullLater(c, table)
	var n nullableColumns
	for _, cd := range columnDefs(cs) {
		n.total++
		if notNullDef(cd) || slices.Contains(pk, cd.Colname) || later.has(cd.Colname) {
			continue
		}
		n.nullable = append(n.nullable, cd.Colname)
		switch {
		case slices.Contains(fk, cd.Colname):
			n.foreign = append(n.foreign, cd.Colname)
		case statusName(cd.Colname):
			n.status = append(n.status, cd.Colname)
		}
	}
	return n
}

// mostly reports whether most columns of the table are nullable.
func (n nullableColumns) mostly() bool {
	return n.total >= minColumnsForMajority && 2*len(n.nullable) > n.total
}

// flagged returns the columns the safe alternative makes NOT NULL: all
// nullable ones when most are, else the foreign key and status columns.
func (n nullableColumns) flagged() []string {
	if n.mostly() {
		return n.nullable
	}
	return slices.Concat(n.foreign, n.status)
}

// safeSQL renders the CREATE TABLE with the flagged columns NOT NULL.
func (n nullableColumns) safeSQL(c *rule.Context, cs *pg_query.CreateStmt) string {
	fixed := proto.Clone(cs).(*pg_query.CreateStmt)
	for _, elt := range fixed.TableElts {
		if cd := elt.GetColumnDef(); cd != nil && slices.Contains(n.flagged(), cd.Colname) {
			cd.Constraints = slices.DeleteFunc(cd.Constraints, func(x *pg_query.Node) bool {
				return x.GetConstraint().GetContype() == pg_query.ConstrType_CONSTR_NULL
			})
			cd.Constraints = append(cd.Constraints, &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: &pg_query.Constraint{
				Contype: pg_query.ConstrType_CONSTR_NOTNULL, Location: -1,
			}}})
		}
	}
	sql := c.Deparse(&pg_query.Node{Node: &pg_query.Node_CreateStmt{CreateStmt: fixed}})
	if n.mostly() {
		sql = "-- NOT NULL wherever the product always has a value; move optional groups to their own table.\n" + sql
	}
	return sql
}

// statusName reports whether a column holds a state: status, state, *_status, *_state.
func statusName(column string) bool {
	col := strings.ToLower(column)
	return col == "status" || col == "state" || strings.HasSuffix(col, "_status") || strings.HasSuffix(col, "_state")
}
