package event

import (
	"strconv"
	"time"
)

// Type says whether an event opens or updates an alert, or resolves it.
type Type string

// The event types Cloudforet reads.
const (
	Alert    Type = "ALERT"
	Recovery Type = "RECOVERY"
)

// Resource is what an event is about. Cloudforet keeps only Name (appended to the event's resources), so Name holds
// the most useful identifier.
type Resource struct {
	ID   string
	Type string
	Name string
}

// Event is a normalized event, as Cloudforet's monitoring service stores it.
type Event struct {
	Key            string // the same for an alert's ALERT and RECOVERY, different for different alerts
	Type           Type
	Title          string
	Description    string
	Severity       Severity // "" until the options' default fills in an unknown level
	Resource       Resource
	Rule           string
	OccurredAt     time.Time
	AdditionalInfo map[string]string // keys pass StorableKey once Normalize has made the event
	ImageURL       string
	Provider       string
	Account        string
}

// FormatTime writes t as RFC 3339 in UTC, keeping fractional seconds when there are any.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// FormatNumber writes a JSON number as text: integral values without a fraction ("1", not "1.0"), so ids that
// arrive as doubles read as the ids they are.
func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
