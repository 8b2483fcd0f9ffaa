package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt trusts its pages. A page id that points past the file makes it read
// unmapped memory, and a page that refers back to itself makes it recurse
// until the stack runs out; both kill the process, recover or not, and
// tx.Check does its reading in a goroutine of its own, out of reach of
// debug.SetPanicOnFault. So before bbolt walks a file, checkPages walks the
// same structure from a plain byte slice, where every read is bounds-checked.
// It follows bbolt's on-disk format (version 2, unchanged since 2014); bbolt's
// tx.Check then looks at what this leaves out, such as key order.

// bbolt's on-disk format, in the machine's byte order.
const (
	boltMagic   = 0xED0CDAED
	boltVersion = 2

	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	elementSize      = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	bucketHeaderSize = 16 // root pgid u64, sequence u64; an inline page follows when root is 0
	metaSize         = 64 // magic, version, page size, flags u32; root bucket; freelist, pgid, txid, checksum u64
	metaChecksumAt   = 56

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagFreelist = 0x10
	flagBucket   = 0x01 // on a leaf element: the value is a bucket

	noFreelist = ^uint64(0)
)

// boltMeta is what checkPages needs from a meta page.
type boltMeta struct {
	pageSize, root, freelist, hwm, txid uint64
}

// readBoltMeta decodes the meta page at offset off; ok is false unless it has
// bbolt's magic, version and a matching checksum.
func readBoltMeta(data []byte, off uint64) (m boltMeta, ok bool) {
	if off+pageHeaderSize+metaSize > uint64(len(data)) {
		return m, false
	}
	b := data[off+pageHeaderSize:][:metaSize]
	h := fnv.New64a()
	h.Write(b[:metaChecksumAt])
	ok = u32(b[0:]) == boltMagic && u32(b[4:]) == boltVersion && u64(b[metaChecksumAt:]) == h.Sum64()
	return boltMeta{pageSize: uint64(u32(b[8:])), root: u64(b[16:]), freelist: u64(b[32:]), hwm: u64(b[40:]), txid: u64(b[48:])}, ok
}

// currentMeta picks the meta page bbolt will use: the page size comes from
// the first valid meta page found the way bbolt looks for it, then the valid
// one of pages 0 and 1 with the higher transaction id wins.
func currentMeta(data []byte) (boltMeta, error) {
	size := uint64(len(data))
	m, ok := readBoltMeta(data, 0)
	for i := 0; !ok && i <= 14; i++ {
		pos := uint64(1024) << i
		if pos+1024 >= size {
			break
		}
		m, ok = readBoltMeta(data, pos)
	}
	switch ps := m.pageSize; {
	case !ok:
		return m, errors.New("no valid meta page")
	case ps < 1024 || ps > 1<<24:
		return m, fmt.Errorf("implausible page size %d", ps)
	case size < 2*ps:
		return m, fmt.Errorf("the file (%d bytes) is shorter than two %d-byte pages", size, ps)
	}
	ps := m.pageSize // bbolt addresses pages with this size, whatever the chosen meta says
	m0, ok0 := readBoltMeta(data, 0)
	m1, ok1 := readBoltMeta(data, ps)
	switch {
	case ok1 && (!ok0 || m1.txid > m0.txid):
		m = m1
	case ok0:
		m = m0
	default:
		return m, errors.New("no valid meta page")
	}
	m.pageSize = ps
	if m.hwm < 2 || m.hwm > size/ps {
		return m, fmt.Errorf("the file is truncated: its data needs %d pages of %d bytes, the file has %d bytes", m.hwm, ps, size)
	}
	return m, nil
}

// checkPages checks that every page the current meta page reaches lies inside
// the file, is of the expected kind, is reached only once, and keeps its
// elements inside itself.
func checkPages(data []byte) error {
	m, err := currentMeta(data)
	if err != nil {
		return err
	}
	w := walker{data: data, pageSize: m.pageSize, hwm: m.hwm, seen: map[uint64]bool{}}
	if m.freelist != noFreelist {
		if err := w.freelist(m.freelist); err != nil {
			return err
		}
	}
	return w.tree(m.root)
}

type walker struct {
	data          []byte
	pageSize, hwm uint64
	seen          map[uint64]bool
}

// page returns page id with its overflow pages, once it has checked that they
// lie between the meta pages and the high water mark, that the page knows its
// own id, and that none of them was reached before.
func (w *walker) page(id uint64) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("page %d: outside the data (pages 2 to %d)", id, w.hwm-1)
	}
	p := w.data[id*w.pageSize:]
	if got := u64(p); got != id {
		return nil, fmt.Errorf("page %d: its header says page %d", id, got)
	}
	last := id + uint64(u32(p[12:]))
	if last >= w.hwm {
		return nil, fmt.Errorf("page %d: overflows past the data", id)
	}
	for i := id; i <= last; i++ {
		if w.seen[i] {
			return nil, fmt.Errorf("page %d: reached twice", i)
		}
		w.seen[i] = true
	}
	return p[:(last-id+1)*w.pageSize], nil
}

// freelist checks the freelist page: its ids fit in it and name data pages.
func (w *walker) freelist(id uint64) error {
	p, err := w.page(id)
	if err != nil {
		return err
	}
	if flags := u16(p[8:]); flags != flagFreelist {
		return fmt.Errorf("page %d: freelist expected, flags %#x", id, flags)
	}
	start, count := uint64(pageHeaderSize), uint64(u16(p[10:]))
	if count == 0xFFFF { // the real count is the first element
		count, start = u64(p[pageHeaderSize:]), start+8
	}
	if count > (uint64(len(p))-start)/8 {
		return fmt.Errorf("page %d: %d freelist entries do not fit the page", id, count)
	}
	for i := range count {
		if f := u64(p[start+8*i:]); f < 2 || f >= w.hwm {
			return fmt.Errorf("page %d: frees page %d, outside the data", id, f)
		}
	}
	return nil
}

// tree checks the bucket tree rooted at page root, sub-buckets included.
func (w *walker) tree(root uint64) error {
	todo := []uint64{root}
	for len(todo) > 0 {
		id := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		p, err := w.page(id)
		if err != nil {
			return err
		}
		refs, err := elements(p)
		if err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		todo = append(todo, refs...)
	}
	return nil
}

// elements checks the elements of the branch or leaf page p (a page of the
// file, or an inline bucket's page) and returns the pages it refers to: a
// branch page's children, the root pages of a leaf page's sub-buckets.
func elements(p []byte) ([]uint64, error) {
	if len(p) < pageHeaderSize {
		return nil, errors.New("page header cut short")
	}
	flags, count := u16(p[8:]), uint64(u16(p[10:]))
	switch {
	case flags != flagBranch && flags != flagLeaf:
		return nil, fmt.Errorf("branch or leaf page expected, flags %#x", flags)
	case flags == flagBranch && count == 0:
		return nil, errors.New("empty branch page")
	case pageHeaderSize+count*elementSize > uint64(len(p)):
		return nil, fmt.Errorf("%d elements do not fit the page", count)
	}
	var refs []uint64
	for i := range count {
		off := pageHeaderSize + i*elementSize
		e := p[off:]
		if flags == flagBranch {
			if off+uint64(u32(e))+uint64(u32(e[4:])) > uint64(len(p)) {
				return nil, fmt.Errorf("element %d: key runs past the page", i)
			}
			refs = append(refs, u64(e[8:]))
			continue
		}
		kv := off + uint64(u32(e[4:])) + uint64(u32(e[8:]))
		end := kv + uint64(u32(e[12:]))
		if end > uint64(len(p)) {
			return nil, fmt.Errorf("element %d: key or value runs past the page", i)
		}
		if u32(e)&flagBucket == 0 {
			continue
		}
		v := p[kv:end]
		if len(v) < bucketHeaderSize {
			return nil, fmt.Errorf("element %d: bucket header cut short", i)
		}
		if root := u64(v); root != 0 {
			refs = append(refs, root)
			continue
		}
		inline := v[bucketHeaderSize:]
		if len(inline) < pageHeaderSize || u16(inline[8:]) != flagLeaf {
			return nil, fmt.Errorf("element %d: inline bucket without a leaf page", i)
		}
		sub, err := elements(inline)
		if err != nil {
			return nil, fmt.Errorf("element %d: inline bucket: %w", i, err)
		}
		refs = append(refs, sub...)
	}
	return refs, nil
}

// hasBoltMagic reports whether the file starts with a bbolt meta page's magic number.
func hasBoltMagic(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [pageHeaderSize + 4]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return false
	}
	return u32(b[pageHeaderSize:]) == boltMagic
}

func u16(b []byte) uint16 { return binary.NativeEndian.Uint16(b) }
func u32(b []byte) uint32 { return binary.NativeEndian.Uint32(b) }
func u64(b []byte) uint64 { return binary.NativeEndian.Uint64(b) }
