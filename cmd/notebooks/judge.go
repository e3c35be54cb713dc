package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// Notebook is the part of an .ipynb file the runner reads.
type Notebook struct {
	Cells []Cell `json:"cells"`
}

// Cell is one notebook cell.
type Cell struct {
	Type     string         `json:"cell_type"`
	Source   multiline      `json:"source"`
	Outputs  []Output       `json:"outputs"`
	Metadata map[string]any `json:"metadata"`
}

// Output is one cell output.
type Output struct {
	Type   string    `json:"output_type"`
	Name   string    `json:"name"` // stream: stdout or stderr
	Text   multiline `json:"text"`
	EName  string    `json:"ename"`
	EValue string    `json:"evalue"`
}

// multiline is nbformat's text: one string or a list of lines.
type multiline string

func (m *multiline) UnmarshalJSON(data []byte) error {
	var lines []string
	if err := json.Unmarshal(data, &lines); err == nil {
		*m = multiline(strings.Join(lines, ""))
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*m = multiline(s)
	return nil
}

// ReadNotebook parses an .ipynb file.
func ReadNotebook(path string) (*Notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb Notebook
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, errors.Wrapf(err, "parsing notebook %s", path)
	}
	return &nb, nil
}

// Failure is a cell that failed, numbered from 1 as Jupyter shows cells.
type Failure struct {
	Cell   int
	Reason string
}

// runtimeFailure matches what GoNB prints, and only prints, when a cell's program (or a !
// shell command) fails at run time: Go's panic header, and the exit status or the signal of
// the failed process.
var runtimeFailure = regexp.MustCompile(`(?m)^(panic: .*|exit status \d+|signal: [a-z ]+)$`)

// Judge returns the failures of an executed notebook: error outputs (compile errors, kernel
// errors) and runtime failures found in the cells' stream outputs.
func Judge(nb *Notebook) []Failure {
	var failures []Failure
	for i, cell := range nb.Cells {
		// GoNB forwards output in fragments ("panic: ", "boom", "\n"), saved as separate
		// outputs: match each stream's text as a whole, as a front end shows it.
		streams := map[string]*strings.Builder{}
		var names []string
		for _, out := range cell.Outputs {
			switch out.Type {
			case "error":
				failures = append(failures, Failure{i + 1, out.EName + ": " + firstLine(out.EValue)})
			case "stream":
				if streams[out.Name] == nil {
					streams[out.Name] = &strings.Builder{}
					names = append(names, out.Name)
				}
				streams[out.Name].WriteString(string(out.Text))
			}
		}
		for _, name := range names {
			if m := runtimeFailure.FindString(streams[name].String()); m != "" {
				failures = append(failures, Failure{i + 1, m})
			}
		}
	}
	return failures
}

// CellSeconds returns how long a code cell ran, from the timestamps nbclient records (GoNB
// stamps its replies to the second); ok is false when the cell has none (it did not run).
func CellSeconds(cell Cell) (seconds float64, ok bool) {
	execution, _ := cell.Metadata["execution"].(map[string]any)
	startText, _ := execution["iopub.execute_input"].(string)
	endText, _ := execution["shell.execute_reply"].(string)
	start, err1 := time.Parse(time.RFC3339Nano, startText)
	end, err2 := time.Parse(time.RFC3339Nano, endText)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return end.Sub(start).Seconds(), true
}

// Report returns one line per code cell: number, seconds, status and the cell's first line.
func Report(nb *Notebook, failures []Failure) string {
	failed := map[int]string{}
	for _, f := range failures {
		if _, seen := failed[f.Cell]; !seen {
			failed[f.Cell] = f.Reason
		}
	}
	var b strings.Builder
	var total float64
	for i, cell := range nb.Cells {
		if cell.Type != "code" {
			continue
		}
		status, took := "ok", "     -"
		if reason, bad := failed[i+1]; bad {
			status = "FAILED (" + reason + ")"
		}
		if s, ok := CellSeconds(cell); ok {
			took = fmt.Sprintf("%5.0fs", s)
			total += s
		} else if status == "ok" {
			status = "not run"
		}
		fmt.Fprintf(&b, "  cell %2d %s  %-8s %s\n", i+1, took, status, firstLine(string(cell.Source)))
	}
	fmt.Fprintf(&b, "  cells total %.0fs\n", total)
	return b.String()
}

// firstLine returns s's first line with content, shortened to 70 characters: GoNB's "%%" (the
// cell is main's body) and the "# package" header of Go's compile errors say nothing about the
// cell, so they are skipped.
func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" && line != "%%" && !strings.HasPrefix(line, "# ") {
			if len(line) > 70 {
				line = line[:67] + "..."
			}
			return line
		}
	}
	return ""
}
