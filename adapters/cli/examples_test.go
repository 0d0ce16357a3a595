package cli_test

import (
	"strings"
	"testing"

	"github.com/monhook/monhook/adapters/cli"
	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

func examples(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	cmd := cli.ExamplesCommand()
	cmd.SetOut(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestExamplesListsEverySourcesBodies(t *testing.T) {
	out, err := examples(t)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range sourcetest.Fixtures(t) {
		want = append(want, f.Name())
	}
	if got := strings.Fields(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("examples lists\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, name := range source.Names() {
		if !strings.Contains(out, name+"/") {
			t.Errorf("no example of %s", name)
		}
	}
}

func TestExamplesPrintsOneBody(t *testing.T) {
	f := sourcetest.Get(t, "alertmanager/zulip-firing-two-alerts.json")
	out, err := examples(t, f.Name())
	if err != nil || out != string(f.Body) {
		t.Errorf("examples %s: %v, body differs", f.Name(), err)
	}
	out, err = examples(t, "alertmanager")
	if err != nil || !strings.Contains(out, f.Name()+"\n") || strings.Contains(out, "grafana/") {
		t.Errorf("examples alertmanager: %v\n%s", err, out)
	}
	for _, bad := range []string{"nagios", "alertmanager/nope.json", "alertmanager/../grafana/x.json", "alertmanager/README.md"} {
		if _, err := examples(t, bad); err == nil {
			t.Errorf("examples %s: no error", bad)
		}
	}
}
