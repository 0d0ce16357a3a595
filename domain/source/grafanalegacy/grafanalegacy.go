// Package grafanalegacy reads the body of Grafana's old (legacy) alerting webhook.
package grafanalegacy

import (
	"embed"
	"regexp"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "grafana_legacy"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isGrafanaLegacy, Parse: parseGrafanaLegacy, Examples: kit.Examples(testdata)}

// isGrafanaLegacy: the old Grafana alerting body is flat, with rule fields and no alerts list. Its ids may be
// absent (before Grafana 6) or zero (test notifications), so none of them is required.
func isGrafanaLegacy(doc map[string]any) bool {
	return !kit.Has(doc, "alerts") && kit.HasAny(doc, "evalMatches", "ruleId", "ruleName", "ruleUrl")
}

// legacyTitlePrefix is the state Grafana puts before the rule name: "[Alerting] ", "[OK] ", "[No Data] ".
var legacyTitlePrefix = regexp.MustCompile(`(?i)^\s*\[(?:alerting|ok|no data|paused|pending)\]`)

func parseGrafanaLegacy(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	state := strings.ToLower(strings.TrimSpace(kit.Str(doc, "state")))
	a := kit.Alert{Scope: doc, Level: state}
	a.Type = event.Alert
	switch state {
	case "ok":
		a.Type = event.Recovery
	case "alerting":
		a.Severity = event.Error
	case "no_data":
		a.Severity = event.NotAvailable
	}
	ids := make([]string, 0, 4)
	for _, k := range []string{"orgId", "dashboardId", "panelId", "ruleId"} {
		ids = append(ids, kit.FirstNonEmpty(kit.Text(doc[k]), "0"))
	}
	a.Key = "grafana-legacy:" + strings.Join(ids, ":")
	a.Title = kit.FirstNonEmpty(strings.TrimSpace(legacyTitlePrefix.ReplaceAllString(kit.Str(doc, "title"), "")), kit.Str(doc, "ruleName"))
	a.Description = kit.Str(doc, "message")
	a.Rule = kit.Str(doc, "ruleName")
	a.ImageURL = kit.Str(doc, "imageUrl")
	a.OccurredAt = received // the body carries no time of its own

	info := map[string]string{"state": kit.Str(doc, "state")}
	for _, k := range []string{"orgId", "dashboardId", "panelId", "ruleId", "ruleUrl", "imageUrl"} {
		if v, ok := doc[k]; ok && v != nil {
			info[k] = kit.Text(v)
		}
	}
	if v, ok := doc["evalMatches"]; ok && v != nil {
		info["evalMatches"] = kit.CompactJSON(v)
	}
	if tags, ok := doc["tags"].(map[string]any); ok {
		for k, v := range tags {
			info["tags."+k] = kit.Text(v)
		}
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}
