package newrelic_test

import (
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/newrelic"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	created   = "zulip-workflow-default-created-critical.json"
	acked     = "zulip-workflow-default-acknowledged-user-action.json"
	closedAck = "zulip-workflow-provided-base-closed-acknowledged-owner.json"
	legOpen   = "zulip-legacy-channel-incident-open-minimal.json"
	legAcked  = "zulip-legacy-channel-incident-acknowledged.json"
	legClosed = "zulip-legacy-channel-incident-closed.json"
	legAlerta = "alerta-legacy-test-incident-open.json"
)

// fixture reads a fresh copy of a New Relic body, so a test may change it.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

// one parses doc with auto-detection, or opts, and returns its only event.
func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, newrelic.Name, opts, doc)
}

// forced parses doc with source new_relic, so bodies auto-detection would not take are read too.
func forced(t *testing.T, doc map[string]any) event.Event {
	t.Helper()
	return one(t, map[string]any{"source": newrelic.Name}, doc)
}

// edited is fixture name with edit applied.
func edited(t *testing.T, name string, edit func(map[string]any)) map[string]any {
	t.Helper()
	doc := fixture(t, name)
	edit(doc)
	return doc
}

func TestDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"workflow keys", map[string]any{"id": "x", "issueUrl": "u", "state": "ACTIVATED"}, true},
		{"workflow keys, values null", map[string]any{"id": nil, "issueUrl": nil, "state": nil}, true},
		{"legacy keys", map[string]any{"incident_id": 1.0, "current_state": "open"}, true},
		{"legacy incident 0", map[string]any{"incident_id": 0.0, "current_state": ""}, true},
		{"workflow without issueUrl", map[string]any{"id": "x", "state": "ACTIVATED", "title": "t"}, false},
		{"workflow without state", map[string]any{"id": "x", "issueUrl": "u"}, false},
		{"workflow without id", map[string]any{"issueUrl": "u", "state": "CLOSED"}, false},
		{"incident_id alone", map[string]any{"incident_id": 1.0}, false},
		{"current_state alone", map[string]any{"current_state": "open", "severity": "CRITICAL"}, false},
		{"Google's incident object", map[string]any{"incident": map[string]any{"incident_id": "1", "state": "open"}, "version": "1.2"}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == newrelic.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want new_relic %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestAnIssuesNotificationsShareItsKey(t *testing.T) {
	ack := one(t, nil, fixture(t, acked))
	closed := one(t, nil, fixture(t, closedAck))
	if ack.Key != "nr-issue:13bbcdca-f0b6-470d-b0be-b34583c58869" || closed.Key != ack.Key {
		t.Errorf("keys %q and %q, want nr-issue:<id> for both", ack.Key, closed.Key)
	}
	if ack.Type != event.Alert || closed.Type != event.Recovery {
		t.Errorf("acknowledged then closed: %s then %s, want ALERT then RECOVERY", ack.Type, closed.Type)
	}
	// The key is the issue's id, not the link: the closed default body links to another issue.
	other := one(t, nil, fixture(t, created))
	if other.Key != "nr-issue:208c5e92-f250-40be-b7c2-50508c268c15" || other.Key == ack.Key {
		t.Errorf("another issue: key %q", other.Key)
	}
	// A later notification with other times, priority and title still updates the same alert.
	later := one(t, nil, edited(t, acked, func(d map[string]any) {
		d["updatedAt"], d["priority"], d["title"] = 1713780000000.0, "CRITICAL", "renamed"
	}))
	if later.Key != ack.Key {
		t.Errorf("a later notification: key %q, want %q", later.Key, ack.Key)
	}
}

func TestAnIncidentsNotificationsShareItsKey(t *testing.T) {
	var types []event.Type
	for _, f := range []string{legOpen, legAcked, legClosed} {
		e := one(t, nil, fixture(t, f))
		if e.Key != "nr-incident:1234" {
			t.Errorf("%s: key %q, want nr-incident:1234", f, e.Key)
		}
		types = append(types, e.Type)
	}
	if types[0] != event.Alert || types[1] != event.Alert || types[2] != event.Recovery {
		t.Errorf("open, acknowledged, closed: %v, want ALERT, ALERT, RECOVERY", types)
	}
	// Incident 0 is an id like any other; an issue and an incident with the same id are different alerts.
	if e := one(t, nil, fixture(t, legAlerta)); e.Key != "nr-incident:0" {
		t.Errorf("incident 0: key %q", e.Key)
	}
	issue := forced(t, map[string]any{"id": 1234.0, "issueUrl": "u", "state": "ACTIVATED"})
	if issue.Key != "nr-issue:1234" {
		t.Errorf("a numeric issue id: key %q, want nr-issue:1234", issue.Key)
	}
	if text := forced(t, edited(t, legOpen, func(d map[string]any) { d["incident_id"] = " 1234 " })); text.Key != "nr-incident:1234" {
		t.Errorf("incident_id as text: key %q", text.Key)
	}
}

func TestEventTypes(t *testing.T) {
	workflow := []struct {
		state any
		want  event.Type
	}{
		{"CREATED", event.Alert},
		{"ACTIVATED", event.Alert},
		{"DEACTIVATED", event.Alert},
		{"CLOSED", event.Recovery},
		{" closed ", event.Recovery},
		{nil, event.Alert},
		{"{{ json state }}", event.Alert},
	}
	for _, tt := range workflow {
		e := one(t, nil, edited(t, created, func(d map[string]any) { d["state"] = tt.state }))
		if e.Type != tt.want {
			t.Errorf("workflow state %v: %s, want %s", tt.state, e.Type, tt.want)
		}
	}
	legacy := []struct {
		state any
		want  event.Type
	}{
		{"open", event.Alert},
		{"acknowledged", event.Alert},
		{"closed", event.Recovery},
		{"CLOSED", event.Recovery},
		{"", event.Alert},
	}
	for _, tt := range legacy {
		e := one(t, nil, edited(t, legOpen, func(d map[string]any) { d["current_state"] = tt.state }))
		if e.Type != tt.want {
			t.Errorf("legacy current_state %v: %s, want %s", tt.state, e.Type, tt.want)
		}
	}
}

func TestWorkflowSeverity(t *testing.T) {
	tests := []struct {
		priority any
		state    string
		opts     map[string]any
		want     event.Severity
	}{
		{"CRITICAL", "ACTIVATED", nil, event.Critical},
		{"HIGH", "ACTIVATED", nil, event.Error},
		{"MEDIUM", "ACTIVATED", nil, event.Warning},
		{"LOW", "ACTIVATED", nil, event.Info},
		{" high ", "ACTIVATED", nil, event.Error},
		{"CRITICAL", "CLOSED", nil, event.Critical}, // a closed issue keeps its priority
		{"LOW", "CLOSED", nil, event.Info},
		{nil, "ACTIVATED", nil, event.NotAvailable}, // absent: default_severity
		{"URGENT", "ACTIVATED", nil, event.NotAvailable},
		{nil, "ACTIVATED", map[string]any{"default_severity": "WARNING"}, event.Warning},
		{"URGENT", "ACTIVATED", map[string]any{"severity_map": map[string]any{"urgent": "CRITICAL"}}, event.Critical},
		{"HIGH", "ACTIVATED", map[string]any{"severity_map": map[string]any{"HIGH": "WARNING"}}, event.Warning},
		{nil, "CLOSED", nil, event.Info}, // a recovery without a priority
		{"URGENT", "CLOSED", nil, event.Info},
		{"{{ json priority }}", "ACTIVATED", nil, event.NotAvailable},
	}
	for _, tt := range tests {
		doc := edited(t, created, func(d map[string]any) { d["priority"], d["state"] = tt.priority, tt.state })
		if e := one(t, tt.opts, doc); e.Severity != tt.want {
			t.Errorf("priority %v, state %s, options %v: %s, want %s", tt.priority, tt.state, tt.opts, e.Severity, tt.want)
		}
	}
}

func TestLegacySeverity(t *testing.T) {
	tests := []struct {
		severity any
		state    string
		want     event.Severity
	}{
		{"CRITICAL", "open", event.Critical},
		{"WARNING", "open", event.Warning},
		{"INFO", "open", event.Info},
		{"critical", "closed", event.Critical},
		{nil, "open", event.NotAvailable},
		{"HIGH", "acknowledged", event.NotAvailable},
		{nil, "closed", event.Info},
	}
	for _, tt := range tests {
		doc := edited(t, legOpen, func(d map[string]any) { d["severity"], d["current_state"] = tt.severity, tt.state })
		if e := one(t, nil, doc); e.Severity != tt.want {
			t.Errorf("severity %v, current_state %s: %s, want %s", tt.severity, tt.state, e.Severity, tt.want)
		}
	}
}

func TestWorkflowTextFields(t *testing.T) {
	e := one(t, nil, fixture(t, created))
	if e.Title != "MAIN-APP-UBUNTU query result is > 2.0 for 1 minutes on 'High CPU'" {
		t.Errorf("title %q, want the issue's title", e.Title)
	}
	if e.Description != "Policies: Golden Signals\nConditions: High CPU\nEntities: MAIN-APP-UBUNTU" {
		t.Errorf("description %q", e.Description)
	}
	if e.Rule != "High CPU" || e.Provider != "newrelic" {
		t.Errorf("rule %q, provider %q", e.Rule, e.Provider)
	}

	// Several conditions: the rule is the first, the description lists them all.
	many := one(t, nil, edited(t, created, func(d map[string]any) {
		d["alertConditionNames"] = []any{"High CPU", "", "Low disk"}
		d["alertPolicyNames"] = nil
		delete(d, "impactedEntities")
	}))
	if many.Rule != "High CPU" || many.Description != "Conditions: High CPU, Low disk" {
		t.Errorf("two conditions: rule %q, description %q", many.Rule, many.Description)
	}
	// An edited template may send the title as the list annotations.title is.
	list := one(t, nil, edited(t, created, func(d map[string]any) { d["title"] = []any{"CPU high"} }))
	if list.Title != "CPU high" {
		t.Errorf("title as a list: %q", list.Title)
	}
	// Without a title, the condition names the alert.
	for _, title := range []any{nil, "", "{{ json annotations.title.[0] }}"} {
		e := one(t, nil, edited(t, created, func(d map[string]any) { d["title"] = title }))
		if e.Title != "High CPU" {
			t.Errorf("title %v: %q, want the condition", title, e.Title)
		}
	}
}

func TestLegacyTextFields(t *testing.T) {
	e := one(t, nil, fixture(t, legAlerta))
	if e.Title != "New Relic Alert - Test Condition" || e.Rule != e.Title || e.Description != "I am a test Violation" {
		t.Errorf("title %q, rule %q, description %q", e.Title, e.Rule, e.Description)
	}
	if e.Provider != "newrelic" || e.Account != "11111" {
		t.Errorf("provider %q, account %q", e.Provider, e.Account)
	}
	noCondition := one(t, nil, edited(t, legAlerta, func(d map[string]any) { delete(d, "condition_name") }))
	if noCondition.Title != "New Relic Alert - Test Policy" || noCondition.Rule != "" {
		t.Errorf("no condition: title %q, rule %q, want the policy and no rule", noCondition.Title, noCondition.Rule)
	}
	detailsOnly := one(t, nil, edited(t, legAlerta, func(d map[string]any) { d["condition_name"], d["policy_name"] = "", nil }))
	if detailsOnly.Title != "I am a test Violation" {
		t.Errorf("no condition or policy: title %q, want the details", detailsOnly.Title)
	}
}

func TestResourceAndAccount(t *testing.T) {
	tests := []struct {
		name     string
		entities any
		url      any
		resource event.Resource
		info     string
		account  string
	}{
		{"one entity", []any{"web-1"}, "https://radar-api.service.newrelic.com/accounts/4420147/issues/x?notifier=WEBHOOK",
			event.Resource{Name: "web-1", Type: "newrelic.entity"}, "web-1", "4420147"},
		{"two entities", []any{"web-1", "web-2"}, "https://one.eu.newrelic.com/accounts/7/issues/x",
			event.Resource{Name: "web-1", Type: "newrelic.entity"}, "web-1,web-2", "7"},
		{"entity as text", "db-1", "https://x/accounts/12", event.Resource{Name: "db-1", Type: "newrelic.entity"}, "db-1", "12"},
		{"none", []any{}, "https://x/issues/y", event.Resource{}, "", ""},
		{"absent", nil, nil, event.Resource{}, "", ""},
		{"not an account number", []any{""}, "https://x/accounts/abc/issues/y", event.Resource{}, "", ""},
	}
	for _, tt := range tests {
		e := one(t, nil, edited(t, created, func(d map[string]any) { d["impactedEntities"], d["issueUrl"] = tt.entities, tt.url }))
		if e.Resource != tt.resource || e.AdditionalInfo["impacted_entities"] != tt.info || e.Account != tt.account {
			t.Errorf("%s: resource %+v, impacted_entities %q, account %q; want %+v, %q, %q", tt.name, e.Resource,
				e.AdditionalInfo["impacted_entities"], e.Account, tt.resource, tt.info, tt.account)
		}
	}

	// Legacy: the first target.
	legacy := one(t, nil, edited(t, legAlerta, func(d map[string]any) {
		d["targets"].([]any)[0].(map[string]any)["name"] = "checkout"
	}))
	if want := (event.Resource{ID: "0", Type: "Application", Name: "checkout"}); legacy.Resource != want {
		t.Errorf("legacy target: %+v, want %+v", legacy.Resource, want)
	}
	if e := one(t, nil, fixture(t, legOpen)); e.Resource != (event.Resource{}) || e.Account != "" {
		t.Errorf("legacy without targets: resource %+v, account %q", e.Resource, e.Account)
	}
	for _, targets := range []any{"web", []any{}, []any{"web"}, map[string]any{"name": "x"}} {
		e := one(t, nil, edited(t, legAlerta, func(d map[string]any) { d["targets"] = targets }))
		if e.Resource != (event.Resource{}) {
			t.Errorf("targets %v: resource %+v, want none", targets, e.Resource)
		}
	}
}

func TestTimes(t *testing.T) {
	// Times are epoch milliseconds, UTC whatever the machine's zone.
	local := time.Local
	time.Local = time.FixedZone("KST", 9*3600)
	defer func() { time.Local = local }()

	const received = "2026-01-02T03:04:05Z"
	tests := []struct {
		name string
		file string
		edit func(map[string]any)
		want string
		kept map[string]string // unreadable times kept in additional_info
	}{
		{"open: updatedAt", created, func(map[string]any) {}, "2024-04-22T06:36:29.495Z", nil},
		{"open: createdAt without updatedAt", created, func(d map[string]any) {
			delete(d, "updatedAt")
			d["createdAt"] = 1713767780000.0
		}, "2024-04-22T06:36:20Z", nil},
		{"open: closedAt is not its time", acked, func(d map[string]any) { d["closedAt"] = 1713790000000.0 }, "2024-04-22T07:14:37.412Z", nil},
		{"closed: closedAt", closedAck, func(d map[string]any) { d["updatedAt"] = 1713790000000.0 }, "2024-04-22T07:15:35.419Z", nil},
		{"closed: updatedAt without closedAt", closedAck, func(d map[string]any) { d["closedAt"] = nil }, "2024-04-22T07:15:35.419Z", nil},
		{"closed: unreadable closedAt", closedAck, func(d map[string]any) {
			d["closedAt"], d["updatedAt"] = "soon", 1713770000000.0
		}, "2024-04-22T07:13:20Z", map[string]string{"closedAt": "soon"}},
		{"as text", created, func(d map[string]any) { d["updatedAt"] = "1713767789495" }, "2024-04-22T06:36:29.495Z", nil},
		{"with an exponent", created, func(d map[string]any) { d["updatedAt"] = 1.713767789495e+12 }, "2024-04-22T06:36:29.495Z", nil},
		{"written with an offset", created, func(d map[string]any) { d["updatedAt"] = "2024-04-22T15:36:29+09:00" }, "2024-04-22T06:36:29Z", nil},
		{"unreadable, then createdAt", created, func(d map[string]any) {
			d["updatedAt"], d["createdAt"] = -1.0, 1713767700000.0
		}, "2024-04-22T06:35:00Z", map[string]string{"updatedAt": "-1"}},
		{"none readable", created, func(d map[string]any) {
			d["updatedAt"], d["createdAt"] = "0000-01-01T00:00:00Z", true
		}, received, map[string]string{"updatedAt": "0000-01-01T00:00:00Z", "createdAt": "true"}},
		{"none at all", created, func(d map[string]any) { delete(d, "updatedAt"); delete(d, "createdAt") }, received, nil},
		{"unrendered", created, func(d map[string]any) { d["updatedAt"], d["createdAt"] = "{{ updatedAt }}", nil }, received, nil},
		{"legacy timestamp", legOpen, func(map[string]any) {}, "2020-11-11T22:32:11.151Z", nil},
		{"legacy closed timestamp", legClosed, func(map[string]any) {}, "2020-11-11T22:32:11.151Z", nil},
		{"legacy unreadable timestamp", legOpen, func(d map[string]any) { d["timestamp"] = "yesterday" }, received,
			map[string]string{"timestamp": "yesterday"}},
	}
	for _, tt := range tests {
		e := one(t, nil, edited(t, tt.file, tt.edit))
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
		for _, k := range []string{"updatedAt", "createdAt", "closedAt", "timestamp"} {
			if got := e.AdditionalInfo[k]; got != tt.kept[k] {
				t.Errorf("%s: additional_info[%s] = %q, want %q", tt.name, k, got, tt.kept[k])
			}
		}
	}
}

func TestWorkflowAdditionalInfo(t *testing.T) {
	e := one(t, nil, fixture(t, closedAck))
	want := map[string]string{
		"state": "CLOSED", "priority": "HIGH", "total_incidents": "1", "policies": "Golden Signals",
		"conditions":      "Storage on Host Exceeded Threshold",
		"owner":           "Pieter Cardillo Kwok",
		"acknowledged_at": "2024-04-22T07:14:37.412Z",
		"issue_url":       "https://radar-api.service.newrelic.com/accounts/4420147/issues/13bbcdca-f0b6-470d-b0be-b34583c58869?notifier=WEBHOOK",
		// A key the template's user added is kept under its own name.
		"zulipCustomFields": `{"Your custom payload":"somedata123"}`,
	}
	if len(e.AdditionalInfo) != len(want) {
		t.Errorf("additional_info %v, want exactly %v", e.AdditionalInfo, want)
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}

	// isCorrelated comes as a boolean or as text; both read "false". Lists are comma-joined.
	for _, f := range []string{created, acked} {
		e := one(t, nil, fixture(t, f))
		if e.AdditionalInfo["is_correlated"] != "false" || e.AdditionalInfo["sources"] != "newrelic" ||
			e.AdditionalInfo["workflow_name"] == "" || e.AdditionalInfo["trigger"] == "" {
			t.Errorf("%s: additional_info %v", f, e.AdditionalInfo)
		}
	}
	custom := one(t, nil, edited(t, created, func(d map[string]any) {
		d["runbookUrl"] = []any{"https://runbooks/cpu"}
		d["acknowledgedAt"] = "later"
		d["alertPolicyNames"] = []any{"A", "B"}
		d["policies"] = "a template's own key"
	}))
	if custom.AdditionalInfo["runbookUrl"] != "https://runbooks/cpu" || custom.AdditionalInfo["acknowledged_at"] != "later" ||
		custom.AdditionalInfo["policies"] != "A,B" {
		t.Errorf("custom keys: additional_info %v", custom.AdditionalInfo)
	}
}

func TestLegacyAdditionalInfo(t *testing.T) {
	e := one(t, nil, fixture(t, legAlerta))
	want := map[string]string{
		"current_state": "open", "policy_name": "New Relic Alert - Test Policy", "condition_id": "0", "duration": "5",
		"runbook_url":              "http://localhost/runbook/url",
		"violation_callback_url":   "http://localhost/sample/violation/charturl/12345",
		"incident_acknowledge_url": "https://alerts.newrelic.com/accounts/11111/incidents/0/acknowledge",
		"incident_url":             "https://alerts.newrelic.com/accounts/11111/incidents/0",
		"policy_url":               "https://alerts.newrelic.com/accounts/11111/policies/0",
		"account_name":             "Myaccount (Staging)",
	}
	if len(e.AdditionalInfo) != len(want) {
		t.Errorf("additional_info %v, want exactly %v", e.AdditionalInfo, want)
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
}

func TestInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		doc   map[string]any
		field string
	}{
		{"workflow id null", edited(t, created, func(d map[string]any) { d["id"] = nil }), "id"},
		{"workflow id empty", edited(t, created, func(d map[string]any) { d["id"] = "  " }), "id"},
		{"workflow id an object", edited(t, created, func(d map[string]any) { d["id"] = map[string]any{} }), "id"},
		{"workflow id a list", edited(t, created, func(d map[string]any) { d["id"] = []any{"x"} }), "id"},
		{"workflow id unrendered", edited(t, created, func(d map[string]any) { d["id"] = "{{ json issueId }}" }), "id"},
		{"workflow without id", edited(t, created, func(d map[string]any) { delete(d, "id") }), "id"},
		{"legacy incident_id null", edited(t, legOpen, func(d map[string]any) { d["incident_id"] = nil }), "incident_id"},
		{"legacy incident_id a bool", edited(t, legOpen, func(d map[string]any) { d["incident_id"] = true }), "incident_id"},
		{"legacy without incident_id", edited(t, legOpen, func(d map[string]any) { delete(d, "incident_id") }), "incident_id"},
		{"neither shape", map[string]any{"title": "x"}, "id"},
	}
	for _, tt := range tests {
		if got := sourcetest.InvalidField(t, newrelic.Name, tt.doc); got != tt.field {
			t.Errorf("%s: error names %q, want %q", tt.name, got, tt.field)
		}
	}
}
