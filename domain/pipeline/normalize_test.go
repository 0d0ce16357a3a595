package pipeline_test

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

func TestAlertmanagerFiringAndResolvedShareAKey(t *testing.T) {
	labels := map[string]any{"alertname": "Down", "instance": "db-1:9100", "severity": "critical"}
	fired := sourcetest.Events(t, map[string]any{}, sourcetest.AlertmanagerBody(sourcetest.AlertmanagerAlert("firing", labels)))[0]
	resolved := sourcetest.Events(t, map[string]any{}, sourcetest.AlertmanagerBody(sourcetest.AlertmanagerAlert("resolved", labels)))[0]
	if fired.Key != resolved.Key || fired.Key == "" {
		t.Errorf("keys %q and %q, want one non-empty key", fired.Key, resolved.Key)
	}
	if fired.Type != event.Alert || resolved.Type != event.Recovery {
		t.Errorf("types %s, %s", fired.Type, resolved.Type)
	}
	if resolved.Severity != event.Critical {
		t.Errorf("resolved severity %s, want the level it fired with", resolved.Severity)
	}
	if got := event.FormatTime(fired.OccurredAt); got != "2024-05-01T10:00:00Z" {
		t.Errorf("firing occurred_at %s", got)
	}
	if got := event.FormatTime(resolved.OccurredAt); got != "2024-05-01T08:05:00.5Z" {
		t.Errorf("resolved occurred_at %s, want endsAt in UTC", got)
	}
	other := sourcetest.Events(t, map[string]any{}, sourcetest.AlertmanagerBody(sourcetest.AlertmanagerAlert("firing", map[string]any{"alertname": "Down", "instance": "db-2:9100"})))[0]
	if other.Key == fired.Key {
		t.Error("different alerts share a key")
	}
}

// TestFingerprintIsRecomputedAsAlertmanagerDoes drops the fingerprint of real alerts: the key must stay the same.
func TestFingerprintIsRecomputedAsAlertmanagerDoes(t *testing.T) {
	for _, file := range []string{"cloudforet-readme-firing-kubepodnotready.json", "cloudforet-test-two-alerts-critical.json"} {
		doc := sourcetest.Get(t, "alertmanager/"+file).Data(t)
		with := sourcetest.Events(t, map[string]any{}, doc)
		for _, a := range doc["alerts"].([]any) {
			delete(a.(map[string]any), "fingerprint")
		}
		without := sourcetest.Events(t, map[string]any{}, doc)
		for i := range with {
			if with[i].Key != without[i].Key {
				t.Errorf("%s alert %d: key %q from the fingerprint, %q recomputed", file, i, with[i].Key, without[i].Key)
			}
		}
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		name  string
		level any
		opts  map[string]any
		want  event.Severity
	}{
		{"known level", "warning", nil, event.Warning},
		{"level in another case", "Critical", nil, event.Critical},
		{"missing level", nil, nil, event.NotAvailable},
		{"unknown level", "page", nil, event.NotAvailable},
		{"unknown level, default set", "page", map[string]any{"default_severity": "ERROR"}, event.Error},
		{"severity_map, any case", "PAGE", map[string]any{"severity_map": map[string]any{"page": "CRITICAL"}}, event.Critical},
		{"severity_map overrides the table", "info", map[string]any{"severity_map": map[string]any{"info": "NONE"}}, event.None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels := map[string]any{"alertname": "A"}
			if tt.level != nil {
				labels["severity"] = tt.level
			}
			opts := map[string]any{}
			maps.Copy(opts, tt.opts)
			if got := sourcetest.Events(t, opts, sourcetest.AlertmanagerBody(sourcetest.AlertmanagerAlert("firing", labels)))[0].Severity; got != tt.want {
				t.Errorf("severity %s, want %s", got, tt.want)
			}
		})
	}
}

func TestOptionsApplyInOrder(t *testing.T) {
	// The Alertmanager body travels as JSON text inside an envelope, its annotations as JSON text again.
	inner := `{"version":"4","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"Disk","host":"h1","prio":"P1"},` +
		`"annotations":"{\"summary\":\"Disk full\",\"owner\":\"ops\"}","startsAt":"2024-05-01T10:00:00Z"}]}`
	data := map[string]any{"envelope": map[string]any{"body": inner}}
	opts := map[string]any{
		"message_root": "envelope.body",
		"load_json":    []any{"alerts.0.annotations"},
		"convert_data": map[string]any{
			"title":           "{{ annotations.summary }} on {{ labels.host }}",
			"severity":        "{{ labels.prio }}",
			"resource":        map[string]any{"name": "{{labels.host}}"},
			"additional_info": map[string]any{"group": "{{ groupKey }}", "owner": "{{ annotations.owner }}"},
		},
		"event_key_fields": []any{"labels.alertname", "labels.host"},
		"severity_map":     map[string]any{"p1": "CRITICAL"},
	}
	before := map[string]any{"envelope": map[string]any{"body": inner}}
	got := sourcetest.Events(t, opts, data)
	if !reflect.DeepEqual(data, before) {
		t.Error("Normalize modified its input")
	}
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	e := got[0]
	if e.Title != "Disk full on h1" || e.Resource.Name != "h1" || e.Severity != event.Critical {
		t.Errorf("title %q, resource %q, severity %s", e.Title, e.Resource.Name, e.Severity)
	}
	if e.AdditionalInfo["group"] != "g" || e.AdditionalInfo["owner"] != "ops" {
		t.Errorf("additional_info %v", e.AdditionalInfo)
	}
	again := sourcetest.Events(t, opts, data)[0]
	other := maps.Clone(opts)
	other["event_key_fields"] = []any{"labels.alertname"}
	if e.Key != again.Key || e.Key == sourcetest.Events(t, other, data)[0].Key || len(e.Key) != 32 {
		t.Errorf("event_key_fields key %q is not stable, distinct and hashed", e.Key)
	}
}

func TestConfirmURLStopsBeforeParsing(t *testing.T) {
	res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"confirm_url": "SubscribeURL"}),
		map[string]any{"Type": "SubscriptionConfirmation", "SubscribeURL": "https://example/confirm"})
	if err != nil || res.Confirm == nil || res.Confirm.URL != "https://example/confirm" || len(res.Events) != 0 {
		t.Errorf("Normalize = %+v, %v", res, err)
	}
}

func TestGenericNeedsKeyAndTitleAfterConvertData(t *testing.T) {
	body := map[string]any{"event_type": "RECOVERY", "id": 7.0, "name": "ünïcødé ✓"}
	_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), body)
	var ip *sourcekit.InvalidPayloadError
	if !errors.As(err, &ip) || ip.Field != "event_key" {
		t.Fatalf("without event_key: %v", err)
	}
	got := sourcetest.Events(t, map[string]any{"source": "generic", "convert_data": map[string]any{"event_key": "id-{{ id }}", "title": "{{name}}"}}, body)[0]
	if got.Key != "id-7" || got.Title != "ünïcødé ✓" || got.Type != event.Recovery {
		t.Errorf("event %+v", got)
	}
}

func TestAutoReadsAMappedUnknownBodyAsGeneric(t *testing.T) {
	body := map[string]any{"check": "disk", "host": "web-1"}
	got := sourcetest.Events(t, map[string]any{"convert_data": map[string]any{"event_key": "{{check}}/{{host}}", "title": "{{ check }} on {{ host }}"}}, body)
	if len(got) != 1 || got[0].Key != "disk/web-1" || got[0].OccurredAt != sourcetest.Received {
		t.Errorf("events %+v", got)
	}
}

func TestUnsupportedNamesWhatWasTried(t *testing.T) {
	_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), map[string]any{"foo": "bar"})
	var up *pipeline.UnsupportedPayloadError
	if !errors.As(err, &up) || !strings.Contains(err.Error(), "tried "+strings.Join(source.Names(), ", ")) ||
		!strings.Contains(err.Error(), "options.source") || !strings.Contains(err.Error(), "options.convert_data") {
		t.Errorf("error %v", err)
	}
}

func TestInvalidPayloads(t *testing.T) {
	tests := []struct {
		src   string
		data  map[string]any
		field string
	}{
		{"alertmanager", map[string]any{"alerts": "x"}, "alerts"},
		{"alertmanager", map[string]any{"alerts": []any{"x"}}, "alerts[0]"},
		{"alertmanager", sourcetest.AlertmanagerBody(map[string]any{"labels": []any{}}), "alerts[0].labels"},
		{"grafana", map[string]any{"orgId": 1.0}, "alerts"},
		{"generic", map[string]any{"event_key": "k", "title": "t", "severity": "LOUD"}, "severity"},
		{"generic", map[string]any{"event_key": "k", "title": "t", "event_type": "ERROR"}, "event_type"},
		{"generic", map[string]any{"event_key": "k"}, "title"},
	}
	for _, tt := range tests {
		_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": tt.src}), tt.data)
		var ip *sourcekit.InvalidPayloadError
		if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != tt.src {
			t.Errorf("%s %v: error %v, want field %s", tt.src, tt.data, err, tt.field)
		}
	}
	long := strings.Repeat("x", 500)
	_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "generic"}), map[string]any{"event_key": "k", "title": "t", "severity": long})
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("error echoes a long value: %d characters", len(err.Error()))
	}
}

func TestManyAlerts(t *testing.T) {
	alerts := make([]any, 100)
	for i := range alerts {
		alerts[i] = sourcetest.AlertmanagerAlert("firing", map[string]any{"alertname": "A", "instance": strings.Repeat("i", i+1)})
	}
	got := sourcetest.Events(t, map[string]any{}, sourcetest.AlertmanagerBody(alerts...))
	keys := map[string]bool{}
	for _, e := range got {
		keys[e.Key] = true
	}
	if len(got) != 100 || len(keys) != 100 {
		t.Errorf("%d events with %d distinct keys, want 100 of each", len(got), len(keys))
	}
}

func TestMissingOptionalFields(t *testing.T) {
	got := sourcetest.Events(t, map[string]any{}, map[string]any{"groupKey": "g", "alerts": []any{map[string]any{}}})
	e := got[0]
	if e.Title == "" || e.Key == "" || e.Type != event.Alert || !e.OccurredAt.Equal(sourcetest.Received) || e.Severity != event.NotAvailable {
		t.Errorf("event from an empty alert: %+v", e)
	}
}

func TestEpochsKeepTheirFractions(t *testing.T) {
	body := map[string]any{"event_key": "k", "title": "t", "ms": 1591216985123.0, "s": 1591216985.5}
	for tpl, want := range map[string]string{"{{ ms }}": "2020-06-03T20:43:05.123Z", "{{ s }}": "2020-06-03T20:43:05.5Z"} {
		got := sourcetest.Events(t, map[string]any{"convert_data": map[string]any{"occurred_at": tpl}}, body)[0]
		if s := event.FormatTime(got.OccurredAt); s != want {
			t.Errorf("%s: %s, want %s", tpl, s, want)
		}
	}
}
