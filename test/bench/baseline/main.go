// Command baseline is the physical-limit reference for monhook's load comparison: a bare grpc-go server built
// from the same generated protos, with no interceptors, no logging and no work. init answers a fixed small
// metadata, verify Empty and parse no results. Health and reflection are registered, so the same load driver and
// readiness check work against both servers.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/option"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:50052", "host:port to serve gRPC on")
	schema := flag.Bool("init-schema", false, "init answers monhook's options schema too, built once: the cost of "+
		"sending an answer of monhook's size, without computing it")
	flag.Parse()
	if err := run(*listen, *schema); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(addr string, schema bool) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	doc := map[string]any{"name": "baseline", "version": "0"}
	if schema {
		doc["options_schema"] = option.Schema()
	}
	md, err := structpb.NewStruct(doc)
	if err != nil {
		return err
	}
	pluginpb.RegisterWebhookServer(srv, &webhook{info: &pluginpb.WebhookPluginInfo{Metadata: md}})
	pluginpb.RegisterEventServer(srv, &events{})
	hs := health.NewServer()
	for name := range srv.GetServiceInfo() {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		hs.Shutdown()
		srv.GracefulStop()
	}()
	return srv.Serve(lis)
}

// webhook answers Webhook with constants.
type webhook struct {
	pluginpb.UnimplementedWebhookServer
	info *pluginpb.WebhookPluginInfo
}

func (w *webhook) Init(context.Context, *pluginpb.WebhookInitRequest) (*pluginpb.WebhookPluginInfo, error) {
	return w.info, nil // read-only after start: grpc-go only marshals it
}

func (w *webhook) Verify(context.Context, *pluginpb.WebhookPluginVerifyRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// events answers Event.parse with no results, whatever the body.
type events struct {
	pluginpb.UnimplementedEventServer
}

func (events) Parse(context.Context, *pluginpb.ParseRequest) (*pluginpb.EventsInfo, error) {
	return &pluginpb.EventsInfo{}, nil
}
