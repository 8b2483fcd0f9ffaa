package audit

import (
	"context"
	"os"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/pgread"
)

// BenchmarkAnalyzeLarge analyzes a snapshot of the database bench/audit.sh
// builds (10,000 tables, 23,000 indexes), named by PGROLLOUT_BENCH_DSN.
func BenchmarkAnalyzeLarge(b *testing.B) {
	dsn := os.Getenv("PGROLLOUT_BENCH_DSN")
	if dsn == "" {
		b.Skip("set PGROLLOUT_BENCH_DSN to the database bench/audit.sh builds")
	}
	c, err := pgread.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	s, err := Collect(context.Background(), c)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(s.Tables)), "tables")
	b.ReportMetric(float64(len(s.Indexes)), "indexes")
	for b.Loop() {
		Analyze(s)
	}
}
