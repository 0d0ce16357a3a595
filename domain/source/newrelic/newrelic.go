// Package newrelic reads what New Relic posts to a webhook: the payload of a Workflow's webhook destination (an
// issue, in the default template or one its user extended) and the legacy alert channel's incident notification.
// Both key an alert by New Relic's own id, so an issue's or incident's every notification, acknowledgement
// included, updates one alert and its close resolves it.
package newrelic

import (
	"embed"
	"regexp"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "new_relic"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isNewRelic, Parse: parseNewRelic, Examples: kit.Examples(testdata)}

// isNewRelic: a Workflow payload keeps the default template's issue id, link and state (no other source sends
// issueUrl); a legacy channel notification names its incident by a flat incident_id beside current_state (Google's
// incident is an object, and no other source has the pair).
func isNewRelic(doc map[string]any) bool {
	return kit.Has(doc, "issueUrl", "state", "id") || kit.Has(doc, "incident_id", "current_state")
}

// priorities is the table from a Workflow issue's priority.
var priorities = kit.Levels{
	"critical": event.Critical,
	"high":     event.Error,
	"medium":   event.Warning,
	"low":      event.Info,
}

// legacySeverities is the table from a legacy incident's severity.
var legacySeverities = kit.Levels{
	"critical": event.Critical,
	"warning":  event.Warning,
	"info":     event.Info,
}

func parseNewRelic(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	// A body of neither shape (source: new_relic set by hand) is read as the Workflow payload it more likely is,
	// unless it has the legacy keys and none of a Workflow's.
	if kit.HasAny(doc, "incident_id", "current_state") && !kit.HasAny(doc, "id", "issueUrl", "state") {
		return legacy(doc, c)
	}
	return workflow(doc, c)
}

// workflowKeys are the keys of the template monhook recommends (the default one and closedAt, acknowledgedAt and
// owner); every other key a user adds to the template goes into additional_info under its own name.
var workflowKeys = map[string]bool{"id": true, "issueUrl": true, "title": true, "priority": true,
	"impactedEntities": true, "totalIncidents": true, "state": true, "trigger": true, "isCorrelated": true,
	"createdAt": true, "updatedAt": true, "closedAt": true, "acknowledgedAt": true, "owner": true, "sources": true,
	"alertPolicyNames": true, "alertConditionNames": true, "workflowName": true}

// workflow reads a Workflow webhook payload: one issue.
func workflow(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	id, ok := scalar(doc["id"])
	if !ok {
		return nil, kit.Invalid(Name, "id", "is missing, empty or not text or a number")
	}
	a := kit.Alert{Scope: doc}
	a.Key = "nr-issue:" + id
	state := text(doc["state"])
	a.Type = event.Alert // CREATED, ACTIVATED, an acknowledgement (ACTIVATED, trigger USER_ACTION): the issue is open
	if event.FoldLevel(state) == "closed" {
		a.Type = event.Recovery
	}
	a.Level = text(doc["priority"])
	a.Severity = severity(priorities, a.Level, a.Type)

	policies, conditions, entities := names(doc["alertPolicyNames"]), names(doc["alertConditionNames"]), names(doc["impactedEntities"])
	a.Title = strings.Join(names(doc["title"]), ", ")
	a.Description = kit.JoinNonEmpty("\n", line("Policies", policies), line("Conditions", conditions), line("Entities", entities))
	a.Rule = kit.First(conditions)
	if len(entities) > 0 {
		a.Resource = event.Resource{Name: entities[0], Type: "newrelic.entity"}
	}
	a.Provider = "newrelic"
	issueURL := text(doc["issueUrl"])
	a.Account = accountOf(issueURL)

	// A closed issue happened when it closed; any other notification when the issue last changed.
	fields := []string{"updatedAt", "createdAt"}
	if a.Type == event.Recovery {
		fields = []string{"closedAt", "updatedAt"}
	}
	setTime(&a, doc, fields, c.Received)

	info := map[string]string{}
	for k, v := range map[string]any{"state": state, "trigger": doc["trigger"], "priority": a.Level,
		"total_incidents": doc["totalIncidents"], "is_correlated": doc["isCorrelated"], "workflow_name": doc["workflowName"],
		"owner": doc["owner"], "issue_url": issueURL} {
		if s := text(v); s != "" {
			info[k] = s
		}
	}
	for k, list := range map[string][]string{"policies": policies, "conditions": conditions,
		"impacted_entities": entities, "sources": names(doc["sources"])} {
		if len(list) > 0 {
			info[k] = strings.Join(list, ",")
		}
	}
	if v := doc["acknowledgedAt"]; v != nil {
		if t, ok := kit.ReadEpochMillis(v); ok {
			info["acknowledged_at"] = event.FormatTime(t)
		} else if s := text(v); s != "" {
			info["acknowledged_at"] = s
		}
	}
	for k, v := range doc {
		if _, taken := info[k]; !taken && !workflowKeys[k] { // monhook's own names win over a template's
			kit.Put(info, k, v)
		}
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// legacy reads a notification of the legacy alert channel: one incident.
func legacy(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	id, ok := scalar(doc["incident_id"])
	if !ok {
		return nil, kit.Invalid(Name, "incident_id", "is missing, empty or not text or a number")
	}
	a := kit.Alert{Scope: doc}
	a.Key = "nr-incident:" + id
	state := text(doc["current_state"])
	a.Type = event.Alert // open, and acknowledged: someone works on it, it is not over
	if event.FoldLevel(state) == "closed" {
		a.Type = event.Recovery
	}
	a.Level = text(doc["severity"])
	a.Severity = severity(legacySeverities, a.Level, a.Type)

	// Templates that imitate this shape send condition and policy names as lists.
	conditions, policy, details := names(doc["condition_name"]), strings.Join(names(doc["policy_name"]), ", "), text(doc["details"])
	a.Title = kit.FirstNonEmpty(strings.Join(conditions, ", "), policy, details)
	a.Description = details
	a.Rule = kit.First(conditions)
	if targets, ok := doc["targets"].([]any); ok && len(targets) > 0 {
		if t, ok := targets[0].(map[string]any); ok {
			a.Resource = event.Resource{ID: text(t["id"]), Type: text(t["type"]), Name: text(t["name"])}
		}
	}
	a.Provider = "newrelic"
	a.Account = text(doc["account_id"])
	setTime(&a, doc, []string{"timestamp"}, c.Received)

	info := map[string]string{}
	for _, k := range []string{"current_state", "policy_name", "condition_id", "duration", "runbook_url",
		"violation_chart_url", "violation_callback_url", "incident_acknowledge_url", "incident_url", "policy_url", "account_name",
		"owner"} {
		if s := text(doc[k]); s != "" {
			info[k] = s
		}
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// severity is the level's severity from table. A level that is absent or unknown is left to severity_map and
// default_severity for an alert, so it never passes as harmless; a recovery without one says so at INFO.
func severity(table kit.Levels, level string, t event.Type) event.Severity {
	if s, ok := table.Lookup(level); ok {
		return s
	}
	if t == event.Recovery {
		return event.Info
	}
	return ""
}

// setTime sets the event's time from the first of fields that holds a time in epoch milliseconds (or written
// text); one that is present but holds none is kept in additional_info, and the next is tried.
func setTime(a *kit.Alert, doc map[string]any, fields []string, received time.Time) {
	for _, f := range fields {
		v := doc[f]
		if s, ok := v.(string); ok && unrendered(s) {
			v = nil
		}
		if a.SetTime(f, v, kit.ReadEpochMillis, received) {
			return
		}
	}
}

// accountPath finds the account in an issue's URL: https://radar-api.service.newrelic.com/accounts/<n>/issues/...
var accountPath = regexp.MustCompile(`/accounts/(\d+)(?:/|$)`)

// accountOf is the New Relic account an issue URL names, or "".
func accountOf(url string) string {
	if m := accountPath.FindStringSubmatch(url); m != nil {
		return m[1]
	}
	return ""
}

// scalar is an id as text: a string (trimmed) or a number (an integer without ".0"); "" or another type is none.
func scalar(v any) (string, bool) {
	switch v.(type) {
	case string, float64:
		s := text(v)
		return s, s != ""
	}
	return "", false
}

// names is a list of the template's (policy names, condition names, entities) as its non-empty texts; a single
// text, as an edited template may send, is a list of one.
func names(v any) []string {
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, x := range list {
			if s := text(x); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if s := text(v); s != "" {
		return []string{s}
	}
	return nil
}

// line is "<label>: a, b", or "" for an empty list.
func line(label string, list []string) string {
	if len(list) == 0 {
		return ""
	}
	return label + ": " + strings.Join(list, ", ")
}

// handlebars is a variable of New Relic's template language left as written ({{ json issueId }}).
var handlebars = regexp.MustCompile(`^\{\{\s*(?:json\s+)?[A-Za-z_][A-Za-z0-9_.\[\]]*\s*\}\}$`)

// unrendered reports whether s is a template variable nobody filled in, which says nothing about the alert.
func unrendered(s string) bool {
	s = strings.TrimSpace(s)
	return kit.Unrendered(s) || handlebars.MatchString(s)
}

// text is a value as trimmed text; null and an unrendered variable are "".
func text(v any) string {
	s := strings.TrimSpace(kit.Text(v))
	if unrendered(s) {
		return ""
	}
	return s
}
