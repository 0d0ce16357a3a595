package uptimekuma_test

import (
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/sourcetest"
	"github.com/monhook/monhook/domain/source/uptimekuma"
)

const (
	upFile   = "testdata/keep-test-up-full-webhook-string-offset.json"
	downFile = "testdata/keep-test-down-port-monitor-no-url.json"
	docsFile = "testdata/opsknight-docs-payload-format-down.json"
)

func read(t *testing.T, file string) map[string]any { return sourcetest.ReadJSON(t, file) }

// body is what Uptime Kuma 2 sends when an HTTP monitor goes down, with the fields monitor.toJSON and
// heartbeat.toJSONAsync write (most of the monitor's ~80 left out), times as monitor.js writes them for a server
// in America/Los_Angeles.
func body() map[string]any {
	return map[string]any{
		"heartbeat": map[string]any{
			"monitorID": 7.0, "status": 0.0, "time": "2024-09-24 23:51:35.527", "msg": "Request failed with status code 503",
			"ping": nil, "important": true, "duration": 60.0, "retries": 3.0,
			"timezone": "America/Los_Angeles", "timezoneOffset": "-07:00", "localDateTime": "2024-09-24 16:51:35",
		},
		"monitor": map[string]any{
			"id": 7.0, "name": "Shop", "description": "the public shop", "pathName": "Production / Shop",
			"url": "https://shop.example.com/health", "method": "GET", "hostname": nil, "port": nil,
			"type": "http", "interval": 60.0, "maxretries": 3.0,
			"tags": []any{
				map[string]any{"tag_id": 1.0, "monitor_id": 7.0, "value": "prod", "name": "env", "color": "#059669"},
				map[string]any{"tag_id": 2.0, "monitor_id": 7.0, "value": "", "name": "public", "color": "#2563EB"},
				map[string]any{"tag_id": 3.0, "monitor_id": 7.0, "value": "web", "name": "team", "color": "#7C3AED"},
				map[string]any{"tag_id": 3.0, "monitor_id": 7.0, "value": "sre", "name": "team", "color": "#7C3AED"},
			},
		},
		"msg": "[Shop] [🔴 Down] Request failed with status code 503",
	}
}

func hbOf(doc map[string]any) map[string]any  { return doc["heartbeat"].(map[string]any) }
func monOf(doc map[string]any) map[string]any { return doc["monitor"].(map[string]any) }

// testBody is what the Test button of a notification named "Cloudforet" sends (server.js testNotification).
func testBody(msg any) map[string]any {
	return map[string]any{"heartbeat": nil, "monitor": nil, "msg": msg}
}

func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, uptimekuma.Name, opts, doc)
}

func TestDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"a down notification", body(), true},
		{"the test button", testBody("Cloudforet Testing"), true},
		{"heartbeat and monitor", map[string]any{"heartbeat": map[string]any{"status": 0.0}, "monitor": map[string]any{}}, true},
		{"heartbeat with monitorID", map[string]any{"heartbeat": map[string]any{"monitorID": 1.0}, "msg": "x"}, true},
		{"monitor and msg", map[string]any{"monitor": map[string]any{"id": 1.0}, "msg": "x"}, true},
		{"all null", map[string]any{"heartbeat": nil, "monitor": nil, "msg": nil}, true},
		{"msg alone", map[string]any{"msg": "x"}, false},
		{"heartbeat alone", map[string]any{"heartbeat": map[string]any{"status": 0.0}}, false},
		{"heartbeat without status or monitorID", map[string]any{"heartbeat": map[string]any{"msg": "x"}, "msg": "x"}, false},
		{"heartbeat text", map[string]any{"heartbeat": "x", "msg": "x"}, false},
		{"monitor a list", map[string]any{"monitor": []any{}, "msg": "x"}, false},
		{"msg an object", map[string]any{"monitor": map[string]any{}, "msg": map[string]any{}}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == uptimekuma.Name) != tt.want {
			t.Errorf("%s: detected %q, want uptime_kuma %v", tt.name, got, tt.want)
		}
	}
}

func TestDownAndUpShareTheMonitorsKey(t *testing.T) {
	down := one(t, nil, body())
	up := body()
	hbOf(up)["status"] = 1.0
	hbOf(up)["msg"] = "200 - OK"
	upEvent := one(t, nil, up)
	if down.Type != event.Alert || upEvent.Type != event.Recovery || upEvent.Key != down.Key {
		t.Errorf("down then up: %s %q, %s %q", down.Type, down.Key, upEvent.Type, upEvent.Key)
	}
	// The monitor's id, else the heartbeat's monitorID: the same monitor either way.
	noMonitorID := body()
	delete(monOf(noMonitorID), "id")
	if got := one(t, nil, noMonitorID).Key; got != down.Key {
		t.Errorf("heartbeat.monitorID: key %q, want %q", got, down.Key)
	}
	if a, b := one(t, nil, read(t, upFile)), one(t, nil, read(t, docsFile)); a.Key != b.Key {
		t.Errorf("monitor.id 1 and heartbeat.monitorID 1: keys %q, %q", a.Key, b.Key)
	}
	other := body()
	monOf(other)["id"] = 8.0
	if one(t, nil, other).Key == down.Key {
		t.Error("two monitors share a key")
	}
}

func TestMessagesWithoutAMonitor(t *testing.T) {
	e := one(t, nil, testBody("Cloudforet Testing"))
	if e.Type != event.Alert || e.Severity != event.Info || e.Title != "Cloudforet Testing" || e.Description != "Cloudforet Testing" {
		t.Errorf("test button: %+v", e)
	}
	if !e.OccurredAt.Equal(sourcetest.Received) || e.Resource != (event.Resource{}) || e.Provider != "uptime_kuma" {
		t.Errorf("test button: occurred_at %s, resource %+v, provider %q", event.FormatTime(e.OccurredAt), e.Resource, e.Provider)
	}
	if again := one(t, nil, testBody("Cloudforet Testing")); again.Key != e.Key {
		t.Error("pressing Test twice opens two alerts")
	}
	cert := one(t, nil, testBody("[Shop][https://shop.example.com] server certificate shop.example.com will expire in 7 days"))
	domain := one(t, nil, testBody("Domain name example.com will expire in 14 days"))
	if cert.Key == e.Key || domain.Key == e.Key || cert.Key == domain.Key {
		t.Errorf("different notices share a key: %q, %q, %q", e.Key, cert.Key, domain.Key)
	}
	if cert.Key == one(t, nil, body()).Key {
		t.Error("a notice shares the monitor's key")
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		status any
		opts   map[string]any
		typ    event.Type
		sev    event.Severity
	}{
		{0.0, nil, event.Alert, event.Error},
		{1.0, nil, event.Recovery, event.Info},
		{2.0, nil, event.Alert, event.Warning},
		{3.0, nil, event.Alert, event.Info},
		{"0", nil, event.Alert, event.Error},
		{"1", nil, event.Recovery, event.Info},
		{"up", nil, event.Recovery, event.Info},
		{9.0, nil, event.Alert, event.NotAvailable},
		{nil, nil, event.Alert, event.NotAvailable},
		{nil, map[string]any{"default_severity": "WARNING"}, event.Alert, event.Warning},
		{0.0, map[string]any{"severity_map": map[string]any{"down": "CRITICAL"}}, event.Alert, event.Critical},
		{9.0, map[string]any{"severity_map": map[string]any{"9": "ERROR"}}, event.Alert, event.Error},
	}
	for _, tt := range tests {
		doc := body()
		hbOf(doc)["status"] = tt.status
		e := one(t, tt.opts, doc)
		if e.Type != tt.typ || e.Severity != tt.sev {
			t.Errorf("status %v (%v): %s %s, want %s %s", tt.status, tt.opts, e.Type, e.Severity, tt.typ, tt.sev)
		}
	}
	doc := body()
	doc["heartbeat"] = nil
	if e := one(t, nil, doc); e.Type != event.Alert || e.Severity != event.Info || e.Key != one(t, nil, body()).Key {
		t.Errorf("a monitor without a heartbeat: %s %s %q", e.Type, e.Severity, e.Key)
	}
}

func TestFields(t *testing.T) {
	e := one(t, nil, body())
	if e.Title != "Shop" || e.Description != "Request failed with status code 503" || e.Provider != "uptime_kuma" {
		t.Errorf("title %q, description %q, provider %q", e.Title, e.Description, e.Provider)
	}
	if e.Resource != (event.Resource{ID: "7", Type: "uptime_kuma.http", Name: "https://shop.example.com/health"}) {
		t.Errorf("resource %+v", e.Resource)
	}
	doc := body()
	delete(monOf(doc), "name")
	delete(hbOf(doc), "msg")
	e = one(t, nil, doc)
	if e.Title != "Uptime Kuma monitor 7" || e.Description != "[Shop] [🔴 Down] Request failed with status code 503" {
		t.Errorf("no name, no heartbeat msg: title %q, description %q", e.Title, e.Description)
	}
	if got := one(t, nil, read(t, docsFile)).Title; got != "My API" {
		t.Errorf("docs body: title %q", got)
	}
}

func TestResource(t *testing.T) {
	tests := []struct {
		name     string
		url      any
		hostname any
		monType  any
		want     event.Resource
	}{
		{"an HTTP monitor", "https://shop.example.com/health", nil, "http", event.Resource{ID: "7", Type: "uptime_kuma.http", Name: "https://shop.example.com/health"}},
		{"the https:// placeholder", "https://", "db.internal", "port", event.Resource{ID: "7", Type: "uptime_kuma.port", Name: "db.internal"}},
		{"http:// too", "http://", "10.0.0.1", "ping", event.Resource{ID: "7", Type: "uptime_kuma.ping", Name: "10.0.0.1"}},
		{"neither: the name", "https://", nil, "push", event.Resource{ID: "7", Type: "uptime_kuma.push", Name: "Shop"}},
		{"no type", nil, nil, nil, event.Resource{ID: "7", Type: "uptime_kuma.monitor", Name: "Shop"}},
	}
	for _, tt := range tests {
		doc := body()
		monOf(doc)["url"], monOf(doc)["hostname"], monOf(doc)["type"] = tt.url, tt.hostname, tt.monType
		if got := one(t, nil, doc).Resource; got != tt.want {
			t.Errorf("%s: resource %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if got := one(t, nil, read(t, downFile)).Resource; got != (event.Resource{ID: "2", Type: "uptime_kuma.monitor", Name: "Port Monitor"}) {
		t.Errorf("the port monitor without a url: %+v", got)
	}
}

func TestTimes(t *testing.T) {
	seoul := map[string]any{"source_timezone": "Asia/Seoul"}
	tests := []struct {
		name                string
		time, local, offset any
		opts                map[string]any
		want                string
	}{
		{"time is UTC, not local", "2024-09-24 23:51:35.527", "2024-09-24 16:51:35", "-07:00", nil, "2024-09-24T23:51:35.527Z"},
		{"time is UTC whatever source_timezone says", "2024-09-24 23:51:35.527", nil, nil, seoul, "2024-09-24T23:51:35.527Z"},
		{"time without a fraction (Uptime Kuma 1.x)", "2024-09-24 23:51:35", nil, nil, nil, "2024-09-24T23:51:35Z"},
		{"localDateTime with its offset", nil, "2024-09-24 16:51:35", "-07:00", nil, "2024-09-24T23:51:35Z"},
		{"an offset without a colon", nil, "2024-09-25 08:51:35", "+0900", nil, "2024-09-24T23:51:35Z"},
		{"localDateTime without an offset: source_timezone", nil, "2024-09-25 08:51:35", nil, seoul, "2024-09-24T23:51:35Z"},
		{"localDateTime without an offset: UTC", nil, "2024-09-24 23:51:35", nil, nil, "2024-09-24T23:51:35Z"},
		{"unreadable time: localDateTime", "yesterday", "2024-09-24 16:51:35", "-07:00", nil, "2024-09-24T23:51:35Z"},
		{"an unreadable offset", nil, "2024-09-24 16:51:35", "PDT", nil, "2026-01-02T03:04:05Z"},
		{"no time: receipt", nil, nil, nil, nil, "2026-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		doc := body()
		hb := hbOf(doc)
		hb["time"], hb["localDateTime"], hb["timezoneOffset"] = tt.time, tt.local, tt.offset
		if got := event.FormatTime(one(t, tt.opts, doc).OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
	}
	doc := body()
	hbOf(doc)["time"] = "yesterday"
	hbOf(doc)["localDateTime"] = "2024-13-45 99:00:00"
	e := one(t, nil, doc)
	if !e.OccurredAt.Equal(sourcetest.Received) || e.AdditionalInfo["heartbeat_time"] != "yesterday" ||
		e.AdditionalInfo["heartbeat_localDateTime"] != "2024-13-45 99:00:00" {
		t.Errorf("no readable time: %s, info %v", event.FormatTime(e.OccurredAt), e.AdditionalInfo)
	}
}

func TestAdditionalInfo(t *testing.T) {
	e := one(t, nil, body())
	want := map[string]string{
		"monitor_id": "7", "status": "DOWN", "monitor_type": "http", "monitor_description": "the public shop",
		"path": "Production / Shop", "url": "https://shop.example.com/health", "duration": "60", "important": "true",
		"retries": "3", "timezone": "America/Los_Angeles", "msg": "[Shop] [🔴 Down] Request failed with status code 503",
		"tag_env": "prod", "tag_public": "true", "tag_team": "web,sre",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for _, k := range []string{"ping", "hostname", "port", "tags"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info[%s] = %q: null, or not kept", k, v)
		}
	}
	doc := body()
	monOf(doc)["url"], monOf(doc)["hostname"], monOf(doc)["port"] = "https://", "db.internal", 5432.0
	hbOf(doc)["ping"] = 12.5
	e = one(t, nil, doc)
	for k, v := range map[string]string{"hostname": "db.internal", "port": "5432", "ping": "12.5"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	if v, ok := e.AdditionalInfo["url"]; ok {
		t.Errorf("the placeholder url kept as %q", v)
	}

	tags := make([]any, 600)
	for i := range tags {
		tags[i] = map[string]any{"name": "t" + event.FormatNumber(float64(i)), "value": "v"}
	}
	doc = body()
	monOf(doc)["tags"] = tags
	if n := len(one(t, nil, doc).AdditionalInfo); n > 100 {
		t.Errorf("600 tags: %d additional_info entries, want the first 64 tags only", n)
	}
}

func TestUnrenderedValuesAreAbsent(t *testing.T) {
	doc := body()
	monOf(doc)["name"] = "{{ monitorJSON.name }}"
	hbOf(doc)["msg"] = "{{ heartbeatJSON.msg }}"
	e := one(t, nil, doc)
	if e.Title != "Uptime Kuma monitor 7" || e.Description != "[Shop] [🔴 Down] Request failed with status code 503" {
		t.Errorf("unfilled variables: title %q, description %q", e.Title, e.Description)
	}
	if got := sourcetest.InvalidField(t, uptimekuma.Name, testBody("{{ msg }}")); got != "msg" {
		t.Errorf("an unfilled msg alone: error names %q", got)
	}
}

func TestInvalidPayloads(t *testing.T) {
	noID := body()
	delete(monOf(noID), "id")
	delete(hbOf(noID), "monitorID")
	emptyID := body()
	monOf(emptyID)["id"], hbOf(emptyID)["monitorID"] = " ", nil
	tests := []struct {
		name  string
		doc   map[string]any
		field string
	}{
		{"no monitor id anywhere", noID, "monitor.id"},
		{"empty monitor ids", emptyID, "monitor.id"},
		{"a heartbeat without its monitor", map[string]any{"heartbeat": map[string]any{"status": 0.0}, "monitor": nil, "msg": "x"}, "monitor.id"},
		{"no monitor, no msg", testBody(nil), "msg"},
		{"no monitor, empty msg", testBody(" "), "msg"},
		{"nothing at all", map[string]any{}, "msg"},
	}
	for _, tt := range tests {
		if got := sourcetest.InvalidField(t, uptimekuma.Name, tt.doc); got != tt.field {
			t.Errorf("%s: error names %q, want %q", tt.name, got, tt.field)
		}
	}
}

// TestNeverPanics sweeps a full body too: the bundled examples leave out fields a monitor of another kind sends.
func TestNeverPanics(t *testing.T) {
	sourcetest.Sweep(t, uptimekuma.Source, body())
}
