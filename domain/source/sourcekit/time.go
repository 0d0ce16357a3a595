package sourcekit

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ZeroTime is what Alertmanager writes for "no time" (endsAt of an alert it still considers firing).
var ZeroTime = time.Time{}

// The years an event time may have: Cloudforet reads occurred_at with Python's ISO 8601 parser, whose datetime
// holds years 1 to 9999. A time outside them would fail the whole call there, sibling alerts included.
const (
	minYear = 1
	maxYear = 9999
)

// epochMillisAbove: an epoch past 1e11 cannot be seconds (that is the year 5138), so it is milliseconds.
const epochMillisAbove = 1e11

// EpochMillisBelow bounds an epoch to the last millisecond of 9999; a larger one would also overflow the integer
// conversion in epoch and come out as a time before year 0.
const EpochMillisBelow = 253402300800000

// timeLayouts are the written forms ParseTime reads, most common first: RFC 3339; an offset without a colon
// (CloudWatch's "+0000"); no zone at all, which is taken as UTC; a space instead of the T; a date alone, which is
// midnight UTC of that day.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	time.DateOnly,
}

// ParseTime reads a written time (any of timeLayouts) or an epoch in seconds or milliseconds, and returns it in
// UTC. ok is false unless the result is a full time in the years Cloudforet reads.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if c := s[0]; c >= '0' && c <= '9' && !strings.ContainsAny(s, "-:") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		return EpochAuto(f)
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return InRange(t)
		}
	}
	return time.Time{}, false
}

// InRange returns t in UTC, ok when its year is one Cloudforet reads. An offset can carry
// "9999-12-31T23:59:59-23:59" into the year 10000, or "0001-01-01T00:00:00+01:00" into year 0. The first instant
// of year 1 is no time either: it is Go's zero time, what Go senders (Alertmanager, Grafana) write for "none".
func InRange(t time.Time) (time.Time, bool) {
	t = t.UTC()
	return t, t.Year() >= minYear && t.Year() <= maxYear && !t.IsZero()
}

// EpochAuto reads an epoch whose unit its size tells: seconds, or milliseconds past epochMillisAbove.
func EpochAuto(f float64) (time.Time, bool) {
	if f > epochMillisAbove {
		return EpochIn(f, time.Millisecond)
	}
	return EpochIn(f, time.Second)
}

// EpochIn reads an epoch of the given unit: ok for 1970 up to the end of 9999 (NaN fails both tests).
func EpochIn(f float64, unit time.Duration) (time.Time, bool) {
	if !(f >= 0 && f*float64(unit/time.Millisecond) < EpochMillisBelow) {
		return time.Time{}, false
	}
	return epoch(f, unit), true
}

// epoch converts a count of units since 1970 to UTC time. The whole units are converted in integers, so an
// epoch in milliseconds keeps exactly its milliseconds; only a fraction of a unit goes through floating point.
func epoch(f float64, unit time.Duration) time.Time {
	whole, _ := math.Modf(f)
	perSecond := int64(time.Second / unit)
	n := int64(whole)
	nsec := (n%perSecond)*int64(unit) + fraction(f, unit)
	return time.Unix(n/perSecond, nsec).UTC()
}

// fraction is the fraction of a unit in f, in nanoseconds, read from the number's shortest decimal form (the digits
// that round-trip, as the sender wrote them): 1709991285.873 s is .873 s, not the .872999906 its binary value is.
func fraction(f float64, unit time.Duration) int64 {
	_, digits, ok := strings.Cut(strconv.FormatFloat(f, 'f', -1, 64), ".")
	if !ok {
		return 0
	}
	var ns int64
	scale := int64(unit) // nanoseconds of a unit, a tenth of it per digit
	for _, d := range digits {
		scale /= 10
		if scale == 0 {
			break // finer than a nanosecond
		}
		ns += int64(d-'0') * scale
	}
	return ns
}

// ReadTime reads a time value of a body: text by ParseTime, a JSON number as an epoch whose size tells its unit.
func ReadTime(v any) (time.Time, bool) {
	if f, ok := v.(float64); ok {
		return EpochAuto(f)
	}
	s, _ := v.(string)
	return ParseTime(s)
}

// SetTime sets a.OccurredAt from the source's value v of field, read by read, and reports whether it could. A
// value that is absent (nil or empty text), or that read cannot take as a full time in years 1 to 9999, gives
// fallback: never an error that would lose the body. An unreadable value is kept in additional_info under field.
func (a *Alert) SetTime(field string, v any, read func(any) (time.Time, bool), fallback time.Time) bool {
	if t, ok := read(v); ok {
		a.OccurredAt = t
		return true
	}
	a.OccurredAt = fallback
	if v != nil && v != "" {
		if a.unreadTimes == nil {
			a.unreadTimes = map[string]string{}
		}
		a.unreadTimes[field] = Text(v)
	}
	return false
}

// ReadEpochMillis reads epoch milliseconds, a JSON number or its text (Struct doubles may carry an exponent:
// 1.658465683072e+12); other text is read as ParseTime reads it. 0 and less are no time.
func ReadEpochMillis(v any) (time.Time, bool) {
	f, isNumber := v.(float64)
	if s, ok := v.(string); ok {
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return ParseTime(s)
		}
		f, isNumber = n, true
	}
	if !isNumber || f <= 0 {
		return time.Time{}, false
	}
	return EpochIn(f, time.Millisecond)
}

// ReadEpochSeconds reads epoch seconds, a JSON number or its text; other text, 0 and less are no time. Sources
// that send seconds document them as UTC instants, so no zone option applies.
func ReadEpochSeconds(v any) (time.Time, bool) {
	f, isNumber := v.(float64)
	if s, ok := v.(string); ok {
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		f, isNumber = n, err == nil
	}
	if !isNumber || f <= 0 {
		return time.Time{}, false
	}
	return EpochIn(f, time.Second)
}
