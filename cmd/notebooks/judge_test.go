package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// parse builds a Notebook from its JSON, as read from an .ipynb file.
func parse(t *testing.T, text string) *Notebook {
	t.Helper()
	var nb Notebook
	if err := json.Unmarshal([]byte(text), &nb); err != nil {
		t.Fatal(err)
	}
	return &nb
}

func TestJudge(t *testing.T) {
	nb := parse(t, `{"cells": [
	 {"cell_type": "markdown", "source": "# panic: not code", "metadata": {}},
	 {"cell_type": "code", "source": ["%%\n", "fmt.Println(\"no panic: here\")"], "metadata": {}, "outputs": [
	   {"output_type": "stream", "name": "stdout", "text": "no panic: here\nexit status is fine mid-sentence\n"}]},
	 {"cell_type": "code", "source": "%%\npanic(\"boom\")", "metadata": {}, "outputs": [
	   {"output_type": "stream", "name": "stderr", "text": ["panic: "]},
	   {"output_type": "stream", "name": "stdout", "text": ["interleaved\n"]},
	   {"output_type": "stream", "name": "stderr", "text": ["boom"]},
	   {"output_type": "stream", "name": "stderr", "text": ["\n\ngoroutine 1 [running]:\n"]}]},
	 {"cell_type": "code", "source": "%%\nos.Exit(3)", "metadata": {}, "outputs": [
	   {"output_type": "stream", "name": "stderr", "text": "exit status 3\n"}]},
	 {"cell_type": "code", "source": "%%\nundefinedThing()", "metadata": {}, "outputs": [
	   {"output_type": "error", "ename": "ERROR", "evalue": "# gonb_1\n./main.go:10:1: undefined: undefinedThing\n", "traceback": []}]},
	 {"cell_type": "code", "source": "!sleep 100", "metadata": {}, "outputs": [
	   {"output_type": "stream", "name": "stderr", "text": "signal: killed\n"}]}
	]}`)
	got := Judge(nb)
	want := []Failure{{3, "panic: boom"}, {4, "exit status 3"}, {5, "ERROR: ./main.go:10:1: undefined: undefinedThing"}, {6, "signal: killed"}}
	if len(got) != len(want) {
		t.Fatalf("failures %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("failure %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCellSecondsAndReport(t *testing.T) {
	nb := parse(t, `{"cells": [
	 {"cell_type": "markdown", "source": "title", "metadata": {}},
	 {"cell_type": "code", "source": "%%\nfmt.Println(1)", "outputs": [], "metadata": {"execution": {
	   "iopub.execute_input": "2026-11-26T14:38:13.000000Z", "shell.execute_reply": "2026-11-26T14:38:18.500000Z"}}},
	 {"cell_type": "code", "source": "%%\npanic(1)", "outputs": [], "metadata": {"execution": {
	   "iopub.execute_input": "2026-11-26T14:38:18.500000Z", "shell.execute_reply": "2026-11-26T14:38:20.000000Z"}}},
	 {"cell_type": "code", "source": "%%\nnever()", "outputs": [], "metadata": {}}
	]}`)
	if s, ok := CellSeconds(nb.Cells[1]); !ok || s != 5.5 {
		t.Errorf("CellSeconds = %g, %v; want 5.5", s, ok)
	}
	if _, ok := CellSeconds(nb.Cells[3]); ok {
		t.Error("a cell without timestamps has no time")
	}
	report := Report(nb, []Failure{{3, "panic: 1"}})
	want := "  cell  2     6s  ok       fmt.Println(1)\n" +
		"  cell  3     2s  FAILED (panic: 1) panic(1)\n" +
		"  cell  4      -  not run  never()\n" +
		"  cells total 7s\n"
	if report != want {
		t.Errorf("report:\n%s\nwant:\n%s", report, want)
	}
	if strings.Contains(report, "title") {
		t.Error("markdown cells are not reported")
	}
}
