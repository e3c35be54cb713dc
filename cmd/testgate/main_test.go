package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGateRealGoTest runs `go test -json` on a small package made here, whose tests pass, fail,
// skip with an allowed reason, skip with another reason, and log, and checks what the gate
// prints and counts.
func TestGateRealGoTest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/gated\n\ngo 1.26\n")
	write("gated_test.go", `package gated

import "testing"

func TestPasses(t *testing.T) { t.Log("quiet when passing") }
func TestFails(t *testing.T)  { t.Error("loud when failing") }
func TestSkipsAllowed(t *testing.T) {
	t.Run("sub", func(t *testing.T) { t.Skip("a known upstream bug") })
}
func TestSkipsForMissingData(t *testing.T) { t.Skip("MNIST not installed") }
`)
	cmd := exec.Command("go", "test", "-json", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	events, _ := cmd.Output() // exits 1: a test fails
	var out strings.Builder
	s, err := gate(strings.NewReader(string(events)), &out, []allowedSkip{{"TestSkipsAllowed/sub", "known upstream bug"}})
	if err != nil {
		t.Fatal(err)
	}
	printed := out.String()
	t.Logf("gate printed:\n%s\nsummary: %s", printed, s)
	if s.passed != 2 || s.failed != 1 || s.allowedSkips != 1 || strings.Join(s.badSkips, ",") != "TestSkipsForMissingData" ||
		strings.Join(s.failedPackages, ",") != "example.com/gated" || s.ok() {
		t.Errorf("summary %+v: want 2 passed (TestPasses, TestSkipsAllowed), 1 failed, 1 allowed skip, TestSkipsForMissingData refused, the package failed", s)
	}
	for _, want := range []string{"loud when failing", "MNIST not installed", "a known upstream bug", "FAIL\texample.com/gated"} {
		if !strings.Contains(printed, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(printed, "quiet when passing") {
		t.Error("output shows a passing test's log")
	}
}

// TestGateBuildFailure: a package that does not compile fails the gate, with the compiler's
// message shown.
func TestGateBuildFailure(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/broken\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "broken_test.go"), []byte("package broken\n\nfunc TestX(t *testing.T) { undefined() }\n"), 0o644)
	cmd := exec.Command("go", "test", "-json", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	events, _ := cmd.CombinedOutput()
	var out strings.Builder
	s, err := gate(strings.NewReader(string(events)), &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gate printed:\n%s\nsummary: %s", out.String(), s)
	if s.ok() || !strings.Contains(out.String(), "undefined") {
		t.Errorf("a package that does not build: summary %s, output %q; want a failure showing the compiler's error", s, out.String())
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

// TestGateTimeout: a test still running when go test's timeout kills the package fails the gate,
// and its output (the timeout panic) is shown.
func TestGateTimeout(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/slow\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "slow_test.go"), []byte(`package slow

import (
	"testing"
	"time"
)

func TestHangs(t *testing.T) { t.Log("started"); time.Sleep(time.Minute) }
`), 0o644)
	cmd := exec.Command("go", "test", "-json", "-timeout", "1s", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	events, _ := cmd.Output()
	var out strings.Builder
	s, err := gate(strings.NewReader(string(events)), &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ok() || !strings.Contains(out.String(), "test timed out") || !strings.Contains(out.String(), "started") {
		t.Errorf("a test killed by the timeout: summary %s, output %q; want a failure showing the test's log and the timeout", s, out.String())
	}
}
