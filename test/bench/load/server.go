package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every Linux port Go supports.
const clockTicks = 100

// readyTimeout bounds how long a started server may take to report SERVING.
const readyTimeout = 10 * time.Second

func numCPU() int { return runtime.GOMAXPROCS(0) }

type binaries struct{ monhook, baseline string }

// build compiles both servers into dir, as `make build` would (without the version stamp).
func build(root, dir string) (binaries, error) {
	b := binaries{monhook: filepath.Join(dir, "monhook"), baseline: filepath.Join(dir, "baseline")}
	for pkg, out := range map[string]string{"./cmd/monhook": b.monhook, "./test/bench/baseline": b.baseline} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
		}
	}
	return b, nil
}

// monhookFlags are the serve flags every run adds: the admin HTTP listener, where the binary has one, is turned
// off so that runs never collide on its fixed port.
func monhookFlags(bin string) ([]string, error) {
	out, err := exec.Command(bin, "serve", "--help").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s serve --help: %w\n%s", bin, err, out)
	}
	if bytes.Contains(out, []byte("--admin-listen")) {
		return []string{"--admin-listen="}, nil
	}
	return nil, nil
}

// server is one binary and how to start it; the driver adds --listen.
type server struct {
	name string
	bin  string
	args []string
	dir  string // working directory: one without configs/, so monhook reads no configuration file
}

// proc is one running server.
type proc struct {
	cmd     *exec.Cmd
	addr    string
	started time.Time
	conn    *grpc.ClientConn
}

// start launches the server on a free loopback port with a clean environment and waits for SERVING; the logs go to
// /dev/null, written all the same, so their cost is measured.
func (s server) start(ctx context.Context) (*proc, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = null.Close() }()
	cmd := exec.Command(s.bin, append(slicesClone(s.args), "--listen", addr)...)
	cmd.Dir = s.dir
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = null, null
	p := &proc{cmd: cmd, addr: addr, started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	ready, err := p.waitServing(ctx)
	if err != nil {
		p.stop()
		return nil, 0, err
	}
	return p, ready, nil
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// cleanEnv is the driver's environment without what configures monhook.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MONHOOK_") || strings.HasPrefix(kv, "SPACEONE_") || strings.HasPrefix(kv, "GRPC_GO_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitServing polls the health service until it answers SERVING and returns the time since the process started.
func (p *proc) waitServing(ctx context.Context) (time.Duration, error) {
	conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	p.conn = conn
	hc := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		// The connection backs off after a refused dial; a fresh TCP probe tells when the port is open at all.
		c, err := net.DialTimeout("tcp", p.addr, 50*time.Millisecond)
		if err != nil {
			time.Sleep(time.Millisecond)
			continue
		}
		_ = c.Close()
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		resp, err := hc.Check(cctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return time.Since(p.started), nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, errors.New("not SERVING within " + readyTimeout.String())
}

// stop sends SIGTERM and waits for the exit, killing the process if it does not stop in time.
func (p *proc) stop() {
	if p.conn != nil {
		p.conn.Close()
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// cpu is the process's user+system time so far.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it are space-separated, utime and stime being the 14th
	// and 15th of the line, the 12th and 13th after ") ".
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat: %q", b)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// memory reads VmRSS and VmHWM (peak RSS) in KiB.
func (p *proc) memory() (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm, nil
}

// memSample is one round's memory of one server: idle after start-up, and peak over the round's load.
type memSample struct{ idleKiB, peakKiB int64 }

// round starts the server, measures idle memory, runs every cell and reads the peak memory, then stops it.
func (s server) round(ctx context.Context, cfg config, cells []cell, record func(int, sample)) (memSample, error) {
	p, _, err := s.start(ctx)
	if err != nil {
		return memSample{}, err
	}
	defer p.stop()
	time.Sleep(500 * time.Millisecond) // let start-up garbage settle before the idle reading
	idle, _, err := p.memory()
	if err != nil {
		return memSample{}, err
	}
	for ci, c := range cells {
		smp, err := runCell(ctx, p, c, cfg)
		if err != nil {
			return memSample{}, fmt.Errorf("%s: %w", c.name, err)
		}
		record(ci, smp)
	}
	_, peak, err := p.memory()
	return memSample{idleKiB: idle, peakKiB: peak}, err
}

// startTimes starts the server n times and returns each time from process start to SERVING.
func (s server) startTimes(ctx context.Context, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		p, d, err := s.start(ctx)
		if err != nil {
			return nil, err
		}
		p.stop()
		out = append(out, d)
	}
	return out, nil
}
