// Package datadog reads Datadog Webhooks integration bodies: the default payload and templates written with Datadog's variable names.
package datadog

import (
	"embed"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "datadog"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isDatadog, Parse: parseDatadog, Examples: kit.Examples(testdata)}

// isDatadog: a Datadog webhook body is a template its user writes. The default payload has org, body, date and
// last_updated; the template the README recommends has alert_transition with alert_id or alert_cycle_key. Other
// templates are known by Datadog's $ALERT_ID and $ALERT_TYPE together, unless they are already in event shape
// (event_key), which is generic.
func isDatadog(doc map[string]any) bool {
	return kit.Has(doc, "org", "body", "date", "last_updated") ||
		(kit.Has(doc, "alert_transition") && kit.HasAny(doc, "alert_id", "alert_cycle_key")) ||
		(kit.Has(doc, "alert_id", "alert_type") && !kit.Has(doc, "event_key"))
}

// datadogTitlePrefix is what Datadog puts before an event title: the monitor's priority when it has one, then the
// transition, with the scope of a multi-alert group: "[P2] [Triggered on {host:web-1}] ", "[Recovered] ".
var datadogTitlePrefix = regexp.MustCompile(`(?i)^\s*(?:\[(P[1-5])\]\s*)?` +
	`\[(Re-Triggered|Triggered|Recovered|Re-Warn|Warn|Re-No Data|No Data|Renotify)(?:\s+on\s+\{([^}]*)\})?\]\s*`)

// datadogMarkers are the lines Datadog wraps a markdown event text in.
var datadogMarkers = regexp.MustCompile(`(?m)^[ \t]*%%%[ \t]*$`)

// datadogPlaceholder is a template variable Datadog left as it was written ("$ALERT_CYCLE_KEY", "$TAGS[env]"),
// which says nothing about the alert.
var datadogPlaceholder = regexp.MustCompile(`^\$[A-Z][A-Z0-9_]*(?:\[[^\]]*\])?$`)

// datadogPriorities is the default table from $ALERT_PRIORITY (P1 highest).
var datadogPriorities = kit.Levels{
	"p1": event.Critical,
	"p2": event.Error,
	"p3": event.Warning,
	"p4": event.Info,
	"p5": event.Info,
}

// datadogTypes is the default table from $ALERT_TYPE; success is a recovery, which says no level.
var datadogTypes = kit.Levels{
	"error":   event.Error,
	"warning": event.Warning,
	"info":    event.Info,
}

// datadogTransitions is the default table from $ALERT_TRANSITION or the title prefix. Triggered is the monitor's
// alert state, which Datadog itself types as error; Recovered and Renotify say no level.
var datadogTransitions = kit.Levels{
	"triggered":    event.Error,
	"re-triggered": event.Error,
	"warn":         event.Warning,
	"re-warn":      event.Warning,
	"no data":      event.NotAvailable,
	"re-no data":   event.NotAvailable,
}

// datadogTitleKeys and datadogTextKeys name the title and the text of the event as the default payload and
// common templates spell them, first found first.
var (
	datadogTitleKeys = []string{"title", "event_title", "alert_title"}
	datadogTextKeys  = []string{"body", "message", "event_msg", "text_only_msg"}
)

// parseDatadog reads the default payload and any template written with Datadog's variable names: one event.
func parseDatadog(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	a := kit.Alert{Scope: doc}
	info := map[string]string{}
	used := map[string]bool{"tags": true, "org": true, "date": true}

	var prefix []string // priority, transition and scope from the title prefix
	for _, k := range datadogTitleKeys {
		raw := ddText(doc, k)
		if raw == "" {
			continue
		}
		prefix = datadogTitlePrefix.FindStringSubmatch(raw)
		a.Title = strings.TrimSpace(datadogTitlePrefix.ReplaceAllString(raw, ""))
		used[k] = true
		break
	}
	fromTitle := func(i int) string {
		if prefix == nil {
			return ""
		}
		return strings.TrimSpace(prefix[i])
	}
	priority := kit.FirstNonEmpty(ddText(doc, "alert_priority"), fromTitle(1))
	transition := kit.FirstNonEmpty(ddText(doc, "alert_transition"), fromTitle(2))
	scope := kit.FirstNonEmpty(ddText(doc, "alert_scope"), fromTitle(3))
	alertType := ddText(doc, "alert_type")
	alertID := ddText(doc, "alert_id")

	a.Type = event.Alert
	if strings.EqualFold(transition, "Recovered") || strings.EqualFold(alertType, "success") {
		a.Type = event.Recovery
	}
	a.Severity, a.Level = datadogLevel(priority, alertType, transition)

	a.Rule = strings.TrimSpace(datadogTitlePrefix.ReplaceAllString(ddText(doc, "alert_title"), ""))
	if a.Title == "" && alertID != "" {
		a.Title = "Datadog monitor " + alertID
	}
	for _, k := range datadogTextKeys {
		if s := ddText(doc, k); s != "" {
			a.Description = datadogText(s)
			used[k] = true
			break
		}
	}
	a.Description = kit.FirstNonEmpty(a.Description, ddText(doc, "alert_status"))

	if !a.SetTime("date", ddValueOf(doc, "date"), readDatadogTime, received) {
		a.SetTime("last_updated", ddValueOf(doc, "last_updated"), readDatadogTime, received)
	}

	org := kit.Obj(doc, "org")
	orgID := kit.FirstNonEmpty(ddText(org, "id"), ddText(doc, "org_id"))
	a.Account = kit.FirstNonEmpty(orgID, ddText(org, "name"), ddText(doc, "org_name"))
	a.Provider = "datadog"

	tags := datadogTags(doc["tags"])
	host := kit.FirstNonEmpty(ddText(doc, "hostname"), datadogTags(scope)["host"], tags["host"])
	if host != "" {
		a.Resource = event.Resource{ID: host, Type: "host", Name: host}
	}
	if s := ddText(doc, "snapshot"); strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		a.ImageURL = s
	}

	switch {
	case ddText(doc, "alert_cycle_key") != "":
		a.Key = ddText(doc, "alert_cycle_key")
	case ddText(doc, "aggreg_key") != "":
		a.Key = ddText(doc, "aggreg_key")
	case alertID != "":
		a.Key = datadogKey("monitor", alertID, scope)
	case a.Title != "":
		// The default payload names no alert; its id is the notification's. The title, with the scope of a
		// multi-alert group, is what the same alert's notifications share, as long as the title stays the same.
		a.Key = datadogKey("title", a.Account, scope, a.Title)
	default:
		return nil, kit.Invalid(Name, "", "the body has no alert_cycle_key, aggreg_key, alert_id or title to tell "+
			"its alert by; add \"alert_cycle_key\": \"$ALERT_CYCLE_KEY\" to the webhook payload")
	}

	for k, v := range doc {
		if used[k] {
			continue
		}
		if s := ddValue(v); s != "" {
			info[k] = s
		}
	}
	for k, v := range org {
		if s := ddValue(v); s != "" {
			info["org."+k] = s
		}
	}
	if _, ok := doc["org"].(map[string]any); !ok {
		if s := ddValue(doc["org"]); s != "" {
			info["org"] = s
		}
	}
	for k, v := range tags {
		info["tags."+k] = v
	}
	// What the title prefix said, under the names a template would have sent it by.
	for k, v := range map[string]string{"alert_transition": transition, "alert_scope": scope, "alert_priority": priority} {
		if _, sent := info[k]; !sent && v != "" {
			info[k] = v
		}
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// datadogLevel picks the severity from the priority, else the alert type, else the transition, and returns the
// text it used as the level for severity_map. A level no table knows is still returned, for severity_map.
func datadogLevel(priority, alertType, transition string) (event.Severity, string) {
	if s, ok := datadogPriorities.Lookup(priority); ok {
		return s, priority
	}
	if s, ok := datadogTypes.Lookup(alertType); ok {
		return s, alertType
	}
	if s, ok := datadogTransitions.Lookup(transition); ok {
		return s, transition
	}
	return "", kit.FirstNonEmpty(priority, alertType, transition)
}

// datadogKey hashes what identifies an alert that Datadog sends no alert key for.
func datadogKey(kind string, parts ...string) string {
	return kit.JoinedKey("datadog", kind, strings.Join(parts, "\n"))
}

// datadogText is an event text without the %%% lines Datadog wraps markdown in.
func datadogText(s string) string {
	s = strings.TrimSpace(datadogMarkers.ReplaceAllString(s, ""))
	s = strings.TrimSpace(strings.TrimPrefix(s, "%%%"))
	return strings.TrimSpace(strings.TrimSuffix(s, "%%%"))
}

// readDatadogTime reads $DATE or $LAST_UPDATED: epoch milliseconds as a number or a string (what kit.ReadTime reads is
// read too).
func readDatadogTime(v any) (time.Time, bool) {
	if f, ok := v.(float64); ok {
		return kit.EpochIn(f, time.Millisecond)
	}
	s, _ := v.(string)
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		return kit.EpochIn(f, time.Millisecond)
	}
	return kit.ReadTime(v)
}

// ddValueOf is the value at key of m, nil when absent, null or a variable Datadog did not fill in.
func ddValueOf(m map[string]any, key string) any {
	v := m[key]
	if s, ok := v.(string); ok && datadogPlaceholder.MatchString(strings.TrimSpace(s)) {
		return nil
	}
	return v
}

// datadogTags splits $TAGS ("env:prod, role:db, monitor") or a list of such tags into name and value; a tag
// without a value is "true", and the values of a repeated name are joined with commas. A map is taken as it is.
func datadogTags(v any) map[string]string {
	out := map[string]string{}
	var list []string
	switch t := v.(type) {
	case string:
		if !datadogPlaceholder.MatchString(strings.TrimSpace(t)) {
			list = strings.Split(t, ",")
		}
	case []any:
		for _, item := range t {
			list = append(list, kit.Text(item))
		}
	case map[string]any:
		for k, item := range t {
			if s := ddValue(item); s != "" {
				out[k] = s
			}
		}
	}
	for _, tag := range list {
		name, value, hasValue := strings.Cut(strings.TrimSpace(tag), ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if name == "" {
			continue
		}
		if !hasValue {
			value = "true"
		}
		if prev, ok := out[name]; ok {
			if slices.Contains(strings.Split(prev, ","), value) {
				continue
			}
			value = prev + "," + value
		}
		out[name] = value
	}
	return out
}

// ddText is the trimmed text at key of m, "" when absent, null or a variable Datadog did not fill in.
func ddText(m map[string]any, key string) string {
	if m == nil {
		return ""
	}
	return ddValue(m[key])
}

// ddValue is v as text, "" for a variable Datadog did not fill in.
func ddValue(v any) string {
	s := strings.TrimSpace(kit.Text(v))
	if datadogPlaceholder.MatchString(s) {
		return ""
	}
	return s
}
