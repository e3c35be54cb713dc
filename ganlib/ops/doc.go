// Package ops holds the weight-free GAN operations of ProGAN, StyleGAN2 and MSG-GAN, written
// as compositions of GoMLX primitives whose gradients are again such primitives (Slice, Pad,
// Concatenate, Reshape, DotGeneral, elementwise ops). Gradients of any order therefore work on
// every backend, which WGAN-GP, R1 and path-length regularization need.
//
// Tensors are channels-last: images [batch, height, width, channels], conv kernels
// [kernelHeight, kernelWidth, inChannels, outChannels].
//
// Importing ops imports ganlib/vjp, which registers the gradients GoMLX v0.26.0 lacks (Pad,
// Reverse, Rsqrt) or computes slowly (DotGeneral, Max, Min).
package ops

import (
	_ "github.com/ganlab/gogan/ganlib/vjp"
)
