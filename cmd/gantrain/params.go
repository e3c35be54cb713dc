package main

import (
	"fmt"
	"log"
	"strings"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/tables"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/ui/commandline"
	"github.com/pkg/errors"
)

// defaultContext holds every setting with its default.
func defaultContext() *context.Context {
	ctx := context.New()
	for _, t := range tables.All() {
		ctx.SetParams(t.Settings.Defaults())
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

// configureResume sets ctx to continue the run of snapshot: the snapshot's settings, then -set
// over them (a longer kimg, say). The model's settings and the data set must stay the
// snapshot's: a difference is refused, listing them, before anything is built.
func configureResume(ctx *context.Context, snapshot, settings string) error {
	s, err := runs.ReadSnapshot(snapshot)
	if err != nil {
		return err
	}
	restored, err := runs.RestoreParams(ctx, s.Params)
	if err != nil {
		return errors.WithMessagef(err, "resuming %s", snapshot)
	}
	if _, err := commandline.ParseContextSettings(ctx, settings); err != nil {
		return errors.WithMessagef(err, "-set %q", settings)
	}
	if !restored {
		log.Printf("gantrain: warning: %s predates the settings tables: its settings are not restored; give them with -set", snapshot)
		return nil
	}
	var changed []string
	for _, setting := range append(models.Settings(), datasets.Settings...) {
		was, saved := s.Params["/|"+setting.Key]
		now, _ := ctx.GetParam(setting.Key)
		if saved && was != fmt.Sprint(now) && setting.Key != datasets.ParamSkipBad {
			changed = append(changed, fmt.Sprintf("%s is %v now, %s in the snapshot", setting.Key, now, was))
		}
	}
	if len(changed) > 0 {
		return errors.Errorf("resuming %s: the model and its data must stay the run's, but %s: drop them from -set, or start a new run",
			snapshot, strings.Join(changed, "; "))
	}
	return nil
}

// listing is -list's text: the families and presets, then every setting with its default.
func listing() string {
	var b strings.Builder
	models.List(&b)
	for _, t := range tables.All() {
		fmt.Fprintf(&b, "\n%s:\n", t.Title)
		for _, s := range t.Settings {
			fmt.Fprintf(&b, "  %-22s %-10v %s\n", s.Key, fmt.Sprintf("%v", s.Default), s.Help)
		}
	}
	return b.String()
}
