// Package jenkins reads the JSON the Jenkins Notification plugin (jenkinsci/notification-plugin) posts for each
// phase of a build: a failed build opens an alert keyed by its job, a later successful build of that job resolves
// it, and the phases of a build that has not finished give no event.
package jenkins

import (
	"embed"
	"strings"
	"unicode/utf8"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "jenkins"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isJenkins, Parse: parseJenkins, Examples: kit.Examples(testdata)}

// isJenkins: the plugin's JobState is the job's name beside a build object that has a phase or a full URL (the
// plugin leaves out only what is null, and Jenkins without a root URL sends no full_url).
func isJenkins(doc map[string]any) bool {
	build, ok := doc["build"].(map[string]any)
	return ok && kit.Has(doc, "name") && kit.HasAny(build, "phase", "full_url")
}

// jenkinsLevels is the default table from build.status, Jenkins' Result. A successful build resolves the job's
// alert and says so at INFO; anything else is left to severity_map and default_severity.
var jenkinsLevels = kit.Levels{
	"failure":   event.Error,
	"failed":    event.Error,
	"unstable":  event.Warning,
	"aborted":   event.Warning,
	"not_built": event.Info,
	"success":   event.Info,
}

// maxLog bounds the build log kept in additional_info; the plugin sends the last lines of the log, and the end of
// it is where a build says why it failed.
const maxLog = 4 << 10

func parseJenkins(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	build, ok := doc["build"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "build", "is not an object")
	}
	phase := kit.Filled(build["phase"])
	// QUEUED and STARTED come before the build has a result: their status, when there is one, is an earlier
	// build's, so they would open or close alerts for the wrong build.
	if p := event.FoldLevel(phase); p == "queued" || p == "started" {
		c.Notice("a Jenkins build in phase " + kit.Shorten(phase) + " has not finished: no event")
		return nil, nil
	}
	name := kit.Filled(doc["name"])
	// The job's URL keys every build of the job alike, so a later SUCCESS resolves an earlier FAILURE; it is the
	// key Cloudforet's plugin uses, so alerts it opened still pair.
	url := kit.Filled(doc["url"])
	a := kit.Alert{}
	a.Key = kit.FirstNonEmpty(url, name)
	if a.Key == "" {
		return nil, kit.Invalid(Name, "url", "is missing or empty, and so is name")
	}

	status := kit.Filled(build["status"])
	a.Level = status
	a.Severity = jenkinsLevels.Of(a.Level)
	a.Type = event.Alert
	if event.FoldLevel(status) == "success" {
		a.Type = event.Recovery
	}

	number := kit.Filled(build["number"])
	if number != "" {
		number = "#" + number
	}
	job := kit.FirstNonEmpty(kit.Filled(doc["display_name"]), name)
	a.Title = kit.JoinNonEmpty(" ", job, number, status)
	fullURL := kit.Filled(build["full_url"])
	a.Description = kit.JoinNonEmpty("\n\n", kit.Filled(build["notes"]), testLine(kit.Obj(build, "test_summary")), fullURL)
	a.Rule = name
	a.Resource = event.Resource{ID: url, Type: "jenkins.job", Name: kit.FirstNonEmpty(name, job, url)}
	a.Provider = "jenkins"
	ts := build["timestamp"]
	if f, ok := ts.(float64); ok && f == 0 { // what the plugin sends for a build it cannot time: absent, not unreadable
		ts = nil
	}
	a.SetTime("build.timestamp", ts, kit.ReadEpochMillis, c.Received)

	info := map[string]string{}
	for k, v := range map[string]any{"build_number": build["number"], "phase": phase, "status": status,
		"full_url": fullURL, "duration_ms": build["duration"], "queue_id": build["queue_id"], "notes": kit.Filled(build["notes"])} {
		kit.Put(info, k, v)
	}
	scm := kit.Obj(build, "scm")
	for _, k := range []string{"url", "branch", "commit", "culprits"} {
		kit.Put(info, "scm."+k, scm[k])
	}
	for k, v := range kit.Obj(build, "parameters") {
		kit.Put(info, "param."+k, v)
	}
	kit.Flatten(info, "test_summary", build["test_summary"], 1)
	if log := tail(kit.Filled(build["log"]), maxLog); strings.TrimSpace(log) != "" {
		info["log"] = log
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// testLine summarizes the plugin's test_summary ("Tests: 2 failed, 40 passed, 1 skipped of 43"), or "" without one.
func testLine(t map[string]any) string {
	if t == nil {
		return ""
	}
	var parts []string
	for _, k := range []string{"failed", "passed", "skipped"} {
		if n := kit.Filled(t[k]); n != "" {
			parts = append(parts, n+" "+k)
		}
	}
	line := strings.Join(parts, ", ")
	if total := kit.Filled(t["total"]); total != "" && line != "" {
		line += " of " + total
	}
	if line == "" {
		return ""
	}
	return "Tests: " + line
}

// tail keeps the last limit bytes of s, cut at a character boundary, with "…" where it was cut.
func tail(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	s = s[len(s)-limit:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	return "…" + s
}
