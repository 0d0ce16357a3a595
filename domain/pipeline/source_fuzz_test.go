package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// fuzzSeeds returns every registered format's example bodies, to seed the fuzz targets.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, x := range sourcetest.Fixtures(f) {
		out = append(out, x.Body)
	}
	return out
}

// decodeObject decodes b as the adapter hands data over: a JSON object with float64 numbers; ok is false for
// anything else.
func decodeObject(b []byte) (map[string]any, bool) {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// FuzzNormalize reads random JSON objects with default options, once with detection and once as each source:
// no panic, and every answer is well formed (see checkResult).
func FuzzNormalize(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"alerts": []}`, `{"alerts": [{}]}`, `{"alerts": [null, 1, "x"]}`,
		`{"event_key": "k", "title": "t", "event_type": "recovery", "severity": "info", "additional_info": {"a": [1, {"b": null}]}}`,
		`{"Type": "Notification", "Message": "{\"alerts\": [{}]}", "TopicArn": "arn"}`,
		`{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {}}}`,
		`{"incident": {"state": "open"}, "version": "1.2"}`,
		`{"evalMatches": [], "ruleName": "r", "state": "alerting"}`} {
		f.Add([]byte(s))
	}
	sources := append([]option.Source{option.Auto}, option.Sources()...)
	f.Fuzz(func(t *testing.T, b []byte) {
		data, ok := decodeObject(b)
		if !ok {
			return
		}
		for _, src := range sources {
			opts := option.Defaults()
			opts.Source = src
			res, err := sourcetest.Normalize(opts, data)
			checkResult(t, b, opts, res, err)
		}
		if again, _ := decodeObject(b); !reflect.DeepEqual(again, data) {
			t.Fatalf("Normalize modified its data: %s", b)
		}
	})
}

// FuzzNormalizeWithOptions reads random JSON objects with random valid options, so message_root, load_json,
// confirm_url, convert_data, event_key_fields and severity_map run on hostile input too.
func FuzzNormalizeWithOptions(f *testing.F) {
	options := []string{
		`{}`,
		`{"source": "generic", "convert_data": {"event_key": "{{ id }}", "title": "{{ name }}", "severity": "{{ level }}", "event_type": "{{ state }}"}}`,
		`{"message_root": "Message", "load_json": ["Message"], "source": "grafana"}`,
		`{"load_json": ["alerts.0.annotations.body", "detail"], "event_key_fields": ["labels.alertname", "alerts.0.fingerprint"]}`,
		`{"confirm_url": "SubscribeURL", "severity_map": {"warning": "CRITICAL", "P1": "ERROR"}, "default_severity": "INFO"}`,
		`{"convert_data": {"occurred_at": "{{ startsAt }}", "additional_info": {"x": "{{ labels }}", "y": "{{ alerts.0 }}"},
		  "resource": {"name": "{{ labels.instance }}", "resource_id": "{{ a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p }}"}}}`,
	}
	for _, b := range fuzzSeeds(f) {
		for _, o := range options {
			f.Add([]byte(o), b)
		}
	}
	f.Fuzz(func(t *testing.T, rawOpts, b []byte) {
		doc, ok := decodeObject(rawOpts)
		if !ok {
			return
		}
		opts, err := option.Parse(doc)
		if err != nil {
			return // Normalize is only ever given parsed options
		}
		data, ok := decodeObject(b)
		if !ok {
			return
		}
		res, err := sourcetest.Normalize(opts, data)
		checkResult(t, b, opts, res, err)
		// The same under a budget small enough for random bodies to reach: every limit refuses cleanly, and what
		// is answered is within it.
		res, err = pipeline.Normalize(context.Background(), opts, data, sourcetest.Received, fuzzBudget)
		checkResult(t, b, opts, res, err)
		checkBudget(t, b, res, err)
		if again, _ := decodeObject(b); !reflect.DeepEqual(again, data) {
			t.Fatalf("Normalize modified its data: %s", b)
		}
	})
}

// fuzzBudget is small enough that random bodies and options reach each of its limits.
var fuzzBudget = sourcekit.Budget{MaxEvents: 3, MaxEventBytes: 2 << 10, MaxAnswerBytes: 4 << 10, MaxTextBytes: 256, MaxInfoEntries: 16}

// checkBudget holds what a budget guarantees: an answer within every limit.
func checkBudget(t *testing.T, b []byte, res pipeline.Result, err error) {
	t.Helper()
	if err != nil {
		return
	}
	if len(res.Events) > fuzzBudget.MaxEvents {
		t.Fatalf("Normalize(%s) under max_events %d gave %d events", b, fuzzBudget.MaxEvents, len(res.Events))
	}
	total := 0
	for i, e := range res.Events {
		n := sourcekit.EncodedSize(e)
		total += n
		if n > fuzzBudget.MaxEventBytes || len(e.AdditionalInfo) > fuzzBudget.MaxInfoEntries {
			t.Fatalf("Normalize(%s) event %d: %d bytes, %d entries, past the budget", b, i, n, len(e.AdditionalInfo))
		}
	}
	if total > fuzzBudget.MaxAnswerBytes {
		t.Fatalf("Normalize(%s) answered %d bytes under max_answer_bytes %d", b, total, fuzzBudget.MaxAnswerBytes)
	}
}

// checkResult holds what every answer of Normalize guarantees: a refusal is a payload error or a limit; a
// confirmation or notice comes without events; every event has a key, a title, a type, a valid severity and
// additional_info to send under keys Cloudforet can store, all of it UTF-8, and a UTC time in years 1 to 9999.
func checkResult(t *testing.T, b []byte, opts option.Options, res pipeline.Result, err error) {
	t.Helper()
	if err != nil {
		var ip *sourcekit.InvalidPayloadError
		var up *pipeline.UnsupportedPayloadError
		var le *sourcekit.LimitError
		if !errors.As(err, &ip) && !errors.As(err, &up) && !errors.As(err, &le) {
			t.Fatalf("source %s: Normalize(%s) = %T %v, want a payload error", opts.Source, b, err, err)
		}
		if msg := err.Error(); msg == "" || !utf8.ValidString(msg) {
			t.Fatalf("source %s: Normalize(%s) = an error message that is empty or not UTF-8: %q", opts.Source, b, msg)
		}
		return
	}
	if (res.Confirm != nil || res.Notice != "") && len(res.Events) > 0 {
		t.Fatalf("source %s: Normalize(%s) = a confirmation or notice with %d events", opts.Source, b, len(res.Events))
	}
	if res.Confirm != nil && res.Confirm.URL == "" {
		t.Fatalf("source %s: Normalize(%s) = a confirmation without a URL", opts.Source, b)
	}
	if opts.Source != option.Auto && res.Source != "" && res.Source != string(opts.Source) {
		t.Fatalf("source %s: Normalize(%s) read it as %s", opts.Source, b, res.Source)
	}
	for i, e := range res.Events {
		switch {
		case e.Key == "":
			t.Fatalf("source %s: Normalize(%s) event %d has no key", opts.Source, b, i)
		case e.Title == "":
			t.Fatalf("source %s: Normalize(%s) event %d has no title", opts.Source, b, i)
		case e.Type != event.Alert && e.Type != event.Recovery:
			t.Fatalf("source %s: Normalize(%s) event %d has type %q", opts.Source, b, i, e.Type)
		case !e.Severity.Valid():
			t.Fatalf("source %s: Normalize(%s) event %d has severity %q", opts.Source, b, i, e.Severity)
		case e.AdditionalInfo == nil:
			t.Fatalf("source %s: Normalize(%s) event %d has nil additional_info", opts.Source, b, i)
		case e.OccurredAt.IsZero():
			t.Fatalf("source %s: Normalize(%s) event %d has no time", opts.Source, b, i)
		case e.OccurredAt.Year() < 1 || e.OccurredAt.Year() > 9999 || e.OccurredAt.Location() != time.UTC:
			t.Fatalf("source %s: Normalize(%s) event %d has a time Cloudforet cannot read: %s", opts.Source, b, i, e.OccurredAt)
		}
		for k := range e.AdditionalInfo {
			if !event.StorableKey(k) {
				t.Fatalf("source %s: Normalize(%s) event %d has additional_info key %q, which Cloudforet cannot store or route", opts.Source, b, i, k)
			}
		}
		// protobuf refuses to encode a string that is not UTF-8, so such a field would fail the whole answer.
		texts := []string{e.Key, e.Title, e.Description, e.Rule, e.ImageURL, e.Provider, e.Account,
			e.Resource.ID, e.Resource.Type, e.Resource.Name}
		for k, v := range e.AdditionalInfo {
			texts = append(texts, k, v)
		}
		for _, s := range texts {
			if !utf8.ValidString(s) {
				t.Fatalf("source %s: Normalize(%s) event %d has a field that is not UTF-8: %q", opts.Source, b, i, s)
			}
		}
	}
}

// TestUnreadableTimesGiveTheTimeOfReceipt keeps findings of the invariants above (testdata/fuzz/FuzzNormalize/
// epoch-* and offset-*) and of Cloudforet's own code: an epoch too large for a time, such as 1e30, overflowed the
// integer conversion and came out in the year -292275055; an offset could carry a time past 9999 or before year 1;
// year 0000 passed through, and Cloudforet's ISO 8601 parser (years 1 to 9999) then failed the whole call, sibling
// alerts included. Now such a time, or one that is no time at all, never costs the body: the event gets the time
// of receipt, and the source's own value stays in additional_info under its field.
func TestUnreadableTimesGiveTheTimeOfReceipt(t *testing.T) {
	for _, tt := range []struct {
		name, opts, data string
		kept, value      string // the additional_info key and value that keep the source's own time
	}{
		{"generic occurred_at", `{}`, `{"event_key": "k", "title": "t", "occurred_at": 1e30}`, "occurred_at", "1000000000000000000000000000000"},
		{"generic occurred_at as text", `{}`, `{"event_key": "k", "title": "t", "occurred_at": "99999999999999999999"}`, "occurred_at", "99999999999999999999"},
		{"generic occurred_at in year 10000", `{}`, `{"event_key": "k", "title": "t", "occurred_at": 253402300800000}`, "occurred_at", "253402300800000"},
		{"generic occurred_at offset into year 10000", `{}`, `{"event_key": "k", "title": "t", "occurred_at": "9999-12-31T23:59:59-23:59"}`, "occurred_at", "9999-12-31T23:59:59-23:59"},
		{"generic occurred_at in year 0", `{}`, `{"event_key": "k", "title": "t", "occurred_at": "0000-06-01T00:00:00Z"}`, "occurred_at", "0000-06-01T00:00:00Z"},
		{"generic occurred_at no time", `{}`, `{"event_key": "k", "title": "t", "occurred_at": "yesterday"}`, "occurred_at", "yesterday"},
		{"datadog date offset before year 1", `{"source": "datadog"}`, `{"id": "1", "title": "t", "alert_transition": "Triggered", "date": "0001-01-01T00:00:00+01:00"}`, "date", "0001-01-01T00:00:00+01:00"},
		{"datadog date", `{"source": "datadog"}`, `{"id": "1", "title": "t", "alert_transition": "Triggered", "date": 9.3e18}`, "date", "9300000000000000000"},
		{"datadog date no time", `{"source": "datadog"}`, `{"id": "1", "title": "t", "alert_transition": "Triggered", "date": true}`, "date", "true"},
		{"alertmanager startsAt offset into year 10000", `{"source": "alertmanager"}`, `{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "a"}, "startsAt": "9999-12-31T23:00:00-02:00"}]}`, "startsAt", "9999-12-31T23:00:00-02:00"},
		{"alertmanager startsAt in year 0", `{}`, `{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "a"}, "startsAt": "0000-06-01T00:00:00Z"}]}`, "startsAt", "0000-06-01T00:00:00Z"},
		{"alertmanager startsAt no time", `{}`, `{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "a"}, "startsAt": "yesterday"}]}`, "startsAt", "yesterday"},
		{"convert_data occurred_at", `{"convert_data": {"occurred_at": "{{ at }}"}}`, `{"event_key": "k", "title": "t", "at": 1e17}`, "occurred_at", "100000000000000000"},
		{"google started_at", `{"source": "google_cloud_monitoring"}`, `{"version": "1.2", "incident": {"incident_id": "i", "state": "open", "started_at": 1e30}}`, "started_at", "1000000000000000000000000000000"},
		{"google started_at not a number", `{}`, `{"version": "1.2", "incident": {"incident_id": "i", "state": "open", "started_at": true}}`, "started_at", "true"},
		{"cloudwatch offset into year 10000", `{}`, `{"AlarmName": "a", "NewStateValue": "ALARM", "StateChangeTime": "9999-12-31T23:59:59.000-2359"}`, "StateChangeTime", "9999-12-31T23:59:59.000-2359"},
		{"azure fired time", `{}`, `{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {"alertId": "a", "firedDateTime": "yesterday"}}}`, "firedDateTime", "yesterday"},
		{"azure metric time", `{}`, `{"schemaId": "AzureMonitorMetricAlert", "data": {"context": {"id": "r", "timestamp": "soon"}}}`, "timestamp", "soon"},
		{"eventbridge time", `{}`, `{"detail-type": "x", "source": "s", "detail": {}, "time": "0000-01-01T00:00:00Z"}`, "time", "0000-01-01T00:00:00Z"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rawOpts, _ := decodeObject([]byte(tt.opts))
			opts, err := option.Parse(rawOpts)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := decodeObject([]byte(tt.data))
			res, err := sourcetest.Normalize(opts, data)
			checkResult(t, []byte(tt.data), opts, res, err)
			if err != nil || len(res.Events) != 1 || !res.Events[0].OccurredAt.Equal(sourcetest.Received) {
				t.Fatalf("Normalize = %v, %v; want one event at the time of receipt", res.Events, err)
			}
			if got := res.Events[0].AdditionalInfo[tt.kept]; got != tt.value {
				t.Errorf("additional_info[%s] = %q, want the source's own %q", tt.kept, got, tt.value)
			}
		})
	}
}

// TestTimesCloudforetReads checks the written forms every source's times are read in, in UTC: date-only is
// midnight UTC of that day, not the time of receipt; no zone is UTC; the edges of years 1 and 9999 are kept.
func TestTimesCloudforetReads(t *testing.T) {
	for in, want := range map[string]string{
		"2021-08-23":                     "2021-08-23T00:00:00Z",
		"2021-08-23T10:20:30":            "2021-08-23T10:20:30Z",
		"2021-08-23 10:20:30.5":          "2021-08-23T10:20:30.5Z",
		"2021-08-23T10:20:30+0200":       "2021-08-23T08:20:30Z",
		"2021-08-23T10:20:30.25-03:30":   "2021-08-23T13:50:30.25Z",
		"0001-01-01T00:00:00.001Z":       "0001-01-01T00:00:00.001Z",
		"9999-12-31T23:59:59.999999999Z": "9999-12-31T23:59:59.999999999Z",
		"1629715662":                     "2021-08-23T10:47:42Z",
		"1629715662759":                  "2021-08-23T10:47:42.759Z",
	} {
		body := map[string]any{"event_key": "k", "title": "t", "occurred_at": in}
		res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), body)
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("%s: %v, %v", in, res.Events, err)
		}
		if got := event.FormatTime(res.Events[0].OccurredAt); got != want {
			t.Errorf("occurred_at %q = %s, want %s", in, got, want)
		}
	}
}
