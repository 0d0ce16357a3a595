// Package jira reads Jira's webhooks (Cloud, Server and Data Center) and its workflow post-function webhooks: an
// issue opens an alert keyed by the issue, resolving, closing or deleting it resolves the alert, and its priority
// gives the severity. Webhook events that are not about an issue (comments, worklogs, sprints, versions) give no
// event: they would reopen resolved issues.
package jira

import (
	"embed"
	"net/url"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "jira"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isJira, Parse: parseJira, Examples: kit.Examples(testdata)}

// isJira: every Jira webhook names its event in webhookEvent beside the time it fired (issue events, and the
// comment, worklog or sprint events that give no event but must not be refused). An issue with its fields is
// Jira's beside a webhookEvent, an issue_event_type_name, or a transition (a workflow post-function, which sends
// no webhookEvent).
func isJira(doc map[string]any) bool {
	_, hook := doc["webhookEvent"].(string)
	if hook && kit.Has(doc, "timestamp") {
		return true
	}
	issue, ok := doc["issue"].(map[string]any)
	if !ok {
		return false
	}
	if _, ok := issue["fields"].(map[string]any); !ok {
		return false
	}
	_, transition := doc["transition"].(map[string]any)
	return hook || transition || kit.Has(doc, "issue_event_type_name")
}

// jiraLevels is the default table from fields.priority.name: Jira Cloud's default scheme (Highest … Lowest) and
// Jira Server's older one (Blocker … Trivial) share the ids 1 to 5. Custom priorities are left to severity_map and
// default_severity.
var jiraLevels = kit.Levels{
	"highest":  event.Critical,
	"blocker":  event.Critical,
	"high":     event.Error,
	"critical": event.Error,
	"medium":   event.Warning,
	"major":    event.Warning,
	"low":      event.Info,
	"minor":    event.Info,
	"lowest":   event.Info,
	"trivial":  event.Info,
}

// closedStatuses resolve an issue whose status has no statusCategory (Jira Server before 6.2 sends none): the
// default workflows' final statuses.
var closedStatuses = map[string]bool{"done": true, "closed": true, "resolved": true}

func parseJira(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	hook := kit.Filled(doc["webhookEvent"])
	_, transition := doc["transition"].(map[string]any)
	// Only issue events (jira:issue_created, _updated, _deleted) and post-functions say what state an issue is
	// in; a comment_created or worklog_updated read as an alert would reopen an issue that is resolved.
	if hook != "" && !strings.HasPrefix(hook, "jira:issue_") && !transition {
		c.Notice("the Jira event " + kit.Shorten(hook) + " is not about an issue's state: no event")
		return nil, nil
	}
	issue, ok := doc["issue"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "issue", "is not an object")
	}
	fields := kit.Obj(issue, "fields")
	self, id, key := kit.Filled(issue["self"]), kit.Filled(issue["id"]), kit.Filled(issue["key"])

	a := kit.Alert{Scope: issue}
	// issue.self (the site and the issue's numeric id) is unique across sites and stays when an issue is renamed
	// or moved; it is the key Cloudforet's plugin uses, so alerts it opened still pair.
	a.Key = self
	if a.Key == "" && id != "" {
		a.Key = "jira:" + id
	}
	if a.Key == "" {
		return nil, kit.Invalid(Name, "issue.self", "is missing or empty, and so is issue.id")
	}

	status := kit.Obj(fields, "status")
	category := kit.Filled(kit.Obj(status, "statusCategory")["key"])
	a.Type = event.Alert
	switch {
	case hook == "jira:issue_deleted", present(fields["resolution"]), event.FoldLevel(category) == "done",
		category == "" && closedStatuses[event.FoldLevel(kit.Filled(status["name"]))]:
		a.Type = event.Recovery
	}
	a.Level = name(fields["priority"])
	a.Severity = jiraLevels.Of(a.Level)

	summary := kit.Filled(fields["summary"])
	a.Title = kit.JoinNonEmpty(": ", key, summary)
	a.Description = kit.Filled(fields["description"]) // Cloud's API v3 sends a document object: kept as JSON text
	a.Rule = kit.FirstNonEmpty(kit.Filled(doc["issue_event_type_name"]), hook)
	a.Resource = event.Resource{ID: id, Type: "jira.issue", Name: kit.FirstNonEmpty(key, id)}
	a.Provider = "jira"
	if !a.SetTime("timestamp", doc["timestamp"], kit.ReadEpochMillis, c.Received) {
		if v := fields["updated"]; v != nil && v != "" {
			a.SetTime("fields.updated", v, kit.ReadTime, c.Received)
		}
	}

	info := map[string]string{}
	project := kit.Obj(fields, "project")
	transitionObj := kit.Obj(doc, "transition")
	for k, v := range map[string]string{
		"project_key":     kit.Filled(project["key"]),
		"project_name":    kit.Filled(project["name"]),
		"issue_type":      name(fields["issuetype"]),
		"status":          name(fields["status"]),
		"status_category": category,
		"priority":        a.Level,
		"resolution":      name(fields["resolution"]),
		"reporter":        user(fields["reporter"]),
		"assignee":        user(fields["assignee"]),
		"user":            user(doc["user"]),
		"webhook_event":   hook,
		"changes":         changes(kit.Obj(doc, "changelog")),
		"url":             browseURL(self, key),
		"transition_name": kit.Filled(transitionObj["transitionName"]),
		"transition_from": kit.Filled(transitionObj["from_status"]),
		"transition_to":   kit.Filled(transitionObj["to_status"]),
	} {
		if v != "" {
			info[k] = v
		}
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// name is the name of one of Jira's named objects (priority, status, resolution, issue type), or the value itself
// when it is sent as text.
func name(v any) string {
	if m, ok := v.(map[string]any); ok {
		return kit.Filled(m["name"])
	}
	return kit.Filled(v)
}

// present reports whether a field holds something: a resolution is null until the issue is resolved.
func present(v any) bool {
	if m, ok := v.(map[string]any); ok {
		return len(m) > 0
	}
	return kit.Filled(v) != ""
}

// user names a Jira user by display name, else by user name (Server) or account id (Cloud); never by e-mail.
func user(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return kit.Filled(v)
	}
	return kit.FirstNonEmpty(kit.Filled(m["displayName"]), kit.Filled(m["name"]), kit.Filled(m["accountId"]))
}

// changes writes the changelog's items as "field: from→to; …", each value cut short: a changed description
// would copy both texts whole.
func changes(changelog map[string]any) string {
	items, _ := changelog["items"].([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		from := kit.FirstNonEmpty(kit.Filled(m["fromString"]), kit.Filled(m["from"]))
		to := kit.FirstNonEmpty(kit.Filled(m["toString"]), kit.Filled(m["to"]))
		out = append(out, kit.Filled(m["field"])+": "+kit.Shorten(from)+"→"+kit.Shorten(to))
	}
	return strings.Join(out, "; ")
}

// browseURL is the issue's page: the site of issue.self (with the context path a Server install may have before
// /rest/) and /browse/<key>; "" when self is not an http(s) URL or there is no key.
func browseURL(self, key string) string {
	u, err := url.Parse(self)
	if err != nil || key == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	base, _, _ := strings.Cut(u.Path, "/rest/")
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(base, "/") + "/browse/" + url.PathEscape(key)
}
