// Package sentry reads Sentry's webhooks: the integration platform's issue, issue alert (event_alert) and metric
// alert resources, and the legacy WebHooks plugin. Every one of them keys an issue by its id (Sentry's group id), so
// an issue alert or a plugin notification opens the alert that the issue's resolved or ignored webhook later
// resolves; a metric alert is keyed by its own id. The platform's other resources (installation, comment, error)
// give no event.
package sentry

import (
	"embed"
	"net/url"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "sentry"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: detect, Parse: parse, Examples: kit.Examples(testdata)}

// detect: the integration platform sends every resource as an action (text), a data object and an installation
// object; without the installation, an actor beside a data object that holds an issue, an event or a
// metric_alert is still Sentry's. The legacy plugin sends the issue's culprit, project and level beside the event
// object, which tells it from Zabbix's event (beside trigger, host or item objects) and PagerDuty's.
func detect(doc map[string]any) bool {
	if _, ok := doc["action"].(string); ok {
		if data, ok := doc["data"].(map[string]any); ok {
			if _, ok := doc["installation"].(map[string]any); ok {
				return true
			}
			if _, ok := doc["actor"].(map[string]any); ok && alertResource(data) {
				return true
			}
		}
	}
	_, isEvent := doc["event"].(map[string]any)
	return isEvent && kit.Has(doc, "culprit", "project", "level")
}

// alertResource reports whether data holds one of the resources that give an event.
func alertResource(data map[string]any) bool {
	for _, k := range []string{"issue", "event", "metric_alert"} {
		if _, ok := data[k].(map[string]any); ok {
			return true
		}
	}
	return false
}

// levels is the table from an event's or issue's level, the five Sentry's SDKs send.
var levels = kit.Levels{
	"fatal":   event.Critical,
	"error":   event.Error,
	"warning": event.Warning,
	"info":    event.Info,
	"debug":   event.Info,
}

func parse(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	if kit.Has(doc, "action", "data") {
		data, ok := doc["data"].(map[string]any)
		if !ok {
			return nil, kit.Invalid(Name, "data", "is not an object")
		}
		return parseIntegration(doc, data, c)
	}
	return parseLegacy(doc, c)
}

// parseIntegration reads one integration platform webhook; which resource it is (the Sentry-Hook-Resource
// header, which the plugin never sees) is told by what data holds.
func parseIntegration(doc, data map[string]any, c *kit.Call) ([]kit.Alert, error) {
	action := text(doc["action"])
	var (
		a   kit.Alert
		err error
	)
	switch {
	case kit.Has(data, "issue"):
		a, err = issue(data, action, c)
	case kit.Has(data, "metric_alert"):
		a, err = metricAlert(data, action, c)
	case kit.Has(data, "event"):
		a, err = eventAlert(data, c)
	default:
		resource := "integration"
		for _, k := range []string{"error", "comment", "installation"} {
			if kit.Has(data, k) {
				resource = k
				break
			}
		}
		c.Notice("the Sentry " + resource + " webhook (" + kit.Shorten(action) + ") is not about an alert: no event")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.Provider = "sentry"
	kit.Put(a.AdditionalInfo, "action", action)
	kit.Put(a.AdditionalInfo, "actor", text(kit.Obj(doc, "actor")["name"]))
	kit.Put(a.AdditionalInfo, "installation_uuid", text(kit.Obj(doc, "installation")["uuid"]))
	return []kit.Alert{a}, nil
}

// issue reads the issue resource: an issue created, resolved, ignored (archived), reopened or assigned.
func issue(data map[string]any, action string, c *kit.Call) (kit.Alert, error) {
	is, ok := data["issue"].(map[string]any)
	if !ok {
		return kit.Alert{}, kit.Invalid(Name, "data.issue", "is not an object")
	}
	id := text(is["id"])
	if id == "" {
		return kit.Alert{}, kit.Invalid(Name, "data.issue.id", "is missing or empty")
	}
	status := text(is["status"])
	a := kit.Alert{Scope: is}
	a.Key = issueKey(id)
	a.Type = issueType(action, status)
	a.Level = text(is["level"])
	a.Severity = levels.Of(a.Level)
	metadata := kit.Obj(is, "metadata")
	a.Title = kit.FirstNonEmpty(text(is["title"]), text(metadata["title"]), text(is["shortId"]))
	a.Description = kit.FirstNonEmpty(text(metadata["value"]), text(is["culprit"]))
	project := kit.Obj(is, "project")
	a.Resource = projectResource(text(project["id"]), text(project["slug"]), text(project["name"]))
	// Only a new issue says when it happened; a status change carries no time of its own.
	if event.FoldLevel(action) == "created" {
		a.SetTime("first_seen", is["firstSeen"], kit.ReadTime, c.Received)
	} else {
		a.OccurredAt = c.Received
	}

	info := map[string]string{}
	put(info, map[string]any{
		"issue_id":        id,
		"short_id":        is["shortId"],
		"culprit":         is["culprit"],
		"platform":        is["platform"],
		"level":           a.Level,
		"status":          status,
		"substatus":       is["substatus"],
		"count":           is["count"],
		"user_count":      is["userCount"],
		"first_seen":      is["firstSeen"],
		"last_seen":       is["lastSeen"],
		"project_name":    project["name"],
		"assigned_to":     kit.Obj(is, "assignedTo")["name"],
		"resolution_type": data["resolution_type"],
		"url":             kit.FirstNonEmpty(text(is["permalink"]), text(is["web_url"])),
	})
	a.AdditionalInfo = info
	return a, nil
}

// issueType: resolving or ignoring (archiving) an issue resolves its alert, creating or reopening one opens it;
// any other action (an assignment) leaves the alert as the issue's status says it is, so assigning a resolved
// issue does not reopen it.
func issueType(action, status string) event.Type {
	switch event.FoldLevel(action) {
	case "resolved", "ignored", "archived":
		return event.Recovery
	case "created", "unresolved":
		return event.Alert
	}
	switch event.FoldLevel(status) {
	case "resolved", "ignored", "archived":
		return event.Recovery
	}
	return event.Alert
}

// eventAlert reads the event_alert resource: an issue alert rule fired on an event of an issue. It opens the
// issue's alert, under the issue's key.
func eventAlert(data map[string]any, c *kit.Call) (kit.Alert, error) {
	ev, ok := data["event"].(map[string]any)
	if !ok {
		return kit.Alert{}, kit.Invalid(Name, "data.event", "is not an object")
	}
	id := text(ev["issue_id"])
	if id == "" {
		return kit.Alert{}, kit.Invalid(Name, "data.event.issue_id", "is missing or empty")
	}
	a := kit.Alert{Scope: ev}
	a.Key = issueKey(id)
	a.Type = event.Alert
	a.Level = text(ev["level"])
	a.Severity = levels.Of(a.Level)
	metadata := kit.Obj(ev, "metadata")
	a.Title = kit.FirstNonEmpty(text(ev["title"]), text(metadata["title"]), text(ev["message"]), text(ev["culprit"]))
	a.Description = kit.FirstNonEmpty(text(metadata["value"]), text(ev["message"]))
	a.Rule = kit.FirstNonEmpty(text(data["triggered_rule"]), text(kit.Obj(data, "issue_alert")["title"]))
	// The event names its project by number only; its API URL carries the slug.
	a.Resource = projectResource(text(ev["project"]), projectSlug(text(ev["url"])), "")
	if !a.SetTime("datetime", ev["datetime"], kit.ReadTime, c.Received) {
		a.SetTime("timestamp", ev["timestamp"], kit.ReadTime, a.OccurredAt)
	}

	info := map[string]string{}
	put(info, map[string]any{
		"issue_id":       id,
		"event_id":       ev["event_id"],
		"culprit":        ev["culprit"],
		"platform":       ev["platform"],
		"level":          a.Level,
		"environment":    ev["environment"],
		"release":        ev["release"],
		"logger":         ev["logger"],
		"triggered_rule": a.Rule,
		"url":            ev["web_url"],
		"issue_url":      ev["issue_url"],
	})
	putTags(info, ev["tags"])
	a.AdditionalInfo = info
	return a, nil
}

// metricAlert reads the metric_alert resource: a metric alert rule's incident went critical, warning or resolved.
func metricAlert(data map[string]any, action string, c *kit.Call) (kit.Alert, error) {
	ma, ok := data["metric_alert"].(map[string]any)
	if !ok {
		return kit.Alert{}, kit.Invalid(Name, "data.metric_alert", "is not an object")
	}
	id := text(ma["id"])
	if id == "" {
		return kit.Alert{}, kit.Invalid(Name, "data.metric_alert.id", "is missing or empty")
	}
	rule := kit.Obj(ma, "alert_rule")
	a := kit.Alert{Scope: ma}
	a.Key = kit.HashKey(Name, "metric_alert", id)
	a.Type = event.Alert
	// The action is the level the rule's trigger crossed; a resolution names none.
	a.Level = action
	switch event.FoldLevel(action) {
	case "critical":
		a.Severity = event.Critical
	case "warning":
		a.Severity = event.Warning
	case "resolved":
		a.Type, a.Severity = event.Recovery, event.None
	default:
		if text(ma["status"]) == "2" { // Sentry's IncidentStatus CLOSED
			a.Type = event.Recovery
		}
	}
	a.Title = kit.FirstNonEmpty(text(rule["name"]), text(data["description_title"]), text(ma["title"]))
	a.Description = text(data["description_text"])
	a.Rule = text(rule["name"])
	projects := kit.TextList(ma["projects"])
	if len(projects) == 0 {
		projects = kit.TextList(rule["projects"])
	}
	a.Resource = projectResource("", strings.Join(projects, ","), "")
	if a.Type == event.Recovery {
		a.SetTime("date_closed", ma["date_closed"], kit.ReadTime, c.Received)
	} else {
		a.SetTime("date_started", ma["date_started"], kit.ReadTime, c.Received)
	}

	info := map[string]string{}
	put(info, map[string]any{
		"metric_alert_id":   id,
		"identifier":        ma["identifier"],
		"status":            ma["status"],
		"alert_rule_id":     rule["id"],
		"aggregate":         rule["aggregate"],
		"query":             rule["query"],
		"dataset":           rule["dataset"],
		"time_window":       rule["time_window"],
		"environment":       rule["environment"],
		"organization_id":   ma["organization_id"],
		"projects":          strings.Join(projects, ","),
		"date_started":      ma["date_started"],
		"date_detected":     ma["date_detected"],
		"date_closed":       ma["date_closed"],
		"description_title": data["description_title"],
		"url":               data["web_url"],
	})
	a.AdditionalInfo = info
	return a, nil
}

// parseLegacy reads the legacy WebHooks plugin's body: the issue (group) at the top, the event that fired the
// rule under event. Sentry 9 and older name the event's parts sentry.interfaces.*; only the fields read here
// matter, and they are the same.
func parseLegacy(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	id := text(doc["id"])
	if id == "" {
		return nil, kit.Invalid(Name, "id", "is missing or empty")
	}
	ev := kit.Obj(doc, "event")
	a := kit.Alert{Scope: doc}
	a.Key = issueKey(id)
	a.Type = event.Alert
	a.Level = kit.FirstNonEmpty(text(doc["level"]), text(ev["level"]))
	a.Severity = levels.Of(a.Level)
	a.Title = kit.FirstNonEmpty(text(ev["title"]), text(doc["message"]), text(doc["culprit"]))
	a.Description = text(doc["message"])
	a.Rule = strings.Join(kit.TextList(doc["triggering_rules"]), ", ")
	a.Resource = projectResource("", kit.FirstNonEmpty(text(doc["project_slug"]), text(doc["project"])), text(doc["project_name"]))
	a.Provider = "sentry"
	if !a.SetTime("event.timestamp", ev["timestamp"], kit.ReadTime, c.Received) {
		a.SetTime("event.received", ev["received"], kit.ReadTime, a.OccurredAt)
	}

	info := map[string]string{}
	put(info, map[string]any{
		"issue_id":         id,
		"event_id":         ev["event_id"],
		"culprit":          doc["culprit"],
		"logger":           doc["logger"],
		"level":            a.Level,
		"platform":         ev["platform"],
		"environment":      ev["environment"],
		"release":          ev["release"],
		"project_name":     doc["project_name"],
		"triggering_rules": a.Rule,
		"url":              doc["url"],
	})
	putTags(info, ev["tags"])
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// issueKey is the key of an issue in every format, so that the alert an issue alert or the plugin opened is the
// one the issue's resolution resolves.
func issueKey(id string) string { return kit.HashKey(Name, "issue", id) }

// projectResource is the Sentry project an event is about, named by its slug.
func projectResource(id, slug, name string) event.Resource {
	n := kit.FirstNonEmpty(slug, name, id)
	if n == "" {
		return event.Resource{}
	}
	return event.Resource{ID: id, Type: "sentry.project", Name: n}
}

// projectSlug reads the project's slug from an event's API URL, .../api/0/projects/<org>/<project>/events/<id>/.
func projectSlug(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		if s == "projects" && i >= 2 && segs[i-2] == "api" && i+3 < len(segs) && segs[i+3] == "events" {
			return segs[i+2]
		}
	}
	return ""
}

// putTags adds an event's tags as tag.<key>, values as sent: [key, value] pairs (as webhooks send them), or
// {key, value} objects (as Sentry's API does), or an object.
func putTags(info map[string]string, v any) {
	switch t := v.(type) {
	case []any:
		for _, item := range t {
			switch p := item.(type) {
			case []any:
				if len(p) == 2 {
					putTag(info, p[0], p[1])
				}
			case map[string]any:
				putTag(info, p["key"], p["value"])
			}
		}
	case map[string]any:
		for k, x := range t {
			putTag(info, k, x)
		}
	}
}

func putTag(info map[string]string, key, value any) {
	if k := strings.TrimSpace(kit.Text(key)); k != "" {
		kit.Put(info, "tag."+k, value)
	}
}

// put adds each value that reads as text; an empty or unrendered one is left out.
func put(info map[string]string, values map[string]any) {
	for k, v := range values {
		if s, ok := v.(string); ok {
			v = text(s)
		}
		kit.Put(info, k, v)
	}
}

// text is a value as trimmed text; a template variable left unfilled (a body a relay rebuilt) is absent.
func text(v any) string {
	s := strings.TrimSpace(kit.Text(v))
	if kit.Unrendered(s) {
		return ""
	}
	return s
}
