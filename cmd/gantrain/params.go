package main

import (
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// defaultContext holds every setting -set can change, with its default: the training machinery's
// (train.DefaultParams) and the model's (the MNIST MSG-ProGAN preset).
func defaultContext() *context.Context {
	ctx := context.New()
	ctx.SetParams(train.DefaultParams())
	ctx.SetParams(msggan.MNIST().Params())
	return ctx
}
