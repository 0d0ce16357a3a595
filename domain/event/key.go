package event

import (
	"slices"
	"strconv"
	"strings"
)

// KeySeparator joins the parts of a nested source field into one additional_info key ("labels_alertname"). It is
// not '.', because Cloudforet's event rules address additional_info.<key> by splitting on every '.'.
const KeySeparator = "_"

// StorableKey reports whether k can be a key of additional_info (or of anything else Cloudforet keeps in a
// MongoDB document) as Cloudforet stores and routes it: not empty; no '.', which event rule conditions split paths
// on and older MongoDB drivers refuse; no leading '$', which mongoengine's DictField refuses at any depth; no NUL,
// which BSON cannot write.
func StorableKey(k string) bool {
	return k != "" && k[0] != '$' && strings.IndexByte(k, '.') < 0 && strings.IndexByte(k, 0) < 0
}

// storableKey rewrites a key that is not storable: '.' and NUL become KeySeparator, a leading '$' too, and the
// empty key is KeySeparator itself.
func storableKey(k string) string {
	if StorableKey(k) {
		return k
	}
	k = strings.Map(func(r rune) rune {
		if r == '.' || r == 0 {
			return rune(KeySeparator[0])
		}
		return r
	}, k)
	if k == "" || k[0] == '$' {
		k = KeySeparator + strings.TrimPrefix(k, "$")
	}
	return k
}

// StorableInfo returns info with every key storable, as a new map when one had to change. A key written with '.'
// between its parts, as parsers name nested fields ("labels.alertname"), becomes "labels_alertname". When two keys
// end up the same, the one that needed no change keeps the name, and the others, in the byte order of their
// original keys, get "_2", "_3", ...: the same body always gives the same keys.
func StorableInfo(info map[string]string) map[string]string {
	var renamed []string
	for k := range info {
		if !StorableKey(k) {
			renamed = append(renamed, k)
		}
	}
	if len(renamed) == 0 {
		return info
	}
	slices.Sort(renamed)
	out := make(map[string]string, len(info))
	for k, v := range info {
		if StorableKey(k) {
			out[k] = v
		}
	}
	for _, k := range renamed {
		name := storableKey(k)
		for n := 2; ; n++ {
			if _, taken := out[name]; !taken {
				break
			}
			name = storableKey(k) + KeySeparator + strconv.Itoa(n)
		}
		out[name] = info[k]
	}
	return out
}
