package datasets

import "fmt"

// Samples returns the samples at the given indices (0 <= index < Len), unshuffled and unflipped,
// e.g. to show them or to compute statistics of real images.
func (d *Dataset) Samples(indices []int) (Batch, error) {
	batch := d.newBatch(len(indices))
	scratch := make([]uint8, d.sampleBytes())
	for k, i := range indices {
		if i < 0 || i >= d.src.Len() {
			return Batch{}, fmt.Errorf("%s: sample index %d out of range [0, %d)", d.spec, i, d.src.Len())
		}
		if err := d.fillSlot(batch, k, i, false, scratch); err != nil {
			return Batch{}, err
		}
	}
	return batch, nil
}

func (d *Dataset) newBatch(size int) Batch {
	res, ch := d.opts.Resolution, d.opts.Channels
	batch := Batch{
		Images: make([]float32, size*res*res*ch),
		Shape:  [4]int{size, res, res, ch},
	}
	if len(d.classNames) > 0 {
		batch.Labels = make([]int32, size)
	}
	return batch
}

// fillSlot decodes sample index into slot k of batch, mirrored when flip is set.
func (d *Dataset) fillSlot(batch Batch, k, index int, flip bool, scratch []uint8) error {
	label, err := d.readSample(index, scratch)
	if err != nil {
		return err
	}
	res, ch := d.opts.Resolution, d.opts.Channels
	out := batch.Images[k*len(scratch) : (k+1)*len(scratch)]
	if flip {
		for y := range res {
			row := y * res * ch
			for x := range res {
				src := row + (res-1-x)*ch
				dst := row + x*ch
				for c := range ch {
					out[dst+c] = byteToUnit[scratch[src+c]]
				}
			}
		}
	} else {
		for j, v := range scratch {
			out[j] = byteToUnit[v]
		}
	}
	if batch.Labels != nil {
		batch.Labels[k] = label
	}
	return nil
}

// readSample reads sample index; with Options.SkipBad a sample that fails to decode is reported
// once and replaced by the next one that decodes, so the order stays a function of the seed.
func (d *Dataset) readSample(index int, dst []uint8) (int32, error) {
	n := d.src.Len()
	for offset := range n {
		i := (index + offset) % n
		if d.bad[i].Load() {
			continue
		}
		label, err := d.src.Read(i, dst)
		if err == nil {
			return label, nil
		}
		if !d.opts.SkipBad {
			return 0, fmt.Errorf("%s: %w (%s)", d.spec, err, skipHint)
		}
		if !d.bad[i].Swap(true) {
			d.report.addSkipped(err)
		}
	}
	return 0, fmt.Errorf("%s: every one of the %d samples failed to decode (%s)", d.spec, n, d.report)
}

// byteToUnit maps a stored byte to [-1, 1]: 0 -> -1, 255 -> +1.
var byteToUnit = func() (table [256]float32) {
	for v := range table {
		table[v] = float32(v)/127.5 - 1
	}
	return table
}()
