package sourcetest

import (
	"errors"
	"strings"
	"testing"

	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// OddValues are values of every JSON type, and text that looks like a time, a URL or a template.
var OddValues = []any{nil, "", " ", "x", "{{ x }}", "https://", "0", strings.Repeat("x", 10000), 0.0, -1.0, -3.5, 1e300,
	true, []any{}, []any{1.0, nil, "a", []any{}}, map[string]any{}, map[string]any{"a": []any{nil}, "b": map[string]any{"c": 1.0}}}

// Sweep sets every value inside every fixture of s, and inside each extra body, one at a time, to each of
// OddValues and reads the body as s. Each must give events that carry a key, a title and a time, or an invalid
// body of s: never a panic or another error.
func Sweep(t *testing.T, s kit.Source, extra ...map[string]any) {
	t.Helper()
	opts := Options(t, map[string]any{"source": s.Name})
	fresh := make([]func() map[string]any, 0, len(extra))
	for _, doc := range extra {
		f := Fixture{Source: s.Name, File: "extra", Body: Indent(doc)}
		fresh = append(fresh, func() map[string]any { return f.Data(t) })
	}
	for _, f := range Of(t, s) {
		fresh = append(fresh, func() map[string]any { return f.Data(t) })
	}
	for i, body := range fresh {
		for _, path := range paths(body(), nil) {
			for _, v := range OddValues {
				doc := body()
				set(doc, path, v)
				res, err := Normalize(opts, doc)
				if err != nil {
					var ip *kit.InvalidPayloadError
					if !errors.As(err, &ip) || ip.Source != s.Name {
						t.Errorf("body %d, %v = %s: %v", i, path, kit.Shorten(kit.Text(v)), err)
					}
					continue
				}
				for _, e := range res.Events {
					if e.Key == "" || e.Title == "" || e.OccurredAt.IsZero() {
						t.Errorf("body %d, %v = %s: key %q, title %q, time %s", i, path, kit.Shorten(kit.Text(v)), e.Key, e.Title, e.OccurredAt)
					}
				}
			}
		}
	}
}

// paths lists the path of every value inside v, members of objects and elements of lists alike.
func paths(v any, prefix []any) [][]any {
	var out [][]any
	add := func(step, x any) {
		p := append(append([]any(nil), prefix...), step)
		out = append(out, p)
		out = append(out, paths(x, p)...)
	}
	switch n := v.(type) {
	case map[string]any:
		for k, x := range n {
			add(k, x)
		}
	case []any:
		for i, x := range n {
			add(i, x)
		}
	}
	return out
}

// set replaces the value at path inside doc with v.
func set(doc any, path []any, v any) {
	for i, step := range path {
		last := i == len(path)-1
		switch n := doc.(type) {
		case map[string]any:
			if last {
				n[step.(string)] = v
				return
			}
			doc = n[step.(string)]
		case []any:
			if last {
				n[step.(int)] = v
				return
			}
			doc = n[step.(int)]
		}
	}
}
