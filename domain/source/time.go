package source

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// zeroTime is what Alertmanager writes for "no time" (endsAt of an alert it still considers firing).
var zeroTime = time.Time{}

// parseTime reads an RFC 3339 time (any offset, any fraction) or epoch seconds, and returns it in UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && f >= 0 {
		return epoch(f, time.Second), true
	}
	return time.Time{}, false
}

// epoch converts a count of units since 1970 to UTC time, keeping sub-unit fractions.
func epoch(f float64, unit time.Duration) time.Time {
	sec, frac := math.Modf(f * float64(unit) / float64(time.Second))
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
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
