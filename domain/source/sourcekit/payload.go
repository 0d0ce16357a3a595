package sourcekit

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/monhook/monhook/domain/event"
)

// Lookup follows segs through maps (by key) and lists (by index) and reports whether the value exists.
func Lookup(v any, segs []string) (any, bool) {
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

// Text writes a payload value as the flat string Cloudforet fields hold: strings as they are, numbers without a
// needless fraction, null as "", and lists and maps as compact JSON.
func Text(v any) string {
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
	return CompactJSON(v)
}

// CompactJSON writes v as JSON text without HTML escaping, so URLs and '<' read as they were sent.
func CompactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Str returns the string at key of m, or "" when it is absent or not a string.
func Str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// Obj returns the map at key of m, or nil.
func Obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

// DecodeJSONText decodes s when it holds a JSON object or list, and reports whether it did.
func DecodeJSONText(s string) (any, bool) {
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

// Shorten cuts a payload value quoted in an error or a log line, which must never carry more than 200 characters.
func Shorten(s string) string {
	const limit = 80
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}

// Has reports whether doc has every one of keys (present, whatever the value).
func Has(doc map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := doc[k]; !ok {
			return false
		}
	}
	return true
}

// HasAny reports whether doc has at least one of keys.
func HasAny(doc map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := doc[k]; ok {
			return true
		}
	}
	return false
}

// FirstNonEmpty returns the first of ss that is not "".
func FirstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// JoinNonEmpty joins the non-empty parts, trimmed, with sep.
func JoinNonEmpty(sep string, parts ...string) string {
	kept := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// Strings returns the strings of a list, or nil when v is not a list of strings.
func Strings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// TextList returns the non-empty texts of a list's items.
func TextList(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s := Text(it); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// First returns ss[0], or "" when ss is empty.
func First(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}
