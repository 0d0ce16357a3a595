// Package grafana reads the body of Grafana's unified alerting webhook contact point.
package grafana

import (
	"embed"
	"regexp"
	"strings"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/alertmanager"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "grafana"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isGrafana, Parse: parseGrafana, Examples: kit.Examples(testdata)}

// isGrafana: Grafana's unified alerting body is Alertmanager's plus keys Alertmanager never sends.
func isGrafana(doc map[string]any) bool {
	return kit.Has(doc, "alerts") && kit.HasAny(doc, "orgId", "state", "title", "message")
}

// grafanaTitlePrefix is the state summary Grafana puts before a group title: "[FIRING:2] ", "[RESOLVED] ",
// "[FIRING:1, RESOLVED:2] ".
var grafanaTitlePrefix = regexp.MustCompile(`^\s*\[(?:FIRING|RESOLVED)(?::\d+)?(?:,\s*(?:FIRING|RESOLVED)(?::\d+)?)*\]`)

// grafanaURLs are the per-alert links Grafana adds, kept in additional_info.
var grafanaURLs = []string{"dashboardURL", "panelURL", "silenceURL", "imageURL"}

func parseGrafana(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	items, err := alertmanager.Items(Name, doc, c)
	if err != nil {
		return nil, err
	}
	groupTitle := strings.TrimSpace(grafanaTitlePrefix.ReplaceAllString(kit.Str(doc, "title"), ""))
	out := make([]kit.Alert, 0, len(items))
	for i, item := range items {
		if err := c.Alive(); err != nil {
			return nil, err
		}
		// Each alert carries its own status: one can resolve while its group still fires.
		a, err := alertmanager.ReadAlert(Name, doc, item, i, received)
		if err != nil {
			return nil, err
		}
		labels := kit.Obj(item, "labels")
		a.Key = kit.FirstNonEmpty(kit.Str(item, "fingerprint"), grafanaKey(doc, labels))
		a.Title = kit.FirstNonEmpty(a.Title, groupTitle)
		a.ImageURL = kit.Str(item, "imageURL")
		switch kit.Text(labels["alertname"]) {
		case "DatasourceNoData": // Grafana's no-data alert names the real rule in rulename
			a.Severity, a.Level = event.NotAvailable, ""
			a.Rule = kit.FirstNonEmpty(kit.Text(labels["rulename"]), a.Rule)
		case "DatasourceError":
			a.Severity, a.Level = event.Error, ""
			a.Rule = kit.FirstNonEmpty(kit.Text(labels["rulename"]), a.Rule)
		}
		for _, k := range grafanaURLs {
			if v := kit.Str(item, k); v != "" {
				a.AdditionalInfo[k] = v
			}
		}
		if v := kit.Str(item, "valueString"); v != "" {
			a.AdditionalInfo["valueString"] = v
		}
		if v, ok := item["values"]; ok && v != nil {
			a.AdditionalInfo["values"] = kit.CompactJSON(v)
		}
		if v, ok := doc["orgId"]; ok && v != nil {
			a.AdditionalInfo["orgId"] = kit.Text(v)
		}
		out = append(out, a)
	}
	return out, nil
}

// grafanaKey stands in for a missing fingerprint. Grafana's own fingerprint hashes labels it does not send, so it
// cannot be recomputed; a hash of the sent labels and the org is stable for the same alert all the same.
func grafanaKey(doc, labels map[string]any) string {
	return kit.JoinedKey("grafana", kit.Text(doc["orgId"]), alertmanager.SortedLabelText(labels))
}
