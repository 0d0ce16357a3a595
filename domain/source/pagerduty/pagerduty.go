// Package pagerduty reads PagerDuty's webhooks about incidents, for a Cloudforet project that follows what PagerDuty
// pages on: webhooks v3 (one event per webhook) and the retired v1 and v2 extensions (a messages list). Every event
// of one incident shares its key, and its resolution resolves it; webhooks about anything else (services, pings,
// an incident's notes or responders) give no event.
package pagerduty

import (
	"embed"
	"fmt"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "pagerduty"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: detect, Parse: parse, Examples: kit.Examples(testdata)}

// detect: a v3 webhook is an event object naming its event_type and resource_type (Sentry's and Zabbix's event
// objects have neither); a v1 or v2 one is a messages list whose items name an incident.* type (v1) or event (v2).
func detect(doc map[string]any) bool {
	if ev, ok := doc["event"].(map[string]any); ok && kit.Has(ev, "event_type", "resource_type") {
		return true
	}
	list, _ := doc["messages"].([]any)
	for _, item := range list {
		if m, ok := item.(map[string]any); ok && isIncident(m) {
			return true
		}
	}
	return false
}

// isIncident reports whether a v1 or v2 message is about an incident.
func isIncident(m map[string]any) bool {
	return strings.HasPrefix(messageType(m), "incident.")
}

// messageType is a v1 message's type or a v2 message's event.
func messageType(m map[string]any) string {
	if t, ok := m["type"].(string); ok {
		return t
	}
	t, _ := m["event"].(string)
	return t
}

// priorities is the table from PagerDuty's default priorities; an account may rename them or add its own, which
// severity_map can name.
var priorities = kit.Levels{
	"p1": event.Critical,
	"p2": event.Error,
	"p3": event.Warning,
	"p4": event.Info,
	"p5": event.Info,
}

// urgencies gives the severity of an incident without a priority (accounts without priorities have none).
var urgencies = kit.Levels{
	"high": event.Error,
	"low":  event.Info,
}

func parse(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	if ev, ok := doc["event"].(map[string]any); ok {
		return parseV3(ev, c)
	}
	if kit.Has(doc, "messages") {
		return parseMessages(doc, c)
	}
	return nil, kit.Invalid(Name, "event", "is missing or not an object")
}

// parseV3 reads a webhook v3 body: one event, about an incident when its resource_type says so.
func parseV3(ev map[string]any, c *kit.Call) ([]kit.Alert, error) {
	eventType := kit.Filled(ev["event_type"])
	rt := kit.Filled(ev["resource_type"])
	if rt == "" {
		return nil, kit.Invalid(Name, "event.resource_type", "is missing or empty")
	}
	if event.FoldLevel(rt) != "incident" {
		c.Notice("the PagerDuty event " + kit.Shorten(eventType) + " is about a " + kit.Shorten(rt) + ", not an incident: no event")
		return nil, nil
	}
	data, ok := ev["data"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "event.data", "is not an object")
	}
	// incident.annotated, .responder.added, .status_update_published, .conference_bridge.updated, .workflow.*
	// carry a note, a responder or a workflow that refers to the incident: they say nothing of its state, and
	// read as the incident they would reopen one that is resolved.
	if dt, ok := data["type"].(string); ok && event.FoldLevel(dt) != "incident" {
		c.Notice("the PagerDuty event " + kit.Shorten(eventType) + " carries a " + kit.Shorten(dt) + ", not the incident's state: no event")
		return nil, nil
	}
	id := kit.Filled(data["id"])
	if id == "" {
		return nil, kit.Invalid(Name, "event.data.id", "is missing or empty")
	}
	in := incident{
		id:       id,
		number:   data["number"],
		title:    kit.Filled(data["title"]),
		status:   kit.Filled(data["status"]),
		urgency:  kit.Filled(data["urgency"]),
		priority: summary(data["priority"]),
		key:      data["incident_key"],
		url:      data["html_url"],
		policy:   summary(data["escalation_policy"]),
		service:  kit.Obj(data, "service"),
	}
	for _, u := range asList(data["assignees"]) {
		in.assignees = append(in.assignees, summary(u))
	}
	a := in.alert(eventType, "incident.resolved", data)
	a.SetTime("occurred_at", ev["occurred_at"], kit.ReadTime, c.Received)
	put(a.AdditionalInfo, "event_id", ev["id"])
	put(a.AdditionalInfo, "agent", summary(ev["agent"]))
	return []kit.Alert{a}, nil
}

// parseMessages reads a v1 or v2 body: one event per message about an incident.
func parseMessages(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	list, err := c.List(Name, doc, "messages")
	if err != nil {
		return nil, err
	}
	out := make([]kit.Alert, 0, len(list))
	for i, item := range list {
		if err := c.Alive(); err != nil {
			return nil, err
		}
		m, ok := item.(map[string]any)
		if !ok {
			return nil, kit.Invalid(Name, fmt.Sprintf("messages[%d]", i), "is not an object")
		}
		if !isIncident(m) {
			continue
		}
		a, err := message(m, i, c)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		c.Notice("the PagerDuty messages are not about incidents: no event")
	}
	return out, nil
}

// message reads one v1 message (the incident under data.incident) or v2 message (under incident).
func message(m map[string]any, i int, c *kit.Call) (kit.Alert, error) {
	field, v := fmt.Sprintf("messages[%d].incident", i), m["incident"]
	if kit.Has(m, "data") {
		field, v = fmt.Sprintf("messages[%d].data.incident", i), kit.Obj(m, "data")["incident"]
	}
	inc, ok := v.(map[string]any)
	if !ok {
		return kit.Alert{}, kit.Invalid(Name, field, "is missing or not an object")
	}
	id := kit.Filled(inc["id"])
	if id == "" {
		return kit.Alert{}, kit.Invalid(Name, field+".id", "is missing or empty")
	}
	service := kit.Obj(inc, "service")
	trigger := kit.Obj(inc, "trigger_summary_data") // v1's title, from the event that triggered the incident
	in := incident{
		id:       id,
		number:   inc["incident_number"],
		title:    kit.FirstNonEmpty(kit.Filled(inc["title"]), kit.Filled(trigger["subject"]), kit.Filled(trigger["description"])),
		status:   kit.Filled(inc["status"]),
		urgency:  kit.Filled(inc["urgency"]),
		priority: summary(inc["priority"]),
		key:      inc["incident_key"],
		url:      inc["html_url"],
		policy:   summary(inc["escalation_policy"]),
		service:  map[string]any{"id": service["id"], "summary": kit.FirstNonEmpty(kit.Filled(service["summary"]), kit.Filled(service["name"]))},
	}
	if d := kit.Filled(inc["description"]); d != in.title {
		in.description = d
	}
	for _, x := range asList(inc["assignments"]) { // v2
		in.assignees = append(in.assignees, summary(kit.Obj(asMap(x), "assignee")))
	}
	for _, x := range asList(inc["assigned_to"]) { // v1
		in.assignees = append(in.assignees, summary(kit.Obj(asMap(x), "object")))
	}
	a := in.alert(messageType(m), "incident.resolve", inc)
	a.SetTime("created_on", m["created_on"], kit.ReadTime, c.Received)
	put(a.AdditionalInfo, "event_id", m["id"])
	agent := summary(kit.Obj(inc, "last_status_change_by"))
	if entries := asList(m["log_entries"]); len(entries) > 0 { // v2: the log entry that made the message
		agent = kit.FirstNonEmpty(summary(kit.Obj(asMap(entries[0]), "agent")), agent)
	}
	put(a.AdditionalInfo, "agent", agent)
	return a, nil
}

// incident is what every version says of an incident.
type incident struct {
	id, title, description, status, urgency, priority, policy string
	number, key, url                                          any
	service                                                   map[string]any
	assignees                                                 []string
}

// alert is the incident's event for a webhook of type eventType; resolvedType is the type that resolves it in
// that version. scope is the incident's own object.
func (in incident) alert(eventType, resolvedType string, scope map[string]any) kit.Alert {
	a := kit.Alert{Scope: scope}
	a.Key = kit.HashKey(Name, "incident", in.id)
	a.Type = event.Alert
	// A resolved incident stays resolved whatever else a later webhook (a v2 annotation) says of it.
	if event.FoldLevel(eventType) == resolvedType || event.FoldLevel(in.status) == "resolved" {
		a.Type = event.Recovery
	}
	// The priority decides when the incident has one; severity_map sees it, else the urgency.
	a.Level = kit.FirstNonEmpty(in.priority, in.urgency)
	sev, ok := priorities.Lookup(in.priority)
	if !ok {
		sev = urgencies.Of(in.urgency)
	}
	a.Severity = sev
	number := kit.Filled(in.number)
	a.Title = in.title
	if a.Title == "" && number != "" {
		a.Title = "PagerDuty incident #" + number
	}
	a.Description = in.description
	a.Rule = in.policy
	if name := kit.Filled(in.service["summary"]); name != "" {
		a.Resource = event.Resource{ID: kit.Filled(in.service["id"]), Type: "pagerduty.service", Name: name}
	}
	a.Provider = "pagerduty"

	info := map[string]string{}
	put(info, "incident_id", in.id)
	put(info, "event_type", eventType)
	put(info, "status", in.status)
	put(info, "urgency", in.urgency)
	put(info, "priority", in.priority)
	put(info, "incident_number", number)
	put(info, "incident_key", in.key)
	put(info, "assignees", strings.Join(nonEmpty(in.assignees), ","))
	put(info, "escalation_policy", in.policy)
	put(info, "service_id", in.service["id"])
	put(info, "url", in.url)
	a.AdditionalInfo = info
	return a
}

// summary names one of PagerDuty's references (a service, user, priority or escalation policy): its summary (v2,
// v3), else its name (v1); a reference sent as text is its own name.
func summary(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return kit.Filled(v)
	}
	return kit.FirstNonEmpty(kit.Filled(m["summary"]), kit.Filled(m["name"]))
}

func put(info map[string]string, key string, v any) {
	if s, ok := v.(string); ok {
		v = kit.Filled(s)
	}
	kit.Put(info, key, v)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
