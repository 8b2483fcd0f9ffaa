package audit

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// hiddenQueryText is what pg_stat_statements shows instead of the text of
// another role's statement to a role without pg_read_all_stats.
const hiddenQueryText = "<insufficient privilege>"

// stmtKind is what PostgreSQL's parser makes of a pg_stat_statements text,
// as far as the remediations care.
type stmtKind int

const (
	// kindUnknown: hidden, empty, several statements, or not parsed.
	kindUnknown stmtKind = iota
	// kindExplainable: EXPLAIN takes it (SELECT, VALUES, INSERT, UPDATE,
	// DELETE, MERGE, CREATE TABLE AS, SELECT INTO, CREATE MATERIALIZED
	// VIEW AS, DECLARE; WITH ... in front of any; the query of a PREPARE).
	kindExplainable
	// kindMaintenance: a command that sorts under maintenance_work_mem,
	// not work_mem (CREATE INDEX, REINDEX, CLUSTER, VACUUM).
	kindMaintenance
	// kindUtility: any other utility command (COPY, REFRESH MATERIALIZED
	// VIEW ...): not explainable, its queries run under work_mem.
	kindUtility
)

// parsedStatement is a pg_stat_statements text as the parser reads it.
type parsedStatement struct {
	kind stmtKind
	// text is the statement to EXPLAIN: the text itself, or the query of a
	// PREPARE (deparsed), without a trailing semicolon.
	text string
	// params is the highest $n the text uses (pg_stat_statements replaces
	// constants with $1, $2 ...): such a text cannot run as it is.
	params int
	// node is the statement's parse tree; nil unless kind is
	// kindExplainable.
	node *pg_query.Node
	// query is the query PREPARE takes: the text, or the deparsed query of
	// a CREATE TABLE AS or DECLARE (PREPARE takes neither whole).
	query string
	// command names the statement for a message ("CREATE INDEX").
	command string
}

// parseStatement classifies one pg_stat_statements text. It never fails:
// a text the parser rejects is kindUnknown.
func parseStatement(query string) (p parsedStatement) {
	defer func() {
		if recover() != nil {
			p = parsedStatement{}
		}
	}()
	text := strings.TrimRight(strings.TrimSpace(query), "; \t\r\n")
	if text == "" || text == hiddenQueryText || strings.IndexByte(text, 0) >= 0 {
		return parsedStatement{}
	}
	tree, err := pg_query.Parse(text)
	if err != nil || len(tree.GetStmts()) != 1 {
		return parsedStatement{}
	}
	raw := tree.GetStmts()[0]
	if start := int(raw.GetStmtLocation()); start > 0 && start <= len(text) {
		// Only the statement itself: ";SELECT 1" is one statement too.
		end := len(text)
		if n := int(raw.GetStmtLen()); n > 0 && start+n <= end {
			end = start + n
		}
		text = strings.TrimSpace(text[start:end])
	}
	node := raw.GetStmt()
	if prep := node.GetPrepareStmt(); prep != nil && prep.GetQuery() != nil {
		inner, err := deparse(tree, prep.GetQuery())
		if err != nil {
			return parsedStatement{}
		}
		return parseStatement(inner)
	}
	p = parsedStatement{text: text, params: maxParam(text)}
	p.kind, p.command = classify(node)
	if p.kind == kindExplainable {
		p.node, p.query = node, text
		if inner := innerQuery(node); inner != nil {
			p.query, err = deparse(tree, inner)
			if err != nil {
				p.query = ""
			}
		}
	}
	return p
}

// deparse writes one statement of tree back as SQL.
func deparse(tree *pg_query.ParseResult, n *pg_query.Node) (string, error) {
	return pg_query.Deparse(&pg_query.ParseResult{Version: tree.GetVersion(), Stmts: []*pg_query.RawStmt{{Stmt: n}}})
}

// innerQuery is the query of a CREATE TABLE AS or DECLARE, else nil.
func innerQuery(n *pg_query.Node) *pg_query.Node {
	if c := n.GetCreateTableAsStmt(); c != nil {
		return c.GetQuery()
	}
	if d := n.GetDeclareCursorStmt(); d != nil {
		return d.GetQuery()
	}
	return nil
}

// classify names a statement's kind and command.
func classify(n *pg_query.Node) (stmtKind, string) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_SelectStmt:
		if s.SelectStmt.GetIntoClause() != nil {
			return kindExplainable, "SELECT INTO"
		}
		return kindExplainable, "SELECT"
	case *pg_query.Node_InsertStmt:
		return kindExplainable, "INSERT"
	case *pg_query.Node_UpdateStmt:
		return kindExplainable, "UPDATE"
	case *pg_query.Node_DeleteStmt:
		return kindExplainable, "DELETE"
	case *pg_query.Node_MergeStmt:
		return kindExplainable, "MERGE"
	case *pg_query.Node_CreateTableAsStmt:
		if s.CreateTableAsStmt.GetObjtype() == pg_query.ObjectType_OBJECT_MATVIEW {
			return kindExplainable, "CREATE MATERIALIZED VIEW"
		}
		return kindExplainable, "CREATE TABLE AS"
	case *pg_query.Node_DeclareCursorStmt:
		return kindExplainable, "DECLARE"
	case *pg_query.Node_ExecuteStmt:
		// EXPLAIN takes it, but only in the session that prepared it.
		return kindUtility, "EXECUTE"
	case *pg_query.Node_IndexStmt:
		return kindMaintenance, "CREATE INDEX"
	case *pg_query.Node_ReindexStmt:
		return kindMaintenance, "REINDEX"
	case *pg_query.Node_ClusterStmt:
		return kindMaintenance, "CLUSTER"
	case *pg_query.Node_VacuumStmt:
		if s.VacuumStmt.GetIsVacuumcmd() {
			return kindMaintenance, "VACUUM"
		}
		return kindUtility, "ANALYZE"
	case *pg_query.Node_CopyStmt:
		return kindUtility, "COPY"
	case *pg_query.Node_RefreshMatViewStmt:
		return kindUtility, "REFRESH MATERIALIZED VIEW"
	}
	return kindUtility, "utility command"
}

// maxParam is the highest $n parameter in sql, by PostgreSQL's scanner.
func maxParam(sql string) int {
	scan, err := pg_query.Scan(sql)
	if err != nil {
		return 0
	}
	highest := 0
	for _, t := range scan.GetTokens() {
		if t.GetToken() != pg_query.Token_PARAM || int(t.GetEnd()) > len(sql) || t.GetStart() < 0 {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(sql[t.GetStart():t.GetEnd()], "$")); err == nil {
			highest = max(highest, n)
		}
	}
	return highest
}

// explainPlan writes SQL that shows a statement's plan without running it,
// for a server of the given major version: plain EXPLAIN when the text has
// no parameters; EXPLAIN (GENERIC_PLAN) on PostgreSQL 16 and later; before
// that, the statement prepared under plan_cache_mode = force_generic_plan
// and explained with NULL for each parameter (a generic plan does not look
// at the values), then deallocated; PREPARE takes no CREATE TABLE AS or
// DECLARE, so their query is prepared instead. Only for kindExplainable.
func explainPlan(b *strings.Builder, p parsedStatement, major int) {
	switch {
	case p.params == 0:
		fmt.Fprintf(b, "EXPLAIN\n%s;\n", p.text)
	case major >= 16:
		fmt.Fprintf(b, "EXPLAIN (GENERIC_PLAN)\n%s;\n", p.text)
	case p.query == "":
		b.WriteString("-- Replace the $n parameters with values, then run EXPLAIN on it.\n")
	default:
		nulls := strings.TrimSuffix(strings.Repeat("NULL, ", p.params), ", ")
		b.WriteString("SET plan_cache_mode = force_generic_plan;\n")
		if p.query != p.text {
			fmt.Fprintf(b, "-- The plan of its query (PREPARE takes no %s):\n", p.command)
		}
		fmt.Fprintf(b, "PREPARE pgrollout_plan AS\n%s;\n", p.query)
		fmt.Fprintf(b, "EXPLAIN EXECUTE pgrollout_plan(%s);\n", nulls)
		b.WriteString("DEALLOCATE pgrollout_plan;\nRESET plan_cache_mode;\n")
	}
}

// tableRef is a table a statement names, as written (unquoted, folded).
type tableRef struct{ schema, name string }

// tablesRead lists the tables a statement reads rows of: those in the FROM
// and JOIN clauses of its queries and subqueries (INSERT ... SELECT
// included), in UPDATE ... FROM and DELETE ... USING, the target of an
// UPDATE or DELETE with a WHERE clause, and a MERGE's target and source.
// An INSERT's target and a SELECT INTO or CREATE TABLE AS's new table are
// written, not read; a name that is a CTE of the statement (unqualified) is
// not a table. Only explainable statements read tables here.
func tablesRead(p parsedStatement) []tableRef {
	if p.node == nil {
		return nil
	}
	w := &relWalker{ctes: map[string]bool{}}
	w.collectCTEs(p.node.ProtoReflect())
	w.walk(p.node.ProtoReflect())
	return w.refs
}

// relWalker walks a parse tree for tablesRead.
type relWalker struct {
	ctes map[string]bool
	refs []tableRef
}

// collectCTEs records every CTE name in the tree.
func (w *relWalker) collectCTEs(m protoreflect.Message) {
	if cte, ok := m.Interface().(*pg_query.CommonTableExpr); ok {
		w.ctes[cte.GetCtename()] = true
	}
	eachChild(m, func(_ protoreflect.FieldDescriptor, c protoreflect.Message) { w.collectCTEs(c) })
}

// walk records the RangeVars read, skipping written targets.
func (w *relWalker) walk(m protoreflect.Message) {
	switch n := m.Interface().(type) {
	case *pg_query.RangeVar:
		if n.GetSchemaname() == "" && w.ctes[n.GetRelname()] {
			return
		}
		w.refs = append(w.refs, tableRef{schema: n.GetSchemaname(), name: n.GetRelname()})
		return
	case *pg_query.IntoClause:
		return
	}
	skip := writtenTarget(m.Interface())
	eachChild(m, func(fd protoreflect.FieldDescriptor, c protoreflect.Message) {
		if fd.Name() != skip {
			w.walk(c)
		}
	})
}

// writtenTarget names the field of a statement node holding a table that is
// written without being read: an INSERT's target, an UPDATE's or DELETE's
// without a WHERE clause; "" for any other node.
func writtenTarget(n any) protoreflect.Name {
	switch s := n.(type) {
	case *pg_query.InsertStmt:
		return "relation"
	case *pg_query.UpdateStmt:
		if s.GetWhereClause() == nil {
			return "relation"
		}
	case *pg_query.DeleteStmt:
		if s.GetWhereClause() == nil {
			return "relation"
		}
	case *pg_query.CreateTableAsStmt:
		return "into"
	}
	return ""
}

// eachChild calls fn for every message set in m, list elements included.
func eachChild(m protoreflect.Message, fn func(protoreflect.FieldDescriptor, protoreflect.Message)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := range l.Len() {
				fn(fd, l.Get(i).Message())
			}
		case fd.IsMap():
		case fd.Message() != nil:
			fn(fd, v.Message())
		}
		return true
	})
}

// reads reports whether refs holds the table schema.name: a qualified
// reference must match both, an unqualified one the name (the statement's
// search_path is not known).
func reads(refs []tableRef, schema, name string) bool {
	for _, r := range refs {
		if r.name == name && (r.schema == "" || r.schema == schema) {
			return true
		}
	}
	return false
}
