package terraformcloud_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
	"github.com/monhook/monhook/domain/source/terraformcloud"
)

// tfFixture reads a fresh copy of a Terraform fixture, so a test may change it.
func tfFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

// tfItem is the first element of a run notification's notifications.
func tfItem(doc map[string]any) map[string]any {
	return doc["notifications"].([]any)[0].(map[string]any)
}

func tfDetails(doc map[string]any) map[string]any { return doc["details"].(map[string]any) }

// tfOne parses doc with auto-detection and returns its only event.
func tfOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, terraformcloud.Name, opts, doc)
}

// tfRun is the documented run notification with its one notification's trigger and run status set.
func tfRun(t *testing.T, trigger, status any) map[string]any {
	doc := tfFixture(t, "docs-run-errored-canceled.json")
	tfItem(doc)["trigger"], tfItem(doc)["run_status"] = trigger, status
	return doc
}

// tfChangeRequest is a change request notification with the fields the notification reference lists (no real
// body of one is published).
func tfChangeRequest() map[string]any {
	return map[string]any{
		"payload_version":               1.0,
		"notification_configuration_id": "nc-CR1",
		"change_request_url":            "https://app.terraform.io/app/acme-org/workspaces/my-workspace/change-requests/cr-1",
		"change_request_subject":        "Upgrade the provider",
		"change_request_message":        "Please bump hashicorp/aws to 5.x.",
		"change_request_created_at":     "2024-03-01T10:00:00+09:00",
		"change_request_created_by":     "lead",
		"workspace_id":                  "ws-1",
		"workspace_name":                "my-workspace",
		"organization_name":             "acme-org",
	}
}

func TestTerraformDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"both keys", map[string]any{"payload_version": 1.0, "notification_configuration_id": "nc-1"}, true},
		{"both keys null", map[string]any{"payload_version": nil, "notification_configuration_id": nil}, true},
		{"version 0 and an empty id", map[string]any{"payload_version": 0.0, "notification_configuration_id": ""}, true},
		{"no configuration id", map[string]any{"payload_version": 1.0, "run_id": "run-1", "notifications": []any{}}, false},
		{"no version", map[string]any{"notification_configuration_id": "nc-1", "trigger": "run:created"}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == terraformcloud.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want terraform_cloud %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestTerraformRunOpensAndItsCompletionResolves(t *testing.T) {
	created := tfOne(t, nil, tfFixture(t, "tfbuddy-run-created-pending.json"))
	completed := tfOne(t, nil, tfFixture(t, "tfbuddy-run-completed-planned-and-finished.json"))
	if created.Type != event.Alert || completed.Type != event.Recovery {
		t.Errorf("types %s then %s, want ALERT then RECOVERY", created.Type, completed.Type)
	}
	if created.Key == "" || completed.Key != created.Key {
		t.Errorf("keys %q and %q, want one key for the run", created.Key, completed.Key)
	}
	if created.Key == "run-Vy7sSoyhizTafW8f" {
		t.Error("the key is the raw run id, not a namespaced hash")
	}
	other := tfOne(t, nil, tfFixture(t, "docs-run-errored-canceled.json"))
	if other.Key == created.Key {
		t.Error("two runs share a key")
	}
	// Every event of one run shares its key, whatever the trigger, the configuration or the time.
	for _, trigger := range []string{"run:planning", "run:needs_attention", "run:applying", "run:errored"} {
		doc := tfFixture(t, "tfbuddy-run-created-pending.json")
		tfItem(doc)["trigger"] = trigger
		doc["notification_configuration_id"] = "nc-another"
		tfItem(doc)["run_updated_at"] = "2022-01-23T22:00:00Z"
		if got := tfOne(t, nil, doc).Key; got != created.Key {
			t.Errorf("%s: key %q, want the run's %q", trigger, got, created.Key)
		}
	}
}

func TestTerraformKeysAreNeverRandomOrTimeBased(t *testing.T) {
	for _, f := range sourcetest.Of(t, terraformcloud.Source) {
		opts := sourcetest.Options(t, map[string]any{"source": terraformcloud.Name})
		var keys []string
		for _, at := range []time.Time{sourcetest.Received, sourcetest.Received.Add(90 * time.Minute), time.Now()} {
			res, err := pipeline.Normalize(context.Background(), opts, f.Data(t), at, sourcekit.DefaultBudget)
			if err != nil || len(res.Events) != 1 {
				t.Fatalf("%s: %v, %d events", f.Name(), err, len(res.Events))
			}
			keys = append(keys, res.Events[0].Key)
		}
		if keys[0] == "" || keys[1] != keys[0] || keys[2] != keys[0] {
			t.Errorf("%s: keys %q differ between parses", f.Name(), keys)
		}
	}
}

func TestTerraformRunTriggers(t *testing.T) {
	tests := []struct {
		trigger, status string
		opts            map[string]any
		typ             event.Type
		sev             event.Severity
	}{
		{"run:created", "pending", nil, event.Alert, event.Info},
		{"run:planning", "planning", nil, event.Alert, event.Info},
		{"run:applying", "applying", nil, event.Alert, event.Info},
		{"run:needs_attention", "planned", nil, event.Alert, event.Warning},
		{"run:needs_attention", "policy_override", nil, event.Alert, event.Warning},
		{"run:errored", "errored", nil, event.Alert, event.Error},
		{"run:errored", "ERRORED", nil, event.Alert, event.Error},
		{"run:errored", "canceled", nil, event.Alert, event.Warning},
		{"run:errored", "force_canceled", nil, event.Alert, event.Warning},
		{"run:errored", "discarded", nil, event.Alert, event.Warning},
		{"run:errored", "", nil, event.Alert, event.Warning},
		{"run:completed", "applied", nil, event.Recovery, event.Info},
		{"run:completed", "planned_and_finished", nil, event.Recovery, event.Info},
		{"RUN:Completed", "applied", nil, event.Recovery, event.Info},
		{" run:needs_attention ", "planned", nil, event.Alert, event.Warning},
		{"run:something_new", "pending", nil, event.Alert, event.NotAvailable},
		{"run:something_new", "pending", map[string]any{"default_severity": "INFO"}, event.Alert, event.Info},
		{"run:needs_attention", "planned", map[string]any{"severity_map": map[string]any{"run:needs_attention": "ERROR"}}, event.Alert, event.Error},
		{"run:errored", "canceled", map[string]any{"severity_map": map[string]any{"RUN:ERRORED": "INFO"}}, event.Alert, event.Info},
	}
	for _, tt := range tests {
		e := tfOne(t, tt.opts, tfRun(t, tt.trigger, tt.status))
		if e.Type != tt.typ || e.Severity != tt.sev {
			t.Errorf("%s %s with %v: %s %s, want %s %s", tt.trigger, tt.status, tt.opts, e.Type, e.Severity, tt.typ, tt.sev)
		}
		if e.Rule != strings.TrimSpace(tt.trigger) {
			t.Errorf("%s: rule %q, want the trigger", tt.trigger, e.Rule)
		}
	}
	// An unknown trigger still belongs to its run; without a run it is keyed by configuration and trigger.
	known := tfOne(t, nil, tfRun(t, "run:created", "pending")).Key
	if got := tfOne(t, nil, tfRun(t, "run:something_new", "pending")).Key; got != known {
		t.Errorf("unknown trigger of a run: key %q, want the run's", got)
	}
	bare := func(trigger, nc string) string {
		doc := tfRun(t, trigger, nil)
		doc["run_id"], doc["notification_configuration_id"] = nil, nc
		return tfOne(t, nil, doc).Key
	}
	if a, b, c := bare("new:thing", "nc-1"), bare("new:thing", "nc-2"), bare("new:other", "nc-1"); a == "" || a != bare("new:thing", "nc-1") || a == b || a == c {
		t.Errorf("unknown triggers without a run: keys %q %q %q", a, b, c)
	}
}

func TestTerraformVerification(t *testing.T) {
	doc := tfFixture(t, "docs-send-a-test-verification-nulls.json")
	e := tfOne(t, nil, doc)
	if e.Type != event.Alert || e.Severity != event.Info || e.Title != "Verification of test" || e.Rule != "verification" {
		t.Errorf("verification: %s %s %q rule %q", e.Type, e.Severity, e.Title, e.Rule)
	}
	if e.Resource != (event.Resource{}) || e.Account != "" || !e.OccurredAt.Equal(sourcetest.Received) {
		t.Errorf("verification of no run: resource %+v, account %q, occurred_at %s", e.Resource, e.Account, e.OccurredAt)
	}
	again := tfOne(t, nil, tfFixture(t, "docs-send-a-test-verification-nulls.json"))
	other := tfFixture(t, "docs-send-a-test-verification-nulls.json")
	other["notification_configuration_id"] = "nc-another"
	if again.Key != e.Key || tfOne(t, nil, other).Key == e.Key {
		t.Error("verification keys: want one per notification configuration")
	}
	for _, k := range []string{"run_id", "workspace_id", "url"} {
		if _, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info has %s for a null", k)
		}
	}
}

func TestTerraformAssessments(t *testing.T) {
	tests := []struct {
		trigger string
		sev     event.Severity
	}{
		{"assessment:drifted", event.Warning},
		{"assessment:check_failure", event.Error},
		{"assessment:failed", event.Error},
		{"Assessment:Failed", event.Error},
	}
	var key string
	for _, tt := range tests {
		doc := tfFixture(t, "docs-v2-assessment-drifted.json")
		doc["trigger"] = tt.trigger
		e := tfOne(t, nil, doc)
		if e.Type != event.Alert || e.Severity != tt.sev || e.Rule != tt.trigger {
			t.Errorf("%s: %s %s rule %q, want ALERT %s", tt.trigger, e.Type, e.Severity, e.Rule, tt.sev)
		}
		if key == "" {
			key = e.Key
		} else if e.Key != key {
			t.Errorf("%s: key %q, want the workspace's %q", tt.trigger, e.Key, key)
		}
	}
	doc := tfFixture(t, "docs-v2-assessment-drifted.json")
	tfDetails(doc)["workspace_id"] = "ws-other"
	if tfOne(t, nil, doc).Key == key {
		t.Error("two workspaces share an assessment key")
	}
	run := tfOne(t, nil, tfFixture(t, "docs-run-errored-canceled.json")) // the same workspace, ws-XdeUVMWShTesDMME
	if run.Key == key {
		t.Error("a run and the workspace's assessment share a key")
	}

	e := tfOne(t, nil, tfFixture(t, "docs-v2-assessment-drifted.json"))
	if e.Title != "acme-org/my-workspace: Drift Detected" {
		t.Errorf("title %q", e.Title)
	}
	if !strings.Contains(e.Description, "Resources drifted: 4") || !strings.Contains(e.Description, "Checks failed: 0") {
		t.Errorf("description %q, want the new result's counts", e.Description)
	}
	want := map[string]string{"resources_drifted": "4", "resources_undrifted": "55", "checks_passed": "33", "checks_failed": "0",
		"drifted": "true", "assessment_result_id": "asmtres-vRVQxpqq64EA9V5a", "trigger_scope": "assessment", "payload_version": "2",
		"workspace_id": "ws-XdeUVMWShTesDMME", "trigger": "assessment:drifted"}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
}

func TestTerraformAutoDestroy(t *testing.T) {
	tests := []struct {
		file    string
		trigger string
		status  any
		failure any
		typ     event.Type
		sev     event.Severity
	}{
		{"docs-v2-auto-destroy-reminder.json", "", nil, nil, event.Alert, event.Info},
		{"docs-v2-auto-destroy-results-applied.json", "", "applied", nil, event.Recovery, event.Info},
		{"docs-v2-auto-destroy-results-applied.json", "workspace:auto_destroy_run_results", "applied", nil, event.Recovery, event.Info},
		{"docs-v2-auto-destroy-results-applied.json", "", "Applied", "", event.Recovery, event.Info},
		{"docs-v2-auto-destroy-results-applied.json", "", "errored", nil, event.Alert, event.Error},
		{"docs-v2-auto-destroy-results-applied.json", "", "applied", "could not queue", event.Alert, event.Error},
		{"docs-v2-auto-destroy-results-applied.json", "", nil, nil, event.Alert, event.Error},
		{"docs-v2-auto-destroy-failed-run-creation.json", "", nil, "Configuration version is missing", event.Alert, event.Error},
		{"docs-v2-auto-destroy-failed-run-creation.json", "workspace:auto_destroy_run_results", nil, "Configuration version is missing", event.Alert, event.Error},
	}
	var key string
	for _, tt := range tests {
		doc := tfFixture(t, tt.file)
		if tt.trigger != "" {
			doc["trigger"] = tt.trigger
		}
		tfDetails(doc)["run_status"], tfDetails(doc)["run_create_error_message"] = tt.status, tt.failure
		e := tfOne(t, nil, doc)
		if e.Type != tt.typ || e.Severity != tt.sev {
			t.Errorf("%s %s status %v failure %v: %s %s, want %s %s", tt.file, tt.trigger, tt.status, tt.failure, e.Type, e.Severity, tt.typ, tt.sev)
		}
		if key == "" {
			key = e.Key
		} else if e.Key != key {
			t.Errorf("%s %s: key %q, want the reminder's %q", tt.file, tt.trigger, e.Key, key)
		}
	}
	for field, value := range map[string]string{"workspace_name": "other-workspace", "organization_name": "other-org"} {
		doc := tfFixture(t, "docs-v2-auto-destroy-reminder.json")
		tfDetails(doc)[field] = value
		if tfOne(t, nil, doc).Key == key {
			t.Errorf("another %s shares the auto-destroy key", field)
		}
	}
	failed := tfOne(t, nil, tfFixture(t, "docs-v2-auto-destroy-failed-run-creation.json"))
	if !strings.Contains(failed.Description, "Configuration version is missing") {
		t.Errorf("failed run creation: description %q, want the error", failed.Description)
	}
	if failed.Resource.Name != "acme-org/learned-english-dog" || failed.Resource.Type != "terraform.workspace" {
		t.Errorf("resource %+v", failed.Resource)
	}
	applied := tfOne(t, nil, tfFixture(t, "docs-v2-auto-destroy-results-applied.json"))
	if applied.AdditionalInfo["run_id"] != "run-vRVQxpqq64EA9V5a" || !strings.Contains(applied.Description, "run-vRVQxpqq64EA9V5a") {
		t.Errorf("results: run_id %q, description %q, want the destroy run's id", applied.AdditionalInfo["run_id"], applied.Description)
	}
}

func TestTerraformChangeRequest(t *testing.T) {
	e := tfOne(t, nil, tfChangeRequest())
	if e.Type != event.Alert || e.Severity != event.Info {
		t.Errorf("change request: %s %s", e.Type, e.Severity)
	}
	if e.Title != "acme-org/my-workspace: Upgrade the provider" || !strings.HasPrefix(e.Description, "Please bump hashicorp/aws to 5.x.") {
		t.Errorf("title %q, description %q", e.Title, e.Description)
	}
	if got := event.FormatTime(e.OccurredAt); got != "2024-03-01T01:00:00Z" {
		t.Errorf("occurred_at %s, want change_request_created_at in UTC", got)
	}
	if e.AdditionalInfo["url"] != tfChangeRequest()["change_request_url"] || e.Resource.ID != "ws-1" {
		t.Errorf("url %q, resource %+v", e.AdditionalInfo["url"], e.Resource)
	}
	other := tfChangeRequest()
	other["change_request_url"] = "https://app.terraform.io/app/acme-org/workspaces/my-workspace/change-requests/cr-2"
	if tfOne(t, nil, other).Key == e.Key || tfOne(t, nil, tfChangeRequest()).Key != e.Key {
		t.Error("change request keys: want one per change request")
	}
}

func TestTerraformUnknownWorkspaceTrigger(t *testing.T) {
	doc := tfFixture(t, "docs-v2-assessment-drifted.json")
	doc["trigger"] = "workspace:something_new"
	e := tfOne(t, nil, doc)
	if e.Type != event.Alert || e.Severity != event.NotAvailable || e.Key == "" || !e.OccurredAt.Equal(sourcetest.Received) {
		t.Errorf("unknown trigger: %s %s key %q at %s", e.Type, e.Severity, e.Key, e.OccurredAt)
	}
	doc["trigger"] = "workspace:something_else"
	if tfOne(t, nil, doc).Key == e.Key {
		t.Error("two unknown triggers share a key")
	}
}

func TestTerraformTitleAndResource(t *testing.T) {
	tests := []struct {
		name     string
		set      map[string]any
		title    string
		resource event.Resource
	}{
		{"both names", nil, "acme-org/my-workspace: Run Canceled",
			event.Resource{ID: "ws-XdeUVMWShTesDMME", Type: "terraform.workspace", Name: "acme-org/my-workspace"}},
		{"no organization", map[string]any{"organization_name": nil}, "Run Canceled",
			event.Resource{ID: "ws-XdeUVMWShTesDMME", Type: "terraform.workspace", Name: "my-workspace"}},
		{"only the id", map[string]any{"organization_name": nil, "workspace_name": ""}, "Run Canceled",
			event.Resource{ID: "ws-XdeUVMWShTesDMME", Type: "terraform.workspace", Name: "ws-XdeUVMWShTesDMME"}},
		{"nothing", map[string]any{"organization_name": nil, "workspace_name": nil, "workspace_id": nil}, "Run Canceled", event.Resource{}},
	}
	for _, tt := range tests {
		doc := tfFixture(t, "docs-run-errored-canceled.json")
		for k, v := range tt.set {
			doc[k] = v
		}
		e := tfOne(t, nil, doc)
		if e.Title != tt.title || e.Resource != tt.resource {
			t.Errorf("%s: title %q, resource %+v; want %q, %+v", tt.name, e.Title, e.Resource, tt.title, tt.resource)
		}
	}
	doc := tfFixture(t, "docs-run-errored-canceled.json")
	delete(tfItem(doc), "message")
	if got := tfOne(t, nil, doc).Title; got != "acme-org/my-workspace: run:errored" {
		t.Errorf("title without a message %q, want the trigger", got)
	}

	e := tfOne(t, nil, tfFixture(t, "docs-run-errored-canceled.json"))
	for _, want := range []string{"Add five new queue workers", "run-FwnENkvDnrpyFC7M", "canceled", "sample-user",
		"https://app.terraform.io/app/acme-org/my-workspace/runs/run-FwnENkvDnrpyFC7M"} {
		if !strings.Contains(e.Description, want) {
			t.Errorf("description %q lacks %q", e.Description, want)
		}
	}
	if !strings.HasPrefix(e.Description, "Add five new queue workers\n\n") {
		t.Errorf("description %q, want the run message first", e.Description)
	}
	if e.Provider != "terraform" || e.Account != "acme-org" || e.Rule != "run:errored" {
		t.Errorf("provider %q, account %q, rule %q", e.Provider, e.Account, e.Rule)
	}
	want := map[string]string{"url": "https://app.terraform.io/app/acme-org/my-workspace/runs/run-FwnENkvDnrpyFC7M",
		"trigger": "run:errored", "run_status": "canceled", "run_id": "run-FwnENkvDnrpyFC7M", "run_message": "Add five new queue workers",
		"run_created_by": "sample-user", "run_updated_by": "sample-user", "workspace_id": "ws-XdeUVMWShTesDMME",
		"notification_configuration_id": "nc-AeUQ2zfKZzW9TiGZ", "payload_version": "1"}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
}

func TestTerraformTimes(t *testing.T) {
	tests := []struct {
		name             string
		created, updated any
		want             string
		kept             map[string]string // unreadable values kept in additional_info
	}{
		{"update first", "2019-01-25T18:34:00.000Z", "2019-01-25T18:37:04.250Z", "2019-01-25T18:37:04.25Z", nil},
		{"offset to UTC", "2019-01-25T18:34:00Z", "2019-01-26T03:37:04+09:00", "2019-01-25T18:37:04Z", nil},
		{"no zone is UTC", "2019-01-25T18:34:00Z", "2019-01-25T18:37:04", "2019-01-25T18:37:04Z", nil},
		{"no update", "2019-01-25T18:34:00.000Z", nil, "2019-01-25T18:34:00Z", nil},
		{"empty update", "2019-01-25T18:34:00.000Z", "", "2019-01-25T18:34:00Z", nil},
		{"unreadable update", "2019-01-25T18:34:00.000Z", "yesterday", "2019-01-25T18:34:00Z", map[string]string{"run_updated_at": "yesterday"}},
		{"year out of range", "2019-01-25T18:34:00.000Z", "0000-01-01T00:00:00Z", "2019-01-25T18:34:00Z", map[string]string{"run_updated_at": "0000-01-01T00:00:00Z"}},
		{"neither", nil, nil, "2026-01-02T03:04:05Z", nil},
		{"both unreadable", "soon", "later", "2026-01-02T03:04:05Z", map[string]string{"run_created_at": "soon", "run_updated_at": "later"}},
	}
	for _, tt := range tests {
		doc := tfFixture(t, "docs-run-errored-canceled.json")
		doc["run_created_at"], tfItem(doc)["run_updated_at"] = tt.created, tt.updated
		e := tfOne(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s: occurred_at %s, want %s", tt.name, got, tt.want)
		}
		for k, v := range tt.kept {
			if e.AdditionalInfo[k] != v {
				t.Errorf("%s: additional_info[%s] = %q, want %q", tt.name, k, e.AdditionalInfo[k], v)
			}
		}
	}

	v2 := []struct {
		file, path string
		value      any
		want       string
	}{
		{"docs-v2-assessment-drifted.json", "new_assessment_result.created_at", "2022-06-09T14:23:10+09:00", "2022-06-09T05:23:10Z"},
		{"docs-v2-assessment-drifted.json", "new_assessment_result.created_at", "not a time", "2026-01-02T03:04:05Z"},
		{"docs-v2-assessment-drifted.json", "new_assessment_result", nil, "2026-01-02T03:04:05Z"},
		{"docs-v2-auto-destroy-results-applied.json", "run_created_at", "2022-06-09T05:22:51.5Z", "2022-06-09T05:22:51.5Z"},
		{"docs-v2-auto-destroy-results-applied.json", "run_created_at", nil, "2026-01-02T03:04:05Z"},
		// A reminder happened when it was sent: auto_destroy_at is when the destroy will run.
		{"docs-v2-auto-destroy-reminder.json", "auto_destroy_at", "2020-01-01T00:00:00Z", "2026-01-02T03:04:05Z"},
	}
	for _, tt := range v2 {
		doc := tfFixture(t, tt.file)
		parent, key := tfDetails(doc), tt.path
		if before, after, nested := strings.Cut(tt.path, "."); nested {
			parent, key = parent[before].(map[string]any), after
		}
		parent[key] = tt.value
		e := tfOne(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("%s %s=%v: occurred_at %s, want %s", tt.file, tt.path, tt.value, got, tt.want)
		}
	}
	doc := tfFixture(t, "docs-v2-assessment-drifted.json")
	tfDetails(doc)["new_assessment_result"].(map[string]any)["created_at"] = "not a time"
	if got := tfOne(t, nil, doc).AdditionalInfo["assessment_created_at"]; got != "not a time" {
		t.Errorf("unreadable assessment time kept as %q", got)
	}
}

func TestTerraformOneEventPerNotification(t *testing.T) {
	doc := tfFixture(t, "tfbuddy-run-created-pending.json")
	second := map[string]any{"message": "Run Planning", "trigger": "run:planning", "run_status": "planning",
		"run_updated_at": "2022-01-23T21:22:05Z"}
	doc["notifications"] = append(doc["notifications"].([]any), second)
	events := sourcetest.Events(t, map[string]any{}, doc)
	if len(events) != 2 || events[0].Rule != "run:created" || events[1].Rule != "run:planning" || events[0].Key != events[1].Key {
		t.Fatalf("events %+v, want run:created then run:planning of one run", events)
	}
	if got := event.FormatTime(events[1].OccurredAt); got != "2022-01-23T21:22:05Z" {
		t.Errorf("second notification at %s, want its own run_updated_at", got)
	}
}

func TestTerraformZeroEvents(t *testing.T) {
	doc := tfFixture(t, "tfbuddy-run-created-pending.json")
	doc["notifications"] = []any{}
	res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), doc)
	if err != nil || res.Source != terraformcloud.Name || len(res.Events) != 0 || res.Notice == "" {
		t.Errorf("no notifications: %v, source %q, %d events, notice %q", err, res.Source, len(res.Events), res.Notice)
	}
}

func TestTerraformInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		edit  func(doc map[string]any)
		field string
	}{
		{"notifications not a list", "docs-run-errored-canceled.json", func(d map[string]any) { d["notifications"] = map[string]any{} }, "notifications"},
		{"notifications null", "docs-run-errored-canceled.json", func(d map[string]any) { d["notifications"] = nil }, "notifications"},
		{"a notification not an object", "docs-run-errored-canceled.json", func(d map[string]any) { d["notifications"] = []any{"x"} }, "notifications[0]"},
		{"no trigger", "docs-run-errored-canceled.json", func(d map[string]any) { delete(tfItem(d), "trigger") }, "notifications[0].trigger"},
		{"run without run_id", "docs-run-errored-canceled.json", func(d map[string]any) { d["run_id"] = nil }, "run_id"},
		{"run with an empty run_id", "tfbuddy-run-completed-planned-and-finished.json", func(d map[string]any) { d["run_id"] = " " }, "run_id"},
		{"version 1, no shape", "docs-run-errored-canceled.json", func(d map[string]any) { delete(d, "notifications") }, "notifications"},
		{"version 2, no shape", "docs-v2-assessment-drifted.json", func(d map[string]any) { delete(d, "trigger") }, "trigger"},
		{"empty trigger", "docs-v2-assessment-drifted.json", func(d map[string]any) { d["trigger"] = "" }, "trigger"},
		{"details not an object", "docs-v2-assessment-drifted.json", func(d map[string]any) { d["details"] = "x" }, "details"},
		{"assessment without workspace", "docs-v2-assessment-drifted.json", func(d map[string]any) { delete(tfDetails(d), "workspace_id") }, "details.workspace_id"},
		{"assessment without details", "docs-v2-assessment-drifted.json", func(d map[string]any) { d["details"] = nil }, "details.workspace_id"},
		{"auto destroy without workspace", "docs-v2-auto-destroy-reminder.json", func(d map[string]any) { tfDetails(d)["workspace_name"] = nil }, "details.workspace_name"},
		{"change request without url", "docs-run-errored-canceled.json", func(d map[string]any) { d["change_request_url"] = nil }, "change_request_url"},
	}
	for _, tt := range tests {
		doc := tfFixture(t, tt.file)
		tt.edit(doc)
		_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), doc)
		var ip *sourcekit.InvalidPayloadError
		if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != terraformcloud.Name {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		} else if len(err.Error()) > 200 {
			t.Errorf("%s: error too long: %s", tt.name, err)
		}
	}
}

func TestTerraformTooManyNotifications(t *testing.T) {
	doc := tfFixture(t, "tfbuddy-run-created-pending.json")
	item := tfItem(doc)
	list := make([]any, sourcekit.DefaultBudget.MaxEvents+1)
	for i := range list {
		list[i] = item
	}
	doc["notifications"] = list
	_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), doc)
	var le *sourcekit.LimitError
	if !errors.As(err, &le) || le.Limit != "max_events" {
		t.Errorf("error %v, want max_events", err)
	}
}
