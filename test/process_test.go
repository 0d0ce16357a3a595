package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

const (
	// readyTimeout bounds how long a started server may take to report SERVING.
	readyTimeout = 10 * time.Second
	// exitTimeout bounds a SIGTERMed server's exit; it is above the default 20 s grace, so a server that waits for
	// its grace period is told apart from one that hangs.
	exitTimeout = 30 * time.Second
)

// syncBuffer is a bytes.Buffer safe for the writer goroutine of os/exec and a reading test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is one running (or finished) monhook process.
type proc struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{} // closed once the process has exited and its output is fully copied
	err    error         // cmd.Wait's result, readable after done is closed
}

// launchSpec says how to run the binary. Its env is added to the test's environment, which is stripped of every
// MONHOOK_* and SPACEONE_PORT; its values beat isolatedEnv's.
type launchSpec struct {
	args []string
	env  []string
	dir  string // working directory; a fresh empty one when "", so no configs/monhook.yaml is found by accident
	// shell runs args with sh instead of the binary: a script that sets limits and then execs the binary.
	shell bool
}

// launch starts the binary and registers a cleanup that stops it and prints its stderr if the test failed.
func launch(t *testing.T, spec launchSpec) *proc {
	t.Helper()
	if spec.dir == "" {
		spec.dir = t.TempDir()
	}
	p := &proc{cmd: exec.Command(binary, spec.args...), done: make(chan struct{})}
	if spec.shell {
		p.cmd = exec.Command("sh", spec.args...)
	}
	p.cmd.Dir = spec.dir
	p.cmd.Env = append(append(cleanEnv(), isolatedEnv...), spec.env...) // os/exec keeps the last of duplicates
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	// Registered first, so it runs last: the printed log includes the shutdown.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("monhook %s stderr:\n%s", strings.Join(spec.args, " "), p.stderr.String())
		}
	})
	t.Cleanup(func() { p.stop(t) })
	return p
}

// isolatedEnv moves every listener but the gRPC one to a free port: the admin listener's default is a fixed
// port, which servers running side by side would contend for. Older binaries ignore the unknown variable.
var isolatedEnv = []string{"MONHOOK_ADMIN_LISTEN=127.0.0.1:0"}

// cleanEnv is the test's environment without the variables that configure monhook: its own, Cloudforet's port,
// OpenTelemetry's (an exporter endpoint in a developer's shell would send every test's spans there), and the Go
// runtime's memory limit (which would change the admission budget the tests expect).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MONHOOK_") || strings.HasPrefix(kv, "SPACEONE_PORT=") || strings.HasPrefix(kv, "OTEL_") ||
			strings.HasPrefix(kv, "GOMEMLIMIT=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to timeout for the process to exit and returns its exit code; ok is false on a timeout.
func (p *proc) wait(timeout time.Duration) (code int, ok bool) {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// terminate sends SIGTERM, as Kubernetes and Cloudforet's plugin manager do to stop a plugin.
func (p *proc) terminate(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !p.exited() {
		t.Fatalf("SIGTERM: %v", err)
	}
}

// stop SIGTERMs a running process and expects a clean exit; a process that ignores it is killed.
func (p *proc) stop(t *testing.T) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	code, ok := p.wait(exitTimeout)
	if !ok {
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("monhook did not exit within %s of SIGTERM; killed", exitTimeout)
		return
	}
	if code != 0 {
		t.Errorf("monhook exited with code %d after SIGTERM, want 0", code)
	}
}

// logLines decodes every stderr line written so far; a line that is not a JSON object fails the test.
func (p *proc) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stderr line is not a JSON object: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// waitLog waits up to 5 s for a log line that satisfies match: the server writes a call's line before it answers,
// but the copy from its stderr pipe into the buffer can lag the answer.
func (p *proc) waitLog(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range p.logLines(t) {
			if match(line) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line %s within 5 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// server is a monhook process that has reported SERVING on addr.
type server struct {
	*proc
	addr string // host:port to dial
}

// startServer runs `monhook serve --listen 127.0.0.1:<free port>` and waits until it is SERVING.
func startServer(t *testing.T) *server {
	t.Helper()
	return startOn(t, func(port int) (launchSpec, string) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		return launchSpec{args: []string{"serve", "--listen", addr}}, addr
	})
}

// startOn launches the spec made for a free port and waits until the server is SERVING at the address it returns.
// A free port can be taken by another process between the probe and the server's bind; then it tries a new port.
func startOn(t *testing.T, spec func(port int) (launchSpec, string)) *server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		s, addr := spec(freePort(t))
		p := launch(t, s)
		err := waitServing(p, addr)
		if err == nil {
			return &server{proc: p, addr: addr}
		}
		if attempt < 3 && p.exited() && strings.Contains(p.stderr.String(), "address already in use") {
			continue
		}
		t.Fatalf("monhook %s (addr %s) not SERVING: %v", strings.Join(s.args, " "), addr, err)
	}
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("probe for a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitServing polls grpc.health.v1 Check("") at addr until it answers SERVING, the process exits, or readyTimeout
// passes.
func waitServing(p *proc, addr string) error {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// The server is not listening yet on the first tries: reconnect fast instead of grpc's 1 s+ backoff.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 20 * time.Millisecond, Multiplier: 1.5, MaxDelay: 200 * time.Millisecond},
			MinConnectTimeout: time.Second,
		}))
	if err != nil {
		return err
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(readyTimeout)
	last := errors.New("no answer yet")
	for time.Now().Before(deadline) {
		if p.exited() {
			return errors.New("process exited: " + p.cmd.ProcessState.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		cancel()
		switch {
		case err != nil:
			last = err
		case resp.GetStatus() == healthpb.HealthCheckResponse_SERVING:
			return nil
		default:
			last = errors.New("health: " + resp.GetStatus().String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("not SERVING within " + readyTimeout.String() + ": " + last.Error())
}

// healthCheck asks addr's health service for service's status once, on a connection of its own.
func healthCheck(ctx context.Context, addr, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return 0, err
	}
	return resp.GetStatus(), nil
}
