package datasets

import (
	"fmt"
	"os"
	"path/filepath"
)

// CIFAR-10's binary version stores records of 1 label byte (0-9) followed by 3072 pixel bytes:
// the 32x32 red plane, then green, then blue (CHW), rows top to bottom.
const (
	cifarSide        = 32
	cifarPlane       = cifarSide * cifarSide
	cifarRecordBytes = 1 + 3*cifarPlane
)

var cifar10ClassNames = []string{
	"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
}

// openCIFAR10 loads CIFAR-10's binary training files (data_batch_*.bin) from dir, or the one
// .bin file that dir names (test_batch.bin for the test set), into memory.
func openCIFAR10(dir string, opts *Options) (sampleSource, []string, error) {
	if dir == "" {
		return nil, nil, fmt.Errorf("no folder given: write cifar10:/path/to/cifar-10-batches-bin")
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("CIFAR-10 %w", err)
	}
	files := []string{dir}
	if info.IsDir() {
		files, _ = filepath.Glob(filepath.Join(dir, "data_batch_*.bin"))
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("%s holds no data_batch_*.bin: point at the folder of CIFAR-10's binary version (cifar-10-batches-bin), or at one .bin file", dir)
		}
	}
	var pixels []uint8
	var labels []int32
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, nil, fmt.Errorf("CIFAR-10 %w", err)
		}
		filePixels, fileLabels, err := decodeCIFAR(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		pixels = append(pixels, filePixels...)
		labels = append(labels, fileLabels...)
	}
	src, err := newMemorySource("CIFAR-10", pixels, labels, cifarSide, 3, opts)
	return src, cifar10ClassNames, err
}

// decodeCIFAR decodes CIFAR-10 binary records into HWC samples and their labels.
func decodeCIFAR(raw []byte) ([]uint8, []int32, error) {
	if len(raw) == 0 || len(raw)%cifarRecordBytes != 0 {
		return nil, nil, fmt.Errorf("size %d bytes is not a positive multiple of the %d-byte CIFAR-10 record (1 label + 3072 pixels): the file is truncated, or not CIFAR-10's binary version (CIFAR-100 records are 3074 bytes)",
			len(raw), cifarRecordBytes)
	}
	count := len(raw) / cifarRecordBytes
	pixels := make([]uint8, count*3*cifarPlane)
	labels := make([]int32, count)
	for i := range count {
		record := raw[i*cifarRecordBytes : (i+1)*cifarRecordBytes]
		if record[0] > 9 {
			return nil, nil, fmt.Errorf("record %d has label %d, not a CIFAR-10 class 0-9: the file is corrupt or not CIFAR-10", i, record[0])
		}
		labels[i] = int32(record[0])
		planes := record[1:]
		sample := pixels[i*3*cifarPlane:]
		for p := range cifarPlane {
			sample[3*p] = planes[p]
			sample[3*p+1] = planes[cifarPlane+p]
			sample[3*p+2] = planes[2*cifarPlane+p]
		}
	}
	return pixels, labels, nil
}
