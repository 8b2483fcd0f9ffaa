package schema

import (
	"fmt"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// alterTable handles the ALTER TABLE actions the model tracks, in order;
// other actions (storage, triggers, ownership ...) are ignored. Column
// actions reach the table's partitions and inheriting tables, unless ONLY
// is written where PostgreSQL allows it.
func (a applier) alterTable(at *pg_query.AlterTableStmt) error {
	t := a.m.table(qualified(at.Relation))
	if t == nil {
		if at.MissingOk {
			return nil
		}
		return fmt.Errorf("relation %q does not exist", qualified(at.Relation))
	}
	recurse := at.Relation.GetInh() // unset for ALTER TABLE ONLY
	for _, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		if err := a.columnActionAllowed(t, cmd, recurse); err != nil {
			return err
		}
		if err := a.alterTableCmd(t, cmd); err != nil {
			return err
		}
		if recurse {
			if err := a.spreadColumnAction(t, cmd); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a applier) alterTableCmd(t *Table, cmd *pg_query.AlterTableCmd) error {
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AttachPartition:
		return a.attachPartition(t, cmd.GetDef().GetPartitionCmd())
	case pg_query.AlterTableType_AT_DetachPartition:
		return a.detachPartition(t, cmd.GetDef().GetPartitionCmd(), false)
	case pg_query.AlterTableType_AT_DetachPartitionFinalize:
		return a.detachPartition(t, cmd.GetDef().GetPartitionCmd(), true)
	case pg_query.AlterTableType_AT_AddInherit:
		parent, err := a.tableOf(cmd.GetDef().GetRangeVar())
		if err != nil {
			return err
		}
		return a.inherit(t, parent)
	case pg_query.AlterTableType_AT_DropInherit:
		return a.noInherit(t, cmd.GetDef().GetRangeVar())
	case pg_query.AlterTableType_AT_AddColumn:
		cd := cmd.GetDef().GetColumnDef()
		if cd == nil {
			return nil
		}
		if t.Column(cd.Colname) != nil {
			if cmd.MissingOk { // ADD COLUMN IF NOT EXISTS
				return nil
			}
			return fmt.Errorf("column %q of relation %q already exists", cd.Colname, t)
		}
		cons, err := a.addColumn(t, cd)
		if err != nil {
			return err
		}
		return a.addConstraints(t, cons)
	case pg_query.AlterTableType_AT_DropColumn:
		return a.dropColumn(t, cmd.Name, cmd.MissingOk, cascades(cmd.Behavior))
	case pg_query.AlterTableType_AT_AddConstraint:
		if con := cmd.GetDef().GetConstraint(); con != nil {
			return a.addConstraint(t, con, "")
		}
	case pg_query.AlterTableType_AT_DropConstraint:
		return a.dropConstraint(t, cmd.Name, cmd.MissingOk, cascades(cmd.Behavior))
	case pg_query.AlterTableType_AT_ValidateConstraint:
		return validateConstraint(t, cmd.Name)
	}
	return a.alterColumn(t, cmd)
}

// alterColumn handles ALTER COLUMN actions.
func (a applier) alterColumn(t *Table, cmd *pg_query.AlterTableCmd) error {
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_ColumnDefault, pg_query.AlterTableType_AT_SetNotNull,
		pg_query.AlterTableType_AT_DropNotNull, pg_query.AlterTableType_AT_AlterColumnType,
		pg_query.AlterTableType_AT_AddIdentity, pg_query.AlterTableType_AT_DropIdentity:
	default:
		return nil
	}
	col := t.Column(cmd.Name)
	if col == nil {
		return fmt.Errorf("column %q of relation %q does not exist", cmd.Name, t)
	}
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_ColumnDefault:
		d, err := a.expr(cmd.Def) // nil Def: DROP DEFAULT
		if err != nil {
			return fmt.Errorf("column %q: %w", col.Name, err)
		}
		col.Default = d
	case pg_query.AlterTableType_AT_SetNotNull:
		col.NotNull = true
	case pg_query.AlterTableType_AT_DropNotNull:
		if t.PrimaryKey != nil && slices.Contains(t.PrimaryKey.Columns, col.Name) {
			return fmt.Errorf("column %q is in a primary key", col.Name)
		}
		if col.Identity != "" {
			return fmt.Errorf("column %q of relation %q is an identity column", col.Name, t)
		}
		col.NotNull = false
	case pg_query.AlterTableType_AT_AlterColumnType:
		if t.partitionKeyUses(col.Name) {
			return fmt.Errorf("cannot alter column %q because it is part of the partition key of relation %q", col.Name, t)
		}
		col.Type = typeString(cmd.GetDef().GetColumnDef().GetTypeName())
	case pg_query.AlterTableType_AT_AddIdentity:
		col.Identity, col.NotNull = identityKind(cmd.GetDef().GetConstraint().GetGeneratedWhen()), true
	case pg_query.AlterTableType_AT_DropIdentity:
		if col.Identity == "" && !cmd.MissingOk {
			return fmt.Errorf("column %q of relation %q is not an identity column", col.Name, t)
		}
		col.Identity = ""
	}
	return nil
}

func cascades(b pg_query.DropBehavior) bool { return b == pg_query.DropBehavior_DROP_CASCADE }

// dropColumn removes a column with the indexes and constraints of its table
// that use it. Foreign keys of other tables that reference it block the drop
// unless cascade is set, in which case they go too.
func (a applier) dropColumn(t *Table, name string, missingOk, cascade bool) error {
	if t.Column(name) == nil {
		if missingOk {
			return nil
		}
		return fmt.Errorf("column %q of relation %q does not exist", name, t)
	}
	if t.partitionKeyUses(name) {
		return fmt.Errorf("cannot drop column %q because it is part of the partition key of relation %q", name, t)
	}
	uses := func(cols []string) bool { return slices.Contains(cols, name) }
	if err := a.dropReferences(t, cascade, uses, fmt.Sprintf("column %s of table %s", name, t)); err != nil {
		return err
	}
	if t.PrimaryKey != nil && uses(t.PrimaryKey.Columns) {
		t.PrimaryKey = nil
	}
	t.Uniques = slices.DeleteFunc(t.Uniques, func(u Unique) bool { return uses(u.Columns) })
	t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk ForeignKey) bool {
		return uses(fk.Columns) || (fk.RefTable.Is(t.QualifiedName()) && uses(fk.RefColumns))
	})
	t.Checks = slices.DeleteFunc(t.Checks, func(c Check) bool { return uses(c.refs) })
	a.m.Indexes = slices.DeleteFunc(a.m.Indexes, func(ix *Index) bool {
		return ix.Table.Is(t.QualifiedName()) && uses(ix.refs)
	})
	t.Columns = slices.DeleteFunc(t.Columns, func(c *Column) bool { return c.Name == name })
	return nil
}

// dropReferences handles the foreign keys of other tables that reference
// columns of t matched by refs: an error without cascade, removed with it.
// Tables listed in going are being dropped by the same statement and do not count.
func (a applier) dropReferences(t *Table, cascade bool, refs func([]string) bool, what string, going ...*Table) error {
	for _, from := range a.m.Tables {
		if from == t || slices.Contains(going, from) {
			continue
		}
		depends := func(fk ForeignKey) bool { return fk.RefTable.Is(t.QualifiedName()) && refs(fk.RefColumns) }
		if !slices.ContainsFunc(from.ForeignKeys, depends) {
			continue
		}
		if !cascade {
			i := slices.IndexFunc(from.ForeignKeys, depends)
			return fmt.Errorf("cannot drop %s because constraint %s on table %s depends on it", what, from.ForeignKeys[i].Name, from)
		}
		from.ForeignKeys = slices.DeleteFunc(from.ForeignKeys, depends)
	}
	return nil
}

// dropConstraint removes a named constraint. Dropping a primary key or
// unique constraint that other tables' foreign keys reference needs cascade.
func (a applier) dropConstraint(t *Table, name string, missingOk, cascade bool) error {
	keyCols := func(cols []string) func([]string) bool {
		return func(ref []string) bool { return slices.Equal(ref, cols) }
	}
	what := fmt.Sprintf("constraint %s on table %s", name, t)
	switch {
	case t.PrimaryKey != nil && t.PrimaryKey.Name == name:
		if err := a.dropReferences(t, cascade, keyCols(t.PrimaryKey.Columns), what); err != nil {
			return err
		}
		t.PrimaryKey = nil
		return nil
	case slices.ContainsFunc(t.Uniques, func(u Unique) bool { return u.Name == name }):
		u := t.Uniques[slices.IndexFunc(t.Uniques, func(u Unique) bool { return u.Name == name })]
		if err := a.dropReferences(t, cascade, keyCols(u.Columns), what); err != nil {
			return err
		}
		t.Uniques = slices.DeleteFunc(t.Uniques, func(u Unique) bool { return u.Name == name })
		return nil
	case slices.ContainsFunc(t.ForeignKeys, func(fk ForeignKey) bool { return fk.Name == name }):
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk ForeignKey) bool { return fk.Name == name })
		return nil
	case slices.ContainsFunc(t.Checks, func(c Check) bool { return c.Name == name }):
		t.Checks = slices.DeleteFunc(t.Checks, func(c Check) bool { return c.Name == name })
		return nil
	case missingOk:
		return nil
	}
	return fmt.Errorf("constraint %q of relation %q does not exist", name, t)
}

// validateConstraint marks a NOT VALID foreign key or check as validated.
func validateConstraint(t *Table, name string) error {
	for i := range t.ForeignKeys {
		if t.ForeignKeys[i].Name == name {
			t.ForeignKeys[i].NotValid = false
			return nil
		}
	}
	for i := range t.Checks {
		if t.Checks[i].Name == name {
			t.Checks[i].NotValid = false
			return nil
		}
	}
	if slices.Contains(t.ConstraintNames(), name) {
		return nil
	}
	return fmt.Errorf("constraint %q of relation %q does not exist", name, t)
}
