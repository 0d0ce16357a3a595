package event_test

import (
	"maps"
	"testing"

	"github.com/monhook/monhook/domain/event"
)

func TestStorableKey(t *testing.T) {
	for k, want := range map[string]bool{
		"alertname": true, "labels_alertname": true, "a$b": true, "ſev": true, "with space": true,
		"": false, "labels.alertname": false, "$where": false, "a\x00b": false, ".": false, "$": false,
	} {
		if got := event.StorableKey(k); got != want {
			t.Errorf("StorableKey(%q) = %v, want %v", k, got, want)
		}
	}
}

func TestStorableInfo(t *testing.T) {
	tests := []struct {
		name     string
		in, want map[string]string
	}{
		{"storable keys are kept", map[string]string{"a": "1", "b_c": "2"}, map[string]string{"a": "1", "b_c": "2"}},
		{"nested parts are joined with _", map[string]string{"labels.alertname": "x", "Trigger.Threshold": "5"},
			map[string]string{"labels_alertname": "x", "Trigger_Threshold": "5"}},
		{"a leading $, NUL and the empty key", map[string]string{"$where": "1", "a\x00b": "2", "": "3"},
			map[string]string{"_where": "1", "a_b": "2", "_": "3"}},
		{"a key that needed no change keeps its name", map[string]string{"org.id": "1", "org_id": "2"},
			map[string]string{"org_id": "2", "org_id_2": "1"}},
		{"renamed keys collide in the byte order of their originals", map[string]string{"a.b": "1", "a$b": "x", "a\x00b": "2", "$a_b": "3"},
			map[string]string{"a$b": "x", "_a_b": "3", "a_b": "2", "a_b_2": "1"}},
		{"a suffix that is taken is skipped", map[string]string{"a.b": "1", "a_b": "2", "a_b_2": "3"},
			map[string]string{"a_b": "2", "a_b_2": "3", "a_b_3": "1"}},
	}
	for _, tt := range tests {
		got := event.StorableInfo(tt.in)
		if !maps.Equal(got, tt.want) {
			t.Errorf("%s: StorableInfo(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		for k := range got {
			if !event.StorableKey(k) {
				t.Errorf("%s: key %q is not storable", tt.name, k)
			}
		}
		for range 20 { // map order must never change the answer
			if again := event.StorableInfo(tt.in); !maps.Equal(again, got) {
				t.Fatalf("%s: StorableInfo is not deterministic: %q then %q", tt.name, got, again)
			}
		}
	}
}
