package amplugin_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhump/protoreflect/grpcreflect"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/monhook/monhook/adapters/cloudforet"
	grpcadapter "github.com/monhook/monhook/adapters/grpc"
	"github.com/monhook/monhook/adapters/grpc/amplugin"
	"github.com/monhook/monhook/adapters/grpc/grpctest"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
	ampluginpb "github.com/monhook/monhook/proto/spaceone/api/alert_manager/plugin"
	amv1pb "github.com/monhook/monhook/proto/spaceone/api/alert_manager/v1"
	corepb "github.com/monhook/monhook/proto/spaceone/api/core/v1"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var settings = grpcadapter.Settings{
	Listen:            "unused:0", // the app serves the bufconn Listener instead
	ShutdownGrace:     5 * time.Second,
	MaxRecvMsgSize:    8 << 20,
	OptionsLimits:     grpcadapter.Limits{MaxDepth: 32, MaxSize: 1 << 20},
	DataLimits:        grpcadapter.Limits{MaxDepth: 32, MaxSize: 8 << 20},
	AdmissionBudget:   1 << 30,
	AdmissionWait:     time.Second,
	CallTimeout:       30 * time.Second,
	MaxHeaderListSize: 32 << 10,
	MaxSendMsgSize:    32 << 20,
}

// marked records the level and message of every log line that carries marker in one of its attributes.
type marked struct {
	marker string
	mu     sync.Mutex
	lines  []string
}

func (m *marked) Enabled(context.Context, slog.Level) bool { return true }

func (m *marked) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if strings.Contains(a.Value.String(), m.marker) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.lines = append(m.lines, r.Level.String()+" "+r.Message+" "+a.Key)
		}
		return true
	})
	return nil
}

func (m *marked) WithAttrs([]slog.Attr) slog.Handler { return m }
func (m *marked) WithGroup(string) slog.Handler      { return m }

func (m *marked) seen() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.lines)
}

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

type nopConfirmer struct{}

func (nopConfirmer) Confirm(context.Context, sourcekit.Subscription) error { return nil }

// noCertificates fetches no SNS certificate: these tests check no signature.
type noCertificates struct{}

func (noCertificates) Certificate(context.Context, string, string) (*x509.Certificate, error) {
	return nil, errors.New("this test fetches no certificate")
}

type testServer struct {
	conn *grpc.ClientConn
	log  *marked // the lines that name domainMarker
	reg  *prometheus.Registry
}

// domainMarker is the domain_id whose every appearance in the log is recorded.
const domainMarker = "domain-marker-123"

// serve runs the app's server, wired by fx as cmd/monhook wires it, with protocol (amplugin.Module or
// grpcadapter.Monitoring), over bufconn.
func serve(t *testing.T, s grpcadapter.Settings, protocol fx.Option) *testServer {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	logs := &marked{marker: domainMarker}
	log := slog.New(logs)
	var reg *prometheus.Registry
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(log, plugin.Build{Version: "v0.0.0-test"}, s, sourcekit.DefaultBudget, telemetry.Settings{},
			&grpcadapter.Listener{Listener: lis}),
		fx.Provide(func() application.Clock { return fixedClock{} }, func() application.Confirmer { return nopConfirmer{} },
			func() application.Certificates { return noCertificates{} }),
		application.Module, telemetry.Module, grpcadapter.Module, protocol,
		fx.Populate(&reg))
	app.RequireStart()
	t.Cleanup(app.RequireStop) // after the connection's own cleanup, registered below: cleanups run last first
	return &testServer{conn: grpctest.Dial(t, lis), log: logs, reg: reg}
}

var (
	callCtx    = grpctest.CallContext
	mustStruct = grpctest.Struct
)

func fixture(t *testing.T, name string) *structpb.Struct {
	t.Helper()
	return mustStruct(t, sourcetest.Get(t, name).Data(t))
}

// TestReflectionServesOnlyTheAlertManagerPackage: both reflection versions list the Alert Manager's services,
// ServerInfo, health and reflection, and describe nothing of the monitoring protocol linked into the binary.
func TestReflectionServesOnlyTheAlertManagerPackage(t *testing.T) {
	ts := serve(t, settings, amplugin.Module)
	want := []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
		"spaceone.api.alert_manager.plugin.Event", "spaceone.api.alert_manager.plugin.Webhook", "spaceone.api.core.v1.ServerInfo"}
	for version, refl := range map[string]*grpcreflect.Client{
		"v1alpha": grpcreflect.NewClientV1Alpha(callCtx(t), reflectionv1alpha.NewServerReflectionClient(ts.conn)),
		"v1":      grpcreflect.NewClientV1(callCtx(t), reflectionv1.NewServerReflectionClient(ts.conn)),
	} {
		names, err := refl.ListServices()
		if err != nil {
			t.Fatal(err)
		}
		if slices.Sort(names); !slices.Equal(names, want) {
			t.Errorf("%s lists %v, want %v", version, names, want)
		}
		// Cloudforet's client builds its pool from the files of each listed service: they and their imports must
		// resolve, down to the v1 EventSeverity the EventInfo uses.
		fd, err := refl.FileContainingSymbol("spaceone.api.alert_manager.plugin.Event")
		if err != nil {
			t.Fatalf("%s: the files of Event do not resolve: %v", version, err)
		}
		if sev := fd.FindMessage("spaceone.api.alert_manager.plugin.EventInfo").FindFieldByName("severity").GetEnumType(); sev.GetFullyQualifiedName() != "spaceone.api.alert_manager.v1.EventSeverity" {
			t.Errorf("%s: EventInfo.severity is %s", version, sev.GetFullyQualifiedName())
		}
		for _, other := range []string{"spaceone.api.monitoring.plugin.Webhook", "spaceone.api.monitoring.plugin.EventInfo"} {
			if _, err := refl.FileContainingSymbol(other); !grpcreflect.IsElementNotFoundError(err) {
				t.Errorf("%s describes %s, which this server does not serve (%v)", version, other, err)
			}
		}
		refl.Reset()
	}
}

func TestHealthAndMetricsNameOnlyTheAlertManagerPackage(t *testing.T) {
	ts := serve(t, settings, amplugin.Module)
	hc := healthpb.NewHealthClient(ts.conn)
	for _, name := range []string{"", "spaceone.api.alert_manager.plugin.Webhook", "spaceone.api.alert_manager.plugin.Event", "spaceone.api.core.v1.ServerInfo"} {
		if r, err := hc.Check(callCtx(t), &healthpb.HealthCheckRequest{Service: name}); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, %v; want SERVING", name, r, err)
		}
	}
	if _, err := hc.Check(callCtx(t), &healthpb.HealthCheckRequest{Service: "spaceone.api.monitoring.plugin.Webhook"}); status.Code(err) != codes.NotFound {
		t.Errorf("health knows the monitoring Webhook: %v", err)
	}
	families, err := ts.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]bool{}
	for _, f := range families {
		if f.GetName() != "grpc_server_handled_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "grpc_service" {
					services[l.GetValue()] = true
				}
			}
		}
	}
	for _, want := range []string{"spaceone.api.alert_manager.plugin.Webhook", "spaceone.api.alert_manager.plugin.Event"} {
		if !services[want] {
			t.Errorf("grpc_server_handled_total has no %s: %v", want, services)
		}
	}
	for s := range services {
		if strings.HasPrefix(s, "spaceone.api.monitoring.") {
			t.Errorf("grpc_server_handled_total lists %s", s)
		}
	}
}

func TestInitAndVerifyAnswerAsTheMonitoringProtocolDoes(t *testing.T) {
	ts := serve(t, settings, amplugin.Module)
	client := ampluginpb.NewWebhookClient(ts.conn)
	got, err := client.Init(callCtx(t), &ampluginpb.InitRequest{Options: mustStruct(t, map[string]any{"source": "grafana"}), DomainId: "domain-abc"})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := option.Parse(map[string]any{"source": "grafana"})
	if err != nil {
		t.Fatal(err)
	}
	if want := mustStruct(t, plugin.Describe(plugin.Build{Version: "v0.0.0-test"}, opts).Document()); !proto.Equal(got.GetMetadata(), want) {
		t.Error("init's metadata is not the plugin's metadata document")
	}
	if _, err := client.Verify(callCtx(t), &ampluginpb.VerifyRequest{Options: mustStruct(t, map[string]any{})}); err != nil {
		t.Fatal(err)
	}
	if v, err := corepb.NewServerInfoClient(ts.conn).GetVersion(callCtx(t), &emptypb.Empty{}); err != nil || v.GetVersion() != "v0.0.0-test" {
		t.Errorf("get_version = %v, %v", v, err)
	}
}

// TestErrorsAreTheMonitoringProtocols: every refusal is the one the monitoring protocol answers, code, details
// and BadRequest, including those of the codec and admission, which must know the Alert Manager's requests.
func TestErrorsAreTheMonitoringProtocols(t *testing.T) {
	tight := settings
	tight.AdmissionBudget = 64 * 64 << 10 // a 64 KiB request at most
	am, mon := serve(t, tight, amplugin.Module), serve(t, tight, grpcadapter.Monitoring)
	amWebhook, amEvent := ampluginpb.NewWebhookClient(am.conn), ampluginpb.NewEventClient(am.conn)
	monWebhook, monEvent := pluginpb.NewWebhookClient(mon.conn), pluginpb.NewEventClient(mon.conn)
	big := mustStruct(t, map[string]any{"x": strings.Repeat("a", 70<<10)})
	rows := []struct {
		name     string
		options  map[string]any // nil: absent
		data     *structpb.Struct
		wantCode codes.Code
	}{
		{"options absent", nil, nil, codes.InvalidArgument},
		{"unknown key", map[string]any{"foo": 1}, nil, codes.InvalidArgument},
		{"bad value", map[string]any{"source": "nagios"}, nil, codes.InvalidArgument},
		{"several", map[string]any{"zzz": 1, "source": "x", "default_severity": "LOUD"}, nil, codes.InvalidArgument},
		{"data absent", map[string]any{}, nil, codes.InvalidArgument},
		{"unsupported body", map[string]any{}, mustStruct(t, map[string]any{"hello": "world"}), codes.InvalidArgument},
		{"unreadable body", map[string]any{"source": "alertmanager"}, mustStruct(t, map[string]any{"alerts": "x"}), codes.InvalidArgument},
		{"over the memory budget", map[string]any{}, big, codes.ResourceExhausted},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var opts *structpb.Struct
			if row.options != nil {
				opts = mustStruct(t, row.options)
			}
			type pair struct{ am, mon error }
			calls := map[string]pair{}
			if row.data == nil && row.name != "data absent" {
				_, a := amWebhook.Init(callCtx(t), &ampluginpb.InitRequest{Options: opts, DomainId: "d"})
				_, m := monWebhook.Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: opts})
				calls["init"] = pair{a, m}
				_, a = amWebhook.Verify(callCtx(t), &ampluginpb.VerifyRequest{Options: opts, DomainId: "d"})
				_, m = monWebhook.Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: opts})
				calls["verify"] = pair{a, m}
			}
			// No domain_id here: it would make the request a few bytes larger than the monitoring one, and the
			// memory budget's message counts the bytes.
			_, a := amEvent.Parse(callCtx(t), &ampluginpb.ParseRequest{Options: opts, Data: row.data})
			_, m := monEvent.Parse(callCtx(t), &pluginpb.ParseRequest{Options: opts, Data: row.data})
			calls["parse"] = pair{a, m}
			for method, c := range calls {
				sa, sm := status.Convert(c.am), status.Convert(c.mon)
				if sa.Code() != row.wantCode || !strings.HasPrefix(sa.Message(), "ERROR_") {
					t.Errorf("%s: %v %q, want %v ERROR_…", method, sa.Code(), sa.Message(), row.wantCode)
				}
				if sa.Code() != sm.Code() || sa.Message() != sm.Message() || fmt.Sprint(violations(sa)) != fmt.Sprint(violations(sm)) {
					t.Errorf("%s: the Alert Manager got %v %q %v, the monitoring service %v %q %v", method,
						sa.Code(), sa.Message(), violations(sa), sm.Code(), sm.Message(), violations(sm))
				}
			}
		})
	}
	// A request that is no ParseRequest (its field 1, options, holds bytes that are no Struct): the codec answers it
	// as INVALID_ARGUMENT naming the Alert Manager's message, not grpc-go's INTERNAL.
	garbage := &wrapperspb.BytesValue{Value: []byte{0xff, 0xff, 0xff, 0xff}}
	err := am.conn.Invoke(callCtx(t), "/spaceone.api.alert_manager.plugin.Event/parse", garbage, &emptypb.Empty{})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument ||
		!strings.HasPrefix(st.Message(), "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = request, reason = it is not a valid spaceone.api.alert_manager.plugin.ParseRequest message") {
		t.Errorf("garbage: %v %q", st.Code(), st.Message())
	}
}

// violations lists the fields of a status's BadRequest.
func violations(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField()+"/"+v.GetReason())
			}
		}
	}
	return out
}

// TestParseCarriesTheMonitoringProtocolsEvents parses every bundled body on both protocols, each served as the app
// serves it, and compares the events: the same keys, types, titles, descriptions, rules, times and order; the
// severity as the README maps it; the resource's name as the only resource.
func TestParseCarriesTheMonitoringProtocolsEvents(t *testing.T) {
	am, mon := serve(t, settings, amplugin.Module), serve(t, settings, grpcadapter.Monitoring)
	amEvent, monEvent := ampluginpb.NewEventClient(am.conn), pluginpb.NewEventClient(mon.conn)
	severity := map[string]string{"CRITICAL": "CRITICAL", "ERROR": "ERROR", "WARNING": "WARNING", "INFO": "INFO",
		"NOT_AVAILABLE": "ERROR", "NONE": "INFO"}
	compared := 0
	for _, f := range sourcetest.Fixtures(t) {
		if f.Name() == "aws_sns/subscription-confirmation.json" {
			continue // no events, and the confirmer is a fake here
		}
		opts := mustStruct(t, map[string]any{})
		a, errA := amEvent.Parse(callCtx(t), &ampluginpb.ParseRequest{Options: opts, Data: fixture(t, f.Name()), DomainId: "domain-1"})
		m, errM := monEvent.Parse(callCtx(t), &pluginpb.ParseRequest{Options: opts, Data: fixture(t, f.Name())})
		if errA != nil || errM != nil {
			if status.Convert(errA).Message() != status.Convert(errM).Message() {
				t.Errorf("%s: the Alert Manager got %v, the monitoring service %v", f.Name(), errA, errM)
			}
			continue
		}
		if len(a.GetResults()) != len(m.GetResults()) {
			t.Errorf("%s: %d events for the Alert Manager, %d for the monitoring service", f.Name(), len(a.GetResults()), len(m.GetResults()))
			continue
		}
		for i, ae := range a.GetResults() {
			me := m.GetResults()[i]
			var resources []string
			if n := me.GetResource().GetFields()["name"].GetStringValue(); n != "" {
				resources = []string{n}
			}
			if ae.GetEventKey() != me.GetEventKey() || ae.GetEventType().String() != me.GetEventType() ||
				ae.GetTitle() != me.GetTitle() || ae.GetDescription() != me.GetDescription() || ae.GetRule() != me.GetRule() ||
				ae.GetImageUrl() != me.GetImageUrl() || ae.GetOccurredAt() != me.GetOccurredAt() ||
				ae.GetSeverity().String() != severity[me.GetSeverity().String()] || !slices.Equal(ae.GetResources(), resources) {
				t.Errorf("%s #%d:\nAlert Manager %v\n   monitoring %v", f.Name(), i, ae, me)
			}
			for k, v := range me.GetAdditionalInfo().GetFields() {
				if got := ae.GetAdditionalInfo().GetFields()[k]; got.GetStringValue() != v.GetStringValue() {
					t.Errorf("%s #%d: additional_info.%s = %q, the monitoring protocol's is %q", f.Name(), i, k, got.GetStringValue(), v.GetStringValue())
				}
			}
			compared++
		}
	}
	if compared < 100 {
		t.Errorf("only %d events compared", compared)
	}
}

// TestDomainIDIsLoggedAtDebugOnly: the Alert Manager's domain_id changes no answer and appears only on a debug
// line, never on the request line or in a metric.
func TestDomainIDIsLoggedAtDebugOnly(t *testing.T) {
	ts := serve(t, settings, amplugin.Module)
	body := fixture(t, "alertmanager/zulip-firing-two-alerts.json")
	client := ampluginpb.NewEventClient(ts.conn)
	with, err := client.Parse(callCtx(t), &ampluginpb.ParseRequest{Options: mustStruct(t, map[string]any{}), Data: body, DomainId: domainMarker})
	if err != nil {
		t.Fatal(err)
	}
	without, err := client.Parse(callCtx(t), &ampluginpb.ParseRequest{Options: mustStruct(t, map[string]any{}), Data: body})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(with, without) {
		t.Error("domain_id changed the answer")
	}
	if want := cloudforet.AlertManagerEventsInfo(sourcetest.Events(t, map[string]any{}, sourcetest.Get(t, "alertmanager/zulip-firing-two-alerts.json").Data(t))); !proto.Equal(with, want) {
		t.Error("the answer is not the Alert Manager's spelling of the body's events")
	}
	if got, want := ts.log.seen(), []string{"DEBUG domain_id ignored domain_id"}; !slices.Equal(got, want) {
		t.Errorf("domain_id in the log: %q, want only %q", got, want)
	}
	families, err := ts.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "domain-marker") {
					t.Errorf("%s has the domain_id as label %s", f.GetName(), l.GetName())
				}
			}
		}
	}
}

// cloudforetAPI is the Alert Manager plugin protocol as cloudforet-io/api defines it (proto/spaceone/api/
// alert_manager/plugin/webhook.proto and event.proto at 9cefcae, December 2024, unchanged since; the EventSeverity
// of proto/spaceone/api/alert_manager/v1/event.proto at dbda88c): every message's fields as "name=number kind",
// every enum's values as "NAME=number", every method as "name(Input) Output".
var cloudforetAPI = map[string]string{
	"spaceone.api.alert_manager.plugin.InitRequest":   "options=1 message google.protobuf.Struct, domain_id=21 string",
	"spaceone.api.alert_manager.plugin.VerifyRequest": "options=1 message google.protobuf.Struct, domain_id=21 string",
	"spaceone.api.alert_manager.plugin.PluginInfo":    "metadata=1 message google.protobuf.Struct",
	"spaceone.api.alert_manager.plugin.ParseRequest":  "options=1 message google.protobuf.Struct, data=2 message google.protobuf.Struct, domain_id=21 string",
	"spaceone.api.alert_manager.plugin.EventInfo": "event_key=1 string, event_type=2 enum spaceone.api.alert_manager.plugin.EventType, " +
		"title=3 string, description=4 string, severity=5 enum spaceone.api.alert_manager.v1.EventSeverity, rule=6 string, " +
		"image_url=7 string, resources=8 repeated string, additional_info=11 message google.protobuf.Struct, occurred_at=31 string",
	"spaceone.api.alert_manager.plugin.EventsInfo":     "results=1 repeated message spaceone.api.alert_manager.plugin.EventInfo",
	"spaceone.api.alert_manager.plugin.EventType":      "EVENT_TYPE_NONE=0, RECOVERY=1, ALERT=2",
	"spaceone.api.alert_manager.v1.EventSeverity":      "EVENT_SEVERITY_NONE=0, CRITICAL=1, ERROR=2, WARNING=3, INFO=4",
	"spaceone.api.alert_manager.plugin.Webhook.init":   "init(spaceone.api.alert_manager.plugin.InitRequest) spaceone.api.alert_manager.plugin.PluginInfo",
	"spaceone.api.alert_manager.plugin.Webhook.verify": "verify(spaceone.api.alert_manager.plugin.VerifyRequest) google.protobuf.Empty",
	"spaceone.api.alert_manager.plugin.Event.parse":    "parse(spaceone.api.alert_manager.plugin.ParseRequest) spaceone.api.alert_manager.plugin.EventsInfo",
}

// TestProtosAreCloudforetsWire holds the compiled descriptors to cloudforet-io/api's definition: a name, number or
// type that differs is another wire.
func TestProtosAreCloudforetsWire(t *testing.T) {
	describe := func(d protoreflect.Descriptor) string {
		var parts []string
		switch d := d.(type) {
		case protoreflect.MessageDescriptor:
			for i := range d.Fields().Len() {
				f := d.Fields().Get(i)
				kind := f.Kind().String()
				switch {
				case f.Message() != nil:
					kind += " " + string(f.Message().FullName())
				case f.Enum() != nil:
					kind += " " + string(f.Enum().FullName())
				}
				if f.IsList() {
					kind = "repeated " + kind
				}
				parts = append(parts, fmt.Sprintf("%s=%d %s", f.Name(), f.Number(), kind))
			}
		case protoreflect.EnumDescriptor:
			for i := range d.Values().Len() {
				v := d.Values().Get(i)
				parts = append(parts, fmt.Sprintf("%s=%d", v.Name(), v.Number()))
			}
		case protoreflect.MethodDescriptor:
			return fmt.Sprintf("%s(%s) %s", d.Name(), d.Input().FullName(), d.Output().FullName())
		}
		return strings.Join(parts, ", ")
	}
	seen := map[string]bool{}
	for _, fd := range []protoreflect.FileDescriptor{ampluginpb.File_spaceone_api_alert_manager_plugin_webhook_proto,
		ampluginpb.File_spaceone_api_alert_manager_plugin_event_proto, amv1pb.File_spaceone_api_alert_manager_v1_event_proto} {
		var all []protoreflect.Descriptor
		for i := range fd.Messages().Len() {
			all = append(all, fd.Messages().Get(i))
		}
		for i := range fd.Enums().Len() {
			all = append(all, fd.Enums().Get(i))
		}
		for i := range fd.Services().Len() {
			for j := range fd.Services().Get(i).Methods().Len() {
				all = append(all, fd.Services().Get(i).Methods().Get(j))
			}
		}
		for _, d := range all {
			name := string(d.FullName())
			seen[name] = true
			if want, ok := cloudforetAPI[name]; !ok {
				t.Errorf("%s is not in Cloudforet's API", name)
			} else if got := describe(d); got != want {
				t.Errorf("%s\n got %s\nwant %s", name, got, want)
			}
		}
	}
	for name := range cloudforetAPI {
		if !seen[name] {
			t.Errorf("%s of Cloudforet's API is missing", name)
		}
	}
}
