package source

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// isGrafana: Grafana's unified alerting body is Alertmanager's plus keys Alertmanager never sends.
func isGrafana(doc map[string]any) bool {
	return has(doc, "alerts") && hasAny(doc, "orgId", "state", "title", "message")
}

// grafanaTitlePrefix is the state summary Grafana puts before a group title: "[FIRING:2] ", "[RESOLVED] ",
// "[FIRING:1, RESOLVED:2] ".
var grafanaTitlePrefix = regexp.MustCompile(`^\s*\[(?:FIRING|RESOLVED)(?::\d+)?(?:,\s*(?:FIRING|RESOLVED)(?::\d+)?)*\]`)

// grafanaURLs are the per-alert links Grafana adds, kept in additional_info.
var grafanaURLs = []string{"dashboardURL", "panelURL", "silenceURL", "imageURL"}

func parseGrafana(doc map[string]any, c *call) ([]Alert, error) {
	received := c.received
	items, err := alertList(option.Grafana, doc, c)
	if err != nil {
		return nil, err
	}
	groupTitle := strings.TrimSpace(grafanaTitlePrefix.ReplaceAllString(str(doc, "title"), ""))
	out := make([]Alert, 0, len(items))
	for i, item := range items {
		if err := c.alive(); err != nil {
			return nil, err
		}
		// Each alert carries its own status: one can resolve while its group still fires.
		a, err := readPromAlert(option.Grafana, doc, item, i, received)
		if err != nil {
			return nil, err
		}
		labels := obj(item, "labels")
		a.Key = firstNonEmpty(str(item, "fingerprint"), grafanaKey(doc, labels))
		a.Title = firstNonEmpty(a.Title, groupTitle)
		a.ImageURL = str(item, "imageURL")
		switch text(labels["alertname"]) {
		case "DatasourceNoData": // Grafana's no-data alert names the real rule in rulename
			a.Severity, a.Level = event.NotAvailable, ""
			a.Rule = firstNonEmpty(text(labels["rulename"]), a.Rule)
		case "DatasourceError":
			a.Severity, a.Level = event.Error, ""
			a.Rule = firstNonEmpty(text(labels["rulename"]), a.Rule)
		}
		for _, k := range grafanaURLs {
			if v := str(item, k); v != "" {
				a.AdditionalInfo[k] = v
			}
		}
		if v := str(item, "valueString"); v != "" {
			a.AdditionalInfo["valueString"] = v
		}
		if v, ok := item["values"]; ok && v != nil {
			a.AdditionalInfo["values"] = compactJSON(v)
		}
		if v, ok := doc["orgId"]; ok && v != nil {
			a.AdditionalInfo["orgId"] = text(v)
		}
		out = append(out, a)
	}
	return out, nil
}

// grafanaKey stands in for a missing fingerprint. Grafana's own fingerprint hashes labels it does not send, so it
// cannot be recomputed; a hash of the sent labels and the org is stable for the same alert all the same.
func grafanaKey(doc, labels map[string]any) string {
	sum := sha256.Sum256([]byte("grafana\n" + text(doc["orgId"]) + "\n" + sortedLabelText(labels)))
	return hex.EncodeToString(sum[:16])
}
