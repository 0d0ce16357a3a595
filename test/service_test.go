package e2e_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jhump/protoreflect/grpcreflect"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

const (
	webhookService    = "spaceone.api.monitoring.plugin.Webhook"
	serverInfoService = "spaceone.api.core.v1.ServerInfo"
)

// wantServices must be listed by both reflection versions; the plugin may serve more (such as Event).
var wantServices = []string{
	webhookService,
	serverInfoService,
	"grpc.health.v1.Health",
	"grpc.reflection.v1.ServerReflection",
	"grpc.reflection.v1alpha.ServerReflection",
}

func TestReflectionV1AlphaOffersThePluginProtocol(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr) // dial learns everything over v1alpha, as Cloudforet does

	for _, want := range wantServices {
		if !slices.Contains(c.services, want) {
			t.Errorf("v1alpha reflection lists %v, missing %s", c.services, want)
		}
	}
	// Cloudforet addresses methods by their lower-case proto names; each must resolve to a unary method.
	for _, name := range []string{"Webhook.init", "Webhook.verify", "ServerInfo.get_version"} {
		if m := c.method(t, name); m.IsStreamingClient() || m.IsStreamingServer() {
			t.Errorf("%s is streaming, want unary", path(m))
		}
	}
	if got, want := path(c.method(t, "Webhook.init")), "/"+webhookService+"/init"; got != want {
		t.Errorf("Webhook.init is at %s, want %s", got, want)
	}
}

func TestReflectionV1ListsTheSameServices(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	refl := grpcreflect.NewClientV1(ctx, reflectionv1.NewServerReflectionClient(c.conn))
	defer refl.Reset()
	names, err := refl.ListServices()
	if err != nil {
		t.Fatalf("reflection v1: list services: %v", err)
	}
	slices.Sort(names)
	if alpha := slices.Sorted(slices.Values(c.services)); !slices.Equal(names, alpha) {
		t.Errorf("reflection v1 lists %v, v1alpha lists %v", names, alpha)
	}
	sd, err := refl.ResolveService(webhookService)
	if err != nil {
		t.Fatalf("reflection v1: resolve %s: %v", webhookService, err)
	}
	for _, method := range []string{"init", "verify"} {
		if sd.FindMethodByName(method) == nil {
			t.Errorf("reflection v1: %s has no method %s", webhookService, method)
		}
	}
}

func TestHealthReportsEveryServiceServing(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	health := healthpb.NewHealthClient(c.conn)
	for _, service := range []string{"", webhookService, serverInfoService} {
		ctx, cancel := context.WithTimeout(outgoing(), callTimeout)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		cancel()
		if err != nil {
			t.Errorf("health Check(%q): %v", service, err)
			continue
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health Check(%q) = %s, want SERVING", service, resp.GetStatus())
		}
	}
}
