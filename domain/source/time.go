package source

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// zeroTime is what Alertmanager writes for "no time" (endsAt of an alert it still considers firing).
var zeroTime = time.Time{}

// epochMillisAbove: an epoch past 1e11 cannot be seconds (that is the year 5138), so it is milliseconds.
const epochMillisAbove = 1e11

// epochMillisBelow bounds an epoch to the last millisecond of 9999, the last year RFC 3339 writes; a larger one
// would also overflow the integer conversion in epoch and come out as a time before year 0.
const epochMillisBelow = 253402300800000

// parseTime reads an RFC 3339 time (any offset, any fraction) or an epoch, and returns it in UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := parseRFC3339(s); err == nil {
		return t, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < epochMillisBelow { // NaN fails both tests
		if f > epochMillisAbove {
			return epoch(f, time.Millisecond), true
		}
		return epoch(f, time.Second), true
	}
	return time.Time{}, false
}

// epoch converts a count of units since 1970 to UTC time. The whole units are converted in integers, so an
// epoch in milliseconds keeps exactly its milliseconds; only a fraction of a unit goes through floating point.
func epoch(f float64, unit time.Duration) time.Time {
	whole, frac := math.Modf(f)
	perSecond := int64(time.Second / unit)
	n := int64(whole)
	nsec := (n%perSecond)*int64(unit) + int64(math.Round(frac*float64(unit)))
	return time.Unix(n/perSecond, nsec).UTC()
}

// timeField reads an RFC 3339 time at key of m: absent is ok=false with no error; present but malformed is an error.
func timeField(m map[string]any, key string) (t time.Time, ok bool, bad bool) {
	s, isText := m[key].(string)
	if !isText || s == "" {
		return time.Time{}, false, m[key] != nil
	}
	t, err := parseRFC3339(s)
	if err != nil {
		return time.Time{}, false, true
	}
	return t, true, false
}

// errYearRange says a time, once in UTC, falls outside the years 0 to 9999 that RFC 3339 can write.
var errYearRange = errors.New("time outside the years 0 to 9999")

// parseRFC3339 reads an RFC 3339 time in UTC. An offset can carry "9999-12-31T23:59:59-23:59" into the year 10000
// (or "0000-01-01T00:00:00+01:00" before year 0), which FormatTime could not write as RFC 3339: it is refused.
func parseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	if t = t.UTC(); t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, errYearRange
	}
	return t, nil
}
