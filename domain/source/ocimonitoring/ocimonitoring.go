// Package ocimonitoring reads the alarm messages Oracle Cloud Infrastructure Monitoring sends through an OCI
// Notifications topic to an HTTPS (custom URL) subscription, grouped across metric streams or split per stream,
// and the confirmation message Notifications sends to such a subscription first.
package ocimonitoring

import (
	"embed"
	"net/url"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "oci_monitoring"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isOCIMonitoring, Parse: parseOCIMonitoring, Examples: kit.Examples(testdata)}

// isOCIMonitoring: an alarm message has its dedupeKey and the list of alarms it is about (every version of the
// format, 1.3 to 1.5, has both); a subscription confirmation has the ConfirmationURL key and nothing of an alarm.
func isOCIMonitoring(doc map[string]any) bool {
	_, isList := doc["alarmMetaData"].([]any)
	return (kit.Has(doc, "dedupeKey") && isList) || isConfirmation(doc)
}

func isConfirmation(doc map[string]any) bool {
	return kit.Has(doc, "ConfirmationURL") && !kit.Has(doc, "dedupeKey")
}

// alarmSeverities is the message's severity, which Monitoring spells as Cloudforet does; the table also gives the
// level severity_map sees.
var alarmSeverities = kit.Levels{
	"critical": event.Critical,
	"error":    event.Error,
	"warning":  event.Warning,
	"info":     event.Info,
}

// The message types (type) that end an alarm or one of its metric streams: it went back to OK, or Monitoring
// stopped tracking the stream (RESET); OK_TO_FIRING and REPEAT, and any type to come, keep it open.
const (
	typeFiringToOK = "firing_to_ok"
	typeReset      = "reset"
)

// provider names Oracle Cloud in events, as google_cloud names Google's.
const provider = "oracle_cloud"

func parseOCIMonitoring(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	if isConfirmation(doc) {
		return nil, confirm(doc, c)
	}
	a, err := alarm(doc, c)
	if err != nil {
		return nil, err
	}
	return []kit.Alert{a}, nil
}

// confirm hands the subscription's confirmation URL to the confirmer, which requests it only when it is an OCI
// Notifications endpoint. The body names no topic (Notifications sends the topic's name in a header, which a
// plugin never sees), so the notice names the subscription the URL confirms.
func confirm(doc map[string]any, c *kit.Call) error {
	u, _ := doc["ConfirmationURL"].(string)
	if u = strings.TrimSpace(u); u == "" {
		return kit.Invalid(Name, "ConfirmationURL", "is missing, empty or not text")
	}
	c.Confirm(kit.Subscription{URL: u, Provider: kit.OCINotifications}, "OCI Notifications subscription confirmation for "+kit.Shorten(subscriptionOf(u)))
	return nil
}

// subscriptionOf is the subscription OCID in a confirmation URL's path (/20181201/subscriptions/<ocid>/confirmation),
// or "an unknown subscription".
func subscriptionOf(confirmationURL string) string {
	if p, err := url.Parse(confirmationURL); err == nil {
		segs := strings.Split(strings.Trim(p.Path, "/"), "/")
		for i := 0; i+1 < len(segs); i++ {
			if segs[i] == "subscriptions" && segs[i+1] != "" {
				return segs[i+1]
			}
		}
	}
	return "an unknown subscription"
}

// alarm maps one alarm message to one event. A grouped message is about every metric stream of the alarm and a
// split one about a single stream; either way dedupeKey says which, and is the same for the message that fires
// and the one that clears.
func alarm(doc map[string]any, c *kit.Call) (kit.Alert, error) {
	key, err := dedupeKey(doc["dedupeKey"])
	if err != nil {
		return kit.Alert{}, err
	}
	meta, err := firstAlarm(doc["alarmMetaData"])
	if err != nil {
		return kit.Alert{}, err
	}
	dims, _ := meta["dimensions"].([]any)
	dim, _ := first(dims).(map[string]any)

	level := kit.FirstNonEmpty(text(doc["severity"]), text(meta["severity"]))
	a := kit.Alert{Scope: doc, Level: level}
	a.Key = key
	a.Type = event.Alert
	if t := event.FoldLevel(text(doc["type"])); t == typeFiringToOK || t == typeReset {
		a.Type = event.Recovery
	}
	a.Severity = alarmSeverities.Of(level)
	a.Rule = text(meta["query"])
	a.Title = kit.FirstNonEmpty(kit.Filled(doc["title"]), a.Rule, "OCI Monitoring alarm")
	a.Description = kit.FirstNonEmpty(kit.Filled(doc["body"]), kit.Filled(meta["alarmSummary"]))
	// timestamp is the evaluation time, with or without milliseconds; timestampEpochMillis the same instant.
	if !a.SetTime("timestamp", doc["timestamp"], kit.ReadTime, c.Received) {
		a.SetTime("timestampEpochMillis", doc["timestampEpochMillis"], kit.ReadEpochMillis, c.Received)
	}
	a.Resource = resourceOf(dim, text(meta["namespace"]))
	a.Provider = provider

	info := map[string]string{}
	kit.Put(info, "type", text(doc["type"]))
	kit.Put(info, "severity", level)
	kit.Put(info, "alarm_id", meta["id"])
	kit.Put(info, "status", meta["status"])
	kit.Put(info, "namespace", meta["namespace"])
	kit.Put(info, "total_metrics_firing", meta["totalMetricsFiring"])
	kit.Put(info, "alarm_url", meta["alarmUrl"])
	kit.Put(info, "alarm_summary", kit.Filled(meta["alarmSummary"]))
	kit.Put(info, "notification_type", doc["notificationType"])
	kit.Put(info, "version", doc["version"])
	kit.Put(info, "region", dim["region"])
	// One metric stream's dimensions read best as keys of their own; several go in as one JSON list.
	if len(dims) == 1 && dim != nil {
		for k, v := range dim {
			kit.Put(info, "dimension."+k, v)
		}
	} else if len(dims) > 0 {
		kit.Put(info, "dimensions", dims)
	}
	kit.Put(info, "metric_values", meta["metricValues"])
	a.AdditionalInfo = info
	return a, nil
}

// dedupeKey is the event key, verbatim as Cloudforet's OCI plugin keyed alarms, so alerts it opened still pair.
func dedupeKey(v any) (string, error) {
	switch v.(type) {
	case string, float64:
		if k := kit.Text(v); strings.TrimSpace(k) != "" {
			return k, nil
		}
	}
	return "", kit.Invalid(Name, "dedupeKey", "is missing, empty or not text")
}

// firstAlarm is the first entry of alarmMetaData, the alarm the message is about (Monitoring lists one), or nil
// when the list is absent or empty.
func firstAlarm(v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, kit.Invalid(Name, "alarmMetaData", "is not a list")
	}
	if len(list) == 0 {
		return nil, nil
	}
	meta, ok := list[0].(map[string]any)
	if !ok && list[0] != nil {
		return nil, kit.Invalid(Name, "alarmMetaData[0]", "is not an object")
	}
	return meta, nil
}

// first is the first element of list, or nil.
func first(list []any) any {
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

// resourceOf is the resource of the first metric stream: its name as the console shows it, the OCID as its id
// (version 1.3 of the format spells the key resourceID), the metric namespace as its type.
func resourceOf(dim map[string]any, namespace string) event.Resource {
	id := kit.FirstNonEmpty(text(dim["resourceId"]), text(dim["resourceID"]))
	name := kit.FirstNonEmpty(text(dim["resourceName"]), text(dim["resourceDisplayName"]), id)
	if name == "" {
		return event.Resource{}
	}
	return event.Resource{ID: id, Type: namespace, Name: name}
}

// text is a value of the body as trimmed text; null is "".
func text(v any) string { return strings.TrimSpace(kit.Text(v)) }
