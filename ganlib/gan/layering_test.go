package gan_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ganlab/gogan/"

// deps returns the repository packages pkg imports, directly or not (go list -deps).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var list []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, module) && p != module+pkg {
			list = append(list, strings.TrimPrefix(p, module))
		}
	}
	return list
}

// TestLayering: the packages point one way. The contract imports nothing of the repository;
// ops <- layers <- blocks <- families; no family imports the training machinery, which imports
// no drawing, no layer and no data set; the gradients are registered without backend selection.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", module+"ganlib/models/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	families := strings.Fields(string(out))
	rules := []struct {
		pkgs      []string
		forbidden []string
	}{
		{[]string{"ganlib/gan", "ganlib/vjp"}, []string{"ganlib/", "datasets"}},
		{[]string{"ganlib/ops"}, []string{"ganlib/engine", "ganlib/layers", "ganlib/blocks", "ganlib/train", "ganlib/models"}},
		{[]string{"ganlib/layers"}, []string{"ganlib/blocks", "ganlib/train", "ganlib/models", "ganlib/objective"}},
		{[]string{"ganlib/blocks"}, []string{"ganlib/train", "ganlib/models", "ganlib/objective"}},
		{[]string{"ganlib/objective", "ganlib/runs"}, []string{"ganlib/train", "ganlib/layers", "ganlib/render", "ganlib/models", "datasets"}},
		{[]string{"ganlib/train"}, []string{"ganlib/render", "ganlib/layers", "ganlib/blocks", "ganlib/models", "datasets"}},
	}
	for _, f := range families {
		rules = append(rules, struct {
			pkgs      []string
			forbidden []string
		}{[]string{strings.TrimPrefix(f, module)}, []string{"ganlib/train", "ganlib/render", "ganlib/verify", "datasets"}})
	}
	checked := 0
	for _, rule := range rules {
		for _, pkg := range rule.pkgs {
			for _, dep := range deps(t, pkg) {
				for _, bad := range rule.forbidden {
					if dep == bad || strings.HasPrefix(dep, strings.TrimSuffix(bad, "/")+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad)) {
						t.Errorf("%s imports %s", pkg, dep)
					}
				}
			}
			checked++
		}
	}
	// The check sees imports: render's hooks do import train (the allowed direction).
	if !slices.Contains(deps(t, "ganlib/render"), "ganlib/train") {
		t.Error("go list -deps did not show ganlib/render importing ganlib/train")
	}
	if len(families) < 2 || checked < 8 {
		t.Errorf("checked %d packages (families %v): the rules did not see the tree", checked, families)
	}
}
