package appdynamics_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/appdynamics"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	flatFile = "testdata/cloudforet-readme-template-v2-policy-open-critical-incident.json"
	listFile = "testdata/cloudforet-test-template-v1-events-list-eventtypekey.json"
)

// flat is a fresh copy of the README's body of the current template, changed by set (a nil value deletes the key).
func flat(t *testing.T, set map[string]any) map[string]any {
	t.Helper()
	doc := sourcetest.ReadJSON(t, flatFile)
	for k, v := range set {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	return doc
}

// list is a fresh copy of the older template's body.
func list(t *testing.T) map[string]any { return sourcetest.ReadJSON(t, listFile) }

func items(doc map[string]any) []any { return doc["events"].([]any) }

func item(doc map[string]any, i int) map[string]any { return items(doc)[i].(map[string]any) }

// one parses doc with auto-detection (and opts) and returns its only event.
func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, appdynamics.Name, opts, doc)
}

// invalid parses doc as appdynamics and returns the field its error names.
func invalid(t *testing.T, doc map[string]any) string {
	t.Helper()
	return sourcetest.InvalidField(t, appdynamics.Name, doc)
}

func TestDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"flat with controller_url", map[string]any{"event_guid": "g", "event_type": "POLICY_OPEN_WARNING", "controller_url": "https://c"}, true},
		{"flat with event_deep_link, values null", map[string]any{"event_guid": nil, "event_type": nil, "event_deep_link": nil}, true},
		{"flat without guid", map[string]any{"event_type": "x", "controller_url": "https://c", "event_id": "1"}, false},
		{"flat without link or controller", map[string]any{"event_guid": "g", "event_type": "x"}, false},
		{"list with policy_name", map[string]any{"events": []any{}, "controllerUrl": "https://c", "policy_name": "p"}, true},
		{"list with topSeverity", map[string]any{"events": []any{map[string]any{"guid": "g"}}, "controllerUrl": "", "topSeverity": "ERROR"}, true},
		{"events not a list", map[string]any{"events": "[]", "controllerUrl": "https://c", "policy_name": "p"}, false},
		{"list without controllerUrl", map[string]any{"events": []any{}, "policy_name": "p", "topSeverity": "ERROR"}, false},
		{"list without policy or severity", map[string]any{"events": []any{}, "controllerUrl": "https://c"}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == appdynamics.Name) != tt.want {
			t.Errorf("%s: detected %q, want appdynamics %v", tt.name, got, tt.want)
		}
	}
}

func TestIncidentPairsOpenAndClose(t *testing.T) {
	open := one(t, nil, flat(t, nil))
	closed := one(t, nil, flat(t, map[string]any{"event_type": "POLICY_CLOSE_CRITICAL", "event_id": "33021999",
		"event_guid": "0f3b", "event_name": "Health Rule Violation Ended - Critical", "severity": "INFO"}))
	if open.Key != "70646" || closed.Key != open.Key {
		t.Errorf("keys %q and %q, want incident_id 70646 for both (Cloudforet's key)", open.Key, closed.Key)
	}
	if open.Type != event.Alert || closed.Type != event.Recovery {
		t.Errorf("types %s and %s, want ALERT and RECOVERY", open.Type, closed.Type)
	}
	if closed.Severity != event.Critical {
		t.Errorf("the close of a critical violation has severity %s, want the CRITICAL it opened with", closed.Severity)
	}
	other := one(t, nil, flat(t, map[string]any{"incident_id": "70647"}))
	if other.Key == open.Key {
		t.Error("two incidents share a key")
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]any
		want string
	}{
		{"incident_id first", nil, "70646"},
		{"event_id without an incident", map[string]any{"incident_id": nil, "health_rule_id": nil}, "33021165"},
		{"unrendered incident_id", map[string]any{"incident_id": "${latestEvent.incident.id}"}, "33021165"},
		{"empty incident_id", map[string]any{"incident_id": ""}, "33021165"},
		{"numeric incident_id", map[string]any{"incident_id": 70646.0}, "70646"},
		{"incident_id trimmed", map[string]any{"incident_id": " 70646 "}, "70646"},
	}
	for _, tt := range tests {
		if got := one(t, nil, flat(t, tt.set)).Key; got != tt.want {
			t.Errorf("%s: key %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, set := range []map[string]any{
		{"incident_id": nil, "event_id": nil},
		{"incident_id": "${latestEvent.incident.id}", "event_id": "${latestEvent.id}"},
		{"incident_id": "", "event_id": "  "},
	} {
		if field := invalid(t, flat(t, set)); field != "event_id" {
			t.Errorf("without any id (%v): error names %q, want event_id", set, field)
		}
	}
}

func TestEventType(t *testing.T) {
	tests := []struct {
		eventType any
		want      event.Type
	}{
		{"POLICY_CLOSE_WARNING", event.Recovery},
		{"POLICY_CLOSE_CRITICAL", event.Recovery},
		{"POLICY_CANCELED_WARNING", event.Recovery},
		{"POLICY_CANCELED_CRITICAL", event.Recovery},
		{"policy_close_critical", event.Recovery},
		{" POLICY_CANCELED_WARNING ", event.Recovery},
		{"HEALTH_RULE_CLOSE_CRITICAL", event.Recovery},
		{"HEALTH_RULE_CANCELED_WARNING", event.Recovery},
		{"HEALTH_RULE_OPEN_CRITICAL", event.Alert},
		{"POLICY_OPEN_CRITICAL", event.Alert},
		{"POLICY_OPEN_WARNING", event.Alert},
		{"POLICY_CONTINUES_CRITICAL", event.Alert},
		{"POLICY_UPGRADED", event.Alert},
		{"POLICY_DOWNGRADED", event.Alert},
		{"APPLICATION_ERROR", event.Alert},
		{"${latestEvent.eventType}", event.Alert},
		{12.0, event.Alert},
	}
	for _, tt := range tests {
		if got := one(t, nil, flat(t, map[string]any{"event_type": tt.eventType})).Type; got != tt.want {
			t.Errorf("event_type %v: %s, want %s", tt.eventType, got, tt.want)
		}
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		eventType, severity any
		opts                map[string]any
		want                event.Severity
	}{
		{"POLICY_OPEN_CRITICAL", "ERROR", nil, event.Critical},
		{"POLICY_CONTINUES_CRITICAL", "INFO", nil, event.Critical},
		{"POLICY_CANCELED_CRITICAL", nil, nil, event.Critical},
		{"POLICY_UPGRADED", "WARN", nil, event.Critical},
		{"POLICY_OPEN_WARNING", "ERROR", nil, event.Warning},
		{"POLICY_CLOSE_WARNING", "INFO", nil, event.Warning},
		{"POLICY_DOWNGRADED", "ERROR", nil, event.Warning},
		{"HEALTH_RULE_UPGRADED", "INFO", nil, event.Critical},
		{"HEALTH_RULE_CLOSE_WARNING", "ERROR", nil, event.Warning},
		{"policy_open_critical", nil, nil, event.Critical},
		{"APPLICATION_ERROR", "ERROR", nil, event.Error},
		{"APPLICATION_ERROR", "error", nil, event.Error},
		{"APP_SERVER_RESTART", "WARN", nil, event.Warning},
		{"APP_SERVER_RESTART", "WARNING", nil, event.Warning},
		{"APPLICATION_DEPLOYMENT", "INFO", nil, event.Info},
		{"APPLICATION_DEPLOYMENT", "FATAL", nil, event.NotAvailable},
		{"APPLICATION_DEPLOYMENT", nil, nil, event.NotAvailable},
		{"APPLICATION_DEPLOYMENT", "${latestEvent.severity}", nil, event.NotAvailable},
		{nil, nil, map[string]any{"default_severity": "INFO"}, event.Info},
		// severity_map names the level that decided: the event type, or the severity when the type names none.
		{"POLICY_OPEN_CRITICAL", "ERROR", map[string]any{"severity_map": map[string]any{"POLICY_OPEN_CRITICAL": "ERROR"}}, event.Error},
		{"APPLICATION_ERROR", "ERROR", map[string]any{"severity_map": map[string]any{"error": "CRITICAL"}}, event.Critical},
		{"APPLICATION_CRASH", nil, map[string]any{"severity_map": map[string]any{"application_crash": "CRITICAL"}}, event.Critical},
	}
	for _, tt := range tests {
		doc := flat(t, nil)
		doc["event_type"], doc["severity"] = tt.eventType, tt.severity
		if got := one(t, tt.opts, doc).Severity; got != tt.want {
			t.Errorf("event_type %v, severity %v, options %v: %s, want %s", tt.eventType, tt.severity, tt.opts, got, tt.want)
		}
	}
}

func TestTextFields(t *testing.T) {
	e := one(t, nil, flat(t, nil))
	if e.Title != "New Critical Health Rule Violation" || e.Description != "AppDynamics has detected a problem with Business xxxxxx." ||
		e.Rule != "Business Transaction Health" || e.Provider != "appdynamics" {
		t.Errorf("title %q, description %q, rule %q, provider %q", e.Title, e.Description, e.Rule, e.Provider)
	}
	html := "Calls per Minute's value <b>89072.00</b> was <b>greater than</b> the threshold"
	e = one(t, nil, flat(t, map[string]any{"summary": "${latestEvent.summaryMessage}", "event_message": html, "health_rule_name": nil}))
	if e.Description != html {
		t.Errorf("description %q, want event_message, HTML kept", e.Description)
	}
	if e.Rule != "JAVA alert" {
		t.Errorf("rule %q without a health rule, want the policy", e.Rule)
	}
	e = one(t, nil, flat(t, map[string]any{"event_name": "${latestEvent.displayName}"}))
	if e.Title != "Business Transaction Health" {
		t.Errorf("title %q without event_name, want the rule", e.Title)
	}
}

func TestResource(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]any
		want event.Resource
	}{
		{"unrendered node falls to the tier", nil, event.Resource{ID: "201066", Type: "appdynamics.tier", Name: "MyTier"}},
		{"node", map[string]any{"node_id": "300", "node_name": "node-7"}, event.Resource{ID: "300", Type: "appdynamics.node", Name: "node-7"}},
		{"node without its id", map[string]any{"node_id": "$latestEvent.node.id", "node_name": "node-7"}, event.Resource{Type: "appdynamics.node", Name: "node-7"}},
		{"application", map[string]any{"tier_name": "", "tier_id": ""}, event.Resource{ID: "108979", Type: "appdynamics.application", Name: "MyApp"}},
		{"nothing", map[string]any{"tier_name": nil, "app_name": "${latestEvent.application.name}"}, event.Resource{}},
	}
	for _, tt := range tests {
		if got := one(t, nil, flat(t, tt.set)).Resource; got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestTimes(t *testing.T) {
	seoul := map[string]any{"source_timezone": "Asia/Seoul"}
	tests := []struct {
		value any
		opts  map[string]any
		want  string
		kept  bool // the unread value is in additional_info
	}{
		{"Mon Apr 03 02:04:55 UTC 2023", nil, "2023-04-03T02:04:55Z", false},
		{"Mon Apr 03 02:04:55 GMT 2023", nil, "2023-04-03T02:04:55Z", false},
		{"Mon Apr  3 02:04:55 UTC 2023", nil, "2023-04-03T02:04:55Z", false},
		{"Mon Apr 03 11:04:55 GMT+09:00 2023", nil, "2023-04-03T02:04:55Z", false},
		{"Sun Apr 02 19:04:55 GMT-07:00 2023", nil, "2023-04-03T02:04:55Z", false},
		{"Mon Apr 03 11:04:55 KST 2023", seoul, "2023-04-03T02:04:55Z", false},
		// Abbreviations name no single offset: read only when source_timezone calls that moment so.
		{"Sun Apr 02 19:04:55 PDT 2023", nil, "2026-01-02T03:04:05Z", true},
		{"Mon Apr 03 11:04:55 KST 2023", nil, "2026-01-02T03:04:05Z", true},
		{"Sun Apr 02 19:04:55 PDT 2023", seoul, "2026-01-02T03:04:05Z", true},
		{"Mon Feb 30 02:04:55 UTC 2023", nil, "2026-01-02T03:04:05Z", true},
		{"Mon Apr 03 02:04:55 UTC 10000", nil, "2026-01-02T03:04:05Z", true},
		{"yesterday", nil, "2026-01-02T03:04:05Z", true},
		{"2023-04-03T11:04:55+09:00", nil, "2023-04-03T02:04:55Z", false},
		{1680487495000.0, nil, "2023-04-03T02:04:55Z", false},
		{"${latestEvent.eventTime}", nil, "2026-01-02T03:04:05Z", false},
		{nil, nil, "2026-01-02T03:04:05Z", false},
	}
	for _, tt := range tests {
		e := one(t, tt.opts, flat(t, map[string]any{"event_time": tt.value}))
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("event_time %v (%v): occurred_at %s, want %s", tt.value, tt.opts, got, tt.want)
		}
		if got := e.AdditionalInfo["event_time"]; tt.kept && got != tt.value {
			t.Errorf("event_time %v: additional_info.event_time %q, want the value as sent", tt.value, got)
		}
	}
}

func TestAdditionalInfo(t *testing.T) {
	e := one(t, nil, flat(t, nil))
	want := map[string]string{
		"event_type": "POLICY_OPEN_CRITICAL", "event_id": "33021165", "event_guid": "a35260de-34ff-476f-bcb9-c44fd1afd913",
		"incident_id": "70646", "incident_name": "Business Transaction Health", "health_rule_id": "615178", "policy": "JAVA alert",
		"app_name": "MyApp", "app_id": "108979", "tier_name": "MyTier", "controller_url": "https://painted20230307xxxxx.saas.appdynamics.com",
		"event_time": "Mon Apr 03 02:04:55 UTC 2023", "url": "https://painted20230307xxxx.saas.appdynamics.com/#location=APP_EVENT_Vxxxx",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for _, k := range []string{"node_id", "node_name", "summary", "event_message", "event_name", "event_deep_link"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info has %s (%q): unrendered, or the event's own field already", k, v)
		}
	}
	custom := one(t, nil, flat(t, map[string]any{"business_unit": "payments", "tags": map[string]any{"env": "prod"}, "note": "$!{latestEvent.note}"}))
	if custom.AdditionalInfo["business_unit"] != "payments" || custom.AdditionalInfo["tags"] != `{"env":"prod"}` {
		t.Errorf("a template's own fields: %v", custom.AdditionalInfo)
	}
	if _, ok := custom.AdditionalInfo["note"]; ok {
		t.Error("an unrendered quiet reference reached additional_info")
	}
}

func TestList(t *testing.T) {
	events := sourcetest.Events(t, map[string]any{}, list(t))
	if len(events) != 2 {
		t.Fatalf("%d events, want one per item", len(events))
	}
	first, second := events[0], events[1]
	if first.Key != "aaaaaaaa" || second.Key != "bbbbbbbbbb" {
		t.Errorf("keys %q, %q, want each item's guid (event_id is the same for both)", first.Key, second.Key)
	}
	if first.Severity != event.Error || second.Severity != event.Warning {
		t.Errorf("severities %s, %s, want ERROR and WARNING (WARN)", first.Severity, second.Severity)
	}
	if first.Type != event.Alert || first.Title != "Ongoing Critical Health Rule Violation" || first.Rule != "JAVA alert" ||
		first.Account != "MY_APPD_SAAS" || first.Provider != "appdynamics" {
		t.Errorf("first event: %+v", first)
	}
	if got := event.FormatTime(first.OccurredAt); got != "2023-03-13T08:57:55Z" {
		t.Errorf("occurred_at %s, want eventTime", got)
	}
	if first.Resource != (event.Resource{Type: "appdynamics.application", Name: "MyApp"}) {
		t.Errorf("resource %+v, want the application", first.Resource)
	}
	for k, v := range map[string]string{"policy_name": "JAVA alert", "topSeverity": "ERROR", "controllerUrl": "https://MY_APPD_SAAS.saas.appdynamics.com",
		"action_name": "spaceone-dev-test", "guid": "aaaaaaaa", "eventTypeKey": "Health Rule", "application_name": "MyApp"} {
		if first.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, first.AdditionalInfo[k], v)
		}
	}
	if u := first.AdditionalInfo["url"]; len(u) < 40 || u[:37] != "https://MY_APPD_SAAS.saas.appdynamics" {
		t.Errorf("url %q, want the item's deepLink", u)
	}

	doc := list(t)
	item(doc, 0)["summaryMessage"] = "$event.summaryMessage"
	item(doc, 0)["eventMessage"] = "Calls per minute over threshold"
	item(doc, 1)["eventType"] = "POLICY_CLOSE_CRITICAL"
	events = sourcetest.Events(t, map[string]any{}, doc)
	if events[0].Description != "Calls per minute over threshold" {
		t.Errorf("description %q, want eventMessage when summaryMessage is unrendered", events[0].Description)
	}
	if events[1].Type != event.Recovery || events[1].Severity != event.Critical {
		t.Errorf("an item with eventType POLICY_CLOSE_CRITICAL: %s %s", events[1].Type, events[1].Severity)
	}
}

func TestListEdges(t *testing.T) {
	empty := list(t)
	empty["events"] = []any{}
	res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), empty)
	if err != nil || len(res.Events) != 0 || res.Source != appdynamics.Name || res.Notice == "" {
		t.Errorf("an empty events list: %+v, %v; want no events and a notice", res, err)
	}

	tests := []struct {
		name   string
		change func(doc map[string]any)
		field  string
	}{
		{"events not a list", func(doc map[string]any) { doc["events"] = map[string]any{} }, "events"},
		{"item not an object", func(doc map[string]any) { items(doc)[1] = "x" }, "events[1]"},
		{"item without guid", func(doc map[string]any) { delete(item(doc, 1), "guid") }, "events[1].guid"},
		{"unrendered guid", func(doc map[string]any) { item(doc, 0)["guid"] = "$event.guid" }, "events[0].guid"},
	}
	for _, tt := range tests {
		doc := list(t)
		tt.change(doc)
		if got := invalid(t, doc); got != tt.field {
			t.Errorf("%s: error names %q, want %q", tt.name, got, tt.field)
		}
	}

	many := list(t)
	many["events"] = make([]any, sourcekit.DefaultBudget.MaxEvents+1)
	var le *sourcekit.LimitError
	if _, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), many); !errors.As(err, &le) || le.Limit != "max_events" {
		t.Errorf("a list over max_events: %v", err)
	}
}

func TestNeverFailsOnOptionalFields(t *testing.T) {
	base := flat(t, nil)
	for k := range base {
		if k == "incident_id" || k == "event_guid" || k == "event_type" || k == "controller_url" {
			continue // the key and detection
		}
		for _, v := range []any{nil, "", 3.5, true, []any{"x"}, map[string]any{"a": nil}} {
			doc := maps.Clone(base)
			doc[k] = v
			if e := one(t, nil, doc); e.Key != "70646" || e.Title == "" {
				t.Errorf("%s = %v: key %q, title %q", k, v, e.Key, e.Title)
			}
		}
	}
	bare := map[string]any{"event_guid": "g", "event_type": "POLICY_OPEN_WARNING", "controller_url": "https://c", "event_id": "1"}
	e := one(t, nil, bare)
	if e.Key != "1" || e.Type != event.Alert || e.Severity != event.Warning || e.Title == "" || !e.OccurredAt.Equal(sourcetest.Received) {
		t.Errorf("a bare body: %+v", e)
	}
}
