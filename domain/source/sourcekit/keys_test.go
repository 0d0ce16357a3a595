package sourcekit_test

import (
	"testing"

	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// TestFilledDropsTemplateVariablesLeftAsWritten: every tool's unfilled variable counts as absent; text around one,
// or a value that merely holds braces or a dollar, is kept, trimmed.
func TestFilledDropsTemplateVariablesLeftAsWritten(t *testing.T) {
	for in, want := range map[any]string{
		"$ALERT_ID": "", "$TAGS[env]": "", "${latestEvent.id}": "", "{EVENT.ID}": "", "{$MACRO}": "",
		" {{ issue.key }} ": "", "${event.key}": "", "{{metricValues}}": "", nil: "",
		"  disk full  ": "disk full", "cost $5": "cost $5", "{json}": "{json}", "id {EVENT.ID}": "id {EVENT.ID}", 42.0: "42",
	} {
		if got := kit.Filled(in); got != want {
			t.Errorf("Filled(%#v) = %q, want %q", in, got, want)
		}
	}
}
