// Package terraformcloud reads the notifications HCP Terraform and Terraform Enterprise send to a "generic"
// (webhook) destination: run notifications (payload_version 1, the "Send a test" verification and change requests
// among them) and workspace notifications (payload_version "2": health assessments and automatic destroy runs).
package terraformcloud

import (
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "terraform_cloud"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isTerraformCloud, Parse: parseTerraformCloud, Examples: kit.Examples(testdata)}

// isTerraformCloud: every generic notification, of either payload version, names its version and the
// notification configuration that sent it; no other source has that pair.
func isTerraformCloud(doc map[string]any) bool {
	return kit.Has(doc, "payload_version", "notification_configuration_id")
}

// The triggers whose events are read differently from the rest; compared as event.FoldLevel folds them.
const (
	triggerVerification  = "verification"
	triggerCompleted     = "run:completed"
	triggerErrored       = "run:errored"
	triggerDrifted       = "assessment:drifted"
	triggerCheckFailure  = "assessment:check_failure"
	triggerFailed        = "assessment:failed"
	triggerReminder      = "workspace:auto_destroy_reminder"
	triggerResults       = "workspace:auto_destroy_run_results" // as the trigger table names it
	triggerResultsSample = "workspace:auto_destroy_results"     // as the documented sample bodies send it
	triggerChangeRequest = "team:change_request"                // the team trigger; the body itself names none
)

// runTriggers are the triggers of a run's own progress: their events share the run's key, so the alert the run
// opens is resolved by its completion.
var runTriggers = map[string]bool{"run:created": true, "run:planning": true, "run:needs_attention": true,
	"run:applying": true, triggerCompleted: true, triggerErrored: true}

// triggerLevels is the default table from the trigger, which is also the level severity_map sees. A run in
// progress is INFO and one waiting for someone WARNING; run:errored and the automatic destroy results depend on
// the run's status (see runEvent and workspaceEvent); any other trigger is left to severity_map and
// default_severity.
var triggerLevels = kit.Levels{
	"run:created":         event.Info,
	"run:planning":        event.Info,
	"run:applying":        event.Info,
	"run:needs_attention": event.Warning,
	triggerCompleted:      event.Info,
	triggerVerification:   event.Info,
	triggerDrifted:        event.Warning,
	triggerCheckFailure:   event.Error,
	triggerFailed:         event.Error,
	triggerReminder:       event.Info,
	triggerChangeRequest:  event.Info,
}

// assessmentCounts are the numbers of an assessment result, with how the description labels them; they and
// assessmentFlags go into additional_info under their own names.
var assessmentCounts = [][2]string{{"resources_drifted", "Resources drifted"}, {"resources_undrifted", "Resources undrifted"},
	{"checks_passed", "Checks passed"}, {"checks_failed", "Checks failed"}, {"checks_errored", "Checks errored"},
	{"checks_unknown", "Checks unknown"}}

var assessmentFlags = []string{"succeeded", "drifted", "all_checks_succeeded"}

func parseTerraformCloud(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	switch {
	case kit.Has(doc, "change_request_url"):
		a, err := changeRequestEvent(doc, c.Received)
		if err != nil {
			return nil, err
		}
		return []kit.Alert{a}, nil
	case kit.Has(doc, "notifications"):
		return runEvents(doc, c)
	case kit.Has(doc, "trigger"):
		a, err := workspaceEvent(doc, c.Received)
		if err != nil {
			return nil, err
		}
		return []kit.Alert{a}, nil
	}
	// Neither shape: name the field the body's own version calls for.
	if text(doc["payload_version"]) == "2" {
		return nil, kit.Invalid(Name, "trigger", "is missing")
	}
	return nil, kit.Invalid(Name, "notifications", "is missing")
}

// runEvents reads a run notification: one event per element of notifications, which HCP Terraform documents as
// always one today but may roll up several of one run.
func runEvents(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	list, err := c.List(Name, doc, "notifications")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		c.Notice("a terraform_cloud run notification without notifications; no event")
		return nil, nil
	}
	out := make([]kit.Alert, 0, len(list))
	for i, v := range list {
		if err := c.Alive(); err != nil {
			return nil, err
		}
		item, ok := v.(map[string]any)
		if !ok {
			return nil, kit.Invalid(Name, fmt.Sprintf("notifications[%d]", i), "is not an object")
		}
		a, err := runEvent(doc, item, i, c.Received)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// runEvent maps one element of a run notification's notifications.
func runEvent(doc, item map[string]any, i int, received time.Time) (kit.Alert, error) {
	trigger := text(item["trigger"])
	if trigger == "" {
		return kit.Alert{}, kit.Invalid(Name, fmt.Sprintf("notifications[%d].trigger", i), "is missing or empty")
	}
	folded := event.FoldLevel(trigger)
	status := text(item["run_status"])
	runID := text(doc["run_id"])
	ncID := text(doc["notification_configuration_id"])

	a := kit.Alert{Scope: item, Level: trigger}
	a.Type = event.Alert
	a.Severity = triggerLevels.Of(trigger)
	switch {
	case folded == triggerVerification: // "Send a test": no run, so the configuration is what it is about
		a.Key = kit.HashKey(Name, "verification", ncID)
	case runTriggers[folded]:
		if runID == "" {
			return kit.Alert{}, kit.Invalid(Name, "run_id", "is missing or empty")
		}
		a.Key = runKey(runID)
	case runID != "":
		a.Key = runKey(runID)
	default:
		a.Key = otherKey(ncID, trigger)
	}
	switch folded {
	case triggerCompleted:
		a.Type = event.Recovery
	case triggerErrored: // the trigger also reports cancelled and discarded runs, which are no error of Terraform's
		a.Severity = event.Warning
		if strings.EqualFold(status, "errored") {
			a.Severity = event.Error
		}
	}

	// A run notification's time is the run's update; the run's creation stands in for it.
	a.SetTime("run_created_at", doc["run_created_at"], kit.ReadTime, received)
	if v := item["run_updated_at"]; v != nil && v != "" {
		a.SetTime("run_updated_at", v, kit.ReadTime, a.OccurredAt)
	}

	ws := workspaceOf(doc)
	a.Title = ws.title(kit.FirstNonEmpty(text(item["message"]), trigger))
	a.Description = kit.JoinNonEmpty("\n\n", text(doc["run_message"]), lines(
		"Run", runID, "Status", status, "Created by", text(doc["run_created_by"]),
		"Updated by", text(item["run_updated_by"]), "URL", text(doc["run_url"])))
	a.Rule = trigger
	a.Resource = ws.resource()
	a.Provider = "terraform"
	a.Account = ws.org

	info := baseInfo(doc, ws, trigger)
	kit.Put(info, "url", doc["run_url"])
	for _, k := range []string{"run_id", "run_message", "run_created_at", "run_created_by"} {
		kit.Put(info, k, doc[k])
	}
	for _, k := range []string{"message", "run_status", "run_updated_at", "run_updated_by"} {
		kit.Put(info, k, item[k])
	}
	a.AdditionalInfo = info
	return a, nil
}

// workspaceEvent maps a workspace notification (payload_version "2"): a health assessment or an automatic
// destroy run, each keyed by the workspace it is about.
func workspaceEvent(doc map[string]any, received time.Time) (kit.Alert, error) {
	trigger := text(doc["trigger"])
	if trigger == "" {
		return kit.Alert{}, kit.Invalid(Name, "trigger", "is missing or empty")
	}
	details, ok := doc["details"].(map[string]any)
	if !ok && doc["details"] != nil {
		return kit.Alert{}, kit.Invalid(Name, "details", "is not an object")
	}
	ws := workspace{org: text(details["organization_name"]), name: text(details["workspace_name"]), id: text(details["workspace_id"])}

	a := kit.Alert{Scope: details, Level: trigger}
	a.Type = event.Alert
	a.Severity = triggerLevels.Of(trigger)
	a.Title = ws.title(kit.FirstNonEmpty(text(doc["message"]), trigger))
	a.Rule = trigger
	a.Resource = ws.resource()
	a.Provider = "terraform"
	a.Account = ws.org
	info := baseInfo(doc, ws, trigger)
	kit.Put(info, "message", doc["message"])

	switch folded := event.FoldLevel(trigger); folded {
	case triggerDrifted, triggerCheckFailure, triggerFailed:
		// One key per workspace: its drift and failed checks are one standing problem, re-reported by each
		// assessment until someone fixes it (HCP Terraform sends no notification when it clears).
		if ws.id == "" {
			return kit.Alert{}, kit.Invalid(Name, "details.workspace_id", "is missing or empty")
		}
		a.Key = kit.HashKey(Name, "assessment", ws.id)
		result := kit.Obj(details, "new_assessment_result")
		a.SetTime("assessment_created_at", result["created_at"], kit.ReadTime, received)
		counts := make([]string, 0, 2*len(assessmentCounts))
		for _, kl := range assessmentCounts {
			kit.Put(info, kl[0], result[kl[0]])
			counts = append(counts, kl[1], text(result[kl[0]]))
		}
		for _, k := range assessmentFlags {
			kit.Put(info, k, result[k])
		}
		kit.Put(info, "assessment_result_id", result["id"])
		kit.Put(info, "assessment_result_url", result["url"])
		kit.Put(info, "assessment_created_at", result["created_at"])
		a.Description = lines(counts...)
	case triggerReminder, triggerResults, triggerResultsSample:
		// Workspace notifications of automatic destroys carry no workspace id: the names are what is stable.
		if ws.name == "" {
			return kit.Alert{}, kit.Invalid(Name, "details.workspace_name", "is missing or empty")
		}
		a.Key = kit.HashKey(Name, "auto-destroy", ws.org, ws.name)
		status, failure := text(details["run_status"]), text(details["run_create_error_message"])
		if folded == triggerReminder {
			a.OccurredAt = received // auto_destroy_at is when the destroy will run, not when this was sent
			a.Description = lines("Destroy scheduled at", text(details["auto_destroy_at"]))
		} else {
			a.Severity = event.Error
			if failure == "" && strings.EqualFold(status, "applied") {
				a.Type, a.Severity = event.Recovery, event.Info
			}
			a.SetTime("run_created_at", details["run_created_at"], kit.ReadTime, received)
			a.Description = kit.JoinNonEmpty("\n\n", failure, lines("Run", text(details["run_external_id"]), "Status", status))
		}
		kit.Put(info, "run_id", details["run_external_id"])
		for _, k := range []string{"auto_destroy_at", "run_created_at", "run_status", "run_create_error_message", "trigger_type"} {
			kit.Put(info, k, details[k])
		}
	default:
		a.Key = otherKey(text(doc["notification_configuration_id"]), trigger)
		a.OccurredAt = received
	}
	a.AdditionalInfo = info
	return a, nil
}

// changeRequestEvent maps a change request notification: one alert per change request, opened for the team it
// asks something of. Nothing closes it: HCP Terraform notifies of new change requests only.
func changeRequestEvent(doc map[string]any, received time.Time) (kit.Alert, error) {
	url := text(doc["change_request_url"])
	if url == "" {
		return kit.Alert{}, kit.Invalid(Name, "change_request_url", "is missing or empty")
	}
	ws := workspaceOf(doc)
	trigger := kit.FirstNonEmpty(text(doc["trigger"]), triggerChangeRequest)
	a := kit.Alert{Level: trigger}
	a.Key = kit.HashKey(Name, "change-request", url)
	a.Type = event.Alert
	a.Severity = triggerLevels.Of(trigger)
	a.SetTime("change_request_created_at", doc["change_request_created_at"], kit.ReadTime, received)
	a.Title = ws.title(kit.FirstNonEmpty(text(doc["change_request_subject"]), "Change request"))
	a.Description = kit.JoinNonEmpty("\n\n", text(doc["change_request_message"]),
		lines("Created by", text(doc["change_request_created_by"]), "URL", url))
	a.Rule = trigger
	a.Resource = ws.resource()
	a.Provider = "terraform"
	a.Account = ws.org
	info := baseInfo(doc, ws, trigger)
	kit.Put(info, "url", url)
	for _, k := range []string{"change_request_subject", "change_request_created_at", "change_request_created_by"} {
		kit.Put(info, k, doc[k])
	}
	a.AdditionalInfo = info
	return a, nil
}

// runKey pairs every event of one run, from run:created to run:completed or run:errored.
func runKey(runID string) string { return kit.HashKey(Name, "run", runID) }

// otherKey is the key of a notification of a trigger this version does not know: stable per configuration and
// trigger, so repeats of it pair.
func otherKey(ncID, trigger string) string {
	return kit.HashKey(Name, "notification", ncID, event.FoldLevel(trigger))
}

// workspace names what a notification is about.
type workspace struct{ org, name, id string }

// workspaceOf reads the workspace of a payload_version 1 body, whose names are at the top level.
func workspaceOf(doc map[string]any) workspace {
	return workspace{org: text(doc["organization_name"]), name: text(doc["workspace_name"]), id: text(doc["workspace_id"])}
}

// path is "<organization>/<workspace>" when both are known, else the workspace's name.
func (w workspace) path() string {
	if w.org != "" && w.name != "" {
		return w.org + "/" + w.name
	}
	return w.name
}

// title prefixes message with the workspace's path when both names are known: the messages ("Run Errored",
// "Drift Detected") do not say where.
func (w workspace) title(message string) string {
	if w.org != "" && w.name != "" {
		return w.path() + ": " + message
	}
	return message
}

func (w workspace) resource() event.Resource {
	name := kit.FirstNonEmpty(w.path(), w.id)
	if name == "" {
		return event.Resource{}
	}
	return event.Resource{ID: w.id, Type: "terraform.workspace", Name: name}
}

// baseInfo is the additional_info every notification has: what sent it and which workspace it is about.
func baseInfo(doc map[string]any, ws workspace, trigger string) map[string]string {
	info := map[string]string{"trigger": trigger}
	for _, k := range []string{"payload_version", "notification_configuration_id", "notification_configuration_url", "trigger_scope"} {
		kit.Put(info, k, doc[k])
	}
	kit.Put(info, "organization_name", ws.org)
	kit.Put(info, "workspace_name", ws.name)
	kit.Put(info, "workspace_id", ws.id)
	return info
}

// lines writes label/value pairs as "Label: value" lines, leaving out the pairs without a value.
func lines(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pairs[i] + ": " + pairs[i+1])
	}
	return b.String()
}

// text is a value of the body as trimmed text; null is "".
func text(v any) string { return strings.TrimSpace(kit.Text(v)) }
