// Package vjp registers, in GoMLX's graph.VJPRegistration, the gradients GoMLX v0.26.0 lacks
// (Pad, Reverse, Rsqrt) or computes slowly (DotGeneral as two matrix products, Max and Min as a
// comparison and two selections). Each is again made of such primitives, so derivatives of any
// order work on every backend: WGAN-GP, R1 and path-length regularization differentiate a
// function of a gradient. It imports only GoMLX: ganlib/ops imports it for its side effect, as
// does ganlib/engine (so any program with a backend from engine has the gradients).
package vjp
