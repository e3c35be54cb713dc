package datasets

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// A cache file holds a data set already decoded at one resolution, so that a folder of large
// photos is decoded once (go run ./cmd/gandata prepare) rather than every epoch. Layout:
//
//	pixels   count x resolution x resolution x channels bytes (HWC, sample after sample)
//	labels   count x int32 little-endian, present only when class_names is not empty
//	header   JSON (cacheHeader)
//	length   uint32 little-endian: the header's size in bytes
//	magic    the 8 bytes "GOGANDS1"
//
// The header sits at the end so the file can be written in one pass, before the number of
// samples that decode is known.
const (
	cacheMagic        = "GOGANDS1"
	cacheTrailerBytes = 4 + len(cacheMagic)
	maxCacheHeader    = 1 << 20
)

type cacheHeader struct {
	Source     string   `json:"source"`
	Resolution int      `json:"resolution"`
	Channels   int      `json:"channels"`
	Count      int      `json:"count"`
	ClassNames []string `json:"class_names,omitempty"`
	Skipped    int      `json:"skipped"`
	Created    string   `json:"created"`
}

func (h cacheHeader) sampleBytes() int64 {
	return int64(h.Resolution) * int64(h.Resolution) * int64(h.Channels)
}

func (h cacheHeader) labelBytes() int64 {
	if len(h.ClassNames) == 0 {
		return 0
	}
	return 4 * int64(h.Count)
}

// readCacheHeader reads and checks the header of a cache file of the given size.
func readCacheHeader(file io.ReaderAt, size int64) (cacheHeader, error) {
	const fix = "prepare it again with `go run ./cmd/gandata prepare`"
	if size < int64(cacheTrailerBytes) {
		return cacheHeader{}, fmt.Errorf("file is %d bytes, too short for a data set cache: it is truncated or not a cache; %s", size, fix)
	}
	trailer := make([]byte, cacheTrailerBytes)
	if _, err := file.ReadAt(trailer, size-int64(cacheTrailerBytes)); err != nil {
		return cacheHeader{}, err
	}
	if string(trailer[4:]) != cacheMagic {
		return cacheHeader{}, fmt.Errorf("file does not end with %q: it is truncated or not a data set cache; %s", cacheMagic, fix)
	}
	headerBytes := int64(binary.LittleEndian.Uint32(trailer))
	if headerBytes > maxCacheHeader || headerBytes > size-int64(cacheTrailerBytes) {
		return cacheHeader{}, fmt.Errorf("header length %d does not fit the %d-byte file: the file is corrupt; %s", headerBytes, size, fix)
	}
	headerStart := size - int64(cacheTrailerBytes) - headerBytes
	raw := make([]byte, headerBytes)
	if _, err := file.ReadAt(raw, headerStart); err != nil {
		return cacheHeader{}, err
	}
	var header cacheHeader
	if err := json.Unmarshal(raw, &header); err != nil {
		return cacheHeader{}, fmt.Errorf("header is not valid JSON (%v): the file is corrupt; %s", err, fix)
	}
	res := header.Resolution
	if res < 4 || res > 4096 || res&(res-1) != 0 || (header.Channels != 1 && header.Channels != 3) || header.Count < 1 {
		return cacheHeader{}, fmt.Errorf("header has resolution %d, channels %d, count %d: not a valid data set; %s", res, header.Channels, header.Count, fix)
	}
	if int64(header.Count) > headerStart {
		return cacheHeader{}, fmt.Errorf("header counts %d samples but only %d bytes precede it: the file is truncated; %s", header.Count, headerStart, fix)
	}
	if want := int64(header.Count)*header.sampleBytes() + header.labelBytes(); want != headerStart {
		return cacheHeader{}, fmt.Errorf("%d samples of %dx%dx%d need %d bytes before the header but the file has %d: it is truncated or corrupt; %s",
			header.Count, res, res, header.Channels, want, headerStart, fix)
	}
	return header, nil
}

// cacheSource reads samples from a cache file as they are needed (the operating system's page
// cache keeps the hot ones in memory), converting them when a lower resolution or another
// channel count is asked for.
type cacheSource struct {
	file     *os.File
	path     string
	header   cacheHeader
	labels   []int32
	res      int
	channels int
}

func openCache(path string, opts *Options) (sampleSource, []string, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("no file given: write cache:/path/to/file written by gandata prepare")
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cache %w", err)
	}
	src, err := newCacheSource(file, path, opts)
	if err != nil {
		file.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return src, src.header.ClassNames, nil
}

func newCacheSource(file *os.File, path string, opts *Options) (*cacheSource, error) {
	info, err := file.Stat()
	if err != nil {
		return nil, err
	}
	header, err := readCacheHeader(file, info.Size())
	if err != nil {
		return nil, err
	}
	opts.setDefaults(header.Resolution, header.Channels)
	if opts.Resolution > header.Resolution && !opts.AllowUpscale {
		return nil, fmt.Errorf("the cache holds %dx%d images, smaller than Options.Resolution %d: prepare it again at that resolution, lower it, or set Options.AllowUpscale",
			header.Resolution, header.Resolution, opts.Resolution)
	}
	src := &cacheSource{file: file, path: path, header: header, res: opts.Resolution, channels: opts.Channels}
	if header.labelBytes() > 0 {
		raw := make([]byte, header.labelBytes())
		if _, err := file.ReadAt(raw, int64(header.Count)*header.sampleBytes()); err != nil {
			return nil, err
		}
		src.labels = make([]int32, header.Count)
		for i := range src.labels {
			label := int32(binary.LittleEndian.Uint32(raw[4*i:]))
			if label < 0 || int(label) >= len(header.ClassNames) {
				return nil, fmt.Errorf("sample %d has label %d but the header names %d classes: the file is corrupt; prepare it again", i, label, len(header.ClassNames))
			}
			src.labels[i] = label
		}
	}
	return src, nil
}

func (c *cacheSource) Len() int { return c.header.Count }

func (c *cacheSource) Read(i int, dst []uint8) (int32, error) {
	size := c.header.sampleBytes()
	stored := dst
	converting := c.res != c.header.Resolution || c.channels != c.header.Channels
	if converting {
		stored = make([]uint8, size)
	}
	if _, err := c.file.ReadAt(stored[:size], int64(i)*size); err != nil {
		return 0, fmt.Errorf("%s: reading sample %d: %w", c.path, i, err)
	}
	if converting {
		convertSample(stored, c.header.Resolution, c.header.Channels, dst, c.res, c.channels)
	}
	if c.labels == nil {
		return 0, nil
	}
	return c.labels[i], nil
}

func (c *cacheSource) Close() error { return c.file.Close() }

// WriteCache decodes every sample of the data set once, in index order, at its resolution and
// channels, and writes them to a cache file that Open("cache:"+path, ...) serves without
// decoding. The file is written under a temporary name next to path and renamed into place only
// when complete, so an interrupted run never leaves a partial cache. With Options.SkipBad,
// samples that fail to decode are left out and listed in Report; otherwise the first failure
// is returned. progress, when not nil, is called after each chunk with the samples done so far.
func (d *Dataset) WriteCache(path string, progress func(done, total int)) (err error) {
	temp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating the cache next to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			temp.Close()
			os.Remove(temp.Name())
		}
	}()

	header := cacheHeader{
		Source:     d.spec,
		Resolution: d.opts.Resolution,
		Channels:   d.opts.Channels,
		ClassNames: d.classNames,
		Created:    time.Now().UTC().Format(time.RFC3339),
	}
	out := bufio.NewWriterSize(temp, 1<<20)
	labels, err := d.writeSamples(out, &header, progress)
	if err != nil {
		return err
	}
	if len(header.ClassNames) > 0 {
		if err := binary.Write(out, binary.LittleEndian, labels); err != nil {
			return fmt.Errorf("writing %s: %w", temp.Name(), err)
		}
	}
	rawHeader, err := json.Marshal(header)
	if err != nil {
		return err
	}
	trailer := binary.LittleEndian.AppendUint32(nil, uint32(len(rawHeader)))
	trailer = append(trailer, cacheMagic...)
	for _, part := range [][]byte{rawHeader, trailer} {
		if _, err := out.Write(part); err != nil {
			return fmt.Errorf("writing %s: %w", temp.Name(), err)
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", temp.Name(), err)
	}
	if err := temp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", temp.Name(), err)
	}
	if err := temp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", temp.Name(), err)
	}
	if err := os.Rename(temp.Name(), path); err != nil {
		return fmt.Errorf("moving the finished cache into place: %w", err)
	}
	return nil
}

// writeSamples decodes the samples in chunks on Options.Workers goroutines and writes each chunk
// in index order; it fills in header.Count and header.Skipped and returns the labels written.
func (d *Dataset) writeSamples(out io.Writer, header *cacheHeader, progress func(done, total int)) ([]int32, error) {
	total, sampleBytes := d.src.Len(), d.sampleBytes()
	// A chunk holds about 64 MiB of samples and enough of them to keep every worker busy.
	chunk := max(4*d.opts.Workers, (64<<20)/sampleBytes)
	pixels := make([]uint8, chunk*sampleBytes)
	chunkLabels := make([]int32, chunk)
	chunkErrors := make([]error, chunk)
	var labels []int32
	for start := 0; start < total; start += chunk {
		count := min(chunk, total-start)
		parallelFor(count, d.opts.Workers, func(_, k int) {
			chunkLabels[k], chunkErrors[k] = d.src.Read(start+k, pixels[k*sampleBytes:(k+1)*sampleBytes])
		})
		for k := range count {
			if err := chunkErrors[k]; err != nil {
				if !d.opts.SkipBad {
					return nil, fmt.Errorf("%s: %w (%s)", d.spec, err, skipHint)
				}
				d.report.addSkipped(err)
				header.Skipped++
				continue
			}
			if _, err := out.Write(pixels[k*sampleBytes : (k+1)*sampleBytes]); err != nil {
				return nil, fmt.Errorf("writing the cache: %w", err)
			}
			labels = append(labels, chunkLabels[k])
			header.Count++
		}
		if progress != nil {
			progress(start+count, total)
		}
	}
	if header.Count == 0 {
		return nil, fmt.Errorf("%s: no sample decoded, so there is nothing to cache (%s)", d.spec, d.report)
	}
	return labels, nil
}
