// Package event holds the normalized event that every source is mapped to.
package event

import (
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

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

// FoldLevel is the one form in which a source's level is compared with another: trimmed, then under full Unicode
// case folding, so "Critical", "CRITICAL" and "critical" are one level, and so are "ſev" and "sev". Every table
// of levels, severity_map included, is matched in this form, so no two keys can both match one level.
func FoldLevel(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return cases.Fold().String(s)
		}
	}
	return strings.ToLower(s) // folding ASCII is lower-casing it, without building a Caser per level
}

// ParseSeverity reads s as a severity name in any case (folded as FoldLevel does).
func ParseSeverity(s string) (Severity, bool) {
	f := FoldLevel(s)
	for _, sev := range severities {
		if f == FoldLevel(string(sev)) {
			return sev, true
		}
	}
	return "", false
}

// ParseType reads s as an event type in any case (folded as FoldLevel does).
func ParseType(s string) (Type, bool) {
	switch FoldLevel(s) {
	case "alert":
		return Alert, true
	case "recovery":
		return Recovery, true
	}
	return "", false
}
