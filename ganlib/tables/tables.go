// Package tables lists every settings table of the project in one place, above all the packages
// that own one: the command line's -set and -list, a snapshot's restored settings (ganmetrics,
// explore) and the contexts of notebooks and studies all start from the same list, so a new table
// is added once.
package tables

import (
	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Table is one settings table with the title -list prints it under.
type Table struct {
	Title    string
	Settings gan.Settings
}

// All are every table, in -list's order.
func All() []Table {
	return []Table{
		{"run and optimizers", train.RunSettings},
		{"objective", objective.Settings()},
		{"data", datasets.Settings},
		{"sample grids", render.Settings},
		{"metrics", metrics.Settings},
		{"model selection, layers and families", models.Settings()},
	}
}

// Settings are every table's settings, for runs.Snapshot.Settings and models.Context.
func Settings() []gan.Settings {
	var out []gan.Settings
	for _, t := range All() {
		out = append(out, t.Settings)
	}
	return out
}

// Context is models.Context over every table: every default, a model configured with settings.
func Context(settings map[string]any) (*context.Context, error) {
	return models.Context(settings, Settings()...)
}
