package source_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/option"
)

func readPayload(b *testing.B, path string) map[string]any {
	b.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	return m
}

func defaults(b *testing.B) option.Options {
	b.Helper()
	opts, err := option.Parse(map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	return opts
}

// BenchmarkNormalize parses every fixture with default options (auto-detection included), one sub-benchmark per
// file, named source/file. A fixture kept to show a refusal is timed refusing.
func BenchmarkNormalize(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(testdata, "payloads", "*", "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no fixtures: %v", err)
	}
	opts := defaults(b)
	for _, f := range files {
		data := readPayload(b, f)
		name := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = normalizeAt(opts, data, received)
			}
		})
	}
}

// hundredAlerts is the 1-alert Alertmanager fixture with its alert repeated n times, each with its own instance
// label and fingerprint; the load driver (test/bench/load) builds the same body.
func hundredAlerts(b *testing.B, n int) map[string]any {
	one := readPayload(b, filepath.Join(testdata, "payloads", "alertmanager", "zulip-resolved-single-alert.json"))
	first, err := json.Marshal(one["alerts"].([]any)[0])
	if err != nil {
		b.Fatal(err)
	}
	alerts := make([]any, n)
	for i := range alerts {
		var a map[string]any
		if err := json.Unmarshal(first, &a); err != nil {
			b.Fatal(err)
		}
		a["labels"].(map[string]any)["instance"] = fmt.Sprintf("host-%03d:9100", i)
		a["fingerprint"] = fmt.Sprintf("%016x", i+1)
		alerts[i] = a
	}
	one["alerts"] = alerts
	return one
}

// BenchmarkNormalizeAlertmanager is the domain side of Event.parse with 1 and 100 alerts; the target for 100 is
// under 200 µs.
func BenchmarkNormalizeAlertmanager(b *testing.B) {
	opts := defaults(b)
	for _, n := range []int{1, 100} {
		data := hundredAlerts(b, n)
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := normalizeAt(opts, data, received)
				if err != nil || len(res.Events) != n {
					b.Fatalf("%d events, %v", len(res.Events), err)
				}
			}
		})
	}
}
