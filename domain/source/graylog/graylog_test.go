package graylog_test

import (
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/graylog"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	testFile   = "testdata/docs-http-notification-test-dummy.json"
	gl2slFile  = "testdata/gl2sl-aggregation-priority2-backlog-info.json"
	keepFile   = "testdata/keep-mock-aggregation-priority3-replay-info.json"
	legacyFile = "testdata/docs-legacy-http-alarm-callback-message-count.json"
)

func read(t *testing.T, file string) map[string]any { return sourcetest.ReadJSON(t, file) }

func eventOf(doc map[string]any) map[string]any { return doc["event"].(map[string]any) }

func resultOf(doc map[string]any) map[string]any { return doc["check_result"].(map[string]any) }

func condOf(doc map[string]any) map[string]any {
	return resultOf(doc)["triggered_condition"].(map[string]any)
}

func streamOf(doc map[string]any) map[string]any { return doc["stream"].(map[string]any) }

func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, graylog.Name, opts, doc)
}

func TestDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"event notification", map[string]any{"event_definition_id": "x", "event_definition_type": "aggregation-v1", "event": map[string]any{}}, true},
		{"event notification, null ids", map[string]any{"event_definition_id": nil, "event_definition_type": nil, "event": map[string]any{}}, true},
		{"event not an object", map[string]any{"event_definition_id": "x", "event_definition_type": "t", "event": "x"}, false},
		{"no event_definition_type", map[string]any{"event_definition_id": "x", "event": map[string]any{}}, false},
		{"no event_definition_id", map[string]any{"event_definition_type": "t", "event": map[string]any{}}, false},
		{"alarm callback", map[string]any{"check_result": map[string]any{}, "stream": map[string]any{}}, true},
		{"check_result without stream", map[string]any{"check_result": map[string]any{}}, false},
		{"stream not an object", map[string]any{"check_result": map[string]any{}, "stream": "s"}, false},
		{"check_result not an object", map[string]any{"check_result": "x", "stream": map[string]any{}}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == graylog.Name) != tt.want {
			t.Errorf("%s: detected %q, want graylog %v", tt.name, got, tt.want)
		}
	}
	for _, f := range []string{testFile, gl2slFile, keepFile, legacyFile} {
		if got, _ := sourcetest.Detect(read(t, f)); got != graylog.Name {
			t.Errorf("%s: detected %q", f, got)
		}
	}
}

func TestEventKeyIsDefinitionAndGroupKey(t *testing.T) {
	first := one(t, nil, read(t, gl2slFile))
	again := read(t, gl2slFile)
	eventOf(again)["id"] = "01DZ62AAAAAAAAAAAAAAAAAAAA"
	eventOf(again)["timestamp"] = "2020-01-22T07:21:23.156Z"
	if got := one(t, nil, again); got.Key != first.Key {
		t.Errorf("a later firing of the same definition: key %q, want %q (event.id must not be in the key)", got.Key, first.Key)
	}
	other := read(t, gl2slFile)
	other["event_definition_id"] = "5e27eff173c7b20012b88aef"
	if one(t, nil, other).Key == first.Key {
		t.Error("two event definitions share a key")
	}
	grouped := read(t, gl2slFile)
	eventOf(grouped)["key"] = "host-a"
	groupedB := read(t, gl2slFile)
	eventOf(groupedB)["key"] = "host-b"
	a, b := one(t, nil, grouped), one(t, nil, groupedB)
	if a.Key == b.Key || a.Key == first.Key {
		t.Errorf("group-by keys: %q, %q, ungrouped %q: want three alerts", a.Key, b.Key, first.Key)
	}
	// The definition's id at the top, else the event's own.
	fromEvent := read(t, gl2slFile)
	delete(fromEvent, "event_definition_id")
	if got := one(t, map[string]any{"source": "graylog"}, fromEvent); got.Key != first.Key {
		t.Errorf("event.event_definition_id: key %q, want %q", got.Key, first.Key)
	}
	if first.Key == one(t, nil, read(t, keepFile)).Key {
		t.Error("two fixtures of different definitions share a key")
	}
}

func TestAlarmCallbackPairing(t *testing.T) {
	alert := one(t, nil, read(t, legacyFile))
	doc := read(t, legacyFile)
	resultOf(doc)["triggered"] = false
	resolved := one(t, nil, doc)
	if alert.Type != event.Alert || resolved.Type != event.Recovery || resolved.Key != alert.Key {
		t.Errorf("triggered true then false: %s %q, %s %q", alert.Type, alert.Key, resolved.Type, resolved.Key)
	}
	for v, want := range map[any]event.Type{"false": event.Recovery, "FALSE": event.Recovery, true: event.Alert, "true": event.Alert, nil: event.Alert, 0.0: event.Alert} {
		doc := read(t, legacyFile)
		resultOf(doc)["triggered"] = v
		if got := one(t, nil, doc).Type; got != want {
			t.Errorf("triggered %v: %s, want %s", v, got, want)
		}
	}
	otherStream := read(t, legacyFile)
	streamOf(otherStream)["id"] = "55f1509dbee8e2841898eb65"
	otherCond := read(t, legacyFile)
	condOf(otherCond)["id"] = "6e7a9c8d-9bb1-47b6-b8db-4a3a83a25e0c"
	k1, k2 := one(t, nil, otherStream).Key, one(t, nil, otherCond).Key
	if k1 == alert.Key || k2 == alert.Key || k1 == k2 {
		t.Errorf("keys of other streams and conditions: %q, %q, %q", alert.Key, k1, k2)
	}
}

func TestEventNotificationsAreAlwaysAlerts(t *testing.T) {
	for _, f := range []string{testFile, gl2slFile, keepFile} {
		doc := read(t, f)
		eventOf(doc)["alert"] = false
		if got := one(t, nil, doc).Type; got != event.Alert {
			t.Errorf("%s: %s, want ALERT (Graylog sends no resolve)", f, got)
		}
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		priority any
		opts     map[string]any
		want     event.Severity
	}{
		{1.0, nil, event.Info},
		{2.0, nil, event.Warning},
		{3.0, nil, event.Error},
		{4.0, nil, event.Critical},
		{"3", nil, event.Error},
		{" 4 ", nil, event.Critical},
		{0.0, nil, event.NotAvailable},
		{5.0, nil, event.NotAvailable},
		{"high", nil, event.NotAvailable},
		{nil, nil, event.NotAvailable},
		{"absent", map[string]any{"default_severity": "ERROR"}, event.Error},
		{3.0, map[string]any{"severity_map": map[string]any{"3": "CRITICAL"}}, event.Critical},
	}
	for _, tt := range tests {
		doc := read(t, gl2slFile)
		if tt.priority == "absent" {
			delete(eventOf(doc), "priority")
		} else {
			eventOf(doc)["priority"] = tt.priority
		}
		if got := one(t, tt.opts, doc).Severity; got != tt.want {
			t.Errorf("priority %v (%v): %s, want %s", tt.priority, tt.opts, got, tt.want)
		}
	}
	// The alarm callback has no level.
	if got := one(t, nil, read(t, legacyFile)).Severity; got != event.NotAvailable {
		t.Errorf("alarm callback: %s, want default_severity", got)
	}
	if got := one(t, map[string]any{"default_severity": "WARNING"}, read(t, legacyFile)).Severity; got != event.Warning {
		t.Errorf("alarm callback with default_severity WARNING: %s", got)
	}
}

func TestEventFields(t *testing.T) {
	e := one(t, nil, read(t, testFile))
	if e.Title != "Event Definition Test Title" || e.Rule != "Event Definition Test Title" {
		t.Errorf("title %q, rule %q, want the definition's title", e.Title, e.Rule)
	}
	if e.Description != "Notification test message triggered from user <admin>\n\nEvent Definition Test Description" {
		t.Errorf("description %q, want the event's message, then the definition's description", e.Description)
	}
	if e.Resource != (event.Resource{Type: "graylog.event", Name: "testkey"}) {
		t.Errorf("resource %+v, want the event's key", e.Resource)
	}
	if e.Provider != "graylog" {
		t.Errorf("provider %q", e.Provider)
	}

	doc := read(t, gl2slFile)
	doc["event_definition_title"] = nil
	eventOf(doc)["message"] = "All: count() > 0"
	e = one(t, nil, doc)
	if e.Title != "All: count() > 0" || e.Rule != "" {
		t.Errorf("no definition title: title %q, rule %q, want the event's message", e.Title, e.Rule)
	}
	backlogMessage := `{"level":"info","ts":1579677383.1533563,"caller":"cmd/root.go:131","msg":"Started","http_listen":":80"}`
	if !strings.HasSuffix(e.Description, "\n\n"+backlogMessage) {
		t.Errorf("description %q, want the first backlog message last", e.Description)
	}

	long := read(t, gl2slFile)
	long["backlog"].([]any)[0].(map[string]any)["message"] = strings.Repeat("é", 3000) // 6000 bytes
	d := one(t, nil, long).Description
	if tail := d[strings.LastIndex(d, "\n\n")+2:]; len(tail) > 4<<10+len("…") || !strings.HasSuffix(tail, "é…") {
		t.Errorf("a long backlog message: %d bytes, ending %q; want at most 4 KiB of whole characters and …", len(tail), tail[len(tail)-8:])
	}
}

func TestEventResource(t *testing.T) {
	tests := []struct {
		name   string
		key    any
		groups any
		want   string
	}{
		{"the event's key", "web-01|500", map[string]any{"source": "web-01", "status": 500.0}, "web-01|500"},
		{"group-by values by field name", "", map[string]any{"status": 500.0, "source": "web-01"}, "web-01,500"},
		{"no key, no groups", "", map[string]any{}, ""},
		{"no key, groups null", nil, nil, ""},
	}
	for _, tt := range tests {
		doc := read(t, keepFile)
		eventOf(doc)["key"] = tt.key
		eventOf(doc)["group_by_fields"] = tt.groups
		e := one(t, nil, doc)
		if e.Resource.Name != tt.want || e.Resource.Type != "graylog.event" {
			t.Errorf("%s: resource %+v, want name %q", tt.name, e.Resource, tt.want)
		}
	}
}

func TestAlarmCallbackFields(t *testing.T) {
	e := one(t, nil, read(t, legacyFile))
	if e.Title != "test: MESSAGE_COUNT" || e.Rule != "MESSAGE_COUNT" {
		t.Errorf("title %q, rule %q, want <stream.title>: <type_string>", e.Title, e.Rule)
	}
	want := "Stream had 2 messages in the last 1 minutes with trigger condition more than 1 messages. (Current grace time: 1 minutes)\n\nWARN: System is failing"
	if e.Description != want {
		t.Errorf("description %q, want the result's description, then the first matching message", e.Description)
	}
	if e.Resource != (event.Resource{ID: "55f1509dbee8e2841898eb64", Type: "graylog.stream", Name: "test"}) {
		t.Errorf("resource %+v, want the stream", e.Resource)
	}
	doc := read(t, legacyFile)
	condOf(doc)["title"] = "Too many errors"
	if got := one(t, nil, doc).Title; got != "Too many errors" {
		t.Errorf("a condition with a title: title %q", got)
	}
	doc = read(t, legacyFile)
	delete(condOf(doc), "type_string")
	condOf(doc)["type"] = "field_value"
	delete(streamOf(doc), "title")
	e = one(t, nil, doc)
	if e.Title != "field_value" || e.Rule != "field_value" || e.Resource.Name != "55f1509dbee8e2841898eb64" {
		t.Errorf("no type_string, no stream title: title %q, rule %q, resource %+v", e.Title, e.Rule, e.Resource)
	}
}

func TestTimes(t *testing.T) {
	seoul := map[string]any{"source_timezone": "Asia/Seoul"}
	tests := []struct {
		timestamp, processing any
		opts                  map[string]any
		want                  string
	}{
		{"2020-01-22T07:16:23.156Z", "2020-01-22T07:17:08.566Z", nil, "2020-01-22T07:16:23.156Z"},
		{"2020-01-22T07:16:23.156Z", nil, seoul, "2020-01-22T07:16:23.156Z"},
		{"2020-01-22T16:16:23.156+09:00", nil, nil, "2020-01-22T07:16:23.156Z"},
		{1579677383156.0, nil, nil, "2020-01-22T07:16:23.156Z"},
		// Unreadable or absent: the processing time, then the time of receipt.
		{"yesterday", "2020-01-22T07:17:08.566Z", nil, "2020-01-22T07:17:08.566Z"},
		{nil, "2020-01-22T07:17:08.566Z", nil, "2020-01-22T07:17:08.566Z"},
		{"0000-01-01T00:00:00Z", nil, nil, "2026-01-02T03:04:05Z"},
		{nil, nil, nil, "2026-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		doc := read(t, gl2slFile)
		eventOf(doc)["timestamp"], eventOf(doc)["timestamp_processing"] = tt.timestamp, tt.processing
		if got := event.FormatTime(one(t, tt.opts, doc).OccurredAt); got != tt.want {
			t.Errorf("timestamp %v, processing %v (%v): %s, want %s", tt.timestamp, tt.processing, tt.opts, got, tt.want)
		}
	}
	doc := read(t, gl2slFile)
	eventOf(doc)["timestamp"] = "yesterday"
	if got := one(t, nil, doc).AdditionalInfo["event_timestamp"]; got != "yesterday" {
		t.Errorf("unreadable event.timestamp kept as %q", got)
	}

	doc = read(t, legacyFile)
	resultOf(doc)["triggered_at"] = "2015-09-10T11:45:54.749+02:00"
	if got := event.FormatTime(one(t, nil, doc).OccurredAt); got != "2015-09-10T09:45:54.749Z" {
		t.Errorf("triggered_at with an offset: %s", got)
	}
	resultOf(doc)["triggered_at"] = "soon"
	e := one(t, nil, doc)
	if !e.OccurredAt.Equal(sourcetest.Received) || e.AdditionalInfo["check_result_triggered_at"] != "soon" {
		t.Errorf("unreadable triggered_at: %s, kept as %q", event.FormatTime(e.OccurredAt), e.AdditionalInfo["check_result_triggered_at"])
	}
}

func TestAdditionalInfo(t *testing.T) {
	doc := read(t, keepFile)
	eventOf(doc)["fields"] = map[string]any{"user.name": "alice", "count": 3.0}
	eventOf(doc)["group_by_fields"] = map[string]any{"source": "172.23.0.1"}
	eventOf(doc)["streams"] = []any{"s1", "s2"}
	e := one(t, nil, doc)
	want := map[string]string{
		"event_id": "01JAZZJAKS82TDZAE82E0WAENT", "event_definition_type": "aggregation-v1",
		"event_definition_id": "671a28a03696bb3801a7a9f1", "priority": "3", "alert": "true", "source": "server",
		"streams": "s1,s2", "source_streams": "000000000000000000000001",
		"origin_context":  "urn:graylog:message:es:graylog_0:d0a9a7a0-91f1-11ef-9a79-0242ac170004",
		"field_user_name": "alice", "field_count": "3", "group_source": "172.23.0.1", "backlog_count": "0",
		"replay_query": "source:172.23.0.1", "job_trigger_id": "671a9dfe3696bb3801a8536d",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for _, k := range []string{"timerange_start", "timerange_end", "scores"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info[%s] = %q: null or empty", k, v)
		}
	}
	// The test notification's job ids are "<unknown>": no ids at all.
	test := one(t, nil, read(t, testFile))
	for _, k := range []string{"job_definition_id", "job_trigger_id"} {
		if v, ok := test.AdditionalInfo[k]; ok {
			t.Errorf("test notification: additional_info[%s] = %q", k, v)
		}
	}
	if test.AdditionalInfo["event_definition_type"] != "test-dummy-v1" {
		t.Errorf("event_definition_type %q, want the body's own", test.AdditionalInfo["event_definition_type"])
	}

	legacy := one(t, nil, read(t, legacyFile))
	for k, v := range map[string]string{"stream_id": "55f1509dbee8e2841898eb64", "condition_id": "5e7a9c8d-9bb1-47b6-b8db-4a3a83a25e0c",
		"condition_type": "MESSAGE_COUNT", "condition_parameters_threshold_type": "more", "backlog_count": "2", "triggered": "true"} {
		if legacy.AdditionalInfo[k] != v {
			t.Errorf("alarm callback: additional_info[%s] = %q, want %q", k, legacy.AdditionalInfo[k], v)
		}
	}
}

func TestUnrenderedValuesAreAbsent(t *testing.T) {
	doc := read(t, gl2slFile)
	doc["event_definition_title"] = "${event_definition_title}"
	eventOf(doc)["key"] = "${event.key}"
	e := one(t, nil, doc)
	if e.Title != "All" || e.Resource.Name != "" || e.Key != one(t, nil, read(t, gl2slFile)).Key {
		t.Errorf("unfilled variables: title %q, resource %q, key %q", e.Title, e.Resource.Name, e.Key)
	}
	doc = read(t, gl2slFile)
	doc["event_definition_id"] = "${event_definition_id}"
	delete(eventOf(doc), "event_definition_id")
	if got := sourcetest.InvalidField(t, graylog.Name, doc); got != "event_definition_id" {
		t.Errorf("an unfilled definition id: error names %q", got)
	}
}

func TestInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		edit  func(doc map[string]any)
		field string
	}{
		{"event not an object", gl2slFile, func(d map[string]any) { d["event"] = "x" }, "event"},
		{"no event", gl2slFile, func(d map[string]any) { delete(d, "event") }, "event"},
		{"no definition id", gl2slFile, func(d map[string]any) {
			delete(d, "event_definition_id")
			delete(eventOf(d), "event_definition_id")
		}, "event_definition_id"},
		{"empty definition ids", gl2slFile, func(d map[string]any) {
			d["event_definition_id"] = " "
			eventOf(d)["event_definition_id"] = nil
		}, "event_definition_id"},
		{"check_result not an object", legacyFile, func(d map[string]any) { d["check_result"] = []any{} }, "check_result"},
		{"no stream id", legacyFile, func(d map[string]any) { delete(streamOf(d), "id") }, "stream.id"},
		{"no stream", legacyFile, func(d map[string]any) { delete(d, "stream") }, "stream.id"},
		{"no condition id", legacyFile, func(d map[string]any) { condOf(d)["id"] = "" }, "check_result.triggered_condition.id"},
		{"no condition", legacyFile, func(d map[string]any) { delete(resultOf(d), "triggered_condition") }, "check_result.triggered_condition.id"},
	}
	for _, tt := range tests {
		doc := read(t, tt.file)
		tt.edit(doc)
		if got := sourcetest.InvalidField(t, graylog.Name, doc); got != tt.field {
			t.Errorf("%s: error names %q, want %q", tt.name, got, tt.field)
		}
	}
}
