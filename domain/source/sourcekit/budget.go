package sourcekit

import (
	"fmt"
	"unicode/utf8"

	"github.com/monhook/monhook/domain/event"
)

// Budget bounds what one answer may cost. Every limit is checked while the answer is built, before the work or
// the allocation it guards: a body of 4,000 alerts that each copy a 1 MiB field is refused after the few events
// that reach max_answer_bytes, never encoded as 4 GB.
type Budget struct {
	MaxEvents      int // events in one answer (alerts read from one body)
	MaxEventBytes  int // one event as the answer encodes it, body-level fields it copies included
	MaxAnswerBytes int // every event of one answer together
	MaxTextBytes   int // one rendered convert_data template, and one value that event_key_fields hashes
	MaxInfoEntries int // additional_info entries of one event
}

// DefaultBudget is what a Webhook body of any source needs with room to spare: the largest real bodies seen (an
// Alertmanager group of a few hundred alerts, an Azure log alert carrying its search results) answer in well under
// a MiB, and Cloudforet's client refuses an answer over 256 MiB, sixteen times max_answer_bytes.
var DefaultBudget = Budget{
	MaxEvents:      1000,
	MaxEventBytes:  1 << 20,
	MaxAnswerBytes: 16 << 20,
	MaxTextBytes:   64 << 10,
	MaxInfoEntries: 512,
}

// LimitError says an answer would pass one of the Budget's limits. Nothing was built past it.
type LimitError struct {
	Limit string // the limit's configuration key: "max_events", "max_answer_bytes", ...
	Max   int
	What  string // what would have passed it
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("The answer would pass the plugin's %s of %d: %s. Send smaller bodies, or raise %s in the plugin's configuration.",
		e.Limit, e.Max, e.What, e.Limit)
}

// EncodedSize bounds from above the bytes e takes in an answer: each text with the few bytes protobuf spends on
// its tag and length, each additional_info entry with those of a Struct map entry and its Value. It reads only
// lengths, so it costs nothing next to the encoding it stands in for.
func EncodedSize(e event.Event) int {
	const field = 1 + 5        // a tag and a length of up to 5 bytes
	const entry = 4*field + 12 // map entry, key, Value and string in a Struct
	n := 0
	for _, s := range []string{e.Key, string(e.Type), e.Title, e.Description, e.Rule, e.ImageURL, e.Provider, e.Account,
		e.Resource.ID, e.Resource.Type, e.Resource.Name, "2006-01-02T15:04:05.999999999Z"} {
		n += field + len(s)
	}
	n += 3*entry + len("resource_id") + len("resource_type") + len("name") + 2*field + 2 // resource, severity
	for k, v := range e.AdditionalInfo {
		n += entry + len(k) + len(v)
	}
	return n
}

// TextSize bounds from above the length of Text(v) without writing it, stopping as soon as it passes limit: a
// template or key field over a large object costs at most limit to refuse.
func TextSize(v any, limit int) int {
	switch t := v.(type) {
	case nil:
		return 0
	case string:
		return len(t)
	case float64:
		return 330 // strconv's 'f' format of the largest and smallest doubles
	case bool:
		return 5
	case []any:
		n := 2
		for _, x := range t {
			if n += 1 + jsonSize(x, limit-n); n > limit {
				return n
			}
		}
		return n
	case map[string]any:
		n := 2
		for k, x := range t {
			if n += 2 + jsonString(k) + jsonSize(x, limit-n); n > limit {
				return n
			}
		}
		return n
	}
	return 0
}

// jsonSize is TextSize for a value inside a list or object, where strings are quoted and escaped.
func jsonSize(v any, limit int) int {
	if s, ok := v.(string); ok {
		return jsonString(s)
	}
	if v == nil {
		return 4
	}
	return TextSize(v, limit)
}

// jsonString bounds the length of s as a JSON string: quotes, six bytes for a byte that must be escaped, three
// for a byte of invalid UTF-8 that becomes U+FFFD.
func jsonString(s string) int {
	n := 2 + len(s)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == '"' || c == '\\':
			n += 5
		case c >= utf8.RuneSelf:
			n += 2
		}
	}
	return n
}
