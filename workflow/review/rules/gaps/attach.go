package gaps

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// attachPartitionWithoutCheck: ATTACH PARTITION scans the table being
// attached under ACCESS EXCLUSIVE unless a validated CHECK proves its rows
// fit the partition bounds.
func attachPartitionWithoutCheck() rule.Rule {
	return rule.Rule{
		ID:       "attach-partition-without-check",
		Severity: workflow.SeverityWarning,
		Summary:  "ATTACH PARTITION without a validated CHECK matching the bounds",
		Why: "ATTACH PARTITION takes ACCESS EXCLUSIVE on the table being attached (and on the parent before " +
			"PostgreSQL 12) and reads every row to prove it fits the partition bounds, blocking reads and writes " +
			"of it for the whole scan. A validated CHECK constraint that implies the bounds lets PostgreSQL skip " +
			"the scan; VALIDATE CONSTRAINT does the reading under a lock that lets traffic through.",
		Check: func(c *rule.Context) []rule.Violation {
			at, pc := attachCmd(c)
			if pc == nil || pc.Bound == nil || pc.Bound.IsDefault {
				return nil
			}
			child, parent := rule.RelName(pc.Name), rule.RelName(at.Relation)
			if c.CreatedHere(child.String()) {
				return nil
			}
			b := boundOf(c, pc.Bound, parent, partitioningOf(c, parent).keys)
			if b.provenBy(c.Table(child.String())) {
				return nil
			}
			lockNote := ""
			if c.PG < 12 {
				lockNote = " (and ACCESS EXCLUSIVE on " + parent.String() + ", before PostgreSQL 12)"
			}
			return []rule.Violation{{
				Message: "ATTACH PARTITION " + child.String() + " scans all of it under ACCESS EXCLUSIVE" + lockNote +
					" to prove it fits the bounds: no validated CHECK on it implies them",
				SafeSQL: b.safeSQL(child, c.Stmt.Text),
				Object:  child.String(), Location: pc.Name.GetLocation(),
			}}
		},
		Cases: []rule.Case{
			{Name: "range partition without a check",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);\nCREATE TABLE events_2024 (id bigint, at date NOT NULL);",
				SQL:      "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", Fires: true},
			{Name: "list partition, key from the file",
				Baseline: "CREATE TABLE orders_eu (id bigint, region text);",
				SQL:      "CREATE TABLE orders (id bigint, region text) PARTITION BY LIST (region);\nALTER TABLE orders ATTACH PARTITION orders_eu FOR VALUES IN ('eu', 'uk');", Fires: true},
			{Name: "hash partition",
				Baseline: "CREATE TABLE accounts_1 (id bigint);",
				SQL:      "ALTER TABLE accounts ATTACH PARTITION accounts_1 FOR VALUES WITH (MODULUS 4, REMAINDER 1);", Fires: true},
			{Name: "hash partition, key from the baseline",
				Baseline: "CREATE TABLE accounts (id bigint) PARTITION BY HASH (id);\nCREATE TABLE accounts_1 (id bigint);",
				SQL:      "ALTER TABLE accounts ATTACH PARTITION accounts_1 FOR VALUES WITH (MODULUS 4, REMAINDER 1);", Fires: true},
			{Name: "range partition on two keys from the baseline",
				Baseline: "CREATE TABLE metrics (at date NOT NULL, host text NOT NULL, v float8) PARTITION BY RANGE (at, host);\n" +
					"CREATE TABLE metrics_2024 (at date NOT NULL, host text NOT NULL, v float8);",
				SQL: "ALTER TABLE metrics ATTACH PARTITION metrics_2024 FOR VALUES FROM ('2024-01-01', MINVALUE) TO ('2025-01-01', MINVALUE);", Fires: true},
			{Name: "check added NOT VALID but never validated",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);\nCREATE TABLE events_2024 (id bigint, at date NOT NULL);",
				SQL: "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bound CHECK (at >= '2024-01-01' AND at < '2025-01-01') NOT VALID;\n" +
					"ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", Fires: true},
			{Name: "validated check first",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);\nCREATE TABLE events_2024 (id bigint, at date NOT NULL);",
				SQL: "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bound CHECK (at >= '2024-01-01' AND at < '2025-01-01') NOT VALID;\n" +
					"ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_bound;\n" +
					"ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"},
			{Name: "check in the baseline",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);\nCREATE TABLE events_2024 (id bigint, at date NOT NULL CHECK (at >= DATE '2024-01-01' AND at < DATE '2025-01-01'));",
				SQL:      "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"},
			{Name: "partition created in the same change",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);",
				SQL:      "CREATE TABLE events_2025 (id bigint, at date NOT NULL);\nALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"},
			{Name: "bound proven by a validated hash check in the baseline",
				Baseline: "CREATE TABLE accounts (id bigint) PARTITION BY HASH (id);\n" +
					"CREATE TABLE accounts_1 (id bigint CHECK (satisfies_hash_partition('accounts'::regclass, 4, 1, id)));",
				SQL: "ALTER TABLE accounts ATTACH PARTITION accounts_1 FOR VALUES WITH (MODULUS 4, REMAINDER 1);"},
			{Name: "default partition is not judged",
				Baseline: "CREATE TABLE events_other (id bigint, at date NOT NULL);",
				SQL:      "ALTER TABLE events ATTACH PARTITION events_other DEFAULT;"},
		},
	}
}

// bound is a partition bound turned into the CHECK that proves it.
type bound struct {
	// expr is the CHECK expression that implies the bound.
	expr string
	// literals are the bound values as SQL; a proving CHECK mentions each.
	literals []string
	// hash is set for hash partitions, proven by satisfies_hash_partition.
	hash bool
	// keysKnown is unset when expr uses the partition_key placeholder.
	keysKnown bool
}

// boundOf builds the CHECK for a bound from the partition key columns (a
// placeholder when neither the model nor the file knows them).
func boundOf(c *rule.Context, spec *pg_query.PartitionBoundSpec, parent schema.QualifiedName, keys []string) bound {
	n := max(1, len(spec.Lowerdatums)) // list and hash bounds do not say how many keys there are
	b := bound{keysKnown: len(keys) > 0}
	for _, k := range keys {
		b.keysKnown = b.keysKnown && k != ""
	}
	if !b.keysKnown {
		keys = nil
		for i := range n {
			name := "partition_key"
			if n > 1 {
				name += strconv.Itoa(i + 1)
			}
			keys = append(keys, name)
		}
	}
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = rule.QuoteColID(k)
	}
	switch spec.Strategy {
	case "h":
		b.hash = true
		b.expr = "satisfies_hash_partition(" + rule.QuoteLiteral(rule.QuoteQualified(parent)) + "::regclass, " +
			strconv.Itoa(int(spec.Modulus)) + ", " + strconv.Itoa(int(spec.Remainder)) + ", " + strings.Join(quoted, ", ") + ")"
	case "l":
		b.expr = listCheck(c, spec.Listdatums, quoted[0], &b.literals)
	default:
		b.expr = rangeCheck(c, spec, quoted, &b.literals)
	}
	return b
}

// listCheck renders "key IS NOT NULL AND key IN (...)", or with NULL listed
// "key IS NULL OR key IN (...)".
func listCheck(c *rule.Context, datums []*pg_query.Node, key string, literals *[]string) string {
	hasNull := false
	for _, d := range datums {
		if d.GetAConst().GetIsnull() {
			hasNull = true
			continue
		}
		*literals = append(*literals, c.Stmt.Expr(d))
	}
	in := key + " IN (" + strings.Join(*literals, ", ") + ")"
	switch {
	case hasNull && len(*literals) == 0:
		return key + " IS NULL"
	case hasNull:
		return key + " IS NULL OR " + in
	}
	return key + " IS NOT NULL AND " + in
}

// rangeCheck renders the keys' NOT NULL tests and the lower and upper bounds
// (a row comparison for several keys); MINVALUE and MAXVALUE drop a side.
func rangeCheck(c *rule.Context, spec *pg_query.PartitionBoundSpec, keys []string, literals *[]string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" IS NOT NULL")
	}
	side := func(datums []*pg_query.Node, op string) {
		var vals []string
		for _, d := range datums {
			if d.GetColumnRef() != nil { // MINVALUE / MAXVALUE
				break
			}
			vals = append(vals, c.Stmt.Expr(d))
		}
		vals = vals[:min(len(vals), len(keys))]
		if len(vals) == 0 {
			return
		}
		*literals = append(*literals, vals...)
		if len(vals) == 1 {
			parts = append(parts, keys[0]+" "+op+" "+vals[0])
			return
		}
		parts = append(parts, "("+strings.Join(keys[:len(vals)], ", ")+") "+op+" ("+strings.Join(vals, ", ")+")")
	}
	side(spec.Lowerdatums, ">=")
	side(spec.Upperdatums, "<")
	return strings.Join(parts, " AND ")
}

// provenBy reports whether the table has a validated CHECK that mentions
// every bound value (and satisfies_hash_partition for hash partitions).
func (b bound) provenBy(t *schema.Table) bool {
	if t == nil {
		return false
	}
	for _, ch := range t.Checks {
		if ch.NotValid {
			continue
		}
		ok := !b.hash || strings.Contains(ch.Expr, "satisfies_hash_partition")
		for _, lit := range b.literals {
			ok = ok && strings.Contains(ch.Expr, lit)
		}
		if ok {
			return true
		}
	}
	return false
}

// safeSQL adds the CHECK NOT VALID, validates it without blocking traffic,
// attaches, and drops the CHECK the partition constraint now makes redundant.
func (b bound) safeSQL(child schema.QualifiedName, attach string) string {
	con := rule.QuoteColID(rule.Clip(child.Name + "_partition_bound"))
	t := rule.QuoteQualified(child)
	s := "-- Prove the bounds first: the CHECK is validated under SHARE UPDATE EXCLUSIVE (traffic continues),\n" +
		"-- then ATTACH PARTITION skips its scan.\n"
	if !b.keysKnown {
		s += "-- Replace partition_key with the partition key column(s) of the parent table.\n"
	}
	return s + "ALTER TABLE " + t + " ADD CONSTRAINT " + con + " CHECK (" + b.expr + ") NOT VALID;\n" +
		"ALTER TABLE " + t + " VALIDATE CONSTRAINT " + con + ";\n" +
		attach + ";\n" +
		"ALTER TABLE " + t + " DROP CONSTRAINT " + con + ";"
}
