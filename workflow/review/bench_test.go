package review

import (
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/bench/gensql"
)

// BenchmarkReview10k reviews a generated 10,000-statement migration against
// its baseline, every rule enabled (bench/review.sh compares it with squawk).
func BenchmarkReview10k(b *testing.B) {
	mig, base := gensql.Migration(10000)
	b.SetBytes(int64(len(mig)))
	for b.Loop() {
		res, err := Review([]Source{{Name: "migration.sql", Text: mig}}, Options{Baseline: []Source{{Name: "baseline.sql", Text: base}}})
		if err != nil {
			b.Fatal(err)
		}
		if res.Statements != 10000 {
			b.Fatalf("%d statements", res.Statements)
		}
	}
}

// BenchmarkParseOnly is the floor under BenchmarkReview10k: PostgreSQL's
// parser alone (pg_query_go, through its protobuf round trip) on the same
// migration.
func BenchmarkParseOnly(b *testing.B) {
	mig, _ := gensql.Migration(10000)
	b.SetBytes(int64(len(mig)))
	for b.Loop() {
		if _, err := pg_query.Parse(mig); err != nil {
			b.Fatal(err)
		}
	}
}
