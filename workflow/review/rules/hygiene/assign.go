package hygiene

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// banDuplicateColumnAssignments: UPDATE ... SET a = 1, a = 2 (and the same in
// INSERT ... ON CONFLICT DO UPDATE), which PostgreSQL rejects.
func banDuplicateColumnAssignments() rule.Rule {
	return rule.Rule{
		ID:       "ban-duplicate-column-assignments",
		Severity: workflow.SeverityError,
		Summary:  "the same column assigned twice in one SET list (the statement fails)",
		Why: "PostgreSQL rejects a SET list that assigns a column twice (\"multiple assignments to same " +
			"column\"), so the migration fails at this statement; it is usually a copy-and-paste slip " +
			"where one of the values was meant for another column. Assign each column once. Different " +
			"elements or fields of one column (SET a[1] = x, a[2] = y) are allowed.",
		Check: checkDuplicateAssignments,
		Cases: []rule.Case{
			{Name: "update", SQL: "UPDATE orders SET status = 'paid', total = 10, status = 'shipped' WHERE id = 1;", Fires: true},
			{Name: "upsert", SQL: "INSERT INTO counters (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = counters.n + 1, n = 0;", Fires: true},
			{Name: "row assignment and plain", SQL: "UPDATE orders SET (status, total) = ('paid', 10), status = 'shipped' WHERE id = 1;", Fires: true},
			{Name: "distinct columns", SQL: "UPDATE orders SET status = 'paid', total = 10 WHERE id = 1;"},
			{Name: "array elements", SQL: "UPDATE orders SET tags[1] = 'a', tags[2] = 'b' WHERE id = 1;"},
		},
	}
}

// checkDuplicateAssignments reports each column assigned more than once in a
// SET list, at its first repeated assignment.
func checkDuplicateAssignments(c *rule.Context) []rule.Violation {
	list := setList(c.Stmt.Node)
	if list == nil {
		return nil
	}
	dups := duplicates(*list)
	if len(dups) == 0 {
		return nil
	}
	clone := proto.Clone(c.Stmt.Node).(*pg_query.Node)
	fixed := setList(clone)
	safe := rule.Comment("Assign each column once: the last value (or the row assignment) was kept; check it is the one meant.")
	if kept, ok := dedupe(*fixed); ok {
		*fixed = kept
		if sql, err := c.Stmt.Deparse(clone); err == nil {
			safe += sql + "\n"
		}
	}
	table := c.Stmt.Target
	var out []rule.Violation
	seen := map[string]bool{}
	for _, rt := range dups {
		if seen[rt.Name] {
			continue
		}
		seen[rt.Name] = true
		out = append(out, rule.Violation{
			Message:  "column " + rt.Name + " of " + table + " is assigned more than once in the SET list: PostgreSQL rejects the statement",
			SafeSQL:  safe,
			Object:   table + "." + rt.Name,
			Location: rt.Location,
		})
	}
	return out
}

// setList returns the SET list of an UPDATE or of INSERT ... ON CONFLICT DO
// UPDATE, as a pointer so that it can be replaced; nil for other statements.
func setList(n *pg_query.Node) *[]*pg_query.Node {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_UpdateStmt:
		return &s.UpdateStmt.TargetList
	case *pg_query.Node_InsertStmt:
		if oc := s.InsertStmt.OnConflictClause; oc != nil {
			return &oc.TargetList
		}
	}
	return nil
}

// duplicates returns the assignments that clash with an earlier one to the
// same column: a repeat where either side assigns the whole column.
func duplicates(targets []*pg_query.Node) []*pg_query.ResTarget {
	whole := map[string]bool{}
	parts := map[string]bool{}
	var out []*pg_query.ResTarget
	for _, n := range targets {
		rt := n.GetResTarget()
		if rt == nil {
			continue
		}
		isWhole := len(rt.Indirection) == 0
		if whole[rt.Name] || (isWhole && parts[rt.Name]) {
			out = append(out, rt)
		}
		if isWhole {
			whole[rt.Name] = true
		} else {
			parts[rt.Name] = true
		}
	}
	return out
}

// dedupe keeps one assignment per clashing column: its row assignment
// "(a, b) = ..." when it has one (those cannot be split), else its last
// whole-column assignment. It reports false when no valid list comes out.
func dedupe(targets []*pg_query.Node) ([]*pg_query.Node, bool) {
	clash := map[string]bool{}
	for _, rt := range duplicates(targets) {
		clash[rt.Name] = true
	}
	keep := map[string]int{}
	rows := map[string]bool{}
	for i, n := range targets {
		rt := n.GetResTarget()
		switch {
		case rt == nil || !clash[rt.Name]:
		case isRowAssignment(n):
			rows[rt.Name] = true
			keep[rt.Name] = i
		case !rows[rt.Name] && len(rt.Indirection) == 0:
			keep[rt.Name] = i
		}
	}
	var out []*pg_query.Node
	for i, n := range targets {
		rt := n.GetResTarget()
		if rt == nil || !clash[rt.Name] || keep[rt.Name] == i {
			out = append(out, n)
		} else if isRowAssignment(n) {
			return nil, false // two row assignments to one column
		}
	}
	return out, len(duplicates(out)) == 0
}

// isRowAssignment reports whether the target is part of "(a, b) = ...".
func isRowAssignment(n *pg_query.Node) bool {
	return n.GetResTarget().GetVal().GetMultiAssignRef() != nil
}
