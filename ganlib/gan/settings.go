package gan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Setting is one hyper-parameter: its context key, its default (whose Go type is the setting's
// type: -set parses values to it) and one line of meaning.
type Setting struct {
	Key     string
	Default any
	Help    string
}

// Settings is one package's table of settings: the one place their defaults are written.
type Settings []Setting

// Defaults returns the table as context params.
func (s Settings) Defaults() map[string]any {
	params := make(map[string]any, len(s))
	for _, setting := range s {
		params[setting.Key] = setting.Default
	}
	return params
}

// Lookup returns the setting named key.
func (s Settings) Lookup(key string) (Setting, bool) {
	for _, setting := range s {
		if setting.Key == key {
			return setting, true
		}
	}
	return Setting{}, false
}

// Get reads setting key from ctx, defaulting to the table's value. A key missing from the table,
// or a default of another type, is a programming error and panics naming it.
func Get[T any](ctx *context.Context, table Settings, key string) T {
	setting, ok := table.Lookup(key)
	if !ok {
		panic(errors.Errorf("gan.Get: setting %q is not in the table", key))
	}
	def, ok := setting.Default.(T)
	if !ok {
		panic(errors.Errorf("gan.Get: setting %q has a default of type %T, read as %T", key, setting.Default, def))
	}
	return context.GetParamOr(ctx, key, def)
}

// Preset is a named table of settings, in the spirit of stylegan2-ada-pytorch's cfg_specs: it
// may set model and objective keys together (StyleGAN2's configurations do). Settings given
// explicitly (-set, a notebook's overrides) take precedence over the preset's.
type Preset struct {
	Name, Description string
	Settings          map[string]any
}

// Family is one model family: its settings, its presets and how to build its model.
type Family struct {
	Name, Description string
	// Settings are the family's keys with their defaults.
	Settings Settings
	// Presets are named configurations; the first is the default.
	Presets []Preset
	// ResolutionSetting and ChannelsSetting are the keys of the output resolution and image
	// channels (benchmarks and notebooks set the first; a new run's data set sets the second).
	ResolutionSetting, ChannelsSetting string
	// New builds the model from the settings in ctx, checking them.
	New func(ctx *context.Context) (Model, error)
}

// Keys that select the family (Family.Name) and its preset (Preset.Name; "" is the family's
// first).
const (
	ParamModel  = "model"
	ParamPreset = "preset"
)

// ParamClasses makes a family class-conditional: 0 unconditional, N > 1 classes (labels 0 to
// N-1 with every batch, Model.NumClasses). Every family reads it (Classes).
const ParamClasses = "classes"

// ModelSettings are the keys every family shares.
var ModelSettings = Settings{
	{Key: ParamClasses, Default: 0, Help: "class-conditional training with this many classes (a new run's follow its labelled data set); 0: unconditional"},
}

// Classes reads the classes setting, checked: 0, or at least 2.
func Classes(ctx *context.Context) (int, error) {
	classes := Get[int](ctx, ModelSettings, ParamClasses)
	if classes < 0 || classes == 1 {
		return 0, errors.Errorf("%s=%d: use 0 (unconditional) or the number of classes, at least 2", ParamClasses, classes)
	}
	return classes, nil
}

// Preset returns the preset called name ("" for the first).
func (f Family) Preset(name string) (Preset, error) {
	if name == "" {
		return f.Presets[0], nil
	}
	names := make([]string, len(f.Presets))
	for i, p := range f.Presets {
		if p.Name == name {
			return p, nil
		}
		names[i] = p.Name
	}
	return Preset{}, errors.Errorf("%s=%s: model %s has no preset %q: use one of %s", ParamPreset, name, f.Name, name, strings.Join(names, ", "))
}

// Describe lists a preset's settings as key=value, sorted by the family's table order then by key.
func (p Preset) Describe(table Settings) string {
	var fields []string
	seen := map[string]bool{}
	for _, s := range table {
		if v, ok := p.Settings[s.Key]; ok {
			fields = append(fields, fmt.Sprintf("%s=%v", s.Key, v))
			seen[s.Key] = true
		}
	}
	var rest []string
	for k, v := range p.Settings {
		if !seen[k] {
			rest = append(rest, fmt.Sprintf("%s=%v", k, v))
		}
	}
	slices.Sort(rest)
	return strings.Join(append(fields, rest...), " ")
}

// NewPreset is the preset of the given settings tables merged in order (a family's model
// settings, its objective, a run's length and data), later tables winning.
func NewPreset(name, description string, tables ...map[string]any) Preset {
	settings := map[string]any{}
	for _, table := range tables {
		for k, v := range table {
			settings[k] = v
		}
	}
	return Preset{Name: name, Description: description, Settings: settings}
}

// Names joins a setting's allowed values for its help and its errors: "orig, skip, resnet".
func Names[T ~string](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}
