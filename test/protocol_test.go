package e2e_test

import (
	"context"
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jhump/protoreflect/grpcreflect"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	"github.com/monhook/monhook/domain/source/sourcetest"
)

const (
	monitoringPackage   = "spaceone.api.monitoring.plugin"
	alertManagerPackage = "spaceone.api.alert_manager.plugin"
)

// startProtocol runs `monhook serve` for protocol ("" for the default), named in the environment as the image
// variant names it, or with --protocol, and waits until it is SERVING.
func startProtocol(t *testing.T, protocol string, viaEnv bool) *server {
	t.Helper()
	return startOn(t, func(port int) (launchSpec, string) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		spec := launchSpec{args: []string{"serve", "--listen", addr}}
		switch {
		case protocol == "":
		case viaEnv:
			spec.env = []string{"MONHOOK_PROTOCOL=" + protocol}
		default:
			spec.args = append(spec.args, "--protocol", protocol)
		}
		return spec, addr
	})
}

// pythonCoreBindings binds the services a server lists as Cloudforet's python-core client does
// (spaceone/core/pygrpc/client.py, GRPCClient._bind_grpc_stub): in the order v1alpha reflection lists them, each
// as an attribute named by its short name, so of two services with one short name the one listed last is the one
// every caller gets. It returns short name → full name.
func pythonCoreBindings(t *testing.T, addr string) map[string]string {
	t.Helper()
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	refl := grpcreflect.NewClientV1Alpha(ctx, reflectionv1alpha.NewServerReflectionClient(c.conn))
	defer refl.Reset()
	listed, err := refl.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	bound := map[string]string{}
	for _, full := range listed {
		sd, err := refl.ResolveService(full)
		if err != nil {
			t.Fatalf("resolve %s: %v", full, err)
		}
		bound[sd.GetName()] = sd.GetFullyQualifiedName() // setattr(self, service_desc.name, ...): the last wins
	}
	return bound
}

// servesProtocol checks that the server at addr, bound by short name as python-core binds it, gives pkg's Webhook
// and Event, ServerInfo and Health, and that it serves no other plugin package.
func servesProtocol(t *testing.T, addr, pkg string) {
	t.Helper()
	bound := pythonCoreBindings(t, addr)
	for _, short := range []string{"Webhook", "Event"} {
		if got, want := bound[short], pkg+"."+short; got != want {
			t.Errorf("client.%s is %s, want %s", short, got, want)
		}
	}
	if bound["ServerInfo"] != serverInfoService || bound["Health"] != "grpc.health.v1.Health" {
		t.Errorf("bindings %v lack ServerInfo or Health", bound)
	}
	for _, full := range dial(t, addr).services {
		if strings.HasPrefix(full, "spaceone.api.") && !strings.HasPrefix(full, pkg+".") && full != serverInfoService {
			t.Errorf("%s serves %s too", pkg, full)
		}
	}
}

// TestEachProtocolBindsItsOwnPackageByShortName: bound by short name as python-core binds them, Webhook and Event
// are the chosen package's in every mode, and a call through the binding gets that package's answer. Like the
// golden-file test it does not run beside the parallel tests: four busy processes would slow theirs past their
// deadlines.
func TestEachProtocolBindsItsOwnPackageByShortName(t *testing.T) {
	for _, tt := range []struct {
		name, protocol string
		viaEnv         bool
		pkg, initReply string
	}{
		{"default", "", false, monitoringPackage, "spaceone.api.monitoring.plugin.WebhookPluginInfo"},
		{"--protocol monitoring", "monitoring", false, monitoringPackage, "spaceone.api.monitoring.plugin.WebhookPluginInfo"},
		{"MONHOOK_PROTOCOL=alert_manager", "alert_manager", true, alertManagerPackage, "spaceone.api.alert_manager.plugin.PluginInfo"},
		{"--protocol alert_manager", "alert_manager", false, alertManagerPackage, "spaceone.api.alert_manager.plugin.PluginInfo"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startProtocol(t, tt.protocol, tt.viaEnv)
			servesProtocol(t, s.addr, tt.pkg)
			c := dial(t, s.addr)
			m := c.method(t, "Webhook.init")
			if got := string(m.Output().FullName()); got != tt.initReply {
				t.Errorf("Webhook.init answers %s, want %s", got, tt.initReply)
			}
			md, _ := c.mustCall(t, "Webhook.init", `{"options": {}}`)["metadata"].(map[string]any)
			if md["name"] != "monhook" || md["options_schema"] == nil {
				t.Errorf("init's metadata = %s", show(md))
			}
		})
	}
}

// alertManagerSeverity is the README's mapping of the monitoring protocol's severities onto the Alert Manager's.
var alertManagerSeverity = map[string]string{"CRITICAL": "CRITICAL", "ERROR": "ERROR", "WARNING": "WARNING",
	"INFO": "INFO", "NOT_AVAILABLE": "ERROR", "NONE": "INFO"}

// movedKey is how the Alert Manager's additional_info names a field its EventInfo lacks: the README's names, or
// the same with _2, _3, ... when the source's own entries hold the name.
var movedKey = regexp.MustCompile(`^(provider|account|resource_id|resource_type|monitoring_severity)(_[0-9]+)?$`)

// sameEventOnBothProtocols checks one event of the Alert Manager's answer against the monitoring protocol's
// answer to the same body, by the README's mapping, as both reach Cloudforet's client (MessageToDict).
func sameEventOnBothProtocols(t *testing.T, where string, mon, am map[string]any, receiptTime bool) {
	t.Helper()
	text := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	for _, k := range []string{"event_key", "event_type", "title", "description", "rule", "image_url"} {
		if text(am, k) != text(mon, k) {
			t.Errorf("%s: %s %q on the Alert Manager's wire, %q on the monitoring service's", where, k, text(am, k), text(mon, k))
		}
	}
	if text(am, "event_type") == "" {
		t.Errorf("%s: no event_type", where)
	}
	monSeverity := text(mon, "severity")
	if monSeverity == "" {
		monSeverity = "NONE" // proto3 leaves the zero value out
	}
	if got, want := text(am, "severity"), alertManagerSeverity[monSeverity]; got != want {
		t.Errorf("%s: severity %s, want %s for %s", where, got, want, monSeverity)
	}
	amAt, errA := time.Parse(time.RFC3339Nano, text(am, "occurred_at"))
	monAt, errM := time.Parse(time.RFC3339Nano, text(mon, "occurred_at"))
	switch {
	case errA != nil || errM != nil:
		t.Errorf("%s: occurred_at %q / %q", where, text(am, "occurred_at"), text(mon, "occurred_at"))
	case receiptTime: // each server's own time of receipt
		if d := amAt.Sub(monAt); d < -5*time.Second || d > 5*time.Second {
			t.Errorf("%s: times of receipt %s and %s", where, amAt, monAt)
		}
	case text(am, "occurred_at") != text(mon, "occurred_at"):
		t.Errorf("%s: occurred_at %s, the monitoring service's %s", where, text(am, "occurred_at"), text(mon, "occurred_at"))
	}
	for _, k := range []string{"resource", "provider", "account"} {
		if _, ok := am[k]; ok {
			t.Errorf("%s: the Alert Manager's EventInfo has no %s, but the answer does", where, k)
		}
	}
	resource, _ := mon["resource"].(map[string]any)
	var wantResources []any
	if n := text(resource, "name"); n != "" {
		wantResources = []any{n}
	}
	if got, _ := am["resources"].([]any); !sameJSON(got, wantResources) {
		t.Errorf("%s: resources %v, want %v", where, got, wantResources)
	}
	amInfo, _ := am["additional_info"].(map[string]any)
	monInfo, _ := mon["additional_info"].(map[string]any)
	for k, v := range monInfo {
		if amInfo[k] != v {
			t.Errorf("%s: additional_info.%s = %v, the monitoring service's %v", where, k, amInfo[k], v)
		}
	}
	moved := map[string]string{"provider": text(mon, "provider"), "account": text(mon, "account"),
		"resource_id": text(resource, "resource_id"), "resource_type": text(resource, "resource_type")}
	if monSeverity == "NOT_AVAILABLE" || monSeverity == "NONE" {
		moved["monitoring_severity"] = monSeverity
	}
	for k, v := range amInfo {
		if _, own := monInfo[k]; own {
			continue
		}
		m := movedKey.FindStringSubmatch(k)
		if m == nil || moved[m[1]] != v {
			t.Errorf("%s: additional_info.%s = %v is neither the source's nor a moved field", where, k, v)
			continue
		}
		delete(moved, m[1])
	}
	for k, v := range moved {
		if v != "" && !slices.Contains(slices.Collect(maps.Values(monInfo)), any(v)) {
			t.Errorf("%s: the monitoring protocol's %s %q is nowhere in the Alert Manager's additional_info", where, k, v)
		}
	}
}

// TestBothProtocolsAnswerEveryFixtureWithTheSameEvents sends every bundled body, through the reflection-only
// client, to a process of each protocol, and holds the Alert Manager's answer to the monitoring service's by the
// README's mapping: same events in the same order, with the same keys, types, titles, severities and times. A
// body one refuses, the other refuses in the same words; so are bad options. Like the golden-file test it does not
// run beside the parallel tests: two busy processes would slow theirs past their deadlines.
func TestBothProtocolsAnswerEveryFixtureWithTheSameEvents(t *testing.T) {
	mon, am := dial(t, startProtocol(t, "", false).addr), dial(t, startProtocol(t, "alert_manager", true).addr)
	events := 0
	for _, f := range sourcetest.Fixtures(t) {
		if f.Name() == "aws_sns/subscription-confirmation.json" {
			continue // it would be confirmed at AWS; the confirmer's own tests cover it on loopback
		}
		golden := goldenOf(t, f)
		req := `{"options": {}, "data": ` + string(f.Body) + `}`
		amReq := `{"options": {}, "data": ` + string(f.Body) + `, "domain_id": "domain-0123456789ab"}`
		if _, refused := golden["error"]; refused {
			em, ea := mon.mustFail(t, "Event.parse", req), am.mustFail(t, "Event.parse", amReq)
			if em.code != ea.code || em.details != ea.details {
				t.Errorf("%s: refused with %v %q on the monitoring service, %v %q on the Alert Manager", f.Name(), em.code, em.details, ea.code, ea.details)
			}
			continue
		}
		monResults, _ := mon.mustCall(t, "Event.parse", req)["results"].([]any)
		amResults, _ := am.mustCall(t, "Event.parse", amReq)["results"].([]any)
		goldenResults, _ := golden["results"].([]any)
		if len(amResults) != len(monResults) || len(monResults) != len(goldenResults) {
			t.Errorf("%s: %d events on the Alert Manager's wire, %d on the monitoring service's, %d in the golden file",
				f.Name(), len(amResults), len(monResults), len(goldenResults))
			continue
		}
		for i := range amResults {
			receipt := goldenResults[i].(map[string]any)["occurred_at"] == receivedInGolden
			sameEventOnBothProtocols(t, f.Name()+" #"+strconv.Itoa(i), monResults[i].(map[string]any), amResults[i].(map[string]any), receipt)
			events++
		}
	}
	if events < 100 {
		t.Errorf("only %d events compared", events)
	}
	for _, req := range []string{`{"options": {"source": "nagios"}, "data": {}}`, `{"data": {"a": 1}}`,
		`{"options": {"zzz": 1, "default_severity": "LOUD"}, "data": {}}`, `{"options": {}, "data": {"hello": "world"}}`} {
		em, ea := mon.mustFail(t, "Event.parse", req), am.mustFail(t, "Event.parse", req)
		if em.code != ea.code || em.details != ea.details || !slices.Equal(em.badRequestFields(), ea.badRequestFields()) {
			t.Errorf("%s: %v %q %v on the monitoring service, %v %q %v on the Alert Manager", req,
				em.code, em.details, em.badRequestFields(), ea.code, ea.details, ea.badRequestFields())
		}
	}
}
