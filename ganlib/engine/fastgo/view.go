package fastgo

// rawLoop is a data-movement loop before simplification, kept per axis so that loops can be
// composed with the Slice that feeds them (fusion.go): loop axis i moves the destination by
// dstStride[i] and the operand (input `input` of the node) along its axis srcAxis[i] (-1: none,
// broadcast) by srcStep[i] indices; loop index 0 reads operand index srcStart.
type rawLoop struct {
	dims      []int
	dstStride []int
	dstOff    int
	srcAxis   []int
	srcStep   []int
	srcStart  []int // one per operand axis
	srcDims   []int // the operand's dimensions
	input     int
}

// identityRaw reads a whole operand of dims in row-major order into the destination.
func identityRaw(dims, dstStride []int, dstOff, input int) *rawLoop {
	r := &rawLoop{dims: dims, dstStride: dstStride, dstOff: dstOff, srcDims: dims, input: input,
		srcAxis: make([]int, len(dims)), srcStep: make([]int, len(dims)), srcStart: make([]int, len(dims))}
	for i := range dims {
		r.srcAxis[i], r.srcStep[i] = i, 1
	}
	return r
}

// srcStrides returns the flat strides and offset of the loop's reads in the operand.
func (r *rawLoop) srcStrides() (strides []int, off int) {
	rm := rowMajorStrides(r.srcDims)
	strides = make([]int, len(r.dims))
	for i, a := range r.srcAxis {
		if a >= 0 {
			strides[i] = r.srcStep[i] * rm[a]
		}
	}
	for a, s := range r.srcStart {
		off += s * rm[a]
	}
	return strides, off
}

// compile simplifies the loop for execution.
func (r *rawLoop) compile() *moveLoop {
	strides, off := r.srcStrides()
	return newMoveLoop(r.dims, r.dstStride, strides, r.dstOff, off)
}

// throughSlice returns the loop reading, instead of its operand, the source of that operand
// when the operand is Slice(source, starts, strides).
func (r *rawLoop) throughSlice(sliceStarts, sliceStrides, sourceDims []int) *rawLoop {
	c := *r
	c.srcStep = make([]int, len(r.srcStep))
	for i, a := range r.srcAxis {
		if a >= 0 {
			c.srcStep[i] = r.srcStep[i] * sliceStrides[a]
		}
	}
	c.srcStart = make([]int, len(sourceDims))
	for a := range sourceDims {
		c.srcStart[a] = sliceStarts[a] + r.srcStart[a]*sliceStrides[a]
	}
	c.srcDims = sourceDims
	return &c
}
