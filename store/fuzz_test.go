package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/pgrollout/pgrollout/workflow"
)

func FuzzDecodeRecord(f *testing.F) {
	p := sampleProject("Checkout")
	for _, v := range []any{p.Meta, p.Documents[0], p.Decisions[0], p.Decisions[0].History[1], "review-orders-status"} {
		b, err := encodeRecord(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `{"v":1}`, `{"v":1,"data":null}`, `{"v":2,"data":{}}`,
		`{"v":-1,"data":{}}`, `{"v":1e99,"data":{}}`, `{"v":1,"data":{"stage":"nope"}}`,
		`{"v":1,"data":{"stage":7}}`, `{"v":1,"data":{"at":"not a time"}}`, `{"v":1,"data":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(v any) {
			err := decodeRecord(b, v)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewerFormat) {
					t.Fatalf("decode into %T: %v is neither ErrCorrupt nor ErrNewerFormat", v, err)
				}
				return
			}
			// What decodes re-encodes, and reads back.
			again, err := encodeRecord(v)
			if err != nil {
				t.Fatalf("re-encode %T: %v", v, err)
			}
			if err := decodeRecord(again, v); err != nil {
				t.Fatalf("decode re-encoded %T: %v", v, err)
			}
		}
		check(new(workflow.ProjectMeta))
		check(new(workflow.Document))
		check(new(workflow.Decision))
		check(new(workflow.DecisionChange))
		check(new(string))
	})
}

// FuzzOpen opens arbitrary bytes as a store file. Open must not panic or
// crash; a file it refuses must be left byte for byte as it was; a file it
// accepts must be usable.
func FuzzOpen(f *testing.F) {
	// Small seeds keep the fuzzer quick: 1 KiB pages, the file cut to its data.
	for _, pageSize := range []int{1024, os.Getpagesize()} {
		b := smallStore(f, pageSize)
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)-pageSize])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "store.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(t.Context(), path)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrForeign) && !errors.Is(err, ErrNewerFormat) {
				t.Errorf("unexpected kind of error: %v", err)
			}
			after, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(after, data) {
				t.Fatalf("refused file changed (%v): %v", rerr, err)
			}
			return
		}
		defer s.Close()
		s.db.NoSync = true // fsync is not under test; it would slow the fuzzer down
		// Whatever Open accepted must be readable and writable without a
		// panic; errors are fine (a record may still be damaged).
		ps, err := s.Projects(t.Context())
		if err == nil {
			for _, m := range ps {
				_, _ = s.LoadProject(t.Context(), m.ID)
				_, _ = s.AppendDecisionChange(t.Context(), m.ID, "review-orders-status",
					workflow.DecisionChange{State: workflow.Blocked, Reason: "fuzz"})
			}
		}
		_, _ = s.CreateProject(t.Context(), workflow.Project{Meta: workflow.ProjectMeta{Name: "Fuzz"}})
		_ = s.DeleteProject(t.Context(), "small")
	})
}

// smallStore returns the bytes of a store with pages of pageSize bytes
// holding one small project, cut to the end of its data.
func smallStore(t testing.TB, pageSize int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(initStore); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	p := sampleProject("Small")
	p.Documents = p.Documents[:1]
	mustCreate(t, s, p)
	var size int64
	if err := s.db.View(func(tx *bbolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b[:size]
}
