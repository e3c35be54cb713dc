// Package fastgo is a pure-Go GoMLX backend that owns graph execution: it runs the operations
// GAN training spends its time in with its own kernels, and every other operation with GoMLX's
// pure-Go backend ("simplego", as completed by ganlib/engine), one operation at a time.
//
// How it works:
//
//   - Builder records a graph of nodes. For every operation it also builds a tiny simplego graph
//     (one Parameter per input and the operation itself) on the inner backend: that gives the
//     output shape and the same validation errors simplego reports. Operations without a native
//     kernel keep that graph, compiled into a one-op simplego Executable.
//   - Native kernels: DotGeneral (dot.go, gemm.go), data movement (Slice, Pad, Concatenate,
//     Transpose, Reverse, BroadcastInDim: move.go, ops_move.go), elementwise ops, comparisons and
//     Where (elementwise.go, compare.go), ReduceSum (reduce.go), for float32 and float64.
//   - Compile rewrites the graph (fusion.go, fuse_elem.go): im2col patches are read by the
//     matrix product's packing through offset tables instead of being materialized, col2im sums
//     become one scatter-add pass, Reshapes and broadcasts cost nothing, chains of elementwise
//     ops run block by block in one pass.
//   - Buffers are the inner backend's (simplego) buffers, so native kernels and simplego
//     executables share memory without copies. Intermediate results are released as soon as
//     their last consumer ran, into a pool keyed by shape, or written in place: in steady state a
//     training step allocates no buffers.
//   - Executable runs the nodes one after another in build (topological) order; the kernels split
//     their work over the cores (intra-op parallelism, pool.go).
//   - DotGeneral is a cache-blocked matrix product on packed panels (or on A read in place) with
//     a register-blocked micro-kernel: AVX-512 through Go's simd/archsimd when built with
//     GOEXPERIMENT=simd and the CPU supports it, plain Go otherwise (see SIMD).
//
// FASTGO_OPSTATS=1 times every operation (OpStats, DotStats); FASTGO_NOFUSION=1 and
// FASTGO_NODIRECT=1 turn the rewrites and the in-place reading of A off, for comparisons.
package fastgo

import (
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
)

// Backend runs graphs with native kernels where it has them and the inner pure-Go backend for
// everything else. Data (buffers) is the inner backend's.
type Backend struct {
	// Backend is the inner (simplego-based) backend: its data interface is used unchanged.
	backends.Backend

	name        string
	description string

	workers *workers
	pool    *bufferPool

	// matmulFLOPs counts the floating-point operations of the native matrix products run.
	matmulFLOPs atomic.Uint64

	// scratch and shared hold the matrix products' packing memory (gemm.go).
	scratch freeList[gemmScratch]
	shared  freeList[sharedScratch]
}

var _ backends.Backend = (*Backend)(nil)

// Options configure a Backend.
type Options struct {
	// Name is what Name and String return (the GOMLX_BACKEND value that selects the backend).
	Name string
	// Description is prepended to the description of the kernels in use.
	Description string
	// Parallelism is the number of cores kernels split their work over (0: GOMAXPROCS).
	Parallelism int
	// Portable disables the SIMD kernels even where they are available (for comparisons).
	Portable bool
}

// New returns a backend executing graphs natively where it can and with inner otherwise.
// inner must be GoMLX's simplego backend or a wrapper of it that shares its buffers
// (ganlib/engine's completed pure-Go backend).
func New(inner backends.Backend, opts Options) *Backend {
	parallelism := opts.Parallelism
	if parallelism <= 0 {
		parallelism = runtime.GOMAXPROCS(0)
	}
	if opts.Name == "" {
		opts.Name = inner.String()
	}
	b := &Backend{
		Backend:     inner,
		name:        opts.Name,
		description: opts.Description,
		workers:     newWorkers(parallelism),
		pool:        newBufferPool(inner),
	}
	useSIMD := SIMD() && !opts.Portable
	b.workers.simd = useSIMD
	return b
}

// SIMD reports whether this build and CPU have the SIMD kernels (GOEXPERIMENT=simd, amd64 with
// AVX-512). Backends created with Options.Portable ignore them.
func SIMD() bool { return simdAvailable }

// SIMDStatus says in words which kernels are available and why (for logs).
func SIMDStatus() string { return simdStatus }

// UsesSIMD reports whether this backend's kernels use SIMD instructions.
func (b *Backend) UsesSIMD() bool { return b.workers.simd }

// MatmulFLOPs returns the floating-point operations (2 per multiply-add) of all matrix products
// this backend has run natively so far: differences over a training step give its GFLOP count.
func (b *Backend) MatmulFLOPs() float64 { return float64(b.matmulFLOPs.Load()) }

// Name implements backends.Backend.
func (b *Backend) Name() string { return b.name }

// String implements backends.Backend.
func (b *Backend) String() string { return b.name }

// Description implements backends.Backend: says which kernels are in use.
func (b *Backend) Description() string {
	var kernels string
	switch {
	case b.workers.simd:
		kernels = "AVX-512 SIMD kernels (" + simdStatus + ")"
	case SIMD():
		kernels = "portable plain-Go kernels (portable option; the SIMD kernels are available)"
	default:
		kernels = "portable plain-Go kernels (slow path: " + simdStatus + ")"
	}
	desc := fmt.Sprintf("fast pure Go: native matrix products, data movement and elementwise ops with %s on %d cores, "+
		"other ops by simplego", kernels, b.workers.parallelism)
	if b.description != "" {
		desc = b.description + "; " + desc
	}
	return desc
}

// Inner returns the backend that executes the operations without a native kernel.
func (b *Backend) Inner() backends.Backend { return b.Backend }

// Builder implements backends.Backend.
func (b *Backend) Builder(name string) backends.Builder {
	return &Builder{backend: b, name: name}
}

// Finalize implements backends.Backend: releases pooled buffers, then the inner backend.
func (b *Backend) Finalize() {
	b.pool.clear()
	b.workers.stop()
	b.Backend.Finalize()
}
