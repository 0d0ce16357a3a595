package jenkins_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/jenkins"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// jenkinsFixture reads a fresh copy of a Jenkins fixture, so a test may change it.
func jenkinsFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

// failedBuild is a finished failed build as the plugin's JobState serializes it (every field it sends). No
// captured public body of a failed build ties to a repository, so this one is written here, not in testdata.
func failedBuild() map[string]any {
	return map[string]any{
		"name":         "deploy-web",
		"display_name": "Deploy web",
		"url":          "job/deploy-web/",
		"build": map[string]any{
			"full_url":   "https://ci.example.com/job/deploy-web/41/",
			"number":     41.0,
			"queue_id":   907.0,
			"timestamp":  1717236000123.0, // 2024-06-01T10:00:00.123Z
			"duration":   95000.0,
			"phase":      "COMPLETED",
			"status":     "FAILURE",
			"url":        "job/deploy-web/41/",
			"scm":        map[string]any{"url": "https://git.example.com/web.git", "branch": "origin/main", "commit": "0a1b2c", "changes": []any{"src/app.go"}, "culprits": []any{"ana", "bo"}},
			"parameters": map[string]any{"TARGET": "prod", "DRY_RUN": "false"},
			"log":        "Started by user ana\n+ make deploy\nerror: connection refused\nBuild step 'Execute shell' marked build as failure\n",
			"notes":      "Deploys the web tier",
			"artifacts":  map[string]any{},
			"test_summary": map[string]any{"total": 43.0, "failed": 2.0, "passed": 40.0, "skipped": 1.0,
				"failedTests": []any{"web.TestLogin", "web.TestLogout"}},
		},
	}
}

func build(doc map[string]any) map[string]any { return doc["build"].(map[string]any) }

// jenkinsOne parses doc with auto-detection, or opts, and returns its only event.
func jenkinsOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, jenkins.Name, opts, doc)
}

func TestJenkinsDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"phase", map[string]any{"name": "j", "build": map[string]any{"phase": "COMPLETED"}}, true},
		{"full_url only", map[string]any{"name": "j", "build": map[string]any{"full_url": "http://ci/job/j/1/"}}, true},
		{"null values still count", map[string]any{"name": nil, "build": map[string]any{"phase": nil}}, true},
		{"empty values still count", map[string]any{"name": "", "url": "", "build": map[string]any{"phase": ""}}, true},
		{"no name", map[string]any{"url": "job/j/", "build": map[string]any{"phase": "COMPLETED"}}, false},
		{"build without phase or full_url", map[string]any{"name": "j", "build": map[string]any{"status": "FAILURE"}}, false},
		{"build not an object", map[string]any{"name": "j", "build": "COMPLETED", "phase": "COMPLETED"}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == jenkins.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want jenkins %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestJenkinsFailureThenSuccessShareTheJobKey(t *testing.T) {
	failed := jenkinsOne(t, nil, failedBuild())
	next := failedBuild()
	b := build(next)
	b["number"], b["status"], b["phase"], b["full_url"] = 42.0, "SUCCESS", "FINALIZED", "https://ci.example.com/job/deploy-web/42/"
	fixed := jenkinsOne(t, nil, next)
	if failed.Type != event.Alert || fixed.Type != event.Recovery {
		t.Errorf("types %s then %s, want ALERT then RECOVERY", failed.Type, fixed.Type)
	}
	if failed.Key != "job/deploy-web/" || fixed.Key != failed.Key {
		t.Errorf("keys %q and %q, want the job's url for both builds", failed.Key, fixed.Key)
	}
	other := failedBuild()
	other["url"], other["name"] = "job/deploy-api/", "deploy-api"
	if got := jenkinsOne(t, nil, other).Key; got == failed.Key {
		t.Errorf("two jobs share the key %q", got)
	}
	// The real bodies are keyed the same way: the job's url, verbatim, as Cloudforet's plugin keys them.
	if got := jenkinsOne(t, nil, jenkinsFixture(t, "cloudforet-test-finalized-success-struct-floats.json")).Key; got != "job/Freestyle%20Job%201/" {
		t.Errorf("Cloudforet's body keyed %q, want its url", got)
	}
}

func TestJenkinsKeyFallsBackToTheName(t *testing.T) {
	for _, url := range []any{"absent", nil, "", "  ", "${JOB_URL}"} {
		doc := failedBuild()
		if url == "absent" {
			delete(doc, "url")
		} else {
			doc["url"] = url
		}
		if got := jenkinsOne(t, nil, doc).Key; got != "deploy-web" {
			t.Errorf("url %q: key %q, want the job's name", url, got)
		}
	}
}

func TestJenkinsStatus(t *testing.T) {
	tests := []struct {
		status   any
		opts     map[string]any
		wantType event.Type
		wantSev  event.Severity
	}{
		{"FAILURE", nil, event.Alert, event.Error},
		{"failure", nil, event.Alert, event.Error},
		{"FAILED", nil, event.Alert, event.Error},
		{"UNSTABLE", nil, event.Alert, event.Warning},
		{"ABORTED", nil, event.Alert, event.Warning},
		{"NOT_BUILT", nil, event.Alert, event.Info},
		{"SUCCESS", nil, event.Recovery, event.Info},
		{" Success ", nil, event.Recovery, event.Info},
		{"EXPLODED", nil, event.Alert, event.NotAvailable},
		{"absent", nil, event.Alert, event.NotAvailable},
		{nil, nil, event.Alert, event.NotAvailable},
		{"absent", map[string]any{"default_severity": "WARNING"}, event.Alert, event.Warning},
		{"UNSTABLE", map[string]any{"severity_map": map[string]any{"unstable": "ERROR"}}, event.Alert, event.Error},
		{"EXPLODED", map[string]any{"severity_map": map[string]any{"Exploded": "CRITICAL"}}, event.Alert, event.Critical},
	}
	for _, tt := range tests {
		doc := failedBuild()
		if tt.status == "absent" {
			delete(build(doc), "status")
		} else {
			build(doc)["status"] = tt.status
		}
		e := jenkinsOne(t, tt.opts, doc)
		if e.Type != tt.wantType || e.Severity != tt.wantSev {
			t.Errorf("status %v with %v: %s %s, want %s %s", tt.status, tt.opts, e.Type, e.Severity, tt.wantType, tt.wantSev)
		}
	}
}

func TestJenkinsUnfinishedPhasesGiveNoEvent(t *testing.T) {
	for _, phase := range []string{"QUEUED", "STARTED", "started", " Queued "} {
		for _, opts := range []map[string]any{{}, {"source": "jenkins"}} {
			doc := failedBuild() // STARTED carries the previous build's status: a FAILURE here must not alert
			build(doc)["phase"] = phase
			delete(doc, "url") // a body that gives no event needs no key
			delete(doc, "name")
			if len(opts) == 0 {
				doc["name"] = "deploy-web"
			}
			res, err := sourcetest.Normalize(sourcetest.Options(t, opts), doc)
			if err != nil {
				t.Fatalf("%s: %v", phase, err)
			}
			if res.Source != jenkins.Name || len(res.Events) != 0 || res.Notice == "" {
				t.Errorf("phase %q with %v: source %q, %d events, notice %q; want no event and a notice", phase, opts, res.Source, len(res.Events), res.Notice)
			}
		}
	}
	// COMPLETED and FINALIZED both report the finished build, and a body without a phase is read by its status.
	for _, phase := range []any{"COMPLETED", "FINALIZED", "NONE", nil} {
		doc := failedBuild()
		build(doc)["phase"] = phase
		if e := jenkinsOne(t, nil, doc); e.Type != event.Alert || e.Severity != event.Error {
			t.Errorf("phase %v: %s %s, want a FAILURE alert", phase, e.Type, e.Severity)
		}
	}
}

func TestJenkinsTitleDescriptionRuleResource(t *testing.T) {
	e := jenkinsOne(t, nil, failedBuild())
	if e.Title != "Deploy web #41 FAILURE" {
		t.Errorf("title %q, want the display name, the build number as an integer and the status", e.Title)
	}
	for _, part := range []string{"Deploys the web tier", "Tests: 2 failed, 40 passed, 1 skipped of 43", "https://ci.example.com/job/deploy-web/41/"} {
		if !strings.Contains(e.Description, part) {
			t.Errorf("description %q lacks %q", e.Description, part)
		}
	}
	if e.Rule != "deploy-web" {
		t.Errorf("rule %q, want the job's name", e.Rule)
	}
	if want := (event.Resource{ID: "job/deploy-web/", Type: "jenkins.job", Name: "deploy-web"}); e.Resource != want {
		t.Errorf("resource %+v, want %+v", e.Resource, want)
	}
	if e.Provider != "jenkins" {
		t.Errorf("provider %q", e.Provider)
	}

	tests := []struct {
		name string
		edit func(doc, b map[string]any)
		want string
	}{
		{"no display name", func(doc, _ map[string]any) { delete(doc, "display_name") }, "deploy-web #41 FAILURE"},
		{"unfilled display name", func(doc, _ map[string]any) { doc["display_name"] = "${JOB_DISPLAY_NAME}" }, "deploy-web #41 FAILURE"},
		{"no number", func(_, b map[string]any) { delete(b, "number") }, "Deploy web FAILURE"},
		{"number as text", func(_, b map[string]any) { b["number"] = "41" }, "Deploy web #41 FAILURE"},
		{"no status", func(_, b map[string]any) { b["status"] = nil }, "Deploy web #41"},
	}
	for _, tt := range tests {
		doc := failedBuild()
		tt.edit(doc, build(doc))
		if got := jenkinsOne(t, nil, doc).Title; got != tt.want {
			t.Errorf("%s: title %q, want %q", tt.name, got, tt.want)
		}
	}
	// Cloudforet's body: number 12.0 as a Struct double.
	if got := jenkinsOne(t, nil, jenkinsFixture(t, "cloudforet-test-finalized-success-struct-floats.json")).Title; got != "Freestyle Job 1 #12 SUCCESS" {
		t.Errorf("Cloudforet's body: title %q", got)
	}
	bare := map[string]any{"name": "nightly", "build": map[string]any{"phase": "FINALIZED"}}
	if e := jenkinsOne(t, nil, bare); e.Title != "nightly" || e.Description != "" || e.Resource.Name != "nightly" {
		t.Errorf("bare body: title %q, description %q, resource %+v", e.Title, e.Description, e.Resource)
	}
}

func TestJenkinsTimes(t *testing.T) {
	received := "2026-01-02T03:04:05Z"
	tests := []struct {
		value    any
		want     string
		keptInfo bool // the unreadable value is kept in additional_info
	}{
		{1717236000123.0, "2024-06-01T10:00:00.123Z", false},
		{1658465683072.0, "2022-07-22T04:54:43.072Z", false},
		{"1717236000123", "2024-06-01T10:00:00.123Z", false},
		{"1.717236000123e+12", "2024-06-01T10:00:00.123Z", false},
		{"1.717236000123E12", "2024-06-01T10:00:00.123Z", false},
		{1717236000.0, "1970-01-20T21:00:36Z", false}, // milliseconds, whatever the size
		{"2024-06-01T19:00:00.5+09:00", "2024-06-01T10:00:00.5Z", false},
		{0.0, received, false},
		{"absent", received, false},
		{nil, received, false},
		{"yesterday", received, true},
		{-5.0, received, true},
		{1e20, received, true},
		{map[string]any{"ms": 1.0}, received, true},
	}
	for _, tt := range tests {
		doc := failedBuild()
		if tt.value == "absent" {
			delete(build(doc), "timestamp")
		} else {
			build(doc)["timestamp"] = tt.value
		}
		e := jenkinsOne(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("timestamp %v: occurred_at %s, want %s", tt.value, got, tt.want)
		}
		if _, kept := e.AdditionalInfo["build_timestamp"]; kept != tt.keptInfo {
			t.Errorf("timestamp %v: kept in additional_info %v, want %v", tt.value, kept, tt.keptInfo)
		}
	}
}

func TestJenkinsAdditionalInfo(t *testing.T) {
	e := jenkinsOne(t, nil, failedBuild())
	want := map[string]string{
		"build_number": "41", "phase": "COMPLETED", "status": "FAILURE", "full_url": "https://ci.example.com/job/deploy-web/41/",
		"duration_ms": "95000", "queue_id": "907", "notes": "Deploys the web tier",
		"scm_url": "https://git.example.com/web.git", "scm_branch": "origin/main", "scm_commit": "0a1b2c", "scm_culprits": "ana,bo",
		"param_TARGET": "prod", "param_DRY_RUN": "false",
		"test_summary_total": "43", "test_summary_failed": "2", "test_summary_failedTests": "web.TestLogin,web.TestLogout",
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	if !strings.Contains(e.AdditionalInfo["log"], "error: connection refused") {
		t.Errorf("log %q, want the build's log", e.AdditionalInfo["log"])
	}
	for k := range e.AdditionalInfo {
		if strings.Contains(k, ".") {
			t.Errorf("additional_info key %q is not storable", k)
		}
	}

	// A long log keeps its end, where a build says why it failed, within 4 KiB.
	doc := failedBuild()
	build(doc)["log"] = strings.Repeat("é line of output\n", 2000) + "FATAL: the reason"
	log := jenkinsOne(t, nil, doc).AdditionalInfo["log"]
	if !strings.HasSuffix(log, "FATAL: the reason") || !strings.HasPrefix(log, "…") || len(log) > 4096+len("…") {
		t.Errorf("long log kept as %d bytes starting %q", len(log), sourcekit.Shorten(log))
	}
	// Empty log and notes, as Cloudforet's body has them, are left out.
	e = jenkinsOne(t, nil, jenkinsFixture(t, "cloudforet-test-finalized-success-struct-floats.json"))
	for _, k := range []string{"log", "notes", "scm_culprits"} {
		if v, ok := e.AdditionalInfo[k]; ok {
			t.Errorf("additional_info[%s] = %q, want it left out", k, v)
		}
	}
}

func TestJenkinsInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		doc   map[string]any
		field string
	}{
		{"build not an object", map[string]any{"name": "j", "url": "job/j/", "build": "x"}, "build"},
		{"build null", map[string]any{"name": "j", "url": "job/j/", "build": nil}, "build"},
		{"no build", map[string]any{"name": "j", "url": "job/j/"}, "build"},
		{"no url and no name", map[string]any{"build": map[string]any{"phase": "COMPLETED", "status": "FAILURE"}}, "url"},
		{"empty url and name", map[string]any{"name": " ", "url": "", "build": map[string]any{"phase": "COMPLETED"}}, "url"},
	}
	for _, tt := range tests {
		_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "jenkins"}), tt.doc)
		var ip *sourcekit.InvalidPayloadError
		if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != jenkins.Name {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		}
	}
}

func TestJenkinsOddValuesNeverFail(t *testing.T) {
	odd := []any{nil, "", true, 3.5, -1.0, []any{1.0, "x"}, map[string]any{"a": map[string]any{"b": 1.0}}, strings.Repeat("x", 10000)}
	doc := failedBuild()
	for k := range build(doc) {
		for _, v := range odd {
			doc := failedBuild()
			build(doc)[k] = v
			if k == "phase" {
				if _, ok := v.(string); ok {
					continue // a phase's text is read, and covered above
				}
			}
			if e := jenkinsOne(t, nil, doc); e.Key != "job/deploy-web/" || e.Title == "" {
				t.Errorf("build.%s = %v: key %q, title %q", k, sourcekit.Shorten(sourcekit.Text(v)), e.Key, e.Title)
			}
		}
	}
	for _, k := range []string{"display_name", "url"} {
		for _, v := range odd {
			doc := failedBuild()
			doc[k] = v
			if e := jenkinsOne(t, nil, doc); e.Key == "" || e.Title == "" {
				t.Errorf("%s = %v: key %q, title %q", k, sourcekit.Shorten(sourcekit.Text(v)), e.Key, e.Title)
			}
		}
	}
}
