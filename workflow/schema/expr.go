package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// sqlTypeName maps the parser's internal pg_catalog type names to the
// spelling people write; other names are returned as they are.
func sqlTypeName(name string) string {
	switch name {
	case "int2":
		return "smallint"
	case "int4":
		return "integer"
	case "int8":
		return "bigint"
	case "float4":
		return "real"
	case "float8":
		return "double precision"
	case "bool":
		return "boolean"
	case "bpchar":
		return "char"
	case "varbit":
		return "bit varying"
	}
	return name
}

// typeString renders a column type: pg_catalog prefix dropped, internal names
// mapped to SQL spellings, modifiers and array bounds kept
// ("varchar(64)", "timestamptz", "numeric(12,2)", "app.status[]").
func typeString(t *pg_query.TypeName) string {
	if t == nil {
		return ""
	}
	names := make([]string, 0, len(t.Names))
	for _, n := range t.Names {
		names = append(names, n.GetString_().GetSval())
	}
	if len(names) == 2 && names[0] == "pg_catalog" {
		names = []string{sqlTypeName(names[1])}
	}
	s := strings.Join(names, ".")
	// interval modifiers are a field bitmask, not something people write.
	if len(t.Typmods) > 0 && s != "interval" {
		mods := make([]string, 0, len(t.Typmods))
		for _, m := range t.Typmods {
			mods = append(mods, constText(m))
		}
		s += "(" + strings.Join(mods, ",") + ")"
	}
	if t.PctType {
		s += "%TYPE"
	}
	for _, b := range t.ArrayBounds {
		if n := b.GetInteger().GetIval(); n > 0 {
			s += "[" + strconv.Itoa(int(n)) + "]"
		} else {
			s += "[]"
		}
	}
	return s
}

// constText renders a constant type modifier.
func constText(n *pg_query.Node) string {
	c := n.GetAConst()
	switch {
	case c == nil:
		return "?"
	case c.GetIval() != nil:
		return strconv.Itoa(int(c.GetIval().GetIval()))
	case c.GetSval() != nil:
		return c.GetSval().GetSval()
	case c.GetFval() != nil:
		return c.GetFval().GetFval()
	}
	return "0"
}

// deparseExpr renders an expression with PostgreSQL's deparser by wrapping it
// in a SELECT. version is the parse tree version; 0 asks the parser for it.
func deparseExpr(n *pg_query.Node, version int32) (string, error) {
	if n == nil {
		return "", nil
	}
	if s, ok := simpleExpr(n); ok {
		return s, nil
	}
	if version == 0 {
		tree, err := pg_query.Parse("")
		if err != nil {
			return "", fmt.Errorf("parser version: %w", err)
		}
		version = tree.Version
	}
	sel := &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{
		TargetList:  []*pg_query.Node{pg_query.MakeResTargetNodeWithVal(n, -1)},
		LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT,
		Op:          pg_query.SetOperation_SETOP_NONE,
	}}}
	s, err := pg_query.Deparse(&pg_query.ParseResult{Version: version, Stmts: []*pg_query.RawStmt{{Stmt: sel}}})
	if err != nil {
		return "", fmt.Errorf("deparse expression: %w", err)
	}
	return strings.TrimPrefix(s, "SELECT "), nil
}

// simpleExpr renders the commonest defaults (a constant, a function call
// without arguments such as now()) exactly as the deparser does, without
// its round trip through C; ok is false for anything else.
func simpleExpr(n *pg_query.Node) (string, bool) {
	switch x := n.GetNode().(type) {
	case *pg_query.Node_AConst:
		c := x.AConst
		switch v := c.GetVal().(type) {
		case *pg_query.A_Const_Ival:
			return strconv.Itoa(int(v.Ival.GetIval())), true
		case *pg_query.A_Const_Boolval:
			return strconv.FormatBool(v.Boolval.GetBoolval()), true
		case *pg_query.A_Const_Sval:
			sv := v.Sval.GetSval()
			if strings.ContainsAny(sv, `'\`) {
				return "", false
			}
			return "'" + sv + "'", true
		}
		if c.GetIsnull() {
			return "NULL", true
		}
	case *pg_query.Node_FuncCall:
		f := x.FuncCall
		if len(f.Args) > 0 || f.AggStar || f.AggDistinct || f.FuncVariadic || f.Over != nil || f.AggFilter != nil ||
			len(f.AggOrder) > 0 || f.AggWithinGroup || len(f.Funcname) != 1 {
			return "", false
		}
		name := f.Funcname[0].GetString_().GetSval()
		if !simpleName(name) {
			return "", false
		}
		return name + "()", true
	}
	return "", false
}

// simpleName reports whether a function name deparses bare: lower-case
// letters, digits and underscores, and not a keyword.
func simpleName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	switch s {
	case "now", "gen_random_uuid", "clock_timestamp", "random", "uuid_generate_v4", "statement_timestamp",
		"transaction_timestamp", "timeofday", "txid_current", "pg_backend_pid", "version", "inet_client_addr":
		return true
	}
	return false
}

// stringList returns the values of a list of String nodes (column lists).
func stringList(ns []*pg_query.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.GetString_().GetSval())
	}
	return out
}

// columnRefs returns the distinct column names an expression reads, sorted.
// A qualified reference (t.col) counts by its last part.
func columnRefs(nodes ...*pg_query.Node) []string {
	var out []string
	for _, n := range nodes {
		if n == nil {
			continue
		}
		Walk(n.ProtoReflect(), func(m protoreflect.Message) {
			ref, ok := m.Interface().(*pg_query.ColumnRef)
			if !ok || len(ref.Fields) == 0 {
				return
			}
			if s := ref.Fields[len(ref.Fields)-1].GetString_(); s != nil {
				out = append(out, s.Sval)
			}
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// fkAction maps a foreign key action code to SQL words.
func fkAction(c string) string {
	switch c {
	case "r":
		return "restrict"
	case "c":
		return "cascade"
	case "n":
		return "set null"
	case "d":
		return "set default"
	}
	return "no action"
}
