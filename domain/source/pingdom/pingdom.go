// Package pingdom reads Pingdom's state change webhook, which Pingdom posts when an uptime check goes DOWN or UP
// (a transaction check FAILING or SUCCESS): a check's alert opens when it fails and is resolved when it recovers.
package pingdom

import (
	"embed"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "pingdom"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isPingdom, Parse: parsePingdom, Examples: kit.Examples(testdata)}

// isPingdom: every state change names its check and both states, keys no other source sends together.
func isPingdom(doc map[string]any) bool {
	return kit.Has(doc, "check_id", "current_state", "previous_state")
}

// importance is the table from the check's importance_level, which its owner sets in the check's alerting
// settings; it says how much the check matters, so a recovery keeps it too.
var importance = kit.Levels{
	"high": event.Critical,
	"low":  event.Warning,
}

// upStates are the states of a check that works again: UP for uptime checks, SUCCESS for transaction checks.
var upStates = map[string]bool{"up": true, "success": true, "successful": true}

func parsePingdom(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	checkID, ok := id(doc["check_id"])
	if !ok {
		return nil, kit.Invalid(Name, "check_id", "is missing, empty or not a number or text")
	}
	a := kit.Alert{Scope: doc}
	a.Key = "pingdom:" + checkID // every state change of the check, so UP resolves the alert DOWN opened
	current := text(doc["current_state"])
	a.Type = event.Alert // DOWN, FAILING, and any state Pingdom may add
	if upStates[event.FoldLevel(current)] {
		a.Type = event.Recovery
	}
	a.Level = text(doc["importance_level"])
	// Bodies from before importance levels have none: a check that fails is then an error. A recovery without a
	// level it knows is news; an alert with an importance it does not know is left to severity_map and
	// default_severity.
	switch s, known := importance.Lookup(a.Level); {
	case known:
		a.Severity = s
	case a.Type == event.Recovery:
		a.Severity = event.Info
	case a.Level == "":
		a.Severity = event.Error
	}

	params := kit.Obj(doc, "check_params")
	name := text(doc["check_name"])
	checkType := text(doc["check_type"])
	a.Title = name
	a.Description = kit.FirstNonEmpty(text(doc["long_description"]), text(doc["description"]))
	a.Rule = checkType
	kind := "check"
	if checkType != "" {
		kind = strings.ToLower(checkType)
	}
	a.Resource = event.Resource{ID: checkID, Type: "pingdom." + kind,
		Name: kit.FirstNonEmpty(text(params["full_url"]), text(params["hostname"]), name)}
	if a.Title == "" {
		a.Title = a.Resource.Name
	}
	a.Provider = "pingdom"
	// Both times are the same instant; the epoch is exact, the written one documented as UTC without saying so.
	if !a.SetTime("state_changed_timestamp", doc["state_changed_timestamp"], kit.ReadEpochSeconds, c.Received) {
		a.SetTime("state_changed_utc_time", doc["state_changed_utc_time"], readUTC, a.OccurredAt)
	}

	info := map[string]string{}
	for k, v := range map[string]any{"check_type": checkType, "previous_state": doc["previous_state"],
		"current_state": current, "description": doc["description"], "importance_level": a.Level,
		"custom_message": doc["custom_message"]} {
		if s := text(v); s != "" {
			info[k] = s
		}
	}
	for _, probe := range []string{"first_probe", "second_probe"} {
		p := kit.Obj(doc, probe)
		for _, k := range []string{"location", "ip"} {
			if s := text(p[k]); s != "" {
				info[probe+"."+k] = s
			}
		}
	}
	kit.Put(info, "tags", doc["tags"])
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// readUTC reads state_changed_utc_time, written without a zone and documented as UTC: never source_timezone.
func readUTC(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	return kit.ParseTime(s)
}

// id is the check's id as text: a number as the integer it is, or text (trimmed); "" or another type is none.
func id(v any) (string, bool) {
	switch v.(type) {
	case string, float64:
		s := text(v)
		return s, s != ""
	}
	return "", false
}

// text is a value as trimmed text; null is "".
func text(v any) string { return strings.TrimSpace(kit.Text(v)) }
