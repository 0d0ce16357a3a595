// Package appdynamics reads what Cisco AppDynamics' HTTP Request Action posts with the templates Cloudforet
// published: the current flat template (one event per body, "event_guid", "event_type", ...) and the older one
// that lists every triggering event under "events".
package appdynamics

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "appdynamics"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: detect, Parse: parse, Examples: kit.Examples(testdata)}

// detect: the flat template has the event's guid and type beside the controller's URL or the event's deep link;
// the older template has a list of events beside controllerUrl and the policy name or top severity. No other
// source uses these names.
func detect(doc map[string]any) bool {
	if kit.Has(doc, "event_guid", "event_type") && kit.HasAny(doc, "controller_url", "event_deep_link") {
		return true
	}
	_, isList := doc["events"].([]any)
	return isList && kit.Has(doc, "controllerUrl") && kit.HasAny(doc, "policy_name", "topSeverity")
}

// closing are the event types AppDynamics sends when a health rule violation ends or is canceled, as events
// name them (POLICY_*) and as the policy API names the same types (HEALTH_RULE_*).
var closing = map[string]bool{
	"POLICY_CLOSE_WARNING":          true,
	"POLICY_CLOSE_CRITICAL":         true,
	"POLICY_CANCELED_WARNING":       true,
	"POLICY_CANCELED_CRITICAL":      true,
	"HEALTH_RULE_CLOSE_WARNING":     true,
	"HEALTH_RULE_CLOSE_CRITICAL":    true,
	"HEALTH_RULE_CANCELED_WARNING":  true,
	"HEALTH_RULE_CANCELED_CRITICAL": true,
}

// typeLevels is the severity an event type names without a _CRITICAL or _WARNING suffix: a health rule
// violation's own level, which its event's severity (INFO, WARN or ERROR) only approximates.
var typeLevels = kit.Levels{
	"policy_upgraded":        event.Critical,
	"policy_downgraded":      event.Warning,
	"health_rule_upgraded":   event.Critical,
	"health_rule_downgraded": event.Warning,
}

// severityLevels is the default table from an event's severity, AppDynamics' NotificationSeverity.
var severityLevels = kit.Levels{
	"error":   event.Error,
	"warn":    event.Warning,
	"warning": event.Warning,
	"info":    event.Info,
}

// velocityRef is a Velocity reference the template engine left as written because it resolved to nothing
// ("$event.guid", "$!{latestEvent.node.name}"); kit.Unrendered knows only the ${...} form of it.
var velocityRef = regexp.MustCompile(`^\$!?(?:\{[A-Za-z][A-Za-z0-9_.-]*(?:\(\))?\}|[A-Za-z][A-Za-z0-9_.-]*(?:\(\))?)$`)

// text is the value at key of m as text, "" when it is absent or a template variable left unfilled.
func text(m map[string]any, key string) string {
	s := strings.TrimSpace(kit.Text(m[key]))
	if kit.Unrendered(s) || velocityRef.MatchString(s) {
		return ""
	}
	return s
}

// parse reads the older template when the body lists events, else the current one.
func parse(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	if _, ok := doc["events"]; ok && !kit.Has(doc, "event_guid") {
		return parseList(doc, c)
	}
	a, err := parseFlat(doc, c)
	if err != nil {
		return nil, err
	}
	return []kit.Alert{a}, nil
}

// flatUsed are the keys of the flat template that become the event's own fields, not additional_info.
var flatUsed = map[string]bool{"event_name": true, "summary": true, "event_message": true, "event_deep_link": true}

// parseFlat reads the current template: one event, keyed by its incident so that the events of one health
// rule violation (open, continues, close) update one alert, as Cloudforet's plugin keys it.
func parseFlat(doc map[string]any, c *kit.Call) (kit.Alert, error) {
	a := kit.Alert{Scope: doc}
	a.Key = kit.FirstNonEmpty(text(doc, "incident_id"), text(doc, "event_id"))
	if a.Key == "" {
		return a, kit.Invalid(Name, "event_id", "is missing, empty or an unrendered template variable, and so is incident_id")
	}
	readLevel(&a, text(doc, "event_type"), text(doc, "severity"))
	a.Title = text(doc, "event_name")
	a.Description = kit.FirstNonEmpty(text(doc, "summary"), text(doc, "event_message"))
	a.Rule = kit.FirstNonEmpty(text(doc, "health_rule_name"), text(doc, "policy"))
	a.SetTime("event_time", text(doc, "event_time"), javaTime(c.Zone), c.Received)
	a.Resource = resource(doc, "node", "tier", "app")
	a.Provider = "appdynamics"

	info := map[string]string{}
	for k := range doc {
		if !flatUsed[k] {
			kit.Put(info, k, rendered(doc[k]))
		}
	}
	kit.Put(info, "url", text(doc, "event_deep_link"))
	a.AdditionalInfo = info
	return a, nil
}

// listUsed are the keys of an events[] item that become the event's own fields, not additional_info.
var listUsed = map[string]bool{"displayName": true, "summaryMessage": true, "eventMessage": true, "deepLink": true}

// parseList reads the older template: one event per item of events, each known by its guid. The template has
// no incident id, and its event_id is the latest event's, the same for every item.
func parseList(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	list, err := c.List(Name, doc, "events")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		c.Notice("The AppDynamics body lists no events.")
		return nil, nil
	}
	body := map[string]string{}
	for _, k := range []string{"policy_name", "account_name", "topSeverity", "controllerUrl", "action_name"} {
		kit.Put(body, k, text(doc, k))
	}
	out := make([]kit.Alert, 0, len(list))
	for i, v := range list {
		if err := c.Alive(); err != nil {
			return nil, err
		}
		item, ok := v.(map[string]any)
		if !ok {
			return nil, kit.Invalid(Name, fmt.Sprintf("events[%d]", i), "is not an object")
		}
		a := kit.Alert{Scope: item}
		if a.Key = text(item, "guid"); a.Key == "" {
			return nil, kit.Invalid(Name, fmt.Sprintf("events[%d].guid", i), "is missing, empty or an unrendered template variable")
		}
		// The published template sends no eventType; a template that adds it resolves as the flat one does.
		readLevel(&a, text(item, "eventType"), text(item, "severity"))
		a.Title = text(item, "displayName")
		a.Description = kit.FirstNonEmpty(text(item, "summaryMessage"), text(item, "eventMessage"))
		a.Rule = text(doc, "policy_name")
		a.SetTime("eventTime", text(item, "eventTime"), javaTime(c.Zone), c.Received)
		if name := text(item, "application_name"); name != "" {
			a.Resource = event.Resource{ID: text(item, "application_id"), Type: "appdynamics.application", Name: name}
		}
		a.Provider = "appdynamics"
		a.Account = text(doc, "account_name")

		info := make(map[string]string, len(item)+len(body)+1)
		for k, v := range body {
			info[k] = v
		}
		for k := range item {
			if !listUsed[k] {
				kit.Put(info, k, rendered(item[k]))
			}
		}
		kit.Put(info, "url", text(item, "deepLink"))
		a.AdditionalInfo = info
		out = append(out, a)
	}
	return out, nil
}

// readLevel sets the event type and severity from AppDynamics' event type, then its severity. The event type
// comes first: it names the violation's level (POLICY_OPEN_CRITICAL), which a close or cancel keeps. Level is
// what decided, so severity_map can name an event type or a severity; with neither known, the severity, else the
// event type, is left to severity_map and default_severity.
func readLevel(a *kit.Alert, eventType, severity string) {
	upper := strings.ToUpper(eventType) // event types are upper-case ASCII names
	a.Type = event.Alert
	if closing[upper] {
		a.Type = event.Recovery
	}
	switch sev, known := typeLevels.Lookup(eventType); {
	case strings.HasSuffix(upper, "_CRITICAL"):
		a.Severity, a.Level = event.Critical, eventType
	case strings.HasSuffix(upper, "_WARNING"):
		a.Severity, a.Level = event.Warning, eventType
	case known:
		a.Severity, a.Level = sev, eventType
	default:
		a.Severity, a.Level = severityLevels.Of(severity), kit.FirstNonEmpty(severity, eventType)
	}
}

// resource is the most specific entity the flat template names: node, else tier, else application, each by its
// <entity>_name and <entity>_id.
func resource(doc map[string]any, entities ...string) event.Resource {
	for _, e := range entities {
		if name := text(doc, e+"_name"); name != "" {
			kind := e
			if e == "app" {
				kind = "application"
			}
			return event.Resource{ID: text(doc, e+"_id"), Type: "appdynamics." + kind, Name: name}
		}
	}
	return event.Resource{}
}

// rendered is v unless it is text its template left unfilled, which says nothing about the event.
func rendered(v any) any {
	if s, ok := v.(string); ok && (kit.Unrendered(s) || velocityRef.MatchString(strings.TrimSpace(s))) {
		return nil
	}
	return v
}

// javaTime reads an event time as AppDynamics writes it, Java's Date.toString() ("Mon Apr 03 02:04:55 UTC 2023"),
// or any form kit.ReadTime reads (a template may render the time another way). A zone abbreviation other than
// UTC or GMT names no single offset (CST is American or Chinese), so it is read only when it is what zone, the
// webhook's source_timezone, calls that moment; otherwise the time is unreadable and the event gets the time of
// receipt.
func javaTime(zone *time.Location) func(any) (time.Time, bool) {
	if zone == nil {
		zone = time.UTC
	}
	return func(v any) (time.Time, bool) {
		s, _ := v.(string)
		f := strings.Fields(s)
		if len(f) != 6 {
			return kit.ReadTime(v)
		}
		local := strings.Join([]string{f[0], f[1], f[2], f[3], f[5]}, " ")
		const layout = "Mon Jan 2 15:04:05 2006"
		switch abbr := f[4]; {
		case abbr == "UTC" || abbr == "GMT" || abbr == "UT":
			t, err := time.Parse(layout, local)
			return inRange(t, err)
		case strings.HasPrefix(abbr, "GMT+") || strings.HasPrefix(abbr, "GMT-"):
			// Java writes a zone without an abbreviation as its offset: "GMT+09:00".
			t, err := time.Parse(layout+" -07:00", local+" "+abbr[3:])
			return inRange(t, err)
		default:
			t, err := time.ParseInLocation(layout, local, zone)
			if name, _ := t.Zone(); err != nil || name != abbr {
				return time.Time{}, false
			}
			return kit.InRange(t)
		}
	}
}

// inRange is kit.InRange for a time.Parse result.
func inRange(t time.Time, err error) (time.Time, bool) {
	if err != nil {
		return time.Time{}, false
	}
	return kit.InRange(t)
}
