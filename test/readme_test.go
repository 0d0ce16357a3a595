package e2e_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/source"
)

// TestREADMEListsEveryRegisteredSource holds the README's lists of sources to the registry: the auto-detection
// table in detection order, the source option's values, init's supported_sources, and one section per source.
func TestREADMEListsEveryRegisteredSource(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	names := source.Names()

	// | 1 | `aws_sns` | ... rows of the detection table, the registry's order, then generic again for convert_data.
	var detected []string
	for _, m := range regexp.MustCompile("(?m)^\\| (\\d+) \\| `([a-z_]+)` \\|").FindAllStringSubmatch(readme, -1) {
		detected = append(detected, m[2])
	}
	if want := append(append([]string(nil), names...), "generic"); strings.Join(detected, " ") != strings.Join(want, " ") {
		t.Errorf("README detection table lists %v, want %v", detected, want)
	}

	quoted := func(ns []string) string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = "`" + n + "`"
		}
		return strings.Join(out, ", ")
	}
	if want := "`auto`, " + quoted(names) + " |"; !strings.Contains(readme, want) {
		t.Errorf("README's options table does not list the source values %s", want)
	}
	if want := `"supported_sources": ["` + strings.Join(names, `", "`) + `"]`; !strings.Contains(strings.Join(strings.Fields(readme), " "), strings.Join(strings.Fields(want), " ")) {
		t.Errorf("README's init example does not show supported_sources %s", want)
	}
	for _, n := range names {
		if !strings.Contains(readme, "\n### "+n+": ") {
			t.Errorf("README has no section \"### %s: ...\"", n)
		}
	}
}
