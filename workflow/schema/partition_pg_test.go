package schema

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/internal/pgtest"
)

// TestPartitionCasesOnPostgres runs the partitioning cases on a real server
// (see internal/pgtest): PostgreSQL must reject exactly the statements the
// model rejects, and after the others hold the same tables, with the same
// columns, partition parents and inheritance parents, as the model.
func TestPartitionCasesOnPostgres(t *testing.T) {
	conn := pgtest.NewDB(t).Connect(t)
	ctx := context.Background()
	for _, tt := range partitionCases() {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.stmt, "CONCURRENTLY") {
				t.Skip("CONCURRENTLY cannot run in a transaction block")
			}
			setup := tt.setup
			if setup == "" {
				setup = partSchema
			}
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			if _, err := tx.Exec(ctx, setup); err != nil {
				t.Fatalf("setup: %v", err)
			}
			_, err = tx.Exec(ctx, tt.stmt)
			switch {
			case tt.err != "" && err == nil:
				t.Fatalf("PostgreSQL accepts what the model rejects (%s)", tt.err)
			case tt.err == "" && err != nil:
				t.Fatalf("PostgreSQL rejects what the model accepts: %v", err)
			case err != nil:
				return
			}
			m := mustBuild(t, setup+";\n"+tt.stmt)
			if got, want := catalogTables(t, tx), modelTables(m); !slices.Equal(got, want) {
				t.Errorf("PostgreSQL holds\n%s\nthe model\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// catalogTables describes the server's tables as modelTables does.
func catalogTables(t *testing.T, tx pgx.Tx) []string {
	t.Helper()
	rows, err := tx.Query(context.Background(), `
		SELECT c.relname,
		       coalesce((SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a
		                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ''),
		       coalesce((SELECT string_agg(p.relname, ',' ORDER BY i.inhseqno) FROM pg_inherits i
		                 JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid), ''),
		       c.relispartition, c.relkind = 'p'
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
		ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var name, cols, parents string
		var partition, partitioned bool
		if err := rows.Scan(&name, &cols, &parents, &partition, &partitioned); err != nil {
			t.Fatal(err)
		}
		out = append(out, describeTable(name, cols, parents, partition, partitioned))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// modelTables describes each table of the model on a line, by name.
func modelTables(m *Model) []string {
	var out []string
	for _, tb := range m.Tables {
		var cols, parents []string
		for _, c := range tb.Columns {
			cols = append(cols, c.Name)
		}
		if tb.IsPartition() {
			parents = append(parents, tb.PartitionOf.Name)
		}
		for _, p := range tb.Inherits {
			parents = append(parents, p.Name)
		}
		out = append(out, describeTable(tb.Name, strings.Join(cols, ","), strings.Join(parents, ","), tb.IsPartition(), tb.Partitioned()))
	}
	slices.Sort(out)
	return out
}

func describeTable(name, cols, parents string, partition, partitioned bool) string {
	return fmt.Sprintf("%s (%s) parents [%s] partition %v partitioned %v", name, cols, parents, partition, partitioned)
}
