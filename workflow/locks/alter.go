package locks

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// alterTable classifies each subcommand of an ALTER TABLE (or ALTER INDEX,
// VIEW, MATERIALIZED VIEW, SEQUENCE); merge keeps the strictest mode per
// relation, as PostgreSQL takes "the strictest one required by any
// subcommand".
func (c *classifier) alterTable(at *pg_query.AlterTableStmt) {
	a := alter{classifier: c, stmt: at, name: rvName(at.Relation), table: c.m.Table(rvName(at.Relation))}
	for _, n := range at.Cmds {
		if cmd := n.GetAlterTableCmd(); cmd != nil {
			a.cmd(cmd)
		}
	}
}

// alter is one ALTER TABLE statement being classified.
type alter struct {
	*classifier
	stmt *pg_query.AlterTableStmt
	name string
	// table is the model's table, nil when unknown (or not a table).
	table *schema.Table
}

func (a alter) self() []rel { return []rel{{RoleTarget, a.name}} }

// sibling names a relation in the target's schema (indexes of the table).
func (a alter) sibling(name string) string {
	return schema.QualifiedName{Schema: a.stmt.Relation.GetSchemaname(), Name: name}.String()
}

func (a alter) cmd(cmd *pg_query.AlterTableCmd) {
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn, pg_query.AlterTableType_AT_AddColumnToView:
		a.addColumn(cmd.GetDef().GetColumnDef())
	case pg_query.AlterTableType_AT_DropColumn:
		a.add(KindDropColumn, a.self())
	case pg_query.AlterTableType_AT_ColumnDefault, pg_query.AlterTableType_AT_CookedColumnDefault:
		a.add(KindColumnDefault, a.self())
	case pg_query.AlterTableType_AT_SetNotNull:
		a.setNotNull(cmd.Name)
	case pg_query.AlterTableType_AT_DropNotNull:
		a.add(KindDropNotNull, a.self())
	case pg_query.AlterTableType_AT_AlterColumnType:
		a.alterType(cmd)
	case pg_query.AlterTableType_AT_SetStatistics:
		a.add(KindSetStatistics, a.self())
	case pg_query.AlterTableType_AT_SetOptions, pg_query.AlterTableType_AT_ResetOptions:
		a.add(KindSetColumnOptions, a.self())
	case pg_query.AlterTableType_AT_SetStorage:
		a.add(KindSetStorage, a.self())
	case pg_query.AlterTableType_AT_SetCompression:
		a.add(KindSetCompression, a.self())
	case pg_query.AlterTableType_AT_AddIdentity, pg_query.AlterTableType_AT_SetIdentity, pg_query.AlterTableType_AT_DropIdentity:
		a.add(KindAlterIdentity, a.self())
	case pg_query.AlterTableType_AT_DropExpression:
		a.add(KindDropExpression, a.self())
	case pg_query.AlterTableType_AT_SetExpression:
		a.add(KindSetExpression, a.self())
	case pg_query.AlterTableType_AT_AddConstraint, pg_query.AlterTableType_AT_AddIndexConstraint:
		a.addConstraint(cmd.GetDef().GetConstraint())
	case pg_query.AlterTableType_AT_ValidateConstraint:
		a.validate(cmd.Name)
	case pg_query.AlterTableType_AT_DropConstraint:
		a.dropConstraint(cmd.Name)
	case pg_query.AlterTableType_AT_AlterConstraint:
		a.add(KindAlterConstraint, a.self())
	default:
		a.tableCmd(cmd)
	}
}

// tableCmd handles the subcommands that are not about columns or constraints.
func (a alter) tableCmd(cmd *pg_query.AlterTableCmd) {
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_EnableTrig, pg_query.AlterTableType_AT_EnableAlwaysTrig,
		pg_query.AlterTableType_AT_EnableReplicaTrig, pg_query.AlterTableType_AT_DisableTrig,
		pg_query.AlterTableType_AT_EnableTrigAll, pg_query.AlterTableType_AT_DisableTrigAll,
		pg_query.AlterTableType_AT_EnableTrigUser, pg_query.AlterTableType_AT_DisableTrigUser:
		a.add(KindToggleTrigger, a.self())
	case pg_query.AlterTableType_AT_EnableRule, pg_query.AlterTableType_AT_EnableAlwaysRule,
		pg_query.AlterTableType_AT_EnableReplicaRule, pg_query.AlterTableType_AT_DisableRule:
		a.add(KindToggleRule, a.self())
	case pg_query.AlterTableType_AT_EnableRowSecurity, pg_query.AlterTableType_AT_DisableRowSecurity,
		pg_query.AlterTableType_AT_ForceRowSecurity, pg_query.AlterTableType_AT_NoForceRowSecurity:
		a.add(KindRowSecurity, a.self())
	case pg_query.AlterTableType_AT_ClusterOn:
		a.add(KindClusterOn, append(a.self(), rel{RoleIndex, a.sibling(cmd.Name)}))
	case pg_query.AlterTableType_AT_DropCluster:
		a.add(KindSetWithoutCluster, a.self())
	case pg_query.AlterTableType_AT_SetRelOptions, pg_query.AlterTableType_AT_ResetRelOptions:
		kind := KindSetStorageParams
		if !lightParams(cmd.GetDef().GetList()) {
			kind = KindSetOtherParams
		}
		a.add(kind, a.self())
	case pg_query.AlterTableType_AT_ReplaceRelOptions:
		a.add(KindSetOtherParams, a.self())
	case pg_query.AlterTableType_AT_SetTableSpace:
		a.add(KindSetTablespace, a.self())
	case pg_query.AlterTableType_AT_SetLogged, pg_query.AlterTableType_AT_SetUnLogged:
		a.add(KindSetLogged, a.self())
	case pg_query.AlterTableType_AT_SetAccessMethod:
		a.add(KindSetAccessMethod, a.self())
	case pg_query.AlterTableType_AT_ReplicaIdentity:
		a.add(KindReplicaIdentity, a.self())
	case pg_query.AlterTableType_AT_ChangeOwner:
		a.add(KindOwner, a.self())
	case pg_query.AlterTableType_AT_AddInherit:
		a.add(KindInherit, append(a.self(), rel{RoleParent, rvName(cmd.GetDef().GetRangeVar())}))
	case pg_query.AlterTableType_AT_DropInherit:
		a.add(KindNoInherit, a.self())
	case pg_query.AlterTableType_AT_AddOf, pg_query.AlterTableType_AT_DropOf:
		a.add(KindOf, a.self())
	default:
		a.partitionCmd(cmd)
	}
}

func (a alter) partitionCmd(cmd *pg_query.AlterTableCmd) {
	pc := cmd.GetDef().GetPartitionCmd()
	rels := append(a.self(), rel{RolePartition, rvName(pc.GetName())})
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AttachPartition:
		if a.stmt.Objtype == pg_query.ObjectType_OBJECT_INDEX {
			a.add(KindAlterIndexAttach, rels)
			return
		}
		a.add(KindAttachPartition, rels)
	case pg_query.AlterTableType_AT_DetachPartition:
		if pc.GetConcurrent() {
			a.add(KindDetachConcurrently, rels)
			return
		}
		a.add(KindDetachPartition, rels)
	case pg_query.AlterTableType_AT_DetachPartitionFinalize:
		a.add(KindDetachFinalize, rels)
	default:
		a.add(KindAlterTableOther, a.self())
	}
}

// lightParams reports whether every storage parameter set or reset takes
// only SHARE UPDATE EXCLUSIVE: fillfactor, autovacuum_*, toast.*,
// toast_tuple_target, parallel_workers, vacuum_index_cleanup,
// vacuum_truncate, log_autovacuum_min_duration.
func lightParams(l *pg_query.List) bool {
	if l == nil || len(l.Items) == 0 {
		return false
	}
	for _, it := range l.Items {
		d := it.GetDefElem()
		if d == nil {
			return false
		}
		name := strings.ToLower(d.Defname)
		switch {
		case strings.EqualFold(d.Defnamespace, "toast"),
			strings.HasPrefix(name, "autovacuum_"),
			name == "fillfactor", name == "toast_tuple_target", name == "parallel_workers",
			name == "vacuum_index_cleanup", name == "vacuum_truncate",
			name == "log_autovacuum_min_duration":
		default:
			return false
		}
	}
	return true
}

// addColumn picks the ADD COLUMN rows that apply: the default decides the
// rewrite, inline constraints add their own rows.
func (a alter) addColumn(cd *pg_query.ColumnDef) {
	if cd == nil {
		a.add(KindAddColumn, a.self())
		return
	}
	var kinds []Kind
	var def *pg_query.Node = cd.RawDefault
	notNull, identity, generated := cd.IsNotNull, false, false
	var refs []rel
	for _, n := range cd.Constraints {
		con := n.GetConstraint()
		switch con.GetContype() {
		case pg_query.ConstrType_CONSTR_DEFAULT:
			def = con.RawExpr
		case pg_query.ConstrType_CONSTR_NOTNULL:
			notNull = true
		case pg_query.ConstrType_CONSTR_NULL:
			notNull = false
		case pg_query.ConstrType_CONSTR_IDENTITY:
			identity = true
		case pg_query.ConstrType_CONSTR_GENERATED:
			generated = true
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
			kinds = append(kinds, KindAddColumnUnique)
		case pg_query.ConstrType_CONSTR_FOREIGN:
			kinds = append(kinds, KindAddColumnReferences)
			refs = append(refs, rel{RoleReferenced, rvName(con.Pktable)})
		case pg_query.ConstrType_CONSTR_CHECK:
			kinds = append(kinds, KindAddColumnCheck)
		}
	}
	if isNullConst(def) {
		def = nil
	}
	switch typ := strings.ToLower(schema.TypeString(cd.TypeName)); {
	case typ == "serial" || typ == "bigserial" || typ == "smallserial" || strings.HasPrefix(typ, "serial"):
		a.add(KindAddColumnSerial, a.self())
	case identity:
		a.add(KindAddColumnIdentity, a.self())
	case generated:
		a.add(KindAddColumnGenerated, a.self())
	case def != nil:
		if fn, known := volatileCall(def); fn != "" {
			a.add(KindAddColumnVolatileDefault, a.self(), func(r *Row) {
				if known {
					r.Locks[0].Note = fn + "() is volatile: it is evaluated for every existing row"
				} else {
					r.Locks[0].Note = fn + "() is not in the built-in volatility list; treated as volatile " +
						"(PostgreSQL's default for a function)"
				}
			})
		} else {
			a.add(KindAddColumnDefault, a.self())
		}
	case notNull:
		a.add(KindAddColumnNotNull, a.self())
	case len(kinds) == 0:
		a.add(KindAddColumn, a.self())
	}
	for _, k := range kinds {
		switch k {
		case KindAddColumnReferences:
			a.add(k, append(a.self(), refs...), func(r *Row) {
				if def != nil {
					r.Locks[0].Scan = true
					r.Locks[0].Note = "the default value is checked against the referenced table for every row"
				}
			})
		default:
			a.add(k, a.self())
		}
	}
}

// setNotNull: a scan, unless the column is already NOT NULL or (from
// PostgreSQL 12) a validated CHECK (col IS NOT NULL) proves it.
func (a alter) setNotNull(col string) {
	switch {
	case a.table != nil && a.table.Column(col) != nil && a.table.Column(col).NotNull:
		a.add(KindSetNotNull, a.self(), func(r *Row) {
			r.Locks[0].Scan = false
			r.Locks[0].Note = "column " + col + " is already NOT NULL: nothing to check"
		})
	case a.table != nil && provenNotNull(a.table, col):
		if a.pg >= 12 {
			a.add(KindSetNotNullChecked, a.self())
			return
		}
		a.add(KindSetNotNull, a.self(), func(r *Row) {
			r.Locks[0].Note = "the validated CHECK (" + col + " IS NOT NULL) avoids the scan only from PostgreSQL 12"
		})
	default:
		a.add(KindSetNotNull, a.self())
	}
}

// provenNotNull reports whether a validated CHECK constraint of the table
// implies col IS NOT NULL (the condition itself, or one operand of a
// top-level AND).
func provenNotNull(t *schema.Table, col string) bool {
	for _, ck := range t.Checks {
		if ck.NotValid || !strings.Contains(strings.ToUpper(ck.Expr), "NOT NULL") {
			continue
		}
		stmts, err := schema.Split("", "SELECT "+ck.Expr)
		if err != nil || len(stmts) != 1 {
			continue
		}
		sel := stmts[0].Node.GetSelectStmt()
		if sel == nil || len(sel.TargetList) != 1 {
			continue
		}
		if impliesNotNull(sel.TargetList[0].GetResTarget().GetVal(), col) {
			return true
		}
	}
	return false
}

func impliesNotNull(n *pg_query.Node, col string) bool {
	switch v := n.GetNode().(type) {
	case *pg_query.Node_NullTest:
		ref := v.NullTest.Arg.GetColumnRef()
		if v.NullTest.Nulltesttype != pg_query.NullTestType_IS_NOT_NULL || ref == nil || len(ref.Fields) == 0 {
			return false
		}
		return ref.Fields[len(ref.Fields)-1].GetString_().GetSval() == col
	case *pg_query.Node_BoolExpr:
		if v.BoolExpr.Boolop != pg_query.BoolExprType_AND_EXPR {
			return false
		}
		for _, arg := range v.BoolExpr.Args {
			if impliesNotNull(arg, col) {
				return true
			}
		}
	}
	return false
}

// alterType: a rewrite unless the model's old type is binary-coercible to
// the new one and no USING expression transforms the value.
func (a alter) alterType(cmd *pg_query.AlterTableCmd) {
	cd := cmd.GetDef().GetColumnDef()
	newType := schema.TypeString(cd.GetTypeName())
	var col *schema.Column
	if a.table != nil {
		col = a.table.Column(cmd.Name)
	}
	collate := ""
	if cd.GetCollClause() != nil {
		collate = "indexes on " + cmd.Name + " are rebuilt if the collation changes"
	}
	switch {
	case col == nil:
		a.add(KindAlterColumnType, a.self(), func(r *Row) {
			r.Locks[0].Note = "the model does not know the current type of " + cmd.Name + ": assumed to rewrite"
		})
		return
	case !plainUsing(cd.GetRawDefault(), cmd.Name, cd.GetTypeName()):
		a.add(KindAlterColumnType, a.self(), func(r *Row) {
			r.Locks[0].Note = "the USING expression is computed for every row"
		})
		return
	}
	// Without a rewrite, PostgreSQL still re-checks the column's CHECK
	// constraints and rebuilds the indexes it cannot keep (the operator
	// class or the collation changes): both read the whole table.
	rescan := func(r *Row, rebuild bool) {
		l := &r.Locks[0]
		if a.checked(cmd.Name) {
			l.Scan = true
			l.Note = joinNotes(l.Note, "the CHECK constraints on "+cmd.Name+" are re-checked against every row")
		}
		if rebuild && a.indexed(cmd.Name) {
			l.Scan = true
			l.Note = joinNotes(l.Note, "the indexes on "+cmd.Name+" are rebuilt")
		}
	}
	switch coerce(col.Type, newType) {
	case binaryCoercible:
		a.add(KindAlterColumnTypeCoercible, a.self(), func(r *Row) {
			r.Locks[0].Note = joinNotes("no rewrite: "+col.Type+" is binary-coercible to "+newType, collate)
			rescan(r, collate != "")
		})
	case timestampZone:
		a.add(KindAlterColumnTypeTimestamp, a.self(), func(r *Row) {
			if r.Locks[0].Rewrite {
				return
			}
			r.Locks[0].Note = joinNotes(r.Locks[0].Note, collate)
			rescan(r, true) // timestamp_ops and timestamptz_ops differ
		})
	default:
		a.add(KindAlterColumnType, a.self(), func(r *Row) {
			r.Locks[0].Note = "rewrites the table: " + col.Type + " to " + newType + " is not binary-coercible"
		})
	}
}

// plainUsing reports whether a USING expression is absent or only the
// column itself, possibly cast to the new type: PostgreSQL then decides the
// rewrite from the types alone.
func plainUsing(using *pg_query.Node, col string, typ *pg_query.TypeName) bool {
	if using == nil {
		return true
	}
	if tc := using.GetTypeCast(); tc != nil {
		if schema.TypeString(tc.TypeName) != schema.TypeString(typ) {
			return false
		}
		using = tc.Arg
	}
	ref := using.GetColumnRef()
	if ref == nil || len(ref.Fields) != 1 {
		return false
	}
	return ref.Fields[0].GetString_().GetSval() == col
}

func (a alter) addConstraint(con *pg_query.Constraint) {
	if con == nil {
		a.add(KindAlterTableOther, a.self())
		return
	}
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_CHECK:
		if con.SkipValidation {
			a.add(KindAddCheckNotValid, a.self())
			return
		}
		a.add(KindAddCheck, a.self())
	case pg_query.ConstrType_CONSTR_FOREIGN:
		rels := append(a.self(), rel{RoleReferenced, rvName(con.Pktable)})
		if con.SkipValidation {
			a.add(KindAddForeignKeyNotValid, rels)
			return
		}
		a.add(KindAddForeignKey, rels)
	case pg_query.ConstrType_CONSTR_UNIQUE:
		if con.Indexname != "" {
			a.add(KindAddUniqueUsingIndex, append(a.self(), rel{RoleIndex, a.sibling(con.Indexname)}))
			return
		}
		a.add(KindAddUnique, a.self())
	case pg_query.ConstrType_CONSTR_PRIMARY:
		if con.Indexname != "" {
			a.primaryKeyUsingIndex(con.Indexname)
			return
		}
		a.add(KindAddPrimaryKey, a.self())
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		a.add(KindAddExclude, a.self())
	default:
		a.add(KindAlterTableOther, a.self())
	}
}

// primaryKeyUsingIndex: brief, unless a key column may hold NULLs and must
// be checked.
func (a alter) primaryKeyUsingIndex(index string) {
	rels := append(a.self(), rel{RoleIndex, a.sibling(index)})
	ix := a.m.Index(a.sibling(index))
	cols, ok := []string(nil), false
	if ix != nil {
		cols, ok = ix.Columns()
	}
	if a.table == nil || !ok {
		a.add(KindAddPrimaryKeyUsing, rels)
		return
	}
	var nullable []string
	for _, col := range cols {
		c := a.table.Column(col)
		if c == nil || !c.NotNull && !(a.pg >= 12 && provenNotNull(a.table, col)) {
			nullable = append(nullable, col)
		}
	}
	a.add(KindAddPrimaryKeyUsing, rels, func(r *Row) {
		if len(nullable) == 0 {
			r.Locks[0].Scan = false
			r.Locks[0].Note = "brief: the key columns are already NOT NULL"
			return
		}
		r.Locks[0].Note = "scans for NULLs in " + strings.Join(nullable, ", ") + " while holding ACCESS EXCLUSIVE"
	})
}

func (a alter) validate(name string) {
	if fk, ok := a.foreignKey(name); ok {
		a.add(KindValidateForeignKey, append(a.self(), rel{RoleReferenced, fk.RefTable.String()}))
		return
	}
	a.add(KindValidateCheck, a.self(), func(r *Row) {
		if a.table == nil || !a.hasCheck(name) {
			r.Locks[0].Note = "the model does not know " + name + "; a foreign key would also take ROW SHARE on the referenced table"
		}
	})
}

func (a alter) dropConstraint(name string) {
	if fk, ok := a.foreignKey(name); ok {
		rels := a.self()
		if a.table == nil || !fk.RefTable.Is(a.table.QualifiedName()) {
			rels = append(rels, rel{RoleReferenced, fk.RefTable.String()})
		}
		a.add(KindDropForeignKey, rels)
		return
	}
	a.add(KindDropConstraint, a.self())
}

func (a alter) foreignKey(name string) (schema.ForeignKey, bool) {
	if a.table == nil {
		return schema.ForeignKey{}, false
	}
	for _, fk := range a.table.ForeignKeys {
		if fk.Name == name {
			return fk, true
		}
	}
	return schema.ForeignKey{}, false
}

func (a alter) hasCheck(name string) bool {
	for _, ck := range a.table.Checks {
		if ck.Name == name {
			return true
		}
	}
	return false
}

// checked reports whether a CHECK constraint of the table reads the column.
func (a alter) checked(col string) bool {
	if a.table == nil {
		return false
	}
	for _, ck := range a.table.Checks {
		if slices.Contains(exprColumns(ck.Expr), col) {
			return true
		}
	}
	return false
}

// indexed reports whether an index of the table (a key's, a unique
// constraint's or a CREATE INDEX one) covers the column.
func (a alter) indexed(col string) bool {
	if a.table == nil {
		return false
	}
	if pk := a.table.PrimaryKey; pk != nil && slices.Contains(pk.Columns, col) {
		return true
	}
	for _, u := range a.table.Uniques {
		if slices.Contains(u.Columns, col) {
			return true
		}
	}
	for _, ix := range a.m.IndexesOf(a.table) {
		if slices.Contains(ix.Include, col) || slices.Contains(exprColumns(ix.Where), col) {
			return true
		}
		for _, k := range ix.Keys {
			if k.Column == col || slices.Contains(exprColumns(k.Expr), col) {
				return true
			}
		}
	}
	return false
}

// exprColumns returns the columns a deparsed expression reads.
func exprColumns(expr string) []string {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	stmts, err := schema.Split("", "SELECT "+expr)
	if err != nil || len(stmts) != 1 {
		return nil
	}
	var cols []string
	walkMessages(stmts[0].Node.ProtoReflect(), func(m protoreflect.Message) bool {
		if ref, ok := m.Interface().(*pg_query.ColumnRef); ok && len(ref.Fields) > 0 {
			if s := ref.Fields[len(ref.Fields)-1].GetString_(); s != nil {
				cols = append(cols, s.Sval)
			}
		}
		return true
	})
	return cols
}
