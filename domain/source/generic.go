package source

import (
	"strings"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// isGeneric: a body already in Cloudforet's event shape carries its key or its type, keys no other format has.
func isGeneric(doc map[string]any) bool { return hasAny(doc, "event_key", "event_type") }

// parseGeneric reads a body in event shape (Cloudforet api-direct). Key and title are checked after
// convert_data, which may supply them.
func parseGeneric(doc map[string]any, c *call) ([]Alert, error) {
	received := c.received
	a := Alert{Scope: doc}
	a.Key = text(doc["event_key"])
	a.Title = text(doc["title"])
	a.Description = text(doc["description"])
	a.Rule = text(doc["rule"])
	a.ImageURL = text(doc["image_url"])
	a.Provider = text(doc["provider"])
	a.Account = text(doc["account"])
	a.Type = event.Alert
	if v := text(doc["event_type"]); v != "" {
		t, ok := parseType(v)
		if !ok {
			return nil, invalid(option.Generic, "event_type", "%q is not ALERT or RECOVERY", shorten(v))
		}
		a.Type = t
	}
	if v := strings.TrimSpace(text(doc["severity"])); v != "" {
		s, ok := event.ParseSeverity(v)
		if !ok {
			return nil, invalid(option.Generic, "severity", "%q is not one of CRITICAL, ERROR, WARNING, INFO, NOT_AVAILABLE, NONE", shorten(v))
		}
		a.Severity, a.Level = s, v
	}
	a.setTime("occurred_at", doc["occurred_at"], readTime, received)
	if r, ok := doc["resource"].(map[string]any); ok {
		a.Resource = event.Resource{ID: text(r["resource_id"]), Type: text(r["resource_type"]), Name: text(r["name"])}
	}
	info := map[string]string{}
	if m, ok := doc["additional_info"].(map[string]any); ok {
		for k, v := range m {
			info[k] = text(v)
		}
	}
	a.AdditionalInfo = info
	return []Alert{a}, nil
}
