package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/monhook/monhook/adapters/cli"
	"github.com/monhook/monhook/domain/source/sourcetest"
	"github.com/monhook/monhook/domain/trust/trusttest"
)

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := cli.ParseCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// TestParsePrintsTheGoldenAnswer runs the CLI on every fixture; it must print exactly the golden file, which the
// domain tests and the gRPC tests also hold the server to.
func TestParsePrintsTheGoldenAnswer(t *testing.T) {
	for _, f := range sourcetest.Fixtures(t) {
		t.Run(f.Name(), func(t *testing.T) {
			want, err := os.ReadFile(f.Golden)
			if err != nil {
				t.Fatal(err)
			}
			out, err := run(t, string(f.Body), "--received", "2026-01-02T03:04:05Z", "--options", `{"source": "`+f.Source+`"}`, "-")
			var golden map[string]any
			if err := json.Unmarshal(want, &golden); err != nil {
				t.Fatal(err)
			}
			if _, refused := golden["error"]; refused {
				if err == nil || !strings.HasPrefix(err.Error(), "ERROR_INVALID_PAYLOAD: ") {
					t.Errorf("error = %v, want ERROR_INVALID_PAYLOAD", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("printed\n%s\nwant\n%s", out, want)
			}
		})
	}
}

func TestParseReadsOptionsFileAndStdin(t *testing.T) {
	body := sourcetest.Get(t, "alertmanager/zulip-firing-two-alerts.json").Body
	opts := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(opts, []byte(`{"convert_data": {"title": "{{ labels.alertname }} on {{ labels.host }}"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, string(body), "--options", "@"+opts, "-")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 2 || got.Results[0]["title"] != "High CPU Temperature on andromeda" {
		t.Errorf("results %v", got.Results)
	}
}

func TestParseFailsWithTheServersErrorText(t *testing.T) {
	dir := t.TempDir()
	payload := filepath.Join(dir, "p.json")
	if err := os.WriteFile(payload, []byte(`{"hello": "world"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{payload}, "ERROR_UNSUPPORTED_PAYLOAD: The payload matches none of the supported sources"},
		{[]string{"--options", `{"source": "nope"}`, payload}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.source, reason = "},
		{[]string{"--options", `{"convert_data": {"title": "{{ a|b }}"}}`, payload}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.convert_data.title"},
		{[]string{"--options", `[1]`, payload}, "--options must be a JSON object"},
		{[]string{filepath.Join(dir, "missing.json")}, "payload: "},
		{[]string{"--received", "now", payload}, `--received "now" is not an RFC 3339 time`},
	}
	for _, tt := range tests {
		_, err := run(t, "", tt.args...)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q…", tt.args, err, tt.want)
		}
	}
	if _, err := run(t, "[1, 2]", "-"); err == nil || !strings.Contains(err.Error(), "must be a JSON object") {
		t.Errorf("a JSON list on stdin: %v", err)
	}
}

// TestParsePrintsTheAlertManagersAnswer: with --protocol alert_manager (or MONHOOK_PROTOCOL), the same events
// spelled as the Alert Manager receives them.
func TestParsePrintsTheAlertManagersAnswer(t *testing.T) {
	body := `{"event_key": "k", "event_type": "recovery", "title": "t", "severity": "not_available", "provider": "p",
		"account": "a", "resource": {"resource_id": "i", "resource_type": "ty", "name": "n"}, "additional_info": {"x": 1},
		"occurred_at": "2026-01-01T09:00:00+09:00"}`
	want := `{
  "results": [
    {
      "additional_info": {
        "account": "a",
        "monitoring_severity": "NOT_AVAILABLE",
        "provider": "p",
        "resource_id": "i",
        "resource_type": "ty",
        "x": "1"
      },
      "event_key": "k",
      "event_type": "RECOVERY",
      "occurred_at": "2026-01-01T00:00:00Z",
      "resources": [
        "n"
      ],
      "severity": "ERROR",
      "title": "t"
    }
  ]
}
`
	out, err := run(t, body, "--protocol", "alert_manager", "-")
	if err != nil {
		t.Fatal(err)
	}
	if out != want {
		t.Errorf("printed\n%s\nwant\n%s", out, want)
	}
	t.Setenv("MONHOOK_PROTOCOL", "alert_manager")
	if out, err := run(t, body, "-"); err != nil || out != want {
		t.Errorf("with MONHOOK_PROTOCOL=alert_manager: %v\n%s", err, out)
	}
	// The flag wins, as it does for serve.
	out, err = run(t, body, "--protocol", "monitoring", "-")
	if err != nil || !strings.Contains(out, `"severity": "NOT_AVAILABLE"`) || !strings.Contains(out, `"provider": "p"`) {
		t.Errorf("--protocol monitoring under MONHOOK_PROTOCOL=alert_manager: %v\n%s", err, out)
	}
	t.Setenv("MONHOOK_PROTOCOL", "alert-manager")
	if _, err := run(t, body, "-"); err == nil || err.Error() != `MONHOOK_PROTOCOL "alert-manager": want monitoring or alert_manager` {
		t.Errorf("a misspelt MONHOOK_PROTOCOL: %v", err)
	}
	if _, err := run(t, body, "--protocol", "am", "-"); err == nil || err.Error() != `--protocol "am": want monitoring or alert_manager` {
		t.Errorf("a misspelt --protocol: %v", err)
	}
}

// TestParseWarnsOfAnUnverifiedSignature: monhook parse fetches no certificate, so under sns_verify log a signed
// body is read with the server's warning, and under enforce it is refused with it.
func TestParseWarnsOfAnUnverifiedSignature(t *testing.T) {
	certURL := "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"
	body, err := json.Marshal(trusttest.Sign(t, trusttest.Key(t), trusttest.Notification(certURL, "disk full"), "2"))
	if err != nil {
		t.Fatal(err)
	}
	for mode, wantErr := range map[string]string{"log": "", "enforce": "ERROR_SIGNATURE_NOT_VERIFIED: "} {
		cmd := cli.ParseCommand()
		var out, errOut bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetIn(bytes.NewReader(body))
		cmd.SetArgs([]string{"--options", `{"sns_verify": "` + mode + `"}`, "-"})
		err := cmd.Execute()
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("%s: %v", mode, err)
		case wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), wantErr)):
			t.Errorf("%s: error %v, want %s…", mode, err, wantErr)
		}
		if log := errOut.String(); !strings.Contains(log, "sns signature not verified") || !strings.Contains(log, "mode="+mode) ||
			!strings.Contains(log, "outcome=failed") {
			t.Errorf("%s: stderr %q, want the warning of a failed check", mode, log)
		}
	}
}
