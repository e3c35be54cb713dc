package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxIDXBytes bounds a decompressed idx file (MNIST's largest is 47 MB), so that a corrupt or
// hostile gzip stream cannot exhaust memory.
const maxIDXBytes = 1 << 30

// idxArray is the content of an idx file (the format of MNIST and Fashion-MNIST) of unsigned bytes.
type idxArray struct {
	dims []int
	data []uint8
}

// decodeIDX parses an uncompressed idx file: two zero bytes, the element type (0x08 = unsigned
// byte, the only one these data sets use), the number of dimensions, each dimension as a
// big-endian uint32, then the elements. The elements alias raw.
func decodeIDX(raw []byte) (idxArray, error) {
	if len(raw) < 4 {
		return idxArray{}, fmt.Errorf("idx file is %d bytes, shorter than its 4-byte header: the file is truncated; reinstall it", len(raw))
	}
	if raw[0] != 0 || raw[1] != 0 {
		return idxArray{}, fmt.Errorf("not an idx file (starts with % x instead of 00 00): reinstall it", raw[:2])
	}
	if raw[2] != 0x08 {
		return idxArray{}, fmt.Errorf("idx element type 0x%02x is not 0x08 (unsigned byte), the only type image data sets use", raw[2])
	}
	rank := int(raw[3])
	if rank < 1 || rank > 4 {
		return idxArray{}, fmt.Errorf("idx file has %d dimensions; image and label files have 1 to 4", rank)
	}
	header := 4 + 4*rank
	if len(raw) < header {
		return idxArray{}, fmt.Errorf("idx file is %d bytes, shorter than its %d-byte header: the file is truncated; reinstall it", len(raw), header)
	}
	dims := make([]int, rank)
	size := int64(1)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(raw[4+4*i:]))
		size *= int64(dims[i])
		if size > maxIDXBytes {
			return idxArray{}, fmt.Errorf("idx dimensions %v exceed %d bytes: the header is corrupt; reinstall the file", dims[:i+1], maxIDXBytes)
		}
	}
	if got := int64(len(raw) - header); got != size {
		return idxArray{}, fmt.Errorf("idx dimensions %v need %d bytes of data but the file has %d: the file is truncated or corrupt; reinstall it", dims, size, got)
	}
	return idxArray{dims: dims, data: raw[header:]}, nil
}

// readIDXFile reads an idx file, gzip-compressed or not. A missing file is reported with
// ErrNotInstalled and installHint, the command that installs it.
func readIDXFile(path, installHint string) (idxArray, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return idxArray{}, fmt.Errorf("%w: %s not found: %s", ErrNotInstalled, path, installHint)
	}
	if err != nil {
		return idxArray{}, err
	}
	if bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		unzipped, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return idxArray{}, fmt.Errorf("%s: corrupt gzip stream (%v): reinstall it (%s)", path, err, installHint)
		}
		raw, err = io.ReadAll(io.LimitReader(unzipped, maxIDXBytes+1))
		if err != nil {
			return idxArray{}, fmt.Errorf("%s: corrupt or truncated gzip stream (%v): reinstall it (%s)", path, err, installHint)
		}
	}
	array, err := decodeIDX(raw)
	if err != nil {
		return idxArray{}, fmt.Errorf("%s: %w (%s)", path, err, installHint)
	}
	return array, nil
}

// Digit-style data sets (MNIST, Fashion-MNIST) are 28x28 gray; they are padded with background
// (0, black) to 32x32, the next power of two, so that every resolution is a clean box filter away.
const (
	idxSide    = 28
	paddedSide = 32
)

// openIDXImages loads an images file and its labels file of 28x28 images in 10 classes, padded
// to 32x32, as an in-memory source.
func openIDXImages(name, imagesPath, labelsPath, installHint string, opts *Options) (sampleSource, error) {
	images, err := readIDXFile(imagesPath, installHint)
	if err != nil {
		return nil, err
	}
	labels, err := readIDXFile(labelsPath, installHint)
	if err != nil {
		return nil, err
	}
	if len(images.dims) != 3 || images.dims[1] != idxSide || images.dims[2] != idxSide {
		return nil, fmt.Errorf("%s: images have dimensions %v, not [N 28 28]: reinstall it (%s)", imagesPath, images.dims, installHint)
	}
	count := images.dims[0]
	if len(labels.dims) != 1 || labels.dims[0] != count {
		return nil, fmt.Errorf("%s: labels have dimensions %v, not [%d] to match %s: reinstall it (%s)", labelsPath, labels.dims, count, imagesPath, installHint)
	}
	classes := make([]int32, count)
	for i, label := range labels.data {
		if label > 9 {
			return nil, fmt.Errorf("%s: label %d of sample %d is not a class 0-9: reinstall it (%s)", labelsPath, label, i, installHint)
		}
		classes[i] = int32(label)
	}
	const margin = (paddedSide - idxSide) / 2
	padded := make([]uint8, count*paddedSide*paddedSide)
	for i := range count {
		digit := images.data[i*idxSide*idxSide:]
		sample := padded[i*paddedSide*paddedSide:]
		for y := range idxSide {
			copy(sample[(y+margin)*paddedSide+margin:], digit[y*idxSide:(y+1)*idxSide])
		}
	}
	return newMemorySource(name+" (28x28 padded to 32x32)", padded, classes, paddedSide, 1, opts)
}

// idxSplitFiles names the images and labels files of a split: "" or "train" for the 60,000
// training images, "test" for the 10,000 test images.
func idxSplitFiles(split string) (images, labels string, err error) {
	switch split {
	case "", "train":
		return "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", nil
	case "test":
		return "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", nil
	}
	return "", "", fmt.Errorf("unknown split %q: use train (the default) or test", split)
}
