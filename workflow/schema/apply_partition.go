package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// parentColumns links a new table to what it is created from — the parent
// of a PARTITION OF, the parents of INHERITS — and gives it their columns:
// all of the parent's for a partition, the union by name of the parents'
// for inheritance (without identity, which is not inherited). It returns
// the names of the columns so taken. Constraints and indexes of the parents
// are not copied.
func (a applier) parentColumns(t *Table, cs *pg_query.CreateStmt) (map[string]bool, error) {
	if len(cs.InhRelations) == 0 {
		return nil, nil
	}
	var parents []*Table
	for _, n := range cs.InhRelations {
		p, err := a.tableOf(n.GetRangeVar())
		if err != nil {
			return nil, err
		}
		parents = append(parents, p)
	}
	if cs.Partbound == nil && cs.Partspec != nil {
		return nil, errors.New("cannot create partitioned table as inheritance child")
	}
	if cs.Partbound != nil {
		if err := a.attachTo(t, parents[0], cs.Partbound); err != nil {
			return nil, err
		}
	} else {
		for _, p := range parents {
			if err := a.inherit(t, p); err != nil {
				return nil, err
			}
		}
	}
	inherited := map[string]bool{}
	for _, p := range parents {
		for _, c := range p.Columns {
			if t.Column(c.Name) != nil {
				continue // the same column from two parents is merged
			}
			cc := *c
			if !t.IsPartition() {
				cc.Identity = ""
			}
			t.Columns = append(t.Columns, &cc)
			inherited[c.Name] = true
		}
	}
	return inherited, nil
}

// tableColumn adds a column definition of CREATE TABLE, or applies it to
// the column of that name the table took from a parent (a partition's
// "col WITH OPTIONS ...", or an inheriting table's merged column).
func (a applier) tableColumn(t *Table, cd *pg_query.ColumnDef, inherited map[string]bool) ([]columnConstraint, error) {
	col := t.Column(cd.Colname)
	switch {
	case col != nil && inherited[cd.Colname]:
		delete(inherited, cd.Colname) // defined here now: a second definition is a duplicate
		return a.columnOptions(col, cd)
	case col != nil:
		return nil, fmt.Errorf("column %q specified more than once", cd.Colname)
	case t.IsPartition():
		return nil, fmt.Errorf("column %q does not exist", cd.Colname)
	}
	return a.addColumn(t, cd)
}

// partitionBy records the partition key of a PARTITION BY; its columns must
// exist.
func (a applier) partitionBy(t *Table, spec *pg_query.PartitionSpec) error {
	if spec == nil {
		return nil
	}
	p := &PartitionBy{}
	switch spec.Strategy {
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_RANGE:
		p.Strategy = "RANGE"
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_LIST:
		p.Strategy = "LIST"
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_HASH:
		p.Strategy = "HASH"
	default:
		return fmt.Errorf("unrecognized partitioning strategy %v", spec.Strategy)
	}
	for _, n := range spec.PartParams {
		e := n.GetPartitionElem()
		if e == nil {
			continue
		}
		k := PartitionKey{Column: e.Name, Collation: nameList(e.Collation), Opclass: nameList(e.Opclass)}
		if k.Column != "" {
			if t.Column(k.Column) == nil {
				return fmt.Errorf("column %q named in partition key does not exist", k.Column)
			}
			p.refs = append(p.refs, k.Column)
		} else {
			expr, err := a.expr(e.Expr)
			if err != nil {
				return fmt.Errorf("partition key: %w", err)
			}
			k.Expr = expr
			p.refs = append(p.refs, columnRefs(e.Expr)...)
		}
		p.Keys = append(p.Keys, k)
	}
	if p.Strategy == "LIST" && len(p.Keys) != 1 {
		return errors.New(`cannot use "list" partition strategy with more than one column`)
	}
	slices.Sort(p.refs)
	p.refs = slices.Compact(p.refs)
	t.PartitionBy = p
	return nil
}

// partitionKeyUses reports whether the table's partition key reads the column.
func (t *Table) partitionKeyUses(col string) bool {
	return t.PartitionBy != nil && slices.Contains(t.PartitionBy.refs, col)
}

// attachPartition handles ALTER TABLE parent ATTACH PARTITION child FOR
// VALUES ... | DEFAULT. The child's columns are not compared with the
// parent's.
func (a applier) attachPartition(parent *Table, pc *pg_query.PartitionCmd) error {
	if !parent.Partitioned() {
		return fmt.Errorf("table %q is not partitioned", parent)
	}
	child, err := a.tableOf(pc.GetName())
	if err != nil {
		return err
	}
	switch {
	case child.IsPartition():
		return fmt.Errorf("%q is already a partition", child)
	case len(child.Inherits) > 0:
		return errors.New("cannot attach inheritance child as partition")
	case len(a.m.InheritorsOf(child)) > 0:
		return errors.New("cannot attach inheritance parent as partition")
	case child == parent || slices.Contains(a.m.descendants(child), parent):
		return fmt.Errorf("circular inheritance not allowed: %q is already a child of %q", parent, child)
	}
	return a.attachTo(child, parent, pc.GetBound())
}

// attachTo makes t a partition of parent with the bound, checking what
// PostgreSQL checks without reading data: the parent is partitioned, the
// bound is of its strategy and has a value per key, and there is at most
// one default partition. Overlapping bounds are not detected.
func (a applier) attachTo(t, parent *Table, b *pg_query.PartitionBoundSpec) error {
	if !parent.Partitioned() {
		return fmt.Errorf("%q is not partitioned", parent)
	}
	if b == nil {
		return errors.New("partition bound missing")
	}
	text, err := a.boundText(b, parent.PartitionBy)
	if err != nil {
		return err
	}
	if d := a.m.defaultPartition(parent); b.IsDefault && d != nil {
		return fmt.Errorf("partition %q conflicts with existing default partition %q", t, d)
	}
	t.PartitionOf, t.PartitionBound = parent.QualifiedName(), text
	return nil
}

// boundText renders a partition bound as SQL after checking it fits the
// parent's partitioning.
func (a applier) boundText(b *pg_query.PartitionBoundSpec, p *PartitionBy) (string, error) {
	if b.IsDefault {
		if p.Strategy == "HASH" {
			return "", errors.New("a hash-partitioned table may not have a default partition")
		}
		return "DEFAULT", nil
	}
	if !strings.HasPrefix(strings.ToLower(p.Strategy), b.Strategy) || b.Strategy == "" {
		return "", fmt.Errorf("invalid bound specification for a %s partition", strings.ToLower(p.Strategy))
	}
	switch b.Strategy {
	case "h":
		switch {
		case b.Modulus <= 0:
			return "", errors.New("modulus for hash partition must be an integer value greater than zero")
		case b.Remainder < 0 || b.Remainder >= b.Modulus:
			return "", errors.New("remainder for hash partition must be less than modulus")
		}
		return fmt.Sprintf("FOR VALUES WITH (MODULUS %d, REMAINDER %d)", b.Modulus, b.Remainder), nil
	case "l":
		vals, err := a.datums(b.Listdatums)
		return "FOR VALUES IN (" + vals + ")", err
	}
	switch {
	case len(b.Lowerdatums) != len(p.Keys):
		return "", errors.New("FROM must specify exactly one value per partitioning column")
	case len(b.Upperdatums) != len(p.Keys):
		return "", errors.New("TO must specify exactly one value per partitioning column")
	}
	lower, err := a.datums(b.Lowerdatums)
	if err != nil {
		return "", err
	}
	upper, err := a.datums(b.Upperdatums)
	return "FOR VALUES FROM (" + lower + ") TO (" + upper + ")", err
}

// datums renders bound values, MINVALUE and MAXVALUE in capitals.
func (a applier) datums(ns []*pg_query.Node) (string, error) {
	vals := make([]string, 0, len(ns))
	for _, n := range ns {
		if f := n.GetColumnRef().GetFields(); len(f) == 1 {
			if s := f[0].GetString_().GetSval(); s == "minvalue" || s == "maxvalue" {
				vals = append(vals, strings.ToUpper(s))
				continue
			}
		}
		v, err := a.expr(n)
		if err != nil {
			return "", fmt.Errorf("partition bound: %w", err)
		}
		vals = append(vals, v)
	}
	return strings.Join(vals, ", "), nil
}

// detachPartition handles ALTER TABLE parent DETACH PARTITION child
// [CONCURRENTLY | FINALIZE]. A concurrent detach is taken to have
// completed, so FINALIZE of a table no longer attached changes nothing.
func (a applier) detachPartition(parent *Table, pc *pg_query.PartitionCmd, finalize bool) error {
	if !parent.Partitioned() {
		return fmt.Errorf("table %q is not partitioned", parent)
	}
	child, err := a.tableOf(pc.GetName())
	if err != nil {
		return err
	}
	switch {
	case child.IsPartition() && child.PartitionOf.Is(parent.QualifiedName()):
		child.PartitionOf, child.PartitionBound = QualifiedName{}, ""
		return nil
	case finalize && !child.IsPartition():
		return nil
	}
	return fmt.Errorf("relation %q is not a partition of relation %q", child, parent)
}

// inherit makes t inherit from parent (INHERITS, ALTER TABLE ... INHERIT).
// The columns are not compared.
func (a applier) inherit(t, parent *Table) error {
	switch {
	case parent.Partitioned():
		return fmt.Errorf("cannot inherit from partitioned table %q", parent)
	case parent.IsPartition():
		return fmt.Errorf("cannot inherit from partition %q", parent)
	case t.Partitioned():
		return errors.New("cannot change inheritance of partitioned table")
	case t.IsPartition():
		return errors.New("cannot change inheritance of a partition")
	case slices.ContainsFunc(t.Inherits, parent.QualifiedName().Is):
		return fmt.Errorf("relation %q would be inherited from more than once", parent)
	case t == parent || slices.Contains(a.m.descendants(t), parent):
		return fmt.Errorf("circular inheritance not allowed: %q is already a child of %q", parent, t)
	}
	t.Inherits = append(t.Inherits, parent.QualifiedName())
	return nil
}

// noInherit handles ALTER TABLE ... NO INHERIT parent.
func (a applier) noInherit(t *Table, rv *pg_query.RangeVar) error {
	parent, err := a.tableOf(rv)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(t.Inherits, parent.QualifiedName().Is)
	if i < 0 {
		return fmt.Errorf("relation %q is not a parent of relation %q", parent, t)
	}
	t.Inherits = slices.Delete(t.Inherits, i, i+1)
	return nil
}

// columnActionAllowed applies PostgreSQL's rules for column actions on
// tables in a hierarchy before the action runs on t: a partition's columns
// are its parent's, and adding a column or changing its type must reach the
// children (recurse unset means ALTER TABLE ONLY).
func (a applier) columnActionAllowed(t *Table, cmd *pg_query.AlterTableCmd, recurse bool) error {
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		switch {
		case t.IsPartition():
			return errors.New("cannot add column to a partition")
		case !recurse && len(a.m.children(t)) > 0:
			return errors.New("column must be added to child tables too")
		}
	case pg_query.AlterTableType_AT_DropColumn:
		if t.IsPartition() && t.Column(cmd.Name) != nil {
			return fmt.Errorf("cannot drop inherited column %q", cmd.Name)
		}
	case pg_query.AlterTableType_AT_AlterColumnType:
		switch {
		case t.IsPartition():
			return fmt.Errorf("cannot alter inherited column %q", cmd.Name)
		case !recurse && a.inheritedBy(t, cmd.Name):
			return fmt.Errorf("type of inherited column %q must be changed in child tables too", cmd.Name)
		}
	}
	return nil
}

// inheritedBy reports whether a child of t has the column.
func (a applier) inheritedBy(t *Table, col string) bool {
	return slices.ContainsFunc(a.m.children(t), func(c *Table) bool { return c.Column(col) != nil })
}

// spreadColumnAction repeats a column action done on t on its descendants,
// as PostgreSQL does: an added column is copied to those that lack it, a
// dropped one dropped, and defaults, NOT NULL and types follow, identity
// only on partitions. Descendants without the column are left alone.
func (a applier) spreadColumnAction(t *Table, cmd *pg_query.AlterTableCmd) error {
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		col := t.Column(cmd.GetDef().GetColumnDef().GetColname())
		if col == nil {
			return nil
		}
		for _, d := range a.m.descendants(t) {
			if d.Column(col.Name) == nil {
				cc := *col
				if !d.IsPartition() {
					cc.Identity = ""
				}
				d.Columns = append(d.Columns, &cc)
			}
		}
	case pg_query.AlterTableType_AT_DropColumn:
		for _, d := range a.m.descendants(t) {
			if err := a.dropColumn(d, cmd.Name, true, cascades(cmd.Behavior)); err != nil {
				return err
			}
		}
	case pg_query.AlterTableType_AT_ColumnDefault, pg_query.AlterTableType_AT_SetNotNull,
		pg_query.AlterTableType_AT_DropNotNull, pg_query.AlterTableType_AT_AlterColumnType,
		pg_query.AlterTableType_AT_AddIdentity, pg_query.AlterTableType_AT_DropIdentity:
		for _, d := range a.m.descendants(t) {
			identity := cmd.Subtype == pg_query.AlterTableType_AT_AddIdentity || cmd.Subtype == pg_query.AlterTableType_AT_DropIdentity
			if d.Column(cmd.Name) == nil || identity && !d.IsPartition() {
				continue
			}
			if err := a.alterColumn(d, cmd); err != nil {
				return err
			}
		}
	}
	return nil
}

// renameColumnTree renames a column of t and of its descendants; a
// partition's columns are renamed through its parent only, and a parent's
// with its children (recurse unset means ALTER TABLE ONLY).
func (a applier) renameColumnTree(t *Table, from, to string, recurse bool) error {
	switch {
	case t.IsPartition() && t.Column(from) != nil:
		return fmt.Errorf("cannot rename inherited column %q", from)
	case !recurse && a.inheritedBy(t, from):
		return fmt.Errorf("inherited column %q must be renamed in child tables too", from)
	}
	if err := a.renameColumn(t, from, to); err != nil {
		return err
	}
	for _, d := range a.m.descendants(t) {
		if d.Column(from) == nil {
			continue
		}
		if err := a.renameColumn(d, from, to); err != nil {
			return err
		}
	}
	return nil
}

// dropTree returns t with the tables that go with it when it is dropped:
// its partitions, always, and the tables inheriting from it, which block
// the drop unless cascade is set.
func (a applier) dropTree(t *Table, cascade bool) ([]*Table, error) {
	tree := []*Table{t}
	for _, d := range a.m.descendants(t) {
		if !cascade && !d.IsPartition() {
			return nil, fmt.Errorf("cannot drop table %s because other objects depend on it", t)
		}
		tree = append(tree, d)
	}
	return tree, nil
}
