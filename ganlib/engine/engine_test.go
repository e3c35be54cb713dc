package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/gomlx/gomlx/backends"
)

// assertContains fails t unless s contains every one of parts.
func assertContains(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(s, part) {
			t.Errorf("%s %q does not contain %q", what, s, part)
		}
	}
}

// mustFail calls engine.New(config) and returns its error message, failing t if New succeeds or
// panics: a bad setting must come back as an error a command line can print.
func mustFail(t *testing.T, config string) (msg string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("engine.New(%q) panicked instead of returning an error: %v", config, r)
		}
	}()
	backend, err := engine.New(config)
	if err == nil {
		t.Fatalf("engine.New(%q) = %s, want an error", config, backend.Name())
	}
	if backend != nil {
		t.Errorf("engine.New(%q) returned a backend along with error %v", config, err)
	}
	return err.Error()
}

func TestNewRejectsUnknownBackend(t *testing.T) {
	msg := mustFail(t, "bogus")
	assertContains(t, "error", msg, `"bogus"`, `"go"`, "xla:cpu", "xla:cuda", "xla:/absolute/path/to/plugin.so", backends.ConfigEnvVar)
}

func TestNewXLAWithoutPlugin(t *testing.T) {
	// Only the folders named here and the fixed /usr/local/lib/go-xla are searched: an empty
	// plugin folder and an empty HOME make the result independent of the machine.
	pluginDir := t.TempDir()
	t.Setenv(engine.PluginPathEnv, pluginDir)
	t.Setenv("HOME", t.TempDir())
	cases := []struct {
		config, file string
		help         []string
	}{
		{"xla:cpu", "pjrt_c_api_cpu_plugin.so", []string{"xla-cpu-pjrt", engine.PluginPathEnv}},
		{"xla:cuda", "pjrt_c_api_cuda_plugin.so", []string{"jax-cuda13-pjrt", "XLA_FLAGS", "LD_LIBRARY_PATH"}},
	}
	for _, tc := range cases {
		t.Run(tc.config, func(t *testing.T) {
			if _, err := os.Stat("/usr/local/lib/go-xla/" + tc.file); err == nil {
				t.Skipf("a %s plugin is installed in /usr/local/lib/go-xla: cannot test its absence", tc.config)
			}
			msg := mustFail(t, tc.config)
			assertContains(t, "error", msg, append([]string{tc.file, pluginDir}, tc.help...)...)
		})
	}
}

func TestNewXLAMissingPath(t *testing.T) {
	msg := mustFail(t, "xla:/nonexistent/plugin.so")
	assertContains(t, "error", msg, `"/nonexistent/plugin.so"`, "not found")
}

// A CUDA plugin named by path gets the CUDA instructions, not the CPU ones.
func TestNewXLAMissingCUDAPath(t *testing.T) {
	msg := mustFail(t, "xla:/nonexistent/site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so")
	assertContains(t, "error", msg, "not found", "jax-cuda13-pjrt", "XLA_FLAGS", "LD_LIBRARY_PATH")
	if strings.Contains(msg, "xla-cpu-pjrt") {
		t.Errorf("error for a CUDA plugin path explains the CPU plugin: %q", msg)
	}
}

func TestConfig(t *testing.T) {
	t.Setenv(backends.ConfigEnvVar, "")
	if engine.DefaultConfig != "go" {
		t.Errorf("DefaultConfig = %q, want the pure-Go backend \"go\"", engine.DefaultConfig)
	}
	if got := engine.Config(""); got != engine.DefaultConfig {
		t.Errorf("Config(\"\") without %s = %q, want the default %q", backends.ConfigEnvVar, got, engine.DefaultConfig)
	}
	t.Setenv(backends.ConfigEnvVar, "xla:cpu")
	if got := engine.Config(""); got != "xla:cpu" {
		t.Errorf("Config(\"\") with %s=xla:cpu = %q", backends.ConfigEnvVar, got)
	}
	if got := engine.Config("go"); got != "go" {
		t.Errorf("an explicit config must win over %s: Config(\"go\") = %q", backends.ConfigEnvVar, got)
	}
	// New follows the same rule: the environment names a bogus backend, the explicit "go" wins.
	t.Setenv(backends.ConfigEnvVar, "bogus")
	if _, err := engine.New("go"); err != nil {
		t.Errorf("New(\"go\") with %s=bogus: %v", backends.ConfigEnvVar, err)
	}
	assertContains(t, "error", mustFail(t, ""), `"bogus"`)
}

func TestPureGoBackend(t *testing.T) {
	backend, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, "Describe", engine.Describe(backend), `backend "go"`, "pure Go", "Pad", "Reverse", "#0")
	ops := backend.Capabilities().Operations
	if !ops[backends.OpTypePad] || !ops[backends.OpTypeReverse] {
		t.Errorf("capabilities lack Pad (%v) or Reverse (%v)", ops[backends.OpTypePad], ops[backends.OpTypeReverse])
	}
	// GoMLX's own constructor, as used by code that honours GOMLX_BACKEND=go, must get the
	// completed backend too.
	viaGoMLX, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	if viaGoMLX.Description() != backend.Description() {
		t.Errorf("backends.NewWithConfig(\"go\") is %q, not the completed backend %q", viaGoMLX.Description(), backend.Description())
	}
}
