package store

import "testing"

func TestDefaultStorePath(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data")
	if p, err := DefaultPath(); err != nil || p != "/data/pgrollout/pgrollout.db" {
		t.Errorf("%q %v", p, err)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/dba")
	if p, err := DefaultPath(); err != nil || p != "/home/dba/.local/share/pgrollout/pgrollout.db" {
		t.Errorf("%q %v", p, err)
	}
}
