package main

import (
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// defaultContext holds every setting -set can change, with its default: the training machinery's
// (train.DefaultParams) and the model's (msggan.DefaultParams: a preset, by default "mnist", and
// overrides of its fields).
func defaultContext() *context.Context {
	ctx := context.New()
	ctx.SetParams(train.DefaultParams())
	ctx.SetParams(msggan.DefaultParams())
	return ctx
}
