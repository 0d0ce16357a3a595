package sourcetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Received is the time of receipt in every test; golden files show it where a body carries no time.
var Received = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Options parses raw options, failing the test on an error.
func Options(t testing.TB, raw map[string]any) option.Options {
	t.Helper()
	o, err := option.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Normalize is pipeline.Normalize as a call with no deadline and the default budget makes it, at Received.
func Normalize(opts option.Options, data map[string]any) (pipeline.Result, error) {
	return pipeline.Normalize(context.Background(), opts, data, Received, kit.DefaultBudget)
}

// Events normalizes data with raw options and returns the events, failing the test on an error.
func Events(t testing.TB, raw, data map[string]any) []event.Event {
	t.Helper()
	res, err := Normalize(Options(t, raw), data)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	return res.Events
}

// One normalizes doc with opts (nil for none, so auto-detection) and returns its only event, failing unless the
// format named src read it.
func One(t testing.TB, src string, opts, doc map[string]any) event.Event {
	t.Helper()
	if opts == nil {
		opts = map[string]any{}
	}
	res, err := Normalize(Options(t, opts), doc)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if res.Source != src || len(res.Events) != 1 {
		t.Fatalf("read as %q with %d events, want one %s event", res.Source, len(res.Events), src)
	}
	return res.Events[0]
}

// Golden parses every example body of s with s named as the source and compares the answer, as Cloudforet reads
// it, with the golden file beside the body: testdata/golden/<file>, {"error": "..."} for a body s must refuse.
// With update, it rewrites each golden file that differs and fails, so the change is read before it is kept.
func Golden(t *testing.T, s kit.Source, update bool) {
	for _, f := range Of(t, s) {
		t.Run(f.File, func(t *testing.T) {
			res, err := Normalize(Options(t, map[string]any{"source": s.Name}), f.Data(t))
			var got any
			if err != nil {
				got = map[string]any{"error": err.Error()}
			} else {
				got = Wire(res.Events)
			}
			if err := CheckGolden(f.Golden, Indent(got), update); err != nil {
				t.Errorf("%s: %v", f.Name(), err)
			}
		})
	}
}

// CheckGolden compares got with the golden file at path. With update, a file that differs (or is missing) is
// rewritten and still reported: a test that compares a file with itself proves nothing, so the run stays red
// until someone has read the diff and runs the tests again.
func CheckGolden(path string, got []byte, update bool) error {
	want, err := os.ReadFile(path) //nolint:gosec // tests name the file
	switch {
	case err == nil && bytes.Equal(got, want):
		return nil
	case err != nil && (!update || !errors.Is(err, os.ErrNotExist)):
		return fmt.Errorf("no golden file (run go test -update and review it): %w", err)
	case !update:
		return fmt.Errorf("differs from %s:\n%s", path, got)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { //nolint:gosec // a repository folder, as readable as the rest
		return err
	}
	if err := os.WriteFile(path, got, 0o644); err != nil { //nolint:gosec // a repository file, as readable as the rest
		return err
	}
	return fmt.Errorf("wrote %s: review the diff (git diff), then run the tests again without -update", path)
}

// Detected checks that auto-detection reads every example body of s as s, and nothing else.
func Detected(t *testing.T, s kit.Source) {
	for _, f := range Of(t, s) {
		if got, ok := source.Detect(f.Data(t), ""); !ok || got.Name != s.Name {
			t.Errorf("%s: detected %q (%v), want %s", f.Name(), got.Name, ok, s.Name)
		}
	}
}

// Wire renders events as Cloudforet reads the gRPC answer (MessageToDict with proto field names): empty strings
// and the NONE severity are absent, resource and additional_info always present.
func Wire(events []event.Event) map[string]any {
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

// Detect names the format auto-detection picks for doc.
func Detect(doc map[string]any) (string, bool) {
	s, ok := source.Detect(doc, "")
	return s.Name, ok
}

// AlertmanagerAlert is one alert of an Alertmanager body with status and labels.
func AlertmanagerAlert(status string, labels map[string]any) map[string]any {
	return map[string]any{"status": status, "labels": labels, "annotations": map[string]any{},
		"startsAt": "2024-05-01T10:00:00Z", "endsAt": "2024-05-01T10:05:00.5+02:00"}
}

// AlertmanagerBody is an Alertmanager body (version 4) with alerts.
func AlertmanagerBody(alerts ...any) map[string]any {
	return map[string]any{"version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "r", "alerts": alerts}
}

// InvalidField parses doc as format src and returns the field its error names, failing unless the error is an
// invalid body of src, or echoes more than 200 characters of it.
func InvalidField(t testing.TB, src string, doc map[string]any) string {
	t.Helper()
	_, err := Normalize(Options(t, map[string]any{"source": src}), doc)
	var ip *kit.InvalidPayloadError
	if !errors.As(err, &ip) || ip.Source != src {
		t.Fatalf("error %v, want an InvalidPayloadError of %s", err, src)
	}
	if len(err.Error()) > 200 {
		t.Errorf("error echoes a long value: %s", err)
	}
	return ip.Field
}
