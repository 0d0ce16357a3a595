// Command baseline is the reference for monhook's load comparison: a bare grpc-go server built from the same
// generated protos, with no interceptors, no logging and no work. Health and reflection are registered, so the
// same load driver and readiness check work against every server.
//
// It has two modes. By default init answers a fixed small metadata, verify Empty and parse no results: the
// cost of a call whose answer is next to nothing. With --echo it is the floor: each plugin request is decoded
// into its generated type, as grpc-go does for any server on these protos, and answered with the answer monhook
// gave it, captured by the load driver as bytes and decoded once at start; grpc-go marshals it as it marshals
// any answer. The two servers then receive, decode and send the same bytes, and only what monhook does to build
// its answer differs.
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
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:50052", "host:port to serve gRPC on")
	echo := flag.String("echo", "", "answers file written by the load driver: serve as the floor, answering each "+
		"plugin call with the captured bytes for its method and request size")
	flag.Parse()
	if err := run(*listen, *echo); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(addr, echo string) error {
	var srv *grpc.Server
	if echo != "" {
		answers, err := readAnswers(echo)
		if err != nil {
			return err
		}
		srv = grpc.NewServer(grpc.ForceServerCodecV2(sizeCodec{base: encoding.GetCodecV2("proto")}))
		for _, sd := range []grpc.ServiceDesc{pluginpb.Webhook_ServiceDesc, pluginpb.Event_ServiceDesc} {
			desc, err := echoService(sd, answers)
			if err != nil {
				return err
			}
			srv.RegisterService(desc, struct{}{})
		}
	} else {
		srv = grpc.NewServer()
		md, err := structpb.NewStruct(map[string]any{"name": "baseline", "version": "0"})
		if err != nil {
			return err
		}
		pluginpb.RegisterWebhookServer(srv, &webhook{info: &pluginpb.WebhookPluginInfo{Metadata: md}})
		pluginpb.RegisterEventServer(srv, events{})
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
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
