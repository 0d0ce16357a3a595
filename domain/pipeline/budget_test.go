package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// amAlerts is an Alertmanager body of n alerts whose externalURL, copied into every event, is urlBytes long.
func amAlerts(n, urlBytes int) map[string]any {
	alerts := make([]any, n)
	for i := range alerts {
		alerts[i] = map[string]any{"status": "firing", "fingerprint": fmt.Sprint(i),
			"labels": map[string]any{"alertname": fmt.Sprint("a", i)}}
	}
	return map[string]any{"version": "4", "groupKey": "g", "externalURL": strings.Repeat("u", urlBytes), "alerts": alerts}
}

func limitOf(err error) string {
	var le *sourcekit.LimitError
	if !errors.As(err, &le) {
		return fmt.Sprintf("no limit (%v)", err)
	}
	return le.Limit
}

func TestBudgetLimits(t *testing.T) {
	small := sourcekit.Budget{MaxEvents: 10, MaxEventBytes: 4 << 10, MaxAnswerBytes: 16 << 10, MaxTextBytes: 512, MaxInfoEntries: 20}
	tests := []struct {
		name  string
		opts  map[string]any
		body  map[string]any
		limit string
	}{
		{"more alerts than max_events", map[string]any{}, amAlerts(11, 0), "max_events"},
		{"a body-level field makes each event too large", map[string]any{}, amAlerts(1, 5<<10), "max_event_bytes"},
		{"a body-level field copied into every event passes the answer", map[string]any{}, amAlerts(10, 2<<10), "max_answer_bytes"},
		{"a template repeating a value", map[string]any{"convert_data": map[string]any{"title": strings.Repeat("{{ externalURL }}", 3)}}, amAlerts(1, 200), "max_text_bytes"},
		{"a template over a large object", map[string]any{"convert_data": map[string]any{"description": "{{ alerts }}"}}, amAlerts(10, 0), "max_text_bytes"},
		{"a key field over a large value", map[string]any{"event_key_fields": []any{"externalURL"}}, amAlerts(1, 600), "max_text_bytes"},
		{"a key field over the alerts list", map[string]any{"event_key_fields": []any{"alerts"}}, amAlerts(10, 0), "max_text_bytes"},
		{"too many additional_info entries", map[string]any{}, map[string]any{"event_key": "k", "title": "t", "additional_info": manyEntries(21)}, "max_info_entries"},
	}
	for _, tt := range tests {
		_, err := pipeline.Normalize(context.Background(), sourcetest.Options(t, tt.opts), tt.body, sourcetest.Received, small)
		if got := limitOf(err); got != tt.limit {
			t.Errorf("%s: limit %s, want %s", tt.name, got, tt.limit)
		}
	}
	// Under every limit, the same bodies answer.
	for _, body := range []map[string]any{amAlerts(10, 100), {"event_key": "k", "title": "t", "additional_info": manyEntries(20)}} {
		if _, err := pipeline.Normalize(context.Background(), sourcetest.Options(t, map[string]any{}), body, sourcetest.Received, small); err != nil {
			t.Errorf("a body within the budget: %v", err)
		}
	}
}

func manyEntries(n int) map[string]any {
	m := map[string]any{}
	for i := range n {
		m[fmt.Sprint("k", i)] = "v"
	}
	return m
}

// TestEncodedSizeCountsWhatIsSent checks the estimate grows with every field an event sends, so a copied field is
// always counted.
func TestEncodedSizeCountsWhatIsSent(t *testing.T) {
	base := event.Event{Key: "k", Title: "t", AdditionalInfo: map[string]string{}}
	n0 := sourcekit.EncodedSize(base)
	for name, e := range map[string]event.Event{
		"description": {Key: "k", Title: "t", Description: strings.Repeat("d", 1000), AdditionalInfo: map[string]string{}},
		"resource":    {Key: "k", Title: "t", Resource: event.Resource{Name: strings.Repeat("r", 1000)}, AdditionalInfo: map[string]string{}},
		"info":        {Key: "k", Title: "t", AdditionalInfo: map[string]string{"k": strings.Repeat("v", 1000)}},
	} {
		if n := sourcekit.EncodedSize(e); n < n0+1000 {
			t.Errorf("%s: EncodedSize %d, want at least %d", name, n, n0+1000)
		}
	}
}

// TestKeyFieldsHashABodyLevelValueOnce checks the key of every alert is the same when event_key_fields name only
// body-level values, and that a large body is answered in one pass (it used to hash the value once per alert).
func TestKeyFieldsHashABodyLevelValueOnce(t *testing.T) {
	roomy := sourcekit.DefaultBudget
	roomy.MaxAnswerBytes = 256 << 20
	res, err := pipeline.Normalize(context.Background(), sourcetest.Options(t, map[string]any{"event_key_fields": []any{"externalURL", "groupKey"}}),
		amAlerts(1000, 60<<10), sourcetest.Received, roomy)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1000 || res.Events[0].Key != res.Events[999].Key {
		t.Errorf("%d events; keys %s and %s", len(res.Events), res.Events[0].Key, res.Events[len(res.Events)-1].Key)
	}
	// Parts are length-prefixed: moving text between two fields changes the key.
	a, _ := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"event_key_fields": []any{"x", "y"}}), map[string]any{"event_key": "k", "title": "t", "x": "ab", "y": "c"})
	b, _ := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"event_key_fields": []any{"x", "y"}}), map[string]any{"event_key": "k", "title": "t", "x": "a", "y": "bc"})
	if a.Events[0].Key == b.Events[0].Key {
		t.Error("x=ab,y=c and x=a,y=bc hash to the same key")
	}
}

func TestAnEndedContextStopsTheLoopOverAlerts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := pipeline.Normalize(ctx, option.Defaults(), amAlerts(5, 0), sourcetest.Received, sourcekit.DefaultBudget)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Normalize with an ended context = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := pipeline.Normalize(ctx, option.Defaults(), amAlerts(5, 0), sourcetest.Received, sourcekit.DefaultBudget); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Normalize past its deadline = %v, want context.DeadlineExceeded", err)
	}
}

// TestLevelsFoldAsOne checks every table matches levels under full case folding, severity_map included, and that
// a map whose keys fold alike is refused, so the answer never depends on map order.
func TestLevelsFoldAsOne(t *testing.T) {
	body := func(level string) map[string]any {
		return map[string]any{"version": "4", "groupKey": "g", "alerts": []any{map[string]any{"labels": map[string]any{"alertname": "a", "severity": level}}}}
	}
	for level, want := range map[string]event.Severity{"CRITICAL": event.Critical, "Warning": event.Warning, "\tinfo\n": event.Info} {
		if e := sourcetest.Events(t, map[string]any{}, body(level))[0]; e.Severity != want {
			t.Errorf("labels.severity %q: %s, want %s", level, e.Severity, want)
		}
	}
	for range 20 {
		if e := sourcetest.Events(t, map[string]any{"severity_map": map[string]any{"ſev": "ERROR"}}, body("SEV"))[0]; e.Severity != event.Error {
			t.Fatalf("severity_map ſev matched SEV as %s, want ERROR", e.Severity)
		}
	}
	if _, err := option.Parse(map[string]any{"severity_map": map[string]any{"ſev": "ERROR", "sev": "INFO"}}); err == nil {
		t.Error("severity_map with ſev and sev was accepted")
	}
}
