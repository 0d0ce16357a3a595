package sentry_test

import (
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/sentry"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	created    = "zulip-issue-created-exception.json"
	resolved   = "zulip-issue-resolved.json"
	ignored    = "zulip-issue-ignored.json"
	assigned   = "zulip-issue-assigned-to-team.json"
	eventAlert = "docs-issue-alert-triggered-event-alert-frames-trimmed.json"
	metric     = "docs-metric-alert-resolved.json"
	legacy     = "zulip-legacy-plugin-sample-event-stacktrace-trimmed.json"
	errorBody  = "docs-error-created-not-an-alert.json"
	received   = "2026-01-02T03:04:05Z"
)

// fixture reads a fresh copy of a Sentry fixture, so a test may change it.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

func data(doc map[string]any) map[string]any    { return doc["data"].(map[string]any) }
func issueOf(doc map[string]any) map[string]any { return data(doc)["issue"].(map[string]any) }
func eventOf(doc map[string]any) map[string]any { return data(doc)["event"].(map[string]any) }
func metricOf(doc map[string]any) map[string]any {
	return data(doc)["metric_alert"].(map[string]any)
}
func legacyEvent(doc map[string]any) map[string]any { return doc["event"].(map[string]any) }

// one parses doc with auto-detection, or opts, and returns its only event.
func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, sentry.Name, opts, doc)
}

func TestSentryDetection(t *testing.T) {
	inst := map[string]any{"uuid": "u"}
	actor := map[string]any{"type": "application", "id": "sentry", "name": "Sentry"}
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"issue", map[string]any{"action": "created", "data": map[string]any{"issue": map[string]any{}}, "installation": inst}, true},
		{"metric alert", map[string]any{"action": "critical", "data": map[string]any{"metric_alert": map[string]any{}}, "installation": inst}, true},
		{"issue alert", map[string]any{"action": "triggered", "data": map[string]any{"event": map[string]any{}}, "installation": inst}, true},
		{"comment (no event, but Sentry's)", map[string]any{"action": "created", "data": map[string]any{"comment": "hi", "issue_id": 100.0}, "installation": inst}, true},
		{"installation (no event, but Sentry's)", map[string]any{"action": "created", "data": map[string]any{"installation": map[string]any{}}, "installation": inst}, true},
		{"issue with an actor but no installation", map[string]any{"action": "created", "data": map[string]any{"issue": map[string]any{}}, "actor": actor}, true},
		{"empty action", map[string]any{"action": "", "data": map[string]any{}, "installation": inst}, true},
		{"comment with an actor but no installation", map[string]any{"action": "created", "data": map[string]any{"comment": "hi"}, "actor": actor}, false},
		{"action not text", map[string]any{"action": 1.0, "data": map[string]any{"issue": map[string]any{}}, "installation": inst}, false},
		{"data not an object", map[string]any{"action": "created", "data": "x", "installation": inst}, false},
		{"installation not an object", map[string]any{"action": "created", "data": map[string]any{"issue": "x"}, "installation": "u"}, false},
		{"no data", map[string]any{"action": "created", "installation": inst}, false},
		{"legacy plugin", map[string]any{"id": "1", "culprit": nil, "project": "p", "level": "error", "event": map[string]any{}}, true},
		{"legacy without level", map[string]any{"id": "1", "culprit": "c", "project": "p", "event": map[string]any{}}, false},
		{"legacy with event not an object", map[string]any{"id": "1", "culprit": "c", "project": "p", "level": "error", "event": "e"}, false},
		{"legacy without an event", map[string]any{"id": "1", "culprit": "c", "project": "p", "level": "error"}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == sentry.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want sentry %v", tt.name, got, ok, tt.want)
		}
	}
	// The top-level event object of Zabbix (beside a trigger) and of PagerDuty (with event_type) is not Sentry's.
	zbx := map[string]any{"event": map[string]any{"id": "1"}, "trigger": map[string]any{}, "culprit": "c", "level": "x"}
	if got, _ := sourcetest.Detect(zbx); got == sentry.Name {
		t.Error("a Zabbix body read as Sentry")
	}
	pd := map[string]any{"event": map[string]any{"event_type": "incident.triggered", "resource_type": "incident"}}
	if got, _ := sourcetest.Detect(pd); got == sentry.Name {
		t.Error("a PagerDuty body read as Sentry")
	}
}

func TestSentryIssueKeyPairsEveryFormat(t *testing.T) {
	open := one(t, nil, fixture(t, assigned))
	done := one(t, nil, fixture(t, resolved))
	if open.Type != event.Alert || done.Type != event.Recovery || open.Key != done.Key {
		t.Fatalf("assigned then resolved: %s %q, %s %q; want ALERT then RECOVERY of one key", open.Type, open.Key, done.Type, done.Key)
	}
	if open.Key == "1638821441" || open.Key == "" {
		t.Errorf("key %q, want a namespaced hash of the issue id", open.Key)
	}
	if other := one(t, nil, fixture(t, created)); other.Key == open.Key {
		t.Error("two issues share a key")
	}
	// An issue alert and a legacy plugin notification about the same issue open the alert its resolution resolves.
	ea := fixture(t, eventAlert)
	eventOf(ea)["issue_id"] = "1638821441"
	if got := one(t, nil, ea); got.Key != done.Key || got.Type != event.Alert {
		t.Errorf("issue alert of the issue: %s %q, want ALERT %q", got.Type, got.Key, done.Key)
	}
	lg := fixture(t, legacy)
	lg["id"] = "1638821441"
	if got := one(t, nil, lg); got.Key != done.Key || got.Type != event.Alert {
		t.Errorf("plugin notification of the issue: %s %q, want ALERT %q", got.Type, got.Key, done.Key)
	}
	// A numeric id is the same issue as its text.
	num := fixture(t, resolved)
	issueOf(num)["id"] = 1638821441.0
	if got := one(t, nil, num).Key; got != done.Key {
		t.Errorf("numeric issue id: key %q, want %q", got, done.Key)
	}
	// A metric alert with the same number is another thing.
	ma := fixture(t, metric)
	metricOf(ma)["id"] = "1638821441"
	if got := one(t, nil, ma).Key; got == done.Key {
		t.Error("a metric alert and an issue with the same id share a key")
	}
}

func TestSentryIssueEventType(t *testing.T) {
	tests := []struct {
		action, status string
		want           event.Type
	}{
		{"created", "unresolved", event.Alert},
		{"unresolved", "unresolved", event.Alert},
		{"resolved", "resolved", event.Recovery},
		{"ignored", "ignored", event.Recovery},
		{"archived", "ignored", event.Recovery},
		{"Resolved", "", event.Recovery},
		{"resolved", "unresolved", event.Recovery}, // the action says what happened
		{"created", "resolved", event.Alert},
		{"assigned", "unresolved", event.Alert},
		{"assigned", "resolved", event.Recovery}, // assigning a resolved issue does not reopen it
		{"assigned", "ignored", event.Recovery},
		{"assigned", "", event.Alert},
		{"something_new", "resolved", event.Recovery},
		{"something_new", "unresolved", event.Alert},
	}
	for _, tt := range tests {
		doc := fixture(t, assigned)
		doc["action"] = tt.action
		issueOf(doc)["status"] = tt.status
		if got := one(t, nil, doc).Type; got != tt.want {
			t.Errorf("action %q, status %q: %s, want %s", tt.action, tt.status, got, tt.want)
		}
	}
	for _, f := range []string{ignored, resolved} {
		if got := one(t, nil, fixture(t, f)).Type; got != event.Recovery {
			t.Errorf("%s: %s, want RECOVERY", f, got)
		}
	}
}

func TestSentryLevels(t *testing.T) {
	tests := []struct {
		level any
		opts  map[string]any
		want  event.Severity
	}{
		{"fatal", nil, event.Critical},
		{"error", nil, event.Error},
		{"warning", nil, event.Warning},
		{"info", nil, event.Info},
		{"debug", nil, event.Info},
		{" FATAL ", nil, event.Critical},
		{"Warning", nil, event.Warning},
		{"critical", nil, event.NotAvailable},
		{"sample", nil, event.NotAvailable},
		{"", nil, event.NotAvailable},
		{nil, nil, event.NotAvailable},
		{"absent", nil, event.NotAvailable},
		{"{{ level }}", nil, event.NotAvailable},
		{"absent", map[string]any{"default_severity": "WARNING"}, event.Warning},
		{"critical", map[string]any{"severity_map": map[string]any{"critical": "CRITICAL"}}, event.Critical},
		{"warning", map[string]any{"severity_map": map[string]any{"Warning": "ERROR"}}, event.Error},
	}
	set := func(m map[string]any, key string, v any) {
		if v == "absent" {
			delete(m, key)
		} else {
			m[key] = v
		}
	}
	for _, tt := range tests {
		is := fixture(t, created)
		set(issueOf(is), "level", tt.level)
		ea := fixture(t, eventAlert)
		set(eventOf(ea), "level", tt.level)
		lg := fixture(t, legacy)
		set(lg, "level", tt.level)
		set(legacyEvent(lg), "level", tt.level)
		// A plugin body without a level is not detected (level is one of its keys): name the source.
		opts := map[string]any{"source": "sentry"}
		for k, v := range tt.opts {
			opts[k] = v
		}
		for name, doc := range map[string]map[string]any{"issue": is, "issue alert": ea, "legacy": lg} {
			if got := one(t, opts, doc).Severity; got != tt.want {
				t.Errorf("%s level %v with %v: %s, want %s", name, tt.level, tt.opts, got, tt.want)
			}
		}
	}
	// The plugin's level is the event's level tag; without it, the event's own level.
	lg := fixture(t, legacy)
	delete(lg, "level")
	legacyEvent(lg)["level"] = "fatal"
	if got := one(t, map[string]any{"source": "sentry"}, lg).Severity; got != event.Critical {
		t.Errorf("legacy level from the event: %s", got)
	}
	// A resolved issue keeps its level.
	if got := one(t, nil, fixture(t, resolved)); got.Type != event.Recovery || got.Severity != event.Error {
		t.Errorf("resolved issue: %s %s, want RECOVERY ERROR", got.Type, got.Severity)
	}
}

func TestSentryMetricAlert(t *testing.T) {
	tests := []struct {
		action string
		status any
		opts   map[string]any
		typ    event.Type
		sev    event.Severity
	}{
		{"critical", 20.0, nil, event.Alert, event.Critical},
		{"warning", 10.0, nil, event.Alert, event.Warning},
		{"resolved", 2.0, nil, event.Recovery, event.None},
		{"CRITICAL", 20.0, nil, event.Alert, event.Critical},
		{"resolved", 2.0, map[string]any{"default_severity": "ERROR"}, event.Recovery, event.None},
		{"warning", 10.0, map[string]any{"severity_map": map[string]any{"warning": "ERROR"}}, event.Alert, event.Error},
		{"paused", 1.0, nil, event.Alert, event.NotAvailable},
		{"paused", 2.0, nil, event.Recovery, event.NotAvailable},
		{"paused", "2", nil, event.Recovery, event.NotAvailable},
	}
	key := one(t, nil, fixture(t, metric)).Key
	for _, tt := range tests {
		doc := fixture(t, metric)
		doc["action"] = tt.action
		metricOf(doc)["status"] = tt.status
		e := one(t, tt.opts, doc)
		if e.Type != tt.typ || e.Severity != tt.sev || e.Key != key {
			t.Errorf("%s (status %v) with %v: %s %s key %q, want %s %s under the alert's key", tt.action, tt.status, tt.opts, e.Type, e.Severity, e.Key, tt.typ, tt.sev)
		}
	}
	doc := fixture(t, metric)
	metricOf(doc)["id"] = "5"
	if one(t, nil, doc).Key == key {
		t.Error("two metric alerts share a key")
	}

	e := one(t, nil, fixture(t, metric))
	if e.Title != "Too many errors" || e.Rule != "Too many errors" {
		t.Errorf("title %q, rule %q, want the alert rule's name", e.Title, e.Rule)
	}
	if e.Description != `1000 events in the last 10 minutes\nFilter: level:error` {
		t.Errorf("description %q, want description_text as sent", e.Description)
	}
	if want := (event.Resource{Type: "sentry.project", Name: "bar"}); e.Resource != want {
		t.Errorf("resource %+v, want %+v", e.Resource, want)
	}
	for k, v := range map[string]string{"metric_alert_id": "4", "alert_rule_id": "7", "query": "level:error", "time_window": "10",
		"url": "https://sentry.io/organizations/baz/alerts/1/", "action": "resolved", "status": "2", "projects": "bar"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}

	doc = fixture(t, metric)
	delete(metricOf(doc)["alert_rule"].(map[string]any), "name")
	metricOf(doc)["projects"] = []any{"bar", "baz"}
	if e := one(t, nil, doc); e.Title != "Resolved: Too many errors" || e.Rule != "" || e.Resource.Name != "bar,baz" {
		t.Errorf("without a rule name: title %q, rule %q, resource %q", e.Title, e.Rule, e.Resource.Name)
	}
	doc = fixture(t, metric)
	delete(metricOf(doc), "projects")
	if e := one(t, nil, doc); e.Resource.Name != "bar" {
		t.Errorf("projects from the alert rule: %q", e.Resource.Name)
	}
}

func TestSentryTimes(t *testing.T) {
	type row struct {
		name string
		file string
		edit func(doc map[string]any)
		want string
		kept map[string]string // additional_info that keeps an unreadable time
	}
	tests := []row{
		{"created: firstSeen", created, func(map[string]any) {}, "2020-04-28T13:56:05.903736Z", nil},
		{"created: firstSeen with an offset", created, func(d map[string]any) { issueOf(d)["firstSeen"] = "2020-04-28T15:56:05.5+02:00" }, "2020-04-28T13:56:05.5Z", nil},
		{"created: firstSeen unreadable", created, func(d map[string]any) { issueOf(d)["firstSeen"] = "yesterday" }, received, map[string]string{"first_seen": "yesterday"}},
		{"created: firstSeen absent", created, func(d map[string]any) { delete(issueOf(d), "firstSeen") }, received, nil},
		{"resolved: receive time", resolved, func(map[string]any) {}, received, nil},
		{"assigned: receive time", assigned, func(map[string]any) {}, received, nil},
		{"issue alert: datetime", eventAlert, func(map[string]any) {}, "2019-08-19T21:06:17.677Z", nil},
		{"issue alert: datetime without a zone is UTC", eventAlert, func(d map[string]any) { eventOf(d)["datetime"] = "2019-08-19T21:06:17" }, "2019-08-19T21:06:17Z", nil},
		{"issue alert: datetime with an offset", eventAlert, func(d map[string]any) { eventOf(d)["datetime"] = "2019-08-20T06:06:17+09:00" }, "2019-08-19T21:06:17Z", nil},
		{"issue alert: no datetime, timestamp", eventAlert, func(d map[string]any) { delete(eventOf(d), "datetime"); eventOf(d)["timestamp"] = 1566248777.5 }, "2019-08-19T21:06:17.5Z", nil},
		{"issue alert: datetime unreadable, timestamp", eventAlert, func(d map[string]any) { eventOf(d)["datetime"] = "0000-00-00" }, "2019-08-19T21:06:17.677Z", map[string]string{"datetime": "0000-00-00"}},
		{"issue alert: neither readable", eventAlert, func(d map[string]any) { eventOf(d)["datetime"], eventOf(d)["timestamp"] = "x", -1.0 }, received, map[string]string{"datetime": "x", "timestamp": "-1"}},
		{"metric alert resolved: date_closed", metric, func(d map[string]any) { metricOf(d)["date_closed"] = "2020-09-13T12:36:40.000000Z" }, "2020-09-13T12:36:40Z", nil},
		{"metric alert resolved without date_closed", metric, func(map[string]any) {}, received, nil},
		{"metric alert critical: date_started", metric, func(d map[string]any) { d["action"] = "critical" }, "2020-09-13T12:26:40Z", nil},
		{"metric alert critical: date_started unreadable", metric, func(d map[string]any) { d["action"] = "critical"; metricOf(d)["date_started"] = "soon" }, received, map[string]string{"date_started": "soon"}},
		{"legacy: event.timestamp", legacy, func(map[string]any) {}, "2023-07-09T20:41:24.772Z", nil},
		{"legacy: event.received", legacy, func(d map[string]any) { delete(legacyEvent(d), "timestamp") }, "2023-07-09T20:42:24.773181Z", nil},
		{"legacy: timestamp as text", legacy, func(d map[string]any) { legacyEvent(d)["timestamp"] = "2023-07-09T20:41:24Z" }, "2023-07-09T20:41:24Z", nil},
		{"legacy: timestamp past 9999", legacy, func(d map[string]any) { legacyEvent(d)["timestamp"] = 1e15 }, "2023-07-09T20:42:24.773181Z", map[string]string{"event_timestamp": "1000000000000000"}},
		{"legacy: neither", legacy, func(d map[string]any) { delete(legacyEvent(d), "timestamp"); delete(legacyEvent(d), "received") }, received, nil},
	}
	for _, tt := range tests {
		doc := fixture(t, tt.file)
		tt.edit(doc)
		e := one(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
		for k, v := range tt.kept {
			if e.AdditionalInfo[k] != v {
				t.Errorf("%s: additional_info[%s] = %q, want the unreadable %q", tt.name, k, e.AdditionalInfo[k], v)
			}
		}
	}
}

func TestSentryTitleDescriptionRuleResource(t *testing.T) {
	e := one(t, nil, fixture(t, created))
	if e.Title != "Exception: Custom exception!" || e.Description != "Custom exception!" || e.Rule != "" {
		t.Errorf("issue: title %q, description %q, rule %q", e.Title, e.Description, e.Rule)
	}
	if want := (event.Resource{ID: "5216640", Type: "sentry.project", Name: "zulip-integration-testing"}); e.Resource != want || e.Provider != "sentry" {
		t.Errorf("issue: resource %+v, provider %q", e.Resource, e.Provider)
	}
	doc := fixture(t, created)
	issueOf(doc)["title"] = " "
	delete(issueOf(doc)["metadata"].(map[string]any), "value")
	if e := one(t, nil, doc); e.Title != "ZULIP-INTEGRATION-TESTING-2" || e.Description != "__main__ in <module>" {
		t.Errorf("issue without title or value: title %q, description %q", e.Title, e.Description)
	}
	doc = fixture(t, created)
	delete(issueOf(doc), "project")
	if e := one(t, nil, doc); e.Resource != (event.Resource{}) {
		t.Errorf("issue without a project: resource %+v", e.Resource)
	}

	e = one(t, nil, fixture(t, eventAlert))
	if e.Title != "ReferenceError: heck is not defined" || e.Description != "heck is not defined" || e.Rule != "Very Important Alert Rule!" {
		t.Errorf("issue alert: title %q, description %q, rule %q", e.Title, e.Description, e.Rule)
	}
	if want := (event.Resource{ID: "1", Type: "sentry.project", Name: "front-end"}); e.Resource != want {
		t.Errorf("issue alert: resource %+v, want the slug from the event's URL", e.Resource)
	}
	doc = fixture(t, eventAlert)
	ev := eventOf(doc)
	ev["title"], ev["message"], ev["url"] = "{{ event.title }}", "heck", "https://sentry.io/not/an/api/url/"
	delete(ev, "metadata")
	delete(data(doc), "triggered_rule")
	if e := one(t, nil, doc); e.Title != "heck" || e.Description != "heck" || e.Rule != "Very Important Alert Rule!" || e.Resource.Name != "1" {
		t.Errorf("issue alert fallbacks: title %q, description %q, rule %q, resource %q", e.Title, e.Description, e.Rule, e.Resource.Name)
	}

	e = one(t, nil, fixture(t, legacy))
	if e.Title != "This is an example Python exception" || e.Description != "This is an example Python exception" || e.Rule != "" {
		t.Errorf("legacy: title %q, description %q, rule %q", e.Title, e.Description, e.Rule)
	}
	if want := (event.Resource{Type: "sentry.project", Name: "python"}); e.Resource != want {
		t.Errorf("legacy: resource %+v", e.Resource)
	}
	// Sentry 9's plugin: no event title (its parts are sentry.interfaces.*), project only.
	doc = fixture(t, legacy)
	delete(legacyEvent(doc), "title")
	delete(doc, "project_slug")
	doc["project"], doc["message"] = "alerta5", ""
	doc["triggering_rules"] = []any{"First seen", "Prod errors"}
	e = one(t, nil, doc)
	if e.Title != "raven.scripts.runner in main" || e.Resource.Name != "alerta5" || e.Rule != "First seen, Prod errors" {
		t.Errorf("Sentry 9 legacy: title %q, resource %q, rule %q", e.Title, e.Resource.Name, e.Rule)
	}
}

func TestSentryAdditionalInfo(t *testing.T) {
	e := one(t, nil, fixture(t, assigned))
	for k, v := range map[string]string{"issue_id": "1638821441", "short_id": "ZULIP-INTEGRATION-TESTING-E", "culprit": "__main__ in <module>",
		"platform": "python", "level": "error", "status": "unresolved", "count": "1", "user_count": "0", "assigned_to": "lone-wolf",
		"action": "assigned", "actor": "Hemanth V. Alluri", "installation_uuid": "65027794-169a-4042-80d0-808ece377141",
		"project_name": "Zulip Integration Testing"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("issue additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	if _, ok := e.AdditionalInfo["url"]; ok {
		t.Error("a null permalink gives a url")
	}
	doc := fixture(t, assigned)
	issueOf(doc)["permalink"] = "https://sentry.io/organizations/o/issues/1638821441/"
	if got := one(t, nil, doc).AdditionalInfo["url"]; got != "https://sentry.io/organizations/o/issues/1638821441/" {
		t.Errorf("url %q, want the permalink", got)
	}

	e = one(t, nil, fixture(t, eventAlert))
	for k, v := range map[string]string{"event_id": "e4874d664c3540c1a32eab185f12c5ab", "issue_id": "1117540176", "platform": "javascript",
		"tag_browser_name": "Chrome", "tag_os": "Mac OS X 10.14.0", "triggered_rule": "Very Important Alert Rule!",
		"url": "https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("issue alert additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for _, k := range []string{"release", "logger", "environment"} { // null or empty in the body
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info[%s] = %q for an empty field", k, v)
		}
	}

	e = one(t, nil, fixture(t, legacy))
	for k, v := range map[string]string{"issue_id": "4218258981", "event_id": "4dc4fc2858aa450eb658be9e5b8ad149", "environment": "prod",
		"tag_server_name": "web01.example.org", "url": "https://nitk-46.sentry.io/issues/4218258981/?referrer=webhooks_plugin"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("legacy additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
}

func TestSentryTags(t *testing.T) {
	tests := []struct {
		name string
		tags any
		want map[string]string
	}{
		{"pairs", []any{[]any{"env", "prod"}, []any{"os.name", "Linux"}, []any{"n", 3.0}}, map[string]string{"tag_env": "prod", "tag_os_name": "Linux", "tag_n": "3"}},
		{"objects", []any{map[string]any{"key": "env", "value": "prod"}}, map[string]string{"tag_env": "prod"}},
		{"an object", map[string]any{"env": "prod"}, map[string]string{"tag_env": "prod"}},
		{"malformed items", []any{[]any{"lonely"}, []any{"", "x"}, []any{" ", "x"}, "env", 3.0, nil, []any{"a", "b", "c"}}, map[string]string{}},
		{"not a list", "env:prod", map[string]string{}},
	}
	for _, tt := range tests {
		doc := fixture(t, eventAlert)
		eventOf(doc)["tags"] = tt.tags
		e := one(t, nil, doc)
		got := map[string]string{}
		for k, v := range e.AdditionalInfo {
			if strings.HasPrefix(k, "tag_") {
				got[k] = v
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: tags %v, want %v", tt.name, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, got[k], v)
			}
		}
	}
}

func TestSentryResourcesThatAreNotAlertsGiveNoEvent(t *testing.T) {
	inst := map[string]any{"uuid": "eac5a0ae-60ec-418f-9318-46dc5e7e52ec"}
	tests := []struct {
		name, resource string
		doc            map[string]any
	}{
		{"error", "error", fixture(t, errorBody)},
		{"comment", "comment", map[string]any{"action": "created", "installation": inst, "actor": map[string]any{"type": "user", "id": 1.0, "name": "colleen"},
			"data": map[string]any{"comment": "adding a comment", "project_slug": "sentry", "comment_id": 1234.0, "issue_id": 100.0, "timestamp": "2022-03-02T21:51:44.118160Z"}}},
		{"installation", "installation", map[string]any{"action": "deleted", "installation": inst, "data": map[string]any{"installation": map[string]any{"uuid": "u"}}}},
		{"unknown resource", "integration", map[string]any{"action": "created", "installation": inst, "data": map[string]any{"seer": map[string]any{}}}},
	}
	for _, tt := range tests {
		for _, opts := range []map[string]any{{}, {"source": "sentry"}} {
			res, err := sourcetest.Normalize(sourcetest.Options(t, opts), tt.doc)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if res.Source != sentry.Name || len(res.Events) != 0 || !strings.Contains(res.Notice, tt.resource) {
				t.Errorf("%s with %v: source %q, %d events, notice %q; want none and a notice", tt.name, opts, res.Source, len(res.Events), res.Notice)
			}
		}
	}
}

func TestSentryInvalidPayloads(t *testing.T) {
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
		{"data not an object", map[string]any{"action": "created", "data": []any{}}, "data"},
		{"issue not an object", edit(created, func(d map[string]any) { data(d)["issue"] = "1635244907" }), "data.issue"},
		{"issue without an id", edit(created, func(d map[string]any) { delete(issueOf(d), "id") }), "data.issue.id"},
		{"issue with an empty id", edit(created, func(d map[string]any) { issueOf(d)["id"] = " " }), "data.issue.id"},
		{"issue id unrendered", edit(created, func(d map[string]any) { issueOf(d)["id"] = "{{ issue.id }}" }), "data.issue.id"},
		{"issue alert event not an object", edit(eventAlert, func(d map[string]any) { data(d)["event"] = nil }), "data.event"},
		{"issue alert without an issue id", edit(eventAlert, func(d map[string]any) { delete(eventOf(d), "issue_id") }), "data.event.issue_id"},
		{"metric alert not an object", edit(metric, func(d map[string]any) { data(d)["metric_alert"] = 4.0 }), "data.metric_alert"},
		{"metric alert without an id", edit(metric, func(d map[string]any) { metricOf(d)["id"] = nil }), "data.metric_alert.id"},
		{"legacy without an id", edit(legacy, func(d map[string]any) { delete(d, "id") }), "id"},
		{"a body of no Sentry shape", map[string]any{"hello": "world"}, "id"},
	}
	for _, tt := range tests {
		if got := sourcetest.InvalidField(t, sentry.Name, tt.doc); got != tt.field {
			t.Errorf("%s: field %q, want %q", tt.name, got, tt.field)
		}
	}
}
