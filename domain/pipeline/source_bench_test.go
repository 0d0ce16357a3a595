package pipeline_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

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
	opts := defaults(b)
	for _, f := range sourcetest.Fixtures(b) {
		data := f.Data(b)
		b.Run(strings.TrimSuffix(f.Name(), ".json"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = sourcetest.Normalize(opts, data)
			}
		})
	}
}

// hundredAlerts is the 1-alert Alertmanager fixture with its alert repeated n times, each with its own instance
// label and fingerprint; the load driver (test/bench/load) builds the same body.
func hundredAlerts(b *testing.B, n int) map[string]any {
	one := sourcetest.Get(b, "alertmanager/zulip-resolved-single-alert.json").Data(b)
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
				res, err := sourcetest.Normalize(opts, data)
				if err != nil || len(res.Events) != n {
					b.Fatalf("%d events, %v", len(res.Events), err)
				}
			}
		})
	}
}
