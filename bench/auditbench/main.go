// Command auditbench times the Audit stage's live collection (audit.Collect)
// on a large schema: it builds a database with -tables tables (a bigserial
// primary key, an index on a, an index on b for 3 tables in 10, a foreign
// key for 1 in 10, -rows rows each of which a third are deleted, analyzed:
// about 2.3 indexes a table), once,
// then audits it -runs times as `pgrollout audit` does (connect read-only,
// audit.Collect, audit.Analyze) and prints the wall time of each part and
// the number of queries of each run, then the medians of the collection
// and of the whole audit (the command adds its start and its output).
//
//	go run ./bench/auditbench [-dsn ADMIN_DSN] [-db NAME] [-tables 10000] [-rows 20] [-runs 5] [-fresh] [-trace]
//
// ADMIN_DSN defaults to PGROLLOUT_TEST_DSN, then to the test server
// (postgres://postgres@127.0.0.1:5432/postgres). The database is kept for the
// next run (its comment records the table count); -fresh rebuilds it and
// -drop drops it at the end.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/pgread"
)

func main() {
	dsn := flag.String("dsn", pgtest.ServerDSN(), "maintenance connection (superuser) to create the database with")
	name := flag.String("db", "pgrollout_bench_audit", "benchmark database")
	tables := flag.Int("tables", 10000, "tables to create")
	rows := flag.Int("rows", 20, "rows in each table (a third then deleted)")
	runs := flag.Int("runs", 5, "collections to time")
	fresh := flag.Bool("fresh", false, "rebuild the database even if it exists")
	drop := flag.Bool("drop", false, "drop the database at the end")
	trace := flag.Bool("trace", false, "print each query's time (first run)")
	flag.Parse()
	if err := run(context.Background(), *dsn, *name, *tables, *rows, *runs, *fresh, *drop, *trace); err != nil {
		fmt.Fprintln(os.Stderr, "auditbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, adminDSN, name string, tables, rows, runs int, fresh, drop, trace bool) error {
	admin, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", pgread.Redacted(adminDSN), err)
	}
	defer admin.Close(ctx)
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		return err
	}
	mark := fmt.Sprintf("pgrollout audit bench: %d tables, %d rows", tables, rows)
	var comment *string
	err = admin.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name).Scan(&comment)
	exists := err == nil
	if err != nil && err != pgx.ErrNoRows {
		return err
	}
	if fresh || !exists || comment == nil || *comment != mark {
		start := time.Now()
		if err := build(ctx, admin, dsn, name, tables, rows); err != nil {
			return err
		}
		if _, err := admin.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS '%s'", pgx.Identifier{name}.Sanitize(), mark)); err != nil {
			return err
		}
		fmt.Printf("built %s in %s\n", name, time.Since(start).Round(time.Millisecond))
	}
	if drop {
		defer func() {
			_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		}()
	}

	var wholes, collects []time.Duration
	for i := range runs {
		var opts []pgread.Option
		if trace && i == 0 {
			opts = append(opts, pgread.WithTracer(&tracer{}))
		}
		start := time.Now()
		c, err := pgread.Open(ctx, dsn, opts...)
		if err != nil {
			return err
		}
		connected := time.Now()
		s, err := audit.Collect(ctx, c)
		collected := time.Now()
		queries := c.Queries()
		_ = c.Close(ctx)
		if err != nil {
			return err
		}
		report := audit.Analyze(s)
		analyzed := time.Now()
		wholes = append(wholes, analyzed.Sub(start))
		collects = append(collects, collected.Sub(connected))
		if i == 0 {
			data, _ := json.Marshal(s)
			fmt.Printf("snapshot: %d tables, %d indexes, %d foreign keys, %d sequences, %d bloat rows, %d statements; %.1f MB of JSON; %d findings\n",
				len(s.Tables), len(s.Indexes), len(s.ForeignKeys), len(s.Sequences), len(s.Bloat), len(s.Statements), float64(len(data))/(1<<20), len(report.Findings))
			for _, sec := range s.Sections {
				fmt.Printf("  %-12s %-9s %s\n", sec.Name, sec.Status, sec.Reason)
			}
		}
		fmt.Printf("run %d: %s (connect %s, collect %s, analyze %s), %d queries (BEGIN, SAVEPOINT and ROLLBACK included)\n", i+1,
			ms(analyzed.Sub(start)), ms(connected.Sub(start)), ms(collected.Sub(connected)), ms(analyzed.Sub(collected)), queries)
	}
	summary := func(what string, ds []time.Duration) {
		if len(ds) == 0 {
			return
		}
		slices.Sort(ds)
		fmt.Printf("%s: min %s, median %s, max %s over %d runs\n", what, ms(ds[0]), ms(ds[len(ds)/2]), ms(ds[len(ds)-1]), len(ds))
	}
	summary("collect wall time", collects)
	summary("whole audit wall time (connect, collect, analyze)", wholes)
	return nil
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// batch is how many tables one DDL statement creates: each table takes a
// few locks until its transaction commits.
const batch = 500

// build (re)creates the database and its schema, batch tables to a
// statement.
func build(ctx context.Context, admin *pgx.Conn, dsn, name string, tables, rows int) error {
	ident := pgx.Identifier{name}.Sanitize()
	for _, sql := range []string{"DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)", "CREATE DATABASE " + ident} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return err
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for from := 1; from <= tables; from += batch {
		to := min(from+batch-1, tables)
		sql := fmt.Sprintf(`DO $$
BEGIN
  FOR i IN %d..%d LOOP
    EXECUTE format('CREATE TABLE t%%s (id bigserial PRIMARY KEY, parent_id bigint%%s, a int, b text, c timestamptz DEFAULT now())',
                   i, CASE WHEN i %% 10 = 0 THEN format(' REFERENCES t%%s (id)', i - 1) ELSE '' END);
    EXECUTE format('CREATE INDEX ON t%%s (a)', i);
    IF i %% 10 IN (1, 4, 7) THEN
      EXECUTE format('CREATE INDEX ON t%%s (b)', i);
    END IF;
    EXECUTE format('INSERT INTO t%%s (a, b) SELECT g, repeat(''x'', 100) FROM generate_series(1, %d) g', i);
    EXECUTE format('DELETE FROM t%%s WHERE id %%%% 3 = 0', i);
  END LOOP;
END $$`, from, to, rows)
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("tables %d to %d: %w", from, to, err)
		}
	}
	_, err = conn.Exec(ctx, "ANALYZE")
	return err
}

// withDatabase points a URL or key=value DSN at another database.
func withDatabase(dsn, db string) (string, error) {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		return u.String(), nil
	}
	if strings.Contains(dsn, "=") || dsn == "" {
		return strings.TrimSpace(dsn + " dbname=" + db), nil
	}
	return "", fmt.Errorf("cannot point %s at database %s", pgread.Redacted(dsn), db)
}

// tracer prints each query's session (its backend pid), start (from the
// first query of the run), time and command tag. Both sessions of a
// collection trace through it at once.
type tracer struct {
	mu    sync.Mutex
	first time.Time
}

// startKey keys a query's start time in its context.
type startKey struct{}

func (t *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	now := time.Now()
	t.mu.Lock()
	if t.first.IsZero() {
		t.first = now
	}
	t.mu.Unlock()
	return context.WithValue(ctx, startKey{}, now)
}

func (t *tracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	start, _ := ctx.Value(startKey{}).(time.Time)
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Printf("  pid %-7d at %8s  %8s  %s\n", conn.PgConn().PID(), start.Sub(t.first).Round(100*time.Microsecond),
		time.Since(start).Round(100*time.Microsecond), data.CommandTag)
}
