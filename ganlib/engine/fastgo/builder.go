package fastgo

import (
	"reflect"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// nodeKind says how a node gets its value.
type nodeKind uint8

const (
	kindParameter nodeKind = iota // an input of the computation
	kindConstant                  // a buffer owned by the node
	kindOp                        // one operation: native kernel or one-op simplego executable
	kindMulti                     // an operation with several outputs (not a value itself)
	kindOutput                    // one output of a kindMulti node
)

// node is one value (or multi-output operation) of a graph being built.
type node struct {
	idx     int
	kind    nodeKind
	opType  backends.OpType
	shape   shapes.Shape
	inputs  []*node
	builder *Builder

	paramName string          // kindParameter
	paramIdx  int             // kindParameter: position among the parameters
	constant  backends.Buffer // kindConstant

	// fb runs the operation on the inner backend (kindOp without native, kindMulti).
	fb *fallback
	// native is the native kernel of a kindOp node, nil if none.
	native nativeOp

	outputs   []*node // kindMulti: its outputs
	outputIdx int     // kindOutput: which output of inputs[0]
}

// fallback is a one-op graph on the inner backend: built with the node (for shape inference and
// validation), compiled only if the node is executed by it.
type fallback struct {
	builder backends.Builder
	outputs []backends.Op
	exec    backends.Executable
}

// nativeOp is a kernel of this package for one node.
type nativeOp interface {
	// run computes the node's value into out (a flat slice of the node's dtype, not zeroed)
	// from the flat slices of its inputs.
	run(ctx *execState, inputs []any, out any)
}

// Builder implements backends.Builder by recording nodes.
type Builder struct {
	backend  *Backend
	name     string
	nodes    []*node
	params   []*node
	compiled bool
}

var _ backends.Builder = (*Builder)(nil)

// Name implements backends.Builder.
func (b *Builder) Name() string { return b.name }

// newNode appends a node.
func (b *Builder) newNode(kind nodeKind, opType backends.OpType, shape shapes.Shape, inputs []*node) *node {
	n := &node{idx: len(b.nodes), kind: kind, opType: opType, shape: shape, inputs: inputs, builder: b}
	b.nodes = append(b.nodes, n)
	return n
}

// checkOps converts ops to this builder's nodes, with errors like simplego's.
func (b *Builder) checkOps(what string, ops ...backends.Op) ([]*node, error) {
	if b.compiled {
		return nil, errors.Errorf("cannot add new op (%s) to Builder %q, it has already been compiled", what, b.name)
	}
	nodes := make([]*node, len(ops))
	for i, op := range ops {
		if op == nil {
			return nil, errors.Errorf("%s: input op #%d is nil", what, i)
		}
		n, ok := op.(*node)
		if !ok {
			return nil, errors.Errorf("%s: input op #%d (%T) was not created by backend %q", what, i, op, b.backend.name)
		}
		if n.builder != b {
			return nil, errors.Errorf("%s: input op #%d was created with a different builder (%q), cannot use it with builder %q",
				what, i, n.builder.name, b.name)
		}
		if n.kind == kindMulti {
			return nil, errors.Errorf("%s: input op #%d is a multi-output operation, not a value", what, i)
		}
		nodes[i] = n
	}
	return nodes, nil
}

// OpShape implements backends.Builder.
func (b *Builder) OpShape(op backends.Op) (shapes.Shape, error) {
	n, ok := op.(*node)
	if !ok || n.builder != b {
		return shapes.Invalid(), errors.Errorf("OpShape: op %T was not created by builder %q", op, b.name)
	}
	return n.shape, nil
}

// checkDType rejects dtypes the inner backend does not support.
func (b *Builder) checkDType(what string, dtype dtypes.DType) error {
	if supported, ok := b.backend.Backend.Capabilities().DTypes[dtype]; !ok || !supported {
		return errors.Errorf("%s: data type (DType) %s not supported for backend %q", what, dtype, b.backend.name)
	}
	return nil
}

// Parameter implements backends.Builder.
func (b *Builder) Parameter(name string, shape shapes.Shape, sharding *backends.ShardingSpec) (backends.Op, error) {
	if _, err := b.checkOps("Parameter"); err != nil {
		return nil, err
	}
	if shape.DType == dtypes.InvalidDType {
		return nil, errors.Errorf("invalid shape %s for Parameter", shape)
	}
	if err := b.checkDType("Parameter", shape.DType); err != nil {
		return nil, err
	}
	if sharding != nil {
		return nil, errors.Errorf("Parameter: sharding spec %+v not supported by backend %q", sharding, b.backend.name)
	}
	n := b.newNode(kindParameter, backends.OpTypeParameter, shape.Clone(), nil)
	n.paramName = name
	n.paramIdx = len(b.params)
	b.params = append(b.params, n)
	return n, nil
}

// Constant implements backends.Builder: the values are copied into a buffer the node owns.
func (b *Builder) Constant(flat any, dims ...int) (backends.Op, error) {
	if _, err := b.checkOps("Constant"); err != nil {
		return nil, err
	}
	value := reflect.ValueOf(flat)
	if flat == nil || value.Kind() != reflect.Slice {
		return nil, errors.Errorf("Constant: flat data should be a slice, got %T", flat)
	}
	dtype := dtypes.FromGoType(value.Type().Elem())
	if dtype == dtypes.InvalidDType {
		return nil, errors.Errorf("Constant: flat is a slice of %s, not a GoMLX data type", value.Type().Elem())
	}
	if err := b.checkDType("Constant", dtype); err != nil {
		return nil, err
	}
	shape := shapes.Make(dtype, dims...)
	if shape.Size() != value.Len() {
		return nil, errors.Errorf("Constant: flat ([%d]%s) and shape size (%d) mismatch", value.Len(), dtype, shape.Size())
	}
	buffer, err := b.backend.Backend.BufferFromFlatData(0, flat, shape)
	if err != nil {
		return nil, errors.WithMessage(err, "Constant")
	}
	n := b.newNode(kindConstant, backends.OpTypeConstant, shape, nil)
	n.constant = buffer
	return n, nil
}

// fallbackGraph builds the operation with build on a new inner-backend builder whose parameters
// mirror the inputs. It returns the one-op graph and the shapes of its outputs.
func (b *Builder) fallbackGraph(opType backends.OpType, inputs []*node,
	build func(sb backends.Builder, params []backends.Op) ([]backends.Op, error)) (*fallback, []shapes.Shape, error) {
	sb := b.backend.Backend.Builder(b.name + "/" + opType.String())
	params := make([]backends.Op, len(inputs))
	for i, in := range inputs {
		p, err := sb.Parameter("x"+itoa(i), in.shape, nil)
		if err != nil {
			return nil, nil, err
		}
		params[i] = p
	}
	outputs, err := build(sb, params)
	if err != nil {
		return nil, nil, err
	}
	outShapes := make([]shapes.Shape, len(outputs))
	for i, out := range outputs {
		if outShapes[i], err = sb.OpShape(out); err != nil {
			return nil, nil, err
		}
	}
	return &fallback{builder: sb, outputs: outputs}, outShapes, nil
}

// single adds a single-output operation built by build (on the inner backend).
func (b *Builder) single(opType backends.OpType, ops []backends.Op,
	build func(sb backends.Builder, params []backends.Op) (backends.Op, error)) (*node, error) {
	inputs, err := b.checkOps(opType.String(), ops...)
	if err != nil {
		return nil, err
	}
	fb, outShapes, err := b.fallbackGraph(opType, inputs, func(sb backends.Builder, params []backends.Op) ([]backends.Op, error) {
		out, err := build(sb, params)
		if err != nil {
			return nil, err
		}
		return []backends.Op{out}, nil
	})
	if err != nil {
		return nil, err
	}
	n := b.newNode(kindOp, opType, outShapes[0], inputs)
	n.fb = fb
	return n, nil
}

// multi adds an operation with several outputs built by build (on the inner backend).
func (b *Builder) multi(opType backends.OpType, ops []backends.Op,
	build func(sb backends.Builder, params []backends.Op) ([]backends.Op, error)) ([]backends.Op, error) {
	inputs, err := b.checkOps(opType.String(), ops...)
	if err != nil {
		return nil, err
	}
	fb, outShapes, err := b.fallbackGraph(opType, inputs, build)
	if err != nil {
		return nil, err
	}
	tuple := b.newNode(kindMulti, opType, shapes.Invalid(), inputs)
	tuple.fb = fb
	outs := make([]backends.Op, len(outShapes))
	for i, shape := range outShapes {
		out := b.newNode(kindOutput, opType, shape, []*node{tuple})
		out.outputIdx = i
		tuple.outputs = append(tuple.outputs, out)
		outs[i] = out
	}
	return outs, nil
}

// DistributedSPMD implements backends.Builder (not supported, as in simplego).
func (b *Builder) DistributedSPMD(numDevices int) error {
	return b.backend.Backend.Builder(b.name).DistributedSPMD(numDevices)
}

// DistributedAutoSharding implements backends.Builder (not supported, as in simplego).
func (b *Builder) DistributedAutoSharding(meshes ...backends.Mesh) error {
	return b.backend.Backend.Builder(b.name).DistributedAutoSharding(meshes...)
}

// DeviceAssignment implements backends.Builder (device 0 only, as in simplego).
func (b *Builder) DeviceAssignment(devices ...backends.DeviceNum) error {
	return b.backend.Backend.Builder(b.name).DeviceAssignment(devices...)
}

// AllReduce implements backends.Builder with the inner backend (which has one device).
func (b *Builder) AllReduce(operands []backends.Op, reductionType backends.ReduceOpType, replicaGroups [][]int) ([]backends.Op, error) {
	return b.multi(backends.OpTypeAllReduce, slices.Clone(operands), func(sb backends.Builder, in []backends.Op) ([]backends.Op, error) {
		return sb.AllReduce(in, reductionType, replicaGroups)
	})
}

// itoa formats small non-negative integers without fmt.
func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// singleOp is single returning a backends.Op.
func (b *Builder) singleOp(opType backends.OpType, ops []backends.Op,
	build func(sb backends.Builder, params []backends.Op) (backends.Op, error)) (backends.Op, error) {
	n, err := b.single(opType, ops, build)
	if err != nil {
		return nil, err
	}
	return n, nil
}
