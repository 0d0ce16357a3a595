package source

import (
	"regexp"
	"strings"

	"github.com/monhook/monhook/domain/event"
)

// isGrafanaLegacy: the old Grafana alerting body is flat, with rule fields and no alerts list. Its ids may be
// absent (before Grafana 6) or zero (test notifications), so none of them is required.
func isGrafanaLegacy(doc map[string]any) bool {
	return !has(doc, "alerts") && hasAny(doc, "evalMatches", "ruleId", "ruleName", "ruleUrl")
}

// legacyTitlePrefix is the state Grafana puts before the rule name: "[Alerting] ", "[OK] ", "[No Data] ".
var legacyTitlePrefix = regexp.MustCompile(`(?i)^\s*\[(?:alerting|ok|no data|paused|pending)\]`)

func parseGrafanaLegacy(doc map[string]any, c *call) ([]Alert, error) {
	received := c.received
	state := strings.ToLower(strings.TrimSpace(str(doc, "state")))
	a := Alert{Scope: doc, Level: state}
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
		ids = append(ids, firstNonEmpty(text(doc[k]), "0"))
	}
	a.Key = "grafana-legacy:" + strings.Join(ids, ":")
	a.Title = firstNonEmpty(strings.TrimSpace(legacyTitlePrefix.ReplaceAllString(str(doc, "title"), "")), str(doc, "ruleName"))
	a.Description = str(doc, "message")
	a.Rule = str(doc, "ruleName")
	a.ImageURL = str(doc, "imageUrl")
	a.OccurredAt = received // the body carries no time of its own

	info := map[string]string{"state": str(doc, "state")}
	for _, k := range []string{"orgId", "dashboardId", "panelId", "ruleId", "ruleUrl", "imageUrl"} {
		if v, ok := doc[k]; ok && v != nil {
			info[k] = text(v)
		}
	}
	if v, ok := doc["evalMatches"]; ok && v != nil {
		info["evalMatches"] = compactJSON(v)
	}
	if tags, ok := doc["tags"].(map[string]any); ok {
		for k, v := range tags {
			info["tags."+k] = text(v)
		}
	}
	a.AdditionalInfo = info
	return []Alert{a}, nil
}
