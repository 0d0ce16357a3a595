package e2e_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the binary with args and stdin, from an empty folder with a clean environment, and returns its
// standard output, standard error and exit code.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("monhook %v: %v", args, err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// TestExitCodes: 2 for a command line monhook cannot read, 1 for a failure of what it was asked to do, 0 otherwise.
func TestExitCodes(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "domain", "source", "alertmanager", "testdata", "zulip-resolved-single-alert.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
		want  int
	}{
		{"an unknown command", "", []string{"frobnicate"}, 2},
		{"an unknown flag", "", []string{"serve", "--no-such-flag"}, 2},
		{"a flag value of the wrong type", "", []string{"serve", "--max-events", "many"}, 2},
		{"too many arguments", "", []string{"parse", "a.json", "b.json"}, 2},
		{"parse options that are not JSON", string(body), []string{"parse", "--options", "{", "-"}, 2},
		{"an invalid configuration", "", []string{"serve", "--max-events", "0"}, 1},
		{"a body that is not JSON", "not json", []string{"parse", "-"}, 1},
		{"a body no source reads", `{"hello": "world"}`, []string{"parse", "-"}, 1},
		{"a missing file", "", []string{"parse", "no-such-file.json"}, 1},
		{"a body read from standard input without -", string(body), []string{"parse"}, 0},
		{"--version", "", []string{"--version"}, 0},
	} {
		_, stderr, code := runCLI(t, tt.stdin, tt.args...)
		if code != tt.want {
			t.Errorf("%s (monhook %s): exit %d, want %d; stderr: %s", tt.name, strings.Join(tt.args, " "), code, tt.want, stderr)
		}
		if tt.want != 0 && !strings.HasPrefix(stderr, "monhook: ") {
			t.Errorf("%s: stderr %q does not start with the one-line reason", tt.name, stderr)
		}
	}
}

// TestVersionFlagIsTheVersionCommand: --version and `monhook version` print the same stamped version.
func TestVersionFlagIsTheVersionCommand(t *testing.T) {
	flag, _, _ := runCLI(t, "", "--version")
	cmd, _, _ := runCLI(t, "", "version")
	if flag != stampedVersion+"\n" || cmd != flag {
		t.Errorf("--version printed %q, version %q; want %q", flag, cmd, stampedVersion+"\n")
	}
}

// TestParseReadsStandardInput: with no file named, parse reads the body from standard input, as with -.
func TestParseReadsStandardInput(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "domain", "source", "alertmanager", "testdata", "zulip-resolved-single-alert.json"))
	if err != nil {
		t.Fatal(err)
	}
	implicit, _, code := runCLI(t, string(body), "parse", "--received", "2026-01-02T03:04:05Z")
	explicit, _, _ := runCLI(t, string(body), "parse", "--received", "2026-01-02T03:04:05Z", "-")
	if code != 0 || implicit != explicit || !strings.Contains(implicit, `"event_key"`) {
		t.Errorf("parse without a file: exit %d, %q; with -: %q", code, implicit, explicit)
	}
}
