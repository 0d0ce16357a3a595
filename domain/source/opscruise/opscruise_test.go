package opscruise_test

import (
	"strings"
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/opscruise"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	structuredFile = "testdata/cloudforet-test-structured-open-high-anomaly.json"
	emptyTextFile  = "testdata/cloudforet-test-text-empty-disable-notification.json"
)

// structured is a fresh copy of the structured ticket.
func structured(t *testing.T) map[string]any { return sourcetest.ReadJSON(t, structuredFile) }

func ticketOf(doc map[string]any) map[string]any { return doc["ticket"].(map[string]any) }

// ticketYAML is the structured ticket's content as the YAML text Cloudforet's plugin reads (its key names).
const ticketYAML = `Ticket ID: 123f0a67-4567-89dd-aa12-b34a56de7890
Header Message Type: Open
Summary: "Azure vm:ecommerce-vm-02 cpu utilization(92.18) is high"
Description: |
  Azure vm:ecommerce-vm-02 cpu utilization(92.18) is high for the past 1m
Ticket Priority: High
Ticket Escalation: Critical
Target Type: Instance
Target Name: test-01
Target Node:
Target Namespace: NETWORK
Target Pod: ""
Target Container: ~
Ticket Created: 2023-08-30T18:29:38.453Z
Ticket Updated: 2023-08-30T18:32:39.140Z
Ticket URL: https://test.com
`

// textBody is the Telegram-style body with text.
func textBody(text any) map[string]any {
	return map[string]any{"text": text, "disable_notification": "false"}
}

// withLine is ticketYAML with the line of key replaced by line ("" drops it).
func withLine(key, line string) string {
	var out []string
	for _, l := range strings.Split(ticketYAML, "\n") {
		if strings.HasPrefix(l, key+":") {
			if line != "" {
				out = append(out, line)
			}
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func one(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, opscruise.Name, opts, doc)
}

// invalid parses doc as opscruise and returns the field its error names.
func invalid(t *testing.T, doc map[string]any) string {
	t.Helper()
	return sourcetest.InvalidField(t, opscruise.Name, doc)
}

func TestDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"text with disable_notification", textBody("Ticket ID: 1"), true},
		{"empty text", textBody(""), true},
		{"disable_notification a bool", map[string]any{"text": "x", "disable_notification": false}, true},
		{"text alone (Slack style)", map[string]any{"text": "Ticket ID: 1"}, false},
		{"text not text", map[string]any{"text": map[string]any{}, "disable_notification": "false"}, false},
		{"structured", map[string]any{"ticket": map[string]any{"ticketId": nil}, "header": map[string]any{"msgType": nil}}, true},
		{"ticket without ticketId", map[string]any{"ticket": map[string]any{"id": "1"}, "header": map[string]any{"msgType": "Open"}}, false},
		{"header without msgType", map[string]any{"ticket": map[string]any{"ticketId": "1"}, "header": map[string]any{}}, false},
		{"ticket not an object", map[string]any{"ticket": "1", "header": map[string]any{"msgType": "Open"}}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == opscruise.Name) != tt.want {
			t.Errorf("%s: detected %q, want opscruise %v", tt.name, got, tt.want)
		}
	}
}

func TestOpenAndResolvedShareAKey(t *testing.T) {
	open := one(t, nil, structured(t))
	doc := structured(t)
	doc["header"].(map[string]any)["msgType"] = "Resolved"
	resolved := one(t, nil, doc)
	if open.Key != "123f0a67-4567-89dd-aa12-b34a56de7890" || resolved.Key != open.Key {
		t.Errorf("keys %q, %q, want ticket.ticketId for both (Cloudforet's key)", open.Key, resolved.Key)
	}
	if open.Type != event.Alert || resolved.Type != event.Recovery {
		t.Errorf("types %s, %s", open.Type, resolved.Type)
	}
	fromText := one(t, nil, textBody(withLine("Header Message Type", "Header Message Type: Closed")))
	if fromText.Key != open.Key || fromText.Type != event.Recovery {
		t.Errorf("the same ticket as YAML: key %q, type %s", fromText.Key, fromText.Type)
	}
	other := structured(t)
	ticketOf(other)["ticketId"] = "223f0a67"
	if one(t, nil, other).Key == open.Key {
		t.Error("two tickets share a key")
	}
}

func TestEventType(t *testing.T) {
	for msgType, want := range map[any]event.Type{"Open": event.Alert, "Resolved": event.Recovery, "Closed": event.Recovery,
		"RESOLVED": event.Recovery, " closed ": event.Recovery, "Updated": event.Alert, nil: event.Alert, 3.0: event.Alert} {
		doc := structured(t)
		doc["header"].(map[string]any)["msgType"] = msgType
		if got := one(t, nil, doc).Type; got != want {
			t.Errorf("msgType %v: %s, want %s", msgType, got, want)
		}
	}
	if got := one(t, nil, textBody(withLine("Header Message Type", ""))).Type; got != event.Alert {
		t.Errorf("YAML without Header Message Type: %s", got)
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		priority any
		opts     map[string]any
		want     event.Severity
	}{
		{"High", nil, event.Critical},
		{"HIGH", nil, event.Critical},
		{"Medium", nil, event.Warning},
		{"Low", nil, event.Info},
		{"low ", nil, event.Info},
		{"Urgent", nil, event.NotAvailable},
		{nil, nil, event.NotAvailable},
		{"", map[string]any{"default_severity": "ERROR"}, event.Error},
		{"High", map[string]any{"severity_map": map[string]any{"high": "ERROR"}}, event.Error},
	}
	for _, tt := range tests {
		doc := structured(t)
		ticketOf(doc)["priority"] = tt.priority
		if got := one(t, tt.opts, doc).Severity; got != tt.want {
			t.Errorf("priority %v (%v): %s, want %s", tt.priority, tt.opts, got, tt.want)
		}
		line := ""
		if s, ok := tt.priority.(string); ok {
			line = "Ticket Priority: " + s
		}
		if got := one(t, tt.opts, textBody(withLine("Ticket Priority", line))).Severity; got != tt.want {
			t.Errorf("YAML priority %v (%v): %s, want %s", tt.priority, tt.opts, got, tt.want)
		}
	}
}

func TestFields(t *testing.T) {
	for name, e := range map[string]event.Event{"structured": one(t, nil, structured(t)), "YAML": one(t, nil, textBody(ticketYAML))} {
		if e.Title != "Azure vm:ecommerce-vm-02 cpu utilization(92.18) is high" {
			t.Errorf("%s: title %q, want the summary", name, e.Title)
		}
		if strings.TrimSpace(e.Description) != "Azure vm:ecommerce-vm-02 cpu utilization(92.18) is high for the past 1m" {
			t.Errorf("%s: description %q", name, e.Description)
		}
		if e.Resource != (event.Resource{Type: "Instance", Name: "test-01"}) {
			t.Errorf("%s: resource %+v, want the target", name, e.Resource)
		}
		if got := event.FormatTime(e.OccurredAt); got != "2023-08-30T18:32:39.14Z" {
			t.Errorf("%s: occurred_at %s, want the ticket's update", name, got)
		}
		if e.Provider != "opscruise" {
			t.Errorf("%s: provider %q", name, e.Provider)
		}
	}
	doc := structured(t)
	delete(doc, "summary")
	if got := one(t, nil, doc).Title; got != "OpsCruise ticket 123f0a67-4567-89dd-aa12-b34a56de7890" {
		t.Errorf("title without a summary %q", got)
	}
}

func TestStructuredAdditionalInfo(t *testing.T) {
	e := one(t, nil, structured(t))
	want := map[string]string{"ticket_escalation": "Critical", "ticket_url": "https://test.com", "ticket_displayId": "1234",
		"ticket_priority": "High", "ticket_created": "2023-08-30T18:29:38.453Z", "target_vid": "12345678901234567",
		"target_targetNamespace": "NETWORK", "anomaly_model": "RE", "anomaly_propertyClass": "Threshold",
		"tenant_tenantName": "dev-TEST", "header_msgType": "Open"}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for _, k := range []string{"target_targetPod", "description", "summary", "tenant_locale"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info[%s] = %q: empty, or not kept", k, v)
		}
	}
	if e.Account != "dev" {
		t.Errorf("account %q, want tenant.tenantId", e.Account)
	}
}

func TestTextAdditionalInfo(t *testing.T) {
	e := one(t, nil, textBody(ticketYAML))
	want := map[string]string{"Ticket ID": "123f0a67-4567-89dd-aa12-b34a56de7890", "Ticket Escalation": "Critical",
		"Target Namespace": "NETWORK", "Ticket URL": "https://test.com", "Ticket Updated": "2023-08-30T18:32:39.140Z"}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for _, k := range []string{"Description", "Target Node", "Target Pod", "Target Container"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info[%s] = %q: empty, or the description", k, v)
		}
	}
	yamlText := "Ticket ID: 00123\nTicket Priority: 1.50\nLabels:\n  env: prod\n  deep: {a: [1, 2]}\nlabel.with.dots: yes\n"
	e = one(t, nil, textBody(yamlText))
	if e.Key != "00123" {
		t.Errorf("key %q, want the id as written", e.Key)
	}
	for k, v := range map[string]string{"Ticket Priority": "1.50", "Labels_env": "prod", "Labels_deep": `{"a":["1","2"]}`, "label_with_dots": "yes"} {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
}

func TestTimes(t *testing.T) {
	seoul := map[string]any{"source_timezone": "Asia/Seoul"}
	tests := []struct {
		updated string
		opts    map[string]any
		want    string
	}{
		{"2023-08-30T18:32:39.140Z", nil, "2023-08-30T18:32:39.14Z"},
		{"2023-08-30T18:32:39.140Z", seoul, "2023-08-30T18:32:39.14Z"},
		{"2023-08-31T03:32:39+09:00", nil, "2023-08-30T18:32:39Z"},
		{"2023-08-31t03:32:39+09:00", nil, "2023-08-30T18:32:39Z"},
		{"2023-08-31 03:32:39.5 +09:00", nil, "2023-08-30T18:32:39.5Z"},
		{"2023-08-30 18:32:39", nil, "2023-08-30T18:32:39Z"},
		{"2023-8-30 18:32:39", nil, "2023-08-30T18:32:39Z"},
		{"2023-08-31 03:32:39", seoul, "2023-08-30T18:32:39Z"},
		{"2023-08-30", nil, "2023-08-30T00:00:00Z"},
		{"1693420359", nil, "2023-08-30T18:32:39Z"},
		// Unreadable or absent: the ticket's creation, then the time of receipt.
		{"not a time", nil, "2023-08-30T18:29:38.453Z"},
		{"", nil, "2023-08-30T18:29:38.453Z"},
		{"10000-01-01T00:00:00Z", nil, "2023-08-30T18:29:38.453Z"},
	}
	for _, tt := range tests {
		doc := structured(t)
		ticketOf(doc)["updated"] = tt.updated
		e := one(t, tt.opts, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("updated %q (%v): occurred_at %s, want %s", tt.updated, tt.opts, got, tt.want)
		}
		y := one(t, tt.opts, textBody(withLine("Ticket Updated", "Ticket Updated: "+tt.updated)))
		if got := event.FormatTime(y.OccurredAt); got != tt.want {
			t.Errorf("YAML Ticket Updated %q (%v): occurred_at %s, want %s", tt.updated, tt.opts, got, tt.want)
		}
	}
	doc := structured(t)
	ticketOf(doc)["updated"], ticketOf(doc)["created"] = "soon", nil
	e := one(t, nil, doc)
	if !e.OccurredAt.Equal(sourcetest.Received) || e.AdditionalInfo["ticket_updated"] != "soon" {
		t.Errorf("no readable time: occurred_at %s, ticket_updated %q", event.FormatTime(e.OccurredAt), e.AdditionalInfo["ticket_updated"])
	}
}

func TestEmptyTextIsInvalid(t *testing.T) {
	// The real body: Cloudforet's plugin crashes on it. No ticket means no key: the error names the field.
	if got := invalid(t, sourcetest.ReadJSON(t, emptyTextFile)); got != "Ticket ID" {
		t.Errorf("the empty text: error names %q, want Ticket ID", got)
	}
	for _, text := range []any{" \n\t ", nil, "---\n", "# only a comment\n"} {
		if got := invalid(t, textBody(text)); got != "Ticket ID" {
			t.Errorf("text %q: error names %q, want Ticket ID", text, got)
		}
	}
}

func TestInvalidPayloads(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'k'; i++ {
		laughs += string(i) + ": &" + string(i) + " [*" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + "]\n"
	}
	laughs += "Ticket ID: *k\n"
	tests := []struct {
		name  string
		doc   map[string]any
		field string
	}{
		{"YAML without Ticket ID", textBody(withLine("Ticket ID", "")), "Ticket ID"},
		{"Ticket ID empty", textBody(withLine("Ticket ID", "Ticket ID: ''")), "Ticket ID"},
		{"Ticket ID null", textBody(withLine("Ticket ID", "Ticket ID: null")), "Ticket ID"},
		{"text a sentence", textBody("CPU is high on test-01"), "Ticket ID"},
		{"text a YAML list", textBody("- Ticket ID: 1\n"), "Ticket ID"},
		{"text not YAML", textBody("Ticket ID: [1\n"), "text"},
		{"text not text", textBody(12.0), "text"},
		{"text over 64 KiB", textBody("Ticket ID: 1\nSummary: " + strings.Repeat("x", 64<<10) + "\n"), "text"},
		{"billion laughs", textBody(laughs), "text"},
		{"an alias", textBody("x: &id 1\nTicket ID: *id\n"), "text"},
		{"too deep", textBody(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), "text"},
		{"neither ticket nor text", map[string]any{"disable_notification": "false"}, "text"},
		{"ticket not an object", map[string]any{"ticket": "x", "header": map[string]any{"msgType": "Open"}}, "ticket"},
		{"no ticketId", map[string]any{"ticket": map[string]any{"priority": "High"}, "header": map[string]any{"msgType": "Open"}}, "ticket.ticketId"},
		{"empty ticketId", map[string]any{"ticket": map[string]any{"ticketId": " "}}, "ticket.ticketId"},
	}
	for _, tt := range tests {
		start := time.Now()
		if got := invalid(t, tt.doc); got != tt.field {
			t.Errorf("%s: error names %q, want %q", tt.name, got, tt.field)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: took %s", tt.name, d)
		}
	}
	ok := one(t, nil, textBody(withLine("Summary", "Summary: "+strings.Repeat("x", 60<<10))))
	if len(ok.Title) != 60<<10 {
		t.Errorf("a text under 64 KiB: title of %d bytes", len(ok.Title))
	}
}

func TestNeverFailsOnOptionalFields(t *testing.T) {
	base := structured(t)
	for _, obj := range []string{"header", "target", "tenant", "anomaly", "summary", "description"} {
		for _, v := range []any{"absent", nil, "", 4.0, []any{1.0}, map[string]any{"x": map[string]any{"y": 1.0}}} {
			doc := structured(t)
			if v == "absent" {
				delete(doc, obj)
			} else {
				doc[obj] = v
			}
			if e := one(t, map[string]any{"source": "opscruise"}, doc); e.Key != "123f0a67-4567-89dd-aa12-b34a56de7890" || e.Title == "" {
				t.Errorf("%s = %v: key %q, title %q", obj, v, e.Key, e.Title)
			}
		}
	}
	for k := range ticketOf(base) {
		if k == "ticketId" {
			continue
		}
		for _, v := range []any{nil, 7.0, true, map[string]any{}} {
			doc := structured(t)
			ticketOf(doc)[k] = v
			if e := one(t, nil, doc); e.Key == "" {
				t.Errorf("ticket.%s = %v: no key", k, v)
			}
		}
	}
	e := one(t, nil, textBody("Ticket ID: 7"))
	if e.Key != "7" || e.Type != event.Alert || e.Severity != event.NotAvailable || !e.OccurredAt.Equal(sourcetest.Received) || e.Title == "" {
		t.Errorf("a YAML ticket with only its id: %+v", e)
	}
}
