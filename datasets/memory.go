package datasets

import "fmt"

// memorySource holds every sample of a small data set (MNIST, Fashion-MNIST, emoji, CIFAR-10)
// decoded in memory at its native size, and converts each one to the served resolution and
// channels as it is read: a 64x64 RGB MNIST costs no more memory than a 32x32 gray one.
type memorySource struct {
	pixels         []uint8
	labels         []int32 // nil when the data set has no labels
	nativeRes      int
	nativeChannels int
	res            int
	channels       int
}

// newMemorySource serves pixels (samples of nativeRes x nativeRes x nativeChannels bytes, HWC)
// at the resolution and channels of opts, filling them in from the native values when 0.
// name describes the data (e.g. "MNIST (28x28 padded to 32x32)") for the upscaling error.
func newMemorySource(name string, pixels []uint8, labels []int32, nativeRes, nativeChannels int, opts *Options) (*memorySource, error) {
	opts.setDefaults(nativeRes, nativeChannels)
	if opts.Resolution > nativeRes && !opts.AllowUpscale {
		return nil, fmt.Errorf("%s is %dx%d, smaller than Options.Resolution %d: lower the resolution or set Options.AllowUpscale (gandata -upscale)",
			name, nativeRes, nativeRes, opts.Resolution)
	}
	return &memorySource{
		pixels:         pixels,
		labels:         labels,
		nativeRes:      nativeRes,
		nativeChannels: nativeChannels,
		res:            opts.Resolution,
		channels:       opts.Channels,
	}, nil
}

func (m *memorySource) nativeBytes() int { return m.nativeRes * m.nativeRes * m.nativeChannels }

func (m *memorySource) Len() int { return len(m.pixels) / m.nativeBytes() }

func (m *memorySource) Read(i int, dst []uint8) (int32, error) {
	size := m.nativeBytes()
	convertSample(m.pixels[i*size:(i+1)*size], m.nativeRes, m.nativeChannels, dst, m.res, m.channels)
	if m.labels == nil {
		return 0, nil
	}
	return m.labels[i], nil
}

func (m *memorySource) Close() error { return nil }
