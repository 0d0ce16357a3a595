package grpc

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/monhook/monhook/domain/source/sourcetest"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// The Cloudforet contract: what Cloudforet's monitoring service does with an answer, beyond reading it off the
// wire. Every answer below is read as Cloudforet reads it (MessageToDict with proto field names, which protojson
// with UseProtoNames matches) and must pass every rule, each named after the Cloudforet behaviour it comes from.

// cloudforetSeverities and cloudforetEventTypes are the choices of the Event model's severity and event_type
// fields; a value outside them fails mongoengine's validation and loses the body. ERROR is Cloudforet's own
// parse-error event, never a plugin's.
var (
	cloudforetSeverities = []string{"CRITICAL", "ERROR", "WARNING", "INFO", "NOT_AVAILABLE", "NONE"}
	cloudforetEventTypes = []string{"ALERT", "RECOVERY"}
)

// checkStorableKeys walks a document Cloudforet stores in a MongoDB DictField (init's metadata in the webhook's
// plugin_info; an event's resource and additional_info) and reports every key mongoengine's DictField refuses at
// any depth ('$' first), that event rules could not address (Cloudforet splits a condition's key path on every
// '.'), or that is empty.
func checkStorableKeys(t *testing.T, where string, v any) {
	t.Helper()
	switch n := v.(type) {
	case map[string]any:
		for k, x := range n {
			if k == "" || strings.HasPrefix(k, "$") || strings.Contains(k, ".") || strings.ContainsRune(k, 0) {
				t.Errorf("%s: key %q: Cloudforet cannot store it or address it in an event rule", where, k)
			}
			checkStorableKeys(t, where+"."+k, x)
		}
	case []any:
		for _, x := range n {
			checkStorableKeys(t, where+"[]", x)
		}
	}
}

// cloudforetLookup is how an event rule condition finds additional_info.<key> (python-core's
// utils.get_dict_value): split the path at the first '.', descend, repeat.
func cloudforetLookup(doc any, path string) (any, bool) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, false
	}
	head, rest, nested := strings.Cut(path, ".")
	v, ok := m[head]
	if !ok || !nested {
		return v, ok
	}
	return cloudforetLookup(v, rest)
}

// checkCloudforetEvent holds one result of Event.parse, as Cloudforet's EventService.create stores and routes it.
func checkCloudforetEvent(t *testing.T, where string, ev map[string]any) {
	t.Helper()
	// EventService pairs an ALERT with its RECOVERY by event_key alone; an empty key pairs unrelated alerts.
	if k, _ := ev["event_key"].(string); k == "" {
		t.Errorf("%s: no event_key", where)
	}
	// The Event model's choices (absent severity is NONE; absent event_type is ALERT).
	if s, ok := ev["severity"].(string); ok && !slices.Contains(cloudforetSeverities, s) {
		t.Errorf("%s: severity %q is not one Cloudforet stores", where, s)
	}
	if s, ok := ev["event_type"].(string); ok && !slices.Contains(cloudforetEventTypes, s) {
		t.Errorf("%s: event_type %q is not one a plugin may send", where, s)
	}
	// EventService reads occurred_at with utils.iso8601_to_datetime (dateutil's isoparse into a Python datetime,
	// years 1 to 9999); anything else fails the call and the whole body is rolled back.
	if at, ok := ev["occurred_at"].(string); ok {
		tm, err := time.Parse(time.RFC3339Nano, at)
		switch {
		case err != nil:
			t.Errorf("%s: occurred_at %q is not ISO 8601: %v", where, at, err)
		case tm.Year() < 1 || tm.Year() > 9999:
			t.Errorf("%s: occurred_at %q is outside Python's years 1 to 9999", where, at)
		case !strings.HasSuffix(at, "Z"):
			t.Errorf("%s: occurred_at %q is not in UTC", where, at)
		}
	}
	// resource and additional_info are DictFields: storable keys at any depth.
	checkStorableKeys(t, where+".resource", ev["resource"])
	checkStorableKeys(t, where+".additional_info", ev["additional_info"])
	// Event rules address additional_info.<key>, and additional_info is a flat map of strings.
	info, _ := ev["additional_info"].(map[string]any)
	for k, v := range info {
		if _, isText := v.(string); !isText {
			t.Errorf("%s: additional_info[%q] is %T, not a string", where, k, v)
		}
		if got, ok := cloudforetLookup(ev, "additional_info."+k); !ok || got != v {
			t.Errorf("%s: an event rule on additional_info.%s finds %v, not the value", where, k, got)
		}
	}
	// EventService appends resource.name to resources: naming it in both would store it twice.
	stored := []string{}
	if rs, ok := ev["resources"].([]any); ok {
		for _, r := range rs {
			s, _ := r.(string)
			stored = append(stored, s)
		}
	}
	if res, ok := ev["resource"].(map[string]any); ok {
		if name, _ := res["name"].(string); name != "" {
			stored = append(stored, name)
		}
	}
	sorted := slices.Sorted(slices.Values(stored))
	if len(slices.Compact(sorted)) != len(stored) {
		t.Errorf("%s: Cloudforet would store resources %q, a name twice", where, stored)
	}
}

// asCloudforetReads renders an answer as Cloudforet's client hands it on: MessageToDict, proto field names.
func asCloudforetReads(t *testing.T, m proto.Message) map[string]any {
	t.Helper()
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// contractBodies are bodies at the edges of what Cloudforet stores, beside every fixture: keys it refuses or
// cannot route, and times its parser cannot read.
var contractBodies = map[string]string{
	"hostile additional_info keys": `{"event_key": "k", "title": "t", "additional_info": {"$where": "1", "a.b": "2", "a_b": "3", "": "4", "x\u0000y": "5"}}`,
	"year 0000":                    `{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "a", "x.y": "z"}, "startsAt": "0000-06-01T00:00:00Z"}, {"status": "firing", "labels": {"alertname": "b"}, "startsAt": "2024-06-01T00:00:00Z"}]}`,
	"year 10000 by offset":         `{"AlarmName": "a", "NewStateValue": "ALARM", "StateChangeTime": "9999-12-31T23:59:59.000-2359"}`,
	"date only":                    `{"event_key": "k", "title": "t", "occurred_at": "2021-08-23"}`,
	"resource in both forms":       `{"event_key": "k", "title": "t", "resource": {"name": "web-1", "resource_id": "i-1"}}`,
}

// TestAnswersKeepTheCloudforetContract sends every fixture (with options {} and with its source named) and the
// contract bodies through the real server and checks every event against the rules above.
func TestAnswersKeepTheCloudforetContract(t *testing.T) {
	ts := serve(t)
	client := pluginpb.NewEventClient(ts.conn)
	files := sourcetest.Fixtures(t)
	type body struct {
		name string
		data map[string]any
		opts []map[string]any
	}
	var bodies []body
	for _, f := range files {
		bodies = append(bodies, body{f.Name(), f.Data(t), []map[string]any{{}, {"source": f.Source}}})
	}
	for name, text := range contractBodies {
		var data map[string]any
		if err := json.Unmarshal([]byte(text), &data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		bodies = append(bodies, body{name, data, []map[string]any{{}}})
	}
	events := 0
	for _, b := range bodies {
		for _, opts := range b.opts {
			got, err := client.Parse(callCtx(t), &pluginpb.ParseRequest{Options: mustStruct(t, opts), Data: mustStruct(t, b.data)})
			if err != nil {
				// A refusal is Cloudforet's own parse-error event: fine, as long as it is a refusal of the body.
				if st := status.Convert(err); st.Code() != codes.InvalidArgument {
					t.Errorf("%s %v: %v", b.name, opts, err)
				}
				continue
			}
			results, _ := asCloudforetReads(t, got)["results"].([]any) // absent when there are no events
			for i, ev := range results {
				events++
				checkCloudforetEvent(t, b.name+" "+jsonText(opts)+" #"+strconv.Itoa(i), ev.(map[string]any))
			}
		}
	}
	if events < 2*len(files) {
		t.Errorf("only %d events from %d fixtures: the contract checked too little", events, len(files))
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestInitMetadataKeepsTheCloudforetContract checks what WebhookService.create stores whole in the webhook's
// plugin_info.metadata (a DictField), for several option sets: no key Cloudforet refuses, at any depth.
func TestInitMetadataKeepsTheCloudforetContract(t *testing.T) {
	ts := serve(t)
	client := pluginpb.NewWebhookClient(ts.conn)
	for _, opts := range []map[string]any{
		{},
		{"source": "alertmanager"},
		{"source": "aws_sns", "confirm_url": "SubscribeURL", "severity_map": map[string]any{"ALARM": "CRITICAL", "Sev-1": "ERROR"}},
		{"message_root": "message", "load_json": []any{"detail"}, "default_severity": "WARNING", "event_key_fields": []any{"labels.alertname"},
			"convert_data": map[string]any{"title": "{{ labels.alertname }}", "resource": map[string]any{"name": "{{ labels.instance }}"},
				"additional_info": map[string]any{"team_name": "{{ labels.team }}", "runbook": "{{ annotations.runbook_url }}"}}},
	} {
		got, err := client.Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: mustStruct(t, opts)})
		if err != nil {
			t.Fatalf("init %v: %v", opts, err)
		}
		md := asCloudforetReads(t, got)["metadata"]
		if md == nil {
			t.Fatalf("init %v: no metadata", opts)
		}
		checkStorableKeys(t, "metadata "+jsonText(opts), md)
	}
}
