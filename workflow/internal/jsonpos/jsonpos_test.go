package jsonpos

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
)

type change struct {
	At    time.Time      `json:"at"`
	State string         `json:"state"`
	Stage workflow.Stage `json:"stage"`
	Note  *string        `json:"note"`
}

type record struct {
	ID      string            `json:"id"`
	Count   int64             `json:"count"`
	Ratio   float64           `json:"ratio"`
	Small   uint8             `json:"small"`
	OK      bool              `json:"ok"`
	Tags    []string          `json:"tags"`
	Labels  map[string]string `json:"labels"`
	History []change          `json:"history"`
	skipped int
	Ignored string `json:"-"`
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncdé\n\nx")
	tests := []struct {
		offset, line, col int
	}{
		{0, 1, 1},
		{2, 1, 3},
		{3, 2, 1},
		{7, 2, 4}, // after the two-byte é: one character
		{8, 3, 1},
		{9, 4, 1},
		{99, 4, 2}, // clamped to the end
		{-5, 1, 1},
	}
	for _, tt := range tests {
		line, col := LineCol(data, tt.offset)
		if line != tt.line || col != tt.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tt.offset, line, col, tt.line, tt.col)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"syntax", "{\n  \"id\": \"a\",\n  \"count\" 2\n}", `f.json:3:11: invalid character '2' after object key`},
		{"truncated", `[{"id": "a"`, `f.json:1:11: unexpected end of JSON input`},
		{"empty", ``, `f.json:1:1: unexpected end of JSON input`},
		{"trailing", "[]\n]", `f.json:2:1: invalid character ']' after top-level value`},
		{"null root", `null`, `f.json:1:1: want an array, got null`},
		{"object root", ` {}`, `f.json:1:2: want an array, got an object`},
		{"string for int", `[{"id": "a", "count": "12"}]`, `f.json:1:23: [0].count: want an integer (64-bit), got "12"`},
		{"fraction for int", `[{"count": 1.5}]`, `f.json:1:12: [0].count: want an integer (64-bit), got 1.5`},
		{"out of range", `[{"small": 300}]`, `f.json:1:12: [0].small: want a non-negative integer (8-bit), got 300`},
		{"negative uint", `[{"small": -1}]`, `f.json:1:12: [0].small: want a non-negative integer (8-bit), got -1`},
		{"float overflow", `[{"ratio": 1e999}]`, `f.json:1:12: [0].ratio: want a number, got 1e999`},
		{"null for int", `[{"count": null}]`, `f.json:1:12: [0].count: want an integer (64-bit), got null`},
		{"bool", `[{"ok": "yes"}]`, `f.json:1:9: [0].ok: want true or false, got "yes"`},
		{"unknown field", "[\n  {\"id\": \"a\", \"colour\": 1}\n]", `f.json:2:15: [0]: unknown field "colour" (want id, count, ratio, small, ok, tags, labels, history)`},
		{"unexported field", `[{"skipped": 1}]`, `f.json:1:3: [0]: unknown field "skipped"`},
		{"dash field", `[{"Ignored": "x"}]`, `f.json:1:3: [0]: unknown field "Ignored"`},
		{"twice", `[{"id": "a", "ID": "b"}]`, `f.json:1:14: [0]: field "id" given twice`},
		{"map key twice", `[{"labels": {"a": "1", "a": "2"}}]`, `f.json:1:24: [0].labels: key "a" given twice`},
		{"map value", `[{"labels": {"a": 1}}]`, `f.json:1:19: [0].labels.a: want a string, got 1`},
		{"array", `[{"tags": "x"}]`, `f.json:1:11: [0].tags: want an array, got "x"`},
		{"nested", "[{\"history\": [{}, {\"at\": \"yesterday\"}]}]", `f.json:1:26: [0].history[1].at: want an RFC 3339 time such as "2026-10-30T15:40:00Z", got "yesterday"`},
		{"text unmarshaler", `[{"history": [{"stage": "reveiw"}]}]`, `f.json:1:25: [0].history[0].stage: unknown stage "reveiw"`},
		{"text unmarshaler type", `[{"history": [{"stage": 3}]}]`, `f.json:1:25: [0].history[0].stage: want a string, got 3`},
		{"long string", `[{"count": "` + strings.Repeat("x", 60) + `"}]`, `want an integer (64-bit), got a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []record
			doc, err := Parse("f.json", []byte(tt.json))
			if err == nil {
				err = doc.Decode(&out)
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, tt.want)
			}
			var located *Error
			if !errors.As(err, &located) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	data := `[
  {"id": "a", "Count": 3, "ratio": 0.5, "small": 255, "ok": true, "tags": null, "labels": {"x": "y"},
   "history": [{"at": "2026-10-30T15:40:00Z", "state": "accepted", "stage": "review", "note": null},
               {"at": null}]}
]`
	doc, err := Parse("f.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	if err := doc.Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Count != 3 || out[0].Small != 255 || len(out[0].History) != 2 ||
		out[0].History[0].Stage != workflow.StageReview || !out[0].History[1].At.IsZero() {
		t.Errorf("decoded %+v", out)
	}
}

func TestDecodeNeedsPointer(t *testing.T) {
	doc, err := Parse("f.json", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var r record
	if err := doc.Decode(r); err == nil {
		t.Error("Decode of a non-pointer succeeded")
	}
}

func TestLocate(t *testing.T) {
	data := "[\n  {\"id\": \"a\",\n   \"history\": [\n     {\"state\": \"maybe\"}\n   ]}\n]"
	doc, err := Parse("d.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("unknown decision state \"maybe\"")
	tests := []struct {
		path []any
		want string
	}{
		{[]any{0, "history", 0, "state"}, "d.json:4:16: "},
		{[]any{0, "history", 0}, "d.json:4:6: "},
		{[]any{0, "history", 0, "owner"}, "d.json:4:6: "}, // absent: the record
		{[]any{0, "HISTORY", 7}, "d.json:3:15: "},         // out of range: the array
		{[]any{0, 1.5}, "d.json:2:3: "},                   // not a step: where it stopped
		{nil, "d.json:1:1: "},
	}
	for _, tt := range tests {
		err := doc.Locate(cause, tt.path...)
		if got, want := err.Error(), tt.want+cause.Error(); got != want {
			t.Errorf("Locate(%v) = %q, want %q", tt.path, got, want)
		}
		if !errors.Is(err, cause) {
			t.Errorf("Locate(%v) does not wrap the cause", tt.path)
		}
		if p := doc.Pos(tt.path...); p.String()+": " != tt.want {
			t.Errorf("Pos(%v) = %s, want %s", tt.path, p, tt.want)
		}
	}
	for _, tt := range []struct {
		path []any
		want bool
	}{
		{[]any{0, "history", 0, "state"}, true},
		{[]any{0, "History"}, true},
		{[]any{0, "history", 0, "owner"}, false},
		{[]any{1}, false},
		{[]any{"id"}, false},
		{nil, true},
	} {
		if got := doc.Has(tt.path...); got != tt.want {
			t.Errorf("Has(%v) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if doc.Locate(nil, 0) != nil {
		t.Error("Locate(nil) is not nil")
	}
	located := doc.Locate(cause, 0)
	if again := doc.Locate(located, 0, "history"); again != located {
		t.Errorf("Locate moved an already located error: %v", again)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`[{"id": "a", "count": 1, "history": [{"at": "2026-10-30T15:40:00Z", "stage": "review"}]}]`))
	f.Add([]byte(`[{"labels": {"a": "1"}, "tags": ["x"], "ok": false, "ratio": -1e3}]`))
	f.Add([]byte(`{"a":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("f.json", data)
		if err != nil {
			checkLocated(t, err)
			return
		}
		var out []record
		if err := doc.Decode(&out); err != nil {
			checkLocated(t, err)
			return
		}
		_ = doc.Locate(errors.New("x"), 0, "history", 0, "at")
	})
}

// checkLocated fails unless err is an *Error with a real position.
func checkLocated(t *testing.T, err error) {
	t.Helper()
	var located *Error
	if !errors.As(err, &located) {
		t.Fatalf("error %T is not located: %v", err, err)
	}
	if located.Pos.File != "f.json" || located.Pos.Line < 1 || located.Pos.Column < 1 {
		t.Fatalf("bad position %+v in %v", located.Pos, err)
	}
}
