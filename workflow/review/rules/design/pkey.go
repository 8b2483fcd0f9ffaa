package design

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// likeIndexes is PostgreSQL's CREATE_TABLE_LIKE_INDEXES bit: LIKE ...
// INCLUDING INDEXES (or ALL) copies the primary key.
const likeIndexes = 1 << 6

// tableWithoutPrimaryKey: every table needs a primary key.
func tableWithoutPrimaryKey() rule.Rule {
	return rule.Rule{
		ID:       "table-without-primary-key",
		Severity: workflow.SeverityWarning,
		Summary:  "CREATE TABLE without a primary key",
		Why: "Without a primary key rows cannot be addressed one by one: exact duplicates creep in, updates and " +
			"deletes of a single row, batched backfills and foreign keys have nothing to point at, and logical " +
			"replication cannot replicate the table's UPDATEs and DELETEs (they fail on a published table). " +
			"Add the key when the table is created: adding it later builds an index under ACCESS EXCLUSIVE.",
		Check: func(c *rule.Context) []rule.Violation {
			cs := newTable(c)
			if cs == nil || copiesKey(cs) {
				return nil
			}
			table := rule.RelName(cs.Relation)
			if hasPrimaryKey(c, table) {
				return nil
			}
			return []rule.Violation{{
				Message:  "table " + table.String() + " has no primary key (here or later in the change): rows cannot be addressed one by one and logical replication cannot replicate its updates and deletes",
				SafeSQL:  withPrimaryKey(c, cs),
				Object:   table.String(),
				Location: cs.Relation.GetLocation(),
			}}
		},
		Cases: []rule.Case{
			{Name: "no primary key", SQL: "CREATE TABLE audit_log (at timestamptz NOT NULL DEFAULT now(), entry text NOT NULL);", Fires: true},
			{Name: "id column without a key", SQL: "CREATE TABLE audit_log (id bigint NOT NULL, entry text NOT NULL);", Fires: true},
			{Name: "partitioned table", SQL: "CREATE TABLE events (at date NOT NULL, body text) PARTITION BY RANGE (at);", Fires: true},
			{Name: "inline primary key", SQL: "CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, entry text NOT NULL);"},
			{Name: "table constraint", SQL: "CREATE TABLE order_tags (order_id bigint, tag text, PRIMARY KEY (order_id, tag));"},
			{Name: "added later in the file", SQL: "CREATE TABLE audit_log (id bigint NOT NULL, entry text);\nALTER TABLE audit_log ADD PRIMARY KEY (id);"},
			{Name: "partition of a parent", Baseline: "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);",
				SQL: "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"},
			{Name: "temporary table", SQL: "CREATE TEMP TABLE scratch (n int);"},
		},
	}
}

// copiesKey reports whether the table copies another's indexes with LIKE.
func copiesKey(cs *pg_query.CreateStmt) bool {
	for _, elt := range cs.TableElts {
		if like := elt.GetTableLikeClause(); like != nil && like.Options&likeIndexes != 0 {
			return true
		}
	}
	return false
}

// hasPrimaryKey reports whether the statement or a later one of the file
// gives the table a primary key.
func hasPrimaryKey(c *rule.Context, table schema.QualifiedName) bool {
	for _, st := range c.FromHereOn(table.String()) {
		if !rule.Targets(st, table) {
			continue
		}
		for _, k := range statementKeys(st.Node, table) {
			if k.primary {
				return true
			}
		}
	}
	return false
}

// withPrimaryKey renders the CREATE TABLE with a primary key: on its id
// column when it has one, else on a new identity column (with the partition
// key added for a partitioned table).
func withPrimaryKey(c *rule.Context, cs *pg_query.CreateStmt) string {
	fixed := proto.Clone(cs).(*pg_query.CreateStmt)
	var partKeys []string
	for _, e := range cs.GetPartspec().GetPartParams() {
		if name := e.GetPartitionElem().GetName(); name != "" && name != "id" {
			partKeys = append(partKeys, name)
		}
	}
	hasID := false
	for _, cd := range columnDefs(cs) {
		hasID = hasID || cd.Colname == "id"
	}
	if !hasID {
		def := rule.ParseStmt("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY)").GetCreateStmt().GetTableElts()[0]
		fixed.TableElts = append([]*pg_query.Node{def}, fixed.TableElts...)
	}
	keys := append([]string{"id"}, partKeys...)
	fixed.TableElts = append(fixed.TableElts, &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: &pg_query.Constraint{
		Contype: pg_query.ConstrType_CONSTR_PRIMARY, Keys: strNodes(keys),
	}}})
	return c.Deparse(&pg_query.Node{Node: &pg_query.Node_CreateStmt{CreateStmt: fixed}})
}
