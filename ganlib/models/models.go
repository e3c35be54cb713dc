// Package models is the registry of model families: adding a family is its folder under
// ganlib/models and one line in Families.
package models

import (
	"fmt"
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/models/biggan"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/models/progan"
	"github.com/ganlab/gogan/ganlib/models/stylegan2"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Families are the model families, the default first.
var Families = []gan.Family{
	msggan.Family,
	progan.Family,
	stylegan2.Family,
	biggan.Family,
}

// Settings are the keys that select a family and its preset, the layers' and every family's.
func Settings() gan.Settings {
	table := gan.Settings{
		{Key: gan.ParamModel, Default: Families[0].Name, Help: "model family: " + strings.Join(familyNames(), ", ")},
		{Key: gan.ParamPreset, Default: "", Help: "the family's named settings (gantrain -list shows them); empty: its first"},
	}
	table = append(table, gan.ModelSettings...)
	table = append(table, layers.Settings...)
	for _, f := range Families {
		table = append(table, f.Settings...)
	}
	return table
}

func familyNames() []string {
	names := make([]string, len(Families))
	for i, f := range Families {
		names[i] = f.Name
	}
	return names
}

// FamilyNamed returns the family called name.
func FamilyNamed(name string) (gan.Family, error) {
	for _, f := range Families {
		if f.Name == name {
			return f, nil
		}
	}
	return gan.Family{}, errors.Errorf("%s=%s: unknown model family: use one of %s", gan.ParamModel, name, strings.Join(familyNames(), ", "))
}

// Selected returns the family and preset that ctx's settings name.
func Selected(ctx *context.Context) (gan.Family, gan.Preset, error) {
	f, err := FamilyNamed(gan.Get[string](ctx, Settings(), gan.ParamModel))
	if err != nil {
		return f, gan.Preset{}, err
	}
	p, err := f.Preset(gan.Get[string](ctx, Settings(), gan.ParamPreset))
	return f, p, err
}

// Configure applies settings in precedence order: the defaults already in ctx, then the preset
// the explicit settings select, then the explicit settings themselves (apply, called before
// and after the preset: -set on the command line, a notebook's map).
func Configure(ctx *context.Context, apply func(ctx *context.Context) error) (gan.Family, gan.Preset, error) {
	if err := apply(ctx); err != nil {
		return gan.Family{}, gan.Preset{}, err
	}
	f, p, err := Selected(ctx)
	if err != nil {
		return f, p, err
	}
	for key := range p.Settings {
		if _, found := ctx.GetParam(key); !found {
			return f, p, errors.Errorf("model %s, preset %s sets %q, which no settings table defines", f.Name, p.Name, key)
		}
	}
	ctx.SetParams(p.Settings)
	return f, p, apply(ctx)
}

// Context returns a context with every table's defaults and the models' (Settings), configured
// with settings (Configure): what a notebook starts from. Keys not in any table are refused.
func Context(settings map[string]any, tables ...gan.Settings) (*context.Context, error) {
	ctx := context.New()
	for _, table := range append(tables, Settings()) {
		ctx.SetParams(table.Defaults())
	}
	_, _, err := Configure(ctx, func(ctx *context.Context) error {
		for key := range settings {
			if _, found := ctx.GetParam(key); !found {
				return errors.Errorf("unknown setting %q", key)
			}
		}
		ctx.SetParams(settings)
		return nil
	})
	return ctx, err
}

// New returns the model ctx's settings describe.
func New(ctx *context.Context) (gan.Model, error) {
	f, _, err := Selected(ctx)
	if err != nil {
		return gan.Model{}, err
	}
	m, err := f.New(ctx)
	if err != nil {
		return m, errors.WithMessagef(err, "model %s", f.Name)
	}
	return m, m.Validate()
}

// List writes every family, its presets and its settings, for gantrain -list.
func List(b *strings.Builder) {
	for _, f := range Families {
		fmt.Fprintf(b, "model=%s: %s\n", f.Name, f.Description)
		for i, p := range f.Presets {
			def := ""
			if i == 0 {
				def = " (default)"
			}
			fmt.Fprintf(b, "  preset=%s%s: %s\n      %s\n", p.Name, def, p.Description, p.Describe(f.Settings))
		}
	}
}
