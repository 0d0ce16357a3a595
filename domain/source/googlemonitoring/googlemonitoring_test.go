package googlemonitoring_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/googlemonitoring"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// googleFixture reads a fresh copy of a Cloud Monitoring fixture, so a test may change it.
func googleFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

func googleIncident(doc map[string]any) map[string]any { return doc["incident"].(map[string]any) }

// googleOne parses doc with auto-detection and returns its only event.
func googleOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, googlemonitoring.Name, opts, doc)
}

func TestGoogleOpenAndClosedShareAKey(t *testing.T) {
	open := googleOne(t, nil, googleFixture(t, "uptime-check-v1.2-open.json"))
	closed := googleOne(t, nil, googleFixture(t, "uptime-check-v1.2-closed-same-incident.json"))
	if open.Key != "0.ligwyr056k2l" || closed.Key != open.Key {
		t.Errorf("keys %q and %q, want the incident_id for both", open.Key, closed.Key)
	}
	if open.Type != event.Alert || closed.Type != event.Recovery {
		t.Errorf("types %s, %s", open.Type, closed.Type)
	}
	if got := event.FormatTime(open.OccurredAt); got != "2020-01-20T22:30:44Z" {
		t.Errorf("open occurred_at %s, want started_at", got)
	}
	if got := event.FormatTime(closed.OccurredAt); got != "2020-01-20T22:32:32Z" {
		t.Errorf("closed occurred_at %s, want ended_at", got)
	}
	if open.Title != "Uptime Health Check on api-noc-users" || closed.Title != open.Title {
		t.Errorf("titles %q, %q: want the condition name without a state", open.Title, closed.Title)
	}
	other := googleOne(t, nil, googleFixture(t, "cloudforet-sample-v1.2-open.json"))
	if other.Key == open.Key {
		t.Error("different incidents share a key")
	}
}

func TestGoogleStateInAnyCase(t *testing.T) {
	for state, want := range map[any]event.Type{"open": event.Alert, "OPEN": event.Alert, " Closed ": event.Recovery,
		"CLOSED": event.Recovery, "acknowledged": event.Alert, nil: event.Alert} {
		doc := googleFixture(t, "uptime-check-v1.2-closed-same-incident.json")
		googleIncident(doc)["state"] = state
		if got := googleOne(t, nil, doc).Type; got != want {
			t.Errorf("state %v: %s, want %s", state, got, want)
		}
	}
}

func TestGoogleSeverity(t *testing.T) {
	tests := []struct {
		level any
		opts  map[string]any
		want  event.Severity
	}{
		{"Critical", nil, event.Critical},
		{"CRITICAL", nil, event.Critical},
		{"error", nil, event.Error},
		{"Warning", nil, event.Warning},
		{"No severity", nil, event.NotAvailable},
		{"bogus", nil, event.NotAvailable},
		{nil, nil, event.NotAvailable},
		{"absent", map[string]any{"default_severity": "INFO"}, event.Info},
		{"No severity", map[string]any{"severity_map": map[string]any{"no severity": "INFO"}}, event.Info},
		{"Critical", map[string]any{"severity_map": map[string]any{"critical": "ERROR"}}, event.Error},
	}
	for _, tt := range tests {
		doc := googleFixture(t, "cloudforet-sample-v1.2-open.json")
		if tt.level != "absent" {
			googleIncident(doc)["severity"] = tt.level
		}
		if got := googleOne(t, tt.opts, doc).Severity; got != tt.want {
			t.Errorf("severity %v with %v: %s, want %s", tt.level, tt.opts, got, tt.want)
		}
	}
	// A closed incident keeps the severity it was opened with.
	doc := googleFixture(t, "uptime-check-v1.2-closed-same-incident.json")
	googleIncident(doc)["severity"] = "Critical"
	if got := googleOne(t, nil, doc); got.Type != event.Recovery || got.Severity != event.Critical {
		t.Errorf("closed critical incident: %s %s", got.Type, got.Severity)
	}
}

func TestGoogleTimes(t *testing.T) {
	tests := []struct {
		state string
		key   string
		value any
		want  string
	}{
		{"open", "started_at", 1579559444.0, "2020-01-20T22:30:44Z"},
		{"open", "started_at", "1579559444", "2020-01-20T22:30:44Z"},
		{"open", "started_at", 1579559444.5, "2020-01-20T22:30:44.5Z"},
		{"open", "started_at", 0.0, "2026-01-02T03:04:05Z"},
		{"open", "started_at", "0", "2026-01-02T03:04:05Z"},
		{"open", "started_at", nil, "2026-01-02T03:04:05Z"},
		{"open", "started_at", "absent", "2026-01-02T03:04:05Z"},
		{"closed", "ended_at", 1579559552.0, "2020-01-20T22:32:32Z"},
		{"closed", "ended_at", nil, "2026-01-02T03:04:05Z"},
		{"closed", "ended_at", "", "2026-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		doc := googleFixture(t, "uptime-check-v1.2-closed-same-incident.json")
		inc := googleIncident(doc)
		inc["state"] = tt.state
		if tt.value == "absent" {
			delete(inc, tt.key)
		} else {
			inc[tt.key] = tt.value
		}
		if got := event.FormatTime(googleOne(t, nil, doc).OccurredAt); got != tt.want {
			t.Errorf("%s %s %v: occurred_at %s, want %s", tt.state, tt.key, tt.value, got, tt.want)
		}
	}
}

func TestGoogleTitleAndDescription(t *testing.T) {
	doc := googleFixture(t, "cloudforet-sample-v1.2-open.json")
	googleIncident(doc)["documentation"] = map[string]any{"content": "Check the **web** tier.", "mime_type": "text/markdown", "subject": " CPU high on web "}
	e := googleOne(t, nil, doc)
	if e.Title != "CPU high on web" {
		t.Errorf("title %q, want documentation.subject", e.Title)
	}
	if !strings.HasSuffix(e.Description, "with a value of 0.790.\n\nCheck the **web** tier.") {
		t.Errorf("description %q, want the summary, then the documentation", e.Description)
	}
	test := googleOne(t, nil, googleFixture(t, "test-notification-version-test.json"))
	if test.Title != "Example condition" || test.Description != "Test Incident\n\nTest documentation" {
		t.Errorf("test notification: title %q, description %q", test.Title, test.Description)
	}
	bare := googleFixture(t, "uptime-check-v1.2-open.json")
	inc := googleIncident(bare)
	delete(inc, "condition_name")
	if got := googleOne(t, nil, bare).Title; got != "api - noc - users" {
		t.Errorf("title without a condition name %q, want the policy name", got)
	}
}

func TestGoogleResource(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]any
		want event.Resource
	}{
		{"display name first", map[string]any{"resource_display_name": "web-1", "resource_name": "projects/p/instances/1"},
			event.Resource{Name: "web-1", Type: "gce_instance"}},
		{"resource name", map[string]any{"resource_name": "projects/p/instances/1"}, event.Resource{Name: "projects/p/instances/1", Type: "gce_instance"}},
		{"instance id from labels", map[string]any{"resource_name": nil, "resource": map[string]any{"type": "gce_instance", "labels": map[string]any{"instance_id": "4242", "zone": "us-east1-b"}}},
			event.Resource{ID: "4242", Name: "4242", Type: "gce_instance"}},
		{"resource_id first", map[string]any{"resource_id": "77", "resource": map[string]any{"type": "gce_instance", "labels": map[string]any{"instance_id": 4242.0}}},
			event.Resource{ID: "77", Name: "77", Type: "gce_instance"}},
		{"nothing", map[string]any{"resource_name": nil, "resource": nil}, event.Resource{}},
	}
	for _, tt := range tests {
		doc := googleFixture(t, "cloudforet-sample-v1.2-open.json")
		inc := googleIncident(doc)
		delete(inc, "resource_name")
		for k, v := range tt.set {
			inc[k] = v
		}
		if got := googleOne(t, nil, doc).Resource; got != tt.want {
			t.Errorf("%s: resource %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestGoogleAdditionalInfoIsFlat(t *testing.T) {
	e := googleOne(t, nil, googleFixture(t, "test-notification-version-test.json"))
	want := map[string]string{
		"url": "http://www.example.com", "policy_name": "projects/12345/alertPolicies/12345", "scoping_project_id": "12345",
		"scoping_project_number": "12345", "observed_value": "1.0", "threshold_value": "0.5", "metric_type": "test.googleapis.com/metric",
		"metric_displayName": "Test Metric", "resource_type": "example_resource", "resource_labels_example": "label",
		"metric_labels_example": "label", "policy_user_labels_example": "label", "condition_name_2": "projects/12345/alertPolicies/12345/conditions/12345",
		"state": "OPEN", "version": "test", "metadata_user_labels_example": "label",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	if !strings.HasPrefix(e.AdditionalInfo["condition_conditionThreshold"], `{"comparison":"COMPARISON_GT"`) {
		t.Errorf("condition.conditionThreshold %q, want JSON text", e.AdditionalInfo["condition_conditionThreshold"])
	}
	if _, ok := e.AdditionalInfo["summary"]; ok {
		t.Error("the summary is the description, not additional_info")
	}
	if e.Provider != "google_cloud" || e.Account != "12345" || e.Rule != "projects/12345/alertPolicies/12345" {
		t.Errorf("provider %q, account %q, rule %q", e.Provider, e.Account, e.Rule)
	}
}

func TestGoogleMissingOptionalFieldsNeverFail(t *testing.T) {
	for _, file := range []string{"cloudforet-sample-v1.2-open.json", "test-notification-version-test.json"} {
		for k := range googleIncident(googleFixture(t, file)) {
			if k == "incident_id" {
				continue
			}
			for _, value := range []any{"absent", nil} {
				doc := googleFixture(t, file)
				if value == "absent" {
					delete(googleIncident(doc), k)
				} else {
					googleIncident(doc)[k] = value
				}
				if e := googleOne(t, nil, doc); e.Key == "" || e.Title == "" {
					t.Errorf("%s without %s (%v): key %q, title %q", file, k, value, e.Key, e.Title)
				}
			}
		}
	}
	e := googleOne(t, nil, map[string]any{"version": "1.2", "incident": map[string]any{"incident_id": 12.0}})
	if e.Key != "12" || e.Title == "" || e.Type != event.Alert || !e.OccurredAt.Equal(sourcetest.Received) || e.Severity != event.NotAvailable {
		t.Errorf("event from a bare incident: %+v", e)
	}
}

func TestGoogleDetection(t *testing.T) {
	if got, ok := sourcetest.Detect(map[string]any{"version": nil, "incident": nil}); !ok || got != googlemonitoring.Name {
		t.Errorf("incident and version present: detected %q", got)
	}
	if got, ok := sourcetest.Detect(map[string]any{"incident": map[string]any{"incident_id": "x"}}); ok && got == googlemonitoring.Name {
		t.Error("an incident without a version is detected as google_cloud_monitoring")
	}
}

func TestGoogleInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		inc   any
		field string
	}{
		{"incident not an object", "x", "incident"},
		{"incident null", nil, "incident"},
		{"no incident_id", map[string]any{"state": "open"}, "event_key"},
	}
	for _, tt := range tests {
		_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "google_cloud_monitoring"}),
			map[string]any{"version": "1.2", "incident": tt.inc})
		var ip *sourcekit.InvalidPayloadError
		if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != googlemonitoring.Name {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		} else if len(err.Error()) > 200 {
			t.Errorf("%s: error echoes a long value: %s", tt.name, err)
		}
	}
}
