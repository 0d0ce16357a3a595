package grpc

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/adapters/grpc/grpctest"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/sourcekit"
	corepb "github.com/monhook/monhook/proto/spaceone/api/core/v1"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testSettings = Settings{
	Listen:            "127.0.0.1:0",
	ShutdownGrace:     5 * time.Second,
	MaxRecvMsgSize:    32 << 20,
	OptionsLimits:     Limits{MaxDepth: 32, MaxSize: 1 << 20},
	DataLimits:        Limits{MaxDepth: 32, MaxSize: 32 << 20},
	AdmissionBudget:   2 << 30,
	AdmissionWait:     time.Second,
	CallTimeout:       30 * time.Second,
	MaxHeaderListSize: 32 << 10,
	MaxSendMsgSize:    16 << 20,
}

// syncBuffer collects log output written from server goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// lines decodes the JSON log lines written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

type testServer struct {
	conn *grpc.ClientConn
	log  *syncBuffer
	run  *runner
}

// fixedClock is the time of receipt in every test.
type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// recordingConfirmer keeps the URLs it was asked to confirm.
type recordingConfirmer struct {
	mu   sync.Mutex
	urls []string
}

func (c *recordingConfirmer) Confirm(_ context.Context, sub sourcekit.Subscription) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.urls = append(c.urls, sub.URL)
	return nil
}

// serve runs the production server, with extra services registered, over bufconn.
func serve(t *testing.T, extra ...func(*grpc.Server)) *testServer {
	return serveWith(t, &recordingConfirmer{}, Observers{}, extra...)
}

// serveWith is serve with the given confirmer, the server reporting to o as the app wires it.
func serveWith(t *testing.T, confirmer application.Confirmer, o Observers, extra ...func(*grpc.Server)) *testServer {
	t.Helper()
	return serveAt(t, slog.LevelInfo, confirmer, o, extra...)
}

// noCertificates fetches no SNS certificate: signature checks in tests that do not test them fail.
type noCertificates struct{}

func (noCertificates) Certificate(context.Context, string, string) (*x509.Certificate, error) {
	return nil, errors.New("this test fetches no certificate")
}

// serveAt is serveWith logging at level.
func serveAt(t testing.TB, level slog.Level, confirmer application.Confirmer, o Observers, extra ...func(*grpc.Server)) *testServer {
	t.Helper()
	return serveParts(t, level, confirmer, noCertificates{}, o, extra...)
}

// serveParts is serveAt fetching SNS certificates from certs.
func serveParts(t testing.TB, level slog.Level, confirmer application.Confirmer, certs application.Certificates, o Observers, extra ...func(*grpc.Server)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	build := plugin.Build{Version: "v0.0.0-test"}
	parse := application.NewParse(confirmer, certs, fixedClock{}, sourcekit.DefaultBudget)
	p := NewPlugin(application.NewInit(build), application.NewVerify(), parse, testSettings, log, o)
	proto := monitoring(newWebhookServer(p), newEventServer(p))
	srv, err := newServer(testSettings, log, o, proto)
	if err != nil {
		t.Fatal(err)
	}
	hs := health.NewServer()
	d := newDrain()
	if err := register(srv, hs, d, proto, newServerInfoServer(build)); err != nil {
		t.Fatal(err)
	}
	initializeMetrics(srv, o)
	for _, f := range extra {
		f(srv)
	}
	lis := bufconn.Listen(1 << 20)
	r := newRunner(runnerDeps{Server: srv, Health: hs, Drain: d, Settings: testSettings, Log: log, Protocol: proto})
	r.serveOn(lis)
	t.Cleanup(r.stop) // after the connection's own cleanup, registered below: cleanups run last first
	return &testServer{conn: grpctest.Dial(t, lis), log: logs, run: r}
}

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct { return grpctest.Struct(t, m) }

func callCtx(t *testing.T) context.Context { return grpctest.CallContext(t) }

func TestInitReturnsMetadata(t *testing.T) {
	ts := serve(t)
	got, err := pluginpb.NewWebhookClient(ts.conn).Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: mustStruct(t, map[string]any{})})
	if err != nil {
		t.Fatal(err)
	}
	md := got.GetMetadata().AsMap()
	opts, err := option.Parse(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	want := plugin.Describe(plugin.Build{Version: "v0.0.0-test"}, opts).Document()
	wantStruct := mustStruct(t, want).AsMap()
	gotJSON, _ := json.Marshal(md)
	wantJSON, _ := json.Marshal(wantStruct)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("metadata\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if md["version"] != "v0.0.0-test" || md["name"] != "monhook" {
		t.Errorf("name/version = %v/%v", md["name"], md["version"])
	}
}

func TestVerifyAcceptsValidOptions(t *testing.T) {
	ts := serve(t)
	opts := mustStruct(t, map[string]any{"source": "alertmanager", "convert_data": map[string]any{"title": "{{ a }}"}})
	if _, err := pluginpb.NewWebhookClient(ts.conn).Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: opts}); err != nil {
		t.Fatal(err)
	}
}

func nested(depth int) map[string]any {
	m := map[string]any{}
	for range depth - 1 {
		m = map[string]any{"x": m}
	}
	return m
}

// errorRows is the error table of the wire contract: request options, details, and the BadRequest fields.
var errorRows = []struct {
	name    string
	options map[string]any // nil: the field is absent
	details string         // exact, or a prefix when it ends in "…"
	fields  []string
}{
	{"absent", nil, "ERROR_REQUIRED_PARAMETER: Required parameter. (key = options)", []string{"options"}},
	{"unknown key", map[string]any{"foo": 1}, "ERROR_NOT_SUPPORTED_OPTION: Not supported option. (key = options.foo)", []string{"options.foo"}},
	{"wrong type list", map[string]any{"load_json": "message"}, "ERROR_INVALID_PARAMETER_TYPE: Parameter type is invalid. (key = options.load_json, type = list)", []string{"options.load_json"}},
	{"wrong type str", map[string]any{"source": 3}, "ERROR_INVALID_PARAMETER_TYPE: Parameter type is invalid. (key = options.source, type = str)", []string{"options.source"}},
	{"wrong type dict", map[string]any{"convert_data": []any{}}, "ERROR_INVALID_PARAMETER_TYPE: Parameter type is invalid. (key = options.convert_data, type = dict)", []string{"options.convert_data"}},
	{"bad value", map[string]any{"source": "nagios"}, `ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.source, reason = "nagios" is not a source; use one of auto, ` + strings.Join(source.Names(), ", ") + `)`, []string{"options.source"}},
	{"bad template", map[string]any{"convert_data": map[string]any{"title": "{{ a | upper }}"}}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.convert_data.title, reason = …", []string{"options.convert_data.title"}},
	{"several", map[string]any{"zzz": 1, "source": "x", "default_severity": "LOUD"}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.default_severity, reason = …", []string{"options.default_severity", "options.source", "options.zzz"}},
	{"at the depth limit", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"x": nested(29)}}}, "ERROR_INVALID_PARAMETER_TYPE: Parameter type is invalid. (key = options.convert_data.additional_info.x, type = str)", []string{"options.convert_data.additional_info.x"}},
	{"too deep", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"x": nested(31)}}}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options, reason = nests deeper than 32 levels)", []string{"options"}},
	{"too big", map[string]any{"message_root": strings.Repeat("a", 1<<20)}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options, reason = is 10486…", []string{"options"}},
}

func TestErrorTable(t *testing.T) {
	ts := serve(t)
	client := pluginpb.NewWebhookClient(ts.conn)
	for _, row := range errorRows {
		var opts *structpb.Struct
		if row.options != nil {
			opts = mustStruct(t, row.options)
		}
		calls := map[string]func() error{
			"init": func() error {
				_, err := client.Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: opts})
				return err
			},
			"verify": func() error {
				_, err := client.Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: opts})
				return err
			},
		}
		for method, call := range calls {
			t.Run(row.name+"/"+method, func(t *testing.T) {
				st := status.Convert(call())
				if st.Code() != codes.InvalidArgument {
					t.Fatalf("code = %v (%q), want InvalidArgument", st.Code(), st.Message())
				}
				if prefix, ok := strings.CutSuffix(row.details, "…"); ok {
					if !strings.HasPrefix(st.Message(), prefix) || !strings.HasSuffix(st.Message(), ")") {
						t.Errorf("details = %q, want %q…)", st.Message(), prefix)
					}
				} else if st.Message() != row.details {
					t.Errorf("details = %q\n     want %q", st.Message(), row.details)
				}
				var fields []string
				for _, d := range st.Details() {
					if br, ok := d.(*errdetails.BadRequest); ok {
						for _, v := range br.GetFieldViolations() {
							fields = append(fields, v.GetField())
							if !strings.HasPrefix(v.GetReason(), "ERROR_") || v.GetDescription() == "" {
								t.Errorf("violation %v lacks its code or description", v)
							}
						}
					}
				}
				if strings.Join(fields, ",") != strings.Join(row.fields, ",") {
					t.Errorf("BadRequest fields = %q, want %q", fields, row.fields)
				}
			})
		}
	}
	// Nothing of that broke the server.
	if _, err := client.Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: mustStruct(t, map[string]any{})}); err != nil {
		t.Fatalf("verify after the error table: %v", err)
	}
}

func TestRequestLogNamesMethodAndTraceButNoOptionValues(t *testing.T) {
	ts := serve(t)
	ctx := metadata.AppendToOutgoingContext(callCtx(t), "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	opts := mustStruct(t, map[string]any{"convert_data": map[string]any{"title": "{{ secret_marker }}"}})
	client := pluginpb.NewWebhookClient(ts.conn)
	if _, err := client.Verify(ctx, &pluginpb.WebhookPluginVerifyRequest{Options: opts}); err != nil {
		t.Fatal(err)
	}
	bad := mustStruct(t, map[string]any{"source": "secret_marker"})
	if _, err := client.Init(ctx, &pluginpb.WebhookInitRequest{Options: bad}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("init with a bad source: %v", err)
	}
	if strings.Contains(ts.log.String(), "secret_marker") {
		t.Errorf("an option value reached the log:\n%s", ts.log.String())
	}
	var calls []map[string]any
	for _, l := range ts.log.lines(t) {
		if l["msg"] == "finished call" {
			calls = append(calls, l)
		}
	}
	if len(calls) != 2 {
		t.Fatalf("%d request lines, want one per call:\n%s", len(calls), ts.log.String())
	}
	for _, l := range calls {
		if l["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || l["grpc.service"] != "spaceone.api.monitoring.plugin.Webhook" {
			t.Errorf("request line lacks trace id or service: %v", l)
		}
		if ms, ok := l["grpc.time_ms"].(float64); !ok || ms < 0 {
			t.Errorf("request line lacks the duration as a number of milliseconds: %v", l)
		}
	}
	if calls[0]["grpc.method"] != "verify" || calls[0]["grpc.code"] != "OK" {
		t.Errorf("first line = %v", calls[0])
	}
	if calls[1]["grpc.method"] != "init" || calls[1]["grpc.code"] != "InvalidArgument" || calls[1]["grpc.error_code"] != "ERROR_INVALID_PARAMETER" {
		t.Errorf("second line = %v", calls[1])
	}
}

func TestServerInfoGetVersion(t *testing.T) {
	ts := serve(t)
	v, err := corepb.NewServerInfoClient(ts.conn).GetVersion(callCtx(t), &emptypb.Empty{})
	if err != nil || v.GetVersion() != "v0.0.0-test" {
		t.Fatalf("get_version = %v, %v", v, err)
	}
}

func TestHealthServingThenNotServingOnStop(t *testing.T) {
	ts := serve(t)
	hc := healthpb.NewHealthClient(ts.conn)
	for _, name := range []string{"", "spaceone.api.monitoring.plugin.Webhook", "spaceone.api.monitoring.plugin.Event", "spaceone.api.core.v1.ServerInfo"} {
		r, err := hc.Check(callCtx(t), &healthpb.HealthCheckRequest{Service: name})
		if err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, %v; want SERVING", name, r, err)
		}
	}
	ctx, cancel := context.WithCancel(callCtx(t))
	watch, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first watch answer = %v, %v", r, err)
	}
	stopped := make(chan struct{})
	go func() { ts.run.stop(); close(stopped) }()
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("watch after stop = %v, %v; want NOT_SERVING", r, err)
	}
	cancel() // an open watch is an in-flight call: let the drain finish
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not finish")
	}
}

func TestReflectionListsServicesInBothVersions(t *testing.T) {
	ts := serve(t)
	want := []string{"grpc.health.v1.Health", "spaceone.api.core.v1.ServerInfo", "spaceone.api.monitoring.plugin.Event", "spaceone.api.monitoring.plugin.Webhook"}

	alpha, err := reflectionv1alpha.NewServerReflectionClient(ts.conn).ServerReflectionInfo(callCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := alpha.Send(&reflectionv1alpha.ServerReflectionRequest{MessageRequest: &reflectionv1alpha.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	r, err := alpha.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range r.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(names, " "), w) {
			t.Errorf("v1alpha lists %v, missing %s", names, w)
		}
	}
	// The file of a symbol, as Cloudforet's client asks for it.
	if err := alpha.Send(&reflectionv1alpha.ServerReflectionRequest{MessageRequest: &reflectionv1alpha.ServerReflectionRequest_FileContainingSymbol{
		FileContainingSymbol: "spaceone.api.monitoring.plugin.WebhookInitRequest"}}); err != nil {
		t.Fatal(err)
	}
	if r, err := alpha.Recv(); err != nil || len(r.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Errorf("file_containing_symbol = %v, %v", r, err)
	}
	// The Alert Manager's protocol is linked into the binary but not served: reflection does not describe it.
	if err := alpha.Send(&reflectionv1alpha.ServerReflectionRequest{MessageRequest: &reflectionv1alpha.ServerReflectionRequest_FileContainingSymbol{
		FileContainingSymbol: "spaceone.api.alert_manager.plugin.Webhook"}}); err != nil {
		t.Fatal(err)
	}
	if r, err := alpha.Recv(); err != nil || codes.Code(r.GetErrorResponse().GetErrorCode()) != codes.NotFound {
		t.Errorf("file_containing_symbol of the Alert Manager's Webhook = %v, %v; want NOT_FOUND", r, err)
	}
	_ = alpha.CloseSend()

	v1, err := reflectionv1.NewServerReflectionClient(ts.conn).ServerReflectionInfo(callCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := v1.Send(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	if r, err := v1.Recv(); err != nil || len(r.GetListServicesResponse().GetService()) < len(want) {
		t.Errorf("v1 list_services = %v, %v", r, err)
	}
	_ = v1.CloseSend()
}

// panicService is a handler that fails the hard way, to show the server survives it.
var panicService = grpc.ServiceDesc{
	ServiceName: "test.Panic",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{MethodName: "boom", Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
		in := new(emptypb.Empty)
		if err := dec(in); err != nil {
			return nil, err
		}
		return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/test.Panic/boom"}, func(context.Context, any) (any, error) {
			panic("boom: internal detail")
		})
	}}},
}

func TestPanicBecomesInternalAndServerKeepsServing(t *testing.T) {
	ts := serve(t, func(s *grpc.Server) { s.RegisterService(&panicService, struct{}{}) })
	err := ts.conn.Invoke(callCtx(t), "/test.Panic/boom", &emptypb.Empty{}, &emptypb.Empty{})
	st := status.Convert(err)
	if st.Code() != codes.Internal || !strings.HasPrefix(st.Message(), "ERROR_UNKNOWN: ") || strings.Contains(st.Message(), "internal detail") {
		t.Errorf("panic answered %v %q; want INTERNAL ERROR_UNKNOWN without internals", st.Code(), st.Message())
	}
	if !strings.Contains(ts.log.String(), "boom: internal detail") || !strings.Contains(ts.log.String(), "goroutine") {
		t.Errorf("the panic and its stack are not in the log:\n%s", ts.log.String())
	}
	if _, err := pluginpb.NewWebhookClient(ts.conn).Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: mustStruct(t, map[string]any{})}); err != nil {
		t.Fatalf("verify after a panic: %v", err)
	}
}

func TestModuleStartsAndStopsOnRealTCP(t *testing.T) {
	var r *runner
	app := fxtest.New(t,
		fx.Supply(slog.New(slog.NewTextHandler(&syncBuffer{}, nil)), plugin.Build{Version: "v"}, testSettings, sourcekit.DefaultBudget),
		fx.Provide(func() application.Clock { return fixedClock{} }, func() application.Confirmer { return &recordingConfirmer{} },
			func() application.Certificates { return noCertificates{} }),
		application.Module, Module, Monitoring,
		fx.Populate(&r),
	)
	app.RequireStart()
	conn, err := grpc.NewClient(r.addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if v, err := corepb.NewServerInfoClient(conn).GetVersion(callCtx(t), &emptypb.Empty{}); err != nil || v.GetVersion() != "v" {
		t.Fatalf("get_version over TCP = %v, %v", v, err)
	}
	app.RequireStop()
}

func TestModuleFailsToStartOnATakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	s := testSettings
	s.Listen = taken.Addr().String()
	app := fx.New(fx.NopLogger,
		fx.Supply(slog.New(slog.NewTextHandler(&syncBuffer{}, nil)), plugin.Build{Version: "v"}, s, sourcekit.DefaultBudget),
		fx.Provide(func() application.Clock { return fixedClock{} }, func() application.Confirmer { return &recordingConfirmer{} },
			func() application.Certificates { return noCertificates{} }),
		application.Module, Module, Monitoring)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := app.Start(ctx); err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("start on a taken port = %v, want a listen error", err)
		_ = app.Stop(ctx)
	}
}

// TestInitAnswersShareTheSchemaSafely makes init calls at once, each answer marshaled while the others are: every
// answer must be structpb's own writing of the metadata document, the shared schema included (run with -race).
func TestInitAnswersShareTheSchemaSafely(t *testing.T) {
	ts := serve(t)
	opts, err := option.Parse(map[string]any{"source": "grafana"})
	if err != nil {
		t.Fatal(err)
	}
	want := mustStruct(t, plugin.Describe(plugin.Build{Version: "v0.0.0-test"}, opts).Document())
	client := pluginpb.NewWebhookClient(ts.conn)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				got, err := client.Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: mustStruct(t, map[string]any{"source": "grafana"})})
				if err != nil {
					t.Error(err)
					return
				}
				if !proto.Equal(got.GetMetadata(), want) {
					t.Error("an init answer differs from structpb's writing of the metadata document")
					return
				}
			}
		})
	}
	wg.Wait()
}
