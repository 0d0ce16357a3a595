// Package graylog reads Graylog's HTTP notifications: the event notification of Graylog 3.1 and later (one event of
// an event definition, with its group-by key) and the HTTP alarm callback of Graylog 3.0 and earlier (a stream's
// alert condition and its check result). Graylog sends no notification when a condition stops holding, so an
// event notification never resolves an alert.
package graylog

import (
	"embed"
	"slices"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "graylog"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: detect, Parse: parse, Examples: kit.Examples(testdata)}

// detect: an event notification has its definition's id and type beside the event object; an alarm callback has a
// check_result object beside its stream object.
func detect(doc map[string]any) bool {
	if _, ok := doc["event"].(map[string]any); ok && kit.Has(doc, "event_definition_id", "event_definition_type") {
		return true
	}
	_, isResult := doc["check_result"].(map[string]any)
	_, isStream := doc["stream"].(map[string]any)
	return isResult && isStream
}

// priorities is the default table from event.priority: Graylog's Low, Normal (Medium) and High, and the Critical
// that newer versions add.
var priorities = kit.Levels{
	"1": event.Info,
	"2": event.Warning,
	"3": event.Error,
	"4": event.Critical,
}

// maxMessage bounds the backlog message quoted in a description: a log line can be a whole stack trace, and the
// body's start says what it is.
const maxMessage = 4 << 10

// parse reads an alarm callback when the body has a check_result, else an event notification.
func parse(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	if kit.Has(doc, "check_result") {
		return legacy(doc, c)
	}
	return notification(doc, c)
}

// notification reads one event. Its key is the event definition and the event's group-by key, never event.id: that
// is new for every firing, and would open a new alert each time the definition is evaluated.
func notification(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	ev, ok := doc["event"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "event", "is not an object")
	}
	definition := kit.FirstNonEmpty(kit.Filled(doc["event_definition_id"]), kit.Filled(ev["event_definition_id"]))
	if definition == "" {
		return nil, kit.Invalid(Name, "event_definition_id", "is missing or empty")
	}
	groupKey := kit.Filled(ev["key"])
	a := kit.Alert{}
	a.Key = kit.HashKey(Name, "event", definition, groupKey)
	a.Type = event.Alert
	a.Level = kit.Filled(ev["priority"])
	a.Severity = priorities.Of(a.Level)
	message := kit.Filled(ev["message"])
	title := kit.Filled(doc["event_definition_title"])
	a.Title = kit.FirstNonEmpty(title, message)
	backlog, _ := doc["backlog"].([]any)
	a.Description = kit.JoinNonEmpty("\n\n", message, kit.Filled(doc["event_definition_description"]), firstMessage(backlog))
	a.Rule = title
	if !a.SetTime("event.timestamp", ev["timestamp"], kit.ReadTime, c.Received) {
		a.SetTime("event.timestamp_processing", ev["timestamp_processing"], kit.ReadTime, a.OccurredAt)
	}
	groups := kit.Obj(ev, "group_by_fields")
	a.Resource = event.Resource{Type: "graylog.event", Name: kit.FirstNonEmpty(groupKey, groupValues(groups))}
	a.Provider = "graylog"

	info := map[string]string{}
	for k, v := range map[string]any{
		"event_id":              ev["id"],
		"event_definition_type": kit.FirstNonEmpty(kit.Filled(doc["event_definition_type"]), kit.Filled(ev["event_definition_type"])),
		"event_definition_id":   definition,
		"priority":              ev["priority"],
		"alert":                 ev["alert"],
		"source":                ev["source"],
		"streams":               ev["streams"],
		"source_streams":        ev["source_streams"],
		"origin_context":        ev["origin_context"],
		"timerange_start":       ev["timerange_start"],
		"timerange_end":         ev["timerange_end"],
		"replay_query":          kit.Obj(ev, "replay_info")["query"],
		"job_definition_id":     known(doc["job_definition_id"]),
		"job_trigger_id":        known(doc["job_trigger_id"]),
	} {
		kit.Put(info, k, v)
	}
	for k, v := range kit.Obj(ev, "fields") {
		kit.Put(info, "field."+k, v)
	}
	for k, v := range groups {
		kit.Put(info, "group."+k, v)
	}
	if backlog != nil {
		kit.Put(info, "backlog_count", float64(len(backlog)))
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// legacy reads the body of the HTTP alarm callback of Graylog 3.0 and earlier: one stream's triggered condition.
func legacy(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	result, ok := doc["check_result"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "check_result", "is not an object")
	}
	stream := kit.Obj(doc, "stream")
	cond := kit.Obj(result, "triggered_condition")
	streamID, condID := kit.Filled(stream["id"]), kit.Filled(cond["id"])
	if streamID == "" {
		return nil, kit.Invalid(Name, "stream.id", "is missing or empty")
	}
	if condID == "" {
		return nil, kit.Invalid(Name, "check_result.triggered_condition.id", "is missing or empty")
	}
	a := kit.Alert{}
	a.Key = kit.HashKey(Name, "legacy", streamID, condID)
	a.Type = event.Alert
	if event.FoldLevel(kit.Text(result["triggered"])) == "false" { // the bool, or its text
		a.Type = event.Recovery
	}
	condType := kit.FirstNonEmpty(kit.Filled(cond["type_string"]), kit.Filled(cond["type"]))
	streamTitle := kit.Filled(stream["title"])
	a.Title = kit.FirstNonEmpty(kit.Filled(cond["title"]), kit.JoinNonEmpty(": ", streamTitle, condType))
	matching, _ := result["matching_messages"].([]any)
	a.Description = kit.JoinNonEmpty("\n\n", kit.Filled(result["result_description"]), firstMessage(matching))
	a.Rule = condType
	a.SetTime("check_result.triggered_at", result["triggered_at"], kit.ReadTime, c.Received)
	a.Resource = event.Resource{ID: streamID, Type: "graylog.stream", Name: kit.FirstNonEmpty(streamTitle, streamID)}
	a.Provider = "graylog"

	info := map[string]string{}
	for k, v := range map[string]any{
		"stream_id":             streamID,
		"stream_description":    stream["description"],
		"condition_id":          condID,
		"condition_type":        condType,
		"condition_title":       cond["title"],
		"condition_description": cond["description"],
		"triggered":             result["triggered"],
	} {
		kit.Put(info, k, v)
	}
	kit.Flatten(info, "condition_parameters", cond["parameters"], 1)
	if matching != nil {
		kit.Put(info, "backlog_count", float64(len(matching)))
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// firstMessage is the message field of the first message of a backlog, cut to maxMessage.
func firstMessage(backlog []any) string {
	if len(backlog) == 0 {
		return ""
	}
	m, _ := backlog[0].(map[string]any)
	return cut(kit.Filled(m["message"]), maxMessage)
}

// groupValues is the values of group_by_fields in the order of their field names, comma-joined: what a group-by
// key says when the event has no key of its own.
func groupValues(groups map[string]any) string {
	names := make([]string, 0, len(groups))
	for k := range groups {
		names = append(names, k)
	}
	slices.Sort(names)
	values := make([]string, 0, len(names))
	for _, k := range names {
		if v := kit.Filled(groups[k]); v != "" {
			values = append(values, v)
		}
	}
	return strings.Join(values, ",")
}

// known is v unless it is "<unknown>", what the test notification sends for the ids of a job it does not run.
func known(v any) any {
	if kit.Filled(v) == "<unknown>" {
		return nil
	}
	return v
}

// cut keeps the first limit bytes of s, cut at a character boundary, with "…" where it was cut.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	end := 0
	for i := range s { // i is where each character starts
		if i > limit {
			break
		}
		end = i
	}
	return s[:end] + "…"
}
