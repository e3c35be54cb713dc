// Package engine selects and completes the GoMLX backend every GAN here runs on.
//
// One setting chooses the backend: the config string passed to New, or else the GOMLX_BACKEND
// environment variable (GoMLX's own), or else the embedded pure-Go default. Accepted values:
//
//	go                  the embedded pure-Go backend (default): package fastgo's kernels (SIMD
//	                    with GOEXPERIMENT=simd) over GoMLX's simplego, completed by this package
//	go:simplego         simplego alone, completed by this package (the previous default)
//	go:portable         fastgo with its plain-Go kernels even where SIMD ones are available
//	xla:cpu, xla:cuda   XLA through a PJRT plugin found on disk (never downloaded)
//	xla:/abs/plugin.so  XLA through the PJRT plugin at that path
//
// Importing this package also registers the gradients GoMLX v0.26.0 lacks (Pad, Reverse), which
// second-order gradients through padded slices and convolutions need on every backend.
package engine

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/ganlab/gogan/ganlib/vjp" // the gradients every program with a backend here needs
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
	"github.com/janpfeifer/must"
	"github.com/pkg/errors"
)

// DefaultConfig is the backend used when neither a config nor GOMLX_BACKEND is given.
const DefaultConfig = PureGoName

// PluginPathEnv lists the folders searched for PJRT plugins (":"-separated), as in go-xla.
const PluginPathEnv = "PJRT_PLUGIN_LIBRARY_PATH"

func init() {
	// Never let go-xla download plugins: machines here are offline, and a silent download is
	// not what a user choosing "xla:cpu" asked for.
	xla.EnableAutoInstall(false)
}

// Config returns the effective backend configuration for the given explicit config:
// config itself if set, else $GOMLX_BACKEND, else DefaultConfig.
func Config(config string) string {
	if config != "" {
		return config
	}
	if env := os.Getenv(backends.ConfigEnvVar); env != "" {
		return env
	}
	return DefaultConfig
}

// New creates the backend chosen by config (see Config) and logs which backend and device it is.
func New(config string) (backends.Backend, error) {
	config = Config(config)
	name, rest, _ := strings.Cut(config, ":")
	var (
		backend backends.Backend
		err     error
	)
	switch name {
	case PureGoName:
		backend, err = newFastGo(rest)
	case "xla":
		backend, err = newXLA(rest)
	default:
		err = errors.Errorf("unknown backend %q in config %q: use %q, \"xla:cpu\", \"xla:cuda\" or \"xla:/absolute/path/to/plugin.so\" "+
			"(set it with -backend=... on the commands, or the %s environment variable)", name, config, PureGoName, backends.ConfigEnvVar)
	}
	if err != nil {
		return nil, err
	}
	log.Printf("ganlib: %s", Describe(backend))
	return backend, nil
}

// MustNew is New that panics on error (for tests and notebooks).
func MustNew(config string) backends.Backend {
	return must.M1(New(config))
}

// Describe says which backend and devices are active, in one line (for logs and notebooks).
func Describe(backend backends.Backend) string {
	devices := make([]string, backend.NumDevices())
	for i := range devices {
		devices[i] = fmt.Sprintf("#%d %s", i, backend.DeviceDescription(backends.DeviceNum(i)))
	}
	return fmt.Sprintf("backend %q: %s; devices: %s", backend.Name(), backend.Description(), strings.Join(devices, ", "))
}

// newXLA creates an XLA backend from "cpu", "cuda", any plugin name, or an absolute plugin path,
// optionally followed by ",option" flags understood by GoMLX's xla backend.
func newXLA(config string) (backend backends.Backend, err error) {
	plugin, options, _ := strings.Cut(config, ",")
	if plugin == "" {
		plugin = "cpu"
	}
	path := plugin
	if !filepath.IsAbs(plugin) {
		path, err = findPlugin(plugin)
		if err != nil {
			return nil, err
		}
	} else if _, statErr := os.Stat(path); statErr != nil {
		return nil, errors.Errorf("XLA PJRT plugin %q not found (%v).\n%s", path, statErr, pluginHelp(plugin))
	}
	// go-xla panics (e.g. nil dereference) on some broken plugin files: report them as errors.
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("loading XLA PJRT plugin %q failed: %v\n%s", path, r, pluginHelp(plugin))
		}
	}()
	xlaConfig := path
	if options != "" {
		xlaConfig += "," + options
	}
	backend, err = xla.New(xlaConfig)
	if err != nil {
		// The cause first: the help that follows is several lines long.
		return nil, fmt.Errorf("loading XLA PJRT plugin %q failed: %w\n%s", path, err, pluginHelp(plugin))
	}
	return backend, nil
}

// pluginFileName is the file name go-xla expects for a named PJRT plugin.
func pluginFileName(name string) string {
	return "pjrt_c_api_" + name + "_plugin.so"
}

// pluginDirs lists the folders searched for named plugins, in order.
func pluginDirs() []string {
	var dirs []string
	for _, dir := range filepath.SplitList(os.Getenv(PluginPathEnv)) {
		if dir != "" {
			dirs = append(dirs, dir)
		}
	}
	dirs = append(dirs, "/usr/local/lib/go-xla")
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "lib", "go-xla"))
	}
	return dirs
}

// findPlugin returns the absolute path of the named plugin, or an error saying how to get it.
func findPlugin(name string) (string, error) {
	file := pluginFileName(name)
	for _, dir := range pluginDirs() {
		path, err := filepath.Abs(filepath.Join(dir, file))
		if err != nil {
			continue
		}
		if info, err := os.Stat(path); err == nil && !info.IsDir() {
			return path, nil
		}
	}
	return "", errors.Errorf("XLA PJRT plugin %q not found: looked for %s in %s.\n%s",
		name, file, strings.Join(pluginDirs(), ", "), pluginHelp(name))
}

// pluginHelp says how to get a plugin without the internet beyond the package registries; plugin
// is a name or a path, and CUDA ones (by name, or pip's .../xla_cuda13/xla_cuda_plugin.so) get
// the CUDA instructions.
func pluginHelp(plugin string) string {
	switch {
	case strings.Contains(strings.ToLower(plugin), "cuda"):
		return "To get the CUDA plugin: pip install jax-cuda13-pjrt==0.11.2 'jax-cuda13-plugin[with-cuda]==0.11.2', then " +
			"select it by absolute path, GOMLX_BACKEND=xla:$SITE/jax_plugins/xla_cuda13/xla_cuda_plugin.so (do not move it: " +
			"it finds its libraries through RPATH), with XLA_FLAGS=--xla_gpu_cuda_data_dir=$SITE/nvidia/cu13 and " +
			"LD_LIBRARY_PATH set to the nvidia/*/lib folders under $SITE (the site-packages folder). " +
			"The pure-Go default needs nothing: GOMLX_BACKEND=go."
	default:
		return fmt.Sprintf("To get the CPU plugin: bash scripts/setup-xla.sh in the repository installs it as .xla/cpu/%[1]s "+
			"(scripts/test.sh then finds it; elsewhere set %[2]s=<repository>/.xla/cpu). By hand: pip download --no-deps "+
			"xla-cpu-pjrt==0.0.1, unzip the wheel, and either copy xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so to <dir>/%[1]s "+
			"with %[2]s=<dir>, or select it by absolute path (GOMLX_BACKEND=xla:/abs/path/xla_cpu_pjrt.so). "+
			"Nothing is downloaded at run time. The pure-Go default needs nothing: GOMLX_BACKEND=go.", pluginFileName("cpu"), PluginPathEnv)
	}
}
