// Package opscruise reads OpsCruise (Virtana) ticket notifications: the structured JSON ticket and the
// Telegram-style body whose text holds the ticket as YAML.
package opscruise

import (
	"embed"
	"errors"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "opscruise"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: detect, Parse: parse, Examples: kit.Examples(testdata)}

// detect: the structured body has a ticket with its id and a header with its message type; the YAML body has
// text beside disable_notification. A body with text alone is what every chat webhook takes (Slack's), so it is
// not taken for OpsCruise.
func detect(doc map[string]any) bool {
	if _, ok := doc["text"].(string); ok && kit.Has(doc, "disable_notification") {
		return true
	}
	return kit.Has(kit.Obj(doc, "ticket"), "ticketId") && kit.Has(kit.Obj(doc, "header"), "msgType")
}

// maxText bounds the YAML text read: a rendered ticket is a few hundred bytes.
const maxText = 64 << 10

// priorities is the default table from the ticket's priority.
var priorities = kit.Levels{
	"high":   event.Critical,
	"medium": event.Warning,
	"low":    event.Info,
}

// ticket is what both bodies say of a ticket, read from their own field names.
type ticket struct {
	id, msgType, priority, summary, description string
	updated, created                            string // the times, as written
	targetName, targetType                      string
	account                                     string
	updatedField, createdField                  string // the times' field names, for additional_info
	scope                                       map[string]any
	info                                        map[string]string
}

// parse reads one ticket: the structured body when it has a ticket, else the YAML in its text.
func parse(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	var t ticket
	var err error
	switch {
	case kit.Has(doc, "ticket"):
		t, err = readStructured(doc)
	case kit.Has(doc, "text"):
		t, err = readText(doc)
	default:
		err = kit.Invalid(Name, "text", "is missing: an OpsCruise body carries its ticket as YAML in text, or as a ticket object")
	}
	if err != nil {
		return nil, err
	}
	return []kit.Alert{t.alert(c)}, nil
}

// alert makes the event of t: the ticket's id is the key of its ALERT and its RECOVERY.
func (t ticket) alert(c *kit.Call) kit.Alert {
	a := kit.Alert{Scope: t.scope, Level: t.priority}
	a.Key = t.id
	a.Type = event.Alert
	if m := strings.ToLower(t.msgType); m == "resolved" || m == "closed" {
		a.Type = event.Recovery
	}
	a.Severity = priorities.Of(t.priority)
	a.Title = kit.FirstNonEmpty(t.summary, "OpsCruise ticket "+t.id)
	a.Description = t.description
	read := ticketTime(c.Zone)
	if !a.SetTime(t.updatedField, t.updated, read, c.Received) {
		a.SetTime(t.createdField, t.created, read, a.OccurredAt)
	}
	a.Resource = event.Resource{Type: t.targetType, Name: t.targetName}
	a.Provider = "opscruise"
	a.Account = t.account
	a.AdditionalInfo = t.info
	return a
}

// readStructured reads the JSON ticket OpsCruise sent first ({anomaly, description, header, summary, target,
// tenant, ticket}).
func readStructured(doc map[string]any) (ticket, error) {
	tk, ok := doc["ticket"].(map[string]any)
	if !ok {
		return ticket{}, kit.Invalid(Name, "ticket", "is not an object")
	}
	t := ticket{scope: doc, updatedField: "ticket.updated", createdField: "ticket.created"}
	if t.id = str(tk, "ticketId"); t.id == "" {
		return ticket{}, kit.Invalid(Name, "ticket.ticketId", "is missing or empty")
	}
	header, target, tenant := kit.Obj(doc, "header"), kit.Obj(doc, "target"), kit.Obj(doc, "tenant")
	t.msgType = str(header, "msgType")
	t.priority = str(tk, "priority")
	t.summary = str(doc, "summary")
	t.description = kit.Text(doc["description"])
	t.updated, t.created = str(tk, "updated"), str(tk, "created")
	t.targetName, t.targetType = str(target, "name"), str(target, "type")
	t.account = str(tenant, "tenantId")

	t.info = map[string]string{}
	for _, k := range []string{"ticket", "target", "anomaly"} {
		if m, ok := doc[k].(map[string]any); ok {
			kit.Flatten(t.info, k, m, 1)
		}
	}
	kit.Put(t.info, "tenant.tenantName", tenant["tenantName"])
	kit.Put(t.info, "header.msgType", header["msgType"])
	kit.Put(t.info, "header.msgSubType", header["msgSubType"])
	return t, nil
}

// readText reads the body OpsCruise has sent since Cloudforet's plugin 1.0.2: {"text": "<YAML>",
// "disable_notification": "false"}, the YAML a flat map of "Ticket ID", "Summary", ... Every key of it is kept in
// additional_info under its own name, as Cloudforet's plugin kept it.
func readText(doc map[string]any) (ticket, error) {
	raw := doc["text"]
	s, ok := raw.(string)
	if !ok && raw != nil {
		return ticket{}, kit.Invalid(Name, "text", "is not text")
	}
	if len(s) > maxText {
		return ticket{}, kit.Invalid(Name, "text", "is %d bytes, more than the %d an OpsCruise ticket can need", len(s), maxText)
	}
	if strings.TrimSpace(s) == "" {
		return ticket{}, kit.Invalid(Name, "Ticket ID", "is missing: text is empty, so the body holds no ticket")
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(s), &root); err != nil {
		return ticket{}, kit.Invalid(Name, "text", "is not YAML (%s)", kit.Shorten(err.Error()))
	}
	v, err := yamlValue(&root)
	if err != nil {
		return ticket{}, kit.Invalid(Name, "text", "%s", err.Error())
	}
	m, ok := v.(map[string]any)
	if !ok {
		return ticket{}, kit.Invalid(Name, "Ticket ID", "is missing: text is not a YAML map of ticket fields")
	}
	t := ticket{scope: m, updatedField: "Ticket Updated", createdField: "Ticket Created"}
	if t.id = str(m, "Ticket ID"); t.id == "" {
		return ticket{}, kit.Invalid(Name, "Ticket ID", "is missing or empty in text")
	}
	t.msgType = str(m, "Header Message Type")
	t.priority = str(m, "Ticket Priority")
	t.summary = str(m, "Summary")
	t.description = kit.Text(m["Description"])
	t.updated, t.created = str(m, "Ticket Updated"), str(m, "Ticket Created")
	t.targetName, t.targetType = str(m, "Target Name"), str(m, "Target Type")

	t.info = map[string]string{}
	for k, v := range m {
		if k != "Description" { // the description already
			kit.Flatten(t.info, k, v, 1)
		}
	}
	return t, nil
}

// errAlias refuses YAML aliases: no ticket uses them, and expanding them is how a small text becomes a huge
// document ("billion laughs"). The text is parsed into nodes, which never expands one, and refused on the first.
var errAlias = errors.New("uses a YAML alias (*name), which no OpsCruise ticket has")

// yamlValue turns parsed YAML into the values a JSON body holds. Scalars stay the text they were written as
// ("00123" is not the number 123), null is nil, and a key that is not text is written as JSON text.
func yamlValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return nil, errAlias
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := yamlValue(n.Content[i])
			if err != nil {
				return nil, err
			}
			v, err := yamlValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[kit.Text(k)] = v // a repeated key: the last one wins, as in PyYAML
		}
		return out, nil
	}
	return nil, nil
}

// str is the text at key of m, trimmed.
func str(m map[string]any, key string) string { return strings.TrimSpace(kit.Text(m[key])) }

// ticketTime reads a ticket time: RFC 3339 ("2023-08-30T18:32:39.140Z") or any YAML timestamp; one without an
// offset is in zone (source_timezone, UTC unless set). What neither reads goes to kit.ReadTime (an epoch).
func ticketTime(zone *time.Location) func(any) (time.Time, bool) {
	if zone == nil {
		zone = time.UTC
	}
	return func(v any) (time.Time, bool) {
		s, _ := v.(string)
		s = strings.TrimSpace(s)
		for _, layout := range zoned {
			if t, err := time.Parse(layout, s); err == nil {
				return kit.InRange(t)
			}
		}
		for _, layout := range unzoned {
			if t, err := time.ParseInLocation(layout, s, zone); err == nil {
				return kit.InRange(t)
			}
		}
		return kit.ReadTime(v)
	}
}

// zoned and unzoned are the forms of a YAML timestamp (yaml.org/type/timestamp): a T, a t or spaces between date
// and time, an offset or Z after spaces or none, a date alone.
var (
	zoned = []string{
		time.RFC3339Nano,
		"2006-1-2T15:4:5.999999999Z07:00",
		"2006-1-2t15:4:5.999999999Z07:00",
		"2006-1-2 15:4:5.999999999Z07:00",
		"2006-1-2 15:4:5.999999999 Z07:00",
	}
	unzoned = []string{
		"2006-1-2T15:4:5.999999999",
		"2006-1-2t15:4:5.999999999",
		"2006-1-2 15:4:5.999999999",
		"2006-1-2",
	}
)
