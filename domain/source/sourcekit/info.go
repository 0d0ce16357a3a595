package sourcekit

import (
	"strings"

	"github.com/monhook/monhook/domain/event"
)

// Put adds a value to additional_info as flat text: lists of strings comma-joined, other lists and objects as
// compact JSON; empty values are left out. Parsers name nested fields with '.' ("labels.alertname"); Finish makes
// every key one Cloudforet can store and route.
func Put(info map[string]string, key string, v any) {
	s := Text(v)
	if list, ok := v.([]any); ok {
		if ss := Strings(list); len(ss) == len(list) && len(ss) > 0 {
			s = strings.Join(ss, ",")
		}
	}
	if s != "" && s != "{}" && s != "[]" {
		info[key] = s
	}
}

// Flatten adds v to additional_info under key, going depth levels into objects ("resource.labels.zone") and
// writing what lies deeper as JSON text.
func Flatten(info map[string]string, key string, v any, depth int) {
	if m, ok := v.(map[string]any); ok && depth > 0 {
		for k, x := range m {
			Flatten(info, key+"."+k, x, depth-1)
		}
		return
	}
	Put(info, key, v)
}

// Finish is a's additional_info as Cloudforet can store and route it: the times the parser could not read added
// under their field names (unless the parser named that key itself), empty values left out, and every key made
// storable by event.StorableInfo ("labels.alertname" becomes "labels_alertname").
func (a *Alert) Finish() map[string]string {
	if len(a.unreadTimes) == 0 && ready(a.AdditionalInfo) {
		return a.AdditionalInfo // the common case: a parser that wrote storable keys, nothing to add or drop
	}
	out := make(map[string]string, len(a.AdditionalInfo)+len(a.unreadTimes))
	for k, v := range a.AdditionalInfo {
		if v != "" {
			out[k] = v
		}
	}
	for k, v := range a.unreadTimes {
		if _, ok := out[k]; !ok && v != "" {
			out[k] = v
		}
	}
	return event.StorableInfo(out)
}

// ready reports whether info is additional_info as Finish would make it: no empty value, every key storable.
func ready(info map[string]string) bool {
	for k, v := range info {
		if v == "" || !event.StorableKey(k) {
			return false
		}
	}
	return true
}
