// Package sourcetest is what tests of every layer share about the registered formats: their real bodies and the
// golden answers beside them (domain/source/<folder>/testdata), found through the registry, so that no test keeps
// a list of sources or a path of its own. It is imported by tests only.
package sourcetest

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/source"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Fixture is one real body of a format.
type Fixture struct {
	Source string // the format's name
	File   string // the body's file name, e.g. "zulip-firing-two-alerts.json"
	Body   []byte
	Golden string // path of the golden answer to {"source": Source}: testdata/golden/<File> in the format's folder
}

// Name is "<source>/<file>", how tests and logs name a fixture.
func (f Fixture) Name() string { return f.Source + "/" + f.File }

// Data is the body decoded as the gRPC adapter hands it over: numbers are float64.
func (f Fixture) Data(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(f.Body, &m); err != nil {
		t.Fatalf("%s: %v", f.Name(), err)
	}
	return m
}

// Fixtures lists every format's bodies, in registry order, then file order.
func Fixtures(t testing.TB) []Fixture {
	t.Helper()
	var out []Fixture
	for _, s := range source.All() {
		out = append(out, Of(t, s)...)
	}
	return out
}

// Of lists the bodies of format s: its embedded examples, each with its golden answer's path.
func Of(t testing.TB, s kit.Source) []Fixture {
	t.Helper()
	names, err := fs.Glob(s.Examples, "*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("%s has no example bodies: %v", s.Name, err)
	}
	slices.Sort(names)
	out := make([]Fixture, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(s.Examples, n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Fixture{Source: s.Name, File: n, Body: b, Golden: filepath.Join(Dir(t, s), "testdata", "golden", n)})
	}
	return out
}

// Get returns the fixture named "<source>/<file>".
func Get(t testing.TB, name string) Fixture {
	t.Helper()
	src, file, _ := strings.Cut(name, "/")
	s, ok := source.Lookup(src)
	if !ok {
		t.Fatalf("no source %q", src)
	}
	for _, f := range Of(t, s) {
		if f.File == file {
			return f
		}
	}
	t.Fatalf("no fixture %s", name)
	return Fixture{}
}

// Dir is the folder of format s's package, found from where its parser is compiled.
func Dir(t testing.TB, s kit.Source) string {
	t.Helper()
	pkg := runtime.FuncForPC(reflect.ValueOf(s.Parse).Pointer()).Name() // ".../domain/source/<folder>.<func>"
	rel := pkg[strings.Index(pkg, "/domain/source/")+1:]
	rel = rel[:strings.LastIndex(rel, ".")]
	return filepath.Join(root(t), filepath.FromSlash(rel))
}

// root is the module's root directory: this file is domain/source/sourcetest/sourcetest.go under it.
func root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the module root")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// ReadJSON decodes the JSON file at path.
func ReadJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // tests name the file
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// Indent writes v as golden files hold it: indented, URLs unescaped, so a reviewer reads what Cloudforet shows.
func Indent(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return b.Bytes()
}
