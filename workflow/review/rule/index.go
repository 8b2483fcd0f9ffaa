package rule

import (
	"sync"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// StatementIndex finds a file's statements by the table they work on, so a
// rule that looks before or after the current statement costs the statements
// on that table, not the whole file. It is built once per file, on first use.
type StatementIndex struct {
	stmts   []schema.Statement
	once    sync.Once
	byTable map[string][]int
}

// NewStatementIndex indexes a file's statements.
func NewStatementIndex(stmts []schema.Statement) *StatementIndex {
	return &StatementIndex{stmts: stmts}
}

// ByTable returns the indexes, in file order, of the statements whose target
// is the table ("public." implied when no schema is given).
func (x *StatementIndex) ByTable(table string) []int {
	x.once.Do(func() {
		x.byTable = map[string][]int{}
		for i, st := range x.stmts {
			if st.Target == "" {
				continue
			}
			k := TableKey(st.Target)
			x.byTable[k] = append(x.byTable[k], i)
		}
	})
	return x.byTable[TableKey(table)]
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
