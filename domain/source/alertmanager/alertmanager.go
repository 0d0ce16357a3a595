// Package alertmanager reads Prometheus Alertmanager's webhook body (version "4").
package alertmanager

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "alertmanager"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isAlertmanager, Parse: parseAlertmanager, Examples: kit.Examples(testdata)}

// isAlertmanager: Alertmanager's webhook body (version "4") has an alerts list and a group key.
func isAlertmanager(doc map[string]any) bool { return kit.Has(doc, "alerts", "groupKey") }

// alertmanagerLevels is the default table from labels.severity; anything else is left to severity_map and
// default_severity (never INFO: an unknown level must not pass as harmless).
var alertmanagerLevels = kit.Levels{
	"critical": event.Critical,
	"error":    event.Error,
	"warning":  event.Warning,
	"info":     event.Info,
}

// resourceLabels are the labels that name what an alert is about, most specific first.
var resourceLabels = []string{"instance", "pod", "container", "node", "service", "job", "namespace"}

func parseAlertmanager(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	items, err := Items(Name, doc, c)
	if err != nil {
		return nil, err
	}
	out := make([]kit.Alert, 0, len(items))
	for i, item := range items {
		if err := c.Alive(); err != nil {
			return nil, err
		}
		a, err := ReadAlert(Name, doc, item, i, received)
		if err != nil {
			return nil, err
		}
		a.ImageURL = kit.Str(item, "generatorURL")
		a.Key = kit.Str(item, "fingerprint")
		if a.Key == "" { // hashing the labels costs more than the rest of the alert: only when needed
			a.Key = labelFingerprint(kit.Obj(item, "labels"))
		}
		out = append(out, a)
	}
	return out, nil
}

// Items returns the objects of the alerts list, or says which item is not an object. A list longer than
// max_events is refused before any item is read.
func Items(src string, doc map[string]any, c *kit.Call) ([]map[string]any, error) {
	list, err := c.List(src, doc, "alerts")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(list))
	for i, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, kit.Invalid(src, fmt.Sprintf("alerts[%d]", i), "is not an object")
		}
		out[i] = m
	}
	return out, nil
}

// ReadAlert maps what Alertmanager and Grafana alerts share: status, labels, annotations and times. It runs
// once per alert, so it reads labels and annotations straight from the payload and builds only the event's map.
func ReadAlert(src string, doc, item map[string]any, i int, received time.Time) (kit.Alert, error) {
	field := func(k string) string { return fmt.Sprintf("alerts[%d].%s", i, k) } // only for errors: Sprintf is dear
	labels, ok := stringMap(item, "labels")
	if !ok {
		return kit.Alert{}, kit.Invalid(src, field("labels"), "is not an object")
	}
	annotations, ok := stringMap(item, "annotations")
	if !ok {
		return kit.Alert{}, kit.Invalid(src, field("annotations"), "is not an object")
	}
	label := func(k string) string { return kit.Text(labels[k]) }
	annotation := func(k string) string { return kit.Text(annotations[k]) }
	status := kit.FirstNonEmpty(kit.Str(item, "status"), kit.Str(doc, "status"))
	a := kit.Alert{Scope: item, Level: strings.TrimSpace(label("severity"))}
	a.Type = event.Alert
	if strings.EqualFold(status, "resolved") {
		a.Type = event.Recovery
	}
	a.Severity = alertmanagerLevels.Of(a.Level)

	// A resolved alert happened when it ended, unless endsAt is Alertmanager's zero time for "not ended".
	ended := !isZeroTime(item["endsAt"])
	timeKey := "startsAt"
	if a.Type == event.Recovery && ended {
		timeKey = "endsAt"
	}
	a.SetTime(timeKey, item[timeKey], kit.ReadTime, received)

	a.Title = kit.FirstNonEmpty(strings.TrimSpace(annotation("summary")), label("alertname"))
	a.Description = kit.FirstNonEmpty(annotation("description"), annotation("message"))
	a.Rule = label("alertname")
	for _, l := range resourceLabels {
		if v := label(l); v != "" {
			a.Resource = event.Resource{ID: v, Type: l, Name: v}
			break
		}
	}

	// Keys joined with event.KeySeparator as Finish would make them, so that it need not copy the map; a label
	// name that is not storable itself (Prometheus 3 allows '.') is still renamed there.
	info := make(map[string]string, len(labels)+len(annotations)+8)
	for k, v := range labels {
		info["labels"+event.KeySeparator+k] = kit.Text(v)
	}
	for k, v := range annotations {
		info["annotations"+event.KeySeparator+k] = kit.Text(v)
	}
	info["status"] = status
	for _, k := range []string{"fingerprint", "generatorURL", "startsAt"} {
		info[k] = kit.Text(item[k])
	}
	if ended {
		info["endsAt"] = kit.Text(item["endsAt"])
	}
	for _, k := range []string{"receiver", "externalURL", "groupKey"} {
		if v := kit.Str(doc, k); v != "" {
			info[k] = v
		}
	}
	if n, ok := doc["truncatedAlerts"].(float64); ok && n > 0 {
		info["truncatedAlerts"] = event.FormatNumber(n) // alerts Alertmanager dropped from this notification
	}
	a.AdditionalInfo = info
	return a, nil
}

// isZeroTime reports whether v is absent or Alertmanager's zero time, "0001-01-01T00:00:00Z".
func isZeroTime(v any) bool {
	if v == nil || v == "" {
		return true
	}
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	return err == nil && t.Equal(kit.ZeroTime)
}

// stringMap reads a map whose values are read as text (labels, annotations): absent or null is empty, any other
// shape is not ok.
func stringMap(m map[string]any, key string) (map[string]any, bool) {
	raw, present := m[key]
	if !present || raw == nil {
		return nil, true
	}
	obj, ok := raw.(map[string]any)
	return obj, ok
}

// labelFingerprint is Alertmanager's own fingerprint of a label set (FNV-1a over the sorted labels), so an
// older Alertmanager that sends none gets the key a newer one would send.
func labelFingerprint(labels map[string]any) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(kit.Text(v))
	}
	return ls.Fingerprint().String()
}

// SortedLabelText writes labels as "k=v" lines in name order, a stable text to hash.
func SortedLabelText(labels map[string]any) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + kit.Text(labels[k]) + "\n")
	}
	return b.String()
}
