package locking

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// volatility says whether an expression's value can differ from row to row.
type volatility int

const (
	// stable expressions give every existing row the same value: PostgreSQL
	// 11+ stores it in the catalog instead of rewriting the table.
	stable volatility = iota
	// unknown expressions call a function the built-in list does not know;
	// PostgreSQL creates functions VOLATILE unless they say otherwise.
	unknown
	// volatile expressions call a function that is VOLATILE in pg_proc.
	volatile
)

// exprVolatility returns how volatile an expression is and the function
// that makes it so ("" when it is stable). Literals, casts, operators and
// SQL value functions such as current_timestamp are stable; so are the
// built-in functions funcVolatility knows as STABLE or IMMUTABLE.
func exprVolatility(n *pg_query.Node) (volatility, string) {
	worst, culprit := stable, ""
	if n == nil {
		return worst, culprit
	}
	schema.Walk(n.ProtoReflect(), func(m protoreflect.Message) {
		fc, ok := m.Interface().(*pg_query.FuncCall)
		if !ok {
			return
		}
		fn := rule.StringValues(fc.Funcname)
		name := fn[len(fn)-1]
		if v := funcVolatility(name); v > worst {
			worst, culprit = v, name
		}
	})
	return worst, culprit
}

// funcVolatility classifies a function by name from the lock table's
// built-in list: volatile, stable (or immutable), or unknown.
func funcVolatility(name string) volatility {
	switch locks.FunctionVolatility(name) {
	case locks.VolatilityVolatile:
		return volatile
	case locks.VolatilityStable, locks.VolatilityImmutable:
		return stable
	}
	return unknown
}
