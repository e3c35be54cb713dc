package main

import (
	"fmt"
	"strings"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/ui/commandline"
	"github.com/pkg/errors"
)

// tables are every settings table -set can change, grouped as -list prints them.
var tables = []struct {
	title    string
	settings gan.Settings
}{
	{"run and optimizers", train.RunSettings},
	{"objective", objective.Settings()},
	{"data", datasets.Settings},
	{"sample grids", render.Settings},
	{"model selection, layers and families", models.Settings()},
}

// defaultContext holds every setting with its default.
func defaultContext() *context.Context {
	ctx := context.New()
	for _, t := range tables {
		ctx.SetParams(t.settings.Defaults())
	}
	return ctx
}

// configure applies -set: the preset it selects, then the settings themselves.
func configure(ctx *context.Context, settings string) error {
	_, _, err := models.Configure(ctx, func(ctx *context.Context) error {
		_, err := commandline.ParseContextSettings(ctx, settings)
		return errors.WithMessagef(err, "-set %q", settings)
	})
	return err
}

// listing is -list's text: the families and presets, then every setting with its default.
func listing() string {
	var b strings.Builder
	models.List(&b)
	for _, t := range tables {
		fmt.Fprintf(&b, "\n%s:\n", t.title)
		for _, s := range t.settings {
			fmt.Fprintf(&b, "  %-22s %-10v %s\n", s.Key, fmt.Sprintf("%v", s.Default), s.Help)
		}
	}
	return b.String()
}
