package datasets

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCacheRoundTripMatchesFolder(t *testing.T) {
	root := classTree(t)
	folder := mustOpen(t, "folder:"+root, Options{Resolution: 8})
	cachePath := filepath.Join(t.TempDir(), "tree.cache")
	var progress []int
	if err := folder.WriteCache(cachePath, func(done, total int) { progress = append(progress, done, total) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(progress, []int{3, 3}) {
		t.Errorf("progress calls %v, want one (3 of 3)", progress)
	}
	cached := mustOpen(t, "cache:"+cachePath, Options{})
	if cached.Len() != 3 || cached.Resolution() != 8 || cached.Channels() != 3 || !slices.Equal(cached.ClassNames(), []string{"cats", "dogs"}) {
		t.Fatalf("cache: Len %d Resolution %d Channels %d classes %v; want 3, 8, 3, [cats dogs]",
			cached.Len(), cached.Resolution(), cached.Channels(), cached.ClassNames())
	}
	want, err := folder.Samples([]int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cached.Samples([]int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Images, want.Images) || !slices.Equal(got.Labels, want.Labels) {
		t.Error("the cache serves other images or labels than the folder it was made from")
	}
	// A cache read at half resolution is the 2x2 average of the cached images (within rounding).
	half := mustOpen(t, "cache:"+cachePath, Options{Resolution: 4})
	small, err := half.Samples([]int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	pooled, err := AvgPool2(want)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range pooled.Images {
		if !near(small.Images[i], v, 1/127.5+1e-6) {
			t.Fatalf("value %d at 4x4 = %v, want the 2x2 mean %v", i, small.Images[i], v)
		}
	}
	if _, err := Open("cache:"+cachePath, Options{Resolution: 16}); err == nil || !strings.Contains(err.Error(), "prepare it again") {
		t.Errorf("cache at 16 from 8: error %v, want one telling to prepare again", err)
	}
}

func TestWriteCacheFailureLeavesNoFile(t *testing.T) {
	root := classTree(t)
	whole := encodePNG(t, colorPattern(16, 16, 9))
	broken := filepath.Join(root, "dogs", "d.png")
	writeFile(t, broken, whole[:len(whole)/2]) // header intact, pixel data cut
	dir := t.TempDir()
	cachePath := filepath.Join(dir, "tree.cache")

	d := mustOpen(t, "folder:"+root, Options{Resolution: 8})
	if err := d.WriteCache(cachePath, nil); err == nil || !strings.Contains(err.Error(), broken) {
		t.Fatalf("WriteCache with a broken file: error %v, want one naming %s", err, broken)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed WriteCache left %v behind", entries)
	}

	skipping := mustOpen(t, "folder:"+root, Options{Resolution: 8, SkipBad: true})
	if err := skipping.WriteCache(cachePath, nil); err != nil {
		t.Fatal(err)
	}
	cached := mustOpen(t, "cache:"+cachePath, Options{})
	if cached.Len() != 3 || len(skipping.Report().Skipped()) != 1 {
		t.Errorf("cache with SkipBad: Len %d, skipped %v; want 3 and the broken file", cached.Len(), skipping.Report().Skipped())
	}
}

func TestCacheCorruptionIsReported(t *testing.T) {
	file := filepath.Join(t.TempDir(), "numbered.bin")
	writeFile(t, file, cifarRecords(4))
	cachePath := filepath.Join(t.TempDir(), "numbered.cache")
	if err := mustOpen(t, "cifar10:"+file, Options{Resolution: 8}).WriteCache(cachePath, nil); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		data      []byte
		wantError string
	}{
		{"truncated", good[100:], "8x8x3 need 784 bytes before the header but the file has 684"},
		{"cut trailer", good[:len(good)-3], "does not end with"},
		{"empty", nil, "too short"},
	} {
		path := filepath.Join(t.TempDir(), "bad.cache")
		writeFile(t, path, tc.data)
		if _, err := Open("cache:"+path, Options{}); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.wantError) {
			t.Errorf("%s cache: error %v, want one naming the file and containing %q", tc.name, err, tc.wantError)
		}
	}
}

// cacheTrailer is the end of a cache file: its JSON header, the header length and the magic.
func cacheTrailer(header cacheHeader) []byte {
	raw, _ := json.Marshal(header)
	raw = binary.LittleEndian.AppendUint32(raw, uint32(len(raw)))
	return append(raw, cacheMagic...)
}

// cacheBytes builds a whole cache file of zero samples (and labels when there are classes).
func cacheBytes(header cacheHeader) []byte {
	data := make([]byte, int64(header.Count)*header.sampleBytes()+header.labelBytes())
	return append(data, cacheTrailer(header)...)
}

// FuzzReadCacheHeader checks that no file makes the cache header reader panic or allocate
// beyond the file, and that an accepted header accounts for every byte of the file.
func FuzzReadCacheHeader(f *testing.F) {
	valid := cacheHeader{Resolution: 4, Channels: 1, Count: 2, ClassNames: []string{"a", "b"}}
	f.Add(cacheBytes(valid))
	f.Add(cacheBytes(valid)[1:])                                                    // truncated start
	f.Add(cacheTrailer(cacheHeader{Resolution: 4096, Channels: 3, Count: 1 << 30})) // claims 48 PiB
	f.Add([]byte("{}\x02\x00\x00\x00" + cacheMagic))                                // empty header
	f.Add([]byte("\xff\xff\xff\x7f" + cacheMagic))                                  // huge header length
	f.Fuzz(func(t *testing.T, data []byte) {
		header, err := readCacheHeader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if total := int64(header.Count)*header.sampleBytes() + header.labelBytes(); total > int64(len(data)) {
			t.Fatalf("accepted %d samples of %d bytes in a %d-byte file", header.Count, header.sampleBytes(), len(data))
		}
	})
}
