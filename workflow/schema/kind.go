package schema

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// describe returns a statement's human kind label and its main target.
func describe(n *pg_query.Node) (kind, target string) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		return "CREATE TABLE", rangeVarName(s.CreateStmt.Relation)
	case *pg_query.Node_AlterTableStmt:
		return "ALTER " + objectTypeLabel(s.AlterTableStmt.Objtype), rangeVarName(s.AlterTableStmt.Relation)
	case *pg_query.Node_IndexStmt:
		if s.IndexStmt.Unique {
			return "CREATE UNIQUE INDEX", rangeVarName(s.IndexStmt.Relation)
		}
		return "CREATE INDEX", rangeVarName(s.IndexStmt.Relation)
	case *pg_query.Node_DropStmt:
		d := s.DropStmt
		return "DROP " + objectTypeLabel(d.RemoveType), dropTarget(d)
	case *pg_query.Node_RenameStmt:
		return renameKind(s.RenameStmt), renameTarget(s.RenameStmt)
	case *pg_query.Node_InsertStmt:
		return "INSERT", rangeVarName(s.InsertStmt.Relation)
	case *pg_query.Node_UpdateStmt:
		return "UPDATE", rangeVarName(s.UpdateStmt.Relation)
	case *pg_query.Node_DeleteStmt:
		return "DELETE", rangeVarName(s.DeleteStmt.Relation)
	case *pg_query.Node_MergeStmt:
		return "MERGE", rangeVarName(s.MergeStmt.Relation)
	case *pg_query.Node_TruncateStmt:
		return "TRUNCATE", firstRangeVar(s.TruncateStmt.Relations)
	case *pg_query.Node_LockStmt:
		return "LOCK", firstRangeVar(s.LockStmt.Relations)
	case *pg_query.Node_TransactionStmt:
		return transactionKind(s.TransactionStmt.Kind), ""
	case *pg_query.Node_VariableSetStmt:
		if s.VariableSetStmt.Kind == pg_query.VariableSetKind_VAR_RESET ||
			s.VariableSetStmt.Kind == pg_query.VariableSetKind_VAR_RESET_ALL {
			return "RESET", s.VariableSetStmt.Name
		}
		return "SET", s.VariableSetStmt.Name
	case *pg_query.Node_CreateEnumStmt:
		return "CREATE TYPE", nameList(s.CreateEnumStmt.TypeName)
	case *pg_query.Node_AlterEnumStmt:
		return "ALTER TYPE", nameList(s.AlterEnumStmt.TypeName)
	case *pg_query.Node_CompositeTypeStmt:
		return "CREATE TYPE", rangeVarName(s.CompositeTypeStmt.Typevar)
	case *pg_query.Node_CreateSchemaStmt:
		return "CREATE SCHEMA", s.CreateSchemaStmt.Schemaname
	case *pg_query.Node_CreateSeqStmt:
		return "CREATE SEQUENCE", rangeVarName(s.CreateSeqStmt.Sequence)
	case *pg_query.Node_AlterSeqStmt:
		return "ALTER SEQUENCE", rangeVarName(s.AlterSeqStmt.Sequence)
	case *pg_query.Node_ViewStmt:
		return "CREATE VIEW", rangeVarName(s.ViewStmt.View)
	case *pg_query.Node_CreateTableAsStmt:
		c := s.CreateTableAsStmt
		if c.Objtype == pg_query.ObjectType_OBJECT_MATVIEW {
			return "CREATE MATERIALIZED VIEW", rangeVarName(c.GetInto().GetRel())
		}
		return "CREATE TABLE AS", rangeVarName(c.GetInto().GetRel())
	case *pg_query.Node_RefreshMatViewStmt:
		return "REFRESH MATERIALIZED VIEW", rangeVarName(s.RefreshMatViewStmt.Relation)
	case *pg_query.Node_CreateTrigStmt:
		return "CREATE TRIGGER", rangeVarName(s.CreateTrigStmt.Relation)
	case *pg_query.Node_CreateFunctionStmt:
		if s.CreateFunctionStmt.IsProcedure {
			return "CREATE PROCEDURE", nameList(s.CreateFunctionStmt.Funcname)
		}
		return "CREATE FUNCTION", nameList(s.CreateFunctionStmt.Funcname)
	case *pg_query.Node_CreateExtensionStmt:
		return "CREATE EXTENSION", s.CreateExtensionStmt.Extname
	case *pg_query.Node_VacuumStmt:
		kind := "ANALYZE"
		if s.VacuumStmt.IsVacuumcmd {
			kind = "VACUUM"
		}
		if len(s.VacuumStmt.Rels) > 0 {
			return kind, rangeVarName(s.VacuumStmt.Rels[0].GetVacuumRelation().GetRelation())
		}
		return kind, ""
	case *pg_query.Node_ReindexStmt:
		r := s.ReindexStmt
		if r.Relation != nil {
			return "REINDEX", rangeVarName(r.Relation)
		}
		return "REINDEX", r.Name
	case *pg_query.Node_ClusterStmt:
		return "CLUSTER", rangeVarName(s.ClusterStmt.Relation)
	case *pg_query.Node_CopyStmt:
		return "COPY", rangeVarName(s.CopyStmt.Relation)
	case *pg_query.Node_GrantStmt:
		if s.GrantStmt.IsGrant {
			return "GRANT", ""
		}
		return "REVOKE", ""
	case *pg_query.Node_SelectStmt:
		return "SELECT", ""
	case *pg_query.Node_ExplainStmt:
		return "EXPLAIN", ""
	case *pg_query.Node_DoStmt:
		return "DO", ""
	case *pg_query.Node_CallStmt:
		return "CALL", nameList(s.CallStmt.GetFunccall().GetFuncname())
	case *pg_query.Node_CommentStmt:
		return "COMMENT ON " + objectTypeLabel(s.CommentStmt.Objtype), ""
	}
	return describeOther(n)
}

// describeOther labels the less common statements whose node name does not
// read as SQL; anything else gets a label derived from its node type.
func describeOther(n *pg_query.Node) (kind, target string) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_RuleStmt:
		return "CREATE RULE", rangeVarName(s.RuleStmt.Relation)
	case *pg_query.Node_DefineStmt:
		return "CREATE " + objectTypeLabel(s.DefineStmt.Kind), nameList(s.DefineStmt.Defnames)
	case *pg_query.Node_AlterOwnerStmt:
		o := s.AlterOwnerStmt
		return "ALTER " + objectTypeLabel(o.ObjectType) + " OWNER", firstNonEmpty(rangeVarName(o.Relation), objectName(o.Object))
	case *pg_query.Node_AlterObjectSchemaStmt:
		o := s.AlterObjectSchemaStmt
		return "ALTER " + objectTypeLabel(o.ObjectType) + " SET SCHEMA", firstNonEmpty(rangeVarName(o.Relation), objectName(o.Object))
	case *pg_query.Node_VariableShowStmt:
		return "SHOW", s.VariableShowStmt.Name
	case *pg_query.Node_ConstraintsSetStmt:
		return "SET CONSTRAINTS", ""
	case *pg_query.Node_CreateStatsStmt:
		return "CREATE STATISTICS", nameList(s.CreateStatsStmt.Defnames)
	case *pg_query.Node_CreatedbStmt:
		return "CREATE DATABASE", s.CreatedbStmt.Dbname
	case *pg_query.Node_DropdbStmt:
		return "DROP DATABASE", s.DropdbStmt.Dbname
	case *pg_query.Node_CreateTableSpaceStmt:
		return "CREATE TABLESPACE", s.CreateTableSpaceStmt.Tablespacename
	case *pg_query.Node_CreateEventTrigStmt:
		return "CREATE EVENT TRIGGER", s.CreateEventTrigStmt.Trigname
	case *pg_query.Node_ClosePortalStmt:
		return "CLOSE", s.ClosePortalStmt.Portalname
	}
	return genericKind(n), ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// genericKind derives a label from the parse node's type for statements
// without a dedicated label: alter_domain_stmt -> "ALTER DOMAIN".
func genericKind(n *pg_query.Node) string {
	if n == nil {
		return "UNKNOWN"
	}
	m := n.ProtoReflect()
	od := m.Descriptor().Oneofs().ByName("node")
	if od == nil {
		return "UNKNOWN"
	}
	fd := m.WhichOneof(od)
	if fd == nil {
		return "UNKNOWN"
	}
	name := strings.TrimSuffix(string(fd.Name()), "_stmt")
	return strings.ToUpper(strings.ReplaceAll(name, "_", " "))
}

func transactionKind(k pg_query.TransactionStmtKind) string {
	switch k {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN:
		return "BEGIN"
	case pg_query.TransactionStmtKind_TRANS_STMT_START:
		return "START TRANSACTION"
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		return "COMMIT"
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		return "ROLLBACK"
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		return "SAVEPOINT"
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
		return "RELEASE SAVEPOINT"
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return "ROLLBACK TO SAVEPOINT"
	case pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
		return "PREPARE TRANSACTION"
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED:
		return "COMMIT PREPARED"
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
		return "ROLLBACK PREPARED"
	}
	return "TRANSACTION"
}

// objectTypeLabel renders an object type as SQL words: OBJECT_MATVIEW ->
// "MATERIALIZED VIEW".
func objectTypeLabel(t pg_query.ObjectType) string {
	switch t {
	case pg_query.ObjectType_OBJECT_MATVIEW:
		return "MATERIALIZED VIEW"
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		return "CONSTRAINT"
	case pg_query.ObjectType_OBJECT_FDW:
		return "FOREIGN DATA WRAPPER"
	case pg_query.ObjectType_OBJECT_FOREIGN_SERVER:
		return "SERVER"
	case pg_query.ObjectType_OBJECT_STATISTIC_EXT:
		return "STATISTICS"
	case pg_query.ObjectType_OBJECT_LARGEOBJECT:
		return "LARGE OBJECT"
	case pg_query.ObjectType_OBJECT_TYPE_UNDEFINED:
		return "OBJECT"
	}
	name := strings.TrimPrefix(t.String(), "OBJECT_")
	return strings.ReplaceAll(name, "_", " ")
}

func renameKind(r *pg_query.RenameStmt) string {
	switch r.RenameType {
	case pg_query.ObjectType_OBJECT_COLUMN:
		return "ALTER " + objectTypeLabel(r.RelationType) + " RENAME COLUMN"
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		return "ALTER TABLE RENAME CONSTRAINT"
	}
	return "ALTER " + objectTypeLabel(r.RenameType) + " RENAME"
}

func renameTarget(r *pg_query.RenameStmt) string {
	if r.Relation != nil {
		return rangeVarName(r.Relation)
	}
	return objectName(r.Object)
}

func dropTarget(d *pg_query.DropStmt) string {
	if len(d.Objects) == 0 {
		return ""
	}
	return objectName(d.Objects[0])
}

// objectName renders an object reference of a DROP/RENAME/COMMENT: a name
// list, a type name, or a plain string.
func objectName(n *pg_query.Node) string {
	switch o := n.GetNode().(type) {
	case *pg_query.Node_List:
		return nameList(o.List.Items)
	case *pg_query.Node_TypeName:
		return nameList(o.TypeName.Names)
	case *pg_query.Node_String_:
		return o.String_.Sval
	case *pg_query.Node_ObjectWithArgs:
		return nameList(o.ObjectWithArgs.Objname)
	}
	return ""
}

// nameList joins a list of String nodes with dots: [app orders] -> "app.orders".
// A leading database name ([db app orders]) is left out: PostgreSQL only
// accepts the current database there, so it names nothing.
func nameList(ns []*pg_query.Node) string {
	parts := make([]string, 0, len(ns))
	for _, n := range ns {
		if s := n.GetString_(); s != nil {
			parts = append(parts, s.Sval)
		}
	}
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return strings.Join(parts, ".")
}

func rangeVarName(rv *pg_query.RangeVar) string {
	if rv == nil {
		return ""
	}
	return QualifiedName{Schema: rv.Schemaname, Name: rv.Relname}.String()
}

func firstRangeVar(ns []*pg_query.Node) string {
	if len(ns) == 0 {
		return ""
	}
	return rangeVarName(ns[0].GetRangeVar())
}
