package pingdom_test

import (
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/pingdom"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	down     = "alerta-http-down-high.json"
	up       = "alerta-http-up-high.json"
	httpDown = "zulip-http-up-to-down.json"
	imapUp   = "zulip-imap-down-to-up.json"
)

// fixture reads a fresh copy of a Pingdom body, so a test may change it.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

// edited is fixture name with edit applied.
func edited(t *testing.T, name string, edit func(map[string]any)) map[string]any {
	t.Helper()
	doc := fixture(t, name)
	edit(doc)
	return doc
}

// one parses doc with auto-detection, or opts, and returns its only event.
func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, pingdom.Name, opts, doc)
}

func params(doc map[string]any) map[string]any { return doc["check_params"].(map[string]any) }

func TestDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"state change", map[string]any{"check_id": 1.0, "current_state": "DOWN", "previous_state": "UP"}, true},
		{"values null", map[string]any{"check_id": nil, "current_state": nil, "previous_state": nil}, true},
		{"no previous_state", map[string]any{"check_id": 1.0, "current_state": "DOWN", "check_name": "x"}, false},
		{"no current_state", map[string]any{"check_id": 1.0, "previous_state": "UP"}, false},
		{"no check_id", map[string]any{"current_state": "DOWN", "previous_state": "UP", "check_name": "x"}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == pingdom.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want pingdom %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestDownAndUpShareTheChecksKey(t *testing.T) {
	d, u := one(t, nil, fixture(t, down)), one(t, nil, fixture(t, up))
	if d.Key != "pingdom:803318" || u.Key != d.Key {
		t.Errorf("keys %q and %q, want pingdom:803318 for both", d.Key, u.Key)
	}
	if d.Type != event.Alert || u.Type != event.Recovery {
		t.Errorf("DOWN then UP: %s then %s, want ALERT then RECOVERY", d.Type, u.Type)
	}
	// The id as text keys the check alike; another check is another alert.
	if e := one(t, nil, edited(t, down, func(m map[string]any) { m["check_id"] = " 803318 " })); e.Key != d.Key {
		t.Errorf("check_id as text: key %q, want %q", e.Key, d.Key)
	}
	if e := one(t, nil, fixture(t, httpDown)); e.Key != "pingdom:2048467" {
		t.Errorf("another check: key %q", e.Key)
	}
}

func TestEventTypes(t *testing.T) {
	tests := []struct {
		state any
		want  event.Type
	}{
		{"UP", event.Recovery},
		{" up ", event.Recovery},
		{"SUCCESS", event.Recovery},
		{"Successful", event.Recovery},
		{"DOWN", event.Alert},
		{"FAILING", event.Alert},
		{"FAILED", event.Alert},
		{"UNCONFIRMED_DOWN", event.Alert},
		{nil, event.Alert},
	}
	for _, tt := range tests {
		e := one(t, nil, edited(t, down, func(m map[string]any) { m["current_state"] = tt.state }))
		if e.Type != tt.want {
			t.Errorf("current_state %v: %s, want %s", tt.state, e.Type, tt.want)
		}
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		level any
		state string
		opts  map[string]any
		want  event.Severity
	}{
		{"HIGH", "DOWN", nil, event.Critical},
		{"LOW", "DOWN", nil, event.Warning},
		{"high", "DOWN", nil, event.Critical},
		{"HIGH", "UP", nil, event.Critical}, // the check's importance, whatever its state
		{"LOW", "UP", nil, event.Warning},
		{nil, "DOWN", nil, event.Error}, // bodies from before importance levels
		{"", "DOWN", nil, event.Error},
		{nil, "UP", nil, event.Info},
		{"MEDIUM", "DOWN", nil, event.NotAvailable}, // an importance the table does not know: default_severity
		{"MEDIUM", "DOWN", map[string]any{"default_severity": "WARNING"}, event.Warning},
		{"MEDIUM", "DOWN", map[string]any{"severity_map": map[string]any{"medium": "ERROR"}}, event.Error},
		{"MEDIUM", "UP", nil, event.Info},
		{"LOW", "DOWN", map[string]any{"severity_map": map[string]any{"LOW": "CRITICAL"}}, event.Critical},
	}
	for _, tt := range tests {
		doc := edited(t, down, func(m map[string]any) { m["importance_level"], m["current_state"] = tt.level, tt.state })
		if tt.level == nil {
			delete(doc, "importance_level")
		}
		if e := one(t, tt.opts, doc); e.Severity != tt.want {
			t.Errorf("importance_level %v, %s, options %v: %s, want %s", tt.level, tt.state, tt.opts, e.Severity, tt.want)
		}
	}
}

func TestTextFieldsAndResource(t *testing.T) {
	e := one(t, nil, fixture(t, down))
	if e.Title != "Alerta API on OpenShift" || e.Description != "HTTP Server Error 503 Service Unavailable" || e.Rule != "HTTP" {
		t.Errorf("title %q, description %q, rule %q", e.Title, e.Description, e.Rule)
	}
	want := event.Resource{ID: "803318", Type: "pingdom.http", Name: "http://api.alerta.io/"}
	if e.Resource != want || e.Provider != "pingdom" || e.Account != "" {
		t.Errorf("resource %+v, provider %q, account %q; want %+v, pingdom", e.Resource, e.Provider, e.Account, want)
	}

	tests := []struct {
		name  string
		edit  func(map[string]any)
		title string
		desc  string
		res   event.Resource
	}{
		{"no long_description", func(m map[string]any) { m["long_description"] = "" }, "Alerta API on OpenShift", "HTTP Error 503",
			event.Resource{ID: "803318", Type: "pingdom.http", Name: "http://api.alerta.io/"}},
		{"no full_url", func(m map[string]any) { delete(params(m), "full_url") }, "Alerta API on OpenShift",
			"HTTP Server Error 503 Service Unavailable", event.Resource{ID: "803318", Type: "pingdom.http", Name: "api.alerta.io"}},
		{"no check_params", func(m map[string]any) { m["check_params"] = nil }, "Alerta API on OpenShift",
			"HTTP Server Error 503 Service Unavailable", event.Resource{ID: "803318", Type: "pingdom.http", Name: "Alerta API on OpenShift"}},
		{"no check_name", func(m map[string]any) { delete(m, "check_name") }, "http://api.alerta.io/",
			"HTTP Server Error 503 Service Unavailable", event.Resource{ID: "803318", Type: "pingdom.http", Name: "http://api.alerta.io/"}},
		{"no check_type", func(m map[string]any) { delete(m, "check_type") }, "Alerta API on OpenShift",
			"HTTP Server Error 503 Service Unavailable", event.Resource{ID: "803318", Type: "pingdom.check", Name: "http://api.alerta.io/"}},
		{"transaction check", func(m map[string]any) { m["check_type"] = "TRANSACTION" }, "Alerta API on OpenShift",
			"HTTP Server Error 503 Service Unavailable", event.Resource{ID: "803318", Type: "pingdom.transaction", Name: "http://api.alerta.io/"}},
	}
	for _, tt := range tests {
		e := one(t, nil, edited(t, down, tt.edit))
		if e.Title != tt.title || e.Description != tt.desc || e.Resource != tt.res {
			t.Errorf("%s: title %q, description %q, resource %+v; want %q, %q, %+v", tt.name, e.Title, e.Description, e.Resource,
				tt.title, tt.desc, tt.res)
		}
	}
	if imap := one(t, nil, fixture(t, imapUp)); imap.Resource.Name != "imap.someurl.com" || imap.Resource.Type != "pingdom.imap" {
		t.Errorf("IMAP check without full_url: resource %+v", imap.Resource)
	}
}

func TestTimes(t *testing.T) {
	// Pingdom writes UTC; neither the machine's zone nor source_timezone changes that.
	local := time.Local
	time.Local = time.FixedZone("KST", 9*3600)
	defer func() { time.Local = local }()

	const received = "2026-01-02T03:04:05Z"
	tests := []struct {
		name string
		ts   any // state_changed_timestamp; "absent" deletes it
		utc  any // state_changed_utc_time; "absent" deletes it
		want string
		kept map[string]string
	}{
		{"epoch seconds", 1498861543.0, "2000-01-01T00:00:00", "2017-06-30T22:25:43Z", nil},
		{"epoch as text", "1498861543", "absent", "2017-06-30T22:25:43Z", nil},
		{"epoch with a fraction", 1498861543.25, "absent", "2017-06-30T22:25:43.25Z", nil},
		{"written UTC time without the epoch", "absent", "2017-06-30T22:25:43", "2017-06-30T22:25:43Z", nil},
		{"written time after a zero epoch", 0.0, "2017-06-30T22:25:43", "2017-06-30T22:25:43Z",
			map[string]string{"state_changed_timestamp": "0"}},
		{"unreadable epoch", "late", "2017-06-30T22:25:43", "2017-06-30T22:25:43Z",
			map[string]string{"state_changed_timestamp": "late"}},
		{"neither readable", -5.0, "2017-13-40T99:00:00", received,
			map[string]string{"state_changed_timestamp": "-5", "state_changed_utc_time": "2017-13-40T99:00:00"}},
		{"neither", "absent", "absent", received, nil},
	}
	for _, opts := range []map[string]any{nil, {"source_timezone": "Asia/Seoul"}} {
		for _, tt := range tests {
			doc := edited(t, down, func(m map[string]any) {
				m["state_changed_timestamp"], m["state_changed_utc_time"] = tt.ts, tt.utc
				for _, k := range []string{"state_changed_timestamp", "state_changed_utc_time"} {
					if m[k] == "absent" {
						delete(m, k)
					}
				}
			})
			e := one(t, opts, doc)
			if got := event.FormatTime(e.OccurredAt); got != tt.want {
				t.Errorf("%s (options %v): occurred_at %s, want %s", tt.name, opts, got, tt.want)
			}
			for _, k := range []string{"state_changed_timestamp", "state_changed_utc_time"} {
				if got := e.AdditionalInfo[k]; got != tt.kept[k] {
					t.Errorf("%s: additional_info[%s] = %q, want %q", tt.name, k, got, tt.kept[k])
				}
			}
		}
	}
}

func TestAdditionalInfo(t *testing.T) {
	e := one(t, nil, edited(t, down, func(m map[string]any) {
		m["tags"] = []any{"prod", "api"}
		m["custom_message"] = "Call the API team"
	}))
	want := map[string]string{
		"check_type": "HTTP", "previous_state": "UP", "current_state": "DOWN", "description": "HTTP Error 503",
		"importance_level": "HIGH", "custom_message": "Call the API team", "tags": "prod,api",
		"first_probe_location": "Strasbourg 5, France", "first_probe_ip": "85.93.93.123",
		"second_probe_location": "Stockholm 2, Sweden", "second_probe_ip": "185.39.146.214",
	}
	if len(e.AdditionalInfo) != len(want) {
		t.Errorf("additional_info %v, want exactly %v", e.AdditionalInfo, want)
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	// An empty second probe and empty tags leave no keys.
	u := one(t, nil, fixture(t, up))
	for _, k := range []string{"second_probe_location", "second_probe_ip", "tags", "custom_message"} {
		if v, ok := u.AdditionalInfo[k]; ok {
			t.Errorf("UP body: additional_info[%s] = %q, want none", k, v)
		}
	}
}

func TestInvalidPayloads(t *testing.T) {
	for _, id := range []any{nil, "", " ", true, map[string]any{}, []any{1.0}, "absent"} {
		doc := edited(t, down, func(m map[string]any) { m["check_id"] = id })
		if id == "absent" {
			delete(doc, "check_id")
		}
		if got := sourcetest.InvalidField(t, pingdom.Name, doc); got != "check_id" {
			t.Errorf("check_id %v: error names %q, want check_id", id, got)
		}
	}
}
