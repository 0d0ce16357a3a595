package e2e_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/dynamicpb"
)

// drainExit bounds how long the server may take to exit once its last in-flight call is answered: far below the
// 20 s grace, so a server that waits out its grace instead of finishing with its calls fails.
const drainExit = 5 * time.Second

func TestSIGTERMLetsTheInFlightCallFinish(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)
	health := healthpb.NewHealthClient(c.conn)

	watchCtx, stopWatch := context.WithTimeout(outgoing(), 15*time.Second)
	defer stopWatch()
	watch, err := health.Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health Watch: %v", err)
	}
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health Watch first = %v, %v; want SERVING", r.GetStatus(), err)
	}

	// A verify call whose request is not sent yet: the server has the call open and waits for its message.
	verify := c.method(t, "Webhook.verify")
	callCtx, cancelCall := context.WithTimeout(outgoing(), 15*time.Second)
	defer cancelCall()
	stream, err := c.conn.NewStream(callCtx, &grpc.StreamDesc{StreamName: string(verify.Name())}, path(verify))
	if err != nil {
		t.Fatalf("open %s: %v", path(verify), err)
	}
	// The check's headers follow the verify stream's on the same connection, so its answer proves the server has
	// seen the verify call before the signal.
	ctx, cancel := context.WithTimeout(outgoing(), callTimeout)
	_, err = health.Check(ctx, &healthpb.HealthCheckRequest{})
	cancel()
	if err != nil {
		t.Fatalf("health Check behind the open call: %v", err)
	}

	s.terminate(t)

	for {
		r, err := watch.Recv()
		if err != nil {
			t.Fatalf("health Watch after SIGTERM ended without NOT_SERVING: %v", err)
		}
		if r.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
			break
		}
	}
	stopWatch() // an open Watch is an in-flight call too, and would hold the drain

	if err := stream.SendMsg(request(t, verify, `{"options": {}}`)); err != nil {
		t.Fatalf("send verify request after SIGTERM: %v", err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatalf("close verify request: %v", err)
	}
	out := dynamicpb.NewMessage(verify.Output())
	if err := stream.RecvMsg(out); err != nil {
		t.Fatalf("verify in flight during SIGTERM failed: %v", newCallError(err))
	}
	if got := asJSON(t, out); len(got) != 0 {
		t.Errorf("verify in flight during SIGTERM = %s, want {}", show(got))
	}

	code, ok := s.wait(drainExit)
	if !ok {
		t.Fatalf("monhook still running %s after its last call was answered", drainExit)
	}
	if code != 0 {
		t.Errorf("monhook exited with code %d after SIGTERM, want 0", code)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if st, err := healthCheck(ctx, s.addr, ""); err == nil {
		t.Errorf("a new connection after exit got health %s, want a failure", st)
	}
}

func TestBadConfigurationFailsFast(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		mention string // what the reason on stderr must name
	}{
		{"listen without port", []string{"serve", "--listen", "nonsense"}, "listen"},
		{"missing config file", []string{"serve", "--config", "/nonexistent.yaml"}, "/nonexistent.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := launch(t, launchSpec{args: tc.args})
			code, ok := p.wait(readyTimeout)
			if !ok {
				t.Fatalf("monhook %v still running after %s, want it to refuse the configuration", tc.args, readyTimeout)
			}
			if code == 0 {
				t.Errorf("monhook %v exited 0, want non-zero", tc.args)
			}
			stderr := strings.TrimSpace(p.stderr.String())
			if lines := strings.Split(stderr, "\n"); stderr == "" || len(lines) != 1 {
				t.Errorf("monhook %v wrote %d lines to stderr, want the one-line reason:\n%s", tc.args, len(lines), stderr)
			}
			if !strings.Contains(stderr, tc.mention) {
				t.Errorf("monhook %v: stderr %q does not mention %q", tc.args, stderr, tc.mention)
			}
		})
	}
}

func TestListenAddressComesFromTheRightLayer(t *testing.T) {
	t.Parallel()
	// Each case launches the server so that it must listen on 127.0.0.1:<port>; an address in a lower layer must
	// lose, and configs/monhook.yaml in the working directory is read when --config is not given.
	for _, tc := range []struct {
		name   string
		launch func(t *testing.T, port int) launchSpec
	}{
		{"MONHOOK_LISTEN", func(_ *testing.T, port int) launchSpec {
			return launchSpec{args: []string{"serve"}, env: []string{"MONHOOK_LISTEN=" + local(port)}}
		}},
		{"SPACEONE_PORT", func(_ *testing.T, port int) launchSpec {
			return launchSpec{args: []string{"serve"}, env: []string{"SPACEONE_PORT=" + strconv.Itoa(port)}}
		}},
		{"--config file", func(t *testing.T, port int) launchSpec {
			file := writeFile(t, t.TempDir(), "custom.yaml", "listen: "+local(port)+"\n")
			return launchSpec{args: []string{"serve", "--config", file}}
		}},
		{"configs/monhook.yaml in the working directory", func(t *testing.T, port int) launchSpec {
			dir := t.TempDir()
			writeFile(t, dir, filepath.Join("configs", "monhook.yaml"), "listen: "+local(port)+"\n")
			return launchSpec{args: []string{"serve"}, dir: dir}
		}},
		{"MONHOOK_LISTEN beats SPACEONE_PORT and the file", func(t *testing.T, port int) launchSpec {
			dir := t.TempDir()
			writeFile(t, dir, filepath.Join("configs", "monhook.yaml"), "listen: 127.0.0.1:1\n")
			return launchSpec{args: []string{"serve"}, dir: dir,
				env: []string{"MONHOOK_LISTEN=" + local(port), "SPACEONE_PORT=1"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startOn(t, func(port int) (launchSpec, string) { return tc.launch(t, port), local(port) })
			if got := dial(t, s.addr).mustCall(t, "ServerInfo.get_version", `{}`); got["version"] != stampedVersion {
				t.Errorf("server at %s answers get_version %s", s.addr, show(got))
			}
		})
	}
}

func TestFlagBeatsTheEnvironment(t *testing.T) {
	t.Parallel()
	// MONHOOK_LISTEN names an address this test holds throughout, so no parallel server can take it and answer
	// there: had monhook followed it, its bind would fail and it would never serve at --listen's address.
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	envAddr := held.Addr().String()
	s := startOn(t, func(port int) (launchSpec, string) {
		return launchSpec{args: []string{"serve", "--listen", local(port)}, env: []string{"MONHOOK_LISTEN=" + envAddr}}, local(port)
	})
	if got := dial(t, s.addr).mustCall(t, "ServerInfo.get_version", `{}`); got["version"] != stampedVersion {
		t.Errorf("with --listen %s and MONHOOK_LISTEN %s, the server at --listen answers get_version %s", s.addr, envAddr, show(got))
	}
}

func TestSpaceonePortListensOnEveryInterface(t *testing.T) {
	t.Parallel()
	ip := externalIPv4()
	if ip == "" {
		t.Skip("no non-loopback IPv4 address to tell 0.0.0.0 from 127.0.0.1")
	}
	s := startOn(t, func(port int) (launchSpec, string) {
		return launchSpec{args: []string{"serve"}, env: []string{"SPACEONE_PORT=" + strconv.Itoa(port)}}, local(port)
	})
	_, port, _ := net.SplitHostPort(s.addr)
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if st, err := healthCheck(ctx, net.JoinHostPort(ip, port), ""); err != nil || st != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("SPACEONE_PORT=%s: health via %s = %v, %v; want SERVING (0.0.0.0)", port, ip, st, err)
	}
}

func TestVersionCommandPrintsTheServedVersion(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "version")
	cmd.Env = cleanEnv()
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("monhook version: %v", err)
	}
	printed := strings.TrimSuffix(string(out), "\n")
	if printed == "" || strings.Contains(printed, "\n") {
		t.Fatalf("monhook version printed %q, want one non-empty line", out)
	}

	s := startServer(t)
	served := dial(t, s.addr).mustCall(t, "ServerInfo.get_version", `{}`)["version"]
	if served != printed {
		t.Errorf("monhook version prints %q, the server reports %v", printed, served)
	}
}

// local is 127.0.0.1:port.
func local(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// writeFile writes content to dir/name, creating directories, and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// externalIPv4 is an IPv4 address of this host other than loopback, or "" when it has none.
func externalIPv4() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}
