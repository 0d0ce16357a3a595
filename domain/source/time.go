package source

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// zeroTime is what Alertmanager writes for "no time" (endsAt of an alert it still considers firing).
var zeroTime = time.Time{}

// epochMillisAbove: an epoch past 1e11 cannot be seconds (that is the year 5138), so it is milliseconds.
const epochMillisAbove = 1e11

// parseTime reads an RFC 3339 time (any offset, any fraction) or an epoch, and returns it in UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && f >= 0 {
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
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, true
	}
	return t.UTC(), true, false
}
