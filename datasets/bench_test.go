package datasets

import (
	"fmt"
	"path/filepath"
	"testing"
)

const benchBatch = 64

// benchmarkLoader serves batches of 64 from the opened data set and reports images per second,
// the rate a training loop could draw them at (prefetching on Options.Workers goroutines).
func benchmarkLoader(b *testing.B, d *Dataset) {
	if _, err := d.NextBatch(benchBatch); err != nil {
		b.Fatal(err)
	}
	// Start timing with an empty pipeline: batches prefetched before the timing would make the
	// first iterations look free and mislead b.Loop's choice of how many to run. The pipeline's
	// start-up is then timed once, which errs on the slow side.
	d.stopPipeline()
	for b.Loop() {
		if _, err := d.NextBatch(benchBatch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "images/s")
}

// photoFolder writes count JPEG photos-to-be of side x side (quality 90) into a new folder.
func photoFolder(b *testing.B, count, side int) string {
	root := b.TempDir()
	for i := range count {
		writeFile(b, filepath.Join(root, fmt.Sprintf("%05d.jpg", i)), encodeJPEG(b, colorPattern(side, side, i), 90))
	}
	return root
}

func BenchmarkLoaders(b *testing.B) {
	b.Run("mnist-32x32x1", func(b *testing.B) {
		benchmarkLoader(b, openOrSkip(b, "mnist", Options{}))
	})
	b.Run("fashion-mnist-32x32x1", func(b *testing.B) {
		benchmarkLoader(b, openOrSkip(b, "fashion-mnist", Options{}))
	})
	b.Run("emoji-64x64x3", func(b *testing.B) {
		benchmarkLoader(b, openOrSkip(b, "emoji", Options{}))
	})
	b.Run("emoji-64x64x3-flip", func(b *testing.B) {
		benchmarkLoader(b, openOrSkip(b, "emoji", Options{Flip: true}))
	})
	b.Run("cifar10-binary-32x32x3", func(b *testing.B) {
		dir := b.TempDir()
		writeFile(b, filepath.Join(dir, "data_batch_1.bin"), cifarRecords(10000))
		benchmarkLoader(b, mustOpen(b, "cifar10:"+dir, Options{}))
	})
	b.Run("folder-jpeg-256-to-64x64x3", func(b *testing.B) {
		benchmarkLoader(b, mustOpen(b, "folder:"+photoFolder(b, 256, 256), Options{Resolution: 64}))
	})
	b.Run("folder-jpeg-1024-to-256x256x3", func(b *testing.B) {
		benchmarkLoader(b, mustOpen(b, "folder:"+photoFolder(b, 32, 1024), Options{Resolution: 256}))
	})
	b.Run("cache-64x64x3", func(b *testing.B) {
		folder := mustOpen(b, "folder:"+photoFolder(b, 256, 256), Options{Resolution: 64})
		cachePath := filepath.Join(b.TempDir(), "photos.cache")
		if err := folder.WriteCache(cachePath, nil); err != nil {
			b.Fatal(err)
		}
		benchmarkLoader(b, mustOpen(b, "cache:"+cachePath, Options{}))
	})
}

func BenchmarkPyramid64(b *testing.B) {
	batch := randomBatch(benchBatch, 64, 3, 1)
	for b.Loop() {
		if _, err := Pyramid(batch, 4); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkFadeIn64(b *testing.B) {
	batch := randomBatch(benchBatch, 64, 3, 1)
	for b.Loop() {
		if _, err := FadeIn(batch, 0.5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "images/s")
}
