package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"
)

// recordVersion is the envelope version this build writes and the newest it reads.
const recordVersion = 1

// envelope wraps every stored JSON value, so that a record's layout can
// change later and an older pgrollout refuses what it cannot read.
type envelope struct {
	V    int             `json:"v"`
	Data json.RawMessage `json:"data"`
}

// encodeRecord returns v as JSON in a current envelope.
func encodeRecord(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return json.Marshal(envelope{V: recordVersion, Data: data})
}

// decodeRecord unwraps an envelope into v. A record of a newer version gives
// ErrNewerFormat, anything unreadable ErrCorrupt.
func decodeRecord(b []byte, v any) error {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("%w: unreadable record: %v", ErrCorrupt, err)
	}
	switch {
	case e.V > recordVersion:
		return fmt.Errorf("%w (record version %d; this build reads up to version %d): upgrade pgrollout",
			ErrNewerFormat, e.V, recordVersion)
	case e.V < 1:
		return fmt.Errorf("%w: record without a version", ErrCorrupt)
	case len(e.Data) == 0 || string(e.Data) == "null":
		return fmt.Errorf("%w: record without data", ErrCorrupt)
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("%w: unreadable record data: %v", ErrCorrupt, err)
	}
	return nil
}

// putRecord stores v under key.
func putRecord(b *bbolt.Bucket, key string, v any) error {
	val, err := encodeRecord(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), val)
}

// getRecord reads the record under key into v.
func getRecord(b *bbolt.Bucket, key string, v any) error {
	raw := b.Get([]byte(key))
	if raw == nil {
		return fmt.Errorf("%w: %s record missing", ErrCorrupt, key)
	}
	if err := decodeRecord(raw, v); err != nil {
		return fmt.Errorf("%s record: %w", key, err)
	}
	return nil
}

// appendRecord stores v under the bucket's next sequence number: a new key,
// after every key already there.
func appendRecord(b *bbolt.Bucket, v any) error {
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	val, err := encodeRecord(v)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, n), val)
}

// eachRecord decodes the bucket's records, in key order, each into a fresh T,
// and calls fn with it. Errors name the record as what and its 1-based position.
func eachRecord[T any](b *bbolt.Bucket, what string, fn func(T) error) error {
	i := 0
	return b.ForEach(func(_, raw []byte) error {
		i++
		var v T
		if raw == nil {
			return fmt.Errorf("%s %d: %w: a bucket where a record belongs", what, i, ErrCorrupt)
		}
		if err := decodeRecord(raw, &v); err != nil {
			return fmt.Errorf("%s %d: %w", what, i, err)
		}
		return fn(v)
	})
}

// child returns the sub-bucket name of b; its absence means damage.
func child(b *bbolt.Bucket, name string) (*bbolt.Bucket, error) {
	c := b.Bucket([]byte(name))
	if c == nil {
		return nil, fmt.Errorf("%w: %s bucket missing", ErrCorrupt, name)
	}
	return c, nil
}
