// Package source turns webhook bodies into normalized events: one parser per payload format, detection of the
// format, and the options applied around them in their documented order.
package source

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// lookup follows segs through maps (by key) and lists (by index) and reports whether the value exists.
func lookup(v any, segs []string) (any, bool) {
	for _, s := range segs {
		switch n := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = n[s]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			v = n[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// lookupPath is lookup for a dotted path that option.Parse has already checked.
func lookupPath(v any, p option.Path) (any, bool) {
	segs, err := p.Segments()
	if err != nil {
		return nil, false
	}
	return lookup(v, segs)
}

// text writes a payload value as the flat string Cloudforet fields hold: strings as they are, numbers without a
// needless fraction, null as "", and lists and maps as compact JSON.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return event.FormatNumber(t)
	case bool:
		return strconv.FormatBool(t)
	}
	return compactJSON(v)
}

// compactJSON writes v as JSON text without HTML escaping, so URLs and '<' read as they were sent.
func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// str returns the string at key of m, or "" when it is absent or not a string.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// obj returns the map at key of m, or nil.
func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

// decodeJSONText decodes s when it holds a JSON object or list, and reports whether it did.
func decodeJSONText(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return nil, false
	}
	return v, true
}

// shorten cuts a payload value quoted in an error or a log line, which must never carry more than 200 characters.
func shorten(s string) string {
	const limit = 80
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
