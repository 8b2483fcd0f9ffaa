package locks

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Volatility is a function's volatility class as pg_proc.provolatile has it.
type Volatility byte

// Volatility classes; VolatilityUnknown is a function not in the built-in list.
const (
	VolatilityUnknown   Volatility = 0
	VolatilityImmutable Volatility = 'i'
	VolatilityStable    Volatility = 's'
	VolatilityVolatile  Volatility = 'v'
)

// FunctionVolatility returns the volatility of a built-in function (or one
// of the common extensions' functions: uuid-ossp, pgcrypto) by name, as
// pg_proc.provolatile has it (checked against PostgreSQL 15); a
// "pg_catalog." prefix is ignored and the match is case-insensitive. Note
// that txid_current() and pg_current_xact_id() are STABLE, not VOLATILE.
func FunctionVolatility(name string) Volatility {
	name = strings.TrimPrefix(strings.ToLower(name), "pg_catalog.")
	switch name {
	case "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
		"uuidv4", "uuidv7", "random", "random_normal", "setseed", "clock_timestamp", "timeofday",
		"nextval", "setval", "currval", "lastval",
		"gen_random_bytes", "gen_salt", "pg_sleep":
		return VolatilityVolatile
	case "now", "statement_timestamp", "transaction_timestamp", "current_setting",
		// One value per transaction: STABLE in pg_proc, so a fast default.
		"txid_current", "txid_current_if_assigned", "pg_current_xact_id", "pg_current_xact_id_if_assigned",
		"current_database", "current_schema", "current_schemas", "current_user", "session_user",
		"pg_backend_pid", "inet_client_addr", "inet_server_addr", "version", "age",
		"date_trunc", "date_part", "to_char", "to_timestamp", "to_date", "to_number", "timezone",
		"make_timestamptz", "concat", "concat_ws", "format", "to_json", "to_jsonb",
		"json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array",
		"array_to_json", "row_to_json", "pg_current_snapshot", "txid_current_snapshot":
		return VolatilityStable
	case "lower", "upper", "initcap", "btrim", "ltrim", "rtrim", "trim", "length",
		"char_length", "octet_length", "abs", "round", "floor", "ceil", "ceiling", "trunc",
		"mod", "power", "sqrt", "md5", "sha224", "sha256", "sha384", "sha512", "encode", "decode",
		"replace", "substring", "substr", "left", "right", "lpad", "rpad", "repeat", "reverse",
		"split_part", "strpos", "position", "translate", "regexp_replace", "make_date",
		"make_time", "make_interval", "make_timestamp", "array_fill", "array_append",
		"array_prepend", "array_cat", "array_length", "cardinality", "jsonb_set",
		"uuid_nil", "uuid_ns_dns", "uuid_ns_url", "uuid_ns_oid", "uuid_ns_x500",
		"uuid_generate_v3", "uuid_generate_v5", "int4range", "int8range", "numrange",
		"daterange", "tsrange", "tstzrange", "point", "box", "circle", "inet", "host",
		"textcat", "nullif", "greatest", "least", "coalesce", "bool", "int4", "int8", "text",
		"numeric", "float8":
		return VolatilityImmutable
	}
	return VolatilityUnknown
}

// volatileCall returns the first function call in an expression that is
// volatile, or not in the built-in list (PostgreSQL's default for a new
// function is VOLATILE), and whether it is known to be volatile. It returns
// "" when every call is known to be STABLE or IMMUTABLE. Operators, casts,
// literals and SQL value functions (CURRENT_TIMESTAMP, CURRENT_USER ...)
// are not volatile.
func volatileCall(expr *pg_query.Node) (name string, known bool) {
	if expr == nil {
		return "", false
	}
	walkMessages(expr.ProtoReflect(), func(m protoreflect.Message) bool {
		fc, ok := m.Interface().(*pg_query.FuncCall)
		if !ok {
			return true
		}
		fn := funcName(fc.Funcname)
		switch FunctionVolatility(fn) {
		case VolatilityVolatile:
			name, known = fn, true
			return false
		case VolatilityUnknown:
			if name == "" {
				name = fn // keep looking for a known volatile call
			}
		}
		return true
	})
	return name, known
}

// funcName joins a function's name parts: "pg_catalog.now".
func funcName(parts []*pg_query.Node) string {
	names := make([]string, 0, len(parts))
	for _, p := range parts {
		if s := p.GetString_(); s != nil {
			names = append(names, s.Sval)
		}
	}
	return strings.Join(names, ".")
}

// isNullConst reports whether an expression is the NULL literal (possibly
// cast): DEFAULT NULL is no default at all.
func isNullConst(n *pg_query.Node) bool {
	for n != nil {
		switch v := n.GetNode().(type) {
		case *pg_query.Node_AConst:
			return v.AConst.Isnull
		case *pg_query.Node_TypeCast:
			n = v.TypeCast.Arg
		default:
			return false
		}
	}
	return false
}

// walkMessages calls fn for m and every message below it, depth first,
// until fn returns false.
func walkMessages(m protoreflect.Message, fn func(protoreflect.Message) bool) bool {
	if !fn(m) {
		return false
	}
	cont := true
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && cont; i++ {
				cont = walkMessages(l.Get(i).Message(), fn)
			}
		case fd.IsMap():
		case fd.Message() != nil:
			cont = walkMessages(v.Message(), fn)
		}
		return cont
	})
	return cont
}
