package locks

import "testing"

// TestConflictMatrix checks the whole matrix against PostgreSQL's table
// (Explicit Locking, table 13.2): X marks a conflict.
func TestConflictMatrix(t *testing.T) {
	modes := []Mode{AccessShare, RowShare, RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive}
	want := []string{
		".......X",
		"......XX",
		"....XXXX",
		"...XXXXX",
		"..XX.XXX",
		"..XXXXXX",
		".XXXXXXX",
		"XXXXXXXX",
	}
	for i, a := range modes {
		for j, b := range modes {
			if got := a.ConflictsWith(b); got != (want[i][j] == 'X') {
				t.Errorf("%s vs %s: conflict %v", a, b, got)
			}
		}
	}
	if None.ConflictsWith(AccessExclusive) {
		t.Error("no lock conflicts with nothing")
	}
}

func TestBlocks(t *testing.T) {
	tests := map[Mode]string{
		AccessExclusive:      "reads and writes",
		Exclusive:            "writes",
		ShareRowExclusive:    "writes",
		Share:                "writes",
		ShareUpdateExclusive: "schema changes and VACUUM, not reads or writes",
		RowExclusive:         "schema changes only, not reads or writes",
		AccessShare:          "schema changes only, not reads or writes",
		None:                 "nothing",
	}
	for m, want := range tests {
		if got := m.Blocks(); got != want {
			t.Errorf("%s blocks %q, want %q", m, got, want)
		}
	}
}
