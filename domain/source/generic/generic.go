// Package generic reads bodies already in Cloudforet's event shape, as Cloudforet's API Direct plugin takes them.
package generic

import (
	"embed"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "generic"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isGeneric, Parse: parseGeneric, Examples: kit.Examples(testdata)}

// isGeneric: a body already in Cloudforet's event shape carries its key or its type, keys no other format has.
func isGeneric(doc map[string]any) bool { return kit.HasAny(doc, "event_key", "event_type") }

// parseGeneric reads a body in event shape (Cloudforet api-direct). Key and title are checked after
// convert_data, which may supply them.
func parseGeneric(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	a := kit.Alert{Scope: doc}
	a.Key = kit.Text(doc["event_key"])
	a.Title = kit.Text(doc["title"])
	a.Description = kit.Text(doc["description"])
	a.Rule = kit.Text(doc["rule"])
	a.ImageURL = kit.Text(doc["image_url"])
	a.Provider = kit.Text(doc["provider"])
	a.Account = kit.Text(doc["account"])
	a.Type = event.Alert
	if v := kit.Text(doc["event_type"]); v != "" {
		t, ok := event.ParseType(v)
		if !ok {
			return nil, kit.Invalid(Name, "event_type", "%q is not ALERT or RECOVERY", kit.Shorten(v))
		}
		a.Type = t
	}
	if v := strings.TrimSpace(kit.Text(doc["severity"])); v != "" {
		s, ok := event.ParseSeverity(v)
		if !ok {
			return nil, kit.Invalid(Name, "severity", "%q is not one of %s", kit.Shorten(v), severityNames)
		}
		a.Severity, a.Level = s, v
	}
	a.SetTime("occurred_at", doc["occurred_at"], kit.ReadTime, received)
	if r, ok := doc["resource"].(map[string]any); ok {
		a.Resource = event.Resource{ID: kit.Text(r["resource_id"]), Type: kit.Text(r["resource_type"]), Name: kit.Text(r["name"])}
	}
	info := map[string]string{}
	if m, ok := doc["additional_info"].(map[string]any); ok {
		for k, v := range m {
			info[k] = kit.Text(v)
		}
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// severityNames lists the severities a body may name, in the domain's order.
var severityNames = func() string {
	names := make([]string, 0, len(event.Severities()))
	for _, s := range event.Severities() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}()
