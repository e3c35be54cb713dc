// Package docs holds the repository's documents; its test checks that docs/PAPERS.md names only
// Go symbols that exist.
package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// symbolRef is how PAPERS.md names code: `ganlib/objective.GradientPenalty`,
// `ganlib/ops.Pyramid`, `ganlib/train.Optimizer.LazyCorrected` (package folder, then an
// identifier, then optionally a method or field).
var symbolRef = regexp.MustCompile("`((?:ganlib|datasets|cmd)(?:/[a-z0-9_]+)*)\\.([A-Za-z_][A-Za-z0-9_]*)(?:\\.([A-Za-z_][A-Za-z0-9_]*))?`")

// declarations returns the top-level names of the Go package in dir (non-test files), and its
// methods and struct fields as "Type.Name".
func declarations(t *testing.T, dir string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(info os.FileInfo) bool {
		return !strings.HasSuffix(info.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatalf("parsing %s: %v", dir, err)
	}
	for _, pkg := range pkgs {
		for _, file := range pkg.Files {
			for _, decl := range file.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil {
						names[d.Name.Name] = true
						continue
					}
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if ident, ok := recv.(*ast.Ident); ok {
						names[ident.Name+"."+d.Name.Name] = true
					}
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						switch s := spec.(type) {
						case *ast.TypeSpec:
							names[s.Name.Name] = true
							if st, ok := s.Type.(*ast.StructType); ok {
								for _, field := range st.Fields.List {
									for _, n := range field.Names {
										names[s.Name.Name+"."+n.Name] = true
									}
								}
							}
						case *ast.ValueSpec:
							for _, n := range s.Names {
								names[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return names
}

// TestPapersSymbolsExist: every symbol PAPERS.md names exists, and the map is not empty.
func TestPapersSymbolsExist(t *testing.T) {
	text, err := os.ReadFile("PAPERS.md")
	if err != nil {
		t.Fatal(err)
	}
	refs := symbolRef.FindAllStringSubmatch(string(text), -1)
	if len(refs) < 40 {
		t.Fatalf("PAPERS.md names %d symbols: want the papers' equations and techniques mapped to code", len(refs))
	}
	packages := map[string]map[string]bool{}
	for _, ref := range refs {
		dir, name := ref[1], ref[2]
		if ref[3] != "" {
			name += "." + ref[3]
		}
		if packages[dir] == nil {
			packages[dir] = declarations(t, filepath.Join("..", dir))
		}
		if !packages[dir][name] {
			t.Errorf("PAPERS.md names %s, which %s does not declare", ref[0], dir)
		}
	}
	if !strings.Contains(string(text), "not yet") {
		t.Error("PAPERS.md has no \"not yet\" rows: what the next issues add must be listed too")
	}
}
