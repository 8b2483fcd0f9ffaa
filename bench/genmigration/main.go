// Command genmigration writes a generated benchmark migration and its
// baseline: genmigration -n 10000 -out DIR writes DIR/migration.sql and
// DIR/baseline.sql.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pgrollout/pgrollout/bench/gensql"
)

func main() {
	n := flag.Int("n", 10000, "statements")
	out := flag.String("out", ".", "folder to write migration.sql and baseline.sql to")
	flag.Parse()
	mig, base := gensql.Migration(*n)
	for name, text := range map[string]string{"migration.sql": mig, "baseline.sql": base} {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "genmigration:", err)
			os.Exit(1)
		}
	}
}
