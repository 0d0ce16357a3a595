package e2e_test

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// runHealth runs `monhook health args...` with the test's clean environment plus env, and returns what it printed
// and its exit code.
func runHealth(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"health"}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	default:
		t.Fatalf("monhook health: %v", err)
		return "", -1
	}
}

// TestHealthCommandAsAProbe runs `monhook health` as a HEALTHCHECK or an exec probe does: with the server's own
// environment and no arguments, then against a server that has stopped.
func TestHealthCommandAsAProbe(t *testing.T) {
	t.Parallel()
	var listen string
	s := startOn(t, func(port int) (launchSpec, string) {
		// Every interface, as in the image: health must find it on loopback.
		listen = "0.0.0.0:" + strconv.Itoa(port)
		return launchSpec{args: []string{"serve"}, env: []string{"MONHOOK_LISTEN=" + listen}}, local(port)
	})
	_, port, _ := net.SplitHostPort(s.addr)

	out, code := runHealth(t, []string{"MONHOOK_LISTEN=" + listen})
	if code != 0 || out != "127.0.0.1:"+port+": SERVING\n" {
		t.Errorf("monhook health against a SERVING server: exit %d, printed %q; want 0 and SERVING", code, out)
	}

	s.stop(t)
	out, code = runHealth(t, []string{"MONHOOK_LISTEN=" + listen})
	if code != 1 || !strings.Contains(out, "connection refused") {
		t.Errorf("monhook health with no server: exit %d, printed %q; want 1 and the reason", code, out)
	}
}
