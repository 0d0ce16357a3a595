package zabbix_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
	"github.com/monhook/monhook/domain/source/zabbix"
)

// Real bodies: Cloudforet's script shape (a problem, date ""), and Zulip's flat script.
const (
	cloudforetProblem = "cloudforet-readme-problem-average-date-empty.json"
	cloudforetMacros  = "cloudforet-test-problem-unresolved-recovery-macros.json"
	flatProblem       = "zulip-flat-problem-average.json"
	flatRecovery      = "zulip-flat-ok-recovery.json"
)

// zbxFixture reads a fresh copy of a Zabbix fixture, so a test may change it.
func zbxFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

// zbxObj is the object at key of a body, created when absent.
func zbxObj(doc map[string]any, key string) map[string]any {
	m, ok := doc[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		doc[key] = m
	}
	return m
}

// zbxOne parses doc with auto-detection and opts, and returns its only event.
func zbxOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, zabbix.Name, opts, doc)
}

// zbxSet returns the Cloudforet problem with fields set ("event.value": "0"); nil deletes a field.
func zbxSet(t *testing.T, fields map[string]any) map[string]any {
	t.Helper()
	doc := zbxFixture(t, cloudforetProblem)
	for path, v := range fields {
		obj, field, nested := strings.Cut(path, ".")
		target := doc
		if nested {
			target = zbxObj(doc, obj)
		} else {
			field = obj
		}
		if v == nil {
			delete(target, field)
		} else {
			target[field] = v
		}
	}
	return doc
}

func TestZabbixDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"event and trigger objects", map[string]any{"event": map[string]any{}, "trigger": map[string]any{}}, true},
		{"event and host objects", map[string]any{"event": map[string]any{}, "host": map[string]any{}}, true},
		{"event and item objects", map[string]any{"event": map[string]any{}, "item": map[string]any{}}, true},
		{"empty values still count", map[string]any{"event": map[string]any{"id": ""}, "host": map[string]any{"id": nil}}, true},
		{"flat link to tr_events.php", map[string]any{"link": "https://z/tr_events.php?triggerid=1&eventid=2", "trigger": ""}, true},
		{"an event object alone", map[string]any{"event": map[string]any{"id": "1"}}, false},
		{"PagerDuty's event", map[string]any{"event": map[string]any{"event_type": "incident.triggered", "resource_type": "incident"}}, false},
		{"event as text", map[string]any{"event": "x", "trigger": map[string]any{}}, false},
		{"trigger as text beside an event object", map[string]any{"event": map[string]any{}, "trigger": "t"}, false},
		{"host as a list", map[string]any{"event": map[string]any{}, "host": []any{}}, false},
		{"link elsewhere", map[string]any{"link": "https://z/zabbix.php?action=problem.view", "trigger": "t"}, false},
		{"link without a trigger", map[string]any{"link": "https://z/tr_events.php?eventid=2"}, false},
		{"trigger object beside the link", map[string]any{"link": "https://z/tr_events.php?eventid=2", "trigger": map[string]any{}}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == zabbix.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want zabbix %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestZabbixKeyIsCloudforetsAndPairs(t *testing.T) {
	problem := zbxOne(t, nil, zbxFixture(t, cloudforetProblem))
	if problem.Key != md5Key("10445:7458") {
		t.Errorf("key %s, want Cloudforet's md5 of host.id:event.id", problem.Key)
	}
	// The recovery of the same problem carries the problem's {EVENT.ID} and the same host.
	recovery := zbxOne(t, nil, zbxSet(t, map[string]any{"event.status": "RESOLVED", "event.recovery_id": "7470"}))
	if recovery.Type != event.Recovery || recovery.Key != problem.Key {
		t.Errorf("recovery %s %s, want RECOVERY with the problem's key %s", recovery.Type, recovery.Key, problem.Key)
	}
	other := zbxOne(t, nil, zbxFixture(t, cloudforetMacros))
	if other.Key == problem.Key {
		t.Error("two problems share a key")
	}

	tests := []struct {
		name   string
		hostID any // "absent" removes it
		id     any
		want   string
	}{
		{"numbers as Cloudforet's Struct sends them", 10445.0, 7458.0, "10445:7458"},
		{"no host id: Python writes None", "absent", "7458", "None:7458"},
		{"null host id", nil, "7458", "None:7458"},
		{"empty host id", "", "7458", ":7458"},
	}
	for _, tt := range tests {
		doc := zbxFixture(t, cloudforetProblem)
		host := zbxObj(doc, "host")
		if tt.hostID == "absent" {
			delete(host, "id")
		} else {
			host["id"] = tt.hostID
		}
		zbxObj(doc, "event")["id"] = tt.id
		if got := zbxOne(t, nil, doc).Key; got != md5Key(tt.want) {
			t.Errorf("%s: key %s, want md5(%q)", tt.name, got, tt.want)
		}
	}
	noHost := zbxFixture(t, cloudforetProblem)
	delete(noHost, "host")
	if got := zbxOne(t, nil, noHost).Key; got != md5Key("None:7458") {
		t.Errorf("body without host: key %s, want md5(None:7458)", got)
	}

	// The flat script: Cloudforet's formula without a host id, the event id from the link.
	flat := zbxOne(t, nil, zbxFixture(t, flatProblem))
	if flat.Key != md5Key(":10528") {
		t.Errorf("flat key %s, want md5(:10528)", flat.Key)
	}
	ok := zbxFixture(t, flatRecovery)
	ok["link"] = "https://zabbix.example.com/tr_events.php?triggerid=14032&eventid=10528"
	if got := zbxOne(t, nil, ok); got.Type != event.Recovery || got.Key != flat.Key {
		t.Errorf("flat OK of the same event: %s %s, want RECOVERY %s", got.Type, got.Key, flat.Key)
	}
	// The Zulip recovery fixture names event 10529, another problem than its PROBLEM fixture's 10528.
	if got := zbxOne(t, nil, zbxFixture(t, flatRecovery)).Key; got == flat.Key {
		t.Error("flat events 10528 and 10529 share a key")
	}
}

func TestZabbixEventType(t *testing.T) {
	tests := []struct {
		value, status, trigger any // nil: absent
		want                   event.Type
	}{
		{"1", "PROBLEM", "PROBLEM", event.Alert},
		{"0", "RESOLVED", "OK", event.Recovery},
		{"0", nil, nil, event.Recovery},
		{0.0, nil, nil, event.Recovery},
		{"1", "RESOLVED", "OK", event.Alert}, // the number decides
		{"0", "PROBLEM", nil, event.Recovery},
		{nil, "RESOLVED", nil, event.Recovery},
		{nil, "resolved", nil, event.Recovery},
		{nil, "OK", nil, event.Recovery},
		{nil, "PROBLEM", "OK", event.Alert}, // an update of a problem whose trigger is OK again
		{nil, nil, "OK", event.Recovery},
		{nil, nil, " ok ", event.Recovery},
		{"{EVENT.VALUE}", "{EVENT.STATUS}", "OK", event.Recovery},
		{"7", "UNKNOWN", "PROBLEM", event.Alert},
		{nil, nil, nil, event.Alert},
	}
	for _, tt := range tests {
		e := zbxOne(t, nil, zbxSet(t, map[string]any{"event.value": tt.value, "event.status": tt.status, "trigger.status": tt.trigger}))
		if e.Type != tt.want {
			t.Errorf("value %v, status %v, trigger status %v: %s, want %s", tt.value, tt.status, tt.trigger, e.Type, tt.want)
		}
	}
	for status, want := range map[any]event.Type{"OK": event.Recovery, "RESOLVED": event.Recovery, "Resolved": event.Recovery,
		"PROBLEM": event.Alert, "WARNING": event.Alert, nil: event.Alert} {
		doc := zbxFixture(t, flatProblem)
		doc["status"] = status
		if got := zbxOne(t, nil, doc).Type; got != want {
			t.Errorf("flat status %v: %s, want %s", status, got, want)
		}
	}
}

func TestZabbixSeverity(t *testing.T) {
	tests := []struct {
		nseverity, severity, trigger any // nil: absent
		opts                         map[string]any
		want                         event.Severity
	}{
		{"5", nil, nil, nil, event.Critical},
		{"4", nil, nil, nil, event.Error},
		{"3", nil, nil, nil, event.Warning},
		{"2", nil, nil, nil, event.Warning},
		{"1", nil, nil, nil, event.Info},
		{"0", nil, nil, nil, event.None},
		{5.0, nil, nil, nil, event.Critical},
		{"4", "Average", "Average", nil, event.Error}, // the number wins over a (renamed) name
		{"9", "High", nil, nil, event.Error},          // not one of Zabbix's numbers: the name
		{"{EVENT.NSEVERITY}", "Disaster", nil, nil, event.Critical},
		{nil, "Disaster", nil, nil, event.Critical},
		{nil, "High", nil, nil, event.Error},
		{nil, "Average", nil, nil, event.Warning},
		{nil, "Warning", nil, nil, event.Warning},
		{nil, "Information", nil, nil, event.Info},
		{nil, "Not classified", nil, nil, event.None},
		{nil, " NOT CLASSIFIED ", nil, nil, event.None},
		{nil, "disaster", nil, nil, event.Critical},
		{nil, nil, "High", nil, event.Error}, // trigger.severity when the event has none
		{nil, "Average", "High", nil, event.Warning},
		{nil, "Sev-Urgent", nil, nil, event.NotAvailable},
		{nil, nil, nil, nil, event.NotAvailable},
		{nil, "*UNKNOWN*", nil, nil, event.NotAvailable},
		{nil, nil, nil, map[string]any{"default_severity": "INFO"}, event.Info},
		{nil, "Sev-Urgent", nil, map[string]any{"severity_map": map[string]any{"sev-urgent": "CRITICAL"}}, event.Critical},
		{"4", "Sev-Urgent", nil, map[string]any{"severity_map": map[string]any{"Sev-Urgent": "CRITICAL"}}, event.Critical},
		{"4", nil, nil, map[string]any{"severity_map": map[string]any{"4": "CRITICAL"}}, event.Critical},
	}
	for _, tt := range tests {
		doc := zbxSet(t, map[string]any{"event.nseverity": tt.nseverity, "event.severity": tt.severity, "trigger.severity": tt.trigger})
		if got := zbxOne(t, tt.opts, doc).Severity; got != tt.want {
			t.Errorf("nseverity %v, severity %v, trigger %v, options %v: %s, want %s", tt.nseverity, tt.severity, tt.trigger, tt.opts, got, tt.want)
		}
	}
	// A recovery keeps the level of its problem (Cloudforet's plugin forced INFO).
	if got := zbxOne(t, nil, zbxSet(t, map[string]any{"event.status": "RESOLVED", "event.severity": "High"})); got.Type != event.Recovery || got.Severity != event.Error {
		t.Errorf("resolved High: %s %s, want RECOVERY ERROR", got.Type, got.Severity)
	}
	for name, want := range map[any]event.Severity{"Average": event.Warning, "Not classified": event.None, "Warning": event.Warning, nil: event.NotAvailable} {
		doc := zbxFixture(t, flatProblem)
		doc["severity"] = name
		if got := zbxOne(t, nil, doc).Severity; got != want {
			t.Errorf("flat severity %v: %s, want %s", name, got, want)
		}
	}
}

func TestZabbixTitleDescriptionRuleResource(t *testing.T) {
	e := zbxOne(t, nil, zbxFixture(t, cloudforetProblem))
	if e.Title != "Load average is too high (per CPU load over 1.5 for 5m)" || e.Rule != e.Title {
		t.Errorf("title %q, rule %q: want event.name and trigger.name", e.Title, e.Rule)
	}
	if !strings.HasPrefix(e.Description, "Problem started at 11:58:49 on 2021.08.27\r\n") || strings.HasSuffix(e.Description, "\n") {
		t.Errorf("description %q: want the message, trimmed", e.Description)
	}
	if e.Resource != (event.Resource{ID: "10445", Type: "zabbix.host", Name: "bastion-dev"}) || e.Provider != "zabbix" || e.Account != "" {
		t.Errorf("resource %+v, provider %q, account %q", e.Resource, e.Provider, e.Account)
	}
	if e.AdditionalInfo["subject"] != "Problem: Load average is too high (per CPU load over 1.5 for 5m)" {
		t.Errorf("subject %q, want the body's title", e.AdditionalInfo["subject"])
	}

	titles := []struct {
		set  map[string]any
		want string
	}{
		{map[string]any{"event.name": "Event name", "trigger.name": "Trigger name", "title": "Problem: x"}, "Event name"},
		{map[string]any{"event.name": nil, "trigger.name": "Trigger name", "title": "Problem: x"}, "Trigger name"},
		{map[string]any{"event.name": "{EVENT.NAME}", "trigger.name": "Trigger name"}, "Trigger name"},
		{map[string]any{"event.name": nil, "trigger.name": nil, "title": " Problem: x "}, "Problem: x"},
		{map[string]any{"event.name": nil, "trigger.name": nil, "title": nil}, "zabbix alert"},
	}
	for _, tt := range titles {
		if got := zbxOne(t, nil, zbxSet(t, tt.set)).Title; got != tt.want {
			t.Errorf("%v: title %q, want %q", tt.set, got, tt.want)
		}
	}

	resources := []struct {
		set  map[string]any
		want event.Resource
	}{
		{map[string]any{"host.name": nil}, event.Resource{ID: "10445", Type: "zabbix.host", Name: "bastion-dev"}}, // visible_name
		{map[string]any{"host.name": "{HOST.HOST}", "host.visible_name": "Bastion"}, event.Resource{ID: "10445", Type: "zabbix.host", Name: "Bastion"}},
		{map[string]any{"host.name": nil, "host.visible_name": nil}, event.Resource{ID: "10445", Type: "zabbix.host", Name: "10445"}},
		{map[string]any{"host": nil}, event.Resource{}},
	}
	for _, tt := range resources {
		if got := zbxOne(t, nil, zbxSet(t, tt.set)).Resource; got != tt.want {
			t.Errorf("%v: resource %+v, want %+v", tt.set, got, tt.want)
		}
	}

	flat := zbxOne(t, nil, zbxFixture(t, flatProblem))
	if flat.Title != "Zabbix agent on www.example.com is unreachable for 5 minutes" || flat.Rule != flat.Title ||
		flat.Description != "Agent ping is Up (1)" || flat.Resource != (event.Resource{Type: "zabbix.host", Name: "www.example.com"}) {
		t.Errorf("flat event: %+v", flat)
	}
}

func TestZabbixTimes(t *testing.T) {
	const receipt = "2026-01-02T03:04:05Z"
	tests := []struct {
		name string
		opts map[string]any
		set  map[string]any
		want string
		kept map[string]string // additional_info the time leaves behind
	}{
		{"UTC by default", nil, map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49"}, "2021-08-27T11:58:49Z", nil},
		{"source_timezone", map[string]any{"source_timezone": "Asia/Seoul"},
			map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49"}, "2021-08-27T02:58:49Z", nil},
		{"daylight saving time", map[string]any{"source_timezone": "Europe/Berlin"},
			map[string]any{"event.date": "2024.07.01", "event.time": "12:00:00"}, "2024-07-01T10:00:00Z", nil},
		{"the body's zone wins", map[string]any{"source_timezone": "Asia/Seoul"},
			map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49", "event.timezone": "America/New_York"},
			"2021-08-27T15:58:49Z", map[string]string{"timezone": "America/New_York"}},
		{"a top-level timezone", nil, map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49", "timezone": "Asia/Tokyo"},
			"2021-08-27T02:58:49Z", map[string]string{"timezone": "Asia/Tokyo"}},
		{"an unknown zone: the option's, kept", map[string]any{"source_timezone": "Asia/Seoul"},
			map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49", "event.timezone": "Mars/Olympus"},
			"2021-08-27T02:58:49Z", map[string]string{"timezone": "Mars/Olympus"}},
		{"Local is no zone a body may choose", nil,
			map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49", "event.timezone": "Local"}, "2021-08-27T11:58:49Z",
			map[string]string{"timezone": "Local"}},
		{"a zone name too long", nil,
			map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49", "event.timezone": "Europe/" + strings.Repeat("x", 60)}, "2021-08-27T11:58:49Z",
			map[string]string{"timezone": "Europe/" + strings.Repeat("x", 60)}},
		{"an unexpanded zone", map[string]any{"source_timezone": "Asia/Seoul"},
			map[string]any{"event.date": "2021.08.27", "event.time": "11:58:49", "event.timezone": "{$TZ}"}, "2021-08-27T02:58:49Z", nil},
		{"date empty (the 2022 guide)", nil, map[string]any{"event.date": "", "event.time": "11:58:49"}, receipt,
			map[string]string{"event_date": "11:58:49"}},
		{"no date or time", nil, map[string]any{"event.date": nil, "event.time": nil}, receipt, nil},
		{"unexpanded", nil, map[string]any{"event.date": "{EVENT.DATE}", "event.time": "{EVENT.TIME}"}, receipt, nil},
		{"no time", nil, map[string]any{"event.date": "2021.08.27"}, receipt, map[string]string{"event_date": "2021.08.27"}},
		{"not Zabbix's form", nil, map[string]any{"event.date": "2021-08-27", "event.time": "11:58:49"}, receipt,
			map[string]string{"event_date": "2021-08-27 11:58:49"}},
		{"year 0", nil, map[string]any{"event.date": "0000.01.01", "event.time": "00:00:00"}, receipt,
			map[string]string{"event_date": "0000.01.01 00:00:00"}},
		{"recovery: its own date and time", map[string]any{"source_timezone": "Asia/Seoul"},
			map[string]any{"event.status": "RESOLVED", "event.date": "2021.08.27", "event.time": "11:58:49",
				"event.recovery_date": "2021.08.27", "event.recovery_time": "12:30:00"}, "2021-08-27T03:30:00Z", nil},
		{"recovery: never the problem's date", nil,
			map[string]any{"event.status": "RESOLVED", "event.date": "2021.08.27", "event.time": "11:58:49"}, receipt, nil},
		{"recovery: unexpanded recovery date", nil,
			map[string]any{"event.value": "0", "event.date": "2021.08.27", "event.time": "11:58:49",
				"event.recovery_date": "{EVENT.RECOVERY.DATE}", "event.recovery_time": "12:30:00"}, receipt,
			map[string]string{"event_recovery_date": "12:30:00"}},
	}
	for _, tt := range tests {
		e := zbxOne(t, tt.opts, zbxSet(t, tt.set))
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
		for _, k := range []string{"event_date", "event_recovery_date", "timezone"} {
			if e.AdditionalInfo[k] != tt.kept[k] {
				t.Errorf("%s: additional_info[%s] = %q, want %q", tt.name, k, e.AdditionalInfo[k], tt.kept[k])
			}
		}
	}
	if got := zbxOne(t, map[string]any{"source_timezone": "Asia/Seoul"}, zbxFixture(t, flatProblem)).OccurredAt; !got.Equal(sourcetest.Received) {
		t.Errorf("flat body: occurred_at %s, want the time of receipt", got)
	}
}

func TestZabbixAdditionalInfo(t *testing.T) {
	doc := zbxSet(t, map[string]any{
		"event.recovery_id": "7470", "event.opdata": "Load: 2", "event.update_action": "acknowledged",
		"event.tags":  []any{map[string]any{"tag": "scope", "value": "performance"}, map[string]any{"tag": "scope", "value": "capacity"}, map[string]any{"tag": "db"}, map[string]any{"tag": "", "value": "x"}},
		"zabbix.url":  "https://zabbix.example.com/",
		"item.value":  "*UNKNOWN*",
		"trigger.id":  "21028",
		"event.extra": "ignored",
	})
	e := zbxOne(t, nil, doc)
	want := map[string]string{
		"zabbix_event_id": "7458", "zabbix_trigger_id": "21028", "zabbix_host_id": "10445", "zabbix_host_visible_name": "bastion-dev",
		"zabbix_item_id": "42529", "zabbix_item_key": "system.cpu.load[all,avg1]", "host_connection": "xxx.xx.x.xx",
		"subject": "Problem: Load average is too high (per CPU load over 1.5 for 5m)", "status": "PROBLEM", "severity_name": "Average",
		"recovery_event_id": "7470", "opdata": "Load: 2", "update_action": "acknowledged",
		"url": "https://zabbix.example.com/tr_events.php?triggerid=21028&eventid=7458", "tag_scope": "performance,capacity", "tag_db": "true",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	if len(e.AdditionalInfo) != len(want) {
		t.Errorf("additional_info has %d entries, want %d: %v", len(e.AdditionalInfo), len(want), e.AdditionalInfo)
	}
	// The recipient's address ({ALERT.SENDTO}) is nobody's business in Cloudforet; unresolved values say nothing.
	macros := zbxOne(t, nil, zbxFixture(t, cloudforetMacros))
	for k, v := range macros.AdditionalInfo {
		if strings.Contains(v, "abc@localhost.net") || strings.Contains(v, "{EVENT.") {
			t.Errorf("additional_info[%s] = %q", k, v)
		}
	}

	tags := []struct {
		tags any
		want map[string]string
	}{
		{`[{"tag":"env","value":"prod"}]`, map[string]string{"tag_env": "prod"}}, // the JSON text, unparsed
		{map[string]any{"env": "prod", "team": nil}, map[string]string{"tag_env": "prod", "tag_team": "true"}},
		{"env:prod, team:db", map[string]string{"tags": "env:prod, team:db"}}, // {EVENT.TAGS}, not JSON
		{"{EVENT.TAGSJSON}", map[string]string{}},
		{"[]", map[string]string{}},
		{[]any{"env", 1.0, nil}, map[string]string{}},
		{[]any{map[string]any{"tag": "a.b", "value": "1"}}, map[string]string{"tag_a_b": "1"}},
	}
	for _, tt := range tags {
		e := zbxOne(t, nil, zbxSet(t, map[string]any{"event.tags": tt.tags}))
		got := map[string]string{}
		for k, v := range e.AdditionalInfo {
			if strings.HasPrefix(k, "tag") {
				got[k] = v
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("tags %v: %v, want %v", tt.tags, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("tags %v: %s = %q, want %q", tt.tags, k, got[k], v)
			}
		}
	}

	// A link needs both the frontend's URL and the trigger.
	if got := zbxOne(t, nil, zbxSet(t, map[string]any{"zabbix.url": "https://z", "trigger.id": nil})).AdditionalInfo["url"]; got != "" {
		t.Errorf("url without a trigger id: %q", got)
	}
	if got := zbxOne(t, nil, zbxSet(t, map[string]any{"zabbix.url": "{$ZABBIX.URL}"})).AdditionalInfo["url"]; got != "" {
		t.Errorf("url from an undefined macro: %q", got)
	}

	flat := zbxOne(t, nil, zbxFixture(t, flatProblem))
	wantFlat := map[string]string{"zabbix_event_id": "10528", "zabbix_trigger_id": "14032", "status": "PROBLEM", "severity_name": "Average",
		"url": "https://zabbix.example.com/tr_events.php?triggerid=14032&eventid=10528"}
	if len(flat.AdditionalInfo) != len(wantFlat) {
		t.Errorf("flat additional_info %v, want %v", flat.AdditionalInfo, wantFlat)
	}
	for k, v := range wantFlat {
		if flat.AdditionalInfo[k] != v {
			t.Errorf("flat additional_info[%s] = %q, want %q", k, flat.AdditionalInfo[k], v)
		}
	}
}

func TestZabbixInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		doc   map[string]any
		field string
	}{
		{"no event, no link", map[string]any{"trigger": map[string]any{"id": "1"}}, "event"},
		{"event as text", map[string]any{"event": "7458"}, "event"},
		{"no event.id", zbxSet(t, map[string]any{"event.id": nil}), "event.id"},
		{"null event.id", zbxSet(t, map[string]any{"event.id": nil}), "event.id"},
		{"empty event.id", zbxSet(t, map[string]any{"event.id": " "}), "event.id"},
		{"unexpanded event.id (the media type's Test form)", zbxSet(t, map[string]any{"event.id": "{EVENT.ID}"}), "event.id"},
		{"unresolved event.id", zbxSet(t, map[string]any{"event.id": "*UNKNOWN*"}), "event.id"},
		{"event.id an object", zbxSet(t, map[string]any{"event.id": map[string]any{}}), "event.id"},
		{"event.id a list", zbxSet(t, map[string]any{"event.id": []any{"1"}}), "event.id"},
		{"flat link without eventid", map[string]any{"link": "https://z/tr_events.php?triggerid=1", "trigger": "t"}, "link"},
		{"flat link with an unexpanded eventid", map[string]any{"link": "{$ZABBIX_URL}/tr_events.php?triggerid={TRIGGER.ID}&eventid={EVENT.ID}", "trigger": "t"}, "link"},
	}
	tests[3].doc["event"].(map[string]any)["id"] = nil
	for _, tt := range tests {
		for _, opts := range []map[string]any{{"source": "zabbix"}, {}} {
			if len(opts) == 0 {
				if got, ok := sourcetest.Detect(tt.doc); !ok || got != zabbix.Name {
					continue // only bodies detected as Zabbix are Zabbix's to refuse
				}
			}
			_, err := sourcetest.Normalize(sourcetest.Options(t, opts), tt.doc)
			var ip *sourcekit.InvalidPayloadError
			if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != zabbix.Name {
				t.Errorf("%s with %v: error %v, want field %s", tt.name, opts, err, tt.field)
			} else if len(err.Error()) > 200 {
				t.Errorf("%s: error too long: %s", tt.name, err)
			}
		}
	}
	// A base URL Zabbix did not expand still leaves the ids in the link's query.
	e := zbxOne(t, nil, map[string]any{"link": "{$ZABBIX_URL}/tr_events.php?triggerid=7&eventid=42#x", "trigger": "t"})
	if e.Key != md5Key(":42") || e.AdditionalInfo["zabbix_trigger_id"] != "7" {
		t.Errorf("link with an unexpanded base: key %s, info %v", e.Key, e.AdditionalInfo)
	}
}

// TestZabbixOddValuesNeverFail gives every field of every shape values of other JSON types: the body is read,
// never refused (but for event.id) and never a panic.
func TestZabbixOddValuesNeverFail(t *testing.T) {
	odd := []any{nil, 0.0, -1.5, true, "", " ", "{X.Y}", "*UNKNOWN*", []any{}, []any{1.0, "a"}, map[string]any{}, map[string]any{"a": []any{nil}}}
	for _, file := range []string{cloudforetProblem, cloudforetMacros} {
		base := zbxFixture(t, file)
		for obj, v := range base {
			fields := map[string]any{"": v} // "": the value as a whole
			if m, isObj := v.(map[string]any); isObj {
				maps.Copy(fields, m)
			}
			for field := range fields {
				if obj == "event" && (field == "id" || field == "") {
					continue
				}
				for _, x := range odd {
					doc := zbxFixture(t, file)
					if field == "" {
						doc[obj] = x
					} else {
						doc[obj].(map[string]any)[field] = x
					}
					res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "zabbix"}), doc)
					if err != nil || len(res.Events) != 1 || res.Events[0].Key == "" {
						t.Errorf("%s with %s.%s = %v: %v, %v", file, obj, field, x, res.Events, err)
					}
				}
			}
		}
	}
	for _, k := range []string{"hostname", "severity", "status", "item", "trigger"} {
		for _, x := range odd {
			doc := zbxFixture(t, flatProblem)
			doc[k] = x
			if _, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "zabbix"}), doc); err != nil {
				t.Errorf("flat %s = %v: %v", k, x, err)
			}
		}
	}
}
