package locks

// Kind keys a row of the lock table: one statement form, or one ALTER TABLE
// subcommand under one condition ("ADD COLUMN DEFAULT volatile").
type Kind string

// Statement kinds of the lock table.
const (
	KindCreateTable            Kind = "CREATE TABLE"
	KindCreateTableReferences  Kind = "CREATE TABLE ... REFERENCES"
	KindCreateTablePartitionOf Kind = "CREATE TABLE ... PARTITION OF"
	KindCreateTableInherits    Kind = "CREATE TABLE ... INHERITS"
	KindCreateTableAs          Kind = "CREATE TABLE AS / MATERIALIZED VIEW"
	KindCreateView             Kind = "CREATE VIEW"
	KindDropTable              Kind = "DROP TABLE"
	KindDropTableCascade       Kind = "DROP TABLE ... CASCADE"
	KindDropView               Kind = "DROP VIEW / MATERIALIZED VIEW / SEQUENCE"
	KindTruncate               Kind = "TRUNCATE"
	KindTruncateCascade        Kind = "TRUNCATE ... CASCADE"
	KindLockTable              Kind = "LOCK TABLE"
	KindSelect                 Kind = "SELECT"
	KindSelectForUpdate        Kind = "SELECT ... FOR UPDATE/SHARE"
	KindInsert                 Kind = "INSERT"
	KindUpdate                 Kind = "UPDATE ... WHERE"
	KindUpdateAll              Kind = "UPDATE without WHERE"
	KindDelete                 Kind = "DELETE ... WHERE"
	KindDeleteAll              Kind = "DELETE without WHERE"
	KindMerge                  Kind = "MERGE"
	KindCopyFrom               Kind = "COPY ... FROM"
	KindCopyTo                 Kind = "COPY ... TO"

	KindCreateIndex             Kind = "CREATE INDEX"
	KindCreateIndexConcurrently Kind = "CREATE INDEX CONCURRENTLY"
	KindDropIndex               Kind = "DROP INDEX"
	KindDropIndexConcurrently   Kind = "DROP INDEX CONCURRENTLY"
	KindReindexIndex            Kind = "REINDEX INDEX"
	KindReindexTable            Kind = "REINDEX TABLE"
	KindReindexConcurrently     Kind = "REINDEX ... CONCURRENTLY"
	KindReindexSchema           Kind = "REINDEX SCHEMA/DATABASE/SYSTEM"
	KindAlterIndexRename        Kind = "ALTER INDEX ... RENAME"
	KindAlterIndexAttach        Kind = "ALTER INDEX ... ATTACH PARTITION"

	KindCluster                    Kind = "CLUSTER table"
	KindClusterAll                 Kind = "CLUSTER (all tables)"
	KindVacuum                     Kind = "VACUUM"
	KindVacuumFull                 Kind = "VACUUM FULL"
	KindAnalyze                    Kind = "ANALYZE"
	KindRefreshMatView             Kind = "REFRESH MATERIALIZED VIEW"
	KindRefreshMatViewConcurrently Kind = "REFRESH MATERIALIZED VIEW CONCURRENTLY"
	KindCreateTrigger              Kind = "CREATE TRIGGER"
	KindDropTrigger                Kind = "DROP TRIGGER"
	KindCreatePolicy               Kind = "CREATE POLICY"
	KindCreateRule                 Kind = "CREATE RULE"
	KindCommentOn                  Kind = "COMMENT ON"
	KindCreateStatistics           Kind = "CREATE STATISTICS"
	KindAlterTypeAddValue          Kind = "ALTER TYPE ... ADD VALUE"
	KindAlterTypeRenameValue       Kind = "ALTER TYPE ... RENAME VALUE"

	KindRenameTable      Kind = "ALTER TABLE ... RENAME TO"
	KindRenameColumn     Kind = "ALTER TABLE ... RENAME COLUMN"
	KindRenameConstraint Kind = "ALTER TABLE ... RENAME CONSTRAINT"
	KindSetSchema        Kind = "ALTER TABLE ... SET SCHEMA"
)

// ALTER TABLE subcommand kinds of the lock table (they also apply to ALTER
// INDEX, VIEW, MATERIALIZED VIEW and SEQUENCE where PostgreSQL allows them).
const (
	KindAddColumn                Kind = "ADD COLUMN"
	KindAddColumnDefault         Kind = "ADD COLUMN ... DEFAULT non-volatile"
	KindAddColumnVolatileDefault Kind = "ADD COLUMN ... DEFAULT volatile"
	KindAddColumnSerial          Kind = "ADD COLUMN ... serial"
	KindAddColumnIdentity        Kind = "ADD COLUMN ... GENERATED AS IDENTITY"
	KindAddColumnGenerated       Kind = "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED"
	KindAddColumnNotNull         Kind = "ADD COLUMN ... NOT NULL without default"
	KindAddColumnUnique          Kind = "ADD COLUMN ... UNIQUE/PRIMARY KEY"
	KindAddColumnReferences      Kind = "ADD COLUMN ... REFERENCES"
	KindAddColumnCheck           Kind = "ADD COLUMN ... CHECK"
	KindDropColumn               Kind = "DROP COLUMN"

	KindColumnDefault            Kind = "ALTER COLUMN SET/DROP DEFAULT"
	KindSetNotNull               Kind = "ALTER COLUMN SET NOT NULL"
	KindSetNotNullChecked        Kind = "ALTER COLUMN SET NOT NULL with a validated CHECK"
	KindDropNotNull              Kind = "ALTER COLUMN DROP NOT NULL"
	KindAlterColumnType          Kind = "ALTER COLUMN TYPE"
	KindAlterColumnTypeCoercible Kind = "ALTER COLUMN TYPE binary-coercible"
	KindAlterColumnTypeTimestamp Kind = "ALTER COLUMN TYPE timestamp <-> timestamptz"
	KindSetStatistics            Kind = "ALTER COLUMN SET STATISTICS"
	KindSetColumnOptions         Kind = "ALTER COLUMN SET/RESET (attribute_option)"
	KindSetStorage               Kind = "ALTER COLUMN SET STORAGE"
	KindSetCompression           Kind = "ALTER COLUMN SET COMPRESSION"
	KindAlterIdentity            Kind = "ALTER COLUMN ADD/SET/DROP IDENTITY"
	KindDropExpression           Kind = "ALTER COLUMN DROP EXPRESSION"
	KindSetExpression            Kind = "ALTER COLUMN SET EXPRESSION"

	KindAddCheck              Kind = "ADD CONSTRAINT CHECK"
	KindAddCheckNotValid      Kind = "ADD CONSTRAINT CHECK ... NOT VALID"
	KindAddForeignKey         Kind = "ADD CONSTRAINT FOREIGN KEY"
	KindAddForeignKeyNotValid Kind = "ADD CONSTRAINT FOREIGN KEY ... NOT VALID"
	KindValidateCheck         Kind = "VALIDATE CONSTRAINT (check)"
	KindValidateForeignKey    Kind = "VALIDATE CONSTRAINT (foreign key)"
	KindAddUnique             Kind = "ADD CONSTRAINT UNIQUE"
	KindAddPrimaryKey         Kind = "ADD CONSTRAINT PRIMARY KEY"
	KindAddUniqueUsingIndex   Kind = "ADD CONSTRAINT UNIQUE USING INDEX"
	KindAddPrimaryKeyUsing    Kind = "ADD CONSTRAINT PRIMARY KEY USING INDEX"
	KindAddExclude            Kind = "ADD CONSTRAINT EXCLUDE"
	KindDropConstraint        Kind = "DROP CONSTRAINT"
	KindDropForeignKey        Kind = "DROP CONSTRAINT (foreign key)"
	KindAlterConstraint       Kind = "ALTER CONSTRAINT"
	KindToggleTrigger         Kind = "ENABLE/DISABLE TRIGGER"
	KindToggleRule            Kind = "ENABLE/DISABLE RULE"
	KindRowSecurity           Kind = "ENABLE/DISABLE/FORCE ROW LEVEL SECURITY"
	KindClusterOn             Kind = "CLUSTER ON"
	KindSetWithoutCluster     Kind = "SET WITHOUT CLUSTER"
	KindSetStorageParams      Kind = "SET/RESET (fillfactor, autovacuum_*, toast.*, parallel_workers)"
	KindSetOtherParams        Kind = "SET/RESET (other storage parameter)"
	KindSetTablespace         Kind = "SET TABLESPACE"
	KindSetLogged             Kind = "SET LOGGED/UNLOGGED"
	KindSetAccessMethod       Kind = "SET ACCESS METHOD"
	KindReplicaIdentity       Kind = "REPLICA IDENTITY"
	KindOwner                 Kind = "OWNER TO"
	KindInherit               Kind = "INHERIT"
	KindNoInherit             Kind = "NO INHERIT"
	KindOf                    Kind = "OF / NOT OF"
	KindAttachPartition       Kind = "ATTACH PARTITION"
	KindDetachPartition       Kind = "DETACH PARTITION"
	KindDetachConcurrently    Kind = "DETACH PARTITION ... CONCURRENTLY"
	KindDetachFinalize        Kind = "DETACH PARTITION ... FINALIZE"
	KindAlterTableOther       Kind = "ALTER TABLE (other subcommand)"
)

// Role says which of a statement's relations a lock is on.
type Role string

// Roles of the relations a statement locks.
const (
	// RoleTarget is the relation the statement names (the table of an ALTER
	// TABLE, the index of an ALTER INDEX, each table of a SELECT).
	RoleTarget Role = "target"
	// RoleReferenced is a table a foreign key of the target references.
	RoleReferenced Role = "referenced table"
	// RoleReferencing is a table whose foreign key references the target.
	RoleReferencing Role = "referencing table"
	// RoleIndex is an index of the target (dropped, rebuilt or attached).
	RoleIndex Role = "index"
	// RolePartition is the partition attached or detached.
	RolePartition Role = "partition"
	// RoleParent is the parent of a new partition or child table.
	RoleParent Role = "parent table"
	// RoleSource is a relation read by a statement that writes elsewhere.
	RoleSource Role = "source"
)

// Lock is what one row says about one relation of the statement.
type Lock struct {
	Role Role
	Mode Mode
	// Rewrite: the relation (and, for a table, its indexes) is rewritten
	// into new files; pg_class.relfilenode changes.
	Rewrite bool
	// Scan: the whole relation is read while the lock is held.
	Scan bool
	// NewFile: the relation gets a new, empty relfilenode without a rewrite
	// (TRUNCATE).
	NewFile bool
	// Note states what the facts depend on, if anything.
	Note string
}

// Row is one row of the lock table.
type Row struct {
	Kind Kind
	// Locks lists the relations the statement locks, by role. A role may
	// stand for several relations (every referenced table, every index).
	Locks []Lock
	// NoTransaction is set when PostgreSQL refuses the statement inside a
	// transaction block.
	NoTransaction bool
	// MinPG and MaxPG bound the major versions the row applies to; 0 means
	// unbounded.
	MinPG, MaxPG int
	// Note explains the row: conditions, caveats, how to observe it.
	Note string
	// Example is one statement of this kind that runs against Baseline()
	// (on a server of a version the row applies to) and classifies to this
	// row.
	Example string
}

// Applies reports whether the row holds on major version pg.
func (r Row) Applies(pg int) bool {
	return (r.MinPG == 0 || pg >= r.MinPG) && (r.MaxPG == 0 || pg <= r.MaxPG)
}

// Lock returns the row's lock for a role.
func (r Row) Lock(role Role) (Lock, bool) {
	for _, l := range r.Locks {
		if l.Role == role {
			return l, true
		}
	}
	return Lock{}, false
}

// Baseline returns the schema the rows' examples run against: tables with
// a foreign key, indexes, a NOT VALID check and foreign key, a partitioned
// table, a materialized view, an enum, a trigger and a rule. It needs
// PostgreSQL 12 or later (stored generated column) and leaves audit_log
// empty and one row in each of customers, orders and order_items.
func Baseline() string {
	return `CREATE SCHEMA archive;
CREATE TYPE order_state AS ENUM ('new', 'paid');
CREATE TYPE event_row AS (id bigint, at timestamptz);
CREATE TABLE customers (
  id bigint PRIMARY KEY,
  email text NOT NULL,
  name varchar(100)
);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id bigint,
  status varchar(20),
  code text,
  total numeric(10,2),
  total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED,
  created_at timestamp,
  paid_at timestamp,
  client_addr cidr,
  note text,
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT orders_total_check CHECK (total >= 0),
  CONSTRAINT orders_status_not_null CHECK (status IS NOT NULL)
);
CREATE INDEX orders_created_idx ON orders (created_at);
CREATE UNIQUE INDEX orders_code_idx ON orders (code);
CREATE TABLE order_items (
  id bigint PRIMARY KEY,
  order_id bigint,
  sku text
);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
ALTER TABLE order_items ADD CONSTRAINT order_items_sku_check CHECK (sku <> '') NOT VALID;
CREATE TABLE audit_log (id bigint, at timestamptz, message text);
CREATE UNIQUE INDEX audit_log_id_idx ON audit_log (id);
CREATE TABLE audit_log_archive (id bigint, at timestamptz, message text);
CREATE TABLE audit_log_2023 () INHERITS (audit_log);
CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 (id bigint NOT NULL, at timestamptz NOT NULL);
ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 (id bigint NOT NULL, at timestamptz NOT NULL);
CREATE INDEX events_id_idx ON ONLY events (id);
CREATE INDEX events_2024_id_idx ON events_2024 (id);
CREATE MATERIALIZED VIEW customer_totals AS SELECT customer_id, count(*) AS orders FROM orders GROUP BY customer_id;
CREATE UNIQUE INDEX customer_totals_customer_idx ON customer_totals (customer_id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE PROCEDURE touch();
CREATE RULE customers_noop AS ON UPDATE TO customers DO ALSO NOTHING;
INSERT INTO customers (id, email, name) VALUES (1, 'a@example.com', 'A');
INSERT INTO orders (id, customer_id, status, code, total, created_at) VALUES (1, 1, 'new', 'c-1', 10, '2024-05-01');
INSERT INTO order_items (id, order_id, sku) VALUES (1, 1, 'sku-1');
`
}

// Lookup returns a copy of the row of a kind that applies to major version
// pg. When no row of the kind applies (the statement does not exist on that
// version) it returns the kind's first row and false; for an unknown kind, a
// row with only its Kind set and false.
func Lookup(kind Kind, pg int) (Row, bool) {
	return rowFor(kind, pg)
}

// shorthand constructors keep the table below readable.
func on(role Role, m Mode) Lock  { return Lock{Role: role, Mode: m} }
func target(m Mode) Lock         { return on(RoleTarget, m) }
func scan(l Lock) Lock           { l.Scan = true; return l }
func rewrite(l Lock) Lock        { l.Rewrite = true; return l }
func newFile(l Lock) Lock        { l.NewFile = true; return l }
func note(l Lock, s string) Lock { l.Note = s; return l }

// Table returns every row of the lock table, statements first, then ALTER
// TABLE subcommands. A kind whose facts change with the server version has
// one row per version range. The slice is new on every call.
//
// What the rows leave out: the locks on a table's own indexes (a rewrite or
// a DROP takes ACCESS EXCLUSIVE on each) unless the statement is about the
// index (DROP INDEX, REINDEX, CLUSTER ON, USING INDEX), on sequences, on the new
// relation a statement creates; and the recursion of ALTER TABLE, TRUNCATE
// and CREATE INDEX to partitions and inheritance children (without ONLY),
// which take the same locks as their parent. Weaker locks a statement takes
// on the same relation on the way (ACCESS SHARE while planning) are folded
// into the strongest.
func Table() []Row {
	const (
		as  = AccessShare
		rs  = RowShare
		rx  = RowExclusive
		sue = ShareUpdateExclusive
		sh  = Share
		sre = ShareRowExclusive
		ex  = Exclusive
		ae  = AccessExclusive
	)
	return []Row{
		// Tables and views.
		{Kind: KindCreateTable, Note: "no lock on an existing table",
			Example: "CREATE TABLE shipments (id bigint PRIMARY KEY, carrier text)"},
		{Kind: KindCreateTableReferences, Locks: []Lock{on(RoleReferenced, sre)},
			Note:    "the referenced table's lock blocks its writes until commit",
			Example: "CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id))"},
		{Kind: KindCreateTablePartitionOf, MinPG: 10,
			Locks:   []Lock{note(on(RoleParent, ae), "a default partition, if any, is also locked ACCESS EXCLUSIVE and scanned")},
			Example: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"},
		{Kind: KindCreateTableInherits, Locks: []Lock{on(RoleParent, sue)},
			Example: "CREATE TABLE audit_log_2026 () INHERITS (audit_log)"},
		{Kind: KindCreateTableAs, Locks: []Lock{on(RoleSource, as)},
			Note:    "the query holds ACCESS SHARE on what it reads while it runs",
			Example: "CREATE TABLE orders_copy AS SELECT * FROM orders"},
		{Kind: KindCreateView, Locks: []Lock{on(RoleSource, as)},
			Example: "CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'new'"},
		{Kind: KindDropTable,
			Locks: []Lock{target(ae),
				note(on(RoleReferenced, ae), "to drop the foreign key's triggers on the referenced table")},
			Note:    "the table's indexes are locked too",
			Example: "DROP TABLE order_items"},
		{Kind: KindDropTableCascade,
			Locks: []Lock{target(ae), on(RoleReferenced, ae),
				note(on(RoleReferencing, ae), "CASCADE drops the foreign keys that reference the table")},
			Note:    "dependent views are dropped and locked too",
			Example: "DROP TABLE orders CASCADE"},
		{Kind: KindDropView, Locks: []Lock{target(ae)},
			Example: "DROP MATERIALIZED VIEW customer_totals"},
		{Kind: KindTruncate, Locks: []Lock{newFile(target(ae))},
			Note:    "instant: new empty files replace the old ones; fails when another table's foreign key references it",
			Example: "TRUNCATE audit_log"},
		{Kind: KindTruncateCascade,
			Locks: []Lock{newFile(target(ae)),
				newFile(note(on(RoleReferencing, ae), "CASCADE empties every table that references it, recursively"))},
			Example: "TRUNCATE customers CASCADE"},
		{Kind: KindLockTable, Locks: []Lock{note(target(ae), "the mode written; ACCESS EXCLUSIVE when none is")},
			Example: "LOCK TABLE orders"},

		// Reads and writes.
		{Kind: KindSelect, Locks: []Lock{target(as)}, Example: "SELECT * FROM orders"},
		{Kind: KindSelectForUpdate, Locks: []Lock{target(rs)},
			Example: "SELECT * FROM orders WHERE id = 1 FOR UPDATE"},
		{Kind: KindInsert,
			Locks: []Lock{target(rx), note(on(RoleReferenced, rs), "foreign key checks lock the referenced rows FOR KEY SHARE"),
				on(RoleSource, as)},
			Note:    "INSERT ... SELECT holds ACCESS SHARE on the tables it reads",
			Example: "INSERT INTO order_items (id, order_id, sku) SELECT 2, 1, email FROM customers WHERE id = 1"},
		{Kind: KindUpdate, Locks: []Lock{target(rx), on(RoleSource, as)},
			Example: "UPDATE orders SET note = c.name FROM customers c WHERE c.id = orders.customer_id"},
		{Kind: KindUpdateAll, Locks: []Lock{scan(note(target(rx), "no WHERE: every row is rewritten in one transaction")), on(RoleSource, as)},
			Example: "UPDATE orders SET note = (SELECT c.name FROM customers c WHERE c.id = orders.customer_id)"},
		{Kind: KindDelete, Locks: []Lock{target(rx), on(RoleSource, as)},
			Example: "DELETE FROM audit_log USING audit_log_archive a WHERE a.id = audit_log.id"},
		{Kind: KindDeleteAll, Locks: []Lock{scan(note(target(rx), "no WHERE: every row is deleted in one transaction")), on(RoleSource, as)},
			Example: "DELETE FROM audit_log"},
		{Kind: KindMerge, MinPG: 15, Locks: []Lock{target(rx), on(RoleSource, as)},
			Example: "MERGE INTO audit_log a USING orders o ON a.id = o.id WHEN NOT MATCHED THEN INSERT (id, message) VALUES (o.id, o.note)"},
		{Kind: KindCopyFrom, Locks: []Lock{target(rx)}, Example: "COPY audit_log FROM STDIN"},
		{Kind: KindCopyTo, Locks: []Lock{target(as)}, Example: "COPY orders TO STDOUT"},

		// Indexes.
		{Kind: KindCreateIndex, Locks: []Lock{scan(target(sh))},
			Note:    "writes wait for the whole build; on a partitioned table every partition is locked too",
			Example: "CREATE INDEX orders_status_idx ON orders (status)"},
		{Kind: KindCreateIndexConcurrently, NoTransaction: true, Locks: []Lock{scan(target(sue))},
			Note: "two scans, and waits for transactions holding old snapshots; a failure leaves an INVALID index; " +
				"not on a partitioned table; PostgreSQL 14.0-14.3 can corrupt the index",
			Example: "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)"},
		{Kind: KindDropIndex, Locks: []Lock{target(ae), on(RoleIndex, ae)},
			Note:    "the target is the index's table when the model knows it",
			Example: "DROP INDEX orders_created_idx"},
		{Kind: KindDropIndexConcurrently, NoTransaction: true, Locks: []Lock{target(sue), on(RoleIndex, sue)},
			Note:    "waits for transactions using the index; not for constraint or partitioned indexes",
			Example: "DROP INDEX CONCURRENTLY orders_created_idx"},
		{Kind: KindReindexIndex, Locks: []Lock{scan(target(sh)), rewrite(on(RoleIndex, ae))},
			Note:    "the target is the index's table when the model knows it; reads that use the index wait too",
			Example: "REINDEX INDEX orders_created_idx"},
		{Kind: KindReindexTable, Locks: []Lock{scan(target(sh)), rewrite(on(RoleIndex, ae))},
			Note:    "every index of the table is rebuilt",
			Example: "REINDEX TABLE order_items"},
		{Kind: KindReindexConcurrently, MinPG: 12, NoTransaction: true,
			Locks:   []Lock{scan(target(sue)), rewrite(on(RoleIndex, sue))},
			Note:    "builds a new copy of each index and swaps it in",
			Example: "REINDEX INDEX CONCURRENTLY orders_created_idx"},
		{Kind: KindReindexSchema, NoTransaction: true,
			Note:    "locks every table of the scope in turn (SHARE, ACCESS EXCLUSIVE on its indexes)",
			Example: "REINDEX SCHEMA archive"},
		{Kind: KindAlterIndexRename, MaxPG: 11, Locks: []Lock{target(ae)},
			Example: "ALTER INDEX orders_created_idx RENAME TO orders_created_at_idx"},
		{Kind: KindAlterIndexRename, MinPG: 12, Locks: []Lock{target(sue)},
			Example: "ALTER INDEX orders_created_idx RENAME TO orders_created_at_idx"},
		{Kind: KindAlterIndexAttach, MinPG: 11, Locks: []Lock{target(sue), on(RolePartition, ae)},
			Example: "ALTER INDEX events_id_idx ATTACH PARTITION events_2024_id_idx"},

		// Maintenance.
		{Kind: KindCluster, Locks: []Lock{rewrite(target(ae))},
			Note:    "rewrites the table in index order and rebuilds its indexes",
			Example: "CLUSTER orders USING orders_created_idx"},
		{Kind: KindClusterAll, NoTransaction: true,
			Note:    "reclusters every table clustered before, one at a time",
			Example: "CLUSTER"},
		{Kind: KindVacuum, NoTransaction: true, Locks: []Lock{note(target(sue), "reads the pages not marked all-visible")},
			Example: "VACUUM orders"},
		{Kind: KindVacuumFull, NoTransaction: true, Locks: []Lock{rewrite(target(ae))},
			Example: "VACUUM FULL audit_log"},
		{Kind: KindAnalyze, Locks: []Lock{note(target(sue), "reads a sample of the table")},
			Example: "ANALYZE orders"},
		{Kind: KindRefreshMatView, Locks: []Lock{rewrite(target(ae))},
			Note:    "runs the view's query, reading its tables",
			Example: "REFRESH MATERIALIZED VIEW customer_totals"},
		{Kind: KindRefreshMatViewConcurrently, Locks: []Lock{scan(target(ex))},
			Note:    "needs a unique index on the view; reads go on, writes and other refreshes wait",
			Example: "REFRESH MATERIALIZED VIEW CONCURRENTLY customer_totals"},
		{Kind: KindCreateTrigger, Locks: []Lock{target(sre)},
			Example: "CREATE TRIGGER orders_touch_insert BEFORE INSERT ON orders FOR EACH ROW EXECUTE PROCEDURE touch()"},
		{Kind: KindDropTrigger, Locks: []Lock{target(ae)},
			Example: "DROP TRIGGER orders_touch ON orders"},
		{Kind: KindCreatePolicy, Locks: []Lock{target(ae)},
			Example: "CREATE POLICY orders_all ON orders USING (true)"},
		{Kind: KindCreateRule, Locks: []Lock{target(ae)},
			Example: "CREATE RULE audit_log_ignore AS ON INSERT TO audit_log DO INSTEAD NOTHING"},
		{Kind: KindCommentOn, Locks: []Lock{target(sue)},
			Note:    "COMMENT ON TABLE, COLUMN, INDEX, VIEW or MATERIALIZED VIEW; other objects take no table lock",
			Example: "COMMENT ON TABLE orders IS 'Customer orders'"},
		{Kind: KindCreateStatistics, Locks: []Lock{target(sue)},
			Example: "CREATE STATISTICS orders_customer_status ON customer_id, status FROM orders"},
		{Kind: KindAlterTypeAddValue, MaxPG: 11, NoTransaction: true,
			Note:    "locks the type, not the tables using it",
			Example: "ALTER TYPE order_state ADD VALUE 'shipped'"},
		{Kind: KindAlterTypeAddValue, MinPG: 12,
			Note:    "locks the type, not the tables using it; the new value cannot be used before the transaction commits",
			Example: "ALTER TYPE order_state ADD VALUE 'shipped'"},
		{Kind: KindAlterTypeRenameValue, MinPG: 10,
			Note:    "locks the type, not the tables using it",
			Example: "ALTER TYPE order_state RENAME VALUE 'paid' TO 'settled'"},

		// Renames and schema moves (RenameStmt, AlterObjectSchemaStmt).
		{Kind: KindRenameTable, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE audit_log RENAME TO audit_entries"},
		{Kind: KindRenameColumn, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders RENAME COLUMN note TO remark"},
		{Kind: KindRenameConstraint, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders RENAME CONSTRAINT orders_total_check TO orders_total_nonnegative"},
		{Kind: KindSetSchema, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE audit_log SET SCHEMA archive"},

		// ALTER TABLE: columns.
		{Kind: KindAddColumn, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders ADD COLUMN shipped_at timestamptz"},
		{Kind: KindAddColumnDefault, MaxPG: 10,
			Locks:   []Lock{rewrite(note(target(ae), "before PostgreSQL 11 every row is rewritten with the default"))},
			Example: "ALTER TABLE orders ADD COLUMN priority integer DEFAULT 0"},
		{Kind: KindAddColumnDefault, MinPG: 11,
			Locks:   []Lock{note(target(ae), "no rewrite from PostgreSQL 11: a non-volatile default is stored in the catalog")},
			Example: "ALTER TABLE orders ADD COLUMN priority integer DEFAULT 0"},
		{Kind: KindAddColumnVolatileDefault,
			Locks:   []Lock{rewrite(note(target(ae), "a volatile default is evaluated for every existing row"))},
			Example: "ALTER TABLE orders ADD COLUMN touched_at timestamptz DEFAULT clock_timestamp()"},
		{Kind: KindAddColumnSerial, Locks: []Lock{rewrite(note(target(ae), "every row gets a value from the sequence"))},
			Example: "ALTER TABLE orders ADD COLUMN seq bigserial"},
		{Kind: KindAddColumnIdentity, MinPG: 10, Locks: []Lock{rewrite(note(target(ae), "every row gets a value from the sequence"))},
			Example: "ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY"},
		{Kind: KindAddColumnGenerated, MinPG: 12, Locks: []Lock{rewrite(note(target(ae), "the expression is stored for every row"))},
			Example: "ALTER TABLE orders ADD COLUMN total_mills bigint GENERATED ALWAYS AS ((total * 1000)::bigint) STORED"},
		{Kind: KindAddColumnNotNull, Locks: []Lock{scan(note(target(ae), "fails unless the table is empty"))},
			Example: "ALTER TABLE audit_log ADD COLUMN level integer NOT NULL"},
		{Kind: KindAddColumnUnique, Locks: []Lock{scan(note(target(ae), "builds the constraint's index under ACCESS EXCLUSIVE"))},
			Example: "ALTER TABLE orders ADD COLUMN external_ref text UNIQUE"},
		{Kind: KindAddColumnReferences, Locks: []Lock{target(ae), on(RoleReferenced, sre)},
			Example: "ALTER TABLE orders ADD COLUMN referrer_id bigint REFERENCES customers (id)"},
		{Kind: KindAddColumnCheck, Locks: []Lock{scan(target(ae))},
			Example: "ALTER TABLE orders ADD COLUMN discount numeric CHECK (discount >= 0)"},
		{Kind: KindDropColumn, Locks: []Lock{note(target(ae), "brief: the space is reclaimed by later rewrites")},
			Example: "ALTER TABLE orders DROP COLUMN note"},
		{Kind: KindColumnDefault, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new'"},
		{Kind: KindSetNotNull, Locks: []Lock{scan(note(target(ae), "scans the table to prove no NULLs"))},
			Example: "ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL"},
		{Kind: KindSetNotNullChecked, MinPG: 12,
			Locks:   []Lock{note(target(ae), "no scan from PostgreSQL 12: a validated CHECK (col IS NOT NULL) proves it")},
			Example: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL"},
		{Kind: KindDropNotNull, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE customers ALTER COLUMN email DROP NOT NULL"},
		{Kind: KindAlterColumnType,
			Locks:   []Lock{rewrite(note(target(ae), "rewrites the table and rebuilds its indexes"))},
			Example: "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200)"},
		{Kind: KindAlterColumnTypeCoercible,
			Locks: []Lock{note(target(ae), "no rewrite: the old type is binary-coercible to the new one")},
			Note: "a scan remains when the column has CHECK constraints (re-checked) or indexes that must be " +
				"rebuilt (its collation changes)",
			Example: "ALTER TABLE customers ALTER COLUMN name TYPE varchar(200)"},
		{Kind: KindAlterColumnTypeTimestamp, MaxPG: 11,
			Locks:   []Lock{rewrite(note(target(ae), "before PostgreSQL 12 the conversion rewrites the table"))},
			Example: "ALTER TABLE orders ALTER COLUMN paid_at TYPE timestamptz"},
		{Kind: KindAlterColumnTypeTimestamp, MinPG: 12,
			Locks: []Lock{note(target(ae), "no rewrite when the session TimeZone is UTC; a rewrite otherwise")},
			Note: "a scan remains when the column has CHECK constraints or indexes (rebuilt: the operator class " +
				"changes)",
			Example: "ALTER TABLE orders ALTER COLUMN paid_at TYPE timestamptz"},
		{Kind: KindSetStatistics, Locks: []Lock{target(sue)},
			Example: "ALTER TABLE orders ALTER COLUMN status SET STATISTICS 500"},
		{Kind: KindSetColumnOptions, Locks: []Lock{target(sue)},
			Example: "ALTER TABLE orders ALTER COLUMN status SET (n_distinct = 10)"},
		{Kind: KindSetStorage, Locks: []Lock{note(target(ae), "affects rows written later")},
			Example: "ALTER TABLE orders ALTER COLUMN note SET STORAGE EXTERNAL"},
		{Kind: KindSetCompression, MinPG: 14, Locks: []Lock{note(target(ae), "affects rows written later")},
			Example: "ALTER TABLE orders ALTER COLUMN note SET COMPRESSION pglz"},
		{Kind: KindAlterIdentity, MinPG: 10, Locks: []Lock{note(target(ae), "existing rows keep their values")},
			Example: "ALTER TABLE customers ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"},
		{Kind: KindDropExpression, MinPG: 13, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders ALTER COLUMN total_cents DROP EXPRESSION"},
		{Kind: KindSetExpression, MinPG: 17, Locks: []Lock{rewrite(note(target(ae), "recomputes the column for every row"))},
			Example: "ALTER TABLE orders ALTER COLUMN total_cents SET EXPRESSION AS ((total * 1000)::bigint)"},

		// ALTER TABLE: constraints.
		{Kind: KindAddCheck, Locks: []Lock{scan(target(ae))},
			Example: "ALTER TABLE orders ADD CONSTRAINT orders_id_positive CHECK (id > 0)"},
		{Kind: KindAddCheckNotValid, Locks: []Lock{note(target(ae), "brief: existing rows are not checked")},
			Example: "ALTER TABLE orders ADD CONSTRAINT orders_id_positive CHECK (id > 0) NOT VALID"},
		{Kind: KindAddForeignKey,
			Locks:   []Lock{scan(target(sre)), note(on(RoleReferenced, sre), "the check joins against it and may read it whole")},
			Example: "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk2 FOREIGN KEY (customer_id) REFERENCES customers (id)"},
		{Kind: KindAddForeignKeyNotValid, Locks: []Lock{note(target(sre), "brief: existing rows are not checked"), on(RoleReferenced, sre)},
			Example: "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk2 FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID"},
		{Kind: KindValidateCheck, Locks: []Lock{scan(target(sue))},
			Note:    "a no-op when the constraint is already valid",
			Example: "ALTER TABLE order_items VALIDATE CONSTRAINT order_items_sku_check"},
		{Kind: KindValidateForeignKey,
			Locks:   []Lock{scan(target(sue)), note(on(RoleReferenced, rs), "the check joins against it and may read it whole")},
			Note:    "a no-op when the constraint is already valid",
			Example: "ALTER TABLE order_items VALIDATE CONSTRAINT order_items_order_fk"},
		{Kind: KindAddUnique, Locks: []Lock{scan(note(target(ae), "builds the constraint's index under ACCESS EXCLUSIVE"))},
			Example: "ALTER TABLE audit_log ADD CONSTRAINT audit_log_message_key UNIQUE (message)"},
		{Kind: KindAddPrimaryKey, Locks: []Lock{scan(note(target(ae), "builds the index under ACCESS EXCLUSIVE, and checks nullable columns for NULLs"))},
			Example: "ALTER TABLE audit_log ADD PRIMARY KEY (id)"},
		{Kind: KindAddUniqueUsingIndex, Locks: []Lock{note(target(ae), "brief: the index already exists"), on(RoleIndex, sue)},
			Example: "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_idx"},
		{Kind: KindAddPrimaryKeyUsing,
			Locks: []Lock{scan(note(target(ae), "scans for NULLs unless the columns are NOT NULL (or, from PostgreSQL 12, proven by a validated CHECK)")),
				on(RoleIndex, sue)},
			Example: "ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY USING INDEX audit_log_id_idx"},
		{Kind: KindAddExclude, Locks: []Lock{scan(note(target(ae), "builds the constraint's index under ACCESS EXCLUSIVE"))},
			Note:    "no NOT VALID and no USING INDEX form exist",
			Example: "ALTER TABLE audit_log ADD CONSTRAINT audit_log_id_excl EXCLUDE USING btree (id WITH =)"},
		{Kind: KindDropConstraint, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders DROP CONSTRAINT orders_total_check"},
		{Kind: KindDropForeignKey, Locks: []Lock{target(ae), note(on(RoleReferenced, ae), "to drop the foreign key's triggers")},
			Example: "ALTER TABLE orders DROP CONSTRAINT orders_customer_fk"},
		{Kind: KindAlterConstraint, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders ALTER CONSTRAINT orders_customer_fk DEFERRABLE"},

		// ALTER TABLE: triggers, rules, security, storage.
		{Kind: KindToggleTrigger, Locks: []Lock{target(sre)},
			Example: "ALTER TABLE orders DISABLE TRIGGER orders_touch"},
		{Kind: KindToggleRule, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE customers DISABLE RULE customers_noop"},
		{Kind: KindRowSecurity, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders ENABLE ROW LEVEL SECURITY"},
		{Kind: KindClusterOn, Locks: []Lock{target(sue), on(RoleIndex, sue)},
			Example: "ALTER TABLE orders CLUSTER ON orders_created_idx"},
		{Kind: KindSetWithoutCluster, Locks: []Lock{target(sue)},
			Example: "ALTER TABLE orders SET WITHOUT CLUSTER"},
		{Kind: KindSetStorageParams, Locks: []Lock{note(target(sue), "affects rows written later")},
			Example: "ALTER TABLE orders SET (fillfactor = 90)"},
		{Kind: KindSetOtherParams, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders SET (user_catalog_table = true)"},
		{Kind: KindSetTablespace, Locks: []Lock{rewrite(note(target(ae), "copies the files to the new tablespace; a no-op when already there"))},
			Example: "ALTER TABLE audit_log SET TABLESPACE pg_default"},
		{Kind: KindSetLogged, Locks: []Lock{rewrite(target(ae))},
			Example: "ALTER TABLE audit_log SET UNLOGGED"},
		{Kind: KindSetAccessMethod, MinPG: 15,
			Locks:   []Lock{rewrite(note(target(ae), "rewrites into the new access method; a no-op when unchanged"))},
			Example: "ALTER TABLE audit_log SET ACCESS METHOD heap"},
		{Kind: KindReplicaIdentity, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders REPLICA IDENTITY FULL"},
		{Kind: KindOwner, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE orders OWNER TO CURRENT_USER"},
		{Kind: KindInherit, Locks: []Lock{target(ae), on(RoleParent, sue)},
			Example: "ALTER TABLE audit_log_archive INHERIT audit_log"},
		{Kind: KindNoInherit, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE audit_log_2023 NO INHERIT audit_log"},
		{Kind: KindOf, Locks: []Lock{target(ae)},
			Example: "ALTER TABLE events_2025 OF event_row"},

		// ALTER TABLE: partitions.
		{Kind: KindAttachPartition, MinPG: 10, MaxPG: 11,
			Locks: []Lock{target(ae),
				scan(note(on(RolePartition, ae), "scanned unless a valid CHECK constraint implies the partition bound; a default partition is locked and scanned too"))},
			Example: "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"},
		{Kind: KindAttachPartition, MinPG: 12,
			Locks: []Lock{target(sue),
				scan(note(on(RolePartition, ae), "scanned unless a valid CHECK constraint implies the partition bound; a default partition is locked and scanned too"))},
			Example: "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"},
		{Kind: KindDetachPartition, MinPG: 10, MaxPG: 11, Locks: []Lock{target(ae), on(RolePartition, ae)},
			Example: "ALTER TABLE events DETACH PARTITION events_2024"},
		{Kind: KindDetachPartition, MinPG: 12, MaxPG: 13, Locks: []Lock{target(ae), on(RolePartition, sue)},
			Example: "ALTER TABLE events DETACH PARTITION events_2024"},
		{Kind: KindDetachPartition, MinPG: 14, Locks: []Lock{target(ae), on(RolePartition, ae)},
			Example: "ALTER TABLE events DETACH PARTITION events_2024"},
		{Kind: KindDetachConcurrently, MinPG: 14, NoTransaction: true,
			Locks:   []Lock{target(sue), note(on(RolePartition, ae), "SHARE UPDATE EXCLUSIVE in the first of two transactions, ACCESS EXCLUSIVE in the second")},
			Note:    "waits for every transaction using the partitioned table; not with a default partition",
			Example: "ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY"},
		{Kind: KindDetachFinalize, MinPG: 14, Locks: []Lock{target(sue), on(RolePartition, ae)},
			Note:    "completes an interrupted DETACH ... CONCURRENTLY; fails when none is pending",
			Example: "ALTER TABLE events DETACH PARTITION events_2024 FINALIZE"},
		{Kind: KindAlterTableOther, Locks: []Lock{note(target(ae), "ACCESS EXCLUSIVE unless PostgreSQL documents less")},
			Example: "ALTER TABLE orders SET WITHOUT OIDS"},
	}
}
