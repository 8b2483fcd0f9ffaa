package migration

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// statement drafts the steps of one statement of the change, then applies
// the statement to the model.
func (p *planner) statement(st schema.Statement) {
	if at := st.Node.GetAlterTableStmt(); at != nil && at.Objtype == pg_query.ObjectType_OBJECT_TABLE && !p.isNew(rule.RelName(at.Relation).String()) {
		p.alterTable(st, at) // applies each subcommand as it goes
		return
	}
	defer func() { _ = p.model.ApplyPartial(st) }()
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_TransactionStmt:
		// The package decides where transactions begin and end.
	case *pg_query.Node_VariableSetStmt:
		switch strings.ToLower(n.VariableSetStmt.Name) {
		case "lock_timeout", "statement_timeout":
			// Every step sets its own.
		default:
			p.add(st, Step{Title: "Session setting " + n.VariableSetStmt.Name, SQL: st.Text + ";", Transactional: true, Unsafe: true,
				Note: "A session setting lasts only for the session (or, with LOCAL, the transaction) it runs in, and the package runs its steps " +
					"from several files and sessions without repeating it: the steps after this file would run with the server's default. " +
					"Schema-qualify the names in the change, or set it on the role that runs migrations (ALTER ROLE ... SET " + n.VariableSetStmt.Name +
					" = ...), and drop this statement."})
		}
	case *pg_query.Node_CreateStmt:
		p.createTable(st, n.CreateStmt)
	case *pg_query.Node_IndexStmt:
		p.createIndex(st, n.IndexStmt)
	case *pg_query.Node_DropStmt:
		p.drop(st, n.DropStmt)
	case *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt, *pg_query.Node_InsertStmt, *pg_query.Node_MergeStmt:
		p.dataChange(st)
	case *pg_query.Node_AlterEnumStmt:
		p.enumValue(st, n.AlterEnumStmt)
	case *pg_query.Node_RenameStmt:
		p.rename(st, n.RenameStmt)
	default:
		p.keep(st, PhasePreDeploy, "")
	}
}

// keep drafts a step that runs the statement as written. It is marked
// unsafe when it blocks traffic on an existing table while it rewrites or
// scans.
func (p *planner) keep(st schema.Statement, phase Phase, note string) {
	facts := locks.Classify(st, p.model, p.pg)
	s := Step{Phase: phase, Title: title(st), SQL: st.Text + ";", Transactional: !facts.NoTransaction, Note: note}
	if e, ok := facts.Strictest(); ok && e.Mode.Dangerous() && (e.Rewrite || e.Scan) && !p.isNew(e.Relation) {
		s.Unsafe = true
		s.Note = joinSentences(s.Note, "No online form exists for this statement: it holds "+e.Mode.String()+
			" on "+e.Relation+" (blocking "+e.Mode.Blocks()+") while it "+map[bool]string{true: "rewrites", false: "scans"}[e.Rewrite]+
			" the table. Run it in a maintenance window, or redesign the change (expand/contract).")
	}
	inv := inverseOf(st, p.model)
	s.Rollback, s.RollbackNote, s.Irreversible, s.Recovery = inv.sql, inv.note, inv.irreversible, inv.recovery
	p.add(st, s)
}

// createTable keeps a CREATE TABLE: a new table blocks nobody. Foreign keys
// to existing tables take a brief SHARE ROW EXCLUSIVE on them.
func (p *planner) createTable(st schema.Statement, cs *pg_query.CreateStmt) {
	name := rule.RelName(cs.Relation).String()
	if p.model.Table(name) != nil {
		// CREATE TABLE IF NOT EXISTS on a table that is there: a no-op,
		// and its inverse must not drop the existing table.
		p.add(st, Step{Title: title(st), SQL: st.Text + ";", Transactional: true,
			Note:         "The table already exists, so this statement does nothing; the steps after it treat the table as existing, with its rows.",
			RollbackNote: "Nothing to undo: the table was there before."})
		return
	}
	p.keep(st, PhasePreDeploy, "A new, empty table: nothing reads it yet, so its constraints and indexes cost nothing now.")
	p.created[strings.ToLower(name)] = true
}

// createIndex builds indexes on existing tables CONCURRENTLY, named and
// repeatable, outside any transaction.
func (p *planner) createIndex(st schema.Statement, ix *pg_query.IndexStmt) {
	table := rule.RelName(ix.Relation).String()
	if p.isNew(table) && !ix.Concurrent {
		p.keep(st, PhasePreDeploy, "The table is created by this change and still empty: a plain build is instant.")
		return
	}
	if t := p.model.Table(table); t != nil && t.Partitioned() {
		if !ix.Relation.GetInh() {
			inv := inverseOf(st, p.model)
			p.add(st, Step{Title: title(st), SQL: st.Text + ";", Transactional: true, Rollback: inv.sql,
				Note: "CREATE INDEX ... ON ONLY a partitioned parent builds nothing: the index stays invalid until every partition's index is attached with ALTER INDEX ... ATTACH PARTITION."})
			return
		}
		p.keep(st, PhasePreDeploy, "An index on a partitioned table cannot be built CONCURRENTLY. The online form is by hand: "+
			"CREATE INDEX ... ON ONLY the parent, CREATE INDEX CONCURRENTLY on each partition, then ALTER INDEX ... ATTACH PARTITION for each.")
		return
	}
	n := proto.Clone(st.Node).(*pg_query.Node)
	c := n.GetIndexStmt()
	c.Concurrent, c.IfNotExists = true, true
	if c.Idxname == "" {
		c.Idxname = p.model.DefaultIndexName(c)
	}
	name := schema.QualifiedName{Schema: ix.Relation.GetSchemaname(), Name: c.Idxname}
	s := Step{
		Title: "Build index " + c.Idxname + " concurrently",
		SQL:   deparse(st, n),
		Note: "CONCURRENTLY builds the index without blocking writes: it takes SHARE UPDATE EXCLUSIVE, scans the table twice " +
			"and waits for transactions older than itself. It cannot run inside a transaction block. A failed build leaves an INVALID " +
			"index behind: check SELECT indisvalid FROM pg_index WHERE indexrelid = " + rule.QuoteLiteral(rule.QuoteQualified(name)) + "::regclass; afterwards.",
		Retry:    "If it fails, the INVALID index keeps the name and IF NOT EXISTS would skip it: DROP INDEX CONCURRENTLY IF EXISTS " + rule.QuoteQualified(name) + "; then re-run.",
		Rollback: "DROP INDEX CONCURRENTLY IF EXISTS " + rule.QuoteQualified(name) + ";",
	}
	if ix.Unique {
		s.Note += " A unique build fails if duplicates exist: check first with " + duplicateCheck(rule.RelSQL(ix.Relation), indexColumns(c)) + "."
	}
	p.add(st, s)
}

// indexColumns renders the keys of an index as SQL.
func indexColumns(ix *pg_query.IndexStmt) []string {
	var cols []string
	for _, e := range ix.IndexParams {
		if name := e.GetIndexElem().GetName(); name != "" {
			cols = append(cols, rule.QuoteColID(name))
		}
	}
	return cols
}

// duplicateCheck is a query listing values that would break a unique index.
func duplicateCheck(table string, cols []string) string {
	if len(cols) == 0 {
		return "a GROUP BY over the key ... HAVING count(*) > 1"
	}
	list := strings.Join(cols, ", ")
	return "SELECT " + list + ", count(*) FROM " + table + " GROUP BY " + list + " HAVING count(*) > 1 LIMIT 10;"
}

// alterTable plans each subcommand of an ALTER TABLE on an existing table
// as its own step, so the recipes can split them, and applies each to the
// model before planning the next.
func (p *planner) alterTable(st schema.Statement, at *pg_query.AlterTableStmt) {
	if len(at.Cmds) > 1 && !p.anyRecipe(st, at) {
		// One ALTER TABLE does all its subcommands in one pass over the
		// table under one lock: splitting would only add passes.
		p.keep(st, PhasePreDeploy, "")
		_ = p.model.ApplyPartial(st)
		return
	}
	for _, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		one := alterOne(st, at, cmd)
		p.alterCmd(one, at, cmd)
		_ = p.model.ApplyPartial(one)
	}
}

// anyRecipe reports whether a subcommand of the ALTER TABLE has an online
// form that needs a step of its own.
func (p *planner) anyRecipe(st schema.Statement, at *pg_query.AlterTableStmt) bool {
	m := p.model.Clone()
	for _, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		one := alterOne(st, at, cmd)
		facts := locks.Classify(one, m, p.pg)
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_AddColumn:
			for _, c := range cmd.GetDef().GetColumnDef().GetConstraints() {
				switch c.GetConstraint().GetContype() {
				case pg_query.ConstrType_CONSTR_CHECK, pg_query.ConstrType_CONSTR_FOREIGN, pg_query.ConstrType_CONSTR_UNIQUE:
					return true
				}
			}
			if facts.Rewrites() {
				return true
			}
		case pg_query.AlterTableType_AT_AddConstraint:
			con := cmd.GetDef().GetConstraint()
			switch con.GetContype() {
			case pg_query.ConstrType_CONSTR_CHECK, pg_query.ConstrType_CONSTR_FOREIGN:
				if !con.SkipValidation {
					return true
				}
			case pg_query.ConstrType_CONSTR_UNIQUE, pg_query.ConstrType_CONSTR_PRIMARY:
				if con.Indexname == "" {
					return true
				}
			}
		case pg_query.AlterTableType_AT_SetNotNull:
			if facts.Scans() && p.pg >= 12 {
				return true
			}
		}
		_ = m.ApplyPartial(one)
	}
	return false
}

// alterOne is one subcommand of an ALTER TABLE as a statement of its own.
func alterOne(st schema.Statement, at *pg_query.AlterTableStmt, cmd *pg_query.AlterTableCmd) schema.Statement {
	n := &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: &pg_query.AlterTableStmt{
		Relation: at.Relation, Objtype: at.Objtype, MissingOk: at.MissingOk,
		Cmds: []*pg_query.Node{{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: cmd}}},
	}}}
	if len(at.Cmds) == 1 {
		return st
	}
	one := st
	one.Node = n
	one.Text = strings.TrimSuffix(deparse(st, n), ";")
	return one
}

// alterCmd plans one subcommand on an existing table.
func (p *planner) alterCmd(st schema.Statement, at *pg_query.AlterTableStmt, cmd *pg_query.AlterTableCmd) {
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		p.addColumn(st, at, cmd.GetDef().GetColumnDef())
	case pg_query.AlterTableType_AT_AddConstraint:
		p.addConstraint(st, at, cmd.GetDef().GetConstraint())
	case pg_query.AlterTableType_AT_SetNotNull:
		p.setNotNull(st, at, cmd.Name)
	case pg_query.AlterTableType_AT_ValidateConstraint:
		p.keep(st, PhasePostDeploy, "VALIDATE scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on. Nothing to undo.")
	case pg_query.AlterTableType_AT_DropColumn, pg_query.AlterTableType_AT_DropConstraint:
		p.keep(st, PhasePostDeploy, "A contract step: it runs once no deployed code uses what it removes.")
	case pg_query.AlterTableType_AT_AlterColumnType:
		p.keep(st, PhasePreDeploy, "When the new type is not binary-coercible from the old one, the online form is expand/contract: "+
			"add a column of the new type, write both from the application (or a trigger), backfill in batches, switch reads, drop the old column.")
	default:
		p.keep(st, PhasePreDeploy, "")
	}
}

// addColumn splits what makes ADD COLUMN slow: a volatile default (table
// rewrite) becomes a nullable column, a default for new rows and a batched
// backfill; inline CHECK and foreign key constraints are added NOT VALID and
// validated later; an inline UNIQUE is built concurrently.
func (p *planner) addColumn(st schema.Statement, at *pg_query.AlterTableStmt, cd *pg_query.ColumnDef) {
	if cd == nil {
		p.keep(st, PhasePreDeploy, "")
		return
	}
	facts := locks.Classify(st, p.model, p.pg)
	var deflt *pg_query.Node
	var notNull bool
	var cons []*pg_query.Constraint
	var others []*pg_query.Node
	for _, n := range cd.Constraints {
		con := n.GetConstraint()
		switch con.GetContype() {
		case pg_query.ConstrType_CONSTR_DEFAULT:
			deflt = con.RawExpr
		case pg_query.ConstrType_CONSTR_NOTNULL:
			notNull = true
		case pg_query.ConstrType_CONSTR_CHECK, pg_query.ConstrType_CONSTR_FOREIGN, pg_query.ConstrType_CONSTR_UNIQUE:
			cons = append(cons, con)
		default:
			others = append(others, n)
		}
	}
	rewrites := facts.Rewrites()
	if len(cons) == 0 && !rewrites {
		p.keep(st, PhasePreDeploy, "Adding a nullable column, or one with a constant default (PostgreSQL 11+), only changes the catalog: a brief ACCESS EXCLUSIVE lock.")
		return
	}
	if len(others) > 0 || (rewrites && deflt == nil) {
		p.keep(st, PhasePreDeploy, "")
		return
	}
	table := rule.RelSQL(at.Relation)
	col := rule.QuoteColID(cd.Colname)
	bare := proto.Clone(cd).(*pg_query.ColumnDef)
	bare.Constraints = nil
	if !rewrites {
		// Keep the constant default and NOT NULL on the column itself.
		for _, n := range cd.Constraints {
			switch n.GetConstraint().GetContype() {
			case pg_query.ConstrType_CONSTR_DEFAULT, pg_query.ConstrType_CONSTR_NOTNULL:
				bare.Constraints = append(bare.Constraints, n)
			}
		}
	}
	add := &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: &pg_query.AlterTableStmt{
		Relation: at.Relation, Objtype: at.Objtype,
		Cmds: []*pg_query.Node{{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: &pg_query.AlterTableCmd{
			Subtype: pg_query.AlterTableType_AT_AddColumn, Def: &pg_query.Node{Node: &pg_query.Node_ColumnDef{ColumnDef: bare}},
			MissingOk: true, Behavior: pg_query.DropBehavior_DROP_RESTRICT,
		}}}},
	}}}
	note := "The column is added without what would make the statement slow; the steps after it add the rest online."
	p.add(st, Step{Title: "Add column " + rule.RelName(at.Relation).String() + "." + cd.Colname, SQL: deparse(st, add), Transactional: true, Note: note, Rewritten: true,
		Rollback:     "ALTER TABLE " + table + " DROP COLUMN IF EXISTS " + col + ";",
		RollbackNote: "Drops the column with every value written to it since."})
	if rewrites {
		expr := st.Expr(deflt)
		p.add(st, Step{Title: "Default for new rows of " + rule.RelName(at.Relation).String() + "." + cd.Colname, Rewritten: true, Transactional: true,
			SQL:      "ALTER TABLE " + table + " ALTER COLUMN " + col + " SET DEFAULT " + expr + ";",
			Note:     "A volatile default on ADD COLUMN rewrites the table under ACCESS EXCLUSIVE. Set it afterwards instead: it applies to new rows only, a catalog change.",
			Rollback: "ALTER TABLE " + table + " ALTER COLUMN " + col + " DROP DEFAULT;"})
		p.backfillColumn(st, at, cd.Colname, expr)
		if notNull {
			p.notNullSteps(st, at, cd.Colname)
		}
	}
	for _, con := range cons {
		p.columnConstraint(st, at, cd.Colname, con)
	}
}

// backfillColumn fills existing rows of a new column in batches of the
// primary key; without a single-column key it fills them in one statement.
func (p *planner) backfillColumn(st schema.Statement, at *pg_query.AlterTableStmt, column, expr string) {
	table := rule.RelSQL(at.Relation)
	col := rule.QuoteColID(column)
	update := fmt.Sprintf("UPDATE %s SET %s = %s", table, col, expr)
	s := Step{Phase: PhaseBackfill, Title: "Backfill " + rule.RelName(at.Relation).String() + "." + column, Rewritten: true,
		RollbackNote: "Nothing to undo apart from the column itself (dropped by its own rollback)."}
	if key, typ, ok := p.batchKey(rule.RelName(at.Relation).String()); ok {
		s.SQL, s.probe, s.Transactional = batchLoop(table, key, typ, col+" IS NULL", update, p.o.batch()), update+" WHERE "+col+" IS NULL;", false
		s.Note = fmt.Sprintf("Fills existing rows %d at a time in key order, committing each batch, so no lock is held for long and replicas keep up. "+
			"Count what is left with SELECT count(*) FROM %s WHERE %s IS NULL;", p.o.batch(), table, col)
	} else {
		s.SQL, s.Transactional, s.Unsafe = update+" WHERE "+col+" IS NULL;", true, true
		s.Note = "The table has no single-column primary key to batch by, so the backfill is one statement that locks every row it updates until it commits."
	}
	p.add(st, s)
}

// batchKey is the column batches walk: the table's single-column primary
// key, with its type; ok is false when the model knows none.
func (p *planner) batchKey(table string) (key, typ string, ok bool) {
	t := p.model.Table(table)
	if t == nil || t.PrimaryKey == nil || len(t.PrimaryKey.Columns) != 1 {
		return "", "", false
	}
	c := t.Column(t.PrimaryKey.Columns[0])
	if c == nil || c.Type == "" {
		return "", "", false
	}
	return rule.QuoteColID(c.Name), c.Type, true
}

// batchLoop renders a DO block that runs stmt (an UPDATE or DELETE on table
// without a WHERE) over the rows matching filter, one range of the key at a
// time in key order, committing after each (its variables carry a pgr_
// prefix so that they cannot shadow a column). Every row is visited once, so
// the loop ends even when the statement leaves a row still matching the
// filter. COMMIT in DO needs PostgreSQL 11 and no surrounding transaction
// block.
func batchLoop(table, key, typ, filter, stmt string, size int) string {
	match := ""
	if filter != "" {
		match = " AND (" + filter + ")"
	}
	return fmt.Sprintf(`DO $$
DECLARE
  pgr_done %[3]s;
  pgr_upto %[3]s;
BEGIN
  LOOP
    SELECT max(pgr_k) INTO pgr_upto FROM (SELECT %[2]s AS pgr_k FROM %[1]s WHERE (pgr_done IS NULL OR %[2]s > pgr_done)%[4]s ORDER BY %[2]s LIMIT %[6]d) pgr_batch;
    EXIT WHEN pgr_upto IS NULL;
    %[5]s WHERE (pgr_done IS NULL OR %[2]s > pgr_done) AND %[2]s <= pgr_upto%[4]s;
    pgr_done := pgr_upto;
    COMMIT;
    RAISE NOTICE 'done up to %%', pgr_done;
    PERFORM pg_sleep(0.05);
  END LOOP;
END
$$;`, table, key, typ, match, stmt, size)
}

// columnConstraint adds an inline constraint of a new column online.
func (p *planner) columnConstraint(st schema.Statement, at *pg_query.AlterTableStmt, column string, con *pg_query.Constraint) {
	c := proto.Clone(con).(*pg_query.Constraint)
	if c.Contype == pg_query.ConstrType_CONSTR_FOREIGN && len(c.FkAttrs) == 0 {
		c.FkAttrs = []*pg_query.Node{pg_query.MakeStrNode(column)}
	}
	if c.Contype == pg_query.ConstrType_CONSTR_UNIQUE && len(c.Keys) == 0 {
		c.Keys = []*pg_query.Node{pg_query.MakeStrNode(column)}
	}
	if c.Conname == "" {
		c.Conname = defaultConstraintName(at.Relation.GetRelname(), column, c.Contype)
	}
	p.addConstraint(st, at, c)
}

// defaultConstraintName is the name PostgreSQL gives an unnamed constraint
// on one column.
func defaultConstraintName(table, column string, t pg_query.ConstrType) string {
	suffix := map[pg_query.ConstrType]string{
		pg_query.ConstrType_CONSTR_CHECK: "check", pg_query.ConstrType_CONSTR_FOREIGN: "fkey",
		pg_query.ConstrType_CONSTR_UNIQUE: "key", pg_query.ConstrType_CONSTR_PRIMARY: "pkey",
	}[t]
	if t == pg_query.ConstrType_CONSTR_PRIMARY {
		return rule.Clip(table + "_pkey")
	}
	return rule.Clip(table + "_" + column + "_" + suffix)
}

// addConstraint adds CHECK and foreign keys NOT VALID and validates them in
// a later step, and UNIQUE / PRIMARY KEY from an index built concurrently.
func (p *planner) addConstraint(st schema.Statement, at *pg_query.AlterTableStmt, con *pg_query.Constraint) {
	if con == nil {
		p.keep(st, PhasePreDeploy, "")
		return
	}
	table := rule.RelSQL(at.Relation)
	if con.Conname == "" {
		con = proto.Clone(con).(*pg_query.Constraint)
		con.Conname = p.constraintName(st, at)
	}
	name := rule.QuoteColID(con.Conname)
	drop := "ALTER TABLE " + table + " DROP CONSTRAINT IF EXISTS " + name + ";"
	if t := p.model.Table(rule.RelName(at.Relation).String()); t != nil && t.Partitioned() &&
		(con.Contype == pg_query.ConstrType_CONSTR_FOREIGN || con.Contype == pg_query.ConstrType_CONSTR_UNIQUE || con.Contype == pg_query.ConstrType_CONSTR_PRIMARY) {
		p.keep(st, PhasePreDeploy, "On a partitioned table PostgreSQL allows neither a NOT VALID foreign key nor a unique index built CONCURRENTLY: "+
			"the constraint is added as written, checking or indexing every partition under its lock.")
		return
	}
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_CHECK, pg_query.ConstrType_CONSTR_FOREIGN:
		if con.SkipValidation {
			p.add(st, Step{Title: "Add constraint " + con.Conname + " NOT VALID", SQL: st.Text + ";", Transactional: true, Rollback: drop,
				Note: "NOT VALID: only new and updated rows are checked; existing rows are not scanned."})
			return
		}
		nv := proto.Clone(con).(*pg_query.Constraint)
		nv.SkipValidation, nv.InitiallyValid = true, false
		p.add(st, Step{Title: "Add constraint " + con.Conname + " NOT VALID", Rewritten: true, Transactional: true,
			SQL:      deparse(st, addConstraintNode(at, nv)),
			Note:     "Added NOT VALID: new and updated rows are checked at once, existing rows are not scanned, so the lock is brief.",
			Rollback: drop})
		p.add(st, Step{Phase: PhasePostDeploy, Title: "Validate constraint " + con.Conname, Rewritten: true, Transactional: true,
			SQL: "ALTER TABLE " + table + " VALIDATE CONSTRAINT " + name + ";",
			Note: "Checks the existing rows in its own transaction, under SHARE UPDATE EXCLUSIVE (ROW SHARE on a referenced table): reads and writes go on. " +
				"It fails on a violating row: find them first with " + violationCheck(st, table, con) + "."})
	case pg_query.ConstrType_CONSTR_UNIQUE, pg_query.ConstrType_CONSTR_PRIMARY:
		if con.Indexname != "" {
			p.keep(st, PhasePreDeploy, "Attaches an index already built: a catalog change under a brief ACCESS EXCLUSIVE lock; the index takes the constraint's name.")
			return
		}
		if con.Deferrable || len(con.Keys) == 0 {
			p.keep(st, PhasePreDeploy, "A deferrable constraint cannot be attached to an existing index: it builds its index under ACCESS EXCLUSIVE.")
			return
		}
		p.uniqueFromIndex(st, at, con, drop)
	default:
		p.keep(st, PhasePreDeploy, "An exclusion constraint has no online form: no NOT VALID, no USING INDEX. Add it on a new table or in a maintenance window.")
	}
}

// constraintName is the name PostgreSQL gives the constraint st adds: the
// one the model holds after it that it did not hold before.
func (p *planner) constraintName(st schema.Statement, at *pg_query.AlterTableStmt) string {
	name := rule.RelName(at.Relation).String()
	var before []string
	if t := p.model.Table(name); t != nil {
		before = t.ConstraintNames()
	}
	after := p.model.Clone()
	_ = after.ApplyPartial(st)
	if t := after.Table(name); t != nil {
		for _, n := range t.ConstraintNames() {
			if !slices.Contains(before, n) {
				return n
			}
		}
	}
	return rule.Clip(at.Relation.GetRelname() + "_check")
}

// addConstraintNode is ALTER TABLE ... ADD CONSTRAINT con.
func addConstraintNode(at *pg_query.AlterTableStmt, con *pg_query.Constraint) *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: &pg_query.AlterTableStmt{
		Relation: at.Relation, Objtype: pg_query.ObjectType_OBJECT_TABLE,
		Cmds: []*pg_query.Node{{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: &pg_query.AlterTableCmd{
			Subtype: pg_query.AlterTableType_AT_AddConstraint, Def: &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: con}},
			Behavior: pg_query.DropBehavior_DROP_RESTRICT,
		}}}},
	}}}
}

// violationCheck is a query listing rows a constraint would reject.
func violationCheck(st schema.Statement, table string, con *pg_query.Constraint) string {
	if con.Contype == pg_query.ConstrType_CONSTR_CHECK {
		return "SELECT * FROM " + table + " WHERE NOT (" + st.Expr(con.RawExpr) + ") LIMIT 10;"
	}
	var fk, pk, conds []string
	for _, n := range con.FkAttrs {
		fk = append(fk, "c."+rule.QuoteColID(n.GetString_().GetSval()))
	}
	for _, n := range con.PkAttrs {
		pk = append(pk, rule.QuoteColID(n.GetString_().GetSval()))
	}
	if len(pk) != len(fk) {
		return "a LEFT JOIN from the table to " + rule.RelSQL(con.Pktable) + " on the key"
	}
	for i := range fk {
		conds = append(conds, "p."+pk[i]+" = "+fk[i])
	}
	notNull := make([]string, len(fk))
	for i, c := range fk {
		notNull[i] = c + " IS NOT NULL"
	}
	return "SELECT " + strings.Join(fk, ", ") + " FROM " + table + " c WHERE " + strings.Join(notNull, " AND ") +
		" AND NOT EXISTS (SELECT 1 FROM " + rule.RelSQL(con.Pktable) + " p WHERE " + strings.Join(conds, " AND ") + ") LIMIT 10;"
}

// uniqueFromIndex stages a UNIQUE or PRIMARY KEY constraint: a unique index
// built concurrently, then the constraint attached to it.
func (p *planner) uniqueFromIndex(st schema.Statement, at *pg_query.AlterTableStmt, con *pg_query.Constraint, drop string) {
	table := rule.RelSQL(at.Relation)
	name := rule.QuoteColID(con.Conname)
	qname := rule.QuoteQualified(schema.QualifiedName{Schema: at.Relation.GetSchemaname(), Name: con.Conname})
	cols := make([]string, len(con.Keys))
	for i, k := range con.Keys {
		cols[i] = rule.QuoteColID(k.GetString_().GetSval())
	}
	build := "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + name + " ON " + table + " (" + strings.Join(cols, ", ") + ")"
	if len(con.Including) > 0 {
		inc := make([]string, len(con.Including))
		for i, k := range con.Including {
			inc[i] = rule.QuoteColID(k.GetString_().GetSval())
		}
		build += " INCLUDE (" + strings.Join(inc, ", ") + ")"
	}
	if con.NullsNotDistinct {
		build += " NULLS NOT DISTINCT"
	}
	p.add(st, Step{Title: "Build unique index " + con.Conname + " concurrently", Rewritten: true, SQL: build + ";",
		Note: "Builds the index behind the constraint without blocking writes (SHARE UPDATE EXCLUSIVE, two scans, outside a transaction). " +
			"It fails if duplicates exist: check first with " + duplicateCheck(table, cols) +
			" Then check SELECT indisvalid FROM pg_index WHERE indexrelid = " + rule.QuoteLiteral(qname) + "::regclass;",
		Retry:    "If it fails, drop the INVALID index with DROP INDEX CONCURRENTLY IF EXISTS " + qname + "; and re-run.",
		Rollback: "DROP INDEX CONCURRENTLY IF EXISTS " + qname + ";"})
	kind := "UNIQUE"
	note := "Attaching the built index is a catalog change under a brief ACCESS EXCLUSIVE lock; the index takes the constraint's name."
	unsafe := false
	if con.Contype == pg_query.ConstrType_CONSTR_PRIMARY {
		kind = "PRIMARY KEY"
		if t := p.model.Table(rule.RelName(at.Relation).String()); t != nil {
			for _, k := range con.Keys {
				if c := t.Column(k.GetString_().GetSval()); c != nil && !c.NotNull {
					unsafe = true
					note += " Column " + c.Name + " is nullable: PRIMARY KEY USING INDEX sets NOT NULL and scans the table under that lock. " +
						"Make the columns NOT NULL online first (CHECK NOT VALID, VALIDATE, SET NOT NULL)."
				}
			}
		}
	}
	p.add(st, Step{Title: "Attach constraint " + con.Conname, Rewritten: true, Transactional: true, Unsafe: unsafe,
		SQL:  "ALTER TABLE " + table + " ADD CONSTRAINT " + name + " " + kind + " USING INDEX " + name + ";",
		Note: note, Rollback: drop, RollbackNote: "Dropping the constraint drops its index too."})
}

// setNotNull makes a column NOT NULL without the scan under ACCESS
// EXCLUSIVE (PostgreSQL 12+): a NOT VALID CHECK, validated online, proves
// the column has no NULL, so SET NOT NULL skips its scan; the CHECK is then
// dropped. These are contract steps: old code may still write NULL.
func (p *planner) setNotNull(st schema.Statement, at *pg_query.AlterTableStmt, column string) {
	facts := locks.Classify(st, p.model, p.pg)
	if !facts.Scans() {
		p.keep(st, PhasePostDeploy, "A valid CHECK (... IS NOT NULL) already proves the column has no NULL: no scan.")
		return
	}
	if p.pg < 12 {
		p.keep(st, PhasePostDeploy, "Before PostgreSQL 12, SET NOT NULL always scans the table under ACCESS EXCLUSIVE.")
		return
	}
	p.notNullSteps(st, at, column)
}

// notNullSteps are the four steps of an online SET NOT NULL.
func (p *planner) notNullSteps(st schema.Statement, at *pg_query.AlterTableStmt, column string) {
	table := rule.RelSQL(at.Relation)
	col := rule.QuoteColID(column)
	// Not <table>_<col>_not_null: PostgreSQL 18 gives the NOT NULL
	// constraint that name, and would name it ..._not_null1 while the CHECK
	// still holds it.
	check := rule.QuoteColID(rule.Clip(at.Relation.GetRelname() + "_" + column + "_not_null_check"))
	dropCheck := "ALTER TABLE " + table + " DROP CONSTRAINT IF EXISTS " + check + ";"
	post := func(title, sql, note, rollback string, transient bool) {
		p.add(st, Step{Phase: PhasePostDeploy, Title: title, SQL: sql, Note: note, Rollback: rollback, Transactional: true, Rewritten: true, Transient: transient})
	}
	post("Check "+column+" IS NOT NULL, NOT VALID",
		"ALTER TABLE "+table+" ADD CONSTRAINT "+check+" CHECK ("+col+" IS NOT NULL) NOT VALID;",
		"New and updated rows must have a value from here on; existing rows are not scanned.", dropCheck, true)
	post("Validate "+column+" IS NOT NULL",
		"ALTER TABLE "+table+" VALIDATE CONSTRAINT "+check+";",
		"Scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on. Fails while NULLs remain: SELECT count(*) FROM "+table+" WHERE "+col+" IS NULL;", "", true)
	post("Set "+column+" NOT NULL",
		"ALTER TABLE "+table+" ALTER COLUMN "+col+" SET NOT NULL;",
		"The validated CHECK proves there is no NULL, so this skips the scan: a brief ACCESS EXCLUSIVE lock.",
		"ALTER TABLE "+table+" ALTER COLUMN "+col+" DROP NOT NULL;", false)
	post("Drop the helper CHECK on "+column,
		dropCheck,
		"NOT NULL now holds; the CHECK is redundant.",
		"", false)
}

// dataChange plans an UPDATE, DELETE, INSERT or MERGE as background work.
// A plain UPDATE or DELETE on an existing table runs in batches that each
// commit; the data it changes cannot be restored by the package.
func (p *planner) dataChange(st schema.Statement) {
	if p.isNew(st.Target) {
		p.keep(st, PhasePreDeploy, "The table is created by this change: the statement touches only rows the change wrote.")
		return
	}
	s := Step{Phase: PhaseBackfill, Title: title(st), SQL: st.Text + ";", Transactional: true,
		Irreversible: true,
		Recovery: "The package cannot restore changed or deleted rows. Keep a copy first if they may be needed: " +
			"\\copy (SELECT * FROM " + dmlTable(st) + rowFilter(st) + ") TO '" + st.Target + "-before.csv' CSV HEADER; " +
			"otherwise restore from a backup or point-in-time recovery."}
	if loop, probe, ok := p.batched(st); ok {
		s.SQL, s.probe, s.Transactional, s.Rewritten = loop, probe, false, true
		s.Note = fmt.Sprintf("Runs over ranges of %d rows in key order, committing each, so row locks are short, autovacuum keeps up, "+
			"and a failure loses only one batch. Each row is visited once; functions such as now() are evaluated per batch.", p.o.batch())
		s.Retry = "Each committed batch stays done and the loop reports the last key it finished (NOTICE done up to ...). " +
			"A re-run starts again from the lowest key: harmless for a DELETE or a SET of constants; otherwise resume by hand from the reported key."
	} else if _, ok := st.Node.GetNode().(*pg_query.Node_InsertStmt); !ok {
		s.Unsafe = true
		s.Note = "Runs as one statement: it could not be cut into key ranges (no single-column primary key, or a FROM, USING, RETURNING or WITH). " +
			"Every row it touches stays locked until it commits."
	}
	p.add(st, s)
}

// dmlTable renders the table a data statement changes, quoted for SQL.
func dmlTable(st schema.Statement) string {
	var rel *pg_query.RangeVar
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_UpdateStmt:
		rel = n.UpdateStmt.Relation
	case *pg_query.Node_DeleteStmt:
		rel = n.DeleteStmt.Relation
	case *pg_query.Node_InsertStmt:
		rel = n.InsertStmt.Relation
	case *pg_query.Node_MergeStmt:
		rel = n.MergeStmt.Relation
	}
	if rel == nil {
		return st.Target
	}
	return rule.RelSQL(rel)
}

// rowFilter renders the WHERE clause of an UPDATE or DELETE (" WHERE ...").
func rowFilter(st schema.Statement) string {
	var where *pg_query.Node
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_UpdateStmt:
		where = n.UpdateStmt.WhereClause
	case *pg_query.Node_DeleteStmt:
		where = n.DeleteStmt.WhereClause
	}
	if where == nil {
		return ""
	}
	return " WHERE " + st.Expr(where)
}

// batched renders a plain UPDATE or DELETE as a loop over ranges of the
// table's primary key, with the statement's own WHERE as the filter; ok is
// false when the statement has parts a range cannot carry (FROM, USING,
// RETURNING, WITH, an alias) or the table has no single-column key. probe is
// the statement one batch runs.
func (p *planner) batched(st schema.Statement) (loop, probe string, ok bool) {
	var rel *pg_query.RangeVar
	var where *pg_query.Node
	var head string
	switch n := st.Node.GetNode().(type) {
	case *pg_query.Node_UpdateStmt:
		u := n.UpdateStmt
		if len(u.FromClause) > 0 || len(u.ReturningList) > 0 || u.WithClause != nil {
			return "", "", false
		}
		rel, where = u.Relation, u.WhereClause
		bare := proto.Clone(st.Node).(*pg_query.Node)
		bare.GetUpdateStmt().WhereClause = nil
		head = strings.TrimSuffix(deparse(st, bare), ";")
	case *pg_query.Node_DeleteStmt:
		d := n.DeleteStmt
		if len(d.UsingClause) > 0 || len(d.ReturningList) > 0 || d.WithClause != nil {
			return "", "", false
		}
		rel, where = d.Relation, d.WhereClause
		head = "DELETE FROM " + rule.RelSQL(rel)
	default:
		return "", "", false
	}
	if rel.GetAlias() != nil || !rel.GetInh() {
		return "", "", false
	}
	key, typ, ok := p.batchKey(rule.RelName(rel).String())
	if !ok {
		return "", "", false
	}
	filter := ""
	if where != nil {
		filter = st.Expr(where)
	}
	return batchLoop(rule.RelSQL(rel), key, typ, filter, head, p.o.batch()), st.Text + ";", true
}

// enumValue plans ALTER TYPE ... ADD VALUE: its own transaction, before
// anything uses the value (it is usable only once committed).
func (p *planner) enumValue(st schema.Statement, ae *pg_query.AlterEnumStmt) {
	note := "A new enum value is usable only after its transaction commits, so it runs on its own, before the code that writes it."
	if ae.OldVal != "" {
		note = "Renaming an enum value breaks code that writes the old label: ship code that handles both first."
	}
	p.keep(st, PhasePreDeploy, note)
}

// rename keeps a rename: it breaks the deployed code whichever side of the
// deploy it runs.
func (p *planner) rename(st schema.Statement, rs *pg_query.RenameStmt) {
	s := Step{Title: title(st), SQL: st.Text + ";", Transactional: true, Unsafe: true,
		Note: "A rename breaks every running query that uses the old name, before or after the deploy. The online form is expand/contract: " +
			"add the new column (or a view with the new name), write both, move reads, then drop the old one."}
	inv := inverseOf(st, p.model)
	s.Rollback, s.RollbackNote = inv.sql, inv.note
	_ = rs
	p.add(st, s)
}

// drop plans DROP statements as contract steps; DROP INDEX on an existing
// table runs CONCURRENTLY.
func (p *planner) drop(st schema.Statement, ds *pg_query.DropStmt) {
	if ds.RemoveType == pg_query.ObjectType_OBJECT_INDEX && !ds.Concurrent && len(ds.Objects) == 1 &&
		ds.Behavior != pg_query.DropBehavior_DROP_CASCADE {
		name := schema.ObjectName(ds.Objects[0])
		if ix := p.model.Index(name); ix != nil && !p.isNew(ix.Table.String()) && !p.partitioned(ix.Table.String()) {
			n := proto.Clone(st.Node).(*pg_query.Node)
			d := n.GetDropStmt()
			d.Concurrent, d.MissingOk = true, true
			inv := inverseOf(st, p.model)
			p.add(st, Step{Phase: PhasePostDeploy, Title: "Drop index " + name + " concurrently", SQL: deparse(st, n), Rewritten: true,
				Note:     "DROP INDEX CONCURRENTLY waits for queries using the index instead of blocking the table under ACCESS EXCLUSIVE.",
				Rollback: inv.sql, RollbackNote: inv.note})
			return
		}
	}
	p.keep(st, PhasePostDeploy, "A contract step: it runs once no deployed code uses what it removes.")
}

// partitioned reports whether the model knows the table as partitioned.
func (p *planner) partitioned(table string) bool {
	t := p.model.Table(table)
	return t != nil && t.Partitioned()
}

// joinSentences joins two notes with a space.
func joinSentences(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}
