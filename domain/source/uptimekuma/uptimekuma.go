// Package uptimekuma reads Uptime Kuma's Webhook notification with the application/json post body: {heartbeat,
// monitor, msg}. A monitor going down opens an alert keyed by the monitor, and the notification of it coming up
// resolves it. Bodies with msg alone (the Test button, certificate and domain expiry notices) are one alert per
// message.
package uptimekuma

import (
	"embed"
	"slices"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "uptime_kuma"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: detect, Parse: parse, Examples: kit.Examples(testdata)}

// detect: at least two of the three keys Uptime Kuma always writes (heartbeat and monitor are null in a message
// without a monitor), each in its shape: a heartbeat with its status or its monitor's id, a monitor object, msg
// text.
func detect(doc map[string]any) bool {
	n := 0
	if hb, ok := doc["heartbeat"]; ok {
		m, isObj := hb.(map[string]any)
		if hb != nil && !(isObj && kit.HasAny(m, "status", "monitorID")) {
			return false
		}
		n++
	}
	if mon, ok := doc["monitor"]; ok {
		if _, isObj := mon.(map[string]any); mon != nil && !isObj {
			return false
		}
		n++
	}
	if msg, ok := doc["msg"]; ok {
		if _, isText := msg.(string); msg != nil && !isText {
			return false
		}
		n++
	}
	return n >= 2
}

// statuses are heartbeat.status values by name, as Uptime Kuma shows them; the name is the level severity_map sees.
var statuses = map[string]string{"0": "DOWN", "1": "UP", "2": "PENDING", "3": "MAINTENANCE"}

// levels is the default table from the status: a monitor that is down is an error, one that waits for its retries
// a warning; coming up resolves at INFO.
var levels = kit.Levels{
	"down":        event.Error,
	"up":          event.Info,
	"pending":     event.Warning,
	"maintenance": event.Info,
}

// maxTags bounds the monitor's tags copied to additional_info, which holds at most max_info_entries entries.
const maxTags = 64

// parse reads the notification of a monitor (it has a heartbeat or a monitor), else a message about no monitor.
func parse(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	hb, _ := doc["heartbeat"].(map[string]any)
	mon, _ := doc["monitor"].(map[string]any)
	msg := text(doc["msg"])
	if hb == nil && mon == nil {
		return message(doc, msg, c)
	}
	id := kit.FirstNonEmpty(text(mon["id"]), text(hb["monitorID"]))
	if id == "" {
		return nil, kit.Invalid(Name, "monitor.id", "is missing or empty, and so is heartbeat.monitorID")
	}
	a := kit.Alert{}
	a.Key = kit.HashKey(Name, "monitor", id)
	a.Type = event.Alert
	if hb == nil {
		a.Severity = event.Info
	} else {
		status := text(hb["status"])
		a.Level = status
		if name, ok := statuses[status]; ok {
			a.Level = name
		}
		a.Severity = levels.Of(a.Level)
		if event.FoldLevel(a.Level) == "up" {
			a.Type = event.Recovery
		}
	}
	name := text(mon["name"])
	a.Title = kit.FirstNonEmpty(name, "Uptime Kuma monitor "+id)
	a.Description = kit.FirstNonEmpty(text(hb["msg"]), msg)
	if !a.SetTime("heartbeat.time", hb["time"], kit.ReadTime, c.Received) {
		a.SetTime("heartbeat.localDateTime", hb["localDateTime"], localTime(hb["timezoneOffset"], c.Zone), a.OccurredAt)
	}
	url := text(mon["url"])
	if placeholder(url) {
		url = ""
	}
	monType := text(mon["type"])
	a.Resource = event.Resource{ID: id, Type: "uptime_kuma." + kit.FirstNonEmpty(monType, "monitor"),
		Name: kit.FirstNonEmpty(url, text(mon["hostname"]), name)}
	a.Provider = "uptime_kuma"

	info := map[string]string{}
	for k, v := range map[string]any{
		"monitor_id":          id,
		"status":              a.Level,
		"monitor_type":        monType,
		"monitor_description": mon["description"],
		"path":                mon["pathName"],
		"url":                 url,
		"hostname":            mon["hostname"],
		"port":                mon["port"],
		"ping":                hb["ping"],
		"duration":            hb["duration"],
		"important":           hb["important"],
		"retries":             hb["retries"],
		"timezone":            hb["timezone"],
		"msg":                 msg,
	} {
		kit.Put(info, k, v)
	}
	putTags(info, mon["tags"])
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// message reads a body without a monitor: the Test button's "<notification name> Testing", or a notice that a
// monitor's certificate or domain will expire. Each message text is an alert of its own, so two notices never
// merge, and pressing Test again updates the alert the last test opened.
func message(doc map[string]any, msg string, c *kit.Call) ([]kit.Alert, error) {
	if msg == "" {
		return nil, kit.Invalid(Name, "msg", "is missing or empty, and the body has no monitor and no heartbeat")
	}
	a := kit.Alert{}
	a.Key = kit.HashKey(Name, "message", msg)
	a.Type = event.Alert
	a.Severity = event.Info
	a.Title = msg
	a.Description = msg
	a.OccurredAt = c.Received
	a.Provider = "uptime_kuma"
	a.AdditionalInfo = map[string]string{}
	kit.Put(a.AdditionalInfo, "msg", doc["msg"])
	return []kit.Alert{a}, nil
}

// placeholder reports whether url is no address: the "https://" Uptime Kuma keeps for monitors that are not HTTP.
func placeholder(url string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(url), "http")
	rest = strings.TrimPrefix(rest, "s")
	return url == "" || (ok && rest == "://")
}

// localTime reads heartbeat.localDateTime, the time in the server's zone without an offset, with the offset the
// body gives in timezoneOffset ("-07:00"); without one, in zone (source_timezone). Uptime Kuma writes the same time
// in UTC in heartbeat.time, which is read first.
func localTime(offset any, zone *time.Location) func(any) (time.Time, bool) {
	if zone == nil {
		zone = time.UTC
	}
	return func(v any) (time.Time, bool) {
		s, _ := v.(string)
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, false
		}
		if off := text(offset); off != "" {
			s = strings.Replace(s, " ", "T", 1) + off
			for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z0700"} {
				if t, err := time.Parse(layout, s); err == nil {
					return kit.InRange(t)
				}
			}
			return time.Time{}, false
		}
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.ParseInLocation(layout, s, zone); err == nil {
				return kit.InRange(t)
			}
		}
		return time.Time{}, false
	}
}

// putTags adds the monitor's tags, a list of {name, value}, as tag.<name>: the values of a repeated name joined with
// commas, "true" for a tag without a value; at most maxTags of them.
func putTags(info map[string]string, v any) {
	list, _ := v.([]any)
	values := map[string][]string{}
	for _, item := range list {
		if len(values) == maxTags {
			break
		}
		tag, _ := item.(map[string]any)
		name := text(tag["name"])
		if name == "" {
			continue
		}
		value := kit.FirstNonEmpty(text(tag["value"]), "true")
		if !slices.Contains(values[name], value) {
			values[name] = append(values[name], value)
		}
	}
	for name, vs := range values {
		info["tag."+name] = strings.Join(vs, ",")
	}
}

// text is a value as text, trimmed; a template variable a custom body left unfilled ({{ msg }}) is absent.
func text(v any) string {
	s := strings.TrimSpace(kit.Text(v))
	if kit.Unrendered(s) {
		return ""
	}
	return s
}
