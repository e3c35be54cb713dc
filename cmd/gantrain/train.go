package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/launch"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// command is one invocation: its flags, and the loop once it runs (for stop).
type command struct {
	settings, backend, out, name, resume string

	dir  runs.Dir
	mu   sync.Mutex
	loop *train.Loop
	stop func()
}

// run configures, validates every setting, opens the data and trains, in that order: a bad
// setting is reported before any data is read or graph compiled.
func (c *command) run() error {
	stopped := false
	c.stop = func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		stopped = true
		if c.loop != nil {
			c.loop.Stop()
		}
	}
	ctx := defaultContext()
	snapshot, err := c.locateResume()
	if err != nil {
		return err
	}
	if snapshot != "" {
		err = configureResume(ctx, snapshot, c.settings)
	} else {
		err = configure(ctx, c.settings)
	}
	if err != nil {
		return err
	}
	model, data, err := launch.Open(ctx, launch.Options{Resumed: snapshot != "", Explicit: c.explicit,
		Logf: func(format string, args ...any) { log.Printf("gantrain: "+format, args...) }})
	if err != nil {
		return err
	}
	defer data.Close()
	backend, err := engine.New(c.backend)
	if err != nil {
		return err
	}
	spec := gan.Get[string](ctx, datasets.Settings, datasets.ParamDataset)
	if snapshot == "" {
		if c.dir, err = runs.New(c.out, c.runName(ctx, spec)); err != nil {
			return err
		}
	}
	log.Printf("gantrain: run folder %s; data %s: %d images %dx%dx%d", c.dir.Path, spec, data.Len(), model.Resolution, model.Resolution, model.Channels)
	loop, err := launch.NewLoop(backend, ctx, model, data, c.dir, nil)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.loop = loop
	if stopped {
		loop.Stop()
	}
	c.mu.Unlock()
	start := time.Now()
	if err := loop.Run(snapshot); err != nil {
		return err
	}
	done := fmt.Sprintf("gantrain: done in %s, run folder %s", time.Since(start).Round(time.Second), c.dir.Path)
	if samples, err := c.dir.Samples(); err == nil && len(samples) > 0 {
		done += "; the last samples: " + samples[len(samples)-1].Path
	}
	log.Print(done)
	return nil
}

// locateResume finds the snapshot -resume names ("" for a new run) and the run folder it is in.
// For "latest" and a run folder it is the newest snapshot that reads back whole; damaged newer
// ones are reported and passed over. A snapshot file named directly must be whole.
func (c *command) locateResume() (string, error) {
	if c.resume == "" {
		return "", nil
	}
	if c.resume == "latest" {
		newest, ok, err := runs.Newest(c.out)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errors.Errorf("-resume latest: no run under %s (-out) to resume: start one without -resume", c.out)
		}
		c.dir = newest
	} else if info, err := os.Stat(c.resume); err != nil {
		return "", errors.Errorf("-resume %s: %v", c.resume, err)
	} else if !info.IsDir() {
		if _, err := runs.ReadSnapshot(c.resume); err != nil {
			return "", err
		}
		c.dir = runs.Open(filepath.Dir(c.resume))
		return c.resume, nil
	} else {
		c.dir = runs.Open(c.resume)
	}
	path, damaged, err := c.dir.LatestSnapshot()
	if err != nil {
		return "", err
	}
	for _, d := range damaged {
		log.Printf("gantrain: warning: %v: passed over", d)
	}
	if path == "" {
		return "", errors.Errorf("-resume %s: run folder %s has no snapshot that reads back whole (%d damaged): nothing to resume; start a new run without -resume",
			c.resume, c.dir.Path, len(damaged))
	}
	if len(damaged) > 0 {
		log.Printf("gantrain: warning: resuming from %s, the newest snapshot that reads back whole", path)
	}
	return path, nil
}

// explicit reports whether -set names key.
func (c *command) explicit(key string) bool {
	for _, field := range strings.Split(c.settings, ";") {
		if k, _, _ := strings.Cut(field, "="); strings.TrimSpace(k) == key && key != "" {
			return true
		}
	}
	return false
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// runName is -name, or model-preset-dataset.
func (c *command) runName(ctx *context.Context, spec string) string {
	if c.name != "" {
		return unsafeName.ReplaceAllString(c.name, "_")
	}
	family, preset, _ := models.Selected(ctx)
	_, data, _ := strings.Cut(spec, ":")
	if data == "" {
		data = spec
	}
	return unsafeName.ReplaceAllString(fmt.Sprintf("%s-%s-%s", family.Name, preset.Name, filepath.Base(data)), "_")
}
