// Package zabbix reads what a Zabbix webhook media type posts. Zabbix has no body of its own: a media type's
// script builds it from macros. Two shapes are read: the nested one of Cloudforet's published script (event,
// trigger, host and item objects), of which the script monhook publishes (mediatype/monhook.js) is a superset,
// and the flat one of Zulip's published script (hostname, severity, status, item, trigger, link).
package zabbix

import (
	"crypto/md5" //nolint:gosec // Cloudforet's plugin keys alerts by MD5; a key, not a secret
	"embed"
	"encoding/hex"
	"net/url"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the zones a body names, the same on every machine whatever it has installed

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "zabbix"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isZabbix, Parse: parseZabbix, Examples: kit.Examples(testdata)}

// isZabbix: the nested shape has an event object beside a trigger, host or item object (PagerDuty's and Sentry's
// event objects have none of those beside them); the flat shape links to Zabbix's event page, tr_events.php, and
// names its trigger as text.
func isZabbix(doc map[string]any) bool {
	if _, ok := doc["event"].(map[string]any); ok {
		for _, k := range []string{"trigger", "host", "item"} {
			if _, ok := doc[k].(map[string]any); ok {
				return true
			}
		}
	}
	link, isLink := doc["link"].(string)
	_, named := doc["trigger"].(string)
	return isLink && named && strings.Contains(link, "tr_events.php")
}

// zabbixNumbers is the table from {EVENT.NSEVERITY}, which stays the same when an administrator renames the
// severities; 0 is Zabbix's own "Not classified", no severity.
var zabbixNumbers = kit.Levels{
	"5": event.Critical,
	"4": event.Error,
	"3": event.Warning,
	"2": event.Warning,
	"1": event.Info,
	"0": event.None,
}

// zabbixNames is the table from the default severity names ({EVENT.SEVERITY}, {TRIGGER.SEVERITY}). A renamed
// severity is left to severity_map and default_severity.
var zabbixNames = kit.Levels{
	"disaster":       event.Critical,
	"high":           event.Error,
	"average":        event.Warning,
	"warning":        event.Warning,
	"information":    event.Info,
	"not classified": event.None,
}

// zabbixDateTime is how Zabbix writes {EVENT.DATE} and {EVENT.TIME} joined by a space: local time, no offset.
const zabbixDateTime = "2006.01.02 15:04:05"

// maxZoneName bounds the time zone name a body may give, as options.source_timezone is bounded.
const maxZoneName = 64

func parseZabbix(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	if ev, ok := doc["event"].(map[string]any); ok {
		return parseNested(doc, ev, c)
	}
	if link, ok := doc["link"].(string); ok {
		return parseFlat(doc, link, c)
	}
	return nil, kit.Invalid(Name, "event", "is missing or not an object")
}

// parseNested reads the shape of Cloudforet's script and of monhook's: one event. Every field but event.id may
// be missing, as Cloudforet's published guide drops some (host.name, event.date) by naming parameters wrongly.
func parseNested(doc, ev map[string]any, c *kit.Call) ([]kit.Alert, error) {
	eventID := zbxText(ev, "id")
	switch ev["id"].(type) {
	case string, float64:
	default:
		eventID = ""
	}
	if eventID == "" {
		return nil, kit.Invalid(Name, "event.id", "is missing, empty, not text or a macro Zabbix did not expand")
	}
	host, trigger, item := kit.Obj(doc, "host"), kit.Obj(doc, "trigger"), kit.Obj(doc, "item")

	a := kit.Alert{Scope: doc}
	a.Key = cloudforetKey(host, ev)
	a.Type = nestedType(ev, trigger)
	severityName := kit.FirstNonEmpty(zbxText(ev, "severity"), zbxText(trigger, "severity"))
	a.Severity, a.Level = zabbixLevel(zbxText(ev, "nseverity"), severityName)

	// {EVENT.NAME} is the same in the problem and its recovery; {ALERT.SUBJECT} is a template ("Resolved in 5m: …").
	a.Title = kit.FirstNonEmpty(zbxText(ev, "name"), zbxText(trigger, "name"), zbxText(doc, "title"))
	a.Description = zbxText(doc, "message")
	a.Rule = zbxText(trigger, "name")
	hostID := zbxText(host, "id")
	a.Resource = zabbixHost(hostID, kit.FirstNonEmpty(zbxText(host, "name"), zbxText(host, "visible_name")))
	a.Provider = "zabbix"

	// A recovery happened when the problem resolved: its own date and time, never the problem's.
	zoneName := kit.FirstNonEmpty(zbxText(ev, "timezone"), zbxText(doc, "timezone"))
	dateKey, timeKey := "date", "time"
	if a.Type == event.Recovery {
		dateKey, timeKey = "recovery_date", "recovery_time"
	}
	var when any
	if d, t := zbxText(ev, dateKey), zbxText(ev, timeKey); d != "" || t != "" {
		when = kit.JoinNonEmpty(" ", d, t)
	}
	a.SetTime("event."+dateKey, when, readZabbixTime(bodyZone(zoneName, c.Zone)), c.Received)

	info := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			info[k] = v
		}
	}
	// Cloudforet's plugin's names, so event rules written for it keep working.
	put("zabbix_event_id", eventID)
	put("zabbix_trigger_id", zbxText(trigger, "id"))
	put("zabbix_host_id", hostID)
	put("zabbix_host_visible_name", zbxText(host, "visible_name"))
	put("zabbix_item_id", zbxText(item, "id"))
	put("zabbix_item_key", zbxText(item, "key"))
	put("zabbix_item_value", zbxText(item, "value"))
	put("host_connection", zbxText(host, "connection_info"))
	put("subject", zbxText(doc, "title"))
	put("status", kit.FirstNonEmpty(zbxText(ev, "status"), zbxText(trigger, "status")))
	put("severity_name", severityName)
	put("recovery_event_id", zbxText(ev, "recovery_id"))
	put("opdata", zbxText(ev, "opdata"))
	put("update_action", zbxText(ev, "update_action"))
	put("timezone", zoneName)
	if base, triggerID := zbxText(kit.Obj(doc, "zabbix"), "url"), zbxText(trigger, "id"); base != "" && triggerID != "" {
		put("url", strings.TrimRight(base, "/")+"/tr_events.php?triggerid="+url.QueryEscape(triggerID)+"&eventid="+url.QueryEscape(eventID))
	}
	putTags(info, ev["tags"])
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// parseFlat reads the shape of Zulip's script: one event, without ids of its own but those in its link.
func parseFlat(doc map[string]any, link string, c *kit.Call) ([]kit.Alert, error) {
	query := linkQuery(link)
	eventID := strings.TrimSpace(query.Get("eventid"))
	if eventID == "" || unexpanded(eventID) {
		return nil, kit.Invalid(Name, "link", "has no eventid in its query to tell the problem by")
	}
	a := kit.Alert{Scope: doc}
	a.Key = md5Hex(":" + eventID) // Cloudforet's formula without a host id: the flat script sends none
	status := zbxText(doc, "status")
	a.Type = event.Alert
	if strings.EqualFold(status, "OK") || strings.EqualFold(status, "RESOLVED") {
		a.Type = event.Recovery
	}
	severityName := zbxText(doc, "severity")
	a.Severity, a.Level = zabbixLevel("", severityName)
	a.Title = zbxText(doc, "trigger")
	a.Description = zbxText(doc, "item")
	a.Rule = a.Title
	a.Resource = zabbixHost("", zbxText(doc, "hostname"))
	a.Provider = "zabbix"
	a.OccurredAt = c.Received // the flat body carries no time

	info := map[string]string{}
	for k, v := range map[string]string{
		"zabbix_event_id":   eventID,
		"zabbix_trigger_id": strings.TrimSpace(query.Get("triggerid")),
		"status":            status,
		"severity_name":     severityName,
		"url":               strings.TrimSpace(link),
	} {
		if v != "" && !unexpanded(v) {
			info[k] = v
		}
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// cloudforetKey is the key of Cloudforet's Zabbix plugin, md5 of f"{host.id}:{event.id}" as Python writes it (a
// host without an id gives "None"), so alerts it opened pair with the recoveries monhook reads. {EVENT.ID} is the
// problem's id in its recovery and update messages too.
func cloudforetKey(host, ev map[string]any) string {
	hostID := "None"
	if v, ok := host["id"]; ok && v != nil {
		hostID = kit.Text(v)
	}
	return md5Hex(hostID + ":" + kit.Text(ev["id"]))
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // Cloudforet's plugin keys alerts by MD5; a key, not a secret
	return hex.EncodeToString(sum[:])
}

// nestedType: {EVENT.VALUE} (1 problem, 0 recovery) when the body has it, else {EVENT.STATUS} (PROBLEM or
// RESOLVED), else {TRIGGER.STATUS} (PROBLEM or OK). An update message (acknowledged, commented) is still the
// problem: an ALERT with its key.
func nestedType(ev, trigger map[string]any) event.Type {
	switch zbxText(ev, "value") {
	case "0":
		return event.Recovery
	case "1":
		return event.Alert
	}
	switch strings.ToUpper(zbxText(ev, "status")) {
	case "RESOLVED", "OK":
		return event.Recovery
	case "PROBLEM":
		return event.Alert
	}
	if strings.EqualFold(zbxText(trigger, "status"), "OK") {
		return event.Recovery
	}
	return event.Alert
}

// zabbixLevel reads the severity from the number when it is one of Zabbix's, else from the name. The level
// severity_map sees is the name (renamed severities are why operators map them), else the number.
func zabbixLevel(number, name string) (event.Severity, string) {
	level := kit.FirstNonEmpty(name, number)
	if s, ok := zabbixNumbers.Lookup(number); ok {
		return s, level
	}
	return zabbixNames.Of(name), level
}

// zabbixHost is the event's resource: the host, when the body names it.
func zabbixHost(id, name string) event.Resource {
	name = kit.FirstNonEmpty(name, id)
	if name == "" {
		return event.Resource{}
	}
	return event.Resource{ID: id, Type: "zabbix.host", Name: name}
}

// readZabbixTime reads "yyyy.mm.dd hh:mm:ss" as a time of zone.
func readZabbixTime(zone *time.Location) func(any) (time.Time, bool) {
	return func(v any) (time.Time, bool) {
		s, _ := v.(string)
		t, err := time.ParseInLocation(zabbixDateTime, s, zone)
		if err != nil {
			return time.Time{}, false
		}
		return kit.InRange(t)
	}
}

// bodyZones caches the zones bodies named that the database has: loading one reads the database, and only a few
// hundred names load, so the cache stays small whatever bodies say.
var bodyZones sync.Map // name → *time.Location

// bodyZone is the zone a body named, when it is one of the IANA database, else fallback (options.source_timezone).
// "Local", the machine's zone, is no zone a body may choose.
func bodyZone(name string, fallback *time.Location) *time.Location {
	if fallback == nil {
		fallback = time.UTC
	}
	if name == "" || name == "Local" || len(name) > maxZoneName {
		return fallback
	}
	if loc, ok := bodyZones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return fallback
	}
	bodyZones.Store(name, loc)
	return loc
}

// putTags adds {EVENT.TAGSJSON}, a list of {"tag", "value"}, as tag.<name>: the values of a repeated name joined
// with commas, "true" for a tag without a value. The list may also arrive as its JSON text, or as an object of
// names to values; other text is kept as it is, under tags.
func putTags(info map[string]string, v any) {
	if s, ok := v.(string); ok {
		decoded, isJSON := kit.DecodeJSONText(s)
		if !isJSON {
			if s = strings.TrimSpace(s); s != "" && !unexpanded(s) {
				info["tags"] = s
			}
			return
		}
		v = decoded
	}
	add := func(name string, value any) {
		name = strings.TrimSpace(name)
		if name == "" {
			return
		}
		text := kit.Text(value)
		if text == "" {
			text = "true"
		}
		key := "tag." + name
		if prev, ok := info[key]; ok {
			text = prev + "," + text
		}
		info[key] = text
	}
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if tag, ok := x.(map[string]any); ok {
				add(kit.Text(tag["tag"]), tag["value"])
			}
		}
	case map[string]any:
		for k, x := range t {
			add(k, x)
		}
	}
}

// linkQuery is the query of a link to tr_events.php. The link is read leniently: a base URL Zabbix did not
// expand ({$ZABBIX_URL}/tr_events.php?…) still has the ids in its query.
func linkQuery(link string) url.Values {
	_, query, _ := strings.Cut(link, "?")
	query, _, _ = strings.Cut(query, "#")
	values, _ := url.ParseQuery(query) // the pairs before a malformed one are still read
	return values
}

// zbxText is the text at key of m, trimmed: "" when it is absent, or a macro Zabbix did not expand or could not
// resolve, which says nothing about the event.
func zbxText(m map[string]any, key string) string {
	s := strings.TrimSpace(kit.Text(m[key]))
	if unexpanded(s) {
		return ""
	}
	return s
}

// unexpanded reports whether s is a macro Zabbix left as written ({EVENT.RECOVERY.ID} in a problem message,
// {$ZABBIX.URL} when nobody defined it) or its placeholder for a value it could not resolve.
func unexpanded(s string) bool { return s == "*UNKNOWN*" || kit.Unrendered(s) }
