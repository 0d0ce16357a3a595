package option

import (
	"cmp"
	"slices"
	"strings"
)

// Kind says what rule a Violation breaks.
type Kind int

// The kinds, in the order a key's violations are reported.
const (
	Required     Kind = iota + 1 // a required key is absent
	NotSupported                 // the key is not an option
	InvalidType                  // the value has the wrong type; Want names the type expected
	Invalid                      // the value breaks a constraint; Reason says which
)

// Type names a value's expected type as Cloudforet's Python services write it.
type Type string

// The types an option value may need.
const (
	TypeStr  Type = "str"
	TypeList Type = "list"
	TypeDict Type = "dict"
)

// Violation is one broken rule. Key is the dotted path from the request, e.g. "options.load_json[0]".
type Violation struct {
	Kind   Kind
	Key    string
	Want   Type   // for InvalidType
	Reason string // for Invalid
}

// Error lists every violation of a document, sorted by Key then Kind, so Violations[0] is stable.
type Error struct{ Violations []Violation }

// Error reads like the first violation, with a count of the rest.
func (e *Error) Error() string {
	if len(e.Violations) == 0 {
		return "invalid options"
	}
	v := e.Violations[0]
	var b strings.Builder
	b.WriteString(v.Key)
	switch v.Kind {
	case Required:
		b.WriteString(": required")
	case NotSupported:
		b.WriteString(": not supported")
	case InvalidType:
		b.WriteString(": want " + string(v.Want))
	case Invalid:
		b.WriteString(": " + v.Reason)
	}
	if n := len(e.Violations) - 1; n > 0 {
		b.WriteString(" (and more)")
	}
	return b.String()
}

// newError sorts vs into an *Error, or returns nil when there are none.
func newError(vs []Violation) error {
	if len(vs) == 0 {
		return nil
	}
	slices.SortStableFunc(vs, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), cmp.Compare(a.Kind, b.Kind))
	})
	return &Error{Violations: vs}
}
