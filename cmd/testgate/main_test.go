package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gateGoTest writes a module of the given test files, runs `go test -json` on it with args, and
// passes its events through the gate with the allowed skips.
func gateGoTest(t *testing.T, files map[string]string, allowed []allowedSkip, args ...string) (summary, string) {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/gated\n\ngo 1.26\n"
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", append([]string{"test", "-json"}, append(args, ".")...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	events, _ := cmd.Output() // a failing run exits 1: the events say why
	var out strings.Builder
	s, err := gate(strings.NewReader(string(events)), &out, allowed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gate printed:\n%s\nsummary: %s", out.String(), s)
	return s, out.String()
}

// TestGateRealGoTest: tests that pass, fail, skip with an allowed reason, skip with another
// reason, and log; what the gate prints and counts.
func TestGateRealGoTest(t *testing.T) {
	s, printed := gateGoTest(t, map[string]string{"gated_test.go": `package gated

import "testing"

func TestPasses(t *testing.T) { t.Log("quiet when passing") }
func TestFails(t *testing.T)  { t.Error("loud when failing") }
func TestSkipsAllowed(t *testing.T) {
	t.Run("sub", func(t *testing.T) { t.Skip("a known upstream bug") })
}
func TestSkipsForMissingData(t *testing.T) { t.Skip("MNIST not installed") }
`}, []allowedSkip{{"TestSkipsAllowed/sub", "known upstream bug"}})
	if s.passed != 2 || s.failed != 1 || s.allowedSkips != 1 || strings.Join(s.badSkips, ",") != "TestSkipsForMissingData" ||
		strings.Join(s.failedPackages, ",") != "example.com/gated" || s.ok() {
		t.Errorf("summary %+v: want 2 passed (TestPasses, TestSkipsAllowed), 1 failed, 1 allowed skip, TestSkipsForMissingData refused, the package failed", s)
	}
	for _, want := range []string{"loud when failing", "MNIST not installed", "a known upstream bug", "FAIL\texample.com/gated"} {
		if !strings.Contains(printed, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(printed, "quiet when passing") || strings.Contains(printed, "=== RUN") {
		t.Error("output shows a passing test's log or the RUN lines")
	}
}

// TestGateBuildFailure: a package that does not compile fails the gate, with the compiler's
// message shown.
func TestGateBuildFailure(t *testing.T) {
	s, printed := gateGoTest(t, map[string]string{"broken_test.go": "package gated\n\nfunc TestX(t *testing.T) { undefined() }\n"}, nil)
	if s.ok() || !strings.Contains(printed, "undefined") {
		t.Errorf("a package that does not build: summary %s; want a failure showing the compiler's error", s)
	}
}

// TestGateTimeout: a test still running when go test's timeout kills the package fails the gate,
// and its output (its log, the timeout panic) is shown.
func TestGateTimeout(t *testing.T) {
	s, printed := gateGoTest(t, map[string]string{"slow_test.go": `package gated

import (
	"testing"
	"time"
)

func TestHangs(t *testing.T) { t.Log("started"); time.Sleep(time.Minute) }
`}, nil, "-timeout", "1s")
	if s.ok() || !strings.Contains(printed, "test timed out") || !strings.Contains(printed, "started") {
		t.Errorf("a test killed by the timeout: summary %s; want a failure showing the test's log and the timeout", s)
	}
}

func TestReadAllowed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "allowed")
	os.WriteFile(path, []byte("# comment\n\nTestA/b some reason here\n"), 0o644)
	list, err := readAllowed(path)
	if err != nil || len(list) != 1 || list[0] != (allowedSkip{"TestA/b", "some reason here"}) {
		t.Errorf("readAllowed = %v, %v", list, err)
	}
	os.WriteFile(path, []byte("TestWithoutReason\n"), 0o644)
	if _, err := readAllowed(path); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("a line without a reason: error %v, want one naming the line", err)
	}
}
