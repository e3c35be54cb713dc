package datasets

import (
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const streamSamples = 50

// openNumbered opens a CIFAR-10 file of streamSamples records whose record i has red value i at
// pixel (0, 0) (see cifarRecords), so every served image tells which record it is.
func openNumbered(t *testing.T, opts Options) *Dataset {
	t.Helper()
	file := filepath.Join(t.TempDir(), "numbered.bin")
	writeFile(t, file, cifarRecords(streamSamples))
	return mustOpen(t, "cifar10:"+file, opts)
}

// servedRecords draws batches of the given sizes and returns the record number of each image,
// read back from the red value of its pixel (0, 0).
func servedRecords(t *testing.T, d *Dataset, batchSizes ...int) []int {
	t.Helper()
	var records []int
	for _, size := range batchSizes {
		b, err := d.NextBatch(size)
		if err != nil {
			t.Fatal(err)
		}
		for i := range size {
			records = append(records, int(math.Round(float64((pixel(b, i, 0, 0, 0)+1)*127.5))))
		}
	}
	return records
}

func TestOrderIsSeededPermutationPerEpoch(t *testing.T) {
	first := servedRecords(t, openNumbered(t, Options{Seed: 7}), 20, 20, 20, 20, 20)
	again := servedRecords(t, openNumbered(t, Options{Seed: 7}), 20, 20, 20, 20, 20)
	other := servedRecords(t, openNumbered(t, Options{Seed: 8}), 20, 20, 20, 20, 20)
	if !slices.Equal(first, again) {
		t.Fatal("the same seed served two different orders")
	}
	if slices.Equal(first, other) {
		t.Fatal("seeds 7 and 8 served the same order")
	}
	epoch0, epoch1 := first[:streamSamples], first[streamSamples:2*streamSamples]
	for _, epoch := range [][]int{epoch0, epoch1} {
		sorted := slices.Sorted(slices.Values(epoch))
		for i, record := range sorted {
			if record != i {
				t.Fatalf("an epoch served records %v, not each of 0-%d once", sorted, streamSamples-1)
			}
		}
	}
	if slices.Equal(epoch0, epoch1) {
		t.Error("epochs 0 and 1 have the same order: no reshuffle")
	}
	if slices.IsSorted(epoch0) {
		t.Error("epoch 0 is in file order: not shuffled")
	}
}

func TestStreamIndependentOfBatchSizesAndWorkers(t *testing.T) {
	reference := servedRecords(t, openNumbered(t, Options{Seed: 1, Workers: 1, Prefetch: 1}), 120)
	mixed := servedRecords(t, openNumbered(t, Options{Seed: 1, Workers: 4, Prefetch: 8}), 7, 13, 30, 1, 69)
	if !slices.Equal(reference, mixed) {
		t.Errorf("batches 7+13+30+1+69 with 4 workers served\n%v\nbut one batch of 120 with 1 worker served\n%v", mixed, reference)
	}
	d := openNumbered(t, Options{})
	servedRecords(t, d, 49)
	if d.Epoch() != 0 {
		t.Errorf("after 49 of 50 samples Epoch() = %d, want 0", d.Epoch())
	}
	servedRecords(t, d, 2)
	if d.Epoch() != 1 {
		t.Errorf("after 51 of 50 samples Epoch() = %d, want 1", d.Epoch())
	}
}

// TestSetPositionResumesTheStream: a stream restarted at position 73 (across an epoch boundary of
// the 50 samples) serves what an uninterrupted stream serves from its 74th sample on.
func TestSetPositionResumesTheStream(t *testing.T) {
	full := servedRecords(t, openNumbered(t, Options{Seed: 3, Flip: true}), 120)
	resumed := openNumbered(t, Options{Seed: 3, Flip: true})
	servedRecords(t, resumed, 10) // a running pipeline must be discarded by SetPosition
	if err := resumed.SetPosition(73); err != nil {
		t.Fatal(err)
	}
	if resumed.Position() != 73 {
		t.Fatalf("Position() = %d after SetPosition(73)", resumed.Position())
	}
	if got := servedRecords(t, resumed, 47); !slices.Equal(got, full[73:]) {
		t.Errorf("resumed at 73 served\n%v\nwant\n%v", got, full[73:])
	}
	if err := resumed.SetPosition(-1); err == nil {
		t.Error("SetPosition(-1) accepted")
	}
}

func TestFlipIsExactMirrorAndSeeded(t *testing.T) {
	plain := openNumbered(t, Options{Seed: 5})
	flipped := openNumbered(t, Options{Seed: 5, Flip: true})
	want, err := plain.NextBatch(40)
	if err != nil {
		t.Fatal(err)
	}
	got, err := flipped.NextBatch(40)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Labels, want.Labels) {
		t.Fatal("flipping changed the order of samples")
	}
	var mirrored []bool
	for i := range 40 {
		same, mirror := true, true
		for y := range 32 {
			for x := range 32 {
				for c := range 3 {
					v := pixel(got, i, x, y, c)
					same = same && v == pixel(want, i, x, y, c)
					mirror = mirror && v == pixel(want, i, 31-x, y, c)
				}
			}
		}
		if same == mirror {
			t.Fatalf("image %d is neither the original nor its exact mirror", i)
		}
		mirrored = append(mirrored, mirror)
	}
	if count := len(slices.DeleteFunc(slices.Clone(mirrored), func(m bool) bool { return !m })); count < 10 || count > 30 {
		t.Errorf("%d of 40 images mirrored, want about half", count)
	}
	again := openNumbered(t, Options{Seed: 5, Flip: true})
	repeat, err := again.NextBatch(40)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(repeat.Images, got.Images) {
		t.Error("the same seed flipped different images")
	}
}

func TestStreamDecodeErrorsAndSkipBad(t *testing.T) {
	root := t.TempDir()
	for i := range 6 {
		writeFile(t, filepath.Join(root, string(rune('a'+i))+".png"), encodePNG(t, colorPattern(16, 16, i)))
	}
	// Its header is intact, so it passes Open's check; its pixel data is cut.
	whole := encodePNG(t, colorPattern(16, 16, 9))
	broken := filepath.Join(root, "c-broken.png")
	writeFile(t, broken, whole[:len(whole)/2])

	d := mustOpen(t, "folder:"+root, Options{Resolution: 8})
	_, err := d.NextBatch(7)
	if err == nil || !strings.Contains(err.Error(), broken) || !strings.Contains(err.Error(), "SkipBad") {
		t.Fatalf("streaming a cut PNG: error %v, want one naming %s and Options.SkipBad", err, broken)
	}
	if _, again := d.NextBatch(7); again == nil || again.Error() != err.Error() {
		t.Errorf("the failing batch was not retried: second error %v", again)
	}

	skipping := mustOpen(t, "folder:"+root, Options{Resolution: 8, SkipBad: true})
	for range 3 { // three epochs: the broken file is decoded, reported once and then avoided
		if _, err := skipping.NextBatch(7); err != nil {
			t.Fatal(err)
		}
	}
	skipped := skipping.Report().Skipped()
	if len(skipped) != 1 || !strings.Contains(skipped[0].Error(), broken) {
		t.Errorf("skipped %v, want the broken PNG once", skipped)
	}
}

func TestNextBatchArguments(t *testing.T) {
	d := openNumbered(t, Options{})
	if _, err := d.NextBatch(0); err == nil || !strings.Contains(err.Error(), "NextBatch(0)") {
		t.Errorf("NextBatch(0): error %v, want one naming the batch size", err)
	}
	if _, err := d.Samples([]int{streamSamples}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Samples past the end: error %v, want out of range", err)
	}
}

// pipelineGoroutines counts the goroutines running the prefetching producer or its workers.
func pipelineGoroutines() int {
	stacks := make([]byte, 1<<20)
	stacks = stacks[:runtime.Stack(stacks, true)]
	return strings.Count(string(stacks), "datasets.(*Dataset).startPipeline.func")
}

func TestCloseStopsPrefetching(t *testing.T) {
	d := openNumbered(t, Options{Workers: 3, Prefetch: 2})
	if _, err := d.NextBatch(3); err != nil {
		t.Fatal(err)
	}
	if running := pipelineGoroutines(); running != 4 {
		t.Fatalf("%d pipeline goroutines while streaming, want a producer and 3 workers", running)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if running := pipelineGoroutines(); running != 0 {
		t.Errorf("%d pipeline goroutines after Close, want 0", running)
	}
}

// countingSource serves gray 4x4 samples and counts the reads.
type countingSource struct {
	samples int
	reads   atomic.Int64
}

func (c *countingSource) Len() int { return c.samples }

func (c *countingSource) Read(i int, dst []uint8) (int32, error) {
	c.reads.Add(1)
	clear(dst)
	dst[0] = uint8(i)
	return 0, nil
}

func (c *countingSource) Close() error { return nil }

func TestPrefetchIsBounded(t *testing.T) {
	src := &countingSource{samples: 1 << 20} // stands for a data set far larger than memory
	opts := Options{Resolution: 4, Channels: 1, Workers: 2, Prefetch: 3}
	d := newDataset("counting", src, opts, nil, &Report{})
	defer d.Close()
	if _, err := d.NextBatch(10); err != nil {
		t.Fatal(err)
	}
	// The producer queues Prefetch batches behind the one served and then waits, so exactly
	// (1 + 3) batches of 10 are read, however long the pipeline runs.
	const want = (1 + 3) * 10
	for deadline := time.Now().Add(5 * time.Second); src.reads.Load() < want && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // time to overrun, if it would
	if reads := src.reads.Load(); reads != want {
		t.Errorf("%d samples read after serving one batch of 10 with Prefetch 3, want %d", reads, want)
	}
}
