package gaps

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// partitioning is what is known of one partitioned table.
type partitioning struct {
	// known is set when the table is known to be partitioned.
	known bool
	// keys are the partition key columns ("" for an expression key); nil
	// when the PARTITION BY is not known.
	keys []string
	// partitions lists the table's known partitions.
	partitions []schema.QualifiedName
}

// partitioningOf says what is known of a table's partitioning when the
// statement runs: the model's, which holds the baseline and the statements
// before this one, or, when the model does not hold the table as
// partitioned, what the earlier statements of the file show (they may
// partition a table the baseline has as a plain one, or lacks).
func partitioningOf(c *rule.Context, parent schema.QualifiedName) partitioning {
	t := c.Table(parent.String())
	if t == nil || !t.Partitioned() {
		return partitionsOf(c.EarlierOn(parent.String()), parent)
	}
	p := partitioning{known: true, keys: t.PartitionBy.Columns()}
	for _, part := range c.Model.PartitionsOf(t) {
		p.partitions = append(p.partitions, part.QualifiedName())
	}
	return p
}

// partitionsOf reads what the statements say about the table: a CREATE TABLE
// ... PARTITION BY, CREATE TABLE ... PARTITION OF it, or ATTACH PARTITION.
func partitionsOf(stmts []schema.Statement, parent schema.QualifiedName) partitioning {
	var p partitioning
	for _, st := range stmts {
		if !rule.Targets(st, parent) && st.Node.GetCreateStmt().GetPartbound() == nil {
			continue
		}
		switch s := st.Node.GetNode().(type) {
		case *pg_query.Node_CreateStmt:
			cs := s.CreateStmt
			if rule.SameRelation(cs.Relation, parent) && cs.Partspec != nil {
				p.known = true
				p.keys = nil
				for _, e := range cs.Partspec.PartParams {
					p.keys = append(p.keys, e.GetPartitionElem().GetName())
				}
			}
			if cs.Partbound != nil && len(cs.InhRelations) == 1 && rule.SameRelation(cs.InhRelations[0].GetRangeVar(), parent) {
				p.known = true
				p.partitions = append(p.partitions, rule.RelName(cs.Relation))
			}
		case *pg_query.Node_AlterTableStmt:
			at := s.AlterTableStmt
			if !rule.SameRelation(at.Relation, parent) {
				continue
			}
			for _, n := range at.Cmds {
				if cmd := n.GetAlterTableCmd(); cmd.GetSubtype() == pg_query.AlterTableType_AT_AttachPartition {
					p.known = true
					p.partitions = append(p.partitions, rule.RelName(cmd.GetDef().GetPartitionCmd().GetName()))
				}
			}
		}
	}
	return p
}

// attachCmd returns the ATTACH PARTITION subcommand of an ALTER TABLE.
func attachCmd(c *rule.Context) (*pg_query.AlterTableStmt, *pg_query.PartitionCmd) {
	at, ok := c.AlterTable()
	if !ok {
		return nil, nil
	}
	for _, cmd := range c.AlterCmds() {
		if pc := cmd.GetDef().GetPartitionCmd(); cmd.Subtype == pg_query.AlterTableType_AT_AttachPartition && pc != nil {
			return at, pc
		}
	}
	return nil, nil
}
