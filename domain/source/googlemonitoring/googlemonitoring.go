// Package googlemonitoring reads Google Cloud Monitoring's webhook notification channel body.
package googlemonitoring

import (
	"embed"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "google_cloud_monitoring"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isGoogleCloudMonitoring, Parse: parseGoogleCloudMonitoring, Examples: kit.Examples(testdata)}

// isGoogleCloudMonitoring: a Cloud Monitoring webhook body is an incident with the schema version beside it
// ("1.2", or "test" for the console's test notification); no other source has a top-level incident.
func isGoogleCloudMonitoring(doc map[string]any) bool { return kit.Has(doc, "incident", "version") }

// googleLevels is the default table from incident.severity, which Google writes as the policy's severity
// ("Critical", "Error", "Warning") or "No severity"; anything else is left to severity_map and default_severity.
var googleLevels = kit.Levels{
	"critical": event.Critical,
	"error":    event.Error,
	"warning":  event.Warning,
}

// googleNested are the incident's objects copied into additional_info key by key, with how deep to go: labels
// one level further down, anything deeper (a condition's threshold settings) as JSON text.
var googleNested = map[string]int{"resource": 2, "metric": 2, "metadata": 2, "policy_user_labels": 1, "condition": 1}

func parseGoogleCloudMonitoring(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	inc, ok := doc["incident"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "incident", "is not an object")
	}
	a := kit.Alert{Scope: inc}
	a.Key = kit.Text(inc["incident_id"])
	state := strings.ToLower(strings.TrimSpace(kit.Text(inc["state"])))
	a.Type = event.Alert
	timeKey := "started_at"
	if state == "closed" {
		a.Type, timeKey = event.Recovery, "ended_at"
	}
	a.Level = strings.TrimSpace(kit.Text(inc["severity"]))
	a.Severity = googleLevels.Of(a.Level)

	a.SetTime(timeKey, inc[timeKey], readGoogleTime, received)

	var subject, content string
	switch d := inc["documentation"].(type) {
	case map[string]any:
		subject, content = strings.TrimSpace(kit.Text(d["subject"])), kit.Text(d["content"])
	case string: // the test notification sends the documentation as plain text
		content = d
	}
	a.Title = kit.FirstNonEmpty(subject, kit.Text(inc["condition_name"]), googleText(inc, "condition", "displayName"), kit.Text(inc["policy_name"]))
	a.Description = kit.JoinNonEmpty("\n\n", kit.Text(inc["summary"]), content)
	a.Rule = kit.Text(inc["policy_name"])
	a.Resource = event.Resource{
		ID:   kit.FirstNonEmpty(kit.Text(inc["resource_id"]), googleText(inc, "resource", "labels", "instance_id")),
		Type: googleText(inc, "resource", "type"),
		Name: kit.FirstNonEmpty(kit.Text(inc["resource_display_name"]), kit.Text(inc["resource_name"])),
	}
	a.Resource.Name = kit.FirstNonEmpty(a.Resource.Name, a.Resource.ID)
	a.Provider = "google_cloud"
	a.Account = kit.Text(inc["scoping_project_id"])

	info := map[string]string{}
	for k, v := range inc {
		depth, nested := googleNested[k]
		switch {
		case nested:
			kit.Flatten(info, k, v, depth)
		case k == "summary" || k == "documentation": // the description already
		default:
			kit.Put(info, k, v)
		}
	}
	kit.Put(info, "version", doc["version"])
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// readGoogleTime reads an epoch-seconds time, a JSON number or the same as text (what kit.ReadTime reads is read
// too). 0, the test notification's "never", is no time.
func readGoogleTime(v any) (time.Time, bool) {
	t, ok := kit.ReadTime(v)
	if f, isNumber := v.(float64); isNumber {
		t, ok = kit.EpochIn(f, time.Second)
	}
	return t, ok && t.Unix() > 0
}

// googleText returns the text at a path of nested objects, or "".
func googleText(m map[string]any, segs ...string) string {
	v, _ := kit.Lookup(m, segs)
	return kit.Text(v)
}
