package md

import "testing"

func TestCell(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "plain text", "plain text"},
		{"empty", "", "—"},
		{"blank", " \n\t ", "—"},
		{"pipe", "a | b", `a \| b`},
		{"escaped pipe stays escaped", `a\|b`, `a\\\|b`},
		{"backslash", `C:\temp`, `C:\\temp`},
		{"newline", "line one\nline two", "line one <br>line two"},
		{"crlf and cr", "one\r\ntwo\rthree", "one <br>two <br>three"},
		{"trimmed lines", "  one  \n\n  two  \n", "one <br> <br>two"},
		{"pipe and newline", "x | y\nz", `x \| y <br>z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Cell(tt.in); got != tt.want {
				t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"title", "title"},
		{"", "—"},
		{"  two\nlines\r\n  here ", "two lines here"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"payments.provider_ref", "`payments.provider_ref`"},
		{"", "—"},
		{"a `b` c", "``a `b` c``"},
		{"`edge`", "`` `edge` ``"},
		{"a ``b", "```a ``b```"},
		{"multi\nline", "`multi line`"},
	}
	for _, tt := range tests {
		if got := Code(tt.in); got != tt.want {
			t.Errorf("code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLink(t *testing.T) {
	tests := []struct{ label, name, want string }{
		{"Owner decisions", "decisions.md", "[Owner decisions](decisions.md)"},
		{"Plan [draft]", "migration/001 core.sql", `[Plan \[draft\]](migration/001%20core.sql)`},
	}
	for _, tt := range tests {
		if got := Link(tt.label, tt.name); got != tt.want {
			t.Errorf("link(%q, %q) = %q, want %q", tt.label, tt.name, got, tt.want)
		}
	}
}

func TestAbbreviate(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a bit longer than ten", 10, "a bit lon…"},
		{"first line\nsecond line", 40, "first line…"},
		{"naïve café au lait", 8, "naïve c…"},
		{"", 10, ""},
	}
	for _, tt := range tests {
		if got := Abbreviate(tt.in, tt.limit); got != tt.want {
			t.Errorf("abbreviate(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"}, {1024*1024 - 1, "1.0 MiB"},
		{148897792, "142.0 MiB"}, {16512114688, "15.4 GiB"}, {1 << 62, "4.0 EiB"}, {-2048, "-2.0 KiB"},
	}
	for _, tt := range tests {
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
