package sourcekit_test

import (
	"testing"
	"time"

	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

func TestEpochFractionsAreReadAsWritten(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		unit time.Duration
		want string
	}{
		{1709991285.873, time.Second, "2024-03-09T13:34:45.873Z"},
		{1709991285, time.Second, "2024-03-09T13:34:45Z"},
		{1591216985123, time.Millisecond, "2020-06-03T20:43:05.123Z"},
		{1591216985123.5, time.Millisecond, "2020-06-03T20:43:05.1235Z"},
		{1.5, time.Second, "1970-01-01T00:00:01.5Z"},
		{0.000000001, time.Second, "1970-01-01T00:00:00.000000001Z"},
	} {
		got, ok := kit.EpochIn(tt.f, tt.unit)
		if s := got.Format(time.RFC3339Nano); !ok || s != tt.want {
			t.Errorf("EpochIn(%v, %v) = %s, %v; want %s", tt.f, tt.unit, s, ok, tt.want)
		}
	}
}
