// Package event holds the normalized event that every source is mapped to.
package event

import "slices"

// Severity is an event's urgency, spelled as Cloudforet's EventInfo.Severity enum names it.
type Severity string

// The severities, in the order of Cloudforet's enum after NONE. Cloudforet pages on CRITICAL, ERROR and
// NOT_AVAILABLE and treats WARNING, INFO and NONE as low urgency.
const (
	Critical     Severity = "CRITICAL"
	Error        Severity = "ERROR"
	Warning      Severity = "WARNING"
	Info         Severity = "INFO"
	NotAvailable Severity = "NOT_AVAILABLE"
	None         Severity = "NONE"
)

var severities = []Severity{Critical, Error, Warning, Info, NotAvailable, None}

// Severities lists every severity an option may name; the caller owns the returned slice.
func Severities() []Severity { return append([]Severity(nil), severities...) }

// Valid reports whether s is one of Severities.
func (s Severity) Valid() bool { return slices.Contains(severities, s) }
