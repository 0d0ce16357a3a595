package cli_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/monhook/monhook/adapters/cli"
)

// healthServer serves grpc-go's health service on a free loopback port; the test sets its statuses.
func healthServer(t *testing.T) (*health.Server, int) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return hs, lis.Addr().(*net.TCPAddr).Port
}

// runHealth runs `monhook health args...` in an empty working directory with no MONHOOK_* or SPACEONE_PORT set
// unless env sets them.
func runHealth(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	t.Chdir(t.TempDir())
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "MONHOOK_") || name == "SPACEONE_PORT" {
			t.Setenv(name, "")
			_ = os.Unsetenv(name) // t.Setenv restores it afterwards
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cmd := cli.HealthCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestHealthExitsZeroOnlyWhenServing(t *testing.T) {
	hs, port := healthServer(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)

	out, err := runHealth(t, nil, "--addr", addr)
	if err != nil || out != addr+": SERVING\n" {
		t.Errorf("SERVING: printed %q, error %v; want %q and no error", out, err, addr+": SERVING\n")
	}

	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	out, err = runHealth(t, nil, "--addr", addr)
	if err == nil || !strings.Contains(err.Error(), "NOT_SERVING") || !strings.Contains(out, "NOT_SERVING") {
		t.Errorf("NOT_SERVING: printed %q, error %v; want an error naming NOT_SERVING", out, err)
	}

	hs.SetServingStatus("spaceone.api.monitoring.plugin.Event", healthpb.HealthCheckResponse_SERVING)
	if _, err := runHealth(t, nil, "--addr", addr, "--service", "spaceone.api.monitoring.plugin.Event"); err != nil {
		t.Errorf("--service of a SERVING service: %v", err)
	}
	if _, err := runHealth(t, nil, "--addr", addr, "--service", "nope"); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Errorf("--service of an unknown service: error %v, want NotFound", err)
	}
}

func TestHealthFailsWithoutAServer(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	start := time.Now()
	if _, err := runHealth(t, nil, "--addr", addr); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("nothing listening: error %v, want connection refused", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("a refused connection took %s to report, want at once", took)
	}
}

func TestHealthGivesUpAfterTheTimeout(t *testing.T) {
	// A listener that accepts and never speaks HTTP/2, like a hung process.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		lis.Close()
		for c := range accepted {
			_ = c.Close()
		}
	}()
	start := time.Now()
	_, err = runHealth(t, nil, "--addr", lis.Addr().String(), "--timeout", "300ms")
	if err == nil {
		t.Fatal("a server that never answers was reported healthy")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("gave up after %s, want about the 300ms timeout", took)
	}
}

func TestHealthChecksTheConfiguredListenAddress(t *testing.T) {
	_, port := healthServer(t)
	p := strconv.Itoa(port)
	file := filepath.Join(t.TempDir(), "monhook.yaml")
	if err := os.WriteFile(file, []byte("listen: \":"+p+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"MONHOOK_LISTEN on every interface": {env: map[string]string{"MONHOOK_LISTEN": "0.0.0.0:" + p}},
		"SPACEONE_PORT":                     {env: map[string]string{"SPACEONE_PORT": p}},
		"--config with an empty host":       {args: []string{"--config", file}},
		"--addr beats the configuration":    {env: map[string]string{"MONHOOK_LISTEN": "127.0.0.1:1"}, args: []string{"--addr", "127.0.0.1:" + p}},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := runHealth(t, tc.env, tc.args...)
			if want := "127.0.0.1:" + p + ": SERVING\n"; err != nil || out != want {
				t.Errorf("printed %q, error %v; want %q", out, err, want)
			}
		})
	}
}

func TestHealthRefusesWhatItCannotDial(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		// IPv6's unspecified address is reached on IPv6 loopback; nothing listens on port 1, so only the address
		// in the error is checked.
		"IPv6 every interface": {env: map[string]string{"MONHOOK_LISTEN": "[::]:1"}, want: "health [::1]:1: "},
		"a free port":          {env: map[string]string{"MONHOOK_LISTEN": "127.0.0.1:0"}, want: "name it with --addr"},
		"a bad configuration":  {env: map[string]string{"MONHOOK_LISTEN": "nope"}, want: `config: listen "nope" (from MONHOOK_LISTEN)`},
		"a missing --config":   {args: []string{"--config", "/nonexistent.yaml"}, want: "no such file"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := runHealth(t, tc.env, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
