package datasets

import (
	"bytes"
	"compress/gzip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxBytes builds an unsigned-byte idx file with the given dimensions and data.
func idxBytes(dims []uint32, data []byte) []byte {
	raw := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		raw = append(raw, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(raw, data...)
}

func TestDecodeIDX(t *testing.T) {
	array, err := decodeIDX(idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(array.dims, []int{2, 3}) || !slices.Equal(array.data, []uint8{1, 2, 3, 4, 5, 6}) {
		t.Errorf("decoded dims %v data %v, want [2 3] [1 2 3 4 5 6]", array.dims, array.data)
	}
	for _, tc := range []struct {
		name, raw, wantError string
	}{
		{"empty", "", "truncated"},
		{"bad magic", "\x01\x00\x08\x01\x00\x00\x00\x01x", "not an idx file"},
		{"float elements", "\x00\x00\x0d\x01\x00\x00\x00\x01x", "0x0d"},
		{"no dimensions", "\x00\x00\x08\x00", "0 dimensions"},
		{"short header", "\x00\x00\x08\x02\x00\x00\x00\x01", "header"},
		{"truncated data", string(idxBytes([]uint32{2, 3}, []byte{1, 2, 3})), "need 6 bytes of data but the file has 3"},
		{"huge dimensions", string(idxBytes([]uint32{1 << 31, 1 << 31}, nil)), "exceed"},
	} {
		if _, err := decodeIDX([]byte(tc.raw)); err == nil || !strings.Contains(err.Error(), tc.wantError) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantError)
		}
	}
}

func TestReadIDXFileGzipAndCorruption(t *testing.T) {
	dir := t.TempDir()
	var zipped bytes.Buffer
	writer := gzip.NewWriter(&zipped)
	writer.Write(idxBytes([]uint32{4}, []byte{9, 8, 7, 6}))
	writer.Close()
	good := filepath.Join(dir, "labels.gz")
	writeFile(t, good, zipped.Bytes())
	array, err := readIDXFile(good, "reinstall")
	if err != nil || !slices.Equal(array.data, []uint8{9, 8, 7, 6}) {
		t.Fatalf("gzip idx: data %v err %v, want [9 8 7 6]", array.data, err)
	}
	truncated := filepath.Join(dir, "truncated.gz")
	writeFile(t, truncated, zipped.Bytes()[:zipped.Len()-6])
	if _, err := readIDXFile(truncated, "reinstall"); err == nil || !strings.Contains(err.Error(), truncated) {
		t.Errorf("truncated gzip: error %v, want one naming %s", err, truncated)
	}
}

// FuzzDecodeIDX checks that no input makes the idx parser panic or over-read, and that whatever
// it accepts is self-consistent.
func FuzzDecodeIDX(f *testing.F) {
	f.Add(idxBytes([]uint32{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	f.Add(idxBytes([]uint32{3}, []byte{1, 2}))          // data shorter than the dimensions
	f.Add(idxBytes([]uint32{1 << 30, 1 << 30, 4}, nil)) // dimensions overflow
	f.Add([]byte{0, 0, 8})                              // header cut short
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0})               // gzip bytes where idx is expected
	f.Fuzz(func(t *testing.T, raw []byte) {
		array, err := decodeIDX(raw)
		if err != nil {
			return
		}
		size := 1
		for _, d := range array.dims {
			size *= d
		}
		if size != len(array.data) {
			t.Fatalf("accepted dims %v (%d values) with %d data bytes", array.dims, size, len(array.data))
		}
	})
}
