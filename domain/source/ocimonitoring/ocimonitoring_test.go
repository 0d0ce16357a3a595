package ocimonitoring_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/ocimonitoring"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	grouped = "docs-raw-grouped-4-streams-firing-critical.json"
	split   = "docs-raw-split-1-stream-firing-critical.json"
	aramco  = "aramco-sample-grouped-v1.5-firing-critical-autonomous-db.json"
)

// ociFixture reads a fresh copy of an OCI fixture, so a test may change it.
func ociFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

// ociMeta is the first entry of a message's alarmMetaData.
func ociMeta(doc map[string]any) map[string]any {
	return doc["alarmMetaData"].([]any)[0].(map[string]any)
}

// ociDim is the first dimension of a message's alarm.
func ociDim(doc map[string]any) map[string]any {
	return ociMeta(doc)["dimensions"].([]any)[0].(map[string]any)
}

// ociOne parses doc with auto-detection (and opts) and returns its only event.
func ociOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, ocimonitoring.Name, opts, doc)
}

// ociSplit is the documented split message with its type set.
func ociSplit(t *testing.T, typ any) map[string]any {
	doc := ociFixture(t, split)
	doc["type"] = typ
	return doc
}

// ociV13 is a message of version 1.3 of the format, as older alarms send it: no alarmSummary, no
// notificationType, the dimension spelled resourceID. No real body of it is public; the fields are those the
// sources.md reference lists for it.
func ociV13() map[string]any {
	return map[string]any{
		"dedupeKey": "v13-key", "title": "Disk full", "body": nil, "type": "OK_TO_FIRING", "severity": "WARNING",
		"timestampEpochMillis": 1600000000000.0, "timestamp": "2020-09-13T12:26:40Z", "version": 1.3,
		"alarmMetaData": []any{map[string]any{
			"id": "ocid1.alarm.oc1.phx.x", "status": "FIRING", "severity": "WARNING", "namespace": "oci_blockstore",
			"query": "VolumeUsed[1m].max() > 90", "totalMetricsFiring": 1.0,
			"dimensions": []any{map[string]any{"resourceID": "ocid1.volume.oc1.phx.v"}},
		}},
	}
}

// ociConfirmation is a subscription confirmation as Oracle documents its body: the ConfirmationURL key, whose
// value has the form of the confirmation URLs Oracle's workshops show (no real body is public).
func ociConfirmation(u any) map[string]any { return map[string]any{"ConfirmationURL": u} }

const confirmationURL = "https://cell1.notification.us-phoenix-1.oci.oraclecloud.com/20181201/subscriptions/" +
	"ocid1.onssubscription.oc1.phx.aaaaaaaaexample/confirmation?token=MDAwMGV4YW1wbGU=&protocol=CUSTOM_HTTPS"

func TestOCIDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"the documented grouped message", ociFixture(t, grouped), true},
		{"version 1.3", ociV13(), true},
		{"an empty alarm list and a null key", map[string]any{"dedupeKey": nil, "alarmMetaData": []any{}}, true},
		{"alarmMetaData that is not a list", map[string]any{"dedupeKey": "k", "alarmMetaData": map[string]any{}}, false},
		{"alarmMetaData null", map[string]any{"dedupeKey": "k", "alarmMetaData": nil}, false},
		{"no dedupeKey", map[string]any{"alarmMetaData": []any{}, "title": "t"}, false},
		{"no alarmMetaData", map[string]any{"dedupeKey": "k", "title": "t", "type": "OK_TO_FIRING"}, false},
		{"a subscription confirmation", ociConfirmation(confirmationURL), true},
		{"a confirmation whose URL is empty", ociConfirmation(""), true},
		{"a body published to the topic by hand", map[string]any{"title": "hello", "body": "world"}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == ocimonitoring.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want oci_monitoring %v", tt.name, got, ok, tt.want)
		}
	}
	for _, f := range sourcetest.Fixtures(t) {
		if f.Source != ocimonitoring.Name && ocimonitoring.Source.Detect(f.Data(t)) {
			t.Errorf("%s is claimed by oci_monitoring", f.Name())
		}
	}
}

func TestOCIKeyIsTheDedupeKeyForFiringAndClearing(t *testing.T) {
	firing := ociOne(t, nil, ociSplit(t, "OK_TO_FIRING"))
	clearing := ociOne(t, nil, ociSplit(t, "FIRING_TO_OK"))
	if firing.Type != event.Alert || clearing.Type != event.Recovery {
		t.Errorf("types %s then %s, want ALERT then RECOVERY", firing.Type, clearing.Type)
	}
	// Cloudforet's OCI plugin used dedupeKey as it is: alerts it opened pair with these events.
	if firing.Key != "exampleuniqueID" || clearing.Key != firing.Key {
		t.Errorf("keys %q and %q, want the dedupeKey exampleuniqueID for both", firing.Key, clearing.Key)
	}
	if clearing.Severity != event.Critical {
		t.Errorf("the clearing message's severity %s, want the CRITICAL it carries", clearing.Severity)
	}
	other := ociSplit(t, "OK_TO_FIRING")
	other["dedupeKey"] = "another-stream"
	if ociOne(t, nil, other).Key == firing.Key {
		t.Error("two dedupeKeys share an event key")
	}
	numeric := ociSplit(t, "OK_TO_FIRING")
	numeric["dedupeKey"] = 1234567.0
	if got := ociOne(t, nil, numeric).Key; got != "1234567" {
		t.Errorf("numeric dedupeKey: key %q, want 1234567", got)
	}
	spaced := ociSplit(t, "OK_TO_FIRING")
	spaced["dedupeKey"] = " k 1 "
	if got := ociOne(t, nil, spaced).Key; got != " k 1 " {
		t.Errorf("dedupeKey with spaces: key %q, want it verbatim", got)
	}
}

func TestOCIMessageTypes(t *testing.T) {
	tests := []struct {
		typ  any
		want event.Type
	}{
		{"OK_TO_FIRING", event.Alert},
		{"REPEAT", event.Alert},
		{"FIRING_TO_OK", event.Recovery},
		{"RESET", event.Recovery},
		{"firing_to_ok", event.Recovery},
		{" Reset ", event.Recovery},
		{"SOMETHING_NEW", event.Alert},
		{"", event.Alert},
		{nil, event.Alert},
		{42.0, event.Alert},
	}
	for _, tt := range tests {
		e := ociOne(t, nil, ociSplit(t, tt.typ))
		if e.Type != tt.want {
			t.Errorf("type %v: %s, want %s", tt.typ, e.Type, tt.want)
		}
	}
	if got := ociOne(t, nil, ociSplit(t, "REPEAT")).AdditionalInfo["type"]; got != "REPEAT" {
		t.Errorf("additional_info type %q, want the message type", got)
	}
}

func TestOCISeverity(t *testing.T) {
	tests := []struct {
		top, meta any
		opts      map[string]any
		want      event.Severity
	}{
		{"CRITICAL", "CRITICAL", nil, event.Critical},
		{"ERROR", "ERROR", nil, event.Error},
		{"WARNING", "WARNING", nil, event.Warning},
		{"INFO", "INFO", nil, event.Info},
		{"warning", nil, nil, event.Warning},
		{nil, "ERROR", nil, event.Error}, // the alarm's own severity when the message has none
		{"", "", nil, event.NotAvailable},
		{nil, nil, map[string]any{"default_severity": "INFO"}, event.Info},
		{"SEV1", nil, nil, event.NotAvailable},
		{"SEV1", nil, map[string]any{"severity_map": map[string]any{"sev1": "CRITICAL"}}, event.Critical},
		{"CRITICAL", nil, map[string]any{"severity_map": map[string]any{"Critical": "ERROR"}}, event.Error},
	}
	for _, tt := range tests {
		doc := ociFixture(t, split)
		doc["severity"], ociMeta(doc)["severity"] = tt.top, tt.meta
		if e := ociOne(t, tt.opts, doc); e.Severity != tt.want {
			t.Errorf("severity %v, alarm %v, options %v: %s, want %s", tt.top, tt.meta, tt.opts, e.Severity, tt.want)
		}
	}
}

func TestOCITitleDescriptionRule(t *testing.T) {
	e := ociOne(t, nil, ociFixture(t, grouped))
	if e.Title != "High CPU Utilization" || strings.Contains(e.Title, "CRITICAL") {
		t.Errorf("title %q, want the message's title without a severity suffix", e.Title)
	}
	if e.Description != "Follow runbook at http://example.com/runbooks" || e.Rule != "CpuUtilization[1m].mean() > 90" {
		t.Errorf("description %q, rule %q", e.Description, e.Rule)
	}
	summary := ociMeta(ociFixture(t, grouped))["alarmSummary"].(string)
	tests := []struct {
		name         string
		title, body  any
		wantTitle    string
		wantDescribe string
	}{
		{"no body", "High CPU Utilization", nil, "High CPU Utilization", summary},
		{"an empty body", "High CPU Utilization", "  ", "High CPU Utilization", summary},
		{"a body OCI left unrendered", "High CPU Utilization", "{{metricValues}}", "High CPU Utilization", summary},
		{"no title", nil, "b", "CpuUtilization[1m].mean() > 90", "b"},
		{"a title OCI left unrendered", "{{ title }}", "b", "CpuUtilization[1m].mean() > 90", "b"},
		{"dynamic variables OCI filled in", "CRITICAL alarm triggered at 2023-05-17T15:34:23.852Z", "b",
			"CRITICAL alarm triggered at 2023-05-17T15:34:23.852Z", "b"},
	}
	for _, tt := range tests {
		doc := ociFixture(t, grouped)
		doc["title"], doc["body"] = tt.title, tt.body
		e := ociOne(t, nil, doc)
		if e.Title != tt.wantTitle || e.Description != tt.wantDescribe {
			t.Errorf("%s: title %q, description %q; want %q, %q", tt.name, e.Title, e.Description, tt.wantTitle, tt.wantDescribe)
		}
	}
	doc := ociFixture(t, grouped)
	delete(doc, "title")
	delete(ociMeta(doc), "query")
	if e := ociOne(t, nil, doc); e.Title != "OCI Monitoring alarm" || e.Rule != "" {
		t.Errorf("no title and no query: title %q, rule %q", e.Title, e.Rule)
	}
}

func TestOCIResource(t *testing.T) {
	const id = "ocid1.instance.oc1.iad.exampleid"
	tests := []struct {
		name string
		set  map[string]any // dimension fields; nil deletes
		want event.Resource
	}{
		{"display name", nil, event.Resource{ID: id, Type: "oci_computeagent", Name: "wordpress"}},
		{"resourceName first", map[string]any{"resourceName": "wp-1"}, event.Resource{ID: id, Type: "oci_computeagent", Name: "wp-1"}},
		{"only the id", map[string]any{"resourceDisplayName": nil}, event.Resource{ID: id, Type: "oci_computeagent", Name: id}},
		{"version 1.3's resourceID", map[string]any{"resourceDisplayName": nil, "resourceId": nil, "resourceID": "ocid1.x"},
			event.Resource{ID: "ocid1.x", Type: "oci_computeagent", Name: "ocid1.x"}},
		{"no resource dimension", map[string]any{"resourceDisplayName": nil, "resourceId": nil}, event.Resource{}},
	}
	for _, tt := range tests {
		doc := ociFixture(t, split)
		for k, v := range tt.set {
			if v == nil {
				delete(ociDim(doc), k)
			} else {
				ociDim(doc)[k] = v
			}
		}
		if e := ociOne(t, nil, doc); e.Resource != tt.want {
			t.Errorf("%s: resource %+v, want %+v", tt.name, e.Resource, tt.want)
		}
	}
	// A grouped message is about every stream; the resource is the first one's, and all of them are kept.
	e := ociOne(t, nil, ociFixture(t, grouped))
	if e.Resource.Name != "wordpress" {
		t.Errorf("grouped: resource %+v, want the first stream's", e.Resource)
	}
	aramcoEvent := ociOne(t, nil, ociFixture(t, aramco))
	if aramcoEvent.Resource.Name != "ARAMCODEVAUTONOMOUS" || aramcoEvent.Resource.Type != "oci_autonomous_database" {
		t.Errorf("resourceName: resource %+v", aramcoEvent.Resource)
	}
	if e.Provider != "oracle_cloud" || e.Account != "" {
		t.Errorf("provider %q, account %q; want oracle_cloud and none (the message names no tenancy)", e.Provider, e.Account)
	}
}

func TestOCIWithoutAlarmMetadata(t *testing.T) {
	for name, v := range map[string]any{"empty": []any{}, "a null entry": []any{nil}} {
		doc := ociFixture(t, split)
		doc["alarmMetaData"] = v
		e := ociOne(t, nil, doc)
		if e.Key != "exampleuniqueID" || e.Title != "High CPU Utilization" || e.Resource != (event.Resource{}) || e.Rule != "" {
			t.Errorf("%s alarmMetaData: %+v", name, e)
		}
	}
	v13 := ociOne(t, nil, ociV13())
	if v13.Description != "" || v13.Resource.ID != "ocid1.volume.oc1.phx.v" || v13.Severity != event.Warning || v13.AdditionalInfo["version"] != "1.3" {
		t.Errorf("version 1.3: %+v", v13)
	}
}

func TestOCITimes(t *testing.T) {
	tests := []struct {
		name       string
		stamp, ms  any
		want       string
		keptStamp  string // the unreadable timestamp kept in additional_info
		keptMillis string
	}{
		{"milliseconds, as the docs send", "2023-05-17T15:34:23.852Z", 1684337663852.0, "2023-05-17T15:34:23.852Z", "", ""},
		{"no fraction, as older messages", "2025-10-27T11:05:00Z", nil, "2025-10-27T11:05:00Z", "", ""},
		{"an offset", "2023-05-18T00:34:23.852+09:00", nil, "2023-05-17T15:34:23.852Z", "", ""},
		{"only the epoch", nil, 1684337663852.0, "2023-05-17T15:34:23.852Z", "", ""},
		{"the epoch as text", "", "1684337663852", "2023-05-17T15:34:23.852Z", "", ""},
		{"an unreadable timestamp", "yesterday", 1684337663852.0, "2023-05-17T15:34:23.852Z", "yesterday", ""},
		{"nothing readable", "yesterday", "soon", "2026-01-02T03:04:05Z", "yesterday", "soon"},
		{"nothing", nil, nil, "2026-01-02T03:04:05Z", "", ""},
		{"an epoch past 9999", nil, 1e17, "2026-01-02T03:04:05Z", "", "100000000000000000"},
	}
	for _, tt := range tests {
		doc := ociFixture(t, split)
		doc["timestamp"], doc["timestampEpochMillis"] = tt.stamp, tt.ms
		e := ociOne(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
		if e.AdditionalInfo["timestamp"] != tt.keptStamp || e.AdditionalInfo["timestampEpochMillis"] != tt.keptMillis {
			t.Errorf("%s: kept timestamp %q, timestampEpochMillis %q; want %q, %q", tt.name,
				e.AdditionalInfo["timestamp"], e.AdditionalInfo["timestampEpochMillis"], tt.keptStamp, tt.keptMillis)
		}
	}
}

func TestOCIAdditionalInfo(t *testing.T) {
	e := ociOne(t, nil, ociFixture(t, split))
	want := map[string]string{
		"alarm_id": "ocid1.alarm.oc1.iad.exampleuniqueID", "status": "FIRING", "namespace": "oci_computeagent",
		"total_metrics_firing": "4", "notification_type": "Split messages per metric streams", "version": "1.5",
		"region": "us-ashburn-1", "type": "OK_TO_FIRING", "severity": "CRITICAL",
		"alarm_url":                "https://cloud.oracle.com/monitoring/alarms/ocid1.alarm.oc1.iad.exampleid?region=us-ashburn-1",
		"dimension_shape":          "VM.Standard.E4.Flex",
		"dimension_faultDomain":    "FAULT-DOMAIN-2",
		"dimension_resourceId":     "ocid1.instance.oc1.iad.exampleid",
		"metric_values":            `[{"CpuUtilization[1m].mean()":"92"}]`,
		"dimension_instancePoolId": "Default",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("split: additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	if !strings.HasPrefix(e.AdditionalInfo["alarm_summary"], `Alarm "High CPU Utilization" is in a "FIRING" state`) {
		t.Errorf("alarm_summary %q", e.AdditionalInfo["alarm_summary"])
	}
	if _, ok := e.AdditionalInfo["dimensions"]; ok {
		t.Error("split: one stream's dimensions also given as a JSON list")
	}

	g := ociOne(t, nil, ociFixture(t, grouped))
	var dims []map[string]string
	if err := json.Unmarshal([]byte(g.AdditionalInfo["dimensions"]), &dims); err != nil || len(dims) != 4 || dims[3]["resourceDisplayName"] != "oke-1" {
		t.Errorf("grouped: dimensions %q (%v), want the four streams as JSON", g.AdditionalInfo["dimensions"], err)
	}
	var values []map[string]string
	if err := json.Unmarshal([]byte(g.AdditionalInfo["metric_values"]), &values); err != nil || len(values) != 4 || values[1]["CpuUtilization[1m].mean()"] != "95" {
		t.Errorf("grouped: metric_values %q (%v)", g.AdditionalInfo["metric_values"], err)
	}
	for k := range g.AdditionalInfo {
		if strings.HasPrefix(k, "dimension_") {
			t.Errorf("grouped: %s, want the dimensions only as the JSON list", k)
		}
	}
	for k := range g.AdditionalInfo {
		if !event.StorableKey(k) {
			t.Errorf("additional_info key %q cannot be stored", k)
		}
	}
}

func TestOCISubscriptionConfirmation(t *testing.T) {
	for _, opts := range []map[string]any{{}, {"source": ocimonitoring.Name}} {
		res, err := sourcetest.Normalize(sourcetest.Options(t, opts), ociConfirmation(confirmationURL))
		if err != nil || res.Source != ocimonitoring.Name || len(res.Events) != 0 || res.Confirm == nil {
			t.Fatalf("options %v: %+v, %v; want a subscription to confirm and no event", opts, res, err)
		}
		if res.Confirm.URL != confirmationURL || res.Confirm.Provider != "oci" || res.Confirm.TopicArn != "" {
			t.Errorf("options %v: subscription %+v, want the ConfirmationURL for provider oci", opts, *res.Confirm)
		}
		if !strings.Contains(res.Notice, "ocid1.onssubscription.oc1.phx.aaaaaaaaexample") {
			t.Errorf("notice %q, want the subscription it confirms", res.Notice)
		}
	}
	// A URL is handed over as sent: which hosts are Oracle's is the confirmer's to decide.
	res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), ociConfirmation(" http://169.254.169.254/latest "))
	if err != nil || res.Confirm == nil || res.Confirm.URL != "http://169.254.169.254/latest" || res.Confirm.Provider != "oci" {
		t.Errorf("another URL: %+v, %v", res, err)
	}
	if !strings.Contains(res.Notice, "unknown subscription") {
		t.Errorf("notice %q for a URL that names no subscription", res.Notice)
	}
	long := "https://cell1.notification.us-ashburn-1.oci.oraclecloud.com/20181201/subscriptions/" + strings.Repeat("x", 5000) + "/confirmation"
	if res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), ociConfirmation(long)); err != nil || len(res.Notice) > 200 {
		t.Errorf("a long subscription id: notice of %d bytes, %v", len(res.Notice), err)
	}
}

func TestOCIInvalidPayloads(t *testing.T) {
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want string
	}{
		{"no dedupeKey", func(doc map[string]any) { delete(doc, "dedupeKey") }, "dedupeKey"},
		{"an empty dedupeKey", func(doc map[string]any) { doc["dedupeKey"] = " " }, "dedupeKey"},
		{"a null dedupeKey", func(doc map[string]any) { doc["dedupeKey"] = nil }, "dedupeKey"},
		{"an object as dedupeKey", func(doc map[string]any) { doc["dedupeKey"] = map[string]any{"a": "b"} }, "dedupeKey"},
		{"alarmMetaData that is not a list", func(doc map[string]any) { doc["alarmMetaData"] = "x" }, "alarmMetaData"},
		{"an alarm that is not an object", func(doc map[string]any) { doc["alarmMetaData"] = []any{"x"} }, "alarmMetaData[0]"},
	}
	for _, tt := range tests {
		doc := ociFixture(t, split)
		tt.edit(doc)
		if got := sourcetest.InvalidField(t, ocimonitoring.Name, doc); got != tt.want {
			t.Errorf("%s: the error names %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, doc := range []map[string]any{{}, {"title": "hand-published"}} {
		if got := sourcetest.InvalidField(t, ocimonitoring.Name, doc); got != "dedupeKey" {
			t.Errorf("%v: the error names %q, want dedupeKey", doc, got)
		}
	}
	for _, u := range []any{"", "  ", nil, 42.0, []any{confirmationURL}} {
		if got := sourcetest.InvalidField(t, ocimonitoring.Name, ociConfirmation(u)); got != "ConfirmationURL" {
			t.Errorf("ConfirmationURL %v: the error names %q", u, got)
		}
	}
}

// TestOCINeverPanics feeds every field of a real message values of every JSON type.
func TestOCINeverPanics(t *testing.T) {
	values := []any{nil, "", "x", 0.0, -1.0, 1e300, true, []any{}, []any{nil, "x", 1.0}, map[string]any{}, map[string]any{"a": []any{}}}
	paths := [][]string{{"title"}, {"body"}, {"type"}, {"severity"}, {"timestamp"}, {"timestampEpochMillis"},
		{"notificationType"}, {"version"}, {"alarmMetaData", "id"}, {"alarmMetaData", "severity"}, {"alarmMetaData", "query"},
		{"alarmMetaData", "namespace"}, {"alarmMetaData", "dimensions"}, {"alarmMetaData", "metricValues"},
		{"alarmMetaData", "alarmSummary"}, {"alarmMetaData", "totalMetricsFiring"}, {"alarmMetaData", "alarmUrl"}}
	for _, p := range paths {
		for _, v := range values {
			doc := ociFixture(t, grouped)
			if len(p) == 1 {
				doc[p[0]] = v
			} else {
				ociMeta(doc)[p[1]] = v
			}
			res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": ocimonitoring.Name}), doc)
			if err != nil || len(res.Events) != 1 || res.Events[0].Key != "exampleuniqueID" {
				t.Errorf("%v = %v: %v, %+v", p, v, err, res)
			}
		}
	}
	for _, v := range values {
		doc := ociFixture(t, grouped)
		ociMeta(doc)["dimensions"] = []any{v, v}
		if _, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": ocimonitoring.Name}), doc); err != nil {
			t.Errorf("dimensions [%v, %v]: %v", v, v, err)
		}
	}
}
