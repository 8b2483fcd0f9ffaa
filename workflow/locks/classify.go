package locks

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// Classify returns the lock table's facts for a statement, given the schema
// before it and the server's major version: the lock mode on every relation
// it touches (with the referenced tables of foreign keys, the indexes and
// partitions involved), whether each is rewritten or scanned, and whether
// the statement may run inside a transaction block. A multi-subcommand ALTER
// TABLE gets one effect per relation with the strictest mode of its
// subcommands and their rewrite and scan flags combined. The model may be
// nil; relations it does not know are reported as the statement names them.
// Tables the same change created earlier are not told apart: the facts are
// the statement's own.
func Classify(st schema.Statement, m *schema.Model, pg int) Facts {
	if m == nil {
		m = &schema.Model{}
	}
	c := &classifier{m: m, pg: pg}
	c.statement(st.Node)
	return c.out
}

// rowsByKind indexes Table() once; the rows are never modified (add copies
// what it changes).
var rowsByKind = sync.OnceValue(func() map[Kind][]Row {
	idx := map[Kind][]Row{}
	for _, r := range Table() {
		idx[r.Kind] = append(idx[r.Kind], r)
	}
	return idx
})

// rowFor returns a copy of the kind's row for version pg, and false with the
// kind's first row when none applies.
func rowFor(kind Kind, pg int) (Row, bool) {
	rows := rowsByKind()[kind]
	if len(rows) == 0 {
		return Row{Kind: kind}, false
	}
	pick, ok := rows[0], false
	for _, r := range rows {
		if r.Applies(pg) {
			pick, ok = r, true
			break
		}
	}
	pick.Locks = append([]Lock(nil), pick.Locks...)
	return pick, ok
}

// rel is one relation of a statement in one role.
type rel struct {
	role Role
	name string
}

type classifier struct {
	m   *schema.Model
	pg  int
	out Facts
}

// add applies a row to the statement's relations. adjust, when given, edits
// the row's copy first (conditional facts).
func (c *classifier) add(kind Kind, rels []rel, adjust ...func(*Row)) {
	r, ok := rowFor(kind, c.pg)
	for _, f := range adjust {
		f(&r)
	}
	version := ""
	if !ok {
		version = versionNote(r)
	}
	c.addRow(r, rels, version)
}

func versionNote(r Row) string {
	switch {
	case r.MinPG > 0 && r.MaxPG == 0:
		return "needs PostgreSQL " + strconv.Itoa(r.MinPG) + " or later"
	case r.MaxPG > 0 && r.MinPG == 0:
		return "applies up to PostgreSQL " + strconv.Itoa(r.MaxPG)
	case r.MinPG > 0:
		return "applies to PostgreSQL " + strconv.Itoa(r.MinPG) + " to " + strconv.Itoa(r.MaxPG)
	}
	return ""
}

func (c *classifier) addRow(r Row, rels []rel, extra string) {
	if !containsKind(c.out.Rows, r.Kind) {
		c.out.Rows = append(c.out.Rows, r.Kind)
	}
	c.out.NoTransaction = c.out.NoTransaction || r.NoTransaction
	for _, l := range r.Locks {
		for _, x := range rels {
			if x.role != l.Role || x.name == "" {
				continue
			}
			c.merge(Effect{Relation: x.name, Role: l.Role, Mode: l.Mode,
				Rewrite: l.Rewrite, Scan: l.Scan, Note: joinNotes(l.Note, extra)})
		}
	}
}

// merge folds an effect into the one on the same relation, if any: the
// stricter mode, rewrite and scan OR-ed, notes joined.
func (c *classifier) merge(e Effect) {
	for i := range c.out.Effects {
		o := &c.out.Effects[i]
		if !sameRelation(o.Relation, e.Relation) {
			continue
		}
		o.Mode = max(o.Mode, e.Mode)
		o.Rewrite = o.Rewrite || e.Rewrite
		o.Scan = o.Scan || e.Scan
		o.Note = joinNotes(o.Note, e.Note)
		return
	}
	c.out.Effects = append(c.out.Effects, e)
}

func joinNotes(a, b string) string {
	switch {
	case b == "" || strings.Contains(a, b):
		return a
	case a == "":
		return b
	}
	return a + "; " + b
}

func containsKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// sameRelation compares names as written, an unqualified name standing for
// public.
func sameRelation(a, b string) bool {
	return schema.ParseQualifiedName(a).Is(schema.ParseQualifiedName(b))
}

// statement dispatches on the parse node.
func (c *classifier) statement(n *pg_query.Node) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		c.createTable(s.CreateStmt)
	case *pg_query.Node_CreateTableAsStmt:
		c.add(KindCreateTableAs, c.reads(s.CreateTableAsStmt.Query, RoleSource, nil))
	case *pg_query.Node_ViewStmt:
		c.add(KindCreateView, c.reads(s.ViewStmt.Query, RoleSource, nil))
	case *pg_query.Node_DropStmt:
		c.drop(s.DropStmt)
	case *pg_query.Node_TruncateStmt:
		c.truncate(s.TruncateStmt)
	case *pg_query.Node_LockStmt:
		c.lock(s.LockStmt)
	case *pg_query.Node_SelectStmt:
		kind := KindSelect
		if hasLocking(s.SelectStmt) {
			kind = KindSelectForUpdate
		}
		c.add(kind, c.reads(n, RoleTarget, nil))
	case *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt, *pg_query.Node_MergeStmt:
		c.dml(n)
	case *pg_query.Node_CopyStmt:
		c.copy(s.CopyStmt)
	case *pg_query.Node_IndexStmt:
		kind := KindCreateIndex
		if s.IndexStmt.Concurrent {
			kind = KindCreateIndexConcurrently
		}
		c.add(kind, []rel{{RoleTarget, rvName(s.IndexStmt.Relation)}})
	case *pg_query.Node_ReindexStmt:
		c.reindex(s.ReindexStmt)
	case *pg_query.Node_ClusterStmt:
		if s.ClusterStmt.Relation == nil {
			c.add(KindClusterAll, nil)
			return
		}
		c.add(KindCluster, []rel{{RoleTarget, rvName(s.ClusterStmt.Relation)}})
	case *pg_query.Node_VacuumStmt:
		c.vacuum(s.VacuumStmt)
	case *pg_query.Node_RefreshMatViewStmt:
		kind := KindRefreshMatView
		if s.RefreshMatViewStmt.Concurrent {
			kind = KindRefreshMatViewConcurrently
		}
		c.add(kind, []rel{{RoleTarget, rvName(s.RefreshMatViewStmt.Relation)}})
	default:
		c.other(n)
	}
}

// other handles the remaining statements the table covers.
func (c *classifier) other(n *pg_query.Node) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateTrigStmt:
		c.add(KindCreateTrigger, []rel{{RoleTarget, rvName(s.CreateTrigStmt.Relation)}})
	case *pg_query.Node_CreatePolicyStmt:
		c.add(KindCreatePolicy, []rel{{RoleTarget, rvName(s.CreatePolicyStmt.Table)}})
	case *pg_query.Node_RuleStmt:
		c.add(KindCreateRule, []rel{{RoleTarget, rvName(s.RuleStmt.Relation)}})
	case *pg_query.Node_CommentStmt:
		c.comment(s.CommentStmt)
	case *pg_query.Node_CreateStatsStmt:
		var rels []rel
		for _, r := range s.CreateStatsStmt.Relations {
			rels = append(rels, rel{RoleTarget, rvName(r.GetRangeVar())})
		}
		c.add(KindCreateStatistics, rels)
	case *pg_query.Node_AlterEnumStmt:
		if s.AlterEnumStmt.OldVal != "" {
			c.add(KindAlterTypeRenameValue, nil)
		} else {
			c.add(KindAlterTypeAddValue, nil)
		}
	case *pg_query.Node_RenameStmt:
		c.rename(s.RenameStmt)
	case *pg_query.Node_AlterObjectSchemaStmt:
		switch s.AlterObjectSchemaStmt.ObjectType {
		case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
			pg_query.ObjectType_OBJECT_SEQUENCE, pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
			c.add(KindSetSchema, []rel{{RoleTarget, rvName(s.AlterObjectSchemaStmt.Relation)}})
		}
	case *pg_query.Node_AlterTableStmt:
		c.alterTable(s.AlterTableStmt)
	}
}

func (c *classifier) createTable(cs *pg_query.CreateStmt) {
	self := rvName(cs.Relation)
	var parents []rel
	if cs.Partbound != nil {
		for _, p := range cs.InhRelations {
			parents = append(parents, rel{RoleParent, rvName(p.GetRangeVar())})
		}
		c.add(KindCreateTablePartitionOf, parents)
	} else if len(cs.InhRelations) > 0 {
		for _, p := range cs.InhRelations {
			parents = append(parents, rel{RoleParent, rvName(p.GetRangeVar())})
		}
		c.add(KindCreateTableInherits, parents)
	}
	var refs []rel
	addRef := func(con *pg_query.Constraint) {
		if con.GetContype() != pg_query.ConstrType_CONSTR_FOREIGN {
			return
		}
		if name := rvName(con.Pktable); !sameRelation(name, self) {
			refs = append(refs, rel{RoleReferenced, name})
		}
	}
	for _, elt := range cs.TableElts {
		if cd := elt.GetColumnDef(); cd != nil {
			for _, con := range cd.Constraints {
				addRef(con.GetConstraint())
			}
		}
		addRef(elt.GetConstraint())
	}
	for _, con := range cs.Constraints {
		addRef(con.GetConstraint())
	}
	if len(refs) > 0 {
		c.add(KindCreateTableReferences, refs)
	}
	if len(c.out.Rows) == 0 {
		c.add(KindCreateTable, nil)
	}
}

func (c *classifier) drop(d *pg_query.DropStmt) {
	cascade := d.Behavior == pg_query.DropBehavior_DROP_CASCADE
	for _, obj := range d.Objects {
		name := schema.ObjectName(obj)
		switch d.RemoveType {
		case pg_query.ObjectType_OBJECT_TABLE:
			rels := []rel{{RoleTarget, name}}
			kind := KindDropTable
			if t := c.m.Table(name); t != nil {
				for _, fk := range t.ForeignKeys {
					if !fk.RefTable.Is(t.QualifiedName()) {
						rels = append(rels, rel{RoleReferenced, fk.RefTable.String()})
					}
				}
				if cascade {
					for _, ref := range c.m.ReferencesTo(t) {
						if ref.Table != t {
							rels = append(rels, rel{RoleReferencing, ref.Table.String()})
						}
					}
				}
			}
			if cascade {
				kind = KindDropTableCascade
			}
			c.add(kind, rels)
		case pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
			pg_query.ObjectType_OBJECT_SEQUENCE, pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
			c.add(KindDropView, []rel{{RoleTarget, name}})
		case pg_query.ObjectType_OBJECT_INDEX:
			kind := KindDropIndex
			if d.Concurrent {
				kind = KindDropIndexConcurrently
			}
			c.add(kind, c.indexRels(name))
		case pg_query.ObjectType_OBJECT_TRIGGER:
			// DROP TRIGGER name ON table: the list is the table's name parts, then the trigger's.
			if l := obj.GetList(); l != nil && len(l.Items) > 1 {
				c.add(KindDropTrigger, []rel{{RoleTarget, schema.NameList(l.Items[:len(l.Items)-1])}})
			}
		}
	}
}

// indexRels names an index and, when the model knows it, its table.
func (c *classifier) indexRels(index string) []rel {
	rels := []rel{{RoleIndex, index}}
	if ix := c.m.Index(index); ix != nil {
		rels = append([]rel{{RoleTarget, ix.Table.String()}}, rels...)
	}
	return rels
}

func (c *classifier) truncate(ts *pg_query.TruncateStmt) {
	cascade := ts.Behavior == pg_query.DropBehavior_DROP_CASCADE
	kind := KindTruncate
	if cascade {
		kind = KindTruncateCascade
	}
	var rels []rel
	for _, r := range ts.Relations {
		name := rvName(r.GetRangeVar())
		rels = append(rels, rel{RoleTarget, name})
		if cascade {
			for _, t := range c.referencingClosure(name) {
				rels = append(rels, rel{RoleReferencing, t})
			}
		}
	}
	c.add(kind, rels)
}

// referencingClosure returns the tables that reference a table through
// foreign keys, directly or through each other, as the model knows them.
func (c *classifier) referencingClosure(name string) []string {
	start := c.m.Table(name)
	if start == nil {
		return nil
	}
	seen := map[*schema.Table]bool{start: true}
	var out []string
	queue := []*schema.Table{start}
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		for _, ref := range c.m.ReferencesTo(t) {
			if !seen[ref.Table] {
				seen[ref.Table] = true
				out = append(out, ref.Table.String())
				queue = append(queue, ref.Table)
			}
		}
	}
	return out
}

func (c *classifier) lock(ls *pg_query.LockStmt) {
	mode := AccessExclusive
	if ls.Mode >= int32(AccessShare) && ls.Mode <= int32(AccessExclusive) {
		mode = Mode(ls.Mode)
	}
	var rels []rel
	for _, r := range ls.Relations {
		rels = append(rels, rel{RoleTarget, rvName(r.GetRangeVar())})
	}
	c.add(KindLockTable, rels, func(r *Row) {
		if mode != AccessExclusive {
			r.Locks[0].Mode = mode
			r.Locks[0].Note = "IN " + mode.String() + " MODE, as written"
		}
	})
}

func hasLocking(s *pg_query.SelectStmt) bool {
	if s == nil {
		return false
	}
	return len(s.LockingClause) > 0 || hasLocking(s.Larg) || hasLocking(s.Rarg)
}

// dml classifies INSERT, UPDATE, DELETE and MERGE: ROW EXCLUSIVE on the
// target, ACCESS SHARE on what else they read.
func (c *classifier) dml(n *pg_query.Node) {
	var target *pg_query.RangeVar
	var kind Kind
	switch s := n.GetNode().(type) {
	case *pg_query.Node_InsertStmt:
		target, kind = s.InsertStmt.Relation, KindInsert
	case *pg_query.Node_UpdateStmt:
		target, kind = s.UpdateStmt.Relation, KindUpdate
		if s.UpdateStmt.WhereClause == nil {
			kind = KindUpdateAll
		}
	case *pg_query.Node_DeleteStmt:
		target, kind = s.DeleteStmt.Relation, KindDelete
		if s.DeleteStmt.WhereClause == nil {
			kind = KindDeleteAll
		}
	case *pg_query.Node_MergeStmt:
		target, kind = s.MergeStmt.Relation, KindMerge
	}
	name := rvName(target)
	rels := []rel{{RoleTarget, name}}
	if kind == KindInsert {
		if t := c.m.Table(name); t != nil {
			for _, fk := range t.ForeignKeys {
				if !fk.RefTable.Is(t.QualifiedName()) {
					rels = append(rels, rel{RoleReferenced, fk.RefTable.String()})
				}
			}
		}
	}
	rels = append(rels, c.reads(n, RoleSource, target)...)
	c.add(kind, rels)
}

func (c *classifier) copy(cs *pg_query.CopyStmt) {
	if cs.Relation == nil {
		c.add(KindCopyTo, c.reads(cs.Query, RoleTarget, nil))
		return
	}
	kind := KindCopyTo
	if cs.IsFrom {
		kind = KindCopyFrom
	}
	c.add(kind, []rel{{RoleTarget, rvName(cs.Relation)}})
}

// reads returns the relations a query reads, in the given role: every
// RangeVar but the skipped one and the names of its CTEs.
func (c *classifier) reads(n *pg_query.Node, role Role, skip *pg_query.RangeVar) []rel {
	if n == nil {
		return nil
	}
	ctes := map[string]bool{}
	var rvs []*pg_query.RangeVar
	walkMessages(n.ProtoReflect(), func(m protoreflect.Message) bool {
		switch v := m.Interface().(type) {
		case *pg_query.CommonTableExpr:
			ctes[v.Ctename] = true
		case *pg_query.RangeVar:
			if v != skip {
				rvs = append(rvs, v)
			}
		}
		return true
	})
	// Text order, whatever order the tree walk took.
	slices.SortStableFunc(rvs, func(a, b *pg_query.RangeVar) int { return int(a.Location) - int(b.Location) })
	var out []rel
	for _, rv := range rvs {
		if rv.Schemaname == "" && ctes[rv.Relname] {
			continue
		}
		out = append(out, rel{role, rvName(rv)})
	}
	return out
}

func (c *classifier) reindex(rs *pg_query.ReindexStmt) {
	concurrent := false
	for _, p := range rs.Params {
		if d := p.GetDefElem(); d != nil && strings.EqualFold(d.Defname, "concurrently") && defBool(d) {
			concurrent = true
		}
	}
	var kind Kind
	var rels []rel
	switch rs.Kind {
	case pg_query.ReindexObjectType_REINDEX_OBJECT_INDEX:
		kind, rels = KindReindexIndex, c.indexRels(rvName(rs.Relation))
	case pg_query.ReindexObjectType_REINDEX_OBJECT_TABLE:
		name := rvName(rs.Relation)
		kind, rels = KindReindexTable, []rel{{RoleTarget, name}}
		for _, ix := range c.tableIndexes(name) {
			rels = append(rels, rel{RoleIndex, ix})
		}
	default:
		c.add(KindReindexSchema, nil)
		return
	}
	if concurrent {
		kind = KindReindexConcurrently
	}
	c.add(kind, rels)
}

// tableIndexes names the indexes the model knows on a table: the primary
// key's, the unique constraints' and the CREATE INDEX ones.
func (c *classifier) tableIndexes(name string) []string {
	t := c.m.Table(name)
	if t == nil {
		return nil
	}
	var out []string
	inSchema := func(n string) string { return schema.QualifiedName{Schema: t.Schema, Name: n}.String() }
	if t.PrimaryKey != nil && t.PrimaryKey.Name != "" {
		out = append(out, inSchema(t.PrimaryKey.Name))
	}
	for _, u := range t.Uniques {
		if u.Name != "" {
			out = append(out, inSchema(u.Name))
		}
	}
	for _, ix := range c.m.IndexesOf(t) {
		out = append(out, ix.QualifiedName().String())
	}
	return out
}

// defBool reads a boolean option: no argument, true, on or 1 mean true.
func defBool(d *pg_query.DefElem) bool {
	if d.Arg == nil {
		return true
	}
	switch v := d.Arg.GetNode().(type) {
	case *pg_query.Node_Boolean:
		return v.Boolean.Boolval
	case *pg_query.Node_Integer:
		return v.Integer.Ival != 0
	case *pg_query.Node_String_:
		s := strings.ToLower(v.String_.Sval)
		return s != "false" && s != "off" && s != "0" && s != "no"
	}
	return true
}

func (c *classifier) vacuum(vs *pg_query.VacuumStmt) {
	kind := KindAnalyze
	if vs.IsVacuumcmd {
		kind = KindVacuum
		for _, o := range vs.Options {
			if d := o.GetDefElem(); d != nil && strings.EqualFold(d.Defname, "full") && defBool(d) {
				kind = KindVacuumFull
			}
		}
	}
	var rels []rel
	for _, r := range vs.Rels {
		rels = append(rels, rel{RoleTarget, rvName(r.GetVacuumRelation().GetRelation())})
	}
	c.add(kind, rels)
}

func (c *classifier) comment(cs *pg_query.CommentStmt) {
	var name string
	switch cs.Objtype {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_FOREIGN_TABLE, pg_query.ObjectType_OBJECT_SEQUENCE:
		name = schema.ObjectName(cs.Object)
	case pg_query.ObjectType_OBJECT_COLUMN:
		if l := cs.Object.GetList(); l != nil && len(l.Items) > 1 {
			name = schema.NameList(l.Items[:len(l.Items)-1])
		}
	}
	if name != "" {
		c.add(KindCommentOn, []rel{{RoleTarget, name}})
	}
}

func (c *classifier) rename(r *pg_query.RenameStmt) {
	name := rvName(r.Relation)
	switch r.RenameType {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_SEQUENCE, pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		c.add(KindRenameTable, []rel{{RoleTarget, name}})
	case pg_query.ObjectType_OBJECT_INDEX:
		c.add(KindAlterIndexRename, []rel{{RoleTarget, name}})
	case pg_query.ObjectType_OBJECT_COLUMN:
		c.add(KindRenameColumn, []rel{{RoleTarget, name}})
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		c.add(KindRenameConstraint, []rel{{RoleTarget, name}})
	}
}

// rvName renders a RangeVar as written: "orders", "app.orders".
func rvName(rv *pg_query.RangeVar) string {
	if rv == nil {
		return ""
	}
	return schema.QualifiedName{Schema: rv.Schemaname, Name: rv.Relname}.String()
}
