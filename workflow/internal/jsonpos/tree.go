package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
)

// kind is the JSON type of a value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is one value of a document, with where it starts and ends.
type node struct {
	kind       kind
	start, end int      // byte offsets: data[start:end] is the value's text
	keys       []string // object member names, in order
	keyAt      []int    // byte offset of each member name
	kids       []*node  // object member values or array elements, in order
}

// innermost returns the deepest value that contains the byte at offset.
func (n *node) innermost(offset int) *node {
	for _, k := range n.kids {
		if k.start <= offset && offset < k.end {
			return k.innermost(offset)
		}
	}
	return n
}

// member returns the index of the object member named key: an exact match
// first, then one that differs only in case (encoding/json matches fields
// that way), or -1.
func (n *node) member(key string) int {
	fold := -1
	for i, k := range n.keys {
		if k == key {
			return i
		}
		if fold < 0 && strings.EqualFold(k, key) {
			fold = i
		}
	}
	return fold
}

// Doc is a parsed JSON document that knows where each of its values is.
type Doc struct {
	name string
	data []byte
	root *node
}

// Parse reads one JSON document from data. Syntax errors come back as *Error
// at the offending character of the named file.
func Parse(name string, data []byte) (*Doc, error) {
	// encoding/json's full validation first: it reports syntax errors with
	// an offset and bounds the nesting depth before the tree is built.
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, At(name, data, int(se.Offset)-1, se)
		}
		return nil, At(name, data, 0, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	b := builder{data: data, dec: dec}
	root, err := b.value()
	if err != nil {
		return nil, At(name, data, int(dec.InputOffset()), fmt.Errorf("reading JSON: %w", err))
	}
	return &Doc{name: name, data: data, root: root}, nil
}

// Name is the file name errors are reported against.
func (d *Doc) Name() string { return d.name }

// builder turns a decoder's tokens into nodes.
type builder struct {
	data []byte
	dec  *json.Decoder
}

// next reads a token and returns where it starts.
func (b *builder) next() (int, json.Token, error) {
	start := b.skip(int(b.dec.InputOffset()))
	tok, err := b.dec.Token()
	return start, tok, err
}

// skip moves past white space and the separators the decoder consumes with
// the following token.
func (b *builder) skip(i int) int {
	for i < len(b.data) {
		switch b.data[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
		default:
			return i
		}
	}
	return i
}

// value reads one complete value.
func (b *builder) value() (*node, error) {
	start, tok, err := b.next()
	if err != nil {
		return nil, err
	}
	n := &node{start: start}
	switch t := tok.(type) {
	case json.Delim:
		if err := b.container(n, t); err != nil {
			return nil, err
		}
	case string:
		n.kind = kindString
	case json.Number:
		n.kind = kindNumber
	case bool:
		n.kind = kindBool
	case nil:
		n.kind = kindNull
	default:
		return nil, fmt.Errorf("unexpected token %v", tok)
	}
	n.end = int(b.dec.InputOffset())
	return n, nil
}

// container reads the members of an object or the elements of an array
// after its opening delimiter, and the closing one.
func (b *builder) container(n *node, open json.Delim) error {
	switch open {
	case '{':
		n.kind = kindObject
		for b.dec.More() {
			at, tok, err := b.next()
			if err != nil {
				return err
			}
			key, ok := tok.(string)
			if !ok {
				return fmt.Errorf("object key %v is not a string", tok)
			}
			kid, err := b.value()
			if err != nil {
				return err
			}
			n.keys = append(n.keys, key)
			n.keyAt = append(n.keyAt, at)
			n.kids = append(n.kids, kid)
		}
	case '[':
		n.kind = kindArray
		for b.dec.More() {
			kid, err := b.value()
			if err != nil {
				return err
			}
			n.kids = append(n.kids, kid)
		}
	default:
		return fmt.Errorf("unexpected %q", rune(open))
	}
	_, err := b.dec.Token() // the closing delimiter
	return err
}

// Locate returns err located at the value that path leads to from the
// document's root. Path steps are object member names (string) and array
// indexes (int). Where the path leads nowhere (a member that is absent), err
// is placed at the deepest value reached, usually the record it belongs to.
// An err that is already an *Error is returned unchanged.
func (d *Doc) Locate(err error, path ...any) error {
	if err == nil {
		return nil
	}
	var located *Error
	if errors.As(err, &located) {
		return err
	}
	return At(d.name, d.data, d.find(path).start, err)
}

// Pos returns the position of the value that path leads to, as Locate finds it.
func (d *Doc) Pos(path ...any) workflow.Position {
	line, col := LineCol(d.data, d.find(path).start)
	return workflow.Position{File: d.name, Line: line, Column: col}
}

// Has reports whether path leads to a value: whether a member is present,
// null or not.
func (d *Doc) Has(path ...any) bool {
	n := d.root
	for _, step := range path {
		next := d.step(n, step)
		if next < 0 {
			return false
		}
		n = n.kids[next]
	}
	return true
}

// find follows path as far as it goes.
func (d *Doc) find(path []any) *node {
	n := d.root
	for _, step := range path {
		next := d.step(n, step)
		if next < 0 {
			break
		}
		n = n.kids[next]
	}
	return n
}

// step returns the index in n.kids that one path step leads to, or -1.
func (d *Doc) step(n *node, step any) int {
	switch s := step.(type) {
	case string:
		if n.kind == kindObject {
			return n.member(s)
		}
	case int:
		if n.kind == kindArray && s >= 0 && s < len(n.kids) {
			return s
		}
	}
	return -1
}

// describe says what a value is, for error messages: a literal when it is
// short enough to quote, its type otherwise.
func (d *Doc) describe(n *node) string {
	text := string(d.data[n.start:n.end])
	switch n.kind {
	case kindArray:
		return "an array"
	case kindObject:
		return "an object"
	case kindString:
		if len(text) > 42 {
			return "a string"
		}
	case kindNumber:
		if len(text) > 40 {
			return "a number"
		}
	}
	return text
}
