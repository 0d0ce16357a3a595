package source_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output (review the diff!)")

// received is the time of receipt in every test; golden files show it where a body carries no time.
var received = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const testdata = "../../test/testdata"

// wire renders events as Cloudforet reads the gRPC answer (MessageToDict with proto field names): empty strings
// and the NONE severity are absent, resource and additional_info always present.
func wire(events []event.Event) map[string]any {
	if len(events) == 0 {
		return map[string]any{} // an empty repeated field is absent
	}
	results := make([]any, 0, len(events))
	for _, e := range events {
		m := map[string]any{}
		put := func(k, v string) {
			if v != "" {
				m[k] = v
			}
		}
		put("event_key", e.Key)
		put("event_type", string(e.Type))
		put("title", e.Title)
		put("description", e.Description)
		if e.Severity != event.None {
			put("severity", string(e.Severity))
		}
		res := map[string]any{}
		for k, v := range map[string]string{"resource_id": e.Resource.ID, "resource_type": e.Resource.Type, "name": e.Resource.Name} {
			if v != "" {
				res[k] = v
			}
		}
		m["resource"] = res
		put("rule", e.Rule)
		put("occurred_at", event.FormatTime(e.OccurredAt))
		info := map[string]any{}
		for k, v := range e.AdditionalInfo {
			if v != "" {
				info[k] = v
			}
		}
		m["additional_info"] = info
		put("image_url", e.ImageURL)
		put("provider", e.Provider)
		put("account", e.Account)
		results = append(results, m)
	}
	return map[string]any{"results": results}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// indent writes v as the golden files hold it: indented, URLs unescaped, so a reviewer reads what Cloudforet shows.
func indent(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return b.Bytes()
}

// fixtures lists the payload files of a source.
func fixtures(t *testing.T, src option.Source) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testdata, "payloads", string(src), "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures for %s: %v", src, err)
	}
	return files
}

// TestGolden parses every fixture with its source named and compares the events with the golden file a reviewer
// reads beside the payload: test/testdata/golden/<source>/<file>. A payload its source must refuse has a golden
// {"error": "..."} instead.
func TestGolden(t *testing.T) {
	for _, src := range source.Supported() {
		for _, file := range fixtures(t, src) {
			name := string(src) + "/" + filepath.Base(file)
			t.Run(name, func(t *testing.T) {
				opts, err := option.Parse(map[string]any{"source": string(src)})
				if err != nil {
					t.Fatal(err)
				}
				res, err := normalizeAt(opts, readJSON(t, file), received)
				var got any
				if err != nil {
					got = map[string]any{"error": err.Error()}
				} else {
					got = wire(res.Events)
				}
				golden := filepath.Join(testdata, "golden", name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, indent(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("no golden file (run go test -update and review it): %v", err)
				}
				if g := indent(got); string(g) != string(want) {
					t.Errorf("%s differs from %s:\n%s", name, golden, g)
				}
			})
		}
	}
}

// TestAutoDetectsEveryFixture checks that auto-detection reads each fixture as the source it belongs to.
func TestAutoDetectsEveryFixture(t *testing.T) {
	for _, src := range source.Supported() {
		for _, file := range fixtures(t, src) {
			got, ok := source.Detect(readJSON(t, file))
			if !ok || got != src {
				t.Errorf("%s: detected %q (%v), want %s", strings.TrimPrefix(file, testdata+"/"), got, ok, src)
			}
		}
	}
}

// normalizeAt is source.Normalize as a call with no deadline and the default budget makes it.
func normalizeAt(opts option.Options, data map[string]any, received time.Time) (source.Result, error) {
	return source.Normalize(context.Background(), opts, data, received, source.DefaultBudget)
}
