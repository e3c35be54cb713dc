// Command testgate reads `go test -json` on its standard input, prints what a plain `go test`
// prints (each package's result line; the output of failed and skipped tests; build errors), and
// fails when any test failed or was skipped, unless the skip is listed in the allowed-skips file.
// The test command runs every `go test` through it, so a missing data set, XLA plugin or
// notebook tool cannot turn checks into skips and leave the run green.
//
//	go test -json ./... | go run ./cmd/testgate -allow scripts/allowed-skips.txt
//
// The allowed-skips file has one skip per line, "TestName/subtest reason", the reason being a
// substring of what the test printed when it skipped; # starts a comment.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	allowPath := flag.String("allow", "", "file of allowed skips (see the package documentation)")
	flag.Parse()
	var allowed []allowedSkip
	if *allowPath != "" {
		var err error
		if allowed, err = readAllowed(*allowPath); err != nil {
			fmt.Fprintln(os.Stderr, "testgate:", err)
			os.Exit(2)
		}
	}
	summary, err := gate(os.Stdin, os.Stdout, allowed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testgate:", err)
		os.Exit(2)
	}
	if !summary.ok() {
		fmt.Fprintln(os.Stderr, "testgate:", summary)
		os.Exit(1)
	}
	fmt.Println("testgate:", summary)
}

// event is one line of `go test -json` (cmd/test2json's TestEvent, and the build events).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

type allowedSkip struct{ test, reason string }

func readAllowed(path string) ([]allowedSkip, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list []allowedSkip
	for i, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		test, reason, found := strings.Cut(line, " ")
		if !found || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want \"TestName reason\", got %q", path, i+1, line)
		}
		list = append(list, allowedSkip{test, strings.TrimSpace(reason)})
	}
	return list, nil
}

// summary counts what the run did.
type summary struct {
	passed, failed, allowedSkips int
	badSkips, failedPackages     []string
}

func (s summary) ok() bool {
	return s.failed == 0 && len(s.badSkips) == 0 && len(s.failedPackages) == 0
}

func (s summary) String() string {
	text := fmt.Sprintf("%d tests passed, %d failed, %d skipped as allowed", s.passed, s.failed, s.allowedSkips)
	if len(s.badSkips) > 0 {
		text += fmt.Sprintf("; %d skipped that must run (install what they name, or list them in the allowed skips): %s",
			len(s.badSkips), strings.Join(s.badSkips, ", "))
	}
	if len(s.failedPackages) > 0 {
		text += "; failed packages: " + strings.Join(s.failedPackages, ", ")
	}
	return text
}

// gate reads the events, writes the plain output, and returns the counts.
func gate(in io.Reader, out io.Writer, allowed []allowedSkip) (summary, error) {
	var s summary
	// Output of each running test, printed only if it fails or skips (as plain go test does).
	pending := map[string]*strings.Builder{}
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		line := scanner.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not an event (go's own messages): pass it on.
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Action == "build-fail":
			s.failedPackages = append(s.failedPackages, e.ImportPath+" (build)")
		case e.Test == "":
			switch e.Action {
			case "output":
				if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "=== ") {
					fmt.Fprint(out, e.Output)
				}
			case "fail":
				s.failedPackages = append(s.failedPackages, e.Package)
				// Tests still running when the package failed (a timeout, a crash): their output
				// is what says why.
				for k, b := range pending {
					if strings.HasPrefix(k, e.Package+" ") {
						fmt.Fprint(out, b.String())
						delete(pending, k)
					}
				}
			}
		case e.Action == "output":
			if strings.HasPrefix(e.Output, "=== ") {
				continue // RUN, PAUSE, CONT lines: plain go test does not show them
			}
			if pending[key] == nil {
				pending[key] = &strings.Builder{}
			}
			pending[key].WriteString(e.Output)
		case e.Action == "pass":
			s.passed++
			delete(pending, key)
		case e.Action == "fail":
			s.failed++
			fmt.Fprint(out, text(pending[key]))
			delete(pending, key)
		case e.Action == "skip":
			output := text(pending[key])
			if isAllowed(allowed, e.Test, output) {
				s.allowedSkips++
			} else {
				s.badSkips = append(s.badSkips, e.Test)
			}
			fmt.Fprint(out, output)
			delete(pending, key)
		}
	}
	return s, scanner.Err()
}

func text(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	return b.String()
}

func isAllowed(allowed []allowedSkip, test, output string) bool {
	for _, a := range allowed {
		if a.test == test && strings.Contains(output, a.reason) {
			return true
		}
	}
	return false
}
