package fastgo

// The operations below run on the inner (simplego-based) backend: each builds a one-op graph
// there (see Builder.single and Builder.multi). Operations with native kernels are in their own
// files. This file was written from the list of methods of backends.StandardOps in GoMLX v0.26.0.

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var _ = slices.Clone[[]int]

// ArgMinMax implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ArgMinMax(x backends.Op, axis int, outputDType dtypes.DType, isMin bool) (backends.Op, error) {
	return b.singleOp(backends.OpTypeArgMinMax, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ArgMinMax(in[0], axis, outputDType, isMin)
	})
}

// BatchNormForInference implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BatchNormForInference(operand backends.Op, scale backends.Op, offset backends.Op, mean backends.Op, variance backends.Op, epsilon float32, featureAxis int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeBatchNormForInference, []backends.Op{operand, scale, offset, mean, variance}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.BatchNormForInference(in[0], in[1], in[2], in[3], in[4], epsilon, featureAxis)
	})
}

// BatchNormForTraining implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BatchNormForTraining(operand backends.Op, scale backends.Op, offset backends.Op, epsilon float32, featureAxis int) (backends.Op, backends.Op, backends.Op, error) {
	outs, err := b.multi(backends.OpTypeBatchNormForTraining, []backends.Op{operand, scale, offset}, func(sb backends.Builder, in []backends.Op) ([]backends.Op, error) {
		o0, o1, o2, err := sb.BatchNormForTraining(in[0], in[1], in[2], epsilon, featureAxis)
		return []backends.Op{o0, o1, o2}, err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return outs[0], outs[1], outs[2], nil
}

// BatchNormGradient implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BatchNormGradient(operand backends.Op, scale backends.Op, mean backends.Op, variance backends.Op, gradOutput backends.Op, epsilon float32, featureAxis int) (backends.Op, backends.Op, backends.Op, error) {
	outs, err := b.multi(backends.OpTypeBatchNormGradient, []backends.Op{operand, scale, mean, variance, gradOutput}, func(sb backends.Builder, in []backends.Op) ([]backends.Op, error) {
		o0, o1, o2, err := sb.BatchNormGradient(in[0], in[1], in[2], in[3], in[4], epsilon, featureAxis)
		return []backends.Op{o0, o1, o2}, err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return outs[0], outs[1], outs[2], nil
}

// Bitcast implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Bitcast(x backends.Op, targetDType dtypes.DType) (backends.Op, error) {
	return b.singleOp(backends.OpTypeBitcast, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Bitcast(in[0], targetDType)
	})
}

// BitCount implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BitCount(operand backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeBitCount, []backends.Op{operand}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.BitCount(in[0])
	})
}

// BitwiseAnd implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BitwiseAnd(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeBitwiseAnd, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.BitwiseAnd(in[0], in[1])
	})
}

// BitwiseNot implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BitwiseNot(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeBitwiseNot, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.BitwiseNot(in[0])
	})
}

// BitwiseOr implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BitwiseOr(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeBitwiseOr, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.BitwiseOr(in[0], in[1])
	})
}

// BitwiseXor implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) BitwiseXor(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeBitwiseXor, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.BitwiseXor(in[0], in[1])
	})
}

// Ceil implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Ceil(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeCeil, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Ceil(in[0])
	})
}

// Clamp implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Clamp(min backends.Op, x backends.Op, max backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeClamp, []backends.Op{min, x, max}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Clamp(in[0], in[1], in[2])
	})
}

// Clz implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Clz(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeClz, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Clz(in[0])
	})
}

// Complex implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Complex(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeComplex, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Complex(in[0], in[1])
	})
}

// Conj implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Conj(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeConj, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Conj(in[0])
	})
}

// ConvGeneral implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ConvGeneral(input backends.Op, kernel backends.Op, axes backends.ConvolveAxesConfig, strides []int, paddings [][2]int, inputDilations []int, kernelDilations []int, channelGroupCount int, batchGroupCount int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeConvGeneral, []backends.Op{input, kernel}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ConvGeneral(in[0], in[1], axes, strides, paddings, inputDilations, kernelDilations, channelGroupCount, batchGroupCount)
	})
}

// ConvertDType implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ConvertDType(x backends.Op, dtype dtypes.DType) (backends.Op, error) {
	return b.singleOp(backends.OpTypeConvertDType, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ConvertDType(in[0], dtype)
	})
}

// Cos implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Cos(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeCos, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Cos(in[0])
	})
}

// Dot implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Dot(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeDot, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Dot(in[0], in[1])
	})
}

// DynamicSlice implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) DynamicSlice(operand backends.Op, startIndices []backends.Op, sliceDims []int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeDynamicSlice, append([]backends.Op{operand}, startIndices...), func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.DynamicSlice(in[0], in[1:], sliceDims)
	})
}

// DynamicUpdateSlice implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) DynamicUpdateSlice(operand backends.Op, update backends.Op, startIndices []backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeDynamicUpdateSlice, append([]backends.Op{operand, update}, startIndices...), func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.DynamicUpdateSlice(in[0], in[1], in[2:])
	})
}

// EqualTotalOrder implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) EqualTotalOrder(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeEqualTotalOrder, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.EqualTotalOrder(in[0], in[1])
	})
}

// Erf implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Erf(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeErf, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Erf(in[0])
	})
}

// Exp implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Exp(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeExp, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Exp(in[0])
	})
}

// Expm1 implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Expm1(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeExpm1, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Expm1(in[0])
	})
}

// FFT implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) FFT(operand backends.Op, fftType backends.FFTType, fftLength []int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeFFT, []backends.Op{operand}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.FFT(in[0], fftType, fftLength)
	})
}

// Floor implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Floor(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeFloor, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Floor(in[0])
	})
}

// Gather implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Gather(operand backends.Op, startIndices backends.Op, indexVectorAxis int, offsetOutputAxes []int, collapsedSliceAxes []int, startIndexMap []int, sliceSizes []int, indicesAreSorted bool) (backends.Op, error) {
	return b.singleOp(backends.OpTypeGather, []backends.Op{operand, startIndices}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Gather(in[0], in[1], indexVectorAxis, offsetOutputAxes, collapsedSliceAxes, startIndexMap, sliceSizes, indicesAreSorted)
	})
}

// GreaterOrEqualTotalOrder implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) GreaterOrEqualTotalOrder(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeGreaterOrEqualTotalOrder, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.GreaterOrEqualTotalOrder(in[0], in[1])
	})
}

// GreaterThanTotalOrder implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) GreaterThanTotalOrder(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeGreaterThanTotalOrder, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.GreaterThanTotalOrder(in[0], in[1])
	})
}

// Identity implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Identity(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeIdentity, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Identity(in[0])
	})
}

// Imag implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Imag(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeImag, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Imag(in[0])
	})
}

// Iota implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Iota(shape shapes.Shape, iotaAxis int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeIota, []backends.Op{}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Iota(shape, iotaAxis)
	})
}

// IsFinite implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) IsFinite(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeIsFinite, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.IsFinite(in[0])
	})
}

// IsNaN implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) IsNaN(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeIsNaN, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.IsNaN(in[0])
	})
}

// LessOrEqualTotalOrder implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) LessOrEqualTotalOrder(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLessOrEqualTotalOrder, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.LessOrEqualTotalOrder(in[0], in[1])
	})
}

// LessThanTotalOrder implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) LessThanTotalOrder(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLessThanTotalOrder, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.LessThanTotalOrder(in[0], in[1])
	})
}

// Log implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Log(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLog, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Log(in[0])
	})
}

// Log1p implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Log1p(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLog1p, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Log1p(in[0])
	})
}

// LogicalAnd implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) LogicalAnd(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLogicalAnd, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.LogicalAnd(in[0], in[1])
	})
}

// LogicalNot implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) LogicalNot(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLogicalNot, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.LogicalNot(in[0])
	})
}

// LogicalOr implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) LogicalOr(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLogicalOr, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.LogicalOr(in[0], in[1])
	})
}

// LogicalXor implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) LogicalXor(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLogicalXor, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.LogicalXor(in[0], in[1])
	})
}

// Logistic implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Logistic(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeLogistic, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Logistic(in[0])
	})
}

// NotEqualTotalOrder implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) NotEqualTotalOrder(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeNotEqualTotalOrder, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.NotEqualTotalOrder(in[0], in[1])
	})
}

// Pow implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Pow(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypePow, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Pow(in[0], in[1])
	})
}

// Real implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Real(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReal, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Real(in[0])
	})
}

// ReduceBitwiseAnd implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceBitwiseAnd(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceBitwiseAnd, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceBitwiseAnd(in[0], axes...)
	})
}

// ReduceBitwiseOr implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceBitwiseOr(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceBitwiseOr, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceBitwiseOr(in[0], axes...)
	})
}

// ReduceBitwiseXor implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceBitwiseXor(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceBitwiseXor, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceBitwiseXor(in[0], axes...)
	})
}

// ReduceLogicalAnd implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceLogicalAnd(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceLogicalAnd, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceLogicalAnd(in[0], axes...)
	})
}

// ReduceLogicalOr implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceLogicalOr(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceLogicalOr, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceLogicalOr(in[0], axes...)
	})
}

// ReduceLogicalXor implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceLogicalXor(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceLogicalXor, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceLogicalXor(in[0], axes...)
	})
}

// ReduceMax implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceMax(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceMax, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceMax(in[0], axes...)
	})
}

// ReduceMin implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceMin(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceMin, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceMin(in[0], axes...)
	})
}

// ReduceProduct implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceProduct(x backends.Op, axes ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceProduct, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceProduct(in[0], axes...)
	})
}

// ReduceWindow implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ReduceWindow(x backends.Op, reductionType backends.ReduceOpType, windowDimensions []int, strides []int, baseDilations []int, windowDilations []int, paddings [][2]int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReduceWindow, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceWindow(in[0], reductionType, windowDimensions, strides, baseDilations, windowDilations, paddings)
	})
}

// Rem implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Rem(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeRem, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Rem(in[0], in[1])
	})
}

// Reshape implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Reshape(x backends.Op, dimensions ...int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeReshape, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Reshape(in[0], dimensions...)
	})
}

// RNGBitGenerator implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) RNGBitGenerator(state backends.Op, shape shapes.Shape) (backends.Op, backends.Op, error) {
	outs, err := b.multi(backends.OpTypeRNGBitGenerator, []backends.Op{state}, func(sb backends.Builder, in []backends.Op) ([]backends.Op, error) {
		o0, o1, err := sb.RNGBitGenerator(in[0], shape)
		return []backends.Op{o0, o1}, err
	})
	if err != nil {
		return nil, nil, err
	}
	return outs[0], outs[1], nil
}

// Round implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Round(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeRound, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Round(in[0])
	})
}

// ScatterMax implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ScatterMax(operand backends.Op, scatterIndices backends.Op, updates backends.Op, indexVectorAxis int, updateWindowAxes []int, insertedWindowAxes []int, scatterAxesToOperandAxes []int, indicesAreSorted bool, uniqueIndices bool) (backends.Op, error) {
	return b.singleOp(backends.OpTypeScatterMax, []backends.Op{operand, scatterIndices, updates}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ScatterMax(in[0], in[1], in[2], indexVectorAxis, updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes, indicesAreSorted, uniqueIndices)
	})
}

// ScatterMin implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ScatterMin(operand backends.Op, scatterIndices backends.Op, updates backends.Op, indexVectorAxis int, updateWindowAxes []int, insertedWindowAxes []int, scatterAxesToOperandAxes []int, indicesAreSorted bool, uniqueIndices bool) (backends.Op, error) {
	return b.singleOp(backends.OpTypeScatterMin, []backends.Op{operand, scatterIndices, updates}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ScatterMin(in[0], in[1], in[2], indexVectorAxis, updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes, indicesAreSorted, uniqueIndices)
	})
}

// ScatterSum implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ScatterSum(operand backends.Op, scatterIndices backends.Op, updates backends.Op, indexVectorAxis int, updateWindowAxes []int, insertedWindowAxes []int, scatterAxesToOperandAxes []int, indicesAreSorted bool, uniqueIndices bool) (backends.Op, error) {
	return b.singleOp(backends.OpTypeScatterSum, []backends.Op{operand, scatterIndices, updates}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ScatterSum(in[0], in[1], in[2], indexVectorAxis, updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes, indicesAreSorted, uniqueIndices)
	})
}

// SelectAndScatterMax implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) SelectAndScatterMax(operand backends.Op, source backends.Op, windowDimensions []int, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeSelectAndScatterMax, []backends.Op{operand, source}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.SelectAndScatterMax(in[0], in[1], windowDimensions, windowStrides, paddings)
	})
}

// SelectAndScatterMin implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) SelectAndScatterMin(operand backends.Op, source backends.Op, windowDimensions []int, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.singleOp(backends.OpTypeSelectAndScatterMin, []backends.Op{operand, source}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.SelectAndScatterMin(in[0], in[1], windowDimensions, windowStrides, paddings)
	})
}

// ShiftLeft implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ShiftLeft(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeShiftLeft, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ShiftLeft(in[0], in[1])
	})
}

// ShiftRightArithmetic implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ShiftRightArithmetic(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeShiftRightArithmetic, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ShiftRightArithmetic(in[0], in[1])
	})
}

// ShiftRightLogical implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) ShiftRightLogical(lhs backends.Op, rhs backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeShiftRightLogical, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ShiftRightLogical(in[0], in[1])
	})
}

// Sin implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Sin(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeSin, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Sin(in[0])
	})
}

// Tanh implements backends.Builder with GoMLX's pure-Go implementation (see fallback).
func (b *Builder) Tanh(x backends.Op) (backends.Op, error) {
	return b.singleOp(backends.OpTypeTanh, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Tanh(in[0])
	})
}
