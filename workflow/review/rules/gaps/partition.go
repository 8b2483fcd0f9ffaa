package gaps

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// partitioning is what the file says about one partitioned table: the model
// does not track partitioning, so it is read from the statements.
type partitioning struct {
	// known is set when the file shows that the table is partitioned.
	known bool
	// keys are the partition key columns of a PARTITION BY the file holds
	// ("" for an expression key); nil when the file does not create it.
	keys []string
	// partitions lists the partitions the file creates or attaches.
	partitions []schema.QualifiedName
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
