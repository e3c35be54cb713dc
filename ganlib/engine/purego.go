package engine

import (
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/pkg/errors"
)

// PureGoName is the backend name of the embedded pure-Go backend (the same name GoMLX's
// simplego registers, so GOMLX_BACKEND=go selects the completed version below).
const PureGoName = simplego.BackendName

// pureGoBackend is GoMLX's simplego backend completed with the operations GAN training needs
// and v0.26.0 lacks there: Pad and Reverse (used by the gradients of Slice, Concatenate and
// convolution) and convolutions with unset strides (as GoMLX's own conv gradient builds them).
//
// The missing ops are built from operations simplego executes (Concatenate, Slice, Reshape,
// BroadcastInDim), so no execution code of simplego is replaced.
type pureGoBackend struct {
	*simplego.Backend
}

// pureGoBuilder overrides the incomplete operations of simplego's Builder.
type pureGoBuilder struct {
	*simplego.Builder
}

var (
	_ backends.Backend = (*pureGoBackend)(nil)
	_ backends.Builder = (*pureGoBuilder)(nil)
)

// newPureGo creates the completed pure-Go backend; config is passed on to simplego.
//
// Ops run one after another (simplego's "ops_sequential") unless config says "ops_parallel":
// simplego's parallel scheduler runs ops on the same worker pool that DotGeneral waits on for
// its own parallel blocks, and with the many matrix products of a gradient-penalty step every
// worker ended up waiting for another one (a deadlock seen in the ops tests). Matrix products
// still use all cores inside each op.
func newPureGo(config string) (backends.Backend, error) {
	if !strings.Contains(config, "ops_parallel") {
		config = strings.Trim("ops_sequential,"+config, ",")
	}
	inner, err := simplego.New(config)
	if err != nil {
		return nil, err
	}
	return &pureGoBackend{Backend: inner.(*simplego.Backend)}, nil
}

func init() {
	// Replace simplego's registration, so GoMLX code that creates backends by name
	// (backends.New, GOMLX_BACKEND=go) also gets the completed backend (fast by default, see
	// fastgo.go).
	backends.Register(PureGoName, newFastGo)
}

// Name implements backends.Backend: the GOMLX_BACKEND value that selects it.
func (b *pureGoBackend) Name() string { return PureGoName }

// String implements backends.Backend.
func (b *pureGoBackend) String() string { return PureGoName }

// Description implements backends.Backend.
func (b *pureGoBackend) Description() string {
	return "pure Go (GoMLX simplego, completed by ganlib with Pad, Reverse and default conv strides)"
}

// Capabilities implements backends.Backend, adding the operations this wrapper provides.
func (b *pureGoBackend) Capabilities() backends.Capabilities {
	c := b.Backend.Capabilities().Clone()
	c.Operations[backends.OpTypePad] = true
	c.Operations[backends.OpTypeReverse] = true
	return c
}

// Builder implements backends.Backend.
func (b *pureGoBackend) Builder(name string) backends.Builder {
	return &pureGoBuilder{Builder: b.Backend.Builder(name).(*simplego.Builder)}
}

// fillLike returns fillValue (a scalar op) broadcast to the given dimensions.
func (b *pureGoBuilder) fillLike(fillValue backends.Op, like backends.Op, dims []int) (backends.Op, error) {
	shape, err := b.OpShape(like)
	if err != nil {
		return nil, err
	}
	shape.Dimensions = slices.Clone(dims)
	return b.BroadcastInDim(fillValue, shape, nil)
}

// Pad implements backends.Builder: for each axis, interior padding interleaves fill blocks
// through a reshape, negative edges slice and positive edges concatenate fill blocks.
func (b *pureGoBuilder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	if len(axesConfig) > shape.Rank() {
		return nil, errors.Errorf("Pad: %d axes configured for operand of shape %s", len(axesConfig), shape)
	}
	fillShape, err := b.OpShape(fillValue)
	if err != nil {
		return nil, err
	}
	if !fillShape.IsScalar() || fillShape.DType != shape.DType {
		return nil, errors.Errorf("Pad: fill value must be a scalar of %s, got %s", shape.DType, fillShape)
	}
	for axis, cfg := range axesConfig {
		if cfg.Interior < 0 {
			return nil, errors.Errorf("Pad: negative interior padding %d on axis %d", cfg.Interior, axis)
		}
		if x, err = b.padInterior(x, fillValue, axis, cfg.Interior); err != nil {
			return nil, err
		}
		if x, err = b.padEdges(x, fillValue, axis, cfg.Start, cfg.End); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// padInterior inserts `interior` fill values between consecutive elements along axis.
func (b *pureGoBuilder) padInterior(x, fillValue backends.Op, axis, interior int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	n := shape.Dimensions[axis]
	if interior == 0 || n <= 1 {
		return x, nil
	}
	if shape.Size() == 0 { // another axis is empty: so is the result, and Concatenate crashes on it
		dims := slices.Clone(shape.Dimensions)
		dims[axis] = n + (n-1)*interior
		return b.fillLike(fillValue, x, dims)
	}
	// [..., n, rest...] -> [..., n, 1, rest...] ++ fill[..., n, interior, rest...] on axis+1.
	expanded := slices.Insert(slices.Clone(shape.Dimensions), axis+1, 1)
	xe, err := b.Reshape(x, expanded...)
	if err != nil {
		return nil, err
	}
	fillDims := slices.Clone(expanded)
	fillDims[axis+1] = interior
	fill, err := b.fillLike(fillValue, x, fillDims)
	if err != nil {
		return nil, err
	}
	joined, err := b.Concatenate(axis+1, xe, fill)
	if err != nil {
		return nil, err
	}
	flatDims := slices.Clone(shape.Dimensions)
	flatDims[axis] = n * (1 + interior)
	flat, err := b.Reshape(joined, flatDims...)
	if err != nil {
		return nil, err
	}
	// Drop the fill after the last element.
	return b.sliceAxis(flat, axis, 0, n+(n-1)*interior)
}

// padEdges adds (positive) or removes (negative) start/end elements along axis.
func (b *pureGoBuilder) padEdges(x, fillValue backends.Op, axis, start, end int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	n := shape.Dimensions[axis]
	from, to := max(-start, 0), n-max(-end, 0)
	if from > to {
		return nil, errors.Errorf("Pad: negative padding (%d, %d) on axis %d removes more than its %d elements",
			start, end, axis, n)
	}
	if from == to || shape.Size() == 0 {
		// Nothing of x is left: the result is all fill. simplego rejects an empty slice at the end
		// of an axis, and its Concatenate crashes the process on empty operands (the Pad gradient
		// pads an empty adjoint when the forward Pad cropped an axis away).
		dims := slices.Clone(shape.Dimensions)
		dims[axis] = to - from + max(start, 0) + max(end, 0)
		return b.fillLike(fillValue, x, dims)
	}
	if from > 0 || to < n {
		if x, err = b.sliceAxis(x, axis, from, to); err != nil {
			return nil, err
		}
		if shape, err = b.OpShape(x); err != nil {
			return nil, err
		}
	}
	parts := make([]backends.Op, 0, 3)
	if start > 0 {
		dims := slices.Clone(shape.Dimensions)
		dims[axis] = start
		fill, err := b.fillLike(fillValue, x, dims)
		if err != nil {
			return nil, err
		}
		parts = append(parts, fill)
	}
	parts = append(parts, x)
	if end > 0 {
		dims := slices.Clone(shape.Dimensions)
		dims[axis] = end
		fill, err := b.fillLike(fillValue, x, dims)
		if err != nil {
			return nil, err
		}
		parts = append(parts, fill)
	}
	if len(parts) == 1 {
		return x, nil
	}
	return b.Concatenate(axis, parts...)
}

// sliceAxis slices [from, to) along one axis, keeping the others whole.
func (b *pureGoBuilder) sliceAxis(x backends.Op, axis, from, to int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	starts := make([]int, shape.Rank())
	limits := slices.Clone(shape.Dimensions)
	strides := make([]int, shape.Rank())
	for i := range strides {
		strides[i] = 1
	}
	starts[axis], limits[axis] = from, to
	return b.Slice(x, starts, limits, strides)
}

// Reverse implements backends.Builder by concatenating single-element slices in reverse order.
// It is used on small axes (kernel windows), where this costs one copy.
func (b *pureGoBuilder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	for _, axis := range axes {
		if axis < 0 || axis >= shape.Rank() {
			return nil, errors.Errorf("Reverse: axis %d out of range for shape %s", axis, shape)
		}
		n := shape.Dimensions[axis]
		if n <= 1 || shape.Size() == 0 {
			continue
		}
		parts := make([]backends.Op, n)
		for i := range n {
			if parts[n-1-i], err = b.sliceAxis(x, axis, i, i+1); err != nil {
				return nil, err
			}
		}
		if x, err = b.Concatenate(axis, parts...); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// ConvGeneral implements backends.Builder, filling in unit strides when none are given
// (simplego's shape inference rejects empty strides, which GoMLX's conv gradient passes).
func (b *pureGoBuilder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	spatialRank := len(axes.InputSpatial)
	if len(strides) == 0 {
		strides = make([]int, spatialRank)
	} else {
		strides = slices.Clone(strides)
	}
	for i, s := range strides {
		if s <= 0 {
			strides[i] = 1
		}
	}
	return b.Builder.ConvGeneral(input, kernel, axes, strides, paddings, inputDilations, kernelDilations,
		channelGroupCount, batchGroupCount)
}
