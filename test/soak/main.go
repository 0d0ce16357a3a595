// Command soak runs a monhook server on loopback under bounded, mixed traffic and checks that it answers every
// call with the status code the call deserves, keeps serving, and gives its goroutines back afterwards.
//
//	go run ./test/soak -callers 100 -duration 60s
//
// It builds ./cmd/monhook (or runs -binary), starts it on a free 127.0.0.1 port, and lets the callers send, over a
// pool of connections, valid init, verify, parse (every real fixture), get_version and health calls mixed with
// invalid options, payloads no source reads, payloads nested too deep, bytes that are no protobuf message and
// messages over the server's receive limit. It prints the calls per method, case and code, the server's RSS and
// threads at start and end, and exits 1 on any unexpected code, a server that stops serving or does not exit 0
// on SIGTERM, or goroutines that do not return to their baseline.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/sourcekit"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

const (
	// defaultRecvLimit is the server's default --max-recv-msg-size; an oversized call sends a little more.
	defaultRecvLimit = 8 << 20
	// callTimeout bounds every call; a call that takes longer counts as DeadlineExceeded, which no case expects.
	callTimeout = 10 * time.Second
	// maxCallsPerCaller bounds each caller by count as well as by time.
	maxCallsPerCaller = 10_000_000
	// oversizedInFlight bounds the oversized calls sent at once, so the driver's memory stays small.
	oversizedInFlight = 2
	// goroutineSlack is how far above its baseline a goroutine count may settle: timers and pools of the runtime.
	goroutineSlack = 5
)

func main() {
	callers := flag.Int("callers", 100, "concurrent callers")
	duration := flag.Duration("duration", 60*time.Second, "how long the callers send")
	conns := flag.Int("conns", 0, "connections the callers share (default callers/10, at least 1)")
	binary := flag.String("binary", "", "monhook binary to run (default: build ./cmd/monhook)")
	flag.Parse()
	if *callers < 1 || *duration <= 0 || *duration > 24*time.Hour {
		fmt.Fprintln(os.Stderr, "soak: -callers must be at least 1 and -duration within (0, 24h]")
		os.Exit(2)
	}
	if *conns <= 0 {
		*conns = max(1, *callers/10)
	}
	if err := run(*callers, *conns, *duration, *binary); err != nil {
		fmt.Fprintln(os.Stderr, "soak: FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("soak: PASS")
}

func run(callers, nconns int, duration time.Duration, binary string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "monhook-soak-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if binary == "" {
		binary = filepath.Join(tmp, "monhook")
		build := exec.Command("go", "build", "-o", binary, "./cmd/monhook")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/monhook: %w\n%s", err, out)
		}
	}
	cases, err := buildCases()
	if err != nil {
		return err
	}

	driverBaseline := runtime.NumGoroutine()
	srv, err := start(binary, tmp)
	if err != nil {
		return err
	}
	defer srv.kill()
	fmt.Printf("soak: monhook pid %d on %s; %d callers over %d connections for %s; %d cases\n",
		srv.cmd.Process.Pid, srv.addr, callers, nconns, duration, len(cases))

	// The server's baseline is taken before any connection of the soak is open: all it serves then is nothing.
	serverBaseline, haveServerGoroutines := srv.goroutines()

	conns := make([]*grpc.ClientConn, nconns)
	for i := range conns {
		c, err := grpc.NewClient(srv.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20), grpc.MaxCallRecvMsgSize(64<<20)))
		if err != nil {
			return err
		}
		conns[i] = c
	}
	closeConns := func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		conns = nil
	}
	defer closeConns()

	// Warm up: one round of every case, so the start RSS is that of a server that has seen each path once.
	tally := newTally()
	for _, c := range cases {
		tally.record(c, invoke(conns[0], c))
	}
	startRSS, startThreads := srv.proc()
	fmt.Printf("soak: start: server RSS %s, %d threads%s\n", mib(startRSS), startThreads, goroutineNote(serverBaseline, haveServerGoroutines))

	var peakRSS atomic.Int64
	peakRSS.Store(startRSS)
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
				if rss, _ := srv.proc(); rss > peakRSS.Load() {
					peakRSS.Store(rss)
				}
			}
		}
	}()

	deadline := time.Now().Add(duration)
	oversized := make(chan struct{}, oversizedInFlight)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			conn := conns[i%len(conns)]
			for n := 0; n < maxCallsPerCaller && time.Now().Before(deadline); n++ {
				c := cases[pick(rng, cases)]
				if c.oversized {
					select {
					case oversized <- struct{}{}:
					default:
						continue // enough of them in flight already
					}
				}
				tally.record(c, invoke(conn, c))
				if c.oversized {
					<-oversized
				}
			}
		}()
	}
	wg.Wait()
	close(stopSampling)
	<-sampled

	// The server must still answer, on a connection of its own.
	if st, err := healthOnce(srv.addr); err != nil || st != healthpb.HealthCheckResponse_SERVING {
		tally.fail(fmt.Sprintf("health after the load: %v, %v; want SERVING", st, err))
	}
	closeConns()

	endRSS, endThreads := srv.proc()
	fmt.Printf("soak: end:   server RSS %s (peak %s), %d threads\n", mib(endRSS), mib(peakRSS.Load()), endThreads)
	if haveServerGoroutines {
		got, ok := settle(func() int { n, _ := srv.goroutines(); return n }, serverBaseline+goroutineSlack)
		fmt.Printf("soak: server goroutines: baseline %d, after the load %d\n", serverBaseline, got)
		if !ok {
			tally.fail(fmt.Sprintf("server goroutines %d did not return to the baseline %d (+%d)", got, serverBaseline, goroutineSlack))
		}
	}
	got, ok := settle(runtime.NumGoroutine, driverBaseline+goroutineSlack)
	fmt.Printf("soak: driver goroutines: baseline %d, after the load %d\n", driverBaseline, got)
	if !ok {
		tally.fail(fmt.Sprintf("driver goroutines %d did not return to the baseline %d (+%d)", got, driverBaseline, goroutineSlack))
	}

	if err := srv.terminate(30 * time.Second); err != nil {
		tally.fail(err.Error())
	}
	if n := srv.log.panics.Load(); n > 0 {
		tally.fail(fmt.Sprintf("the server logged %d panics; last log:\n%s", n, srv.log.tail()))
	}
	tally.print()
	return tally.err()
}

// moduleRoot is the directory of the go.mod the soak belongs to.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the soak inside the monhook module")
	}
	return filepath.Dir(gomod), nil
}

// A soakCase is one kind of call and the only code it may get.
type soakCase struct {
	method    string // full path: "/spaceone.api.monitoring.plugin.Webhook/init"
	name      string
	req       []byte // the request, already encoded, sent as it is
	want      codes.Code
	weight    int
	oversized bool
}

// label names the case by short service, method and name: "Webhook/init valid".
func (c soakCase) label() string {
	return c.method[strings.LastIndex(c.method[:strings.LastIndex(c.method, "/")], ".")+1:] + " " + c.name
}

const (
	initPath    = "/spaceone.api.monitoring.plugin.Webhook/init"
	verifyPath  = "/spaceone.api.monitoring.plugin.Webhook/verify"
	parsePath   = "/spaceone.api.monitoring.plugin.Event/parse"
	versionPath = "/spaceone.api.core.v1.ServerInfo/get_version"
	healthPath  = "/grpc.health.v1.Health/Check"
)

// buildCases encodes every request once. Parse cases come from every registered format's example bodies; the
// subscription confirmation is left out, as the server would confirm it at AWS.
func buildCases() ([]soakCase, error) {
	must := func(m map[string]any) *structpb.Struct {
		s, err := structpb.NewStruct(m)
		if err != nil {
			panic(err)
		}
		return s
	}
	enc := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			panic(err)
		}
		return b
	}
	empty := must(map[string]any{})
	badOptions := must(map[string]any{"source": "nagios", "convert_data": map[string]any{"title": "{% if x %}"}})
	var deep any = map[string]any{}
	for range 40 {
		deep = map[string]any{"x": deep}
	}
	deepDoc := must(map[string]any{"deep": deep})
	unknown := must(map[string]any{"hello": "world", "n": 1.0})
	badAlerts := must(map[string]any{"alerts": "not a list", "groupKey": "g", "version": "4", "status": "firing"})
	huge := must(map[string]any{"blob": strings.Repeat("a", defaultRecvLimit+1024)})
	// An Alertmanager group whose 20 KiB externalURL every one of its 1,000 events copies: a 20 MiB answer, over
	// the default max_answer_bytes, refused before it is built.
	alerts := make([]any, 1000)
	for i := range alerts {
		alerts[i] = map[string]any{"status": "firing", "fingerprint": strconv.Itoa(i), "labels": map[string]any{"alertname": "a"}}
	}
	overBudget := must(map[string]any{"version": "4", "groupKey": "g", "externalURL": strings.Repeat("u", 20<<10), "alerts": alerts})
	repeating := must(map[string]any{"convert_data": map[string]any{"title": strings.Repeat("{{ externalURL }}", 4)}})
	foldAlike := must(map[string]any{"severity_map": map[string]any{"ſev": "ERROR", "sev": "INFO"}})

	cases := []soakCase{
		{method: initPath, name: "valid", req: enc(&pluginpb.WebhookInitRequest{Options: empty}), want: codes.OK, weight: 10},
		{method: initPath, name: "invalid options", req: enc(&pluginpb.WebhookInitRequest{Options: badOptions}), want: codes.InvalidArgument, weight: 4},
		{method: initPath, name: "absent options", req: enc(&pluginpb.WebhookInitRequest{}), want: codes.InvalidArgument, weight: 2},
		{method: initPath, name: "options too deep", req: enc(&pluginpb.WebhookInitRequest{Options: deepDoc}), want: codes.InvalidArgument, weight: 2},
		{method: initPath, name: "not protobuf", req: []byte{0xff, 0xff, 0xff}, want: codes.InvalidArgument, weight: 1},
		{method: initPath, name: "oversized", req: enc(&pluginpb.WebhookInitRequest{Options: huge}), want: codes.ResourceExhausted, weight: 1, oversized: true},
		{method: verifyPath, name: "valid", req: enc(&pluginpb.WebhookPluginVerifyRequest{Options: empty}), want: codes.OK, weight: 10},
		{method: verifyPath, name: "invalid options", req: enc(&pluginpb.WebhookPluginVerifyRequest{Options: badOptions}), want: codes.InvalidArgument, weight: 4},
		{method: verifyPath, name: "not protobuf", req: []byte{0x0a, 0x80}, want: codes.InvalidArgument, weight: 1},
		{method: verifyPath, name: "oversized", req: enc(&pluginpb.WebhookPluginVerifyRequest{Options: huge}), want: codes.ResourceExhausted, weight: 1, oversized: true},
		{method: parsePath, name: "invalid options", req: enc(&pluginpb.ParseRequest{Options: badOptions, Data: unknown}), want: codes.InvalidArgument, weight: 4},
		{method: parsePath, name: "unknown payload", req: enc(&pluginpb.ParseRequest{Options: empty, Data: unknown}), want: codes.InvalidArgument, weight: 4},
		{method: parsePath, name: "malformed payload", req: enc(&pluginpb.ParseRequest{Options: empty, Data: badAlerts}), want: codes.InvalidArgument, weight: 4},
		{method: parsePath, name: "data too deep", req: enc(&pluginpb.ParseRequest{Options: empty, Data: deepDoc}), want: codes.InvalidArgument, weight: 2},
		{method: parsePath, name: "not protobuf", req: []byte{0x12, 0x05, 0x01}, want: codes.InvalidArgument, weight: 1},
		{method: parsePath, name: "oversized", req: enc(&pluginpb.ParseRequest{Options: empty, Data: huge}), want: codes.ResourceExhausted, weight: 1, oversized: true},
		{method: parsePath, name: "over the answer budget", req: enc(&pluginpb.ParseRequest{Options: empty, Data: overBudget}), want: codes.InvalidArgument, weight: 1},
		{method: parsePath, name: "template over max_text_bytes", req: enc(&pluginpb.ParseRequest{Options: repeating, Data: overBudget}), want: codes.InvalidArgument, weight: 1},
		{method: verifyPath, name: "severity_map keys that fold alike", req: enc(&pluginpb.WebhookPluginVerifyRequest{Options: foldAlike}), want: codes.InvalidArgument, weight: 1},
		{method: versionPath, name: "valid", req: enc(&emptypb.Empty{}), want: codes.OK, weight: 2},
		{method: healthPath, name: "valid", req: enc(&healthpb.HealthCheckRequest{}), want: codes.OK, weight: 2},
	}

	// Every registered format's example bodies, each expecting the code the pipeline gives it in process.
	for _, src := range source.All() {
		names, err := fs.Glob(src.Examples, "*.json")
		if err != nil {
			return nil, err
		}
		for _, file := range names {
			name := src.Name + "/" + file
			if name == "aws_sns/subscription-confirmation.json" {
				continue // it would be confirmed at AWS: no traffic leaves loopback
			}
			b, err := fs.ReadFile(src.Examples, file)
			if err != nil {
				return nil, err
			}
			var data map[string]any
			if err := json.Unmarshal(b, &data); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			want := codes.OK
			if _, err := pipeline.Normalize(context.Background(), option.Defaults(), data, time.Now(), sourcekit.DefaultBudget); err != nil {
				want = codes.InvalidArgument
			}
			cases = append(cases, soakCase{method: parsePath, name: name, req: enc(&pluginpb.ParseRequest{Options: empty, Data: must(data)}),
				want: want, weight: 1})
		}
	}
	return cases, nil
}

// pick chooses a case index by weight.
func pick(rng *rand.Rand, cases []soakCase) int {
	total := 0
	for _, c := range cases {
		total += c.weight
	}
	n := rng.IntN(total)
	for i, c := range cases {
		if n < c.weight {
			return i
		}
		n -= c.weight
	}
	return len(cases) - 1
}

// rawCodec sends a request's bytes as they are and keeps none of the answer: the soak checks codes, and the
// e2e tests check answers.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return v.([]byte), nil }
func (rawCodec) Unmarshal([]byte, any) error   { return nil }
func (rawCodec) Name() string                  { return "proto" }

// invoke makes one call, with the metadata Cloudforet sends, and returns its code.
func invoke(conn *grpc.ClientConn, c soakCase) codes.Code {
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "token", "NO_TOKEN"), callTimeout)
	defer cancel()
	var reply []byte
	err := conn.Invoke(ctx, c.method, c.req, &reply, grpc.ForceCodec(rawCodec{}))
	return status.Code(err)
}

// tally counts codes per case and remembers failures.
type tally struct {
	mu       sync.Mutex
	counts   map[string]map[codes.Code]int
	order    []string
	failures []string
	dropped  int
}

func newTally() *tally { return &tally{counts: map[string]map[codes.Code]int{}} }

func (t *tally) record(c soakCase, got codes.Code) {
	t.mu.Lock()
	defer t.mu.Unlock()
	label := c.label()
	m, ok := t.counts[label]
	if !ok {
		m = map[codes.Code]int{}
		t.counts[label] = m
		t.order = append(t.order, label)
	}
	m[got]++
	if got != c.want {
		t.failLocked(fmt.Sprintf("%s: got %s, want %s", label, got, c.want))
	}
}

func (t *tally) fail(msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failLocked(msg)
}

func (t *tally) failLocked(msg string) {
	if len(t.failures) < 20 {
		t.failures = append(t.failures, msg)
		return
	}
	t.dropped++
}

func (t *tally) print() {
	t.mu.Lock()
	defer t.mu.Unlock()
	labels := slices.Clone(t.order)
	slices.Sort(labels)
	total := 0
	for _, l := range labels {
		var parts []string
		for code, n := range t.counts[l] {
			parts = append(parts, fmt.Sprintf("%s=%d", code, n))
			total += n
		}
		slices.Sort(parts)
		fmt.Printf("  %-70s %s\n", l, strings.Join(parts, " "))
	}
	fmt.Printf("soak: %d calls\n", total)
	for _, f := range t.failures {
		fmt.Println("soak: unexpected:", f)
	}
	if t.dropped > 0 {
		fmt.Printf("soak: ... and %d more\n", t.dropped)
	}
}

func (t *tally) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.failures) + t.dropped; n > 0 {
		return fmt.Errorf("%d unexpected results", n)
	}
	return nil
}

// settle polls count for up to 10 s until it is at most limit; it returns the last count and whether it got there.
func settle(count func() int, limit int) (int, bool) {
	n := count()
	for deadline := time.Now().Add(10 * time.Second); n > limit && time.Now().Before(deadline); n = count() {
		time.Sleep(100 * time.Millisecond)
	}
	return n, n <= limit
}

// server is the monhook process under soak.
type server struct {
	cmd       *exec.Cmd
	addr      string
	adminAddr string // "" when the binary has no admin listener
	log       *logTail
	done      chan struct{}
}

// start runs the binary on a free loopback port, with its admin listener on another when it has one, and waits
// up to 10 s for health SERVING.
func start(binary, dir string) (*server, error) {
	help, _ := exec.Command(binary, "serve", "--help").CombinedOutput()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: &logTail{}, done: make(chan struct{})}
	args := []string{"serve", "--listen", s.addr}
	if bytes.Contains(help, []byte("--admin-listen")) {
		admin, err := freePort()
		if err != nil {
			return nil, err
		}
		s.adminAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(admin))
		args = append(args, "--admin-listen", s.adminAddr)
	}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Dir = dir
	s.cmd.Stdout = io.Discard
	s.cmd.Stderr = s.log
	s.cmd.Env = cleanEnv()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := healthOnce(s.addr)
		if err == nil && st == healthpb.HealthCheckResponse_SERVING {
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("monhook exited at start-up: %s\n%s", s.cmd.ProcessState, s.log.tail())
		default:
		}
		if time.Now().After(deadline) {
			s.kill()
			if err == nil {
				err = errors.New("health " + st.String())
			}
			return nil, fmt.Errorf("monhook not SERVING within 10 s: %w\n%s", err, s.log.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanEnv is the environment without the variables that configure monhook (its own, Cloudforet's port,
// OpenTelemetry's and the Go runtime's memory limit).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MONHOOK_") && !strings.HasPrefix(kv, "SPACEONE_PORT=") && !strings.HasPrefix(kv, "OTEL_") &&
			!strings.HasPrefix(kv, "GOMEMLIMIT=") {
			env = append(env, kv)
		}
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

// healthOnce asks addr's health service once, on a connection of its own, within 1 s.
func healthOnce(addr string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return 0, err
	}
	return resp.GetStatus(), nil
}

// proc reads the server's resident set and thread count from /proc; zeros where /proc is not there.
func (s *server) proc() (rss int64, threads int) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n << 10
		case "Threads":
			threads = int(n)
		}
	}
	return rss, threads
}

// goroutines reads go_goroutines from the admin listener's /metrics; ok is false when there is none.
func (s *server) goroutines() (n int, ok bool) {
	if s.adminAddr == "" {
		return 0, false
	}
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + s.adminAddr + "/metrics")
	if err != nil {
		return 0, false
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), "go_goroutines "); found {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err == nil
		}
	}
	return 0, false
}

func goroutineNote(n int, ok bool) string {
	if !ok {
		return "; server goroutines not exposed (no admin /metrics), driver goroutines checked instead"
	}
	return fmt.Sprintf(", %d goroutines", n)
}

// terminate sends SIGTERM and expects exit code 0 within timeout.
func (s *server) terminate(timeout time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("monhook did not exit within %s of SIGTERM; killed", timeout)
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("monhook exited with code %d after SIGTERM, want 0\n%s", code, s.log.tail())
	}
	return nil
}

// kill ends the server if it still runs, and waits for it.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// logTail keeps the last 64 KiB of the server's log and counts the panics in it; the whole log of a soak is too
// big to keep.
type logTail struct {
	mu     sync.Mutex
	buf    []byte
	panics atomic.Int64
}

func (l *logTail) Write(p []byte) (int, error) {
	const keep = 64 << 10
	if n := bytes.Count(p, []byte("panic")); n > 0 {
		l.panics.Add(int64(n))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > keep {
		l.buf = append(l.buf[:0], l.buf[len(l.buf)-keep:]...)
	}
	return len(p), nil
}

func (l *logTail) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
