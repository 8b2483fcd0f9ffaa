package rule

import (
	"sync"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// StatementIndex finds a file's statements by the table they work on, so a
// rule that looks before or after the current statement costs the statements
// on that table, not the whole file. It is built once per file, on first use.
type StatementIndex struct {
	stmts       []schema.Statement
	once        sync.Once
	byTable     map[string][]int
	partitionOf map[string][]int
}

// NewStatementIndex indexes a file's statements.
func NewStatementIndex(stmts []schema.Statement) *StatementIndex {
	return &StatementIndex{stmts: stmts}
}

// ByTable returns the indexes, in file order, of the statements whose target
// is the table ("public." implied when no schema is given).
func (x *StatementIndex) ByTable(table string) []int {
	x.build()
	return x.byTable[TableKey(table)]
}

// On returns, in file order, the statements on the table and those creating
// a partition of it (CREATE TABLE ... PARTITION OF).
func (x *StatementIndex) On(table string) []int {
	x.build()
	k := TableKey(table)
	a, b := x.byTable[k], x.partitionOf[k]
	out := make([]int, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0] < b[0]) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

func (x *StatementIndex) build() {
	x.once.Do(func() {
		x.byTable, x.partitionOf = map[string][]int{}, map[string][]int{}
		for i, st := range x.stmts {
			if st.Target == "" {
				continue
			}
			k := TableKey(st.Target)
			x.byTable[k] = append(x.byTable[k], i)
			if cs := st.Node.GetCreateStmt(); cs.GetPartbound() != nil && len(cs.InhRelations) == 1 {
				p := TableKey(RangeVarName(cs.InhRelations[0].GetRangeVar()))
				x.partitionOf[p] = append(x.partitionOf[p], i)
			}
		}
	})
}

// TableKey normalises a table name as the parser gives it for comparisons:
// "public.orders" and "orders" are the same table.
func TableKey(name string) string {
	q := schema.ParseQualifiedName(name)
	if q.Schema == "" {
		q.Schema = "public"
	}
	return q.String()
}
