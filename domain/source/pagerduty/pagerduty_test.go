package pagerduty_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/pagerduty"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	triggered    = "zulip-v3-incident-triggered.json"
	acknowledged = "zulip-v3-incident-acknowledged.json"
	resolvedV3   = "zulip-v3-incident-resolved.json"
	priorityP2   = "zulip-v3-incident-priority-updated-p2.json"
	annotated    = "zulip-v3-incident-annotated-note-not-state.json"
	service      = "zulip-v3-service-created-not-incident.json"
	v1Trigger    = "zulip-v1-incident-trigger.json"
	v2Trigger    = "zulip-v2-incident-trigger.json"
	v2Resolve    = "zulip-v2-incident-resolve-same-incident.json"
	received     = "2026-01-02T03:04:05Z"
)

// fixture reads a fresh copy of a PagerDuty fixture, so a test may change it.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

func ev(doc map[string]any) map[string]any   { return doc["event"].(map[string]any) }
func data(doc map[string]any) map[string]any { return ev(doc)["data"].(map[string]any) }
func msg(doc map[string]any) map[string]any  { return doc["messages"].([]any)[0].(map[string]any) }

// v1Incident and v2Incident are the incident of a v1 or v2 body's first message.
func v1Incident(doc map[string]any) map[string]any {
	return msg(doc)["data"].(map[string]any)["incident"].(map[string]any)
}
func v2Incident(doc map[string]any) map[string]any { return msg(doc)["incident"].(map[string]any) }

// one parses doc with auto-detection, or opts, and returns its only event.
func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, pagerduty.Name, opts, doc)
}

// none checks that doc, detected and named, is read as PagerDuty's and gives no event, with a notice naming what.
func none(t *testing.T, name string, doc map[string]any, what string) {
	t.Helper()
	for _, opts := range []map[string]any{{}, {"source": "pagerduty"}} {
		res, err := sourcetest.Normalize(sourcetest.Options(t, opts), doc)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if res.Source != pagerduty.Name || len(res.Events) != 0 || !strings.Contains(res.Notice, what) {
			t.Errorf("%s with %v: source %q, %d events, notice %q; want none and a notice naming %q", name, opts, res.Source, len(res.Events), res.Notice, what)
		}
	}
}

func TestPagerDutyDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"v3", map[string]any{"event": map[string]any{"event_type": "incident.triggered", "resource_type": "incident"}}, true},
		{"v3 ping", map[string]any{"event": map[string]any{"event_type": "pagey.ping", "resource_type": "pagey", "data": map[string]any{}}}, true},
		{"v3 with null values", map[string]any{"event": map[string]any{"event_type": nil, "resource_type": nil}}, true},
		{"v3 without resource_type", map[string]any{"event": map[string]any{"event_type": "incident.triggered"}}, false},
		{"v3 event not an object", map[string]any{"event": "incident.triggered", "resource_type": "incident"}, false},
		{"v1", map[string]any{"messages": []any{map[string]any{"type": "incident.trigger"}}}, true},
		{"v2", map[string]any{"messages": []any{map[string]any{"event": "incident.resolve"}}}, true},
		{"v2 after another message", map[string]any{"messages": []any{"x", map[string]any{"type": "ping"}, map[string]any{"event": "incident.annotate"}}}, true},
		{"messages about no incident", map[string]any{"messages": []any{map[string]any{"type": "ping"}}}, false},
		{"messages empty", map[string]any{"messages": []any{}}, false},
		{"messages not a list", map[string]any{"messages": map[string]any{"type": "incident.trigger"}}, false},
		{"type not text", map[string]any{"messages": []any{map[string]any{"type": 1.0}}}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == pagerduty.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want pagerduty %v", tt.name, got, ok, tt.want)
		}
	}
	// Zabbix's event object sits beside a trigger; Sentry's plugin's beside culprit and project. Neither has both
	// event_type and resource_type.
	zbx := map[string]any{"event": map[string]any{"id": "1", "event_type": "x"}, "trigger": map[string]any{}}
	if got, _ := sourcetest.Detect(zbx); got == pagerduty.Name {
		t.Error("a Zabbix body read as PagerDuty")
	}
}

func TestPagerDutyKeyPairsAnIncidentsEvents(t *testing.T) {
	open := one(t, nil, fixture(t, triggered))
	done := fixture(t, resolvedV3)
	data(done)["id"] = "PFQZPSY" // the triggered fixture's incident
	closed := one(t, nil, done)
	if open.Type != event.Alert || closed.Type != event.Recovery || open.Key != closed.Key {
		t.Fatalf("triggered then resolved: %s %q, %s %q; want ALERT then RECOVERY of one key", open.Type, open.Key, closed.Type, closed.Key)
	}
	if open.Key == "PFQZPSY" || open.Key == "" {
		t.Errorf("key %q, want a namespaced hash of the incident id", open.Key)
	}
	for _, f := range []string{acknowledged, resolvedV3} { // other incidents
		if one(t, nil, fixture(t, f)).Key == open.Key {
			t.Errorf("%s shares the key of another incident", f)
		}
	}
	// v2: the real trigger and resolve of one incident.
	v2Open, v2Done := one(t, nil, fixture(t, v2Trigger)), one(t, nil, fixture(t, v2Resolve))
	if v2Open.Type != event.Alert || v2Done.Type != event.Recovery || v2Open.Key != v2Done.Key {
		t.Errorf("v2 trigger then resolve: %s %q, %s %q", v2Open.Type, v2Open.Key, v2Done.Type, v2Done.Key)
	}
	// The key is the incident's whatever the version: a v3 webhook resolves what a v1 or v2 one opened.
	v1 := fixture(t, v1Trigger)
	v1Incident(v1)["id"] = "PFQZPSY"
	v2 := fixture(t, v2Trigger)
	v2Incident(v2)["id"] = "PFQZPSY"
	if a, b := one(t, nil, v1).Key, one(t, nil, v2).Key; a != open.Key || b != open.Key {
		t.Errorf("v1 key %q, v2 key %q, want v3's %q", a, b, open.Key)
	}
}

func TestPagerDutyEventType(t *testing.T) {
	tests := []struct {
		eventType, status string
		want              event.Type
	}{
		{"incident.triggered", "triggered", event.Alert},
		{"incident.acknowledged", "acknowledged", event.Alert},
		{"incident.unacknowledged", "triggered", event.Alert},
		{"incident.reopened", "triggered", event.Alert},
		{"incident.escalated", "triggered", event.Alert},
		{"incident.reassigned", "acknowledged", event.Alert},
		{"incident.delegated", "triggered", event.Alert},
		{"incident.priority_updated", "triggered", event.Alert},
		{"incident.resolved", "resolved", event.Recovery},
		{"Incident.Resolved", "", event.Recovery},
		{"incident.priority_updated", "resolved", event.Recovery}, // a change to a resolved incident does not reopen it
		{"incident.something_new", "triggered", event.Alert},
	}
	for _, tt := range tests {
		doc := fixture(t, triggered)
		ev(doc)["event_type"] = tt.eventType
		data(doc)["status"] = tt.status
		if got := one(t, nil, doc).Type; got != tt.want {
			t.Errorf("v3 %s (status %q): %s, want %s", tt.eventType, tt.status, got, tt.want)
		}
	}
	v12 := []struct {
		typ, status string
		want        event.Type
	}{
		{"incident.trigger", "triggered", event.Alert},
		{"incident.acknowledge", "acknowledged", event.Alert},
		{"incident.unacknowledge", "triggered", event.Alert},
		{"incident.assign", "triggered", event.Alert},
		{"incident.escalate", "triggered", event.Alert},
		{"incident.resolve", "resolved", event.Recovery},
		{"incident.resolve", "", event.Recovery},
		{"incident.annotate", "resolved", event.Recovery},
	}
	for _, tt := range v12 {
		v1 := fixture(t, v1Trigger)
		msg(v1)["type"] = tt.typ
		v1Incident(v1)["status"] = tt.status
		v2 := fixture(t, v2Trigger)
		msg(v2)["event"] = tt.typ
		v2Incident(v2)["status"] = tt.status
		for name, doc := range map[string]map[string]any{"v1": v1, "v2": v2} {
			if got := one(t, nil, doc).Type; got != tt.want {
				t.Errorf("%s %s (status %q): %s, want %s", name, tt.typ, tt.status, got, tt.want)
			}
		}
	}
}

func TestPagerDutySeverity(t *testing.T) {
	tests := []struct {
		priority any
		urgency  any
		opts     map[string]any
		want     event.Severity
	}{
		{"P1", "low", nil, event.Critical},
		{"P2", "low", nil, event.Error},
		{"P3", "high", nil, event.Warning},
		{"P4", "high", nil, event.Info},
		{"P5", "high", nil, event.Info},
		{"p1", nil, nil, event.Critical},
		{nil, "high", nil, event.Error},
		{nil, "low", nil, event.Info},
		{nil, "HIGH", nil, event.Error},
		{"SEV-1", "low", nil, event.Info}, // a priority of the account's own: the urgency decides
		{"SEV-1", nil, nil, event.NotAvailable},
		{nil, nil, nil, event.NotAvailable},
		{nil, "medium", nil, event.NotAvailable},
		{nil, nil, map[string]any{"default_severity": "WARNING"}, event.Warning},
		{"SEV-1", "low", map[string]any{"severity_map": map[string]any{"sev-1": "CRITICAL"}}, event.Critical},
		{"P3", "high", map[string]any{"severity_map": map[string]any{"P3": "ERROR"}}, event.Error},
		{nil, "low", map[string]any{"severity_map": map[string]any{"low": "WARNING"}}, event.Warning},
	}
	for _, tt := range tests {
		v3 := fixture(t, triggered)
		data(v3)["urgency"] = tt.urgency
		v2 := fixture(t, v2Trigger)
		v2Incident(v2)["urgency"] = tt.urgency
		v1 := fixture(t, v1Trigger)
		v1Incident(v1)["urgency"] = tt.urgency
		if tt.priority != nil {
			// v3 and v2 send a priority reference; v1 had none, but a name as text is read the same.
			data(v3)["priority"] = map[string]any{"id": "PX", "type": "priority_reference", "summary": tt.priority}
			v2Incident(v2)["priority"] = map[string]any{"id": "PX", "name": tt.priority, "summary": tt.priority}
			v1Incident(v1)["priority"] = tt.priority
		}
		for name, doc := range map[string]map[string]any{"v3": v3, "v2": v2, "v1": v1} {
			if got := one(t, tt.opts, doc).Severity; got != tt.want {
				t.Errorf("%s priority %v, urgency %v with %v: %s, want %s", name, tt.priority, tt.urgency, tt.opts, got, tt.want)
			}
		}
	}
	if got := one(t, nil, fixture(t, priorityP2)); got.Severity != event.Error || got.AdditionalInfo["priority"] != "P2" {
		t.Errorf("the P2 incident: %s, priority %q", got.Severity, got.AdditionalInfo["priority"])
	}
	// A resolution keeps the incident's severity.
	if got := one(t, nil, fixture(t, resolvedV3)); got.Type != event.Recovery || got.Severity != event.Error {
		t.Errorf("resolved high-urgency incident: %s %s", got.Type, got.Severity)
	}
}

func TestPagerDutyWebhooksNotAboutAnIncidentsStateGiveNoEvent(t *testing.T) {
	none(t, "service.created", fixture(t, service), "service.created")
	none(t, "ping", map[string]any{"event": map[string]any{"id": "01", "event_type": "pagey.ping", "resource_type": "pagey",
		"occurred_at": "2021-12-08T22:00:00Z", "agent": nil, "client": nil, "data": map[string]any{"message": "Hello from your friend Pagey!", "type": "ping"}}}, "pagey.ping")
	none(t, "incident.annotated", fixture(t, annotated), "incident_note")
	for _, dt := range []string{"incident_responder", "incident_status_update", "incident_conference_bridge", "incident_workflow_instance"} {
		doc := fixture(t, annotated)
		data(doc)["type"] = dt
		none(t, dt, doc, dt)
	}
	// Messages about no incident are not detected as PagerDuty's; named, they give no event.
	res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "pagerduty"}), map[string]any{"messages": []any{map[string]any{"type": "ping"}}})
	if err != nil || res.Source != pagerduty.Name || len(res.Events) != 0 || res.Notice == "" {
		t.Errorf("messages about no incident: %+v, %v; want no event and a notice", res, err)
	}
}

func TestPagerDutyMessages(t *testing.T) {
	v1 := fixture(t, v1Trigger)
	second := fixture(t, v1Trigger)
	msg(second)["type"] = "incident.resolve"
	v1Incident(second)["id"], v1Incident(second)["status"] = "PO1XIJ5", "resolved"
	list := v1["messages"].([]any)
	v1["messages"] = append(list, map[string]any{"type": "not.an.incident", "id": "x"}, msg(second))
	events := sourcetest.Events(t, map[string]any{}, v1)
	if len(events) != 2 {
		t.Fatalf("%d events, want one per incident message", len(events))
	}
	if events[0].Type != event.Alert || events[1].Type != event.Recovery || events[0].Key == events[1].Key {
		t.Errorf("events %s %q, %s %q", events[0].Type, events[0].Key, events[1].Type, events[1].Key)
	}

	over := make([]any, sourcekit.DefaultBudget.MaxEvents+1)
	for i := range over {
		over[i] = msg(fixture(t, v1Trigger))
	}
	_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), map[string]any{"messages": over})
	var le *sourcekit.LimitError
	if !errors.As(err, &le) || le.Limit != "max_events" {
		t.Errorf("%d messages: %v, want max_events", len(over), err)
	}
}

func TestPagerDutyTitleDescriptionRuleResource(t *testing.T) {
	e := one(t, nil, fixture(t, triggered))
	if e.Title != "Test Incident 3" || e.Description != "" || e.Rule != "Default" || e.Provider != "pagerduty" {
		t.Errorf("v3: title %q, description %q, rule %q, provider %q", e.Title, e.Description, e.Rule, e.Provider)
	}
	if want := (event.Resource{ID: "PA2P440", Type: "pagerduty.service", Name: "pig208"}); e.Resource != want {
		t.Errorf("v3: resource %+v, want %+v", e.Resource, want)
	}
	doc := fixture(t, triggered)
	data(doc)["title"] = "  "
	delete(data(doc), "service")
	delete(data(doc), "escalation_policy")
	if e := one(t, nil, doc); e.Title != "PagerDuty incident #9" || e.Resource != (event.Resource{}) || e.Rule != "" {
		t.Errorf("v3 without title, service or policy: title %q, resource %+v, rule %q", e.Title, e.Resource, e.Rule)
	}

	e = one(t, nil, fixture(t, v1Trigger))
	if e.Title != "foo" || e.Rule != "Default" {
		t.Errorf("v1: title %q, rule %q", e.Title, e.Rule)
	}
	if want := (event.Resource{ID: "PIL5CUQ", Type: "pagerduty.service", Name: "Test service"}); e.Resource != want {
		t.Errorf("v1: resource %+v", e.Resource)
	}
	doc = fixture(t, v1Trigger)
	v1Incident(doc)["trigger_summary_data"] = map[string]any{"description": "disk full on db1"}
	if e := one(t, nil, doc); e.Title != "disk full on db1" {
		t.Errorf("v1 with a description only: title %q", e.Title)
	}
	delete(v1Incident(doc), "trigger_summary_data")
	if e := one(t, nil, doc); e.Title != "PagerDuty incident #3" {
		t.Errorf("v1 without trigger data: title %q", e.Title)
	}

	e = one(t, nil, fixture(t, v2Trigger))
	if e.Title != "My new incident" || e.Description != "" || e.Rule != "Default" || e.Resource.Name != "Production XDB Cluster" {
		t.Errorf("v2: title %q, description %q (the title again), rule %q, resource %+v", e.Title, e.Description, e.Rule, e.Resource)
	}
	doc = fixture(t, v2Trigger)
	v2Incident(doc)["description"] = "Replication lag over 10 minutes"
	delete(v2Incident(doc)["service"].(map[string]any), "summary")
	if e := one(t, nil, doc); e.Description != "Replication lag over 10 minutes" || e.Resource.Name != "Production XDB Cluster" {
		t.Errorf("v2: description %q, resource from the service's name %q", e.Description, e.Resource.Name)
	}
}

func TestPagerDutyTimes(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		edit  func(doc map[string]any)
		want  string
		field string // the additional_info key that keeps an unreadable time
	}{
		{"v3 occurred_at", triggered, func(map[string]any) {}, "2021-06-04T13:35:29.781Z", ""},
		{"v3 occurred_at with an offset", triggered, func(d map[string]any) { ev(d)["occurred_at"] = "2021-06-04T22:35:29.781+09:00" }, "2021-06-04T13:35:29.781Z", ""},
		{"v3 occurred_at without a zone is UTC", triggered, func(d map[string]any) { ev(d)["occurred_at"] = "2021-06-04 13:35:29" }, "2021-06-04T13:35:29Z", ""},
		{"v3 occurred_at unreadable", triggered, func(d map[string]any) { ev(d)["occurred_at"] = "0000-01-01T00:00:00Z" }, received, "occurred_at"},
		{"v3 occurred_at absent", triggered, func(d map[string]any) { delete(ev(d), "occurred_at") }, received, ""},
		{"v1 created_on", v1Trigger, func(map[string]any) {}, "2015-02-07T21:42:52Z", ""},
		{"v2 created_on", v2Resolve, func(map[string]any) {}, "2017-09-26T15:18:09Z", ""},
		{"v2 created_on unreadable", v2Resolve, func(d map[string]any) { msg(d)["created_on"] = "Tuesday" }, received, "created_on"},
	}
	for _, tt := range tests {
		doc := fixture(t, tt.file)
		tt.edit(doc)
		e := one(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
		if tt.field != "" && e.AdditionalInfo[tt.field] == "" {
			t.Errorf("%s: the unreadable time is not kept in additional_info.%s", tt.name, tt.field)
		}
	}
}

func TestPagerDutyAdditionalInfo(t *testing.T) {
	e := one(t, nil, fixture(t, priorityP2))
	for k, v := range map[string]string{"incident_id": "Q3B15VLMF3ASBD", "event_type": "incident.priority_updated", "status": "triggered",
		"urgency": "high", "priority": "P2", "incident_number": "5", "incident_key": "d387d7bd2e0a4294a5307339dfe1669a",
		"assignees": "Harsh Santwani", "agent": "Harsh Santwani", "event_id": "01GI0KJAEAC3CFEOFSC8BIJF3O",
		"escalation_policy": "APIs-ep", "service_id": "PLVTM9H", "url": "https://harsh0303.pagerduty.com/incidents/Q3B15VLMF3ASBD"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("v3 additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	e = one(t, nil, fixture(t, v1Trigger))
	for k, v := range map[string]string{"incident_id": "P140S4Y", "event_type": "incident.trigger", "incident_number": "3",
		"assignees": "Jason Michalski", "event_id": "44df6240-af12-11e4-8e1e-22000ae31361"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("v1 additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for k, v := range e.AdditionalInfo {
		if strings.Contains(v, "@") {
			t.Errorf("v1 additional_info[%s] carries an e-mail address: %q", k, v)
		}
	}
	e = one(t, nil, fixture(t, v2Resolve))
	if e.AdditionalInfo["agent"] != "Laura Haley" || e.AdditionalInfo["assignees"] != "Wiley Jacobson" {
		t.Errorf("v2: agent %q (the log entry's), assignees %q", e.AdditionalInfo["agent"], e.AdditionalInfo["assignees"])
	}
	doc := fixture(t, triggered)
	data(doc)["assignees"] = []any{map[string]any{"summary": "A"}, "B", nil, map[string]any{"id": "X"}}
	if got := one(t, nil, doc).AdditionalInfo["assignees"]; got != "A,B" {
		t.Errorf("assignees %q, want the named ones", got)
	}
}

func TestPagerDutyInvalidPayloads(t *testing.T) {
	edit := func(file string, f func(doc map[string]any)) map[string]any {
		doc := fixture(t, file)
		f(doc)
		return doc
	}
	tests := []struct {
		name  string
		doc   map[string]any
		field string
	}{
		{"v3 without resource_type", edit(triggered, func(d map[string]any) { delete(ev(d), "resource_type") }), "event.resource_type"},
		{"v3 data not an object", edit(triggered, func(d map[string]any) { ev(d)["data"] = "PFQZPSY" }), "event.data"},
		{"v3 without an incident id", edit(triggered, func(d map[string]any) { delete(data(d), "id") }), "event.data.id"},
		{"v3 incident id unrendered", edit(triggered, func(d map[string]any) { data(d)["id"] = "{{ incident.id }}" }), "event.data.id"},
		{"v1 without an incident", edit(v1Trigger, func(d map[string]any) { delete(msg(d)["data"].(map[string]any), "incident") }), "messages[0].data.incident"},
		{"v1 without an incident id", edit(v1Trigger, func(d map[string]any) { v1Incident(d)["id"] = "" }), "messages[0].data.incident.id"},
		{"v2 incident not an object", edit(v2Trigger, func(d map[string]any) { msg(d)["incident"] = []any{} }), "messages[0].incident"},
		{"v2 without an incident id", edit(v2Trigger, func(d map[string]any) { delete(v2Incident(d), "id") }), "messages[0].incident.id"},
		{"a message not an object", edit(v2Trigger, func(d map[string]any) { d["messages"] = append(d["messages"].([]any), 3.0) }), "messages[1]"},
		{"messages not a list", map[string]any{"messages": "incident.trigger"}, "messages"},
		{"a body of no PagerDuty shape", map[string]any{"hello": "world"}, "event"},
	}
	for _, tt := range tests {
		if got := sourcetest.InvalidField(t, pagerduty.Name, tt.doc); got != tt.field {
			t.Errorf("%s: field %q, want %q", tt.name, got, tt.field)
		}
	}
}
