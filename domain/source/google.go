package source

import (
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// isGoogleCloudMonitoring: a Cloud Monitoring webhook body is an incident with the schema version beside it
// ("1.2", or "test" for the console's test notification); no other source has a top-level incident.
func isGoogleCloudMonitoring(doc map[string]any) bool { return has(doc, "incident", "version") }

// googleLevels is the default table from incident.severity, which Google writes as the policy's severity
// ("Critical", "Error", "Warning") or "No severity"; anything else is left to severity_map and default_severity.
var googleLevels = map[string]event.Severity{
	"critical": event.Critical,
	"error":    event.Error,
	"warning":  event.Warning,
}

// googleNested are the incident's objects copied into additional_info key by key, with how deep to go: labels
// one level further down, anything deeper (a condition's threshold settings) as JSON text.
var googleNested = map[string]int{"resource": 2, "metric": 2, "metadata": 2, "policy_user_labels": 1, "condition": 1}

func parseGoogleCloudMonitoring(doc map[string]any, c *call) ([]Alert, error) {
	received := c.received
	inc, ok := doc["incident"].(map[string]any)
	if !ok {
		return nil, invalid(option.GoogleCloudMonitoring, "incident", "is not an object")
	}
	a := Alert{Scope: inc}
	a.Key = text(inc["incident_id"])
	state := strings.ToLower(strings.TrimSpace(text(inc["state"])))
	a.Type = event.Alert
	timeKey := "started_at"
	if state == "closed" {
		a.Type, timeKey = event.Recovery, "ended_at"
	}
	a.Level = strings.TrimSpace(text(inc["severity"]))
	a.Severity = googleLevels[event.FoldLevel(a.Level)]

	a.setTime(timeKey, inc[timeKey], readGoogleTime, received)

	var subject, content string
	switch d := inc["documentation"].(type) {
	case map[string]any:
		subject, content = strings.TrimSpace(text(d["subject"])), text(d["content"])
	case string: // the test notification sends the documentation as plain text
		content = d
	}
	a.Title = firstNonEmpty(subject, text(inc["condition_name"]), googleText(inc, "condition", "displayName"), text(inc["policy_name"]))
	a.Description = joinNonEmpty("\n\n", text(inc["summary"]), content)
	a.Rule = text(inc["policy_name"])
	a.Resource = event.Resource{
		ID:   firstNonEmpty(text(inc["resource_id"]), googleText(inc, "resource", "labels", "instance_id")),
		Type: googleText(inc, "resource", "type"),
		Name: firstNonEmpty(text(inc["resource_display_name"]), text(inc["resource_name"])),
	}
	a.Resource.Name = firstNonEmpty(a.Resource.Name, a.Resource.ID)
	a.Provider = "google_cloud"
	a.Account = text(inc["scoping_project_id"])

	info := map[string]string{}
	for k, v := range inc {
		depth, nested := googleNested[k]
		switch {
		case nested:
			googleFlatten(info, k, v, depth)
		case k == "summary" || k == "documentation": // the description already
		default:
			flatPut(info, k, v)
		}
	}
	flatPut(info, "version", doc["version"])
	a.AdditionalInfo = info
	return []Alert{a}, nil
}

// readGoogleTime reads an epoch-seconds time, a JSON number or the same as text (what readTime reads is read
// too). 0, the test notification's "never", is no time.
func readGoogleTime(v any) (time.Time, bool) {
	t, ok := readTime(v)
	if f, isNumber := v.(float64); isNumber {
		t, ok = epochIn(f, time.Second)
	}
	return t, ok && t.Unix() > 0
}

// googleFlatten adds v to additional_info under key, going depth levels into objects ("resource.labels.zone")
// and writing what lies deeper as JSON text.
func googleFlatten(info map[string]string, key string, v any, depth int) {
	if m, ok := v.(map[string]any); ok && depth > 0 {
		for k, x := range m {
			googleFlatten(info, key+"."+k, x, depth-1)
		}
		return
	}
	flatPut(info, key, v)
}

// googleText returns the text at a path of nested objects, or "".
func googleText(m map[string]any, segs ...string) string {
	v, _ := lookup(m, segs)
	return text(v)
}
