package cloudforet_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
	ampluginpb "github.com/monhook/monhook/proto/spaceone/api/alert_manager/plugin"
)

var at = time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("", 3600))

// full is an event with every field the monitoring protocol carries.
func full() event.Event {
	return event.Event{
		Key: "k1", Type: event.Recovery, Title: "t", Description: "d", Severity: event.Warning,
		Resource: event.Resource{ID: "i-0abc", Type: "AWS/EC2", Name: "InstanceId=i-0abc"},
		Rule:     "r", OccurredAt: at, ImageURL: "https://img", Provider: "aws", Account: "123456789012",
		AdditionalInfo: map[string]string{"AlarmName": "cpu", "empty": ""},
	}
}

// wire renders one Alert Manager EventInfo as Cloudforet's client reads it (MessageToDict, proto field names).
func wire(t *testing.T, e event.Event) string {
	t.Helper()
	out := cloudforet.AlertManagerEventsInfo([]event.Event{e})
	if len(out.GetResults()) != 1 {
		t.Fatalf("%d results for one event", len(out.GetResults()))
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(out.GetResults()[0])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), "")
}

// TestAlertManagerEventInfoMapsEveryField pins the README's mapping, field by field, with the enum numbers the
// Alert Manager's plugin protocol gives them.
func TestAlertManagerEventInfoMapsEveryField(t *testing.T) {
	want := `{"event_key":"k1","event_type":"RECOVERY","title":"t","description":"d","severity":"WARNING","rule":"r",` +
		`"image_url":"https://img","resources":["InstanceId=i-0abc"],"additional_info":{"AlarmName":"cpu",` +
		`"account":"123456789012","provider":"aws","resource_id":"i-0abc","resource_type":"AWS/EC2"},` +
		`"occurred_at":"2026-01-02T02:04:05.6Z"}`
	if got := wire(t, full()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	info := cloudforet.AlertManagerEventsInfo([]event.Event{full(), {Key: "k2", Type: event.Alert, Severity: event.Critical, OccurredAt: at}})
	if n := info.GetResults()[0].GetEventType().Number(); n != 1 {
		t.Errorf("RECOVERY is %d on the wire, want 1", n)
	}
	if n := info.GetResults()[1].GetEventType().Number(); n != 2 {
		t.Errorf("ALERT is %d on the wire, want 2", n)
	}
	if n := info.GetResults()[1].GetSeverity().Number(); n != 1 {
		t.Errorf("CRITICAL is %d on the wire, want 1", n)
	}
	// No resource name, no resources: the Alert Manager would store an empty one.
	if got := info.GetResults()[1].GetResources(); got != nil {
		t.Errorf("resources = %q for an event without a resource", got)
	}
}

func TestAlertManagerSeverities(t *testing.T) {
	for _, tt := range []struct {
		sev        event.Severity
		want, kept string // kept: additional_info.monitoring_severity, "" for none
	}{
		{event.Critical, "CRITICAL", ""},
		{event.Error, "ERROR", ""},
		{event.Warning, "WARNING", ""},
		{event.Info, "INFO", ""},
		// No NOT_AVAILABLE in the Alert Manager: an unknown level still pages, as ERROR.
		{event.NotAvailable, "ERROR", "NOT_AVAILABLE"},
		// NONE would be EVENT_SEVERITY_NONE, proto3's "not set": INFO is the harmless level the Alert Manager names.
		{event.None, "INFO", "NONE"},
	} {
		e := event.Event{Key: "k", Type: event.Alert, Severity: tt.sev, OccurredAt: at}
		r := cloudforet.AlertManagerEventsInfo([]event.Event{e}).GetResults()[0]
		if got := r.GetSeverity().String(); got != tt.want {
			t.Errorf("%s: severity %s, want %s", tt.sev, got, tt.want)
		}
		kept := r.GetAdditionalInfo().GetFields()["monitoring_severity"].GetStringValue()
		if kept != tt.kept {
			t.Errorf("%s: monitoring_severity %q, want %q", tt.sev, kept, tt.kept)
		}
	}
}

// TestAlertManagerExtrasNeverRenameTheSourcesKeys: the source's own entries keep their names and values; the
// moved fields take the first free name, and are left out where the event already says the same.
func TestAlertManagerExtrasNeverRenameTheSourcesKeys(t *testing.T) {
	for _, tt := range []struct {
		name string
		info map[string]string
		sev  event.Severity
		want string // the additional_info written
	}{
		{"taken by another value", map[string]string{"provider": "prometheus", "provider_2": "x"}, event.Warning,
			`{"account":"123456789012","provider":"prometheus","provider_2":"x","provider_3":"aws","resource_id":"i-0abc","resource_type":"AWS/EC2"}`},
		{"the same value", map[string]string{"account": "123456789012", "resource_type": "AWS/EC2"}, event.Warning,
			`{"account":"123456789012","provider":"aws","resource_id":"i-0abc","resource_type":"AWS/EC2"}`},
		{"an empty value is no entry", map[string]string{"provider": ""}, event.Warning,
			`{"account":"123456789012","provider":"aws","resource_id":"i-0abc","resource_type":"AWS/EC2"}`},
		{"the source's own severity", map[string]string{"severity": "Sev4", "monitoring_severity": "p1"}, event.NotAvailable,
			`{"account":"123456789012","monitoring_severity":"p1","monitoring_severity_2":"NOT_AVAILABLE","provider":"aws","resource_id":"i-0abc","resource_type":"AWS/EC2","severity":"Sev4"}`},
	} {
		e := full()
		e.AdditionalInfo, e.Severity = tt.info, tt.sev
		got := wire(t, e)
		_, rest, _ := strings.Cut(got, `"additional_info":`)
		ai, _, _ := strings.Cut(rest, `,"occurred_at"`)
		if ai != tt.want {
			t.Errorf("%s: additional_info\n got %s\nwant %s", tt.name, ai, tt.want)
		}
	}
}

// TestAlertManagerAnswersStayWithinTheBudget holds the Alert Manager's answer to the bound the domain's budget
// checks (sourcekit.EncodedSize) plus the 64 bytes per event the server's send limit adds to max_answer_bytes:
// an answer the budget admits is never refused by grpc-go for its size, on either protocol. Every bundled body's
// events, and events whose moved fields all collide, take the worst case.
func TestAlertManagerAnswersStayWithinTheBudget(t *testing.T) {
	var events []event.Event
	for _, f := range sourcetest.Fixtures(t) {
		if res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": f.Source}), f.Data(t)); err == nil {
			events = append(events, res.Events...)
		}
	}
	worst := full()
	worst.Severity = event.NotAvailable
	worst.Resource.Name = strings.Repeat("n", 300)
	worst.AdditionalInfo = map[string]string{}
	for _, k := range []string{"provider", "account", "resource_id", "resource_type", "monitoring_severity"} {
		for _, suffix := range []string{"", "_2", "_3", "_4", "_5", "_6", "_7", "_8", "_9"} {
			worst.AdditionalInfo[k+suffix] = "taken"
		}
	}
	events = append(events, worst, event.Event{Key: "k", Type: event.Alert, Severity: event.None, OccurredAt: at})
	if len(events) < 100 {
		t.Fatalf("only %d events from the bundled bodies", len(events))
	}
	for i, e := range events {
		one := cloudforet.AlertManagerEventsInfo([]event.Event{e})
		if got, bound := proto.Size(one), sourcekit.EncodedSize(e)+64; got > bound {
			t.Errorf("event %d (%s): %d bytes on the Alert Manager's wire, over the %d the budget allows", i, e.Key, got, bound)
		}
		for k := range one.GetResults()[0].GetAdditionalInfo().GetFields() {
			if k == "" || strings.ContainsAny(k, ".\x00") || strings.HasPrefix(k, "$") {
				t.Errorf("event %d: additional_info key %q cannot be stored or addressed by a rule", i, k)
			}
		}
	}
	// And the same events in one answer, both protocols side by side: the same events, in the same order.
	am, mon := cloudforet.AlertManagerEventsInfo(events).GetResults(), cloudforet.EventsInfo(events).GetResults()
	for i := range events {
		if am[i].GetEventKey() != mon[i].GetEventKey() || am[i].GetOccurredAt() != mon[i].GetOccurredAt() ||
			am[i].GetEventType().String() != mon[i].GetEventType() || am[i].GetTitle() != mon[i].GetTitle() {
			t.Errorf("event %d differs between the protocols: %v / %v", i, am[i], mon[i])
		}
	}
}

// TestEventTypesAreNamedAlike: every domain event type has an Alert Manager value named as the monitoring
// protocol's string, so a client reading names sees the same type on both.
func TestEventTypesAreNamedAlike(t *testing.T) {
	for _, typ := range []event.Type{event.Alert, event.Recovery} {
		r := cloudforet.AlertManagerEventsInfo([]event.Event{{Key: "k", Type: typ, Severity: event.Info, OccurredAt: at}}).GetResults()[0]
		if r.GetEventType() == ampluginpb.EventType_EVENT_TYPE_NONE || r.GetEventType().String() != string(typ) {
			t.Errorf("%s is %v on the Alert Manager's wire", typ, r.GetEventType())
		}
	}
}
