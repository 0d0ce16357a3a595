package event_test

import (
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
)

func TestFormatTimeIsUTCWithTheGivenFraction(t *testing.T) {
	tests := map[string]string{
		"2018-11-04T22:43:58.283995108+01:00": "2018-11-04T21:43:58.283995108Z",
		"2024-05-01T10:00:00Z":                "2024-05-01T10:00:00Z",
		"2024-05-01T10:00:00.5-03:30":         "2024-05-01T13:30:00.5Z",
	}
	for in, want := range tests {
		tm, err := time.Parse(time.RFC3339Nano, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := event.FormatTime(tm); got != want {
			t.Errorf("FormatTime(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestFormatNumberWritesIntegersAsIntegers(t *testing.T) {
	tests := map[float64]string{1: "1", 0: "0", -2: "-2", 1.5: "1.5", 2473545728: "2473545728", 3.2760766009712717e+18: "3276076600971271700"}
	for in, want := range tests {
		if got := event.FormatNumber(in); got != want {
			t.Errorf("FormatNumber(%v) = %s, want %s", in, got, want)
		}
	}
}

func TestSeveritiesAreCloudforetsEnum(t *testing.T) {
	for _, s := range event.Severities() {
		if !s.Valid() {
			t.Errorf("%s is listed but not valid", s)
		}
	}
	if event.Severity("critical").Valid() || event.Severity("").Valid() {
		t.Error("a severity is valid only as Cloudforet spells it")
	}
}
