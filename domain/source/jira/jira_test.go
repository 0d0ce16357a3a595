package jira_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/jira"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	created    = "zulip-issue-created-bug-major.json"
	updated    = "zulip-issue-updated-status-in-progress-medium.json"
	postResolv = "zulip-workflow-transition-postfunction-resolved-fixed.json"
)

// jiraFixture reads a fresh copy of a Jira fixture, so a test may change it.
func jiraFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

func issue(doc map[string]any) map[string]any  { return doc["issue"].(map[string]any) }
func fields(doc map[string]any) map[string]any { return issue(doc)["fields"].(map[string]any) }

// jiraOne parses doc with auto-detection, or opts, and returns its only event.
func jiraOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, jira.Name, opts, doc)
}

func TestJiraDetection(t *testing.T) {
	withFields := map[string]any{"self": "https://x/rest/api/2/issue/1", "fields": map[string]any{}}
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"issue event", map[string]any{"webhookEvent": "jira:issue_created", "timestamp": 1.0, "issue": withFields}, true},
		{"comment event without an issue", map[string]any{"webhookEvent": "comment_created", "timestamp": 1.0, "comment": map[string]any{}}, true},
		{"sprint event", map[string]any{"webhookEvent": "sprint_started", "timestamp": nil, "sprint": map[string]any{}}, true},
		{"issue event without a timestamp", map[string]any{"webhookEvent": "jira:issue_updated", "issue": withFields}, true},
		{"post-function", map[string]any{"transition": map[string]any{}, "issue": withFields}, true},
		{"issue_event_type_name", map[string]any{"issue_event_type_name": nil, "issue": withFields}, true},
		{"webhookEvent without timestamp or issue", map[string]any{"webhookEvent": "jira:issue_created"}, false},
		{"webhookEvent not text", map[string]any{"webhookEvent": 3.0, "timestamp": 1.0}, false},
		{"issue without fields", map[string]any{"transition": map[string]any{}, "issue": map[string]any{"self": "x"}}, false},
		{"transition not an object", map[string]any{"transition": "Done", "issue": withFields}, false},
		{"issue alone", map[string]any{"issue": withFields, "timestamp": 1.0}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == jira.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want jira %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestJiraKeyPairsAnIssuesAlertWithItsRecovery(t *testing.T) {
	open := jiraOne(t, nil, jiraFixture(t, updated))
	done := jiraFixture(t, updated)
	cat := fields(done)["status"].(map[string]any)
	cat["name"], cat["statusCategory"] = "Done", map[string]any{"key": "done", "name": "Done"}
	closed := jiraOne(t, nil, done)
	if open.Type != event.Alert || closed.Type != event.Recovery {
		t.Errorf("types %s then %s, want ALERT then RECOVERY", open.Type, closed.Type)
	}
	if open.Key != "https://zulipp.atlassian.net/rest/api/2/issue/10000" || closed.Key != open.Key {
		t.Errorf("keys %q and %q, want issue.self for both", open.Key, closed.Key)
	}
	// The post-function body has the same issue key TEST-1 on another site: another issue, another key.
	other := jiraOne(t, nil, jiraFixture(t, postResolv))
	if other.Key == open.Key || other.Resource.Name != open.Resource.Name {
		t.Errorf("TEST-1 on two sites: keys %q and %q", open.Key, other.Key)
	}
	// A rename or a move changes issue.key, never issue.self.
	moved := jiraFixture(t, updated)
	issue(moved)["key"] = "OPS-7"
	if got := jiraOne(t, nil, moved).Key; got != open.Key {
		t.Errorf("moved issue keyed %q, want %q", got, open.Key)
	}
}

func TestJiraKeyWithoutSelf(t *testing.T) {
	for _, self := range []any{"absent", nil, "", "{{issue.self}}"} {
		doc := jiraFixture(t, created)
		if self == "absent" {
			delete(issue(doc), "self")
		} else {
			issue(doc)["self"] = self
		}
		if got := jiraOne(t, nil, doc).Key; got != "jira:10400" {
			t.Errorf("self %v: key %q, want jira:<issue.id>", self, got)
		}
	}
	doc := jiraFixture(t, created)
	issue(doc)["self"], issue(doc)["id"] = nil, 10400.0
	if got := jiraOne(t, nil, doc).Key; got != "jira:10400" {
		t.Errorf("numeric id: key %q", got)
	}
}

func TestJiraEventType(t *testing.T) {
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want event.Type
	}{
		{"open, no category", func(map[string]any) {}, event.Alert},
		{"deleted", func(doc map[string]any) { doc["webhookEvent"] = "jira:issue_deleted" }, event.Recovery},
		{"resolution set", func(doc map[string]any) { fields(doc)["resolution"] = map[string]any{"name": "Won't Do"} }, event.Recovery},
		{"resolution as text", func(doc map[string]any) { fields(doc)["resolution"] = "Fixed" }, event.Recovery},
		{"resolution empty", func(doc map[string]any) { fields(doc)["resolution"] = map[string]any{} }, event.Alert},
		{"resolution unfilled", func(doc map[string]any) { fields(doc)["resolution"] = "{{issue.resolution}}" }, event.Alert},
		{"category done", func(doc map[string]any) {
			fields(doc)["status"] = map[string]any{"name": "Shipped", "statusCategory": map[string]any{"key": "done"}}
		}, event.Recovery},
		{"category DONE", func(doc map[string]any) {
			fields(doc)["status"] = map[string]any{"name": "Shipped", "statusCategory": map[string]any{"key": "DONE"}}
		}, event.Recovery},
		{"category in progress", func(doc map[string]any) {
			fields(doc)["status"] = map[string]any{"name": "Resolved", "statusCategory": map[string]any{"key": "indeterminate"}}
		}, event.Alert},
		{"Closed without a category", func(doc map[string]any) { fields(doc)["status"] = map[string]any{"name": "Closed"} }, event.Recovery},
		{"resolved without a category", func(doc map[string]any) { fields(doc)["status"] = map[string]any{"name": " resolved "} }, event.Recovery},
		{"Reopened without a category", func(doc map[string]any) { fields(doc)["status"] = map[string]any{"name": "Reopened"} }, event.Alert},
		{"updated, still open", func(doc map[string]any) { doc["webhookEvent"] = "jira:issue_updated" }, event.Alert},
	}
	for _, tt := range tests {
		doc := jiraFixture(t, created)
		tt.edit(doc)
		if got := jiraOne(t, nil, doc).Type; got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := jiraOne(t, nil, jiraFixture(t, postResolv)).Type; got != event.Recovery {
		t.Errorf("post-function resolving the issue: %s", got)
	}
}

func TestJiraEventsNotAboutAnIssueGiveNoEvent(t *testing.T) {
	for _, hook := range []string{"comment_created", "comment_updated", "worklog_updated", "issuelink_created", "sprint_started", "jira:version_released", "jira:worklog_updated", "user_created"} {
		for _, opts := range []map[string]any{{}, {"source": "jira"}} {
			doc := jiraFixture(t, updated) // a comment event carries the issue too: it must not reopen it
			doc["webhookEvent"] = hook
			delete(doc, "issue_event_type_name")
			res, err := sourcetest.Normalize(sourcetest.Options(t, opts), doc)
			if err != nil {
				t.Fatalf("%s: %v", hook, err)
			}
			if res.Source != jira.Name || len(res.Events) != 0 || !strings.Contains(res.Notice, hook) {
				t.Errorf("%s with %v: source %q, %d events, notice %q; want no event and a notice", hook, opts, res.Source, len(res.Events), res.Notice)
			}
		}
	}
	res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), map[string]any{"webhookEvent": "board_created", "timestamp": 1.0, "board": map[string]any{"id": 1.0}})
	if err != nil || res.Source != jira.Name || len(res.Events) != 0 || res.Notice == "" {
		t.Errorf("board event without an issue: %+v, %v", res, err)
	}
}

func TestJiraSeverity(t *testing.T) {
	tests := []struct {
		priority any
		opts     map[string]any
		want     event.Severity
	}{
		{"Highest", nil, event.Critical},
		{"Blocker", nil, event.Critical},
		{"High", nil, event.Error},
		{"Critical", nil, event.Error},
		{"Medium", nil, event.Warning},
		{"Major", nil, event.Warning},
		{"MAJOR", nil, event.Warning},
		{"Low", nil, event.Info},
		{"Minor", nil, event.Info},
		{"Lowest", nil, event.Info},
		{"Trivial", nil, event.Info},
		{"P0 - Outage", nil, event.NotAvailable},
		{"absent", nil, event.NotAvailable},
		{nil, nil, event.NotAvailable},
		{"{{issue.priority.name}}", nil, event.NotAvailable},
		{"absent", map[string]any{"default_severity": "INFO"}, event.Info},
		{"P0 - Outage", map[string]any{"severity_map": map[string]any{"p0 - outage": "CRITICAL"}}, event.Critical},
		{"Medium", map[string]any{"severity_map": map[string]any{"Medium": "ERROR"}}, event.Error},
	}
	for _, tt := range tests {
		doc := jiraFixture(t, created)
		switch tt.priority {
		case "absent":
			delete(fields(doc), "priority")
		case nil:
			fields(doc)["priority"] = nil
		default:
			fields(doc)["priority"] = map[string]any{"id": "9", "name": tt.priority}
		}
		if got := jiraOne(t, tt.opts, doc).Severity; got != tt.want {
			t.Errorf("priority %v with %v: %s, want %s", tt.priority, tt.opts, got, tt.want)
		}
	}
	// A priority sent as text (an automation's custom body), and a resolved issue keeps its priority's severity.
	doc := jiraFixture(t, created)
	fields(doc)["priority"] = "Blocker"
	if got := jiraOne(t, nil, doc).Severity; got != event.Critical {
		t.Errorf("priority as text: %s", got)
	}
	if e := jiraOne(t, nil, jiraFixture(t, postResolv)); e.Type != event.Recovery || e.Severity != event.Warning {
		t.Errorf("resolved Major issue: %s %s, want RECOVERY WARNING", e.Type, e.Severity)
	}
}

func TestJiraTitleDescriptionRuleResource(t *testing.T) {
	e := jiraOne(t, nil, jiraFixture(t, created))
	if e.Title != "BUG-15: New bug with hook" || e.Description != "Fix me please" {
		t.Errorf("title %q, description %q", e.Title, e.Description)
	}
	if e.Rule != "issue_created" {
		t.Errorf("rule %q, want issue_event_type_name", e.Rule)
	}
	if want := (event.Resource{ID: "10400", Type: "jira.issue", Name: "BUG-15"}); e.Resource != want {
		t.Errorf("resource %+v, want %+v", e.Resource, want)
	}
	if e.Provider != "jira" {
		t.Errorf("provider %q", e.Provider)
	}

	doc := jiraFixture(t, created)
	delete(doc, "issue_event_type_name")
	fields(doc)["summary"] = "  "
	adf := map[string]any{"type": "doc", "version": 1.0, "content": []any{map[string]any{"type": "paragraph"}}}
	fields(doc)["description"] = adf
	e = jiraOne(t, nil, doc)
	if e.Title != "BUG-15" || e.Rule != "jira:issue_created" {
		t.Errorf("without a summary or an event type name: title %q, rule %q", e.Title, e.Rule)
	}
	if e.Description != sourcekit.CompactJSON(adf) {
		t.Errorf("document description %q, want it as JSON text", e.Description)
	}

	doc = jiraFixture(t, created)
	delete(issue(doc), "key")
	if e := jiraOne(t, nil, doc); e.Title != "New bug with hook" || e.Resource.Name != "10400" {
		t.Errorf("without a key: title %q, resource %+v", e.Title, e.Resource)
	}
	// The post-function sends neither webhookEvent nor issue_event_type_name: no rule.
	if e := jiraOne(t, nil, jiraFixture(t, postResolv)); e.Rule != "" || e.Title != "TEST-1: Fix That" || e.Description != "" {
		t.Errorf("post-function: rule %q, title %q, description %q", e.Rule, e.Title, e.Description)
	}
}

func TestJiraTimes(t *testing.T) {
	received := "2026-01-02T03:04:05Z"
	tests := []struct {
		name    string
		ts      any
		updated any
		want    string
		kept    []string // fields kept in additional_info as unreadable
	}{
		{"epoch ms", 1364403238369.0, "absent", "2013-03-27T16:53:58.369Z", nil},
		{"epoch ms as text", "1364403238369", "absent", "2013-03-27T16:53:58.369Z", nil},
		{"epoch ms with an exponent", "1.364403238369e+12", "absent", "2013-03-27T16:53:58.369Z", nil},
		{"no timestamp: fields.updated, offset honoured", "absent", "2017-01-30T18:32:14.716+0100", "2017-01-30T17:32:14.716Z", nil},
		{"null timestamp: fields.updated", nil, "2013-05-23T11:07:13.541-0400", "2013-05-23T15:07:13.541Z", nil},
		{"unreadable timestamp: fields.updated", "soon", "2013-03-27T16:53:58.301+0000", "2013-03-27T16:53:58.301Z", []string{"timestamp"}},
		{"zero timestamp", 0.0, "absent", received, []string{"timestamp"}},
		{"timestamp past 9999", 1e17, "absent", received, []string{"timestamp"}},
		{"neither", "absent", "absent", received, nil},
		{"both unreadable", "soon", "later", received, []string{"timestamp", "fields_updated"}},
	}
	for _, tt := range tests {
		doc := jiraFixture(t, created)
		if tt.ts == "absent" {
			delete(doc, "timestamp")
		} else {
			doc["timestamp"] = tt.ts
		}
		if tt.updated == "absent" {
			delete(fields(doc), "updated")
		} else {
			fields(doc)["updated"] = tt.updated
		}
		e := jiraOne(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
		for _, k := range tt.kept {
			if _, ok := e.AdditionalInfo[k]; !ok {
				t.Errorf("%s: %s not kept in additional_info: %v", tt.name, k, e.AdditionalInfo)
			}
		}
		if _, ok := e.AdditionalInfo["timestamp"]; ok && len(tt.kept) == 0 {
			t.Errorf("%s: a readable or absent timestamp is kept in additional_info", tt.name)
		}
	}
}

func TestJiraAdditionalInfo(t *testing.T) {
	e := jiraOne(t, nil, jiraFixture(t, updated))
	want := map[string]string{
		"project_key": "ABC", "project_name": "Fix That", "issue_type": "Task", "status": "In Progress",
		"status_category": "indeterminate", "priority": "Medium", "reporter": "James Williams", "user": "James Williams",
		"webhook_event": "jira:issue_updated", "changes": "status: To Do→In Progress",
		"url": "https://zulipp.atlassian.net/browse/TEST-1",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	for _, k := range []string{"assignee", "resolution"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info[%s] = %q for a null field", k, v)
		}
	}
	for _, v := range e.AdditionalInfo {
		if strings.Contains(v, "@") {
			t.Errorf("additional_info carries an e-mail address: %q", v)
		}
	}

	post := jiraOne(t, nil, jiraFixture(t, postResolv))
	for k, v := range map[string]string{"resolution": "Fixed", "transition_name": "Reopen Issue", "transition_from": "To Do", "transition_to": "In Progress"} {
		if post.AdditionalInfo[k] != v {
			t.Errorf("post-function additional_info[%s] = %q, want %q", k, post.AdditionalInfo[k], v)
		}
	}

	doc := jiraFixture(t, updated)
	fields(doc)["assignee"] = map[string]any{"accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": "a@example.com"}
	long := strings.Repeat("word ", 500)
	doc["changelog"] = map[string]any{"items": []any{
		map[string]any{"field": "assignee", "from": nil, "fromString": nil, "to": "5b10", "toString": "Ana"},
		map[string]any{"field": "description", "fromString": long, "toString": long + "more"},
		"not an item",
	}}
	e = jiraOne(t, nil, doc)
	if e.AdditionalInfo["assignee"] != "5b10ac8d82e05b22cc7d4ef5" {
		t.Errorf("assignee %q, want the account id (never the e-mail)", e.AdditionalInfo["assignee"])
	}
	changes := e.AdditionalInfo["changes"]
	if !strings.HasPrefix(changes, "assignee: →Ana; description: word") || len(changes) > 400 {
		t.Errorf("changes %q, want each item with its values cut short", sourcekit.Shorten(changes))
	}
}

func TestJiraBrowseURL(t *testing.T) {
	tests := []struct {
		self any
		want string
	}{
		{"https://acme.atlassian.net/rest/api/2/issue/10000", "https://acme.atlassian.net/browse/TEST-1"},
		{"https://jira.acme.com/jira/rest/api/2/issue/10000", "https://jira.acme.com/jira/browse/TEST-1"},
		{"http://jira:8080/rest/api/latest/issue/1", "http://jira:8080/browse/TEST-1"},
		{"ftp://jira/rest/api/2/issue/1", ""},
		{"not a url", ""},
		{"https://%zz", ""},
	}
	for _, tt := range tests {
		doc := jiraFixture(t, updated)
		issue(doc)["self"] = tt.self
		if got := jiraOne(t, nil, doc).AdditionalInfo["url"]; got != tt.want {
			t.Errorf("self %v: url %q, want %q", tt.self, got, tt.want)
		}
	}
}

func TestJiraInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		doc   map[string]any
		field string
	}{
		{"issue event without an issue", map[string]any{"webhookEvent": "jira:issue_created", "timestamp": 1.0}, "issue"},
		{"issue not an object", map[string]any{"webhookEvent": "jira:issue_updated", "timestamp": 1.0, "issue": "BUG-1"}, "issue"},
		{"post-function without an issue", map[string]any{"transition": map[string]any{}, "issue": nil}, "issue"},
		{"no self and no id", map[string]any{"webhookEvent": "jira:issue_created", "timestamp": 1.0,
			"issue": map[string]any{"key": "BUG-1", "fields": map[string]any{"summary": "s"}}}, "issue.self"},
	}
	for _, tt := range tests {
		_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "jira"}), tt.doc)
		var ip *sourcekit.InvalidPayloadError
		if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != jira.Name {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		}
	}
}

func TestJiraOddValuesNeverFail(t *testing.T) {
	odd := []any{nil, "", true, 3.5, []any{1.0, "x"}, map[string]any{"name": map[string]any{"b": 1.0}}, strings.Repeat("x", 10000)}
	for _, file := range []string{created, updated, postResolv} {
		for k := range fields(jiraFixture(t, file)) {
			for _, v := range odd {
				doc := jiraFixture(t, file)
				fields(doc)[k] = v
				if e := jiraOne(t, nil, doc); e.Key == "" || e.Title == "" {
					t.Errorf("%s fields.%s = %v: key %q, title %q", file, k, sourcekit.Shorten(sourcekit.Text(v)), e.Key, e.Title)
				}
			}
		}
		for _, k := range []string{"user", "changelog", "transition", "timestamp", "issue_event_type_name"} {
			for _, v := range odd {
				doc := jiraFixture(t, file)
				if _, ok := doc[k]; !ok {
					continue
				}
				doc[k] = v
				if k == "transition" {
					doc["issue_event_type_name"] = "issue_generic" // keeps the body detected as Jira
				}
				if e := jiraOne(t, nil, doc); e.Key == "" || e.Title == "" {
					t.Errorf("%s %s = %v: key %q, title %q", file, k, sourcekit.Shorten(sourcekit.Text(v)), e.Key, e.Title)
				}
			}
		}
		doc := jiraFixture(t, file)
		issue(doc)["fields"] = nil
		doc["issue_event_type_name"] = "x"
		if e := jiraOne(t, map[string]any{"source": "jira"}, doc); e.Key == "" || e.Title == "" {
			t.Errorf("%s without fields: key %q, title %q", file, e.Key, e.Title)
		}
	}
}
