package datadog_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/datadog"
	"github.com/monhook/monhook/domain/source/generic"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	ddDefault = "testdata/default-payload-test-notification.json"
	ddCustom  = "testdata/custom-payload-query-alert-triggered.json"
)

// ddTemplate is the README's recommended payload as Datadog renders it for a multi-alert monitor with priority P2.
func ddTemplate() map[string]any {
	return map[string]any{
		"id":               "7716548234011234567",
		"title":            "[P2] [Triggered on {host:web-1}] Disk almost full",
		"body":             "Disk usage on web-1 is 93%.",
		"date":             "1790504100000",
		"last_updated":     "1790504100000",
		"event_type":       "query_alert_monitor",
		"org":              map[string]any{"id": "11023", "name": "Acme"},
		"alert_cycle_key":  "7716548234000000001",
		"aggreg_key":       "9bd4ac313a4d1e8fae2482df7b77628",
		"alert_id":         "1234",
		"alert_title":      "[Triggered on {host:web-1}] Disk almost full",
		"alert_transition": "Triggered",
		"alert_type":       "error",
		"alert_priority":   "P2",
		"alert_scope":      "host:web-1",
		"alert_status":     "system.disk.in_use over host:web-1 was > 0.9 on average during the last 5m.",
		"alert_metric":     "system.disk.in_use",
		"hostname":         "web-1",
		"link":             "https://app.datadoghq.com/event/jump_to?event_id=7716548234011234567",
		"snapshot":         "https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_11023/2026-09-27/abc.png",
		"tags":             "env:prod, role:db, monitor",
	}
}

// ddParse parses body with the options raw (source datadog unless raw names one).
func ddParse(t *testing.T, raw map[string]any, body map[string]any) (event.Event, error) {
	t.Helper()
	opts := map[string]any{"source": "datadog"}
	maps.Copy(opts, raw)
	o, err := option.Parse(opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sourcetest.Normalize(o, body)
	if err != nil {
		return event.Event{}, err
	}
	if len(res.Events) != 1 {
		t.Fatalf("%d events, want 1", len(res.Events))
	}
	return res.Events[0], nil
}

// ddMust is ddParse for a body that must parse.
func ddMust(t *testing.T, body map[string]any) event.Event {
	t.Helper()
	e, err := ddParse(t, nil, body)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	return e
}

// ddWith returns a copy of body with each key set to the value after it; a nil value removes the key.
func ddWith(body map[string]any, kv ...any) map[string]any {
	c := maps.Clone(body)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
			continue
		}
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func TestDatadogTriggeredAndRecoveredShareAKey(t *testing.T) {
	tests := map[string]struct {
		triggered map[string]any
		recovered map[string]any
		key       string // "" when it is a hash
	}{
		"default payload": {
			triggered: sourcetest.ReadJSON(t, ddDefault),
			recovered: ddWith(sourcetest.ReadJSON(t, ddDefault), "title", "[Recovered] [TEST] Host Cluster Alert", "id", "5485379890863845999",
				"date", "1591217285000", "last_updated", "1591217285000"),
		},
		"custom template, recovered by title and alert_type": {
			triggered: sourcetest.ReadJSON(t, ddCustom),
			recovered: ddWith(sourcetest.ReadJSON(t, ddCustom), "title", "[Recovered] [TEST] Service with IP 172.19.128.1 have exceeded memory limit",
				"alert_type", "success", "id", "7050278235293370999"),
		},
		"recommended template": {
			triggered: ddTemplate(),
			recovered: ddWith(ddTemplate(), "title", "[P2] [Recovered on {host:web-1}] Disk almost full", "alert_transition", "Recovered",
				"alert_type", "success", "id", "7716548234011299999"),
			key: "7716548234000000001",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			fired, resolved := ddMust(t, tt.triggered), ddMust(t, tt.recovered)
			if fired.Key == "" || fired.Key != resolved.Key {
				t.Errorf("keys %q and %q, want one non-empty key", fired.Key, resolved.Key)
			}
			if tt.key != "" && fired.Key != tt.key {
				t.Errorf("key %q, want %q", fired.Key, tt.key)
			}
			if fired.Type != event.Alert || resolved.Type != event.Recovery {
				t.Errorf("types %s and %s, want ALERT and RECOVERY", fired.Type, resolved.Type)
			}
			if fired.Title != resolved.Title || strings.Contains(fired.Title, "[Triggered") {
				t.Errorf("titles %q and %q, want one title without the transition", fired.Title, resolved.Title)
			}
		})
	}
}

func TestDatadogKeysTellAlertsApart(t *testing.T) {
	def := sourcetest.ReadJSON(t, ddDefault)
	tmpl := ddWith(ddTemplate(), "alert_cycle_key", nil, "aggreg_key", nil)
	pairs := map[string][2]map[string]any{
		"default payload, other title":  {def, ddWith(def, "title", "[Triggered] Other alert")},
		"default payload, other org":    {def, ddWith(def, "org", map[string]any{"id": "1", "name": "Puppet"})},
		"default payload, other group":  {ddWith(def, "title", "[Triggered on {host:a}] Down"), ddWith(def, "title", "[Triggered on {host:b}] Down")},
		"template, other monitor":       {tmpl, ddWith(tmpl, "alert_id", "1235")},
		"template, other scope":         {tmpl, ddWith(tmpl, "alert_scope", "host:web-2")},
		"template, other aggreg_key":    {ddWith(tmpl, "aggreg_key", "a1"), ddWith(tmpl, "aggreg_key", "a2")},
		"template, other alert cycle":   {ddTemplate(), ddWith(ddTemplate(), "alert_cycle_key", "7716548234000000002")},
		"template, id and scope differ": {ddWith(tmpl, "alert_id", "12", "alert_scope", "3"), ddWith(tmpl, "alert_id", "1", "alert_scope", "23")},
	}
	for name, p := range pairs {
		if a, b := ddMust(t, p[0]).Key, ddMust(t, p[1]).Key; a == b {
			t.Errorf("%s: both keyed %q", name, a)
		}
	}
}

func TestDatadogKeyIsNeverTheNotificationID(t *testing.T) {
	tests := map[string]struct {
		body map[string]any
		want string
	}{
		"alert_cycle_key first":          {ddTemplate(), "7716548234000000001"},
		"aggreg_key without a cycle key": {ddWith(ddTemplate(), "alert_cycle_key", nil), "9bd4ac313a4d1e8fae2482df7b77628"},
		"a variable left unfilled":       {ddWith(ddTemplate(), "alert_cycle_key", "$ALERT_CYCLE_KEY"), "9bd4ac313a4d1e8fae2482df7b77628"},
		"an empty cycle key":             {ddWith(ddTemplate(), "alert_cycle_key", ""), "9bd4ac313a4d1e8fae2482df7b77628"},
	}
	for name, tt := range tests {
		if got := ddMust(t, tt.body).Key; got != tt.want {
			t.Errorf("%s: key %q, want %q", name, got, tt.want)
		}
	}
	byID := ddWith(ddTemplate(), "alert_cycle_key", nil, "aggreg_key", nil)
	if a, b := ddMust(t, byID).Key, ddMust(t, ddWith(byID, "id", "1")).Key; a != b || a == "7716548234011234567" {
		t.Errorf("keys %q and %q: the per-notification id must not count", a, b)
	}
	def := sourcetest.ReadJSON(t, ddDefault)
	if a, b := ddMust(t, def).Key, ddMust(t, ddWith(def, "id", "1")).Key; a != b {
		t.Errorf("default payload keys %q and %q: the per-notification id must not count", a, b)
	}
}

func TestDatadogSeverity(t *testing.T) {
	base := ddWith(ddTemplate(), "alert_priority", nil, "alert_type", nil, "alert_transition", nil, "title", "Disk almost full")
	tests := []struct {
		name string
		kv   []any
		want event.Severity
	}{
		{"P1", []any{"alert_priority", "P1"}, event.Critical},
		{"P2", []any{"alert_priority", "P2"}, event.Error},
		{"P3", []any{"alert_priority", "P3"}, event.Warning},
		{"P4", []any{"alert_priority", "P4"}, event.Info},
		{"P5", []any{"alert_priority", "P5"}, event.Info},
		{"priority in any case", []any{"alert_priority", " p1 "}, event.Critical},
		{"priority before type", []any{"alert_priority", "P4", "alert_type", "error"}, event.Info},
		{"unknown priority falls to type", []any{"alert_priority", "P9", "alert_type", "warning"}, event.Warning},
		{"unfilled priority falls to type", []any{"alert_priority", "$ALERT_PRIORITY", "alert_type", "error"}, event.Error},
		{"type error", []any{"alert_type", "error"}, event.Error},
		{"type warning", []any{"alert_type", "warning"}, event.Warning},
		{"type info", []any{"alert_type", "info"}, event.Info},
		{"type before transition", []any{"alert_type", "warning", "alert_transition", "Triggered"}, event.Warning},
		{"transition Triggered", []any{"alert_transition", "Triggered"}, event.Error},
		{"transition Re-Warn", []any{"alert_transition", "Re-Warn"}, event.Warning},
		{"transition No Data", []any{"alert_transition", "No Data"}, event.NotAvailable},
		{"priority in the title", []any{"title", "[P1] [Triggered] Disk almost full"}, event.Critical},
		{"warn in the title", []any{"title", "[Warn on {host:web-1}] Disk almost full"}, event.Warning},
		{"no data in the title", []any{"title", "[Re-No Data] Disk almost full"}, event.NotAvailable},
		{"renotify says no level", []any{"alert_transition", "Renotify"}, event.NotAvailable},
		{"nothing: default_severity", nil, event.NotAvailable},
		{"success: default_severity", []any{"alert_type", "success"}, event.NotAvailable},
	}
	for _, tt := range tests {
		if got := ddMust(t, ddWith(base, tt.kv...)).Severity; got != tt.want {
			t.Errorf("%s: severity %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestDatadogLevelGoesThroughSeverityMap(t *testing.T) {
	tests := map[string]struct {
		body map[string]any
		m    map[string]any
		want event.Severity
	}{
		"the transition of the default payload": {sourcetest.ReadJSON(t, ddDefault), map[string]any{"Triggered": "CRITICAL"}, event.Critical},
		"the priority of the template":          {ddTemplate(), map[string]any{"p2": "WARNING"}, event.Warning},
		"the type of a custom template":         {sourcetest.ReadJSON(t, ddCustom), map[string]any{"error": "CRITICAL"}, event.Critical},
	}
	for name, tt := range tests {
		e, err := ddParse(t, map[string]any{"severity_map": tt.m}, tt.body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e.Severity != tt.want {
			t.Errorf("%s: severity %s, want %s", name, e.Severity, tt.want)
		}
	}
}

func TestDatadogTypes(t *testing.T) {
	tests := []struct {
		name string
		kv   []any
		want event.Type
	}{
		{"transition Recovered", []any{"alert_transition", "Recovered", "alert_type", "error"}, event.Recovery},
		{"type success", []any{"alert_transition", nil, "alert_type", "success"}, event.Recovery},
		{"title Recovered", []any{"alert_transition", nil, "alert_type", nil, "title", "[Recovered on {host:web-1}] Disk"}, event.Recovery},
		{"transition in any case", []any{"alert_transition", "recovered"}, event.Recovery},
		{"transition Warn", []any{"alert_transition", "Warn", "alert_type", "warning"}, event.Alert},
		{"transition No Data", []any{"alert_transition", "No Data", "alert_type", "error"}, event.Alert},
	}
	for _, tt := range tests {
		if got := ddMust(t, ddWith(ddTemplate(), tt.kv...)).Type; got != tt.want {
			t.Errorf("%s: type %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestDatadogTemplateMapping(t *testing.T) {
	e := ddMust(t, ddTemplate())
	want := map[string]string{
		"title":            "Disk almost full",
		"description":      "Disk usage on web-1 is 93%.",
		"rule":             "Disk almost full",
		"occurred_at":      "2026-09-27T10:15:00Z",
		"resource":         "web-1 web-1 host",
		"image_url":        "https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_11023/2026-09-27/abc.png",
		"provider":         "datadog",
		"account":          "11023",
		"link":             "https://app.datadoghq.com/event/jump_to?event_id=7716548234011234567",
		"tags_env":         "prod",
		"tags_role":        "db",
		"tags_monitor":     "true",
		"org_name":         "Acme",
		"alert_scope":      "host:web-1",
		"alert_status":     "system.disk.in_use over host:web-1 was > 0.9 on average during the last 5m.",
		"alert_title":      "[Triggered on {host:web-1}] Disk almost full",
		"alert_metric":     "system.disk.in_use",
		"id":               "7716548234011234567",
		"last_updated":     "1790504100000",
		"alert_type":       "error",
		"alert_id":         "1234",
		"alert_cycle_key":  "7716548234000000001",
		"aggreg_key":       "9bd4ac313a4d1e8fae2482df7b77628",
		"alert_priority":   "P2",
		"alert_transition": "Triggered",
		"org_id":           "11023",
		"hostname":         "web-1",
		"event_type":       "query_alert_monitor",
	}
	got := map[string]string{
		"title": e.Title, "description": e.Description, "rule": e.Rule, "occurred_at": event.FormatTime(e.OccurredAt),
		"resource": e.Resource.Name + " " + e.Resource.ID + " " + e.Resource.Type, "image_url": e.ImageURL,
		"provider": e.Provider, "account": e.Account,
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			g = e.AdditionalInfo[k]
		}
		if g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	for _, k := range []string{"title", "body", "tags", "org", "date"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info repeats %s (%q), which is already a field", k, v)
		}
	}
}

func TestDatadogTags(t *testing.T) {
	tests := map[string]struct {
		tags any
		want map[string]string
	}{
		"comma-separated":       {"env:prod,role:db", map[string]string{"env": "prod", "role": "db"}},
		"with spaces":           {" env:prod , role : db ", map[string]string{"env": "prod", "role": "db"}},
		"a tag without a value": {"monitor,env:prod", map[string]string{"monitor": "true", "env": "prod"}},
		"a value with colons":   {"url:http://web-1:8080/health", map[string]string{"url": "http://web-1:8080/health"}},
		"a repeated name":       {"team:a,team:b,team:a", map[string]string{"team": "a,b"}},
		"a list":                {[]any{"env:prod", "monitor"}, map[string]string{"env": "prod", "monitor": "true"}},
		"a map":                 {map[string]any{"env": "prod", "n": 1.0}, map[string]string{"env": "prod", "n": "1"}},
		"empty parts":           {",,env:prod,", map[string]string{"env": "prod"}},
		"empty":                 {"", map[string]string{}},
		"unfilled":              {"$TAGS", map[string]string{}},
		"a number":              {3.0, map[string]string{}},
		"null":                  {nil, map[string]string{}},
	}
	for name, tt := range tests {
		body := ddWith(ddTemplate(), "tags", tt.tags)
		if tt.tags == nil {
			body["tags"] = nil
		}
		e := ddMust(t, body)
		got := map[string]string{}
		for k, v := range e.AdditionalInfo {
			if n, ok := strings.CutPrefix(k, "tags_"); ok {
				got[n] = v
			}
		}
		if !maps.Equal(got, tt.want) {
			t.Errorf("%s: tags %v, want %v", name, got, tt.want)
		}
	}
}

func TestDatadogResource(t *testing.T) {
	tests := map[string]struct {
		kv   []any
		want string
	}{
		"hostname":                 {nil, "web-1"},
		"the host of alert_scope":  {[]any{"hostname", nil, "alert_scope", "env:prod, host:web-2"}, "web-2"},
		"the host of the title":    {[]any{"hostname", nil, "alert_scope", nil, "title", "[Triggered on {host:web-3,env:prod}] Disk"}, "web-3"},
		"the host tag":             {[]any{"hostname", nil, "alert_scope", nil, "title", "Disk", "tags", "host:web-4"}, "web-4"},
		"an unfilled hostname":     {[]any{"hostname", "$HOSTNAME", "alert_scope", nil, "title", "Disk", "tags", "host:web-4"}, "web-4"},
		"no host anywhere":         {[]any{"hostname", nil, "alert_scope", "env:prod", "title", "Disk", "tags", nil}, ""},
		"a scope that is no tags":  {[]any{"hostname", nil, "alert_scope", "*", "title", "Disk", "tags", nil}, ""},
		"hostname before the tags": {[]any{"tags", "host:web-9"}, "web-1"},
	}
	for name, tt := range tests {
		e := ddMust(t, ddWith(ddTemplate(), tt.kv...))
		if e.Resource.Name != tt.want || e.Resource.ID != tt.want {
			t.Errorf("%s: resource %+v, want name and id %q", name, e.Resource, tt.want)
		}
	}
}

func TestDatadogDate(t *testing.T) {
	def := sourcetest.ReadJSON(t, ddDefault)
	tests := map[string]struct {
		kv   []any
		want string
	}{
		"a string":                    {[]any{"date", "1591216985000"}, "2020-06-03T20:43:05Z"},
		"a number":                    {[]any{"date", 1591216985000.0}, "2020-06-03T20:43:05Z"},
		"milliseconds kept":           {[]any{"date", 1591216985123.0}, "2020-06-03T20:43:05.123Z"},
		"RFC 3339 text, to UTC":       {[]any{"date", "2020-06-03T22:43:05+02:00"}, "2020-06-03T20:43:05Z"},
		"no date: last_updated":       {[]any{"date", nil, "last_updated", "1591216000000"}, "2020-06-03T20:26:40Z"},
		"an empty date: last_updated": {[]any{"date", "", "last_updated", 1591216000000.0}, "2020-06-03T20:26:40Z"},
		"neither: the time of receipt": {[]any{"date", nil, "last_updated", nil, "alert_id", "1"},
			event.FormatTime(sourcetest.Received)},
		"unfilled: the time of receipt": {[]any{"date", "$DATE", "last_updated", "$LAST_UPDATED"}, event.FormatTime(sourcetest.Received)},
	}
	for name, tt := range tests {
		if got := event.FormatTime(ddMust(t, ddWith(def, tt.kv...)).OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", name, got, tt.want)
		}
	}
}

func TestDatadogKeepsADateThatIsNoTime(t *testing.T) {
	for _, v := range []any{"yesterday", -5.0, true} {
		e := ddMust(t, ddWith(sourcetest.ReadJSON(t, ddDefault), "date", v, "last_updated", nil))
		if !e.OccurredAt.Equal(sourcetest.Received) || e.AdditionalInfo["date"] == "" {
			t.Errorf("date %v: occurred_at %s, additional_info date %q; want the time of receipt and the value kept", v, e.OccurredAt, e.AdditionalInfo["date"])
		}
	}
}

func TestDatadogDefaultPayloadTitleAndText(t *testing.T) {
	def := sourcetest.ReadJSON(t, ddDefault)
	for prefix, want := range map[string]string{
		"[Triggered] ":               "ALERT Triggered",
		"[Re-Triggered] ":            "ALERT Re-Triggered",
		"[Recovered] ":               "RECOVERY Recovered",
		"[Warn] ":                    "ALERT Warn",
		"[Re-Warn] ":                 "ALERT Re-Warn",
		"[No Data] ":                 "ALERT No Data",
		"[Re-No Data] ":              "ALERT Re-No Data",
		"[Renotify] ":                "ALERT Renotify",
		"  [Triggered on {host:a}] ": "ALERT Triggered",
		"[P3] [Recovered] ":          "RECOVERY Recovered",
	} {
		e := ddMust(t, ddWith(def, "title", prefix+"CPU high "))
		if e.Title != "CPU high" {
			t.Errorf("%q: title %q, want the prefix and spaces gone", prefix, e.Title)
		}
		if got := string(e.Type) + " " + e.AdditionalInfo["alert_transition"]; got != want {
			t.Errorf("%q: %s, want %s", prefix, got, want)
		}
	}
	e := ddMust(t, ddWith(def, "body", "%%%\nDisk is full.\n%%%"))
	if e.Description != "Disk is full." {
		t.Errorf("description %q, want the %%%%%% markers gone", e.Description)
	}
	e = ddMust(t, ddWith(def, "title", "[Alert] [TEST] CPU"))
	if e.Title != "[Alert] [TEST] CPU" {
		t.Errorf("title %q: only Datadog's transitions are prefixes", e.Title)
	}
}

// TestDatadogMissingFieldsNeverCrash drops, nulls and mistypes every field of each body in turn: the body still
// parses, or is refused with an invalid-payload error when nothing is left to key the alert by (or date is no time).
func TestDatadogMissingFieldsNeverCrash(t *testing.T) {
	bodies := map[string]map[string]any{
		"default":  sourcetest.ReadJSON(t, ddDefault),
		"custom":   sourcetest.ReadJSON(t, ddCustom),
		"template": ddTemplate(),
	}
	for name, body := range bodies {
		for k := range body {
			for _, v := range []any{nil, "", 7.0, []any{"x"}, map[string]any{"a": "b"}} {
				b := maps.Clone(body)
				if v == nil {
					delete(b, k)
				} else {
					b[k] = v
				}
				e, err := ddParse(t, nil, b)
				if err != nil {
					var ie *sourcekit.InvalidPayloadError
					if !errors.As(err, &ie) || ie.Source != datadog.Name {
						t.Errorf("%s with %s = %v: error %v, want an invalid datadog payload", name, k, v, err)
					}
					if ie != nil && ie.Field != "date" && !(k == "title" && name == "default") {
						t.Errorf("%s with %s = %v: refused: %v", name, k, v, err)
					}
					continue
				}
				if e.Key == "" || e.Title == "" || e.Type == "" || e.Severity == "" || e.Provider != "datadog" {
					t.Errorf("%s with %s = %v: incomplete event %+v", name, k, v, e)
				}
			}
		}
	}
	if _, err := ddParse(t, nil, map[string]any{}); err == nil || !strings.Contains(err.Error(), "$ALERT_CYCLE_KEY") {
		t.Errorf("an empty body: error %v, want one that says what to add to the payload", err)
	}
	if e := ddMust(t, map[string]any{"alert_transition": "Triggered", "alert_id": "1"}); e.Title != "Datadog monitor 1" {
		t.Errorf("a body with only ids: title %q", e.Title)
	}
}

func TestDatadogDetection(t *testing.T) {
	tests := map[string]struct {
		body map[string]any
		want string // "" when nothing matches
	}{
		"default payload":                 {sourcetest.ReadJSON(t, ddDefault), datadog.Name},
		"custom template":                 {sourcetest.ReadJSON(t, ddCustom), datadog.Name},
		"recommended template":            {ddTemplate(), datadog.Name},
		"template with a transition + id": {map[string]any{"alert_transition": "", "alert_id": ""}, datadog.Name},
		"transition + cycle key":          {map[string]any{"alert_transition": nil, "alert_cycle_key": nil}, datadog.Name},
		"alert_id and alert_type":         {map[string]any{"alert_id": 0.0, "alert_type": ""}, datadog.Name},
		"default payload, null values":    {map[string]any{"org": nil, "body": nil, "date": nil, "last_updated": nil}, datadog.Name},
		"default payload without org":     {ddWith(sourcetest.ReadJSON(t, ddDefault), "org", nil), generic.Name}, // event_type is left
		"a transition alone":              {map[string]any{"alert_transition": "Triggered"}, ""},
		"alert_id alone":                  {map[string]any{"alert_id": "1"}, ""},
		"event shape with Datadog names":  {map[string]any{"event_key": "k", "title": "t", "alert_id": "1", "alert_type": "error"}, generic.Name},
	}
	for name, tt := range tests {
		got, _ := sourcetest.Detect(tt.body)
		if got != tt.want {
			t.Errorf("%s: detected %q, want %q", name, got, tt.want)
		}
	}
	e, err := ddParse(t, map[string]any{"source": "auto"}, sourcetest.ReadJSON(t, ddCustom))
	if err != nil || e.Key == "" {
		t.Errorf("the custom template with source auto: %v", err)
	}
}

// TestDatadogDetectionTakesNoOtherFixture: no body of another source is read as Datadog.
func TestDatadogDetectionTakesNoOtherFixture(t *testing.T) {
	for _, f := range sourcetest.Fixtures(t) {
		if f.Source == datadog.Name {
			continue
		}
		if got, _ := source.Detect(f.Data(t), ""); got.Name == datadog.Name {
			t.Errorf("%s is detected as datadog", f.Name())
		}
	}
}
