package jsonpos

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Decode stores the document in v, which must be a non-nil pointer. It is
// stricter than encoding/json: a member that matches no field, a field given
// twice, a top-level null, null where the field is not a pointer, slice or
// map, and a value of the wrong type are errors, each located at the value or
// member name in question.
func (d *Doc) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("jsonpos: Decode needs a non-nil pointer, not %T", v)
	}
	t := rv.Type().Elem()
	if d.root.kind == kindNull {
		return d.want(d.root, "", t)
	}
	if err := d.check(d.root, t, ""); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(d.data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		// check accepted what encoding/json refuses: place the error as
		// well as encoding/json lets us.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return At(d.name, d.data, d.root.innermost(int(te.Offset)-1).start, err)
		}
		return At(d.name, d.data, d.root.start, err)
	}
	return nil
}

// check walks the value n alongside the Go type t it is to be stored in.
func (d *Doc) check(n *node, t reflect.Type, path string) error {
	switch {
	case t.Kind() == reflect.Interface, t == reflect.TypeFor[json.RawMessage]():
		return nil
	case t == reflect.TypeFor[time.Time]():
		return d.checkTime(n, path)
	case t.Kind() != reflect.Pointer && decodesItself(t),
		t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		// Let encoding/json try the value alone, to learn whether it fits.
		if err := json.Unmarshal(d.data[n.start:n.end], reflect.New(t).Interface()); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return d.want(n, path, t)
			}
			return d.fail(n.start, path, err)
		}
		return nil
	}
	if n.kind == kindNull {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			return nil
		}
		return d.want(n, path, t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return d.check(n, t.Elem(), path)
	case reflect.Struct:
		return d.checkStruct(n, t, path)
	case reflect.Map:
		return d.checkMap(n, t, path)
	case reflect.Slice, reflect.Array:
		if n.kind != kindArray {
			return d.want(n, path, t)
		}
		if t.Kind() == reflect.Array && len(n.kids) > t.Len() {
			return d.fail(n.start, path, fmt.Errorf("want at most %d elements, got %d", t.Len(), len(n.kids)))
		}
		for i, kid := range n.kids {
			if err := d.check(kid, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.String:
		if n.kind != kindString {
			return d.want(n, path, t)
		}
	case reflect.Bool:
		if n.kind != kindBool {
			return d.want(n, path, t)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.kind != kindNumber {
			return d.want(n, path, t)
		}
		if _, err := strconv.ParseInt(d.text(n), 10, t.Bits()); err != nil {
			return d.want(n, path, t)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n.kind != kindNumber {
			return d.want(n, path, t)
		}
		if _, err := strconv.ParseUint(d.text(n), 10, t.Bits()); err != nil {
			return d.want(n, path, t)
		}
	case reflect.Float32, reflect.Float64:
		if n.kind != kindNumber {
			return d.want(n, path, t)
		}
		if _, err := strconv.ParseFloat(d.text(n), t.Bits()); err != nil {
			return d.want(n, path, t)
		}
	}
	return nil
}

// checkStruct matches an object's members to a struct's fields.
func (d *Doc) checkStruct(n *node, t reflect.Type, path string) error {
	if n.kind != kindObject {
		return d.want(n, path, t)
	}
	fields := jsonFields(t)
	seen := make([]bool, len(fields))
	for i, key := range n.keys {
		j := matchField(fields, key)
		if j < 0 {
			names := make([]string, len(fields))
			for k, f := range fields {
				names[k] = f.name
			}
			return d.fail(n.keyAt[i], path, fmt.Errorf("unknown field %q (want %s)", key, strings.Join(names, ", ")))
		}
		if seen[j] {
			return d.fail(n.keyAt[i], path, fmt.Errorf("field %q given twice", fields[j].name))
		}
		seen[j] = true
		if err := d.check(n.kids[i], fields[j].typ, join(path, fields[j].name)); err != nil {
			return err
		}
	}
	return nil
}

// checkMap checks an object stored in a map with string keys.
func (d *Doc) checkMap(n *node, t reflect.Type, path string) error {
	if n.kind != kindObject {
		return d.want(n, path, t)
	}
	if t.Key().Kind() != reflect.String {
		return nil // encoding/json has the last word on other key types
	}
	seen := make(map[string]bool, len(n.keys))
	for i, key := range n.keys {
		if seen[key] {
			return d.fail(n.keyAt[i], path, fmt.Errorf("key %q given twice", key))
		}
		seen[key] = true
		if err := d.check(n.kids[i], t.Elem(), join(path, key)); err != nil {
			return err
		}
	}
	return nil
}

// checkTime accepts an RFC 3339 time or null (the zero time).
func (d *Doc) checkTime(n *node, path string) error {
	if n.kind == kindNull {
		return nil
	}
	var tm time.Time
	if n.kind != kindString || tm.UnmarshalJSON(d.data[n.start:n.end]) != nil {
		return d.want(n, path, reflect.TypeFor[time.Time]())
	}
	return nil
}

// decodesItself reports whether values of t decode themselves.
func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(reflect.TypeFor[json.Unmarshaler]()) ||
		p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// field is a struct field as encoding/json sees it.
type field struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the fields encoding/json decodes into, with their names.
func jsonFields(t reflect.Type) []field {
	var out []field
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name: name, typ: f.Type})
	}
	return out
}

// matchField finds the field for a member name: exactly, else ignoring case.
func matchField(fields []field, key string) int {
	fold := -1
	for i, f := range fields {
		if f.name == key {
			return i
		}
		if fold < 0 && strings.EqualFold(f.name, key) {
			fold = i
		}
	}
	return fold
}

// join extends a dotted path with a member name.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// text is the literal text of a value.
func (d *Doc) text(n *node) string { return string(d.data[n.start:n.end]) }

// fail locates err at offset, prefixed with the path of the value it is about.
func (d *Doc) fail(offset int, path string, err error) error {
	if path != "" {
		err = fmt.Errorf("%s: %w", path, err)
	}
	return At(d.name, d.data, offset, err)
}

// want reports a value that does not fit the Go type it is stored in.
func (d *Doc) want(n *node, path string, t reflect.Type) error {
	return d.fail(n.start, path, fmt.Errorf("want %s, got %s", typeName(t), d.describe(n)))
}

// typeName says what a Go type accepts, as people read it.
func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return `an RFC 3339 time such as "2026-10-30T15:40:00Z"`
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()):
		return "a string"
	case t.Kind() != reflect.Pointer && decodesItself(t):
		return "a valid " + t.String()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("an integer (%d-bit)", t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprintf("a non-negative integer (%d-bit)", t.Bits())
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	}
	return "a " + t.String()
}
