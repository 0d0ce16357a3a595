package source_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source"
)

// fuzzSeeds returns every real payload in test/testdata/payloads, to seed the fuzz targets.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	files, err := filepath.Glob(filepath.Join(testdata, "payloads", "*", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures under %s: %v", testdata, err)
	}
	out := make([][]byte, 0, len(files))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
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
	sources := append([]option.Source{option.Auto}, source.Supported()...)
	f.Fuzz(func(t *testing.T, b []byte) {
		data, ok := decodeObject(b)
		if !ok {
			return
		}
		for _, src := range sources {
			opts := option.Defaults()
			opts.Source = src
			res, err := source.Normalize(opts, data, received)
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
		res, err := source.Normalize(opts, data, received)
		checkResult(t, b, opts, res, err)
		if again, _ := decodeObject(b); !reflect.DeepEqual(again, data) {
			t.Fatalf("Normalize modified its data: %s", b)
		}
	})
}

// checkResult holds what every answer of Normalize guarantees: a refusal is one of the two payload errors; a
// confirmation or notice comes without events; every event has a key, a title, a type, a valid severity and
// additional_info to send, all of it UTF-8, and a time within RFC 3339's years.
func checkResult(t *testing.T, b []byte, opts option.Options, res source.Result, err error) {
	t.Helper()
	if err != nil {
		var ip *source.InvalidPayloadError
		var up *source.UnsupportedPayloadError
		if !errors.As(err, &ip) && !errors.As(err, &up) {
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
	if opts.Source != option.Auto && res.Source != "" && res.Source != opts.Source {
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
		case e.OccurredAt.Year() < 0 || e.OccurredAt.Year() > 9999:
			t.Fatalf("source %s: Normalize(%s) event %d has a time RFC 3339 cannot write: %s", opts.Source, b, i, e.OccurredAt)
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

// TestTimesOutsideYears0To9999AreNoTime keeps a finding of the invariants above (testdata/fuzz/FuzzNormalize/
// epoch-* and offset-*): an epoch too large for a time, such as 1e30, overflowed the integer conversion and came
// out in the year -292275055, and an offset could carry an RFC 3339 time past 9999; RFC 3339 cannot write either
// and Cloudforet cannot read them. Now they are no time: the time of receipt where a body may omit it, an error
// where the field must be a time.
func TestTimesOutsideYears0To9999AreNoTime(t *testing.T) {
	for _, tt := range []struct {
		name    string
		opts    string
		data    string
		refused bool
	}{
		{"generic occurred_at", `{}`, `{"event_key": "k", "title": "t", "occurred_at": 1e30}`, false},
		{"generic occurred_at as text", `{}`, `{"event_key": "k", "title": "t", "occurred_at": "99999999999999999999"}`, false},
		{"generic occurred_at in year 10000", `{}`, `{"event_key": "k", "title": "t", "occurred_at": 253402300800000}`, false},
		{"generic occurred_at offset into year 10000", `{}`, `{"event_key": "k", "title": "t", "occurred_at": "9999-12-31T23:59:59-23:59"}`, false},
		{"datadog date offset before year 0", `{"source": "datadog"}`, `{"id": "1", "title": "t", "alert_transition": "Triggered", "date": "0000-01-01T00:00:00+01:00"}`, true},
		{"alertmanager startsAt offset into year 10000", `{"source": "alertmanager"}`, `{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "a"}, "startsAt": "9999-12-31T23:00:00-02:00"}]}`, true},
		{"convert_data occurred_at", `{"convert_data": {"occurred_at": "{{ at }}"}}`, `{"event_key": "k", "title": "t", "at": 1e17}`, true},
		{"datadog date", `{"source": "datadog"}`, `{"id": "1", "title": "t", "alert_transition": "Triggered", "date": 9.3e18}`, true},
		{"google started_at", `{"source": "google_cloud_monitoring"}`, `{"version": "1.2", "incident": {"incident_id": "i", "state": "open", "started_at": 1e300}}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rawOpts, _ := decodeObject([]byte(tt.opts))
			opts, err := option.Parse(rawOpts)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := decodeObject([]byte(tt.data))
			res, err := source.Normalize(opts, data, received)
			checkResult(t, []byte(tt.data), opts, res, err)
			if tt.refused {
				var ip *source.InvalidPayloadError
				if !errors.As(err, &ip) {
					t.Fatalf("Normalize = %v, %v; want an InvalidPayloadError", res.Events, err)
				}
				return
			}
			if err != nil || len(res.Events) != 1 || !res.Events[0].OccurredAt.Equal(received) {
				t.Fatalf("Normalize = %v, %v; want one event at the time of receipt", res.Events, err)
			}
		})
	}
}
